/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Wrong PINs and cancelling, by either side and at each step, through
 * `tigress` between two wallets and a real relay.
 */
#include "config.h"

#include <string.h>

#include "cli-share-test.h"

static ShareRig *rig;

static SentShare *
share_new_password (const char *title)
{
  g_autofree char *id = rig_add (rig->sender, "pin-test-secret", "password", "--title", title,
                                 NULL);

  return rig_share (rig->sender, id, "--no-qr", NULL);
}

/* A PIN that is not @pin. */
static char *
wrong_pin (const char *pin)
{
  char *wrong = g_strdup (pin);

  wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
  return wrong;
}

static CliRun *
receive_with_pins (SentShare  *sent,
                   const char *pins,
                   CliRun    **sender_run)
{
  g_autofree char *input = g_strdup_printf ("%s\n%s", sent->link, pins);
  GSubprocess *sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40",
                                               NULL);
  CliRun *received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                                          "--timeout", "40", NULL);

  *sender_run = cli_test_wallet_finish (sender);
  return received;
}

static void
test_wrong_then_right (void)
{
  g_autoptr(SentShare) sent = share_new_password ("One wrong PIN");
  g_autofree char *wrong = wrong_pin (sent->pin);
  g_autofree char *pins = g_strdup_printf ("%s\n%s\n", wrong, sent->pin);
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) received = receive_with_pins (sent, pins, &sender_run);
  g_autofree char *state = NULL;

  cli_test_assert_status (received, 0);
  g_assert_nonnull (strstr (received->err, "2 tries left"));
  cli_test_assert_absent (received->out, sent->pin);
  cli_test_assert_status (sender_run, 0);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "delivered");
}

static void
test_two_wrong_then_right (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Two wrong PINs");
  g_autofree char *wrong = wrong_pin (sent->pin);
  g_autofree char *pins = g_strdup_printf ("%s\n%s\n%s\n", wrong, wrong, sent->pin);
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) received = receive_with_pins (sent, pins, &sender_run);

  cli_test_assert_status (received, 0);
  g_assert_nonnull (strstr (received->err, "1 try left"));
}

static void
test_three_wrong_burn_the_share (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Three wrong PINs");
  g_autofree char *wrong = wrong_pin (sent->pin);
  g_autofree char *pins = g_strdup_printf ("%s\n%s\n%s\n%s\n", wrong, wrong, wrong, sent->pin);
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) received = receive_with_pins (sent, pins, &sender_run);
  g_autofree char *state = NULL;

  cli_test_assert_status (received, 6);
  /* Advice for the recipient, who cannot share it again (QA G4). */
  g_assert_nonnull (strstr (received->err, "Ask the sender to share it again"));
  g_assert_null (strstr (received->err, "Share the credential again"));
  cli_test_assert_status (sender_run, 0);
  /* The sender is told of every wrong try, then why it ended (QA F5). */
  g_assert_nonnull (strstr (sender_run->err, "2 PIN tries left"));
  g_assert_nonnull (strstr (sender_run->err, "1 PIN try left"));
  g_assert_null (strstr (sender_run->err, "0 PIN tries left"));
  g_assert_nonnull (strstr (sender_run->err, "typed three times"));
  cli_test_assert_absent (sender_run->err, sent->pin);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_true (g_str_equal (state, "failed") || g_str_equal (state, "cancelled"));
}

static void
test_sender_cancels_before_it_is_opened (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Cancelled early");
  g_autoptr(CliRun) cancelled = cli_test_wallet_run (rig->sender, NULL, "shares", "cancel",
                                                     sent->id, NULL);
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  g_autoptr(CliRun) received = NULL;
  g_autofree char *state = NULL;

  cli_test_assert_status (cancelled, 0);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "cancelled");
  received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", NULL);
  cli_test_assert_status (received, 6);
}

/* QA F2: a second `receive` of a share accepted before must not ask
 * "Accept it?" again: the PIN typed for it would count as a no and
 * decline the share for both sides. */
static void
test_receive_again_does_not_ask_again (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Received twice");
  g_autofree char *wrong = wrong_pin (sent->pin);
  g_autofree char *first_input = g_strdup_printf ("%s\ny\n%s\n", sent->link, wrong);
  g_autofree char *second_input = g_strdup_printf ("%s\n", wrong);
  g_autoptr(CliRun) first = NULL;
  g_autoptr(CliRun) second = NULL;
  g_autofree char *state = NULL;

  /* The sender is not running: the first run sends its PIN and gives up. */
  g_autoptr(CliRun) sender_run = NULL;

  first = cli_test_wallet_run (rig->recipient, first_input, "receive", "--timeout", "3", NULL);
  cli_test_assert_status (first, 9);
  /* The sender answers "wrong PIN": the next run asks for the PIN again. */
  sender_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "5", NULL);

  second = cli_test_wallet_run (rig->recipient, second_input, "receive", "--timeout", "3",
                                sent->link, NULL);
  cli_test_assert_status (second, 9);
  g_assert_nonnull (strstr (second->err, "That PIN was wrong; 2 tries left"));
  state = rig_newest_share_state (rig->recipient);
  g_assert_cmpstr (state, ==, "waiting-for-sender");
}

/* An answer that is neither yes nor no stops without declining. */
static void
test_unclear_answer_does_not_decline (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Unclear answer");
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  g_autoptr(CliRun) stopped = cli_test_wallet_run (rig->recipient, input, "receive",
                                                   "--timeout", "10", NULL);
  g_autofree char *state = NULL;

  cli_test_assert_status (stopped, 8);
  g_assert_nonnull (strstr (stopped->err, "nothing was refused"));
  state = rig_newest_share_state (rig->recipient);
  g_assert_cmpstr (state, !=, "cancelled");
  g_assert_cmpstr (state, !=, "declined");
}

static void
test_recipient_declines (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Declined");
  g_autofree char *input = g_strdup_printf ("%s\nn\n", sent->link);
  g_autoptr(CliRun) declined = cli_test_wallet_run (rig->recipient, input, "receive", NULL);
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *state = NULL;

  cli_test_assert_status (declined, 8);
  g_assert_nonnull (strstr (declined->out, "Someone is sharing"));
  sender_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "30", NULL);
  cli_test_assert_status (sender_run, 0);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "declined");
}

static void
test_sender_cancels_while_recipient_waits (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Cancelled mid-way");
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  /* The sender is not running: the recipient sends its PIN and waits. */
  GSubprocess *receiving = cli_test_wallet_spawn (rig->recipient, input, "receive", "--yes",
                                                  "--timeout", "90", NULL);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) cancelled = NULL;

  /* Until the recipient's accept is on the relay. */
  rig_wait_for_newest_state (rig->recipient, "waiting-for-sender", 60);

  cancelled = cli_test_wallet_run (rig->sender, NULL, "shares", "cancel", sent->id, NULL);
  cli_test_assert_status (cancelled, 0);
  received = cli_test_wallet_finish (receiving);
  cli_test_assert_status (received, 6);
  g_assert_nonnull (strstr (received->err, "cancelled"));
}

/* QA F20: the recipient's `run` after the sender cancelled says so and
 * exits 6, since nothing arrived. */
static void
test_run_after_sender_cancels (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Cancelled before run");
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  g_autoptr(CliRun) pending = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                                                   "--timeout", "2", NULL);
  g_autoptr(CliRun) cancelled = NULL;
  g_autoptr(CliRun) resumed = NULL;

  cli_test_assert_status (pending, 9);
  cancelled = cli_test_wallet_run (rig->sender, NULL, "shares", "cancel", sent->id, NULL);
  cli_test_assert_status (cancelled, 0);
  resumed = cli_test_wallet_run (rig->recipient, NULL, "run", "--timeout", "15", NULL);
  cli_test_assert_status (resumed, 6);
  g_assert_nonnull (strstr (resumed->err, "The sender cancelled this share"));
}

static void
test_recipient_cancels_while_waiting (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Recipient gives up");
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  g_autoptr(CliRun) pending = cli_test_wallet_run (rig->recipient, input, "--json", "receive",
                                                   "--yes", "--timeout", "2", NULL);
  g_autoptr(JsonNode) shares = NULL;
  g_autoptr(CliRun) cancelled = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *state = NULL;
  const char *incoming_id;

  cli_test_assert_status (pending, 9);
  shares = cli_test_wallet_json (rig->recipient, NULL, "shares", "--active", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (shares)), ==, 1);
  incoming_id = json_object_get_string_member (
    json_array_get_object_element (json_node_get_array (shares), 0), "id");

  cancelled = cli_test_wallet_run (rig->recipient, NULL, "shares", "cancel", incoming_id, NULL);
  cli_test_assert_status (cancelled, 0);
  sender_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "30", NULL);
  cli_test_assert_status (sender_run, 0);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "declined");
}

/* A share the recipient accepted, whose `receive` stopped at the PIN
 * prompt (its input ended there), then cancelled by the sender. */
static SentShare *
cancel_at_the_pin_prompt (const char *title)
{
  SentShare *sent = share_new_password (title);
  g_autofree char *link_only = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(CliRun) pending = cli_test_wallet_run (rig->recipient, link_only, "receive", "--yes",
                                                   "--timeout", "5", NULL);
  g_autoptr(CliRun) cancelled = NULL;

  cli_test_assert_status (pending, 8);
  cancelled = cli_test_wallet_run (rig->sender, NULL, "shares", "cancel", sent->id, NULL);
  cli_test_assert_status (cancelled, 0);
  return sent;
}

/* QA G4: `run` reads the relay for a share at the PIN prompt and says the
 * sender cancelled it, instead of telling to open the link again. */
static void
test_run_sees_a_cancel_at_the_pin_prompt (void)
{
  /* Only freed at the end: `run` finds the share in the wallet by itself. */
  g_autoptr(SentShare) sent G_GNUC_UNUSED =
    cancel_at_the_pin_prompt ("Cancelled at the PIN prompt");
  g_autoptr(CliRun) resumed = cli_test_wallet_run (rig->recipient, NULL, "run", "--timeout",
                                                   "15", NULL);

  g_test_message ("run: exit %d: %s", resumed->status, resumed->err);
  cli_test_assert_status (resumed, 6);
  g_assert_nonnull (strstr (resumed->err, "cancelled"));
  g_assert_null (strstr (resumed->err, "open its link again"));
}

/* QA G4: `receive` of that link says so before asking for a PIN. */
static void
test_receive_sees_a_cancel_before_the_pin (void)
{
  g_autoptr(SentShare) sent = cancel_at_the_pin_prompt ("Cancelled before the PIN");
  g_autofree char *with_pin = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  g_autoptr(CliRun) again = cli_test_wallet_run (rig->recipient, with_pin, "receive", "--yes",
                                                 "--timeout", "15", NULL);
  g_autofree char *state = NULL;

  g_test_message ("receive: exit %d: %s", again->status, again->err);
  cli_test_assert_status (again, 6);
  g_assert_nonnull (strstr (again->err, "cancelled"));
  state = rig_newest_share_state (rig->recipient);
  g_assert_cmpstr (state, ==, "cancelled");
}

/* QA G13: the share's title is what the recipient is shown and keeps; the
 * sender's own title for the credential stays the sender's. */
static void
test_share_title_is_what_the_recipient_keeps (void)
{
  g_autofree char *id = rig_add (rig->sender, "title-test-secret", "password", "--title",
                                 "Old account (private)", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--title", "Shared login", NULL);
  g_autofree char *pins = g_strdup_printf ("%s\n", sent->pin);
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) received = receive_with_pins (sent, pins, &sender_run);
  g_autoptr(JsonNode) listed = NULL;
  JsonArray *items;
  guint found = 0;
  g_autofree char *state = NULL;

  cli_test_assert_status (received, 0);
  /* The sender's run may also wait on other tests' shares: ask for this one. */
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "delivered");
  listed = cli_test_wallet_json (rig->recipient, NULL, "list", NULL);
  items = json_node_get_array (listed);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      const char *title = json_object_get_string_member (
        json_array_get_object_element (items, i), "title");

      g_assert_cmpstr (title, !=, "Old account (private)");
      if (g_strcmp0 (title, "Shared login") == 0)
        found++;
    }
  g_assert_cmpuint (found, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rig = share_rig_new ();

  g_test_add_func ("/cli/share/pin/one-wrong-then-right", test_wrong_then_right);
  g_test_add_func ("/cli/share/pin/two-wrong-then-right", test_two_wrong_then_right);
  g_test_add_func ("/cli/share/pin/three-wrong-burn-the-share", test_three_wrong_burn_the_share);
  g_test_add_func ("/cli/share/cancel/sender-before-it-is-opened",
                   test_sender_cancels_before_it_is_opened);
  g_test_add_func ("/cli/share/cancel/recipient-declines", test_recipient_declines);
  g_test_add_func ("/cli/share/cancel/run-after-sender-cancels-exits-6",
                   test_run_after_sender_cancels);
  g_test_add_func ("/cli/share/receive-again/does-not-ask-to-accept-again",
                   test_receive_again_does_not_ask_again);
  g_test_add_func ("/cli/share/receive/unclear-answer-does-not-decline",
                   test_unclear_answer_does_not_decline);
  g_test_add_func ("/cli/share/cancel/sender-while-recipient-waits",
                   test_sender_cancels_while_recipient_waits);
  g_test_add_func ("/cli/share/cancel/recipient-while-waiting-for-sender",
                   test_recipient_cancels_while_waiting);

  g_test_add_func ("/cli/share/cancel/run-sees-it-at-the-pin-prompt",
                   test_run_sees_a_cancel_at_the_pin_prompt);
  g_test_add_func ("/cli/share/cancel/receive-sees-it-before-the-pin",
                   test_receive_sees_a_cancel_before_the_pin);
  g_test_add_func ("/cli/share/title/is-what-the-recipient-keeps",
                   test_share_title_is_what_the_recipient_keeps);

  status = g_test_run ();
  share_rig_free (rig);
  return status;
}
