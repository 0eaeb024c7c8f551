/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-test-util.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

/* Processes this test started (relays, session daemons, background
 * commands). A failed assertion aborts the test before any cleanup code
 * runs, so a signal handler stops them, by pid, on the way out. */
#define MAX_TRACKED 64
static volatile pid_t tracked[MAX_TRACKED];

static void
stop_tracked_and_raise (int signal_number)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked[i] > 0)
      kill (tracked[i], SIGTERM);
  signal (signal_number, SIG_DFL);
  raise (signal_number);
}

static void
track (pid_t pid)
{
  static gboolean handlers_set = FALSE;

  if (!handlers_set)
    {
      signal (SIGABRT, stop_tracked_and_raise);
      signal (SIGTERM, stop_tracked_and_raise);
      signal (SIGINT, stop_tracked_and_raise);
      handlers_set = TRUE;
    }
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked[i] == 0)
      {
        tracked[i] = pid;
        return;
      }
  g_error ("More than %d processes to track", MAX_TRACKED);
}

static void
untrack (pid_t pid)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked[i] == pid)
      tracked[i] = 0;
}

static pid_t
subprocess_pid (GSubprocess *process)
{
  const char *identifier = g_subprocess_get_identifier (process);

  return identifier != NULL ? (pid_t) atoi (identifier) : 0;
}

void
cli_run_free (CliRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

static GSubprocessLauncher *
new_launcher (const char * const *environment)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    {
      const char *equals = strchr (environment[i], '=');

      if (equals == NULL)
        g_subprocess_launcher_unsetenv (launcher, environment[i]);
      else
        {
          g_autofree char *name = g_strndup (environment[i], equals - environment[i]);

          g_subprocess_launcher_setenv (launcher, name, equals + 1, TRUE);
        }
    }
  return launcher;
}

static CliRun *
run_with_launcher (GSubprocessLauncher *launcher,
                   const char          *input,
                   const char * const  *args)
{
  const char *program = g_getenv ("TIGRESS_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  CliRun *run = g_new0 (CliRun, 1);

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL,
                                 &run->out, &run->err, &error);
  g_assert_no_error (error);

  if (g_subprocess_get_if_exited (process))
    run->status = g_subprocess_get_exit_status (process);
  else
    run->status = 128 + g_subprocess_get_term_sig (process);
  return run;
}

CliRun *
cli_test_run_full (const char         *input,
                   const char * const *environment,
                   const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (environment);

  return run_with_launcher (launcher, input, args);
}

static GPtrArray *
collect_args (const char *first_arg,
              va_list     rest)
{
  GPtrArray *args = g_ptr_array_new ();

  for (const char *arg = first_arg; arg != NULL; arg = va_arg (rest, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);
  return args;
}

CliRun *
cli_test_run (const char *input,
              const char *first_arg,
              ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list rest;

  va_start (rest, first_arg);
  args = collect_args (first_arg, rest);
  va_end (rest);
  return cli_test_run_full (input, NULL, (const char * const *) args->pdata);
}

CliRun *
cli_test_run_with_passcode (const char *passcode,
                            const char *input,
                            const char *first_arg,
                            ...)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (NULL);
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GPtrArray) with_fd = g_ptr_array_new ();
  g_autofree char *line = g_strdup_printf ("%s\n", passcode);
  va_list rest;
  int fds[2];

  /* A pipe is enough: the passcode is far smaller than its buffer. */
  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpint (write (fds[1], line, strlen (line)), ==, (ssize_t) strlen (line));
  close (fds[1]);
  g_subprocess_launcher_take_fd (launcher, fds[0], 3);

  va_start (rest, first_arg);
  args = collect_args (first_arg, rest);
  va_end (rest);
  g_ptr_array_add (with_fd, (gpointer) "--passcode-fd=3");
  for (guint i = 0; args->pdata[i] != NULL; i++)
    g_ptr_array_add (with_fd, args->pdata[i]);
  g_ptr_array_add (with_fd, NULL);

  return run_with_launcher (launcher, input, (const char * const *) with_fd->pdata);
}

JsonNode *
cli_test_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_test_message ("not JSON: %s", text);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

void
cli_test_assert_absent (const char *haystack,
                        const char *needle)
{
  /* No g_assert_cmpstr: its message would print the secret. */
  if (strstr (haystack, needle) != NULL)
    g_error ("A secret showed up in output where it must not.");
}

void
cli_test_ensure_passcode (void)
{
  g_autoptr(CliRun) status = cli_test_run (NULL, "--json", "status", NULL);
  g_autoptr(JsonNode) root = NULL;
  const char *state;

  cli_test_assert_status (status, 0);
  root = cli_test_parse_json (status->out);
  state = json_object_get_string_member (json_node_get_object (root), "state");
  if (g_str_equal (state, "no-passcode"))
    {
      g_autoptr(CliRun) set = cli_test_run (CLI_TEST_PASSCODE "\n", "passcode", "set", NULL);

      cli_test_assert_status (set, 0);
    }
}

/* Reads the relay's standard output until it says where it listens and
 * that it is ready. */
static char *
read_relay_url (GSubprocess *process)
{
  g_autoptr(GDataInputStream) lines =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_autofree char *url = NULL;
  const char *listening = "tigress-relay: listening on ";

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, NULL);

      if (line == NULL)
        return NULL;
      if (g_str_has_prefix (line, listening) && url == NULL)
        url = g_strdup (line + strlen (listening));
      if (g_str_equal (line, "tigress-relay: ready"))
        return g_steal_pointer (&url);
    }
}

static void
launch_relay (CliTestRelay *relay)
{
  const char *program = g_getenv ("TIGRESS_RELAY");
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", relay->port);
  g_autofree char *storage = g_strdup_printf ("sqlite:%s", relay->database);
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  g_assert_nonnull (program);
  g_strv_builder_add_many (argv, program, "--listen", listen, "--storage", storage,
                           "--no-rate-limits", "--threads", "1", NULL);
  if (relay->options != NULL)
    g_strv_builder_addv (argv, (const char **) relay->options);
  args = g_strv_builder_end (argv);
  relay->process = g_subprocess_newv ((const char * const *) args,
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                      | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  track (subprocess_pid (relay->process));

  g_free (relay->url);
  relay->url = read_relay_url (relay->process);
  g_assert_nonnull (relay->url);
  relay->port = (guint16) atoi (strrchr (relay->url, ':') + 1);
}

CliTestRelay *
cli_test_relay_start_with (const char * const *options)
{
  const char *scratch = g_getenv ("TW_TEST_SCRATCH");
  g_autofree char *folder = g_build_filename (scratch != NULL ? scratch : g_get_tmp_dir (),
                                              "relay-XXXXXX", NULL);
  CliTestRelay *relay = g_new0 (CliTestRelay, 1);

  g_assert_nonnull (g_mkdtemp (folder));
  relay->database = g_build_filename (folder, "relay.db", NULL);
  relay->options = g_strdupv ((char **) options);
  launch_relay (relay);
  return relay;
}

CliTestRelay *
cli_test_relay_start (const char *database,
                      guint16     port)
{
  CliTestRelay *relay = g_new0 (CliTestRelay, 1);

  relay->port = port;
  if (database != NULL)
    relay->database = g_strdup (database);
  else
    {
      const char *scratch = g_getenv ("TW_TEST_SCRATCH");
      g_autofree char *folder = g_build_filename (scratch != NULL ? scratch : g_get_tmp_dir (),
                                                  "relay-XXXXXX", NULL);

      g_assert_nonnull (g_mkdtemp (folder));
      relay->database = g_build_filename (folder, "relay.db", NULL);
    }
  launch_relay (relay);
  return relay;
}

void
cli_test_relay_stop (CliTestRelay *relay)
{
  g_autoptr(GError) error = NULL;

  if (relay->process == NULL)
    return;
  untrack (subprocess_pid (relay->process));
  g_subprocess_send_signal (relay->process, SIGTERM);
  g_subprocess_wait (relay->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&relay->process);
}

void
cli_test_relay_restart (CliTestRelay *relay)
{
  cli_test_relay_stop (relay);
  launch_relay (relay);
}

void
cli_test_relay_free (CliTestRelay *relay)
{
  cli_test_relay_stop (relay);
  g_strfreev (relay->options);
  g_free (relay->url);
  g_free (relay->database);
  g_free (relay);
}

/* Wallets ------------------------------------------------------------------ */

static char *
scratch_path (const char *name)
{
  const char *scratch = g_getenv ("TW_TEST_SCRATCH");

  return g_build_filename (scratch != NULL ? scratch : g_get_tmp_dir (), name, NULL);
}

CliTestWallet *
cli_test_wallet_own (const char *passcode)
{
  CliTestWallet *wallet = g_new0 (CliTestWallet, 1);

  wallet->name = g_strdup ("own");
  wallet->passcode = g_strdup (passcode);
  return wallet;
}

/* Tracks (or stops tracking) the bus and keyring daemon of a session. */
static void
track_session (const char *dir,
               gboolean    tracking)
{
  const char *files[] = { "bus-pid", "keyring-pid" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_autofree char *text = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      if (tracking)
        track ((pid_t) atoi (text));
      else
        untrack ((pid_t) atoi (text));
    }
}

static void
run_session_script (const char *verb,
                    const char *dir)
{
  g_autofree char *script = g_build_filename (g_getenv ("TW_TEST_SRCDIR"), "cli",
                                              "wallet-session", NULL);
  const char *argv[] = { script, verb, dir, NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

CliTestWallet *
cli_test_wallet_start (const char *name,
                       const char *passcode)
{
  CliTestWallet *wallet = g_new0 (CliTestWallet, 1);
  g_autofree char *folder = g_strdup_printf ("wallet-%s-XXXXXX", name);
  g_autofree char *template = scratch_path (folder);

  wallet->name = g_strdup (name);
  wallet->passcode = g_strdup (passcode);
  wallet->session_dir = g_strdup (g_mkdtemp (template));
  g_assert_nonnull (wallet->session_dir);
  run_session_script ("start", wallet->session_dir);
  track_session (wallet->session_dir, TRUE);
  return wallet;
}

void
cli_test_wallet_free (CliTestWallet *wallet)
{
  if (wallet->session_dir != NULL)
    {
      track_session (wallet->session_dir, FALSE);
      run_session_script ("stop", wallet->session_dir);
    }
  g_free (wallet->name);
  g_free (wallet->session_dir);
  g_free (wallet->passcode);
  g_free (wallet);
}

static GSubprocess *
spawn_in_wallet (CliTestWallet *wallet,
                 const char    *input,
                 GPtrArray     *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *input_path = NULL;
  g_autofree char *line = g_strdup_printf ("%s\n", wallet->passcode);
  g_autoptr(GError) error = NULL;
  int input_fd = g_file_open_tmp ("tigress-input-XXXXXX", &input_path, &error);
  int fds[2];
  GSubprocess *process;

  g_assert_no_error (error);
  if (input != NULL)
    g_assert_cmpint (write (input_fd, input, strlen (input)), ==, (ssize_t) strlen (input));
  close (input_fd);
  g_subprocess_launcher_set_stdin_file_path (launcher, input_path);

  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpint (write (fds[1], line, strlen (line)), ==, (ssize_t) strlen (line));
  close (fds[1]);
  g_subprocess_launcher_take_fd (launcher, fds[0], 3);

  if (wallet->session_dir != NULL)
    {
      g_ptr_array_add (argv, g_build_filename (g_getenv ("TW_TEST_SRCDIR"), "cli",
                                               "wallet-session", NULL));
      g_ptr_array_add (argv, g_strdup ("run"));
      g_ptr_array_add (argv, g_strdup (wallet->session_dir));
    }
  g_ptr_array_add (argv, g_strdup (g_getenv ("TIGRESS_CLI")));
  g_ptr_array_add (argv, g_strdup ("--passcode-fd=3"));
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_strdup (args->pdata[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_unlink (input_path);
  track (subprocess_pid (process));
  return process;
}

static GPtrArray *
collect_list (const char *first_arg,
              va_list     rest)
{
  GPtrArray *args = g_ptr_array_new ();

  for (const char *arg = first_arg; arg != NULL; arg = va_arg (rest, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  return args;
}

GSubprocess *
cli_test_wallet_spawnv (CliTestWallet *wallet,
                        const char    *input,
                        GPtrArray     *args)
{
  return spawn_in_wallet (wallet, input, args);
}

CliRun *
cli_test_wallet_finish (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;
  CliRun *run = g_new0 (CliRun, 1);
  pid_t pid = subprocess_pid (process);

  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  untrack (pid);
  g_assert_no_error (error);
  if (g_subprocess_get_if_exited (process))
    run->status = g_subprocess_get_exit_status (process);
  else
    run->status = 128 + g_subprocess_get_term_sig (process);
  g_object_unref (process);
  return run;
}

CliRun *
cli_test_wallet_interrupt (GSubprocess *process)
{
  g_subprocess_send_signal (process, SIGINT);
  return cli_test_wallet_finish (process);
}

GSubprocess *
cli_test_wallet_spawn (CliTestWallet *wallet,
                       const char    *input,
                       const char    *first_arg,
                       ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list rest;

  va_start (rest, first_arg);
  args = collect_list (first_arg, rest);
  va_end (rest);
  return spawn_in_wallet (wallet, input, args);
}

CliRun *
cli_test_wallet_run (CliTestWallet *wallet,
                     const char    *input,
                     const char    *first_arg,
                     ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list rest;

  va_start (rest, first_arg);
  args = collect_list (first_arg, rest);
  va_end (rest);
  return cli_test_wallet_finish (spawn_in_wallet (wallet, input, args));
}

JsonNode *
cli_test_wallet_json (CliTestWallet *wallet,
                      const char    *input,
                      const char    *first_arg,
                      ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(CliRun) run = NULL;
  va_list rest;

  va_start (rest, first_arg);
  args = collect_list (first_arg, rest);
  va_end (rest);
  g_ptr_array_insert (args, 0, (gpointer) "--json");
  run = cli_test_wallet_finish (spawn_in_wallet (wallet, input, args));
  cli_test_assert_status (run, 0);
  return cli_test_parse_json (run->out);
}

void
cli_test_wallet_setup (CliTestWallet *wallet,
                       const char    *relay_url)
{
  g_autoptr(CliRun) set = cli_test_wallet_run (wallet, NULL, "passcode", "set", NULL);
  g_autoptr(CliRun) relay = cli_test_wallet_run (wallet, NULL, "relays", "add", relay_url,
                                                 "--default", NULL);

  cli_test_assert_status (set, 0);
  cli_test_assert_status (relay, 0);
}

/* QR codes ------------------------------------------------------------------ */

static gboolean
is_drawing_line (const char *line)
{
  gboolean has_block = FALSE;

  if (*line == '\0' || !g_utf8_validate (line, -1, NULL))
    return FALSE;
  for (const char *p = line; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x2580 || c == 0x2584 || c == 0x2588)
        has_block = TRUE;
      else if (c != ' ')
        return FALSE;
    }
  return has_block;
}

/* The module rows of the drawing: two per text line, TRUE for dark. */
static GPtrArray *
read_modules (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      GArray *upper;
      GArray *lower;

      if (!is_drawing_line (lines[i]))
        continue;
      upper = g_array_new (FALSE, FALSE, sizeof (gboolean));
      lower = g_array_new (FALSE, FALSE, sizeof (gboolean));
      for (const char *p = lines[i]; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);
          gboolean up = c == 0x2588 || c == 0x2580;
          gboolean down = c == 0x2588 || c == 0x2584;

          g_array_append_val (upper, up);
          g_array_append_val (lower, down);
        }
      g_ptr_array_add (rows, upper);
      g_ptr_array_add (rows, lower);
    }
  return rows;
}

/* A PBM image of @rows with a light margin, @scale pixels per module. */
static GString *
modules_to_pbm (GPtrArray *rows,
                guint      scale)
{
  const guint margin = 4;
  guint width = 0;
  GString *image = g_string_new (NULL);

  for (guint y = 0; y < rows->len; y++)
    width = MAX (width, ((GArray *) g_ptr_array_index (rows, y))->len);
  g_string_append_printf (image, "P1\n%u %u\n", (width + 2 * margin) * scale,
                          (rows->len + 2 * margin) * scale);
  for (guint y = 0; y < (rows->len + 2 * margin) * scale; y++)
    {
      for (guint x = 0; x < (width + 2 * margin) * scale; x++)
        {
          guint mx = x / scale;
          guint my = y / scale;
          GArray *row = my >= margin && my - margin < rows->len
                        ? g_ptr_array_index (rows, my - margin) : NULL;
          gboolean dark = row != NULL && mx >= margin && mx - margin < row->len
                          && g_array_index (row, gboolean, mx - margin);

          g_string_append (image, dark ? "1 " : "0 ");
        }
      g_string_append_c (image, '\n');
    }
  return image;
}

char *
cli_test_decode_qr_drawing (const char *text)
{
  g_autoptr(GPtrArray) rows = read_modules (text);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *decoded = NULL;
  GString *image;
  int fd;
  int status = -1;

  if (rows->len == 0)
    return NULL;
  image = modules_to_pbm (rows, 4);
  fd = g_file_open_tmp ("tigress-qr-XXXXXX.pbm", &path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (fd, image->str, image->len), ==, (ssize_t) image->len);
  close (fd);
  g_string_free (image, TRUE);

  {
    const char *argv[] = { "zbarimg", "--nodbus", "--raw", "-q", path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &decoded, NULL,
                  &status, &error);
  }
  g_assert_no_error (error);
  g_unlink (path);
  if (!g_spawn_check_wait_status (status, NULL) || decoded == NULL)
    return NULL;
  g_strchomp (decoded);
  return g_steal_pointer (&decoded);
}
