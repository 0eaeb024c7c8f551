/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * share-peer: a second Tigress Wallet app for the share tests. It runs the
 * real app window in a session of its own (tests/cli/wallet-session: its
 * own bus and keyring) on the test's Xvfb, and takes one command per line
 * on stdin, answering on stdout:
 *
 *   setup               first-run passcode, then adds the password
 *                       "Door code"                       -> ok
 *   share pin|direct|pin-separate [TITLE]
 *                       shares "Door code" (or TITLE) through the share
 *                       dialog                             -> link L, pin P|none,
 *                                                             warning yes|no
 *                                                             (pin-separate also:
 *                                                             code C)
 *   add-owner TITLE     adds a lock owner key               -> ok
 *   wait STATE          waits until the share is in STATE  -> ok | timeout CURRENT
 *   cancel              presses Cancel Share               -> ok
 *   screen              what the share dialog shows        -> screen PAGE link yes|no
 *                                                             pin yes|no qr yes|no
 *   accept LINK         opens LINK here and accepts it     -> page NAME
 *   relay URL           trusts URL and shares through it   -> ok
 *   quit
 *
 * The PIN travels only on this private pipe between the two test processes.
 */
#include "config.h"

#include <adwaita.h>
#include <gio/gunixinputstream.h>
#include <stdio.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-credential-editor.h"
#include "tigress-invitation-dialog.h"
#include "tigress-share-dialog.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "gui-test-util.h"

#define PEER_PASSCODE "peer passcode"
#define SLOW_MS 60000

static TigressApplication *app;
static TigressWindow *win;
static TigressShareDialog *share_dialog;
static GDataInputStream *commands;
static GMainLoop *loop;

static void
reply (const char *format,
       ...) G_GNUC_PRINTF (1, 2);

static void
reply (const char *format,
       ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
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
stack_shows_wallet (gpointer user_data)
{
  GtkStack *stack = GTK_STACK (tigress_window_get_part (win, "main-stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "wallet") == 0;
}

static gboolean
setup_form_shown (gpointer user_data)
{
  return gtk_widget_get_visible (tigress_unlock_page_get_part (user_data, "confirm-row"));
}

static gboolean
no_dialog (gpointer user_data)
{
  return tigress_window_get_open_dialog (win) == NULL;
}

static void
do_setup (void)
{
  TigressUnlockPage *page = TIGRESS_UNLOCK_PAGE (tigress_window_get_part (win, "unlock-page"));
  TigressCredentialEditor *editor;

  if (!tigress_test_wait_until (setup_form_shown, page, SLOW_MS))
    {
      reply ("error the first-run form did not show");
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "passcode-row")),
                         PEER_PASSCODE);
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "confirm-row")),
                         PEER_PASSCODE);
  g_signal_emit_by_name (tigress_unlock_page_get_part (page, "submit-button"), "clicked");
  if (!tigress_test_wait_until (stack_shows_wallet, NULL, SLOW_MS))
    {
      reply ("error the wallet did not open");
      return;
    }

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-credential", "s", "password");
  editor = TIGRESS_CREDENTIAL_EDITOR (tigress_window_get_open_dialog (win));
  set_field (editor, "title", "Door code");
  set_field (editor, WALLET_FIELD_SECRET, "open-sesame-42");
  g_signal_emit_by_name (tigress_credential_editor_get_save_button (editor), "clicked");
  if (!tigress_test_wait_until (no_dialog, NULL, SLOW_MS))
    {
      reply ("error the credential was not saved");
      return;
    }
  reply ("ok");
}

static gboolean
share_page_is (gpointer user_data)
{
  const char *page = tigress_share_dialog_get_page (share_dialog);

  return g_strcmp0 (page, user_data) == 0 || g_strcmp0 (page, "failed") == 0;
}

static WalletCredential *
find_titled (const char *title)
{
  GListModel *store = G_LIST_MODEL (tigress_application_get_store (app));

  for (guint i = 0; i < g_list_model_get_n_items (store); i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (store, i);

      if (g_str_equal (wallet_credential_get_title (credential), title))
        return credential;
    }
  return NULL;
}

static void
do_add_owner (const char *title)
{
  TigressCredentialEditor *editor;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-credential", "s",
                              "digital-key-owner");
  editor = TIGRESS_CREDENTIAL_EDITOR (tigress_window_get_open_dialog (win));
  set_field (editor, "title", title);
  g_signal_emit_by_name (tigress_credential_editor_get_save_button (editor), "clicked");
  if (!tigress_test_wait_until (no_dialog, NULL, SLOW_MS))
    {
      reply ("error the owner key was not saved");
      return;
    }
  reply ("ok");
}

static void
do_share (const char *arguments)
{
  g_auto(GStrv) words = g_strsplit (arguments, " ", 2);
  const char *kind = words[0];
  WalletCredential *credential = find_titled (words[1] ? words[1] : "Door code");
  const char *pin;

  /* The old dialog may live on a little (a call in flight holds it), so
   * stop watching it before it goes. */
  if (share_dialog != NULL)
    {
      GtkWindow *old = GTK_WINDOW (share_dialog);

      g_object_remove_weak_pointer (G_OBJECT (old), (gpointer *) &share_dialog);
      share_dialog = NULL;
      gtk_window_destroy (old);
    }
  if (credential == NULL ||
      !tigress_window_select_credential (win, wallet_credential_get_id (credential)))
    {
      reply ("error the credential is not in the list");
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (win), "win.share-credential", NULL);
  if (!TIGRESS_IS_SHARE_DIALOG (tigress_window_get_open_dialog (win)))
    {
      reply ("error the share dialog did not open");
      return;
    }
  share_dialog = TIGRESS_SHARE_DIALOG (tigress_window_get_open_dialog (win));
  g_object_add_weak_pointer (G_OBJECT (share_dialog), (gpointer *) &share_dialog);

  gtk_switch_set_active (GTK_SWITCH (tigress_share_dialog_get_part (share_dialog, "pin-switch")),
                         g_str_has_prefix (kind, "pin"));
  gtk_switch_set_active (GTK_SWITCH (tigress_share_dialog_get_part (share_dialog,
                                                                    "separate-switch")),
                         g_str_equal (kind, "pin-separate"));
  g_signal_emit_by_name (tigress_share_dialog_get_part (share_dialog, "next-button"), "clicked");
  gtk_editable_set_text (GTK_EDITABLE (tigress_share_dialog_get_part (share_dialog, "auth-row")),
                         PEER_PASSCODE);
  g_signal_emit_by_name (tigress_share_dialog_get_part (share_dialog, "next-button"), "clicked");
  if (!tigress_test_wait_until (share_page_is, (gpointer) "invitation", SLOW_MS) ||
      !g_str_equal (tigress_share_dialog_get_page (share_dialog), "invitation"))
    {
      reply ("error the share did not start");
      return;
    }

  pin = tigress_share_dialog_get_pin_text (share_dialog);
  reply ("link %s", tigress_share_dialog_get_link_text (share_dialog));
  reply ("pin %s", pin ? pin : "none");
  reply ("warning %s",
         gtk_widget_get_visible (tigress_share_dialog_get_part (share_dialog, "direct-warning"))
         ? "yes" : "no");
  if (g_str_equal (kind, "pin-separate"))
    reply ("code %s",
           gtk_label_get_text (GTK_LABEL (tigress_share_dialog_get_part (share_dialog,
                                                                         "key-label"))));
}

static gboolean
share_state_is (gpointer user_data)
{
  WalletShare *share = share_dialog ? tigress_share_dialog_get_share (share_dialog) : NULL;

  return share != NULL &&
         g_str_equal (wallet_share_state_to_string (wallet_share_get_state (share)), user_data);
}

static void
do_wait (const char *state)
{
  WalletShare *share = share_dialog ? tigress_share_dialog_get_share (share_dialog) : NULL;

  if (share == NULL)
    {
      reply ("error no share");
      return;
    }
  if (tigress_test_wait_until (share_state_is, (gpointer) state, SLOW_MS))
    reply ("ok");
  else
    reply ("timeout %s", wallet_share_state_to_string (wallet_share_get_state (share)));
}

static void
do_cancel (void)
{
  g_signal_emit_by_name (tigress_share_dialog_get_part (share_dialog, "cancel-share-button"),
                         "clicked");
  do_wait ("cancelled");
}

static const char *
yes_no (const char *text)
{
  return text != NULL && *text != '\0' ? "yes" : "no";
}

static void
do_screen (void)
{
  if (share_dialog == NULL)
    {
      reply ("error no share dialog");
      return;
    }
  reply ("screen %s link %s pin %s qr %s", tigress_share_dialog_get_page (share_dialog),
         yes_no (tigress_share_dialog_get_link_text (share_dialog)),
         yes_no (tigress_share_dialog_get_pin_text (share_dialog)),
         yes_no (tigress_share_dialog_get_qr_text (share_dialog)));
}

static gboolean
invitation_settled (gpointer user_data)
{
  TigressInvitationDialog *dialog = user_data;
  const char *page = tigress_invitation_dialog_get_page (dialog);

  return g_str_equal (page, "details") || g_str_equal (page, "pin") ||
         g_str_equal (page, "failed") || g_str_equal (page, "done");
}

static void
do_accept (const char *link)
{
  TigressInvitationDialog *dialog;

  tigress_window_open_invitation (win, link);
  dialog = TIGRESS_INVITATION_DIALOG (tigress_window_get_open_dialog (win));
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "accept-button"), "clicked");
  gtk_editable_set_text (GTK_EDITABLE (tigress_invitation_dialog_get_part (dialog, "auth-row")),
                         PEER_PASSCODE);
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "auth-row"),
                         "entry-activated");
  tigress_test_wait_until (invitation_settled, dialog, SLOW_MS);
  reply ("page %s", tigress_invitation_dialog_get_page (dialog));
}

static void
do_relay (const char *url)
{
  GSettings *settings = tigress_application_get_settings (app);
  const char *relays[] = { url, NULL };

  g_settings_set_strv (settings, "trusted-relays", relays);
  g_settings_set_string (settings, "default-relay", url);
  reply ("ok");
}

static void read_next_command (void);

static void
run_command (const char *line)
{
  if (g_str_equal (line, "setup"))
    do_setup ();
  else if (g_str_has_prefix (line, "share "))
    do_share (line + strlen ("share "));
  else if (g_str_equal (line, "screen"))
    do_screen ();
  else if (g_str_has_prefix (line, "wait "))
    do_wait (line + strlen ("wait "));
  else if (g_str_equal (line, "cancel"))
    do_cancel ();
  else if (g_str_has_prefix (line, "accept "))
    do_accept (line + strlen ("accept "));
  else if (g_str_has_prefix (line, "add-owner "))
    do_add_owner (line + strlen ("add-owner "));
  else if (g_str_has_prefix (line, "relay "))
    do_relay (line + strlen ("relay "));
  else if (g_str_equal (line, "quit"))
    g_main_loop_quit (loop);
  else
    reply ("error unknown command");
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (commands, result, NULL,
                                                                     NULL);

  if (line == NULL)
    {
      g_main_loop_quit (loop);
      return;
    }
  run_command (g_strstrip (line));
  if (g_main_loop_is_running (loop))
    read_next_command ();
}

static void
read_next_command (void)
{
  g_data_input_stream_read_line_async (commands, G_PRIORITY_DEFAULT, NULL, on_line, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GInputStream) input = NULL;
  const char *relays[2] = { NULL, NULL };

  if (argc != 2)
    {
      g_printerr ("usage: share-peer RELAY_URL\n");
      return 2;
    }
  relays[0] = argv[1];

  /* Standard output is the answer pipe: log lines (G_MESSAGES_DEBUG) must
   * not land among the answers. */
  g_log_writer_default_set_use_stderr (TRUE);
  tw_crypto_init ();
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();
  tigress_test_start_notification_server ();

  settings = g_settings_new (APP_ID);
  g_settings_set_strv (settings, "trusted-relays", relays);
  g_settings_set_string (settings, "default-relay", relays[0]);

  app = tigress_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("share-peer: %s\n", error->message);
      return 1;
    }
  g_application_activate (G_APPLICATION (app));
  win = TIGRESS_WINDOW (tigress_application_get_main_window (app));

  input = g_unix_input_stream_new (0, FALSE);
  commands = g_data_input_stream_new (input);
  loop = g_main_loop_new (NULL, FALSE);
  read_next_command ();
  g_main_loop_run (loop);

  g_clear_object (&commands);
  g_clear_pointer (&loop, g_main_loop_unref);
  gtk_window_destroy (GTK_WINDOW (win));
  g_clear_object (&app);
  return 0;
}
