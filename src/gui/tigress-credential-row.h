/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wallet-credential.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_CREDENTIAL_ROW (tigress_credential_row_get_type ())

G_DECLARE_FINAL_TYPE (TigressCredentialRow, tigress_credential_row,
                      TIGRESS, CREDENTIAL_ROW, GtkWidget)

/* One line of the credential list: the type icon, the title, and a
 * subtitle that tells similar entries apart (user name, network name…). */
GtkWidget        *tigress_credential_row_new            (void);
void              tigress_credential_row_set_credential (TigressCredentialRow *self,
                                                         WalletCredential     *credential);
WalletCredential *tigress_credential_row_get_credential (TigressCredentialRow *self);
/* What the row shows (and reads out to screen readers): the title and the
 * line under it. NULL before a credential is set. */
const char       *tigress_credential_row_get_title      (TigressCredentialRow *self);
const char       *tigress_credential_row_get_subtitle   (TigressCredentialRow *self);

/* The symbolic icon name that stands for @type everywhere in the app. */
const char       *tigress_credential_type_icon_name     (WalletCredentialType  type);

/* The line under the title: the most telling non-secret field, and for a
 * received credential when it arrived. */
char             *tigress_credential_describe           (WalletCredential     *credential);
/* The same without when it arrived: the type and the most telling field. */
char             *tigress_credential_describe_kind      (WalletCredential     *credential);

G_END_DECLS
