/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tw-crypto.h"
#include "wallet-wifi.h"

#include "tigress-credential-editor.h"

#define TITLE_FIELD "title"

struct _TigressCredentialEditor
{
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkButton *save_button;
  GtkLabel *message_label;
  AdwPreferencesGroup *import_group;
  AdwEntryRow *import_row;
  GtkButton *import_button;
  AdwPreferencesGroup *fields_group;
  AdwEntryRow *title_row;

  WalletStore *store;
  WalletCredential *credential;
  WalletCredentialType type;
  /* field name → the widget that edits it */
  GHashTable *field_widgets;
  GCancellable *cancellable;
  /* after a first failed Save the form checks itself on every change */
  gboolean check_as_you_type;
  gboolean saving;
};

G_DEFINE_FINAL_TYPE (TigressCredentialEditor, tigress_credential_editor, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* How people type dates here: local time, minutes precision. */
#define DATE_INPUT_FORMAT "%Y-%m-%d %H:%M"

static void
show_message (TigressCredentialEditor *self,
              const char              *message)
{
  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

const char *
tigress_credential_editor_get_message (TigressCredentialEditor *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->message_label)))
    return NULL;
  return gtk_label_get_text (self->message_label);
}

static char *
datetime_for_input (const char *iso_value)
{
  g_autoptr(GDateTime) utc = iso_value ? g_date_time_new_from_iso8601 (iso_value, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, DATE_INPUT_FORMAT);
}

/* "2025-01-31 18:00" in local time → ISO 8601 UTC; NULL if not a date. */
static char *
datetime_from_input (const char *text)
{
  int year, month, day, hour = 0, minute = 0;
  char trailing;
  int matched = sscanf (text, "%d-%d-%d %d:%d %c", &year, &month, &day, &hour, &minute,
                        &trailing);
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) utc = NULL;

  if (matched != 3 && matched != 5)
    return NULL;
  local = g_date_time_new_local (year, month, day, hour, minute, 0);
  if (local == NULL)
    return NULL;
  utc = g_date_time_to_utc (local);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static void
on_form_changed (TigressCredentialEditor *self);
static void
on_save_clicked (TigressCredentialEditor *self);

static GtkWidget *
entry_row_new (const WalletFieldInfo *info,
               gboolean               secret)
{
  GtkWidget *row = secret ? adw_password_entry_row_new () : adw_entry_row_new ();
  g_autofree char *title = NULL;

  if (info->kind == WALLET_FIELD_KIND_DATETIME)
    /* Translators: a date field's name, then how to write a date */
    title = g_strdup_printf (_("%s (YYYY-MM-DD HH:MM)"), gettext (info->label));
  else
    title = g_strdup (gettext (info->label));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (info->kind == WALLET_FIELD_KIND_URL)
    gtk_editable_set_enable_undo (GTK_EDITABLE (row), TRUE);
  return row;
}

static GtkWidget *
choice_row_new (const WalletFieldInfo *info)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) choices = gtk_string_list_new ((const char * const *) info->choices);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gettext (info->label));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (choices));
  return row;
}

/* Adds the row for one field and returns the widget that holds its value. */
static GtkWidget *
add_field_row (TigressCredentialEditor *self,
               const WalletFieldInfo   *info)
{
  gboolean secret = (info->flags & WALLET_FIELD_FLAG_SECRET) != 0;
  GtkWidget *row;
  GtkWidget *value_widget;

  if (info->kind == WALLET_FIELD_KIND_BOOLEAN)
    {
      row = adw_action_row_new ();
      value_widget = gtk_switch_new ();
      gtk_widget_set_valign (value_widget, GTK_ALIGN_CENTER);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gettext (info->label));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), value_widget);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), value_widget);
      gtk_accessible_update_property (GTK_ACCESSIBLE (value_widget),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, gettext (info->label), -1);
      g_signal_connect_swapped (value_widget, "notify::active",
                                G_CALLBACK (on_form_changed), self);
    }
  else if (info->kind == WALLET_FIELD_KIND_CHOICE)
    {
      row = value_widget = choice_row_new (info);
      g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (on_form_changed), self);
    }
  else
    {
      row = value_widget = entry_row_new (info, secret);
      g_signal_connect_swapped (row, "changed", G_CALLBACK (on_form_changed), self);
      /* Enter in a field saves, as in any form (QA H6); a form that is not
       * complete says what is missing instead. */
      g_signal_connect_swapped (row, "entry-activated", G_CALLBACK (on_save_clicked), self);
    }

  adw_preferences_group_add (self->fields_group, row);
  g_hash_table_insert (self->field_widgets, (gpointer) info->name, value_widget);
  return value_widget;
}

static gboolean
field_is_editable (const WalletFieldInfo *info)
{
  return info->kind != WALLET_FIELD_KIND_BINARY &&
         (info->flags & WALLET_FIELD_FLAG_GENERATED) == 0;
}

static void
put_value (GtkWidget             *widget,
           const WalletFieldInfo *info,
           const char            *value)
{
  if (GTK_IS_SWITCH (widget))
    gtk_switch_set_active (GTK_SWITCH (widget), g_strcmp0 (value, "true") == 0);
  else if (ADW_IS_COMBO_ROW (widget))
    {
      for (guint i = 0; info->choices[i] != NULL; i++)
        if (g_strcmp0 (info->choices[i], value) == 0)
          adw_combo_row_set_selected (ADW_COMBO_ROW (widget), i);
    }
  else if (info->kind == WALLET_FIELD_KIND_DATETIME)
    {
      g_autofree char *shown = datetime_for_input (value);

      gtk_editable_set_text (GTK_EDITABLE (widget), shown);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (widget), value ? value : "");
}

static void
load_values (TigressCredentialEditor *self,
             WalletCredential        *credential)
{
  const WalletFieldInfo *fields;
  guint n_fields = 0;

  gtk_editable_set_text (GTK_EDITABLE (self->title_row),
                         wallet_credential_get_title (credential) ?: "");
  fields = wallet_credential_type_get_fields (self->type, &n_fields);
  for (guint i = 0; i < n_fields; i++)
    {
      GtkWidget *widget = g_hash_table_lookup (self->field_widgets, fields[i].name);
      TwSecret *secret;

      if (widget == NULL)
        continue;
      if ((fields[i].flags & WALLET_FIELD_FLAG_SECRET) == 0)
        {
          put_value (widget, &fields[i], wallet_credential_get_field (credential, fields[i].name));
          continue;
        }
      secret = wallet_credential_get_secret (credential, fields[i].name);
      gtk_editable_set_text (GTK_EDITABLE (widget), secret ? tw_secret_get_text (secret) : "");
    }
}

static gboolean
take_value (WalletCredential      *credential,
            const WalletFieldInfo *info,
            GtkWidget             *widget,
            GError               **error)
{
  const char *text;
  g_autofree char *iso = NULL;

  if (GTK_IS_SWITCH (widget))
    {
      wallet_credential_set_field (credential, info->name,
                                   gtk_switch_get_active (GTK_SWITCH (widget)) ? "true" : "false");
      return TRUE;
    }
  if (ADW_IS_COMBO_ROW (widget))
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (widget));

      wallet_credential_set_field (credential, info->name,
                                   selected == GTK_INVALID_LIST_POSITION
                                   ? NULL : info->choices[selected]);
      return TRUE;
    }

  text = gtk_editable_get_text (GTK_EDITABLE (widget));
  if ((info->flags & WALLET_FIELD_FLAG_SECRET) != 0)
    {
      g_autoptr(TwSecret) secret = *text ? tw_secret_new_from_string (text) : NULL;

      wallet_credential_set_secret (credential, info->name, secret);
      return TRUE;
    }
  if (info->kind != WALLET_FIELD_KIND_DATETIME || *text == '\0')
    {
      wallet_credential_set_field (credential, info->name, text);
      return TRUE;
    }

  iso = datetime_from_input (text);
  if (iso == NULL)
    {
      g_set_error (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_INVALID,
                   /* Translators: %s is a field name such as "Valid from" */
                   _("%s is not a date this form understands. Write it like "
                     "2025-01-31 18:00."), gettext (info->label));
      return FALSE;
    }
  wallet_credential_set_field (credential, info->name, iso);
  return TRUE;
}

/* A credential holding what the form says now, or NULL with the first
 * problem in @error. */
static WalletCredential *
credential_from_form (TigressCredentialEditor *self,
                      GError                 **error)
{
  g_autoptr(WalletCredential) credential = NULL;
  const WalletFieldInfo *fields;
  guint n_fields = 0;

  if (self->credential != NULL)
    credential = wallet_credential_copy (self->credential);
  else if (self->type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER)
    /* An owner identity starts with its own fresh signing key. */
    credential = wallet_credential_new_digital_key_owner (
                   gtk_editable_get_text (GTK_EDITABLE (self->title_row)));
  else
    credential = wallet_credential_new (self->type);
  wallet_credential_set_title (credential,
                               gtk_editable_get_text (GTK_EDITABLE (self->title_row)));
  fields = wallet_credential_type_get_fields (self->type, &n_fields);
  for (guint i = 0; i < n_fields; i++)
    {
      GtkWidget *widget = g_hash_table_lookup (self->field_widgets, fields[i].name);

      if (widget != NULL && !take_value (credential, &fields[i], widget, error))
        return NULL;
    }

  if (!wallet_credential_validate (credential, error))
    return NULL;
  return g_steal_pointer (&credential);
}

static void
on_form_changed (TigressCredentialEditor *self)
{
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  if (!self->check_as_you_type || self->saving)
    return;

  credential = credential_from_form (self, &error);
  show_message (self, error ? error->message : NULL);
}

static void
set_saving (TigressCredentialEditor *self,
            gboolean                 saving)
{
  self->saving = saving;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), !saving);
  gtk_widget_set_sensitive (GTK_WIDGET (self->fields_group), !saving);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TigressCredentialEditor) self = user_data;
  g_autoptr(WalletCredential) credential = g_object_steal_data (G_OBJECT (self),
                                                                 "saving-credential");
  g_autoptr(GError) error = NULL;

  if (!wallet_store_save_finish (WALLET_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_saving (self, FALSE);
      show_message (self, error->message);
      return;
    }

  g_signal_emit (self, signals[SIGNAL_SAVED], 0, credential);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_save_clicked (TigressCredentialEditor *self)
{
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  if (self->saving)
    return;

  credential = credential_from_form (self, &error);
  if (credential == NULL)
    {
      self->check_as_you_type = TRUE;
      show_message (self, error->message);
      return;
    }

  show_message (self, NULL);
  set_saving (self, TRUE);
  g_object_set_data_full (G_OBJECT (self), "saving-credential",
                          g_object_ref (credential), g_object_unref);
  wallet_store_save_async (self->store, credential, self->cancellable, on_saved,
                           g_object_ref (self));
}

gboolean
tigress_credential_editor_fill_from_wifi_text (TigressCredentialEditor *self,
                                               const char              *qr_text)
{
  g_autoptr(TwSecret) text = NULL;
  g_autoptr(WalletCredential) network = NULL;
  g_autoptr(GError) error = NULL;
  char *trimmed;

  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self), FALSE);
  g_return_val_if_fail (self->type == WALLET_CREDENTIAL_WIFI, FALSE);

  /* The QR text holds the password: keep our copy short-lived and wiped. */
  trimmed = g_strstrip (g_strdup (qr_text));
  text = tw_secret_new_from_string (trimmed);
  tw_wipe (trimmed, strlen (trimmed));
  g_free (trimmed);
  network = wallet_wifi_parse (text, &error);
  if (network == NULL)
    {
      show_message (self, error->message);
      return FALSE;
    }

  load_values (self, network);
  gtk_editable_set_text (GTK_EDITABLE (self->import_row), "");
  show_message (self, NULL);
  return TRUE;
}

static void
on_import_clicked (TigressCredentialEditor *self)
{
  tigress_credential_editor_fill_from_wifi_text (self,
    gtk_editable_get_text (GTK_EDITABLE (self->import_row)));
}

void
tigress_credential_editor_focus_import (TigressCredentialEditor *self)
{
  g_return_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->import_row));
}

GtkWidget *
tigress_credential_editor_get_field_widget (TigressCredentialEditor *self,
                                            const char              *name)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self), NULL);

  if (g_strcmp0 (name, TITLE_FIELD) == 0)
    return GTK_WIDGET (self->title_row);
  return g_hash_table_lookup (self->field_widgets, name);
}

GtkWidget *
tigress_credential_editor_get_save_button (TigressCredentialEditor *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self), NULL);

  return GTK_WIDGET (self->save_button);
}

GtkWidget *
tigress_credential_editor_get_import_row (TigressCredentialEditor *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self), NULL);

  return GTK_WIDGET (self->import_row);
}

GtkWidget *
tigress_credential_editor_get_import_button (TigressCredentialEditor *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_EDITOR (self), NULL);

  return GTK_WIDGET (self->import_button);
}

static void
build_form (TigressCredentialEditor *self)
{
  const WalletFieldInfo *fields;
  guint n_fields = 0;
  const char *type_label = wallet_credential_type_get_label (self->type);

  fields = wallet_credential_type_get_fields (self->type, &n_fields);
  for (guint i = 0; i < n_fields; i++)
    if (field_is_editable (&fields[i]))
      add_field_row (self, &fields[i]);

  gtk_widget_set_visible (GTK_WIDGET (self->import_group),
                          self->type == WALLET_CREDENTIAL_WIFI);
  adw_window_title_set_title (self->window_title,
                              self->credential ? _("Edit") : _("Add"));
  adw_window_title_set_subtitle (self->window_title, type_label);
}

static void
tigress_credential_editor_dispose (GObject *object)
{
  TigressCredentialEditor *self = TIGRESS_CREDENTIAL_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->credential);
  g_clear_pointer (&self->field_widgets, g_hash_table_unref);

  G_OBJECT_CLASS (tigress_credential_editor_parent_class)->dispose (object);
}

static void
tigress_credential_editor_class_init (TigressCredentialEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_credential_editor_dispose;

  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, WALLET_TYPE_CREDENTIAL);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-credential-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, message_label);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, import_group);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, import_row);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, import_button);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, fields_group);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialEditor, title_row);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_form_changed);
}

static void
tigress_credential_editor_init (TigressCredentialEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->field_widgets = g_hash_table_new (g_str_hash, g_str_equal);
  self->cancellable = g_cancellable_new ();
}

static TigressCredentialEditor *
editor_new (GtkWindow            *parent,
            WalletStore          *store,
            WalletCredentialType  type,
            WalletCredential     *credential)
{
  TigressCredentialEditor *self = g_object_new (TIGRESS_TYPE_CREDENTIAL_EDITOR,
                                                "transient-for", parent,
                                                NULL);

  self->store = g_object_ref (store);
  self->type = type;
  self->credential = credential ? wallet_credential_copy (credential) : NULL;
  build_form (self);
  if (self->credential != NULL)
    load_values (self, self->credential);
  /* Typing starts in the title, not on the first button (QA H6). */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->title_row));
  return self;
}

TigressCredentialEditor *
tigress_credential_editor_new_for_type (GtkWindow            *parent,
                                        WalletStore          *store,
                                        WalletCredentialType  type)
{
  g_return_val_if_fail (WALLET_IS_STORE (store), NULL);

  return editor_new (parent, store, type, NULL);
}

TigressCredentialEditor *
tigress_credential_editor_new_for_edit (GtkWindow        *parent,
                                        WalletStore      *store,
                                        WalletCredential *credential)
{
  g_return_val_if_fail (WALLET_IS_STORE (store), NULL);
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (credential), NULL);

  return editor_new (parent, store, wallet_credential_get_credential_type (credential),
                     credential);
}
