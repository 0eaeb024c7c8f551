/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "tigress-preferences-window.h"

/* The choices of the default expiry, in hours, as the share dialog offers. */
static const guint expiry_hours[] = { 1, 6, 24, 48, 168 };

#define RELAY_TEST_TIMEOUT_SECONDS 10

struct _TigressPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  AdwComboRow *expiry_row;
  GtkStringList *expiry_choices;
  GtkSwitch *pin_switch;
  AdwComboRow *auth_row;
  GtkSpinButton *clipboard_spin;
  GtkSpinButton *auto_lock_spin;
  AdwPasswordEntryRow *old_passcode;
  AdwPasswordEntryRow *new_passcode;
  AdwPasswordEntryRow *again_passcode;
  GtkLabel *passcode_message;
  GtkButton *change_passcode_button;
  AdwEntryRow *device_label_row;
  AdwPreferencesGroup *relay_list;
  AdwEntryRow *relay_entry;
  GtkButton *add_relay_button;
  GtkLabel *relay_message;

  TigressApplication *application;
  GSettings *settings;
  WalletRelays *relays;
  GPtrArray *relay_rows;
  SoupSession *http;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TigressPreferencesWindow, tigress_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

static void
show_message (GtkLabel   *label,
              const char *message,
              gboolean    is_error)
{
  gtk_label_set_text (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (label), "success");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (label), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
    }
}

/* ------------------------------------------------------------------ */
/* Relays                                                             */
/* ------------------------------------------------------------------ */

static void fill_relays (TigressPreferencesWindow *self);

static void
on_health_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AdwActionRow) row = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                             &error);
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autofree char *subtitle = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (body == NULL)
    subtitle = g_strdup_printf (_("Not reachable: %s. Check the address and the network."),
                                error->message);
  else if (soup_message_get_status (message) != SOUP_STATUS_OK)
    subtitle = g_strdup_printf (_("The server answered, but not as a relay (HTTP %u). "
                                  "Check the address."),
                                soup_message_get_status (message));
  else
    subtitle = g_strdup (_("Reachable and working"));
  adw_action_row_set_subtitle (row, subtitle);
}

static void
on_test_relay_clicked (GtkButton                *button,
                       TigressPreferencesWindow *self)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (button), "row");
  const char *relay = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  g_autofree char *url = g_strconcat (relay, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);

  if (message == NULL)
    return;
  adw_action_row_set_subtitle (row, _("Testing…"));
  soup_session_send_and_read_async (self->http, message, G_PRIORITY_DEFAULT, self->cancellable,
                                    on_health_answer, g_object_ref (row));
}

static void
on_remove_relay_clicked (GtkButton                *button,
                         TigressPreferencesWindow *self)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (button), "row");
  g_autofree char *relay = g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  g_autoptr(GError) error = NULL;

  if (!wallet_relays_remove (self->relays, relay, &error))
    show_message (self->relay_message, error->message, TRUE);
}

static void
on_default_relay_clicked (GtkButton                *button,
                          TigressPreferencesWindow *self)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (button), "row");
  g_autoptr(GError) error = NULL;

  if (!wallet_relays_set_default (self->relays,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                  &error))
    show_message (self->relay_message, error->message, TRUE);
}

static GtkWidget *
row_button_new (AdwActionRow *row,
                const char   *icon_name,
                const char   *label)
{
  GtkWidget *button = g_object_new (GTK_TYPE_BUTTON,
                                    "icon-name", icon_name,
                                    "tooltip-text", label,
                                    "valign", GTK_ALIGN_CENTER,
                                    NULL);

  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  g_object_set_data (G_OBJECT (button), "row", row);
  adw_action_row_add_suffix (row, button);
  return button;
}

static void
add_relay_row (TigressPreferencesWindow *self,
               const char               *relay,
               gboolean                  is_default)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *button;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), relay);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, is_default ? _("Used for new shares") : "");

  button = row_button_new (row, "network-transmit-receive-symbolic", _("Test Connection"));
  g_signal_connect (button, "clicked", G_CALLBACK (on_test_relay_clicked), self);
  if (!is_default)
    {
      button = row_button_new (row, "emblem-default-symbolic", _("Use for New Shares"));
      g_signal_connect (button, "clicked", G_CALLBACK (on_default_relay_clicked), self);
    }
  button = row_button_new (row, "user-trash-symbolic", _("Remove Relay"));
  g_signal_connect (button, "clicked", G_CALLBACK (on_remove_relay_clicked), self);

  adw_preferences_group_add (self->relay_list, GTK_WIDGET (row));
  g_ptr_array_add (self->relay_rows, row);
}

static void
fill_relays (TigressPreferencesWindow *self)
{
  g_auto(GStrv) trusted = wallet_relays_get_trusted (self->relays);
  g_autofree char *preferred = wallet_relays_get_default (self->relays);

  for (guint i = 0; i < self->relay_rows->len; i++)
    adw_preferences_group_remove (self->relay_list, g_ptr_array_index (self->relay_rows, i));
  g_ptr_array_set_size (self->relay_rows, 0);

  for (guint i = 0; trusted[i] != NULL; i++)
    add_relay_row (self, trusted[i], g_strcmp0 (trusted[i], preferred) == 0);
}

static void
on_add_relay_clicked (TigressPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->relay_entry));

  if (*text == '\0')
    {
      show_message (self->relay_message, _("Type the relay's address first, such as "
                                           "https://relay.example.org."), TRUE);
      return;
    }
  if (!wallet_relays_add (self->relays, text, &error))
    {
      show_message (self->relay_message, error->message, TRUE);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->relay_entry), "");
  show_message (self->relay_message, _("Relay added."), FALSE);
}

/* ------------------------------------------------------------------ */
/* Passcode                                                           */
/* ------------------------------------------------------------------ */

static void
on_passcode_changed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TigressPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->change_passcode_button), TRUE);
  if (!wallet_vault_change_passcode_finish (WALLET_VAULT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_message (self->passcode_message, error->message, TRUE);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->old_passcode), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_passcode), "");
  gtk_editable_set_text (GTK_EDITABLE (self->again_passcode), "");
  show_message (self->passcode_message, _("Passcode changed. Use the new one from now on."),
                FALSE);
}

static void
on_change_passcode_clicked (TigressPreferencesWindow *self)
{
  const char *new_text = gtk_editable_get_text (GTK_EDITABLE (self->new_passcode));
  g_autoptr(TwSecret) old_passcode = NULL;
  g_autoptr(TwSecret) new_passcode = NULL;
  g_autoptr(GError) weak = NULL;

  /* The wallet's rule, the same as for `tigress passcode change` (QA F6). */
  if (!wallet_vault_check_new_passcode (new_text, strlen (new_text), &weak))
    {
      show_message (self->passcode_message, weak->message, TRUE);
      return;
    }
  if (g_strcmp0 (new_text, gtk_editable_get_text (GTK_EDITABLE (self->again_passcode))) != 0)
    {
      show_message (self->passcode_message, _("The two new passcodes differ. Type the same "
                                              "passcode in both fields."), TRUE);
      return;
    }

  old_passcode = tw_secret_new_from_string (
                   gtk_editable_get_text (GTK_EDITABLE (self->old_passcode)));
  new_passcode = tw_secret_new_from_string (new_text);
  show_message (self->passcode_message, _("Changing the passcode…"), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->change_passcode_button), FALSE);
  wallet_vault_change_passcode_async (tigress_application_get_vault (self->application),
                                      old_passcode, new_passcode, self->cancellable,
                                      on_passcode_changed, g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* Settings that map onto rows                                        */
/* ------------------------------------------------------------------ */

static void
on_expiry_selected (TigressPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->expiry_row);

  if (selected < G_N_ELEMENTS (expiry_hours))
    g_settings_set_uint (self->settings, "default-expiry-hours", expiry_hours[selected]);
}

static void
on_auth_selected (TigressPreferencesWindow *self)
{
  g_settings_set_enum (self->settings, "auth-method",
                       (int) adw_combo_row_get_selected (self->auth_row));
}

static void
fill_expiry (TigressPreferencesWindow *self)
{
  guint wanted = g_settings_get_uint (self->settings, "default-expiry-hours");
  guint best = 0;

  for (guint i = 0; i < G_N_ELEMENTS (expiry_hours); i++)
    {
      g_autofree char *label = expiry_hours[i] < 24
        ? g_strdup_printf (ngettext ("%u hour", "%u hours", expiry_hours[i]), expiry_hours[i])
        : g_strdup_printf (ngettext ("%u day", "%u days", expiry_hours[i] / 24),
                           expiry_hours[i] / 24);

      gtk_string_list_append (self->expiry_choices, label);
      if (expiry_hours[i] <= wanted)
        best = i;
    }
  adw_combo_row_set_selected (self->expiry_row, best);
  g_signal_connect_swapped (self->expiry_row, "notify::selected",
                            G_CALLBACK (on_expiry_selected), self);
}

static void
bind_settings (TigressPreferencesWindow *self)
{
  g_settings_bind (self->settings, "require-pin", self->pin_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "clipboard-timeout", self->clipboard_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "auto-lock-minutes", self->auto_lock_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "device-label", self->device_label_row, "text",
                   G_SETTINGS_BIND_DEFAULT);

  fill_expiry (self);
  adw_combo_row_set_selected (self->auth_row,
                              (guint) g_settings_get_enum (self->settings, "auth-method"));
  g_signal_connect_swapped (self->auth_row, "notify::selected",
                            G_CALLBACK (on_auth_selected), self);
}

GtkWidget *
tigress_preferences_window_get_part (TigressPreferencesWindow *self,
                                     const char               *name)
{
  const struct { const char *name; gpointer widget; } parts[] = {
    { "relay-entry", self->relay_entry },
    { "add-relay-button", self->add_relay_button },
    { "relay-list", self->relay_list },
    { "relay-message", self->relay_message },
    { "old-passcode", self->old_passcode },
    { "new-passcode", self->new_passcode },
    { "again-passcode", self->again_passcode },
    { "change-passcode-button", self->change_passcode_button },
    { "passcode-message", self->passcode_message },
  };

  g_return_val_if_fail (TIGRESS_IS_PREFERENCES_WINDOW (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_str_equal (parts[i].name, name))
      return parts[i].widget;
  return NULL;
}

static void
tigress_preferences_window_dispose (GObject *object)
{
  TigressPreferencesWindow *self = TIGRESS_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->http);
  g_clear_object (&self->settings);
  g_clear_object (&self->relays);
  g_clear_pointer (&self->relay_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (tigress_preferences_window_parent_class)->dispose (object);
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) \
  gtk_widget_class_bind_template_child (widget_class, TigressPreferencesWindow, name)
  BIND (expiry_row);
  BIND (expiry_choices);
  BIND (pin_switch);
  BIND (auth_row);
  BIND (clipboard_spin);
  BIND (auto_lock_spin);
  BIND (old_passcode);
  BIND (new_passcode);
  BIND (again_passcode);
  BIND (passcode_message);
  BIND (change_passcode_button);
  BIND (device_label_row);
  BIND (relay_list);
  BIND (relay_entry);
  BIND (add_relay_button);
  BIND (relay_message);
#undef BIND
}

static void
tigress_preferences_window_class_init (TigressPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-preferences-window.ui");
  bind_children (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, on_add_relay_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_change_passcode_clicked);
}

static void
tigress_preferences_window_init (TigressPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->relay_rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  self->http = soup_session_new_with_options ("timeout", RELAY_TEST_TIMEOUT_SECONDS,
                                              "user-agent", "TigressWallet/1",
                                              NULL);
}

TigressPreferencesWindow *
tigress_preferences_window_new (TigressApplication *application)
{
  TigressPreferencesWindow *self;

  g_return_val_if_fail (TIGRESS_IS_APPLICATION (application), NULL);

  self = g_object_new (TIGRESS_TYPE_PREFERENCES_WINDOW, NULL);
  self->application = application;
  self->settings = g_object_ref (tigress_application_get_settings (application));
  self->relays = g_object_ref (tigress_application_get_relays (application));
  g_signal_connect_object (self->relays, "changed", G_CALLBACK (fill_relays), self,
                           G_CONNECT_SWAPPED);
  bind_settings (self);
  fill_relays (self);
  return self;
}
