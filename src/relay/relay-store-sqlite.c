/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-store-sqlite.h"
#include "relay-store-rules.h"

#include <sqlite3.h>
#include <string.h>

#include "tw-crypto.h"

#define RELAY_SECRET_SIZE 32
#define BUSY_TIMEOUT_MS   10000
#define MAX_GROUP_COMMIT  256   /* writes made durable by one commit at most */
#define CHECKPOINT_PAGES  1000  /* journal pages that wake the checkpointer */
#define WAL_RESTART_PAGES 4000  /* journal pages that make the leader finish it */

/* A mailbox's row id (its slot) is its expiry second shifted left by
 * SLOT_BITS, plus a sequence number within that second. */
#define SLOT_BITS         24
#define SLOT_BITS_TEXT    "24"

/*
 * Since schema version 2 a mailbox is kept in two rows with the same slot:
 *  - `mailbox`: what decides access (claim hashes, rights, expiry, request
 *    keys), found by the mailbox's key, HMAC-SHA-256 (relay secret, id),
 *    so the table never lists mailbox ids. Once the mailbox expires this
 *    row is also its tombstone, and it stays for RELAY_TOMBSTONE_SECONDS.
 *  - `content`: the id, the payloads and the display information, the
 *    bulk of a mailbox. The sweep removes it when the mailbox expires.
 * The slot (the row id of both) is the expiry second shifted left by
 * SLOT_BITS plus a sequence number within that second, so both tables are
 * in expiry order: the sweep removes a range of rows from the front of
 * `content`, whole pages at a time, and touches no index, where removing
 * mailboxes scattered through a table and its indexes rewrote a page for
 * nearly every mailbox. A deleted mailbox loses both rows at once and gets
 * a row in `tombstone` instead.
 */

/* The columns every mailbox query returns, in this order. */
#define MAILBOX_COLUMNS \
  "c.id, m.sender_claim, m.recipient_claim, m.bind_verifier, " \
  "c.payload_type, c.payload_data, c.payload_etag, " \
  "c.sender_type, c.sender_data, c.sender_etag, " \
  "c.title, c.description, c.image_url, m.rights, m.expires_at, m.epoch, " \
  "m.relinquishes, m.relinquish_allowed, m.create_request, m.sender_request, " \
  "m.recipient_request"

#define MAILBOX_FROM "FROM mailbox m LEFT JOIN content c ON c.slot = m.slot "

/* The content row of the mailbox whose key is ?1. */
#define SLOT_OF_KEY "(SELECT slot FROM mailbox WHERE key = ?1)"

enum {
  COL_ID, COL_SENDER_CLAIM, COL_RECIPIENT_CLAIM, COL_BIND_VERIFIER,
  COL_PAYLOAD_TYPE, COL_PAYLOAD_DATA, COL_PAYLOAD_ETAG,
  COL_SENDER_TYPE, COL_SENDER_DATA, COL_SENDER_ETAG,
  COL_TITLE, COL_DESCRIPTION, COL_IMAGE_URL, COL_RIGHTS, COL_EXPIRES_AT, COL_EPOCH,
  COL_RELINQUISHES, COL_RELINQUISH_ALLOWED, COL_CREATE_REQUEST, COL_SENDER_REQUEST,
  COL_RECIPIENT_REQUEST,
};

typedef enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_SELECT_MAILBOX,
  STMT_SELECT_BY_CREATE,
  STMT_LAST_SLOT,
  STMT_INSERT_MAILBOX,
  STMT_INSERT_CONTENT,
  STMT_FORGET_CREATE,
  STMT_BIND,
  STMT_WRITE_AS_SENDER,
  STMT_WRITE_AS_RECIPIENT,
  STMT_NOTE_SENDER_REQUEST,
  STMT_NOTE_RECIPIENT_REQUEST,
  STMT_RESTORE_CONTENT,
  STMT_RELINQUISH,
  STMT_DELETE_CONTENT,
  STMT_DELETE_MAILBOX,
  STMT_INSERT_TOMBSTONE,
  STMT_SELECT_TOMBSTONE,
  STMT_SELECT_EXPIRED,
  STMT_DELETE_EXPIRED,
  STMT_DELETE_OLD_MAILBOXES,
  STMT_DELETE_OLD_TOMBSTONES,
  N_STMTS
} StmtId;

static const char *const statement_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT one_write",
  [STMT_RELEASE] = "RELEASE one_write",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO one_write",
  [STMT_SELECT_MAILBOX] = "SELECT " MAILBOX_COLUMNS " " MAILBOX_FROM "WHERE m.key = ?1",
  [STMT_SELECT_BY_CREATE] =
    "SELECT " MAILBOX_COLUMNS " " MAILBOX_FROM "WHERE m.create_request = ?1",
  /* The last slot taken in expiry second ?1. Only the leader inserts, one
   * write at a time, so this lookup and the insert after it cannot race. */
  [STMT_LAST_SLOT] =
    "SELECT slot FROM mailbox WHERE slot >= ?1 << " SLOT_BITS_TEXT
    " AND slot < (?1 + 1) << " SLOT_BITS_TEXT " ORDER BY slot DESC LIMIT 1",
  [STMT_INSERT_MAILBOX] =
    "INSERT INTO mailbox (slot, key, sender_claim, recipient_claim, bind_verifier, rights, "
    "expires_at, epoch, relinquishes, relinquish_allowed, create_request, sender_request, "
    "recipient_request) VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, 0, 0, ?7, ?8, NULL, NULL)",
  [STMT_INSERT_CONTENT] =
    "INSERT INTO content (slot, id, payload_type, payload_data, payload_etag, title, "
    "description, image_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [STMT_FORGET_CREATE] =
    "UPDATE mailbox SET create_request = NULL WHERE create_request = ?1",
  /* The condition on recipient_claim is what makes binding atomic: of any
   * number of concurrent binders, exactly one changes the row. */
  [STMT_BIND] =
    "UPDATE mailbox SET recipient_claim = ?2, epoch = epoch + 1 "
    "WHERE key = ?1 AND recipient_claim IS NULL AND expires_at > ?3",
  /* sender_* hold the sender's last payload only while the slot holds the
   * recipient's; NULL means "the same as payload". */
  [STMT_WRITE_AS_SENDER] =
    "UPDATE content SET payload_type = ?2, payload_data = ?3, payload_etag = ?4, "
    "sender_type = NULL, sender_data = NULL, sender_etag = NULL "
    "WHERE slot = " SLOT_OF_KEY,
  [STMT_WRITE_AS_RECIPIENT] =
    "UPDATE content SET sender_type = COALESCE (sender_type, payload_type), "
    "sender_data = COALESCE (sender_data, payload_data), "
    "sender_etag = COALESCE (sender_etag, payload_etag), "
    "payload_type = ?2, payload_data = ?3, payload_etag = ?4 "
    "WHERE slot = " SLOT_OF_KEY,
  [STMT_NOTE_SENDER_REQUEST] = "UPDATE mailbox SET sender_request = ?2 WHERE key = ?1",
  [STMT_NOTE_RECIPIENT_REQUEST] = "UPDATE mailbox SET recipient_request = ?2 WHERE key = ?1",
  [STMT_RESTORE_CONTENT] =
    "UPDATE content SET payload_type = COALESCE (sender_type, payload_type), "
    "payload_data = COALESCE (sender_data, payload_data), "
    "payload_etag = COALESCE (sender_etag, payload_etag), "
    "sender_type = NULL, sender_data = NULL, sender_etag = NULL "
    "WHERE slot = " SLOT_OF_KEY,
  [STMT_RELINQUISH] =
    "UPDATE mailbox SET recipient_claim = NULL, relinquishes = relinquishes + 1, "
    "recipient_request = ?2 WHERE key = ?1",
  [STMT_DELETE_CONTENT] = "DELETE FROM content WHERE slot = " SLOT_OF_KEY,
  [STMT_DELETE_MAILBOX] = "DELETE FROM mailbox WHERE key = ?1",
  [STMT_INSERT_TOMBSTONE] =
    "INSERT OR REPLACE INTO tombstone (key, reason, sender_claim, recipient_claim, "
    "request, until) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_SELECT_TOMBSTONE] =
    "SELECT reason, sender_claim, recipient_claim, request FROM tombstone "
    "WHERE key = ?1 AND until > ?2",
  /* The sweep takes expired content from the front of its table: ?1 is
   * the first slot of the second after `now`. The first statement finds a
   * batch and its last slot, the second removes the rows up to it. */
  [STMT_SELECT_EXPIRED] =
    "SELECT id, slot FROM content WHERE slot < ?1 ORDER BY slot LIMIT ?2",
  [STMT_DELETE_EXPIRED] = "DELETE FROM content WHERE slot <= ?1",
  /* Access rows whose mailbox expired a tombstone's time ago (?1 is the
   * first slot after that), also from the front. */
  [STMT_DELETE_OLD_MAILBOXES] =
    "DELETE FROM mailbox WHERE slot <= (SELECT max (slot) FROM "
    "(SELECT slot FROM mailbox WHERE slot < ?1 ORDER BY slot LIMIT ?2))",
  [STMT_DELETE_OLD_TOMBSTONES] =
    "DELETE FROM tombstone WHERE key IN "
    "(SELECT key FROM tombstone WHERE until <= ?1 LIMIT ?2)",
};

static const char schema_v1[] =
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value BLOB NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE mailbox ("
  "  id TEXT PRIMARY KEY,"
  "  sender_claim BLOB NOT NULL,"
  "  recipient_claim BLOB,"
  "  bind_verifier BLOB,"
  "  payload_type TEXT NOT NULL,"
  "  payload_data TEXT NOT NULL,"
  "  payload_etag TEXT NOT NULL,"
  "  sender_type TEXT,"
  "  sender_data TEXT,"
  "  sender_etag TEXT,"
  "  title TEXT NOT NULL,"
  "  description TEXT,"
  "  image_url TEXT,"
  "  rights INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  epoch INTEGER NOT NULL,"
  "  relinquishes INTEGER NOT NULL,"
  "  relinquish_allowed INTEGER NOT NULL,"
  "  create_request BLOB,"
  "  sender_request BLOB,"
  "  recipient_request BLOB"
  ");"
  "CREATE INDEX mailbox_by_expiry ON mailbox (expires_at);"
  "CREATE UNIQUE INDEX mailbox_by_create_request ON mailbox (create_request)"
  "  WHERE create_request IS NOT NULL;"
  "CREATE TABLE tombstone ("
  "  key BLOB PRIMARY KEY,"
  "  reason INTEGER NOT NULL,"
  "  sender_claim BLOB NOT NULL,"
  "  recipient_claim BLOB,"
  "  request BLOB,"
  "  until INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX tombstone_by_until ON tombstone (until);";

/* Version 2: see the comment on MAILBOX_COLUMNS. Moving version 1's rows
 * needs the relay_tombstone_key () function (for the mailbox keys), so it
 * runs once the relay secret is loaded. The tombstone table is unchanged. */
static const char schema_v2[] =
  "CREATE TABLE content ("
  "  slot INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL,"
  "  payload_type TEXT NOT NULL,"
  "  payload_data TEXT NOT NULL,"
  "  payload_etag TEXT NOT NULL,"
  "  sender_type TEXT,"
  "  sender_data TEXT,"
  "  sender_etag TEXT,"
  "  title TEXT NOT NULL,"
  "  description TEXT,"
  "  image_url TEXT"
  ");"
  "CREATE TABLE mailbox_v2 ("
  "  slot INTEGER PRIMARY KEY,"
  "  key BLOB NOT NULL,"
  "  sender_claim BLOB NOT NULL,"
  "  recipient_claim BLOB,"
  "  bind_verifier BLOB,"
  "  rights INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  epoch INTEGER NOT NULL,"
  "  relinquishes INTEGER NOT NULL,"
  "  relinquish_allowed INTEGER NOT NULL,"
  "  create_request BLOB,"
  "  sender_request BLOB,"
  "  recipient_request BLOB"
  ");"
  "CREATE TEMP TABLE v1_slot AS SELECT rowid AS old_rowid,"
  "  (expires_at << " SLOT_BITS_TEXT ") + row_number () OVER "
  "  (PARTITION BY expires_at ORDER BY rowid) - 1 AS slot FROM mailbox;"
  "INSERT INTO content (slot, id, payload_type, payload_data, payload_etag, sender_type,"
  "  sender_data, sender_etag, title, description, image_url)"
  "  SELECT s.slot, m.id, m.payload_type, m.payload_data, m.payload_etag, m.sender_type,"
  "  m.sender_data, m.sender_etag, m.title, m.description, m.image_url"
  "  FROM mailbox m JOIN v1_slot s ON s.old_rowid = m.rowid ORDER BY s.slot;"
  "INSERT INTO mailbox_v2 (slot, key, sender_claim, recipient_claim, bind_verifier, rights,"
  "  expires_at, epoch, relinquishes, relinquish_allowed, create_request, sender_request,"
  "  recipient_request)"
  "  SELECT s.slot, relay_tombstone_key (m.id), m.sender_claim, m.recipient_claim,"
  "  m.bind_verifier, m.rights, m.expires_at, m.epoch, m.relinquishes,"
  "  m.relinquish_allowed, m.create_request, m.sender_request, m.recipient_request"
  "  FROM mailbox m JOIN v1_slot s ON s.old_rowid = m.rowid ORDER BY s.slot;"
  "DROP TABLE v1_slot;"
  "DROP TABLE mailbox;"
  "ALTER TABLE mailbox_v2 RENAME TO mailbox;"
  "CREATE UNIQUE INDEX mailbox_by_key ON mailbox (key);"
  "CREATE UNIQUE INDEX mailbox_by_create_request ON mailbox (create_request)"
  "  WHERE create_request IS NOT NULL;";

/* Migrations, index i takes the schema from version i to i + 1. A new
 * database goes through all of them (they are quick on empty tables). */
static const char *const migrations[RELAY_STORE_SQLITE_SCHEMA_VERSION] = {
  schema_v1,
  schema_v2,
};

typedef struct {
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
} Connection;

struct _RelayStoreSqlite
{
  GObject               parent_instance;

  char                 *path;
  GAsyncQueue          *idle_connections;
  guint8                relay_secret[RELAY_SECRET_SIZE];
  /* Mailboxes in the last committed state (atomic; read by count_live),
   * and the change the leader's open transaction has made to it so far
   * (leader only): create checks the cap against their sum, so the
   * creates of one group commit count each other. */
  gssize                live_count;
  gssize                batch_live_delta;

  RelayStoreChangeFunc  change_func;
  gpointer              change_data;

  /* Group commit: writes queue here and one thread at a time (the leader)
   * applies everything queued in one transaction with one sync. Writes that
   * nobody waits for in place (relay_store_create_async) are led by the
   * committer thread, woken by `writes_queued`. */
  GMutex                write_lock;
  GCond                 write_done;
  GCond                 writes_queued;
  GQueue                pending_writes;
  gboolean              leading;
  GThread              *committer;
  gboolean              closing_writes;

  /* Checkpoints (copying the journal into the database file, with a sync)
   * run on a thread of their own instead of inside a writer's commit, so
   * no write waits for one. It has a connection of its own. */
  GThread              *checkpointer;
  Connection           *checkpoint_conn;
  GMutex                checkpoint_lock;
  GCond                 checkpoint_wanted;
  gboolean              checkpoint_due;
  gint                  wal_pages;   /* atomic: the journal's length at the last commit */
  gboolean              closing;
};

static void relay_store_sqlite_iface_init (RelayStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RelayStoreSqlite, relay_store_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RELAY_TYPE_STORE,
                                                      relay_store_sqlite_iface_init))

/* ------------------------------------------------------------------------ */
/* Connections                                                              */
/* ------------------------------------------------------------------------ */

static gboolean
set_sqlite_error (sqlite3     *db,
                  const char  *doing,
                  GError     **error)
{
  /* SQLite's messages name tables and constraints, never bound values, so
   * they carry no claim hash or payload. */
  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_FAILED,
               "The relay database failed while %s: %s", doing,
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static void
connection_free (Connection *conn)
{
  if (conn == NULL)
    return;

  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (conn->stmts[i]);
  sqlite3_close (conn->db);
  g_free (conn);
}

static gboolean
connection_exec (Connection  *conn,
                 const char  *sql,
                 const char  *doing,
                 GError     **error)
{
  if (sqlite3_exec (conn->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (conn->db, doing, error);
  return TRUE;
}

static void
set_in_use_error (const char  *path,
                  GError     **error)
{
  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_UNAVAILABLE,
               "Another process is using %s (another tigress-relay?). One SQLite file "
               "serves one relay: stop the other one, or give this one a file of its own "
               "with --storage.", path);
}

/* @busy_timeout_ms 0: a lock held elsewhere fails at once, and is reported
 * as the file being in use by another process. */
static Connection *
connection_open_waiting (const char  *path,
                         int          busy_timeout_ms,
                         GError     **error)
{
  Connection *conn = g_new0 (Connection, 1);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  /* unix-excl: this process alone may open the file (one SQLite file
   * serves one relay), so SQLite keeps its locks and the WAL index in
   * this process's memory instead of taking file locks on every read. */
  if (sqlite3_open_v2 (path, &conn->db, flags, "unix-excl") != SQLITE_OK)
    {
      set_sqlite_error (conn->db, "opening the database file", error);
      connection_free (conn);
      return NULL;
    }

  sqlite3_busy_timeout (conn->db, busy_timeout_ms);
  /* FULL: a commit is on disk before we answer 200, so an acknowledged
   * mailbox survives kill -9 and power loss alike. */
  if (!connection_exec (conn, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                        "PRAGMA foreign_keys = OFF; PRAGMA secure_delete = FAST;"
                        "PRAGMA cache_size = -16384;",
                        "setting up the connection", error))
    {
      if (busy_timeout_ms == 0 && sqlite3_errcode (conn->db) == SQLITE_BUSY)
        {
          g_clear_error (error);
          set_in_use_error (path, error);
        }
      connection_free (conn);
      return NULL;
    }

  sqlite3_busy_timeout (conn->db, BUSY_TIMEOUT_MS);
  return conn;
}

static Connection *
connection_open (const char  *path,
                 GError     **error)
{
  return connection_open_waiting (path, BUSY_TIMEOUT_MS, error);
}

/* relay_tombstone_key (id): the HMAC of a mailbox id under the relay
 * secret (a mailbox's key), for the migration to schema 2, which computes
 * the keys of all the mailboxes it moves in one statement. */
static void
sql_tombstone_key (sqlite3_context  *context,
                   int               argc,
                   sqlite3_value   **argv)
{
  RelayStoreSqlite *self = sqlite3_user_data (context);
  const char *mailbox_id = (const char *) sqlite3_value_text (argv[0]);
  guint8 key[RELAY_HASH_SIZE];

  if (mailbox_id == NULL)
    {
      sqlite3_result_null (context);
      return;
    }
  relay_tombstone_key (self->relay_secret, sizeof self->relay_secret, mailbox_id, key);
  sqlite3_result_blob (context, key, sizeof key, SQLITE_TRANSIENT);
}

/* Replaces SQLite's automatic checkpoint on every writing connection. */
static int
on_wal_commit (void       *user_data,
               sqlite3    *db,
               const char *database_name,
               int         wal_pages)
{
  RelayStoreSqlite *self = user_data;

  g_atomic_int_set (&self->wal_pages, wal_pages);
  if (wal_pages >= CHECKPOINT_PAGES)
    {
      g_mutex_lock (&self->checkpoint_lock);
      self->checkpoint_due = TRUE;
      g_cond_signal (&self->checkpoint_wanted);
      g_mutex_unlock (&self->checkpoint_lock);
    }
  return SQLITE_OK;
}

/* PASSIVE never blocks writers or readers; what it cannot copy now (pages
 * a reader still sees) goes in the next round. BUSY only means that the
 * other checkpointing side (the checkpointer or the leader) is at it. */
static void
run_checkpoint (sqlite3 *db)
{
  int rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    g_warning ("Copying the relay database's journal into it failed, will retry: %s",
               sqlite3_errmsg (db));
}

static gpointer
checkpoint_loop (gpointer data)
{
  RelayStoreSqlite *self = data;
  sqlite3 *db = self->checkpoint_conn->db;

  g_mutex_lock (&self->checkpoint_lock);
  while (!self->closing)
    {
      if (!self->checkpoint_due)
        {
          g_cond_wait (&self->checkpoint_wanted, &self->checkpoint_lock);
          continue;
        }
      self->checkpoint_due = FALSE;
      g_mutex_unlock (&self->checkpoint_lock);

      run_checkpoint (db);
      g_mutex_lock (&self->checkpoint_lock);
    }
  g_mutex_unlock (&self->checkpoint_lock);
  return NULL;
}

static gboolean
register_functions (RelayStoreSqlite  *self,
                    Connection        *conn,
                    GError           **error)
{
  if (sqlite3_create_function_v2 (conn->db, "relay_tombstone_key", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC, self,
                                  sql_tombstone_key, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (conn->db, "registering its functions", error);
  return TRUE;
}

static gboolean
connection_prepare (RelayStoreSqlite  *self,
                    Connection        *conn,
                    GError           **error)
{
  sqlite3_wal_hook (conn->db, on_wal_commit, self);
  if (!register_functions (self, conn, error))
    return FALSE;

  for (guint i = 0; i < N_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (conn->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                              &conn->stmts[i], NULL) != SQLITE_OK)
        return set_sqlite_error (conn->db, "preparing its queries", error);
    }
  return TRUE;
}

static Connection *
acquire_connection (RelayStoreSqlite  *self,
                    GError           **error)
{
  Connection *conn = g_async_queue_try_pop (self->idle_connections);

  if (conn != NULL)
    return conn;

  conn = connection_open (self->path, error);
  if (conn != NULL && !connection_prepare (self, conn, error))
    g_clear_pointer (&conn, connection_free);
  return conn;
}

static void
release_connection (RelayStoreSqlite *self,
                    Connection       *conn)
{
  if (conn != NULL)
    g_async_queue_push (self->idle_connections, conn);
}

static sqlite3_stmt *
stmt (Connection *conn,
      StmtId      id)
{
  sqlite3_stmt *statement = conn->stmts[id];

  sqlite3_reset (statement);
  sqlite3_clear_bindings (statement);
  return statement;
}

/* Runs a statement that returns no rows. */
static gboolean
run (Connection    *conn,
     sqlite3_stmt  *statement,
     const char    *doing,
     GError       **error)
{
  int rc = sqlite3_step (statement);

  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, doing, error);
  return TRUE;
}

static gboolean
begin (Connection  *conn,
       GError     **error)
{
  return run (conn, stmt (conn, STMT_BEGIN), "starting a transaction", error);
}

static gboolean
commit (Connection  *conn,
        GError     **error)
{
  if (run (conn, stmt (conn, STMT_COMMIT), "committing", error))
    return TRUE;

  run (conn, stmt (conn, STMT_ROLLBACK), "rolling back", NULL);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

static void
bind_hash (sqlite3_stmt *statement,
           int           index,
           gboolean      present,
           const guint8 *hash)
{
  if (present)
    sqlite3_bind_blob (statement, index, hash, RELAY_HASH_SIZE, SQLITE_STATIC);
  else
    sqlite3_bind_null (statement, index);
}

static gboolean
column_hash (sqlite3_stmt *statement,
             int           column,
             guint8       *hash_out)
{
  if (sqlite3_column_type (statement, column) != SQLITE_BLOB ||
      sqlite3_column_bytes (statement, column) != RELAY_HASH_SIZE)
    return FALSE;

  memcpy (hash_out, sqlite3_column_blob (statement, column), RELAY_HASH_SIZE);
  return TRUE;
}

static char *
column_text (sqlite3_stmt *statement,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

static void
column_payload (sqlite3_stmt *statement,
                int           first_column,
                RelayPayload *payload)
{
  const char *etag = (const char *) sqlite3_column_text (statement, first_column + 2);

  payload->type = column_text (statement, first_column);
  payload->data = column_text (statement, first_column + 1);
  g_strlcpy (payload->etag, etag != NULL ? etag : "", sizeof payload->etag);
}

static RelayMailbox *
mailbox_from_row (sqlite3_stmt *row)
{
  RelayMailbox *mailbox = g_new0 (RelayMailbox, 1);
  const char *mailbox_id = (const char *) sqlite3_column_text (row, COL_ID);

  /* No id means the sweep took the content: the mailbox expired, and only
   * what its tombstone needs is left. */
  if (mailbox_id != NULL)
    g_strlcpy (mailbox->mailbox_id, mailbox_id, sizeof mailbox->mailbox_id);
  column_hash (row, COL_SENDER_CLAIM, mailbox->sender_claim_hash);
  mailbox->has_recipient = column_hash (row, COL_RECIPIENT_CLAIM,
                                        mailbox->recipient_claim_hash);
  mailbox->has_bind_verifier = column_hash (row, COL_BIND_VERIFIER,
                                            mailbox->bind_verifier);
  column_payload (row, COL_PAYLOAD_TYPE, &mailbox->payload);
  if (sqlite3_column_type (row, COL_SENDER_TYPE) == SQLITE_NULL)
    relay_payload_copy (&mailbox->sender_payload, &mailbox->payload);
  else
    column_payload (row, COL_SENDER_TYPE, &mailbox->sender_payload);
  mailbox->title = column_text (row, COL_TITLE);
  mailbox->description = column_text (row, COL_DESCRIPTION);
  mailbox->image_url = column_text (row, COL_IMAGE_URL);
  mailbox->recipient_rights = sqlite3_column_int (row, COL_RIGHTS);
  mailbox->expires_at = sqlite3_column_int64 (row, COL_EXPIRES_AT);
  mailbox->binding_epoch = sqlite3_column_int (row, COL_EPOCH);
  mailbox->relinquish_count = sqlite3_column_int (row, COL_RELINQUISHES);
  mailbox->relinquish_allowed = sqlite3_column_int (row, COL_RELINQUISH_ALLOWED);
  mailbox->has_create_request = column_hash (row, COL_CREATE_REQUEST,
                                             mailbox->create_request_key);
  mailbox->has_sender_request = column_hash (row, COL_SENDER_REQUEST,
                                             mailbox->sender_request_key);
  mailbox->has_recipient_request = column_hash (row, COL_RECIPIENT_REQUEST,
                                                mailbox->recipient_request_key);
  return mailbox;
}

/* The key of a mailbox's rows in `mailbox` and `tombstone`. */
static void
mailbox_key (RelayStoreSqlite *self,
             const char       *mailbox_id,
             guint8            key[RELAY_HASH_SIZE])
{
  relay_tombstone_key (self->relay_secret, sizeof self->relay_secret, mailbox_id, key);
}

/* TRUE if the sweep has taken the mailbox's content (it has expired). */
static gboolean
content_is_gone (const RelayMailbox *mailbox)
{
  return mailbox->payload.data == NULL;
}

/* Loads one mailbox by its key (STMT_SELECT_MAILBOX) or by its create
 * request key (STMT_SELECT_BY_CREATE); NULL if none. */
static gboolean
load_mailbox (Connection    *conn,
              StmtId         query,
              const guint8  *key,
              RelayMailbox **mailbox_out,
              GError       **error)
{
  sqlite3_stmt *statement = stmt (conn, query);
  int rc;

  sqlite3_bind_blob (statement, 1, key, RELAY_HASH_SIZE, SQLITE_STATIC);
  rc = sqlite3_step (statement);
  *mailbox_out = rc == SQLITE_ROW ? mailbox_from_row (statement) : NULL;
  sqlite3_reset (statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, "reading a mailbox", error);
  return TRUE;
}

typedef struct {
  gboolean        found;
  RelayEndReason  reason;
  guint8          sender_claim_hash[RELAY_HASH_SIZE];
  gboolean        has_recipient;
  guint8          recipient_claim_hash[RELAY_HASH_SIZE];
  gboolean        has_request;
  guint8          request_key[RELAY_HASH_SIZE];
} Tombstone;

static gboolean
load_tombstone (RelayStoreSqlite *self,
                Connection       *conn,
                const char       *mailbox_id,
                gint64            now,
                Tombstone        *tombstone,
                GError          **error)
{
  guint8 key[RELAY_HASH_SIZE];
  sqlite3_stmt *statement = stmt (conn, STMT_SELECT_TOMBSTONE);
  int rc;

  memset (tombstone, 0, sizeof *tombstone);
  relay_tombstone_key (self->relay_secret, sizeof self->relay_secret, mailbox_id, key);
  sqlite3_bind_blob (statement, 1, key, sizeof key, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, now);

  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    {
      tombstone->found = TRUE;
      tombstone->reason = sqlite3_column_int (statement, 0);
      column_hash (statement, 1, tombstone->sender_claim_hash);
      tombstone->has_recipient = column_hash (statement, 2, tombstone->recipient_claim_hash);
      tombstone->has_request = column_hash (statement, 3, tombstone->request_key);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, "reading a tombstone", error);
  return TRUE;
}

static gboolean
write_tombstone (RelayStoreSqlite   *self,
                 Connection         *conn,
                 const char         *mailbox_id,
                 RelayEndReason      reason,
                 const guint8       *sender_claim_hash,
                 const guint8       *recipient_claim_hash,
                 const guint8       *request_key,
                 gint64              until,
                 GError            **error)
{
  guint8 key[RELAY_HASH_SIZE];
  sqlite3_stmt *statement = stmt (conn, STMT_INSERT_TOMBSTONE);

  relay_tombstone_key (self->relay_secret, sizeof self->relay_secret, mailbox_id, key);
  sqlite3_bind_blob (statement, 1, key, sizeof key, SQLITE_TRANSIENT);
  sqlite3_bind_int (statement, 2, reason);
  bind_hash (statement, 3, TRUE, sender_claim_hash);
  bind_hash (statement, 4, recipient_claim_hash != NULL, recipient_claim_hash);
  bind_hash (statement, 5, request_key != NULL, request_key);
  sqlite3_bind_int64 (statement, 6, until);
  return run (conn, statement, "writing a tombstone", error);
}

/* ------------------------------------------------------------------------ */
/* Finding a mailbox (the rules themselves are in relay-store-rules.c)     */
/* ------------------------------------------------------------------------ */

/* The answer for a mailbox with no row: a deleted one's tombstone, or
 * nothing at all. */
static gboolean
settle_missing (RelayStoreSqlite   *self,
                Connection         *conn,
                const RelayAccess  *access,
                gboolean            check_repeat,
                RelayOutcome       *outcome,
                GError            **error)
{
  Tombstone tombstone;

  if (!load_tombstone (self, conn, access->mailbox_id, access->now, &tombstone, error))
    return FALSE;

  if (check_repeat && tombstone.found && access->has_request_key &&
      tombstone.has_request && relay_hash_equal (access->request_key, tombstone.request_key))
    outcome->status = RELAY_STORE_REPEATED;
  else if (tombstone.found)
    relay_rules_settle_ended (access, tombstone.reason, tombstone.sender_claim_hash,
                  tombstone.has_recipient ? tombstone.recipient_claim_hash : NULL, outcome);
  else
    outcome->status = RELAY_STORE_NOT_FOUND;
  return TRUE;
}

static gboolean
find_live (RelayStoreSqlite   *self,
           Connection         *conn,
           const RelayAccess  *access,
           gboolean            check_repeat,
           RelayMailbox      **mailbox_out,
           RelayOutcome       *outcome,
           GError            **error)
{
  g_autoptr(RelayMailbox) mailbox = NULL;
  guint8 key[RELAY_HASH_SIZE];

  *mailbox_out = NULL;
  mailbox_key (self, access->mailbox_id, key);
  if (!load_mailbox (conn, STMT_SELECT_MAILBOX, key, &mailbox, error))
    return FALSE;

  /* An expired mailbox's row is its tombstone until the sweep removes it;
   * past the tombstone's time it answers as if the sweep had. */
  if (mailbox == NULL || mailbox->expires_at + RELAY_TOMBSTONE_SECONDS <= access->now)
    return settle_missing (self, conn, access, check_repeat, outcome, error);

  g_strlcpy (mailbox->mailbox_id, access->mailbox_id, sizeof mailbox->mailbox_id);
  if (mailbox->expires_at <= access->now || content_is_gone (mailbox))
    relay_rules_settle_ended (access, RELAY_END_EXPIRED, mailbox->sender_claim_hash,
                  mailbox->has_recipient ? mailbox->recipient_claim_hash : NULL, outcome);
  else if (check_repeat && relay_rules_is_repeat (access, mailbox))
    {
      outcome->status = RELAY_STORE_REPEATED;
      outcome->role = relay_rules_role_of (mailbox, access->claim_hash);
      outcome->mailbox = g_steal_pointer (&mailbox);
    }
  else
    *mailbox_out = g_steal_pointer (&mailbox);
  return TRUE;
}

static void
notify_change (RelayStoreSqlite *self,
               const char       *mailbox_id,
               const char       *etag)
{
  if (self->change_func != NULL)
    self->change_func (mailbox_id, etag, self->change_data);
}

/* ------------------------------------------------------------------------ */
/* Group commit                                                             */
/* ------------------------------------------------------------------------ */

/* One write, applied inside the leader's transaction. */
typedef gboolean (*WriteFunc) (RelayStoreSqlite  *self,
                               Connection        *conn,
                               gpointer           data,
                               GError           **error);

typedef struct _PendingWrite PendingWrite;

struct _PendingWrite
{
  WriteFunc  func;
  gpointer   data;
  gboolean   done;
  GError    *error;
  /* Set on a write that nobody waits for in place: the leader calls it,
   * without write_lock, once the write's batch is durable, and it owns the
   * write from then on. */
  void     (*settle) (PendingWrite *write);
};

static void
fail_batch (GPtrArray    *batch,
            const GError *error)
{
  for (guint i = 0; i < batch->len; i++)
    {
      PendingWrite *write = g_ptr_array_index (batch, i);

      if (write->error == NULL)
        write->error = g_error_copy (error);
    }
}

/* Each write runs in a savepoint of its own, so a write that fails leaves
 * no trace and the others in the batch still commit. */
static void
apply_write (RelayStoreSqlite *self,
             Connection       *conn,
             PendingWrite     *write)
{
  gssize live_delta_before = self->batch_live_delta;

  if (!run (conn, stmt (conn, STMT_SAVEPOINT), "starting a write", &write->error))
    return;
  if (!write->func (self, conn, write->data, &write->error))
    {
      run (conn, stmt (conn, STMT_ROLLBACK_TO), "undoing a write", NULL);
      self->batch_live_delta = live_delta_before;
    }
  run (conn, stmt (conn, STMT_RELEASE), "finishing a write", NULL);
}

/*
 * The checkpointer copies the journal while writers keep appending to it,
 * so under a steady stream of writes it never catches up with the end, and
 * SQLite only starts the journal over once a checkpoint has reached its
 * end. When the journal grows long, the leader (the only writer, so nothing
 * is appended meanwhile) copies the little the checkpointer has left.
 */
static void
finish_checkpoint (Connection *conn)
{
  run_checkpoint (conn->db);
}

static void
commit_batch (RelayStoreSqlite *self,
              GPtrArray        *batch)
{
  g_autoptr(GError) error = NULL;
  Connection *conn = acquire_connection (self, &error);

  if (conn == NULL || !begin (conn, &error))
    {
      fail_batch (batch, error);
      release_connection (self, conn);
      return;
    }

  self->batch_live_delta = 0;
  for (guint i = 0; i < batch->len; i++)
    apply_write (self, conn, g_ptr_array_index (batch, i));
  if (commit (conn, &error))
    g_atomic_pointer_add (&self->live_count, self->batch_live_delta);
  else
    fail_batch (batch, error);
  if (g_atomic_int_get (&self->wal_pages) >= WAL_RESTART_PAGES)
    finish_checkpoint (conn);
  release_connection (self, conn);
}

/* Called by the leader with write_lock held; drops it while working. */
static void
lead_one_batch (RelayStoreSqlite *self)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  g_autoptr(GPtrArray) unwatched = g_ptr_array_new ();

  while (batch->len < MAX_GROUP_COMMIT && !g_queue_is_empty (&self->pending_writes))
    g_ptr_array_add (batch, g_queue_pop_head (&self->pending_writes));

  g_mutex_unlock (&self->write_lock);
  commit_batch (self, batch);
  g_mutex_lock (&self->write_lock);

  /* A waiting thread may free its write as soon as it sees it done, so
   * the unwatched ones are picked out first. */
  for (guint i = 0; i < batch->len; i++)
    {
      PendingWrite *write = g_ptr_array_index (batch, i);

      if (write->settle != NULL)
        g_ptr_array_add (unwatched, write);
      else
        write->done = TRUE;
    }
  g_cond_broadcast (&self->write_done);
  if (unwatched->len == 0)
    return;

  g_mutex_unlock (&self->write_lock);
  for (guint i = 0; i < unwatched->len; i++)
    {
      PendingWrite *write = g_ptr_array_index (unwatched, i);

      write->settle (write);
    }
  g_mutex_lock (&self->write_lock);
}

/* The leader steps down (write_lock held): a thread whose write is still
 * queued leads next, or the committer when only unwatched writes are. */
static void
hand_over (RelayStoreSqlite *self)
{
  self->leading = FALSE;
  g_cond_broadcast (&self->write_done);
  if (!g_queue_is_empty (&self->pending_writes))
    g_cond_signal (&self->writes_queued);
}

/* The committer thread: leads the batches of unwatched writes whenever
 * no thread that waits for its own write leads already. */
static gpointer
commit_loop (gpointer data)
{
  RelayStoreSqlite *self = data;

  g_mutex_lock (&self->write_lock);
  for (;;)
    {
      gboolean idle = g_queue_is_empty (&self->pending_writes);

      if (idle && self->closing_writes && !self->leading)
        break;
      if (idle || self->leading)
        {
          g_cond_wait (&self->writes_queued, &self->write_lock);
          continue;
        }

      self->leading = TRUE;
      while (!g_queue_is_empty (&self->pending_writes))
        lead_one_batch (self);
      hand_over (self);
    }
  g_mutex_unlock (&self->write_lock);
  return NULL;
}

/* Queues a write that nobody waits for in place (its settle function
 * reports the end). */
static void
queue_unwatched_write (RelayStoreSqlite *self,
                       PendingWrite     *write)
{
  g_mutex_lock (&self->write_lock);
  g_queue_push_tail (&self->pending_writes, write);
  if (!self->leading)
    g_cond_signal (&self->writes_queued);
  g_mutex_unlock (&self->write_lock);
}

/*
 * Applies @func durably: returns once the transaction holding it has been
 * committed with a full sync. Writes that arrive while a commit is syncing
 * wait and are committed together by the next leader, so one sync serves
 * many writes; the writes never wait for each other inside SQLite's own
 * lock (which would sleep).
 */
static gboolean
write_durably (RelayStoreSqlite  *self,
               WriteFunc          func,
               gpointer           data,
               GError           **error)
{
  PendingWrite write = { func, data, FALSE, NULL, NULL };

  g_mutex_lock (&self->write_lock);
  g_queue_push_tail (&self->pending_writes, &write);
  while (!write.done)
    {
      if (self->leading)
        {
          g_cond_wait (&self->write_done, &self->write_lock);
          continue;
        }

      self->leading = TRUE;
      while (!write.done)
        lead_one_batch (self);
      hand_over (self);
    }
  g_mutex_unlock (&self->write_lock);

  if (write.error != NULL)
    {
      g_propagate_error (error, write.error);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Create                                                                   */
/* ------------------------------------------------------------------------ */

/* The next free slot of the mailbox's expiry second. */
static gboolean
next_slot (Connection  *conn,
           gint64       expires_at,
           gint64      *slot_out,
           GError     **error)
{
  sqlite3_stmt *statement = stmt (conn, STMT_LAST_SLOT);
  int rc;

  sqlite3_bind_int64 (statement, 1, expires_at);
  rc = sqlite3_step (statement);
  *slot_out = rc == SQLITE_ROW ? sqlite3_column_int64 (statement, 0) + 1
                               : expires_at << SLOT_BITS;
  sqlite3_reset (statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, "finding room for a mailbox", error);
  return TRUE;
}

static gboolean
insert_content (Connection          *conn,
                gint64               slot,
                const RelayMailbox  *mailbox,
                GError             **error)
{
  sqlite3_stmt *statement = stmt (conn, STMT_INSERT_CONTENT);

  sqlite3_bind_int64 (statement, 1, slot);
  sqlite3_bind_text (statement, 2, mailbox->mailbox_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 3, mailbox->payload.type, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 4, mailbox->payload.data, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 5, mailbox->payload.etag, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 6, mailbox->title, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 7, mailbox->description, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 8, mailbox->image_url, -1, SQLITE_STATIC);
  return run (conn, statement, "storing a mailbox's content", error);
}

static gboolean
insert_mailbox (RelayStoreSqlite    *self,
                Connection          *conn,
                const RelayMailbox  *mailbox,
                GError             **error)
{
  sqlite3_stmt *statement = stmt (conn, STMT_INSERT_MAILBOX);
  guint8 key[RELAY_HASH_SIZE];
  gint64 slot;

  if (!next_slot (conn, mailbox->expires_at, &slot, error))
    return FALSE;

  mailbox_key (self, mailbox->mailbox_id, key);
  sqlite3_bind_int64 (statement, 1, slot);
  bind_hash (statement, 2, TRUE, key);
  bind_hash (statement, 3, TRUE, mailbox->sender_claim_hash);
  bind_hash (statement, 4, mailbox->has_bind_verifier, mailbox->bind_verifier);
  sqlite3_bind_int (statement, 5, mailbox->recipient_rights);
  sqlite3_bind_int64 (statement, 6, mailbox->expires_at);
  sqlite3_bind_int (statement, 7, mailbox->relinquish_allowed ? 1 : 0);
  bind_hash (statement, 8, mailbox->has_create_request, mailbox->create_request_key);
  return run (conn, statement, "creating a mailbox", error) &&
         insert_content (conn, slot, mailbox, error);
}

static gboolean
create_in_transaction (RelayStoreSqlite    *self,
                       Connection          *conn,
                       const RelayMailbox  *mailbox,
                       guint                max_live,
                       gint64               now,
                       RelayOutcome        *outcome,
                       GError             **error)
{
  g_autoptr(RelayMailbox) existing = NULL;

  if (mailbox->has_create_request &&
      !load_mailbox (conn, STMT_SELECT_BY_CREATE, mailbox->create_request_key, &existing,
                     error))
    return FALSE;

  if (existing != NULL && existing->expires_at > now)
    {
      outcome->status = RELAY_STORE_REPEATED;
      outcome->role = RELAY_ROLE_SENDER;
      outcome->mailbox = g_steal_pointer (&existing);
      return TRUE;
    }
  if (existing != NULL)
    {
      /* The old mailbox with this key has expired: its key may be reused
       * (the old one stays, as its own tombstone, until swept). */
      sqlite3_stmt *statement = stmt (conn, STMT_FORGET_CREATE);

      bind_hash (statement, 1, TRUE, mailbox->create_request_key);
      if (!run (conn, statement, "reusing a request key", error))
        return FALSE;
    }

  if (max_live > 0 &&
      g_atomic_pointer_get (&self->live_count) + self->batch_live_delta >= (gssize) max_live)
    {
      outcome->status = RELAY_STORE_FULL;
      return TRUE;
    }

  if (!insert_mailbox (self, conn, mailbox, error))
    return FALSE;
  self->batch_live_delta++;
  outcome->status = RELAY_STORE_OK;
  outcome->role = RELAY_ROLE_SENDER;
  return TRUE;
}

typedef struct {
  const RelayMailbox *mailbox;
  guint               max_live;
  gint64              now;
  RelayOutcome       *outcome;
} CreateWrite;

static gboolean
create_write (RelayStoreSqlite  *self,
              Connection        *conn,
              gpointer           data,
              GError           **error)
{
  CreateWrite *create = data;

  return create_in_transaction (self, conn, create->mailbox, create->max_live, create->now,
                                create->outcome, error);
}

static gboolean
relay_store_sqlite_create (RelayStore          *store,
                           const RelayMailbox  *mailbox,
                           guint                max_live,
                           gint64               now,
                           RelayOutcome        *outcome,
                           GError             **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  CreateWrite create = { mailbox, max_live, now, outcome };

  relay_outcome_clear (outcome);
  if (!write_durably (self, create_write, &create, error))
    {
      relay_outcome_clear (outcome);
      return FALSE;
    }
  return TRUE;
}

/* A create queued by relay_store_create_async (), owning what it needs. */
typedef struct {
  PendingWrite          write;      /* first: the queue holds this */
  CreateWrite           create;
  RelayMailbox         *mailbox;
  RelayOutcome          outcome;
  RelayStoreCreateDone  done;
  gpointer              user_data;
} QueuedCreate;

static void
settle_queued_create (PendingWrite *write)
{
  QueuedCreate *queued = (QueuedCreate *) write;

  if (write->error != NULL)
    {
      relay_outcome_clear (&queued->outcome);
      queued->done (NULL, write->error, queued->user_data);
    }
  else
    queued->done (&queued->outcome, NULL, queued->user_data);

  g_clear_error (&write->error);
  relay_outcome_clear (&queued->outcome);
  relay_mailbox_free (queued->mailbox);
  g_free (queued);
}

/* The HTTP front end's creates: its worker threads go on serving while the
 * committer makes the create durable together with every other one queued
 * meanwhile, so one disk sync serves as many creates as arrive during the
 * one before, not just one per worker thread. */
static void
relay_store_sqlite_create_async (RelayStore          *store,
                                 RelayMailbox        *mailbox,
                                 guint                max_live,
                                 gint64               now,
                                 RelayStoreCreateDone done,
                                 gpointer             user_data)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  QueuedCreate *queued = g_new0 (QueuedCreate, 1);

  queued->mailbox = mailbox;
  queued->done = done;
  queued->user_data = user_data;
  relay_outcome_init (&queued->outcome);
  queued->create = (CreateWrite) { mailbox, max_live, now, &queued->outcome };
  queued->write = (PendingWrite) { create_write, &queued->create, FALSE, NULL,
                                   settle_queued_create };
  queue_unwatched_write (self, &queued->write);
}

/* ------------------------------------------------------------------------ */
/* Read                                                                     */
/* ------------------------------------------------------------------------ */

/* Tries to take the free recipient slot; FALSE in *bound_out if another
 * reader was first. */
typedef struct {
  const RelayAccess *access;
  gboolean          *bound;
} BindWrite;

static gboolean
bind_write (RelayStoreSqlite  *self,
            Connection        *conn,
            gpointer           data,
            GError           **error)
{
  BindWrite *bind = data;
  sqlite3_stmt *statement = stmt (conn, STMT_BIND);
  guint8 key[RELAY_HASH_SIZE];

  mailbox_key (self, bind->access->mailbox_id, key);
  bind_hash (statement, 1, TRUE, key);
  bind_hash (statement, 2, TRUE, bind->access->claim_hash);
  sqlite3_bind_int64 (statement, 3, bind->access->now);
  if (!run (conn, statement, "binding a mailbox", error))
    return FALSE;

  *bind->bound = sqlite3_changes (conn->db) == 1;
  return TRUE;
}

static gboolean
try_bind (RelayStoreSqlite   *self,
          const RelayAccess  *access,
          gboolean           *bound_out,
          GError            **error)
{
  BindWrite bind = { access, bound_out };

  *bound_out = FALSE;
  return write_durably (self, bind_write, &bind, error);
}

static gboolean
read_with_connection (RelayStoreSqlite   *self,
                      Connection         *conn,
                      const RelayAccess  *access,
                      const guint8       *bind_token_hash,
                      RelayOutcome       *outcome,
                      GError            **error)
{
  /* Two passes at most: a reader that loses the race to bind sees the
   * slot taken on its second look. */
  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(RelayMailbox) mailbox = NULL;
      gboolean want_bind, bound = FALSE;

      relay_outcome_clear (outcome);
      if (!find_live (self, conn, access, FALSE, &mailbox, outcome, error))
        return FALSE;
      if (mailbox == NULL)
        return TRUE;

      relay_rules_decide_read (access, bind_token_hash, mailbox, &want_bind, outcome);
      if (want_bind && !try_bind (self, access, &bound, error))
        return FALSE;
      if (want_bind && !bound)
        continue;

      if (bound)
        {
          mailbox->has_recipient = TRUE;
          memcpy (mailbox->recipient_claim_hash, access->claim_hash, RELAY_HASH_SIZE);
          mailbox->binding_epoch++;
          outcome->status = RELAY_STORE_OK;
          outcome->role = RELAY_ROLE_RECIPIENT;
          outcome->bound_now = TRUE;
        }
      if (outcome->status == RELAY_STORE_OK)
        outcome->mailbox = g_steal_pointer (&mailbox);
      return TRUE;
    }

  /* The slot was taken and freed again between our looks (a relinquish):
   * answer as if the other reader still held it. */
  outcome->status = RELAY_STORE_CLAIMED_BY_OTHER;
  return TRUE;
}

static gboolean
relay_store_sqlite_read (RelayStore         *store,
                         const RelayAccess  *access,
                         const guint8       *bind_token_hash,
                         RelayOutcome       *outcome,
                         GError            **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  Connection *conn = acquire_connection (self, error);
  gboolean ok;

  if (conn == NULL)
    return FALSE;

  ok = read_with_connection (self, conn, access, bind_token_hash, outcome, error);
  release_connection (self, conn);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Update, delete, relinquish: one write transaction each                  */
/* ------------------------------------------------------------------------ */

typedef gboolean (*WriteStep) (RelayStoreSqlite   *self,
                               Connection         *conn,
                               const RelayAccess  *access,
                               gconstpointer       input,
                               RelayMailbox       *mailbox,
                               RelayOutcome       *outcome,
                               GError            **error);

typedef struct {
  const char         *if_match;
  const RelayPayload *payload;
} UpdateInput;

static gboolean
update_step (RelayStoreSqlite   *self,
             Connection         *conn,
             const RelayAccess  *access,
             gconstpointer       input,
             RelayMailbox       *mailbox,
             RelayOutcome       *outcome,
             GError            **error)
{
  const UpdateInput *update = input;
  gboolean by_sender = outcome->role == RELAY_ROLE_SENDER;
  guint8 key[RELAY_HASH_SIZE];
  sqlite3_stmt *statement;

  outcome->status = relay_rules_check_update (mailbox, outcome->role, update->if_match);
  if (outcome->status != RELAY_STORE_OK)
    return TRUE;

  mailbox_key (self, access->mailbox_id, key);
  statement = stmt (conn, by_sender ? STMT_WRITE_AS_SENDER : STMT_WRITE_AS_RECIPIENT);
  bind_hash (statement, 1, TRUE, key);
  sqlite3_bind_text (statement, 2, update->payload->type, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 3, update->payload->data, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 4, update->payload->etag, -1, SQLITE_STATIC);
  if (!run (conn, statement, "updating a mailbox", error))
    return FALSE;
  statement = stmt (conn, by_sender ? STMT_NOTE_SENDER_REQUEST : STMT_NOTE_RECIPIENT_REQUEST);
  bind_hash (statement, 1, TRUE, key);
  bind_hash (statement, 2, access->has_request_key, access->request_key);
  if (!run (conn, statement, "updating a mailbox", error))
    return FALSE;

  relay_rules_apply_update (mailbox, outcome->role, update->payload);
  return TRUE;
}

static gboolean
delete_step (RelayStoreSqlite   *self,
             Connection         *conn,
             const RelayAccess  *access,
             gconstpointer       input,
             RelayMailbox       *mailbox,
             RelayOutcome       *outcome,
             GError            **error)
{
  guint8 key[RELAY_HASH_SIZE];
  sqlite3_stmt *statement;

  outcome->status = relay_rules_check_party (mailbox, outcome->role, RELAY_RIGHT_DELETE);
  if (outcome->status != RELAY_STORE_OK)
    return TRUE;

  if (!write_tombstone (self, conn, access->mailbox_id, RELAY_END_DELETED,
                        mailbox->sender_claim_hash,
                        mailbox->has_recipient ? mailbox->recipient_claim_hash : NULL,
                        access->has_request_key ? access->request_key : NULL,
                        access->now + RELAY_TOMBSTONE_SECONDS, error))
    return FALSE;

  /* Content first: its statement finds the slot through the other row. */
  mailbox_key (self, access->mailbox_id, key);
  statement = stmt (conn, STMT_DELETE_CONTENT);
  bind_hash (statement, 1, TRUE, key);
  if (!run (conn, statement, "deleting a mailbox", error))
    return FALSE;
  statement = stmt (conn, STMT_DELETE_MAILBOX);
  bind_hash (statement, 1, TRUE, key);
  if (!run (conn, statement, "deleting a mailbox", error))
    return FALSE;
  self->batch_live_delta--;
  return TRUE;
}

static gboolean
relinquish_step (RelayStoreSqlite   *self,
                 Connection         *conn,
                 const RelayAccess  *access,
                 gconstpointer       input,
                 RelayMailbox       *mailbox,
                 RelayOutcome       *outcome,
                 GError            **error)
{
  guint8 key[RELAY_HASH_SIZE];
  sqlite3_stmt *statement;

  outcome->status = relay_rules_relinquish_refusal (mailbox, outcome->role);
  if (outcome->status != RELAY_STORE_OK)
    return TRUE;

  mailbox_key (self, access->mailbox_id, key);
  statement = stmt (conn, STMT_RESTORE_CONTENT);
  bind_hash (statement, 1, TRUE, key);
  if (!run (conn, statement, "relinquishing a mailbox", error))
    return FALSE;
  statement = stmt (conn, STMT_RELINQUISH);
  bind_hash (statement, 1, TRUE, key);
  bind_hash (statement, 2, access->has_request_key, access->request_key);
  if (!run (conn, statement, "relinquishing a mailbox", error))
    return FALSE;

  outcome->status = RELAY_STORE_OK;
  mailbox->has_recipient = FALSE;
  mailbox->relinquish_count++;
  relay_payload_clear (&mailbox->payload);
  relay_payload_copy (&mailbox->payload, &mailbox->sender_payload);
  return TRUE;
}

static gboolean
write_in_transaction (RelayStoreSqlite   *self,
                      Connection         *conn,
                      const RelayAccess  *access,
                      WriteStep           step,
                      gconstpointer       input,
                      RelayOutcome       *outcome,
                      GError            **error)
{
  g_autoptr(RelayMailbox) mailbox = NULL;

  if (!find_live (self, conn, access, TRUE, &mailbox, outcome, error))
    return FALSE;
  if (mailbox == NULL)
    return TRUE;

  outcome->role = relay_rules_role_of (mailbox, access->claim_hash);
  if (!step (self, conn, access, input, mailbox, outcome, error))
    return FALSE;
  if (outcome->status == RELAY_STORE_OK)
    outcome->mailbox = g_steal_pointer (&mailbox);
  return TRUE;
}

typedef struct {
  const RelayAccess *access;
  WriteStep          step;
  gconstpointer      input;
  RelayOutcome      *outcome;
} MailboxWrite;

static gboolean
mailbox_write (RelayStoreSqlite  *self,
               Connection        *conn,
               gpointer           data,
               GError           **error)
{
  MailboxWrite *write = data;

  return write_in_transaction (self, conn, write->access, write->step, write->input,
                               write->outcome, error);
}

static gboolean
run_write (RelayStoreSqlite   *self,
           const RelayAccess  *access,
           WriteStep           step,
           gconstpointer       input,
           RelayOutcome       *outcome,
           GError            **error)
{
  MailboxWrite write = { access, step, input, outcome };

  relay_outcome_clear (outcome);
  if (write_durably (self, mailbox_write, &write, error))
    return TRUE;

  relay_outcome_clear (outcome);
  return FALSE;
}

static gboolean
relay_store_sqlite_update (RelayStore          *store,
                           const RelayAccess   *access,
                           const char          *if_match,
                           const RelayPayload  *payload,
                           RelayOutcome        *outcome,
                           GError             **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  UpdateInput input = { if_match, payload };

  if (!run_write (self, access, update_step, &input, outcome, error))
    return FALSE;
  if (outcome->status == RELAY_STORE_OK)
    notify_change (self, access->mailbox_id, payload->etag);
  return TRUE;
}

static gboolean
relay_store_sqlite_delete (RelayStore         *store,
                           const RelayAccess  *access,
                           RelayOutcome       *outcome,
                           GError            **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);

  if (!run_write (self, access, delete_step, NULL, outcome, error))
    return FALSE;
  if (outcome->status == RELAY_STORE_OK)
    {
      g_clear_pointer (&outcome->mailbox, relay_mailbox_free);
      notify_change (self, access->mailbox_id, NULL);
    }
  return TRUE;
}

static gboolean
relay_store_sqlite_relinquish (RelayStore         *store,
                               const RelayAccess  *access,
                               RelayOutcome       *outcome,
                               GError            **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);

  if (!run_write (self, access, relinquish_step, NULL, outcome, error))
    return FALSE;
  if (outcome->status == RELAY_STORE_OK)
    notify_change (self, access->mailbox_id, outcome->mailbox->payload.etag);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Peek, sweep, count                                                       */
/* ------------------------------------------------------------------------ */

static gboolean
relay_store_sqlite_peek (RelayStore    *store,
                         const char    *mailbox_id,
                         gint64         now,
                         RelayOutcome  *outcome,
                         GError       **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  g_autoptr(RelayMailbox) mailbox = NULL;
  Connection *conn = acquire_connection (self, error);
  guint8 key[RELAY_HASH_SIZE];
  gboolean ok;

  if (conn == NULL)
    return FALSE;

  relay_outcome_clear (outcome);
  mailbox_key (self, mailbox_id, key);
  ok = load_mailbox (conn, STMT_SELECT_MAILBOX, key, &mailbox, error);
  release_connection (self, conn);
  if (!ok)
    return FALSE;

  if (mailbox != NULL && mailbox->expires_at > now && !content_is_gone (mailbox))
    {
      outcome->status = RELAY_STORE_OK;
      outcome->mailbox = g_steal_pointer (&mailbox);
    }
  else
    outcome->status = RELAY_STORE_NOT_FOUND;
  return TRUE;
}

/* Removes the content of one batch of expired mailboxes, a range of rows
 * from the front of the table; their ids are appended to @swept_ids for
 * the change notifications. Their access rows stay as their tombstones. */
static gboolean
sweep_batch (RelayStoreSqlite  *self,
             Connection        *conn,
             gint64             now,
             guint              batch,
             GPtrArray         *swept_ids,
             GError           **error)
{
  sqlite3_stmt *expired = stmt (conn, STMT_SELECT_EXPIRED);
  sqlite3_stmt *removal;
  gint64 last_slot = 0;
  int rc;

  sqlite3_bind_int64 (expired, 1, (now + 1) << SLOT_BITS);
  sqlite3_bind_int (expired, 2, batch);
  while ((rc = sqlite3_step (expired)) == SQLITE_ROW)
    {
      g_ptr_array_add (swept_ids, column_text (expired, 0));
      last_slot = sqlite3_column_int64 (expired, 1);
    }
  sqlite3_reset (expired);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, "finding expired mailboxes", error);
  if (swept_ids->len == 0)
    return TRUE;

  removal = stmt (conn, STMT_DELETE_EXPIRED);
  sqlite3_bind_int64 (removal, 1, last_slot);
  if (!run (conn, removal, "removing expired mailboxes", error))
    return FALSE;
  self->batch_live_delta -= (gssize) swept_ids->len;
  return TRUE;
}

/* Tombstones whose time is over: access rows of mailboxes that expired
 * that long ago, and deleted mailboxes' tombstones. */
static gboolean
forget_old_tombstones (Connection  *conn,
                       gint64       now,
                       guint        batch,
                       GError     **error)
{
  sqlite3_stmt *statement = stmt (conn, STMT_DELETE_OLD_MAILBOXES);

  sqlite3_bind_int64 (statement, 1, (now - RELAY_TOMBSTONE_SECONDS + 1) << SLOT_BITS);
  sqlite3_bind_int (statement, 2, batch);
  if (!run (conn, statement, "removing old tombstones", error))
    return FALSE;

  statement = stmt (conn, STMT_DELETE_OLD_TOMBSTONES);
  sqlite3_bind_int64 (statement, 1, now);
  sqlite3_bind_int (statement, 2, batch);
  return run (conn, statement, "removing old tombstones", error);
}

typedef struct {
  gint64     now;
  guint      batch;
  GPtrArray *swept_ids;
} SweepWrite;

static gboolean
sweep_write (RelayStoreSqlite  *self,
             Connection        *conn,
             gpointer           data,
             GError           **error)
{
  SweepWrite *sweep = data;

  return sweep_batch (self, conn, sweep->now, sweep->batch, sweep->swept_ids, error) &&
         forget_old_tombstones (conn, sweep->now, sweep->batch, error);
}

static gboolean
relay_store_sqlite_sweep (RelayStore  *store,
                          gint64       now,
                          guint        batch,
                          guint       *swept_out,
                          GError     **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  g_autoptr(GPtrArray) swept_ids = g_ptr_array_new_with_free_func (g_free);
  SweepWrite sweep = { now, batch, swept_ids };
  gboolean ok = write_durably (self, sweep_write, &sweep, error);

  if (!ok)
    g_ptr_array_set_size (swept_ids, 0);
  for (guint i = 0; i < swept_ids->len; i++)
    notify_change (self, g_ptr_array_index (swept_ids, i), NULL);
  if (swept_out != NULL)
    *swept_out = swept_ids->len;
  return ok;
}

static gboolean
relay_store_sqlite_count_live (RelayStore  *store,
                               guint64     *count_out,
                               GError     **error)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);
  gssize count = g_atomic_pointer_get (&self->live_count);

  *count_out = count > 0 ? (guint64) count : 0;
  return TRUE;
}

static void
relay_store_sqlite_set_change_func (RelayStore           *store,
                                    RelayStoreChangeFunc  func,
                                    gpointer              user_data)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (store);

  self->change_func = func;
  self->change_data = user_data;
}

/* ------------------------------------------------------------------------ */
/* Opening: schema, migration, relay secret                                 */
/* ------------------------------------------------------------------------ */

static gboolean
query_int (Connection  *conn,
           const char  *sql,
           gint64      *value_out,
           GError     **error)
{
  sqlite3_stmt *statement = NULL;
  int rc;

  if (sqlite3_prepare_v2 (conn->db, sql, -1, &statement, NULL) != SQLITE_OK)
    return set_sqlite_error (conn->db, "reading its state", error);
  rc = sqlite3_step (statement);
  *value_out = rc == SQLITE_ROW ? sqlite3_column_int64 (statement, 0) : 0;
  sqlite3_finalize (statement);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (conn->db, "reading its state", error);
  return TRUE;
}

static gboolean
read_schema_version (Connection  *conn,
                     const char  *path,
                     gint64      *version_out,
                     GError     **error)
{
  if (!query_int (conn, "PRAGMA user_version", version_out, error))
    return FALSE;

  if (*version_out > RELAY_STORE_SQLITE_SCHEMA_VERSION)
    {
      g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_INCOMPATIBLE,
                   "The database %s was written by a newer relay (schema %" G_GINT64_FORMAT
                   ", this relay knows up to %d); upgrade this relay or use another file",
                   path, *version_out, RELAY_STORE_SQLITE_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* Runs the migrations from @from up to @to (nothing if @from >= @to). */
static gboolean
migrate (Connection  *conn,
         gint64       from,
         gint64       to,
         GError     **error)
{
  for (gint64 version = from; version < to; version++)
    {
      g_autofree char *set_version =
        g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);

      if (!connection_exec (conn, migrations[version], "upgrading its schema", error) ||
          !connection_exec (conn, set_version, "upgrading its schema", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_or_create_secret (RelayStoreSqlite  *self,
                       Connection        *conn,
                       GError           **error)
{
  sqlite3_stmt *statement = NULL;
  int rc;

  if (sqlite3_prepare_v2 (conn->db, "SELECT value FROM meta WHERE key = 'relay-secret'",
                          -1, &statement, NULL) != SQLITE_OK)
    return set_sqlite_error (conn->db, "reading the relay secret", error);
  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW && sqlite3_column_bytes (statement, 0) == RELAY_SECRET_SIZE)
    memcpy (self->relay_secret, sqlite3_column_blob (statement, 0), RELAY_SECRET_SIZE);
  sqlite3_finalize (statement);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, "reading the relay secret", error);

  tw_random_bytes (self->relay_secret, RELAY_SECRET_SIZE);
  if (sqlite3_prepare_v2 (conn->db,
                          "INSERT INTO meta (key, value) VALUES ('relay-secret', ?1)",
                          -1, &statement, NULL) != SQLITE_OK)
    return set_sqlite_error (conn->db, "saving the relay secret", error);
  sqlite3_bind_blob (statement, 1, self->relay_secret, RELAY_SECRET_SIZE, SQLITE_STATIC);
  rc = sqlite3_step (statement);
  sqlite3_finalize (statement);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn->db, "saving the relay secret", error);
  return TRUE;
}

static gboolean
prepare_database (RelayStoreSqlite  *self,
                  Connection        *conn,
                  GError           **error)
{
  gint64 live = 0, version = 0;
  gboolean ok;

  /* Version 1 holds the relay secret, which the later migrations need. */
  ok = connection_exec (conn, "BEGIN IMMEDIATE", "opening", error) &&
       read_schema_version (conn, self->path, &version, error) &&
       migrate (conn, version, 1, error) &&
       load_or_create_secret (self, conn, error) &&
       register_functions (self, conn, error) &&
       migrate (conn, MAX (version, 1), RELAY_STORE_SQLITE_SCHEMA_VERSION, error) &&
       query_int (conn, "SELECT count(*) FROM content", &live, error) &&
       connection_exec (conn, "COMMIT", "opening", error);
  if (!ok)
    {
      sqlite3_exec (conn->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  if (version == 0)
    g_message ("Created the relay database %s", self->path);
  else if (version < RELAY_STORE_SQLITE_SCHEMA_VERSION)
    g_message ("Upgraded the relay database %s from schema version %" G_GINT64_FORMAT
               " to %d", self->path, version, RELAY_STORE_SQLITE_SCHEMA_VERSION);
  g_atomic_pointer_set (&self->live_count, live);
  return TRUE;
}

RelayStoreSqlite *
relay_store_sqlite_new (const char  *path,
                        GError     **error)
{
  g_autoptr(RelayStoreSqlite) self = NULL;
  Connection *conn;

  g_return_val_if_fail (path != NULL, NULL);

  if (!sqlite3_threadsafe ())
    {
      g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_UNAVAILABLE,
                   "This SQLite library was built without thread support");
      return NULL;
    }

  self = g_object_new (RELAY_TYPE_STORE_SQLITE, NULL);
  self->path = g_strdup (path);

  /* The first connection: none of this process's holds a lock yet, so a
   * lock now is another process's (unix-excl), and waiting would not help. */
  conn = connection_open_waiting (path, 0, error);
  if (conn == NULL)
    {
      if (error != NULL && !g_error_matches (*error, RELAY_STORE_ERROR,
                                                RELAY_STORE_ERROR_UNAVAILABLE))
        g_prefix_error (error, "Could not open %s (does its folder exist, and may the "
                        "relay write there?): ", path);
      return NULL;
    }
  if (!prepare_database (self, conn, error) || !connection_prepare (self, conn, error))
    {
      connection_free (conn);
      g_prefix_error (error, "Could not open %s: ", path);
      return NULL;
    }

  release_connection (self, conn);

  self->checkpoint_conn = connection_open (path, error);
  if (self->checkpoint_conn == NULL)
    return NULL;
  self->checkpointer = g_thread_new ("relay-checkpoint", checkpoint_loop, self);
  self->committer = g_thread_new ("relay-commit", commit_loop, self);
  return g_steal_pointer (&self);
}

static void
relay_store_sqlite_finalize (GObject *object)
{
  RelayStoreSqlite *self = RELAY_STORE_SQLITE (object);

  /* Creates still queued are made durable and settled before it goes. */
  if (self->committer != NULL)
    {
      g_mutex_lock (&self->write_lock);
      self->closing_writes = TRUE;
      g_cond_signal (&self->writes_queued);
      g_mutex_unlock (&self->write_lock);
      g_thread_join (self->committer);
    }
  if (self->checkpointer != NULL)
    {
      g_mutex_lock (&self->checkpoint_lock);
      self->closing = TRUE;
      g_cond_signal (&self->checkpoint_wanted);
      g_mutex_unlock (&self->checkpoint_lock);
      g_thread_join (self->checkpointer);
    }
  connection_free (self->checkpoint_conn);
  g_mutex_clear (&self->checkpoint_lock);
  g_cond_clear (&self->checkpoint_wanted);
  g_async_queue_unref (self->idle_connections);
  g_mutex_clear (&self->write_lock);
  g_cond_clear (&self->write_done);
  g_cond_clear (&self->writes_queued);
  tw_wipe (self->relay_secret, sizeof self->relay_secret);
  g_free (self->path);

  G_OBJECT_CLASS (relay_store_sqlite_parent_class)->finalize (object);
}

static void
relay_store_sqlite_class_init (RelayStoreSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = relay_store_sqlite_finalize;
}

static void
relay_store_sqlite_init (RelayStoreSqlite *self)
{
  self->idle_connections = g_async_queue_new_full ((GDestroyNotify) connection_free);
  g_mutex_init (&self->write_lock);
  g_cond_init (&self->write_done);
  g_cond_init (&self->writes_queued);
  g_queue_init (&self->pending_writes);
  g_mutex_init (&self->checkpoint_lock);
  g_cond_init (&self->checkpoint_wanted);
}

static void
relay_store_sqlite_iface_init (RelayStoreInterface *iface)
{
  iface->create = relay_store_sqlite_create;
  iface->create_async = relay_store_sqlite_create_async;
  iface->read = relay_store_sqlite_read;
  iface->update = relay_store_sqlite_update;
  iface->delete = relay_store_sqlite_delete;
  iface->relinquish = relay_store_sqlite_relinquish;
  iface->peek = relay_store_sqlite_peek;
  iface->sweep = relay_store_sqlite_sweep;
  iface->count_live = relay_store_sqlite_count_live;
  iface->set_change_func = relay_store_sqlite_set_change_func;
}
