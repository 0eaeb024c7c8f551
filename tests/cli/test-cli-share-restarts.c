/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shares that survive: the sender's and the recipient's `tigress` stopped
 * mid-way and started again, the relay restarted, the relay down and then
 * back, and a share that expires mid-way.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli-share-test.h"

static ShareRig *rig;

static SentShare *
share_new_password (const char *title)
{
  g_autofree char *id = rig_add (rig->sender, "restart-secret", "password", "--title", title,
                                 NULL);

  return rig_share (rig->sender, id, "--no-qr", NULL);
}

static char *
link_and_pin (SentShare *sent)
{
  return g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
}

static void
assert_delivered (SentShare *sent)
{
  g_autofree char *state = rig_share_state (rig->sender, sent->id);

  g_assert_cmpstr (state, ==, "delivered");
}

static void
test_sender_restarts (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Sender restarts");
  g_autofree char *input = link_and_pin (sent);
  GSubprocess *first_run = cli_test_wallet_spawn (rig->sender, NULL, "run", NULL);
  GSubprocess *receiving = NULL;
  g_autoptr(CliRun) stopped = NULL;
  g_autoptr(CliRun) second_run = NULL;
  g_autoptr(CliRun) received = NULL;

  /* The sender's first process goes away while it waits for the recipient. */
  g_usleep (3 * G_USEC_PER_SEC);
  stopped = cli_test_wallet_interrupt (first_run);
  g_assert_cmpint (stopped->status, ==, 130);

  receiving = cli_test_wallet_spawn (rig->recipient, input, "receive", "--yes", "--timeout",
                                     "90", NULL);
  rig_wait_for_newest_state (rig->recipient, "waiting-for-sender", 60);
  second_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "40", NULL);
  cli_test_assert_status (second_run, 0);
  received = cli_test_wallet_finish (receiving);
  cli_test_assert_status (received, 0);
  assert_delivered (sent);
}

static void
test_recipient_restarts (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Recipient restarts");
  g_autofree char *input = link_and_pin (sent);
  g_autoptr(CliRun) first = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                                                 "--timeout", "2", NULL);
  GSubprocess *sender = NULL;
  g_autoptr(CliRun) resumed = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *state = NULL;

  /* The recipient's process ends while it waits for the sender... */
  cli_test_assert_status (first, 9);
  /* ...and a new one finishes the share. */
  sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40", NULL);
  resumed = cli_test_wallet_run (rig->recipient, NULL, "run", "--timeout", "40", NULL);
  cli_test_assert_status (resumed, 0);
  sender_run = cli_test_wallet_finish (sender);
  cli_test_assert_status (sender_run, 0);
  state = rig_newest_share_state (rig->recipient);
  g_assert_cmpstr (state, ==, "received");
  assert_delivered (sent);
}

static void
test_relay_restarts (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Relay restarts");
  g_autofree char *input = link_and_pin (sent);
  g_autoptr(CliRun) first = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                                                 "--timeout", "2", NULL);
  GSubprocess *sender = NULL;
  g_autoptr(CliRun) resumed = NULL;
  g_autoptr(CliRun) sender_run = NULL;

  cli_test_assert_status (first, 9);
  /* Same port, same database: what a service manager's restart does. The
   * limits leave room for a loaded machine (this took 30-40 s at a load
   * of 10-15, and hit a 40 s limit in a full suite run). */
  cli_test_relay_restart (rig->relay);
  sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "90", NULL);
  resumed = cli_test_wallet_run (rig->recipient, NULL, "run", "--timeout", "90", NULL);
  cli_test_assert_status (resumed, 0);
  sender_run = cli_test_wallet_finish (sender);
  cli_test_assert_status (sender_run, 0);
  assert_delivered (sent);
}

static void
test_relay_down_then_back (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Relay down");
  g_autofree char *input = link_and_pin (sent);
  g_autoptr(CliRun) while_down = NULL;
  g_autoptr(CliRun) sender_stuck = NULL;
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  GSubprocess *sender = NULL;

  cli_test_relay_stop (rig->relay);
  while_down = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", NULL);
  cli_test_assert_status (while_down, 5);
  g_assert_nonnull (strstr (while_down->err, "127.0.0.1"));

  /* `run` stops; nothing goes on by itself, so it says what to run (QA G12). */
  sender_stuck = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "3", NULL);
  cli_test_assert_status (sender_stuck, 5);
  g_assert_nonnull (strstr (sender_stuck->err, "run “tigress run” again"));
  g_assert_null (strstr (sender_stuck->err, "by itself"));

  /* The sender keeps trying while the relay is down, and goes on when it
   * is back; so does the recipient, with the same link. */
  sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "60", NULL);
  g_usleep (2 * G_USEC_PER_SEC);
  cli_test_relay_restart (rig->relay);
  received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", "--timeout", "50",
                                  NULL);
  cli_test_assert_status (received, 0);
  sender_run = cli_test_wallet_finish (sender);
  cli_test_assert_status (sender_run, 0);
  assert_delivered (sent);
}

static void
test_expiry_mid_way (void)
{
  const char *short_lived[] = { "--max-expiry", "8s", "--sweep-interval", "1", NULL };
  g_autoptr(CliTestRelay) relay = cli_test_relay_start_with (short_lived);
  g_autofree char *id = rig_add (rig->sender, "expiring-secret", "password", "--title",
                                 "Expires", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--relay", relay->url, NULL);
  g_autofree char *input = link_and_pin (sent);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *state = NULL;

  /* The recipient answers; the sender never does before the relay's
   * expiration. */
  received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                                  "--allow-untrusted-relay", "--timeout", "40", NULL);
  cli_test_assert_status (received, 6);
  g_assert_nonnull (strstr (received->err, "expired"));
  /* Seconds left read as such, not as "in 0 h 00 min" (QA H9). */
  g_assert_true (strstr (received->out, "in less than a minute") != NULL ||
                 strstr (received->err, "in less than a minute") != NULL);

  sender_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "30", NULL);
  cli_test_assert_status (sender_run, 0);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "expired");
}

/* QA F14: a link opened only after it expired. The relay answers such a
 * stranger "not found", exactly as for a link that never existed, so the
 * wallet cannot be sure; the message must still name expiry and say what
 * to do, not just "ended or deleted". */
static void
test_link_opened_after_expiry (void)
{
  const char *short_lived[] = { "--max-expiry", "3s", "--sweep-interval", "1", NULL };
  g_autoptr(CliTestRelay) relay = cli_test_relay_start_with (short_lived);
  g_autofree char *id = rig_add (rig->sender, "late-secret", "password", "--title",
                                 "Opened late", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", "--relay", relay->url,
                                         NULL);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(CliRun) late = NULL;

  g_usleep (5 * G_USEC_PER_SEC);
  late = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                              "--allow-untrusted-relay", "--timeout", "10", NULL);
  cli_test_assert_status (late, 6);
  g_assert_nonnull (strstr (late->err, "expired"));
  g_assert_nonnull (strstr (late->err, "new invitation"));
}

static guint16
free_loopback_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any_port, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* All reads the relay answered, whatever the status, from its metrics. */
static guint64
relay_reads (guint16 admin_port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) answer = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  const char *request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  const char *prefix = "tigress_relay_requests_total{route=\"read\"";
  char buffer[4096];
  gssize got;
  guint64 reads = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", admin_port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                     buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (answer, buffer, got);
  g_assert_no_error (error);

  lines = g_strsplit (answer->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *count = strrchr (lines[i], ' ');

      if (g_str_has_prefix (lines[i], prefix) && count != NULL)
        reads += g_ascii_strtoull (count + 1, NULL, 10);
    }
  return reads;
}

/* QA F10: `tigress run` beside another process of the same wallet (the
 * app, `share --wait`) made their long polls cut each other short: the
 * relay saw hundreds of reads a second. */
static void
test_two_processes_long_poll (void)
{
  g_autofree char *admin = g_strdup_printf ("127.0.0.1:%u", free_loopback_port ());
  const char *options[] = { "--admin-listen", admin, NULL };
  g_autoptr(CliTestRelay) relay = cli_test_relay_start_with (options);
  guint16 admin_port = (guint16) atoi (strchr (admin, ':') + 1);
  g_autofree char *id = rig_add (rig->sender, "polled-secret", "password", "--title",
                                 "Nobody opens it", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", "--relay", relay->url,
                                         NULL);
  GSubprocess *first = NULL;
  g_autoptr(CliRun) first_run = NULL;
  g_autoptr(CliRun) second_run = NULL;
  g_autoptr(CliRun) cancelled = NULL;
  guint64 before = relay_reads (admin_port);
  guint64 reads;

  first = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "8", NULL);
  second_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "8", NULL);
  first_run = cli_test_wallet_finish (first);
  reads = relay_reads (admin_port) - before;
  g_test_message ("%" G_GUINT64_FORMAT " reads in 8 s by two processes", reads);
  g_assert_cmpuint (reads, <=, 16);

  /* Cancelled while its relay is still up: the sender's later `run`s
   * (the next tests) would otherwise wait for it until their time limit. */
  cancelled = cli_test_wallet_run (rig->sender, NULL, "shares", "cancel", sent->id, NULL);
  cli_test_assert_status (cancelled, 0);
}

/* QA H2: two processes of the sender's wallet run one share (`run`
 * twice). The one that reads the receipt deletes the mailbox; the other
 * then hears "deleted" from the relay, which it took for the recipient
 * declining, and saved that last. Both must say delivered, and so must
 * the record. */
static void
test_two_sender_processes_agree (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Two senders");
  g_autofree char *input = link_and_pin (sent);
  GSubprocess *first = NULL;
  GSubprocess *second = NULL;
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) first_run = NULL;
  g_autoptr(CliRun) second_run = NULL;

  first = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "60", NULL);
  second = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "60", NULL);
  received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", "--timeout", "60",
                                  NULL);
  cli_test_assert_status (received, 0);
  first_run = cli_test_wallet_finish (first);
  second_run = cli_test_wallet_finish (second);
  g_test_message ("First run: %s%s", first_run->out, first_run->err);
  g_test_message ("Second run: %s%s", second_run->out, second_run->err);
  cli_test_assert_status (first_run, 0);
  cli_test_assert_status (second_run, 0);
  g_assert_null (strstr (first_run->out, "Declined"));
  g_assert_null (strstr (first_run->err, "Declined"));
  g_assert_null (strstr (second_run->out, "Declined"));
  g_assert_null (strstr (second_run->err, "Declined"));
  assert_delivered (sent);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rig = share_rig_new ();

  g_test_add_func ("/cli/share/restart/sender", test_sender_restarts);
  g_test_add_func ("/cli/share/restart/recipient", test_recipient_restarts);
  g_test_add_func ("/cli/share/restart/relay", test_relay_restarts);
  g_test_add_func ("/cli/share/relay-down-then-back", test_relay_down_then_back);
  g_test_add_func ("/cli/share/link-opened-after-expiry-names-expiry",
                   test_link_opened_after_expiry);
  g_test_add_func ("/cli/share/expires-mid-way", test_expiry_mid_way);
  g_test_add_func ("/cli/share/two-processes-still-long-poll", test_two_processes_long_poll);
  g_test_add_func ("/cli/share/two-sender-processes-both-say-delivered",
                   test_two_sender_processes_agree);

  status = g_test_run ();
  share_rig_free (rig);
  return status;
}
