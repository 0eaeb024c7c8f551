/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-relays.h"

#include <libsoup/soup.h>
#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-output.h"
#include "cli-wallet.h"
#include "tw-relay-client.h"

#define RELAY_TEST_TIMEOUT_SECONDS 10

static void
write_relays_json (GStrv        trusted,
                   const char  *default_relay)
{
  g_autoptr(CliJson) writer = cli_json_new (stdout);

  cli_json_begin_array (writer, NULL);
  for (guint i = 0; trusted[i] != NULL; i++)
    {
      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "url", trusted[i]);
      cli_json_boolean (writer, "default", g_strcmp0 (trusted[i], default_relay) == 0);
      cli_json_end_object (writer);
    }
  cli_json_end_array (writer);
}

static void
print_relays (GStrv        trusted,
              const char  *default_relay)
{
  if (trusted[0] == NULL)
    {
      printf ("%s\n", _("No trusted relays. Add the relay you share through with "
                        "“tigress relays add URL”."));
      return;
    }
  for (guint i = 0; trusted[i] != NULL; i++)
    printf ("%s%s\n", trusted[i],
            g_strcmp0 (trusted[i], default_relay) == 0 ? _("  (default)") : "");
}

gboolean
cli_relays_list (CliContext  *context,
                 int          argc,
                 char       **argv,
                 GError     **error)
{
  WalletRelays *relays;
  g_auto(GStrv) trusted = NULL;
  g_autofree char *default_relay = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 0, error))
    return FALSE;
  relays = cli_wallet_get_relays (context);
  trusted = wallet_relays_get_trusted (relays);
  default_relay = wallet_relays_get_default (relays);

  if (context->json)
    write_relays_json (trusted, default_relay);
  else
    print_relays (trusted, default_relay);
  return TRUE;
}

static void
report_relay (CliContext *context,
              const char *url,
              const char *message)
{
  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "url", url);
      cli_json_end_object (writer);
    }
  else
    printf ("%s\n", message);
}

/* Refuses, before anything changes, a change that the settings would
 * forget when this process ends (QA: GSettings in memory, or dconf with no
 * session bus), instead of saying it was done. */
static gboolean
check_settings_kept (CliContext  *context,
                     GError     **error)
{
  if (wallet_settings_are_kept (cli_wallet_get_settings (context)))
    return TRUE;
  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_FAILURE,
                       _("Nothing was changed: settings cannot be saved here (there is no "
                         "desktop session with dconf), so the change would be lost when "
                         "tigress ends. Run the command inside your desktop session, or set "
                         "GSETTINGS_BACKEND=keyfile to keep settings in a file."));
  return FALSE;
}

gboolean
cli_relays_add (CliContext  *context,
                int          argc,
                char       **argv,
                GError     **error)
{
  gboolean make_default = FALSE;
  const GOptionEntry entries[] = {
    { "default", 0, 0, G_OPTION_ARG_NONE, &make_default,
      N_("Also make it the relay for new shares"), NULL },
    G_OPTION_ENTRY_NULL
  };
  WalletRelays *relays;
  g_autofree char *url = NULL;
  g_autofree char *message = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  url = wallet_relay_normalise_url (argv[1], error);
  if (url == NULL || !check_settings_kept (context, error))
    return FALSE;
  relays = cli_wallet_get_relays (context);
  if (!wallet_relays_add (relays, url, error))
    return FALSE;
  if (make_default && !wallet_relays_set_default (relays, url, error))
    return FALSE;

  /* Both changes are told: a script reading only "Trusted" could not know
   * the default moved too (QA H9). */
  if (make_default)
    message = g_strdup_printf (_("Trusted %s. New shares go through it."), url);
  else
    message = g_strdup_printf (_("Trusted %s."), url);
  report_relay (context, url, message);
  return TRUE;
}

gboolean
cli_relays_remove (CliContext  *context,
                   int          argc,
                   char       **argv,
                   GError     **error)
{
  g_autofree char *url = NULL;
  g_autofree char *message = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 1, 1, error))
    return FALSE;
  url = wallet_relay_normalise_url (argv[1], error);
  if (url == NULL || !check_settings_kept (context, error) ||
      !wallet_relays_remove (cli_wallet_get_relays (context), url, error))
    return FALSE;

  message = g_strdup_printf (_("No longer trusted: %s. Links through it now come with "
                               "a warning."), url);
  report_relay (context, url, message);
  return TRUE;
}

gboolean
cli_relays_default (CliContext  *context,
                    int          argc,
                    char       **argv,
                    GError     **error)
{
  g_autofree char *url = NULL;
  g_autofree char *message = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 1, 1, error))
    return FALSE;
  url = wallet_relay_normalise_url (argv[1], error);
  if (url == NULL || !check_settings_kept (context, error) ||
      !wallet_relays_set_default (cli_wallet_get_relays (context), url, error))
    return FALSE;

  message = g_strdup_printf (_("New shares go through %s."), url);
  report_relay (context, url, message);
  return TRUE;
}

/* The relay to test: the argument, else the default relay. */
static char *
relay_to_test (CliContext  *context,
               int          argc,
               char       **argv,
               GError     **error)
{
  g_autofree char *url = NULL;

  if (argc == 2)
    return wallet_relay_normalise_url (argv[1], error);

  url = wallet_relays_get_default (cli_wallet_get_relays (context));
  if (url == NULL)
    g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                         _("There is no relay to test: name one, or add one with "
                           "“tigress relays add URL”."));
  return g_steal_pointer (&url);
}

static gboolean
check_health_answer (SoupMessage  *message,
                     const char   *url,
                     GError      **error)
{
  guint status = soup_message_get_status (message);

  if (status == SOUP_STATUS_OK)
    return TRUE;

  g_set_error (error, CLI_ERROR, CLI_EXIT_RELAY,
               _("%s answered its health check with HTTP %u: it is not a working relay "
                 "right now."), url, status);
  return FALSE;
}

/* GET /healthz, the relay's public health check. */
static gboolean
fetch_health (CliContext  *context,
              const char  *url,
              GError     **error)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options (
    "timeout", RELAY_TEST_TIMEOUT_SECONDS, "idle-timeout", RELAY_TEST_TIMEOUT_SECONDS,
    "user-agent", TW_RELAY_USER_AGENT, NULL);
  g_autofree char *health_url = g_strdup_printf ("%s/healthz", url);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, health_url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) network_error = NULL;

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, context->cancellable,
                                    cli_command_async_done, &result);
  cli_command_wait (context, &result);
  body = soup_session_send_and_read_finish (session, result, &network_error);
  if (body == NULL)
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_RELAY,
                   _("Could not reach %s: %s. Check the address and your connection."),
                   url, network_error->message);
      return FALSE;
    }
  return check_health_answer (message, url, error);
}

gboolean
cli_relays_test (CliContext  *context,
                 int          argc,
                 char       **argv,
                 GError     **error)
{
  g_autofree char *url = NULL;
  gint64 started;
  gint64 elapsed_ms;

  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 1, error))
    return FALSE;
  url = relay_to_test (context, argc, argv, error);
  if (url == NULL)
    return FALSE;

  started = g_get_monotonic_time ();
  if (!fetch_health (context, url, error))
    return FALSE;
  elapsed_ms = (g_get_monotonic_time () - started) / 1000;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "url", url);
      cli_json_boolean (writer, "reachable", TRUE);
      cli_json_int (writer, "milliseconds", elapsed_ms);
      cli_json_boolean (writer, "trusted",
                        wallet_relays_is_trusted (cli_wallet_get_relays (context), url));
      cli_json_end_object (writer);
    }
  else
    printf (_("%s is working (answered in %d ms).\n"), url, (int) elapsed_ms);
  return TRUE;
}
