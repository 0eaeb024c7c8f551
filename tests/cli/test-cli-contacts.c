/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Identities and pinned contacts through `tigress contacts`, and what they
 * change: a share from a pinned contact says "verified sender", any other
 * says "sender not verified".
 */
#include "config.h"

#include <string.h>

#include "cli-share-test.h"

static ShareRig *rig;

static JsonNode *
fingerprint (CliTestWallet *wallet)
{
  return cli_test_wallet_json (wallet, NULL, "contacts", "fingerprint", "--create", NULL);
}

static const char *
member (JsonNode   *root,
        const char *name)
{
  return json_object_get_string_member (json_node_get_object (root), name);
}

/* A direct share from the sender, received; returns the recipient's JSON. */
static JsonNode *
share_and_receive (const char *title)
{
  g_autofree char *id = rig_add (rig->sender, "contact-secret", "password", "--title", title,
                                 NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, id, "--no-pin", NULL);
  g_autofree char *input = g_strdup_printf ("%s\n", sent->link);
  g_autoptr(CliRun) received = cli_test_wallet_run (rig->recipient, input, "--json", "receive",
                                                    "--yes", NULL);

  cli_test_assert_status (received, 0);
  return cli_test_parse_json (received->out);
}

static void
test_no_identity_until_asked (void)
{
  g_autoptr(CliRun) none = cli_test_wallet_run (rig->recipient, NULL, "contacts", "fingerprint",
                                                NULL);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) again = NULL;

  cli_test_assert_status (none, 7);
  g_assert_nonnull (strstr (none->err, "--create"));
  created = fingerprint (rig->recipient);
  again = fingerprint (rig->recipient);
  /* Eight groups of four digits, and the same identity the second time. */
  g_assert_cmpuint (strlen (member (created, "fingerprint")), ==, 39);
  g_assert_cmpstr (member (created, "fingerprint"), ==, member (again, "fingerprint"));
}

static void
test_pin_checks_the_key (void)
{
  g_autoptr(JsonNode) own = fingerprint (rig->recipient);
  g_autoptr(CliRun) not_a_key = cli_test_wallet_run (rig->recipient, NULL, "contacts", "pin",
                                                     "Mallory", "not-base64!", "--yes", NULL);
  g_autoptr(CliRun) self = cli_test_wallet_run (rig->recipient, NULL, "contacts", "pin", "Me",
                                                member (own, "public_key"), "--yes", NULL);

  cli_test_assert_status (not_a_key, 2);
  g_assert_cmpint (self->status, !=, 0);
}

static void
test_unpinned_sender_is_not_verified (void)
{
  g_autoptr(JsonNode) sender_identity = fingerprint (rig->sender);
  g_autoptr(JsonNode) received = share_and_receive ("Before pinning");

  g_assert_nonnull (sender_identity);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (received),
                                                  "sender_verified"));
}

static void
test_pinned_sender_is_verified (void)
{
  g_autoptr(JsonNode) sender_identity = fingerprint (rig->sender);
  g_autofree char *declined_input = g_strdup ("n\n");
  g_autoptr(CliRun) declined = NULL;
  g_autoptr(CliRun) pinned = NULL;
  g_autoptr(JsonNode) contacts = NULL;
  g_autoptr(JsonNode) received = NULL;
  JsonObject *contact;

  /* The person is shown the fingerprint and must confirm it matches. */
  declined = cli_test_wallet_run (rig->recipient, declined_input, "contacts", "pin", "Alice",
                                  member (sender_identity, "public_key"), NULL);
  cli_test_assert_status (declined, 8);
  g_assert_nonnull (strstr (declined->err, member (sender_identity, "fingerprint")));

  pinned = cli_test_wallet_run (rig->recipient, "y\n", "contacts", "pin", "Alice",
                                member (sender_identity, "public_key"), NULL);
  cli_test_assert_status (pinned, 0);
  contacts = cli_test_wallet_json (rig->recipient, NULL, "contacts", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), ==, 1);
  contact = json_array_get_object_element (json_node_get_array (contacts), 0);
  g_assert_cmpstr (json_object_get_string_member (contact, "fingerprint"), ==,
                   member (sender_identity, "fingerprint"));

  received = share_and_receive ("After pinning");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (received),
                                                 "sender_verified"));
  g_assert_cmpstr (member (received, "sender_name"), ==, "Alice");
}

static void
test_unpinning (void)
{
  g_autoptr(CliRun) removed = cli_test_wallet_run (rig->recipient, NULL, "contacts", "remove",
                                                   "Alice", "--yes", NULL);
  g_autoptr(CliRun) again = cli_test_wallet_run (rig->recipient, NULL, "contacts", "remove",
                                                 "Alice", "--yes", NULL);
  g_autoptr(JsonNode) contacts = NULL;
  g_autoptr(JsonNode) received = NULL;

  cli_test_assert_status (removed, 0);
  cli_test_assert_status (again, 7);
  contacts = cli_test_wallet_json (rig->recipient, NULL, "contacts", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), ==, 0);
  received = share_and_receive ("After unpinning");
  g_assert_false (json_object_get_boolean_member (json_node_get_object (received),
                                                  "sender_verified"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rig = share_rig_new ();

  g_test_add_func ("/cli/contacts/no-identity-until-asked", test_no_identity_until_asked);
  g_test_add_func ("/cli/contacts/pin-checks-the-key", test_pin_checks_the_key);
  g_test_add_func ("/cli/contacts/unpinned-sender-is-not-verified",
                   test_unpinned_sender_is_not_verified);
  g_test_add_func ("/cli/contacts/pinned-sender-is-verified", test_pinned_sender_is_verified);
  g_test_add_func ("/cli/contacts/unpinned-again-is-not-verified", test_unpinning);

  status = g_test_run ();
  share_rig_free (rig);
  return status;
}
