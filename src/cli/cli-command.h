/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tw-secret.h"
#include "wallet-auth.h"
#include "wallet-contacts.h"
#include "wallet-relays.h"
#include "wallet-share-manager.h"
#include "wallet-store.h"
#include "wallet-vault.h"

G_BEGIN_DECLS

/*
 * What every subcommand gets: the global options, the command being run,
 * and a way to wait for the wallet's asynchronous calls.
 *
 * The CLI runs one command per process. Each command parses its own
 * options with cli_command_parse(), which also accepts the global ones
 * (--json, --passcode-fd) anywhere on the line and answers --help.
 */
typedef struct _CliContext CliContext;
typedef struct _CliCommand CliCommand;

/* Runs the command with argv[0] set to its full name ("tigress wifi
 * import") and the rest of the line after it. */
typedef gboolean (*CliCommandFunc) (CliContext  *context,
                                    int          argc,
                                    char       **argv,
                                    GError     **error);

struct _CliCommand
{
  const char *name;         /* "list", "wifi import" */
  const char *parameters;   /* "ID", "[QR-TEXT]"; shown in --help */
  const char *summary;      /* one line, marked with N_() */
  const char *description;  /* more help after the options, N_() or NULL */
  CliCommandFunc run;
};

struct _CliContext
{
  const CliCommand *command;
  gboolean json;
  int passcode_fd;           /* -1: ask on the terminal or read stdin */
  GCancellable *cancellable; /* cancelled on SIGINT and SIGTERM */

  /* The wallet services, opened on first use by cli-wallet.c and closed
   * (the vault locked) when the command ends. */
  TwSecret *passcode;
  gint64 passcode_read_at;   /* monotonic microseconds */
  GSettings *settings;
  WalletKeyring *keyring;
  WalletVault *vault;
  WalletStore *store;
  WalletAuth *auth;
  WalletContacts *contacts;
  WalletRelays *relays;
  WalletShareManager *shares;
};

/* Parses the command's options and the global ones, leaving the program
 * name and the positional arguments in argv. Fails with CLI_EXIT_USAGE
 * when the number of positional arguments is outside [min_args, max_args]
 * (max_args -1: no limit). --help prints the help and exits with 0. */
gboolean  cli_command_parse        (CliContext          *context,
                                    const GOptionEntry  *entries,
                                    int                 *argc,
                                    char              ***argv,
                                    int                  min_args,
                                    int                  max_args,
                                    GError             **error);

/* Waiting for asynchronous calls: pass cli_command_async_done with a
 * pointer to a NULL GAsyncResult* as user data, then wait; the caller owns
 * the result afterwards. */
void      cli_command_async_done   (GObject             *source,
                                    GAsyncResult        *result,
                                    gpointer             user_data);
void      cli_command_wait         (CliContext          *context,
                                    GAsyncResult       **result);

/* Runs the main loop until @is_done says so. Ctrl+C and SIGTERM cancel
 * the context's cancellable meanwhile; if the awaited work ignores that
 * for a few seconds the process ends with CLI_EXIT_INTERRUPTED. */
gboolean  cli_command_wait_until   (CliContext          *context,
                                    gboolean           (*is_done) (gpointer data),
                                    gpointer             data);

/* Runs `tigress` with its whole command line; returns the exit code. */
int       cli_run                  (int                  argc,
                                    char               **argv);

G_END_DECLS
