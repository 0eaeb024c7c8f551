/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tigress-application.h"

G_BEGIN_DECLS

#define TIGRESS_TYPE_PREFERENCES_WINDOW (tigress_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (TigressPreferencesWindow, tigress_preferences_window,
                      TIGRESS, PREFERENCES_WINDOW, AdwPreferencesWindow)

/*
 * Preferences: trusted relays (add, remove, test the connection), the
 * defaults for new shares, how to confirm a share, the passcode, the
 * clipboard timeout, the auto-lock delay and the device label.
 */
TigressPreferencesWindow *tigress_preferences_window_new (TigressApplication *application);

/* Named parts for tests: "relay-entry", "add-relay-button", "relay-list",
 * "relay-message", "old-passcode", "new-passcode", "again-passcode",
 * "change-passcode-button", "passcode-message". */
GtkWidget *tigress_preferences_window_get_part (TigressPreferencesWindow *self,
                                                const char               *name);

G_END_DECLS
