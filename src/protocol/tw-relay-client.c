/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-relay-client.h"

#include <libsoup/soup.h>
#include <string.h>

#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-json-secret.h"
#include "tw-json-strict.h"
#include "tw-link-key.h"

/* Longest header value we accept from the relay for an ETag and the
 * longest id, claim or request id we send. */
#define MAX_TOKEN_LENGTH 128
/* The shortest sealed payload: an IV and a tag around nothing. */
#define MIN_SEALED_SIZE (TW_AES_GCM_IV_SIZE + TW_AES_GCM_TAG_SIZE)
/* The longest Retry-After we honour, so a broken relay cannot park us. */
#define MAX_RETRY_AFTER 86400
#define ANSWER_CHUNK_SIZE 16384
/* RFC 6585; libsoup 3.2 has no name for it. */
#define HTTP_TOO_MANY_REQUESTS 429

struct _TwRelayMailbox
{
  GObject      parent_instance;

  SoupSession *session;
  TwSecret    *device_claim;
  char        *scheme;
  char        *host;
  int          port;            /* -1: the scheme's default */
  char        *mailbox_id;      /* NULL until created */
  gboolean     create_in_flight;

  guint        connect_timeout;
  guint        request_timeout;
  guint        max_attempts;
  guint        first_delay_ms;
  guint        max_delay_ms;
};

G_DEFINE_FINAL_TYPE (TwRelayMailbox, tw_relay_mailbox, G_TYPE_OBJECT)

typedef enum {
  CALL_CREATE,
  CALL_READ_DISPLAY,
  CALL_READ_CONTENT,
  CALL_UPDATE,
  CALL_DELETE,
  CALL_RELINQUISH,
} CallKind;

/* One logical request, kept across its attempts as the GTask's data. */
typedef struct
{
  CallKind      kind;
  const char   *method;
  GUri         *uri;
  GBytes       *body;                /* NULL: no body */
  char         *request_id;          /* NULL: no Mailbox-Request-ID */
  gboolean      send_claim;
  TwSecret     *bind_token_header;   /* base64(B) as text, or NULL */
  char         *if_match;
  char         *if_none_match;
  guint         wait_seconds;

  guint         attempt;             /* 1 for the first */
  GSource      *user_cancel_source;
  GSource      *retry_source;

  /* The current attempt. */
  SoupMessage  *message;
  gulong        network_event_id;
  GCancellable *attempt_cancellable;
  GSource      *deadline_source;
  GSource      *connect_deadline_source;
  gboolean      connected;
  gboolean      timed_out;
  gboolean      connect_timed_out;
  GInputStream *answer_stream;
  GByteArray   *answer;
} RelayCall;

static void attempt_start (GTask *task);

/* ------------------------------------------------------------------------
 * Result structs
 * ------------------------------------------------------------------------ */

void
tw_relay_created_free (TwRelayCreated *created)
{
  if (created == NULL)
    return;

  g_free (created->url_link);
  g_free (created->mailbox_id);
  g_free (created->etag);
  g_clear_pointer (&created->expiration, g_date_time_unref);
  g_clear_pointer (&created->relay_date, g_date_time_unref);
  g_free (created);
}

void
tw_relay_content_free (TwRelayContent *content)
{
  if (content == NULL)
    return;

  g_free (content->payload_type);
  g_clear_pointer (&content->payload_data, g_bytes_unref);
  g_free (content->title);
  g_free (content->description);
  g_free (content->image_url);
  g_clear_pointer (&content->expiration, g_date_time_unref);
  g_free (content->etag);
  g_clear_pointer (&content->relay_date, g_date_time_unref);
  g_free (content);
}

static void
relay_call_clear_attempt (RelayCall *call)
{
  if (call->deadline_source != NULL)
    g_source_destroy (call->deadline_source);
  g_clear_pointer (&call->deadline_source, g_source_unref);
  if (call->connect_deadline_source != NULL)
    g_source_destroy (call->connect_deadline_source);
  g_clear_pointer (&call->connect_deadline_source, g_source_unref);

  if (call->message != NULL && call->network_event_id != 0)
    g_signal_handler_disconnect (call->message, call->network_event_id);
  call->network_event_id = 0;
  g_clear_object (&call->message);
  g_clear_object (&call->answer_stream);
  g_clear_pointer (&call->answer, g_byte_array_unref);
  g_clear_object (&call->attempt_cancellable);
  call->connected = FALSE;
  call->timed_out = FALSE;
  call->connect_timed_out = FALSE;
}

/* Stops every timer and watch of the call. The sources hold references
 * to the task, so this must run before the call ends. */
static void
relay_call_clear_sources (RelayCall *call)
{
  relay_call_clear_attempt (call);

  if (call->user_cancel_source != NULL)
    g_source_destroy (call->user_cancel_source);
  g_clear_pointer (&call->user_cancel_source, g_source_unref);
  if (call->retry_source != NULL)
    g_source_destroy (call->retry_source);
  g_clear_pointer (&call->retry_source, g_source_unref);
}

static void
relay_call_free (RelayCall *call)
{
  relay_call_clear_sources (call);

  g_clear_pointer (&call->uri, g_uri_unref);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call->request_id);
  g_clear_pointer (&call->bind_token_header, tw_secret_unref);
  g_free (call->if_match);
  g_free (call->if_none_match);
  g_free (call);
}

/* ------------------------------------------------------------------------
 * Small checks and helpers
 * ------------------------------------------------------------------------ */

/* Claims and request ids go into headers: letters, digits and '-' only, so
 * that nothing a caller passes can split or extend a header. */
static gboolean
token_is_well_formed (const char *token)
{
  gsize length;

  if (token == NULL)
    return FALSE;

  length = strlen (token);
  if (length == 0 || length > MAX_TOKEN_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (token[i]) && token[i] != '-')
      return FALSE;

  return TRUE;
}

/* Payload types are names like AEAD_AES_256_GCM. */
static gboolean
payload_type_is_well_formed (const char *type)
{
  gsize length = strlen (type);

  if (length == 0 || length > 64)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (type[i]) && type[i] != '_' && type[i] != '-')
      return FALSE;

  return TRUE;
}

/* An ETag is opaque to us, but we echo it in If-Match and If-None-Match:
 * visible ASCII only, bounded. */
static gboolean
etag_is_well_formed (const char *etag)
{
  gsize length;

  if (etag == NULL)
    return FALSE;

  length = strlen (etag);
  if (length == 0 || length > MAX_TOKEN_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (etag[i] < 0x21 || etag[i] > 0x7e)
      return FALSE;

  return TRUE;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* A UUID v4 from the CSPRNG, in canonical lower-case form, written into
 * @out (37 bytes with the NUL). */
static void
format_random_uuid (char out[37])
{
  static const char hex[] = "0123456789abcdef";
  guint8 bytes[16];
  gsize pos = 0;

  tw_random_bytes (bytes, sizeof bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;   /* version 4 */
  bytes[8] = (bytes[8] & 0x3f) | 0x80;   /* variant 10xx */

  for (gsize i = 0; i < sizeof bytes; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        out[pos++] = '-';
      out[pos++] = hex[bytes[i] >> 4];
      out[pos++] = hex[bytes[i] & 0x0f];
    }
  out[pos] = '\0';

  tw_wipe (bytes, sizeof bytes);
}

TwSecret *
tw_relay_new_device_claim (void)
{
  char text[37];
  TwSecret *claim;

  format_random_uuid (text);
  claim = tw_secret_new_from_string (text);
  tw_wipe (text, sizeof text);

  return claim;
}

char *
tw_relay_new_request_id (void)
{
  char text[37];

  format_random_uuid (text);
  return g_strdup (text);
}

/* ------------------------------------------------------------------------
 * Construction
 * ------------------------------------------------------------------------ */

static void
tw_relay_mailbox_finalize (GObject *object)
{
  TwRelayMailbox *self = TW_RELAY_MAILBOX (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->device_claim, tw_secret_unref);
  g_free (self->scheme);
  g_free (self->host);
  g_free (self->mailbox_id);

  G_OBJECT_CLASS (tw_relay_mailbox_parent_class)->finalize (object);
}

static void
tw_relay_mailbox_class_init (TwRelayMailboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tw_relay_mailbox_finalize;
}

static void
tw_relay_mailbox_init (TwRelayMailbox *self)
{
  self->port = -1;
  self->connect_timeout = TW_RELAY_DEFAULT_CONNECT_TIMEOUT;
  self->request_timeout = TW_RELAY_DEFAULT_REQUEST_TIMEOUT;
  self->max_attempts = TW_RELAY_DEFAULT_MAX_ATTEMPTS;
  self->first_delay_ms = TW_RELAY_DEFAULT_FIRST_DELAY_MS;
  self->max_delay_ms = TW_RELAY_DEFAULT_MAX_DELAY_MS;
}

static gboolean
check_scheme_and_host (const char  *scheme,
                       const char  *host,
                       GError     **error)
{
  if (host == NULL || *host == '\0')
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_INVALID_URL, NULL, 0, NULL,
                          "The relay address has no host");
      return FALSE;
    }

  if (g_strcmp0 (scheme, "https") == 0)
    return TRUE;

  if (g_strcmp0 (scheme, "http") != 0)
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_INVALID_URL, host, 0, NULL,
                          "The relay address for %s is not http or https", host);
      return FALSE;
    }

  if (!host_is_loopback (host))
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_INSECURE_URL, host, 0, NULL,
                          "Refusing plain http to %s: only a relay on this "
                          "computer may be reached without https", host);
      return FALSE;
    }

  return TRUE;
}

/* Each mailbox gets a session of its own, with nothing that could tell the
 * relay more than the request needs: no content decoder (no
 * Accept-Encoding), no cookies, no Accept-Language, no redirects. */
static gboolean
mailbox_setup_session (TwRelayMailbox  *self,
                       const char      *ca_file,
                       GError         **error)
{
  /* Our own timers bound connecting and each attempt (long polls outlast
   * any fixed I/O timeout), so libsoup's are off. */
  self->session = soup_session_new_with_options ("user-agent", TW_RELAY_USER_AGENT,
                                                 "timeout", 0,
                                                 "max-conns-per-host", 2,
                                                 NULL);
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);

  /* A relay on this computer is never reached through a proxy. */
  if (host_is_loopback (self->host))
    soup_session_set_proxy_resolver (self->session, NULL);

  if (ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!g_path_is_absolute (ca_file))
        {
          tw_relay_error_set (error, TW_RELAY_ERROR_BAD_CA_FILE, self->host, 0, NULL,
                              "The CA file for the relay must be given as an absolute path");
          return FALSE;
        }

      database = g_tls_file_database_new (ca_file, &local_error);
      if (database == NULL)
        {
          tw_relay_error_set (error, TW_RELAY_ERROR_BAD_CA_FILE, self->host, 0, NULL,
                              "Could not load the CA file for the relay: %s",
                              local_error->message);
          return FALSE;
        }
      soup_session_set_tls_database (self->session, database);
    }

  return TRUE;
}

static TwRelayMailbox *
mailbox_new (const char  *scheme,
             const char  *host,
             int          port,
             TwSecret    *device_claim,
             const char  *ca_file,
             GError     **error)
{
  g_autoptr(TwRelayMailbox) self = NULL;

  if (!check_scheme_and_host (scheme, host, error))
    return NULL;

  self = g_object_new (TW_TYPE_RELAY_MAILBOX, NULL);
  self->scheme = g_strdup (scheme);
  self->host = g_ascii_strdown (host, -1);
  if ((g_str_equal (scheme, "https") && port == 443)
      || (g_str_equal (scheme, "http") && port == 80))
    port = -1;
  self->port = port;
  self->device_claim = tw_secret_ref (device_claim);

  if (!mailbox_setup_session (self, ca_file, error))
    return NULL;

  return g_steal_pointer (&self);
}

TwRelayMailbox *
tw_relay_mailbox_new_for_relay (const char  *relay_url,
                                TwSecret    *device_claim,
                                const char  *ca_file,
                                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;

  g_return_val_if_fail (relay_url != NULL, NULL);
  g_return_val_if_fail (device_claim != NULL, NULL);
  g_return_val_if_fail (token_is_well_formed (tw_secret_get_text (device_claim)), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = g_uri_parse (relay_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || strlen (relay_url) > TW_LINK_MAX_LENGTH)
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_INVALID_URL, NULL, 0, NULL,
                          "The relay address is not a valid URL");
      return NULL;
    }

  path = g_uri_get_path (uri);
  if (g_uri_get_userinfo (uri) != NULL || (*path != '\0' && !g_str_equal (path, "/")))
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_INVALID_URL, g_uri_get_host (uri), 0, NULL,
                          "The relay address must be only scheme, host and port");
      return NULL;
    }

  /* The query and fragment are dropped here: nothing of them is sent. */
  return mailbox_new (g_uri_get_scheme (uri), g_uri_get_host (uri), g_uri_get_port (uri),
                      device_claim, ca_file, error);
}

TwRelayMailbox *
tw_relay_mailbox_new_for_link (TwLink      *link,
                               TwSecret    *device_claim,
                               const char  *ca_file,
                               GError     **error)
{
  TwRelayMailbox *self;

  g_return_val_if_fail (link != NULL, NULL);
  g_return_val_if_fail (device_claim != NULL, NULL);
  g_return_val_if_fail (token_is_well_formed (tw_secret_get_text (device_claim)), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = mailbox_new (tw_link_get_scheme (link), tw_link_get_host (link),
                      tw_link_get_port (link), device_claim, ca_file, error);
  if (self != NULL)
    self->mailbox_id = g_strdup (tw_link_get_mailbox_id (link));

  return self;
}

const char *
tw_relay_mailbox_get_host (TwRelayMailbox *self)
{
  g_return_val_if_fail (TW_IS_RELAY_MAILBOX (self), NULL);

  return self->host;
}

const char *
tw_relay_mailbox_get_mailbox_id (TwRelayMailbox *self)
{
  g_return_val_if_fail (TW_IS_RELAY_MAILBOX (self), NULL);

  return self->mailbox_id;
}

static GUri *
mailbox_build_uri (TwRelayMailbox *self,
                   const char     *mailbox_id)
{
  g_autofree char *path = NULL;

  if (mailbox_id != NULL)
    path = g_strconcat ("/v1/m/", mailbox_id, NULL);
  else
    path = g_strdup ("/v1/m");

  return g_uri_build (G_URI_FLAGS_NONE, self->scheme, NULL, self->host, self->port,
                      path, NULL, NULL);
}

char *
tw_relay_mailbox_dup_mailbox_url (TwRelayMailbox *self)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (TW_IS_RELAY_MAILBOX (self), NULL);

  if (self->mailbox_id == NULL)
    return NULL;

  uri = mailbox_build_uri (self, self->mailbox_id);
  return g_uri_to_string (uri);
}

void
tw_relay_mailbox_set_timeouts (TwRelayMailbox *self,
                               guint           connect_timeout,
                               guint           request_timeout)
{
  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (connect_timeout > 0 && request_timeout > 0);

  self->connect_timeout = connect_timeout;
  self->request_timeout = request_timeout;
}

void
tw_relay_mailbox_set_retry_policy (TwRelayMailbox *self,
                                   guint           max_attempts,
                                   guint           first_delay_ms,
                                   guint           max_delay_ms)
{
  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (max_attempts >= 1);
  g_return_if_fail (first_delay_ms <= max_delay_ms);

  self->max_attempts = max_attempts;
  self->first_delay_ms = first_delay_ms;
  self->max_delay_ms = max_delay_ms;
}

/* ------------------------------------------------------------------------
 * Parsing what the relay answered
 * ------------------------------------------------------------------------ */

static void
set_relay_bug (GError     **error,
               const char  *host,
               const char  *what)
{
  tw_relay_error_set (error, TW_RELAY_ERROR_RELAY_BUG, host, 0, NULL,
                      "The relay at %s gave an answer we cannot use: %s", host, what);
}

static JsonObject *
parse_answer_object (GBytes      *answer,
                     const char  *host,
                     GError     **error)
{
  TwJsonLimits limits = {
    .max_depth = 4,
    .max_string_size = TW_RELAY_MAX_ANSWER_SIZE,
    .max_total_size = TW_RELAY_MAX_ANSWER_SIZE,
  };
  g_autoptr(GError) json_error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (answer, &size);
  JsonObject *object;

  if (size == 0)
    {
      set_relay_bug (error, host, "the answer is empty");
      return NULL;
    }

  object = tw_json_strict_parse_object (data, size, &limits, &json_error);
  if (object == NULL)
    set_relay_bug (error, host, json_error->message);

  return object;
}

/* RFC 3339 with an explicit offset ("Z" or "+hh:mm"), converted to UTC. */
static GDateTime *
parse_rfc3339 (const char *text)
{
  g_autoptr(GDateTime) parsed = NULL;
  const char *time_part;

  time_part = strchr (text, 'T');
  if (time_part == NULL
      || (strchr (time_part, 'Z') == NULL && strchr (time_part, '+') == NULL
          && strchr (time_part, '-') == NULL))
    return NULL;

  parsed = g_date_time_new_from_iso8601 (text, NULL);
  if (parsed == NULL)
    return NULL;

  return g_date_time_to_utc (parsed);
}

static gboolean
get_optional_expiration (JsonObject  *object,
                         GDateTime  **expiration,
                         const char  *host,
                         GError     **error)
{
  g_autoptr(GError) json_error = NULL;
  const char *text = NULL;

  if (!tw_json_get_optional_string (object, "expiration", &text, &json_error))
    {
      set_relay_bug (error, host, json_error->message);
      return FALSE;
    }
  if (text == NULL)
    return TRUE;

  *expiration = parse_rfc3339 (text);
  if (*expiration == NULL)
    {
      set_relay_bug (error, host, "the expiration is not an RFC 3339 time");
      return FALSE;
    }

  return TRUE;
}

static gboolean
get_header_etag (SoupMessage  *message,
                 char        **etag,
                 const char   *host,
                 GError      **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *value = soup_message_headers_get_one (headers, "ETag");

  if (value == NULL)
    return TRUE;

  if (!etag_is_well_formed (value))
    {
      set_relay_bug (error, host, "the ETag header is malformed");
      return FALSE;
    }

  *etag = g_strdup (value);
  return TRUE;
}

static GDateTime *
get_header_date (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *value = soup_message_headers_get_one (headers, "Date");

  return value != NULL ? soup_date_time_new_from_http_string (value) : NULL;
}

static gboolean
parse_decimal (const char *text,
               guint64     max,
               guint64    *value)
{
  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;

  return g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL);
}

static TwRelayCreated *
parse_created (TwRelayMailbox  *self,
               SoupMessage     *message,
               GBytes          *answer,
               GError         **error)
{
  g_autoptr(TwRelayCreated) created = g_new0 (TwRelayCreated, 1);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(TwLink) link = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *url_link;

  object = parse_answer_object (answer, self->host, error);
  if (object == NULL)
    return NULL;

  url_link = tw_json_get_string (object, "urlLink", &local_error);
  if (url_link == NULL)
    {
      set_relay_bug (error, self->host, local_error->message);
      return NULL;
    }

  /* The link parser holds the rules for what a mailbox URL may be. */
  link = tw_link_new_from_mailbox_url (url_link, TW_LINK_VERTICAL_ACCESS, NULL, &local_error);
  if (link == NULL)
    {
      set_relay_bug (error, self->host, "the urlLink is not a mailbox URL");
      return NULL;
    }

  created->url_link = g_strdup (url_link);
  created->mailbox_id = g_strdup (tw_link_get_mailbox_id (link));
  created->relay_date = get_header_date (message);
  if (!get_optional_expiration (object, &created->expiration, self->host, error)
      || !get_header_etag (message, &created->etag, self->host, error))
    return NULL;

  return g_steal_pointer (&created);
}

static gboolean
parse_payload (JsonObject      *object,
               TwRelayContent  *content,
               const char      *host,
               GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *payload;
  const char *type;
  const char *data;

  if ((payload = tw_json_get_object (object, "payload", &local_error)) == NULL
      || (type = tw_json_get_string (payload, "type", &local_error)) == NULL
      || (data = tw_json_get_string (payload, "data", &local_error)) == NULL)
    {
      set_relay_bug (error, host, local_error->message);
      return FALSE;
    }

  content->payload_data = tw_base64_decode_bytes (data, -1, TW_BASE64_STANDARD, NULL);
  if (content->payload_data == NULL
      || g_bytes_get_size (content->payload_data) < MIN_SEALED_SIZE
      || !payload_type_is_well_formed (type))
    {
      set_relay_bug (error, host, "the payload is malformed");
      return FALSE;
    }
  content->payload_type = g_strdup (type);

  return TRUE;
}

static gboolean
parse_display_information (JsonObject      *object,
                           TwRelayContent  *content,
                           const char      *host,
                           GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *display = NULL;
  const char *title = NULL;
  const char *description = NULL;
  const char *image_url = NULL;

  if (!tw_json_get_optional_object (object, "displayInformation", &display, &local_error)
      || (display != NULL
          && (!tw_json_get_optional_string (display, "title", &title, &local_error)
              || !tw_json_get_optional_string (display, "description", &description,
                                               &local_error)
              || !tw_json_get_optional_string (display, "imageURL", &image_url,
                                               &local_error))))
    {
      set_relay_bug (error, host, local_error->message);
      return FALSE;
    }

  content->title = g_strdup (title);
  content->description = g_strdup (description);
  content->image_url = g_strdup (image_url);
  return TRUE;
}

static gboolean
parse_content_headers (SoupMessage     *message,
                       TwRelayContent  *content,
                       const char      *host,
                       GError         **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *epoch_text = soup_message_headers_get_one (headers, "Mailbox-Binding-Epoch");
  const char *applied = soup_message_headers_get_one (headers, "Preference-Applied");
  guint64 epoch = 0;

  if (epoch_text != NULL && !parse_decimal (epoch_text, G_MAXUINT16, &epoch))
    {
      set_relay_bug (error, host, "the binding epoch is not a number");
      return FALSE;
    }
  content->binding_epoch = epoch;
  content->wait_applied = applied != NULL && strstr (applied, "wait") != NULL;
  content->relay_date = get_header_date (message);

  return get_header_etag (message, &content->etag, host, error);
}

static TwRelayContent *
parse_content (TwRelayMailbox  *self,
               SoupMessage     *message,
               GBytes          *answer,
               GError         **error)
{
  g_autoptr(TwRelayContent) content = g_new0 (TwRelayContent, 1);
  g_autoptr(JsonObject) object = NULL;

  if (!parse_content_headers (message, content, self->host, error))
    return NULL;

  if (soup_message_get_status (message) == SOUP_STATUS_NOT_MODIFIED)
    {
      content->not_modified = TRUE;
      return g_steal_pointer (&content);
    }

  object = parse_answer_object (answer, self->host, error);
  if (object == NULL
      || !parse_payload (object, content, self->host, error)
      || !parse_display_information (object, content, self->host, error)
      || !get_optional_expiration (object, &content->expiration, self->host, error))
    return NULL;

  return g_steal_pointer (&content);
}

/* ------------------------------------------------------------------------
 * Turning failures into TW_RELAY_ERROR
 * ------------------------------------------------------------------------ */

/* The relay's error code, if its body is {"error": code, ...} with a code
 * of the expected form. Its message is never read: it is not ours to show. */
static char *
answer_relay_code (GBytes *answer)
{
  g_autoptr(JsonObject) object = NULL;
  const char *code;
  gsize size;
  const char *data;

  if (answer == NULL)
    return NULL;

  data = g_bytes_get_data (answer, &size);
  if (size == 0)
    return NULL;

  object = tw_json_strict_parse_object (data, size, NULL, NULL);
  if (object == NULL)
    return NULL;

  code = tw_json_get_string (object, "error", NULL);
  if (code == NULL || !token_is_well_formed (code))
    return NULL;

  return g_ascii_strdown (code, -1);
}

static guint
retry_after_seconds (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *value = soup_message_headers_get_one (headers, "Retry-After");
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 seconds;
  GTimeSpan span;

  if (value == NULL)
    return 0;

  if (parse_decimal (value, MAX_RETRY_AFTER, &seconds))
    return seconds;

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return 0;

  now = g_date_time_new_now_utc ();
  span = g_date_time_difference (when, now) / G_TIME_SPAN_SECOND;
  return CLAMP (span, 0, MAX_RETRY_AFTER);
}

static TwRelayError
error_code_for_status (guint       status,
                       const char *relay_code)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:
      return TW_RELAY_ERROR_BAD_REQUEST;
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
    case SOUP_STATUS_CONFLICT:
      if (g_strcmp0 (relay_code, "claimed-by-other-device") == 0)
        return TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE;
      return status == SOUP_STATUS_CONFLICT ? TW_RELAY_ERROR_RELAY_BUG
                                            : TW_RELAY_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_NOT_FOUND:
      return TW_RELAY_ERROR_NOT_FOUND;
    case SOUP_STATUS_GONE:
      if (g_strcmp0 (relay_code, "deleted") == 0)
        return TW_RELAY_ERROR_DELETED;
      return TW_RELAY_ERROR_EXPIRED;
    case SOUP_STATUS_PRECONDITION_FAILED:
      return TW_RELAY_ERROR_PRECONDITION_FAILED;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return TW_RELAY_ERROR_TOO_LARGE;
    case HTTP_TOO_MANY_REQUESTS:
      return TW_RELAY_ERROR_RATE_LIMITED;
    case SOUP_STATUS_BAD_GATEWAY:
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      if (g_strcmp0 (relay_code, "rate-limited") == 0)
        return TW_RELAY_ERROR_RATE_LIMITED;
      return TW_RELAY_ERROR_UNREACHABLE;
    default:
      return TW_RELAY_ERROR_RELAY_BUG;
    }
}

static const char *
describe_error_code (TwRelayError code)
{
  switch (code)
    {
    case TW_RELAY_ERROR_BAD_REQUEST: return "refused the request as malformed";
    case TW_RELAY_ERROR_UNAUTHORIZED: return "refused this device";
    case TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE: return "says another device opened it first";
    case TW_RELAY_ERROR_NOT_FOUND: return "has no such mailbox";
    case TW_RELAY_ERROR_EXPIRED: return "says the mailbox expired";
    case TW_RELAY_ERROR_DELETED: return "says the mailbox was deleted";
    case TW_RELAY_ERROR_PRECONDITION_FAILED: return "says the payload changed since it was read";
    case TW_RELAY_ERROR_TOO_LARGE: return "refused the request as too large";
    case TW_RELAY_ERROR_RATE_LIMITED: return "asks us to slow down";
    case TW_RELAY_ERROR_UNREACHABLE: return "is not available";
    case TW_RELAY_ERROR_RELAY_BUG: return "answered with an unexpected status";
    case TW_RELAY_ERROR_TIMED_OUT:
    case TW_RELAY_ERROR_TLS_NOT_TRUSTED:
    case TW_RELAY_ERROR_CANCELLED:
    case TW_RELAY_ERROR_INVALID_URL:
    case TW_RELAY_ERROR_INSECURE_URL:
    case TW_RELAY_ERROR_BAD_CA_FILE:
    default:
      return "failed";
    }
}

static void
set_error_for_status (GError      **error,
                      const char   *host,
                      SoupMessage  *message,
                      GBytes       *answer)
{
  guint status = soup_message_get_status (message);
  g_autofree char *relay_code = answer_relay_code (answer);
  TwRelayError code = error_code_for_status (status, relay_code);
  guint retry_after = 0;

  if (status == HTTP_TOO_MANY_REQUESTS || status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    retry_after = retry_after_seconds (message);

  tw_relay_error_set (error, code, host, retry_after, relay_code,
                      "The relay at %s %s (HTTP %u)", host, describe_error_code (code), status);
}

/* Sets @error from a failure to connect, send or receive, and says whether
 * the same request may be tried again. */
static gboolean
set_error_for_transport (GError       **error,
                         RelayCall     *call,
                         GCancellable  *user_cancellable,
                         const char    *host,
                         guint          timeout,
                         const GError  *transport_error)
{
  if (g_cancellable_is_cancelled (user_cancellable))
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_CANCELLED, host, 0, NULL,
                          "The call to the relay at %s was cancelled", host);
      return FALSE;
    }

  if (call->timed_out
      || g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_TIMED_OUT, host, 0, NULL,
                          "The relay at %s did not answer within %u seconds", host, timeout);
      return TRUE;
    }

  if (g_error_matches (transport_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      tw_relay_error_set (error, TW_RELAY_ERROR_TLS_NOT_TRUSTED, host, 0, NULL,
                          "The certificate of the relay at %s is not trusted", host);
      return FALSE;
    }

  if (transport_error->domain == SOUP_SESSION_ERROR)
    {
      set_relay_bug (error, host, transport_error->message);
      return FALSE;
    }

  tw_relay_error_set (error, TW_RELAY_ERROR_UNREACHABLE, host, 0, NULL,
                      "Could not reach the relay at %s: %s", host, transport_error->message);

  /* A TLS failure other than trust (the relay does not speak TLS, or no
   * common protocol) will not heal by itself. */
  return transport_error->domain != G_TLS_ERROR;
}

/* ------------------------------------------------------------------------
 * The call machinery: attempts, timers, retries
 * ------------------------------------------------------------------------ */

static guint
attempt_timeout (TwRelayMailbox *self,
                 RelayCall      *call)
{
  return self->request_timeout + call->wait_seconds;
}

/* Ends the call with @error (taken). */
static void
call_fail (GTask  *task,
           GError *error)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);

  if (call->kind == CALL_CREATE)
    self->create_in_flight = FALSE;
  relay_call_clear_sources (call);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
call_succeed (GTask          *task,
              gpointer        result,
              GDestroyNotify  result_free)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);

  if (call->kind == CALL_CREATE)
    self->create_in_flight = FALSE;
  relay_call_clear_sources (call);
  g_task_return_pointer (task, result, result_free);
  g_object_unref (task);
}

static guint
retry_delay_ms (TwRelayMailbox *self,
                guint           retry_number,
                guint           retry_after)
{
  guint64 delay = self->first_delay_ms;
  guint jittered;

  for (guint i = 1; i < retry_number && delay < self->max_delay_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->max_delay_ms);

  /* Half fixed, half random, so clients that failed together do not all
   * come back at the same moment. */
  jittered = delay / 2 + g_random_int_range (0, delay / 2 + 1);

  return MIN (MAX ((guint64) jittered, (guint64) retry_after * 1000), self->max_delay_ms);
}

static gboolean
on_retry_due (gpointer user_data)
{
  GTask *task = user_data;
  RelayCall *call = g_task_get_task_data (task);

  g_clear_pointer (&call->retry_source, g_source_unref);
  attempt_start (task);

  return G_SOURCE_REMOVE;
}

/* Ends the current attempt; tries again later if @retryable and attempts
 * remain, else fails the call with @error (taken). */
static void
attempt_failed (GTask    *task,
                GError   *error,
                gboolean  retryable)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);
  guint delay;

  if (!retryable || call->attempt >= self->max_attempts)
    {
      call_fail (task, error);
      return;
    }

  delay = retry_delay_ms (self, call->attempt, tw_relay_error_get_retry_after (error));
  g_debug ("%s to the relay at %s failed on attempt %u (%s); retrying in %u ms",
           call->method, self->host, call->attempt, error->message, delay);
  g_error_free (error);
  relay_call_clear_attempt (call);

  call->retry_source = g_timeout_source_new (delay);
  g_task_attach_source (task, call->retry_source, on_retry_due);
}

static void
attempt_failed_in_transport (GTask        *task,
                             const GError *transport_error)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean retryable;
  guint timeout;

  timeout = call->connect_timed_out ? self->connect_timeout : attempt_timeout (self, call);
  retryable = set_error_for_transport (&error, call, g_task_get_cancellable (task),
                                       self->host, timeout, transport_error);
  attempt_failed (task, error, retryable);
}

static gboolean
on_deadline (gpointer user_data)
{
  GTask *task = user_data;
  RelayCall *call = g_task_get_task_data (task);

  call->timed_out = TRUE;
  g_cancellable_cancel (call->attempt_cancellable);

  return G_SOURCE_REMOVE;
}

static gboolean
on_connect_deadline (gpointer user_data)
{
  GTask *task = user_data;
  RelayCall *call = g_task_get_task_data (task);

  call->connect_timed_out = TRUE;
  return on_deadline (user_data);
}

/* The connect timer runs from the first network event of a new connection
 * to its completion (TLS handshake included); a reused connection has no
 * events and only the attempt's own deadline. */
static void
on_network_event (SoupMessage        *message,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  GTask *task = user_data;
  RelayCall *call = g_task_get_task_data (task);
  TwRelayMailbox *self = g_task_get_source_object (task);

  if (event == G_SOCKET_CLIENT_COMPLETE)
    {
      call->connected = TRUE;
      if (call->connect_deadline_source != NULL)
        g_source_destroy (call->connect_deadline_source);
      g_clear_pointer (&call->connect_deadline_source, g_source_unref);
      return;
    }

  if (call->connect_deadline_source == NULL && !call->connected)
    {
      call->connect_deadline_source = g_timeout_source_new_seconds (self->connect_timeout);
      g_task_attach_source (task, call->connect_deadline_source, on_connect_deadline);
    }
}

static gboolean
on_user_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;
  RelayCall *call = g_task_get_task_data (task);
  TwRelayMailbox *self = g_task_get_source_object (task);
  GError *error = NULL;

  /* Waiting between attempts: nothing is in flight, end the call now. */
  if (call->retry_source != NULL)
    {
      tw_relay_error_set (&error, TW_RELAY_ERROR_CANCELLED, self->host, 0, NULL,
                          "The call to the relay at %s was cancelled", self->host);
      call_fail (task, error);
      return G_SOURCE_REMOVE;
    }

  /* In flight: the operation ends with G_IO_ERROR_CANCELLED and is turned
   * into TW_RELAY_ERROR_CANCELLED there. */
  if (call->attempt_cancellable != NULL)
    g_cancellable_cancel (call->attempt_cancellable);

  return G_SOURCE_REMOVE;
}

static void
message_add_headers (TwRelayMailbox *self,
                     RelayCall      *call)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (call->message);

  /* libsoup keeps its own copy of header values in ordinary memory; it is
   * released with the message when the attempt ends. */
  if (call->send_claim)
    soup_message_headers_replace (headers, "Mailbox-Device-Claim",
                                  tw_secret_get_text (self->device_claim));
  if (call->bind_token_header != NULL)
    soup_message_headers_replace (headers, "Mailbox-Bind-Token",
                                  tw_secret_get_text (call->bind_token_header));
  if (call->request_id != NULL)
    soup_message_headers_replace (headers, "Mailbox-Request-ID", call->request_id);
  if (call->if_match != NULL)
    soup_message_headers_replace (headers, "If-Match", call->if_match);
  if (call->if_none_match != NULL)
    soup_message_headers_replace (headers, "If-None-Match", call->if_none_match);
  if (call->wait_seconds > 0)
    {
      g_autofree char *prefer = g_strdup_printf ("wait=%u", call->wait_seconds);

      soup_message_headers_replace (headers, "Prefer", prefer);
    }
}

static gboolean
status_is_success_for (RelayCall *call,
                       guint      status)
{
  switch (status)
    {
    case SOUP_STATUS_OK:
    case SOUP_STATUS_CREATED:
      return TRUE;
    case SOUP_STATUS_NO_CONTENT:
      return call->kind == CALL_DELETE || call->kind == CALL_RELINQUISH
             || call->kind == CALL_UPDATE;
    case SOUP_STATUS_NOT_MODIFIED:
      return call->kind == CALL_READ_CONTENT && call->if_none_match != NULL;
    default:
      return FALSE;
    }
}

static void
answer_succeeded (GTask  *task,
                  GBytes *answer)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer result = NULL;
  GDestroyNotify result_free = NULL;
  char *etag = NULL;

  switch (call->kind)
    {
    case CALL_CREATE:
      result = parse_created (self, call->message, answer, &error);
      result_free = (GDestroyNotify) tw_relay_created_free;
      if (result != NULL)
        self->mailbox_id = g_strdup (((TwRelayCreated *) result)->mailbox_id);
      break;
    case CALL_READ_DISPLAY:
      result = g_bytes_ref (answer);
      result_free = (GDestroyNotify) g_bytes_unref;
      break;
    case CALL_READ_CONTENT:
      result = parse_content (self, call->message, answer, &error);
      result_free = (GDestroyNotify) tw_relay_content_free;
      break;
    case CALL_UPDATE:
      /* An ETag-less answer is a success without a new ETag. */
      result = get_header_etag (call->message, &etag, self->host, &error) ? etag : NULL;
      result_free = g_free;
      break;
    case CALL_DELETE:
    case CALL_RELINQUISH:
    default:
      result = GINT_TO_POINTER (TRUE);
      break;
    }

  if (error != NULL)
    call_fail (task, error);
  else
    call_succeed (task, result, result_free);
}

static void
answer_complete (GTask *task)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);
  g_autoptr(GBytes) answer = NULL;
  GError *error = NULL;
  guint status = soup_message_get_status (call->message);

  answer = g_byte_array_free_to_bytes (g_steal_pointer (&call->answer));
  g_debug ("%s to the relay at %s answered %u on attempt %u",
           call->method, self->host, status, call->attempt);

  if (status_is_success_for (call, status))
    {
      answer_succeeded (task, answer);
      return;
    }

  set_error_for_status (&error, self->host, call->message, answer);
  attempt_failed (task, error, SOUP_STATUS_IS_SERVER_ERROR (status));
}

static void read_next_chunk (GTask *task);

static void
on_chunk_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  GError *relay_error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      attempt_failed_in_transport (task, error);
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      answer_complete (task);
      return;
    }

  if (call->answer->len + g_bytes_get_size (chunk) > TW_RELAY_MAX_ANSWER_SIZE)
    {
      set_relay_bug (&relay_error, self->host, "the answer is too large");
      call_fail (task, relay_error);
      return;
    }

  g_byte_array_append (call->answer, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_next_chunk (task);
}

static void
read_next_chunk (GTask *task)
{
  RelayCall *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->answer_stream, ANSWER_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   call->attempt_cancellable, on_chunk_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  GError *relay_error = NULL;

  call->answer_stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (call->answer_stream == NULL)
    {
      attempt_failed_in_transport (task, error);
      return;
    }

  /* Refuse an announced oversize answer before reading any of it. */
  headers = soup_message_get_response_headers (call->message);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) > TW_RELAY_MAX_ANSWER_SIZE)
    {
      set_relay_bug (&relay_error, self->host, "the answer is too large");
      call_fail (task, relay_error);
      return;
    }

  call->answer = g_byte_array_new ();
  read_next_chunk (task);
}

static void
attempt_start (GTask *task)
{
  TwRelayMailbox *self = g_task_get_source_object (task);
  RelayCall *call = g_task_get_task_data (task);

  call->attempt++;
  call->message = soup_message_new_from_uri (call->method, call->uri);
  /* A redirect could carry the claim to another host: never follow one. */
  soup_message_add_flags (call->message, SOUP_MESSAGE_NO_REDIRECT);
  message_add_headers (self, call);
  if (call->body != NULL)
    soup_message_set_request_body_from_bytes (call->message, "application/json", call->body);
  call->network_event_id = g_signal_connect (call->message, "network-event",
                                             G_CALLBACK (on_network_event), task);

  call->attempt_cancellable = g_cancellable_new ();
  call->deadline_source = g_timeout_source_new_seconds (attempt_timeout (self, call));
  g_task_attach_source (task, call->deadline_source, on_deadline);

  soup_session_send_async (self->session, call->message, G_PRIORITY_DEFAULT,
                           call->attempt_cancellable, on_sent, task);
}

/* Starts @call as a task of @self; the task owns the call. */
static void
call_run (TwRelayMailbox      *self,
          RelayCall           *call,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* Cancellation is reported as TW_RELAY_ERROR_CANCELLED, not GIO's. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, call, (GDestroyNotify) relay_call_free);

  if (g_cancellable_is_cancelled (cancellable))
    {
      GError *error = NULL;

      tw_relay_error_set (&error, TW_RELAY_ERROR_CANCELLED, self->host, 0, NULL,
                          "The call to the relay at %s was cancelled", self->host);
      call_fail (task, error);
      return;
    }

  if (cancellable != NULL)
    {
      call->user_cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, call->user_cancel_source, (GSourceFunc) on_user_cancelled);
    }

  attempt_start (task);
}

static RelayCall *
relay_call_new (TwRelayMailbox *self,
                CallKind        kind,
                const char     *method,
                const char     *request_id)
{
  RelayCall *call = g_new0 (RelayCall, 1);

  call->kind = kind;
  call->method = method;
  call->uri = mailbox_build_uri (self, kind == CALL_CREATE ? NULL : self->mailbox_id);
  call->send_claim = kind != CALL_READ_DISPLAY;
  if (kind != CALL_READ_DISPLAY && kind != CALL_READ_CONTENT)
    call->request_id = request_id != NULL ? g_strdup (request_id) : tw_relay_new_request_id ();

  return call;
}

/* ------------------------------------------------------------------------
 * Request bodies
 * ------------------------------------------------------------------------ */

/* Bodies are written with our own JSON writer: json-glib 1.6's leaves
 * U+001F unescaped, which no strict reader (ours in the relay included)
 * takes. Nothing here is secret; the writer's secure buffer is released
 * at once. */
static GBytes *
writer_to_bytes (TwJsonWriter *writer)
{
  g_autoptr(TwSecret) text = tw_json_writer_finish (writer, 0);

  return g_bytes_new (tw_secret_get_data (text), tw_secret_get_size (text));
}

static void
add_optional_string (TwJsonWriter *writer,
                     const char   *member,
                     const char   *value)
{
  if (value == NULL)
    return;

  tw_json_writer_member (writer, member);
  tw_json_writer_string (writer, value);
}

static void
add_payload (TwJsonWriter *writer,
             const char   *payload_type,
             GBytes       *payload_data)
{
  g_autofree char *data = NULL;
  gsize size = 0;
  gconstpointer bytes = g_bytes_get_data (payload_data, &size);

  data = tw_base64_encode (bytes, size);

  tw_json_writer_member (writer, "payload");
  tw_json_writer_begin_object (writer);
  add_optional_string (writer, "type", payload_type);
  add_optional_string (writer, "data", data);
  tw_json_writer_end_object (writer);
}

static void
add_display_information (TwJsonWriter              *writer,
                         const TwRelayCreateParams *params)
{
  tw_json_writer_member (writer, "displayInformation");
  tw_json_writer_begin_object (writer);
  /* Draft V requires a title; an empty one says nothing. */
  add_optional_string (writer, "title", params->title != NULL ? params->title : "");
  add_optional_string (writer, "description", params->description);
  add_optional_string (writer, "imageURL", params->image_url);
  tw_json_writer_end_object (writer);
}

static void
add_mailbox_configuration (TwJsonWriter              *writer,
                           const TwRelayCreateParams *params)
{
  g_autofree char *expiration = NULL;
  g_autofree char *verifier = NULL;

  if (params->access_rights == NULL && params->expiration == NULL
      && params->bind_token == NULL && !params->forbid_relinquish)
    return;

  if (params->expiration != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_to_utc (params->expiration);

      expiration = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
    }
  if (params->bind_token != NULL)
    verifier = tw_link_key_bind_verifier (params->bind_token);

  tw_json_writer_member (writer, "mailboxConfiguration");
  tw_json_writer_begin_object (writer);
  add_optional_string (writer, "accessRights", params->access_rights);
  add_optional_string (writer, "expiration", expiration);
  add_optional_string (writer, "bindVerifier", verifier);
  if (params->forbid_relinquish)
    {
      tw_json_writer_member (writer, "relinquish");
      tw_json_writer_boolean (writer, FALSE);
    }
  tw_json_writer_end_object (writer);
}

static GBytes *
build_create_body (const TwRelayCreateParams *params)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  add_payload (writer, params->payload_type, params->payload_data);
  add_display_information (writer, params);
  add_optional_string (writer, "notificationToken", params->notification_token);
  add_mailbox_configuration (writer, params);
  tw_json_writer_end_object (writer);

  return writer_to_bytes (writer);
}

static GBytes *
build_update_body (const char *payload_type,
                   GBytes     *payload_data)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  add_payload (writer, payload_type, payload_data);
  tw_json_writer_end_object (writer);

  return writer_to_bytes (writer);
}

/* ------------------------------------------------------------------------
 * The calls
 * ------------------------------------------------------------------------ */

void
tw_relay_mailbox_create_async (TwRelayMailbox             *self,
                               const TwRelayCreateParams  *params,
                               const char                 *request_id,
                               GCancellable               *cancellable,
                               GAsyncReadyCallback         callback,
                               gpointer                    user_data)
{
  RelayCall *call;

  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (self->session != NULL);
  g_return_if_fail (self->mailbox_id == NULL && !self->create_in_flight);
  g_return_if_fail (params != NULL);
  g_return_if_fail (params->payload_type != NULL && params->payload_data != NULL);
  g_return_if_fail (request_id == NULL || token_is_well_formed (request_id));
  g_return_if_fail (params->title == NULL || g_utf8_validate (params->title, -1, NULL));
  g_return_if_fail (params->description == NULL
                    || g_utf8_validate (params->description, -1, NULL));
  g_return_if_fail (params->image_url == NULL || g_utf8_validate (params->image_url, -1, NULL));

  self->create_in_flight = TRUE;
  call = relay_call_new (self, CALL_CREATE, SOUP_METHOD_POST, request_id);
  call->body = build_create_body (params);
  call_run (self, call, tw_relay_mailbox_create_async, cancellable, callback, user_data);
}

TwRelayCreated *
tw_relay_mailbox_create_finish (TwRelayMailbox  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == tw_relay_mailbox_create_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tw_relay_mailbox_read_display_async (TwRelayMailbox      *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  RelayCall *call;

  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (self->session != NULL && self->mailbox_id != NULL);

  call = relay_call_new (self, CALL_READ_DISPLAY, SOUP_METHOD_GET, NULL);
  call_run (self, call, tw_relay_mailbox_read_display_async, cancellable, callback, user_data);
}

GBytes *
tw_relay_mailbox_read_display_finish (TwRelayMailbox  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == tw_relay_mailbox_read_display_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tw_relay_mailbox_read_content_async (TwRelayMailbox      *self,
                                     TwSecret            *bind_token,
                                     const char          *if_none_match,
                                     guint                wait_seconds,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  RelayCall *call;

  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (self->session != NULL && self->mailbox_id != NULL);
  g_return_if_fail (if_none_match == NULL || etag_is_well_formed (if_none_match));

  call = relay_call_new (self, CALL_READ_CONTENT, SOUP_METHOD_POST, NULL);
  if (bind_token != NULL)
    call->bind_token_header = tw_link_key_bind_token_header (bind_token);
  call->if_none_match = g_strdup (if_none_match);
  call->wait_seconds = MIN (wait_seconds, TW_RELAY_MAX_WAIT_SECONDS);
  call_run (self, call, tw_relay_mailbox_read_content_async, cancellable, callback, user_data);
}

TwRelayContent *
tw_relay_mailbox_read_content_finish (TwRelayMailbox  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == tw_relay_mailbox_read_content_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tw_relay_mailbox_update_async (TwRelayMailbox      *self,
                               const char          *payload_type,
                               GBytes              *payload_data,
                               const char          *if_match,
                               const char          *request_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  RelayCall *call;

  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (self->session != NULL && self->mailbox_id != NULL);
  g_return_if_fail (payload_type != NULL && payload_data != NULL);
  g_return_if_fail (if_match == NULL || etag_is_well_formed (if_match));
  g_return_if_fail (request_id == NULL || token_is_well_formed (request_id));

  call = relay_call_new (self, CALL_UPDATE, SOUP_METHOD_PUT, request_id);
  call->body = build_update_body (payload_type, payload_data);
  call->if_match = g_strdup (if_match);
  call_run (self, call, tw_relay_mailbox_update_async, cancellable, callback, user_data);
}

gboolean
tw_relay_mailbox_update_finish (TwRelayMailbox  *self,
                                GAsyncResult    *result,
                                char           **etag_out,
                                GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *etag = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == tw_relay_mailbox_update_async, FALSE);

  etag = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (etag_out != NULL)
    *etag_out = g_steal_pointer (&etag);
  return TRUE;
}

static void
start_simple_call (TwRelayMailbox      *self,
                   CallKind             kind,
                   const char          *method,
                   const char          *request_id,
                   gpointer             source_tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  RelayCall *call;

  g_return_if_fail (TW_IS_RELAY_MAILBOX (self));
  g_return_if_fail (self->session != NULL && self->mailbox_id != NULL);
  g_return_if_fail (request_id == NULL || token_is_well_formed (request_id));

  call = relay_call_new (self, kind, method, request_id);
  call_run (self, call, source_tag, cancellable, callback, user_data);
}

static gboolean
finish_simple_call (TwRelayMailbox  *self,
                    GAsyncResult    *result,
                    gpointer         source_tag,
                    GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}

void
tw_relay_mailbox_delete_async (TwRelayMailbox      *self,
                               const char          *request_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  start_simple_call (self, CALL_DELETE, SOUP_METHOD_DELETE, request_id,
                     tw_relay_mailbox_delete_async, cancellable, callback, user_data);
}

gboolean
tw_relay_mailbox_delete_finish (TwRelayMailbox  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  return finish_simple_call (self, result, tw_relay_mailbox_delete_async, error);
}

void
tw_relay_mailbox_relinquish_async (TwRelayMailbox      *self,
                                   const char          *request_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  start_simple_call (self, CALL_RELINQUISH, "PATCH", request_id,
                     tw_relay_mailbox_relinquish_async, cancellable, callback, user_data);
}

gboolean
tw_relay_mailbox_relinquish_finish (TwRelayMailbox  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  return finish_simple_call (self, result, tw_relay_mailbox_relinquish_async, error);
}
