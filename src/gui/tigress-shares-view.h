/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tigress-application.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_SHARES_VIEW (tigress_shares_view_get_type ())

G_DECLARE_FINAL_TYPE (TigressSharesView, tigress_shares_view, TIGRESS, SHARES_VIEW, AdwBin)

/*
 * Outgoing and incoming shares with their state, times and actions
 * (cancel, show the PIN again, open, remove from the list).
 */
GtkWidget *tigress_shares_view_new             (void);
void       tigress_shares_view_set_application (TigressSharesView  *self,
                                                TigressApplication *application);

G_END_DECLS
