/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-link.h"
#include "tw-relay-error.h"
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * The relay client (protocol, section 2): one TwRelayMailbox per mailbox
 * and per device. Each holds its own HTTP session, so no connection is
 * shared between two shares, and its own device claim, sent on every call.
 *
 * Every call is asynchronous and cancellable, and is one logical request:
 * network failures and 5xx answers are retried with a growing, jittered
 * back-off (see tw_relay_mailbox_set_retry_policy()), with the same body and
 * the same Mailbox-Request-ID each time; 4xx answers are never retried.
 * Failures are in TW_RELAY_ERROR (tw-relay-error.h).
 *
 * What is sent: only scheme, host, port and /v1/m[/{id}] (never a query or
 * fragment, so never the link key), User-Agent "TigressWallet/1", the
 * claim, and the headers each call documents. Plain http is allowed only
 * to loopback hosts; https uses the system trust store or one CA file.
 *
 * A mailbox is used from one thread (its calls complete in the thread-default
 * main context of the caller). Bodies are built when a call starts, so the
 * arguments need not outlive the call. Answers are read up to TW_RELAY_MAX_ANSWER_SIZE and parsed
 * strictly; anything else is TW_RELAY_ERROR_RELAY_BUG.
 */

#define TW_RELAY_USER_AGENT          "TigressWallet/1"
#define TW_RELAY_MAX_WAIT_SECONDS    60
#define TW_RELAY_MAX_ANSWER_SIZE     (128 * 1024)

/* Defaults; see tw_relay_mailbox_set_timeouts() and _set_retry_policy(). */
#define TW_RELAY_DEFAULT_CONNECT_TIMEOUT  15   /* seconds, also bounds each read or write */
#define TW_RELAY_DEFAULT_REQUEST_TIMEOUT  30   /* seconds per attempt, plus any long-poll wait */
#define TW_RELAY_DEFAULT_MAX_ATTEMPTS     5
#define TW_RELAY_DEFAULT_FIRST_DELAY_MS   500
#define TW_RELAY_DEFAULT_MAX_DELAY_MS     8000

/* Payload types of Draft V: the type names the AES key length. */
#define TW_RELAY_PAYLOAD_AES_256_GCM "AEAD_AES_256_GCM"
#define TW_RELAY_PAYLOAD_AES_128_GCM "AEAD_AES_128_GCM"

/*
 * What CreateMailbox sends. Only payload_type and payload_data are
 * required; a NULL or 0 field is left out and the relay's default applies.
 */
typedef struct {
  const char *payload_type;        /* TW_RELAY_PAYLOAD_* */
  GBytes     *payload_data;        /* IV (12) || ciphertext || tag (16); sent as base64 */
  const char *title;               /* displayInformation, shown by the preview; */
                                   /* NULL title: sent as "" (Draft V needs one) */
  const char *description;
  const char *image_url;
  const char *notification_token;
  const char *access_rights;       /* e.g. "RWD"; NULL: the relay's default */
  GDateTime  *expiration;          /* wanted; the relay may clamp it */
  TwSecret   *bind_token;          /* B (tw-link-key.h); sends bindVerifier = base64(SHA-256(B)) */
  gboolean    forbid_relinquish;   /* sends mailboxConfiguration.relinquish = false */
} TwRelayCreateParams;

/* What CreateMailbox answered. */
typedef struct {
  char      *url_link;       /* https://{host}/v1/m/{id}, as the relay wrote it */
  char      *mailbox_id;     /* the id in url_link */
  char      *etag;           /* of the stored payload, NULL if the relay sent none */
  GDateTime *expiration;     /* the effective expiration (UTC), NULL if not sent */
  GDateTime *relay_date;     /* the relay's Date header, NULL if absent */
} TwRelayCreated;

/* What ReadSecureContent answered. When not_modified is TRUE (a long poll
 * ran out with 304), only etag and relay_date are set. */
typedef struct {
  gboolean   not_modified;
  char      *payload_type;
  GBytes    *payload_data;     /* the sealed bytes, base64-decoded */
  char      *title;            /* displayInformation, NULL when absent */
  char      *description;
  char      *image_url;
  GDateTime *expiration;       /* UTC, by the relay's clock */
  char      *etag;             /* NULL if the relay sent none */
  guint      binding_epoch;    /* Mailbox-Binding-Epoch; 0 when absent */
  gboolean   wait_applied;     /* the relay honoured Prefer: wait */
  GDateTime *relay_date;       /* the relay's Date header, for clock-skew warnings */
} TwRelayContent;

void tw_relay_created_free (TwRelayCreated *created);
void tw_relay_content_free (TwRelayContent *content);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwRelayCreated, tw_relay_created_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwRelayContent, tw_relay_content_free)

#define TW_TYPE_RELAY_MAILBOX (tw_relay_mailbox_get_type ())
G_DECLARE_FINAL_TYPE (TwRelayMailbox, tw_relay_mailbox, TW, RELAY_MAILBOX, GObject)

/* A fresh device claim: a random UUID v4 from the CSPRNG, as text. */
TwSecret       *tw_relay_new_device_claim         (void);

/* A fresh request id (a random UUID v4), for callers that save it before
 * a call so that a retry after a restart reuses it. */
char           *tw_relay_new_request_id           (void);

/*
 * For the sender, before the mailbox exists: @relay_url is the relay's
 * base, scheme://host[:port] (a trailing "/" is accepted; a query or
 * fragment is dropped; user info or any other path is refused).
 * @device_claim: this device's claim for the new mailbox (a reference is
 * taken). @ca_file: NULL for the system trust store, or an absolute path to
 * a PEM file whose certificates are the only ones trusted.
 */
TwRelayMailbox *tw_relay_mailbox_new_for_relay    (const char      *relay_url,
                                                   TwSecret        *device_claim,
                                                   const char      *ca_file,
                                                   GError         **error);

/* For an existing mailbox, from a parsed share link (its key is ignored). */
TwRelayMailbox *tw_relay_mailbox_new_for_link     (TwLink          *link,
                                                   TwSecret        *device_claim,
                                                   const char      *ca_file,
                                                   GError         **error);

/* Lower case host, an IPv6 literal without brackets. */
const char     *tw_relay_mailbox_get_host         (TwRelayMailbox  *self);
/* NULL until a create succeeded, for a mailbox made for a relay. */
const char     *tw_relay_mailbox_get_mailbox_id   (TwRelayMailbox  *self);
/* scheme://host[:port]/v1/m/{id} as it is called, or NULL without an id. */
char           *tw_relay_mailbox_dup_mailbox_url  (TwRelayMailbox  *self);

/* @connect_timeout bounds connecting and each read or write (seconds);
 * @request_timeout bounds one attempt from start to the last byte
 * (seconds, long-poll wait added). Affects calls started afterwards. */
void            tw_relay_mailbox_set_timeouts     (TwRelayMailbox  *self,
                                                   guint            connect_timeout,
                                                   guint            request_timeout);

/* @max_attempts >= 1 (1: no retry). The n-th retry waits a random time
 * between half and all of min(first_delay_ms * 2^(n-1), max_delay_ms), or
 * longer if a 5xx answer's Retry-After asks for more, up to max_delay_ms. */
void            tw_relay_mailbox_set_retry_policy (TwRelayMailbox  *self,
                                                   guint            max_attempts,
                                                   guint            first_delay_ms,
                                                   guint            max_delay_ms);

/*
 * CreateMailbox (POST /v1/m). On success the mailbox takes the new id.
 * @request_id: NULL for a fresh one; pass a saved one to retry a create
 * after a restart and get the original mailbox back. A mailbox may be
 * created once.
 */
void            tw_relay_mailbox_create_async     (TwRelayMailbox             *self,
                                                   const TwRelayCreateParams  *params,
                                                   const char                 *request_id,
                                                   GCancellable               *cancellable,
                                                   GAsyncReadyCallback         callback,
                                                   gpointer                    user_data);
TwRelayCreated *tw_relay_mailbox_create_finish    (TwRelayMailbox             *self,
                                                   GAsyncResult               *result,
                                                   GError                    **error);

/* ReadDisplayInformation (GET /v1/m/{id}): the preview page's bytes. Sends
 * no claim: the preview is public and must not tell the relay who asks. */
void            tw_relay_mailbox_read_display_async  (TwRelayMailbox      *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GBytes         *tw_relay_mailbox_read_display_finish (TwRelayMailbox      *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

/*
 * ReadSecureContent (POST /v1/m/{id}). The first read by a recipient binds
 * the mailbox to this device's claim.
 * @bind_token: B, sent as Mailbox-Bind-Token when not NULL (the binding
 * read of a mailbox created with one must carry it).
 * @if_none_match and @wait_seconds: a long poll; the relay answers as soon
 * as the payload's ETag differs from @if_none_match, or "not modified"
 * after @wait_seconds (at most TW_RELAY_MAX_WAIT_SECONDS). 0: no wait.
 */
void            tw_relay_mailbox_read_content_async  (TwRelayMailbox      *self,
                                                      TwSecret            *bind_token,
                                                      const char          *if_none_match,
                                                      guint                wait_seconds,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
TwRelayContent *tw_relay_mailbox_read_content_finish (TwRelayMailbox      *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

/*
 * UpdateMailbox (PUT /v1/m/{id}): replaces the payload.
 * @if_match: the ETag read last, or NULL; with it, the relay refuses with
 * PRECONDITION_FAILED when the payload changed since.
 * @request_id: as for create; save it with the bytes to resend them alike.
 * On success *@etag_out (if not NULL) is the new ETag, or NULL if none.
 */
void            tw_relay_mailbox_update_async     (TwRelayMailbox      *self,
                                                   const char          *payload_type,
                                                   GBytes              *payload_data,
                                                   const char          *if_match,
                                                   const char          *request_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean        tw_relay_mailbox_update_finish    (TwRelayMailbox      *self,
                                                   GAsyncResult        *result,
                                                   char               **etag_out,
                                                   GError             **error);

/* DeleteMailbox (DELETE /v1/m/{id}). */
void            tw_relay_mailbox_delete_async     (TwRelayMailbox      *self,
                                                   const char          *request_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean        tw_relay_mailbox_delete_finish    (TwRelayMailbox      *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* RelinquishMailbox (PATCH /v1/m/{id}): the bound recipient gives up its
 * binding. */
void            tw_relay_mailbox_relinquish_async  (TwRelayMailbox      *self,
                                                    const char          *request_id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean        tw_relay_mailbox_relinquish_finish (TwRelayMailbox      *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
