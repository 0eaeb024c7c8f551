/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Someone else holding the link: a third wallet that intercepted it tries
 * before and after the real recipient; the same link opened twice; and a
 * mailbox whose content was altered at the relay.
 */
#include "config.h"

#include <string.h>
#include <sqlite3.h>

#include "cli-share-test.h"

static ShareRig *rig;
static CliTestWallet *interceptor;

static SentShare *
share_new_password (const char *title,
                    gboolean    with_pin)
{
  g_autofree char *id = rig_add (rig->sender, "intercept-secret", "password", "--title", title,
                                 NULL);

  return rig_share (rig->sender, id, with_pin ? "--no-qr" : "--no-pin", NULL);
}

static void
cancel_share (SentShare *sent)
{
  g_autoptr(CliRun) cancelled = cli_test_wallet_run (rig->sender, NULL, "shares", "cancel",
                                                     sent->id, NULL);

  cli_test_assert_status (cancelled, 0);
}

static guint
count_credentials (CliTestWallet *wallet)
{
  g_autoptr(JsonNode) list = cli_test_wallet_json (wallet, NULL, "list", NULL);

  return json_array_get_length (json_node_get_array (list));
}

static void
test_verified_interceptor_first (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Intercepted, with PIN", TRUE);
  g_autofree char *guess = g_strdup_printf ("%s\n000000\n", sent->link);
  g_autofree char *right = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  GSubprocess *sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "15", NULL);
  g_autoptr(CliRun) attacker = NULL;
  g_autoptr(CliRun) recipient = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *tries = NULL;

  /* With the link but not the PIN, one guess (000000 is wrong unless the
   * PIN happens to be it) and no more input. */
  if (g_str_equal (sent->pin, "000000"))
    {
      g_test_skip ("the PIN drawn is the guess itself");
      sender_run = cli_test_wallet_interrupt (sender);
      return;
    }
  attacker = cli_test_wallet_run (interceptor, guess, "receive", "--yes", "--timeout", "10",
                                  NULL);
  g_assert_cmpint (attacker->status, !=, 0);
  g_assert_cmpuint (count_credentials (interceptor), ==, 0);

  /* The device bound first keeps the mailbox: the real recipient is told. */
  recipient = cli_test_wallet_run (rig->recipient, right, "receive", "--yes", "--timeout", "10",
                                   NULL);
  g_test_message ("recipient: %s", recipient->err);
  cli_test_assert_status (recipient, 6);
  g_assert_nonnull (strstr (recipient->err, "nother device"));

  sender_run = cli_test_wallet_finish (sender);
  tries = rig_share_field (rig->sender, sent->id, "tries_left");
  g_assert_cmpstr (tries, !=, "3");
  /* What a sender does then: cancel, and share again. */
  cancel_share (sent);
}

/* QA F1: someone with the link but not the PIN opens it and stops at the
 * PIN prompt. The sender learns that the link was opened without a PIN,
 * and the real recipient is told what happened and what to do. */
static void
test_link_held_without_pin (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Held without PIN", TRUE);
  g_autofree char *no_pin = g_strdup_printf ("%s\n", sent->link);
  g_autofree char *right = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  g_autoptr(CliRun) holder = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) recipient = NULL;
  g_autofree char *state = NULL;

  holder = cli_test_wallet_run (interceptor, no_pin, "receive", "--yes", "--timeout", "10",
                                NULL);
  g_assert_cmpint (holder->status, !=, 0);

  /* Plain polling, so the sender looks at once rather than at the end of
   * a long poll. */
  sender_run = cli_test_wallet_run (rig->sender, NULL, "run", "--timeout", "3",
                                    "--poll-interval", "300", NULL);
  g_test_message ("sender: %s", sender_run->err);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "opened");
  g_assert_nonnull (strstr (sender_run->err, "has not given the PIN"));

  recipient = cli_test_wallet_run (rig->recipient, right, "receive", "--yes", "--timeout", "10",
                                   NULL);
  g_test_message ("recipient: %s", recipient->err);
  cli_test_assert_status (recipient, 6);
  g_assert_nonnull (strstr (recipient->err, "nother device"));
  g_assert_nonnull (strstr (recipient->err, "new invitation"));
  cancel_share (sent);
}

static void
test_direct_interceptor_first (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Intercepted, no PIN", FALSE);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(CliRun) attacker = NULL;
  g_autoptr(CliRun) recipient = NULL;

  /* Without a PIN the first device to open the link gets it: that is the
   * direct flow's stated limit. The recipient must hear about it. */
  attacker = cli_test_wallet_run (interceptor, input, "receive", "--yes", NULL);
  cli_test_assert_status (attacker, 0);
  recipient = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", NULL);
  cli_test_assert_status (recipient, 6);
  g_assert_nonnull (strstr (recipient->err, "nother device"));
}

static void
test_interceptor_after_recipient (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Intercepted late", TRUE);
  g_autofree char *right = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  GSubprocess *sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40", NULL);
  g_autoptr(CliRun) recipient = cli_test_wallet_run (rig->recipient, right, "receive", "--yes",
                                                     "--timeout", "40", NULL);
  /* Waited for so that the sender's record is final; its output is not checked. */
  g_autoptr(CliRun) sender_run G_GNUC_UNUSED = cli_test_wallet_finish (sender);
  guint before = count_credentials (interceptor);
  g_autoptr(CliRun) attacker = NULL;
  g_autofree char *state = rig_share_state (rig->sender, sent->id);

  cli_test_assert_status (recipient, 0);
  g_assert_cmpstr (state, ==, "delivered");
  /* Even with the PIN, too late: the mailbox is gone. */
  attacker = cli_test_wallet_run (interceptor, right, "receive", "--yes", "--timeout", "10",
                                  NULL);
  cli_test_assert_status (attacker, 6);
  g_assert_cmpuint (count_credentials (interceptor), ==, before);
}

static void
test_same_link_twice (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Opened twice", FALSE);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(CliRun) first = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", NULL);
  guint count = count_credentials (rig->recipient);
  g_autoptr(CliRun) second = NULL;

  cli_test_assert_status (first, 0);
  second = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", NULL);
  cli_test_assert_status (second, 6);
  g_assert_nonnull (strstr (second->err, "already in your wallet"));
  g_assert_cmpuint (count_credentials (rig->recipient), ==, count);
}

/* Changes one character in the middle of the stored payload (still valid
 * base64), as a relay operator with database access could. Since the
 * relay's schema 2, payloads live in the "content" table. */
static void
tamper_with_mailbox (const char *database,
                     const char *mailbox_id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *select = NULL;
  sqlite3_stmt *update = NULL;
  g_autofree char *payload = NULL;
  gsize middle;

  g_assert_cmpint (sqlite3_open (database, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT payload_data FROM content WHERE id = ?", -1,
                                       &select, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (select, 1, mailbox_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (select), ==, SQLITE_ROW);
  payload = g_strdup ((const char *) sqlite3_column_text (select, 0));
  sqlite3_finalize (select);

  middle = strlen (payload) / 2;
  payload[middle] = payload[middle] == 'A' ? 'B' : 'A';
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE content SET payload_data = ? WHERE id = ?",
                                       -1, &update, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (update, 1, payload, -1, SQLITE_STATIC);
  sqlite3_bind_text (update, 2, mailbox_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (update), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_finalize (update);
  sqlite3_close (db);
}

static char *
mailbox_id_of (const char *link)
{
  const char *start = strstr (link, "/v1/m/") + strlen ("/v1/m/");

  return g_strndup (start, strcspn (start, "?#"));
}

static void
test_tampered_mailbox_is_refused (void)
{
  g_autoptr(SentShare) sent = share_new_password ("Tampered", FALSE);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autofree char *mailbox_id = mailbox_id_of (sent->link);
  guint count = count_credentials (rig->recipient);
  g_autoptr(CliRun) received = NULL;

  cli_test_relay_stop (rig->relay);
  tamper_with_mailbox (rig->relay->database, mailbox_id);
  cli_test_relay_restart (rig->relay);

  received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", "--timeout", "10",
                                  NULL);
  cli_test_assert_status (received, 6);
  g_assert_cmpuint (count_credentials (rig->recipient), ==, count);
  cancel_share (sent);
}

/* QA F19: a mistyped code sent separately is just that: no alarm about
 * another device, and the right code still opens the link here. */
static void
test_mistyped_separate_code (void)
{
  g_autofree char *id = rig_add (rig->sender, "mistyped-code", "password", "--title",
                                 "Mistyped code", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", "--separate-secret",
                                         NULL);
  g_autofree char *wrong_code = g_strnfill (43, 'A');
  g_autofree char *wrong_input = g_strconcat (wrong_code, "=\n", NULL);
  g_autofree char *right_input = g_strconcat (sent->code, "\n", NULL);
  GSubprocess *sender = NULL;
  g_autoptr(CliRun) mistyped = NULL;
  g_autoptr(CliRun) retyped = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *state = NULL;

  g_assert_cmpstr (sent->code, !=, wrong_input);
  mistyped = cli_test_wallet_run (rig->recipient, wrong_input, "receive", "--yes",
                                  "--timeout", "10", sent->link, NULL);
  cli_test_assert_status (mistyped, 2);
  g_assert_nonnull (strstr (mistyped->err, "code is wrong"));
  g_assert_null (strstr (mistyped->err, "nother device"));

  sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "30", NULL);
  retyped = cli_test_wallet_run (rig->recipient, right_input, "receive", "--yes",
                                 "--timeout", "25", sent->link, NULL);
  cli_test_assert_status (retyped, 0);
  sender_run = cli_test_wallet_finish (sender);
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "delivered");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rig = share_rig_new ();
  interceptor = cli_test_wallet_start ("interceptor", "interceptor passcode 3");
  cli_test_wallet_setup (interceptor, rig->relay->url);

  g_test_add_func ("/cli/share/intercepted/verified-link-held-first-by-another-wallet",
                   test_verified_interceptor_first);
  g_test_add_func ("/cli/share/intercepted/link-held-without-pin-sender-is-told",
                   test_link_held_without_pin);
  g_test_add_func ("/cli/share/intercepted/direct-link-held-first-by-another-wallet",
                   test_direct_interceptor_first);
  g_test_add_func ("/cli/share/intercepted/other-wallet-after-the-recipient",
                   test_interceptor_after_recipient);
  g_test_add_func ("/cli/share/same-link-opened-twice", test_same_link_twice);
  g_test_add_func ("/cli/share/mistyped-separate-code-can-be-retyped",
                   test_mistyped_separate_code);
  g_test_add_func ("/cli/share/tampered-mailbox-is-refused", test_tampered_mailbox_is_refused);

  status = g_test_run ();
  cli_test_wallet_free (interceptor);
  share_rig_free (rig);
  return status;
}
