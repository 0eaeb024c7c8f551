/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-test-util.h"

#include <string.h>
#include <unistd.h>

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
