/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tigress-application.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_WINDOW (tigress_window_get_type ())

G_DECLARE_FINAL_TYPE (TigressWindow, tigress_window, TIGRESS, WINDOW, AdwApplicationWindow)

TigressWindow *tigress_window_new              (TigressApplication *application);

/* Opens an invitation link (tigress: or https form) in the request view;
 * waits for the unlock first when the wallet is locked. */
void           tigress_window_open_invitation  (TigressWindow      *self,
                                                const char         *link_text);

/* Shows a short message at the bottom of the window. */
void           tigress_window_show_toast       (TigressWindow      *self,
                                                const char         *message);

/* Selects the credential with @id in the list and shows it. */
gboolean       tigress_window_select_credential (TigressWindow     *self,
                                                 const char        *id);

/* For tests and screenshots: the pieces of the window by name —
 * "unlock-page", "search-entry", "list-view", "list-stack",
 * "content-stack", "credential-view", "shares-view", "leaflet",
 * "main-stack", "toast-overlay". */
GtkWidget     *tigress_window_get_part         (TigressWindow      *self,
                                                const char         *name);

/* The window's drop target for invitation links (text or a URI list). */
GtkDropTarget *tigress_window_get_drop_target (TigressWindow *self);

/* The credential list after search filtering (a GListModel of
 * WalletCredential). */
GListModel    *tigress_window_get_visible_credentials (TigressWindow *self);

/* The dialog (editor, share, invitation) the window opened last and that
 * is still open, or NULL. */
GtkWindow     *tigress_window_get_open_dialog  (TigressWindow      *self);

G_END_DECLS
