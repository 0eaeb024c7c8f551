/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wallet-keyring.h"

G_BEGIN_DECLS

/*
 * Copying a wallet from one keyring backend to the other: someone who used
 * Tigress Wallet natively (the Secret Service) and then installs the
 * Flatpak (the portal's keyring file), or the other way round, would
 * otherwise find an empty wallet.
 *
 * Every Tigress item of the source is copied as it is stored: the data
 * key still wrapped under the passcode, everything else sealed under the
 * data key, so nothing is opened and no passcode is needed. The source is
 * only read. Items the target has already (same id, same bytes) are left
 * alone, so copying again changes nothing. An item the target holds with
 * other bytes is kept as the target has it and counted. When the two
 * keyrings hold different data keys (two separate wallets, or the same one
 * after a passcode change on one side) nothing is copied at all: the
 * target's items could not be opened with the source's key, nor the other
 * way round.
 *
 * The credentials' index item (see WalletStore) is not copied; when any
 * credential was, the target's index is deleted, so the next start reads
 * every credential item and writes a new one.
 */

#define WALLET_KEYRING_MIGRATE_ERROR (wallet_keyring_migrate_error_quark ())

typedef enum {
  WALLET_KEYRING_MIGRATE_ERROR_OTHER_WALLET,  /* the two hold different data keys */
  WALLET_KEYRING_MIGRATE_ERROR_SAME_BACKEND,  /* source and target are the same keyring */
} WalletKeyringMigrateError;

typedef struct {
  guint copied;         /* items the target did not have */
  guint already_there;  /* the target had the same item */
  guint kept;           /* the target had the id with other bytes: left as it was */
} WalletKeyringMigrateCounts;

GQuark    wallet_keyring_migrate_error_quark (void);

void      wallet_keyring_migrate_async       (WalletKeyring               *target,
                                              WalletKeyring               *source,
                                              GCancellable                *cancellable,
                                              GAsyncReadyCallback          callback,
                                              gpointer                     user_data);
/* @counts (may be NULL) is filled on success. */
gboolean  wallet_keyring_migrate_finish      (WalletKeyring               *target,
                                              GAsyncResult                *result,
                                              WalletKeyringMigrateCounts  *counts,
                                              GError                     **error);

G_END_DECLS
