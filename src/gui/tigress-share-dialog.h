/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tw-link.h"
#include "wallet-share.h"
#include "tigress-application.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_SHARE_DIALOG (tigress_share_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TigressShareDialog, tigress_share_dialog,
                      TIGRESS, SHARE_DIALOG, AdwWindow)

/*
 * Sharing one credential, in three steps: the options (relay, expiry,
 * PIN, sending the code separately; rights and validity for digital
 * keys), the re-authentication, and the invitation: the QR code, the link
 * with a copy button (tigress: form first, the https form on request), the
 * warning for direct shares, the PIN large with a copy button, and the
 * live state of the share with Cancel.
 */
TigressShareDialog *tigress_share_dialog_new              (GtkWindow          *parent,
                                                           TigressApplication *application,
                                                           WalletCredential   *credential);

/* Shows the invitation page for @link. @pin is NULL for a direct share.
 * With @key_separately the link is shown without its key and the key
 * gets its own copy button. */
void        tigress_share_dialog_show_invitation          (TigressShareDialog *self,
                                                           TwLink             *link,
                                                           TwSecret           *pin,
                                                           gboolean            key_separately);
/* The state line under the invitation; @finished stops the spinner and
 * hides Cancel. */
void        tigress_share_dialog_set_status               (TigressShareDialog *self,
                                                           const char         *status,
                                                           gboolean            finished);
void        tigress_share_dialog_show_failure             (TigressShareDialog *self,
                                                           const char         *message);

/* Which page shows: "options", "auth", "working", "invitation", "ended"
 * (the share is over: what happened, and nothing that opens it), "failed". */
const char *tigress_share_dialog_get_page                 (TigressShareDialog *self);
/* The link text shown beside the QR code, and the QR code's own text. */
const char *tigress_share_dialog_get_link_text            (TigressShareDialog *self);
const char *tigress_share_dialog_get_qr_text              (TigressShareDialog *self);
/* The widget holding the QR code, the PIN text (NULL without a PIN), and
 * named parts for tests: "next-button", "pin-switch", "separate-switch",
 * "auth-row", "auth-button", "https-switch", "cancel-share-button",
 * "copy-link-button", "copy-pin-button", "invitation-page", "qr-picture",
 * "direct-warning", "status-label", "ended-page", "message-label", "relay-row",
 * "rights-row", "key-label" (the code sent separately). */
GtkWidget  *tigress_share_dialog_get_part                 (TigressShareDialog *self,
                                                           const char         *name);
const char *tigress_share_dialog_get_pin_text             (TigressShareDialog *self);
/* The share this dialog started, or NULL before it exists. */
WalletShare *tigress_share_dialog_get_share               (TigressShareDialog *self);

G_END_DECLS
