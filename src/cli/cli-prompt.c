/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-exit.h"

/* The terminal settings to restore if the person presses Ctrl+C while
 * echo is off; a terminal left without echo is a nasty surprise. */
static struct termios saved_terminal;
static struct sigaction saved_sigint;

static void
restore_terminal_and_raise (int signal_number)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  sigaction (SIGINT, &saved_sigint, NULL);
  raise (signal_number);
}

static gboolean
echo_off (void)
{
  struct termios quiet;
  struct sigaction on_interrupt = { 0 };

  if (tcgetattr (STDIN_FILENO, &saved_terminal) != 0)
    return FALSE;

  on_interrupt.sa_handler = restore_terminal_and_raise;
  sigaction (SIGINT, &on_interrupt, &saved_sigint);

  quiet = saved_terminal;
  quiet.c_lflag &= ~ECHO;
  quiet.c_lflag |= ECHONL;
  return tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
}

static void
echo_on (void)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  sigaction (SIGINT, &saved_sigint, NULL);
}

/* Reads one byte; 1 on success, 0 at end of input, -1 on error. */
static int
read_byte (int     fd,
           guint8 *byte)
{
  for (;;)
    {
      ssize_t count = read (fd, byte, 1);

      if (count >= 0)
        return (int) count;
      if (errno != EINTR)
        return -1;
    }
}

TwSecret *
cli_read_secret_line (int      fd,
                      GError **error)
{
  g_autoptr(TwSecret) buffer = tw_secret_new (CLI_PROMPT_MAX_SECRET);
  guint8 *data = tw_secret_get_data (buffer);
  gsize length = 0;
  int status;
  guint8 byte;

  while ((status = read_byte (fd, &byte)) == 1 && byte != '\n')
    {
      if (length == CLI_PROMPT_MAX_SECRET)
        {
          g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("The answer is longer than %d bytes."), CLI_PROMPT_MAX_SECRET);
          return NULL;
        }
      data[length++] = byte;
    }
  /* An answer never given stops the command like any answer that is not a
   * yes (docs/cli.md): exit 8, whatever the question was. */
  if (status < 0 || (status == 0 && length == 0))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_DECLINED,
                           _("No answer was given: the input ended. Type the answer, "
                             "or give it on its own line on standard input."));
      return NULL;
    }

  if (length > 0 && data[length - 1] == '\r')
    length--;
  return tw_secret_new_from_data (data, length);
}

gboolean
cli_prompt_is_interactive (void)
{
  return isatty (STDIN_FILENO);
}

/* Asked also when the answers come from a pipe or a file: whoever reads
 * standard error then sees what each line answered (docs/cli.md, QA H9).
 * With no terminal echoing the answer after it, the question ends its line. */
static void
ask (const char *question)
{
  fputs (question, stderr);
  fputc (cli_prompt_is_interactive () ? ' ' : '\n', stderr);
  fflush (stderr);
}

TwSecret *
cli_prompt_secret (const char  *question,
                   GError     **error)
{
  TwSecret *answer;
  gboolean quiet;

  ask (question);
  quiet = cli_prompt_is_interactive () && echo_off ();
  answer = cli_read_secret_line (STDIN_FILENO, error);
  if (quiet)
    echo_on ();
  return answer;
}

char *
cli_prompt_line (const char  *question,
                 GError     **error)
{
  g_autoptr(TwSecret) answer = NULL;
  const char *text;

  ask (question);
  answer = cli_read_secret_line (STDIN_FILENO, error);
  if (answer == NULL)
    return NULL;

  text = tw_secret_get_text (answer);
  if (!g_utf8_validate (text, tw_secret_get_size (answer), NULL))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("The answer is not valid UTF-8 text."));
      return NULL;
    }
  return g_strdup (text);
}

static gboolean
is_yes (const char *answer)
{
  g_autofree char *folded = g_utf8_casefold (answer, -1);

  g_strstrip (folded);
  /* The English words always work, so scripts do not depend on the locale. */
  return g_str_equal (folded, "y") || g_str_equal (folded, "yes")
         || g_str_equal (folded, C_("answer to a yes/no question", "y"))
         || g_str_equal (folded, C_("answer to a yes/no question", "yes"));
}

static gboolean
is_no (const char *answer)
{
  g_autofree char *folded = g_utf8_casefold (answer, -1);

  g_strstrip (folded);
  return g_str_equal (folded, "n") || g_str_equal (folded, "no")
         || g_str_equal (folded, C_("answer to a yes/no question", "n"))
         || g_str_equal (folded, C_("answer to a yes/no question", "no"));
}

CliAnswer
cli_prompt_yes_no (const char  *question,
                   GError     **error)
{
  g_autofree char *full_question = g_strdup_printf (_("%s [y/n]"), question);
  g_autofree char *answer = NULL;
  g_autoptr(GError) local_error = NULL;

  answer = cli_prompt_line (full_question, &local_error);
  if (answer != NULL && is_yes (answer))
    return CLI_ANSWER_YES;
  if (answer != NULL && is_no (answer))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_DECLINED, _("Stopped: you answered no."));
      return CLI_ANSWER_NO;
    }
  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_DECLINED,
                       _("Stopped without a yes or no, so nothing was refused. Run the "
                         "command again and answer y or n."));
  return CLI_ANSWER_UNCLEAR;
}

gboolean
cli_prompt_confirm (const char  *question,
                    GError     **error)
{
  g_autofree char *full_question = g_strdup_printf (_("%s [y/N]"), question);
  g_autofree char *answer = NULL;
  g_autoptr(GError) local_error = NULL;

  answer = cli_prompt_line (full_question, &local_error);
  if (answer != NULL && is_yes (answer))
    return TRUE;

  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_DECLINED,
                       answer != NULL ? _("Stopped: you answered no.")
                                      : _("Stopped: no confirmation was given."));
  return FALSE;
}
