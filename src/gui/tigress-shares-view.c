/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tw-crypto.h"

#include "tigress-date.h"
#include "tigress-invitation-dialog.h"
#include "tigress-share-status.h"
#include "tigress-shares-view.h"

struct _TigressSharesView
{
  AdwBin parent_instance;

  GtkStack *stack;
  AdwPreferencesGroup *outgoing_group;
  AdwPreferencesGroup *incoming_group;
  GtkListBox *outgoing_list;
  GtkListBox *incoming_list;

  TigressApplication *application;
  GtkFilterListModel *outgoing;
  GtkFilterListModel *incoming;
};

G_DEFINE_FINAL_TYPE (TigressSharesView, tigress_shares_view, ADW_TYPE_BIN)

static WalletShareManager *
manager (TigressSharesView *self)
{
  return tigress_application_get_shares (self->application);
}

static void
show_toast (TigressSharesView *self,
            const char        *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

/* ------------------------------------------------------------------ */
/* Row actions                                                        */
/* ------------------------------------------------------------------ */

static void
report_failure (TigressSharesView *self,
                const GError      *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (self, error->message);
}

static void
on_cancel_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TigressSharesView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_cancel_finish (WALLET_SHARE_MANAGER (source), result, &error))
    report_failure (self, error);
}

static void
on_remove_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TigressSharesView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_remove_finish (WALLET_SHARE_MANAGER (source), result, &error))
    report_failure (self, error);
}

static void
on_cancel_clicked (GtkButton         *button,
                   TigressSharesView *self)
{
  WalletShare *share = g_object_get_data (G_OBJECT (button), "share");

  wallet_share_manager_cancel_async (manager (self), share, NULL, on_cancel_done,
                                     g_object_ref (self));
}

static void
on_remove_clicked (GtkButton         *button,
                   TigressSharesView *self)
{
  WalletShare *share = g_object_get_data (G_OBJECT (button), "share");

  wallet_share_manager_remove_async (manager (self), share, NULL, on_remove_done,
                                     g_object_ref (self));
}

static void
on_open_clicked (GtkButton         *button,
                 TigressSharesView *self)
{
  WalletShare *share = g_object_get_data (G_OBJECT (button), "share");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  TigressInvitationDialog *dialog;

  dialog = tigress_invitation_dialog_new_for_share (GTK_WINDOW (root), self->application, share);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_pin_shown (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TigressSharesView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) pin = wallet_share_manager_reveal_pin_finish (WALLET_SHARE_MANAGER (source),
                                                                    result, &error);
  g_autofree char *message = NULL;

  if (pin == NULL)
    {
      report_failure (self, error);
      return;
    }
  /* Translators: %s is the six-digit PIN of a share */
  message = g_strdup_printf (_("The PIN is %s. Tell it to the recipient yourself."),
                             tw_secret_get_text (pin));
  show_toast (self, message);
  tw_wipe (message, strlen (message));
}

typedef struct {
  TigressSharesView *self;
  WalletShare *share;
} PinRequest;

static void
pin_request_free (PinRequest *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->share);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PinRequest, pin_request_free)

static void
pin_request_notify (gpointer  data,
                    GClosure *closure)
{
  pin_request_free (data);
}

static void
on_pin_confirmed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PinRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = wallet_auth_with_passcode_finish (WALLET_AUTH (source),
                                                                       result, &error);

  if (proof == NULL)
    {
      report_failure (request->self, error);
      return;
    }
  wallet_share_manager_reveal_pin_async (manager (request->self), request->share, proof, NULL,
                                         on_pin_shown, g_object_ref (request->self));
}

static void
on_pin_dialog_response (AdwMessageDialog *dialog,
                        const char       *response,
                        PinRequest       *request)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autoptr(TwSecret) passcode = NULL;
  PinRequest *pending;

  if (!g_str_equal (response, "show"))
    return;
  passcode = tw_secret_new_from_string (gtk_editable_get_text (entry));
  gtk_editable_set_text (entry, "");
  pending = g_new0 (PinRequest, 1);
  pending->self = g_object_ref (request->self);
  pending->share = g_object_ref (request->share);
  wallet_auth_with_passcode_async (tigress_application_get_auth (request->self->application),
                                   WALLET_AUTH_PURPOSE_SEND, passcode, NULL, on_pin_confirmed,
                                   pending);
}

/* Showing the PIN a second time needs the passcode, so a passer-by at an
 * unlocked desktop cannot read it off a share in progress. */
static void
ask_passcode_for_pin (TigressSharesView *self,
                      WalletShare       *share)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;
  GtkWidget *entry = gtk_password_entry_new ();
  PinRequest *request = g_new0 (PinRequest, 1);

  request->self = g_object_ref (self);
  request->share = g_object_ref (share);
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Passcode"), -1);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (root), _("Show the PIN Again?"),
                                                       _("Enter the wallet passcode to see "
                                                         "the PIN of this share once more.")));
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "show", _("_Show PIN"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "show", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "show");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_pin_dialog_response), request,
                         pin_request_notify, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_pin_clicked (GtkButton         *button,
                TigressSharesView *self)
{
  WalletShare *share = g_object_get_data (G_OBJECT (button), "share");

  if (wallet_share_get_pin_revealed (share))
    {
      ask_passcode_for_pin (self, share);
      return;
    }
  wallet_share_manager_reveal_pin_async (manager (self), share, NULL, NULL, on_pin_shown,
                                         g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* Rows                                                               */
/* ------------------------------------------------------------------ */

static GtkWidget *
row_button (AdwActionRow      *row,
            WalletShare       *share,
            const char        *icon_name,
            const char        *label,
            GCallback          on_clicked,
            TigressSharesView *self)
{
  GtkWidget *button = g_object_new (GTK_TYPE_BUTTON,
                                    "icon-name", icon_name,
                                    "tooltip-text", label,
                                    "valign", GTK_ALIGN_CENTER,
                                    NULL);

  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  g_object_set_data (G_OBJECT (button), "share", share);
  g_signal_connect (button, "clicked", on_clicked, self);
  adw_action_row_add_suffix (row, button);
  return button;
}

static void
update_row (AdwActionRow *row)
{
  WalletShare *share = g_object_get_data (G_OBJECT (row), "share");
  gboolean final = wallet_share_is_final (share);
  gboolean outgoing = wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING;
  g_autofree char *state = tigress_share_describe_state (share);
  g_autofree char *when = tigress_date_format (wallet_share_get_created (share));
  g_autofree char *subtitle = g_strdup_printf ("%s · %s", when, state);
  const char *title = wallet_share_get_title (share);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title ? title : _("Invitation"));
  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "cancel"), !final);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "remove"), final);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "open"),
                          !outgoing && wallet_share_needs_user (share));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "pin"),
                          outgoing && !final && wallet_share_get_has_pin (share));
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  TigressSharesView *self = user_data;
  WalletShare *share = item;
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  gboolean outgoing = wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (row, 3);
  adw_action_row_set_icon_name (row, outgoing ? "send-to-symbolic" : "mail-message-new-symbolic");
  g_object_set_data_full (G_OBJECT (row), "share", g_object_ref (share), g_object_unref);
  g_object_set_data (G_OBJECT (row), "pin",
                     row_button (row, share, "dialog-password-symbolic", _("Show the PIN"),
                                 G_CALLBACK (on_pin_clicked), self));
  g_object_set_data (G_OBJECT (row), "open",
                     row_button (row, share, "go-next-symbolic", _("Open"),
                                 G_CALLBACK (on_open_clicked), self));
  g_object_set_data (G_OBJECT (row), "cancel",
                     row_button (row, share, "process-stop-symbolic",
                                 outgoing ? _("Cancel Share") : _("Decline"),
                                 G_CALLBACK (on_cancel_clicked), self));
  g_object_set_data (G_OBJECT (row), "remove",
                     row_button (row, share, "user-trash-symbolic", _("Remove From List"),
                                 G_CALLBACK (on_remove_clicked), self));
  g_signal_connect_object (share, "notify", G_CALLBACK (update_row), row, G_CONNECT_SWAPPED);
  update_row (row);
  return GTK_WIDGET (row);
}

static gboolean
is_outgoing (gpointer item,
             gpointer user_data)
{
  return wallet_share_get_direction (item) == WALLET_SHARE_OUTGOING;
}

static gboolean
is_incoming (gpointer item,
             gpointer user_data)
{
  return wallet_share_get_direction (item) == WALLET_SHARE_INCOMING;
}

static void
update_pages (TigressSharesView *self)
{
  guint n_out = g_list_model_get_n_items (G_LIST_MODEL (self->outgoing));
  guint n_in = g_list_model_get_n_items (G_LIST_MODEL (self->incoming));

  gtk_widget_set_visible (GTK_WIDGET (self->outgoing_group), n_out > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->incoming_group), n_in > 0);
  gtk_stack_set_visible_child_name (self->stack, n_out + n_in > 0 ? "list" : "empty");
}

static GtkFilterListModel *
filtered_shares (TigressSharesView *self,
                 GtkCustomFilterFunc keep)
{
  GListModel *all = G_LIST_MODEL (manager (self));
  GtkFilter *filter = GTK_FILTER (gtk_custom_filter_new (keep, NULL, NULL));
  GtkFilterListModel *model = gtk_filter_list_model_new (g_object_ref (all), filter);

  g_signal_connect_object (model, "items-changed", G_CALLBACK (update_pages), self,
                           G_CONNECT_SWAPPED);
  return model;
}

static GtkListBox *
list_for_group (AdwPreferencesGroup *group)
{
  GtkListBox *list = GTK_LIST_BOX (gtk_list_box_new ());

  gtk_list_box_set_selection_mode (list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (list), "boxed-list");
  adw_preferences_group_add (group, GTK_WIDGET (list));
  return list;
}

void
tigress_shares_view_set_application (TigressSharesView  *self,
                                     TigressApplication *application)
{
  g_return_if_fail (TIGRESS_IS_SHARES_VIEW (self));
  g_return_if_fail (self->application == NULL);

  self->application = application;
  self->outgoing = filtered_shares (self, is_outgoing);
  self->incoming = filtered_shares (self, is_incoming);
  self->outgoing_list = list_for_group (self->outgoing_group);
  self->incoming_list = list_for_group (self->incoming_group);
  gtk_list_box_bind_model (self->outgoing_list, G_LIST_MODEL (self->outgoing), create_row,
                           self, NULL);
  gtk_list_box_bind_model (self->incoming_list, G_LIST_MODEL (self->incoming), create_row,
                           self, NULL);
  update_pages (self);
}

static void
tigress_shares_view_dispose (GObject *object)
{
  TigressSharesView *self = TIGRESS_SHARES_VIEW (object);

  if (self->outgoing_list != NULL)
    gtk_list_box_bind_model (self->outgoing_list, NULL, NULL, NULL, NULL);
  if (self->incoming_list != NULL)
    gtk_list_box_bind_model (self->incoming_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->outgoing);
  g_clear_object (&self->incoming);

  G_OBJECT_CLASS (tigress_shares_view_parent_class)->dispose (object);
}

static void
tigress_shares_view_class_init (TigressSharesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_shares_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-shares-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressSharesView, stack);
  gtk_widget_class_bind_template_child (widget_class, TigressSharesView, outgoing_group);
  gtk_widget_class_bind_template_child (widget_class, TigressSharesView, incoming_group);
}

static void
tigress_shares_view_init (TigressSharesView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tigress_shares_view_new (void)
{
  return g_object_new (TIGRESS_TYPE_SHARES_VIEW, NULL);
}
