/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * RelayStore: where the relay keeps its mailboxes and tombstones.
 *
 * Two backends implement it: SQLite (relay-store-sqlite.c, one file, the
 * default) and Redis (relay-store-redis.c, shared by several relay
 * processes). The HTTP layer decides nothing about who may see or change a
 * mailbox on its own: every rule that must hold under concurrency (binding,
 * conditional update, relinquish, idempotent retries, expiry, tombstones) is
 * decided inside one store call, so that a backend can make that call atomic
 * (one SQLite transaction, one Redis script). The HTTP layer only validates
 * input, hashes secrets and maps outcomes to statuses.
 *
 * Threads: every method may be called from any thread, concurrently, and
 * blocks until done (a relay thread serves one request at a time; both
 * backends answer in well under a millisecond except for a durable write).
 * A backend keeps one connection per calling thread, or a pool.
 *
 * Durability: a method that changes state returns only once the change is
 * durable (SQLite: committed with synchronous=FULL; Redis: as durable as the
 * operator configured Redis). The HTTP layer answers 2xx only after that.
 *
 * Secrets: the store never sees a device claim, a bind token or a request id
 * in clear, only SHA-256 based hashes of them (RelayAccess below), so no
 * backend can log or leak them. The store holds a relay secret of its own
 * (created at first start, kept in the store so that every process sharing
 * the store uses the same one); tombstones are keyed by HMAC-SHA-256(relay
 * secret, mailbox id) so that a dump of the store does not list the ids of
 * ended mailboxes.
 *
 * Time: the caller passes the relay's clock as `now` (Unix seconds) in every
 * call; the store never reads a clock of its own, so a test can drive expiry
 * and several processes agree as long as their clocks do.
 */

#define RELAY_TYPE_STORE (relay_store_get_type ())
G_DECLARE_INTERFACE (RelayStore, relay_store, RELAY, STORE, GObject)

#define RELAY_HASH_SIZE           32   /* SHA-256 */
#define RELAY_MAILBOX_ID_LENGTH   36   /* a UUID in its textual form */
#define RELAY_ETAG_LENGTH         22   /* first 22 chars of base64url(SHA-256) */
#define RELAY_MAX_RELINQUISHES    3
#define RELAY_TOMBSTONE_SECONDS   (24 * 60 * 60)

#define RELAY_STORE_ERROR (relay_store_error_quark ())

/* Failures of the store itself, never of a request's rules: those are a
 * RelayStoreStatus. The HTTP layer answers 503 to any of these. */
typedef enum {
  RELAY_STORE_ERROR_FAILED,         /* I/O error, database or server fault */
  RELAY_STORE_ERROR_UNAVAILABLE,    /* backend not reachable or not built */
  RELAY_STORE_ERROR_BAD_SPEC,       /* a --storage value we cannot parse */
  RELAY_STORE_ERROR_INCOMPATIBLE,   /* data written by a newer relay */
} RelayStoreError;

/* How a call ended, by the rules of the protocol. */
typedef enum {
  RELAY_STORE_OK,                  /* done; `mailbox` filled where it says so */
  RELAY_STORE_REPEATED,            /* same request key as an earlier write: nothing done,
                                    * `mailbox` holds the current state if it still exists */
  RELAY_STORE_NOT_FOUND,           /* no such mailbox, or ended and caller was no party */
  RELAY_STORE_ENDED,               /* ended, caller was a party: see `end_reason` */
  RELAY_STORE_CLAIMED_BY_OTHER,    /* the recipient slot is bound to another claim */
  RELAY_STORE_UNAUTHORIZED,        /* not a party; or bind token missing or wrong */
  RELAY_STORE_NOT_ALLOWED,         /* a party, but its access rights or the mailbox's
                                    * configuration forbid this (relinquish off or used up) */
  RELAY_STORE_PRECONDITION_FAILED, /* If-Match did not match the stored payload */
  RELAY_STORE_FULL,                /* create: the cap on live mailboxes is reached */
} RelayStoreStatus;

typedef enum {
  RELAY_END_NONE,
  RELAY_END_EXPIRED,
  RELAY_END_DELETED,
} RelayEndReason;

typedef enum {
  RELAY_ROLE_NONE,
  RELAY_ROLE_SENDER,
  RELAY_ROLE_RECIPIENT,
} RelayRole;

/* The encrypted slot: `type` is the AEAD name, `data` the base64 text exactly
 * as the client sent it, `etag` derived from `data` (relay_payload_etag). */
typedef struct {
  char *type;
  char *data;
  char  etag[RELAY_ETAG_LENGTH + 1];
} RelayPayload;

/* Access rights of the recipient, from mailboxConfiguration.accessRights. */
typedef enum {
  RELAY_RIGHT_READ   = 1 << 0,
  RELAY_RIGHT_WRITE  = 1 << 1,
  RELAY_RIGHT_DELETE = 1 << 2,
} RelayRights;

/*
 * A mailbox as stored. Claim and request values are hashes (see RelayAccess).
 * A zeroed hash with its has_* flag FALSE means "none".
 */
typedef struct {
  char          mailbox_id[RELAY_MAILBOX_ID_LENGTH + 1];
  guint8        sender_claim_hash[RELAY_HASH_SIZE];
  gboolean      has_recipient;
  guint8        recipient_claim_hash[RELAY_HASH_SIZE];
  gboolean      has_bind_verifier;
  guint8        bind_verifier[RELAY_HASH_SIZE];     /* SHA-256(B), decoded */

  RelayPayload  payload;          /* the current content of the slot */
  RelayPayload  sender_payload;   /* the sender's last write, for relinquish */

  /* Fixed at creation; the preview page is built from these alone. */
  char         *title;
  char         *description;
  char         *image_url;        /* kept for Draft V readers, never fetched */

  RelayRights   recipient_rights;
  gint64        expires_at;       /* Unix seconds, already clamped */
  guint         binding_epoch;    /* recipient devices bound so far */
  guint         relinquish_count;
  gboolean      relinquish_allowed;

  /* Idempotency: the request key of the create, and of the last write made
   * by each role (a relinquish counts as the recipient's write and stays
   * recorded after the recipient is unbound, so its retry is recognised). */
  gboolean      has_create_request;
  guint8        create_request_key[RELAY_HASH_SIZE];
  gboolean      has_sender_request;
  guint8        sender_request_key[RELAY_HASH_SIZE];
  gboolean      has_recipient_request;
  guint8        recipient_request_key[RELAY_HASH_SIZE];
} RelayMailbox;

/*
 * Who is asking, in hashed form, computed by the HTTP layer:
 *   claim_hash   = SHA-256 ("tigress-relay claim" || 0x00 || claim)
 *   request_key  = SHA-256 ("tigress-relay request" || 0x00 || claim || 0x00 || request id)
 * The request key includes the claim, so one device can never replay or
 * collide with another device's request id.
 */
typedef struct {
  const char *mailbox_id;
  guint8      claim_hash[RELAY_HASH_SIZE];
  gboolean    has_request_key;
  guint8      request_key[RELAY_HASH_SIZE];
  gint64      now;
} RelayAccess;

/* A token to take from a shared rate-limit bucket (see take_token). */
typedef struct {
  const char *scope;         /* "create", "read" */
  const char *key;           /* a client address, a mailbox id */
  guint       per_minute;
  gint64      now_us;
  guint       wait_out;      /* set: 0 when taken, else seconds to wait */
} RelayTokenRequest;

/* What a call returns besides its status. Fill with relay_outcome_clear. */
typedef struct {
  RelayStoreStatus  status;
  RelayRole         role;        /* the caller's role when known */
  gboolean          bound_now;   /* read: this call bound the recipient slot */
  RelayEndReason    end_reason;  /* status ENDED */
  RelayMailbox     *mailbox;     /* owned; NULL unless the call says so */
} RelayOutcome;

/* Called after a mailbox changed (update, relinquish, delete, expiry sweep),
 * from any thread and, for a shared store, for changes made by any process.
 * `etag` is the new payload's ETag, or NULL when the mailbox ended. It must
 * return quickly: it only wakes waiting long polls. `mailbox_id` NULL means
 * any mailbox may have changed (a shared store missed other processes'
 * changes for a while): every long poll should look again. */
typedef void (*RelayStoreChangeFunc) (const char *mailbox_id,
                                      const char *etag,
                                      gpointer    user_data);

/* Called once a create given to relay_store_create_async() is settled:
 * with @error set (the store failed; nothing was created), or with
 * @outcome as relay_store_create() fills it, after the mailbox is durable.
 * It runs on a thread of the store's: it must not block, and it must not
 * drop the last reference to the store. @outcome stays the store's. */
typedef void (*RelayStoreCreateDone) (RelayOutcome  *outcome,
                                      const GError  *error,
                                      gpointer       user_data);

struct _RelayStoreInterface
{
  GTypeInterface parent_iface;

  /*
   * Creates `mailbox` (all fields filled by the caller, binding_epoch 0, no
   * recipient, payload == sender_payload).
   * Atomic: if the mailbox has a create request key and a live mailbox
   * already holds the same key, nothing is written and the status is
   * REPEATED with that mailbox in outcome->mailbox (two racing creates with
   * one key create one mailbox). If `max_live` > 0 and that many mailboxes
   * are live, FULL: the count is taken inside the same atomic step as the
   * insert, so racing creates never take the store past max_live (it counts
   * expired mailboxes until a sweep removes them). OK leaves
   * outcome->mailbox NULL.
   */
  gboolean (*create)    (RelayStore          *self,
                         const RelayMailbox  *mailbox,
                         guint                max_live,
                         gint64               now,
                         RelayOutcome        *outcome,
                         GError             **error);

  /*
   * Optional: create without blocking the caller, for a front end that
   * serves other requests while a create waits for its disk sync (so that
   * many creates share one sync). Takes @mailbox; calls @done once, on a
   * thread of the store's, with the same rules and durability as create.
   * NULL: relay_store_create_async() runs create in place.
   */
  void     (*create_async) (RelayStore          *self,
                            RelayMailbox        *mailbox,
                            guint                max_live,
                            gint64               now,
                            RelayStoreCreateDone done,
                            gpointer             user_data);

  /*
   * ReadSecureContent. One atomic step:
   *  - mailbox missing or expired (expires_at <= now, swept or not): ENDED
   *    with the reason if the claim is a party of its tombstone (or of the
   *    expired row), else NOT_FOUND;
   *  - claim is the sender's or the bound recipient's: OK;
   *  - recipient bound to another claim: CLAIMED_BY_OTHER;
   *  - slot free: if the mailbox has a bind verifier and `bind_token_hash`
   *    is NULL or differs (constant time), UNAUTHORIZED; else bind this
   *    claim, binding_epoch += 1, OK with bound_now. Exactly one of any
   *    number of concurrent first readers binds; the others get
   *    CLAIMED_BY_OTHER.
   * OK returns the mailbox (after the bind) in outcome->mailbox.
   * `bind_token_hash` is SHA-256 of the decoded Mailbox-Bind-Token.
   */
  gboolean (*read)      (RelayStore          *self,
                         const RelayAccess   *access,
                         const guint8        *bind_token_hash,
                         RelayOutcome        *outcome,
                         GError             **error);

  /*
   * UpdateMailbox, atomic: checks in this order: REPEATED (request key equal
   * to the caller role's last write, or to the create's for the sender),
   * ended/missing as in read, party (sender, or bound recipient; an unknown
   * claim is UNAUTHORIZED or CLAIMED_BY_OTHER when the slot is bound),
   * recipient without WRITE: NOT_ALLOWED, then `if_match` (an ETag, or NULL)
   * against the stored payload: PRECONDITION_FAILED. Then replaces the
   * payload (and sender_payload when the sender writes), records the request
   * key and returns the new mailbox in outcome->mailbox. Never binds.
   */
  gboolean (*update)    (RelayStore          *self,
                         const RelayAccess   *access,
                         const char          *if_match,
                         const RelayPayload  *payload,
                         RelayOutcome        *outcome,
                         GError             **error);

  /*
   * DeleteMailbox, atomic: party check as in update (recipient needs
   * DELETE), then removes the mailbox and writes its tombstone (reason
   * deleted, both claim hashes, the request key) valid until now + 24 h.
   * A retry with the same request key after the delete: REPEATED.
   */
  gboolean (*delete)    (RelayStore          *self,
                         const RelayAccess   *access,
                         RelayOutcome        *outcome,
                         GError             **error);

  /*
   * RelinquishMailbox, atomic: only the bound recipient (sender or unknown
   * claim: UNAUTHORIZED). NOT_ALLOWED when relinquish was switched off at
   * creation or RELAY_MAX_RELINQUISHES were used. Else unbinds the
   * recipient, restores payload from sender_payload, relinquish_count += 1,
   * records the request key as the recipient's last write. binding_epoch is
   * unchanged (it counts binds, the next reader raises it).
   */
  gboolean (*relinquish) (RelayStore         *self,
                          const RelayAccess  *access,
                          RelayOutcome       *outcome,
                          GError            **error);

  /*
   * The preview page's view: the live mailbox or NOT_FOUND (expired counts
   * as not found). Never binds, never changes anything.
   */
  gboolean (*peek)      (RelayStore          *self,
                         const char          *mailbox_id,
                         gint64               now,
                         RelayOutcome        *outcome,
                         GError             **error);

  /*
   * Removes up to `batch` mailboxes with expires_at <= now, writing a
   * tombstone (reason expired, valid until expires_at + 24 h) for each, and
   * up to `batch` tombstones whose time is over. Each batch is its own short
   * transaction so requests keep being served between batches; the caller
   * calls again while *swept_out == batch. Calls the change func for each
   * swept mailbox.
   */
  gboolean (*sweep)     (RelayStore          *self,
                         gint64               now,
                         guint                batch,
                         guint               *swept_out,
                         GError             **error);

  /* Mailboxes created and not yet deleted or swept (expired but unswept
   * ones included). Cheap: may be a counter kept by the backend. */
  gboolean (*count_live) (RelayStore         *self,
                          guint64            *count_out,
                          GError            **error);

  /* Installs the single change hook (NULL removes it). Called once at start,
   * before any request. */
  void     (*set_change_func) (RelayStore           *self,
                               RelayStoreChangeFunc  func,
                               gpointer              user_data);

  /*
   * Optional: a store shared by several relay processes implements it, so
   * that a rate limit holds across them; NULL means each process counts
   * in its own memory (relay-limiter.h). Takes one token from the bucket
   * @key (a client address, a mailbox id) of @scope ("create", "read"),
   * which gains @per_minute tokens a minute and holds at most that many.
   * *wait_out is 0 when a token was taken, else the seconds until one is
   * due (for Retry-After).
   */
  gboolean (*take_token) (RelayStore          *self,
                          const char          *scope,
                          const char          *key,
                          guint                per_minute,
                          gint64               now_us,
                          guint               *wait_out,
                          GError             **error);

  /*
   * Optional, with take_token: takes the token of @token and reads as
   * `read` does in one round trip to the store. When the bucket is empty
   * (token->wait_out > 0) nothing is bound and the outcome is left as it
   * was. NULL: the relay takes the token, then reads.
   */
  gboolean (*read_taking_token) (RelayStore         *self,
                                 RelayTokenRequest  *token,
                                 const RelayAccess  *access,
                                 const guint8       *bind_token_hash,
                                 RelayOutcome       *outcome,
                                 GError            **error);
};

GQuark    relay_store_error_quark   (void);

/* Opens the backend named by a --storage value: "sqlite:PATH" or
 * "redis://HOST:PORT[/DB]". */
RelayStore *relay_store_open        (const char          *spec,
                                     GError             **error);

gboolean  relay_store_create        (RelayStore          *self,
                                     const RelayMailbox  *mailbox,
                                     guint                max_live,
                                     gint64               now,
                                     RelayOutcome        *outcome,
                                     GError             **error);
/* TRUE if the store settles relay_store_create_async() on a thread of its
 * own; FALSE if that would run in the caller's thread (and block it). */
gboolean  relay_store_creates_async (RelayStore          *self);
void      relay_store_create_async  (RelayStore          *self,
                                     RelayMailbox        *mailbox,
                                     guint                max_live,
                                     gint64               now,
                                     RelayStoreCreateDone done,
                                     gpointer             user_data);
gboolean  relay_store_read          (RelayStore          *self,
                                     const RelayAccess   *access,
                                     const guint8        *bind_token_hash,
                                     RelayOutcome        *outcome,
                                     GError             **error);
gboolean  relay_store_update        (RelayStore          *self,
                                     const RelayAccess   *access,
                                     const char          *if_match,
                                     const RelayPayload  *payload,
                                     RelayOutcome        *outcome,
                                     GError             **error);
gboolean  relay_store_delete        (RelayStore          *self,
                                     const RelayAccess   *access,
                                     RelayOutcome        *outcome,
                                     GError             **error);
gboolean  relay_store_relinquish    (RelayStore          *self,
                                     const RelayAccess   *access,
                                     RelayOutcome        *outcome,
                                     GError             **error);
gboolean  relay_store_peek          (RelayStore          *self,
                                     const char          *mailbox_id,
                                     gint64               now,
                                     RelayOutcome        *outcome,
                                     GError             **error);
gboolean  relay_store_sweep         (RelayStore          *self,
                                     gint64               now,
                                     guint                batch,
                                     guint               *swept_out,
                                     GError             **error);
gboolean  relay_store_count_live    (RelayStore          *self,
                                     guint64             *count_out,
                                     GError             **error);
void      relay_store_set_change_func (RelayStore           *self,
                                       RelayStoreChangeFunc  func,
                                       gpointer              user_data);
/* TRUE if the store keeps rate limits shared by every process using it. */
gboolean  relay_store_shares_limits (RelayStore          *self);
gboolean  relay_store_take_token    (RelayStore          *self,
                                     const char          *scope,
                                     const char          *key,
                                     guint                per_minute,
                                     gint64               now_us,
                                     guint               *wait_out,
                                     GError             **error);

/* Takes a token from the shared bucket of @token and reads, in one round
 * trip where the store can (see read_taking_token); only for a store that
 * shares limits. token->wait_out > 0: no token, nothing read. */
gboolean  relay_store_read_taking_token (RelayStore         *self,
                                         RelayTokenRequest  *token,
                                         const RelayAccess  *access,
                                         const guint8       *bind_token_hash,
                                         RelayOutcome       *outcome,
                                         GError            **error);

/* Helpers both backends share. */

/* The ETag of a payload's data text. */
void      relay_payload_etag        (const char          *data,
                                     char                 etag[RELAY_ETAG_LENGTH + 1]);
void      relay_payload_copy        (RelayPayload        *dest,
                                     const RelayPayload  *src);
void      relay_payload_clear       (RelayPayload        *payload);

RelayMailbox *relay_mailbox_new     (void);
RelayMailbox *relay_mailbox_copy    (const RelayMailbox  *mailbox);
void      relay_mailbox_free        (RelayMailbox        *mailbox);

/* The recipient's rights as text ("RWD", "R", ...) and back. */
const char *relay_rights_to_string  (RelayRights          rights);
gboolean  relay_rights_parse        (const char          *text,
                                     RelayRights         *rights_out);

void      relay_outcome_init        (RelayOutcome        *outcome);
void      relay_outcome_clear       (RelayOutcome        *outcome);

/* The tombstone key of a mailbox id under the store's relay secret. */
void      relay_tombstone_key       (const guint8        *relay_secret,
                                     gsize                relay_secret_size,
                                     const char          *mailbox_id,
                                     guint8               key[RELAY_HASH_SIZE]);

/* TRUE if `hash` equals `expected` (constant time). */
gboolean  relay_hash_equal          (const guint8        *hash,
                                     const guint8        *expected);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayMailbox, relay_mailbox_free)

G_END_DECLS
