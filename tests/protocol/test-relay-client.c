/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay client against two kinds of server, all on loopback:
 *   - a real tigress-relay ($TW_RELAY_BIN), over http and over https with a
 *     CA and certificate this program makes with the openssl command;
 *   - small servers of our own for what a good relay never does: fail with
 *     5xx, never answer, redirect, answer too much or malformed JSON.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "tw-crypto.h"
#include "tw-link-key.h"
#include "tw-relay-client.h"

#define SAMPLE_PAYLOAD_SIZE 1052   /* 12 + 1024 + 16 */

/* ------------------------------------------------------------------------
 * Running the client's async calls to completion
 * ------------------------------------------------------------------------ */

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

static gboolean
cancel_later_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
cancel_after (GCancellable *cancellable,
              guint         milliseconds)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, milliseconds, cancel_later_cb,
                      g_object_ref (cancellable), g_object_unref);
}

static TwRelayCreated *
create_sync (TwRelayMailbox             *mailbox,
             const TwRelayCreateParams  *params,
             const char                 *request_id,
             GCancellable               *cancellable,
             GError                    **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  tw_relay_mailbox_create_async (mailbox, params, request_id, cancellable, store_result, &slot);
  result = wait_for (&slot);
  return tw_relay_mailbox_create_finish (mailbox, result, error);
}

static GBytes *
read_display_sync (TwRelayMailbox  *mailbox,
                   GError         **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  tw_relay_mailbox_read_display_async (mailbox, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tw_relay_mailbox_read_display_finish (mailbox, result, error);
}

static TwRelayContent *
read_content_sync (TwRelayMailbox  *mailbox,
                   TwSecret        *bind_token,
                   const char      *if_none_match,
                   guint            wait_seconds,
                   GCancellable    *cancellable,
                   GError         **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  tw_relay_mailbox_read_content_async (mailbox, bind_token, if_none_match, wait_seconds,
                                       cancellable, store_result, &slot);
  result = wait_for (&slot);
  return tw_relay_mailbox_read_content_finish (mailbox, result, error);
}

static gboolean
update_sync (TwRelayMailbox  *mailbox,
             GBytes          *payload,
             const char      *if_match,
             char           **etag_out,
             GError         **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  tw_relay_mailbox_update_async (mailbox, TW_RELAY_PAYLOAD_AES_256_GCM, payload, if_match,
                                 NULL, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tw_relay_mailbox_update_finish (mailbox, result, etag_out, error);
}

static gboolean
delete_sync (TwRelayMailbox  *mailbox,
             GError         **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  tw_relay_mailbox_delete_async (mailbox, NULL, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tw_relay_mailbox_delete_finish (mailbox, result, error);
}

static gboolean
relinquish_sync (TwRelayMailbox  *mailbox,
                 GError         **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  tw_relay_mailbox_relinquish_async (mailbox, NULL, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tw_relay_mailbox_relinquish_finish (mailbox, result, error);
}

/* ------------------------------------------------------------------------
 * Sample data
 * ------------------------------------------------------------------------ */

/* Opaque bytes shaped like a sealed payload; the relay cannot tell. */
static GBytes *
sample_payload (gsize size)
{
  guint8 *data = g_malloc (size);

  tw_random_bytes (data, size);
  return g_bytes_new_take (data, size);
}

static void
sample_params (TwRelayCreateParams *params,
               GBytes              *payload)
{
  memset (params, 0, sizeof *params);
  params->payload_type = TW_RELAY_PAYLOAD_AES_256_GCM;
  params->payload_data = payload;
  params->title = "Front door";
  params->description = "A home key";
}

static TwSecret *
sample_bind_token (void)
{
  g_autoptr(TwSecret) key = tw_secret_new (TW_LINK_KEY_SIZE);
  g_autoptr(GError) error = NULL;
  TwSecret *token;

  tw_random_bytes (tw_secret_get_data (key), TW_LINK_KEY_SIZE);
  token = tw_link_key_derive_bind_token (key, &error);
  g_assert_no_error (error);
  return token;
}

static TwRelayMailbox *
mailbox_for_relay (const char *base_url,
                   const char *ca_file)
{
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autoptr(GError) error = NULL;
  TwRelayMailbox *mailbox;

  mailbox = tw_relay_mailbox_new_for_relay (base_url, claim, ca_file, &error);
  g_assert_no_error (error);
  return mailbox;
}

/* A second party (the recipient, or a third device) on the same mailbox. */
static TwRelayMailbox *
mailbox_for_url (const char *mailbox_url,
                 const char *ca_file)
{
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autoptr(TwLink) link = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayMailbox *mailbox;

  link = tw_link_new_from_mailbox_url (mailbox_url, TW_LINK_VERTICAL_HOME, NULL, &error);
  g_assert_no_error (error);
  mailbox = tw_relay_mailbox_new_for_link (link, claim, ca_file, &error);
  g_assert_no_error (error);
  return mailbox;
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a),
                   g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* ------------------------------------------------------------------------
 * Temporary files and certificates
 * ------------------------------------------------------------------------ */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A private folder, inside the test's scratch folder when headless-run
 * gave one, so that nothing is left behind even if an assertion aborts. */
static char *
make_temp_dir (const char *prefix)
{
  const char *scratch = g_getenv ("TW_TEST_SCRATCH");
  g_autofree char *template = g_strconcat (prefix, "-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  char *path;

  if (scratch == NULL || *scratch == '\0')
    {
      path = g_dir_make_tmp (template, &error);
      g_assert_no_error (error);
      return path;
    }

  path = g_build_filename (scratch, template, NULL);
  g_assert_nonnull (g_mkdtemp (path));
  return path;
}

static void
run_openssl (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *errors = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &errors, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl %s failed: %s", args[0], errors);
}

static void
make_ca (const char *dir,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s/%s.key", dir, name);
  g_autofree char *pem = g_strdup_printf ("%s/%s.pem", dir, name);
  g_autofree char *subject = g_strdup_printf ("/CN=Tigress test %s", name);
  const char *args[] = {
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc",
    "-keyout", key, "-out", pem, "-days", "2", "-subj", subject,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL,
  };

  run_openssl (args);
}

/* server.pem and server.key for 127.0.0.1, signed by the CA "ca". */
static void
make_server_certificate (const char *dir)
{
  g_autofree char *ca_key = g_build_filename (dir, "ca.key", NULL);
  g_autofree char *ca_pem = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "server.key", NULL);
  g_autofree char *csr = g_build_filename (dir, "server.csr", NULL);
  g_autofree char *pem = g_build_filename (dir, "server.pem", NULL);
  g_autofree char *ext = g_build_filename (dir, "server.ext", NULL);
  const char *request[] = {
    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc",
    "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1", NULL,
  };
  const char *sign[] = {
    "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-set_serial", "2",
    "-days", "2", "-out", pem, "-extfile", ext, NULL,
  };
  g_autoptr(GError) error = NULL;

  g_file_set_contents (ext,
                       "subjectAltName=IP:127.0.0.1\n"
                       "basicConstraints=CA:FALSE\n"
                       "keyUsage=critical,digitalSignature\n"
                       "extendedKeyUsage=serverAuth\n", -1, &error);
  g_assert_no_error (error);
  run_openssl (request);
  run_openssl (sign);
}

/* One folder with ca.pem (trusted by the tests), other-ca.pem (trusted by
 * nobody who matters) and server.{pem,key} signed by ca. Made once. */
static char *certificates = NULL;

static const char *
certificate_dir (void)
{
  if (certificates != NULL)
    return certificates;

  certificates = make_temp_dir ("tw-relay-client");
  make_ca (certificates, "ca");
  make_ca (certificates, "other-ca");
  make_server_certificate (certificates);
  return certificates;
}

static char *
certificate_file (const char *name)
{
  return g_build_filename (certificate_dir (), name, NULL);
}

/* ------------------------------------------------------------------------
 * Ports
 * ------------------------------------------------------------------------ */

static GSocket *
loopback_socket_listening (guint16 *port)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);

  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* A port on which nothing listens: bound, then closed. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  guint16 port;

  socket = loopback_socket_listening (&port);
  g_socket_close (socket, NULL);
  return port;
}

/* ------------------------------------------------------------------------
 * A misbehaving relay of our own
 * ------------------------------------------------------------------------ */

typedef struct
{
  SoupServer *server;
  char       *base_url;       /* http(s)://127.0.0.1:PORT */
  char       *mailbox_url;    /* base_url/v1/m/{a fixed id} */

  /* The script: the first `failures` requests get fail_status, the rest
   * status and body. */
  guint       failures;
  guint       fail_status;
  const char *fail_code;       /* relay error code of the failures, or NULL */
  guint       status;
  char       *body;
  const char *retry_after;
  const char *location;
  gboolean    chunked;

  /* What came in. */
  guint       requests;
  GPtrArray  *request_ids;     /* Mailbox-Request-ID of each request, "" if none */
  GPtrArray  *targets;         /* path and query of each request */
  GPtrArray  *bodies;          /* request bodies as text */
  char       *user_agent;      /* of the last request */
  gboolean    accept_encoding; /* any request had Accept-Encoding */
  gboolean    cookie;          /* any request had Cookie */
  GPtrArray  *claims_seen;     /* TRUE/FALSE for each request, as "1"/"0" */
} FakeRelay;

static void
fake_relay_record (FakeRelay         *fake,
                   SoupServerMessage *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  GUri *uri = soup_server_message_get_uri (message);
  SoupMessageBody *body = soup_server_message_get_request_body (message);
  const char *request_id = soup_message_headers_get_one (headers, "Mailbox-Request-ID");
  const char *query = g_uri_get_query (uri);

  fake->requests++;
  g_ptr_array_add (fake->request_ids, g_strdup (request_id != NULL ? request_id : ""));
  g_ptr_array_add (fake->targets, g_strconcat (g_uri_get_path (uri), query != NULL ? "?" : "",
                                               query, NULL));
  g_ptr_array_add (fake->bodies, g_strndup (body->data, body->length));
  g_free (fake->user_agent);
  fake->user_agent = g_strdup (soup_message_headers_get_one (headers, "User-Agent"));
  fake->accept_encoding |= soup_message_headers_get_one (headers, "Accept-Encoding") != NULL;
  fake->cookie |= soup_message_headers_get_one (headers, "Cookie") != NULL;
  g_ptr_array_add (fake->claims_seen,
                   g_strdup (soup_message_headers_get_one (headers, "Mailbox-Device-Claim")
                             != NULL ? "1" : "0"));
}

static void
fake_relay_answer (FakeRelay         *fake,
                   SoupServerMessage *message,
                   guint              status,
                   const char        *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, status, NULL);
  if (fake->retry_after != NULL)
    soup_message_headers_replace (headers, "Retry-After", fake->retry_after);
  if (fake->location != NULL)
    soup_message_headers_replace (headers, "Location", fake->location);
  if (fake->chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "ETag", "\"fake-etag\"");
  if (body != NULL)
    soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                      body, strlen (body));
}

static void
fake_relay_handle (SoupServer        *server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  FakeRelay *fake = user_data;

  fake_relay_record (fake, message);

  if (fake->requests <= fake->failures)
    {
      g_autofree char *body = NULL;

      if (fake->fail_code != NULL)
        body = g_strdup_printf ("{\"error\": \"%s\", \"message\": \"Do not show this.\"}",
                                fake->fail_code);
      fake_relay_answer (fake, message, fake->fail_status, body);
      return;
    }

  fake_relay_answer (fake, message, fake->status, fake->body);
}

static FakeRelay *
fake_relay_new (gboolean tls)
{
  FakeRelay *fake = g_new0 (FakeRelay, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *id = tw_relay_new_request_id ();   /* a UUID v4, as the relay makes */
  GSList *uris;
  guint port;

  if (tls)
    {
      g_autofree char *pem = certificate_file ("server.pem");
      g_autofree char *key = certificate_file ("server.key");

      certificate = g_tls_certificate_new_from_files (pem, key, &error);
      g_assert_no_error (error);
    }
  fake->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (fake->server, NULL, fake_relay_handle, fake, NULL);
  soup_server_listen_local (fake->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY | (tls ? SOUP_SERVER_LISTEN_HTTPS : 0),
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (fake->server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fake->base_url = g_strdup_printf ("%s://127.0.0.1:%u", tls ? "https" : "http", port);
  fake->mailbox_url = g_strdup_printf ("%s/v1/m/%s", fake->base_url, id);
  fake->status = SOUP_STATUS_OK;
  fake->body = g_strdup_printf ("{\"urlLink\": \"%s\", \"isPushNotificationSupported\": false}",
                                fake->mailbox_url);
  fake->request_ids = g_ptr_array_new_with_free_func (g_free);
  fake->targets = g_ptr_array_new_with_free_func (g_free);
  fake->bodies = g_ptr_array_new_with_free_func (g_free);
  fake->claims_seen = g_ptr_array_new_with_free_func (g_free);
  return fake;
}

static void
fake_relay_free (FakeRelay *fake)
{
  soup_server_disconnect (fake->server);
  g_object_unref (fake->server);
  g_free (fake->base_url);
  g_free (fake->mailbox_url);
  g_free (fake->body);
  g_free (fake->user_agent);
  g_ptr_array_unref (fake->request_ids);
  g_ptr_array_unref (fake->targets);
  g_ptr_array_unref (fake->bodies);
  g_ptr_array_unref (fake->claims_seen);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeRelay, fake_relay_free)

/* A mailbox on @fake with fast retries, for the scripted failures. */
static TwRelayMailbox *
mailbox_for_fake (FakeRelay *fake,
                  guint      max_attempts)
{
  TwRelayMailbox *mailbox = mailbox_for_relay (fake->base_url, NULL);

  tw_relay_mailbox_set_retry_policy (mailbox, max_attempts, 20, 80);
  return mailbox;
}

static TwRelayCreated *
fake_create (TwRelayMailbox  *mailbox,
             const char      *request_id,
             GError         **error)
{
  g_autoptr(GBytes) payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  TwRelayCreateParams params;

  sample_params (&params, payload);
  return create_sync (mailbox, &params, request_id, NULL, error);
}

/* ------------------------------------------------------------------------
 * Tests with the misbehaving relay
 * ------------------------------------------------------------------------ */

static void
test_retry_reuses_request_id (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 5);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  fake->failures = 2;
  fake->fail_status = SOUP_STATUS_SERVICE_UNAVAILABLE;

  created = fake_create (mailbox, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake->requests, ==, 3);
  g_assert_cmpuint (strlen (g_ptr_array_index (fake->request_ids, 0)), ==, 36);
  g_assert_cmpstr (g_ptr_array_index (fake->request_ids, 0), ==,
                   g_ptr_array_index (fake->request_ids, 1));
  g_assert_cmpstr (g_ptr_array_index (fake->request_ids, 0), ==,
                   g_ptr_array_index (fake->request_ids, 2));
  g_assert_cmpstr (g_ptr_array_index (fake->bodies, 0), ==, g_ptr_array_index (fake->bodies, 2));
  g_assert_cmpstr (created->url_link, ==, fake->mailbox_url);
  g_assert_cmpstr (tw_relay_mailbox_get_mailbox_id (mailbox), ==, created->mailbox_id);
  g_assert_cmpstr (created->etag, ==, "\"fake-etag\"");
}

static void
test_retry_uses_callers_request_id (void)
{
  const char *request_id = "5f0c6a52-3b7e-4c1e-9a43-51c0f1b2d3e4";
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 5);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  fake->failures = 1;
  fake->fail_status = SOUP_STATUS_BAD_GATEWAY;

  created = fake_create (mailbox, request_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake->requests, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fake->request_ids, 0), ==, request_id);
  g_assert_cmpstr (g_ptr_array_index (fake->request_ids, 1), ==, request_id);
}

static void
test_retry_never_on_4xx (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 5);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  fake->failures = 10;
  fake->fail_status = SOUP_STATUS_BAD_REQUEST;
  fake->fail_code = "invalid-request";

  created = fake_create (mailbox, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_BAD_REQUEST);
  g_assert_null (created);
  g_assert_cmpuint (fake->requests, ==, 1);
  g_assert_null (strstr (error->message, "Do not show this"));
  g_assert_cmpstr (tw_relay_error_get_relay_code (error), ==, "invalid-request");
  g_assert_null (tw_relay_mailbox_get_mailbox_id (mailbox));
}

static void
test_retry_gives_up (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 3);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  fake->failures = 10;
  fake->fail_status = SOUP_STATUS_INTERNAL_SERVER_ERROR;

  created = fake_create (mailbox, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RELAY_BUG);
  g_assert_cmpuint (fake->requests, ==, 3);
}

/* The back-off grows: with a first delay of 200 ms and no cap in reach,
 * three retries take at least 100 + 200 + 400 ms (half of each is fixed). */
static void
test_retry_backs_off (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (fake->base_url, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed_ms;

  tw_relay_mailbox_set_retry_policy (mailbox, 4, 200, 5000);
  fake->failures = 3;
  fake->fail_status = SOUP_STATUS_SERVICE_UNAVAILABLE;

  start = g_get_monotonic_time ();
  created = fake_create (mailbox, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_no_error (error);
  g_assert_cmpuint (fake->requests, ==, 4);
  g_assert_cmpint (elapsed_ms, >=, 700);
  g_assert_cmpint (elapsed_ms, <, 5000);
}

/* With a cap of 100 ms, four retries cannot take much more than 400 ms,
 * however large the doubling would have grown. */
static void
test_retry_back_off_capped (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (fake->base_url, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed_ms;

  tw_relay_mailbox_set_retry_policy (mailbox, 5, 100, 100);
  fake->failures = 4;
  fake->fail_status = SOUP_STATUS_SERVICE_UNAVAILABLE;

  start = g_get_monotonic_time ();
  created = fake_create (mailbox, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_no_error (error);
  g_assert_cmpuint (fake->requests, ==, 5);
  g_assert_cmpint (elapsed_ms, >=, 200);
  g_assert_cmpint (elapsed_ms, <, 1500);
}

/* A 503 that says when to come back is honoured, up to the cap. */
static void
test_retry_honours_retry_after (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (fake->base_url, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  tw_relay_mailbox_set_retry_policy (mailbox, 2, 10, 5000);
  fake->failures = 1;
  fake->fail_status = SOUP_STATUS_SERVICE_UNAVAILABLE;
  fake->retry_after = "1";

  start = g_get_monotonic_time ();
  created = fake_create (mailbox, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (fake->requests, ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
}

static void
test_retry_unreachable_names_host (void)
{
  g_autofree char *base_url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (base_url, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  tw_relay_mailbox_set_retry_policy (mailbox, 2, 10, 20);
  created = fake_create (mailbox, NULL, &error);

  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_cmpstr (tw_relay_error_get_host (error), ==, "127.0.0.1");
  g_assert_true (tw_relay_error_is_transient (error));
}

static void
test_timeout_silent_server (void)
{
  guint16 port;
  /* Only held: it listens and never answers until the test ends. */
  g_autoptr(GSocket) silent G_GNUC_UNUSED = loopback_socket_listening (&port);
  g_autofree char *base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (base_url, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  tw_relay_mailbox_set_timeouts (mailbox, 5, 1);
  tw_relay_mailbox_set_retry_policy (mailbox, 1, 10, 10);
  created = fake_create (mailbox, NULL, &error);

  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
}

/* A TLS handshake that never finishes is part of connecting: the connect
 * timer ends it long before the attempt's deadline. */
static void
test_timeout_stalled_handshake (void)
{
  guint16 port;
  /* Only held: it listens and never answers until the test ends. */
  g_autoptr(GSocket) silent G_GNUC_UNUSED = loopback_socket_listening (&port);
  g_autofree char *base_url = g_strdup_printf ("https://127.0.0.1:%u", port);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (base_url, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  tw_relay_mailbox_set_timeouts (mailbox, 1, 30);
  tw_relay_mailbox_set_retry_policy (mailbox, 1, 10, 10);
  created = fake_create (mailbox, NULL, &error);

  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static void
test_cancel_mid_request (void)
{
  guint16 port;
  /* Only held: it listens and never answers until the test ends. */
  g_autoptr(GSocket) silent G_GNUC_UNUSED = loopback_socket_listening (&port);
  g_autofree char *base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (base_url, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;
  gint64 start = g_get_monotonic_time ();

  sample_params (&params, payload);
  cancel_after (cancellable, 200);
  created = create_sync (mailbox, &params, NULL, cancellable, &error);

  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

static void
test_cancel_during_back_off (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (fake->base_url, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;
  gint64 start = g_get_monotonic_time ();

  tw_relay_mailbox_set_retry_policy (mailbox, 5, 10000, 20000);
  fake->failures = 10;
  fake->fail_status = SOUP_STATUS_SERVICE_UNAVAILABLE;

  sample_params (&params, payload);
  cancel_after (cancellable, 300);
  created = create_sync (mailbox, &params, NULL, cancellable, &error);

  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CANCELLED);
  g_assert_cmpuint (fake->requests, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

static void
test_cancel_before_start (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;

  sample_params (&params, payload);
  g_cancellable_cancel (cancellable);
  created = create_sync (mailbox, &params, NULL, cancellable, &error);

  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CANCELLED);
  g_assert_cmpuint (fake->requests, ==, 0);
}

typedef struct
{
  guint         status;
  const char   *code;
  TwRelayError  expected;
} StatusCase;

static void
test_errors_from_status_and_code (void)
{
  static const StatusCase cases[] = {
    { 400, NULL, TW_RELAY_ERROR_BAD_REQUEST },
    { 401, "unauthorized", TW_RELAY_ERROR_UNAUTHORIZED },
    { 401, "claimed-by-other-device", TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE },
    { 403, "claimed-by-other-device", TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE },
    { 404, "not-found", TW_RELAY_ERROR_NOT_FOUND },
    { 410, "expired", TW_RELAY_ERROR_EXPIRED },
    { 410, "deleted", TW_RELAY_ERROR_DELETED },
    { 412, NULL, TW_RELAY_ERROR_PRECONDITION_FAILED },
    { 413, "payload-too-large", TW_RELAY_ERROR_TOO_LARGE },
    { 429, "rate-limited", TW_RELAY_ERROR_RATE_LIMITED },
    { 418, NULL, TW_RELAY_ERROR_RELAY_BUG },
    /* A code never overrides what its status allows. */
    { 404, "deleted", TW_RELAY_ERROR_NOT_FOUND },
    { 400, "claimed-by-other-device", TW_RELAY_ERROR_BAD_REQUEST },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
      g_autoptr(TwRelayMailbox) mailbox = mailbox_for_url (fake->mailbox_url, NULL);
      g_autoptr(TwRelayContent) content = NULL;
      g_autoptr(GError) error = NULL;

      tw_relay_mailbox_set_retry_policy (mailbox, 3, 10, 10);
      fake->failures = 10;
      fake->fail_status = cases[i].status;
      fake->fail_code = cases[i].code;

      content = read_content_sync (mailbox, NULL, NULL, 0, NULL, &error);
      g_test_message ("status %u, code %s", cases[i].status, cases[i].code);
      g_assert_error (error, TW_RELAY_ERROR, (gint) cases[i].expected);
      g_assert_cmpuint (fake->requests, ==, 1);
    }
}

static void
test_errors_rate_limited_says_when (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 3);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;

  fake->failures = 10;
  fake->fail_status = 429;
  fake->fail_code = "rate-limited";
  fake->retry_after = "7";

  created = fake_create (mailbox, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RATE_LIMITED);
  g_assert_cmpuint (tw_relay_error_get_retry_after (error), ==, 7);
  g_assert_cmpuint (fake->requests, ==, 1);

  /* The extra fields survive a copy, as GTask and apps make them. */
  copy = g_error_copy (error);
  g_assert_cmpuint (tw_relay_error_get_retry_after (copy), ==, 7);
  g_assert_cmpstr (tw_relay_error_get_host (copy), ==, "127.0.0.1");
}

static void
test_answers_redirect_not_followed (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 3);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  fake->status = SOUP_STATUS_FOUND;
  fake->location = "/elsewhere";

  created = fake_create (mailbox, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RELAY_BUG);
  g_assert_cmpuint (fake->requests, ==, 1);
}

static void
test_answers_oversize_refused (gconstpointer data)
{
  gboolean chunked = GPOINTER_TO_INT (data);
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_url (fake->mailbox_url, NULL);
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *padding = g_strnfill (TW_RELAY_MAX_ANSWER_SIZE, ' ');

  g_free (fake->body);
  fake->body = g_strdup_printf ("{\"payload\": {\"type\": \"AEAD_AES_256_GCM\", "
                                "\"data\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}%s",
                                padding);
  fake->chunked = chunked;

  content = read_content_sync (mailbox, NULL, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RELAY_BUG);
  g_assert_cmpuint (fake->requests, ==, 1);
}

static void
test_answers_malformed_refused (void)
{
  /* URL stands for the fake's own mailbox URL. */
  static const char * const bodies[] = {
    "{\"urlLink\": \"URL\", \"urlLink\": \"URL\"}",     /* duplicate key */
    "{\"urlLink\": \"URL\"}{\"urlLink\": \"URL\"}",     /* two documents */
    "{\"urlLink\": \"https://relay.invalid/v1/m/not-an-id\"}",
    "{\"urlLink\": 7}",
    "[\"URL\"]",
    "{\"urlLink\": \"URL\", \"expiration\": \"tomorrow\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
      g_autoptr(TwRelayMailbox) mailbox = mailbox_for_fake (fake, 3);
      g_autoptr(TwRelayCreated) created = NULL;
      g_autoptr(GError) error = NULL;
      GString *body = g_string_new (bodies[i]);

      g_string_replace (body, "URL", fake->mailbox_url, 0);
      g_free (fake->body);
      fake->body = g_string_free (body, FALSE);

      created = fake_create (mailbox, NULL, &error);
      g_test_message ("body %" G_GSIZE_FORMAT, i);
      g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RELAY_BUG);
      g_assert_null (tw_relay_mailbox_get_mailbox_id (mailbox));
    }
}

static void
test_answers_content_parsed (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_url (fake->mailbox_url, NULL);
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = sample_payload (40);
  g_autofree char *data = g_base64_encode (g_bytes_get_data (payload, NULL), 40);
  g_autoptr(GDateTime) expected_expiration = g_date_time_new_utc (2030, 1, 2, 3, 4, 5);

  g_free (fake->body);
  fake->body = g_strdup_printf ("{\"payload\": {\"type\": \"AEAD_AES_256_GCM\", \"data\": \"%s\"},"
                                " \"displayInformation\": {\"title\": \"Garage\"},"
                                " \"expiration\": \"2030-01-02T03:04:05Z\"}", data);

  content = read_content_sync (mailbox, NULL, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (content->not_modified);
  g_assert_cmpstr (content->payload_type, ==, "AEAD_AES_256_GCM");
  assert_bytes_equal (content->payload_data, payload);
  g_assert_cmpstr (content->title, ==, "Garage");
  g_assert_null (content->description);
  g_assert_true (g_date_time_equal (content->expiration, expected_expiration));
  g_assert_cmpstr (content->etag, ==, "\"fake-etag\"");
  g_assert_nonnull (content->relay_date);
}

/* What goes on the wire: our User-Agent and nothing to tell one client from
 * another; the claim on calls that need it and not on the public preview;
 * never the link's query or key. */
static void
test_wire_minimal_headers_no_query (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autofree char *link_text = NULL;
  g_autofree char *expected_path = NULL;
  g_autoptr(TwLink) link = NULL;
  g_autoptr(TwRelayMailbox) mailbox = NULL;
  g_autoptr(GBytes) preview = NULL;
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GError) error = NULL;

  link_text = g_strconcat (fake->mailbox_url,
                           "?v=h#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL);
  link = tw_link_parse (link_text, &error);
  g_assert_no_error (error);
  mailbox = tw_relay_mailbox_new_for_link (link, claim, NULL, &error);
  g_assert_no_error (error);

  g_free (fake->body);
  fake->body = g_strdup ("<html></html>");
  preview = read_display_sync (mailbox, &error);
  g_assert_no_error (error);
  content = read_content_sync (mailbox, NULL, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RELAY_BUG);   /* HTML is not JSON */

  expected_path = g_strdup (strstr (fake->mailbox_url + strlen ("http://"), "/"));
  g_assert_cmpuint (fake->requests, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fake->targets, 0), ==, expected_path);
  g_assert_cmpstr (g_ptr_array_index (fake->targets, 1), ==, expected_path);
  g_assert_cmpstr (fake->user_agent, ==, TW_RELAY_USER_AGENT);
  g_assert_false (fake->accept_encoding);
  g_assert_false (fake->cookie);
  g_assert_cmpstr (g_ptr_array_index (fake->claims_seen, 0), ==, "0");
  g_assert_cmpstr (g_ptr_array_index (fake->claims_seen, 1), ==, "1");
  g_assert_cmpstr (g_ptr_array_index (fake->request_ids, 0), ==, "");
}

static void
test_wire_relay_url_query_dropped (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (FALSE);
  g_autofree char *with_query = g_strconcat (fake->base_url, "/?token=x#secret", NULL);
  g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (with_query, NULL);
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;

  created = fake_create (mailbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (fake->targets, 0), ==, "/v1/m");
}

static void
test_url_plain_http_refused (void)
{
  static const char * const refused[] = {
    "http://192.0.2.1",
    "http://192.0.2.1:8080/",
    "http://relay.invalid",
    "http://[2001:db8::1]:80",
  };
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TwRelayMailbox) mailbox = NULL;

      mailbox = tw_relay_mailbox_new_for_relay (refused[i], claim, NULL, &error);
      g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_INSECURE_URL);
      g_assert_null (mailbox);
    }
}

static void
test_url_bad_addresses_refused (void)
{
  static const char * const refused[] = {
    "ftp://127.0.0.1",
    "https://user:pass@relay.invalid",
    "https://relay.invalid/v1/m",
    "not a url",
    "https://",
  };
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TwRelayMailbox) relative_ca = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) url_error = NULL;
      g_autoptr(TwRelayMailbox) mailbox = NULL;

      mailbox = tw_relay_mailbox_new_for_relay (refused[i], claim, NULL, &url_error);
      g_test_message ("address %" G_GSIZE_FORMAT, i);
      g_assert_error (url_error, TW_RELAY_ERROR, TW_RELAY_ERROR_INVALID_URL);
      g_assert_null (mailbox);
    }

  relative_ca = tw_relay_mailbox_new_for_relay ("https://relay.invalid", claim, "ca.pem", &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_BAD_CA_FILE);
  g_assert_null (relative_ca);
}

static void
test_url_loopback_http_allowed (void)
{
  static const char * const allowed[] = {
    "http://127.0.0.1:8080",
    "http://127.3.4.5",
    "http://[::1]:9000/",
    "http://localhost:1234",
    "https://relay.invalid:8443",
  };
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();

  for (gsize i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TwRelayMailbox) mailbox = NULL;

      mailbox = tw_relay_mailbox_new_for_relay (allowed[i], claim, NULL, &error);
      g_assert_no_error (error);
      g_assert_null (tw_relay_mailbox_dup_mailbox_url (mailbox));
    }
}

static void
test_claims_and_request_ids_are_fresh_uuids (void)
{
  g_autoptr(TwSecret) first = tw_relay_new_device_claim ();
  g_autoptr(TwSecret) second = tw_relay_new_device_claim ();
  g_autofree char *request_id = tw_relay_new_request_id ();

  g_assert_true (tw_link_mailbox_id_is_valid (tw_secret_get_text (first)));
  g_assert_true (tw_link_mailbox_id_is_valid (request_id));
  g_assert_false (tw_secret_equal (first, second));
}

/* The same checks over https with our own server: trusted through the CA
 * file, refused through the system store and through another CA. */
static void
test_tls_fake_trust (void)
{
  g_autoptr(FakeRelay) fake = fake_relay_new (TRUE);
  g_autofree char *ca = certificate_file ("ca.pem");
  g_autofree char *other_ca = certificate_file ("other-ca.pem");
  const char *trust[] = { ca, NULL, other_ca };

  for (gsize i = 0; i < G_N_ELEMENTS (trust); i++)
    {
      g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (fake->base_url, trust[i]);
      g_autoptr(TwRelayCreated) created = NULL;
      g_autoptr(GError) error = NULL;

      tw_relay_mailbox_set_retry_policy (mailbox, 3, 10, 10);
      created = fake_create (mailbox, NULL, &error);
      if (i == 0)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_TLS_NOT_TRUSTED);
      g_assert_cmpstr (tw_relay_error_get_host (error), ==, "127.0.0.1");
    }
  g_assert_cmpuint (fake->requests, ==, 1);
}

/* ------------------------------------------------------------------------
 * The real relay
 * ------------------------------------------------------------------------ */

typedef struct
{
  GSubprocess *process;
  char        *dir;
  char        *base_url;
} RealRelay;

static RealRelay real_relays[2];   /* [0] over http, [1] over https */

/* If this test program dies, its relay goes with it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
relay_is_healthy (const char *base_url,
                  gboolean    tls)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = g_strconcat (base_url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;

  soup_session_set_proxy_resolver (session, NULL);
  if (tls)
    {
      g_autofree char *ca = certificate_file ("ca.pem");
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca, NULL);

      soup_session_set_tls_database (session, database);
    }

  body = soup_session_send_and_read (session, message, NULL, NULL);
  return body != NULL && soup_message_get_status (message) == SOUP_STATUS_OK;
}

static void
real_relay_start (RealRelay  *relay,
                  const char *binary,
                  gboolean    tls)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint16 port = closed_port ();
  gint64 deadline;

  relay->dir = make_temp_dir ("tw-relay");
  relay->base_url = g_strdup_printf ("%s://127.0.0.1:%u", tls ? "https" : "http", port);

  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", port));
  g_ptr_array_add (argv, g_strdup ("--storage"));
  g_ptr_array_add (argv, g_strdup_printf ("sqlite:%s/relay.db", relay->dir));
  g_ptr_array_add (argv, g_strdup ("--no-rate-limits"));
  if (tls)
    {
      g_ptr_array_add (argv, g_strdup ("--tls-cert"));
      g_ptr_array_add (argv, certificate_file ("server.pem"));
      g_ptr_array_add (argv, g_strdup ("--tls-key"));
      g_ptr_array_add (argv, certificate_file ("server.key"));
    }
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  relay->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!relay_is_healthy (relay->base_url, tls))
    {
      if (g_subprocess_get_identifier (relay->process) == NULL
          || g_get_monotonic_time () > deadline)
        g_error ("tigress-relay did not become healthy on %s", relay->base_url);
      g_usleep (50 * 1000);
    }
}

static void
real_relay_stop (RealRelay *relay)
{
  if (relay->process != NULL)
    {
      g_subprocess_send_signal (relay->process, SIGTERM);
      g_subprocess_wait (relay->process, NULL, NULL);
      g_clear_object (&relay->process);
    }
  if (relay->dir != NULL)
    remove_tree (relay->dir);
  g_clear_pointer (&relay->dir, g_free);
  g_clear_pointer (&relay->base_url, g_free);
}

/* The base URL of a running relay, started on first use, or NULL with the
 * test skipped when this build has no relay to test against. */
static const char *
real_relay_url (gboolean tls)
{
  const char *binary = g_getenv ("TW_RELAY_BIN");
  RealRelay *relay = &real_relays[tls ? 1 : 0];

  if (binary == NULL || *binary == '\0')
    {
      g_test_skip ("TW_RELAY_BIN is not set: no relay to test against");
      return NULL;
    }

  if (relay->process == NULL)
    real_relay_start (relay, binary, tls);
  return relay->base_url;
}

/* The CA file the client trusts for the relay, or NULL over http. */
static char *
real_relay_ca (gboolean tls)
{
  return tls ? certificate_file ("ca.pem") : NULL;
}

/* A share in progress: the sender's mailbox, created with a bind token,
 * and the recipient's, not yet bound. */
typedef struct
{
  char           *ca;
  TwSecret       *bind_token;
  GBytes         *payload;
  TwRelayMailbox *sender;
  TwRelayMailbox *recipient;
  TwRelayCreated *created;
} Share;

static void
share_free (Share *share)
{
  g_free (share->ca);
  g_clear_pointer (&share->bind_token, tw_secret_unref);
  g_clear_pointer (&share->payload, g_bytes_unref);
  g_clear_object (&share->sender);
  g_clear_object (&share->recipient);
  g_clear_pointer (&share->created, tw_relay_created_free);
  g_free (share);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Share, share_free)

static Share *
share_new_with_expiration (gboolean  tls,
                           gint64    expires_in_seconds)
{
  const char *base_url = real_relay_url (tls);
  g_autoptr(Share) share = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) expiration = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;

  if (base_url == NULL)
    return NULL;

  share = g_new0 (Share, 1);
  share->ca = real_relay_ca (tls);
  share->bind_token = sample_bind_token ();
  share->payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  share->sender = mailbox_for_relay (base_url, share->ca);

  now = g_date_time_new_now_utc ();
  expiration = g_date_time_add_seconds (now, expires_in_seconds);
  sample_params (&params, share->payload);
  params.bind_token = share->bind_token;
  params.expiration = expiration;
  params.access_rights = "RWD";
  share->created = create_sync (share->sender, &params, NULL, NULL, &error);
  g_assert_no_error (error);

  share->recipient = mailbox_for_url (share->created->url_link, share->ca);
  return g_steal_pointer (&share);
}

static Share *
share_new (gboolean tls)
{
  return share_new_with_expiration (tls, 3600);
}

/* The recipient's binding read; returns what it read. */
static TwRelayContent *
share_bind (Share *share)
{
  g_autoptr(GError) error = NULL;
  TwRelayContent *content;

  content = read_content_sync (share->recipient, share->bind_token, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  return content;
}

static void
test_relay_every_call (gconstpointer data)
{
  gboolean tls = GPOINTER_TO_INT (data);
  g_autoptr(Share) share = share_new (tls);
  g_autoptr(GBytes) preview = NULL;
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayContent) seen_by_sender = NULL;
  g_autoptr(TwRelayMailbox) next_device = NULL;
  g_autoptr(TwRelayContent) rebound = NULL;
  g_autoptr(GBytes) reply = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autofree char *reply_etag = NULL;
  g_autofree char *mailbox_url = NULL;
  g_autoptr(GError) error = NULL;

  if (share == NULL)
    return;

  /* Create answered with a link to this relay and the payload's ETag. */
  mailbox_url = tw_relay_mailbox_dup_mailbox_url (share->sender);
  g_assert_cmpstr (share->created->url_link, ==, mailbox_url);
  g_assert_true (tw_link_mailbox_id_is_valid (share->created->mailbox_id));
  g_assert_nonnull (share->created->etag);
  g_assert_nonnull (share->created->expiration);
  g_assert_nonnull (share->created->relay_date);

  /* The preview is public and HTML. */
  preview = read_display_sync (share->recipient, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (preview), >, 0);

  /* The recipient binds and reads what the sender wrote. */
  bound = share_bind (share);
  assert_bytes_equal (bound->payload_data, share->payload);
  g_assert_cmpstr (bound->payload_type, ==, TW_RELAY_PAYLOAD_AES_256_GCM);
  g_assert_cmpstr (bound->title, ==, "Front door");
  g_assert_cmpstr (bound->etag, ==, share->created->etag);
  g_assert_cmpuint (bound->binding_epoch, ==, 1);
  g_assert_nonnull (bound->expiration);
  g_assert_nonnull (bound->relay_date);

  /* The recipient answers; the sender reads the answer. */
  update_sync (share->recipient, reply, bound->etag, &reply_etag, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply_etag);
  g_assert_cmpstr (reply_etag, !=, bound->etag);
  seen_by_sender = read_content_sync (share->sender, NULL, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  assert_bytes_equal (seen_by_sender->payload_data, reply);
  g_assert_cmpstr (seen_by_sender->etag, ==, reply_etag);

  /* The recipient gives up its binding: the next device to open the link
   * binds as the second, and finds the sender's payload again. */
  relinquish_sync (share->recipient, &error);
  g_assert_no_error (error);
  next_device = mailbox_for_url (share->created->url_link, share->ca);
  rebound = read_content_sync (next_device, share->bind_token, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rebound->binding_epoch, ==, 2);
  assert_bytes_equal (rebound->payload_data, share->payload);

  /* The sender ends the share. */
  delete_sync (share->sender, &error);
  g_assert_no_error (error);
}

typedef struct
{
  TwRelayMailbox *mailbox;
  GBytes         *payload;
} DelayedUpdate;

static void
on_delayed_update_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  tw_relay_mailbox_update_finish (TW_RELAY_MAILBOX (source), result, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
delayed_update_cb (gpointer user_data)
{
  DelayedUpdate *update = user_data;

  tw_relay_mailbox_update_async (update->mailbox, TW_RELAY_PAYLOAD_AES_256_GCM, update->payload,
                                 NULL, NULL, NULL, on_delayed_update_done, NULL);
  return G_SOURCE_REMOVE;
}

static void
test_relay_long_poll_returns_on_update (gconstpointer data)
{
  gboolean tls = GPOINTER_TO_INT (data);
  g_autoptr(Share) share = share_new (tls);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayContent) polled = NULL;
  g_autoptr(GBytes) reply = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(GError) error = NULL;
  DelayedUpdate update;
  gint64 start;

  if (share == NULL)
    return;

  bound = share_bind (share);
  update.mailbox = share->recipient;
  update.payload = reply;
  g_timeout_add (300, delayed_update_cb, &update);

  start = g_get_monotonic_time ();
  polled = read_content_sync (share->sender, NULL, share->created->etag, 20, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (polled->not_modified);
  assert_bytes_equal (polled->payload_data, reply);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_relay_long_poll_not_modified (void)
{
  g_autoptr(Share) share = share_new (FALSE);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayContent) polled = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  if (share == NULL)
    return;

  bound = share_bind (share);
  start = g_get_monotonic_time ();
  polled = read_content_sync (share->recipient, NULL, bound->etag, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (polled->not_modified);
  g_assert_null (polled->payload_data);
  g_assert_true (polled->wait_applied);
  /* The relay's timer counts whole seconds, so it may answer a little early,
   * but it did wait. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
}

static void
test_relay_cancel_long_poll (void)
{
  g_autoptr(Share) share = share_new (FALSE);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayContent) polled = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start;

  if (share == NULL)
    return;

  bound = share_bind (share);
  start = g_get_monotonic_time ();
  cancel_after (cancellable, 300);
  polled = read_content_sync (share->recipient, NULL, bound->etag, 30, cancellable, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CANCELLED);
  g_assert_null (polled);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

static void
test_relay_if_match_conflict (void)
{
  g_autoptr(Share) share = share_new (FALSE);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(GBytes) newer = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(GBytes) stale = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(GError) error = NULL;

  if (share == NULL)
    return;

  bound = share_bind (share);
  update_sync (share->sender, newer, NULL, NULL, &error);
  g_assert_no_error (error);

  update_sync (share->recipient, stale, bound->etag, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_PRECONDITION_FAILED);
}

static void
test_relay_bind_token_required (void)
{
  g_autoptr(Share) share = share_new (FALSE);
  g_autoptr(TwSecret) wrong_token = sample_bind_token ();
  g_autoptr(TwRelayContent) without = NULL;
  g_autoptr(TwRelayContent) wrong = NULL;
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(GError) error = NULL;

  if (share == NULL)
    return;

  without = read_content_sync (share->recipient, NULL, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  wrong = read_content_sync (share->recipient, wrong_token, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  bound = share_bind (share);
  assert_bytes_equal (bound->payload_data, share->payload);
}

static void
test_relay_second_device_refused (void)
{
  g_autoptr(Share) share = share_new (FALSE);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayMailbox) other_device = NULL;
  g_autoptr(TwRelayContent) refused = NULL;
  g_autoptr(GError) error = NULL;

  if (share == NULL)
    return;

  bound = share_bind (share);
  other_device = mailbox_for_url (share->created->url_link, share->ca);
  refused = read_content_sync (other_device, share->bind_token, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE);
  g_assert_null (refused);
}

static void
test_relay_deleted_for_bound_party (void)
{
  g_autoptr(Share) share = share_new (FALSE);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayContent) after = NULL;
  g_autoptr(TwRelayContent) stranger_read = NULL;
  g_autoptr(TwRelayMailbox) stranger = NULL;
  g_autoptr(GError) error = NULL;

  if (share == NULL)
    return;

  bound = share_bind (share);
  delete_sync (share->sender, &error);
  g_assert_no_error (error);

  after = read_content_sync (share->recipient, NULL, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_DELETED);
  g_clear_error (&error);

  /* Someone who was never bound learns nothing about why. */
  stranger = mailbox_for_url (share->created->url_link, NULL);
  stranger_read = read_content_sync (stranger, share->bind_token, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_NOT_FOUND);
}

static void
test_relay_expired_for_bound_party (void)
{
  g_autoptr(Share) share = share_new_with_expiration (FALSE, 2);
  g_autoptr(TwRelayContent) bound = NULL;
  g_autoptr(TwRelayContent) after = NULL;
  g_autoptr(GError) error = NULL;

  if (share == NULL)
    return;

  bound = share_bind (share);
  g_usleep (3 * G_USEC_PER_SEC);

  after = read_content_sync (share->recipient, NULL, NULL, 0, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_EXPIRED);
}

static void
test_relay_too_large (void)
{
  const char *base_url = real_relay_url (FALSE);
  g_autoptr(TwRelayMailbox) mailbox = NULL;
  g_autoptr(GBytes) payload = sample_payload (40 * 1024);   /* 54 KiB of base64 */
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;

  if (base_url == NULL)
    return;

  mailbox = mailbox_for_relay (base_url, NULL);
  sample_params (&params, payload);
  created = create_sync (mailbox, &params, NULL, NULL, &error);
  g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_TOO_LARGE);
}

static void
test_relay_create_retry_same_mailbox (void)
{
  const char *base_url = real_relay_url (FALSE);
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autofree char *request_id = tw_relay_new_request_id ();
  g_autoptr(GBytes) payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(TwRelayMailbox) first = NULL;
  g_autoptr(TwRelayMailbox) after_restart = NULL;
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(TwRelayCreated) again = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;

  if (base_url == NULL)
    return;

  sample_params (&params, payload);
  first = tw_relay_mailbox_new_for_relay (base_url, claim, NULL, &error);
  g_assert_no_error (error);
  created = create_sync (first, &params, request_id, NULL, &error);
  g_assert_no_error (error);

  /* A new process with what the sender saved: the claim and request id. */
  after_restart = tw_relay_mailbox_new_for_relay (base_url, claim, NULL, &error);
  g_assert_no_error (error);
  again = create_sync (after_restart, &params, request_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->url_link, ==, created->url_link);
  g_assert_cmpstr (again->mailbox_id, ==, created->mailbox_id);
}

/* Request bodies must be JSON that a strict reader takes: json-glib 1.6's
 * writer leaves U+001F raw, which the relay rightly refuses. */
static void
test_relay_control_characters_in_display_text (void)
{
  const char *base_url = real_relay_url (FALSE);
  g_autoptr(GBytes) payload = sample_payload (SAMPLE_PAYLOAD_SIZE);
  g_autoptr(TwSecret) bind_token = sample_bind_token ();
  g_autoptr(TwRelayMailbox) sender = NULL;
  g_autoptr(TwRelayMailbox) recipient = NULL;
  g_autoptr(TwRelayCreated) created = NULL;
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GError) error = NULL;
  TwRelayCreateParams params;

  if (base_url == NULL)
    return;

  sample_params (&params, payload);
  params.title = "Front\x1f door";
  params.description = "A\x01 home\tkey\x7f";
  params.bind_token = bind_token;
  sender = mailbox_for_relay (base_url, NULL);
  created = create_sync (sender, &params, NULL, NULL, &error);
  g_assert_no_error (error);

  recipient = mailbox_for_url (created->url_link, NULL);
  content = read_content_sync (recipient, bind_token, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (content->title, ==, params.title);
  g_assert_cmpstr (content->description, ==, params.description);
}

static void
test_relay_tls_untrusted (void)
{
  const char *base_url = real_relay_url (TRUE);
  g_autofree char *other_ca = certificate_file ("other-ca.pem");
  const char *trust[] = { NULL, other_ca };

  if (base_url == NULL)
    return;

  for (gsize i = 0; i < G_N_ELEMENTS (trust); i++)
    {
      g_autoptr(TwRelayMailbox) mailbox = mailbox_for_relay (base_url, trust[i]);
      g_autoptr(TwRelayCreated) created = NULL;
      g_autoptr(GError) error = NULL;

      created = fake_create (mailbox, NULL, &error);
      g_assert_error (error, TW_RELAY_ERROR, TW_RELAY_ERROR_TLS_NOT_TRUSTED);
      g_assert_cmpstr (tw_relay_error_get_host (error), ==, "127.0.0.1");
    }
}

/* ------------------------------------------------------------------------ */

/* Tests of the client alone, against small servers of their own. */
static void
add_client_tests (void)
{
  g_test_add_func ("/relay-client/url/plain-http-to-remote-host-is-refused",
                   test_url_plain_http_refused);
  g_test_add_func ("/relay-client/url/malformed-relay-address-is-refused",
                   test_url_bad_addresses_refused);
  g_test_add_func ("/relay-client/url/loopback-and-https-are-accepted",
                   test_url_loopback_http_allowed);
  g_test_add_func ("/relay-client/ids/claims-and-request-ids-are-fresh-uuids",
                   test_claims_and_request_ids_are_fresh_uuids);
  g_test_add_func ("/relay-client/wire/minimal-headers-and-no-query-or-key",
                   test_wire_minimal_headers_no_query);
  g_test_add_func ("/relay-client/wire/relay-address-query-is-dropped",
                   test_wire_relay_url_query_dropped);
  g_test_add_func ("/relay-client/retry/5xx-is-retried-with-the-same-request-id",
                   test_retry_reuses_request_id);
  g_test_add_func ("/relay-client/retry/callers-request-id-is-sent",
                   test_retry_uses_callers_request_id);
  g_test_add_func ("/relay-client/retry/4xx-is-never-retried", test_retry_never_on_4xx);
  g_test_add_func ("/relay-client/retry/gives-up-after-max-attempts", test_retry_gives_up);
  g_test_add_func ("/relay-client/retry/back-off-grows", test_retry_backs_off);
  g_test_add_func ("/relay-client/retry/back-off-is-capped", test_retry_back_off_capped);
  g_test_add_func ("/relay-client/retry/retry-after-of-a-503-is-honoured",
                   test_retry_honours_retry_after);
  g_test_add_func ("/relay-client/retry/closed-port-is-unreachable-naming-the-host",
                   test_retry_unreachable_names_host);
  g_test_add_func ("/relay-client/timeout/silent-server-times-out", test_timeout_silent_server);
  g_test_add_func ("/relay-client/timeout/stalled-tls-handshake-hits-connect-timeout",
                   test_timeout_stalled_handshake);
  g_test_add_func ("/relay-client/cancel/mid-request", test_cancel_mid_request);
  g_test_add_func ("/relay-client/cancel/during-back-off", test_cancel_during_back_off);
  g_test_add_func ("/relay-client/cancel/before-start-sends-nothing", test_cancel_before_start);
  g_test_add_func ("/relay-client/errors/status-and-relay-code-pick-the-case",
                   test_errors_from_status_and_code);
  g_test_add_func ("/relay-client/errors/rate-limited-says-when-to-retry",
                   test_errors_rate_limited_says_when);
  g_test_add_func ("/relay-client/answers/redirect-is-not-followed",
                   test_answers_redirect_not_followed);
  g_test_add_data_func ("/relay-client/answers/oversize-answer-is-refused",
                        GINT_TO_POINTER (FALSE), test_answers_oversize_refused);
  g_test_add_data_func ("/relay-client/answers/oversize-chunked-answer-is-refused",
                        GINT_TO_POINTER (TRUE), test_answers_oversize_refused);
  g_test_add_func ("/relay-client/answers/malformed-json-is-a-relay-bug",
                   test_answers_malformed_refused);
  g_test_add_func ("/relay-client/answers/content-is-parsed", test_answers_content_parsed);
  g_test_add_func ("/relay-client/tls/only-the-named-ca-is-trusted", test_tls_fake_trust);
}

/* Tests against a real tigress-relay, over HTTP and HTTPS. */
static void
add_real_relay_tests (void)
{
  g_test_add_data_func ("/relay-client/relay/http/every-call", GINT_TO_POINTER (FALSE),
                        test_relay_every_call);
  g_test_add_data_func ("/relay-client/relay/https/every-call", GINT_TO_POINTER (TRUE),
                        test_relay_every_call);
  g_test_add_data_func ("/relay-client/relay/http/long-poll-returns-on-update",
                        GINT_TO_POINTER (FALSE), test_relay_long_poll_returns_on_update);
  g_test_add_data_func ("/relay-client/relay/https/long-poll-returns-on-update",
                        GINT_TO_POINTER (TRUE), test_relay_long_poll_returns_on_update);
  g_test_add_func ("/relay-client/relay/long-poll-not-modified-after-wait",
                   test_relay_long_poll_not_modified);
  g_test_add_func ("/relay-client/relay/long-poll-cancelled", test_relay_cancel_long_poll);
  g_test_add_func ("/relay-client/relay/if-match-conflict-is-precondition-failed",
                   test_relay_if_match_conflict);
  g_test_add_func ("/relay-client/relay/bind-token-is-required", test_relay_bind_token_required);
  g_test_add_func ("/relay-client/relay/second-device-is-claimed-by-other",
                   test_relay_second_device_refused);
  g_test_add_func ("/relay-client/relay/deleted-is-told-to-bound-party-only",
                   test_relay_deleted_for_bound_party);
  g_test_add_func ("/relay-client/relay/expired-is-told-to-bound-party",
                   test_relay_expired_for_bound_party);
  g_test_add_func ("/relay-client/relay/too-large-payload", test_relay_too_large);
  g_test_add_func ("/relay-client/relay/control-characters-in-display-text-are-escaped",
                   test_relay_control_characters_in_display_text);
  g_test_add_func ("/relay-client/relay/create-retry-returns-the-same-mailbox",
                   test_relay_create_retry_same_mailbox);
  g_test_add_func ("/relay-client/relay/untrusted-certificate-is-refused",
                   test_relay_tls_untrusted);
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* Nothing here may leave this machine, whatever the environment says. */
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_unsetenv ("HTTP_PROXY");
  g_unsetenv ("HTTPS_PROXY");
  g_unsetenv ("all_proxy");
  g_unsetenv ("ALL_PROXY");

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  add_client_tests ();
  add_real_relay_tests ();

  status = g_test_run ();

  real_relay_stop (&real_relays[0]);
  real_relay_stop (&real_relays[1]);
  if (certificates != NULL)
    remove_tree (certificates);
  return status;
}
