/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-application.h"
#include "tigress-credential-row.h"
#include "tigress-credential-view.h"
#include "tigress-date.h"
#include "tw-cert.h"

#define HIDDEN_SECRET "●●●●●●●●"

struct _TigressCredentialView
{
  AdwBin parent_instance;

  GtkImage *type_icon;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkLabel *read_only_label;
  AdwPreferencesGroup *fields_group;
  GtkButton *share_button;
  GtkButton *edit_button;
  GtkButton *share_button_narrow;
  GtkButton *edit_button_narrow;

  WalletCredential *credential;
  GPtrArray *rows;
  gboolean revealed;
};

G_DEFINE_FINAL_TYPE (TigressCredentialView, tigress_credential_view, ADW_TYPE_BIN)

gboolean
tigress_credential_can_be_shared (WalletCredential *credential)
{
  return wallet_credential_is_shareable (credential) ||
         wallet_credential_get_credential_type (credential) == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER;
}

const char *
tigress_credential_main_secret_field (WalletCredentialType type)
{
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      return WALLET_FIELD_SECRET;
    case WALLET_CREDENTIAL_WIFI:
      return WALLET_FIELD_PASSWORD;
    case WALLET_CREDENTIAL_ACCESS_CODE:
      return WALLET_FIELD_CODE;
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      return NULL;
    }
}

static void
show_toast (TigressCredentialView *self,
            const char            *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static TigressApplication *
find_application (TigressCredentialView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *application = GTK_IS_WINDOW (root)
                                ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

  return TIGRESS_IS_APPLICATION (application) ? TIGRESS_APPLICATION (application) : NULL;
}

static void
copy_field (TigressCredentialView *self,
            const char            *field_name)
{
  TigressApplication *application = find_application (self);
  const WalletFieldInfo *info;
  guint timeout;
  g_autofree char *message = NULL;

  if (application == NULL || self->credential == NULL)
    return;
  info = wallet_credential_type_find_field (
           wallet_credential_get_credential_type (self->credential), field_name);
  if (info == NULL)
    return;

  if ((info->flags & WALLET_FIELD_FLAG_SECRET) == 0)
    {
      tigress_clipboard_copy_text (tigress_application_get_clipboard (application),
                                   wallet_credential_get_field (self->credential, field_name));
      show_toast (self, _("Copied"));
      return;
    }

  timeout = g_settings_get_uint (tigress_application_get_settings (application),
                                 "clipboard-timeout");
  tigress_clipboard_copy_secret (tigress_application_get_clipboard (application),
                                 tw_secret_get_text (wallet_credential_get_secret (self->credential,
                                                                                   field_name)),
                                 timeout);
  message = g_strdup_printf (ngettext ("Copied. The clipboard is cleared in %u second.",
                                       "Copied. The clipboard is cleared in %u seconds.",
                                       timeout),
                             timeout);
  show_toast (self, message);
}

static void
on_copy_clicked (GtkButton             *button,
                 TigressCredentialView *self)
{
  copy_field (self, g_object_get_data (G_OBJECT (button), "field-name"));
}

static void
show_secret_in_row (TigressCredentialView *self,
                    AdwActionRow          *row,
                    gboolean               reveal)
{
  const char *field_name = g_object_get_data (G_OBJECT (row), "field-name");
  TwSecret *secret = wallet_credential_get_secret (self->credential, field_name);

  adw_action_row_set_subtitle (row, reveal ? tw_secret_get_text (secret) : HIDDEN_SECRET);
}

static void
on_reveal_toggled (GtkToggleButton       *toggle,
                   TigressCredentialView *self)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (toggle), "row");
  gboolean reveal = gtk_toggle_button_get_active (toggle);

  show_secret_in_row (self, row, reveal);
  gtk_button_set_icon_name (GTK_BUTTON (toggle),
                            reveal ? "view-conceal-symbolic" : "view-reveal-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (toggle), reveal ? _("Hide") : _("Show"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  reveal ? _("Hide") : _("Show"), -1);
}

static GtkWidget *
icon_button_new (const char *icon_name,
                 const char *label,
                 GType       type)
{
  GtkWidget *button = g_object_new (type,
                                    "icon-name", icon_name,
                                    "tooltip-text", label,
                                    "valign", GTK_ALIGN_CENTER,
                                    NULL);

  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return button;
}

static void
add_copy_button (TigressCredentialView *self,
                 AdwActionRow          *row,
                 const char            *field_name)
{
  GtkWidget *copy = icon_button_new ("edit-copy-symbolic", _("Copy"), GTK_TYPE_BUTTON);

  g_object_set_data_full (G_OBJECT (copy), "field-name", g_strdup (field_name), g_free);
  g_signal_connect (copy, "clicked", G_CALLBACK (on_copy_clicked), self);
  adw_action_row_add_suffix (row, copy);
}

static void
add_reveal_button (TigressCredentialView *self,
                   AdwActionRow          *row)
{
  GtkWidget *toggle = icon_button_new ("view-reveal-symbolic", _("Show"),
                                       GTK_TYPE_TOGGLE_BUTTON);

  g_object_set_data (G_OBJECT (toggle), "row", row);
  g_object_set_data (G_OBJECT (row), "reveal-toggle", toggle);
  g_signal_connect (toggle, "toggled", G_CALLBACK (on_reveal_toggled), self);
  adw_action_row_add_suffix (row, toggle);
}

/* A digital key's rights in words, not the certificate's bit mask (QA H5):
 * the same names as `tigress show`. Bits this version does not know stay a
 * number. */
static char *
describe_rights (const char *value)
{
  static const struct {
    guint32     right;
    const char *name;
  } right_names[] = {
    /* Translators: rights of a digital key, listed with commas */
    { TW_CERT_RIGHT_UNLOCK, N_("unlock") },
    { TW_CERT_RIGHT_LOCK, N_("lock") },
    { TW_CERT_RIGHT_START, N_("start") },
    { TW_CERT_RIGHT_TRUNK, N_("trunk") },
  };
  g_autoptr(GString) text = g_string_new (NULL);
  guint64 rest;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &rest, NULL))
    return g_strdup (value);

  for (gsize i = 0; i < G_N_ELEMENTS (right_names); i++)
    if (rest & right_names[i].right)
      {
        g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "",
                                gettext (right_names[i].name));
        rest &= ~(guint64) right_names[i].right;
      }
  if (rest != 0 || text->len == 0)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, text->len > 0 ? ", " : "", rest);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
display_value (const WalletFieldInfo *info,
               const char            *value)
{
  g_autoptr(GDateTime) utc = NULL;

  if (g_str_equal (info->name, WALLET_FIELD_RIGHTS))
    return describe_rights (value);

  switch (info->kind)
    {
    case WALLET_FIELD_KIND_BOOLEAN:
      /* Translators: the value of a yes-or-no detail, such as "Hidden network" */
      return g_strdup (g_strcmp0 (value, "true") == 0 ? _("Yes") : _("No"));
    case WALLET_FIELD_KIND_DATETIME:
      utc = g_date_time_new_from_iso8601 (value, NULL);
      if (utc == NULL)
        return g_strdup (value);
      return tigress_date_format (utc);
    case WALLET_FIELD_KIND_TEXT:
    case WALLET_FIELD_KIND_MULTILINE:
    case WALLET_FIELD_KIND_URL:
    case WALLET_FIELD_KIND_PASSWORD:
    case WALLET_FIELD_KIND_CHOICE:
    case WALLET_FIELD_KIND_NUMBER:
    case WALLET_FIELD_KIND_BINARY:
    default:
      return g_strdup (value);
    }
}

static void
add_field_row (TigressCredentialView *self,
               const WalletFieldInfo *info)
{
  gboolean secret = (info->flags & WALLET_FIELD_FLAG_SECRET) != 0;
  const char *value = secret ? NULL : wallet_credential_get_field (self->credential, info->name);
  AdwActionRow *row;

  if (secret ? wallet_credential_get_secret (self->credential, info->name) == NULL
             : (value == NULL || *value == '\0'))
    return;

  row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gettext (info->label));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (row), "property");
  g_object_set_data_full (G_OBJECT (row), "field-name", g_strdup (info->name), g_free);

  if (secret && info->kind != WALLET_FIELD_KIND_BINARY)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "secret");
      show_secret_in_row (self, row, self->revealed);
      add_reveal_button (self, row);
      add_copy_button (self, row, info->name);
    }
  else if (secret)
    {
      /* Key material made on this device never leaves it, not even on the
       * clipboard. */
      adw_action_row_set_subtitle (row, _("Kept on this device"));
    }
  else
    {
      g_autofree char *shown = display_value (info, value);

      adw_action_row_set_subtitle (row, shown);
      add_copy_button (self, row, info->name);
    }

  adw_preferences_group_add (self->fields_group, GTK_WIDGET (row));
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (TigressCredentialView *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->fields_group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
}

/* Each button is there twice, in the row and in the narrow layout. */
static void
show_button (GtkButton *button,
             GtkButton *narrow_button,
             gboolean   visible)
{
  gtk_widget_set_visible (GTK_WIDGET (button), visible);
  gtk_widget_set_visible (GTK_WIDGET (narrow_button), visible);
}

/* Building a received credential fills its fields, which may move its
 * change time a second or two past its arrival; an edit comes later. */
#define RECEIVED_SETTLE_SECONDS 5

static gboolean
received_and_never_edited (WalletCredential *credential)
{
  GDateTime *created = wallet_credential_get_created (credential);
  GDateTime *modified = wallet_credential_get_modified (credential);

  if (wallet_credential_get_share_id (credential) == NULL || created == NULL || modified == NULL)
    return FALSE;
  return g_date_time_difference (modified, created)
         <= RECEIVED_SETTLE_SECONDS * G_TIME_SPAN_SECOND;
}

/* The list row says when a received credential arrived; the page says the
 * same until it is edited, then when it was last changed. */
static char *
describe_when (WalletCredential *credential)
{
  const char *type_label =
    wallet_credential_type_get_label (wallet_credential_get_credential_type (credential));
  g_autofree char *when = NULL;

  if (received_and_never_edited (credential))
    {
      when = tigress_date_format (wallet_credential_get_created (credential));
      /* Translators: a credential type, then the date and time it arrived */
      return g_strdup_printf (_("%s · received %s"), type_label, when);
    }
  when = tigress_date_format (wallet_credential_get_modified (credential));
  /* Translators: a credential type, then when it was last changed */
  return g_strdup_printf (_("%s · changed %s"), type_label, when);
}

static void
fill_header (TigressCredentialView *self)
{
  WalletCredentialType type = wallet_credential_get_credential_type (self->credential);
  g_autofree char *subtitle = describe_when (self->credential);

  gtk_image_set_from_icon_name (self->type_icon, tigress_credential_type_icon_name (type));
  gtk_label_set_text (self->title_label, wallet_credential_get_title (self->credential));
  gtk_label_set_text (self->subtitle_label, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->read_only_label),
                          wallet_credential_is_read_only (self->credential));
  show_button (self->share_button, self->share_button_narrow,
               tigress_credential_can_be_shared (self->credential));
  show_button (self->edit_button, self->edit_button_narrow,
               !wallet_credential_is_read_only (self->credential));
}

void
tigress_credential_view_set_credential (TigressCredentialView *self,
                                        WalletCredential      *credential)
{
  const WalletFieldInfo *fields;
  guint n_fields = 0;

  g_return_if_fail (TIGRESS_IS_CREDENTIAL_VIEW (self));

  clear_rows (self);
  self->revealed = FALSE;
  g_set_object (&self->credential, credential);
  if (credential == NULL)
    return;

  fill_header (self);
  fields = wallet_credential_type_get_fields (wallet_credential_get_credential_type (credential),
                                              &n_fields);
  for (guint i = 0; i < n_fields; i++)
    add_field_row (self, &fields[i]);
}

WalletCredential *
tigress_credential_view_get_credential (TigressCredentialView *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_VIEW (self), NULL);

  return self->credential;
}

gboolean
tigress_credential_view_copy_main_secret (TigressCredentialView *self)
{
  const char *field;

  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_VIEW (self), FALSE);

  if (self->credential == NULL)
    return FALSE;
  field = tigress_credential_main_secret_field (
            wallet_credential_get_credential_type (self->credential));
  if (field == NULL || wallet_credential_get_secret (self->credential, field) == NULL)
    return FALSE;

  copy_field (self, field);
  return TRUE;
}

void
tigress_credential_view_toggle_reveal (TigressCredentialView *self)
{
  g_return_if_fail (TIGRESS_IS_CREDENTIAL_VIEW (self));

  self->revealed = !self->revealed;
  for (guint i = 0; i < self->rows->len; i++)
    {
      GObject *row = g_ptr_array_index (self->rows, i);
      GtkToggleButton *toggle = g_object_get_data (row, "reveal-toggle");

      if (toggle != NULL)
        gtk_toggle_button_set_active (toggle, self->revealed);
    }
}

gboolean
tigress_credential_view_get_revealed (TigressCredentialView *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_VIEW (self), FALSE);

  return self->revealed;
}

static void
tigress_credential_view_dispose (GObject *object)
{
  TigressCredentialView *self = TIGRESS_CREDENTIAL_VIEW (object);

  g_clear_object (&self->credential);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (tigress_credential_view_parent_class)->dispose (object);
}

static void
tigress_credential_view_class_init (TigressCredentialViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_credential_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-credential-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, type_icon);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, title_label);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, read_only_label);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, fields_group);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, share_button);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, edit_button);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, share_button_narrow);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialView, edit_button_narrow);
}

static void
tigress_credential_view_init (TigressCredentialView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();
}

GtkWidget *
tigress_credential_view_new (void)
{
  return g_object_new (TIGRESS_TYPE_CREDENTIAL_VIEW, NULL);
}
