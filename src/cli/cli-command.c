/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-command.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <locale.h>
#include <signal.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "cli-error-map.h"
#include "cli-output.h"
#include "cli-commands.h"
#include "cli-wallet.h"
#include "tw-crypto.h"

static GOptionEntry *
global_entries (CliContext *context)
{
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &context->json,
      N_("Write results and errors as JSON, for scripts"), NULL },
    { "passcode-fd", 0, 0, G_OPTION_ARG_INT, &context->passcode_fd,
      N_("Read the wallet passcode from this open file descriptor, one line"), N_("FD") },
    G_OPTION_ENTRY_NULL
  };

  return g_memdup2 (entries, sizeof entries);
}

static gboolean
check_passcode_fd (CliContext  *context,
                   GError     **error)
{
  if (context->passcode_fd == -1 || fcntl (context->passcode_fd, F_GETFD) != -1)
    return TRUE;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("--passcode-fd %d is not an open file descriptor."), context->passcode_fd);
  return FALSE;
}

static gboolean
check_argument_count (CliContext  *context,
                      int          count,
                      int          min_args,
                      int          max_args,
                      GError     **error)
{
  const CliCommand *command = context->command;

  if (count >= min_args && (max_args < 0 || count <= max_args))
    return TRUE;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               count < min_args ? _("Missing argument. Usage: tigress %s %s")
                                : _("Too many arguments. Usage: tigress %s %s"),
               command->name, command->parameters);
  return FALSE;
}

/* GOption's own conversion error names no option ("Invalid byte sequence
 * in conversion input"): find the argument ourselves and name it. Only
 * in a UTF-8 locale, where every argument must be UTF-8 already. */
static gboolean
check_arguments_are_text (int      argc,
                          char   **argv,
                          GError **error)
{
  if (!g_get_charset (NULL))
    return TRUE;
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *shown = NULL;

      if (g_utf8_validate (argv[i], -1, NULL))
        continue;
      if (g_str_has_prefix (argv[i], "-") && strchr (argv[i], '=') != NULL)
        name = g_strndup (argv[i], strchr (argv[i], '=') - argv[i]);
      else if (i > 1 && g_str_has_prefix (argv[i - 1], "-"))
        name = g_strdup (argv[i - 1]);
      shown = g_utf8_make_valid (name != NULL ? name : argv[i], -1);
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   name != NULL ? _("The value of %s is not valid text (UTF-8): retype it "
                                    "and try again.")
                                : _("The argument “%s” is not valid text (UTF-8): retype "
                                    "it and try again."),
                   shown);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_command_parse (CliContext          *context,
                   const GOptionEntry  *entries,
                   int                 *argc,
                   char              ***argv,
                   int                  min_args,
                   int                  max_args,
                   GError             **error)
{
  const CliCommand *command = context->command;
  g_autoptr(GOptionContext) options = g_option_context_new (_(command->parameters));
  g_autofree GOptionEntry *globals = global_entries (context);
  g_autofree char *program_name = g_strdup_printf ("tigress %s", command->name);

  g_set_prgname (program_name);
  g_option_context_set_translation_domain (options, GETTEXT_PACKAGE);
  g_option_context_set_summary (options, _(command->summary));
  if (command->description != NULL)
    g_option_context_set_description (options, _(command->description));
  if (entries != NULL)
    g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (options, globals, GETTEXT_PACKAGE);

  if (!check_arguments_are_text (*argc, *argv, error) ||
      !g_option_context_parse (options, argc, argv, error))
    return FALSE;
  if (!check_passcode_fd (context, error))
    return FALSE;
  return check_argument_count (context, *argc - 1, min_args, max_args, error);
}

void
cli_command_async_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **result_out = user_data;

  *result_out = g_object_ref (result);
}

static gboolean
cancel_on_signal (gpointer user_data)
{
  CliContext *context = user_data;

  g_cancellable_cancel (context->cancellable);
  return G_SOURCE_CONTINUE;
}

/* After Ctrl+C, an operation that does not notice its cancellation within
 * this time is abandoned by ending the process. That is safe: every share
 * is saved before each step, exactly as after a crash. */
#define INTERRUPT_GRACE_SECONDS 3

static gboolean
wake_up (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static void
abandon_after_grace (CliContext *context)
{
  fflush (stdout);
  cli_print_error (context->json, CLI_EXIT_INTERRUPTED,
                   _("Stopped. Shares in progress are saved; “tigress run” goes on with "
                     "them."));
  _exit (CLI_EXIT_INTERRUPTED);
}

gboolean
cli_command_wait_until (CliContext *context,
                        gboolean  (*is_done) (gpointer data),
                        gpointer    data)
{
  /* The handlers exist only while waiting: GLib restores the default
   * action when they go, so Ctrl+C at a prompt still ends the program. */
  guint interrupt_source = g_unix_signal_add (SIGINT, cancel_on_signal, context);
  guint terminate_source = g_unix_signal_add (SIGTERM, cancel_on_signal, context);
  gboolean grace_over = FALSE;
  guint grace_source = 0;

  while (!is_done (data))
    {
      if (g_cancellable_is_cancelled (context->cancellable) && grace_source == 0)
        grace_source = g_timeout_add_seconds (INTERRUPT_GRACE_SECONDS, wake_up, &grace_over);
      if (grace_over)
        abandon_after_grace (context);
      g_main_context_iteration (NULL, TRUE);
    }

  if (grace_source != 0 && !grace_over)
    g_source_remove (grace_source);
  g_source_remove (interrupt_source);
  g_source_remove (terminate_source);
  return TRUE;
}

static gboolean
has_result (gpointer data)
{
  GAsyncResult **result = data;

  return *result != NULL;
}

void
cli_command_wait (CliContext    *context,
                  GAsyncResult **result)
{
  cli_command_wait_until (context, has_result, result);
}

/* The top level ---------------------------------------------------------- */

static const CliCommand *
find_command (const char *first_word,
              const char *second_word)
{
  g_autofree char *two_words = NULL;

  if (second_word != NULL)
    {
      two_words = g_strdup_printf ("%s %s", first_word, second_word);
      for (const CliCommand *command = cli_commands_get_all (); command->name; command++)
        if (g_str_equal (command->name, two_words))
          return command;
    }
  for (const CliCommand *command = cli_commands_get_all (); command->name; command++)
    if (g_str_equal (command->name, first_word))
      return command;
  return NULL;
}

/* Whether @word names a group of commands ("wifi" for "wifi import"). */
static gboolean
is_group (const char *word)
{
  g_autofree char *prefix = g_strdup_printf ("%s ", word);

  for (const CliCommand *command = cli_commands_get_all (); command->name; command++)
    if (g_str_has_prefix (command->name, prefix))
      return TRUE;
  return FALSE;
}

static void
print_commands (FILE       *stream,
                const char *group)
{
  g_autofree char *prefix = group != NULL ? g_strdup_printf ("%s ", group) : NULL;
  g_autoptr(CliTable) table = cli_table_new ();

  for (const CliCommand *command = cli_commands_get_all (); command->name; command++)
    {
      g_autofree char *usage = NULL;

      if (prefix != NULL && !g_str_has_prefix (command->name, prefix)
          && !g_str_equal (command->name, group))
        continue;
      usage = g_strdup_printf ("  %s %s", command->name, command->parameters);
      cli_table_add_row (table, usage, _(command->summary), NULL);
    }
  cli_table_print (table, stream);
}

static void
print_overview (FILE *stream)
{
  fprintf (stream, "%s\n  tigress [--json] [--passcode-fd FD] COMMAND [ARGUMENT…]\n\n",
           _("Usage:"));
  fprintf (stream, "%s\n", _("Commands:"));
  print_commands (stream, NULL);
  fprintf (stream, "\n%s\n", _("Run “tigress COMMAND --help” for the options of a command. "
                                 "Exit codes are listed in tigress(1)."));
}

static gboolean
is_help_word (const char *word)
{
  return word != NULL && (g_str_equal (word, "--help") || g_str_equal (word, "-h")
                          || g_str_equal (word, "help"));
}

/* A group named without a known subcommand: with --help that is a request
 * for the group's commands, otherwise a usage error. */
static gboolean
explain_group (const char  *group,
               const char  *next_word,
               GError     **error)
{
  if (is_help_word (next_word))
    {
      print_commands (stdout, group);
      return TRUE;
    }
  fprintf (stderr, "%s\n", _("Commands:"));
  print_commands (stderr, group);
  if (next_word == NULL)
    g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                 _("“tigress %s” needs one of the commands above."), group);
  else
    g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                 _("“%s” is not a command of “tigress %s”; see the list above."),
                 next_word, group);
  return FALSE;
}

static gboolean
parse_top_level (CliContext   *context,
                 int          *argc,
                 char       ***argv,
                 GError      **error)
{
  gboolean show_version = FALSE;
  gboolean show_help = FALSE;
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autofree GOptionEntry *globals = global_entries (context);
  GOptionEntry top_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &show_version, NULL, NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &show_help, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  /* Stop at the command: what follows belongs to it. The overview is
   * ours, listing the commands, so GOption's own help is off. */
  g_option_context_set_strict_posix (options, TRUE);
  g_option_context_set_help_enabled (options, FALSE);
  g_option_context_add_main_entries (options, globals, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (options, top_entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (options, argc, argv, error))
    return FALSE;
  if (show_help || (*argc > 1 && g_str_equal ((*argv)[1], "help") && *argc == 2))
    {
      print_overview (stdout);
      exit (CLI_EXIT_OK);
    }
  if (show_version)
    {
      printf ("tigress %s\n", PACKAGE_VERSION);
      exit (CLI_EXIT_OK);
    }
  return check_passcode_fd (context, error);
}

static gboolean
dispatch (CliContext  *context,
          int          argc,
          char       **argv,
          GError     **error)
{
  const char *second_word = argc > 2 ? argv[2] : NULL;
  int first_argument;
  g_autoptr(GPtrArray) command_argv = g_ptr_array_new ();
  g_autofree char *program_name = NULL;

  if (argc < 2)
    {
      print_overview (stderr);
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE, _("No command was given."));
      return FALSE;
    }
  context->command = find_command (argv[1], second_word);
  if (context->command == NULL && is_group (argv[1]))
    return explain_group (argv[1], second_word, error);
  if (context->command == NULL)
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   _("“%s” is not a tigress command. Run “tigress --help” for the list."),
                   argv[1]);
      return FALSE;
    }

  first_argument = strchr (context->command->name, ' ') != NULL ? 3 : 2;
  program_name = g_strdup_printf ("tigress %s", context->command->name);
  g_ptr_array_add (command_argv, program_name);
  for (int i = first_argument; i < argc; i++)
    g_ptr_array_add (command_argv, argv[i]);
  g_ptr_array_add (command_argv, NULL);

  return context->command->run (context, (int) command_argv->len - 1,
                                (char **) command_argv->pdata, error);
}

static void
setup_locale (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
cli_run (int    argc,
         char **argv)
{
  CliContext context = { .passcode_fd = -1 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CliExit code;

  /* Standard output holds only the result: G_MESSAGES_DEBUG lines too go
   * to standard error. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* Secure heap and no core dumps before any secret exists. */
  tw_crypto_init ();
  setup_locale ();
  context.cancellable = cancellable;

  if (parse_top_level (&context, &argc, &argv, &error)
      && dispatch (&context, argc, argv, &error))
    {
      cli_wallet_close (&context);
      return CLI_EXIT_OK;
    }
  cli_wallet_close (&context);

  code = cli_exit_for_error (error);
  cli_print_error (context.json, code, cli_exit_describe (error));
  return code;
}
