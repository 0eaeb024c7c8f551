/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shares between two running app instances: this test's app is the
 * recipient; share-peer runs a second app in its own session (own bus and
 * keyring) as the sender, or as another recipient device. A real
 * tigress-relay runs on loopback. Everything goes through the windows:
 * the share dialog on one side, the invitation dialog on the other.
 */
#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdlib.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-invitation-dialog.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "gui-test-util.h"

#define PASSCODE "recipient passcode"
#define SLOW_MS 60000

typedef struct {
  GSubprocess *process;
  GOutputStream *input;
  GDataInputStream *output;
  char *session_dir;
} Peer;

static TigressApplication *app;
static GPtrArray *notifications;

/* Processes this test started and must stop even when an assertion
 * aborts it: the relay, and each peer session's bus and keyring daemon. */
#define MAX_HELPERS 8
static volatile pid_t helper_pids[MAX_HELPERS];

static void
remember_helper (pid_t pid)
{
  for (guint i = 0; i < MAX_HELPERS; i++)
    if (helper_pids[i] == 0)
      {
        helper_pids[i] = pid;
        return;
      }
}

static void
forget_helper (pid_t pid)
{
  for (guint i = 0; i < MAX_HELPERS; i++)
    if (helper_pids[i] == pid)
      helper_pids[i] = 0;
}

static void
stop_helpers_on_abort (int signal_number)
{
  for (guint i = 0; i < MAX_HELPERS; i++)
    if (helper_pids[i] > 0)
      kill (helper_pids[i], SIGTERM);
  signal (signal_number, SIG_DFL);
  raise (signal_number);
}
static TigressWindow *win;
static GSubprocess *relay;
static char *relay_url;
static char *scratch;

/* ------------------------------------------------------------------ */
/* The relay                                                          */
/* ------------------------------------------------------------------ */

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (socket, any_port, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
relay_is_healthy (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *health = g_strconcat (url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, health);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return body != NULL && soup_message_get_status (message) == SOUP_STATUS_OK;
}

/* Starts a relay with its own database on @port; @max_expiry is NULL for
 * the default lifetime. Returns the process and sets @url. A relay started
 * again under the same name and port finds its mailboxes again. */
static GSubprocess *
start_relay_on (const char  *name,
                const char  *max_expiry,
                guint16      port,
                char       **url)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *storage = g_strdup_printf ("sqlite:%s/%s.db", scratch, name);
  g_autofree char *expiry = g_strdup_printf ("--max-expiry=%s", max_expiry ? max_expiry : "48h");
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, g_getenv ("TIGRESS_RELAY"), "--listen", listen,
                              "--storage", storage, "--no-rate-limits", expiry,
                              "--sweep-interval=1", NULL);
  g_assert_no_error (error);
  remember_helper ((pid_t) atoi (g_subprocess_get_identifier (process)));
  *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  for (guint i = 0; i < 100 && !relay_is_healthy (*url); i++)
    g_usleep (100 * 1000);
  g_assert_true (relay_is_healthy (*url));
  return process;
}

static GSubprocess *
start_relay (const char  *name,
             const char  *max_expiry,
             char       **url)
{
  return start_relay_on (name, max_expiry, free_port (), url);
}

static void
stop_relay (GSubprocess *process)
{
  forget_helper ((pid_t) atoi (g_subprocess_get_identifier (process)));
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* The other app                                                      */
/* ------------------------------------------------------------------ */

static void
run_wallet_session (const char *verb,
                    const char *dir)
{
  const char *argv[] = { g_getenv ("TIGRESS_WALLET_SESSION"), verb, dir, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static pid_t
read_pid (const char *dir,
          const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  return (pid_t) atoi (text);
}

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                     NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("error the peer went away");
}

static gboolean
pointer_is_set (gpointer user_data)
{
  return *(char **) user_data != NULL;
}

/* The next answer line; the main loop keeps running meanwhile, so this
 * app can answer the relay while the peer waits. */
static char *
peer_read (Peer *peer)
{
  char *line = NULL;

  g_data_input_stream_read_line_async (peer->output, G_PRIORITY_DEFAULT, NULL, on_line_read,
                                       &line);
  g_assert_true (tigress_test_wait_until (pointer_is_set, &line, SLOW_MS));
  return line;
}

static void
peer_send (Peer       *peer,
           const char *command)
{
  g_autofree char *line = g_strconcat (command, "\n", NULL);

  g_assert_true (g_output_stream_write_all (peer->input, line, strlen (line), NULL, NULL, NULL));
  g_assert_true (g_output_stream_flush (peer->input, NULL, NULL));
}

static void
peer_expect (Peer       *peer,
             const char *command,
             const char *answer)
{
  g_autofree char *line = NULL;

  peer_send (peer, command);
  line = peer_read (peer);
  g_assert_cmpstr (line, ==, answer);
}

static Peer *
peer_start (const char *name)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GError) error = NULL;

  peer->session_dir = g_build_filename (scratch, name, NULL);
  run_wallet_session ("start", peer->session_dir);
  remember_helper (read_pid (peer->session_dir, "bus-pid"));
  remember_helper (read_pid (peer->session_dir, "keyring-pid"));
  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                    &error, g_getenv ("TIGRESS_WALLET_SESSION"), "run",
                                    peer->session_dir, g_getenv ("TIGRESS_SHARE_PEER"),
                                    relay_url, NULL);
  g_assert_no_error (error);
  peer->input = g_subprocess_get_stdin_pipe (peer->process);
  peer->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  peer_expect (peer, "setup", "ok");
  return peer;
}

static void
peer_stop (Peer *peer)
{
  peer_send (peer, "quit");
  g_subprocess_wait (peer->process, NULL, NULL);
  forget_helper (read_pid (peer->session_dir, "bus-pid"));
  forget_helper (read_pid (peer->session_dir, "keyring-pid"));
  run_wallet_session ("stop", peer->session_dir);
  g_clear_object (&peer->output);
  g_clear_object (&peer->process);
  g_free (peer->session_dir);
  g_free (peer);
}

typedef struct {
  char *link;
  char *pin;   /* NULL for a direct share */
  gboolean warned;
} Invitation;

static void
invitation_clear (Invitation *invitation)
{
  g_free (invitation->link);
  if (invitation->pin != NULL)
    tw_wipe (invitation->pin, strlen (invitation->pin));
  g_free (invitation->pin);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Invitation, invitation_clear)

static void
peer_share (Peer       *peer,
            const char *kind,
            Invitation *invitation)
{
  g_autofree char *link = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *warning = NULL;

  peer_send (peer, kind);
  link = peer_read (peer);
  if (!g_str_has_prefix (link, "link tigress:"))
    g_test_message ("The peer answered: %s", link);
  g_assert_true (g_str_has_prefix (link, "link tigress:"));
  pin = peer_read (peer);
  g_assert_true (g_str_has_prefix (pin, "pin "));
  warning = peer_read (peer);
  invitation->link = g_strdup (link + strlen ("link "));
  invitation->pin = g_str_equal (pin, "pin none") ? NULL : g_strdup (pin + strlen ("pin "));
  invitation->warned = g_str_equal (warning, "warning yes");
  tw_wipe (pin, strlen (pin));
}

/* ------------------------------------------------------------------ */
/* This app, the recipient                                            */
/* ------------------------------------------------------------------ */

static gboolean
main_page_is_wallet (gpointer user_data)
{
  GtkStack *stack = GTK_STACK (tigress_window_get_part (win, "main-stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "wallet") == 0;
}

static gboolean
setup_form_shown (gpointer user_data)
{
  return gtk_widget_get_visible (tigress_unlock_page_get_part (user_data, "confirm-row"));
}

static void
set_up_recipient (void)
{
  TigressUnlockPage *page = TIGRESS_UNLOCK_PAGE (tigress_window_get_part (win, "unlock-page"));

  g_assert_true (tigress_test_wait_until (setup_form_shown, page, SLOW_MS));
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "passcode-row")),
                         PASSCODE);
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "confirm-row")),
                         PASSCODE);
  tigress_test_click (tigress_unlock_page_get_part (page, "submit-button"));
  g_assert_true (tigress_test_wait_until (main_page_is_wallet, NULL, SLOW_MS));
}

static TigressInvitationDialog *
open_and_accept (const char *link)
{
  TigressInvitationDialog *dialog;

  tigress_window_open_invitation (win, link);
  dialog = TIGRESS_INVITATION_DIALOG (tigress_window_get_open_dialog (win));
  g_assert_true (TIGRESS_IS_INVITATION_DIALOG (dialog));
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "request");
  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "accept-button"));
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "auth");
  gtk_editable_set_text (GTK_EDITABLE (tigress_invitation_dialog_get_part (dialog, "auth-row")),
                         PASSCODE);
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "auth-row"),
                         "entry-activated");
  return dialog;
}

typedef struct {
  TigressInvitationDialog *dialog;
  const char *page;
} PageWait;

static gboolean
dialog_settled_on (gpointer user_data)
{
  PageWait *wait = user_data;
  const char *page = tigress_invitation_dialog_get_page (wait->dialog);

  return g_str_equal (page, wait->page) ||
         (g_str_equal (page, "failed") && !g_str_equal (wait->page, "failed"));
}

static void
assert_page (TigressInvitationDialog *dialog,
             const char              *page)
{
  PageWait wait = { dialog, page };

  if (!tigress_test_wait_until (dialog_settled_on, &wait, SLOW_MS))
    g_test_message ("Still on the %s page: %s", tigress_invitation_dialog_get_page (dialog),
                    tigress_invitation_dialog_get_message (dialog));
  if (!g_str_equal (tigress_invitation_dialog_get_page (dialog), page))
    {
      WalletShare *share = tigress_invitation_dialog_get_share (dialog);

      g_test_message ("The dialog shows %s: %s", tigress_invitation_dialog_get_page (dialog),
                      tigress_invitation_dialog_get_message (dialog));
      if (share != NULL)
        g_test_message ("Its share %s is %s", wallet_share_get_id (share),
                        wallet_share_state_to_string (wallet_share_get_state (share)));
    }
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, page);
}

static const char *
failure_title (TigressInvitationDialog *dialog)
{
  GtkWidget *page = tigress_invitation_dialog_get_part (dialog, "failed-page");

  return adw_status_page_get_title (ADW_STATUS_PAGE (page));
}

static void
type_pin (TigressInvitationDialog *dialog,
          const char              *pin)
{
  GtkWidget *row = tigress_invitation_dialog_get_part (dialog, "pin-row");

  gtk_editable_set_text (GTK_EDITABLE (row), pin);
  g_signal_emit_by_name (row, "entry-activated");
}

static WalletCredential *
find_stored (const char *title)
{
  GListModel *model = G_LIST_MODEL (tigress_application_get_store (app));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (model, i);

      if (g_strcmp0 (wallet_credential_get_title (credential), title) == 0)
        return credential;
    }
  return NULL;
}

static void
close_dialog (TigressInvitationDialog *dialog)
{
  if (tigress_window_get_open_dialog (win) == GTK_WINDOW (dialog))
    gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The window of a test is never in front (Xvfb has no window manager to
 * give it focus), so share news arrive as desktop notifications. */
static gboolean
notified_about (const char *words)
{
  for (guint i = 0; i < notifications->len; i++)
    if (strstr (g_ptr_array_index (notifications, i), words) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
no_label_door_code (gpointer user_data)
{
  return tigress_test_find_labelled (user_data, GTK_TYPE_LABEL, "Door code") == NULL;
}

static gboolean
no_share_pending (gpointer user_data)
{
  return !tigress_application_get_shares_pending (app);
}

/* ------------------------------------------------------------------ */
/* The cases                                                          */
/* ------------------------------------------------------------------ */

static Peer *sender;

static void
test_verified_share_wrong_then_right_pin (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  g_autofree char *wrong_pin = NULL;
  WalletCredential *stored;
  GtkWidget *shares_view, *remove;

  peer_share (sender, "share pin", &invitation);
  g_assert_nonnull (invitation.pin);
  g_assert_false (invitation.warned);

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "3"));
  /* A share in progress keeps the app running even without its window. */
  g_assert_true (tigress_application_get_shares_pending (app));

  /* A wrong PIN: the sender's wallet says so, and two tries are left. */
  wrong_pin = g_strdup (invitation.pin);
  wrong_pin[0] = wrong_pin[0] == '9' ? '0' : wrong_pin[0] + 1;
  type_pin (dialog, wrong_pin);
  assert_page (dialog, "working");
  assert_page (dialog, "pin");
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "wrong"));
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "2"));

  type_pin (dialog, invitation.pin);
  assert_page (dialog, "done");
  stored = find_stored ("Door code");
  g_assert_nonnull (stored);
  g_assert_cmpstr (tw_secret_get_text (wallet_credential_get_secret (stored, WALLET_FIELD_SECRET)),
                   ==, "open-sesame-42");
  peer_expect (sender, "wait delivered", "ok");
  /* Done: the sender's dialog says so and no longer shows what opens it. */
  peer_expect (sender, "screen", "screen ended link no pin no qr no");
  close_dialog (dialog);
  g_assert_true (notified_about ("Door code"));
  g_assert_true (tigress_test_wait_until (no_share_pending, NULL, SLOW_MS));

  /* The Shares view lists it as received, and can forget it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-shares", NULL));
  shares_view = tigress_window_get_part (win, "shares-view");
  g_assert_nonnull (tigress_test_find_labelled (shares_view, GTK_TYPE_LABEL, "Door code"));
  remove = tigress_test_find_tooltip_button (shares_view, "Remove From List");
  g_assert_nonnull (remove);
  tigress_test_click (remove);
  g_assert_true (tigress_test_wait_until (no_label_door_code, shares_view, SLOW_MS));
}

static void
test_direct_share_is_saved_unverified (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  g_autofree char *description = NULL;
  guint before = g_list_model_get_n_items (G_LIST_MODEL (tigress_application_get_store (app)));

  peer_share (sender, "share direct", &invitation);
  g_assert_null (invitation.pin);
  g_assert_true (invitation.warned);

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "details");
  description = g_strdup (adw_status_page_get_description (
    ADW_STATUS_PAGE (tigress_invitation_dialog_get_part (dialog, "details-page"))));
  g_assert_nonnull (strstr (description, "sender not verified"));
  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "save-button"));
  assert_page (dialog, "done");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tigress_application_get_store (app))),
                    ==, before + 1);
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
}

static guint
n_items (gpointer model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (model));
}

typedef struct
{
  gpointer model;
  guint count;
} CountWait;

static gboolean
count_is (gpointer user_data)
{
  CountWait *wait = user_data;

  return n_items (wait->model) == wait->count;
}

/* QA F17: another instance on this app's keyring (as `tigress receive`
 * is) receives a share. While it runs there this app leaves it alone (two
 * processes must not drive one share); once it ended there, the app lists
 * it in its Shares view and shows the credential it brought, by itself. */
static void
test_share_received_elsewhere_shows (void)
{
  g_auto(Invitation) invitation = { 0 };
  g_autoptr(TigressTestWallet) other = tigress_test_wallet_open (PASSCODE);
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(WalletShare) share = NULL;
  g_autoptr(GAsyncResult) accepted = NULL;
  g_autoptr(GAsyncResult) confirmed = NULL;
  g_autoptr(GError) error = NULL;
  WalletShareManager *shares = tigress_application_get_shares (app);
  WalletStore *store = tigress_application_get_store (app);
  CountWait more_shares = { shares, n_items (shares) + 1 };
  CountWait more_stored = { store, n_items (store) + 1 };

  peer_share (sender, "share direct", &invitation);
  share = wallet_share_manager_open_link (other->shares, invitation.link, NULL, &error);
  g_assert_no_error (error);
  proof = tigress_test_wallet_proof (other, WALLET_AUTH_PURPOSE_ACCEPT, PASSCODE);
  wallet_share_manager_accept_async (other->shares, share, proof,
                                     WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY, NULL,
                                     tigress_test_keep_result, &accepted);
  g_assert_true (wallet_share_manager_accept_finish (other->shares,
                                                     tigress_test_wait_result (&accepted),
                                                     &error));
  g_assert_no_error (error);
  tigress_test_run_for (2000);
  g_assert_cmpuint (n_items (shares), ==, more_shares.count - 1);

  wallet_share_manager_confirm_async (other->shares, share, NULL, NULL,
                                      tigress_test_keep_result, &confirmed);
  g_assert_true (wallet_share_manager_confirm_finish (other->shares,
                                                      tigress_test_wait_result (&confirmed),
                                                      &error));
  g_assert_no_error (error);
  peer_expect (sender, "wait delivered", "ok");

  g_assert_true (tigress_test_wait_until (count_is, &more_shares, SLOW_MS));
  g_assert_true (tigress_test_wait_until (count_is, &more_stored, SLOW_MS));
  g_assert_nonnull (wallet_share_manager_lookup (shares, wallet_share_get_id (share)));
}

static gboolean
dialog_closed (gpointer user_data)
{
  return tigress_window_get_open_dialog (win) == NULL;
}

static void
test_discard_tells_the_sender (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;

  peer_share (sender, "share direct", &invitation);
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "details");
  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "discard-button"));
  g_assert_true (tigress_test_wait_until (dialog_closed, NULL, SLOW_MS));
  peer_expect (sender, "wait declined", "ok");
}

/* The sender cancels while the recipient has the PIN page open: the page
 * changes by itself (the wallet keeps reading the relay while the person
 * looks for the PIN) and says who ended the share, before any PIN is
 * typed. */
static void
test_cancelled_by_sender_is_explained (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;

  peer_share (sender, "share pin", &invitation);
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");
  peer_expect (sender, "cancel", "ok");

  assert_page (dialog, "failed");
  /* The sender's wallet deletes the mailbox right after its cancel, so
   * the recipient may find the mailbox gone rather than the cancel; the
   * words differ, the advice is the same. */
  g_test_message ("After the sender cancelled: %s", failure_title (dialog));
  g_assert_true (g_str_equal (failure_title (dialog), "Cancelled by the Sender") ||
                 g_str_equal (failure_title (dialog), "This Invitation Has Ended"));
  g_assert_nonnull (tigress_invitation_dialog_get_message (dialog));
  /* Either way it says what to do next (QA H9). */
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "Ask"));
  g_assert_false (gtk_widget_get_visible (tigress_invitation_dialog_get_part (dialog,
                                                                              "retry-button")));
  close_dialog (dialog);
}

/* A link whose share ended before it was opened: the relay no longer has
 * it, and the wallet cannot tell why, so it says so and what to do. */
static void
test_ended_before_opening_is_explained (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;

  peer_share (sender, "share pin", &invitation);
  peer_expect (sender, "screen", "screen invitation link yes pin yes qr yes");
  peer_expect (sender, "cancel", "ok");
  peer_expect (sender, "screen", "screen ended link no pin no qr no");

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "failed");
  g_assert_cmpstr (failure_title (dialog), ==, "This Invitation Has Ended");
  /* The next step: ask the sender again. */
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "new invitation"));
  close_dialog (dialog);
}

/* Through a relay that keeps mailboxes only a few seconds, an opened
 * invitation expires while the recipient looks for the PIN: the PIN page
 * turns into "expired" by itself, without a PIN typed. */
static void
test_expired_while_waiting_is_explained (void)
{
  g_auto(Invitation) invitation = { 0 };
  g_autofree char *short_relay_url = NULL;
  g_autoptr(GSubprocess) short_relay = start_relay ("short-relay", "40s", &short_relay_url);
  g_autofree char *use_relay = g_strconcat ("relay ", short_relay_url, NULL);
  g_autofree char *back = g_strconcat ("relay ", relay_url, NULL);
  TigressInvitationDialog *dialog;

  peer_expect (sender, use_relay, "ok");
  peer_share (sender, "share pin", &invitation);
  peer_expect (sender, back, "ok");

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");
  while (wallet_share_get_seconds_left (tigress_invitation_dialog_get_share (dialog)) > 0)
    {
      g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "pin");
      tigress_test_run_for (500);
    }

  assert_page (dialog, "failed");
  g_test_message ("After the expiry: %s — %s", failure_title (dialog),
                  tigress_invitation_dialog_get_message (dialog));
  g_assert_cmpstr (failure_title (dialog), ==, "The Invitation Expired");
  close_dialog (dialog);
  stop_relay (short_relay);
}

static void
test_accepted_on_another_device_is_explained (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  Peer *other_device = peer_start ("other-device");
  g_autofree char *command = NULL;

  peer_share (sender, "share direct", &invitation);
  command = g_strconcat ("accept ", invitation.link, NULL);
  peer_expect (other_device, command, "page details");

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "failed");
  g_assert_cmpstr (failure_title (dialog), ==, "Already Accepted on Another Device");
  close_dialog (dialog);
  peer_stop (other_device);
}

static void
test_unreachable_relay_offers_retry (void)
{
  g_autofree char *link = g_strdup_printf ("tigress:http://127.0.0.1:%u/v1/m/"
                                           "0b6f2c3e-5d41-4a8e-9f1b-2c7d8e9a0b1c?v=a"
                                           "#q0vXh1e8QyYkJ2m5n7p9r1t3v5x7z9B2D4F6H8J0L2M=",
                                           free_port ());
  TigressInvitationDialog *dialog = open_and_accept (link);

  assert_page (dialog, "failed");
  g_assert_cmpstr (failure_title (dialog), ==, "Cannot Reach the Relay");
  g_assert_true (gtk_widget_get_visible (tigress_invitation_dialog_get_part (dialog,
                                                                             "retry-button")));
  close_dialog (dialog);
}

static gboolean
dialog_shows_done (gpointer user_data)
{
  return g_str_equal (tigress_invitation_dialog_get_page (user_data), "done");
}

/* The relay goes away just as the PIN is sent (QA G5): the dialog says why
 * and that the share goes on by itself, and once the relay answers again
 * the PIN goes out and the credential arrives without anything pressed. */
static void
test_relay_down_while_sending_pin_recovers (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  guint16 port = (guint16) atoi (strrchr (relay_url, ':') + 1);
  g_autofree char *url_again = NULL;
  GListModel *stored = G_LIST_MODEL (tigress_application_get_store (app));
  guint before = g_list_model_get_n_items (stored);

  peer_share (sender, "share pin", &invitation);
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");

  /* Killed, as a crash or a power cut would: no goodbye to the clients. */
  forget_helper ((pid_t) atoi (g_subprocess_get_identifier (relay)));
  g_subprocess_force_exit (relay);
  g_subprocess_wait (relay, NULL, NULL);
  g_clear_object (&relay);
  type_pin (dialog, invitation.pin);
  assert_page (dialog, "failed");
  g_test_message ("Relay away: %s — %s", failure_title (dialog),
                  tigress_invitation_dialog_get_message (dialog));
  g_assert_cmpstr (failure_title (dialog), ==, "Cannot Reach the Relay");
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog),
                            "goes on by itself"));
  g_assert_true (gtk_widget_get_visible (tigress_invitation_dialog_get_part (dialog,
                                                                             "retry-button")));

  if (g_getenv ("TIGRESS_TEST_SHOTS") != NULL)
    {
      g_autofree char *shot = g_build_filename (g_getenv ("TIGRESS_TEST_SHOTS"),
                                                "relay-away.png", NULL);

      tigress_test_run_for (700);
      tigress_test_render_widget_png (GTK_WIDGET (dialog), shot);
    }

  /* Retry while the relay is still away: the page says so again rather
   * than spinning with no reason. */
  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "retry-button"));
  tigress_test_run_for (3000);
  g_test_message ("Retried with the relay away: %s — %s",
                  tigress_invitation_dialog_get_page (dialog),
                  tigress_invitation_dialog_get_message (dialog));
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "failed");
  g_assert_cmpstr (failure_title (dialog), ==, "Cannot Reach the Relay");

  relay = start_relay_on ("relay", NULL, port, &url_again);
  if (!tigress_test_wait_until (dialog_shows_done, dialog, SLOW_MS))
    g_test_message ("With the relay back: %s — %s", tigress_invitation_dialog_get_page (dialog),
                    tigress_invitation_dialog_get_message (dialog));
  assert_page (dialog, "done");
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, before + 1);
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
}

/* Kills the relay as a crash or a power cut would: no goodbye to the
 * clients. Returns its port. */
static guint16
kill_relay (void)
{
  guint16 port = (guint16) atoi (strrchr (relay_url, ':') + 1);

  forget_helper ((pid_t) atoi (g_subprocess_get_identifier (relay)));
  g_subprocess_force_exit (relay);
  g_subprocess_wait (relay, NULL, NULL);
  g_clear_object (&relay);
  return port;
}

/* The same relay again: same port, same database, so the mailboxes are
 * where they were. */
static void
restart_relay (guint16 port)
{
  g_autofree char *url_again = NULL;

  relay = start_relay_on ("relay", NULL, port, &url_again);
}

static gboolean
share_has_error (gpointer user_data)
{
  return wallet_share_get_error (user_data) != NULL;
}

static gboolean
share_has_no_error (gpointer user_data)
{
  return wallet_share_get_error (user_data) == NULL;
}

/* QA H4: the relay goes away while the PIN page is open. The page stays,
 * says why, and keeps the PIN field: the relay error used to replace it,
 * so a PIN typed at that moment went nowhere, and the error page stayed
 * after the relay was back. Once the relay answers again the reason goes
 * by itself, and the PIN typed then goes through. */
static void
test_relay_away_at_the_pin_page_keeps_it (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  WalletShare *share;
  guint16 port;

  peer_share (sender, "share pin", &invitation);
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");
  share = tigress_invitation_dialog_get_share (dialog);

  port = kill_relay ();
  g_assert_true (tigress_test_wait_until (share_has_error, share, SLOW_MS));
  tigress_test_run_for (500);
  g_test_message ("Relay away at the PIN page: %s — %s",
                  tigress_invitation_dialog_get_page (dialog),
                  tigress_invitation_dialog_get_message (dialog));
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "pin");
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog),
                            "Cannot reach the relay"));
  g_assert_true (gtk_widget_is_sensitive (tigress_invitation_dialog_get_part (dialog,
                                                                              "pin-row")));
  if (g_getenv ("TIGRESS_TEST_SHOTS") != NULL)
    {
      g_autofree char *shot = g_build_filename (g_getenv ("TIGRESS_TEST_SHOTS"),
                                                "relay-away-pin.png", NULL);

      tigress_test_render_widget_png (GTK_WIDGET (dialog), shot);
    }

  /* Back after the reason has been up for a while, as in QA's report. */
  tigress_test_run_for (3000);
  restart_relay (port);
  g_assert_true (tigress_test_wait_until (share_has_no_error, share, 20000));
  tigress_test_run_for (200);
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "pin");
  g_assert_cmpstr (tigress_invitation_dialog_get_message (dialog), ==, "You have 3 tries.");

  type_pin (dialog, invitation.pin);
  assert_page (dialog, "done");
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
}

/* The relay goes away as the PIN is sent and comes back after the error
 * was shown: the PIN goes out by itself, nothing pressed (QA H4). */
static void
test_relay_back_after_the_error_sends_the_pin (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  guint16 port;

  peer_share (sender, "share pin", &invitation);
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");

  port = kill_relay ();
  type_pin (dialog, invitation.pin);
  assert_page (dialog, "failed");
  g_assert_cmpstr (failure_title (dialog), ==, "Cannot Reach the Relay");
  /* The keyboard is on the button that helps. */
  g_assert_true (gtk_widget_is_focus (tigress_invitation_dialog_get_part (dialog,
                                                                          "retry-button")));
  tigress_test_run_for (3000);
  restart_relay (port);

  if (!tigress_test_wait_until (dialog_shows_done, dialog, SLOW_MS))
    g_test_message ("With the relay back: %s — %s", tigress_invitation_dialog_get_page (dialog),
                    tigress_invitation_dialog_get_message (dialog));
  assert_page (dialog, "done");
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
}

/* Same, with Try Again pressed once the relay is back: the PIN goes out
 * at once, not when the share's own back-off runs out, made long here so
 * only the button can explain a quick arrival (QA H4). */
static void
test_try_again_with_the_relay_back_sends_the_pin_at_once (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  WalletShareManager *manager = tigress_application_get_shares (app);
  gint64 pressed_at;
  guint16 port;

  peer_share (sender, "share pin", &invitation);
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");

  wallet_share_manager_set_retry_delays (manager, 120000, 120000);
  port = kill_relay ();
  type_pin (dialog, invitation.pin);
  assert_page (dialog, "failed");
  restart_relay (port);
  tigress_test_run_for (2000);
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "failed");

  pressed_at = g_get_monotonic_time ();
  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "retry-button"));
  if (!tigress_test_wait_until (dialog_shows_done, dialog, 20000))
    g_test_message ("After Try Again: %s — %s", tigress_invitation_dialog_get_page (dialog),
                    tigress_invitation_dialog_get_message (dialog));
  g_test_message ("Saved %.1f s after Try Again",
                  (g_get_monotonic_time () - pressed_at) / (double) G_USEC_PER_SEC);
  wallet_share_manager_set_retry_delays (manager, 1000, 60000);
  assert_page (dialog, "done");
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
}

/* The sender may choose a long title (up to 200 characters): the PIN page shows
 * a few lines of it, the whole in a tooltip, and the PIN field and Send PIN
 * stay inside the dialog (QA G10). */
static gboolean
inside_dialog (TigressInvitationDialog *dialog,
               const char              *part)
{
  GtkWidget *widget = tigress_invitation_dialog_get_part (dialog, part);
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (dialog), &bounds));
  g_test_message ("%s: y %.0f to %.0f in a dialog %d high", part, bounds.origin.y,
                  bounds.origin.y + bounds.size.height,
                  gtk_widget_get_height (GTK_WIDGET (dialog)));
  return bounds.origin.y >= 0 &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (GTK_WIDGET (dialog));
}

static void
test_long_title_keeps_the_pin_in_reach (void)
{
  g_auto(Invitation) invitation = { 0 };
  g_autoptr(GString) title = g_string_new ("Gate");
  g_autofree char *add = NULL;
  g_autofree char *share = NULL;
  TigressInvitationDialog *dialog;
  GtkWidget *shown;

  /* Near the 200 characters a credential's title may have. */
  while (title->len + 29 <= 200)
    g_string_append (title, " apartment back door basement");
  add = g_strconcat ("add-owner ", title->str, NULL);
  share = g_strconcat ("share pin ", title->str, NULL);
  peer_expect (sender, add, "ok");
  peer_share (sender, share, &invitation);

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");
  tigress_test_run_for (700);
  shown = tigress_invitation_dialog_get_part (dialog, "pin-title");
  g_assert_true (gtk_widget_get_visible (shown));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (shown), ==, title->str);
  if (g_getenv ("TIGRESS_TEST_SHOTS") != NULL)
    {
      g_autofree char *shot = g_build_filename (g_getenv ("TIGRESS_TEST_SHOTS"),
                                                "long-title-pin.png", NULL);

      tigress_test_render_widget_png (GTK_WIDGET (dialog), shot);
    }
  g_assert_true (inside_dialog (dialog, "pin-row"));
  g_assert_true (inside_dialog (dialog, "pin-send-button"));

  type_pin (dialog, invitation.pin);
  assert_page (dialog, "done");
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
}

/* A lock owner's key travels as a new digital key made for this device:
 * the recipient ends up with a key of its own, and the owner keeps its
 * signing key. */
static void
test_digital_key_from_an_owner (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;
  WalletCredential *key;

  peer_expect (sender, "add-owner Front door", "ok");
  peer_share (sender, "share pin Front door", &invitation);
  g_assert_nonnull (invitation.pin);

  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "pin");
  type_pin (dialog, invitation.pin);
  assert_page (dialog, "done");
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);

  key = find_stored ("Front door");
  g_assert_nonnull (key);
  g_assert_cmpint (wallet_credential_get_credential_type (key), ==,
                   WALLET_CREDENTIAL_DIGITAL_KEY);
  g_assert_nonnull (wallet_credential_get_field (key, WALLET_FIELD_CERTIFICATE));
}

static void
enter_code_and_accept (TigressInvitationDialog *dialog,
                       const char              *code)
{
  GtkWidget *code_row = tigress_invitation_dialog_get_part (dialog, "code-row");

  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "code");
  gtk_editable_set_text (GTK_EDITABLE (code_row), code);
  g_signal_emit_by_name (code_row, "entry-activated");
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "request");

  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "accept-button"));
  gtk_editable_set_text (GTK_EDITABLE (tigress_invitation_dialog_get_part (dialog, "auth-row")),
                         PASSCODE);
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "auth-row"),
                         "entry-activated");
}

/* "Send the code separately": the link carries no key, the recipient's
 * wallet asks for the code; a mistyped code is asked for again, and with
 * the right one the share goes on as usual. */
static void
test_code_sent_separately (void)
{
  g_auto(Invitation) invitation = { 0 };
  g_autofree char *code_line = NULL;
  g_autofree char *wrong_code = NULL;
  TigressInvitationDialog *dialog;
  const char *code;

  peer_share (sender, "share pin-separate", &invitation);
  code_line = peer_read (sender);
  g_assert_true (g_str_has_prefix (code_line, "code "));
  g_assert_null (strchr (invitation.link, '#'));
  code = code_line + strlen ("code ");
  wrong_code = g_strdup (code);
  wrong_code[0] = wrong_code[0] == 'A' ? 'B' : 'A';

  tigress_window_open_invitation (win, invitation.link);
  dialog = TIGRESS_INVITATION_DIALOG (tigress_window_get_open_dialog (win));
  enter_code_and_accept (dialog, wrong_code);
  assert_page (dialog, "code");
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "code"));

  enter_code_and_accept (dialog, code);
  assert_page (dialog, "pin");
  type_pin (dialog, invitation.pin);
  assert_page (dialog, "done");
  peer_expect (sender, "wait delivered", "ok");
  close_dialog (dialog);
  tw_wipe (code_line, strlen (code_line));
}

static void
lock_keyring (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char *objects[] = { "/org/freedesktop/secrets/collection/login", NULL };
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                        "/org/freedesktop/secrets",
                                        "org.freedesktop.Secret.Service", "Lock",
                                        g_variant_new ("(^ao)", objects), NULL,
                                        G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
}

/* Last, because nothing unlocks the keyring again here: accepting needs
 * the keyring, and its failure offers the way to unlock it. */
static void
test_locked_keyring_offers_unlock (void)
{
  g_auto(Invitation) invitation = { 0 };
  TigressInvitationDialog *dialog;

  peer_share (sender, "share direct", &invitation);
  lock_keyring ();
  dialog = open_and_accept (invitation.link);
  assert_page (dialog, "failed");
  g_test_message ("Locked keyring: %s — %s", failure_title (dialog),
                  tigress_invitation_dialog_get_message (dialog));
  g_assert_cmpstr (failure_title (dialog), ==, "The Keyring Is Not Available");
  g_assert_true (gtk_widget_get_visible (tigress_invitation_dialog_get_part (dialog,
                                                                             "unlock-button")));
  close_dialog (dialog);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  const char *relays[2] = { NULL, NULL };
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();
  notifications = tigress_test_start_notification_server ();

  signal (SIGABRT, stop_helpers_on_abort);
  signal (SIGTRAP, stop_helpers_on_abort);
  scratch = g_strdup (g_getenv ("TW_TEST_SCRATCH"));
  relay = start_relay ("relay", NULL, &relay_url);
  relays[0] = relay_url;
  settings = g_settings_new (APP_ID);
  g_settings_set_strv (settings, "trusted-relays", relays);

  app = tigress_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  win = TIGRESS_WINDOW (tigress_application_get_main_window (app));
  set_up_recipient ();
  sender = peer_start ("sender");

  g_test_add_func ("/gui/share/verified-share-with-wrong-then-right-pin",
                   test_verified_share_wrong_then_right_pin);
  g_test_add_func ("/gui/share/digital-key-from-an-owner",
                   test_digital_key_from_an_owner);
  g_test_add_func ("/gui/share/code-sent-separately", test_code_sent_separately);
  g_test_add_func ("/gui/share/direct-share-is-saved-as-unverified",
                   test_direct_share_is_saved_unverified);
  g_test_add_func ("/gui/share/discard-tells-the-sender", test_discard_tells_the_sender);
  g_test_add_func ("/gui/share/received-by-another-instance-shows-once-it-ended",
                   test_share_received_elsewhere_shows);
  g_test_add_func ("/gui/share/cancelled-by-sender-is-explained",
                   test_cancelled_by_sender_is_explained);
  g_test_add_func ("/gui/share/ended-before-opening-is-explained",
                   test_ended_before_opening_is_explained);
  g_test_add_func ("/gui/share/expired-while-waiting-is-explained",
                   test_expired_while_waiting_is_explained);
  g_test_add_func ("/gui/share/accepted-on-another-device-is-explained",
                   test_accepted_on_another_device_is_explained);
  g_test_add_func ("/gui/share/unreachable-relay-offers-retry",
                   test_unreachable_relay_offers_retry);
  g_test_add_func ("/gui/share/relay-down-while-sending-pin-recovers",
                   test_relay_down_while_sending_pin_recovers);
  g_test_add_func ("/gui/share/relay-away-at-the-pin-page-keeps-it",
                   test_relay_away_at_the_pin_page_keeps_it);
  g_test_add_func ("/gui/share/relay-back-after-the-error-sends-the-pin",
                   test_relay_back_after_the_error_sends_the_pin);
  g_test_add_func ("/gui/share/try-again-with-the-relay-back-sends-the-pin-at-once",
                   test_try_again_with_the_relay_back_sends_the_pin_at_once);
  g_test_add_func ("/gui/share/long-title-keeps-the-pin-in-reach",
                   test_long_title_keeps_the_pin_in_reach);
  g_test_add_func ("/gui/share/locked-keyring-offers-unlock",
                   test_locked_keyring_offers_unlock);
  status = g_test_run ();

  peer_stop (sender);
  gtk_window_destroy (GTK_WINDOW (win));
  g_clear_object (&app);
  stop_relay (relay);
  g_clear_object (&relay);
  return status;
}
