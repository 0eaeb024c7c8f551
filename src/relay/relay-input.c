/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-input.h"

#include <string.h>

#include "relay-digest.h"
#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-json-strict.h"

#define MAX_REQUEST_ID_LENGTH 200
#define MAX_BIND_TOKEN_BYTES  128
#define MIN_SEALED_SIZE       (TW_AES_GCM_IV_SIZE + TW_AES_GCM_TAG_SIZE)
#define MAX_JSON_DEPTH        8

G_DEFINE_QUARK (relay-input-error-quark, relay_input_error)

gboolean
relay_input_is_uuid (const char *text)
{
  if (text == NULL || strlen (text) != RELAY_MAILBOX_ID_LENGTH)
    return FALSE;

  for (guint i = 0; i < RELAY_MAILBOX_ID_LENGTH; i++)
    {
      gboolean dash_place = i == 8 || i == 13 || i == 18 || i == 23;

      if (dash_place ? text[i] != '-' : !g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_request_id (const char *text)
{
  gsize length = strlen (text);

  if (length == 0 || length > MAX_REQUEST_ID_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (text[i] <= 0x20 || text[i] >= 0x7f)
      return FALSE;
  return TRUE;
}

gboolean
relay_input_read_access (RelayHeaders        *headers,
                         RelayAccess         *access,
                         GError             **error)
{
  /* get_list joins repeated headers with commas, so a request with two
   * claims or two request ids fails the shape checks below. */
  const char *claim = relay_headers_get_list (headers, "Mailbox-Device-Claim");
  const char *request_id = relay_headers_get_list (headers, "Mailbox-Request-ID");
  char normal_claim[RELAY_MAILBOX_ID_LENGTH + 1];

  if (claim == NULL)
    {
      g_set_error_literal (error, RELAY_INPUT_ERROR, RELAY_INPUT_ERROR_NO_CLAIM,
                           "This call needs the device's Mailbox-Device-Claim header.");
      return FALSE;
    }
  if (!relay_input_is_uuid (claim))
    {
      g_set_error_literal (error, RELAY_INPUT_ERROR, RELAY_INPUT_ERROR_INVALID,
                           "Mailbox-Device-Claim must be one UUID.");
      return FALSE;
    }
  if (request_id != NULL && !is_request_id (request_id))
    {
      g_set_error_literal (error, RELAY_INPUT_ERROR, RELAY_INPUT_ERROR_INVALID,
                           "Mailbox-Request-ID must be 1 to 200 visible ASCII characters.");
      return FALSE;
    }

  /* One device, one claim, whatever the case of its hex digits. */
  for (guint i = 0; i <= RELAY_MAILBOX_ID_LENGTH; i++)
    normal_claim[i] = g_ascii_tolower (claim[i]);
  relay_digest_labelled ("tigress-relay claim", normal_claim, NULL, access->claim_hash);
  access->has_request_key = request_id != NULL;
  if (request_id != NULL)
    relay_digest_labelled ("tigress-relay request", normal_claim, request_id,
                           access->request_key);
  tw_wipe (normal_claim, sizeof normal_claim);
  return TRUE;
}

gboolean
relay_input_bind_token_hash (RelayHeaders       *headers,
                             guint8              hash_out[RELAY_HASH_SIZE])
{
  const char *token = relay_headers_get_list (headers, "Mailbox-Bind-Token");
  g_autoptr(TwSecret) decoded = NULL;

  if (token == NULL)
    return FALSE;

  decoded = tw_base64_decode_secret (token, -1, TW_BASE64_ANY, NULL);
  if (decoded == NULL || tw_secret_get_size (decoded) == 0 ||
      tw_secret_get_size (decoded) > MAX_BIND_TOKEN_BYTES)
    memset (hash_out, 0xff, RELAY_HASH_SIZE);   /* no SHA-256 output is all ones */
  else
    relay_digest_sha256 (tw_secret_get_data (decoded), tw_secret_get_size (decoded), hash_out);
  return TRUE;
}

char *
relay_input_etag_condition (RelayHeaders       *headers,
                            const char         *name)
{
  const char *value = relay_headers_get_one (headers, name);
  const char *start, *end;

  if (value == NULL)
    return NULL;

  start = value;
  while (g_ascii_isspace (*start))
    start++;
  if (*start == '*')
    return g_strdup ("*");
  if (g_str_has_prefix (start, "W/"))
    start += 2;
  if (*start == '"')
    start++;
  end = start;
  while (*end != '\0' && *end != '"' && *end != ',' && !g_ascii_isspace (*end))
    end++;
  return g_strndup (start, end - start);
}

int
relay_input_prefer_wait (RelayHeaders       *headers,
                         guint               max_wait)
{
  const char *prefer = relay_headers_get_list (headers, "Prefer");
  g_auto(GStrv) preferences = NULL;

  if (prefer == NULL)
    return -1;

  preferences = g_strsplit_set (prefer, ",;", -1);
  for (guint i = 0; preferences[i] != NULL; i++)
    {
      g_autofree char *token = g_strstrip (g_strdup (preferences[i]));
      guint64 seconds;

      if (g_ascii_strncasecmp (token, "wait=", 5) == 0 &&
          g_ascii_string_to_unsigned (token + 5, 10, 0, G_MAXUINT32, &seconds, NULL))
        return (int) MIN (seconds, max_wait);
    }
  return -1;
}

/* ------------------------------------------------------------------------ */
/* JSON bodies                                                              */
/* ------------------------------------------------------------------------ */

static gboolean
fail (GError         **error,
      RelayInputError  code,
      const char      *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError         **error,
      RelayInputError  code,
      const char      *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, RELAY_INPUT_ERROR, code, message);
  return FALSE;
}

static JsonObject *
parse_body (const RelayConfig  *config,
            const char         *body,
            gsize               body_size,
            GError            **error)
{
  TwJsonLimits limits = {
    .max_depth = MAX_JSON_DEPTH,
    .max_string_size = MAX (config->max_payload, config->max_field),
    .max_total_size = config->max_body,
  };
  g_autoptr(GError) json_error = NULL;
  JsonObject *root;

  /* An empty body arrives as NULL, which the parser must not be given. */
  root = tw_json_strict_parse_object (body != NULL ? body : "", body_size, &limits,
                                      &json_error);
  if (root != NULL)
    return root;

  if (g_error_matches (json_error, TW_JSON_ERROR, TW_JSON_ERROR_TOO_LARGE) ||
      g_error_matches (json_error, TW_JSON_ERROR, TW_JSON_ERROR_STRING_TOO_LONG))
    fail (error, RELAY_INPUT_ERROR_TOO_LARGE, "The request body is larger than this relay "
          "accepts (%" G_GSIZE_FORMAT " bytes, payload data %" G_GSIZE_FORMAT " bytes).",
          config->max_body, config->max_payload);
  else
    fail (error, RELAY_INPUT_ERROR_INVALID, "The request body is not one valid JSON "
          "object: %s", json_error->message);
  return NULL;
}

/* Member errors from tw-json name the member, never its value. */
static gboolean
fail_member (GError     **error,
             GError      *json_error,
             const char  *where)
{
  return fail (error, RELAY_INPUT_ERROR_INVALID, "%s: %s", where, json_error->message);
}

static gboolean
check_field (const RelayConfig  *config,
             const char         *name,
             const char         *value,
             GError            **error)
{
  if (value != NULL && strlen (value) > config->max_field)
    return fail (error, RELAY_INPUT_ERROR_TOO_LARGE,
                 "displayInformation.%s is longer than %" G_GSIZE_FORMAT " bytes.",
                 name, config->max_field);
  return TRUE;
}

static gboolean
parse_payload (const RelayConfig  *config,
               JsonObject         *root,
               RelayPayload       *payload,
               GError            **error)
{
  g_autoptr(GError) json_error = NULL;
  g_autoptr(GBytes) sealed = NULL;
  JsonObject *object;
  const char *type = NULL, *data = NULL;

  object = tw_json_get_object (root, "payload", &json_error);
  if (object != NULL)
    type = tw_json_get_string (object, "type", &json_error);
  if (type != NULL)
    data = tw_json_get_string (object, "data", &json_error);
  if (data == NULL)
    return fail_member (error, json_error, "payload");

  if (!g_str_equal (type, "AEAD_AES_256_GCM") && !g_str_equal (type, "AEAD_AES_128_GCM"))
    return fail (error, RELAY_INPUT_ERROR_INVALID,
                 "payload.type must be AEAD_AES_256_GCM or AEAD_AES_128_GCM.");
  if (strlen (data) > config->max_payload)
    return fail (error, RELAY_INPUT_ERROR_TOO_LARGE, "payload.data is longer than %"
                 G_GSIZE_FORMAT " bytes.", config->max_payload);

  sealed = tw_base64_decode_bytes (data, -1, TW_BASE64_ANY, NULL);
  if (sealed == NULL || g_bytes_get_size (sealed) < MIN_SEALED_SIZE)
    return fail (error, RELAY_INPUT_ERROR_INVALID, "payload.data must be base64 of the "
                 "IV, the ciphertext and the tag (at least %d bytes).", MIN_SEALED_SIZE);

  payload->type = g_strdup (type);
  payload->data = g_strdup (data);
  relay_payload_etag (payload->data, payload->etag);
  return TRUE;
}

static gboolean
parse_display (const RelayConfig  *config,
               JsonObject         *root,
               RelayMailbox       *mailbox,
               GError            **error)
{
  g_autoptr(GError) json_error = NULL;
  const char *title = NULL, *description = NULL, *image_url = NULL;
  JsonObject *display = tw_json_get_object (root, "displayInformation", &json_error);
  gboolean ok = display != NULL;

  ok = ok && (title = tw_json_get_string (display, "title", &json_error)) != NULL;
  ok = ok && tw_json_get_optional_string (display, "description", &description, &json_error);
  ok = ok && tw_json_get_optional_string (display, "imageURL", &image_url, &json_error);
  if (!ok)
    return fail_member (error, json_error, "displayInformation");

  if (!check_field (config, "title", title, error) ||
      !check_field (config, "description", description, error) ||
      !check_field (config, "imageURL", image_url, error))
    return FALSE;

  mailbox->title = g_strdup (title);
  mailbox->description = g_strdup (description);
  mailbox->image_url = g_strdup (image_url);
  return TRUE;
}

static gboolean
parse_expiration (const RelayConfig  *config,
                  const char         *text,
                  gint64              now,
                  gint64             *expires_at,
                  GError            **error)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) requested = NULL;
  gint64 latest = now + config->max_expiry;

  if (text == NULL)
    {
      *expires_at = latest;
      return TRUE;
    }

  requested = g_date_time_new_from_iso8601 (text, utc);
  if (requested == NULL)
    return fail (error, RELAY_INPUT_ERROR_INVALID, "mailboxConfiguration.expiration must "
                 "be an RFC 3339 time, like 2030-01-31T12:00:00Z.");
  if (g_date_time_to_unix (requested) <= now)
    return fail (error, RELAY_INPUT_ERROR_INVALID,
                 "mailboxConfiguration.expiration is already past by this relay's clock.");

  /* The relay's own maximum wins; the answer tells the sender the result. */
  *expires_at = MIN (g_date_time_to_unix (requested), latest);
  return TRUE;
}

static gboolean
read_configuration_members (JsonObject   *configuration,
                            const char  **rights,
                            const char  **expiration,
                            const char  **verifier,
                            gboolean     *relinquish,
                            GError      **error)
{
  g_autoptr(GError) json_error = NULL;

  if (!tw_json_get_optional_string (configuration, "accessRights", rights, &json_error) ||
      !tw_json_get_optional_string (configuration, "expiration", expiration, &json_error) ||
      !tw_json_get_optional_string (configuration, "bindVerifier", verifier, &json_error))
    return fail_member (error, json_error, "mailboxConfiguration");

  if (json_object_has_member (configuration, "relinquish") &&
      !tw_json_get_boolean (configuration, "relinquish", relinquish, &json_error))
    return fail_member (error, json_error, "mailboxConfiguration");
  return TRUE;
}

static gboolean
parse_configuration (const RelayConfig  *config,
                     JsonObject         *root,
                     gint64              now,
                     RelayMailbox       *mailbox,
                     GError            **error)
{
  g_autoptr(GError) json_error = NULL;
  JsonObject *configuration = NULL;
  const char *rights = NULL, *expiration = NULL, *verifier = NULL;

  if (!tw_json_get_optional_object (root, "mailboxConfiguration", &configuration,
                                    &json_error))
    return fail_member (error, json_error, "mailboxConfiguration");
  if (configuration != NULL &&
      !read_configuration_members (configuration, &rights, &expiration, &verifier,
                                   &mailbox->relinquish_allowed, error))
    return FALSE;

  if (rights != NULL && !relay_rights_parse (rights, &mailbox->recipient_rights))
    return fail (error, RELAY_INPUT_ERROR_INVALID, "mailboxConfiguration.accessRights must "
                 "be made of the letters R, W and D, each at most once.");
  if (verifier != NULL &&
      !tw_base64_decode_exact (verifier, -1, TW_BASE64_ANY, mailbox->bind_verifier,
                               RELAY_HASH_SIZE, NULL))
    return fail (error, RELAY_INPUT_ERROR_INVALID, "mailboxConfiguration.bindVerifier must "
                 "be base64 of a 32-byte SHA-256 value.");
  mailbox->has_bind_verifier = verifier != NULL;

  return parse_expiration (config, expiration, now, &mailbox->expires_at, error);
}

gboolean
relay_input_parse_create (const RelayConfig  *config,
                          const char         *body,
                          gsize               body_size,
                          gint64              now,
                          RelayMailbox       *mailbox,
                          GError            **error)
{
  g_autoptr(JsonObject) root = parse_body (config, body, body_size, error);
  g_autoptr(GError) json_error = NULL;
  const char *notification_token = NULL;

  if (root == NULL)
    return FALSE;

  /* The notification token is accepted for Draft V clients and dropped at
   * once: this relay sends no push notifications and keeps nothing that
   * could identify a device. */
  if (!tw_json_get_optional_string (root, "notificationToken", &notification_token,
                                    &json_error))
    return fail_member (error, json_error, "notificationToken");

  if (!parse_payload (config, root, &mailbox->payload, error) ||
      !parse_display (config, root, mailbox, error) ||
      !parse_configuration (config, root, now, mailbox, error))
    return FALSE;

  relay_payload_copy (&mailbox->sender_payload, &mailbox->payload);
  return TRUE;
}

gboolean
relay_input_parse_update (const RelayConfig  *config,
                          const char         *body,
                          gsize               body_size,
                          RelayPayload       *payload,
                          GError            **error)
{
  g_autoptr(JsonObject) root = parse_body (config, body, body_size, error);

  if (root == NULL)
    return FALSE;
  return parse_payload (config, root, payload, error);
}
