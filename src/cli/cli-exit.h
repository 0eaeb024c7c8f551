/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The exit codes of `tigress`, the only place they are defined. Scripts
 * depend on them, so a value never changes meaning once released; new
 * reasons get new numbers. docs/cli.md and docs/man/tigress.1 list them.
 *
 * The codes double as the codes of CLI_ERROR, so a command that fails with
 * a CLI_ERROR exits with exactly that code.
 */
typedef enum {
  CLI_EXIT_OK            = 0,   /* the command did what was asked */
  CLI_EXIT_FAILURE       = 1,   /* anything not covered below */
  CLI_EXIT_USAGE         = 2,   /* bad command line or bad input text */
  CLI_EXIT_LOCKED        = 3,   /* wallet locked, wrong passcode, no passcode set,
                                   or re-authentication refused */
  CLI_EXIT_KEYRING       = 4,   /* the Secret Service keyring is unavailable */
  CLI_EXIT_RELAY         = 5,   /* the relay could not be reached */
  CLI_EXIT_SHARE_ENDED   = 6,   /* the share expired, was cancelled or refused,
                                   or its PIN was rejected */
  CLI_EXIT_NOT_FOUND     = 7,   /* no credential, share, relay or contact by that name */
  CLI_EXIT_DECLINED      = 8,   /* the user answered no, or a required confirmation
                                   was not given */
  CLI_EXIT_PENDING       = 9,   /* `run` stopped at its timeout with shares
                                   still in progress */
  CLI_EXIT_KEY_REFUSED   = 10,  /* `key verify`: the lock refused the key */
  CLI_EXIT_INTERRUPTED   = 130, /* stopped by Ctrl+C or a termination signal;
                                   shares in progress stay saved */
} CliExit;

#define CLI_ERROR (cli_error_quark ())

GQuark       cli_error_quark      (void);

/* A stable machine-readable name for an exit code, used in --json error
 * reports ("usage", "locked", ...). */
const char  *cli_exit_get_name    (CliExit code);

G_END_DECLS
