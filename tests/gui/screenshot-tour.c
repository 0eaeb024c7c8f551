/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * screenshot-tour: walks through the app's main screens with sample data
 * and saves each as a PNG, rendered from the real windows.
 *
 *   screenshot-tour OUTPUT_DIR RELAY_URL
 *
 * Run it in a throw-away session (tools/screenshots does: private bus,
 * keyring daemon, Xvfb, and a relay of its own at RELAY_URL).
 */
#include "config.h"

#include <adwaita.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-credential-editor.h"
#include "tigress-invitation-dialog.h"
#include "tigress-preferences-window.h"
#include "tigress-share-dialog.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "gui-test-util.h"

#define PASSCODE "tour passcode"

static TigressApplication *app;
/* A second share manager in the same keyring stands in for a friend's
 * wallet, so the request view has an invitation to show. */
static WalletShareManager *friend;
static TigressWindow *win;
static const char *output_dir;

static void
settle (void)
{
  tigress_test_run_for (700);
}

static void
shoot (GtkWidget  *widget,
       const char *name)
{
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (output_dir, file, NULL);

  settle ();
  tigress_test_render_widget_png (widget, path);
  g_print ("screenshot-tour: %s\n", path);
}

/* The same dialog as a phone shows it, in the dark style. */
static void
shoot_narrow_dark (GtkWindow  *dialog,
                   const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  gtk_window_set_default_size (dialog, 360, 640);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  shoot (GTK_WIDGET (dialog), name);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
}

static void
set_field (TigressCredentialEditor *editor,
           const char              *name,
           const char              *text)
{
  GtkWidget *widget = tigress_credential_editor_get_field_widget (editor, name);

  gtk_editable_set_text (GTK_EDITABLE (widget), text);
}

static gboolean
stack_shows (gpointer user_data)
{
  GtkStack *stack = GTK_STACK (tigress_window_get_part (win, "main-stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), user_data) == 0;
}

static gboolean
setup_form_shown (gpointer user_data)
{
  GtkWidget *row = tigress_unlock_page_get_part (user_data, "confirm-row");

  return gtk_widget_get_visible (row);
}

static gboolean
no_dialog (gpointer user_data)
{
  return tigress_window_get_open_dialog (win) == NULL;
}

static void
require (gboolean    held,
         const char *what)
{
  if (!held)
    g_error ("screenshot-tour: %s did not happen in time.", what);
}

static void
first_run (void)
{
  TigressUnlockPage *page = TIGRESS_UNLOCK_PAGE (tigress_window_get_part (win, "unlock-page"));

  require (tigress_test_wait_until (setup_form_shown, page, 60000), "the first-run form");
  shoot (GTK_WIDGET (win), "unlock-first-run");
  /* Spaces only: refused at once, by the wallet's rule. */
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "passcode-row")),
                         "        ");
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "confirm-row")),
                         "        ");
  g_signal_emit_by_name (tigress_unlock_page_get_part (page, "submit-button"), "clicked");
  shoot (GTK_WIDGET (win), "unlock-weak-passcode");
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "passcode-row")),
                         PASSCODE);
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "confirm-row")),
                         PASSCODE);
  g_signal_emit_by_name (tigress_unlock_page_get_part (page, "submit-button"), "clicked");
  require (tigress_test_wait_until (stack_shows, (gpointer) "wallet", 60000), "the unlock");
  shoot (GTK_WIDGET (win), "main-empty");
}

static void
fill_form (const char         *type,
           const char * const *names_and_values)
{
  TigressCredentialEditor *editor;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-credential", "s", type);
  editor = TIGRESS_CREDENTIAL_EDITOR (tigress_window_get_open_dialog (win));
  for (guint i = 0; names_and_values[i] != NULL; i += 2)
    set_field (editor, names_and_values[i], names_and_values[i + 1]);
  g_signal_emit_by_name (tigress_credential_editor_get_save_button (editor), "clicked");
  require (tigress_test_wait_until (no_dialog, NULL, 60000), "saving a credential");
}

static void
add_samples (void)
{
  const char *mail[] = { "title", "Mail", WALLET_FIELD_USERNAME, "ann@example.org",
                         WALLET_FIELD_URL, "https://mail.example.org",
                         WALLET_FIELD_SECRET, "correct-horse-battery", NULL };
  const char *bank[] = { "title", "Bank", WALLET_FIELD_USERNAME, "ann.lee",
                         WALLET_FIELD_SECRET, "tr0ub4dor&3", NULL };
  const char *home[] = { "title", "Home Wi-Fi", WALLET_FIELD_SSID, "Lee family",
                         WALLET_FIELD_PASSWORD, "apple orchard 42", NULL };
  const char *gate[] = { "title", "Garden gate", WALLET_FIELD_CODE, "4711",
                         WALLET_FIELD_LOCATION, "Back of the house", NULL };

  fill_form ("password", mail);
  fill_form ("password", bank);
  fill_form ("wifi", home);
  fill_form ("access-code", gate);
}

static WalletCredential *
find (const char *title)
{
  GListModel *model = G_LIST_MODEL (tigress_application_get_store (app));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (model, i);

      if (g_str_equal (wallet_credential_get_title (credential), title))
        return credential;
    }
  g_error ("screenshot-tour: no credential “%s”.", title);
}

static void
main_screens (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  TigressCredentialEditor *editor;

  tigress_window_select_credential (win, wallet_credential_get_id (find ("Mail")));
  shoot (GTK_WIDGET (win), "main-detail");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  shoot (GTK_WIDGET (win), "main-detail-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.import-wifi", NULL);
  editor = TIGRESS_CREDENTIAL_EDITOR (tigress_window_get_open_dialog (win));
  set_field (editor, "title", "Cafe");
  set_field (editor, WALLET_FIELD_SSID, "Corner Cafe");
  set_field (editor, WALLET_FIELD_PASSWORD, "short");
  g_signal_emit_by_name (tigress_credential_editor_get_save_button (editor), "clicked");
  shoot (GTK_WIDGET (editor), "add-wifi-validation");
  gtk_window_destroy (GTK_WINDOW (editor));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL);
  gtk_editable_set_text (GTK_EDITABLE (tigress_window_get_part (win, "search-entry")), "wi");
  shoot (GTK_WIDGET (win), "main-search");
  gtk_editable_set_text (GTK_EDITABLE (tigress_window_get_part (win, "search-entry")), "");
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (tigress_window_get_part (win, "search-bar")),
                                  FALSE);
}

static gboolean
dialog_page_is (gpointer user_data)
{
  GtkWindow *dialog = tigress_window_get_open_dialog (win);

  return TIGRESS_IS_SHARE_DIALOG (dialog) &&
         g_strcmp0 (tigress_share_dialog_get_page (TIGRESS_SHARE_DIALOG (dialog)), user_data) == 0;
}

static char *
share_screens (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  TigressShareDialog *dialog;
  g_autoptr(TwSecret) link = NULL;

  tigress_window_select_credential (win, wallet_credential_get_id (find ("Home Wi-Fi")));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.share-credential", NULL);
  dialog = TIGRESS_SHARE_DIALOG (tigress_window_get_open_dialog (win));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 520, 860);
  shoot (GTK_WIDGET (dialog), "share-options");

  g_signal_emit_by_name (tigress_share_dialog_get_part (dialog, "next-button"), "clicked");
  gtk_editable_set_text (GTK_EDITABLE (tigress_share_dialog_get_part (dialog, "auth-row")),
                         PASSCODE);
  g_signal_emit_by_name (tigress_share_dialog_get_part (dialog, "next-button"), "clicked");
  if (!tigress_test_wait_until (dialog_page_is, (gpointer) "invitation", 60000))
    g_error ("screenshot-tour: the share did not start; the dialog shows its “%s” page.",
             tigress_share_dialog_get_page (dialog));
  shoot (GTK_WIDGET (dialog), "share-invitation");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  shoot (GTK_WIDGET (dialog), "share-invitation-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);

  link = wallet_share_dup_link (tigress_share_dialog_get_share (dialog), WALLET_SHARE_LINK_TIGRESS);
  gtk_window_destroy (GTK_WINDOW (dialog));
  return g_strdup (tw_secret_get_text (link));
}

static gboolean
result_ready (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static char *
share_from_friend (void)
{
  WalletShareOptions options = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(WalletShare) share = NULL;
  g_autoptr(TwSecret) passcode = tw_secret_new_from_string (PASSCODE);
  g_autoptr(TwSecret) link = NULL;

  friend = wallet_share_manager_new_with_namespace (tigress_application_get_store (app),
                                                    tigress_application_get_contacts (app),
                                                    tigress_application_get_relays (app),
                                                    "tour-friend");
  wallet_share_manager_load_async (friend, NULL, keep_result, &result);
  require (tigress_test_wait_until (result_ready, &result, 60000), "loading the friend's shares");
  if (!wallet_share_manager_load_finish (friend, result, &error))
    g_error ("screenshot-tour: %s", error->message);
  g_clear_object (&result);

  wallet_auth_with_passcode_async (tigress_application_get_auth (app), WALLET_AUTH_PURPOSE_SEND,
                                   passcode, NULL, keep_result, &result);
  require (tigress_test_wait_until (result_ready, &result, 60000), "the friend's confirmation");
  proof = wallet_auth_with_passcode_finish (tigress_application_get_auth (app), result, &error);
  if (proof == NULL)
    g_error ("screenshot-tour: %s", error->message);
  g_clear_object (&result);

  options.credential_id = wallet_credential_get_id (find ("Bank"));
  options.with_pin = TRUE;
  wallet_share_manager_create_async (friend, &options, proof, NULL, keep_result, &result);
  require (tigress_test_wait_until (result_ready, &result, 60000), "the friend's share");
  share = wallet_share_manager_create_finish (friend, result, &error);
  if (share == NULL)
    g_error ("screenshot-tour: %s", error->message);
  link = wallet_share_dup_link (share, WALLET_SHARE_LINK_TIGRESS);
  return g_strdup (tw_secret_get_text (link));
}

static gboolean
invitation_page_is (gpointer user_data)
{
  GtkWindow *dialog = tigress_window_get_open_dialog (win);

  return TIGRESS_IS_INVITATION_DIALOG (dialog) &&
         g_strcmp0 (tigress_invitation_dialog_get_page (TIGRESS_INVITATION_DIALOG (dialog)),
                    user_data) == 0;
}

static void
invitation_and_shares (const char *own_link)
{
  TigressInvitationDialog *dialog;
  g_autofree char *link = share_from_friend ();

  tigress_window_open_invitation (win, link);
  dialog = TIGRESS_INVITATION_DIALOG (tigress_window_get_open_dialog (win));
  shoot (GTK_WIDGET (dialog), "invitation-request");
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "accept-button"), "clicked");
  gtk_editable_set_text (GTK_EDITABLE (tigress_invitation_dialog_get_part (dialog, "auth-row")),
                         PASSCODE);
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "auth-row"),
                         "entry-activated");
  require (tigress_test_wait_until (invitation_page_is, (gpointer) "pin", 60000),
           "the PIN page");
  shoot (GTK_WIDGET (dialog), "invitation-pin");
  shoot_narrow_dark (GTK_WINDOW (dialog), "narrow-invitation-pin-dark");
  gtk_window_destroy (GTK_WINDOW (dialog));

  tigress_window_open_invitation (win, own_link);
  dialog = TIGRESS_INVITATION_DIALOG (tigress_window_get_open_dialog (win));
  shoot (GTK_WIDGET (dialog), "invitation-own-link");
  gtk_window_destroy (GTK_WINDOW (dialog));

  tigress_window_open_invitation (win, "tigress:https://relay.example.org/v1/m/nothing");
  dialog = TIGRESS_INVITATION_DIALOG (tigress_window_get_open_dialog (win));
  shoot (GTK_WIDGET (dialog), "invitation-bad-link");
  gtk_window_destroy (GTK_WINDOW (dialog));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-shares", NULL);
  shoot (GTK_WIDGET (win), "shares");
}

static void
preferences_and_narrow (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  GtkWindow *preferences = GTK_WINDOW (tigress_preferences_window_new (app));
  int dpi;

  gtk_window_set_transient_for (preferences, GTK_WINDOW (win));
  gtk_window_present (preferences);
  shoot (GTK_WIDGET (preferences), "preferences");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), NULL);
  gtk_window_destroy (preferences);

  tigress_window_select_credential (win, wallet_credential_get_id (find ("Garden gate")));
  gtk_window_set_default_size (GTK_WINDOW (win), 360, 640);
  shoot (GTK_WIDGET (win), "narrow-detail");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.go-back", NULL);
  shoot (GTK_WIDGET (win), "narrow-list");

  /* Large text: the text scaling of the desktop's accessibility settings. */
  g_object_get (settings, "gtk-xft-dpi", &dpi, NULL);
  g_object_set (settings, "gtk-xft-dpi", dpi * 3 / 2, NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);
  tigress_window_select_credential (win, wallet_credential_get_id (find ("Mail")));
  shoot (GTK_WIDGET (win), "main-large-text");
  g_object_set (settings, "gtk-xft-dpi", dpi, NULL);
}

/* A second "Bank", received through a share: its row says when it came. */
static void
received_twin (void)
{
  WalletStore *store = tigress_application_get_store (app);
  g_autoptr(WalletCredential) twin = wallet_credential_copy (find ("Bank"));
  g_autoptr(WalletCredential) received = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("tr0ub4dor&3");
  g_autoptr(GAsyncResult) result = NULL;

  wallet_credential_set_title (received, wallet_credential_get_title (twin));
  wallet_credential_set_field (received, WALLET_FIELD_USERNAME,
                               wallet_credential_get_field (twin, WALLET_FIELD_USERNAME));
  wallet_credential_set_secret (received, WALLET_FIELD_SECRET, secret);
  wallet_credential_set_share_id (received, "5f0c7b521a3e4d399c1e0b6a9f2d8e47");
  wallet_store_save_async (store, received, NULL, keep_result, &result);
  require (tigress_test_wait_until (result_ready, &result, 60000),
           "saving a received credential");
  require (wallet_store_save_finish (store, result, NULL), "the received credential saved");
  tigress_window_select_credential (win, wallet_credential_get_id (received));
  shoot (GTK_WIDGET (win), "list-received-twin");
}

/* A new password's editor: the cursor waits in Title. */
static void
new_password_editor (void)
{
  GtkWindow *editor;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-credential", "s", "password");
  editor = tigress_window_get_open_dialog (win);
  shoot (GTK_WIDGET (editor), "add-password");
  shoot_narrow_dark (editor, "narrow-add-password-dark");
  gtk_window_destroy (editor);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *link = NULL;
  const char *relays[2] = { NULL, NULL };

  if (argc != 3)
    {
      g_printerr ("usage: screenshot-tour OUTPUT_DIR RELAY_URL\n");
      return 2;
    }
  output_dir = argv[1];
  relays[0] = argv[2];

  tw_crypto_init ();
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);

  settings = g_settings_new (APP_ID);
  g_settings_set_strv (settings, "trusted-relays", relays);
  g_settings_set_string (settings, "default-relay", relays[0]);

  app = tigress_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("The app could not start: %s", error->message);
  g_application_activate (G_APPLICATION (app));
  win = TIGRESS_WINDOW (tigress_application_get_main_window (app));
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);

  first_run ();
  add_samples ();
  main_screens ();
  link = share_screens ();
  invitation_and_shares (link);
  preferences_and_narrow ();
  received_twin ();
  new_password_editor ();

  gtk_window_destroy (GTK_WINDOW (win));
  g_clear_object (&friend);
  g_clear_object (&app);
  return 0;
}
