/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>

#include "relay-config.h"
#include "relay-handler.h"
#include "relay-notify.h"
#include "relay-server.h"
#include "relay-store.h"
#include "tw-crypto.h"

static gboolean
on_stop_signal (gpointer loop)
{
  g_message ("Stopping on request");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Test tools and the systemd unit wait for these lines on standard output. */
static void
announce (RelayServer *server)
{
  g_auto(GStrv) uris = relay_server_get_uris (server);
  g_autofree char *admin = relay_server_get_admin_uri (server);

  for (guint i = 0; uris[i] != NULL; i++)
    printf ("tigress-relay: listening on %s\n", uris[i]);
  if (admin != NULL)
    printf ("tigress-relay: admin on %s\n", admin);
  printf ("tigress-relay: ready\n");
  fflush (stdout);
}

static int
run (RelayConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RelayStore) store = NULL;
  g_autoptr(RelayHandler) handler = NULL;
  g_autoptr(RelayServer) server = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  store = relay_store_open (config->storage, &error);
  if (store != NULL)
    handler = relay_handler_new (config, store, &error);
  if (handler != NULL)
    server = relay_server_new (config, handler, &error);
  if (server == NULL || !relay_server_start (server, &error))
    {
      g_printerr ("tigress-relay: %s\n", error->message);
      return 1;
    }

  g_unix_signal_add (SIGTERM, on_stop_signal, loop);
  g_unix_signal_add (SIGINT, on_stop_signal, loop);
  announce (server);
  relay_notify_service_manager ("READY=1");
  g_main_loop_run (loop);

  relay_notify_service_manager ("STOPPING=1");
  relay_server_stop (server);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RelayConfig) config = NULL;

  setlocale (LC_ALL, "");
  /* Standard output carries only the announcement lines; every log line,
   * debug ones included, goes to standard error. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* The database and its journal hold claim hashes and ciphertexts: no one
   * else on the machine needs to read them. */
  umask (077);
  tw_crypto_init ();

  config = relay_config_load (&argc, &argv, NULL, &error);
  if (config == NULL)
    {
      if (g_error_matches (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_HELP))
        return 0;
      g_printerr ("tigress-relay: %s\n", error->message);
      return 2;
    }

  return run (config);
}
