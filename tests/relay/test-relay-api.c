/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's HTTP API against a real tigress-relay process: every call,
 * its answers and its refusals, binding, relinquish, long polls and the
 * preview page. Runs once per storage backend and once over HTTPS (see
 * relay-test.h).
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "relay-test.h"

static RelayTestServer *relay;
static SoupSession *session;

#define CLAIM "Mailbox-Device-Claim"
#define BIG_WAIT_SECONDS "10"

static char *
collection_url (void)
{
  return g_strconcat (relay_test_server_url (relay), "/v1/m", NULL);
}

static char *
new_mailbox (const char *sender_claim,
             const char *config_json)
{
  return relay_test_create_mailbox (session, relay, sender_claim, config_json);
}

/* A read by @claim; extra headers may follow, then NULL. */
static RelayTestReply *
read_as (const char *mailbox_id,
         const char *claim,
         ...)
{
  g_autofree char *url = relay_test_mailbox_url (relay, mailbox_id);
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  const char *item;
  va_list args;

  g_ptr_array_add (headers, (gpointer) CLAIM);
  g_ptr_array_add (headers, (gpointer) claim);
  va_start (args, claim);
  while ((item = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (headers, (gpointer) item);
  va_end (args);
  g_ptr_array_add (headers, NULL);
  return relay_test_request_v (session, "POST", url, NULL,
                               (const char * const *) headers->pdata);
}

static RelayTestReply *
call_as (const char *method,
         const char *mailbox_id,
         const char *claim,
         const char *body,
         const char *extra_name,
         const char *extra_value)
{
  g_autofree char *url = relay_test_mailbox_url (relay, mailbox_id);

  return relay_test_request (session, method, url, body, CLAIM, claim,
                             extra_name, extra_value, NULL);
}

static char *
update_body (const char *data)
{
  return g_strdup_printf ("{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"}}", data);
}

/* base64 of @size bytes, all @fill. */
static char *
sealed_data (gsize  size,
             guint8 fill)
{
  g_autofree guint8 *bytes = g_malloc (size);

  memset (bytes, fill, size);
  return g_base64_encode (bytes, size);
}

static void
assert_error (RelayTestReply *reply,
              guint           status,
              const char     *code)
{
  g_autofree char *actual = relay_test_reply_error_code (reply);

  g_assert_cmpuint (reply->status, ==, status);
  if (code != NULL)
    g_assert_cmpstr (actual, ==, code);
}

static void
assert_still_serving (void)
{
  g_autofree char *url = g_strconcat (relay_test_server_url (relay), "/healthz", NULL);
  g_autoptr(RelayTestReply) reply = relay_test_request (session, "GET", url, NULL, NULL);

  g_assert_cmpuint (reply->status, ==, 200);
}

/* The design's ETag, computed here independently of the relay. */
static char *
expected_etag (const char *data)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize size = sizeof digest;
  g_autofree char *encoded = NULL;

  g_checksum_update (checksum, (const guchar *) data, strlen (data));
  g_checksum_get_digest (checksum, digest, &size);
  encoded = g_base64_encode (digest, size);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  encoded[22] = '\0';
  return g_strdup_printf ("\"%s\"", encoded);
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time);
}

/* ------------------------------------------------------------------------ */
/* CreateMailbox                                                            */
/* ------------------------------------------------------------------------ */

static void
test_create_answers_link_etag_and_expiration (void)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *data = sealed_data (100, 7);
  g_autofree char *body = g_strdup_printf (
    "{\"payload\":{\"type\":\"AEAD_AES_128_GCM\",\"data\":\"%s\"},"
    "\"displayInformation\":{\"title\":\"Garage\"},\"notificationToken\":\"abc\"}", data);
  g_autofree char *url = collection_url ();
  g_autoptr(RelayTestReply) reply = relay_test_request (session, "POST", url, body,
                                                        CLAIM, claim, NULL);
  g_autofree char *link = relay_test_reply_member (reply, "urlLink");
  g_autofree char *expiration = relay_test_reply_member (reply, "expiration");
  g_autofree char *etag = expected_etag (data);
  g_autofree char *prefix = g_strconcat (relay_test_server_url (relay), "/v1/m/", NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (g_str_has_prefix (link, prefix));
  g_assert_true (g_uuid_string_is_valid (link + strlen (prefix)));
  g_assert_cmpint (link[strlen (prefix) + 14], ==, '4');   /* UUID version 4 */
  g_assert_nonnull (strstr (relay_test_reply_text (reply),
                            "\"isPushNotificationSupported\":false"));
  g_assert_cmpstr (relay_test_reply_header (reply, "ETag"), ==, etag);
  /* The suite's relay allows one hour; no expiration asked means the maximum. */
  g_assert_cmpint (parse_time (expiration), >=, now + 3600 - 5);
  g_assert_cmpint (parse_time (expiration), <=, now + 3600 + 5);
}

static void
test_create_repeated_request_id_returns_the_original (void)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *body = relay_test_create_body (64, "Gate", NULL);
  g_autofree char *url = collection_url ();
  g_autoptr(RelayTestReply) first = NULL, again = NULL, other = NULL, stranger = NULL;
  g_autofree char *first_link = NULL, *again_link = NULL, *other_link = NULL;
  g_autofree char *stranger_claim = relay_test_new_claim ();

  first = relay_test_request (session, "POST", url, body, CLAIM, claim,
                              "Mailbox-Request-ID", "create-1", NULL);
  again = relay_test_request (session, "POST", url, body, CLAIM, claim,
                              "Mailbox-Request-ID", "create-1", NULL);
  other = relay_test_request (session, "POST", url, body, CLAIM, claim,
                              "Mailbox-Request-ID", "create-2", NULL);
  /* Another device reusing the id gets a mailbox of its own. */
  stranger = relay_test_request (session, "POST", url, body, CLAIM, stranger_claim,
                                 "Mailbox-Request-ID", "create-1", NULL);

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpuint (again->status, ==, 201);
  g_assert_cmpuint (other->status, ==, 200);
  g_assert_cmpuint (stranger->status, ==, 200);
  first_link = relay_test_reply_member (first, "urlLink");
  again_link = relay_test_reply_member (again, "urlLink");
  other_link = relay_test_reply_member (other, "urlLink");
  g_assert_cmpstr (first_link, ==, again_link);
  g_assert_cmpstr (first_link, !=, other_link);
  g_assert_cmpstr (relay_test_reply_header (first, "ETag"), ==,
                   relay_test_reply_header (again, "ETag"));
  g_assert_false (g_strcmp0 (relay_test_reply_member (stranger, "urlLink"), first_link) == 0);
}

static void
test_create_expiration_is_clamped (void)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) far = g_date_time_add_days (now, 30);
  g_autoptr(GDateTime) near = g_date_time_add_minutes (now, 10);
  g_autofree char *far_text = g_date_time_format (far, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *near_text = g_date_time_format (near, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *far_config = g_strdup_printf ("\"expiration\":\"%s\"", far_text);
  g_autofree char *near_config = g_strdup_printf ("\"expiration\":\"%s\"", near_text);
  g_autofree char *far_body = relay_test_create_body (64, "Far", far_config);
  g_autofree char *near_body = relay_test_create_body (64, "Near", near_config);
  g_autofree char *url = collection_url ();
  g_autoptr(RelayTestReply) far_reply = NULL, near_reply = NULL;
  g_autofree char *far_answer = NULL, *near_answer = NULL;

  far_reply = relay_test_request (session, "POST", url, far_body, CLAIM, claim, NULL);
  near_reply = relay_test_request (session, "POST", url, near_body, CLAIM, claim, NULL);
  far_answer = relay_test_reply_member (far_reply, "expiration");
  near_answer = relay_test_reply_member (near_reply, "expiration");

  g_assert_cmpuint (far_reply->status, ==, 200);
  g_assert_cmpint (parse_time (far_answer), <=, g_date_time_to_unix (now) + 3600 + 5);
  g_assert_cmpuint (near_reply->status, ==, 200);
  g_assert_cmpstr (near_answer, ==, near_text);
}

typedef struct {
  const char *body;
  guint       status;
  const char *code;
} BadBody;

static void
test_create_refuses_malformed_bodies (void)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *url = collection_url ();
  g_autofree char *data = sealed_data (64, 1);
  g_autofree char *short_data = sealed_data (20, 1);
  g_autofree char *long_title = g_strnfill (257, 't');
  g_autofree char *long_data = g_strnfill (49 * 1024, 'A');
  g_autofree char *huge = g_strnfill (70 * 1024, 'A');
  g_autofree char *good_payload = g_strdup_printf (
    "\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"}", data);
#define DISPLAY "\"displayInformation\":{\"title\":\"T\"}"
  const BadBody cases[] = {
    { "not json at all", 400, "invalid-request" },
    { "", 400, "invalid-request" },
    { g_strdup_printf ("{%s," DISPLAY "}{\"x\":1}", good_payload), 400, "invalid-request" },
    { g_strdup_printf ("{%s,%s," DISPLAY "}", good_payload, good_payload), 400,
      "invalid-request" },
    { g_strdup_printf ("{%s,\"displayInformation\":{\"title\":\"\xff\xfe\"}}", good_payload),
      400, "invalid-request" },
    { g_strdup_printf ("{\"payload\":{\"type\":\"ROT13\",\"data\":\"%s\"}," DISPLAY "}", data),
      400, "invalid-request" },
    { g_strdup ("{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"@@@@\"},"
                DISPLAY "}"), 400, "invalid-request" },
    { g_strdup_printf ("{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"},"
                       DISPLAY "}", short_data), 400, "invalid-request" },
    { g_strdup_printf ("{%s}", good_payload), 400, "invalid-request" },
    { g_strdup_printf ("{%s," DISPLAY ",\"mailboxConfiguration\":{\"accessRights\":\"RX\"}}",
                       good_payload), 400, "invalid-request" },
    { g_strdup_printf ("{%s," DISPLAY ",\"mailboxConfiguration\":{\"bindVerifier\":\"AAAA\"}}",
                       good_payload), 400, "invalid-request" },
    { g_strdup_printf ("{%s," DISPLAY ",\"mailboxConfiguration\":"
                       "{\"expiration\":\"2001-01-01T00:00:00Z\"}}", good_payload), 400,
      "invalid-request" },
    { g_strdup_printf ("{%s," DISPLAY ",\"mailboxConfiguration\":{\"expiration\":\"soon\"}}",
                       good_payload), 400, "invalid-request" },
    { g_strdup_printf ("{%s," DISPLAY ",\"mailboxConfiguration\":{\"relinquish\":\"no\"}}",
                       good_payload), 400, "invalid-request" },
    { g_strdup_printf ("{%s,\"displayInformation\":{\"title\":\"%s\"}}", good_payload,
                       long_title), 413, "payload-too-large" },
    { g_strdup_printf ("{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"},"
                       DISPLAY "}", long_data), 413, "payload-too-large" },
    { g_strdup_printf ("{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"},"
                       DISPLAY "}", huge), 413, "payload-too-large" },
  };
#undef DISPLAY

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(RelayTestReply) reply = relay_test_request (session, "POST", url,
                                                            cases[i].body, CLAIM, claim, NULL);

      g_test_message ("case %u", i);
      assert_error (reply, cases[i].status, cases[i].code);
    }
  for (guint i = 2; i < G_N_ELEMENTS (cases); i++)
    g_free ((char *) cases[i].body);
  assert_still_serving ();
}

static void
test_create_needs_a_well_formed_claim (void)
{
  g_autofree char *url = collection_url ();
  g_autofree char *body = relay_test_create_body (64, "T", NULL);
  g_autoptr(RelayTestReply) none = NULL, bad = NULL, twice = NULL, bad_request_id = NULL;
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *other = relay_test_new_claim ();

  none = relay_test_request (session, "POST", url, body, NULL);
  bad = relay_test_request (session, "POST", url, body, CLAIM, "my-device", NULL);
  twice = relay_test_request (session, "POST", url, body, CLAIM, claim, CLAIM, other, NULL);
  bad_request_id = relay_test_request (session, "POST", url, body, CLAIM, claim,
                                       "Mailbox-Request-ID", "has space", NULL);
  assert_error (none, 401, "unauthorized");
  assert_error (bad, 400, "invalid-request");
  assert_error (twice, 400, "invalid-request");
  assert_error (bad_request_id, 400, "invalid-request");
}

/* ------------------------------------------------------------------------ */
/* ReadSecureContent and binding                                            */
/* ------------------------------------------------------------------------ */

static void
test_read_first_other_device_binds (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) before = read_as (id, sender, NULL);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) after = read_as (id, sender, NULL);
  g_autoptr(RelayTestReply) again = read_as (id, recipient, NULL);
  g_autofree char *sent = relay_test_reply_member (before, "payload.data");
  g_autofree char *received = relay_test_reply_member (bind, "payload.data");
  g_autofree char *title = relay_test_reply_member (bind, "displayInformation.title");
  g_autofree char *expiration = relay_test_reply_member (bind, "expiration");

  g_assert_cmpuint (before->status, ==, 200);
  g_assert_cmpstr (relay_test_reply_header (before, "Mailbox-Binding-Epoch"), ==, "0");
  g_assert_cmpuint (bind->status, ==, 200);
  g_assert_cmpstr (relay_test_reply_header (bind, "Mailbox-Binding-Epoch"), ==, "1");
  g_assert_cmpstr (relay_test_reply_header (after, "Mailbox-Binding-Epoch"), ==, "1");
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpstr (sent, ==, received);
  g_assert_cmpstr (title, ==, "Front door");
  g_assert_nonnull (expiration);
  g_assert_cmpstr (relay_test_reply_header (bind, "ETag"), ==,
                   relay_test_reply_header (before, "ETag"));
  g_assert_cmpstr (relay_test_reply_header (bind, "Cache-Control"), ==, "no-store");
}

static void
test_read_second_device_is_refused (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *first = relay_test_new_claim ();
  g_autofree char *second = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) bind = read_as (id, first, NULL);
  g_autoptr(RelayTestReply) refused = read_as (id, second, NULL);

  g_assert_cmpuint (bind->status, ==, 200);
  assert_error (refused, 401, "claimed-by-other-device");
  g_assert_null (strstr (relay_test_reply_text (refused), first));
}

typedef struct {
  const char *mailbox_id;
  GMutex     *lock;
  GCond      *go;
  gboolean   *started;
  guint       status;
  char       *epoch;
} Racer;

static gpointer
race_read (gpointer data)
{
  Racer *racer = data;
  g_autoptr(SoupSession) own_session = relay_test_session_new ();
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *url = relay_test_mailbox_url (relay, racer->mailbox_id);
  g_autoptr(RelayTestReply) reply = NULL;

  g_mutex_lock (racer->lock);
  while (!*racer->started)
    g_cond_wait (racer->go, racer->lock);
  g_mutex_unlock (racer->lock);

  reply = relay_test_request (own_session, "POST", url, NULL, CLAIM, claim, NULL);
  racer->status = reply->status;
  racer->epoch = g_strdup (relay_test_reply_header (reply, "Mailbox-Binding-Epoch"));
  return NULL;
}

static void
run_binding_race (void)
{
  enum { N_RACERS = 20 };
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  Racer racers[N_RACERS];
  GThread *threads[N_RACERS];
  GMutex lock;
  GCond go;
  gboolean started = FALSE;
  guint winners = 0, refused = 0;

  g_mutex_init (&lock);
  g_cond_init (&go);
  for (guint i = 0; i < N_RACERS; i++)
    {
      racers[i] = (Racer) { id, &lock, &go, &started, 0, NULL };
      threads[i] = g_thread_new ("racer", race_read, &racers[i]);
    }
  g_usleep (200 * 1000);
  g_mutex_lock (&lock);
  started = TRUE;
  g_cond_broadcast (&go);
  g_mutex_unlock (&lock);

  for (guint i = 0; i < N_RACERS; i++)
    {
      g_thread_join (threads[i]);
      winners += racers[i].status == 200;
      refused += racers[i].status == 401;
      if (racers[i].status == 200)
        g_assert_cmpstr (racers[i].epoch, ==, "1");
      g_free (racers[i].epoch);
    }
  g_assert_cmpuint (winners, ==, 1);
  g_assert_cmpuint (refused, ==, N_RACERS - 1);
  g_mutex_clear (&lock);
  g_cond_clear (&go);
}

static void
test_read_binding_race_has_one_winner (void)
{
  for (guint round = 0; round < 5; round++)
    run_binding_race ();
}

static void
test_read_bind_token_guards_the_first_read (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *squatter = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  const guint8 token[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  guint8 digest[32];
  gsize size = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *token_text = g_base64_encode (token, sizeof token);
  g_autofree char *verifier = NULL, *config = NULL, *id = NULL;
  g_autoptr(RelayTestReply) without = NULL, wrong = NULL, garbage = NULL, right = NULL;
  g_autoptr(RelayTestReply) later = NULL, squat = NULL;

  g_checksum_update (checksum, token, sizeof token);
  g_checksum_get_digest (checksum, digest, &size);
  verifier = g_base64_encode (digest, size);
  config = g_strdup_printf ("\"bindVerifier\":\"%s\"", verifier);
  id = new_mailbox (sender, config);

  without = read_as (id, squatter, NULL);
  wrong = read_as (id, squatter, "Mailbox-Bind-Token", verifier, NULL);
  garbage = read_as (id, squatter, "Mailbox-Bind-Token", "***", NULL);
  right = read_as (id, recipient, "Mailbox-Bind-Token", token_text, NULL);
  later = read_as (id, recipient, NULL);
  squat = read_as (id, squatter, "Mailbox-Bind-Token", token_text, NULL);

  assert_error (without, 401, "unauthorized");
  assert_error (wrong, 401, "unauthorized");
  assert_error (garbage, 401, "unauthorized");
  g_assert_cmpuint (right->status, ==, 200);
  g_assert_cmpstr (relay_test_reply_header (right, "Mailbox-Binding-Epoch"), ==, "1");
  g_assert_cmpuint (later->status, ==, 200);
  assert_error (squat, 401, "claimed-by-other-device");
}

static void
test_read_unknown_mailbox_is_404 (void)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *unknown = relay_test_new_claim ();
  g_autoptr(RelayTestReply) reply = read_as (unknown, claim, NULL);
  g_autoptr(RelayTestReply) malformed = read_as ("not-a-mailbox", claim, NULL);

  assert_error (reply, 404, "not-found");
  assert_error (malformed, 404, "not-found");
}

/* ------------------------------------------------------------------------ */
/* UpdateMailbox                                                            */
/* ------------------------------------------------------------------------ */

static void
test_update_both_parties_write (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *reply_data = sealed_data (80, 2);
  g_autofree char *body = update_body (reply_data);
  g_autofree char *etag = expected_etag (reply_data);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) update = call_as ("PUT", id, recipient, body, NULL, NULL);
  g_autoptr(RelayTestReply) seen = read_as (id, sender, NULL);
  g_autofree char *seen_data = relay_test_reply_member (seen, "payload.data");

  g_assert_cmpuint (bind->status, ==, 200);
  g_assert_cmpuint (update->status, ==, 200);
  g_assert_nonnull (strstr (relay_test_reply_text (update),
                            "\"isPushNotificationSupported\":false"));
  g_assert_cmpstr (relay_test_reply_header (update, "ETag"), ==, etag);
  g_assert_cmpstr (seen_data, ==, reply_data);
  g_assert_cmpstr (relay_test_reply_header (seen, "ETag"), ==, etag);
}

static void
test_update_stale_if_match_is_412 (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) first_read = read_as (id, sender, NULL);
  g_autofree char *old_etag = g_strdup (relay_test_reply_header (first_read, "ETag"));
  g_autofree char *data_a = sealed_data (64, 0xa), *data_b = sealed_data (64, 0xb);
  g_autofree char *body_a = update_body (data_a), *body_b = update_body (data_b);
  g_autoptr(RelayTestReply) first = NULL, stale = NULL, fresh = NULL, star = NULL;

  first = call_as ("PUT", id, sender, body_a, "If-Match", old_etag);
  stale = call_as ("PUT", id, sender, body_b, "If-Match", old_etag);
  fresh = call_as ("PUT", id, sender, body_b, "If-Match",
                   relay_test_reply_header (first, "ETag"));
  star = call_as ("PUT", id, sender, body_a, "If-Match", "*");

  g_assert_cmpuint (first->status, ==, 200);
  assert_error (stale, 412, "precondition-failed");
  g_assert_cmpuint (fresh->status, ==, 200);
  g_assert_cmpuint (star->status, ==, 200);
}

static void
test_update_repeated_request_id_is_not_redone (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *data_a = sealed_data (64, 0xa), *data_c = sealed_data (64, 0xc);
  g_autofree char *body_a = update_body (data_a), *body_c = update_body (data_c);
  g_autoptr(RelayTestReply) first = NULL, retry = NULL, seen = NULL;
  g_autofree char *seen_data = NULL;

  first = call_as ("PUT", id, sender, body_a, "Mailbox-Request-ID", "write-7");
  retry = call_as ("PUT", id, sender, body_c, "Mailbox-Request-ID", "write-7");
  seen = read_as (id, sender, NULL);
  seen_data = relay_test_reply_member (seen, "payload.data");

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpuint (retry->status, ==, 201);
  g_assert_cmpstr (seen_data, ==, data_a);
}

static void
test_update_stranger_is_refused (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *stranger = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *data = sealed_data (64, 3);
  g_autofree char *body = update_body (data);
  g_autoptr(RelayTestReply) before_bind = call_as ("PUT", id, stranger, body, NULL, NULL);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) after_bind = call_as ("PUT", id, stranger, body, NULL, NULL);
  g_autoptr(RelayTestReply) bad_body = call_as ("PUT", id, sender, "{\"payload\":1}", NULL,
                                                NULL);

  assert_error (before_bind, 401, "unauthorized");
  g_assert_cmpuint (bind->status, ==, 200);   /* the refused write did not bind */
  assert_error (after_bind, 401, "claimed-by-other-device");
  assert_error (bad_body, 400, "invalid-request");
}

static void
test_update_read_only_recipient_is_refused (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, "\"accessRights\":\"R\"");
  g_autofree char *data = sealed_data (64, 3);
  g_autofree char *body = update_body (data);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) write = call_as ("PUT", id, recipient, body, NULL, NULL);
  g_autoptr(RelayTestReply) delete = call_as ("DELETE", id, recipient, NULL, NULL, NULL);
  g_autoptr(RelayTestReply) sender_write = call_as ("PUT", id, sender, body, NULL, NULL);

  g_assert_cmpuint (bind->status, ==, 200);
  assert_error (write, 401, "unauthorized");
  assert_error (delete, 401, "unauthorized");
  g_assert_cmpuint (sender_write->status, ==, 200);
}

/* ------------------------------------------------------------------------ */
/* DeleteMailbox                                                            */
/* ------------------------------------------------------------------------ */

static void
test_delete_parties_get_410_others_404 (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *stranger = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *url = relay_test_mailbox_url (relay, id);
  g_autofree char *data = sealed_data (64, 3);
  g_autofree char *body = update_body (data);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) stranger_delete = call_as ("DELETE", id, stranger, NULL, NULL, NULL);
  g_autoptr(RelayTestReply) delete = call_as ("DELETE", id, recipient, NULL,
                                              "Mailbox-Request-ID", "bye");
  g_autoptr(RelayTestReply) retry = call_as ("DELETE", id, recipient, NULL,
                                             "Mailbox-Request-ID", "bye");
  g_autoptr(RelayTestReply) sender_read = read_as (id, sender, NULL);
  g_autoptr(RelayTestReply) recipient_read = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) stranger_read = read_as (id, stranger, NULL);
  g_autoptr(RelayTestReply) late_write = call_as ("PUT", id, sender, body, NULL, NULL);
  g_autoptr(RelayTestReply) second_delete = call_as ("DELETE", id, sender, NULL, NULL, NULL);
  g_autoptr(RelayTestReply) preview = relay_test_request (session, "GET", url, NULL, NULL);

  g_assert_cmpuint (bind->status, ==, 200);
  assert_error (stranger_delete, 401, "claimed-by-other-device");
  g_assert_cmpuint (delete->status, ==, 200);
  g_assert_cmpuint (retry->status, ==, 201);
  assert_error (sender_read, 410, "deleted");
  assert_error (recipient_read, 410, "deleted");
  assert_error (stranger_read, 404, "not-found");
  assert_error (late_write, 410, "deleted");
  assert_error (second_delete, 410, "deleted");
  g_assert_cmpuint (preview->status, ==, 404);
}

/* ------------------------------------------------------------------------ */
/* RelinquishMailbox                                                        */
/* ------------------------------------------------------------------------ */

static void
test_relinquish_restores_the_sender_payload (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *first = relay_test_new_claim ();
  g_autofree char *second = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) original = read_as (id, sender, NULL);
  g_autofree char *sender_data = relay_test_reply_member (original, "payload.data");
  g_autofree char *reply_data = sealed_data (64, 9);
  g_autofree char *body = update_body (reply_data);
  g_autoptr(RelayTestReply) bind = read_as (id, first, NULL);
  g_autoptr(RelayTestReply) write = call_as ("PUT", id, first, body, NULL, NULL);
  g_autoptr(RelayTestReply) by_sender = call_as ("PATCH", id, sender, NULL, NULL, NULL);
  g_autoptr(RelayTestReply) relinquish = call_as ("PATCH", id, first, NULL, NULL, NULL);
  g_autoptr(RelayTestReply) restored = read_as (id, sender, NULL);
  g_autoptr(RelayTestReply) rebind = read_as (id, second, NULL);
  g_autoptr(RelayTestReply) old_device = read_as (id, first, NULL);
  g_autofree char *restored_data = relay_test_reply_member (restored, "payload.data");
  g_autofree char *rebind_data = relay_test_reply_member (rebind, "payload.data");

  g_assert_cmpuint (bind->status, ==, 200);
  g_assert_cmpuint (write->status, ==, 200);
  assert_error (by_sender, 401, "unauthorized");
  g_assert_cmpuint (relinquish->status, ==, 200);
  g_assert_cmpstr (restored_data, ==, sender_data);
  g_assert_cmpuint (rebind->status, ==, 200);
  g_assert_cmpstr (rebind_data, ==, sender_data);
  g_assert_cmpstr (relay_test_reply_header (rebind, "Mailbox-Binding-Epoch"), ==, "2");
  assert_error (old_device, 401, "claimed-by-other-device");
}

static void
test_relinquish_can_be_switched_off (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, "\"relinquish\":false");
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autoptr(RelayTestReply) relinquish = call_as ("PATCH", id, recipient, NULL, NULL, NULL);
  g_autoptr(RelayTestReply) still_bound = read_as (id, recipient, NULL);

  g_assert_cmpuint (bind->status, ==, 200);
  assert_error (relinquish, 401, "unauthorized");
  g_assert_cmpuint (still_bound->status, ==, 200);
}

static void
test_relinquish_at_most_three_times (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);

  for (guint round = 1; round <= 4; round++)
    {
      g_autofree char *device = relay_test_new_claim ();
      g_autofree char *epoch = g_strdup_printf ("%u", round);
      g_autoptr(RelayTestReply) bind = read_as (id, device, NULL);
      g_autoptr(RelayTestReply) relinquish = call_as ("PATCH", id, device, NULL, NULL, NULL);

      g_assert_cmpuint (bind->status, ==, 200);
      g_assert_cmpstr (relay_test_reply_header (bind, "Mailbox-Binding-Epoch"), ==, epoch);
      if (round <= 3)
        g_assert_cmpuint (relinquish->status, ==, 200);
      else
        assert_error (relinquish, 401, "unauthorized");
    }
}

/* ------------------------------------------------------------------------ */
/* Long poll                                                                */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *mailbox_id;
  const char *claim;
  char       *body;
  guint       delay_ms;
} DelayedWrite;

static gpointer
write_later (gpointer data)
{
  DelayedWrite *write = data;
  g_autoptr(SoupSession) own_session = relay_test_session_new ();
  g_autofree char *url = relay_test_mailbox_url (relay, write->mailbox_id);
  g_autoptr(RelayTestReply) reply = NULL;

  g_usleep (write->delay_ms * 1000);
  reply = relay_test_request (own_session, "PUT", url, write->body, CLAIM, write->claim, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  return NULL;
}

static void
test_longpoll_answers_when_the_payload_changes (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autofree char *new_data = sealed_data (64, 0x42);
  DelayedWrite write = { id, sender, update_body (new_data), 1000 };
  GThread *writer = g_thread_new ("writer", write_later, &write);
  gint64 started = g_get_monotonic_time ();
  g_autoptr(RelayTestReply) poll = read_as (id, recipient, "Prefer", "wait=" BIG_WAIT_SECONDS,
                                            "If-None-Match",
                                            relay_test_reply_header (bind, "ETag"), NULL);
  gint64 waited_ms = (g_get_monotonic_time () - started) / 1000;
  g_autofree char *seen = relay_test_reply_member (poll, "payload.data");

  g_thread_join (writer);
  g_free (write.body);
  g_assert_cmpuint (poll->status, ==, 200);
  g_assert_cmpstr (seen, ==, new_data);
  g_assert_cmpint (waited_ms, >=, 800);
  g_assert_cmpint (waited_ms, <, 5000);
  g_assert_cmpstr (relay_test_reply_header (poll, "Preference-Applied"), ==,
                   "wait=" BIG_WAIT_SECONDS);
}

static void
test_longpoll_times_out_with_304 (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) first = read_as (id, sender, NULL);
  const char *etag = relay_test_reply_header (first, "ETag");
  gint64 started = g_get_monotonic_time ();
  g_autoptr(RelayTestReply) poll = read_as (id, sender, "Prefer", "wait=1",
                                            "If-None-Match", etag, NULL);
  gint64 waited_ms = (g_get_monotonic_time () - started) / 1000;
  g_autoptr(RelayTestReply) no_wait = read_as (id, sender, "If-None-Match", etag, NULL);
  g_autoptr(RelayTestReply) other_etag = read_as (id, sender, "Prefer", "wait=5",
                                                  "If-None-Match", "\"stale\"", NULL);

  g_assert_cmpuint (poll->status, ==, 304);
  g_assert_cmpint (waited_ms, >=, 900);
  g_assert_cmpint (waited_ms, <, 4000);
  g_assert_cmpstr (relay_test_reply_header (poll, "ETag"), ==, etag);
  g_assert_cmpstr (relay_test_reply_header (poll, "Preference-Applied"), ==, "wait=1");
  g_assert_cmpuint (no_wait->status, ==, 304);
  g_assert_cmpuint (other_etag->status, ==, 200);
}

typedef struct {
  const char     *mailbox_id;
  const char     *claim;
  const char     *etag;
  const char     *wait;
  guint           status;
  gint64          finished;
  char            epoch[16];   /* its Mailbox-Binding-Epoch */
} Poll;

static gpointer
poll_in_thread (gpointer data)
{
  Poll *poll = data;
  g_autoptr(SoupSession) own_session = relay_test_session_new ();
  g_autofree char *url = relay_test_mailbox_url (relay, poll->mailbox_id);
  g_autoptr(RelayTestReply) reply = NULL;

  reply = relay_test_request (own_session, "POST", url, NULL, CLAIM, poll->claim,
                              "Prefer", poll->wait, "If-None-Match", poll->etag, NULL);
  poll->status = reply->status;
  poll->finished = g_get_monotonic_time ();
  if (relay_test_reply_header (reply, "Mailbox-Binding-Epoch") != NULL)
    g_strlcpy (poll->epoch, relay_test_reply_header (reply, "Mailbox-Binding-Epoch"),
               sizeof poll->epoch);
  return NULL;
}

static void
test_longpoll_newer_poll_ends_the_older (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) first = read_as (id, sender, NULL);
  Poll older = { id, sender, relay_test_reply_header (first, "ETag"), "wait=30", 0, 0 };
  Poll newer = { id, sender, relay_test_reply_header (first, "ETag"), "wait=2", 0, 0 };
  gint64 started = g_get_monotonic_time ();
  GThread *older_thread = g_thread_new ("older", poll_in_thread, &older);
  GThread *newer_thread;

  g_usleep (500 * 1000);
  newer_thread = g_thread_new ("newer", poll_in_thread, &newer);
  g_thread_join (older_thread);
  g_thread_join (newer_thread);

  g_assert_cmpuint (older.status, ==, 304);
  g_assert_cmpint ((older.finished - started) / 1000, <, 2000);
  g_assert_cmpuint (newer.status, ==, 304);
  g_assert_cmpint ((newer.finished - started) / 1000, >=, 2000);
}

static void
test_longpoll_deletion_wakes_the_poller (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  Poll poll = { id, recipient, relay_test_reply_header (bind, "ETag"), "wait=30", 0, 0 };
  gint64 started = g_get_monotonic_time ();
  GThread *thread = g_thread_new ("poller", poll_in_thread, &poll);
  g_autoptr(RelayTestReply) delete = NULL;

  g_usleep (500 * 1000);
  delete = call_as ("DELETE", id, sender, NULL, NULL, NULL);
  g_thread_join (thread);

  g_assert_cmpuint (delete->status, ==, 200);
  g_assert_cmpuint (poll.status, ==, 410);
  g_assert_cmpint ((poll.finished - started) / 1000, <, 3000);
}

/* QA F1: a device that binds changes no payload, but the sender's long
 * poll must end at once with the new epoch: the sender learns that the
 * link was opened then, not when its wait runs out. */
static void
test_longpoll_binding_wakes_the_sender (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) first = read_as (id, sender, NULL);
  Poll poll = { id, sender, relay_test_reply_header (first, "ETag"), "wait=30", 0, 0, "" };
  gint64 started = g_get_monotonic_time ();
  GThread *thread = g_thread_new ("poller", poll_in_thread, &poll);
  g_autoptr(RelayTestReply) bind = NULL;

  g_usleep (500 * 1000);
  bind = read_as (id, recipient, NULL);
  g_thread_join (thread);

  g_assert_cmpuint (bind->status, ==, 200);
  g_assert_cmpuint (poll.status, ==, 304);
  g_assert_cmpstr (poll.epoch, ==, "1");
  g_assert_cmpint ((poll.finished - started) / 1000, <, 5000);
}

static void
test_longpoll_same_bytes_written_keep_it_waiting (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) bind = read_as (id, recipient, NULL);
  g_autofree char *same_data = relay_test_reply_member (bind, "payload.data");
  Poll poll = { id, recipient, relay_test_reply_header (bind, "ETag"), "wait=2", 0, 0 };
  gint64 started = g_get_monotonic_time ();
  GThread *thread = g_thread_new ("poller", poll_in_thread, &poll);
  g_autofree char *body = update_body (same_data);
  g_autoptr(RelayTestReply) rewrite = NULL;

  /* The write wakes the poll, but the payload is what the poller holds. */
  g_usleep (500 * 1000);
  rewrite = call_as ("PUT", id, sender, body, NULL, NULL);
  g_thread_join (thread);

  g_assert_cmpuint (rewrite->status, ==, 200);
  g_assert_cmpuint (poll.status, ==, 304);
  g_assert_cmpint ((poll.finished - started) / 1000, >=, 1900);
}

/* ------------------------------------------------------------------------ */
/* The preview page                                                         */
/* ------------------------------------------------------------------------ */

static RelayTestReply *
get_preview (const char *mailbox_id,
             const char *query)
{
  g_autofree char *url = relay_test_mailbox_url (relay, mailbox_id);
  g_autofree char *full = g_strconcat (url, query, NULL);

  return relay_test_request (session, "GET", full, NULL, NULL);
}

static void
assert_preview_headers (RelayTestReply *reply)
{
  g_assert_cmpstr (relay_test_reply_header (reply, "Content-Security-Policy"), ==,
                   "default-src 'none'; img-src 'self'; style-src 'self'");
  g_assert_cmpstr (relay_test_reply_header (reply, "Referrer-Policy"), ==, "no-referrer");
  g_assert_cmpstr (relay_test_reply_header (reply, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_null (relay_test_reply_header (reply, "ETag"));
  g_assert_true (g_str_has_prefix (relay_test_reply_header (reply, "Content-Type"),
                                   "text/html"));
}

static void
test_preview_same_bytes_through_the_share (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *first = relay_test_new_claim ();
  g_autofree char *second = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *data = sealed_data (64, 5);
  g_autofree char *body = update_body (data);
  g_autoptr(RelayTestReply) fresh = get_preview (id, "?v=h");
  g_autoptr(GPtrArray) later =
    g_ptr_array_new_with_free_func ((GDestroyNotify) relay_test_reply_free);
  g_autofree char *lower = NULL;

  g_assert_cmpuint (fresh->status, ==, 200);
  assert_preview_headers (fresh);
  lower = g_ascii_strdown (relay_test_reply_text (fresh), -1);
  g_assert_null (strstr (lower, "<script"));
  g_assert_null (strstr (lower, "javascript:"));

  relay_test_reply_free (read_as (id, first, NULL));
  g_ptr_array_add (later, get_preview (id, "?v=h"));
  relay_test_reply_free (call_as ("PUT", id, first, body, NULL, NULL));
  g_ptr_array_add (later, get_preview (id, "?v=h"));
  relay_test_reply_free (call_as ("PATCH", id, first, NULL, NULL, NULL));
  g_ptr_array_add (later, get_preview (id, "?v=h"));
  relay_test_reply_free (read_as (id, second, NULL));
  g_ptr_array_add (later, get_preview (id, "?v=h"));

  for (guint i = 0; i < later->len; i++)
    {
      RelayTestReply *reply = g_ptr_array_index (later, i);

      g_assert_cmpuint (reply->status, ==, 200);
      assert_preview_headers (reply);
      g_assert_true (g_bytes_equal (reply->body, fresh->body));
    }

  relay_test_reply_free (call_as ("DELETE", id, sender, NULL, NULL, NULL));
  {
    g_autoptr(RelayTestReply) gone = get_preview (id, "?v=h");

    g_assert_cmpuint (gone->status, ==, 404);
    assert_preview_headers (gone);
  }
}

static void
test_preview_escapes_fields_and_serves_own_icons (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *data = sealed_data (64, 5);
  g_autofree char *body = g_strdup_printf (
    "{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"},\"displayInformation\":"
    "{\"title\":\"<script>alert(1)</script>\\\"'&\",\"description\":\"<img src=x>\","
    "\"imageURL\":\"https://tracker.invalid/pixel.png\"}}", data);
  g_autofree char *url = collection_url ();
  g_autoptr(RelayTestReply) created = relay_test_request (session, "POST", url, body,
                                                          CLAIM, sender, NULL);
  g_autofree char *link = relay_test_reply_member (created, "urlLink");
  g_autoptr(RelayTestReply) page = get_preview (strrchr (link, '/') + 1, "?v=c");
  g_autofree char *icon_url = g_strconcat (relay_test_server_url (relay),
                                           "/static/icon-c.svg", NULL);
  g_autofree char *style_url = g_strconcat (relay_test_server_url (relay),
                                            "/static/preview.css", NULL);
  g_autoptr(RelayTestReply) icon = relay_test_request (session, "GET", icon_url, NULL, NULL);
  g_autoptr(RelayTestReply) style = relay_test_request (session, "GET", style_url, NULL, NULL);
  const char *html;

  g_assert_cmpuint (page->status, ==, 200);
  html = relay_test_reply_text (page);
  g_assert_null (strstr (html, "<script"));
  g_assert_null (strstr (html, "<img src=x"));
  g_assert_nonnull (strstr (html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
  g_assert_null (strstr (html, "tracker.invalid"));
  g_assert_nonnull (strstr (html, "/static/icon-c.svg"));
  g_assert_cmpuint (icon->status, ==, 200);
  g_assert_cmpstr (relay_test_reply_header (icon, "Content-Type"), ==, "image/svg+xml");
  g_assert_cmpuint (style->status, ==, 200);
  g_assert_true (g_str_has_prefix (relay_test_reply_header (style, "Content-Type"),
                                   "text/css"));
}

static void
test_preview_never_binds (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autoptr(RelayTestReply) preview = get_preview (id, "");
  g_autoptr(RelayTestReply) head = NULL;
  g_autoptr(RelayTestReply) bind = NULL;
  g_autofree char *url = relay_test_mailbox_url (relay, id);

  head = relay_test_request (session, "HEAD", url, NULL, CLAIM, recipient, NULL);
  bind = read_as (id, recipient, NULL);
  g_assert_cmpuint (preview->status, ==, 200);
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (relay_test_reply_header (bind, "Mailbox-Binding-Epoch"), ==, "1");
}

/* ------------------------------------------------------------------------ */
/* Health, metrics and hostile input                                        */
/* ------------------------------------------------------------------------ */

static void
test_health_and_metrics (void)
{
  g_autofree char *health = g_strconcat (relay_test_server_url (relay), "/healthz", NULL);
  g_autofree char *public_metrics = g_strconcat (relay_test_server_url (relay), "/metrics",
                                                 NULL);
  g_autofree char *admin_metrics = g_strconcat (relay_test_server_admin_url (relay),
                                                "/metrics", NULL);
  g_autofree char *admin_api = g_strconcat (relay_test_server_admin_url (relay), "/v1/m",
                                            NULL);
  g_autoptr(SoupSession) plain = relay_test_session_new ();
  g_autoptr(RelayTestReply) ok = relay_test_request (session, "GET", health, NULL, NULL);
  g_autoptr(RelayTestReply) hidden = relay_test_request (session, "GET", public_metrics,
                                                         NULL, NULL);
  g_autoptr(RelayTestReply) metrics = relay_test_request (plain, "GET", admin_metrics, NULL,
                                                          NULL);
  g_autoptr(RelayTestReply) no_api = relay_test_request (plain, "POST", admin_api, "{}", NULL);

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpstr (relay_test_reply_text (ok), ==, "ok\n");
  g_assert_cmpuint (hidden->status, ==, 404);
  g_assert_cmpuint (metrics->status, ==, 200);
  g_assert_nonnull (strstr (relay_test_reply_text (metrics),
                            "# TYPE tigress_relay_requests_total counter"));
  g_assert_nonnull (strstr (relay_test_reply_text (metrics), "tigress_relay_mailboxes "));
  g_assert_cmpuint (no_api->status, ==, 404);
}

static void
test_hostile_wrong_methods_get_405_with_allow (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *item = relay_test_mailbox_url (relay, id);
  g_autofree char *collection = collection_url ();
  g_autofree char *health = g_strconcat (relay_test_server_url (relay), "/healthz", NULL);
  g_autoptr(RelayTestReply) put_collection = relay_test_request (session, "PUT", collection,
                                                                 "{}", NULL);
  g_autoptr(RelayTestReply) options = relay_test_request (session, "OPTIONS", item, NULL, NULL);
  g_autoptr(RelayTestReply) trace = relay_test_request (session, "TRACE", item, NULL, NULL);
  g_autoptr(RelayTestReply) post_health = relay_test_request (session, "POST", health, "x",
                                                              NULL);

  g_assert_cmpuint (put_collection->status, ==, 405);
  g_assert_cmpstr (relay_test_reply_header (put_collection, "Allow"), ==, "POST");
  g_assert_cmpuint (options->status, ==, 405);
  g_assert_cmpstr (relay_test_reply_header (options, "Allow"), ==,
                   "GET, HEAD, POST, PUT, DELETE, PATCH");
  g_assert_cmpuint (trace->status, ==, 405);
  g_assert_cmpuint (post_health->status, ==, 405);
  g_assert_cmpstr (relay_test_reply_header (post_health, "Allow"), ==, "GET, HEAD");
}

static guint
raw_status (const char *request)
{
  g_autofree char *answer = relay_test_raw_exchange (relay, request, strlen (request), 5000);

  return relay_test_raw_status (answer);
}

static void
test_hostile_path_tricks_find_nothing (void)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *id = new_mailbox (sender, NULL);
  g_autofree char *upper = g_ascii_strup (id, -1);
  const char *templates[] = {
    "GET /v1/m/../../etc/passwd HTTP/1.1\r\n",
    "GET /v1/m/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n",
    "GET /v1/m/{id}/../../x HTTP/1.1\r\n",
    "GET /v1/m/{id}%00 HTTP/1.1\r\n",
    "GET /v1/m//{id} HTTP/1.1\r\n",
    "GET /v1/m/{id}/ HTTP/1.1\r\n",
    "GET /static/../v1/m HTTP/1.1\r\n",
    "GET /static/%2e%2e%2fv1 HTTP/1.1\r\n",
    "GET /V1/M/{id} HTTP/1.1\r\n",
    "GET /v1/m/{upper} HTTP/1.1\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autoptr(GString) request = g_string_new (templates[i]);
      guint status;

      g_string_replace (request, "{id}", id, 0);
      g_string_replace (request, "{upper}", upper, 0);
      g_string_append (request, "Host: a\r\nConnection: close\r\n\r\n");
      status = raw_status (request->str);
      g_test_message ("case %u: %u", i, status);
      /* 405: the trick resolved to /v1/m, which only takes POST. */
      g_assert_true (status == 400 || status == 404 || status == 405);
    }

  /* Dot segments are resolved before routing, so this is simply the
   * mailbox's own preview, never something beside it. */
  {
    g_autofree char *request = g_strdup_printf ("GET /v1/m/%s/../%s HTTP/1.1\r\nHost: a\r\n"
                                                "Connection: close\r\n\r\n", id, id);

    g_assert_cmpuint (raw_status (request), ==, 200);
  }
  assert_still_serving ();
}

static void
test_hostile_oversized_requests_are_refused (void)
{
  g_autofree char *big_header = g_strnfill (20 * 1024, 'h');
  g_autofree char *huge_header = g_strnfill (300 * 1024, 'h');
  g_autofree char *long_path = g_strnfill (3000, 'a');
  g_autofree char *header_request = g_strdup_printf (
    "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Filler: %s\r\nConnection: close\r\n\r\n",
    big_header);
  g_autofree char *huge_request = g_strdup_printf (
    "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Filler: %s\r\nConnection: close\r\n\r\n",
    huge_header);
  g_autofree char *path_request = g_strdup_printf (
    "GET /v1/m/%s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", long_path);
  const char *declared_body =
    "POST /v1/m HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n{\"payload\":";
  g_autoptr(GString) chunked = g_string_new (
    "POST /v1/m HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  guint huge_status;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *chunk = g_strnfill (4096, 'x');

      g_string_append_printf (chunked, "1000\r\n%s\r\n", chunk);
    }
  g_string_append (chunked, "0\r\n\r\n");

  g_assert_cmpuint (raw_status (header_request), ==, 431);
  /* Clients show the reason phrase to people (QA G8). */
  {
    g_autofree char *answer = relay_test_raw_exchange (relay, header_request,
                                                       strlen (header_request), 5000);

    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  }
  huge_status = raw_status (huge_request);
  g_assert_true (huge_status == 400 || huge_status == 431 || huge_status == 0);
  g_assert_cmpuint (raw_status (path_request), ==, 414);
  g_assert_cmpuint (raw_status (declared_body), ==, 413);
  g_assert_cmpuint (raw_status (chunked->str), ==, 413);
  g_assert_cmpuint (raw_status ("HELLO\r\n\r\n"), ==, 400);
  g_assert_cmpuint (raw_status ("GET /healthz HTTP/9.9\r\n\r\n"), !=, 200);
  assert_still_serving ();
}

int
main (int   argc,
      char *argv[])
{
  const char *args[] = {
    "--no-rate-limits", "--read-limit=0", "--max-expiry=1h",
    "--admin-listen=127.0.0.1:0", NULL,
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TW_RELAY_EXE") == NULL)
    {
      g_printerr ("TW_RELAY_EXE is not set\n");
      return 77;
    }
  relay = relay_test_server_start (args);
  session = relay_test_session_new ();

  g_test_add_func ("/relay/create/answers-link-etag-and-expiration",
                   test_create_answers_link_etag_and_expiration);
  g_test_add_func ("/relay/create/repeated-request-id-returns-the-original",
                   test_create_repeated_request_id_returns_the_original);
  g_test_add_func ("/relay/create/expiration-is-clamped-to-the-maximum",
                   test_create_expiration_is_clamped);
  g_test_add_func ("/relay/create/malformed-bodies-are-refused",
                   test_create_refuses_malformed_bodies);
  g_test_add_func ("/relay/create/needs-a-well-formed-claim",
                   test_create_needs_a_well_formed_claim);
  g_test_add_func ("/relay/read/first-other-device-binds",
                   test_read_first_other_device_binds);
  g_test_add_func ("/relay/read/second-device-is-refused", test_read_second_device_is_refused);
  g_test_add_func ("/relay/read/binding-race-has-exactly-one-winner",
                   test_read_binding_race_has_one_winner);
  g_test_add_func ("/relay/read/bind-token-guards-the-first-read",
                   test_read_bind_token_guards_the_first_read);
  g_test_add_func ("/relay/read/unknown-mailbox-is-not-found", test_read_unknown_mailbox_is_404);
  g_test_add_func ("/relay/update/both-parties-write", test_update_both_parties_write);
  g_test_add_func ("/relay/update/stale-if-match-is-refused", test_update_stale_if_match_is_412);
  g_test_add_func ("/relay/update/repeated-request-id-is-not-redone",
                   test_update_repeated_request_id_is_not_redone);
  g_test_add_func ("/relay/update/stranger-is-refused", test_update_stranger_is_refused);
  g_test_add_func ("/relay/update/read-only-recipient-is-refused",
                   test_update_read_only_recipient_is_refused);
  g_test_add_func ("/relay/delete/parties-get-410-others-404",
                   test_delete_parties_get_410_others_404);
  g_test_add_func ("/relay/relinquish/restores-the-sender-payload",
                   test_relinquish_restores_the_sender_payload);
  g_test_add_func ("/relay/relinquish/can-be-switched-off", test_relinquish_can_be_switched_off);
  g_test_add_func ("/relay/relinquish/at-most-three-times", test_relinquish_at_most_three_times);
  g_test_add_func ("/relay/long-poll/answers-when-the-payload-changes",
                   test_longpoll_answers_when_the_payload_changes);
  g_test_add_func ("/relay/long-poll/times-out-with-304", test_longpoll_times_out_with_304);
  g_test_add_func ("/relay/long-poll/newer-poll-by-same-device-ends-the-older",
                   test_longpoll_newer_poll_ends_the_older);
  g_test_add_func ("/relay/long-poll/a-device-binding-ends-the-senders-poll",
                   test_longpoll_binding_wakes_the_sender);
  g_test_add_func ("/relay/long-poll/deletion-wakes-the-poller",
                   test_longpoll_deletion_wakes_the_poller);
  g_test_add_func ("/relay/long-poll/same-bytes-written-keep-it-waiting",
                   test_longpoll_same_bytes_written_keep_it_waiting);
  g_test_add_func ("/relay/preview/same-bytes-through-the-share",
                   test_preview_same_bytes_through_the_share);
  g_test_add_func ("/relay/preview/escapes-fields-and-serves-own-icons",
                   test_preview_escapes_fields_and_serves_own_icons);
  g_test_add_func ("/relay/preview/never-binds", test_preview_never_binds);
  g_test_add_func ("/relay/admin/health-and-metrics", test_health_and_metrics);
  g_test_add_func ("/relay/hostile/wrong-methods-get-405-with-allow",
                   test_hostile_wrong_methods_get_405_with_allow);
  g_test_add_func ("/relay/hostile/path-tricks-find-nothing",
                   test_hostile_path_tricks_find_nothing);
  g_test_add_func ("/relay/hostile/oversized-requests-are-refused",
                   test_hostile_oversized_requests_are_refused);

  status = g_test_run ();
  g_clear_object (&session);
  relay_test_server_free (relay);
  return status;
}
