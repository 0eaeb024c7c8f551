/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "wallet-auth-proof.h"
#include "wallet-credential.h"
#include "wallet-keyring.h"
#include "wallet-vault.h"

G_BEGIN_DECLS

/*
 * WalletStore: the credentials of the wallet, as a GListModel of
 * WalletCredential sorted by title, kept in the keyring one item per
 * credential (kind WALLET_ITEM_CREDENTIAL, attributes: id and type), each
 * item's secret the credential's storage form sealed under the vault's
 * data key with the context "credential:<id>".
 *
 * Loading is fast even for 10,000 credentials: the store also keeps an
 * index item (kind WALLET_ITEM_INDEX) holding every credential's sealed
 * item secret again, so a load is one keyring read of one item. The
 * per-credential items stay the truth: right after a load from the index,
 * the store reads them all in one batch in the background and brings the
 * model (and the index) in line; "synchronised" turns TRUE when that is
 * done. Without an index, a load reads the items and writes the index.
 *
 * When the vault locks, the store empties itself, so no secret outlives
 * the data key.
 *
 * Every change goes to the keyring first; the model changes only after
 * the keyring confirmed it, so what you see is what is stored.
 */

#define WALLET_TYPE_STORE (wallet_store_get_type ())
G_DECLARE_FINAL_TYPE (WalletStore, wallet_store, WALLET, STORE, GObject)

WalletStore      *wallet_store_new                    (WalletVault         *vault);

WalletVault      *wallet_store_get_vault              (WalletStore         *self);

/* Fills the model from the keyring: from the index when there is one
 * (then "synchronised" turns TRUE a moment later, after the background
 * check), else from every item. Needs an unlocked vault (else
 * WALLET_VAULT_ERROR_LOCKED). Items that do not open (altered, or sealed
 * under another data key) are skipped, never deleted, and counted in
 * wallet_store_get_n_unreadable() once synchronised. */
void              wallet_store_load_async             (WalletStore         *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          wallet_store_load_finish            (WalletStore         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

guint             wallet_store_get_n_unreadable       (WalletStore         *self);

/* For changes another process (the CLI, another app) made to the keyring:
 * reads every credential item again in the background and brings the
 * model, and the index if needed, in line, changing only what differs.
 * Does nothing before the first load or while the vault is locked. */
void              wallet_store_refresh                (WalletStore         *self);

/* TRUE once the model matches the per-credential items (property
 * "synchronised", with notify). */
gboolean          wallet_store_is_synchronised        (WalletStore         *self);

/* Transfer none; NULL when absent. */
WalletCredential *wallet_store_lookup                 (WalletStore         *self,
                                                       const char          *id);
WalletCredential *wallet_store_lookup_by_share_id     (WalletStore         *self,
                                                       const char          *share_id);

/* Validates, seals and stores @credential (new, or replacing the one with
 * the same id), puts it in the model and updates the index. A failed
 * replace keeps the old item in the keyring and in the model. */
void              wallet_store_save_async             (WalletStore         *self,
                                                       WalletCredential    *credential,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          wallet_store_save_finish            (WalletStore         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Stores a credential received through share @share_id. Needs an ACCEPT
 * proof and consumes it (WALLET_AUTH_ERROR_* otherwise; nothing stored).
 * Idempotent per share id: if a credential from @share_id is already
 * stored, nothing is written and that one is returned. Unknown formats
 * are stored too (read-only). Returns the stored credential. */
void              wallet_store_add_from_share_async   (WalletStore         *self,
                                                       WalletCredential    *credential,
                                                       const char          *share_id,
                                                       WalletAuthProof     *proof,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
WalletCredential *wallet_store_add_from_share_finish  (WalletStore         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Deletes the credential @id from the keyring, then from the model. */
void              wallet_store_delete_async           (WalletStore         *self,
                                                       const char          *id,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          wallet_store_delete_finish          (WalletStore         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

G_END_DECLS
