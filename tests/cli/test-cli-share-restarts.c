/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shares that survive: the sender's and the recipient's `tigress` stopped
 * mid-way and started again, the relay restarted, the relay down and then
 * back, and a share that expires mid-way.
 */
#include "config.h"

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
                                     "40", NULL);
  rig_wait_for_newest_state (rig->recipient, "waiting-for-sender", 30);
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
  /* Same port, same database: what a service manager's restart does. */
  cli_test_relay_restart (rig->relay);
  sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40", NULL);
  resumed = cli_test_wallet_run (rig->recipient, NULL, "run", "--timeout", "40", NULL);
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
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  GSubprocess *sender = NULL;

  cli_test_relay_stop (rig->relay);
  while_down = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", NULL);
  cli_test_assert_status (while_down, 5);
  g_assert_nonnull (strstr (while_down->err, "127.0.0.1"));

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

  sender_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "30", NULL);
  cli_test_assert_status (sender_run, 0);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "expired");
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
  g_test_add_func ("/cli/share/expires-mid-way", test_expiry_mid_way);

  status = g_test_run ();
  share_rig_free (rig);
  return status;
}
