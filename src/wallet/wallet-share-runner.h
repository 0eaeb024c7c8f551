/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-link.h"
#include "tw-share-recipient.h"
#include "tw-share-sender.h"
#include "wallet-contacts.h"
#include "wallet-ledger.h"
#include "wallet-relays.h"
#include "wallet-share.h"
#include "wallet-store.h"

G_BEGIN_DECLS

/*
 * The share manager's engine for one share (internal). A runner drives the
 * protocol's state machine for its WalletShare: it saves the state, carries
 * out the action the machine asks for against the relay, the store or the
 * user, reports back, and starts over. It keeps at most one relay call and
 * one keyring write in flight, and never starts an action while a save is
 * pending, so the keyring always holds the state an action came from.
 *
 * Calls that take a GTask complete it when their goal is reached (see the
 * manager's matching calls); the task's source object is the manager.
 */

/* What every runner of one manager shares. Reference counted; the manager
 * changes the settings, runners read them when they start a call. */
typedef struct {
  WalletStore    *store;
  WalletVault    *vault;
  WalletKeyring  *keyring;
  WalletLedger   *ledger;
  WalletContacts *contacts;        /* may be NULL */
  WalletRelays   *relays;          /* may be NULL */
  char           *item_namespace;  /* NULL: the wallet's own items */
  char           *ca_file;
  guint           long_poll_seconds;
  guint           poll_interval_ms;
  guint           retry_first_ms;
  guint           retry_max_ms;
  /* Tests only: see wallet_share_manager_test_stop_before_final_write(). */
  gboolean        test_stop_before_final_write;
  guint           test_final_writes_stopped;
} WalletShareContext;

WalletShareContext *wallet_share_context_new   (WalletStore        *store,
                                                WalletContacts     *contacts,
                                                WalletRelays       *relays,
                                                const char         *item_namespace);
WalletShareContext *wallet_share_context_ref   (WalletShareContext *ctx);
void                wallet_share_context_unref (WalletShareContext *ctx);
/* The keyring item id of the share @local_id. */
char               *wallet_share_context_item_id (WalletShareContext *ctx,
                                                  const char         *local_id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WalletShareContext, wallet_share_context_unref)

#define WALLET_TYPE_SHARE_RUNNER (wallet_share_runner_get_type ())
G_DECLARE_FINAL_TYPE (WalletShareRunner, wallet_share_runner, WALLET, SHARE_RUNNER, GObject)

/* A new outgoing share; takes @sender. */
WalletShareRunner *wallet_share_runner_new_outgoing (WalletShareContext *ctx,
                                                     WalletShare        *share,
                                                     TwShareSender      *sender,
                                                     TwSecret           *pin,
                                                     gboolean            bind_token,
                                                     guint               expires_in);
/* A NEW incoming share from a link with its key. */
WalletShareRunner *wallet_share_runner_new_incoming (WalletShareContext *ctx,
                                                     WalletShare        *share,
                                                     TwLink             *link);
/* A share as it was saved. */
WalletShareRunner *wallet_share_runner_restore      (WalletShareContext *ctx,
                                                     TwSecret           *plaintext,
                                                     GError            **error);

WalletShare       *wallet_share_runner_get_share    (WalletShareRunner  *self);
/* The mailbox URL without a key, NULL before it exists. */
const char        *wallet_share_runner_get_mailbox_url (WalletShareRunner *self);
/* TRUE once the share ended and its ledger entry and final record are
 * written: nothing is left to do. */
gboolean           wallet_share_runner_is_finished  (WalletShareRunner  *self);
/* TRUE once stopped by wallet_share_runner_shutdown(). */
gboolean           wallet_share_runner_is_shut_down (WalletShareRunner  *self);

/* Goes on with whatever the share needs. */
void               wallet_share_runner_start        (WalletShareRunner  *self);
/* Stops every call, wipes every secret, fails pending tasks with @reason.
 * The share keeps its visible state. */
void               wallet_share_runner_shutdown     (WalletShareRunner  *self,
                                                     const GError       *reason);
/* Incoming: looks the sender's identity up among the pinned contacts
 * again (they changed). A finished share keeps the answer it ended with. */
void               wallet_share_runner_check_sender (WalletShareRunner  *self);
/* Drops waits and back-off and calls the relay again now. */
void               wallet_share_runner_reconnect    (WalletShareRunner  *self);

/* Task returns the WalletShare once its link exists. */
void               wallet_share_runner_create       (WalletShareRunner  *self,
                                                     GTask              *task);
/* Task returns a TwSecret (boxed) after the "shown" mark is saved. */
void               wallet_share_runner_reveal_pin   (WalletShareRunner  *self,
                                                     GTask              *task);
/* The rest return booleans. */
void               wallet_share_runner_accept       (WalletShareRunner  *self,
                                                     GTask              *task);
void               wallet_share_runner_confirm      (WalletShareRunner  *self,
                                                     TwSecret           *pin,
                                                     GTask              *task);
void               wallet_share_runner_cancel       (WalletShareRunner  *self,
                                                     GTask              *task);
void               wallet_share_runner_wait         (WalletShareRunner  *self,
                                                     GTask              *task);

G_END_DECLS
