/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "wallet-vault.h"

G_BEGIN_DECLS

/*
 * WalletLedger: the shares this wallet has finished, so that opening a used
 * link again says what happened ("already in your wallet") instead of
 * running the share a second time, and a credential is never provisioned
 * twice.
 *
 * Each entry names the mailbox (its URL as the relay sees it, without the
 * key), the protocol's share id when known, the direction and the outcome.
 * The ledger is one keyring item (kind WALLET_ITEM_SHARE, type "ledger")
 * sealed under the data key, like everything the wallet stores; entries
 * older than WALLET_LEDGER_KEEP_DAYS are dropped when it is written, long
 * after the relay forgot the mailbox (7 days at most, plus a day of
 * tombstone).
 *
 * The share manager owns one ledger and writes to it; others only look.
 */

#define WALLET_TYPE_LEDGER (wallet_ledger_get_type ())
G_DECLARE_FINAL_TYPE (WalletLedger, wallet_ledger, WALLET, LEDGER, GObject)

#define WALLET_LEDGER_KEEP_DAYS 30
/* The item id of the ledger, after the namespace (see WalletShareManager). */
#define WALLET_LEDGER_ITEM_ID   "ledger"
#define WALLET_LEDGER_ITEM_TYPE "ledger"

typedef enum {
  WALLET_LEDGER_OUTCOME_NONE,       /* no entry */
  WALLET_LEDGER_OUTCOME_RECEIVED,   /* incoming: the credential is in this wallet */
  WALLET_LEDGER_OUTCOME_DELIVERED,  /* outgoing: the recipient stored it */
  WALLET_LEDGER_OUTCOME_DECLINED,   /* the recipient declined */
  WALLET_LEDGER_OUTCOME_CANCELLED,  /* the sender cancelled */
  WALLET_LEDGER_OUTCOME_EXPIRED,
  WALLET_LEDGER_OUTCOME_FAILED,
  WALLET_LEDGER_OUTCOME_ACCEPTED_ELSEWHERE, /* incoming: another device opened it first */
} WalletLedgerOutcome;

/* @item_namespace: "" or NULL for the wallet's own ledger; see
 * wallet_share_manager_new_with_namespace(). */
WalletLedger        *wallet_ledger_new              (WalletVault          *vault,
                                                     const char           *item_namespace);

/* Reads the ledger from the keyring (none yet: empty). Needs an unlocked
 * vault. */
void                 wallet_ledger_load_async       (WalletLedger         *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean             wallet_ledger_load_finish      (WalletLedger         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

gboolean             wallet_ledger_is_loaded        (WalletLedger         *self);
guint                wallet_ledger_get_n_entries    (WalletLedger         *self);

/* The outcome recorded for the mailbox at @mailbox_url
 * (scheme://host[:port]/v1/m/{id}, as tw_link_get_mailbox_url() gives it),
 * or NONE. */
WalletLedgerOutcome  wallet_ledger_lookup_mailbox   (WalletLedger         *self,
                                                     const char           *mailbox_url);
/* The outcome recorded for the protocol's share id @share_id, or NONE. */
WalletLedgerOutcome  wallet_ledger_lookup_share     (WalletLedger         *self,
                                                     const char           *share_id);

/* Adds (or updates) the entry for @mailbox_url and writes the ledger to the
 * keyring; the entry is visible to lookups only once the keyring took it.
 * @share_id may be NULL. Writes are queued, so concurrent records are
 * never lost. */
void                 wallet_ledger_record_async     (WalletLedger         *self,
                                                     const char           *mailbox_url,
                                                     const char           *share_id,
                                                     gboolean              incoming,
                                                     WalletLedgerOutcome   outcome,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean             wallet_ledger_record_finish    (WalletLedger         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Stable names: "none", "received", "delivered", "declined", "cancelled",
 * "expired", "failed", "accepted-elsewhere". */
const char          *wallet_ledger_outcome_to_string (WalletLedgerOutcome outcome);

G_END_DECLS
