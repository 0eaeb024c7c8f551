/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tigress-application.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_INVITATION_DIALOG (tigress_invitation_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TigressInvitationDialog, tigress_invitation_dialog,
                      TIGRESS, INVITATION_DIALOG, AdwWindow)

/*
 * Opening an invitation: the link (pasted here when none was given), the
 * code when the link came without its key, then the request (what, from
 * whom, through which relay, until when) with Accept and Decline, the
 * re-authentication, the PIN with the tries left, progress and result.
 * Every failure is shown in plain words with the next step.
 */
TigressInvitationDialog *tigress_invitation_dialog_new (GtkWindow          *parent,
                                                        TigressApplication *application,
                                                        const char         *link_text);

/* Goes on with an incoming share that waits for this user (from the
 * Shares view). */
TigressInvitationDialog *tigress_invitation_dialog_new_for_share (GtkWindow          *parent,
                                                                  TigressApplication *application,
                                                                  WalletShare        *share);

/* Tries to open @link_text as if pasted; FALSE with the reason shown. */
gboolean    tigress_invitation_dialog_open_link  (TigressInvitationDialog *self,
                                                  const char              *link_text);

/* "link", "code", "request", "auth", "pin", "details", "working",
 * "done", "failed" */
const char *tigress_invitation_dialog_get_page   (TigressInvitationDialog *self);
/* The message on the page that shows now (an error or a warning), or
 * NULL. */
const char *tigress_invitation_dialog_get_message (TigressInvitationDialog *self);
/* Named parts for tests: "link-row", "open-button", "code-row",
 * "accept-button", "decline-button", "relay-row", "sender-row",
 * "relay-warning", "auth-row", "pin-row", "save-button",
 * "discard-button", "retry-button", "unlock-button", "failed-page",
 * "details-page". */
GtkWidget  *tigress_invitation_dialog_get_part   (TigressInvitationDialog *self,
                                                  const char              *name);

/* The share this dialog follows, or NULL before a link opened. */
WalletShare *tigress_invitation_dialog_get_share (TigressInvitationDialog *self);

G_END_DECLS
