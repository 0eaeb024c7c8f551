/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-share-test.h"

ShareRig *
share_rig_new (void)
{
  ShareRig *rig = g_new0 (ShareRig, 1);

  rig->relay = cli_test_relay_start (NULL, 0);
  rig->sender = cli_test_wallet_own ("sender passcode 1");
  rig->recipient = cli_test_wallet_start ("recipient", "recipient passcode 2");
  cli_test_wallet_setup (rig->sender, rig->relay->url);
  cli_test_wallet_setup (rig->recipient, rig->relay->url);
  return rig;
}

void
share_rig_free (ShareRig *rig)
{
  cli_test_wallet_free (rig->recipient);
  cli_test_wallet_free (rig->sender);
  cli_test_relay_free (rig->relay);
  g_free (rig);
}

void
sent_share_free (SentShare *sent)
{
  g_free (sent->id);
  g_free (sent->link);
  g_free (sent->code);
  g_free (sent->pin);
  g_free (sent);
}

static GPtrArray *
collect (const char *first_arg,
         va_list     rest)
{
  GPtrArray *args = g_ptr_array_new ();

  for (const char *arg = first_arg; arg != NULL; arg = va_arg (rest, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  return args;
}

static JsonNode *
run_json (CliTestWallet *wallet,
          const char    *input,
          GPtrArray     *args)
{
  g_autoptr(CliRun) run = NULL;

  g_ptr_array_insert (args, 0, (gpointer) "--json");
  run = cli_test_wallet_finish (cli_test_wallet_spawnv (wallet, input, args));
  cli_test_assert_status (run, 0);
  return cli_test_parse_json (run->out);
}

char *
rig_add (CliTestWallet *wallet,
         const char    *secret,
         const char    *first_arg,
         ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *input = secret != NULL ? g_strdup_printf ("%s\n", secret) : NULL;
  g_autoptr(JsonNode) root = NULL;
  va_list rest;

  va_start (rest, first_arg);
  args = collect (first_arg, rest);
  va_end (rest);
  g_ptr_array_insert (args, 0, (gpointer) "add");
  root = run_json (wallet, input, args);
  return g_strdup (json_object_get_string_member (json_node_get_object (root), "id"));
}

static char *
dup_member (JsonObject *object,
            const char *member)
{
  if (!json_object_has_member (object, member) || json_object_get_null_member (object, member))
    return NULL;
  return g_strdup (json_object_get_string_member (object, member));
}

SentShare *
rig_share (CliTestWallet *wallet,
           const char    *credential_id,
           const char    *first_arg,
           ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(JsonNode) root = NULL;
  SentShare *sent = g_new0 (SentShare, 1);
  JsonObject *object;
  va_list rest;

  va_start (rest, first_arg);
  args = collect (first_arg, rest);
  va_end (rest);
  g_ptr_array_insert (args, 0, (gpointer) "--no-qr");
  g_ptr_array_insert (args, 0, (gpointer) credential_id);
  g_ptr_array_insert (args, 0, (gpointer) "share");
  root = run_json (wallet, NULL, args);
  object = json_node_get_object (root);

  sent->id = dup_member (object, "id");
  sent->link = dup_member (object, "link");
  sent->code = dup_member (object, "code");
  sent->pin = dup_member (object, "pin");
  return sent;
}

static JsonArray *
list_shares (CliTestWallet  *wallet,
             JsonNode      **root)
{
  *root = cli_test_wallet_json (wallet, NULL, "shares", NULL);
  return json_node_get_array (*root);
}

char *
rig_share_field (CliTestWallet *wallet,
                 const char    *id,
                 const char    *field)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *shares = list_shares (wallet, &root);

  for (guint i = 0; i < json_array_get_length (shares); i++)
    {
      JsonObject *share = json_array_get_object_element (shares, i);

      if (g_str_equal (json_object_get_string_member (share, "id"), id))
        return dup_member (share, field);
    }
  return NULL;
}

char *
rig_share_state (CliTestWallet *wallet,
                 const char    *id)
{
  g_autofree char *error = rig_share_field (wallet, id, "error");

  /* Why a share is where it is, for the log of a failing test. */
  if (error != NULL)
    g_test_message ("share %s in the %s wallet: %s", id, wallet->name, error);
  return rig_share_field (wallet, id, "state");
}

/* NULL while the wallet holds no share yet. */
static char *
newest_share_state_or_null (CliTestWallet *wallet)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *shares = list_shares (wallet, &root);

  if (json_array_get_length (shares) == 0)
    return NULL;
  return g_strdup (json_object_get_string_member (json_array_get_object_element (shares, 0),
                                                  "state"));
}

char *
rig_newest_share_state (CliTestWallet *wallet)
{
  char *state = newest_share_state_or_null (wallet);

  g_assert_nonnull (state);
  return state;
}

char *
rig_credential_value (CliTestWallet *wallet,
                      const char    *id,
                      const char    *field)
{
  g_autoptr(JsonNode) root = cli_test_wallet_json (wallet, NULL, "show", "--reveal", id, NULL);
  JsonObject *credential = json_node_get_object (root);
  JsonObject *fields = json_object_get_object_member (credential, "fields");
  JsonObject *secrets = json_object_get_object_member (credential, "secrets");

  if (json_object_has_member (secrets, field))
    return g_strdup (json_object_get_string_member (secrets, field));
  if (json_object_has_member (fields, field))
    return g_strdup (json_object_get_string_member (fields, field));
  return NULL;
}

void
rig_wait_for_newest_state (CliTestWallet *wallet,
                           const char    *state,
                           guint          seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  g_autofree char *current = NULL;

  while (g_get_monotonic_time () < deadline)
    {
      g_free (current);
      /* A process just started may not have saved its share yet. */
      current = newest_share_state_or_null (wallet);
      if (g_strcmp0 (current, state) == 0)
        return;
      /* Each look unlocks the wallet (scrypt) and counts as a passcode
       * try, which the process under test sees: look rarely. */
      g_usleep (G_USEC_PER_SEC);
    }
  g_assert_cmpstr (current, ==, state);
}
