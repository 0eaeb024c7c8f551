/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wallet-keyring.h"

G_BEGIN_DECLS

/* What changed in the keyring, as far as the watch could tell. */
typedef enum {
  TIGRESS_KEYRING_CHANGE_CREDENTIALS = 1 << 0,
  TIGRESS_KEYRING_CHANGE_SHARES      = 1 << 1,
} TigressKeyringChange;

#define TIGRESS_TYPE_KEYRING_WATCH (tigress_keyring_watch_get_type ())

G_DECLARE_FINAL_TYPE (TigressKeyringWatch, tigress_keyring_watch,
                      TIGRESS, KEYRING_WATCH, GObject)

/*
 * Notices when another process (the CLI, a second app) changes this
 * wallet's items in the Secret Service, so the app can read them again.
 * It listens to the collections' ItemCreated, ItemChanged and ItemDeleted
 * signals on the session bus, and to our own ItemChanged
 * (wallet-keyring-signal.h), which the writer sends itself when it
 * replaced an item's secret in place, since gnome-keyring says nothing
 * then. It keeps only the signals about credentials and
 * about shares that ended (the share ledger changed), and after a quiet
 * moment emits one "changed" signal
 * (TigressKeyringChange flags) for the whole burst. Items it cannot
 * classify (a deleted item is gone before it can be read) count as
 * credentials. The index item and the vault's own items are ignored, so
 * the reads a reload makes, and the index it may rewrite, cannot start
 * another reload. Our own signals that @own_keyring sent are ignored too:
 * the app that wrote through it has already updated itself (the keyring's
 * signals cannot be told apart by writer and are not).
 *
 * A keyring without D-Bus signals (the Flatpak file backend) is simply
 * never noticed.
 */
TigressKeyringWatch *tigress_keyring_watch_new (WalletKeyring *own_keyring);

/* Milliseconds of quiet after the last signal before "changed" fires. */
#define TIGRESS_KEYRING_WATCH_QUIET_MS 400

G_END_DECLS
