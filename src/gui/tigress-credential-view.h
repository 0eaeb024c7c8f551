/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wallet-credential.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_CREDENTIAL_VIEW (tigress_credential_view_get_type ())

G_DECLARE_FINAL_TYPE (TigressCredentialView, tigress_credential_view,
                      TIGRESS, CREDENTIAL_VIEW, AdwBin)

/*
 * The detail page of one credential: every field, secrets hidden until
 * revealed, a copy button per field (secrets leave the clipboard after the
 * clipboard timeout), and Share, Edit and Delete.
 */
GtkWidget        *tigress_credential_view_new               (void);
void              tigress_credential_view_set_credential    (TigressCredentialView *self,
                                                             WalletCredential      *credential);
WalletCredential *tigress_credential_view_get_credential    (TigressCredentialView *self);

/* Whether Share applies: the types that travel as copies, and owner
 * identities, which issue a new digital key to the recipient. */
gboolean          tigress_credential_can_be_shared          (WalletCredential      *credential);

/* The field that holds the main secret of @type, or NULL. */
const char       *tigress_credential_main_secret_field      (WalletCredentialType   type);

/* Copies the main secret (password, Wi-Fi password, code); FALSE if the
 * credential has none. */
gboolean          tigress_credential_view_copy_main_secret  (TigressCredentialView *self);
/* Shows or hides every secret field. */
void              tigress_credential_view_toggle_reveal     (TigressCredentialView *self);
gboolean          tigress_credential_view_get_revealed      (TigressCredentialView *self);

G_END_DECLS
