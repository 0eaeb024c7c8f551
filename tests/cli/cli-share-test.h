/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-test-util.h"

G_BEGIN_DECLS

/*
 * What the share tests have in common: a real relay, the sender's wallet
 * (this test's own session) and the recipient's (a second session), and
 * the steps of a share as people take them with `tigress`.
 */
typedef struct {
  CliTestRelay *relay;
  CliTestWallet *sender;
  CliTestWallet *recipient;
} ShareRig;

/* Starts the relay and both wallets, each with a passcode and the relay
 * trusted as its default. */
ShareRig   *share_rig_new        (void);
void        share_rig_free       (ShareRig      *rig);

/* What `tigress --json share` printed. */
typedef struct {
  char *id;
  char *link;     /* with its key unless --separate-secret */
  char *code;     /* --separate-secret only */
  char *pin;      /* NULL without a PIN */
} SentShare;

void        sent_share_free      (SentShare     *sent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SentShare, sent_share_free)

/* Adds a credential to @wallet from `add` arguments and a secret; returns
 * its id. */
char       *rig_add              (CliTestWallet *wallet,
                                  const char    *secret,
                                  const char    *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;

/* `share ID ARGS --json --no-qr` in @wallet. */
SentShare  *rig_share            (CliTestWallet *wallet,
                                  const char    *credential_id,
                                  const char    *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;

/* The state of share @id in @wallet, from `shares --json`. */
char       *rig_share_state      (CliTestWallet *wallet,
                                  const char    *id);

/* Any member of share @id in `shares --json`, as text (NULL if null). */
char       *rig_share_field      (CliTestWallet *wallet,
                                  const char    *id,
                                  const char    *field);

/* The one incoming share of @wallet's `shares --json` list (the newest). */
char       *rig_newest_share_state (CliTestWallet *wallet);

/* Polls until @wallet's newest share is in @state; fails the test after
 * @seconds. */
void        rig_wait_for_newest_state (CliTestWallet *wallet,
                                       const char    *state,
                                       guint          seconds);

/* A field of credential @id shown with --reveal (plain or secret). */
char       *rig_credential_value (CliTestWallet *wallet,
                                  const char    *id,
                                  const char    *field);

G_END_DECLS
