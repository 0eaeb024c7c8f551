/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-credentials.h"
#include "cli-key.h"

#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-prompt.h"
#include "cli-wallet.h"
#include "wallet-store.h"

/* Secrets people type (passwords, codes) may be revealed on request; key
 * material (owner keys, private keys) is never printed. */
static gboolean
is_revealable (const WalletFieldInfo *field)
{
  return (field->flags & WALLET_FIELD_FLAG_SECRET) && field->kind == WALLET_FIELD_KIND_PASSWORD;
}

static gboolean
is_secret (const WalletFieldInfo *field)
{
  return (field->flags & WALLET_FIELD_FLAG_SECRET) != 0;
}

static void
write_plain_fields (CliJson          *writer,
                    WalletCredential *credential)
{
  guint n_fields = 0;
  const WalletFieldInfo *fields =
    wallet_credential_type_get_fields (wallet_credential_get_credential_type (credential),
                                       &n_fields);

  cli_json_begin_object (writer, "fields");
  for (guint i = 0; i < n_fields; i++)
    {
      const char *value = is_secret (&fields[i]) ? NULL
                          : wallet_credential_get_field (credential, fields[i].name);

      if (value != NULL)
        cli_json_string (writer, fields[i].name, value);
    }
  cli_json_end_object (writer);
}

/* Secret fields that are set: their values with @reveal (revealable ones
 * only), otherwise only their names under "hidden". */
static void
write_secret_fields (CliJson          *writer,
                     WalletCredential *credential,
                     gboolean          reveal)
{
  guint n_fields = 0;
  const WalletFieldInfo *fields =
    wallet_credential_type_get_fields (wallet_credential_get_credential_type (credential),
                                       &n_fields);

  cli_json_begin_object (writer, "secrets");
  for (guint i = 0; reveal && i < n_fields; i++)
    {
      TwSecret *value = is_revealable (&fields[i])
                        ? wallet_credential_get_secret (credential, fields[i].name) : NULL;

      if (value != NULL)
        cli_json_secret (writer, fields[i].name, value);
    }
  cli_json_end_object (writer);

  cli_json_begin_array (writer, "hidden");
  for (guint i = 0; i < n_fields; i++)
    if (is_secret (&fields[i]) && (!reveal || !is_revealable (&fields[i]))
        && wallet_credential_get_secret (credential, fields[i].name) != NULL)
      cli_json_string (writer, NULL, fields[i].name);
  cli_json_end_array (writer);
}

void
cli_credentials_write_json (CliJson          *writer,
                            WalletCredential *credential,
                            gboolean          reveal)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);

  cli_json_begin_object (writer, NULL);
  cli_json_string (writer, "id", wallet_credential_get_id (credential));
  cli_json_string (writer, "type", wallet_credential_type_to_string (type));
  cli_json_string (writer, "title", wallet_credential_get_title (credential));
  cli_json_string (writer, "format", wallet_credential_get_format (credential));
  cli_json_boolean (writer, "read_only", wallet_credential_is_read_only (credential));
  /* What `tigress share` takes: an owner identity never travels itself,
   * but sharing it makes a new digital key (QA F5). */
  cli_json_boolean (writer, "shareable", wallet_credential_is_shareable (credential) ||
                                         type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER);
  cli_json_string (writer, "share_id", wallet_credential_get_share_id (credential));
  cli_json_date_time (writer, "created", wallet_credential_get_created (credential));
  cli_json_date_time (writer, "modified", wallet_credential_get_modified (credential));
  write_plain_fields (writer, credential);
  write_secret_fields (writer, credential, reveal);
  cli_json_end_object (writer);
}

/* Dates in the one style of `show` (local time, like Created), rights by
 * name as --rights takes them (QA G9); other fields as stored. */
static char *
field_for_people (const WalletFieldInfo *field,
                  const char            *value)
{
  if (field->kind == WALLET_FIELD_KIND_DATETIME)
    {
      g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (value, NULL);

      if (parsed != NULL)
        return cli_format_date_time (parsed);
    }
  else if (g_str_equal (field->name, WALLET_FIELD_RIGHTS))
    {
      guint64 mask = 0;

      if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &mask, NULL))
        return cli_key_describe_rights ((guint32) mask);
    }
  return g_strdup (value);
}

static void
print_field (WalletCredential      *credential,
             const WalletFieldInfo *field,
             gboolean               reveal)
{
  TwSecret *secret;

  if (!is_secret (field))
    {
      const char *value = wallet_credential_get_field (credential, field->name);
      g_autofree char *shown = value != NULL ? field_for_people (field, value) : NULL;

      if (shown != NULL)
        cli_print_field (_(field->label), shown);
      return;
    }

  secret = wallet_credential_get_secret (credential, field->name);
  if (secret == NULL)
    return;
  if (reveal && is_revealable (field))
    cli_print_secret_field (_(field->label), secret);
  else if (is_revealable (field))
    cli_print_field (_(field->label), _("(hidden; add --reveal to show it)"));
  else
    cli_print_field (_(field->label), _("(kept on this device, never shown)"));
}

void
cli_credentials_print (WalletCredential *credential,
                       gboolean          reveal)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);
  g_autofree char *created = cli_format_date_time (wallet_credential_get_created (credential));
  g_autofree char *modified = cli_format_date_time (wallet_credential_get_modified (credential));
  guint n_fields = 0;
  const WalletFieldInfo *fields = wallet_credential_type_get_fields (type, &n_fields);

  cli_print_field (_("Title"), wallet_credential_get_title (credential));
  cli_print_field (_("Type"), wallet_credential_type_get_label (type));
  cli_print_field (_("ID"), wallet_credential_get_id (credential));
  if (wallet_credential_is_read_only (credential))
    cli_print_field (_("Format"), wallet_credential_get_format (credential));
  for (guint i = 0; i < n_fields; i++)
    print_field (credential, &fields[i], reveal);
  cli_print_field (_("Created"), created);
  cli_print_field (_("Modified"), modified);
  if (wallet_credential_is_read_only (credential))
    printf ("\n%s\n", _("This credential is in a format this wallet does not know. "
                        "It is kept unchanged and cannot be edited."));
}

/* tigress list ------------------------------------------------------------ */

static gboolean
parse_type_filter (const char            *name,
                   WalletCredentialType  *type,
                   GError               **error)
{
  if (wallet_credential_type_from_string (name, type))
    return TRUE;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("“%s” is not a credential type. The types are password, wifi, "
                 "access-code, digital-key-owner, digital-key and unknown."), name);
  return FALSE;
}

static void
print_list (GPtrArray *credentials)
{
  g_autoptr(CliTable) table = cli_table_new ();

  if (credentials->len == 0)
    {
      printf ("%s\n",
              _("No credentials. Add one with “tigress add” or “tigress wifi import”."));
      return;
    }

  cli_table_add_row (table, _("ID"), _("TYPE"), _("TITLE"), NULL);
  for (guint i = 0; i < credentials->len; i++)
    {
      WalletCredential *credential = credentials->pdata[i];
      WalletCredentialType type = wallet_credential_get_credential_type (credential);

      cli_table_add_row (table, wallet_credential_get_id (credential),
                         wallet_credential_type_to_string (type),
                         wallet_credential_get_title (credential), NULL);
    }
  cli_table_print (table, stdout);
}

static void
write_list_json (GPtrArray *credentials)
{
  g_autoptr(CliJson) writer = cli_json_new (stdout);

  cli_json_begin_array (writer, NULL);
  for (guint i = 0; i < credentials->len; i++)
    cli_credentials_write_json (writer, credentials->pdata[i], FALSE);
  cli_json_end_array (writer);
}

gboolean
cli_credentials_list (CliContext  *context,
                      int          argc,
                      char       **argv,
                      GError     **error)
{
  g_autofree char *type_name = NULL;
  WalletCredentialType type = WALLET_CREDENTIAL_PASSWORD;
  const GOptionEntry entries[] = {
    { "type", 't', 0, G_OPTION_ARG_STRING, &type_name,
      N_("List only credentials of this type"), N_("TYPE") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GPtrArray) credentials = g_ptr_array_new_with_free_func (g_object_unref);
  WalletStore *store;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 0, error))
    return FALSE;
  if (type_name != NULL && !parse_type_filter (type_name, &type, error))
    return FALSE;
  store = cli_wallet_get_store (context, error);
  if (store == NULL)
    return FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (type_name == NULL || wallet_credential_get_credential_type (credential) == type)
        g_ptr_array_add (credentials, g_steal_pointer (&credential));
    }

  if (context->json)
    write_list_json (credentials);
  else
    print_list (credentials);
  return TRUE;
}

/* tigress show ------------------------------------------------------------ */

gboolean
cli_credentials_show (CliContext  *context,
                      int          argc,
                      char       **argv,
                      GError     **error)
{
  gboolean reveal = FALSE;
  const GOptionEntry entries[] = {
    { "reveal", 'r', 0, G_OPTION_ARG_NONE, &reveal,
      N_("Also print the password or code (never key material)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  WalletCredential *credential;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  credential = cli_wallet_find_credential (context, argv[1], error);
  if (credential == NULL)
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_credentials_write_json (writer, credential, reveal);
    }
  else
    cli_credentials_print (credential, reveal);
  return TRUE;
}

/* tigress remove ---------------------------------------------------------- */

gboolean
cli_credentials_remove (CliContext  *context,
                        int          argc,
                        char       **argv,
                        GError     **error)
{
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("Do not ask for confirmation"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *question = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  credential = cli_wallet_find_credential (context, argv[1], error);
  if (credential == NULL)
    return FALSE;
  g_object_ref (credential);

  question = g_strdup_printf (_("Remove “%s” from the wallet for good?"),
                              wallet_credential_get_title (credential));
  if (!yes && !cli_prompt_confirm (question, error))
    return FALSE;

  wallet_store_delete_async (context->store, wallet_credential_get_id (credential),
                             context->cancellable, cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_store_delete_finish (context->store, result, error))
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "removed", wallet_credential_get_id (credential));
      cli_json_end_object (writer);
    }
  else
    printf (_("Removed “%s”.\n"), wallet_credential_get_title (credential));
  return TRUE;
}

/* tigress add ------------------------------------------------------------- */

gboolean
cli_credentials_save_new (CliContext       *context,
                          WalletCredential *credential,
                          GError          **error)
{
  WalletStore *store = cli_wallet_get_store (context, error);
  g_autoptr(GAsyncResult) result = NULL;

  if (store == NULL)
    return FALSE;

  wallet_store_save_async (store, credential, context->cancellable,
                           cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_store_save_finish (store, result, error))
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_credentials_write_json (writer, credential, FALSE);
    }
  else
    printf (_("Added “%s” (id %s).\n"), wallet_credential_get_title (credential),
            wallet_credential_get_id (credential));
  return TRUE;
}
