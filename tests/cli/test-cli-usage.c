/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The command line itself: help, usage errors and their exit codes, and
 * the JSON error report. None of these needs a keyring.
 */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"

/* Every command, as --help lists it. */
static const char * const all_commands[] = {
  "list", "show", "add", "remove", "wifi import", "wifi export",
  "relays list", "relays add", "relays remove", "relays default", "relays test",
  "passcode set", "passcode change", "unlock", "status", "key verify",
  "contacts fingerprint", "contacts pin", "contacts list", "contacts remove",
  "share", "receive", "shares", "shares cancel", "shares pin", "run",
};

static void
test_overview_lists_every_command (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "--help", NULL);

  cli_test_assert_status (run, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (all_commands); i++)
    {
      g_autofree char *line_start = g_strdup_printf ("  %s ", all_commands[i]);

      g_assert_nonnull (strstr (run->out, line_start));
    }
}

static void
test_every_command_has_help (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_commands); i++)
    {
      g_auto(GStrv) words = g_strsplit (all_commands[i], " ", 2);
      g_autoptr(CliRun) run = NULL;
      g_autofree char *usage = g_strdup_printf ("tigress %s", all_commands[i]);

      if (words[1] != NULL)
        run = cli_test_run (NULL, words[0], words[1], "--help", NULL);
      else
        run = cli_test_run (NULL, words[0], "--help", NULL);
      cli_test_assert_status (run, 0);
      g_assert_nonnull (strstr (run->out, usage));
      /* The global options are accepted by every command. */
      g_assert_nonnull (strstr (run->out, "--json"));
    }
}

static void
test_no_command_is_a_usage_error (void)
{
  const char *no_args[] = { NULL };
  g_autoptr(CliRun) run = cli_test_run_full (NULL, NULL, no_args);

  cli_test_assert_status (run, 2);
  g_assert_nonnull (strstr (run->err, "No command"));
}

static void
test_unknown_command_is_named (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "frobnicate", NULL);

  cli_test_assert_status (run, 2);
  g_assert_nonnull (strstr (run->err, "frobnicate"));
}

static void
test_group_alone_lists_its_commands (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "wifi", NULL);
  g_autoptr(CliRun) help = cli_test_run (NULL, "relays", "--help", NULL);
  g_autoptr(CliRun) wrong = cli_test_run (NULL, "relays", "teleport", NULL);

  cli_test_assert_status (run, 2);
  g_assert_nonnull (strstr (run->err, "wifi import"));
  g_assert_nonnull (strstr (run->err, "wifi export"));
  cli_test_assert_status (help, 0);
  g_assert_nonnull (strstr (help->out, "relays test"));
  cli_test_assert_status (wrong, 2);
  g_assert_nonnull (strstr (wrong->err, "teleport"));
}

static void
test_argument_count_is_checked (void)
{
  g_autoptr(CliRun) missing = cli_test_run (NULL, "show", NULL);
  g_autoptr(CliRun) extra = cli_test_run (NULL, "list", "surplus", NULL);
  g_autoptr(CliRun) bad_option = cli_test_run (NULL, "list", "--no-such-option", NULL);

  cli_test_assert_status (missing, 2);
  g_assert_nonnull (strstr (missing->err, "tigress show ID"));
  cli_test_assert_status (extra, 2);
  cli_test_assert_status (bad_option, 2);
}

static void
test_closed_passcode_fd_is_a_usage_error (void)
{
  g_autoptr(CliRun) before = cli_test_run (NULL, "--passcode-fd", "9", "list", NULL);
  g_autoptr(CliRun) after = cli_test_run (NULL, "list", "--passcode-fd=9", NULL);

  cli_test_assert_status (before, 2);
  g_assert_nonnull (strstr (before->err, "--passcode-fd 9"));
  cli_test_assert_status (after, 2);
}

static void
test_json_error_report_parses (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "--json", "frobnicate", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *report;

  cli_test_assert_status (run, 2);
  g_assert_cmpstr (run->out, ==, "");
  root = cli_test_parse_json (run->err);
  report = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (report, "error"), ==, "usage");
  g_assert_cmpint (json_object_get_int_member (report, "exit"), ==, 2);
  g_assert_nonnull (strstr (json_object_get_string_member (report, "message"), "frobnicate"));
}

static void
test_version (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "--version", NULL);

  cli_test_assert_status (run, 0);
  g_assert_true (g_str_has_prefix (run->out, "tigress " PACKAGE_VERSION));
}

/* QA F3: with G_MESSAGES_DEBUG=all, standard output still holds only the
 * result; the debug lines go to standard error. */
static void
test_debug_lines_go_to_stderr (void)
{
  const char *environment[] = { "G_MESSAGES_DEBUG=all", NULL };
  const char *args[] = { "relays", "test", "http://127.0.0.1:1", NULL };
  g_autoptr(CliRun) run = cli_test_run_full (NULL, environment, args);

  g_assert_nonnull (strstr (run->err, "DEBUG"));
  g_assert_null (strstr (run->out, "DEBUG"));
}

/* QA H9: `key verify` without a lock says how to name one, exit 2, before
 * the wallet is opened (it used to call --owner-key malformed). */
static void
test_key_verify_without_a_lock_says_how_to_name_it (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "key", "verify", "some-key", NULL);

  cli_test_assert_status (run, 2);
  g_assert_nonnull (strstr (run->err, "--lock OWNER"));
  g_assert_null (strstr (run->err, "hexadecimal"));
}

/* QA F8: bytes that are not UTF-8 in an option name the option, exit 2. */
static void
test_option_that_is_not_text_is_named (void)
{
  g_autoptr(CliRun) separate = cli_test_run (NULL, "add", "password", "--title", "T",
                                             "--username", "u\xff", NULL);
  g_autoptr(CliRun) joined = cli_test_run (NULL, "share", "some-id", "--title=B\xff", NULL);

  cli_test_assert_status (separate, 2);
  g_assert_nonnull (strstr (separate->err, "--username"));
  cli_test_assert_status (joined, 2);
  g_assert_nonnull (strstr (joined->err, "--title"));
}

/* QA F18, F23: share options that cannot work are refused first, with
 * exit 2, before the wallet or the passcode. */
static void
test_share_options_checked_first (void)
{
  g_autofree char *long_title = g_strnfill (300, 'x');
  const char *titles[] = { "", "   ", long_title, "Bank\n  From: verified", "Bank\x1b[8m" };

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autoptr(CliRun) run = cli_test_run (NULL, "share", "some-id", "--title", titles[i],
                                            NULL);

      cli_test_assert_status (run, 2);
      g_assert_nonnull (strstr (run->err, "--title"));
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CliRun) run = cli_test_run (NULL, "share", "some-id", "--expires",
                                            i == 0 ? "0" : "-3", NULL);

      cli_test_assert_status (run, 2);
      g_assert_nonnull (strstr (run->err, "--expires"));
    }
}

/* QA F18: an option that does not fit the type is named as the mistake,
 * before a missing title or the wallet. */
static void
test_add_option_for_another_type_is_named (void)
{
  g_autoptr(CliRun) ssid = cli_test_run (NULL, "add", "password", "--ssid", "x", NULL);
  g_autoptr(CliRun) hidden = cli_test_run (NULL, "add", "access-code", "--hidden", NULL);

  cli_test_assert_status (ssid, 2);
  g_assert_nonnull (strstr (ssid->err, "--ssid does not apply"));
  cli_test_assert_status (hidden, 2);
  g_assert_nonnull (strstr (hidden->err, "--hidden does not apply"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/usage/overview-lists-every-command", test_overview_lists_every_command);
  g_test_add_func ("/cli/usage/every-command-has-help", test_every_command_has_help);
  g_test_add_func ("/cli/usage/no-command-exits-2", test_no_command_is_a_usage_error);
  g_test_add_func ("/cli/usage/unknown-command-exits-2-and-is-named",
                   test_unknown_command_is_named);
  g_test_add_func ("/cli/usage/group-alone-lists-its-commands",
                   test_group_alone_lists_its_commands);
  g_test_add_func ("/cli/usage/argument-count-is-checked", test_argument_count_is_checked);
  g_test_add_func ("/cli/usage/closed-passcode-fd-exits-2",
                   test_closed_passcode_fd_is_a_usage_error);
  g_test_add_func ("/cli/usage/json-error-report-parses", test_json_error_report_parses);
  g_test_add_func ("/cli/usage/version", test_version);
  g_test_add_func ("/cli/usage/debug-lines-go-to-stderr", test_debug_lines_go_to_stderr);
  g_test_add_func ("/cli/usage/add-option-for-another-type-is-named",
                   test_add_option_for_another_type_is_named);
  g_test_add_func ("/cli/usage/share-options-are-checked-first",
                   test_share_options_checked_first);
  g_test_add_func ("/cli/usage/option-that-is-not-text-is-named-and-exits-2",
                   test_option_that_is_not_text_is_named);
  g_test_add_func ("/cli/usage/key-verify-without-a-lock-says-how-to-name-it",
                   test_key_verify_without_a_lock_says_how_to_name_it);

  return g_test_run ();
}
