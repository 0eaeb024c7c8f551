/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Trusted relays through the real `tigress` binary, and `relays test`
 * against a real tigress-relay process.
 */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"

static JsonArray *
list_relays (JsonNode **root)
{
  g_autoptr(CliRun) run = cli_test_run (NULL, "--json", "relays", "list", NULL);

  cli_test_assert_status (run, 0);
  *root = cli_test_parse_json (run->out);
  return json_node_get_array (*root);
}

static void
test_add_default_remove (void)
{
  g_autoptr(CliRun) first = cli_test_run (NULL, "relays", "add", "RELAY.example.org", NULL);
  g_autoptr(CliRun) second = cli_test_run (NULL, "relays", "add", "http://127.0.0.1:9/",
                                           "--default", NULL);
  g_autoptr(CliRun) removed = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *relays;
  JsonObject *relay;

  cli_test_assert_status (first, 0);
  cli_test_assert_status (second, 0);
  /* Each says what it changed: --default moved the default too (QA H9). */
  g_assert_null (strstr (first->out, "New shares"));
  g_assert_nonnull (strstr (second->out, "New shares go through it"));
  relays = list_relays (&root);
  g_assert_cmpuint (json_array_get_length (relays), ==, 2);
  relay = json_array_get_object_element (relays, 0);
  /* Stored normalised: https added, lower case, no trailing slash. */
  g_assert_cmpstr (json_object_get_string_member (relay, "url"), ==,
                   "https://relay.example.org");
  g_assert_false (json_object_get_boolean_member (relay, "default"));
  relay = json_array_get_object_element (relays, 1);
  g_assert_cmpstr (json_object_get_string_member (relay, "url"), ==, "http://127.0.0.1:9");
  g_assert_true (json_object_get_boolean_member (relay, "default"));

  removed = cli_test_run (NULL, "relays", "remove", "http://127.0.0.1:9", NULL);
  cli_test_assert_status (removed, 0);
  g_clear_pointer (&root, json_node_unref);
  relays = list_relays (&root);
  g_assert_cmpuint (json_array_get_length (relays), ==, 1);
}

static void
test_refusals (void)
{
  g_autoptr(CliRun) plain_http = cli_test_run (NULL, "relays", "add",
                                               "http://relay.example.org", NULL);
  g_autoptr(CliRun) not_a_url = cli_test_run (NULL, "relays", "add", "ftp://x", NULL);
  g_autoptr(CliRun) unknown = cli_test_run (NULL, "relays", "remove",
                                            "https://never-added.example", NULL);
  g_autoptr(CliRun) untrusted_default = cli_test_run (NULL, "relays", "default",
                                                      "https://never-added.example", NULL);

  cli_test_assert_status (plain_http, 2);
  cli_test_assert_status (not_a_url, 2);
  cli_test_assert_status (unknown, 7);
  cli_test_assert_status (untrusted_default, 2);
}

static void
test_reaches_a_real_relay (void)
{
  g_autoptr(CliTestRelay) relay = cli_test_relay_start (NULL, 0);
  g_autoptr(CliRun) up = cli_test_run (NULL, "--json", "relays", "test", relay->url, NULL);
  g_autoptr(CliRun) down = NULL;
  g_autoptr(JsonNode) root = NULL;

  cli_test_assert_status (up, 0);
  root = cli_test_parse_json (up->out);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (root), "reachable"));

  cli_test_relay_stop (relay);
  down = cli_test_run (NULL, "relays", "test", relay->url, NULL);
  cli_test_assert_status (down, 5);
  g_assert_nonnull (strstr (down->err, "127.0.0.1"));
}

static void
test_without_any_relay (void)
{
  g_autoptr(CliRun) removed = cli_test_run (NULL, "relays", "remove",
                                            "https://relay.example.org", NULL);
  g_autoptr(CliRun) run = cli_test_run (NULL, "relays", "test", NULL);

  cli_test_assert_status (removed, 0);
  cli_test_assert_status (run, 2);
}

static void
assert_change_refused (const char * const *environment,
                       const char * const *args)
{
  g_autoptr(CliRun) run = cli_test_run_full (NULL, environment, args);

  cli_test_assert_status (run, 1);
  g_assert_nonnull (strstr (run->err, "Nothing was changed"));
  g_assert_nonnull (strstr (run->err, "GSETTINGS_BACKEND=keyfile"));
  g_assert_null (strstr (run->out, "Trusted"));
}

/* Settings kept only in memory (GIO's fallback), or by dconf with no
 * session bus to reach its service, are lost when tigress ends: a change
 * is refused and says why, instead of claiming it was done. */
static void
test_change_that_would_not_be_kept (void)
{
  const char *in_memory[] = { "GSETTINGS_BACKEND=memory", NULL };
  const char *dconf_without_bus[] = { "GSETTINGS_BACKEND=dconf", "DBUS_SESSION_BUS_ADDRESS",
                                      "DISPLAY", NULL };
  const char *add[] = { "relays", "add", "http://127.0.0.1:9", NULL };
  const char *remove[] = { "relays", "remove", "http://127.0.0.1:8", NULL };
  const char *make_default[] = { "relays", "default", "http://127.0.0.1:8", NULL };
  g_autoptr(CliRun) kept = cli_test_run (NULL, "relays", "add", "http://127.0.0.1:8", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *relays;

  cli_test_assert_status (kept, 0);
  assert_change_refused (in_memory, add);
  assert_change_refused (in_memory, remove);
  assert_change_refused (in_memory, make_default);
  assert_change_refused (dconf_without_bus, add);

  relays = list_relays (&root);
  g_assert_cmpuint (json_array_get_length (relays), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (relays, 0),
                                                  "url"), ==, "http://127.0.0.1:8");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/relays/add-default-remove", test_add_default_remove);
  g_test_add_func ("/cli/relays/bad-or-unknown-relays-are-refused", test_refusals);
  g_test_add_func ("/cli/relays/test-reaches-a-real-relay-and-notices-it-stopped",
                   test_reaches_a_real_relay);
  g_test_add_func ("/cli/relays/test-without-any-relay-is-a-usage-error",
                   test_without_any_relay);
  g_test_add_func ("/cli/relays/change-that-would-not-be-kept-is-refused",
                   test_change_that_would_not_be_kept);

  return g_test_run ();
}
