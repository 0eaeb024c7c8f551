/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "tigress-unlock-page.h"

typedef enum {
  MODE_LOADING,
  MODE_SETUP,
  MODE_UNLOCK,
  MODE_FAILED,
} UnlockMode;

struct _TigressUnlockPage
{
  AdwBin parent_instance;

  AdwWindowTitle *window_title;
  AdwStatusPage *status_page;
  AdwPreferencesGroup *form_group;
  AdwPasswordEntryRow *passcode_row;
  AdwPasswordEntryRow *confirm_row;
  GtkLabel *message_label;
  GtkButton *submit_button;
  GtkButton *retry_button;
  GtkSpinner *spinner;

  WalletVault *vault;
  GCancellable *cancellable;
  UnlockMode mode;
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (TigressUnlockPage, tigress_unlock_page, ADW_TYPE_BIN)

enum {
  SIGNAL_UNLOCKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_busy (TigressUnlockPage *self,
          gboolean           busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  /* The fields stay sensitive and only stop taking text: Enter in a field
   * starts the work, and making the focused field insensitive inside its own
   * key press leaves the window with a focus that swallows every later key. */
  gtk_editable_set_editable (GTK_EDITABLE (self->passcode_row), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->confirm_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), !busy);
}

void
tigress_unlock_page_show_error (TigressUnlockPage *self,
                                const char        *message)
{
  g_return_if_fail (TIGRESS_IS_UNLOCK_PAGE (self));

  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
set_mode (TigressUnlockPage *self,
          UnlockMode         mode)
{
  gboolean has_form = mode == MODE_SETUP || mode == MODE_UNLOCK;

  self->mode = mode;
  gtk_widget_set_visible (GTK_WIDGET (self->form_group), has_form);
  gtk_widget_set_visible (GTK_WIDGET (self->confirm_row), mode == MODE_SETUP);
  gtk_widget_set_visible (GTK_WIDGET (self->submit_button), has_form);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), mode == MODE_FAILED);
  gtk_editable_set_text (GTK_EDITABLE (self->passcode_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  tigress_unlock_page_show_error (self, NULL);
  /* The first-run form has the longest text and two fields: at the default
   * 640 px a refusal's message pushed Set Passcode out of the window, so it
   * alone takes the smaller icon and gaps. */
  if (mode == MODE_SETUP)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "compact");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_page), "compact");

  switch (mode)
    {
    case MODE_LOADING:
      adw_status_page_set_title (self->status_page, _("Opening Wallet…"));
      adw_status_page_set_description (self->status_page, NULL);
      break;
    case MODE_SETUP:
      adw_status_page_set_title (self->status_page, _("Choose a Passcode"));
      adw_status_page_set_description (self->status_page,
        _("Your secrets live in the system keyring, which any program you run can "
          "read while you are logged in. The passcode adds a lock of its own: without "
          "it, nobody at this computer can read what the wallet keeps. Choose at "
          "least six characters you will remember; it cannot be recovered."));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->passcode_row),
                                     _("New Passcode"));
      gtk_button_set_label (self->submit_button, _("_Set Passcode"));
      break;
    case MODE_UNLOCK:
      adw_status_page_set_title (self->status_page, _("Wallet Locked"));
      adw_status_page_set_description (self->status_page,
                                       _("Enter your passcode to open the wallet."));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->passcode_row),
                                     _("Passcode"));
      gtk_button_set_label (self->submit_button, _("_Unlock"));
      break;
    case MODE_FAILED:
      adw_status_page_set_title (self->status_page, _("Cannot Open the Wallet"));
      break;
    default:
      g_assert_not_reached ();
    }

  if (has_form)
    gtk_widget_grab_focus (GTK_WIDGET (self->passcode_row));
}

static void
show_failure (TigressUnlockPage *self,
              const GError      *error)
{
  set_mode (self, MODE_FAILED);
  adw_status_page_set_description (self->status_page, error->message);
}

static void
mode_from_vault (TigressUnlockPage *self)
{
  switch (wallet_vault_get_state (self->vault))
    {
    case WALLET_VAULT_STATE_NO_PASSCODE:
      set_mode (self, MODE_SETUP);
      break;
    case WALLET_VAULT_STATE_LOCKED:
      set_mode (self, MODE_UNLOCK);
      break;
    case WALLET_VAULT_STATE_UNLOCKED:
      g_signal_emit (self, signals[SIGNAL_UNLOCKED], 0);
      break;
    case WALLET_VAULT_STATE_UNKNOWN:
    default:
      set_mode (self, MODE_LOADING);
    }
}

static void
on_load_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TigressUnlockPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_vault_load_finish (WALLET_VAULT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      show_failure (self, error);
      return;
    }
  set_busy (self, FALSE);
  mode_from_vault (self);
}

void
tigress_unlock_page_reload (TigressUnlockPage *self)
{
  g_return_if_fail (TIGRESS_IS_UNLOCK_PAGE (self));

  if (self->vault == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  set_mode (self, MODE_LOADING);
  set_busy (self, TRUE);
  wallet_vault_load_async (self->vault, self->cancellable, on_load_done,
                           g_object_ref (self));
}

static void
finish_attempt (TigressUnlockPage *self,
                gboolean           ok,
                GError            *error)
{
  set_busy (self, FALSE);
  if (ok)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->passcode_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
      g_signal_emit (self, signals[SIGNAL_UNLOCKED], 0);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  tigress_unlock_page_show_error (self, error->message);
  gtk_editable_select_region (GTK_EDITABLE (self->passcode_row), 0, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->passcode_row));
}

static void
on_unlock_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TigressUnlockPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = wallet_vault_unlock_finish (WALLET_VAULT (source), result, &error);

  finish_attempt (self, ok, error);
}

static void
on_setup_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TigressUnlockPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = wallet_vault_setup_finish (WALLET_VAULT (source), result, &error);

  finish_attempt (self, ok, error);
}

/* The setup form explains itself before anything reaches the vault. */
static gboolean
check_new_passcode (TigressUnlockPage *self)
{
  const char *passcode = gtk_editable_get_text (GTK_EDITABLE (self->passcode_row));
  const char *again = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  g_autoptr(GError) weak = NULL;

  /* The wallet's rule, so the app and `tigress` refuse the same passcodes
   * (six spaces included, QA F6) with the same words. */
  if (!wallet_vault_check_new_passcode (passcode, strlen (passcode), &weak))
    {
      tigress_unlock_page_show_error (self, weak->message);
      return FALSE;
    }
  if (g_strcmp0 (passcode, again) != 0)
    {
      tigress_unlock_page_show_error (self, _("The two passcodes differ. Type the same "
                                              "passcode in both fields."));
      return FALSE;
    }
  return TRUE;
}

static void
on_submit (TigressUnlockPage *self)
{
  g_autoptr(TwSecret) passcode = NULL;

  if (self->busy || self->vault == NULL)
    return;
  if (self->mode == MODE_SETUP && !check_new_passcode (self))
    return;
  if (self->mode != MODE_SETUP && self->mode != MODE_UNLOCK)
    return;

  passcode = tw_secret_new_from_string (gtk_editable_get_text (GTK_EDITABLE (self->passcode_row)));
  tigress_unlock_page_show_error (self, NULL);
  set_busy (self, TRUE);
  if (self->mode == MODE_SETUP)
    wallet_vault_setup_async (self->vault, passcode, self->cancellable,
                              on_setup_done, g_object_ref (self));
  else
    wallet_vault_unlock_async (self->vault, passcode, self->cancellable,
                               on_unlock_done, g_object_ref (self));
}

/* Enter goes on to the second field while it is empty, and submits as
 * soon as there is something to submit. */
static void
on_passcode_activated (TigressUnlockPage *self)
{
  const char *again = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));

  if (self->mode == MODE_SETUP && *again == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->confirm_row));
  else
    on_submit (self);
}

/* The rows' show-text buttons stay clickable but leave the keyboard path:
 * Tab goes from field to field to the button, and Enter can never reveal
 * a passcode by landing on one. */
static void
keep_buttons_out_of_tab_order (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        gtk_widget_set_focusable (child, FALSE);
      keep_buttons_out_of_tab_order (child);
    }
}

static void
on_text_changed (TigressUnlockPage *self)
{
  if (!self->busy)
    tigress_unlock_page_show_error (self, NULL);
}

void
tigress_unlock_page_set_vault (TigressUnlockPage *self,
                               WalletVault       *vault)
{
  g_return_if_fail (TIGRESS_IS_UNLOCK_PAGE (self));

  if (g_set_object (&self->vault, vault))
    tigress_unlock_page_reload (self);
}

GtkWidget *
tigress_unlock_page_get_part (TigressUnlockPage *self,
                              const char        *name)
{
  const struct { const char *name; gpointer widget; } parts[] = {
    { "passcode-row", self->passcode_row },
    { "confirm-row", self->confirm_row },
    { "submit-button", self->submit_button },
    { "message-label", self->message_label },
    { "status-page", self->status_page },
    { "retry-button", self->retry_button },
    { "window-title", self->window_title },
  };

  g_return_val_if_fail (TIGRESS_IS_UNLOCK_PAGE (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_str_equal (parts[i].name, name))
      return parts[i].widget;
  return NULL;
}

static void
tigress_unlock_page_dispose (GObject *object)
{
  TigressUnlockPage *self = TIGRESS_UNLOCK_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->vault);

  G_OBJECT_CLASS (tigress_unlock_page_parent_class)->dispose (object);
}

static void
tigress_unlock_page_class_init (TigressUnlockPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_unlock_page_dispose;

  signals[SIGNAL_UNLOCKED] =
    g_signal_new ("unlocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-unlock-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, form_group);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, passcode_row);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, submit_button);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, TigressUnlockPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_submit);
  gtk_widget_class_bind_template_callback (widget_class, on_passcode_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_text_changed);
  gtk_widget_class_bind_template_callback (widget_class, tigress_unlock_page_reload);
}

static void
tigress_unlock_page_init (TigressUnlockPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_button_set_use_underline (self->submit_button, TRUE);
  keep_buttons_out_of_tab_order (GTK_WIDGET (self->passcode_row));
  keep_buttons_out_of_tab_order (GTK_WIDGET (self->confirm_row));
}

GtkWidget *
tigress_unlock_page_new (void)
{
  return g_object_new (TIGRESS_TYPE_UNLOCK_PAGE, NULL);
}
