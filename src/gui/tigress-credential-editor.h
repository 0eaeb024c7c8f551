/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wallet-store.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_CREDENTIAL_EDITOR (tigress_credential_editor_get_type ())

G_DECLARE_FINAL_TYPE (TigressCredentialEditor, tigress_credential_editor,
                      TIGRESS, CREDENTIAL_EDITOR, AdwWindow)

/*
 * The form to add or edit a credential, built from the fields of its type.
 * Save checks the form first and says in plain words what to fix; the
 * window closes only once the keyring has stored the credential, and then
 * emits "saved" with it. A Wi-Fi form can be filled from QR text.
 */
TigressCredentialEditor *tigress_credential_editor_new_for_type (GtkWindow            *parent,
                                                                 WalletStore          *store,
                                                                 WalletCredentialType  type);
/* Edits a copy of @credential; saving replaces the stored one. */
TigressCredentialEditor *tigress_credential_editor_new_for_edit (GtkWindow            *parent,
                                                                 WalletStore          *store,
                                                                 WalletCredential     *credential);

/* Fills a Wi-Fi form from the text of a Wi-Fi QR code; on failure shows
 * the reason in the form and returns FALSE. */
gboolean    tigress_credential_editor_fill_from_wifi_text (TigressCredentialEditor *self,
                                                          const char              *qr_text);
/* Puts the focus in the QR text field (the "Import Wi-Fi" command). */
void        tigress_credential_editor_focus_import        (TigressCredentialEditor *self);

/* The widget that edits field @name ("title" for the title): a
 * GtkEditable row, a GtkSwitch or an AdwComboRow. For tests and for
 * focus handling. */
GtkWidget  *tigress_credential_editor_get_field_widget    (TigressCredentialEditor *self,
                                                          const char              *name);
GtkWidget  *tigress_credential_editor_get_save_button     (TigressCredentialEditor *self);
GtkWidget  *tigress_credential_editor_get_import_row      (TigressCredentialEditor *self);
GtkWidget  *tigress_credential_editor_get_import_button   (TigressCredentialEditor *self);
/* The message the form shows now, or NULL when there is none. */
const char *tigress_credential_editor_get_message         (TigressCredentialEditor *self);

G_END_DECLS
