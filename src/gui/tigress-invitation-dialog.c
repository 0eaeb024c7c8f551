/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tw-crypto.h"
#include "tw-link.h"

#include "tigress-invitation-dialog.h"

struct _TigressInvitationDialog
{
  AdwWindow parent_instance;

  GtkStack *stack;
  AdwEntryRow *link_row;
  GtkLabel *link_message;
  GtkButton *open_button;
  AdwPasswordEntryRow *code_row;
  GtkLabel *code_message;
  GtkLabel *request_title;
  GtkLabel *relay_warning;
  AdwActionRow *what_row;
  AdwActionRow *sender_row;
  AdwActionRow *relay_row;
  AdwActionRow *until_row;
  GtkButton *accept_button;
  GtkButton *decline_button;
  AdwPasswordEntryRow *auth_row;
  GtkLabel *auth_message;
  GtkSpinner *working_spinner;
  AdwStatusPage *failed_page;
  GtkButton *retry_button;
  GtkButton *unlock_button;

  TigressApplication *application;
  TwLink *link;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TigressInvitationDialog, tigress_invitation_dialog, ADW_TYPE_WINDOW)

static void
show_label_message (GtkLabel   *label,
                    const char *message)
{
  gtk_label_set_text (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static void
set_page (TigressInvitationDialog *self,
          const char              *page)
{
  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_spinner_set_spinning (self->working_spinner, g_str_equal (page, "working"));
  if (g_str_equal (page, "link"))
    gtk_widget_grab_focus (GTK_WIDGET (self->link_row));
  else if (g_str_equal (page, "code"))
    gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
  else if (g_str_equal (page, "auth"))
    gtk_widget_grab_focus (GTK_WIDGET (self->auth_row));
}

const char *
tigress_invitation_dialog_get_page (TigressInvitationDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

static const char *
visible_text (GtkLabel *label)
{
  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_text (label) : NULL;
}

const char *
tigress_invitation_dialog_get_message (TigressInvitationDialog *self)
{
  const char *page;

  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), NULL);

  page = gtk_stack_get_visible_child_name (self->stack);
  if (g_str_equal (page, "link"))
    return visible_text (self->link_message);
  if (g_str_equal (page, "code"))
    return visible_text (self->code_message);
  if (g_str_equal (page, "request"))
    return visible_text (self->relay_warning);
  if (g_str_equal (page, "auth"))
    return visible_text (self->auth_message);
  if (g_str_equal (page, "failed"))
    return adw_status_page_get_description (self->failed_page);
  return NULL;
}

typedef enum {
  NEXT_STEP_CLOSE,
  NEXT_STEP_RETRY,
  NEXT_STEP_UNLOCK,
} NextStep;

static void
show_failure (TigressInvitationDialog *self,
              const char              *title,
              const char              *message,
              NextStep                 next_step)
{
  adw_status_page_set_title (self->failed_page, title);
  adw_status_page_set_description (self->failed_page, message);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), next_step == NEXT_STEP_RETRY);
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_button), next_step == NEXT_STEP_UNLOCK);
  set_page (self, "failed");
}

/* ------------------------------------------------------------------ */
/* The request                                                        */
/* ------------------------------------------------------------------ */

static const char *
vertical_description (TwLinkVertical vertical)
{
  switch (vertical)
    {
    case TW_LINK_VERTICAL_HOME:
      return _("A home key or code");
    case TW_LINK_VERTICAL_CAR:
      return _("A car key");
    case TW_LINK_VERTICAL_ACCESS:
    default:
      return _("A password, Wi-Fi network or access code");
    }
}

static void
show_request (TigressInvitationDialog *self)
{
  WalletRelays *relays = tigress_application_get_relays (self->application);
  g_autofree char *relay = tw_link_get_relay_base (self->link);
  gboolean trusted = wallet_relays_is_link_trusted (relays, self->link);

  gtk_label_set_text (self->request_title, _("Someone Is Sharing With You"));
  adw_action_row_set_subtitle (self->what_row,
                               vertical_description (tw_link_get_vertical (self->link)));
  adw_action_row_set_subtitle (self->relay_row, relay);
  if (!trusted)
    {
      g_autofree char *warning =
        g_strdup_printf (_("This invitation comes through %s, a relay you have not marked "
                           "as trusted. Accept it only if you expected it from someone you "
                           "know."), tw_link_get_host (self->link));
      show_label_message (self->relay_warning, warning);
    }
  else
    show_label_message (self->relay_warning, NULL);
  set_page (self, "request");
}

/* ------------------------------------------------------------------ */
/* The link and its code                                              */
/* ------------------------------------------------------------------ */

gboolean
tigress_invitation_dialog_open_link (TigressInvitationDialog *self,
                                     const char              *link_text)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (link_text ? link_text : ""));
  g_autoptr(GError) error = NULL;
  TwLink *link;

  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), FALSE);

  if (*trimmed == '\0')
    {
      show_label_message (self->link_message,
                          _("Paste the invitation link first. It starts with tigress: or "
                            "https://."));
      set_page (self, "link");
      return FALSE;
    }

  link = tw_link_parse (trimmed, &error);
  tw_wipe (trimmed, strlen (trimmed));
  if (link == NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->link_row), link_text);
      show_label_message (self->link_message, error->message);
      set_page (self, "link");
      return FALSE;
    }

  g_clear_pointer (&self->link, tw_link_unref);
  self->link = link;
  show_label_message (self->link_message, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->link_row), "");
  if (!tw_link_has_key (link))
    set_page (self, "code");
  else
    show_request (self);
  return TRUE;
}

static void
on_open_clicked (TigressInvitationDialog *self)
{
  tigress_invitation_dialog_open_link (self, gtk_editable_get_text (GTK_EDITABLE (self->link_row)));
}

static void
on_code_entered (TigressInvitationDialog *self)
{
  g_autoptr(GError) error = NULL;

  if (self->link == NULL)
    return;
  if (!tw_link_set_key_from_text (self->link,
                                  gtk_editable_get_text (GTK_EDITABLE (self->code_row)), &error))
    {
      show_label_message (self->code_message, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  show_label_message (self->code_message, NULL);
  show_request (self);
}

/* ------------------------------------------------------------------ */
/* Accept and decline                                                 */
/* ------------------------------------------------------------------ */

static void
start_receive (TigressInvitationDialog *self,
               WalletAuthProof         *proof)
{
  /* The share manager (src/wallet) runs shares over the relay; until this
   * build has it, say so plainly. */
  show_failure (self, _("Receiving Is Not Available Yet"),
                _("This version of Tigress Wallet cannot receive shares yet. Keep the "
                  "link and open it again after an update, or use the tigress command."),
                NEXT_STEP_CLOSE);
}

static void
on_auth_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TigressInvitationDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;

  proof = wallet_auth_with_passcode_finish (WALLET_AUTH (source), result, &error);
  if (proof == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_page (self, "auth");
      show_label_message (self->auth_message, error->message);
      return;
    }
  start_receive (self, proof);
}

static void
on_auth_entered (TigressInvitationDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->auth_row));
  g_autoptr(TwSecret) passcode = NULL;

  if (*text == '\0')
    {
      show_label_message (self->auth_message, _("Type the wallet passcode first."));
      return;
    }
  passcode = tw_secret_new_from_string (text);
  gtk_editable_set_text (GTK_EDITABLE (self->auth_row), "");
  show_label_message (self->auth_message, NULL);
  set_page (self, "working");
  wallet_auth_with_passcode_async (tigress_application_get_auth (self->application),
                                   WALLET_AUTH_PURPOSE_ACCEPT, passcode, self->cancellable,
                                   on_auth_done, g_object_ref (self));
}

static void
on_accept_clicked (TigressInvitationDialog *self)
{
  set_page (self, "auth");
}

static void
on_decline_clicked (TigressInvitationDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_retry_clicked (TigressInvitationDialog *self)
{
  if (self->link != NULL)
    show_request (self);
  else
    set_page (self, "link");
}

GtkWidget *
tigress_invitation_dialog_get_part (TigressInvitationDialog *self,
                                    const char              *name)
{
  const struct { const char *name; gpointer widget; } parts[] = {
    { "link-row", self->link_row },
    { "open-button", self->open_button },
    { "code-row", self->code_row },
    { "accept-button", self->accept_button },
    { "decline-button", self->decline_button },
    { "relay-row", self->relay_row },
    { "sender-row", self->sender_row },
    { "relay-warning", self->relay_warning },
    { "auth-row", self->auth_row },
    { "retry-button", self->retry_button },
    { "unlock-button", self->unlock_button },
  };

  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_str_equal (parts[i].name, name))
      return parts[i].widget;
  return NULL;
}

static void
tigress_invitation_dialog_dispose (GObject *object)
{
  TigressInvitationDialog *self = TIGRESS_INVITATION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->link, tw_link_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TIGRESS_TYPE_INVITATION_DIALOG);

  G_OBJECT_CLASS (tigress_invitation_dialog_parent_class)->dispose (object);
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TigressInvitationDialog, name)
  BIND (stack);
  BIND (link_row);
  BIND (link_message);
  BIND (open_button);
  BIND (code_row);
  BIND (code_message);
  BIND (request_title);
  BIND (relay_warning);
  BIND (what_row);
  BIND (sender_row);
  BIND (relay_row);
  BIND (until_row);
  BIND (accept_button);
  BIND (decline_button);
  BIND (auth_row);
  BIND (auth_message);
  BIND (working_spinner);
  BIND (failed_page);
  BIND (retry_button);
  BIND (unlock_button);
#undef BIND
}

static void
tigress_invitation_dialog_class_init (TigressInvitationDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_invitation_dialog_dispose;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-invitation-dialog.ui");
  bind_children (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, on_open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_code_entered);
  gtk_widget_class_bind_template_callback (widget_class, on_accept_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_decline_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_auth_entered);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
}

static void
tigress_invitation_dialog_init (TigressInvitationDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

TigressInvitationDialog *
tigress_invitation_dialog_new (GtkWindow          *parent,
                               TigressApplication *application,
                               const char         *link_text)
{
  TigressInvitationDialog *self;

  g_return_val_if_fail (TIGRESS_IS_APPLICATION (application), NULL);

  self = g_object_new (TIGRESS_TYPE_INVITATION_DIALOG, "transient-for", parent, NULL);
  self->application = application;
  if (link_text != NULL)
    tigress_invitation_dialog_open_link (self, link_text);
  else
    set_page (self, "link");
  return self;
}
