/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tw-base64.h"
#include "tw-cert.h"

#include "tigress-qr-paintable.h"
#include "tigress-share-status.h"
#include "tigress-share-dialog.h"

/* Choices of the "Valid For" row, in hours; the relay may shorten them. */
static const guint expiry_hours[] = { 1, 6, 24, 48, 168 };

struct _TigressShareDialog
{
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkButton *close_button;
  GtkButton *next_button;
  GtkStack *stack;
  AdwComboRow *relay_row;
  AdwComboRow *expiry_row;
  GtkStringList *expiry_choices;
  AdwActionRow *pin_row;
  GtkSwitch *pin_switch;
  GtkSwitch *separate_switch;
  AdwPreferencesGroup *key_group;
  AdwComboRow *rights_row;
  AdwComboRow *validity_row;
  AdwPasswordEntryRow *auth_row;
  GtkLabel *auth_message;
  GtkButton *system_auth_button;
  GtkSpinner *working_spinner;
  GtkWidget *invitation_page;
  GtkPicture *qr_picture;
  GtkLabel *direct_warning;
  GtkLabel *link_label;
  GtkButton *copy_link_button;
  GtkCheckButton *https_switch;
  AdwPreferencesGroup *key_separately_group;
  GtkLabel *key_label;
  AdwPreferencesGroup *pin_group;
  GtkLabel *pin_label;
  GtkButton *copy_pin_button;
  GtkSpinner *status_spinner;
  GtkLabel *status_label;
  GtkButton *cancel_share_button;
  AdwStatusPage *ended_page;
  AdwStatusPage *failed_page;

  TigressApplication *application;
  WalletCredential *credential;
  TigressQrPaintable *qr;
  TwLink *link;
  TwSecret *pin;
  WalletShare *share;
  gboolean key_separately;
  gboolean system_auth;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TigressShareDialog, tigress_share_dialog, ADW_TYPE_WINDOW)

/* The dialog has no toast overlay of its own (the main window's would be
 * hidden behind it), so short notes go to the status line. */
static void
show_note (TigressShareDialog *self,
           const char         *message)
{
  gtk_label_set_text (self->status_label, message);
}

static void
set_page (TigressShareDialog *self,
          const char         *page)
{
  gboolean on_options = g_str_equal (page, "options");
  gboolean on_auth = g_str_equal (page, "auth");
  gboolean done = g_str_equal (page, "invitation") || g_str_equal (page, "ended") ||
                  g_str_equal (page, "failed");

  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), on_options || on_auth);
  gtk_button_set_label (self->next_button, on_auth ? _("_Share") : _("_Next"));
  gtk_button_set_label (self->close_button, done ? _("_Close") : _("_Cancel"));
  gtk_spinner_set_spinning (self->working_spinner, g_str_equal (page, "working"));
  if (on_auth)
    gtk_widget_grab_focus (GTK_WIDGET (self->auth_row));
}

const char *
tigress_share_dialog_get_page (TigressShareDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_SHARE_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

void
tigress_share_dialog_show_failure (TigressShareDialog *self,
                                   const char         *message)
{
  g_return_if_fail (TIGRESS_IS_SHARE_DIALOG (self));

  adw_status_page_set_description (self->failed_page, message);
  set_page (self, "failed");
}

void
tigress_share_dialog_set_status (TigressShareDialog *self,
                                 const char         *status,
                                 gboolean            finished)
{
  g_return_if_fail (TIGRESS_IS_SHARE_DIALOG (self));

  gtk_label_set_text (self->status_label, status);
  gtk_spinner_set_spinning (self->status_spinner, !finished);
  gtk_widget_set_visible (GTK_WIDGET (self->status_spinner), !finished);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_share_button), !finished);
}

/* ------------------------------------------------------------------ */
/* The invitation page                                                */
/* ------------------------------------------------------------------ */

static TwSecret *
link_text_for_display (TigressShareDialog *self)
{
  gboolean https = gtk_check_button_get_active (self->https_switch);
  g_autofree char *bare = NULL;
  g_autofree char *with_query = NULL;
  g_autofree char *tigress = NULL;

  if (!self->key_separately)
    return https ? tw_link_to_https_string (self->link)
                 : tw_link_to_tigress_string (self->link);

  /* Without its key the link opens nothing on its own. */
  bare = tw_link_get_mailbox_url (self->link);
  with_query = g_strdup_printf ("%s?v=%c", bare,
                                tw_link_vertical_to_char (tw_link_get_vertical (self->link)));
  if (https)
    return tw_secret_new_from_string (with_query);
  tigress = g_strconcat ("tigress:", with_query, NULL);
  return tw_secret_new_from_string (tigress);
}

static void
update_link_text (TigressShareDialog *self)
{
  g_autoptr(TwSecret) text = NULL;

  if (self->link == NULL)
    return;

  text = link_text_for_display (self);
  gtk_label_set_text (self->link_label, tw_secret_get_text (text));
  tigress_qr_paintable_set_text (self->qr, tw_secret_get_text (text));
  gtk_widget_set_size_request (GTK_WIDGET (self->qr_picture),
                               gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (self->qr)),
                               gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (self->qr)));
}

static void
on_link_form_toggled (TigressShareDialog *self)
{
  update_link_text (self);
}

static void
fill_key_separately (TigressShareDialog *self)
{
  TwSecret *key = tw_link_get_key (self->link);
  g_autoptr(TwSecret) encoded = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->key_separately_group), self->key_separately);
  if (!self->key_separately || key == NULL)
    return;
  encoded = tw_base64_encode_secret (key);
  gtk_label_set_text (self->key_label, tw_secret_get_text (encoded));
}

void
tigress_share_dialog_show_invitation (TigressShareDialog *self,
                                      TwLink             *link,
                                      TwSecret           *pin,
                                      gboolean            key_separately)
{
  g_return_if_fail (TIGRESS_IS_SHARE_DIALOG (self));
  g_return_if_fail (link != NULL);

  g_clear_pointer (&self->link, tw_link_unref);
  g_clear_pointer (&self->pin, tw_secret_unref);
  self->link = tw_link_ref (link);
  self->pin = pin ? tw_secret_ref (pin) : NULL;
  self->key_separately = key_separately;

  update_link_text (self);
  fill_key_separately (self);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_group), pin != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->direct_warning), pin == NULL);
  gtk_label_set_text (self->pin_label, pin ? tw_secret_get_text (pin) : "");
  tigress_share_dialog_set_status (self, _("Waiting for the recipient to open the "
                                           "invitation…"), FALSE);
  set_page (self, "invitation");
  /* Focus on Copy, not on the link text, which would show it selected. */
  gtk_widget_grab_focus (GTK_WIDGET (self->copy_link_button));
}

const char *
tigress_share_dialog_get_link_text (TigressShareDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_SHARE_DIALOG (self), NULL);

  return gtk_label_get_text (self->link_label);
}

const char *
tigress_share_dialog_get_qr_text (TigressShareDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_SHARE_DIALOG (self), NULL);

  return tigress_qr_paintable_get_text (self->qr);
}

WalletShare *
tigress_share_dialog_get_share (TigressShareDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_SHARE_DIALOG (self), NULL);

  return self->share;
}

const char *
tigress_share_dialog_get_pin_text (TigressShareDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_SHARE_DIALOG (self), NULL);

  return self->pin ? tw_secret_get_text (self->pin) : NULL;
}

static void
on_copy_link_clicked (TigressShareDialog *self)
{
  tigress_clipboard_copy_text (tigress_application_get_clipboard (self->application),
                               gtk_label_get_text (self->link_label));
  show_note (self, _("Link copied. Paste it into a private chat with the recipient."));
}

static void
on_copy_key_clicked (TigressShareDialog *self)
{
  GSettings *settings = tigress_application_get_settings (self->application);

  tigress_clipboard_copy_secret (tigress_application_get_clipboard (self->application),
                                 gtk_label_get_text (self->key_label),
                                 g_settings_get_uint (settings, "clipboard-timeout"));
  show_note (self, _("Code copied. Send it another way than the link."));
}

static void
on_copy_pin_clicked (TigressShareDialog *self)
{
  GSettings *settings = tigress_application_get_settings (self->application);

  if (self->pin == NULL)
    return;
  tigress_clipboard_copy_secret (tigress_application_get_clipboard (self->application),
                                 tw_secret_get_text (self->pin),
                                 g_settings_get_uint (settings, "clipboard-timeout"));
  show_note (self, _("PIN copied. Tell it to the recipient yourself."));
}

/* Once the share has ended, the link, the QR code and the PIN open
 * nothing any more: take them off the screen (and out of memory) and say
 * what happened instead. */
static void
forget_invitation (TigressShareDialog *self)
{
  gtk_label_set_text (self->link_label, "");
  gtk_label_set_text (self->key_label, "");
  gtk_label_set_text (self->pin_label, "");
  tigress_qr_paintable_set_text (self->qr, NULL);
  g_clear_pointer (&self->link, tw_link_unref);
  g_clear_pointer (&self->pin, tw_secret_unref);
}

static const char *
ended_title (WalletShare *share)
{
  if (share == NULL)
    return _("Share Cancelled");
  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_DELIVERED)
    return _("Shared");
  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_DECLINED)
    return _("The Recipient Declined");
  return tigress_share_failure_title (share, wallet_share_get_error (share));
}

static void
show_ended (TigressShareDialog *self,
            const char         *what_happened)
{
  gboolean delivered = self->share != NULL &&
                       wallet_share_get_state (self->share) == WALLET_SHARE_STATE_DELIVERED;

  forget_invitation (self);
  adw_status_page_set_icon_name (self->ended_page, delivered ? "emblem-ok-symbolic"
                                                             : "action-unavailable-symbolic");
  adw_status_page_set_title (self->ended_page, ended_title (self->share));
  adw_status_page_set_description (self->ended_page, what_happened);
  tigress_share_dialog_set_status (self, "", TRUE);
  set_page (self, "ended");
  gtk_widget_grab_focus (GTK_WIDGET (self->close_button));
}

static void
on_cancelled (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TigressShareDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_cancel_finish (WALLET_SHARE_MANAGER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    gtk_label_set_text (self->status_label, error->message);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_share_button), TRUE);
}

static void
on_cancel_share_clicked (TigressShareDialog *self)
{
  if (self->share == NULL)
    {
      show_ended (self, _("Cancelled. The link no longer works."));
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_share_button), FALSE);
  gtk_label_set_text (self->status_label, _("Cancelling…"));
  wallet_share_manager_cancel_async (tigress_application_get_shares (self->application),
                                     self->share, self->cancellable, on_cancelled,
                                     g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* Options and authentication                                         */
/* ------------------------------------------------------------------ */

static void
on_share_state (TigressShareDialog *self)
{
  g_autofree char *status = tigress_share_describe_state (self->share);

  if (wallet_share_is_final (self->share))
    show_ended (self, status);
  else
    tigress_share_dialog_set_status (self, status, FALSE);
}

static void
show_share (TigressShareDialog *self,
            TwSecret           *pin)
{
  g_autoptr(TwSecret) text = wallet_share_dup_link (self->share, WALLET_SHARE_LINK_HTTPS);
  g_autoptr(TwLink) link = NULL;
  g_autoptr(GError) error = NULL;

  link = tw_link_parse (tw_secret_get_text (text), &error);
  if (link == NULL)
    {
      tigress_share_dialog_show_failure (self, error->message);
      return;
    }
  tigress_share_dialog_show_invitation (self, link, pin,
                                        gtk_switch_get_active (self->separate_switch));
  g_signal_connect_object (self->share, "notify::state", G_CALLBACK (on_share_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->share, "notify::error", G_CALLBACK (on_share_state), self,
                           G_CONNECT_SWAPPED);
  on_share_state (self);
}

static void
on_pin_revealed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TigressShareDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) pin = wallet_share_manager_reveal_pin_finish (WALLET_SHARE_MANAGER (source),
                                                                    result, &error);

  if (pin == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tigress_share_dialog_show_failure (self, error->message);
      return;
    }
  show_share (self, pin);
}

static void
on_share_created (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TigressShareDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  WalletShareManager *manager = WALLET_SHARE_MANAGER (source);

  self->share = wallet_share_manager_create_finish (manager, result, &error);
  if (self->share == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tigress_share_dialog_show_failure (self, error->message);
      return;
    }
  if (!wallet_share_get_has_pin (self->share))
    {
      show_share (self, NULL);
      return;
    }
  wallet_share_manager_reveal_pin_async (manager, self->share, NULL, self->cancellable,
                                         on_pin_revealed, g_object_ref (self));
}

/* What the digital-key rows ask for, as certificate rights. */
static guint32
chosen_rights (TigressShareDialog *self)
{
  static const guint32 rights[] = {
    TW_CERT_RIGHT_UNLOCK,
    TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK,
    TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK | TW_CERT_RIGHT_START | TW_CERT_RIGHT_TRUNK,
  };
  guint selected = adw_combo_row_get_selected (self->rights_row);

  return rights[MIN (selected, G_N_ELEMENTS (rights) - 1)];
}

static gint64
chosen_key_end (TigressShareDialog *self)
{
  static const guint days[] = { 1, 7, 30, 365 };
  guint selected = adw_combo_row_get_selected (self->validity_row);

  return g_get_real_time () / G_USEC_PER_SEC +
         (gint64) days[MIN (selected, G_N_ELEMENTS (days) - 1)] * 24 * 3600;
}

static void
start_share (TigressShareDialog *self,
             WalletAuthProof    *proof)
{
  WalletShareOptions options = { 0 };
  GtkStringObject *relay = adw_combo_row_get_selected_item (self->relay_row);
  guint expiry = adw_combo_row_get_selected (self->expiry_row);

  options.credential_id = wallet_credential_get_id (self->credential);
  options.with_pin = gtk_switch_get_active (self->pin_switch);
  options.relay_url = relay ? gtk_string_object_get_string (relay) : NULL;
  options.expires_in_seconds = expiry_hours[MIN (expiry, G_N_ELEMENTS (expiry_hours) - 1)] * 3600;
  if (gtk_widget_get_visible (GTK_WIDGET (self->key_group)))
    {
      options.rights = chosen_rights (self);
      options.key_not_after = chosen_key_end (self);
    }

  set_page (self, "working");
  wallet_share_manager_create_async (tigress_application_get_shares (self->application),
                                     &options, proof, self->cancellable, on_share_created,
                                     g_object_ref (self));
}

static void
on_auth_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TigressShareDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;

  if (self->system_auth)
    proof = wallet_auth_with_system_finish (WALLET_AUTH (source), result, &error);
  else
    proof = wallet_auth_with_passcode_finish (WALLET_AUTH (source), result, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), TRUE);
  if (proof == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_page (self, "auth");
      gtk_label_set_text (self->auth_message, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->auth_message), TRUE);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->auth_row), "");
  start_share (self, proof);
}

static void
authenticate_with_passcode (TigressShareDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->auth_row));
  g_autoptr(TwSecret) passcode = NULL;

  if (*text == '\0')
    {
      gtk_label_set_text (self->auth_message, _("Type the wallet passcode first."));
      gtk_widget_set_visible (GTK_WIDGET (self->auth_message), TRUE);
      return;
    }

  passcode = tw_secret_new_from_string (text);
  gtk_widget_set_visible (GTK_WIDGET (self->auth_message), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), FALSE);
  self->system_auth = FALSE;
  set_page (self, "working");
  wallet_auth_with_passcode_async (tigress_application_get_auth (self->application),
                                   WALLET_AUTH_PURPOSE_SEND, passcode, self->cancellable,
                                   on_auth_done, g_object_ref (self));
}

static void
on_system_auth_clicked (TigressShareDialog *self)
{
  self->system_auth = TRUE;
  set_page (self, "working");
  wallet_auth_with_system_async (tigress_application_get_auth (self->application),
                                 WALLET_AUTH_PURPOSE_SEND, self->cancellable,
                                 on_auth_done, g_object_ref (self));
}

static gboolean
check_options (TigressShareDialog *self)
{
  if (adw_combo_row_get_selected (self->relay_row) == GTK_INVALID_LIST_POSITION)
    {
      tigress_share_dialog_show_failure (self,
        _("No relay is set up. Add a relay you trust in Preferences, then share again."));
      return FALSE;
    }
  return TRUE;
}

static void
on_next_clicked (TigressShareDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_str_equal (page, "options") && check_options (self))
    set_page (self, "auth");
  else if (g_str_equal (page, "auth"))
    authenticate_with_passcode (self);
}

static void
fill_relays (TigressShareDialog *self)
{
  WalletRelays *relays = tigress_application_get_relays (self->application);
  g_auto(GStrv) trusted = wallet_relays_get_trusted (relays);
  g_autofree char *preferred = wallet_relays_get_default (relays);
  g_autoptr(GtkStringList) model = gtk_string_list_new ((const char * const *) trusted);

  adw_combo_row_set_model (self->relay_row, G_LIST_MODEL (model));
  for (guint i = 0; trusted[i] != NULL; i++)
    if (g_strcmp0 (trusted[i], preferred) == 0)
      adw_combo_row_set_selected (self->relay_row, i);
}

static void
fill_expiry (TigressShareDialog *self)
{
  GSettings *settings = tigress_application_get_settings (self->application);
  guint wanted = g_settings_get_uint (settings, "default-expiry-hours");
  guint best = 0;

  for (guint i = 0; i < G_N_ELEMENTS (expiry_hours); i++)
    {
      g_autofree char *label = NULL;

      if (expiry_hours[i] < 24)
        label = g_strdup_printf (ngettext ("%u hour", "%u hours", expiry_hours[i]),
                                 expiry_hours[i]);
      else
        label = g_strdup_printf (ngettext ("%u day", "%u days", expiry_hours[i] / 24),
                                 expiry_hours[i] / 24);
      gtk_string_list_append (self->expiry_choices, label);
      if (expiry_hours[i] <= wanted)
        best = i;
    }
  adw_combo_row_set_selected (self->expiry_row, best);
}

static void
fill_options (TigressShareDialog *self)
{
  GSettings *settings = tigress_application_get_settings (self->application);
  gboolean digital_key = wallet_credential_get_credential_type (self->credential)
                         == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER;
  WalletAuth *auth = tigress_application_get_auth (self->application);
  g_autofree char *subtitle = NULL;

  fill_relays (self);
  fill_expiry (self);
  gtk_switch_set_active (self->pin_switch,
                         digital_key || g_settings_get_boolean (settings, "require-pin"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->pin_row), !digital_key);
  gtk_widget_set_visible (GTK_WIDGET (self->key_group), digital_key);
  gtk_widget_set_visible (GTK_WIDGET (self->system_auth_button),
                          wallet_auth_can_use_system (auth) &&
                          g_settings_get_enum (settings, "auth-method") == 1);

  /* Translators: %s is the title of the credential being shared */
  subtitle = g_strdup_printf (_("“%s”"), wallet_credential_get_title (self->credential));
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

GtkWidget *
tigress_share_dialog_get_part (TigressShareDialog *self,
                               const char         *name)
{
  const struct { const char *name; gpointer widget; } parts[] = {
    { "next-button", self->next_button },
    { "pin-switch", self->pin_switch },
    { "separate-switch", self->separate_switch },
    { "auth-row", self->auth_row },
    { "auth-button", self->system_auth_button },
    { "https-switch", self->https_switch },
    { "cancel-share-button", self->cancel_share_button },
    { "copy-link-button", self->copy_link_button },
    { "copy-pin-button", self->copy_pin_button },
    { "invitation-page", self->invitation_page },
    { "qr-picture", self->qr_picture },
    { "direct-warning", self->direct_warning },
    { "status-label", self->status_label },
    { "ended-page", self->ended_page },
    { "message-label", self->auth_message },
    { "relay-row", self->relay_row },
    { "rights-row", self->rights_row },
    { "key-label", self->key_label },
    { "link-label", GTK_WIDGET (self->link_label) },
  };

  g_return_val_if_fail (TIGRESS_IS_SHARE_DIALOG (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_str_equal (parts[i].name, name))
      return parts[i].widget;
  return NULL;
}

static void
tigress_share_dialog_dispose (GObject *object)
{
  TigressShareDialog *self = TIGRESS_SHARE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->credential);
  g_clear_object (&self->share);
  g_clear_object (&self->qr);
  g_clear_pointer (&self->link, tw_link_unref);
  g_clear_pointer (&self->pin, tw_secret_unref);

  G_OBJECT_CLASS (tigress_share_dialog_parent_class)->dispose (object);
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TigressShareDialog, name)
  BIND (window_title);
  BIND (close_button);
  BIND (next_button);
  BIND (stack);
  BIND (relay_row);
  BIND (expiry_row);
  BIND (expiry_choices);
  BIND (pin_row);
  BIND (pin_switch);
  BIND (separate_switch);
  BIND (key_group);
  BIND (rights_row);
  BIND (validity_row);
  BIND (auth_row);
  BIND (auth_message);
  BIND (system_auth_button);
  BIND (working_spinner);
  BIND (invitation_page);
  BIND (qr_picture);
  BIND (direct_warning);
  BIND (link_label);
  BIND (copy_link_button);
  BIND (https_switch);
  BIND (key_separately_group);
  BIND (key_label);
  BIND (pin_group);
  BIND (pin_label);
  BIND (copy_pin_button);
  BIND (status_spinner);
  BIND (status_label);
  BIND (ended_page);
  BIND (cancel_share_button);
  BIND (failed_page);
#undef BIND
}

static void
tigress_share_dialog_class_init (TigressShareDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_share_dialog_dispose;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-share-dialog.ui");
  bind_children (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, on_next_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_system_auth_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_link_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_key_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_pin_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_link_form_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_share_clicked);
}

static void
tigress_share_dialog_init (TigressShareDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->qr = tigress_qr_paintable_new ();
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (self->qr));
}

TigressShareDialog *
tigress_share_dialog_new (GtkWindow          *parent,
                          TigressApplication *application,
                          WalletCredential   *credential)
{
  TigressShareDialog *self;

  g_return_val_if_fail (TIGRESS_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (WALLET_IS_CREDENTIAL (credential), NULL);

  self = g_object_new (TIGRESS_TYPE_SHARE_DIALOG, "transient-for", parent, NULL);
  self->application = application;
  self->credential = g_object_ref (credential);
  fill_options (self);
  set_page (self, "options");
  return self;
}
