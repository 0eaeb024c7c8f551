/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * Reading answers from the person at the terminal, or from a script.
 *
 * Questions go to standard error (so standard output stays clean for
 * --json). When standard input is a terminal, secrets are typed without
 * echo; otherwise each question ends its line and each answer is the next
 * line of standard input, read one byte at a time so that several answers
 * can follow each other in one stream. Secrets go straight into secure
 * memory, never through ordinary strings.
 *
 * Failures are CLI_ERROR errors: CLI_EXIT_USAGE for missing or oversized
 * input, CLI_EXIT_DECLINED for a "no".
 */

#define CLI_PROMPT_MAX_SECRET 4096

/* One line from a file descriptor, without its line ending. An empty line
 * is a valid (empty) answer; end of input before any byte is an error. */
TwSecret  *cli_read_secret_line  (int          fd,
                                  GError     **error);

TwSecret  *cli_prompt_secret     (const char  *question,
                                  GError     **error);

/* A line that is not secret (a network name, a title). */
char      *cli_prompt_line       (const char  *question,
                                  GError     **error);

/* Asks a yes/no question. TRUE for yes; FALSE with CLI_EXIT_DECLINED for
 * no or for no answer at all. */
gboolean   cli_prompt_confirm    (const char  *question,
                                  GError     **error);

typedef enum {
  CLI_ANSWER_NO,
  CLI_ANSWER_YES,
  CLI_ANSWER_UNCLEAR,   /* no answer, or neither yes nor no (a PIN typed early) */
} CliAnswer;

/* Asks a yes/no question for a step whose "no" cannot be undone: only an
 * explicit "n" or "no" is a no. For NO and UNCLEAR, @error says that the
 * command stopped (CLI_EXIT_DECLINED); the UNCLEAR message says nothing was
 * refused. */
CliAnswer  cli_prompt_yes_no     (const char  *question,
                                  GError     **error);

/* Whether answers come from a person at a terminal. */
gboolean   cli_prompt_is_interactive (void);

G_END_DECLS
