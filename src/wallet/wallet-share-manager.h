/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-secret.h"
#include "wallet-auth-proof.h"
#include "wallet-contacts.h"
#include "wallet-ledger.h"
#include "wallet-relays.h"
#include "wallet-share.h"
#include "wallet-store.h"

G_BEGIN_DECLS

/*
 * WalletShareManager: every share of this wallet, as a GListModel of
 * WalletShare (newest first), and the engine that runs them over the relay.
 *
 * Sending: wallet_share_manager_create_async() with a SEND proof gives a
 * share whose link (and PIN) the user passes on; the manager then waits
 * for the recipient, answers it and cleans up, on its own.
 *
 * Receiving: wallet_share_manager_open_link() shows what the link alone
 * says (which relay, trusted or not) without contacting anyone;
 * wallet_share_manager_accept_async() with an ACCEPT proof opens it (the
 * first read binds the mailbox to this device) and fills in what, from
 * whom and until when; then wallet_share_manager_confirm_async() saves a
 * direct share or sends the PIN of a verified one. Decline with
 * wallet_share_manager_cancel_async().
 *
 * No share starts and nothing received is stored without a proof: create
 * consumes a SEND proof before anything is written to the relay or the
 * keyring; accept consumes an ACCEPT proof before the binding read. The
 * credential then arrives under that consent, possibly much later than a
 * proof's lifetime (the sender offline, the keyring locked).
 *
 * Exactly once (protocol, section 6): each share's state (the protocol
 * state machine's saved state, its device claim, its link key and its PIN)
 * is sealed under the data key and stored in the keyring (kind
 * WALLET_ITEM_SHARE) before every write to the relay and, for an incoming
 * share, before its first read. Writes are retried with the same bytes and
 * request id. A received credential is stored at most once per share id.
 * When the keyring fails (locked, dismissed, timed out), the share keeps
 * its state, says so in its "error", and retries with back-off; it never
 * writes a receipt, a relinquish or a delete because of it.
 *
 * Connectivity: while online each share long-polls the relay; when the
 * relay is unreachable it backs off (up to a minute) and retries; after a
 * resume (logind's PrepareForSleep(false) on the system bus, or else a jump
 * between the monotonic and the real-time clock) or when GNetworkMonitor
 * says the network is back, every share drops its relay call and back-off
 * and reads again at once. After a restart,
 * wallet_share_manager_load_async() resumes every unfinished share.
 *
 * The manager needs an unlocked vault. When the vault locks it stops all
 * network work and forgets every secret, keeping the shares' visible
 * state; on unlock, call wallet_share_manager_load_async() again to
 * resume.
 *
 * Signals: "share-changed" (WalletShare *share) after any property of a
 * share changed, on top of the share's own notify signals.
 */

#define WALLET_TYPE_SHARE_MANAGER (wallet_share_manager_get_type ())
G_DECLARE_FINAL_TYPE (WalletShareManager, wallet_share_manager, WALLET, SHARE_MANAGER, GObject)

/* How long a long poll waits at the relay; the relay caps it at 60. */
#define WALLET_SHARE_LONG_POLL_SECONDS     25
/* Back-off while the relay is unreachable or the keyring fails. */
#define WALLET_SHARE_RETRY_FIRST_MS        1000
#define WALLET_SHARE_RETRY_MAX_MS          60000
/* Real time running ahead of monotonic time by this much means the
 * machine was asleep. */
#define WALLET_SHARE_SUSPEND_JUMP_SECONDS  30
/* Default validity of a digital key issued by a share. */
#define WALLET_SHARE_DEFAULT_KEY_DAYS      30

/* What to share and how. Zero-initialise, then fill in. */
typedef struct {
  const char *credential_id;      /* in the manager's WalletStore */
  /* TRUE: the verified flow with a PIN (forced for digital keys). FALSE:
   * the direct flow, whoever opens the link first gets it. */
  gboolean    with_pin;
  /* The relay's base URL; NULL: the default relay (WALLET_SHARE_ERROR_NO_RELAY
   * without one). Naming a relay here is the user's explicit choice, so it
   * need not be on the trusted list. */
  const char *relay_url;
  /* Wanted lifetime; 0: the relay's default (48 h). The relay may shorten it. */
  guint       expires_in_seconds;
  /* Direct flow only: leave out the bind token so that other Draft V apps
   * can open the link too (they cannot send it). */
  gboolean    allow_other_apps;
  /* Digital keys (a DIGITAL_KEY_OWNER credential): the TwCertRight bits
   * granted, and the end of validity (Unix seconds, our clock; 0:
   * WALLET_SHARE_DEFAULT_KEY_DAYS from now). */
  guint32     rights;
  gint64      key_not_after;
  /* NULL: the credential's title. */
  const char *title;
} WalletShareOptions;

typedef enum {
  WALLET_SHARE_ACCEPT_DEFAULT               = 0,
  /* The user chose to use a relay that is not on the trusted list. */
  WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY = 1 << 0,
} WalletShareAcceptFlags;

/* @contacts gives this wallet's identity, which every share created while
 * it is loaded carries (the protocol's identity block), and the pinned
 * contacts that make an incoming share's sender verified; load it after
 * each unlock. @contacts and @relays may be NULL: then no share carries an
 * identity, no sender is ever verified, and
 * no relay is trusted (links need ALLOW_UNTRUSTED_RELAY; sending needs an
 * explicit relay_url). The store gives the vault and the keyring. */
WalletShareManager *wallet_share_manager_new              (WalletStore          *store,
                                                           WalletContacts       *contacts,
                                                           WalletRelays         *relays);

/* The same, keeping this manager's items apart from other managers' in the
 * same keyring: its share items and its ledger get ids prefixed with
 * "@item_namespace:" and it loads only those. For tests that run two
 * wallets in one process, and for a second profile. NULL or "": the
 * wallet's own items. */
WalletShareManager *wallet_share_manager_new_with_namespace (WalletStore        *store,
                                                           WalletContacts       *contacts,
                                                           WalletRelays         *relays,
                                                           const char           *item_namespace);

WalletStore        *wallet_share_manager_get_store        (WalletShareManager   *self);
WalletLedger       *wallet_share_manager_get_ledger       (WalletShareManager   *self);

/* Trust only the certificates in this PEM file (absolute path) for https
 * relays, instead of the system's. NULL: the system trust store. */
void                wallet_share_manager_set_ca_file      (WalletShareManager   *self,
                                                           const char           *ca_file);

/* How shares wait for news. @long_poll_seconds > 0: long polls of that
 * length (at most 60). 0: plain polling, one read every @poll_interval_ms
 * (benchmarks compare the two). Applies to reads started afterwards. */
void                wallet_share_manager_set_polling      (WalletShareManager   *self,
                                                           guint                 long_poll_seconds,
                                                           guint                 poll_interval_ms);

/* The back-off after a failure (relay unreachable, keyring failing): the
 * n-th retry waits min(first_ms * 2^(n-1), max_ms), with jitter. Defaults
 * WALLET_SHARE_RETRY_FIRST_MS and _MAX_MS; tests shorten them. */
void                wallet_share_manager_set_retry_delays (WalletShareManager   *self,
                                                           guint                 first_ms,
                                                           guint                 max_ms);

/* Tests only: from now on, a share that has ended but still owes the relay
 * its last write (a receipt or a cancel) stops just before sending it, as if
 * the app quit there; its final state is saved already. The count is how
 * many shares stopped so. */
void                wallet_share_manager_test_stop_before_final_write
                                                          (WalletShareManager   *self);
guint               wallet_share_manager_test_get_final_writes_stopped
                                                          (WalletShareManager   *self);

/* Loads the ledger and every saved share of this wallet from the keyring,
 * and resumes those that are not finished. Needs an unlocked vault; load
 * the WalletStore too (a resumed share about to store its credential reads
 * the store again first, so it never stores it twice). Shares
 * already in the model are kept (matched by id); calling it again after an
 * unlock resumes what the lock paused. */
void                wallet_share_manager_load_async       (WalletShareManager   *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean            wallet_share_manager_load_finish      (WalletShareManager   *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* The share with this local id, or NULL. Transfer none. */
WalletShare        *wallet_share_manager_lookup           (WalletShareManager   *self,
                                                           const char           *id);

/*
 * Starts sharing a credential. Consumes @proof (SEND) first: without a
 * valid one it fails with WALLET_AUTH_ERROR_* and nothing is written to the
 * relay or the keyring. Then it seals and stores the share's state, creates
 * the mailbox, and returns the share once its link exists (state
 * WAITING_FOR_RECIPIENT). If the relay cannot be reached the share ends as
 * FAILED (nobody has its link yet) and the call fails with
 * RELAY_UNREACHABLE.
 */
void                wallet_share_manager_create_async     (WalletShareManager       *self,
                                                           const WalletShareOptions *options,
                                                           WalletAuthProof          *proof,
                                                           GCancellable             *cancellable,
                                                           GAsyncReadyCallback       callback,
                                                           gpointer                  user_data);
WalletShare        *wallet_share_manager_create_finish    (WalletShareManager       *self,
                                                           GAsyncResult             *result,
                                                           GError                  **error);

/* Outgoing, verified flow: the PIN to pass on. The first call needs no
 * proof; every later one consumes a SEND @proof (PIN_HIDDEN without one).
 * The "shown" mark is stored in the keyring before the PIN is returned, so
 * a restart does not show it for free again. */
void                wallet_share_manager_reveal_pin_async (WalletShareManager   *self,
                                                           WalletShare          *share,
                                                           WalletAuthProof      *proof,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
TwSecret           *wallet_share_manager_reveal_pin_finish (WalletShareManager  *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/*
 * Opens a share link as people paste it (tigress: or https form; leading
 * and trailing whitespace ignored), without contacting the relay. @key_text
 * is the code sent separately, for a link without one (KEY_MISSING when
 * neither has a key). Fails with ALREADY_IN_WALLET when the ledger says this
 * link's credential was stored here, ENDED when its share ended here, and
 * WRONG_STATE while another process of this wallet has it open and has not
 * finished it (still waiting for the sender, say). The same link opened
 * again gives the same share. The new share is NEW and in
 * the model, but not stored until accepted. Transfer full.
 */
WalletShare        *wallet_share_manager_open_link        (WalletShareManager   *self,
                                                           const char           *link_text,
                                                           const char           *key_text,
                                                           GError              **error);

/*
 * Opens a NEW incoming share: consumes @proof (ACCEPT), refuses a relay
 * that is not trusted unless @flags allow it (RELAY_NOT_TRUSTED, proof kept
 * unused), stores the share's state, then reads the mailbox (binding it to
 * this device). Completes when the share waits for the user (OPENED for a
 * direct share, WAITING_FOR_PIN for a verified one) or ended
 * (ACCEPTED_ELSEWHERE, ENDED, EXPIRED, ALTERED…). If the relay cannot be
 * reached it fails with RELAY_UNREACHABLE and the share keeps trying in the
 * background (state CONNECTING).
 */
void                wallet_share_manager_accept_async     (WalletShareManager    *self,
                                                           WalletShare           *share,
                                                           WalletAuthProof       *proof,
                                                           WalletShareAcceptFlags flags,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
gboolean            wallet_share_manager_accept_finish    (WalletShareManager    *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);

/*
 * The user's answer to an incoming share that waits for them. Direct flow
 * (OPENED): Save, @pin NULL; completes when the credential is stored
 * (RECEIVED), or fails with STORE_PENDING (or the keyring's own error) when
 * the keyring cannot take it yet: the share keeps what it received and
 * retries. Verified flow
 * (WAITING_FOR_PIN or PIN_WRONG): @pin is the six digits; completes once
 * the answer is on the relay (WAITING_FOR_SENDER). WRONG_STATE otherwise.
 */
void                wallet_share_manager_confirm_async    (WalletShareManager   *self,
                                                           WalletShare          *share,
                                                           TwSecret             *pin,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean            wallet_share_manager_confirm_finish   (WalletShareManager   *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* Cancel (sender) or Decline / Discard (recipient): writes the cancel
 * message to the relay and deletes the mailbox (retrying while offline).
 * Completes once the share's state is CANCELLED or DECLINED. A NEW
 * incoming share is just dropped from the model. WRONG_STATE once final,
 * and for an incoming share that is already stored. */
void                wallet_share_manager_cancel_async     (WalletShareManager   *self,
                                                           WalletShare          *share,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean            wallet_share_manager_cancel_finish    (WalletShareManager   *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* Removes a finished (or NEW) share from the model and its state from the
 * keyring. STILL_ACTIVE for a share in progress, and for a final one whose
 * last writes are not done yet (see wallet_share_manager_wait_async()):
 * cancel it first, or wait. The ledger keeps its entry. */
void                wallet_share_manager_remove_async     (WalletShareManager   *self,
                                                           WalletShare          *share,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean            wallet_share_manager_remove_finish    (WalletShareManager   *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* Completes when @share waits for the user (wallet_share_needs_user())
 * and the relay answered a read since this process started it (or cannot
 * be reached), so an end by the other side is seen first; or when it is
 * final and everything about it is written (the ledger entry and its last
 * saved state), so the caller may quit; at once if it is already. For the
 * CLI's `run` and for tests. */
void                wallet_share_manager_wait_async       (WalletShareManager   *self,
                                                           WalletShare          *share,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean            wallet_share_manager_wait_finish      (WalletShareManager   *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* Drops every wait and back-off and contacts the relays again now. The
 * manager calls it itself after a suspend or a network change; an app may
 * call it too (e.g. on logind's PrepareForSleep). */
void                wallet_share_manager_reconnect        (WalletShareManager   *self);

/* The number of shares the manager still works on: not final, or final
 * with their last writes (receipt, ledger, saved state) still to do. NEW
 * incoming shares do not count. The CLI's `run` waits for 0. */
guint               wallet_share_manager_get_n_active     (WalletShareManager   *self);

G_END_DECLS
