/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-keyring.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "cli-exit.h"
#include "cli-output.h"
#include "wallet-keyring-migrate.h"

/* The names --from takes, also those --json writes. */
static const char *
backend_name (WalletKeyringBackend backend)
{
  return backend == WALLET_KEYRING_BACKEND_PORTAL ? "portal" : "service";
}

static const char *
backend_title (WalletKeyringBackend backend)
{
  return backend == WALLET_KEYRING_BACKEND_PORTAL
           ? _("the secret portal’s keyring file")
           : _("the Secret Service keyring");
}

static gboolean
parse_backend (const char            *name,
               WalletKeyringBackend  *backend,
               GError               **error)
{
  if (g_strcmp0 (name, "service") == 0)
    *backend = WALLET_KEYRING_BACKEND_SERVICE;
  else if (g_strcmp0 (name, "portal") == 0)
    *backend = WALLET_KEYRING_BACKEND_PORTAL;
  else
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("Say which keyring to copy from: --from service (the desktop "
                             "keyring, as outside Flatpak) or --from portal (the Flatpak "
                             "app’s keyring file)."));
      return FALSE;
    }
  return TRUE;
}

static const char *
flatpak_app_id (void)
{
  const char *app_id = g_getenv ("FLATPAK_ID");

  return app_id != NULL ? app_id : "io.github.tigress_wallet.Wallet";
}

/* libsecret opens the Flatpak's keyring file only inside the sandbox,
 * where the desktop keyring is out of reach unless the user allowed it.
 * Both are said before anything is copied, with what to do. */
static gboolean
check_source_reachable (CliContext            *context,
                        WalletKeyring         *source,
                        WalletKeyringBackend   from,
                        GError               **error)
{
  gboolean sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) failure = NULL;

  if (from == WALLET_KEYRING_BACKEND_PORTAL && !sandboxed)
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   _("The Flatpak’s keyring file opens only from inside the Flatpak. Run "
                     "“flatpak run --command=tigress --env=TIGRESS_KEYRING=service %s keyring "
                     "migrate --from portal” (it needs access to the desktop keyring: "
                     "“flatpak override --user --talk-name=org.freedesktop.secrets %s”)."),
                   flatpak_app_id (), flatpak_app_id ());
      return FALSE;
    }
  wallet_keyring_load_all_async (source, WALLET_ITEM_VAULT, context->cancellable,
                                 cli_command_async_done, &result);
  cli_command_wait (context, &result);
  items = wallet_keyring_load_all_finish (source, result, &failure);
  if (items != NULL)
    return TRUE;
  if (from == WALLET_KEYRING_BACKEND_SERVICE && sandboxed &&
      (g_error_matches (failure, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_PORTAL) ||
       g_error_matches (failure, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_SERVICE)))
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_KEYRING,
                   _("Inside Flatpak, Tigress Wallet reaches the desktop keyring only when "
                     "you allow it. Run “flatpak override --user "
                     "--talk-name=org.freedesktop.secrets %s”, run this command again, then "
                     "take the access back with “flatpak override --user "
                     "--no-talk-name=org.freedesktop.secrets %s”."),
                   flatpak_app_id (), flatpak_app_id ());
      return FALSE;
    }
  g_propagate_error (error, g_steal_pointer (&failure));
  return FALSE;
}

static void
print_counts (WalletKeyringBackend              from,
              WalletKeyringBackend              to,
              const WalletKeyringMigrateCounts *counts)
{
  printf (ngettext ("Copied %u item from %s into %s.\n", "Copied %u items from %s into %s.\n",
                    counts->copied),
          counts->copied, backend_title (from), backend_title (to));
  if (counts->already_there > 0)
    printf (ngettext ("%u item was there already and was left as it is.\n",
                      "%u items were there already and were left as they are.\n",
                      counts->already_there),
            counts->already_there);
  if (counts->kept > 0)
    printf (ngettext ("%u item differs from the one already there, which was kept.\n",
                      "%u items differ from those already there, which were kept.\n",
                      counts->kept),
            counts->kept);
  printf (_("Nothing was removed from %s. Once the wallet works here, you may remove its "
            "Tigress Wallet items there.\n"), backend_title (from));
}

static void
print_counts_json (WalletKeyringBackend              from,
                   WalletKeyringBackend              to,
                   const WalletKeyringMigrateCounts *counts)
{
  g_autoptr(CliJson) writer = cli_json_new (stdout);

  cli_json_begin_object (writer, NULL);
  cli_json_string (writer, "from", backend_name (from));
  cli_json_string (writer, "to", backend_name (to));
  cli_json_int (writer, "copied", counts->copied);
  cli_json_int (writer, "already_there", counts->already_there);
  cli_json_int (writer, "kept", counts->kept);
  cli_json_end_object (writer);
}

gboolean
cli_keyring_migrate (CliContext  *context,
                     int          argc,
                     char       **argv,
                     GError     **error)
{
  g_autofree char *from_name = NULL;
  const GOptionEntry entries[] = {
    { "from", 'f', 0, G_OPTION_ARG_STRING, &from_name,
      N_("The keyring to copy from: service or portal"), N_("KEYRING") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(WalletKeyring) target = NULL;
  g_autoptr(WalletKeyring) source = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  WalletKeyringMigrateCounts counts = { 0 };
  WalletKeyringBackend from;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 0, error))
    return FALSE;
  if (!parse_backend (from_name, &from, error))
    return FALSE;
  target = wallet_keyring_new ();
  if (wallet_keyring_get_backend (target) == from)
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   _("Tigress Wallet already uses %s here, so there is nothing to copy. "
                     "Name the other keyring with --from."), backend_title (from));
      return FALSE;
    }
  source = wallet_keyring_new_for_backend (from);
  if (!check_source_reachable (context, source, from, error))
    return FALSE;

  wallet_keyring_migrate_async (target, source, context->cancellable, cli_command_async_done,
                                &result);
  cli_command_wait (context, &result);
  if (!wallet_keyring_migrate_finish (target, result, &counts, error))
    return FALSE;

  if (context->json)
    print_counts_json (from, wallet_keyring_get_backend (target), &counts);
  else
    print_counts (from, wallet_keyring_get_backend (target), &counts);
  return TRUE;
}
