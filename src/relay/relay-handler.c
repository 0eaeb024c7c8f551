/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-handler.h"

#include <string.h>

#include "relay-deferred.h"
#include "relay-input.h"
#include "relay-limiter.h"
#include "relay-preview.h"
#include "tw-crypto.h"

#define SWEEP_BATCH            5000
#define STORE_RETRY_SECONDS    5
#define FULL_RETRY_SECONDS     60
#define WAITING_RETRY_SECONDS  5

struct _RelayHandler
{
  GObject             parent_instance;

  const RelayConfig  *config;
  RelayStore         *store;
  char               *public_url;       /* without a trailing slash */
  GPtrArray          *trusted_proxies;  /* GInetAddress */
  RelayLimiter       *create_limiter;
  RelayLimiter       *failure_limiter;
  RelayLimiter       *read_limiter;
  RelayMetrics       *metrics;
  RelayWaiters       *waiters;

  /* Creates the store settles on its own thread (create_later): the
   * handler does not go before they have answered. */
  GMutex              later_lock;
  GCond               later_settled;
  guint               creates_in_flight;
};

G_DEFINE_FINAL_TYPE (RelayHandler, relay_handler, G_TYPE_OBJECT)

/* What one request carries through the functions that answer it. */
typedef struct {
  RelayHandler       *self;
  const RelayRequest *request;
  RelayResponse      *response;
  gint64              now_us;
  gint64              now;
  GInetAddress       *client;
  char               *client_key;       /* see call_client_key () */
  const char         *mailbox_id;
} Call;

/* The rate-limit key of the client's address, made when a limit first
 * needs it (with the limits off, never). */
static const char *
call_client_key (Call *call)
{
  if (call->client_key == NULL)
    call->client_key = relay_limiter_address_key (call->client);
  return call->client_key;
}

/* ------------------------------------------------------------------------ */
/* Small answers                                                            */
/* ------------------------------------------------------------------------ */

static void
add_no_store (RelayResponse *response)
{
  relay_response_add_header (response, "Cache-Control", "no-store");
}

static void
add_etag (RelayResponse *response,
          const char    *etag)
{
  char quoted[RELAY_ETAG_LENGTH + 3];
  gsize length = strnlen (etag, RELAY_ETAG_LENGTH);

  quoted[0] = '"';
  memcpy (quoted + 1, etag, length);
  quoted[length + 1] = '"';
  quoted[length + 2] = '\0';
  relay_response_add_header (response, "ETag", quoted);
}

static void
add_retry_after (RelayResponse *response,
                 guint          seconds)
{
  relay_response_add_header_number (response, "Retry-After", seconds);
}

static void
respond_error (Call       *call,
               guint       status,
               const char *code,
               const char *message)
{
  relay_response_set_error (call->response, status, code, message);
  add_no_store (call->response);
}

static void
respond_limited (Call           *call,
                 RelayLimitKind  kind,
                 guint           retry_after,
                 const char     *message)
{
  respond_error (call, 429, "rate-limited", message);
  add_retry_after (call->response, retry_after);
  relay_metrics_count_limit (call->self->metrics, kind);

  /* The address appears only when the operator asked for it. */
  if (call->self->config->log_addresses)
    {
      g_autofree char *address = g_inet_address_to_string (call->client);

      g_debug ("Refused a request from %s: over a limit (%s)", address,
               relay_limit_name (kind));
    }
  else
    g_debug ("Refused a request: over a limit (%s)", relay_limit_name (kind));
}

static void
respond_method_not_allowed (Call       *call,
                            const char *allowed)
{
  respond_error (call, 405, "invalid-request", "This address does not accept that method.");
  relay_response_add_header (call->response, "Allow", allowed);
}

static void
respond_store_failure (Call         *call,
                       const GError *error)
{
  /* Store messages name files and tables, never claims or payloads. */
  g_warning ("A request failed because the storage failed: %s", error->message);
  respond_error (call, 503, "unavailable",
                 "The relay cannot use its storage right now; try again in a moment.");
  add_retry_after (call->response, STORE_RETRY_SECONDS);
}

static void
respond_input_error (Call   *call,
                     GError *error)
{
  if (g_error_matches (error, RELAY_INPUT_ERROR, RELAY_INPUT_ERROR_TOO_LARGE))
    {
      respond_error (call, 413, "payload-too-large", error->message);
      relay_metrics_count_limit (call->self->metrics, RELAY_LIMIT_SIZE);
    }
  else if (g_error_matches (error, RELAY_INPUT_ERROR, RELAY_INPUT_ERROR_NO_CLAIM))
    respond_error (call, 401, "unauthorized", error->message);
  else
    respond_error (call, 400, "invalid-request", error->message);
}

/* Answers for the refusals every mailbox call shares. */
static void
respond_refusal (Call               *call,
                 const RelayOutcome *outcome,
                 const char         *not_allowed_message)
{
  switch (outcome->status)
    {
    case RELAY_STORE_NOT_FOUND:
      respond_error (call, 404, "not-found", "There is no such mailbox.");
      break;
    case RELAY_STORE_ENDED:
      if (outcome->end_reason == RELAY_END_DELETED)
        respond_error (call, 410, "deleted", "This mailbox was deleted.");
      else
        respond_error (call, 410, "expired", "This mailbox expired.");
      break;
    case RELAY_STORE_CLAIMED_BY_OTHER:
      respond_error (call, 401, "claimed-by-other-device",
                     "Another device has already opened this mailbox.");
      break;
    case RELAY_STORE_UNAUTHORIZED:
      respond_error (call, 401, "unauthorized", not_allowed_message);
      break;
    case RELAY_STORE_NOT_ALLOWED:
      respond_error (call, 401, "unauthorized", not_allowed_message);
      break;
    case RELAY_STORE_PRECONDITION_FAILED:
      respond_error (call, 412, "precondition-failed",
                     "The mailbox changed since you last read it; read it again first.");
      break;
    case RELAY_STORE_FULL:
      respond_limited (call, RELAY_LIMIT_MAILBOXES, FULL_RETRY_SECONDS,
                       "The relay holds as many mailboxes as it may; try again later.");
      break;
    case RELAY_STORE_OK:
    case RELAY_STORE_REPEATED:
    default:
      g_assert_not_reached ();
    }
}

static void
append_time (GString *json,
             gint64   unix_seconds)
{
  relay_append_time (json, unix_seconds, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Who is asking, and under which name the links go out                     */
/* ------------------------------------------------------------------------ */

static gboolean
is_trusted_proxy (RelayHandler *self,
                  GInetAddress *address)
{
  for (guint i = 0; i < self->trusted_proxies->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (self->trusted_proxies, i), address))
      return TRUE;
  return FALSE;
}

/* The client's address: the TCP peer, unless the peer is a proxy the
 * operator named; then the nearest address in X-Forwarded-For that is not
 * one of those proxies (entries further left are the client's own claims). */
static GInetAddress *
client_address (RelayHandler       *self,
                const RelayRequest *request)
{
  const char *forwarded;
  g_auto(GStrv) hops = NULL;

  if (!is_trusted_proxy (self, request->peer))
    return g_object_ref (request->peer);
  forwarded = relay_headers_get_list (request->headers, "X-Forwarded-For");
  if (forwarded == NULL)
    return g_object_ref (request->peer);

  hops = g_strsplit (forwarded, ",", -1);
  for (guint i = g_strv_length (hops); i > 0; i--)
    {
      g_autoptr(GInetAddress) hop = g_inet_address_new_from_string (g_strstrip (hops[i - 1]));

      if (hop == NULL)
        break;
      if (!is_trusted_proxy (self, hop))
        return g_steal_pointer (&hop);
    }
  return g_object_ref (request->peer);
}

static gboolean
is_host_header (const char *host)
{
  gsize length = host != NULL ? strlen (host) : 0;

  if (length == 0 || length > 255)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (host[i]) && strchr (".-:[]", host[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
is_loopback_host (const char *host)
{
  g_autofree char *name = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *colon = strrchr (host, ':');

  if (host[0] == '[')
    name = g_strndup (host + 1, strcspn (host + 1, "]"));
  else if (colon != NULL && strchr (host, ':') == colon)
    name = g_strndup (host, colon - host);
  else
    name = g_strdup (host);

  if (g_ascii_strcasecmp (name, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (name);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* scheme://host[:port] of links, or NULL if the request has no usable Host.
 * Without --public-url: https, except plain HTTP straight to a loopback
 * name (a developer's relay), and as a trusted proxy says. */
static char *
base_url (Call *call)
{
  const RelayRequest *request = call->request;
  const char *host = relay_headers_get_one (request->headers, "Host");
  const char *scheme = "https";

  if (call->self->public_url != NULL)
    return g_strdup (call->self->public_url);
  if (!is_host_header (host))
    return NULL;

  if (is_trusted_proxy (call->self, request->peer))
    {
      const char *proto = relay_headers_get_one (request->headers,
                                                        "X-Forwarded-Proto");

      if (proto != NULL && g_ascii_strcasecmp (proto, "http") == 0)
        scheme = "http";
    }
  else if (!request->tls && is_loopback_host (host))
    scheme = "http";
  return g_strconcat (scheme, "://", host, NULL);
}

static gboolean
fill_access (Call         *call,
             RelayAccess  *access,
             GError      **error)
{
  memset (access, 0, sizeof *access);
  access->mailbox_id = call->mailbox_id;
  access->now = call->now;
  return relay_input_read_access (call->request->headers, access, error);
}

static gboolean
read_access (Call        *call,
             RelayAccess *access)
{
  g_autoptr(GError) error = NULL;

  if (fill_access (call, access, &error))
    return TRUE;

  respond_input_error (call, error);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* CreateMailbox                                                            */
/* ------------------------------------------------------------------------ */

static void
new_mailbox_id (char id[RELAY_MAILBOX_ID_LENGTH + 1])
{
  guint8 bytes[16];

  /* From the CSPRNG: an id must not be guessable from the ones before it. */
  tw_random_bytes (bytes, sizeof bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;   /* version 4 */
  bytes[8] = (bytes[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
  g_snprintf (id, RELAY_MAILBOX_ID_LENGTH + 1,
              "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
              bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
              bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14],
              bytes[15]);
}

static void
respond_created (Call               *call,
                 guint               status,
                 const RelayMailbox *mailbox,
                 const char         *base)
{
  g_autofree char *link = g_strconcat (base, "/v1/m/", mailbox->mailbox_id, NULL);
  GString *json = g_string_new ("{\"urlLink\":");

  relay_json_append_string (json, link);
  g_string_append (json, ",\"isPushNotificationSupported\":false,\"expiration\":");
  append_time (json, mailbox->expires_at);
  g_string_append_c (json, '}');
  relay_response_set_json (call->response, status, json);
  add_etag (call->response, mailbox->payload.etag);
  add_no_store (call->response);
}

/*
 * Takes a token from the bucket every relay process shares when the store
 * keeps such buckets (Redis), else from this process's own. When the store
 * cannot answer, this process's own count decides for the moment, so that
 * a store hiccup does not refuse every request.
 */
static guint
take_token (RelayHandler *self,
            RelayLimiter *own_limiter,
            const char   *scope,
            guint         per_minute,
            const char   *key,
            gint64        now_us)
{
  g_autoptr(GError) error = NULL;
  guint wait;

  if (per_minute == 0)
    return 0;
  if (relay_store_shares_limits (self->store))
    {
      if (relay_store_take_token (self->store, scope, key, per_minute, now_us, &wait, &error))
        return wait;
      g_debug ("Counting a rate limit in this process only for now: %s", error->message);
    }
  return relay_limiter_take (own_limiter, key, now_us);
}

static gboolean
take_create_token (Call *call)
{
  RelayHandler *self = call->self;
  guint wait;

  if (!self->config->rate_limits)
    return TRUE;
  wait = take_token (self, self->create_limiter, "create", self->config->create_limit,
                     call_client_key (call), call->now_us);
  if (wait == 0)
    return TRUE;

  respond_limited (call, RELAY_LIMIT_CREATE, wait,
                   "Too many mailboxes were created from your address; try again later.");
  return FALSE;
}

/* The answer to a create the store has settled (@error: it failed). */
static void
answer_create (Call               *call,
               const RelayOutcome *outcome,
               const GError       *error,
               const RelayMailbox *mailbox,
               const char         *base)
{
  if (error != NULL)
    respond_store_failure (call, error);
  else if (outcome->status == RELAY_STORE_OK)
    respond_created (call, 200, mailbox, base);
  else if (outcome->status == RELAY_STORE_REPEATED)
    respond_created (call, 201, outcome->mailbox, base);
  else
    respond_refusal (call, outcome, NULL);
}

static void
store_new_mailbox (Call         *call,
                   RelayMailbox *mailbox,
                   const char   *base)
{
  RelayOutcome outcome;
  g_autoptr(GError) error = NULL;

  relay_outcome_init (&outcome);
  relay_store_create (call->self->store, mailbox, call->self->config->max_mailboxes,
                      call->now, &outcome, &error);
  answer_create (call, &outcome, error, mailbox, base);
  relay_outcome_clear (&outcome);
}

/* What a create settled on the store's thread needs to answer. */
typedef struct {
  RelayHandler  *self;        /* not a reference: dispose waits for us */
  RelayDeferred *deferred;
  RelayMailbox  *mailbox;     /* the handler's copy, for the answer */
  char          *base;
  GInetAddress  *client;
} LaterCreate;

static void
later_create_free (LaterCreate *later)
{
  relay_deferred_unref (later->deferred);
  relay_mailbox_free (later->mailbox);
  g_free (later->base);
  g_object_unref (later->client);
  g_free (later);
}

static void
on_create_settled (RelayOutcome *outcome,
                   const GError *error,
                   gpointer      user_data)
{
  LaterCreate *later = user_data;
  RelayHandler *self = later->self;
  RelayResponse response;
  Call call = { self, NULL, &response, 0, 0, later->client, NULL, NULL };

  relay_response_init (&response);
  answer_create (&call, outcome, error, later->mailbox, later->base);
  relay_metrics_count_request (self->metrics, RELAY_ROUTE_CREATE, response.status);
  relay_deferred_complete (later->deferred, &response);
  later_create_free (later);

  g_mutex_lock (&self->later_lock);
  if (--self->creates_in_flight == 0)
    g_cond_broadcast (&self->later_settled);
  g_mutex_unlock (&self->later_lock);
}

/* A durable create waits for a disk sync. Given to a store that settles
 * it on a thread of its own, the worker serves other connections in the
 * meantime, and the creates that arrive during one sync share the next
 * (with a blocking call, a worker thread held one create per sync). */
static void
create_later (Call         *call,
              RelayMailbox *mailbox,
              const char   *base)
{
  RelayHandler *self = call->self;
  LaterCreate *later = g_new0 (LaterCreate, 1);

  later->self = self;
  later->deferred = relay_deferred_new ();
  later->mailbox = relay_mailbox_copy (mailbox);
  later->base = g_strdup (base);
  later->client = g_object_ref (call->client);
  call->response->deferred = relay_deferred_ref (later->deferred);

  g_mutex_lock (&self->later_lock);
  self->creates_in_flight++;
  g_mutex_unlock (&self->later_lock);
  relay_store_create_async (self->store, mailbox, self->config->max_mailboxes, call->now,
                            on_create_settled, later);
}

static void
handle_create (Call *call)
{
  const RelayRequest *request = call->request;
  g_autoptr(RelayMailbox) mailbox = relay_mailbox_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  RelayAccess access;

  if (!take_create_token (call) || !read_access (call, &access))
    return;
  if (!relay_input_parse_create (call->self->config, request->body, request->body_size,
                                 call->now, mailbox, &error))
    {
      respond_input_error (call, error);
      return;
    }
  base = base_url (call);
  if (base == NULL)
    {
      respond_error (call, 400, "invalid-request",
                     "The request has no usable Host header to build the link from.");
      return;
    }

  new_mailbox_id (mailbox->mailbox_id);
  memcpy (mailbox->sender_claim_hash, access.claim_hash, RELAY_HASH_SIZE);
  mailbox->has_create_request = access.has_request_key;
  memcpy (mailbox->create_request_key, access.request_key, RELAY_HASH_SIZE);
  if (request->can_defer && relay_store_creates_async (call->self->store))
    create_later (call, g_steal_pointer (&mailbox), base);
  else
    store_new_mailbox (call, mailbox, base);
}

/* ------------------------------------------------------------------------ */
/* ReadSecureContent, with long poll                                        */
/* ------------------------------------------------------------------------ */

static void
add_read_headers (Call               *call,
                  const RelayMailbox *mailbox,
                  int                 prefer_wait)
{
  add_etag (call->response, mailbox->payload.etag);
  relay_response_add_header_number (call->response, "Mailbox-Binding-Epoch",
                                    mailbox->binding_epoch);
  add_no_store (call->response);
  if (prefer_wait >= 0)
    {
      g_autofree char *applied = g_strdup_printf ("wait=%d", prefer_wait);

      relay_response_add_header (call->response, "Preference-Applied", applied);
    }
}

static void
respond_content (Call               *call,
                 const RelayMailbox *mailbox,
                 int                 prefer_wait)
{
  GString *json = g_string_sized_new (256 + strlen (mailbox->payload.data));

  g_string_append (json, "{\"payload\":{\"type\":");
  relay_json_append_string (json, mailbox->payload.type);
  g_string_append (json, ",\"data\":");
  relay_json_append_string (json, mailbox->payload.data);
  g_string_append (json, "},\"displayInformation\":{\"title\":");
  relay_json_append_string (json, mailbox->title);
  if (mailbox->description != NULL)
    {
      g_string_append (json, ",\"description\":");
      relay_json_append_string (json, mailbox->description);
    }
  if (mailbox->image_url != NULL)
    {
      g_string_append (json, ",\"imageURL\":");
      relay_json_append_string (json, mailbox->image_url);
    }
  g_string_append (json, "},\"expiration\":");
  append_time (json, mailbox->expires_at);
  g_string_append_c (json, '}');

  relay_response_set_json (call->response, 200, json);
  add_read_headers (call, mailbox, prefer_wait);
}

/* The reader already holds this payload: wait for a change or say 304. */
static void
respond_unchanged (Call               *call,
                   const RelayAccess  *access,
                   const RelayMailbox *mailbox,
                   int                 prefer_wait)
{
  const RelayRequest *request = call->request;
  guint budget = request->resumed ? request->wait_left : (guint) MAX (prefer_wait, 0);

  /* A device bound since the poll began: the payload is the one the
   * poller holds, but the new epoch is news to it now (QA F1). */
  if (request->resumed && mailbox->binding_epoch != request->wait_epoch)
    budget = 0;
  if (budget > 0)
    {
      RelayResponse *response = call->response;

      response->wait = TRUE;
      response->wait_seconds = budget;
      response->wait_epoch = mailbox->binding_epoch;
      g_strlcpy (response->wait_mailbox_id, call->mailbox_id,
                 sizeof response->wait_mailbox_id);
      memcpy (response->wait_claim_hash, access->claim_hash, RELAY_HASH_SIZE);
      return;
    }

  relay_response_set_body (call->response, 304, NULL, NULL);
  add_read_headers (call, mailbox, prefer_wait);
}

static gboolean
take_read_token (Call *call)
{
  guint wait;

  if (call->request->resumed)
    return TRUE;
  wait = take_token (call->self, call->self->read_limiter, "read",
                     call->self->config->read_limit, call->mailbox_id, call->now_us);
  if (wait == 0)
    return TRUE;

  respond_limited (call, RELAY_LIMIT_READS, wait,
                   "This mailbox was read too often; wait a little before reading again.");
  return FALSE;
}

/* Reads the mailbox, then takes the read's token if the reader is a party
 * to it; FALSE with the answer given when over the limit or when the store
 * failed. Only the sender and the recipient (or the device that binds now)
 * spend the mailbox's read budget: a caller with some other claim is
 * refused 401 and counted by the failure limit of its address. When
 * strangers' reads spent the budget too, a few addresses, each within its
 * failure limit, kept both parties at 429 for as long as they went on (QA
 * H10). So the claim is checked before the token is taken, at the price of
 * a second round trip for a party's read on a store that keeps the buckets
 * (the token and the read used to go out together). */
static gboolean
read_from_store (Call              *call,
                 const RelayAccess *access,
                 const guint8      *bind_token_hash,
                 RelayOutcome      *outcome)
{
  g_autoptr(GError) error = NULL;

  if (!relay_store_read (call->self->store, access, bind_token_hash, outcome, &error))
    {
      respond_store_failure (call, error);
      return FALSE;
    }
  if (outcome->status != RELAY_STORE_OK)
    return TRUE;
  /* A device that has just bound is answered: the binding stands anyway,
   * and its next read counts. */
  if (outcome->bound_now)
    {
      take_token (call->self, call->self->read_limiter, "read",
                  call->self->config->read_limit, call->mailbox_id, call->now_us);
      return TRUE;
    }
  return take_read_token (call);
}

static void
answer_read (Call               *call,
             const RelayAccess  *access,
             const RelayOutcome *outcome,
             const char         *known_etag,
             int                 prefer_wait)
{
  if (outcome->status != RELAY_STORE_OK)
    respond_refusal (call, outcome, "This mailbox opens only with its bind token "
                     "(Mailbox-Bind-Token).");
  else if (known_etag != NULL && (g_str_equal (known_etag, "*") ||
                                  g_str_equal (known_etag, outcome->mailbox->payload.etag)))
    respond_unchanged (call, access, outcome->mailbox, prefer_wait);
  else
    respond_content (call, outcome->mailbox, prefer_wait);
}

static void
handle_read (Call *call)
{
  RelayHeaders *headers = call->request->headers;
  g_autofree char *known_etag = NULL;
  guint8 token_hash[RELAY_HASH_SIZE];
  gboolean has_token;
  int prefer_wait;
  RelayAccess access;
  RelayOutcome outcome;

  if (!read_access (call, &access))
    return;
  has_token = relay_input_bind_token_hash (headers, token_hash);
  prefer_wait = relay_input_prefer_wait (headers, call->self->config->max_wait);
  known_etag = relay_input_etag_condition (headers, "If-None-Match");

  relay_outcome_init (&outcome);
  if (read_from_store (call, &access, has_token ? token_hash : NULL, &outcome))
    answer_read (call, &access, &outcome, known_etag, prefer_wait);

  if (outcome.bound_now)
    {
      relay_metrics_count_binding (call->self->metrics);
      /* A binding changes no payload, so the store says nothing; the
       * sender's waiting poll must still look again (QA F1). */
      relay_waiters_notify (call->self->waiters, call->mailbox_id);
    }
  relay_outcome_clear (&outcome);
  tw_wipe (token_hash, sizeof token_hash);
}

/* ------------------------------------------------------------------------ */
/* UpdateMailbox, DeleteMailbox, RelinquishMailbox                          */
/* ------------------------------------------------------------------------ */

static void
respond_written (Call               *call,
                 guint               status,
                 const RelayMailbox *mailbox)
{
  relay_response_set_json (call->response, status,
                           g_string_new ("{\"isPushNotificationSupported\":false}"));
  if (mailbox != NULL)
    add_etag (call->response, mailbox->payload.etag);
  add_no_store (call->response);
}

static void
handle_update (Call *call)
{
  const RelayRequest *request = call->request;
  RelayPayload payload = { NULL, NULL, "" };
  g_autoptr(GError) error = NULL;
  g_autofree char *if_match = NULL;
  RelayAccess access;
  RelayOutcome outcome;

  if (!read_access (call, &access))
    return;
  if (!relay_input_parse_update (call->self->config, request->body, request->body_size,
                                 &payload, &error))
    {
      respond_input_error (call, error);
      return;
    }
  if_match = relay_input_etag_condition (request->headers, "If-Match");
  if (if_match != NULL && g_str_equal (if_match, "*"))
    g_clear_pointer (&if_match, g_free);

  relay_outcome_init (&outcome);
  if (!relay_store_update (call->self->store, &access, if_match, &payload, &outcome, &error))
    respond_store_failure (call, error);
  else if (outcome.status == RELAY_STORE_OK || outcome.status == RELAY_STORE_REPEATED)
    respond_written (call, outcome.status == RELAY_STORE_OK ? 200 : 201, outcome.mailbox);
  else
    respond_refusal (call, &outcome, outcome.status == RELAY_STORE_NOT_ALLOWED
                     ? "The recipient of this mailbox may not write to it."
                     : "This device is not a party to this mailbox.");
  relay_outcome_clear (&outcome);
  relay_payload_clear (&payload);
}

typedef gboolean (*EndingCall) (RelayStore         *store,
                                const RelayAccess  *access,
                                RelayOutcome       *outcome,
                                GError            **error);

static void
handle_ending_call (Call       *call,
                    EndingCall  store_call,
                    const char *refusal_message)
{
  g_autoptr(GError) error = NULL;
  RelayAccess access;
  RelayOutcome outcome;

  if (!read_access (call, &access))
    return;

  relay_outcome_init (&outcome);
  if (!store_call (call->self->store, &access, &outcome, &error))
    respond_store_failure (call, error);
  else if (outcome.status == RELAY_STORE_OK || outcome.status == RELAY_STORE_REPEATED)
    {
      relay_response_set_body (call->response, outcome.status == RELAY_STORE_OK ? 200 : 201,
                               NULL, NULL);
      add_no_store (call->response);
    }
  else
    respond_refusal (call, &outcome, refusal_message);
  relay_outcome_clear (&outcome);
}

/* ------------------------------------------------------------------------ */
/* Preview, static files, health, metrics                                   */
/* ------------------------------------------------------------------------ */

static void
add_preview_headers (RelayResponse *response)
{
  for (guint i = 0; relay_preview_headers[i] != NULL; i += 2)
    relay_response_add_header (response, relay_preview_headers[i],
                               relay_preview_headers[i + 1]);
}

static void
handle_preview (Call *call)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = base_url (call);
  RelayOutcome outcome;

  relay_outcome_init (&outcome);
  if (!relay_store_peek (call->self->store, call->mailbox_id, call->now, &outcome, &error))
    {
      respond_store_failure (call, error);
      return;
    }

  if (outcome.status == RELAY_STORE_OK)
    relay_response_set_body (call->response, 200, "text/html; charset=utf-8",
                             relay_preview_page (outcome.mailbox, base != NULL ? base : "",
                                                 relay_preview_vertical (call->request->query)));
  else
    relay_response_set_body (call->response, 404, "text/html; charset=utf-8",
                             relay_preview_missing_page ());
  add_preview_headers (call->response);
  relay_outcome_clear (&outcome);
}

static gboolean
is_get_or_head (const RelayRequest *request)
{
  return g_str_equal (request->method, "GET") || g_str_equal (request->method, "HEAD");
}

static RelayRoute
handle_static (Call *call)
{
  GBytes *body;
  const char *content_type;

  if (!relay_preview_static_file (call->request->path, &body, &content_type))
    {
      respond_error (call, 404, "not-found", "There is nothing at this address.");
      return RELAY_ROUTE_OTHER;
    }
  if (!is_get_or_head (call->request))
    {
      g_bytes_unref (body);
      respond_method_not_allowed (call, "GET, HEAD");
      return RELAY_ROUTE_STATIC;
    }

  relay_response_set_body (call->response, 200, content_type, body);
  relay_response_add_header (call->response, "Cache-Control", "public, max-age=86400");
  relay_response_add_header (call->response, "X-Content-Type-Options", "nosniff");
  return RELAY_ROUTE_STATIC;
}

static RelayRoute
handle_health (Call *call)
{
  if (!is_get_or_head (call->request))
    respond_method_not_allowed (call, "GET, HEAD");
  else
    relay_response_set_body (call->response, 200, "text/plain; charset=utf-8",
                             g_bytes_new_static ("ok\n", 3));
  add_no_store (call->response);
  return RELAY_ROUTE_HEALTH;
}

static RelayRoute
handle_metrics (Call *call)
{
  RelayHandler *self = call->self;
  guint64 live = 0;
  char *text;

  if (!is_get_or_head (call->request))
    {
      respond_method_not_allowed (call, "GET, HEAD");
      return RELAY_ROUTE_METRICS;
    }

  relay_store_count_live (self->store, &live, NULL);
  text = relay_metrics_render (self->metrics, live, relay_waiters_count (self->waiters));
  relay_response_set_body (call->response, 200, "text/plain; version=0.0.4; charset=utf-8",
                           g_bytes_new_take (text, strlen (text)));
  add_no_store (call->response);
  return RELAY_ROUTE_METRICS;
}

/* ------------------------------------------------------------------------ */
/* Routing                                                                  */
/* ------------------------------------------------------------------------ */

/* The calls on one mailbox, by method. */
static const struct {
  const char *method;
  RelayRoute  route;
} mailbox_calls[] = {
  { "GET", RELAY_ROUTE_PREVIEW },
  { "HEAD", RELAY_ROUTE_PREVIEW },
  { "POST", RELAY_ROUTE_READ },
  { "PUT", RELAY_ROUTE_UPDATE },
  { "DELETE", RELAY_ROUTE_DELETE },
  { "PATCH", RELAY_ROUTE_RELINQUISH },
};

static RelayRoute
route_mailbox (Call *call)
{
  RelayRoute route = RELAY_ROUTE_OTHER;

  for (gsize i = 0; i < G_N_ELEMENTS (mailbox_calls); i++)
    if (g_str_equal (call->request->method, mailbox_calls[i].method))
      route = mailbox_calls[i].route;

  switch (route)
    {
    case RELAY_ROUTE_PREVIEW:
      handle_preview (call);
      break;
    case RELAY_ROUTE_READ:
      handle_read (call);
      break;
    case RELAY_ROUTE_UPDATE:
      handle_update (call);
      break;
    case RELAY_ROUTE_DELETE:
      handle_ending_call (call, relay_store_delete, "This device may not delete this mailbox.");
      break;
    case RELAY_ROUTE_RELINQUISH:
      handle_ending_call (call, relay_store_relinquish,
                          "Only the bound recipient may relinquish this mailbox, and only "
                          "if it allows that and has not been relinquished too often.");
      break;
    case RELAY_ROUTE_CREATE:
    case RELAY_ROUTE_STATIC:
    case RELAY_ROUTE_HEALTH:
    case RELAY_ROUTE_METRICS:
    case RELAY_ROUTE_OTHER:
    case RELAY_N_ROUTES:
    default:
      respond_method_not_allowed (call, "GET, HEAD, POST, PUT, DELETE, PATCH");
      break;
    }
  return route;
}

/* A source that drew too many 401 and 404 answers is probably guessing
 * mailbox ids: it waits before it may try again. */
static gboolean
source_is_refused (Call *call)
{
  guint wait;

  if (!call->self->config->rate_limits || call->request->resumed)
    return FALSE;
  wait = relay_limiter_check (call->self->failure_limiter, call_client_key (call),
                              call->now_us);
  if (wait == 0)
    return FALSE;

  respond_limited (call, RELAY_LIMIT_FAILURES, wait,
                   "Too many failed requests came from your address; try again later.");
  return TRUE;
}

static RelayRoute
route_public (Call *call)
{
  const char *path = call->request->path;

  if (g_str_equal (path, "/healthz"))
    return handle_health (call);
  if (g_str_has_prefix (path, "/static/"))
    return handle_static (call);
  if (source_is_refused (call))
    return RELAY_ROUTE_OTHER;

  if (g_str_equal (path, "/v1/m"))
    {
      if (!g_str_equal (call->request->method, "POST"))
        {
          respond_method_not_allowed (call, "POST");
          return RELAY_ROUTE_OTHER;
        }
      handle_create (call);
      return RELAY_ROUTE_CREATE;
    }
  if (g_str_has_prefix (path, "/v1/m/") && relay_input_is_uuid (path + strlen ("/v1/m/")))
    {
      call->mailbox_id = path + strlen ("/v1/m/");
      return route_mailbox (call);
    }

  respond_error (call, 404, "not-found", "There is nothing at this address.");
  return RELAY_ROUTE_OTHER;
}

static RelayRoute
route_admin (Call *call)
{
  const char *path = call->request->path;

  if (g_str_equal (path, "/healthz"))
    return handle_health (call);
  if (g_str_equal (path, "/metrics"))
    return handle_metrics (call);

  respond_error (call, 404, "not-found", "The admin address serves /metrics and /healthz.");
  return RELAY_ROUTE_OTHER;
}

static gboolean
check_sizes (Call *call)
{
  const RelayConfig *config = call->self->config;
  const RelayRequest *request = call->request;
  gsize url_size = strlen (request->path) + (request->query ? strlen (request->query) + 1 : 0);

  if (config->max_url > 0 && url_size > config->max_url)
    respond_error (call, 414, "invalid-request", "The address is longer than this relay "
                   "accepts.");
  else if (config->max_headers > 0 &&
           relay_headers_get_size (request->headers) > config->max_headers)
    respond_error (call, 431, "invalid-request", "The request headers are larger than this "
                   "relay accepts.");
  else if (config->max_body > 0 && request->body_size > config->max_body)
    respond_error (call, 413, "payload-too-large", "The request body is larger than this "
                   "relay accepts.");
  else
    return TRUE;

  relay_metrics_count_limit (call->self->metrics, RELAY_LIMIT_SIZE);
  return FALSE;
}

static void
count_failure (Call *call)
{
  guint status = call->response->status;

  if ((status == 401 || status == 404) && call->self->config->rate_limits &&
      !call->request->resumed && !call->request->admin)
    relay_limiter_take (call->self->failure_limiter, call_client_key (call), call->now_us);
}

void
relay_handler_handle (RelayHandler       *self,
                      const RelayRequest *request,
                      RelayResponse      *response)
{
  Call call = { self, request, response, g_get_real_time (), 0, NULL, NULL, NULL };
  RelayRoute route;

  g_return_if_fail (RELAY_IS_HANDLER (self));

  call.now = call.now_us / G_USEC_PER_SEC;
  call.client = client_address (self, request);

  if (!check_sizes (&call))
    route = RELAY_ROUTE_OTHER;
  else if (request->admin)
    route = route_admin (&call);
  else
    route = route_public (&call);

  /* A deferred answer is counted once it is settled (on_create_settled). */
  if (!response->wait && response->deferred == NULL)
    {
      count_failure (&call);
      relay_metrics_count_request (self->metrics, route, response->status);
    }
  g_object_unref (call.client);
  g_free (call.client_key);
}

void
relay_handler_refuse_oversized (RelayHandler  *self,
                                RelayResponse *response)
{
  relay_response_set_error (response, 413, "payload-too-large",
                            "The request body is larger than this relay accepts.");
  relay_response_add_header (response, "Cache-Control", "no-store");
  relay_metrics_count_limit (self->metrics, RELAY_LIMIT_SIZE);
  relay_metrics_count_request (self->metrics, RELAY_ROUTE_OTHER, 413);
}

void
relay_handler_refuse_wait (RelayHandler  *self,
                           RelayResponse *response)
{
  response->wait = FALSE;
  relay_response_set_error (response, 429, "rate-limited",
                            "Too many requests are waiting for changes; try again shortly.");
  relay_response_add_header (response, "Cache-Control", "no-store");
  add_retry_after (response, WAITING_RETRY_SECONDS);
  relay_metrics_count_limit (self->metrics, RELAY_LIMIT_WAITING);
  relay_metrics_count_request (self->metrics, RELAY_ROUTE_READ, 429);
}

/* ------------------------------------------------------------------------ */
/* Housekeeping and life cycle                                              */
/* ------------------------------------------------------------------------ */

void
relay_handler_prune_limits (RelayHandler *self)
{
  gint64 now_us = g_get_real_time ();

  relay_limiter_prune (self->create_limiter, now_us);
  relay_limiter_prune (self->failure_limiter, now_us);
  relay_limiter_prune (self->read_limiter, now_us);
}

gboolean
relay_handler_sweep (RelayHandler  *self,
                     guint         *swept_out,
                     GError       **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint total = 0, swept;

  /* Small batches, each its own transaction, so requests are served in
   * between and no single write holds the database for long. */
  do
    {
      if (!relay_store_sweep (self->store, now, SWEEP_BATCH, &swept, error))
        return FALSE;
      total += swept;
    }
  while (swept == SWEEP_BATCH);

  relay_metrics_count_swept (self->metrics, total);
  if (swept_out != NULL)
    *swept_out = total;
  return TRUE;
}

RelayWaiters *
relay_handler_get_waiters (RelayHandler *self)
{
  return self->waiters;
}

RelayStore *
relay_handler_get_store (RelayHandler *self)
{
  return self->store;
}

static void
on_store_change (const char *mailbox_id,
                 const char *etag,
                 gpointer    user_data)
{
  RelayHandler *self = user_data;

  if (mailbox_id == NULL)
    relay_waiters_notify_all (self->waiters);
  else
    relay_waiters_notify (self->waiters, mailbox_id);
}

static gboolean
set_up_addresses (RelayHandler  *self,
                  GError       **error)
{
  const RelayConfig *config = self->config;

  for (guint i = 0; config->trusted_proxies != NULL && config->trusted_proxies[i]; i++)
    {
      GInetAddress *proxy = g_inet_address_new_from_string (config->trusted_proxies[i]);

      if (proxy == NULL)
        {
          g_set_error (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID,
                       "--trusted-proxy \"%s\" is not an IP address",
                       config->trusted_proxies[i]);
          return FALSE;
        }
      g_ptr_array_add (self->trusted_proxies, proxy);
    }

  if (config->public_url != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (config->public_url, G_URI_FLAGS_NONE, NULL);
      const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;

      if (uri == NULL || g_uri_get_host (uri) == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) ||
          (path != NULL && *path != '\0' && !g_str_equal (path, "/")))
        {
          g_set_error (error, RELAY_CONFIG_ERROR, RELAY_CONFIG_ERROR_INVALID,
                       "--public-url must be like https://relay.example.org (a scheme and "
                       "a host, with no path)");
          return FALSE;
        }
      self->public_url = g_strdup (config->public_url);
      if (g_str_has_suffix (self->public_url, "/"))
        self->public_url[strlen (self->public_url) - 1] = '\0';
    }
  return TRUE;
}

RelayHandler *
relay_handler_new (const RelayConfig  *config,
                   RelayStore         *store,
                   GError            **error)
{
  g_autoptr(RelayHandler) self = g_object_new (RELAY_TYPE_HANDLER, NULL);

  self->config = config;
  self->store = g_object_ref (store);
  if (!set_up_addresses (self, error))
    return NULL;

  self->create_limiter = relay_limiter_new (config->create_limit);
  self->failure_limiter = relay_limiter_new (config->failure_limit);
  self->read_limiter = relay_limiter_new (config->read_limit);
  self->waiters = relay_waiters_new (config->max_waiting);
  relay_store_set_change_func (store, on_store_change, self);
  return g_steal_pointer (&self);
}

static void
relay_handler_dispose (GObject *object)
{
  RelayHandler *self = RELAY_HANDLER (object);

  /* They settle within a disk sync, and each uses the metrics. */
  g_mutex_lock (&self->later_lock);
  while (self->creates_in_flight > 0)
    g_cond_wait (&self->later_settled, &self->later_lock);
  g_mutex_unlock (&self->later_lock);

  if (self->store != NULL)
    relay_store_set_change_func (self->store, NULL, NULL);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (relay_handler_parent_class)->dispose (object);
}

static void
relay_handler_finalize (GObject *object)
{
  RelayHandler *self = RELAY_HANDLER (object);

  g_free (self->public_url);
  g_ptr_array_unref (self->trusted_proxies);
  g_clear_pointer (&self->create_limiter, relay_limiter_free);
  g_clear_pointer (&self->failure_limiter, relay_limiter_free);
  g_clear_pointer (&self->read_limiter, relay_limiter_free);
  g_clear_pointer (&self->waiters, relay_waiters_free);
  relay_metrics_free (self->metrics);
  g_mutex_clear (&self->later_lock);
  g_cond_clear (&self->later_settled);

  G_OBJECT_CLASS (relay_handler_parent_class)->finalize (object);
}

static void
relay_handler_class_init (RelayHandlerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = relay_handler_dispose;
  object_class->finalize = relay_handler_finalize;
}

static void
relay_handler_init (RelayHandler *self)
{
  self->trusted_proxies = g_ptr_array_new_with_free_func (g_object_unref);
  self->metrics = relay_metrics_new ();
  g_mutex_init (&self->later_lock);
  g_cond_init (&self->later_settled);
}
