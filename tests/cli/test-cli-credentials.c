/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Credentials through the real `tigress` binary and a real keyring daemon:
 * the passcode, adding, listing, showing, removing, Wi-Fi QR text, and the
 * rules that keep secrets off the command line and out of the output.
 *
 * The tests share one keyring and run in the order they are added; the
 * first one sees a wallet that was never set up.
 */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"

#define PASSWORD "s3cret-Pa55word!"

/* Adds a password credential and returns its id. */
static char *
add_password (const char *title,
              const char *secret)
{
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", CLI_TEST_PASSCODE, secret);
  g_autoptr(CliRun) run = cli_test_run (input, "--json", "add", "password", "--title", title,
                                        "--username", "alice", NULL);
  g_autoptr(JsonNode) root = NULL;

  cli_test_assert_status (run, 0);
  root = cli_test_parse_json (run->out);
  return g_strdup (json_object_get_string_member (json_node_get_object (root), "id"));
}

static void
test_fresh_wallet_needs_a_passcode (void)
{
  g_autoptr(CliRun) list = cli_test_run (NULL, "list", NULL);
  g_autoptr(CliRun) status = cli_test_run (NULL, "--json", "status", NULL);
  g_autoptr(JsonNode) root = NULL;

  cli_test_assert_status (list, 3);
  g_assert_nonnull (strstr (list->err, "tigress passcode set"));
  cli_test_assert_status (status, 0);
  root = cli_test_parse_json (status->out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "state"), ==,
                   "no-passcode");
}

static void
test_passcode_set_then_unlock (void)
{
  g_autoptr(CliRun) weak = cli_test_run ("abc\n", "passcode", "set", NULL);
  g_autoptr(CliRun) unlock = NULL;
  g_autoptr(CliRun) again = NULL;

  cli_test_assert_status (weak, 2);
  cli_test_ensure_passcode ();
  unlock = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "unlock", NULL);
  cli_test_assert_status (unlock, 0);
  again = cli_test_run ("another passcode\n", "passcode", "set", NULL);
  cli_test_assert_status (again, 1);
}

static void
test_wrong_passcode_exits_3 (void)
{
  g_autoptr(CliRun) wrong = NULL;
  g_autoptr(CliRun) status = NULL;
  g_autoptr(CliRun) right = NULL;
  g_autoptr(JsonNode) root = NULL;
  gint64 started;
  gint64 wait;

  cli_test_ensure_passcode ();
  wrong = cli_test_run_with_passcode ("not the passcode", NULL, "list", NULL);
  cli_test_assert_status (wrong, 3);
  status = cli_test_run (NULL, "--json", "status", NULL);
  root = cli_test_parse_json (status->out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "failed_attempts"),
                   >=, 1);
  wait = json_object_get_int_member (json_node_get_object (root), "retry_wait_seconds");
  g_assert_cmpint (wait, >=, 1);

  /* Right away, the right passcode is tried only once the delay is over:
   * tigress waits out a short delay rather than fail. */
  started = g_get_monotonic_time ();
  right = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "unlock", NULL);
  cli_test_assert_status (right, 0);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, wait * G_USEC_PER_SEC - 500000);

  /* The right passcode reset the count. */
  g_clear_pointer (&root, json_node_unref);
  g_clear_pointer (&status, cli_run_free);
  status = cli_test_run (NULL, "--json", "status", NULL);
  root = cli_test_parse_json (status->out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "failed_attempts"),
                   ==, 0);

  /* An empty line is no passcode: exit 8 as for other missing input, and
   * not a try (QA H12). */
  {
    g_autoptr(CliRun) empty = cli_test_run_with_passcode ("", NULL, "unlock", NULL);
    g_autoptr(CliRun) after = cli_test_run (NULL, "--json", "status", NULL);
    g_autoptr(JsonNode) after_root = cli_test_parse_json (after->out);

    cli_test_assert_status (empty, 8);
    g_assert_nonnull (strstr (empty->err, "No passcode was typed"));
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (after_root),
                                                 "failed_attempts"), ==, 0);
  }
}

static void
test_add_password_then_list_json (void)
{
  g_autofree char *id = NULL;
  g_autoptr(CliRun) list = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *items;
  gboolean found = FALSE;

  cli_test_ensure_passcode ();
  id = add_password ("Bank", PASSWORD);
  list = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "--json", "list", NULL);
  cli_test_assert_status (list, 0);
  cli_test_assert_absent (list->out, PASSWORD);

  root = cli_test_parse_json (list->out);
  items = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      JsonObject *fields = json_object_get_object_member (item, "fields");

      if (!g_str_equal (json_object_get_string_member (item, "id"), id))
        continue;
      found = TRUE;
      g_assert_cmpstr (json_object_get_string_member (item, "type"), ==, "password");
      g_assert_cmpstr (json_object_get_string_member (item, "title"), ==, "Bank");
      g_assert_cmpstr (json_object_get_string_member (fields, "username"), ==, "alice");
    }
  g_assert_true (found);
}

static void
test_secret_shown_only_with_reveal (void)
{
  g_autofree char *id = NULL;
  g_autoptr(CliRun) text = NULL;
  g_autoptr(CliRun) json = NULL;
  g_autoptr(CliRun) revealed = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *secrets;

  cli_test_ensure_passcode ();
  id = add_password ("Mail", PASSWORD);

  text = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show", id, NULL);
  cli_test_assert_status (text, 0);
  cli_test_assert_absent (text->out, PASSWORD);
  cli_test_assert_absent (text->err, PASSWORD);
  g_assert_nonnull (strstr (text->out, "--reveal"));

  json = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "--json", "show", id, NULL);
  cli_test_assert_status (json, 0);
  cli_test_assert_absent (json->out, PASSWORD);

  revealed = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "--json", "show", "--reveal",
                                         id, NULL);
  cli_test_assert_status (revealed, 0);
  root = cli_test_parse_json (revealed->out);
  secrets = json_object_get_object_member (json_node_get_object (root), "secrets");
  g_assert_true (g_strcmp0 (json_object_get_string_member (secrets, "secret"), PASSWORD) == 0);
}

static void
test_secrets_are_not_taken_from_arguments (void)
{
  g_autoptr(CliRun) option = NULL;
  g_autoptr(CliRun) wifi = NULL;

  cli_test_ensure_passcode ();
  option = cli_test_run (NULL, "add", "password", "--title", "x", "--secret", PASSWORD, NULL);
  cli_test_assert_status (option, 2);
  wifi = cli_test_run (NULL, "wifi", "import", "WIFI:T:WPA;S:Home;P:" PASSWORD ";;", NULL);
  cli_test_assert_status (wifi, 2);
  g_assert_nonnull (strstr (wifi->err, "standard input"));
  cli_test_assert_absent (wifi->err, PASSWORD);
}

static void
test_secret_is_sealed_in_the_keyring (void)
{
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  cli_test_ensure_passcode ();
  id = add_password ("Sealed", PASSWORD);

  /* What any process of the user can read from the unlocked keyring. */
  {
    const char *argv[] = { "secret-tool", "search", "--all", "id", id, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                  &status, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, id));
  cli_test_assert_absent (out, PASSWORD);
  cli_test_assert_absent (out, "alice");
  cli_test_assert_absent (out, "Sealed");
}

static void
test_find_by_title_and_id_prefix (void)
{
  g_autofree char *id = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(CliRun) by_title = NULL;
  g_autoptr(CliRun) by_prefix = NULL;
  g_autoptr(CliRun) missing = NULL;

  cli_test_ensure_passcode ();
  id = add_password ("Unique title 7", PASSWORD);
  prefix = g_strndup (id, 8);

  by_title = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show", "Unique title 7", NULL);
  cli_test_assert_status (by_title, 0);
  g_assert_nonnull (strstr (by_title->out, id));
  by_prefix = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show", prefix, NULL);
  cli_test_assert_status (by_prefix, 0);
  g_assert_nonnull (strstr (by_prefix->out, "Unique title 7"));
  missing = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show", "No such thing", NULL);
  cli_test_assert_status (missing, 7);
}

static void
test_remove_asks_first (void)
{
  g_autofree char *id = NULL;
  g_autofree char *declining = g_strdup_printf ("%s\nn\n", CLI_TEST_PASSCODE);
  g_autoptr(CliRun) declined = NULL;
  g_autoptr(CliRun) still_there = NULL;
  g_autoptr(CliRun) removed = NULL;
  g_autoptr(CliRun) gone = NULL;

  cli_test_ensure_passcode ();
  id = add_password ("To remove", PASSWORD);

  declined = cli_test_run (declining, "remove", id, NULL);
  cli_test_assert_status (declined, 8);
  /* Questions reach standard error also when the answers are piped in. */
  g_assert_nonnull (strstr (declined->err, "Wallet passcode:\n"));
  g_assert_nonnull (strstr (declined->err,
                            "Remove “To remove” from the wallet for good? [y/N]\n"));
  still_there = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show", id, NULL);
  cli_test_assert_status (still_there, 0);

  removed = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "remove", "--yes", id, NULL);
  cli_test_assert_status (removed, 0);
  gone = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show", id, NULL);
  cli_test_assert_status (gone, 7);
}

static void
test_options_of_other_types_are_refused (void)
{
  g_autoptr(CliRun) ssid_on_password = NULL;
  g_autoptr(CliRun) bad_type = NULL;
  g_autoptr(CliRun) digital_key = NULL;

  cli_test_ensure_passcode ();
  ssid_on_password = cli_test_run_with_passcode (CLI_TEST_PASSCODE, PASSWORD "\n", "add",
                                                 "password", "--title", "x", "--ssid", "Home",
                                                 NULL);
  cli_test_assert_status (ssid_on_password, 2);
  g_assert_nonnull (strstr (ssid_on_password->err, "--ssid"));
  bad_type = cli_test_run (NULL, "add", "spaceship", NULL);
  cli_test_assert_status (bad_type, 2);
  digital_key = cli_test_run (NULL, "add", "digital-key", NULL);
  cli_test_assert_status (digital_key, 2);
}

static void
test_access_code_validity_window (void)
{
  g_autoptr(CliRun) added = NULL;
  g_autoptr(CliRun) backwards = NULL;
  g_autoptr(CliRun) shown = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *fields;

  cli_test_ensure_passcode ();
  added = cli_test_run_with_passcode (CLI_TEST_PASSCODE, "4711\n", "--json", "add",
                                      "access-code", "--title", "Gym", "--location", "Door 2",
                                      "--valid-from", "2030-01-01T08:00:00Z",
                                      "--valid-until", "2030-01-31", NULL);
  cli_test_assert_status (added, 0);
  cli_test_assert_absent (added->out, "4711");
  root = cli_test_parse_json (added->out);
  fields = json_object_get_object_member (json_node_get_object (root), "fields");
  g_assert_cmpstr (json_object_get_string_member (fields, "valid-from"), ==,
                   "2030-01-01T08:00:00Z");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (fields, "valid-until"),
                                   "2030-01-"));

  /* `show` writes these dates in the style of its Created line (QA G9). */
  shown = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show",
                                      json_object_get_string_member (json_node_get_object (root),
                                                                     "id"), NULL);
  cli_test_assert_status (shown, 0);
  g_assert_nonnull (strstr (shown->out, "Valid from"));
  g_assert_null (strstr (shown->out, "T08:00:00Z"));
  /* A day alone as the end means the end of that day (QA H7). */
  g_assert_nonnull (strstr (shown->out, "2030-01-31 23:59"));

  backwards = cli_test_run_with_passcode (CLI_TEST_PASSCODE, "4711\n", "add", "access-code",
                                          "--title", "Gym", "--valid-from", "2030-02-01",
                                          "--valid-until", "2030-01-01", NULL);
  cli_test_assert_status (backwards, 2);
}

static void
test_owner_identity_keeps_its_key_hidden (void)
{
  g_autoptr(CliRun) added = NULL;
  g_autoptr(CliRun) shown = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *owner;
  JsonArray *hidden;

  cli_test_ensure_passcode ();
  added = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "--json", "add",
                                      "digital-key-owner", "--title", "Front door", NULL);
  cli_test_assert_status (added, 0);
  root = cli_test_parse_json (added->out);
  owner = json_node_get_object (root);
  shown = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "--json", "show", "--reveal",
                                      json_object_get_string_member (owner, "id"), NULL);
  cli_test_assert_status (shown, 0);
  g_clear_pointer (&root, json_node_unref);
  root = cli_test_parse_json (shown->out);
  owner = json_node_get_object (root);
  /* Even --reveal never prints key material. */
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (owner, "secrets")), ==, 0);
  hidden = json_object_get_array_member (owner, "hidden");
  g_assert_cmpuint (json_array_get_length (hidden), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (hidden, 0), ==, "owner-key");
  /* `share` takes it (as a new digital key), so it says it is shareable;
   * it has no format of its own to travel in (QA F5). */
  g_assert_true (json_object_get_boolean_member (owner, "shareable"));
  g_assert_true (json_object_get_null_member (owner, "format"));
}

static void
test_wifi_round_trip (void)
{
  const char *text = "WIFI:T:WPA;S:Caf\\;e 5G;P:pa\\\\ss\\:word;H:true;;";
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", CLI_TEST_PASSCODE, text);
  g_autoptr(CliRun) imported = cli_test_run (input, "--json", "wifi", "import", NULL);
  g_autoptr(CliRun) exported = NULL;
  g_autoptr(CliRun) drawn = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *expected = g_strdup_printf ("%s\n", text);
  g_autofree char *scanned = NULL;
  const char *id;

  cli_test_assert_status (imported, 0);
  cli_test_assert_absent (imported->out, "pa\\\\ss");
  root = cli_test_parse_json (imported->out);
  id = json_object_get_string_member (json_node_get_object (root), "id");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "title"), ==,
                   "Caf;e 5G");

  exported = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "wifi", "export", id, NULL);
  cli_test_assert_status (exported, 0);
  g_assert_true (g_str_equal (exported->out, expected));

  /* The code drawn for phones holds the same text. */
  drawn = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "wifi", "export", "--qr", id,
                                      NULL);
  cli_test_assert_status (drawn, 0);
  scanned = cli_test_decode_qr_drawing (drawn->out);
  g_assert_nonnull (scanned);
  g_assert_true (g_str_equal (scanned, text));
}

static void
test_wifi_import_refuses_bad_text (void)
{
  g_autoptr(CliRun) not_wifi = NULL;
  g_autoptr(CliRun) short_password = NULL;

  cli_test_ensure_passcode ();
  not_wifi = cli_test_run_with_passcode (CLI_TEST_PASSCODE, "https://example.invalid\n", "wifi",
                                         "import", NULL);
  cli_test_assert_status (not_wifi, 2);
  short_password = cli_test_run_with_passcode (CLI_TEST_PASSCODE, "WIFI:T:WPA;S:a;P:short;;\n",
                                               "wifi", "import", NULL);
  cli_test_assert_status (short_password, 2);
}

static void
test_keyring_unavailable_exits_4 (void)
{
  const char *no_bus[] = { "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/tigress-test-bus",
                           NULL };
  const char *args[] = { "list", NULL };
  g_autoptr(CliRun) run = cli_test_run_full (CLI_TEST_PASSCODE "\n", no_bus, args);

  cli_test_assert_status (run, 4);
  g_assert_cmpstr (run->out, ==, "");
}

/* QA F22: an address the bus library cannot use at all ("disabled:", as
 * some sandboxes set) is no session bus either, and says so. */
static void
test_unusable_bus_address (void)
{
  const char *unusable[] = { "DBUS_SESSION_BUS_ADDRESS=disabled:", NULL };
  const char *args[] = { "list", NULL };
  g_autoptr(CliRun) run = cli_test_run_full (CLI_TEST_PASSCODE "\n", unusable, args);

  cli_test_assert_status (run, 4);
  g_assert_nonnull (strstr (run->err, "cannot reach the desktop session"));
}

static JsonObject *
added_fields (CliRun     *added,
              JsonNode  **root)
{
  cli_test_assert_status (added, 0);
  *root = cli_test_parse_json (added->out);
  return json_object_get_object_member (json_node_get_object (*root), "fields");
}

/* docs/cli.md writes times without seconds ("2025-01-31T18:00", with or
 * without a zone); GLib alone wants seconds. */
static void
test_access_code_times_as_the_docs_write_them (void)
{
  g_autoptr(CliRun) zoned = NULL;
  g_autoptr(CliRun) local = NULL;
  g_autoptr(JsonNode) zoned_root = NULL;
  g_autoptr(JsonNode) local_root = NULL;
  JsonObject *fields;

  cli_test_ensure_passcode ();
  zoned = cli_test_run_with_passcode (CLI_TEST_PASSCODE, "4712\n", "--json", "add",
                                      "access-code", "--title", "Studio",
                                      "--valid-from", "2030-01-31T18:00+01:00",
                                      "--valid-until", "2030-02-01T09:30Z", NULL);
  fields = added_fields (zoned, &zoned_root);
  g_assert_cmpstr (json_object_get_string_member (fields, "valid-from"), ==,
                   "2030-01-31T17:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (fields, "valid-until"), ==,
                   "2030-02-01T09:30:00Z");

  local = cli_test_run_with_passcode (CLI_TEST_PASSCODE, "4713\n", "--json", "add",
                                      "access-code", "--title", "Studio 2",
                                      "--valid-until", "2030-03-01T18:00", NULL);
  fields = added_fields (local, &local_root);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (fields, "valid-until"),
                                   "2030-03-01T"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/passcode/fresh-wallet-needs-a-passcode",
                   test_fresh_wallet_needs_a_passcode);
  g_test_add_func ("/cli/passcode/set-then-unlock", test_passcode_set_then_unlock);
  g_test_add_func ("/cli/passcode/wrong-passcode-exits-3-and-the-next-try-waits",
                   test_wrong_passcode_exits_3);
  g_test_add_func ("/cli/credentials/add-password-then-list-json",
                   test_add_password_then_list_json);
  g_test_add_func ("/cli/credentials/secret-shown-only-with-reveal",
                   test_secret_shown_only_with_reveal);
  g_test_add_func ("/cli/credentials/secrets-are-not-taken-from-arguments",
                   test_secrets_are_not_taken_from_arguments);
  g_test_add_func ("/cli/credentials/secret-is-sealed-in-the-keyring",
                   test_secret_is_sealed_in_the_keyring);
  g_test_add_func ("/cli/credentials/found-by-title-and-id-prefix",
                   test_find_by_title_and_id_prefix);
  g_test_add_func ("/cli/credentials/remove-asks-first", test_remove_asks_first);
  g_test_add_func ("/cli/credentials/options-of-other-types-are-refused",
                   test_options_of_other_types_are_refused);
  g_test_add_func ("/cli/credentials/access-code-validity-window",
                   test_access_code_validity_window);
  g_test_add_func ("/cli/credentials/owner-identity-keeps-its-key-hidden",
                   test_owner_identity_keeps_its_key_hidden);
  g_test_add_func ("/cli/wifi/import-export-round-trip", test_wifi_round_trip);
  g_test_add_func ("/cli/wifi/import-refuses-bad-text", test_wifi_import_refuses_bad_text);
  g_test_add_func ("/cli/credentials/access-code-times-as-the-docs-write-them",
                   test_access_code_times_as_the_docs_write_them);
  g_test_add_func ("/cli/keyring/unavailable-exits-4", test_keyring_unavailable_exits_4);
  g_test_add_func ("/cli/keyring/unusable-bus-address-says-no-session",
                   test_unusable_bus_address);

  return g_test_run ();
}
