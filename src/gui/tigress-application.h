/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wallet.h"
#include "wallet-share-manager.h"

#include "tigress-clipboard.h"
#include "tigress-keyring-watch.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_APPLICATION (tigress_application_get_type ())

G_DECLARE_FINAL_TYPE (TigressApplication, tigress_application,
                      TIGRESS, APPLICATION, AdwApplication)

TigressApplication *tigress_application_new             (void);

/* The main window, made on first use. */
GtkWindow          *tigress_application_get_main_window (TigressApplication *self);

TigressClipboard   *tigress_application_get_clipboard   (TigressApplication *self);
GSettings          *tigress_application_get_settings    (TigressApplication *self);

/* The wallet services, one of each for the whole app; made at startup. */
WalletVault        *tigress_application_get_vault       (TigressApplication *self);
WalletStore        *tigress_application_get_store       (TigressApplication *self);
WalletAuth         *tigress_application_get_auth        (TigressApplication *self);
WalletRelays       *tigress_application_get_relays      (TigressApplication *self);
WalletContacts     *tigress_application_get_contacts    (TigressApplication *self);
WalletShareManager *tigress_application_get_shares      (TigressApplication *self);
/* Notices changes other processes make to the keyring (tests watch it). */
TigressKeyringWatch *tigress_application_get_keyring_watch (TigressApplication *self);

/* While shares are pending the app keeps running with its window closed,
 * so a recipient can still be served; it says so once when that happens. */
void                tigress_application_set_shares_pending (TigressApplication *self,
                                                            gboolean            pending);
gboolean            tigress_application_get_shares_pending (TigressApplication *self);

/* A desktop notification, only when no window of ours is in front (the
 * window shows the same news itself otherwise). @id replaces an earlier
 * notification with the same id. */
void                tigress_application_notify          (TigressApplication *self,
                                                         const char         *id,
                                                         const char         *title,
                                                         const char         *body);

G_END_DECLS
