/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"

/*
 * `tigress keyring migrate`, run as the Flatpak app's command: inside
 * tests/wallet/flatpak-sandbox-run (a bubblewrap mount namespace with a
 * made-up /.flatpak-info), with the real xdg-desktop-portal and
 * gnome-keyring behind it. There the portal's keyring file is the default;
 * TIGRESS_KEYRING=service stands for the native app (or a Flatpak given
 * access to the Secret Service). The tests run in order on one wallet.
 */

#if KEYRING_TEST_GROUP == 1

#define NATIVE_SECRET  "native-plaintext-marker-71"
#define FLATPAK_SECRET "flatpak-plaintext-marker-29"

/* Runs tigress on the Secret Service, as the native app does. */
static void
use_service (gboolean service)
{
  if (service)
    g_setenv ("TIGRESS_KEYRING", "service", TRUE);
  else
    g_unsetenv ("TIGRESS_KEYRING");
}

static JsonObject *
object_of (JsonNode *root)
{
  return json_node_get_object (root);
}

static void
add_password (const char *title,
              const char *secret)
{
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", CLI_TEST_PASSCODE, secret);
  g_autoptr(CliRun) run = cli_test_run (input, "add", "password", "--title", title, NULL);

  cli_test_assert_status (run, 0);
}

static guint
count_credentials (void)
{
  g_autoptr(CliRun) run = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "--json",
                                                      "list", NULL);
  g_autoptr(JsonNode) root = NULL;

  cli_test_assert_status (run, 0);
  root = cli_test_parse_json (run->out);
  return json_array_get_length (json_node_get_array (root));
}

/* The secret of the credential titled @title, compared without printing
 * it. */
static gboolean
has_secret (const char *title,
            const char *secret)
{
  g_autoptr(CliRun) run = cli_test_run_with_passcode (CLI_TEST_PASSCODE, NULL, "show",
                                                      "--reveal", title, NULL);

  cli_test_assert_status (run, 0);
  return strstr (run->out, secret) != NULL;
}

/* Runs the migration; returns its --json answer. */
static JsonNode *
migrate (const char *from)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "--json", "keyring", "migrate", "--from", from,
                                        NULL);

  cli_test_assert_status (run, 0);
  cli_test_assert_absent (run->out, NATIVE_SECRET);
  cli_test_assert_absent (run->out, FLATPAK_SECRET);
  cli_test_assert_absent (run->err, NATIVE_SECRET);
  cli_test_assert_absent (run->err, FLATPAK_SECRET);
  return cli_test_parse_json (run->out);
}

/* The native wallet moves into the Flatpak: passcode and credential work
 * there, a second run copies nothing, the native keyring keeps all. */
static void
test_native_to_flatpak (void)
{
  g_autoptr(CliRun) empty = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) again = NULL;
  gint64 copied;

  use_service (TRUE);
  cli_test_ensure_passcode ();
  add_password ("Native router", NATIVE_SECRET);

  use_service (FALSE);
  empty = cli_test_run (NULL, "list", NULL);
  cli_test_assert_status (empty, 3);

  first = migrate ("service");
  copied = json_object_get_int_member (object_of (first), "copied");
  g_assert_cmpstr (json_object_get_string_member (object_of (first), "to"), ==, "portal");
  /* The data key and the credential at least. */
  g_assert_cmpint (copied, >=, 2);
  g_assert_cmpint (json_object_get_int_member (object_of (first), "already_there"), ==, 0);
  g_assert_cmpuint (count_credentials (), ==, 1);
  g_assert_true (has_secret ("Native router", NATIVE_SECRET));

  again = migrate ("service");
  g_assert_cmpint (json_object_get_int_member (object_of (again), "copied"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object_of (again), "already_there"), ==, copied);

  use_service (TRUE);
  g_assert_cmpuint (count_credentials (), ==, 1);
  use_service (FALSE);
}

/* And back: what was added in the Flatpak reaches the native keyring,
 * next to what it had. */
static void
test_flatpak_to_native (void)
{
  g_autoptr(JsonNode) back = NULL;

  use_service (FALSE);
  add_password ("Flatpak laptop", FLATPAK_SECRET);

  use_service (TRUE);
  back = migrate ("portal");
  g_assert_cmpstr (json_object_get_string_member (object_of (back), "to"), ==, "service");
  g_assert_cmpint (json_object_get_int_member (object_of (back), "copied"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (object_of (back), "kept"), ==, 0);
  g_assert_cmpuint (count_credentials (), ==, 2);
  g_assert_true (has_secret ("Flatpak laptop", FLATPAK_SECRET));
  g_assert_true (has_secret ("Native router", NATIVE_SECRET));
  use_service (FALSE);
}

/* A Flatpak that already holds a wallet of its own (another passcode,
 * another data key) gets nothing mixed into it. */
static void
test_other_wallet_is_refused (void)
{
  g_autofree char *data = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "other-wallet", NULL);
  g_autofree char *data_home = g_strconcat ("XDG_DATA_HOME=", data, NULL);
  const char *environment[] = { data_home, NULL };
  const char *set[] = { "passcode", "set", NULL };
  const char *run_migrate[] = { "keyring", "migrate", "--from", "service", NULL };
  const char *status[] = { "--json", "status", NULL };
  g_autoptr(CliRun) setup = NULL;
  g_autoptr(CliRun) refused = NULL;
  g_autoptr(CliRun) after = NULL;

  use_service (FALSE);
  setup = cli_test_run_full ("another passcode 5\n", environment, set);
  cli_test_assert_status (setup, 0);
  refused = cli_test_run_full (NULL, environment, run_migrate);
  cli_test_assert_status (refused, 1);
  g_assert_nonnull (strstr (refused->err, "nothing was copied"));
  after = cli_test_run_full (NULL, environment, status);
  cli_test_assert_status (after, 0);
  g_assert_nonnull (strstr (after->out, "locked"));
}

static void
test_wrong_source_is_a_usage_error (void)
{
  g_autoptr(CliRun) same = NULL;
  g_autoptr(CliRun) unknown = NULL;
  g_autoptr(CliRun) missing = NULL;

  use_service (FALSE);
  same = cli_test_run (NULL, "keyring", "migrate", "--from", "portal", NULL);
  cli_test_assert_status (same, 2);
  g_assert_nonnull (strstr (same->err, "already uses"));
  unknown = cli_test_run (NULL, "keyring", "migrate", "--from", "elsewhere", NULL);
  cli_test_assert_status (unknown, 2);
  missing = cli_test_run (NULL, "keyring", "migrate", NULL);
  cli_test_assert_status (missing, 2);
}

#else

/* Outside Flatpak the portal's keyring file cannot be opened: said at
 * once, with the command to run inside the Flatpak instead. */
static void
test_host_portal_source_says_where_to_run (void)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "keyring", "migrate", "--from", "portal", NULL);

  g_assert_false (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
  cli_test_assert_status (run, 2);
  g_assert_nonnull (strstr (run->err, "flatpak run --command=tigress"));
}

#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#if KEYRING_TEST_GROUP == 1
  g_test_add_func ("/cli/keyring/migrate/1-native-to-flatpak-once", test_native_to_flatpak);
  g_test_add_func ("/cli/keyring/migrate/2-flatpak-back-to-native", test_flatpak_to_native);
  g_test_add_func ("/cli/keyring/migrate/other-wallet-there-is-refused",
                   test_other_wallet_is_refused);
  g_test_add_func ("/cli/keyring/migrate/wrong-source-is-a-usage-error",
                   test_wrong_source_is_a_usage_error);
#else
  g_test_add_func ("/cli/keyring/migrate/host/portal-source-says-where-to-run",
                   test_host_portal_source_says_where_to_run);
#endif
  return g_test_run ();
}
