/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "tw-crypto.h"
#include "tw-link.h"

#include "tigress-date.h"
#include "tigress-invitation-dialog.h"
#include "tigress-share-status.h"

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
  AdwStatusPage *pin_page;
  AdwEntryRow *pin_row;
  GtkLabel *pin_message;
  GtkLabel *pin_title;
  GtkButton *pin_send_button;
  AdwStatusPage *details_page;
  GtkLabel *details_warning;
  GtkButton *save_button;
  GtkButton *discard_button;
  AdwStatusPage *done_page;
  AdwStatusPage *working_page;
  GtkSpinner *working_spinner;
  AdwStatusPage *failed_page;
  GtkButton *retry_button;
  GtkButton *unlock_button;

  TigressApplication *application;
  WalletShare *share;
  /* the link as given, kept while the code that was sent apart is asked */
  TwSecret *link_text;
  TwLinkVertical vertical;
  gboolean key_in_link;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TigressInvitationDialog, tigress_invitation_dialog, ADW_TYPE_WINDOW)

static WalletShareManager *
manager (TigressInvitationDialog *self)
{
  return tigress_application_get_shares (self->application);
}

static void
show_label_message (GtkLabel   *label,
                    const char *message)
{
  gtk_label_set_text (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

/* A failure page that takes the focus on its way in leaves keyboard users
 * on the button that helps, instead of nowhere (QA H4). */
static void
focus_next_step (TigressInvitationDialog *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->retry_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->retry_button));
  else if (gtk_widget_get_visible (GTK_WIDGET (self->unlock_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->unlock_button));
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
  else if (g_str_equal (page, "pin"))
    gtk_widget_grab_focus (GTK_WIDGET (self->pin_row));
  else if (g_str_equal (page, "failed"))
    focus_next_step (self);
}

static void
show_working (TigressInvitationDialog *self,
              const char              *title)
{
  adw_status_page_set_title (self->working_page, title);
  set_page (self, "working");
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
  if (g_str_equal (page, "pin"))
    return visible_text (self->pin_message);
  if (g_str_equal (page, "details"))
    return visible_text (self->details_warning);
  if (g_str_equal (page, "failed"))
    return adw_status_page_get_description (self->failed_page);
  return NULL;
}

/* Every failure names what happened and offers the one next step that
 * helps: try again when it may pass, otherwise close. */
static void
show_failure (TigressInvitationDialog *self,
              const GError            *error)
{
  gboolean keyring = error != NULL && error->domain == WALLET_KEYRING_ERROR;
  gboolean retry = tigress_share_failure_is_retryable (error);

  adw_status_page_set_title (self->failed_page, tigress_share_failure_title (self->share, error));
  adw_status_page_set_description (self->failed_page, error ? error->message : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), retry && !keyring);
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_button), keyring);
  set_page (self, "failed");
}

/* ------------------------------------------------------------------ */
/* Following the share                                                */
/* ------------------------------------------------------------------ */

static char *
format_expiration (WalletShare *share)
{
  GDateTime *expiration = wallet_share_get_expiration (share);

  if (expiration == NULL)
    return g_strdup (_("Shown once the invitation is opened"));
  return tigress_date_format (expiration);
}

/* The sender chooses the title, up to 256 bytes: a few lines of it, with
 * the whole as a tooltip, so the PIN field always stays in reach (QA G10). */
static void
show_pin_title (TigressInvitationDialog *self)
{
  const char *title = wallet_share_get_title (self->share);

  gtk_label_set_text (self->pin_title, title != NULL ? title : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pin_title), title);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_title), title != NULL && *title != '\0');
}

/* Whether @error only holds the share back for a while: the relay is away
 * or busy, and the share tries again by itself. */
static gboolean
is_passing_relay_trouble (const GError *error)
{
  return g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE) ||
         g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_REFUSED);
}

/* The line under the PIN field: the tries left, or why the relay cannot be
 * asked just now. The share listens to the relay while the PIN is typed;
 * when the relay goes away, the PIN page stays, because a PIN typed then is
 * kept and goes out once the relay answers (QA H4: the page used to give way
 * to an error, and a PIN typed at that moment was lost). */
static void
show_pin_message (TigressInvitationDialog *self)
{
  const GError *error = wallet_share_get_error (self->share);
  gboolean after_wrong_pin = wallet_share_get_state (self->share) ==
                             WALLET_SHARE_STATE_PIN_WRONG;
  guint tries = wallet_share_get_tries_left (self->share);
  g_autofree char *message = NULL;

  if (is_passing_relay_trouble (error))
    message = g_strdup_printf ("%s %s", error->message,
                               _("You can type the PIN now: the wallet keeps it and "
                                 "sends it then."));
  else if (after_wrong_pin)
    message = g_strdup_printf (ngettext ("That PIN was wrong. %u try is left: check the PIN "
                                         "with the sender.",
                                         "That PIN was wrong. %u tries are left: check the "
                                         "PIN with the sender.", tries), tries);
  else
    message = g_strdup_printf (ngettext ("You have %u try.", "You have %u tries.", tries),
                               tries);
  show_label_message (self->pin_message, message);
  if (after_wrong_pin || error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->pin_message), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->pin_message), "error");
}

static void
show_pin_page (TigressInvitationDialog *self)
{
  show_pin_message (self);
  show_pin_title (self);
  gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
  set_page (self, "pin");
}

static void
show_details (TigressInvitationDialog *self)
{
  const char *title = wallet_share_get_title (self->share);
  WalletCredentialType type = wallet_share_get_credential_type (self->share);
  g_autofree char *until = format_expiration (self->share);
  g_autofree char *description = NULL;
  const char *sender = wallet_share_get_sender_verified (self->share)
                       ? wallet_share_get_sender_name (self->share)
                       : _("sender not verified");

  /* Translators: a credential type, who sent it, and until when it is valid */
  description = g_strdup_printf (_("%s from %s, offered until %s."),
                                 wallet_credential_type_get_label (type), sender, until);
  adw_status_page_set_title (self->details_page, title ? title : "");
  adw_status_page_set_description (self->details_page, description);
  show_label_message (self->details_warning,
                      wallet_share_get_opened_on_several_devices (self->share)
                      ? _("This invitation was opened on more than one device. Treat "
                          "what it holds as exposed: ask the sender to change it.")
                      : NULL);
  set_page (self, "details");
}

static void
show_done (TigressInvitationDialog *self)
{
  g_autofree char *description = NULL;
  const char *title = wallet_share_get_title (self->share);

  /* Translators: %s is the title of the credential that arrived */
  description = g_strdup_printf (_("“%s” is in your wallet now."), title ? title : "");
  adw_status_page_set_description (self->done_page, description);
  set_page (self, "done");
}

/* A wrong code ends only that attempt: the same link opens with the right
 * one, typed again (or, when the code came inside the link, pasted again
 * with the whole link). */
static void
ask_again_for_key (TigressInvitationDialog *self,
                   const GError            *error)
{
  if (self->key_in_link)
    {
      show_label_message (self->link_message, error->message);
      set_page (self, "link");
      return;
    }
  show_label_message (self->code_message, error->message);
  set_page (self, "code");
}

static void
follow_state (TigressInvitationDialog *self)
{
  const GError *error = wallet_share_get_error (self->share);

  switch (wallet_share_get_state (self->share))
    {
    case WALLET_SHARE_STATE_OPENED:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
      show_details (self);
      break;
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_PIN_WRONG:
      show_pin_page (self);
      break;
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
      show_working (self, _("Waiting for the Sender’s Wallet…"));
      break;
    case WALLET_SHARE_STATE_CONNECTING:
    case WALLET_SHARE_STATE_STORING:
      show_working (self, _("Opening the Invitation…"));
      break;
    case WALLET_SHARE_STATE_RECEIVED:
      show_done (self);
      break;
    case WALLET_SHARE_STATE_FAILED:
      if (g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_KEY) &&
          self->link_text != NULL)
        {
          ask_again_for_key (self, error);
          break;
        }
      G_GNUC_FALLTHROUGH;
    case WALLET_SHARE_STATE_CANCELLED:
    case WALLET_SHARE_STATE_EXPIRED:
      {
        g_autoptr(GError) fallback = NULL;
        g_autofree char *described = tigress_share_describe_state (self->share);

        if (error == NULL)
          fallback = g_error_new_literal (WALLET_SHARE_ERROR,
                                          wallet_share_get_state (self->share) ==
                                          WALLET_SHARE_STATE_EXPIRED
                                          ? WALLET_SHARE_ERROR_EXPIRED : WALLET_SHARE_ERROR_ENDED,
                                          described);
        show_failure (self, error ? error : fallback);
      }
      break;
    case WALLET_SHARE_STATE_DECLINED:
      gtk_window_destroy (GTK_WINDOW (self));
      break;
    case WALLET_SHARE_STATE_NEW:
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_DELIVERED:
    default:
      break;
    }
}

/* A share that cannot go on right now (keyring locked, relay away) keeps
 * retrying on its own; the person sees why and can make it try now. Once
 * it goes on, the reason gives way to where the share stands. */
static void
on_share_error (TigressInvitationDialog *self)
{
  const GError *error = wallet_share_get_error (self->share);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (wallet_share_is_final (self->share) ||
      wallet_share_get_state (self->share) == WALLET_SHARE_STATE_NEW)
    return;

  if (g_str_equal (page, "pin") && (error == NULL || is_passing_relay_trouble (error)))
    show_pin_message (self);
  else if (error != NULL)
    show_failure (self, error);
  else if (g_str_equal (page, "failed"))
    follow_state (self);
}

static void
on_share_notify (TigressInvitationDialog *self)
{
  /* Only states after Accept move the pages; the request stays put. */
  if (wallet_share_get_state (self->share) != WALLET_SHARE_STATE_NEW)
    follow_state (self);
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
      return _("A password, Wi-Fi network, access code or key");
    }
}

static void
show_request (TigressInvitationDialog *self)
{
  const char *relay = wallet_share_get_relay (self->share);
  g_autofree char *until = format_expiration (self->share);

  gtk_label_set_text (self->request_title, _("Someone Is Sharing With You"));
  adw_action_row_set_subtitle (self->what_row, vertical_description (self->vertical));
  adw_action_row_set_subtitle (self->relay_row, relay);
  adw_action_row_set_subtitle (self->until_row, until);
  adw_action_row_set_subtitle (self->sender_row, wallet_share_get_sender_verified (self->share)
                                                 ? wallet_share_get_sender_name (self->share)
                                                 : _("Sender not verified"));
  if (!wallet_share_get_relay_trusted (self->share))
    {
      g_autofree char *warning =
        g_strdup_printf (_("This invitation comes through %s, a relay you have not marked "
                           "as trusted. Accept it only if you expected it from someone you "
                           "know."), relay);
      show_label_message (self->relay_warning, warning);
      gtk_button_set_label (self->accept_button, _("_Accept Anyway"));
    }
  else
    {
      show_label_message (self->relay_warning, NULL);
      gtk_button_set_label (self->accept_button, _("_Accept"));
    }
  set_page (self, "request");
}

/* ------------------------------------------------------------------ */
/* The link and its code                                              */
/* ------------------------------------------------------------------ */

static void
remember_link_facts (TigressInvitationDialog *self,
                     const char              *link_text)
{
  g_autoptr(TwLink) link = tw_link_parse (link_text, NULL);

  self->vertical = link ? tw_link_get_vertical (link) : TW_LINK_VERTICAL_ACCESS;
  self->key_in_link = link != NULL && tw_link_has_key (link);
}

static gboolean
open_share (TigressInvitationDialog *self,
            const char              *key_text)
{
  g_autoptr(GError) error = NULL;
  WalletShare *share;

  /* A new attempt replaces the one before (the wallet drops an attempt
   * that had a wrong code); its news are no longer ours. */
  if (self->share != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->share, self);
      g_clear_object (&self->share);
    }
  share = wallet_share_manager_open_link (manager (self), tw_secret_get_text (self->link_text),
                                          key_text, &error);
  if (share == NULL)
    {
      if (g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_KEY_MISSING))
        set_page (self, "code");
      else if (key_text != NULL)
        show_label_message (self->code_message, error->message);
      else if (g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_BAD_LINK))
        {
          show_label_message (self->link_message, error->message);
          set_page (self, "link");
        }
      else
        show_failure (self, error);
      return FALSE;
    }

  self->share = share;
  g_signal_connect_object (share, "notify::state", G_CALLBACK (on_share_notify), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (share, "notify::error", G_CALLBACK (on_share_error), self,
                           G_CONNECT_SWAPPED);
  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_NEW)
    show_request (self);
  else
    follow_state (self);
  return TRUE;
}

gboolean
tigress_invitation_dialog_open_link (TigressInvitationDialog *self,
                                     const char              *link_text)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (link_text ? link_text : ""));

  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), FALSE);

  if (*trimmed == '\0')
    {
      show_label_message (self->link_message,
                          _("Paste the invitation link first. It starts with tigress: or "
                            "https://."));
      set_page (self, "link");
      return FALSE;
    }

  g_clear_pointer (&self->link_text, tw_secret_unref);
  self->link_text = tw_secret_new_from_string (trimmed);
  remember_link_facts (self, trimmed);
  tw_wipe (trimmed, strlen (trimmed));
  show_label_message (self->link_message, NULL);
  return open_share (self, NULL);
}

static void
on_open_clicked (TigressInvitationDialog *self)
{
  if (tigress_invitation_dialog_open_link (self,
        gtk_editable_get_text (GTK_EDITABLE (self->link_row))))
    gtk_editable_set_text (GTK_EDITABLE (self->link_row), "");
}

static void
on_code_entered (TigressInvitationDialog *self)
{
  const char *code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));

  if (self->link_text == NULL)
    return;
  if (*code == '\0')
    {
      show_label_message (self->code_message, _("Paste the code the sender sent you "
                                                "separately."));
      return;
    }
  show_label_message (self->code_message, NULL);
  if (open_share (self, code))
    gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
}

/* ------------------------------------------------------------------ */
/* Accept, PIN, Save, Decline                                         */
/* ------------------------------------------------------------------ */

/* A call about one share: when its answer comes, the dialog may have moved
 * on to another attempt, and the old answer must not paint over it. */
typedef struct {
  TigressInvitationDialog *self;
  WalletShare *share;
} ShareCall;

static ShareCall *
share_call_new (TigressInvitationDialog *self)
{
  ShareCall *call = g_new0 (ShareCall, 1);

  call->self = g_object_ref (self);
  call->share = g_object_ref (self->share);
  return call;
}

static void
share_call_free (ShareCall *call)
{
  g_clear_object (&call->self);
  g_clear_object (&call->share);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShareCall, share_call_free)

static gboolean
share_call_is_current (ShareCall *call)
{
  return call->share == call->self->share;
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ShareCall) call = user_data;
  TigressInvitationDialog *self = call->self;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_accept_finish (WALLET_SHARE_MANAGER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          !share_call_is_current (call))
        return;
      if (wallet_share_is_final (self->share))
        follow_state (self);
      else
        show_failure (self, error);
      return;
    }
  if (share_call_is_current (call))
    follow_state (self);
}

static void
on_auth_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TigressInvitationDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;
  WalletShareAcceptFlags flags = WALLET_SHARE_ACCEPT_DEFAULT;

  proof = wallet_auth_with_passcode_finish (WALLET_AUTH (source), result, &error);
  if (proof == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* A keyring that cannot answer is not a wrong passcode. */
      if (error->domain == WALLET_KEYRING_ERROR)
        {
          show_failure (self, error);
          return;
        }
      set_page (self, "auth");
      show_label_message (self->auth_message, error->message);
      return;
    }

  /* The relay warning was on screen when the person pressed Accept. */
  if (!wallet_share_get_relay_trusted (self->share))
    flags |= WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY;
  show_working (self, _("Opening the Invitation…"));
  wallet_share_manager_accept_async (manager (self), self->share, proof, flags,
                                     self->cancellable, on_accepted, share_call_new (self));
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
  show_working (self, _("Checking…"));
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
on_confirmed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShareCall) call = user_data;
  TigressInvitationDialog *self = call->self;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_confirm_finish (WALLET_SHARE_MANAGER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          !share_call_is_current (call))
        return;
      if (g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_BAD_PIN))
        {
          set_page (self, "pin");
          show_label_message (self->pin_message, error->message);
          return;
        }
      /* A share that ended meanwhile explains itself better than the
       * refused step does. */
      if (wallet_share_is_final (self->share))
        follow_state (self);
      else
        show_failure (self, error);
      return;
    }
  if (share_call_is_current (call))
    follow_state (self);
}

static void
on_pin_entered (TigressInvitationDialog *self)
{
  g_autoptr(TwSecret) pin = NULL;
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->pin_row));
  g_autofree char *digits = g_strstrip (g_strdup (typed));

  pin = tw_secret_new_from_string (digits);
  tw_wipe (digits, strlen (digits));
  gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
  show_working (self, _("Checking the PIN…"));
  wallet_share_manager_confirm_async (manager (self), self->share, pin, self->cancellable,
                                      on_confirmed, share_call_new (self));
}

static void
on_save_clicked (TigressInvitationDialog *self)
{
  show_working (self, _("Saving…"));
  wallet_share_manager_confirm_async (manager (self), self->share, NULL, self->cancellable,
                                      on_confirmed, share_call_new (self));
}

static void
on_declined (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TigressInvitationDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_cancel_finish (WALLET_SHARE_MANAGER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      show_failure (self, error);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_decline_clicked (TigressInvitationDialog *self)
{
  if (self->share == NULL)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  /* Declining must reach the relay even if this window closes first. */
  wallet_share_manager_cancel_async (manager (self), self->share, NULL, on_declined,
                                     g_object_ref (self));
}

static void
on_retry_clicked (TigressInvitationDialog *self)
{
  if (self->share == NULL)
    {
      set_page (self, "link");
      return;
    }
  if (wallet_share_get_state (self->share) == WALLET_SHARE_STATE_NEW)
    {
      show_request (self);
      return;
    }
  /* The share keeps trying on its own; this makes it try now. A try that
   * fails again sets the share's error, which brings the reason back.
   * Meanwhile the page says where the share stands: a try that works may
   * change nothing the share shows (it was waiting for the PIN, or for the
   * sender), and a spinner would then turn for ever (QA H4). */
  show_working (self, _("Trying Again…"));
  wallet_share_manager_reconnect (manager (self));
  if (g_str_equal (tigress_invitation_dialog_get_page (self), "working"))
    follow_state (self);
}

static void
show_still_locked (TigressInvitationDialog *self,
                   const GError            *error)
{
  g_autofree char *message = NULL;

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  message = g_strdup_printf ("%s %s", _("The keyring stayed locked. Unlock it in Passwords "
                                        "and Keys, then press Unlock again."),
                             error ? error->message : "");
  adw_status_page_set_description (self->failed_page, g_strstrip (message));
}

static void
on_keyring_unlocked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TigressInvitationDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (secret_service_unlock_finish (NULL, result, NULL, &error) <= 0)
    {
      show_still_locked (self, error);
      return;
    }
  on_retry_clicked (self);
}

static void
on_default_collection (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(TigressInvitationDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretCollection) collection = secret_collection_for_alias_finish (result, &error);
  GList objects = { collection, NULL, NULL };

  if (collection == NULL)
    {
      show_still_locked (self, error);
      return;
    }
  /* The desktop asks for the keyring password in a dialog of its own. */
  secret_service_unlock (NULL, &objects, self->cancellable, on_keyring_unlocked,
                         g_object_ref (self));
}

static void
on_unlock_clicked (TigressInvitationDialog *self)
{
  secret_collection_for_alias (NULL, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               self->cancellable, on_default_collection, g_object_ref (self));
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
    { "pin-row", self->pin_row },
    { "pin-title", self->pin_title },
    { "pin-send-button", self->pin_send_button },
    { "save-button", self->save_button },
    { "discard-button", self->discard_button },
    { "retry-button", self->retry_button },
    { "unlock-button", self->unlock_button },
    { "failed-page", self->failed_page },
    { "details-page", self->details_page },
  };

  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_str_equal (parts[i].name, name))
      return parts[i].widget;
  return NULL;
}

WalletShare *
tigress_invitation_dialog_get_share (TigressInvitationDialog *self)
{
  g_return_val_if_fail (TIGRESS_IS_INVITATION_DIALOG (self), NULL);

  return self->share;
}

static void
tigress_invitation_dialog_dispose (GObject *object)
{
  TigressInvitationDialog *self = TIGRESS_INVITATION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->share);
  g_clear_pointer (&self->link_text, tw_secret_unref);

  G_OBJECT_CLASS (tigress_invitation_dialog_parent_class)->dispose (object);
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) \
  gtk_widget_class_bind_template_child (widget_class, TigressInvitationDialog, name)
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
  BIND (pin_page);
  BIND (pin_row);
  BIND (pin_message);
  BIND (pin_title);
  BIND (pin_send_button);
  BIND (details_page);
  BIND (details_warning);
  BIND (save_button);
  BIND (discard_button);
  BIND (done_page);
  BIND (working_page);
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
  gtk_widget_class_bind_template_callback (widget_class, on_pin_entered);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_unlock_clicked);
}

static void
tigress_invitation_dialog_init (TigressInvitationDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

TigressInvitationDialog *
tigress_invitation_dialog_new_for_share (GtkWindow          *parent,
                                         TigressApplication *application,
                                         WalletShare        *share)
{
  TigressInvitationDialog *self;

  g_return_val_if_fail (TIGRESS_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (WALLET_IS_SHARE (share), NULL);

  self = g_object_new (TIGRESS_TYPE_INVITATION_DIALOG, "transient-for", parent, NULL);
  self->application = application;
  self->share = g_object_ref (share);
  g_signal_connect_object (share, "notify::state", G_CALLBACK (on_share_notify), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (share, "notify::error", G_CALLBACK (on_share_error), self,
                           G_CONNECT_SWAPPED);
  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_NEW)
    show_request (self);
  else
    follow_state (self);
  return self;
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
