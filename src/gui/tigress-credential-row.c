/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-credential-row.h"

struct _TigressCredentialRow
{
  GtkWidget parent_instance;

  GtkWidget *content_box;
  GtkImage *type_icon;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;

  WalletCredential *credential;
};

G_DEFINE_FINAL_TYPE (TigressCredentialRow, tigress_credential_row, GTK_TYPE_WIDGET)

const char *
tigress_credential_type_icon_name (WalletCredentialType type)
{
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      return "dialog-password-symbolic";
    case WALLET_CREDENTIAL_WIFI:
      return "network-wireless-symbolic";
    case WALLET_CREDENTIAL_ACCESS_CODE:
      return "input-dialpad-symbolic";
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
      return "system-lock-screen-symbolic";
    case WALLET_CREDENTIAL_DIGITAL_KEY:
      return "channel-secure-symbolic";
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      return "dialog-question-symbolic";
    }
}

static const char *
describing_field (WalletCredentialType type)
{
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      return WALLET_FIELD_USERNAME;
    case WALLET_CREDENTIAL_WIFI:
      return WALLET_FIELD_SSID;
    case WALLET_CREDENTIAL_ACCESS_CODE:
      return WALLET_FIELD_LOCATION;
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      return NULL;
    }
}

char *
tigress_credential_describe (WalletCredential *credential)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);
  const char *field = describing_field (type);
  const char *value = field ? wallet_credential_get_field (credential, field) : NULL;
  const char *type_label = wallet_credential_type_get_label (type);

  if (value != NULL && *value != '\0')
    /* Translators: a credential's type, then its user name or network name */
    return g_strdup_printf (_("%s · %s"), type_label, value);
  return g_strdup (type_label);
}

void
tigress_credential_row_set_credential (TigressCredentialRow *self,
                                       WalletCredential     *credential)
{
  g_autofree char *subtitle = NULL;
  WalletCredentialType type;

  g_return_if_fail (TIGRESS_IS_CREDENTIAL_ROW (self));

  if (!g_set_object (&self->credential, credential) || credential == NULL)
    return;

  type = wallet_credential_get_credential_type (credential);
  subtitle = tigress_credential_describe (credential);
  gtk_image_set_from_icon_name (self->type_icon, tigress_credential_type_icon_name (type));
  gtk_label_set_text (self->title_label, wallet_credential_get_title (credential));
  gtk_label_set_text (self->subtitle_label, subtitle);
}

WalletCredential *
tigress_credential_row_get_credential (TigressCredentialRow *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_ROW (self), NULL);

  return self->credential;
}

static void
tigress_credential_row_dispose (GObject *object)
{
  TigressCredentialRow *self = TIGRESS_CREDENTIAL_ROW (object);

  g_clear_object (&self->credential);
  gtk_widget_dispose_template (GTK_WIDGET (self), TIGRESS_TYPE_CREDENTIAL_ROW);

  G_OBJECT_CLASS (tigress_credential_row_parent_class)->dispose (object);
}

static void
tigress_credential_row_class_init (TigressCredentialRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_credential_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-credential-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialRow, content_box);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialRow, type_icon);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TigressCredentialRow, subtitle_label);
}

static void
tigress_credential_row_init (TigressCredentialRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tigress_credential_row_new (void)
{
  return g_object_new (TIGRESS_TYPE_CREDENTIAL_ROW, NULL);
}
