/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-test.h"
#include "relay-test-redis.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

struct _RelayTestServer
{
  GSubprocess *process;
  char        *storage;
  char        *url;
  char        *admin_url;
  char        *log_path;
  guint16      port;
  gboolean     tls;
};

/* ------------------------------------------------------------------------ */
/* Scratch folder and the test CA                                           */
/* ------------------------------------------------------------------------ */

const char *
relay_test_scratch_dir (void)
{
  static char *dir;

  if (dir == NULL)
    {
      const char *base = g_getenv ("TW_TEST_SCRATCH");
      g_autofree char *template = g_build_filename (base != NULL ? base : g_get_tmp_dir (),
                                                    "relay-test-XXXXXX", NULL);

      dir = g_mkdtemp (g_steal_pointer (&template));
      g_assert_nonnull (dir);
    }
  return dir;
}

static gboolean
tls_wanted (void)
{
  return g_strcmp0 (g_getenv ("TW_RELAY_TEST_TLS"), "1") == 0;
}

static void
run_openssl (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *errors = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (relay_test_scratch_dir (), (char **) argv->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                &errors, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl failed: %s", errors);
}

/* A CA and a server certificate for 127.0.0.1 signed by it, made once per
 * test program in the scratch folder. */
static const char *
test_ca_file (void)
{
  static char *ca_file;

  if (ca_file != NULL)
    return ca_file;

  run_openssl ((const char *[]) {
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Tigress relay test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL });
  run_openssl ((const char *[]) {
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", NULL });
  g_assert_true (g_file_set_contents (g_build_filename (relay_test_scratch_dir (),
                                                        "server.ext", NULL),
                                      "subjectAltName=IP:127.0.0.1\n"
                                      "extendedKeyUsage=serverAuth\n", -1, NULL));
  run_openssl ((const char *[]) {
    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
    "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext", NULL });

  ca_file = g_build_filename (relay_test_scratch_dir (), "ca.pem", NULL);
  return ca_file;
}

/* ------------------------------------------------------------------------ */
/* The relay process                                                        */
/* ------------------------------------------------------------------------ */

static char *
new_storage_spec (void)
{
  static guint counter;
  const char *backend = g_getenv ("TW_RELAY_TEST_STORAGE");

  if (backend == NULL || g_str_equal (backend, "sqlite"))
    return g_strdup_printf ("sqlite:%s/relay-%u.db", relay_test_scratch_dir (), ++counter);

  /* A server named here is used as it is; otherwise the test starts its
   * own, and gives each relay a fresh database on it. */
  if (g_str_equal (backend, "redis") && g_getenv ("TW_RELAY_TEST_REDIS_URL") != NULL)
    return g_strdup (g_getenv ("TW_RELAY_TEST_REDIS_URL"));
  if (g_str_equal (backend, "redis"))
    return relay_test_redis_new_shared_storage ();

  g_error ("TW_RELAY_TEST_STORAGE=%s has no server to test against", backend);
}

char *
relay_test_new_storage (void)
{
  return new_storage_spec ();
}

static void
die_with_parent (gpointer data)
{
  /* A relay must not outlive a test that crashed. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static char *
find_after (const char *line,
            const char *prefix)
{
  return g_str_has_prefix (line, prefix) ? g_strdup (line + strlen (prefix)) : NULL;
}

/* Reads the relay's announcement lines up to "ready". */
static gboolean
read_announcement (RelayTestServer *server,
                   GInputStream    *stdout_pipe)
{
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new (stdout_pipe);
  gboolean ready = FALSE;
  char *line;

  while (!ready && (line = g_data_input_stream_read_line (lines, NULL, NULL, NULL)) != NULL)
    {
      char *url = find_after (line, "tigress-relay: listening on ");
      char *admin = find_after (line, "tigress-relay: admin on ");

      if (url != NULL && server->url == NULL)
        server->url = url;
      else
        g_free (url);
      if (admin != NULL)
        server->admin_url = admin;
      ready = g_str_equal (line, "tigress-relay: ready");
      g_free (line);
    }
  return ready && server->url != NULL;
}

static GPtrArray *
build_argv (RelayTestServer    *server,
            const char * const *extra_args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *binary = g_getenv ("TW_RELAY_EXE");

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("--listen=127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup_printf ("--storage=%s", server->storage));
  g_ptr_array_add (argv, g_strdup ("--threads=2"));
  if (server->tls)
    {
      g_autofree char *dir = g_path_get_dirname (test_ca_file ());

      g_ptr_array_add (argv, g_strdup_printf ("--tls-cert=%s/server.pem", dir));
      g_ptr_array_add (argv, g_strdup_printf ("--tls-key=%s/server.key", dir));
    }
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static guint16
port_of (const char *url)
{
  const char *colon = strrchr (url, ':');

  return (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
}

RelayTestServer *
relay_test_server_start_full (const char         *storage,
                              const char * const *extra_args,
                              const char * const *environment)
{
  static guint counter;
  RelayTestServer *server = g_new0 (RelayTestServer, 1);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;

  server->storage = storage != NULL ? g_strdup (storage) : new_storage_spec ();
  server->tls = tls_wanted ();
  server->log_path = g_strdup_printf ("%s/relay-%u.log", relay_test_scratch_dir (), ++counter);
  argv = build_argv (server, extra_args);

  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (environment[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  g_subprocess_launcher_set_stderr_file_path (launcher, server->log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);

  if (!read_announcement (server, g_subprocess_get_stdout_pipe (server->process)))
    {
      g_autofree char *log = relay_test_server_log (server);

      g_error ("The relay did not start; it said:\n%s", log);
    }
  server->port = port_of (server->url);
  return server;
}

RelayTestServer *
relay_test_server_start_on (const char         *storage,
                            const char * const *extra_args)
{
  return relay_test_server_start_full (storage, extra_args, NULL);
}

RelayTestServer *
relay_test_server_start (const char * const *extra_args)
{
  return relay_test_server_start_full (NULL, extra_args, NULL);
}

void
relay_test_server_stop (RelayTestServer *server,
                        gboolean         kill_hard)
{
  if (server->process == NULL)
    return;

  /* By the child's own pid, never by name. */
  if (g_subprocess_get_identifier (server->process) != NULL)
    g_subprocess_send_signal (server->process, kill_hard ? SIGKILL : SIGTERM);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

void
relay_test_server_free (RelayTestServer *server)
{
  if (server == NULL)
    return;

  relay_test_server_stop (server, FALSE);
  g_free (server->storage);
  g_free (server->url);
  g_free (server->admin_url);
  g_free (server->log_path);
  g_free (server);
}

const char *
relay_test_server_url (RelayTestServer *server)
{
  return server->url;
}

const char *
relay_test_server_admin_url (RelayTestServer *server)
{
  return server->admin_url;
}

const char *
relay_test_server_storage (RelayTestServer *server)
{
  return server->storage;
}

guint16
relay_test_server_port (RelayTestServer *server)
{
  return server->port;
}

GPid
relay_test_server_pid (RelayTestServer *server)
{
  const char *identifier = g_subprocess_get_identifier (server->process);

  return identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
}

gboolean
relay_test_server_is_tls (RelayTestServer *server)
{
  return server->tls;
}

char *
relay_test_server_log (RelayTestServer *server)
{
  char *log = NULL;

  if (!g_file_get_contents (server->log_path, &log, NULL, NULL))
    log = g_strdup ("");
  return log;
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */
/* ------------------------------------------------------------------------ */

SoupSession *
relay_test_session_new (void)
{
  SoupSession *session = soup_session_new ();
  g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

  /* Straight to loopback, whatever proxy the environment names. */
  soup_session_set_proxy_resolver (session, direct);
  soup_session_set_timeout (session, 90);
  if (tls_wanted ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (test_ca_file (), &error);

      g_assert_no_error (error);
      soup_session_set_tls_database (session, database);
    }
  return session;
}

RelayTestReply *
relay_test_request_v (SoupSession        *session,
                      const char         *method,
                      const char         *url,
                      const char         *body,
                      const char * const *headers)
{
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  RelayTestReply *reply = g_new0 (RelayTestReply, 1);
  SoupMessageHeaders *request_headers;

  g_assert_nonnull (message);
  request_headers = soup_message_get_request_headers (message);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_append (request_headers, headers[i], headers[i + 1]);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }

  reply->body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (message);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (message));
  return reply;
}

RelayTestReply *
relay_test_request (SoupSession *session,
                    const char  *method,
                    const char  *url,
                    const char  *body,
                    ...)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  const char *item;
  va_list args;

  va_start (args, body);
  while ((item = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (headers, (gpointer) item);
  va_end (args);
  g_ptr_array_add (headers, NULL);

  return relay_test_request_v (session, method, url, body,
                               (const char * const *) headers->pdata);
}

void
relay_test_reply_free (RelayTestReply *reply)
{
  if (reply == NULL)
    return;

  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_free (reply->text);
  g_free (reply);
}

const char *
relay_test_reply_header (RelayTestReply *reply,
                         const char     *name)
{
  return soup_message_headers_get_one (reply->headers, name);
}

const char *
relay_test_reply_text (RelayTestReply *reply)
{
  gsize size = 0;
  const char *data = reply->body != NULL ? g_bytes_get_data (reply->body, &size) : NULL;

  if (reply->text == NULL)
    reply->text = g_strndup (data != NULL ? data : "", size);
  return reply->text;
}

char *
relay_test_reply_member (RelayTestReply *reply,
                         const char     *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node;

  if (!json_parser_load_from_data (parser, relay_test_reply_text (reply), -1, NULL))
    return NULL;

  node = json_parser_get_root (parser);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), parts[i]);
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

char *
relay_test_reply_error_code (RelayTestReply *reply)
{
  return relay_test_reply_member (reply, "error");
}

/* ------------------------------------------------------------------------ */
/* Raw connections                                                          */
/* ------------------------------------------------------------------------ */

static GIOStream *
raw_connect (RelayTestServer *server,
             GSocket        **socket_out)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GTlsDatabase) database = NULL;

  /* Straight to loopback: no proxy lookup (which would also load libproxy). */
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL,
                                                &error);
  g_assert_no_error (error);
  *socket_out = g_socket_connection_get_socket (connection);
  if (!server->tls)
    return G_IO_STREAM (g_steal_pointer (&connection));

  identity = g_network_address_new ("127.0.0.1", server->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  g_assert_no_error (error);
  database = g_tls_file_database_new (test_ca_file (), &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&tls);
}

char *
relay_test_raw_exchange (RelayTestServer *server,
                         const char      *request,
                         gsize            request_size,
                         guint            timeout_ms)
{
  GSocket *socket = NULL;
  g_autoptr(GIOStream) stream = raw_connect (server, &socket);
  GString *answer = g_string_new (NULL);
  GInputStream *input = g_io_stream_get_input_stream (stream);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  char buffer[4096];

  /* A write may fail half-way when the relay refuses early and closes. */
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), request, request_size,
                             NULL, NULL, NULL);
  g_socket_set_timeout (socket, MAX (1, (timeout_ms + 999) / 1000));
  while (g_get_monotonic_time () < deadline)
    {
      gssize got = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL);

      if (got <= 0)
        break;
      g_string_append_len (answer, buffer, got);
    }
  g_io_stream_close (stream, NULL, NULL);
  return g_string_free (answer, FALSE);
}

guint
relay_test_raw_status (const char *answer)
{
  if (!g_str_has_prefix (answer, "HTTP/1.") || strlen (answer) < 12)
    return 0;
  return (guint) g_ascii_strtoull (answer + 9, NULL, 10);
}

/* ------------------------------------------------------------------------ */
/* Mailboxes                                                                */
/* ------------------------------------------------------------------------ */

char *
relay_test_new_claim (void)
{
  /* GLib's UUIDs are not from a CSPRNG, which is fine for a test claim. */
  return g_uuid_string_random ();
}

char *
relay_test_create_body (gsize       data_size,
                        const char *title,
                        const char *config_json)
{
  g_autofree guint8 *sealed = g_malloc (data_size);
  g_autofree char *data = NULL;
  g_autoptr(GString) body = g_string_new (NULL);

  for (gsize i = 0; i < data_size; i++)
    sealed[i] = g_random_int_range (0, 256);
  data = g_base64_encode (sealed, data_size);

  g_string_append_printf (body, "{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":\"%s\"},"
                          "\"displayInformation\":{\"title\":\"%s\","
                          "\"description\":\"A key for the test\"}", data, title);
  if (config_json != NULL)
    g_string_append_printf (body, ",\"mailboxConfiguration\":{%s}", config_json);
  g_string_append_c (body, '}');
  return g_string_free (g_steal_pointer (&body), FALSE);
}

char *
relay_test_mailbox_url (RelayTestServer *server,
                        const char      *mailbox_id)
{
  return g_strconcat (server->url, "/v1/m/", mailbox_id, NULL);
}

char *
relay_test_create_mailbox (SoupSession     *session,
                           RelayTestServer *server,
                           const char      *claim,
                           const char      *config_json)
{
  g_autofree char *body = relay_test_create_body (64, "Front door", config_json);
  g_autofree char *url = g_strconcat (server->url, "/v1/m", NULL);
  g_autoptr(RelayTestReply) reply = NULL;
  g_autofree char *link = NULL;
  const char *slash;

  reply = relay_test_request (session, "POST", url, body, "Mailbox-Device-Claim", claim, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  link = relay_test_reply_member (reply, "urlLink");
  g_assert_nonnull (link);
  slash = strrchr (link, '/');
  g_assert_nonnull (slash);
  return g_strdup (slash + 1);
}
