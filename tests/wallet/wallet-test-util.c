/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-test-util.h"

#include <signal.h>
#include <string.h>

#define SECRET_BUS_NAME "org.freedesktop.secrets"
#define TEST_KEYRING_PASSWORD "tigress-test-keyring"

void
wt_result_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

GAsyncResult *
wt_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static gboolean
on_sleep_done (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
wt_sleep (guint msec)
{
  gboolean done = FALSE;

  g_timeout_add (msec, on_sleep_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

TwSecret *
wt_secret (const char *text)
{
  return tw_secret_new_from_string (text);
}

gboolean
wt_bytes_contain (gconstpointer  haystack,
                  gsize          haystack_size,
                  const char    *needle)
{
  gsize needle_size = strlen (needle);
  const guint8 *bytes = haystack;

  for (gsize i = 0; needle_size > 0 && i + needle_size <= haystack_size; i++)
    {
      if (memcmp (bytes + i, needle, needle_size) == 0)
        return TRUE;
    }
  return FALSE;
}

GBytes *
wt_run_command (const char * const *argv,
                int                *exit_status)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) output = NULL;

  /* Our fatal-criticals setting is for our code, not for other tools. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  if (exit_status != NULL)
    *exit_status = g_subprocess_get_exit_status (process);
  return g_steal_pointer (&output);
}

struct _WtDaemon
{
  GTestDBus   *bus;
  GSubprocess *process;
};

WtDaemon *
wt_daemon_new_bus (void)
{
  WtDaemon *daemon = g_new0 (WtDaemon, 1);

  daemon->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (daemon->bus);
  return daemon;
}

static gboolean
name_has_owner (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", SECRET_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 2000,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

void
wt_daemon_start (WtDaemon   *daemon,
                 gboolean    unlock,
                 const char *data_home)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv_unlocked[] = { "gnome-keyring-daemon", "--foreground", "--unlock",
                                  "--components=secrets", NULL };
  const char *argv_plain[] = { "gnome-keyring-daemon", "--foreground",
                               "--components=secrets", NULL };
  GOutputStream *input;

  g_assert_null (daemon->process);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  if (data_home != NULL)
    g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  daemon->process = g_subprocess_launcher_spawnv (launcher,
                                                  unlock ? argv_unlocked : argv_plain, &error);
  g_assert_no_error (error);

  input = g_subprocess_get_stdin_pipe (daemon->process);
  if (unlock)
    g_output_stream_write_all (input, TEST_KEYRING_PASSWORD, strlen (TEST_KEYRING_PASSWORD),
                               NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (input, NULL, NULL);

  for (guint i = 0; i < 150 && !name_has_owner (); i++)
    g_usleep (100 * 1000);
  g_assert_true (name_has_owner ());
}

void
wt_daemon_signal (WtDaemon *daemon,
                  int       signal_number)
{
  g_assert_nonnull (daemon->process);
  g_subprocess_send_signal (daemon->process, signal_number);
}

void
wt_daemon_kill (WtDaemon *daemon)
{
  if (daemon->process == NULL)
    return;
  g_subprocess_send_signal (daemon->process, SIGCONT);
  g_subprocess_send_signal (daemon->process, SIGTERM);
  g_subprocess_wait (daemon->process, NULL, NULL);
  g_clear_object (&daemon->process);
  for (guint i = 0; i < 50 && name_has_owner (); i++)
    g_usleep (100 * 1000);
}

void
wt_daemon_free (WtDaemon *daemon)
{
  wt_daemon_kill (daemon);
  g_test_dbus_down (daemon->bus);
  g_object_unref (daemon->bus);
  g_free (daemon);
}
