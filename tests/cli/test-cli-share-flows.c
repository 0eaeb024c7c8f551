/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Each kind of credential through each flow, between two wallets on their
 * own buses and keyrings, over a real relay, with nothing but `tigress`.
 */
#include "config.h"

#include <string.h>

#include "cli-share-test.h"

static ShareRig *rig;

/* The recipient's `receive --yes` with the link (and code, PIN) on stdin,
 * while the sender's `run` answers in the background. */
static CliRun *
receive_while_sender_runs (SentShare  *sent,
                           CliRun    **sender_run)
{
  g_autoptr(GString) input = g_string_new (sent->link);
  GSubprocess *sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40",
                                               NULL);
  CliRun *received;

  g_string_append_c (input, '\n');
  if (sent->code != NULL)
    g_string_append_printf (input, "%s\n", sent->code);
  if (sent->pin != NULL)
    g_string_append_printf (input, "%s\n", sent->pin);
  received = cli_test_wallet_run (rig->recipient, input->str, "--json", "receive", "--yes",
                                  "--timeout", "40", NULL);
  *sender_run = cli_test_wallet_finish (sender);
  return received;
}

static char *
received_credential_id (CliRun *received)
{
  g_autoptr(JsonNode) root = cli_test_parse_json (received->out);

  return g_strdup (json_object_get_string_member (json_node_get_object (root),
                                                  "credential_id"));
}

static void
test_password_direct (void)
{
  g_autofree char *id = rig_add (rig->sender, "Pa55word-direct", "password", "--title",
                                 "Shared mail", "--username", "bob", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", NULL);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *copy_id = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *username = NULL;
  g_autofree char *state = NULL;
  g_autofree char *expiration_text = NULL;
  g_autoptr(GDateTime) expiration = NULL;
  g_autoptr(GDateTime) now = NULL;

  g_assert_null (sent->pin);
  /* Without --expires, the app's default lifetime: 24 hours (QA F5). */
  expiration_text = rig_share_field (rig->sender, sent->id, "expiration");
  g_assert_nonnull (expiration_text);
  expiration = g_date_time_new_from_iso8601 (expiration_text, NULL);
  g_assert_nonnull (expiration);
  now = g_date_time_new_now_utc ();
  g_assert_cmpint (g_date_time_difference (expiration, now), >, 23 * G_TIME_SPAN_HOUR);
  g_assert_cmpint (g_date_time_difference (expiration, now), <=, 24 * G_TIME_SPAN_HOUR);
  received = receive_while_sender_runs (sent, &sender_run);
  cli_test_assert_status (received, 0);
  cli_test_assert_status (sender_run, 0);

  copy_id = received_credential_id (received);
  secret = rig_credential_value (rig->recipient, copy_id, "secret");
  username = rig_credential_value (rig->recipient, copy_id, "username");
  g_assert_true (g_strcmp0 (secret, "Pa55word-direct") == 0);
  g_assert_cmpstr (username, ==, "bob");
  state = rig_share_state (rig->sender, sent->id);
  g_assert_cmpstr (state, ==, "delivered");
}

static void
test_wifi_verified (void)
{
  g_autofree char *id = rig_add (rig->sender, "wifi-pass-123", "wifi", "--ssid", "Cafe",
                                 "--security", "WPA", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-qr", NULL);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *copy_id = NULL;
  g_autofree char *password = NULL;

  g_assert_nonnull (sent->pin);
  g_assert_cmpuint (strlen (sent->pin), ==, 6);
  received = receive_while_sender_runs (sent, &sender_run);
  cli_test_assert_status (received, 0);
  cli_test_assert_status (sender_run, 0);

  copy_id = received_credential_id (received);
  password = rig_credential_value (rig->recipient, copy_id, "password");
  g_assert_true (g_strcmp0 (password, "wifi-pass-123") == 0);
}

static void
test_access_code_verified (void)
{
  g_autofree char *id = rig_add (rig->sender, "8812", "access-code", "--title", "Garage",
                                 "--valid-from", "2031-05-01T00:00:00Z",
                                 "--valid-until", "2031-05-31T00:00:00Z", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--expires", "2", NULL);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autofree char *copy_id = NULL;
  g_autofree char *code = NULL;
  g_autofree char *valid_until = NULL;

  received = receive_while_sender_runs (sent, &sender_run);
  cli_test_assert_status (received, 0);
  copy_id = received_credential_id (received);
  code = rig_credential_value (rig->recipient, copy_id, "code");
  valid_until = rig_credential_value (rig->recipient, copy_id, "valid-until");
  g_assert_true (g_strcmp0 (code, "8812") == 0);
  g_assert_cmpstr (valid_until, ==, "2031-05-31T00:00:00Z");
}

static void
test_code_sent_separately (void)
{
  g_autofree char *id = rig_add (rig->sender, "separate-secret-1", "password", "--title",
                                 "Separate", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", "--separate-secret", NULL);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;

  /* The link alone does not carry the key. */
  g_assert_nonnull (sent->code);
  g_assert_null (strchr (sent->link, '#'));
  received = receive_while_sender_runs (sent, &sender_run);
  cli_test_assert_status (received, 0);
}

static guint
count_shares (CliTestWallet *wallet)
{
  g_autoptr(JsonNode) shares = cli_test_wallet_json (wallet, NULL, "shares", NULL);

  return json_array_get_length (json_node_get_array (shares));
}

/* No share starts and nothing is opened without the passcode right
 * before: a wrong one stops both before anything reaches the relay. */
static void
test_passcode_needed_to_send_and_accept (void)
{
  g_autofree char *id = rig_add (rig->sender, "needs-passcode", "password", "--title",
                                 "Needs the passcode", NULL);
  g_autoptr(CliTestWallet) wrong_sender = cli_test_wallet_own ("not the sender passcode");
  guint shares_before = count_shares (rig->sender);
  g_autoptr(CliRun) refused = cli_test_wallet_run (wrong_sender, NULL, "share", id, "--no-pin",
                                                   NULL);
  g_autoptr(SentShare) sent = NULL;
  g_autoptr(CliRun) not_opened = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) received = NULL;

  cli_test_assert_status (refused, 3);
  g_assert_cmpuint (count_shares (rig->sender), ==, shares_before);

  sent = rig_share (rig->sender, id, "--no-pin", NULL);
  /* The same session as the recipient, with a wrong passcode. */
  {
    CliTestWallet impostor = *rig->recipient;
    g_autofree char *input = g_strdup_printf ("%s\n", sent->link);

    impostor.passcode = (char *) "not the recipient passcode";
    not_opened = cli_test_wallet_run (&impostor, input, "receive", "--yes", NULL);
  }
  cli_test_assert_status (not_opened, 3);

  /* The link was not used up: the real recipient still gets it. */
  received = receive_while_sender_runs (sent, &sender_run);
  cli_test_assert_status (received, 0);
}

/* The text a person sees: both links, the PIN, and a QR code that scans
 * to the link. */
static void
test_text_output_has_links_pin_and_qr (void)
{
  g_autofree char *id = rig_add (rig->sender, "text-output-1", "password", "--title",
                                 "Shown to people", NULL);
  g_autoptr(CliRun) shown = cli_test_wallet_run (rig->sender, NULL, "share", id, NULL);
  g_auto(GStrv) lines = NULL;
  g_autofree char *scanned = NULL;
  const char *tigress_link = NULL;
  const char *https_link = NULL;
  const char *pin = NULL;

  cli_test_assert_status (shown, 0);
  lines = g_strsplit (shown->out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "tigress:http"))
        tigress_link = line;
      else if (g_str_has_prefix (line, "http"))
        https_link = line;
      else if (strlen (line) == 6 && strspn (line, "0123456789") == 6)
        pin = line;
    }
  g_assert_nonnull (tigress_link);
  g_assert_nonnull (https_link);
  g_assert_nonnull (pin);
  g_assert_cmpstr (tigress_link + strlen ("tigress:"), ==, https_link);

  /* The code holds the scheme and host upper-cased, the rest exactly. */
  scanned = cli_test_decode_qr_drawing (shown->out);
  g_assert_nonnull (scanned);
  g_assert_cmpint (g_ascii_strcasecmp (scanned, tigress_link), ==, 0);
  g_assert_true (g_str_equal (strstr (scanned, "/v1/m/"), strstr (tigress_link, "/v1/m/")));
}

static int
recipient_failed_attempts (void)
{
  g_autoptr(JsonNode) status = cli_test_wallet_json (rig->recipient, NULL, "status", NULL);

  return (int) json_object_get_int_member (json_node_get_object (status), "failed_attempts");
}

/* QA F13: one link opened by three `receive` processes of the same wallet
 * at once, each with the right passcode. A passcode try is counted only
 * once found wrong, so none of them may blame the passcode; only one
 * opens the link (the others are told another one of this wallet is at
 * it, not that another device took it); the credential arrives once. */
static void
test_three_receives_at_once (void)
{
  g_autofree char *id = rig_add (rig->sender, "three-at-once", "password", "--title",
                                 "Three at once", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", NULL);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(JsonNode) before = cli_test_wallet_json (rig->recipient, NULL, "list", NULL);
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(CliRun) again = NULL;
  GSubprocess *processes[3];
  guint saved = 0;

  g_assert_cmpint (recipient_failed_attempts (), ==, 0);
  /* A quarter of a second apart, so each starts while the one before is
   * inside its passcode check (scrypt takes longer than that). */
  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    {
      if (i > 0)
        g_usleep (G_USEC_PER_SEC / 4);
      processes[i] = cli_test_wallet_spawn (rig->recipient, input, "receive", "--yes",
                                            "--timeout", "20", NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    {
      g_autoptr(CliRun) run = cli_test_wallet_finish (processes[i]);

      g_test_message ("receive %u: exit %d: %s", i, run->status, run->err);
      g_assert_null (strstr (run->err, "passcode"));
      g_assert_cmpint (run->status, !=, 3);
      /* The same wallet holds it: no alarm about another device. */
      g_assert_null (strstr (run->err, "nother device"));
      if (run->status == 0)
        saved++;
    }
  g_assert_cmpuint (saved, >=, 1);
  g_assert_cmpint (recipient_failed_attempts (), ==, 0);
  after = cli_test_wallet_json (rig->recipient, NULL, "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (after)), ==,
                    json_array_get_length (json_node_get_array (before)) + 1);

  /* And the wallet remembers it as received here, not as lost. */
  again = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", "--timeout", "10",
                               NULL);
  cli_test_assert_status (again, 6);
  g_assert_nonnull (strstr (again->err, "already in your wallet"));
}

/* QA H9: while one `receive` of a wallet holds a link and waits for the
 * sender, a second one of the same wallet with that link says the first
 * is at it (exit 1), not that the credential arrived already: it has not. */
static void
test_second_receive_while_first_waits (void)
{
  g_autofree char *id = rig_add (rig->sender, "while-first-waits", "password", "--title",
                                 "While the first waits", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, NULL, NULL);
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  GSubprocess *first = cli_test_wallet_spawn (rig->recipient, input, "receive", "--yes",
                                              "--timeout", "40", NULL);
  g_autoptr(CliRun) second = NULL;
  g_autoptr(CliRun) first_run = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  GSubprocess *sender;

  rig_wait_for_newest_state (rig->recipient, "waiting-for-sender", 30);
  second = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", "--timeout", "10",
                                NULL);
  cli_test_assert_status (second, 1);
  g_assert_nonnull (strstr (second->err, "is being opened by another"));
  g_assert_null (strstr (second->err, "already in your wallet"));

  /* The first one is undisturbed: it saves the credential once the sender runs. */
  sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40", NULL);
  first_run = cli_test_wallet_finish (first);
  sender_run = cli_test_wallet_finish (sender);
  cli_test_assert_status (first_run, 0);
}

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint count = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    count++;
  return count;
}

/* QA G12: a long title is shortened with "…" where a sentence names the
 * share (whole only where it is accepted), and the sender is named once. */
static void
test_long_title_shortened_sender_named_once (void)
{
  g_autoptr(GString) title = g_string_new (NULL);
  g_autofree char *id = NULL;
  g_autoptr(SentShare) sent = NULL;
  g_autofree char *input = NULL;
  g_autoptr(CliRun) received = NULL;
  g_autofree char *what = NULL;

  while (title->len < 150)
    g_string_append (title, "Apartment back door basement ");
  g_strchomp (title->str);
  id = rig_add (rig->sender, "long-title-secret", "password", "--title", "Door", NULL);
  sent = rig_share (rig->sender, id, "--no-pin", "--title", title->str, NULL);
  input = g_strdup_printf ("%s\n", sent->link);
  received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes", "--timeout", "40",
                                  NULL);

  cli_test_assert_status (received, 0);
  what = g_strdup_printf ("“%s”", title->str);
  g_assert_cmpuint (count_occurrences (received->out, what), ==, 1);
  g_assert_null (strstr (received->err, title->str));
  g_assert_nonnull (strstr (received->err,
                            "Apartment back door basement Apartment…: Received"));
  g_assert_nonnull (strstr (received->out, "Saved “Apartment back door basement Apartment…”"));
  g_assert_cmpuint (count_occurrences (received->out, "sender not verified"), ==, 1);
}

/* The first object `share --json --wait` prints, read while the command
 * waits. Its text holds the link: it is never written to the log. */
static JsonNode *
read_first_object (GSubprocess *process)
{
  g_autoptr(GDataInputStream) lines =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* The rest of the output is read when the process ends. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_string_append_printf (text, "%s\n", line);
      if (g_str_equal (line, "}"))
        break;
    }
  g_assert_true (json_parser_load_from_data (parser, text->str, -1, NULL));
  return json_node_copy (json_parser_get_root (parser));
}

/* QA H9: `share --json --wait` ends with the share once more, in its final
 * state, so a script learns the outcome from the output, not only from the
 * exit code. */
static void
test_json_wait_prints_the_outcome (void)
{
  g_autofree char *id = rig_add (rig->sender, "Waited-for-secret", "password", "--title",
                                 "Waited for", NULL);
  GSubprocess *sender = cli_test_wallet_spawn (rig->sender, NULL, "--json", "share", id,
                                               "--no-pin", "--no-qr", "--wait", "--timeout",
                                               "40", NULL);
  g_autoptr(JsonNode) first = read_first_object (sender);
  JsonObject *sent = json_node_get_object (first);
  g_autofree char *input = g_strdup_printf ("%s\n", json_object_get_string_member (sent, "link"));
  g_autoptr(CliRun) received = cli_test_wallet_run (rig->recipient, input, "receive", "--yes",
                                                    "--timeout", "40", NULL);
  g_autoptr(CliRun) waited = cli_test_wallet_finish (sender);
  g_autoptr(JsonNode) last = NULL;
  JsonObject *outcome;

  cli_test_assert_status (received, 0);
  cli_test_assert_status (waited, 0);
  last = cli_test_parse_json (waited->out);
  outcome = json_node_get_object (last);
  g_assert_cmpstr (json_object_get_string_member (outcome, "id"), ==,
                   json_object_get_string_member (sent, "id"));
  g_assert_cmpstr (json_object_get_string_member (outcome, "state"), ==, "delivered");
  g_assert_true (json_object_get_boolean_member (outcome, "final"));
  /* The secrets went out once, in the first object. */
  g_assert_false (json_object_has_member (outcome, "link"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rig = share_rig_new ();

  g_test_add_func ("/cli/share/password-direct", test_password_direct);
  g_test_add_func ("/cli/share/wifi-verified-with-pin", test_wifi_verified);
  g_test_add_func ("/cli/share/access-code-verified-keeps-its-window", test_access_code_verified);
  g_test_add_func ("/cli/share/code-sent-separately", test_code_sent_separately);
  g_test_add_func ("/cli/share/passcode-needed-right-before-sending-and-accepting",
                   test_passcode_needed_to_send_and_accept);
  g_test_add_func ("/cli/share/text-output-has-links-pin-and-a-qr-code-that-scans",
                   test_text_output_has_links_pin_and_qr);
  g_test_add_func ("/cli/share/same-link-in-three-receives-at-once-no-passcode-blamed",
                   test_three_receives_at_once);
  g_test_add_func ("/cli/share/receive/second-while-the-first-waits-says-it-is-being-opened",
                   test_second_receive_while_first_waits);
  g_test_add_func ("/cli/share/receive/long-title-shortened-sender-named-once",
                   test_long_title_shortened_sender_named_once);
  g_test_add_func ("/cli/share/json-wait-ends-with-the-outcome",
                   test_json_wait_prints_the_outcome);

  status = g_test_run ();
  share_rig_free (rig);
  return status;
}
