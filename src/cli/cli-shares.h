/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"
#include "cli-output.h"
#include "wallet-share-manager.h"

G_BEGIN_DECLS

/* tigress shares | shares cancel | shares pin | run */
gboolean  cli_shares_list     (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_shares_cancel   (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_shares_pin      (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_shares_run      (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);

/* A share as a JSON object: ids, direction, flow, state, title, type,
 * relay and trust, sender, tries left, expiration, error. No secrets. */
void      cli_shares_write_json   (CliJson      *writer,
                                   WalletShare  *share);

/* The same members without the braces, to add more after them. */
void      cli_shares_write_json_members (CliJson   *writer,
                                         WalletShare *share);

/*
 * A call to the share manager that completes only when the other side or
 * the relay has done its part, bounded by a time limit. Start the call
 * with cli_share_call_done and cli_share_call_ref_for_callback (call) as
 * callback and data, then cli_share_call_wait(): it returns the result
 * (transfer none), or NULL at the limit with the share's own error (what
 * keeps it stuck) or CLI_EXIT_PENDING.
 */
typedef struct _CliShareCall CliShareCall;

CliShareCall *cli_share_call_new            (void);
void          cli_share_call_unref          (CliShareCall  *call);
gpointer      cli_share_call_ref_for_callback (CliShareCall *call);
void          cli_share_call_done           (GObject       *source,
                                             GAsyncResult  *result,
                                             gpointer       user_data);
GAsyncResult *cli_share_call_wait           (CliContext    *context,
                                             CliShareCall  *call,
                                             WalletShare   *share,
                                             guint          timeout_seconds,
                                             GError       **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliShareCall, cli_share_call_unref)

/* Waits until @share is final or needs the user, telling people about
 * each change on standard error (unless --json). @timeout_seconds 0: no
 * limit; at the limit it fails with CLI_EXIT_PENDING. */
gboolean  cli_shares_wait         (CliContext   *context,
                                   WalletShare  *share,
                                   guint         timeout_seconds,
                                   GError      **error);

/* The outcome of a final share as an exit: TRUE for DELIVERED and
 * RECEIVED, otherwise FALSE with an error that says what happened. */
gboolean  cli_shares_check_outcome (WalletShare *share,
                                    GError     **error);

/* The share's title escaped for a terminal (cli_text_for_terminal()) and
 * shortened with "…" when long, for naming it in a sentence; or words
 * saying it is not known yet. Owned by the share. */
const char *cli_shares_get_name   (WalletShare  *share);

/* Rewords an error of @share where the wallet's sentence does not fit a
 * command that stops (an unreachable relay: run `tigress run` again). */
void      cli_shares_adapt_error  (WalletShare  *share,
                                   GError      **error);

/* Prints "Title: state" for people, on standard error. */
void      cli_shares_report_state (CliContext   *context,
                                   WalletShare  *share);

G_END_DECLS
