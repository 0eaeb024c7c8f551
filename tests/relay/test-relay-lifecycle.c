/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay over time and across restarts: expiry before and after a
 * sweep, durability after kill -9, the schema version, configuration from
 * the command line, the environment and a file, what the logs may hold, and
 * clients too slow to finish a request.
 */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <sqlite3.h>
#include <string.h>

#include "relay-test.h"

#define CLAIM "Mailbox-Device-Claim"

static SoupSession *session;

static RelayTestReply *
read_mailbox (RelayTestServer *relay,
              const char      *mailbox_id,
              const char      *claim)
{
  g_autofree char *url = relay_test_mailbox_url (relay, mailbox_id);

  return relay_test_request (session, "POST", url, NULL, CLAIM, claim, NULL);
}

static void
assert_error (RelayTestReply *reply,
              guint           status,
              const char     *code)
{
  g_autofree char *actual = relay_test_reply_error_code (reply);

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (actual, ==, code);
}

static gboolean
is_sqlite_run (void)
{
  const char *backend = g_getenv ("TW_RELAY_TEST_STORAGE");

  return backend == NULL || g_str_equal (backend, "sqlite");
}

/* ------------------------------------------------------------------------ */
/* Expiry                                                                   */
/* ------------------------------------------------------------------------ */

/* Creates a mailbox as @sender; its id, and in @expires_at the expiry the
 * relay answered (Unix seconds). */
static char *
create_with_expiry (RelayTestServer *relay,
                    const char      *sender,
                    gint64          *expires_at)
{
  g_autofree char *url = g_strconcat (relay_test_server_url (relay), "/v1/m", NULL);
  g_autofree char *body = relay_test_create_body (64, "Front door", NULL);
  g_autoptr(RelayTestReply) reply = relay_test_request (session, "POST", url, body,
                                                        CLAIM, sender, NULL);
  g_autofree char *link = relay_test_reply_member (reply, "urlLink");
  g_autofree char *expiration = relay_test_reply_member (reply, "expiration");
  g_autoptr(GDateTime) time = NULL;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_nonnull (link);
  g_assert_nonnull (expiration);
  time = g_date_time_new_from_iso8601 (expiration, NULL);
  g_assert_nonnull (time);
  *expires_at = g_date_time_to_unix (time);
  return g_strdup (strrchr (link, '/') + 1);
}

/*
 * A mailbox of @sender whose recipient slot @recipient has bound. Expiry
 * is counted in whole seconds, so a mailbox allowed a life of a few
 * seconds may have less than one left, and on a loaded machine it may
 * expire before the bind: then (and only then) it tries a new one.
 */
static char *
create_and_bind (RelayTestServer *relay,
                 const char      *sender,
                 const char      *recipient,
                 gint64          *expires_at,
                 guint           *created_out)
{
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_autofree char *id = create_with_expiry (relay, sender, expires_at);
      g_autoptr(RelayTestReply) bind = read_mailbox (relay, id, recipient);

      if (created_out != NULL)
        *created_out = attempt + 1;
      if (bind->status == 200)
        return g_steal_pointer (&id);
      g_assert_cmpint (g_get_real_time () / G_USEC_PER_SEC, >=, *expires_at);
      assert_error (bind, 404, "not-found");
    }
  g_error ("Ten mailboxes in a row expired before their first read");
}

/* Sleeps until the relay's clock (this machine's) reaches @expires_at,
 * when the mailbox counts as expired. */
static void
wait_until_expired (gint64 expires_at)
{
  while (g_get_real_time () / G_USEC_PER_SEC < expires_at)
    g_usleep (G_USEC_PER_SEC / 20);
}

static void
test_expired_mailbox_is_refused_before_any_sweep (void)
{
  const char *args[] = { "--max-expiry=2", "--sweep-interval=3600", "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *stranger = relay_test_new_claim ();
  gint64 expires_at = 0;
  g_autofree char *id = create_and_bind (relay, sender, recipient, &expires_at, NULL);
  g_autofree char *url = relay_test_mailbox_url (relay, id);
  g_autoptr(RelayTestReply) sender_read = NULL, recipient_read = NULL, stranger_read = NULL;
  g_autoptr(RelayTestReply) preview = NULL, write = NULL, delete = NULL;
  g_autofree char *body = relay_test_create_body (64, "x", NULL);

  wait_until_expired (expires_at);

  sender_read = read_mailbox (relay, id, sender);
  recipient_read = read_mailbox (relay, id, recipient);
  stranger_read = read_mailbox (relay, id, stranger);
  preview = relay_test_request (session, "GET", url, NULL, NULL);
  write = relay_test_request (session, "PUT", url, body, CLAIM, sender, NULL);
  delete = relay_test_request (session, "DELETE", url, NULL, CLAIM, recipient, NULL);

  assert_error (sender_read, 410, "expired");
  assert_error (recipient_read, 410, "expired");
  assert_error (stranger_read, 404, "not-found");
  g_assert_cmpuint (preview->status, ==, 404);
  assert_error (write, 410, "expired");
  assert_error (delete, 410, "expired");
}

static char *
metric_line (RelayTestServer *relay,
             const char      *name)
{
  g_autofree char *url = g_strconcat (relay_test_server_admin_url (relay), "/metrics", NULL);
  g_autoptr(RelayTestReply) reply = relay_test_request (session, "GET", url, NULL, NULL);
  g_auto(GStrv) lines = g_strsplit (relay_test_reply_text (reply), "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], name) && lines[i][strlen (name)] == ' ')
      return g_strdup (lines[i] + strlen (name) + 1);
  return NULL;
}

/* Polls the metrics (30 s at most) until the sweep has taken @swept
 * mailboxes and none is live; leaves the last readings in the out values. */
static void
wait_for_sweep (RelayTestServer  *relay,
                const char       *swept,
                char            **swept_out,
                char            **live_out)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  do
    {
      g_clear_pointer (swept_out, g_free);
      g_clear_pointer (live_out, g_free);
      *swept_out = metric_line (relay, "tigress_relay_swept_total");
      *live_out = metric_line (relay, "tigress_relay_mailboxes");
      if (g_strcmp0 (*swept_out, swept) == 0 && g_strcmp0 (*live_out, "0") == 0)
        return;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  while (g_get_monotonic_time () < deadline);
}

static void
test_swept_mailbox_leaves_a_tombstone (void)
{
  const char *args[] = { "--max-expiry=2", "--sweep-interval=1", "--no-rate-limits",
                         "--admin-listen=127.0.0.1:0", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *stranger = relay_test_new_claim ();
  gint64 expires_at = 0;
  guint created = 0;
  g_autofree char *id = create_and_bind (relay, sender, recipient, &expires_at, &created);
  g_autofree char *expected_swept = g_strdup_printf ("%u", created);
  g_autoptr(RelayTestReply) sender_read = NULL, recipient_read = NULL, stranger_read = NULL;
  g_autofree char *swept = NULL, *live = NULL;

  /* Any mailbox that expired before its bind is swept as well. */
  wait_until_expired (expires_at);
  wait_for_sweep (relay, expected_swept, &swept, &live);
  g_assert_cmpstr (swept, ==, expected_swept);

  sender_read = read_mailbox (relay, id, sender);
  recipient_read = read_mailbox (relay, id, recipient);
  stranger_read = read_mailbox (relay, id, stranger);
  g_assert_cmpstr (live, ==, "0");
  assert_error (sender_read, 410, "expired");
  assert_error (recipient_read, 410, "expired");
  assert_error (stranger_read, 404, "not-found");
}

/* ------------------------------------------------------------------------ */
/* Durability                                                               */
/* ------------------------------------------------------------------------ */

static void
test_acknowledged_writes_survive_kill_9 (void)
{
  const char *args[] = { "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autoptr(RelayTestServer) restarted = NULL;
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *other = relay_test_new_claim ();
  g_autofree char *id = relay_test_create_mailbox (session, relay, sender, NULL);
  g_autofree char *url = relay_test_mailbox_url (relay, id);
  g_autofree char *body = g_strdup ("{\"payload\":{\"type\":\"AEAD_AES_256_GCM\",\"data\":"
                                    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}");
  g_autoptr(RelayTestReply) bind = read_mailbox (relay, id, recipient);
  g_autoptr(RelayTestReply) write = relay_test_request (session, "PUT", url, body,
                                                        CLAIM, recipient, NULL);
  g_autoptr(RelayTestReply) after_sender = NULL, after_other = NULL;
  g_autofree char *data = NULL;

  g_assert_cmpuint (bind->status, ==, 200);
  g_assert_cmpuint (write->status, ==, 200);
  /* No pause, no clean shutdown: whatever was answered must be on disk. */
  relay_test_server_stop (relay, TRUE);

  restarted = relay_test_server_start_on (relay_test_server_storage (relay), args);
  g_clear_pointer (&relay, relay_test_server_free);
  after_sender = read_mailbox (restarted, id, sender);
  after_other = read_mailbox (restarted, id, other);
  data = relay_test_reply_member (after_sender, "payload.data");

  g_assert_cmpuint (after_sender->status, ==, 200);
  g_assert_cmpstr (data, ==, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  g_assert_cmpstr (relay_test_reply_header (after_sender, "Mailbox-Binding-Epoch"), ==, "1");
  assert_error (after_other, 401, "claimed-by-other-device");
}

/* Creators that keep making mailboxes on one relay from several threads
 * at once, each with its own connection, until told to stop or until the
 * relay stops answering. */
#define N_CREATORS 8

typedef struct {
  RelayTestServer *relay;
  const char      *sender;
  GMutex           lock;
  GCond            acknowledged_more;
  GPtrArray       *acknowledged;   /* ids of mailboxes answered 200 */
  gboolean         stop;
} Creators;

/* One create; the id of the mailbox if it was answered 200, else NULL
 * (another status, or no answer at all: the relay was killed). */
static char *
try_create (SoupSession     *own_session,
            RelayTestServer *relay,
            const char      *sender)
{
  g_autofree char *url = g_strconcat (relay_test_server_url (relay), "/v1/m", NULL);
  g_autofree char *body = relay_test_create_body (64, "Front door", NULL);
  g_autoptr(GBytes) request_body = g_bytes_new (body, strlen (body));
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(RelayTestReply) reply = g_new0 (RelayTestReply, 1);
  g_autofree char *link = NULL;

  soup_message_headers_append (soup_message_get_request_headers (message), CLAIM, sender);
  soup_message_set_request_body_from_bytes (message, "application/json", request_body);
  reply->body = soup_session_send_and_read (own_session, message, NULL, NULL);
  reply->status = soup_message_get_status (message);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (message));
  if (reply->body == NULL || reply->status != 200)
    return NULL;

  link = relay_test_reply_member (reply, "urlLink");
  g_assert_nonnull (link);
  return g_strdup (strrchr (link, '/') + 1);
}

static gpointer
keep_creating (gpointer data)
{
  Creators *creators = data;
  g_autoptr(SoupSession) own_session = relay_test_session_new ();

  for (;;)
    {
      char *id;

      g_mutex_lock (&creators->lock);
      if (creators->stop)
        {
          g_mutex_unlock (&creators->lock);
          break;
        }
      g_mutex_unlock (&creators->lock);

      id = try_create (own_session, creators->relay, creators->sender);
      if (id == NULL)
        break;
      g_mutex_lock (&creators->lock);
      g_ptr_array_add (creators->acknowledged, id);
      g_cond_signal (&creators->acknowledged_more);
      g_mutex_unlock (&creators->lock);
    }
  return NULL;
}

/* Waits until @count creates were acknowledged, for 60 s at most. */
static void
wait_for_acknowledged (Creators *creators,
                       guint     count)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_mutex_lock (&creators->lock);
  while (creators->acknowledged->len < count)
    if (!g_cond_wait_until (&creators->acknowledged_more, &creators->lock, deadline))
      break;
  g_assert_cmpuint (creators->acknowledged->len, >=, count);
  g_mutex_unlock (&creators->lock);
}

/* Creates that share a disk sync are each answered only once the sync is
 * done: every mailbox answered 200 is there after kill -9, even with more
 * creates in flight (and some of them answered) at the moment of the kill. */
static void
test_concurrent_creates_survive_kill_9 (void)
{
  const char *args[] = { "--no-rate-limits", "--threads=2", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autoptr(RelayTestServer) restarted = NULL;
  g_autofree char *sender = relay_test_new_claim ();
  Creators creators = { relay, sender, };
  GThread *threads[N_CREATORS];

  g_mutex_init (&creators.lock);
  g_cond_init (&creators.acknowledged_more);
  creators.acknowledged = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < N_CREATORS; i++)
    threads[i] = g_thread_new ("creator", keep_creating, &creators);

  wait_for_acknowledged (&creators, 200);
  relay_test_server_stop (relay, TRUE);
  g_mutex_lock (&creators.lock);
  creators.stop = TRUE;
  g_mutex_unlock (&creators.lock);
  for (guint i = 0; i < N_CREATORS; i++)
    g_thread_join (threads[i]);

  restarted = relay_test_server_start_on (relay_test_server_storage (relay), args);
  for (guint i = 0; i < creators.acknowledged->len; i++)
    {
      const char *id = g_ptr_array_index (creators.acknowledged, i);
      g_autoptr(RelayTestReply) after = read_mailbox (restarted, id, sender);

      if (after->status != 200)
        g_error ("Mailbox %u of %u answered 200 before kill -9 but %u after it", i + 1,
                 creators.acknowledged->len, after->status);
    }

  g_ptr_array_unref (creators.acknowledged);
  g_cond_clear (&creators.acknowledged_more);
  g_mutex_clear (&creators.lock);
}

static gint64
schema_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  gint64 version = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &statement, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (statement) == SQLITE_ROW)
    version = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return version;
}

static void
set_schema_version (const char *path,
                    int         version)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static int
run_relay_once (const char * const *args,
                char              **errors_out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("TW_RELAY_EXE"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                errors_out, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_schema_is_versioned_and_a_newer_one_refused (void)
{
  g_autoptr(RelayTestServer) relay = NULL;
  g_autofree char *path = NULL, *storage = NULL, *errors = NULL;
  int exit_code;

  if (!is_sqlite_run ())
    {
      g_test_skip ("SQLite only");
      return;
    }
  relay = relay_test_server_start (NULL);
  storage = g_strdup (relay_test_server_storage (relay));
  path = g_strdup (storage + strlen ("sqlite:"));
  relay_test_server_stop (relay, FALSE);
  g_assert_cmpint (schema_version (path), ==, 2);

  set_schema_version (path, 99);
  {
    g_autofree char *storage_arg = g_strconcat ("--storage=", storage, NULL);
    const char *args[] = { "--listen=127.0.0.1:0", storage_arg, NULL };

    exit_code = run_relay_once (args, &errors);
  }
  g_assert_cmpint (exit_code, ==, 1);
  g_assert_nonnull (strstr (errors, "newer relay"));
}

/* The first schema, as relays before version 2 wrote it. */
static const char old_schema_v1[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE mailbox (id TEXT PRIMARY KEY, sender_claim BLOB NOT NULL,"
  "  recipient_claim BLOB, bind_verifier BLOB, payload_type TEXT NOT NULL,"
  "  payload_data TEXT NOT NULL, payload_etag TEXT NOT NULL, sender_type TEXT,"
  "  sender_data TEXT, sender_etag TEXT, title TEXT NOT NULL, description TEXT,"
  "  image_url TEXT, rights INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
  "  epoch INTEGER NOT NULL, relinquishes INTEGER NOT NULL,"
  "  relinquish_allowed INTEGER NOT NULL, create_request BLOB, sender_request BLOB,"
  "  recipient_request BLOB);"
  "CREATE INDEX mailbox_by_expiry ON mailbox (expires_at);"
  "CREATE UNIQUE INDEX mailbox_by_create_request ON mailbox (create_request)"
  "  WHERE create_request IS NOT NULL;"
  "CREATE TABLE tombstone (key BLOB PRIMARY KEY, reason INTEGER NOT NULL,"
  "  sender_claim BLOB NOT NULL, recipient_claim BLOB, request BLOB,"
  "  until INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX tombstone_by_until ON tombstone (until);"
  "PRAGMA user_version = 1;";

#define OLD_PAYLOAD "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

/* SHA-256 ("tigress-relay claim" || 0x00 || claim), as the relay stores it. */
static GBytes *
old_claim_hash (const char *claim)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize size = sizeof digest;

  g_checksum_update (checksum, (const guchar *) "tigress-relay claim", 20);
  g_checksum_update (checksum, (const guchar *) claim, -1);
  g_checksum_get_digest (checksum, digest, &size);
  return g_bytes_new (digest, size);
}

static void
old_exec (sqlite3    *db,
          const char *sql,
          ...)
{
  sqlite3_stmt *statement = NULL;
  va_list blobs;
  int index = 1;
  GBytes *blob;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  va_start (blobs, sql);
  while ((blob = va_arg (blobs, GBytes *)) != NULL)
    sqlite3_bind_blob (statement, index++, g_bytes_get_data (blob, NULL),
                       (int) g_bytes_get_size (blob), SQLITE_TRANSIENT);
  va_end (blobs);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_DONE);
  sqlite3_finalize (statement);
}

/* A version 1 database holding a live mailbox sent by @sender and the
 * tombstone of a deleted one (@ended_id), also sent by @sender. */
static void
write_old_database (const char *path,
                    const char *live_id,
                    const char *ended_id,
                    const char *sender)
{
  g_autoptr(GBytes) sender_hash = old_claim_hash (sender);
  g_autoptr(GBytes) secret = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autoptr(GBytes) key = NULL;
  g_autofree char *insert_mailbox = NULL, *insert_tombstone = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint8 digest[32];
  gsize size = sizeof digest;
  sqlite3 *db = NULL;

  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, g_bytes_get_data (secret, NULL), 32);
  g_hmac_update (hmac, (const guchar *) ended_id, -1);
  g_hmac_get_digest (hmac, digest, &size);
  key = g_bytes_new (digest, size);

  insert_mailbox = g_strdup_printf (
    "INSERT INTO mailbox VALUES ('%s', ?1, NULL, NULL, 'AEAD_AES_256_GCM', '" OLD_PAYLOAD
    "', 'etag', NULL, NULL, NULL, 'Old', NULL, NULL, 7, %" G_GINT64_FORMAT
    ", 0, 0, 1, NULL, NULL, NULL)", live_id, now + 600);
  insert_tombstone = g_strdup_printf (
    "INSERT INTO tombstone VALUES (?1, 2, ?2, NULL, NULL, %" G_GINT64_FORMAT ")", now + 600);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, old_schema_v1, NULL, NULL, NULL), ==, SQLITE_OK);
  old_exec (db, "INSERT INTO meta VALUES ('relay-secret', ?1)", secret, NULL);
  old_exec (db, insert_mailbox, sender_hash, NULL);
  old_exec (db, insert_tombstone, key, sender_hash, NULL);
  sqlite3_close (db);
}

static void
test_old_schema_is_migrated_on_start (void)
{
  const char *args[] = { "--no-rate-limits", NULL };
  g_autofree char *path = g_build_filename (relay_test_scratch_dir (), "schema-v1.db", NULL);
  g_autofree char *storage = g_strconcat ("sqlite:", path, NULL);
  g_autofree char *live_id = g_uuid_string_random ();
  g_autofree char *ended_id = g_uuid_string_random ();
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *stranger = relay_test_new_claim ();
  g_autoptr(RelayTestServer) relay = NULL;
  g_autoptr(RelayTestReply) live = NULL, ended = NULL, ended_stranger = NULL, fresh = NULL;
  g_autofree char *data = NULL, *fresh_id = NULL;

  if (!is_sqlite_run ())
    {
      g_test_skip ("SQLite only");
      return;
    }
  write_old_database (path, live_id, ended_id, sender);

  relay = relay_test_server_start_on (storage, args);
  live = read_mailbox (relay, live_id, sender);
  ended = read_mailbox (relay, ended_id, sender);
  ended_stranger = read_mailbox (relay, ended_id, stranger);
  fresh_id = relay_test_create_mailbox (session, relay, sender, NULL);
  fresh = read_mailbox (relay, fresh_id, sender);
  data = relay_test_reply_member (live, "payload.data");

  g_assert_cmpuint (live->status, ==, 200);
  g_assert_cmpstr (data, ==, OLD_PAYLOAD);
  assert_error (ended, 410, "deleted");
  assert_error (ended_stranger, 404, "not-found");
  g_assert_cmpuint (fresh->status, ==, 200);
  relay_test_server_stop (relay, FALSE);
  g_assert_cmpint (schema_version (path), ==, 2);
}

/* ------------------------------------------------------------------------ */
/* Service manager                                                          */
/* ------------------------------------------------------------------------ */

static guint16
free_loopback_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, wanted, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The next datagram on @socket as text, or NULL after 20 s of silence. */
static char *
receive_notification (GSocket *socket)
{
  char buffer[256];
  gssize size;

  g_socket_set_timeout (socket, 20);
  size = g_socket_receive (socket, buffer, sizeof buffer - 1, NULL, NULL);
  if (size < 0)
    return NULL;
  buffer[size] = '\0';
  return g_strdup (buffer);
}

static void
test_service_manager_hears_ready_once_healthz_answers (void)
{
  g_autofree char *socket_path = g_build_filename (relay_test_scratch_dir (), "notify.sock",
                                                   NULL);
  g_autofree char *storage = g_strdup_printf ("--storage=sqlite:%s/notify.db",
                                              relay_test_scratch_dir ());
  guint16 port = free_loopback_port ();
  g_autofree char *listen = g_strdup_printf ("--listen=127.0.0.1:%u", port);
  g_autofree char *health_url = g_strdup_printf ("http://127.0.0.1:%u/healthz", port);
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) relay = NULL;
  g_autoptr(RelayTestReply) health = NULL;
  g_autofree char *ready = NULL, *stopping = NULL;
  g_autoptr(GError) error = NULL;

  listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                           G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, address, TRUE, &error));
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", socket_path, TRUE);
  relay = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("TW_RELAY_EXE"), listen,
                                       storage, "--threads=2", NULL);
  g_assert_no_error (error);

  /* The health check goes out the moment the notification arrives: had
   * the relay told before it listened, it would find nobody there. */
  ready = receive_notification (listener);
  health = relay_test_request (session, "GET", health_url, NULL, NULL);
  g_subprocess_send_signal (relay, SIGTERM);
  stopping = receive_notification (listener);
  g_subprocess_wait (relay, NULL, &error);

  g_assert_cmpstr (ready, ==, "READY=1");
  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (stopping, ==, "STOPPING=1");
}

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */
/* ------------------------------------------------------------------------ */

static guint
create_titled (RelayTestServer *relay,
               const char      *title)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *body = relay_test_create_body (64, title, NULL);
  g_autofree char *url = g_strconcat (relay_test_server_url (relay), "/v1/m", NULL);
  g_autoptr(RelayTestReply) reply = relay_test_request (session, "POST", url, body,
                                                        CLAIM, claim, NULL);

  return reply->status;
}

static void
test_environment_and_file_give_the_same_settings (void)
{
  g_autofree char *file = g_build_filename (relay_test_scratch_dir (), "relay.conf", NULL);
  g_autofree char *file_arg = g_strconcat ("--config=", file, NULL);
  const char *env[] = { "TIGRESS_RELAY_MAX_FIELD=30", NULL };
  const char *file_args[] = { file_arg, NULL };
  const char *override_args[] = { "--max-field=100", NULL };
  g_autoptr(RelayTestServer) from_env = NULL, from_file = NULL, overridden = NULL;

  g_assert_true (g_file_set_contents (file, "[relay]\nmax-field=30\nno-rate-limits=true\n",
                                      -1, NULL));
  from_env = relay_test_server_start_full (NULL, NULL, env);
  from_file = relay_test_server_start_full (NULL, file_args, NULL);
  overridden = relay_test_server_start_full (NULL, override_args, env);

  g_assert_cmpuint (create_titled (from_env, "123456789012345678901234567890"), ==, 200);
  g_assert_cmpuint (create_titled (from_env, "1234567890123456789012345678901"), ==, 413);
  g_assert_cmpuint (create_titled (from_file, "123456789012345678901234567890"), ==, 200);
  g_assert_cmpuint (create_titled (from_file, "1234567890123456789012345678901"), ==, 413);
  g_assert_cmpuint (create_titled (overridden, "1234567890123456789012345678901"), ==, 200);
}

static void
test_help_documents_every_option (void)
{
  const char *names[] = {
    "--listen", "--storage", "--tls-cert", "--tls-key", "--admin-listen", "--public-url",
    "--trusted-proxy", "--threads", "--no-rate-limits", "--log-addresses", "--max-body",
    "--max-payload", "--max-field", "--max-url", "--max-headers", "--create-limit",
    "--failure-limit", "--read-limit", "--max-mailboxes", "--max-waiting", "--max-wait",
    "--max-expiry", "--request-timeout", "--sweep-interval", "--config", "--version",
  };
  const char *argv[] = { g_getenv ("TW_RELAY_EXE"), "--help", NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *entry = g_strconcat ("  ", names[i], NULL);

      g_test_message ("%s", names[i]);
      g_assert_nonnull (strstr (output, entry));
    }
  g_assert_nonnull (strstr (output, "TIGRESS_RELAY_"));
}

static void
test_bad_settings_are_refused_with_a_reason (void)
{
  g_autofree char *file = g_build_filename (relay_test_scratch_dir (), "bad.conf", NULL);
  g_autofree char *file_arg = g_strconcat ("--config=", file, NULL);
  const char *too_long[] = { "--max-expiry=9d", NULL };
  const char *half_tls[] = { "--tls-cert=/nonexistent.pem", NULL };
  const char *bad_address[] = { "--listen=localhost", NULL };
  const char *unknown_key[] = { file_arg, NULL };
  const char *bad_storage[] = { "--listen=127.0.0.1:0", "--storage=ftp://x", NULL };
  struct { const char * const *args; const char *said; int code; } cases[] = {
    { too_long, "--max-expiry", 2 },
    { half_tls, "--tls-key", 2 },
    { bad_address, "localhost", 2 },
    { unknown_key, "colour", 2 },
    { bad_storage, "sqlite:PATH", 1 },
  };

  g_assert_true (g_file_set_contents (file, "[relay]\ncolour=blue\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *errors = NULL;
      int code = run_relay_once (cases[i].args, &errors);

      g_test_message ("case %u: %d %s", i, code, errors);
      g_assert_cmpint (code, ==, cases[i].code);
      g_assert_nonnull (strstr (errors, cases[i].said));
    }
}

/* ------------------------------------------------------------------------ */
/* Privacy of the logs                                                      */
/* ------------------------------------------------------------------------ */

static void
exercise_every_call (RelayTestServer *relay,
                     GPtrArray       *secrets)
{
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = relay_test_create_mailbox (session, relay, sender, NULL);
  g_autofree char *url = relay_test_mailbox_url (relay, id);
  g_autofree char *body = relay_test_create_body (64, "Secret title", NULL);

  g_ptr_array_add (secrets, g_strdup (sender));
  g_ptr_array_add (secrets, g_strdup (recipient));
  g_ptr_array_add (secrets, g_strdup (id));
  g_ptr_array_add (secrets, g_strdup ("request-id-that-must-not-leak"));
  g_ptr_array_add (secrets, g_strdup ("dG9rZW4tdGhhdC1tdXN0LW5vdC1sZWFr"));

  relay_test_reply_free (relay_test_request (session, "POST", url, NULL, CLAIM, recipient,
                                             "Mailbox-Bind-Token",
                                             "dG9rZW4tdGhhdC1tdXN0LW5vdC1sZWFr", NULL));
  relay_test_reply_free (relay_test_request (session, "PUT", url, body, CLAIM, recipient,
                                             "Mailbox-Request-ID",
                                             "request-id-that-must-not-leak", NULL));
  relay_test_reply_free (relay_test_request (session, "PATCH", url, NULL, CLAIM, recipient,
                                             NULL));
  relay_test_reply_free (relay_test_request (session, "GET", url, NULL, NULL));
  relay_test_reply_free (relay_test_request (session, "DELETE", url, NULL, CLAIM, sender,
                                             NULL));
  /* Failures up to and past the failure limit. */
  for (guint i = 0; i < 4; i++)
    relay_test_reply_free (relay_test_request (session, "POST", url, NULL, CLAIM,
                                               recipient, NULL));
}

static void
test_logs_hold_no_claims_tokens_ids_or_addresses (void)
{
  const char *env[] = { "G_MESSAGES_DEBUG=all", NULL };
  const char *quiet_args[] = { "--failure-limit=2", NULL };
  const char *loud_args[] = { "--failure-limit=2", "--log-addresses", NULL };
  g_autoptr(RelayTestServer) quiet = relay_test_server_start_full (NULL, quiet_args, env);
  g_autoptr(RelayTestServer) loud = relay_test_server_start_full (NULL, loud_args, env);
  g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *quiet_log = NULL, *loud_log = NULL;

  exercise_every_call (quiet, secrets);
  exercise_every_call (loud, secrets);
  relay_test_server_stop (quiet, FALSE);
  relay_test_server_stop (loud, FALSE);
  quiet_log = relay_test_server_log (quiet);
  loud_log = relay_test_server_log (loud);

  /* The debug log did say something, so its silence below means something. */
  g_assert_nonnull (strstr (quiet_log, "over a limit"));
  for (guint i = 0; i < secrets->len; i++)
    {
      g_assert_null (strstr (quiet_log, g_ptr_array_index (secrets, i)));
      g_assert_null (strstr (loud_log, g_ptr_array_index (secrets, i)));
    }
  g_assert_null (strstr (quiet_log, "127.0.0.1"));
  g_assert_nonnull (strstr (loud_log, "127.0.0.1"));
}

/* ------------------------------------------------------------------------ */
/* Slow clients                                                             */
/* ------------------------------------------------------------------------ */

static GSocket *
connect_raw (RelayTestServer *relay)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback,
                                                                 relay_test_server_port (relay));

  g_assert_no_error (error);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&socket);
}

/* Seconds until the relay closes @socket, sending one byte of @trickle
 * every half second meanwhile (none if NULL); -1 if still open at @limit. */
static double
seconds_until_closed (GSocket    *socket,
                      const char *trickle,
                      double      limit)
{
  gint64 started = g_get_monotonic_time ();
  gsize sent = 0;
  char buffer[256];

  g_socket_set_blocking (socket, FALSE);
  while ((g_get_monotonic_time () - started) / 1e6 < limit)
    {
      gssize got;

      if (trickle != NULL && trickle[sent] != '\0' &&
          g_socket_send (socket, trickle + sent, 1, NULL, NULL) == 1)
        sent++;
      g_socket_condition_timed_wait (socket, G_IO_IN, 500 * 1000, NULL, NULL);
      got = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);
      if (got == 0 || (got < 0 && !g_socket_condition_check (socket, G_IO_OUT)))
        return (g_get_monotonic_time () - started) / 1e6;
    }
  return -1;
}

static void
test_slow_clients_are_cut_off (void)
{
  const char *args[] = { "--request-timeout=2", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autoptr(GSocket) idle = connect_raw (relay);
  g_autoptr(GSocket) trickling = NULL;
  g_autofree char *health = g_strconcat (relay_test_server_url (relay), "/healthz", NULL);
  g_autoptr(RelayTestReply) still_serving = NULL;
  double idle_closed, trickle_closed;

  /* Over TLS an idle connection is a stalled handshake: cut off alike. */
  idle_closed = seconds_until_closed (idle, NULL, 8);
  g_test_message ("idle closed after %.1f s", idle_closed);
  g_assert_cmpfloat (idle_closed, >=, 1.5);
  g_assert_cmpfloat (idle_closed, <=, 4.5);

  if (!relay_test_server_is_tls (relay))
    {
      trickling = connect_raw (relay);
      trickle_closed = seconds_until_closed (trickling,
                                             "POST /v1/m HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                             "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 8);
      g_test_message ("trickling client closed after %.1f s", trickle_closed);
      g_assert_cmpfloat (trickle_closed, >=, 1.5);
      g_assert_cmpfloat (trickle_closed, <=, 4.5);
    }

  still_serving = relay_test_request (session, "GET", health, NULL, NULL);
  g_assert_cmpuint (still_serving->status, ==, 200);
}

static void
test_kept_alive_connection_is_closed_when_idle (void)
{
  const char *args[] = { "--request-timeout=2", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autoptr(GSocket) socket = NULL;
  const char *request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  char buffer[512];
  double closed;

  if (relay_test_server_is_tls (relay))
    {
      g_test_skip ("plain HTTP only: the request is written on the raw socket");
      return;
    }
  socket = connect_raw (relay);
  g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, NULL), ==,
                   (gssize) strlen (request));
  g_assert_cmpint (g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL), >, 0);
  g_assert_true (g_str_has_prefix (buffer, "HTTP/1.1 200"));

  closed = seconds_until_closed (socket, NULL, 8);
  g_assert_cmpfloat (closed, >=, 1.0);
  g_assert_cmpfloat (closed, <=, 4.5);
}

/* Everything the relay sends on @socket until it closes it (in up to
 * @limit seconds); the test fails on a reset, which would lose the answer. */
static char *
read_until_closed (GSocket *socket,
                   double   limit)
{
  g_autoptr(GString) answer = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) (limit * G_USEC_PER_SEC);
  char buffer[512];

  g_socket_set_timeout (socket, (guint) limit + 1);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      gssize got = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      g_assert_no_error (error);
      if (got == 0)
        return g_string_free (g_steal_pointer (&answer), FALSE);
      g_string_append_len (answer, buffer, got);
    }
  g_assert_not_reached ();
}

/* QA H9: http:// typed for the TLS port got a bare reset. Now a plain 400
 * says to use https://, the connection closes cleanly, and TLS goes on. */
static void
test_plain_http_on_the_tls_port_is_told_to_use_https (void)
{
  g_autoptr(RelayTestServer) relay = relay_test_server_start (NULL);
  const char *request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *health = NULL;
  g_autoptr(RelayTestReply) still_serving = NULL;

  if (!relay_test_server_is_tls (relay))
    {
      g_test_skip ("HTTPS only: plain HTTP is what this port expects otherwise");
      return;
    }
  socket = connect_raw (relay);
  g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, NULL), ==,
                   (gssize) strlen (request));
  answer = read_until_closed (socket, 8);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 400 Bad Request\r\n"));
  g_assert_nonnull (strstr (answer, "Connection: close\r\n"));
  g_assert_nonnull (strstr (strstr (answer, "\r\n\r\n"), "https://"));

  health = g_strconcat (relay_test_server_url (relay), "/healthz", NULL);
  still_serving = relay_test_request (session, "GET", health, NULL, NULL);
  g_assert_cmpuint (still_serving->status, ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TW_RELAY_EXE") == NULL)
    return 77;
  session = relay_test_session_new ();

  g_test_add_func ("/relay/expiry/expired-mailbox-is-refused-before-any-sweep",
                   test_expired_mailbox_is_refused_before_any_sweep);
  g_test_add_func ("/relay/expiry/swept-mailbox-leaves-a-tombstone",
                   test_swept_mailbox_leaves_a_tombstone);
  g_test_add_func ("/relay/durability/acknowledged-writes-survive-kill-9",
                   test_acknowledged_writes_survive_kill_9);
  g_test_add_func ("/relay/durability/concurrent-creates-survive-kill-9",
                   test_concurrent_creates_survive_kill_9);
  g_test_add_func ("/relay/durability/schema-is-versioned-and-a-newer-one-refused",
                   test_schema_is_versioned_and_a_newer_one_refused);
  g_test_add_func ("/relay/durability/old-schema-is-migrated-on-start",
                   test_old_schema_is_migrated_on_start);
  g_test_add_func ("/relay/service/manager-hears-ready-once-healthz-answers",
                   test_service_manager_hears_ready_once_healthz_answers);
  g_test_add_func ("/relay/config/environment-and-file-give-the-same-settings",
                   test_environment_and_file_give_the_same_settings);
  g_test_add_func ("/relay/config/help-documents-every-option",
                   test_help_documents_every_option);
  g_test_add_func ("/relay/config/bad-settings-are-refused-with-a-reason",
                   test_bad_settings_are_refused_with_a_reason);
  g_test_add_func ("/relay/privacy/logs-hold-no-claims-tokens-ids-or-addresses",
                   test_logs_hold_no_claims_tokens_ids_or_addresses);
  g_test_add_func ("/relay/hostile/slow-clients-are-cut-off", test_slow_clients_are_cut_off);
  g_test_add_func ("/relay/tls/plain-http-on-the-tls-port-is-told-to-use-https",
                   test_plain_http_on_the_tls_port_is_told_to_use_https);
  g_test_add_func ("/relay/hostile/kept-alive-connection-is-closed-when-idle",
                   test_kept_alive_connection_is_closed_when_idle);

  status = g_test_run ();
  g_clear_object (&session);
  return status;
}
