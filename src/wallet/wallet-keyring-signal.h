/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wallet-keyring.h"

G_BEGIN_DECLS

/*
 * Our own "an item changed" signal on the session bus, for keyring writes
 * the Secret Service does not announce. gnome-keyring emits
 * Collection.ItemCreated for CreateItem but nothing at all for
 * Item.SetSecret, and WalletKeyring replaces a known item's secret in
 * place with SetSecret; without this signal an open app would never hear
 * that the CLI or another instance changed an existing item (QA F17).
 *
 * The signal is a broadcast with one argument, the keyring item's object
 * path: nothing secret, no attributes, no title. Whoever listens asks the
 * Secret Service for the item's attributes, as for the keyring's own
 * signals. Any program on the session bus can emit it; the worst it can
 * cause is a re-read of the wallet.
 */

#define WALLET_KEYRING_SIGNAL_INTERFACE "io.github.tigress_wallet.KeyringWrites"
#define WALLET_KEYRING_SIGNAL_PATH      "/io/github/tigress_wallet/KeyringWrites"
#define WALLET_KEYRING_SIGNAL_MEMBER    "ItemChanged"

/* Says on @connection that @writer replaced the secret of @item_path in
 * place. Call it once the keyring confirmed the write. Best effort: a
 * signal that cannot go out is logged, never an error of the write. */
void     wallet_keyring_signal_item_changed (WalletKeyring   *writer,
                                             GDBusConnection *connection,
                                             const char      *item_path);

/* For a watcher in the same process as @writer whose owner already
 * updates itself after @writer's writes: from now on the signals @writer
 * emits are noted until wallet_keyring_signal_take_own() takes them or
 * wallet_keyring_signal_untrack() ends the tracking. */
void     wallet_keyring_signal_track        (WalletKeyring   *writer);
void     wallet_keyring_signal_untrack      (WalletKeyring   *writer);

/* TRUE, once per signal, when a signal about @item_path that arrived from
 * this process's own connection was emitted by the tracked @writer. */
gboolean wallet_keyring_signal_take_own     (WalletKeyring   *writer,
                                             const char      *item_path);

G_END_DECLS
