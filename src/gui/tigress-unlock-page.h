/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wallet-vault.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_UNLOCK_PAGE (tigress_unlock_page_get_type ())

G_DECLARE_FINAL_TYPE (TigressUnlockPage, tigress_unlock_page, TIGRESS, UNLOCK_PAGE, AdwBin)

/*
 * The first thing people see: either "choose a passcode" (first run, with
 * the reason why) or "enter your passcode". It talks to the vault itself
 * and emits "unlocked" once the vault is open.
 */
GtkWidget *tigress_unlock_page_new        (void);
void       tigress_unlock_page_set_vault  (TigressUnlockPage *self,
                                           WalletVault       *vault);
/* Reads the vault state again and shows the matching form; errors from
 * the keyring show as a message with a Try Again button. */
void       tigress_unlock_page_reload     (TigressUnlockPage *self);
/* Shows @message (plain words) under the form, for errors found outside. */
void       tigress_unlock_page_show_error (TigressUnlockPage *self,
                                           const char        *message);

/* Named parts for tests: "passcode-row", "confirm-row", "submit-button",
 * "message-label", "status-page", "retry-button". */
GtkWidget *tigress_unlock_page_get_part   (TigressUnlockPage *self,
                                           const char        *name);

G_END_DECLS
