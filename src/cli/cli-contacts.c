/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-contacts.h"

#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-output.h"
#include "cli-prompt.h"
#include "cli-wallet.h"
#include "tw-base64.h"

static gboolean
create_identity (CliContext      *context,
                 WalletContacts  *contacts,
                 GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_contacts_create_identity_async (contacts, context->cancellable,
                                         cli_command_async_done, &result);
  cli_command_wait (context, &result);
  return wallet_contacts_create_identity_finish (contacts, result, error);
}

gboolean
cli_contacts_fingerprint (CliContext  *context,
                          int          argc,
                          char       **argv,
                          GError     **error)
{
  gboolean create = FALSE;
  const GOptionEntry entries[] = {
    { "create", 0, 0, G_OPTION_ARG_NONE, &create,
      N_("Make this wallet's identity first if it has none"), NULL },
    G_OPTION_ENTRY_NULL
  };
  WalletContacts *contacts;
  g_autofree char *public_key = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 0, error))
    return FALSE;
  contacts = cli_wallet_get_contacts (context, error);
  if (contacts == NULL)
    return FALSE;
  if (!wallet_contacts_has_identity (contacts) && !create)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_NOT_FOUND,
                           _("This wallet has no identity yet. Make one with "
                             "“tigress contacts fingerprint --create”."));
      return FALSE;
    }
  if (!wallet_contacts_has_identity (contacts) && !create_identity (context, contacts, error))
    return FALSE;

  public_key = tw_base64_encode (wallet_contacts_get_identity_public_key (contacts),
                                 TW_ED25519_PUBLIC_SIZE);
  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "fingerprint", wallet_contacts_get_identity_fingerprint (contacts));
      cli_json_string (writer, "public_key", public_key);
      cli_json_end_object (writer);
      return TRUE;
    }
  cli_print_field (_("Fingerprint"), wallet_contacts_get_identity_fingerprint (contacts));
  cli_print_field (_("Public key"), public_key);
  printf ("\n%s\n", _("Send the public key to the people you share with; they pin it with "
                      "“tigress contacts pin NAME KEY”. Then compare the fingerprint with "
                      "them once, aloud or in person."));
  return TRUE;
}

static gboolean
decode_public_key (const char  *text,
                   guint8       public_key[TW_ED25519_PUBLIC_SIZE],
                   GError     **error)
{
  g_autoptr(GError) decode_error = NULL;

  if (tw_base64_decode_exact (text, -1, TW_BASE64_ANY, public_key, TW_ED25519_PUBLIC_SIZE,
                              &decode_error))
    return TRUE;

  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("That is not a public key. Copy the whole “Public key” line that "
                         "“tigress contacts fingerprint” shows on the other wallet."));
  return FALSE;
}

static void
report_contact (CliContext    *context,
                WalletContact *contact)
{
  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "id", wallet_contact_get_id (contact));
      cli_json_string (writer, "name", wallet_contact_get_name (contact));
      cli_json_string (writer, "fingerprint", wallet_contact_get_fingerprint (contact));
      cli_json_end_object (writer);
      return;
    }
  printf (_("Pinned %s (id %s). Shares signed with this key now show as "
            "“verified sender”.\n"), wallet_contact_get_name (contact),
          wallet_contact_get_id (contact));
}

gboolean
cli_contacts_pin (CliContext  *context,
                  int          argc,
                  char       **argv,
                  GError     **error)
{
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes,
      N_("The fingerprint was compared already: do not ask"), NULL },
    G_OPTION_ENTRY_NULL
  };
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  g_autofree char *fingerprint = NULL;
  g_autofree char *question = NULL;
  WalletContacts *contacts;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WalletContact) contact = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 2, 2, error))
    return FALSE;
  if (!decode_public_key (argv[2], public_key, error))
    return FALSE;
  contacts = cli_wallet_get_contacts (context, error);
  if (contacts == NULL)
    return FALSE;

  /* Shown even to scripts: comparing it is the whole point of pinning. */
  fingerprint = wallet_fingerprint_for_key (public_key);
  fprintf (stderr, _("Fingerprint of this key: %s\n"), fingerprint);
  question = g_strdup_printf (_("Does %s read out the same fingerprint to you?"), argv[1]);
  if (!yes && !cli_prompt_confirm (question, error))
    return FALSE;

  wallet_contacts_pin_async (contacts, argv[1], public_key, context->cancellable,
                             cli_command_async_done, &result);
  cli_command_wait (context, &result);
  contact = wallet_contacts_pin_finish (contacts, result, error);
  if (contact == NULL)
    return FALSE;

  report_contact (context, contact);
  return TRUE;
}

static void
write_contacts_json (GListModel *contacts)
{
  g_autoptr(CliJson) writer = cli_json_new (stdout);

  cli_json_begin_array (writer, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (contacts); i++)
    {
      g_autoptr(WalletContact) contact = g_list_model_get_item (contacts, i);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "id", wallet_contact_get_id (contact));
      cli_json_string (writer, "name", wallet_contact_get_name (contact));
      cli_json_string (writer, "fingerprint", wallet_contact_get_fingerprint (contact));
      cli_json_date_time (writer, "pinned", wallet_contact_get_pinned (contact));
      cli_json_end_object (writer);
    }
  cli_json_end_array (writer);
}

static void
print_contacts (GListModel *contacts)
{
  g_autoptr(CliTable) table = cli_table_new ();

  if (g_list_model_get_n_items (contacts) == 0)
    {
      printf ("%s\n", _("No pinned contacts. Pin one with “tigress contacts pin NAME KEY”."));
      return;
    }
  cli_table_add_row (table, _("ID"), _("NAME"), _("FINGERPRINT"), NULL);
  for (guint i = 0; i < g_list_model_get_n_items (contacts); i++)
    {
      g_autoptr(WalletContact) contact = g_list_model_get_item (contacts, i);

      cli_table_add_row (table, wallet_contact_get_id (contact),
                         wallet_contact_get_name (contact),
                         wallet_contact_get_fingerprint (contact), NULL);
    }
  cli_table_print (table, stdout);
}

gboolean
cli_contacts_list (CliContext  *context,
                   int          argc,
                   char       **argv,
                   GError     **error)
{
  WalletContacts *contacts;

  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 0, error))
    return FALSE;
  contacts = cli_wallet_get_contacts (context, error);
  if (contacts == NULL)
    return FALSE;

  if (context->json)
    write_contacts_json (G_LIST_MODEL (contacts));
  else
    print_contacts (G_LIST_MODEL (contacts));
  return TRUE;
}

/* A contact by id or exact name. Transfer full. */
static WalletContact *
find_contact (WalletContacts  *contacts,
              const char      *reference,
              GError         **error)
{
  GListModel *model = G_LIST_MODEL (contacts);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WalletContact) contact = g_list_model_get_item (model, i);

      if (g_str_equal (wallet_contact_get_id (contact), reference)
          || g_str_equal (wallet_contact_get_name (contact), reference))
        return g_steal_pointer (&contact);
    }
  g_set_error (error, CLI_ERROR, CLI_EXIT_NOT_FOUND,
               _("No pinned contact has the id or name “%s”. "
                 "“tigress contacts list” shows them."), reference);
  return NULL;
}

gboolean
cli_contacts_remove (CliContext  *context,
                     int          argc,
                     char       **argv,
                     GError     **error)
{
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("Do not ask for confirmation"), NULL },
    G_OPTION_ENTRY_NULL
  };
  WalletContacts *contacts;
  g_autoptr(WalletContact) contact = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *question = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  contacts = cli_wallet_get_contacts (context, error);
  if (contacts == NULL)
    return FALSE;
  contact = find_contact (contacts, argv[1], error);
  if (contact == NULL)
    return FALSE;

  question = g_strdup_printf (_("Unpin %s? Their shares will show as “sender not verified”."),
                              wallet_contact_get_name (contact));
  if (!yes && !cli_prompt_confirm (question, error))
    return FALSE;

  wallet_contacts_unpin_async (contacts, wallet_contact_get_id (contact), context->cancellable,
                               cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_contacts_unpin_finish (contacts, result, error))
    return FALSE;

  if (!context->json)
    printf (_("Unpinned %s.\n"), wallet_contact_get_name (contact));
  else
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "removed", wallet_contact_get_id (contact));
      cli_json_end_object (writer);
    }
  return TRUE;
}
