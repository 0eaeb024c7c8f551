/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Running the real `tigress` binary (TIGRESS_CLI in the environment) the
 * way a person or a script would, and looking at what it did.
 */

typedef struct {
  int status;   /* the exit code; 128 + n for signal n */
  char *out;    /* standard output */
  char *err;    /* standard error */
} CliRun;

void      cli_run_free            (CliRun       *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliRun, cli_run_free)

/* Runs tigress with @args (NULL-terminated, without the program name),
 * @input on standard input (NULL: empty), and @environment changes
 * ("NAME=VALUE", or "NAME" alone to unset; may be NULL). */
CliRun   *cli_test_run_full       (const char         *input,
                                   const char * const *environment,
                                   const char * const *args);

/* The same with the arguments inline. */
CliRun   *cli_test_run            (const char         *input,
                                   const char         *first_arg,
                                   ...) G_GNUC_NULL_TERMINATED;

/* Runs with --passcode-fd: @passcode arrives on file descriptor 3. */
CliRun   *cli_test_run_with_passcode (const char      *passcode,
                                      const char      *input,
                                      const char      *first_arg,
                                      ...) G_GNUC_NULL_TERMINATED;

/* Parses @text as JSON; fails the test if it is not. */
JsonNode *cli_test_parse_json     (const char         *text);

/* Fails the test, without printing either text, if @needle occurs in
 * @haystack: for secrets that must not show up in output. */
void      cli_test_assert_absent  (const char         *haystack,
                                   const char         *needle);

/* Asserts the exit code and prints the run's output if it differs. */
#define cli_test_assert_status(run, expected) \
  G_STMT_START { \
    if ((run)->status != (expected)) \
      g_test_message ("stdout: %s\nstderr: %s", (run)->out, (run)->err); \
    g_assert_cmpint ((run)->status, ==, (expected)); \
  } G_STMT_END

/* Reads a QR code drawn with half blocks (plain style, dark on light) out
 * of @text, which may hold other lines around it, and decodes it with
 * zbarimg. Returns the text it holds, or NULL when none scans. */
char     *cli_test_decode_qr_drawing (const char  *text);

/* The passcode every test wallet is set up with, and a helper that sets
 * it up once per keyring. */
#define CLI_TEST_PASSCODE "correct horse battery"
void      cli_test_ensure_passcode (void);

/* A real tigress-relay (TIGRESS_RELAY in the environment) on loopback,
 * storing in an SQLite file, started and stopped by process id. */
typedef struct {
  GSubprocess *process;
  GStrv options;    /* extra command line options */
  char *url;        /* http://127.0.0.1:PORT */
  guint16 port;
  char *database;   /* the SQLite file; survives a stop for a restart */
} CliTestRelay;

/* Starts a relay on @port (0: any free port) with @database (NULL: a new
 * file in a fresh temporary folder). Fails the test if it does not come up. */
CliTestRelay *cli_test_relay_start   (const char    *database,
                                      guint16        port);
/* The same with more tigress-relay options (NULL-terminated). */
CliTestRelay *cli_test_relay_start_with (const char * const *options);
/* Stops the process (SIGTERM, then waits) and keeps the database. */
void          cli_test_relay_stop    (CliTestRelay  *relay);
/* Starts it again on the same port with the same database. */
void          cli_test_relay_restart (CliTestRelay  *relay);
/* Stops it if running and frees everything (the database file stays in
 * the test's scratch folder). */
void          cli_test_relay_free    (CliTestRelay  *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTestRelay, cli_test_relay_free)

/*
 * A wallet to run commands in: the test's own session (the headless-run
 * bus and keyring), or a separate one started with tests/cli/wallet-session
 * (its own bus, keyring daemon and settings), as if on another machine.
 * Every command gets the wallet's passcode on file descriptor 3.
 */
typedef struct {
  char *name;
  char *session_dir;   /* NULL: the test's own session */
  char *passcode;
} CliTestWallet;

CliTestWallet *cli_test_wallet_own     (const char     *passcode);
CliTestWallet *cli_test_wallet_start   (const char     *name,
                                        const char     *passcode);
/* Stops the wallet's session, if it has one. */
void           cli_test_wallet_free    (CliTestWallet  *wallet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTestWallet, cli_test_wallet_free)

/* Sets the passcode and trusts @relay_url as the default relay. */
void           cli_test_wallet_setup   (CliTestWallet  *wallet,
                                        const char     *relay_url);

/* Runs tigress --passcode-fd=3 ARGS in the wallet, @input on stdin. */
CliRun        *cli_test_wallet_run     (CliTestWallet  *wallet,
                                        const char     *input,
                                        const char     *first_arg,
                                        ...) G_GNUC_NULL_TERMINATED;
/* The same in the background; finish with cli_test_wallet_finish(). */
GSubprocess   *cli_test_wallet_spawn   (CliTestWallet  *wallet,
                                        const char     *input,
                                        const char     *first_arg,
                                        ...) G_GNUC_NULL_TERMINATED;
CliRun        *cli_test_wallet_finish  (GSubprocess    *process);
/* The same with the arguments in an array of strings. */
GSubprocess   *cli_test_wallet_spawnv  (CliTestWallet  *wallet,
                                        const char     *input,
                                        GPtrArray      *args);
/* Stops a background command like Ctrl+C would (SIGINT) and waits. */
CliRun        *cli_test_wallet_interrupt (GSubprocess  *process);

/* `--json ARGS` in the wallet: asserts exit 0 and parses the output. */
JsonNode      *cli_test_wallet_json    (CliTestWallet  *wallet,
                                        const char     *input,
                                        const char     *first_arg,
                                        ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
