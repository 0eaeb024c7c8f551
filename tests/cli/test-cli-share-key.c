/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A digital key shared by its owner, then checked by `tigress key verify`
 * playing the lock: it opens while the key is valid, refuses it for
 * another lock, and refuses it once it has expired.
 */
#include "config.h"

#include <string.h>

#include "cli-share-test.h"

/* Long enough for a share on a busy machine, short enough to wait out. */
#define KEY_VALID_SECONDS 30
#define KEY_VALID_TEXT "30s"

static ShareRig *rig;

static CliRun *
receive_while_sender_runs (SentShare  *sent,
                           CliRun    **sender_run)
{
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", sent->link, sent->pin);
  GSubprocess *sender = cli_test_wallet_spawn (rig->sender, NULL, "run", "--timeout", "40",
                                               NULL);
  CliRun *received = cli_test_wallet_run (rig->recipient, input, "--json", "receive", "--yes",
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

static char *
owner_field (JsonObject *owner,
             const char *field)
{
  return g_strdup (json_object_get_string_member (json_object_get_object_member (owner, "fields"),
                                                  field));
}

static CliRun *
verify_key (const char *key_id,
            const char *owner_key,
            const char *resource_id)
{
  return cli_test_wallet_run (rig->recipient, NULL, "key", "verify", key_id, "--owner-key",
                              owner_key, "--resource-id", resource_id, NULL);
}

static void
test_digital_key_then_lock (void)
{
  g_autofree char *owner_id = rig_add (rig->sender, NULL, "digital-key-owner", "--title",
                                       "Front door", NULL);
  g_autoptr(JsonNode) owner = cli_test_wallet_json (rig->sender, NULL, "show", owner_id, NULL);
  g_autofree char *owner_key = owner_field (json_node_get_object (owner), "owner-public-key");
  g_autofree char *resource = owner_field (json_node_get_object (owner), "resource-id");
  g_autoptr(CliRun) without_pin = cli_test_wallet_run (rig->sender, NULL, "share", owner_id,
                                                       "--no-pin", NULL);
  g_autoptr(SentShare) sent = rig_share (rig->sender, owner_id, "--key-valid", KEY_VALID_TEXT,
                                         NULL);
  g_autoptr(CliRun) received = NULL;
  g_autoptr(CliRun) sender_run = NULL;
  g_autoptr(CliRun) opens = NULL;
  g_autoptr(CliRun) wrong_lock = NULL;
  g_autoptr(CliRun) expired = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *other_resource = g_strnfill (32, '0');
  gint64 issued = g_get_monotonic_time ();

  /* Digital keys always go with a PIN. */
  cli_test_assert_status (without_pin, 2);
  received = receive_while_sender_runs (sent, &sender_run);
  cli_test_assert_status (received, 0);
  key_id = received_credential_id (received);

  opens = verify_key (key_id, owner_key, resource);
  cli_test_assert_status (opens, 0);
  wrong_lock = verify_key (key_id, owner_key, other_resource);
  cli_test_assert_status (wrong_lock, 10);
  g_assert_nonnull (strstr (wrong_lock->err, "another lock"));

  /* Refused once its validity is over. */
  g_usleep (MAX (0, (KEY_VALID_SECONDS + 1) * G_USEC_PER_SEC
                  - (g_get_monotonic_time () - issued)));
  expired = verify_key (key_id, owner_key, resource);
  cli_test_assert_status (expired, 10);
  g_assert_nonnull (strstr (expired->err, "expired"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rig = share_rig_new ();

  g_test_add_func ("/cli/share/digital-key-opens-the-lock-until-it-expires",
                   test_digital_key_then_lock);

  status = g_test_run ();
  share_rig_free (rig);
  return status;
}
