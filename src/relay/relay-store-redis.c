/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-store-redis.h"
#include "relay-request.h"
#include "relay-store-rules.h"

#include <errno.h>
#include <glib-unix.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "tw-base64.h"
#include "tw-crypto.h"

#define KEY_PREFIX           "tigress-relay:"
#define MAILBOX_PREFIX       KEY_PREFIX "m:"
#define LIVE_KEY             KEY_PREFIX "live"
#define RELAY_SECRET_SIZE    32
#define DEFAULT_PORT         6379
#define TIMEOUT_MS           2000   /* connect, and each command */
#define RECONNECT_PAUSE_US   (500 * G_TIME_SPAN_MILLISECOND)
#define SLOW_FAILURE_US      (100 * G_TIME_SPAN_MILLISECOND)
#define FEED_RETRY_MIN_MS    100
#define FEED_RETRY_MAX_MS    2000
#define WRITE_ATTEMPTS       32
#define SWEEP_STEP           1000   /* mailboxes per sweep script: Redis
                                     * serves other calls between steps */
#define INSTANCE_ID_BYTES    8

/* ------------------------------------------------------------------------ */
/* Scripts: each one is a single atomic step on the server                  */
/* ------------------------------------------------------------------------ */

/* KEYS: live set, mailbox, tombstone[, create request]
 * ARGV: id, now, max live, ttl, tombstone ttl, expires at, mailbox key
 *       prefix, sender claim hash, "expired" reason, then field, value...
 * Returns {0} created, {1, fields, id} repeated, {2} full. */
static const char create_lua[] =
  "local live, mailbox, tomb, request = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n"
  "if request then\n"
  "  local earlier = redis.call('GET', request)\n"
  "  if earlier then\n"
  "    local earlier_key = ARGV[7] .. earlier\n"
  "    local expires = tonumber(redis.call('HGET', earlier_key, 'x') or '0')\n"
  "    if expires > tonumber(ARGV[2]) then\n"
  "      return {1, redis.call('HGETALL', earlier_key), earlier}\n"
  "    end\n"
  "    redis.call('DEL', earlier_key)\n"
  "    redis.call('ZREM', live, earlier)\n"
  "  end\n"
  "end\n"
  "local max_live = tonumber(ARGV[3])\n"
  "if max_live > 0 and redis.call('ZCARD', live) >= max_live then\n"
  "  return {2}\n"
  "end\n"
  "redis.call('HSET', mailbox, unpack(ARGV, 10))\n"
  "redis.call('EXPIRE', mailbox, ARGV[4])\n"
  "redis.call('DEL', tomb)\n"
  "redis.call('HSET', tomb, 'why', ARGV[9], 's', ARGV[8])\n"
  "redis.call('EXPIRE', tomb, ARGV[5])\n"
  "if request then redis.call('SET', request, ARGV[1], 'EX', ARGV[4]) end\n"
  "redis.call('ZADD', live, ARGV[6], ARGV[1])\n"
  "return {0}\n";

/* KEYS: mailbox, tombstone. ARGV: claim hash.
 * Takes the recipient slot only while it is empty: of any number of
 * concurrent binders exactly one gets 1. */
static const char bind_lua[] =
  "if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'r') == 1 then\n"
  "  return 0\n"
  "end\n"
  "redis.call('HSET', KEYS[1], 'r', ARGV[1])\n"
  "redis.call('HINCRBY', KEYS[1], 'ep', 1)\n"
  "redis.call('HINCRBY', KEYS[1], 'n', 1)\n"
  "if redis.call('EXISTS', KEYS[2]) == 1 then\n"
  "  redis.call('HSET', KEYS[2], 'r', ARGV[1])\n"
  "end\n"
  "return 1\n";

/* KEYS: mailbox, tombstone
 * ARGV: version, channel, message, "1" to unbind the tombstone's recipient,
 *       number of fields to set, field, value..., fields to delete...
 * Applies only if the mailbox is still at the version the change was
 * decided on (0 otherwise), then publishes the change. */
static const char write_lua[] =
  "if redis.call('HGET', KEYS[1], 'n') ~= ARGV[1] then return 0 end\n"
  "local set_end = 5 + 2 * tonumber(ARGV[5])\n"
  "if set_end > 5 then redis.call('HSET', KEYS[1], unpack(ARGV, 6, set_end)) end\n"
  "if #ARGV > set_end then redis.call('HDEL', KEYS[1], unpack(ARGV, set_end + 1)) end\n"
  "redis.call('HINCRBY', KEYS[1], 'n', 1)\n"
  "if ARGV[4] == '1' then redis.call('HDEL', KEYS[2], 'r') end\n"
  "redis.call('PUBLISH', ARGV[2], ARGV[3])\n"
  "return 1\n";

/* KEYS: mailbox, tombstone, live set[, create request]
 * ARGV: version, id, channel, message, tombstone ttl, "deleted" reason,
 *       sender claim hash, recipient claim hash or "", request key or "" */
static const char delete_lua[] =
  "if redis.call('HGET', KEYS[1], 'n') ~= ARGV[1] then return 0 end\n"
  "redis.call('DEL', KEYS[1], KEYS[2])\n"
  "redis.call('ZREM', KEYS[3], ARGV[2])\n"
  "if KEYS[4] then redis.call('DEL', KEYS[4]) end\n"
  "redis.call('HSET', KEYS[2], 'why', ARGV[6], 's', ARGV[7])\n"
  "if ARGV[8] ~= '' then redis.call('HSET', KEYS[2], 'r', ARGV[8]) end\n"
  "if ARGV[9] ~= '' then redis.call('HSET', KEYS[2], 'q', ARGV[9]) end\n"
  "redis.call('EXPIRE', KEYS[2], ARGV[5])\n"
  "redis.call('PUBLISH', ARGV[3], ARGV[4])\n"
  "return 1\n";

/* KEYS: live set. ARGV: now, batch, mailbox key prefix, channel, message
 * prefix. Redis's TTLs remove the mailboxes themselves (and tombstones
 * were written at creation); this takes them off the live set, removes any
 * that Redis has not dropped yet and tells the other relays, in one
 * message for the whole batch. Commands take a few hundred keys each. */
/* KEYS: the bucket. ARGV: now (milliseconds), tokens a minute.
 * The token bucket of relay-limiter.c, kept in Redis so that every relay
 * process on this database draws from the same one. It expires once it
 * would be full again, like the in-memory buckets are forgotten. */
static const char limit_lua[] =
  "local bucket, now, rate = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])\n"
  "local state = redis.call('HMGET', bucket, 'tokens', 'stamp')\n"
  "local tokens, stamp = tonumber(state[1]), tonumber(state[2])\n"
  "if tokens == nil or stamp == nil then tokens, stamp = rate, now end\n"
  "if now > stamp then\n"
  "  tokens = math.min(rate, tokens + (now - stamp) * rate / 60000)\n"
  "  stamp = now\n"
  "end\n"
  "local wait = 0\n"
  "if tokens >= 1 then tokens = tokens - 1\n"
  "else wait = math.max(1, math.ceil((1 - tokens) * 60 / rate)) end\n"
  "redis.call('HSET', bucket, 'tokens', tostring(tokens), 'stamp', tostring(stamp))\n"
  "redis.call('PEXPIRE', bucket, 60000)\n"
  "return wait\n";

static const char sweep_lua[] =
  "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])\n"
  "if #ids == 0 then return ids end\n"
  "local keys = {}\n"
  "for i, id in ipairs(ids) do keys[i] = ARGV[3] .. id end\n"
  "for first = 1, #ids, 250 do\n"
  "  local last = math.min(first + 249, #ids)\n"
  "  redis.call('ZREM', KEYS[1], unpack(ids, first, last))\n"
  "  redis.call('DEL', unpack(keys, first, last))\n"
  "end\n"
  "redis.call('PUBLISH', ARGV[4], ARGV[5] .. table.concat(ids, ',') .. ' -')\n"
  "return ids\n";

typedef enum {
  SCRIPT_CREATE,
  SCRIPT_BIND,
  SCRIPT_WRITE,
  SCRIPT_DELETE,
  SCRIPT_SWEEP,
  SCRIPT_LIMIT,
  N_SCRIPTS
} ScriptId;

typedef struct {
  const char *text;
  char        sha1[41];
} Script;

static Script scripts[N_SCRIPTS] = {
  [SCRIPT_CREATE] = { create_lua, "" },
  [SCRIPT_BIND] = { bind_lua, "" },
  [SCRIPT_WRITE] = { write_lua, "" },
  [SCRIPT_DELETE] = { delete_lua, "" },
  [SCRIPT_SWEEP] = { sweep_lua, "" },
  [SCRIPT_LIMIT] = { limit_lua, "" },
};

/* The fields of a mailbox hash. */
typedef enum {
  F_SENDER, F_RECIPIENT, F_VERIFIER,
  F_TYPE, F_DATA, F_ETAG,
  F_SENDER_TYPE, F_SENDER_DATA, F_SENDER_ETAG,
  F_TITLE, F_DESCRIPTION, F_IMAGE,
  F_RIGHTS, F_EXPIRES, F_EPOCH, F_RELINQUISHES, F_RELINQUISH_ALLOWED,
  F_CREATE_REQUEST, F_SENDER_REQUEST, F_RECIPIENT_REQUEST,
  F_VERSION,
  N_FIELDS
} Field;

static const char *const field_names[N_FIELDS] = {
  "s", "r", "v", "pt", "pd", "pe", "st", "sd", "se", "ti", "de", "im",
  "rg", "x", "ep", "rq", "ra", "cr", "sr", "rr", "n",
};

/* ------------------------------------------------------------------------ */
/* The object                                                               */
/* ------------------------------------------------------------------------ */

typedef struct {
  redisContext *context;
  gboolean      pooled;   /* came from the pool: may have gone stale */
  gboolean      stale;    /* the server closed it before answering */
} Connection;

struct _RelayStoreRedis
{
  GObject               parent_instance;

  char                 *host;
  guint16               port;
  guint                 db;
  char                 *user;
  char                 *password;
  char                 *where;          /* HOST:PORT/DB, for messages */
  char                 *channel;
  char                  instance_id[2 * INSTANCE_ID_BYTES + 1];

  GAsyncQueue          *idle_connections;
  gboolean              opened;         /* log reachability changes from now on */
  gint                  reachable;      /* atomic; for log lines on changes */
  GMutex                connect_lock;
  gint64                connect_paused_until;
  char                 *connect_failure;

  GMutex                secret_lock;
  gboolean              has_secret;
  guint8                relay_secret[RELAY_SECRET_SIZE];

  RelayStoreChangeFunc  change_func;
  gpointer              change_data;

  /* The change feed: a subscriber connection in a thread of its own. */
  GThread              *feed_thread;
  int                   feed_stop[2];   /* pipe; readable once stopping */
  GMutex                feed_lock;
  GCond                 feed_cond;
  gboolean              feed_tried;
  gboolean              feed_up;
};

static void relay_store_redis_iface_init (RelayStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RelayStoreRedis, relay_store_redis, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RELAY_TYPE_STORE,
                                                      relay_store_redis_iface_init))

/* ------------------------------------------------------------------------ */
/* Command arguments                                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
  GPtrArray     *values;    /* const char *, not owned */
  GArray        *lengths;   /* size_t */
  GPtrArray     *owned;     /* what the arguments point into */
  const Script  *script;
} Args;

static void
args_init (Args *args)
{
  args->values = g_ptr_array_new ();
  args->lengths = g_array_new (FALSE, FALSE, sizeof (size_t));
  args->owned = g_ptr_array_new_with_free_func (g_free);
  args->script = NULL;
}

static void
args_clear (Args *args)
{
  g_ptr_array_unref (args->values);
  g_array_unref (args->lengths);
  g_ptr_array_unref (args->owned);
}

static void
args_add (Args          *args,
          gconstpointer  value,
          gsize          length)
{
  size_t size = length;

  g_ptr_array_add (args->values, (gpointer) value);
  g_array_append_val (args->lengths, size);
}

static void
args_add_text (Args       *args,
               const char *text)
{
  args_add (args, text, strlen (text));
}

static void
args_take_text (Args *args,
                char *text)
{
  g_ptr_array_add (args->owned, text);
  args_add_text (args, text);
}

static void
args_add_int (Args   *args,
              gint64  value)
{
  args_take_text (args, g_strdup_printf ("%" G_GINT64_FORMAT, value));
}

static void
args_add_hash (Args         *args,
               const guint8 *hash)
{
  args_add (args, hash, RELAY_HASH_SIZE);
}

/* A hash, or "" when there is none. */
static void
args_add_hash_or_empty (Args         *args,
                        gboolean      present,
                        const guint8 *hash)
{
  if (present)
    args_add_hash (args, hash);
  else
    args_add_text (args, "");
}

/* Starts the arguments of a script call; keys and arguments follow. */
static void
args_init_script (Args     *args,
                  ScriptId  script,
                  guint     n_keys)
{
  args_init (args);
  args->script = &scripts[script];
  args_add_text (args, "EVALSHA");
  args_add_text (args, args->script->sha1);
  args_add_int (args, n_keys);
}

/* ------------------------------------------------------------------------ */
/* Errors and replies                                                       */
/* ------------------------------------------------------------------------ */

static gboolean
set_unavailable (RelayStoreRedis  *self,
                 const char       *doing,
                 const char       *reason,
                 GError          **error)
{
  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_UNAVAILABLE,
               "Redis at %s could not be used while %s: %s", self->where, doing, reason);
  return FALSE;
}

/* Checks a reply. No reply means the connection broke: the connection is
 * marked so that it is not used again (and retried once if it only went
 * stale in the pool). Redis's own error replies (OOM, LOADING, READONLY,
 * a script error) name commands and keys, never argument values. */
static gboolean
check_reply (RelayStoreRedis  *self,
             Connection       *conn,
             redisReply       *reply,
             const char       *doing,
             GError          **error)
{
  if (reply == NULL)
    {
      int saved_errno = errno;

      conn->stale = conn->context->err == REDIS_ERR_EOF ||
                    (conn->context->err == REDIS_ERR_IO &&
                     (saved_errno == EPIPE || saved_errno == ECONNRESET));
      return set_unavailable (self, doing, conn->context->errstr, error);
    }
  if (reply->type == REDIS_REPLY_ERROR)
    {
      g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_FAILED,
                   "Redis at %s refused a command while %s: %s", self->where, doing,
                   reply->str);
      return FALSE;
    }
  return TRUE;
}

static redisReply *
run_args (Connection *conn,
          Args       *args)
{
  return redisCommandArgv (conn->context, args->values->len,
                           (const char **) args->values->pdata,
                           (const size_t *) (gpointer) args->lengths->data);
}

/* Runs a command and returns its reply, or NULL with @error set. */
static redisReply *
run_command (RelayStoreRedis  *self,
             Connection       *conn,
             Args             *args,
             const char       *doing,
             GError          **error)
{
  redisReply *reply = run_args (conn, args);

  if (reply != NULL && args->script != NULL && reply->type == REDIS_REPLY_ERROR &&
      g_str_has_prefix (reply->str, "NOSCRIPT"))
    {
      /* A restarted or flushed Redis forgot our scripts: send the text,
       * which also puts it back in its cache. */
      freeReplyObject (reply);
      args->values->pdata[0] = (gpointer) "EVAL";
      g_array_index (args->lengths, size_t, 0) = strlen ("EVAL");
      args->values->pdata[1] = (gpointer) args->script->text;
      g_array_index (args->lengths, size_t, 1) = strlen (args->script->text);
      reply = run_args (conn, args);
    }
  if (!check_reply (self, conn, reply, doing, error))
    g_clear_pointer (&reply, freeReplyObject);
  return reply;
}

static gboolean
reply_is_string (const redisReply *reply)
{
  return reply != NULL &&
         (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

static gboolean
set_unexpected (RelayStoreRedis  *self,
                const char       *what,
                GError          **error)
{
  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_FAILED,
               "Redis at %s holds %s that this relay does not understand; is another "
               "program using the keys under \"" KEY_PREFIX "\"?", self->where, what);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Keys                                                                     */
/* ------------------------------------------------------------------------ */

static char *
mailbox_key (const char *mailbox_id)
{
  return g_strconcat (MAILBOX_PREFIX, mailbox_id, NULL);
}

static char *
tombstone_key (RelayStoreRedis *self,
               const char      *mailbox_id)
{
  guint8 secret[RELAY_SECRET_SIZE];
  guint8 key[RELAY_HASH_SIZE];
  g_autofree char *encoded = NULL;

  g_mutex_lock (&self->secret_lock);
  memcpy (secret, self->relay_secret, sizeof secret);
  g_mutex_unlock (&self->secret_lock);

  relay_tombstone_key (secret, sizeof secret, mailbox_id, key);
  tw_wipe (secret, sizeof secret);
  encoded = tw_base64url_encode (key, sizeof key);
  return g_strconcat (KEY_PREFIX "t:", encoded, NULL);
}

static char *
create_request_key (const guint8 *request_key)
{
  g_autofree char *encoded = tw_base64url_encode (request_key, RELAY_HASH_SIZE);

  return g_strconcat (KEY_PREFIX "c:", encoded, NULL);
}

/* "INSTANCE ID ETAG" (ETAG "-" when the mailbox ended; the sweep sends
 * "INSTANCE ID,ID,... -"); a relay skips the messages it published itself,
 * having told its own waiters already. */
static char *
change_message (RelayStoreRedis *self,
                const char      *mailbox_id,
                const char      *etag)
{
  return g_strdup_printf ("%s %s %s", self->instance_id, mailbox_id,
                          etag != NULL ? etag : "-");
}

/* ------------------------------------------------------------------------ */
/* Connections                                                              */
/* ------------------------------------------------------------------------ */

static struct timeval
timeout_value (void)
{
  return (struct timeval) { TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000 };
}

static void
note_reachable (RelayStoreRedis *self,
                gboolean         reachable,
                const char      *reason)
{
  if (!self->opened ||
      !g_atomic_int_compare_and_exchange (&self->reachable, !reachable, reachable))
    return;
  if (reachable)
    g_message ("Redis at %s answers again", self->where);
  else
    g_warning ("%s; requests get 503 until Redis is back", reason);
}

static gboolean
authenticate (RelayStoreRedis  *self,
              Connection       *conn,
              GError          **error)
{
  Args args;
  redisReply *reply;

  if (self->password == NULL)
    return TRUE;

  args_init (&args);
  args_add_text (&args, "AUTH");
  if (self->user != NULL && *self->user != '\0')
    args_add_text (&args, self->user);
  args_add_text (&args, self->password);
  reply = run_command (self, conn, &args, "logging in", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;
  freeReplyObject (reply);
  return TRUE;
}

/* A connection with timeouts, logged in; no database selected. */
static Connection *
open_connection (RelayStoreRedis  *self,
                 GError          **error)
{
  redisContext *context = redisConnectWithTimeout (self->host, self->port, timeout_value ());
  Connection *conn;

  if (context == NULL || context->err)
    {
      set_unavailable (self, "connecting", context ? context->errstr : "out of memory",
                       error);
      redisFree (context);
      return NULL;
    }
  redisSetTimeout (context, timeout_value ());
  redisEnableKeepAlive (context);

  conn = g_new0 (Connection, 1);
  conn->context = context;
  if (!authenticate (self, conn, error))
    {
      redisFree (context);
      g_free (conn);
      return NULL;
    }
  return conn;
}

static void
connection_free (Connection *conn)
{
  if (conn == NULL)
    return;
  redisFree (conn->context);
  g_free (conn);
}

static gboolean
select_database (RelayStoreRedis  *self,
                 Connection       *conn,
                 GError          **error)
{
  Args args;
  redisReply *reply;

  if (self->db == 0)
    return TRUE;

  args_init (&args);
  args_add_text (&args, "SELECT");
  args_add_int (&args, self->db);
  reply = run_command (self, conn, &args, "choosing its database", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;
  freeReplyObject (reply);
  return TRUE;
}

static gboolean
check_schema (RelayStoreRedis  *self,
              redisReply       *reply,
              GError          **error)
{
  guint64 version;

  if (!reply_is_string (reply) ||
      !g_ascii_string_to_unsigned (reply->str, 10, 1, G_MAXUINT32, &version, NULL))
    return set_unexpected (self, "a layout version", error);
  if (version > RELAY_STORE_REDIS_SCHEMA_VERSION)
    {
      g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_INCOMPATIBLE,
                   "Redis at %s holds data of a newer relay (layout %" G_GUINT64_FORMAT
                   ", this relay knows up to %d); upgrade this relay or use another "
                   "database", self->where, version, RELAY_STORE_REDIS_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
adopt_secret (RelayStoreRedis  *self,
              redisReply       *reply,
              GError          **error)
{
  if (!reply_is_string (reply) || reply->len != RELAY_SECRET_SIZE)
    return set_unexpected (self, "a relay secret", error);

  g_mutex_lock (&self->secret_lock);
  memcpy (self->relay_secret, reply->str, RELAY_SECRET_SIZE);
  self->has_secret = TRUE;
  g_mutex_unlock (&self->secret_lock);
  return TRUE;
}

/* Sends the commands of @args_list in one round trip; replies in order. */
static gboolean
run_pipeline (RelayStoreRedis  *self,
              Connection       *conn,
              Args             *args_list,
              guint             n_commands,
              redisReply      **replies,
              const char       *doing,
              GError          **error)
{
  for (guint i = 0; i < n_commands; i++)
    redisAppendCommandArgv (conn->context, args_list[i].values->len,
                            (const char **) args_list[i].values->pdata,
                            (const size_t *) (gpointer) args_list[i].lengths->data);

  for (guint i = 0; i < n_commands; i++)
    {
      void *reply = NULL;

      if (redisGetReply (conn->context, &reply) != REDIS_OK)
        reply = NULL;
      replies[i] = reply;
      if (!check_reply (self, conn, reply, doing, error))
        return FALSE;
    }
  return TRUE;
}

/*
 * Makes sure the layout version and the relay secret exist, and adopts the
 * stored secret. Runs on every new connection, so that a Redis that lost
 * its data (restarted without persistence) gets this process's secret
 * back and every relay keeps computing the same tombstone keys.
 */
static gboolean
ensure_layout (RelayStoreRedis  *self,
               Connection       *conn,
               GError          **error)
{
  guint8 candidate[RELAY_SECRET_SIZE];
  Args args[4];
  redisReply *replies[4] = { NULL, };
  gboolean ok;

  g_mutex_lock (&self->secret_lock);
  if (self->has_secret)
    memcpy (candidate, self->relay_secret, sizeof candidate);
  else
    tw_random_bytes (candidate, sizeof candidate);
  g_mutex_unlock (&self->secret_lock);

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    args_init (&args[i]);
  args_add_text (&args[0], "SET");
  args_add_text (&args[0], KEY_PREFIX "schema");
  args_add_int (&args[0], RELAY_STORE_REDIS_SCHEMA_VERSION);
  args_add_text (&args[0], "NX");
  args_add_text (&args[1], "GET");
  args_add_text (&args[1], KEY_PREFIX "schema");
  args_add_text (&args[2], "SET");
  args_add_text (&args[2], KEY_PREFIX "secret");
  args_add (&args[2], candidate, sizeof candidate);
  args_add_text (&args[2], "NX");
  args_add_text (&args[3], "GET");
  args_add_text (&args[3], KEY_PREFIX "secret");

  ok = run_pipeline (self, conn, args, G_N_ELEMENTS (args), replies,
                     "reading its layout version and secret", error) &&
       check_schema (self, replies[1], error) &&
       adopt_secret (self, replies[3], error);

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    {
      g_clear_pointer (&replies[i], freeReplyObject);
      args_clear (&args[i]);
    }
  tw_wipe (candidate, sizeof candidate);
  return ok;
}

/* After a connect that failed slowly (a server that does not answer),
 * calls fail at once for a moment instead of each waiting for it. */
static gboolean
connect_paused (RelayStoreRedis  *self,
                GError          **error)
{
  gboolean paused;

  g_mutex_lock (&self->connect_lock);
  paused = g_get_monotonic_time () < self->connect_paused_until;
  if (paused)
    g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_UNAVAILABLE,
                 "Redis at %s could not be used: %s", self->where, self->connect_failure);
  g_mutex_unlock (&self->connect_lock);
  return paused;
}

static void
pause_connecting (RelayStoreRedis *self,
                  const GError    *failure)
{
  g_mutex_lock (&self->connect_lock);
  self->connect_paused_until = g_get_monotonic_time () + RECONNECT_PAUSE_US;
  g_free (self->connect_failure);
  self->connect_failure = g_strdup (failure->message);
  g_mutex_unlock (&self->connect_lock);
}

static Connection *
connect_for_calls (RelayStoreRedis  *self,
                   GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 started = g_get_monotonic_time ();
  Connection *conn;

  if (connect_paused (self, error))
    return NULL;

  conn = open_connection (self, &local_error);
  if (conn != NULL &&
      (!select_database (self, conn, &local_error) ||
       !ensure_layout (self, conn, &local_error)))
    g_clear_pointer (&conn, connection_free);

  if (conn == NULL)
    {
      /* A refused connection costs nothing; only one that timed out is
       * worth not repeating for a while. */
      if (g_get_monotonic_time () - started > SLOW_FAILURE_US)
        pause_connecting (self, local_error);
      note_reachable (self, FALSE, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  note_reachable (self, TRUE, NULL);
  return conn;
}

static Connection *
acquire_connection (RelayStoreRedis  *self,
                    GError          **error)
{
  Connection *conn = g_async_queue_try_pop (self->idle_connections);

  if (conn != NULL)
    {
      conn->pooled = TRUE;
      conn->stale = FALSE;
      return conn;
    }
  return connect_for_calls (self, error);
}

/* A connection that failed is never reused: its state is unknown. */
static void
release_connection (RelayStoreRedis *self,
                    Connection      *conn)
{
  if (conn->context->err != 0)
    connection_free (conn);
  else
    g_async_queue_push (self->idle_connections, conn);
}

static void
drop_idle_connections (RelayStoreRedis *self)
{
  Connection *conn;

  while ((conn = g_async_queue_try_pop (self->idle_connections)) != NULL)
    connection_free (conn);
}

typedef gboolean (*StoreCall) (RelayStoreRedis  *self,
                               Connection       *conn,
                               gpointer          data,
                               GError          **error);

/*
 * Runs @call on a connection. When Redis restarted, the pooled connections
 * are all closed, and finding that out costs no request: a call whose
 * pooled connection turns out closed before Redis answered (so nothing was
 * done) runs again once on a fresh connection.
 */
static gboolean
with_connection (RelayStoreRedis  *self,
                 StoreCall         call,
                 gpointer          data,
                 GError          **error)
{
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      Connection *conn = acquire_connection (self, error);
      gboolean ok, stale;

      if (conn == NULL)
        return FALSE;
      ok = call (self, conn, data, &local_error);
      stale = !ok && conn->pooled && conn->stale;
      release_connection (self, conn);
      if (ok)
        {
          note_reachable (self, TRUE, NULL);
          return TRUE;
        }
      if (stale && attempt == 0)
        {
          drop_idle_connections (self);
          continue;
        }
      if (g_error_matches (local_error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_UNAVAILABLE))
        note_reachable (self, FALSE, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
}

/* ------------------------------------------------------------------------ */
/* Reading mailboxes and tombstones                                         */
/* ------------------------------------------------------------------------ */

/* A mailbox as read, with what a write needs to know about it. */
typedef struct {
  RelayMailbox *mailbox;
  gboolean      has_sender_copy;   /* st/sd/se hold the sender's payload */
  char         *version;           /* field n: the guard of every write */
} Snapshot;

static void
snapshot_clear (Snapshot *snapshot)
{
  g_clear_pointer (&snapshot->mailbox, relay_mailbox_free);
  g_clear_pointer (&snapshot->version, g_free);
  snapshot->has_sender_copy = FALSE;
}

static gboolean
copy_hash (const redisReply *value,
           guint8           *hash_out)
{
  if (value == NULL || value->len != RELAY_HASH_SIZE)
    return FALSE;
  memcpy (hash_out, value->str, RELAY_HASH_SIZE);
  return TRUE;
}

static char *
copy_text (const redisReply *value)
{
  return value != NULL ? g_strndup (value->str, value->len) : NULL;
}

static gint64
field_number (const redisReply *value)
{
  return g_ascii_strtoll (value->str, NULL, 10);
}

static void
copy_payload (const redisReply *type,
              const redisReply *data,
              const redisReply *etag,
              RelayPayload     *payload)
{
  payload->type = copy_text (type);
  payload->data = copy_text (data);
  g_strlcpy (payload->etag, etag->str, sizeof payload->etag);
}

/* Sorts the field/value pairs of a HGETALL reply by field; FALSE if a
 * field every mailbox has is missing. */
static gboolean
collect_fields (const redisReply *reply,
                const redisReply *values[N_FIELDS])
{
  static const Field required[] = {
    F_SENDER, F_TYPE, F_DATA, F_ETAG, F_TITLE, F_RIGHTS, F_EXPIRES, F_EPOCH,
    F_RELINQUISHES, F_RELINQUISH_ALLOWED, F_VERSION,
  };

  memset (values, 0, N_FIELDS * sizeof values[0]);
  for (gsize i = 0; i + 1 < reply->elements; i += 2)
    {
      const redisReply *name = reply->element[i];

      for (guint f = 0; f < N_FIELDS && reply_is_string (name); f++)
        if (g_str_equal (name->str, field_names[f]))
          values[f] = reply->element[i + 1];
    }
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (!reply_is_string (values[required[i]]))
      return FALSE;
  return values[F_SENDER_TYPE] == NULL ||
         (values[F_SENDER_DATA] != NULL && values[F_SENDER_ETAG] != NULL);
}

static void
fill_mailbox (Snapshot          *snapshot,
              const char        *mailbox_id,
              const redisReply  *values[N_FIELDS])
{
  RelayMailbox *mailbox = g_new0 (RelayMailbox, 1);

  g_strlcpy (mailbox->mailbox_id, mailbox_id, sizeof mailbox->mailbox_id);
  copy_hash (values[F_SENDER], mailbox->sender_claim_hash);
  mailbox->has_recipient = copy_hash (values[F_RECIPIENT], mailbox->recipient_claim_hash);
  mailbox->has_bind_verifier = copy_hash (values[F_VERIFIER], mailbox->bind_verifier);
  copy_payload (values[F_TYPE], values[F_DATA], values[F_ETAG], &mailbox->payload);
  snapshot->has_sender_copy = values[F_SENDER_TYPE] != NULL;
  if (snapshot->has_sender_copy)
    copy_payload (values[F_SENDER_TYPE], values[F_SENDER_DATA], values[F_SENDER_ETAG],
                  &mailbox->sender_payload);
  else
    relay_payload_copy (&mailbox->sender_payload, &mailbox->payload);
  mailbox->title = copy_text (values[F_TITLE]);
  mailbox->description = copy_text (values[F_DESCRIPTION]);
  mailbox->image_url = copy_text (values[F_IMAGE]);
  mailbox->recipient_rights = field_number (values[F_RIGHTS]);
  mailbox->expires_at = field_number (values[F_EXPIRES]);
  mailbox->binding_epoch = field_number (values[F_EPOCH]);
  mailbox->relinquish_count = field_number (values[F_RELINQUISHES]);
  mailbox->relinquish_allowed = field_number (values[F_RELINQUISH_ALLOWED]) != 0;
  mailbox->has_create_request = copy_hash (values[F_CREATE_REQUEST],
                                           mailbox->create_request_key);
  mailbox->has_sender_request = copy_hash (values[F_SENDER_REQUEST],
                                           mailbox->sender_request_key);
  mailbox->has_recipient_request = copy_hash (values[F_RECIPIENT_REQUEST],
                                              mailbox->recipient_request_key);
  snapshot->version = copy_text (values[F_VERSION]);
  snapshot->mailbox = mailbox;
}

/* Decodes a HGETALL reply; an empty one leaves snapshot->mailbox NULL. */
static gboolean
decode_mailbox (RelayStoreRedis   *self,
                const redisReply  *reply,
                const char        *mailbox_id,
                Snapshot          *snapshot,
                GError           **error)
{
  const redisReply *values[N_FIELDS];

  snapshot_clear (snapshot);
  if (reply->type != REDIS_REPLY_ARRAY)
    return set_unexpected (self, "a mailbox", error);
  if (reply->elements == 0)
    return TRUE;
  if (!collect_fields (reply, values))
    return set_unexpected (self, "a mailbox", error);

  fill_mailbox (snapshot, mailbox_id, values);
  return TRUE;
}

/* Like run_pipeline (), with @formatted (a command already in RESP, or
 * NULL) sent last; reads every reply before looking at any (so the
 * connection stays in step after an error reply) and sends again the text
 * of a script Redis has forgotten. The caller frees the replies. */
static gboolean
run_batch (RelayStoreRedis  *self,
           Connection       *conn,
           Args             *args_list,
           guint             n_args,
           const GString    *formatted,
           redisReply      **replies,
           const char       *doing,
           GError          **error)
{
  guint n_replies = n_args + (formatted != NULL ? 1 : 0);

  for (guint i = 0; i < n_args; i++)
    redisAppendCommandArgv (conn->context, args_list[i].values->len,
                            (const char **) args_list[i].values->pdata,
                            (const size_t *) (gpointer) args_list[i].lengths->data);
  if (formatted != NULL)
    redisAppendFormattedCommand (conn->context, formatted->str, formatted->len);
  for (guint i = 0; i < n_replies; i++)
    {
      void *reply = NULL;

      if (redisGetReply (conn->context, &reply) != REDIS_OK)
        return check_reply (self, conn, NULL, doing, error);
      replies[i] = reply;
    }

  for (guint i = 0; i < n_replies; i++)
    {
      if (i < n_args && args_list[i].script != NULL &&
          replies[i]->type == REDIS_REPLY_ERROR && g_str_has_prefix (replies[i]->str, "NOSCRIPT"))
        {
          g_clear_pointer (&replies[i], freeReplyObject);
          replies[i] = run_command (self, conn, &args_list[i], doing, error);
          if (replies[i] == NULL)
            return FALSE;
        }
      if (!check_reply (self, conn, replies[i], doing, error))
        return FALSE;
    }
  return TRUE;
}

/* HMGET of every field, in the order of Field: half the reply of HGETALL
 * (no names) and no names to match. Formatted here, in RESP: hiredis
 * formats a command argument by argument, which for this one cost more
 * than parsing its reply; only the key changes from one call to the
 * next. */
static const char *
hmget_fields (void)
{
  static char *fields;

  if (g_once_init_enter (&fields))
    {
      GString *text = g_string_new (NULL);

      for (guint f = 0; f < N_FIELDS; f++)
        {
          g_string_append_c (text, '$');
          relay_append_number (text, strlen (field_names[f]));
          g_string_append_printf (text, "\r\n%s\r\n", field_names[f]);
        }
      g_once_init_leave (&fields, g_string_free (text, FALSE));
    }
  return fields;
}

static GString *
format_hmget (const char *mailbox_id)
{
  GString *command = g_string_sized_new (512);
  gsize key_length = strlen (MAILBOX_PREFIX) + strlen (mailbox_id);

  g_string_append_c (command, '*');
  relay_append_number (command, 2 + N_FIELDS);
  g_string_append (command, "\r\n$5\r\nHMGET\r\n$");
  relay_append_number (command, key_length);
  g_string_append (command, "\r\n" MAILBOX_PREFIX);
  g_string_append (command, mailbox_id);
  g_string_append (command, "\r\n");
  g_string_append (command, hmget_fields ());
  return command;
}

/* Decodes the reply of format_hmget (); a mailbox with no fields (none
 * stored) leaves snapshot->mailbox NULL. */
static gboolean
decode_mailbox_fields (RelayStoreRedis   *self,
                       const redisReply  *reply,
                       const char        *mailbox_id,
                       Snapshot          *snapshot,
                       GError           **error)
{
  static const Field required[] = {
    F_SENDER, F_TYPE, F_DATA, F_ETAG, F_TITLE, F_RIGHTS, F_EXPIRES, F_EPOCH,
    F_RELINQUISHES, F_RELINQUISH_ALLOWED, F_VERSION,
  };
  const redisReply *values[N_FIELDS];
  gboolean any = FALSE;

  snapshot_clear (snapshot);
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != N_FIELDS)
    return set_unexpected (self, "a mailbox", error);
  for (guint f = 0; f < N_FIELDS; f++)
    {
      values[f] = reply_is_string (reply->element[f]) ? reply->element[f] : NULL;
      any = any || values[f] != NULL;
    }
  if (!any)
    return TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (values[required[i]] == NULL)
      return set_unexpected (self, "a mailbox", error);
  if (values[F_SENDER_TYPE] != NULL &&
      (values[F_SENDER_DATA] == NULL || values[F_SENDER_ETAG] == NULL))
    return set_unexpected (self, "a mailbox", error);

  fill_mailbox (snapshot, mailbox_id, values);
  return TRUE;
}

static gboolean
load_snapshot (RelayStoreRedis  *self,
               Connection       *conn,
               const char       *mailbox_id,
               Snapshot         *snapshot,
               GError          **error)
{
  g_autoptr(GString) command = format_hmget (mailbox_id);
  redisReply *reply = NULL;
  gboolean ok;

  if (!run_batch (self, conn, NULL, 0, command, &reply, "reading a mailbox", error))
    {
      g_clear_pointer (&reply, freeReplyObject);
      return FALSE;
    }

  ok = decode_mailbox_fields (self, reply, mailbox_id, snapshot, error);
  freeReplyObject (reply);
  return ok;
}

typedef struct {
  gboolean       found;
  RelayEndReason reason;
  guint8         sender_claim_hash[RELAY_HASH_SIZE];
  gboolean       has_recipient;
  guint8         recipient_claim_hash[RELAY_HASH_SIZE];
  gboolean       has_request;
  guint8         request_key[RELAY_HASH_SIZE];
} Tombstone;

static void
decode_tombstone (const redisReply *reply,
                  Tombstone        *tombstone)
{
  gboolean has_reason = FALSE, has_sender = FALSE;

  for (gsize i = 0; i + 1 < reply->elements; i += 2)
    {
      const char *name = reply->element[i]->str;
      const redisReply *value = reply->element[i + 1];

      if (g_str_equal (name, "why"))
        {
          tombstone->reason = field_number (value);
          has_reason = TRUE;
        }
      else if (g_str_equal (name, "s"))
        has_sender = copy_hash (value, tombstone->sender_claim_hash);
      else if (g_str_equal (name, "r"))
        tombstone->has_recipient = copy_hash (value, tombstone->recipient_claim_hash);
      else if (g_str_equal (name, "q"))
        tombstone->has_request = copy_hash (value, tombstone->request_key);
    }
  tombstone->found = has_reason && has_sender &&
    (tombstone->reason == RELAY_END_EXPIRED || tombstone->reason == RELAY_END_DELETED);
}

static gboolean
load_tombstone (RelayStoreRedis  *self,
                Connection       *conn,
                const char       *mailbox_id,
                Tombstone        *tombstone,
                GError          **error)
{
  g_autofree char *key = tombstone_key (self, mailbox_id);
  redisReply *reply;
  Args args;

  memset (tombstone, 0, sizeof *tombstone);
  args_init (&args);
  args_add_text (&args, "HGETALL");
  args_add_text (&args, key);
  reply = run_command (self, conn, &args, "reading a tombstone", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;

  if (reply->type == REDIS_REPLY_ARRAY)
    decode_tombstone (reply, tombstone);
  freeReplyObject (reply);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Finding a mailbox (the rules themselves are in relay-store-rules.c)     */
/* ------------------------------------------------------------------------ */

static void
settle_missing (const RelayAccess *access,
                const Tombstone   *tombstone,
                gboolean           check_repeat,
                RelayOutcome      *outcome)
{
  if (check_repeat && tombstone->found && access->has_request_key &&
      tombstone->has_request &&
      relay_hash_equal (access->request_key, tombstone->request_key))
    outcome->status = RELAY_STORE_REPEATED;
  else if (tombstone->found)
    relay_rules_settle_ended (access, tombstone->reason, tombstone->sender_claim_hash,
                  tombstone->has_recipient ? tombstone->recipient_claim_hash : NULL,
                  outcome);
  else
    outcome->status = RELAY_STORE_NOT_FOUND;
}

/*
 * Reads the mailbox of @access and settles what every call shares:
 * missing (tombstone or not), expired (refused at once, whether or not
 * Redis has dropped it yet) and a repeated request. Leaves a live mailbox
 * in @snapshot, or none with outcome->status set.
 */
static gboolean settle_loaded (RelayStoreRedis    *self,
                               Connection         *conn,
                               const RelayAccess  *access,
                               gboolean            check_repeat,
                               Snapshot           *snapshot,
                               RelayOutcome       *outcome,
                               GError            **error);

static gboolean
find_live (RelayStoreRedis    *self,
           Connection         *conn,
           const RelayAccess  *access,
           gboolean            check_repeat,
           Snapshot           *snapshot,
           RelayOutcome       *outcome,
           GError            **error)
{
  if (!load_snapshot (self, conn, access->mailbox_id, snapshot, error))
    return FALSE;
  return settle_loaded (self, conn, access, check_repeat, snapshot, outcome, error);
}

/* find_live () once the mailbox is in @snapshot (or known missing). */
static gboolean
settle_loaded (RelayStoreRedis    *self,
               Connection         *conn,
               const RelayAccess  *access,
               gboolean            check_repeat,
               Snapshot           *snapshot,
               RelayOutcome       *outcome,
               GError            **error)
{
  RelayMailbox *mailbox = snapshot->mailbox;
  Tombstone tombstone;

  if (mailbox == NULL)
    {
      if (!load_tombstone (self, conn, access->mailbox_id, &tombstone, error))
        return FALSE;
      settle_missing (access, &tombstone, check_repeat, outcome);
      return TRUE;
    }

  if (mailbox->expires_at <= access->now)
    relay_rules_settle_ended (access, RELAY_END_EXPIRED, mailbox->sender_claim_hash,
                  mailbox->has_recipient ? mailbox->recipient_claim_hash : NULL, outcome);
  else if (check_repeat && relay_rules_is_repeat (access, mailbox))
    {
      outcome->status = RELAY_STORE_REPEATED;
      outcome->role = relay_rules_role_of (mailbox, access->claim_hash);
      outcome->mailbox = g_steal_pointer (&snapshot->mailbox);
    }
  else
    return TRUE;

  snapshot_clear (snapshot);
  return TRUE;
}

static void
notify_change (RelayStoreRedis *self,
               const char      *mailbox_id,
               const char      *etag)
{
  if (self->change_func != NULL)
    self->change_func (mailbox_id, etag, self->change_data);
}

/* ------------------------------------------------------------------------ */
/* Create                                                                   */
/* ------------------------------------------------------------------------ */

static void
args_add_field (Args       *args,
                Field       field,
                const char *value)
{
  args_add_text (args, field_names[field]);
  args_add_text (args, value);
}

static void
args_add_field_hash (Args         *args,
                     Field         field,
                     const guint8 *hash)
{
  args_add_text (args, field_names[field]);
  args_add_hash (args, hash);
}

static void
args_add_field_int (Args   *args,
                    Field   field,
                    gint64  value)
{
  args_add_text (args, field_names[field]);
  args_add_int (args, value);
}

static void
args_add_payload (Args               *args,
                  Field               first_field,
                  const RelayPayload *payload)
{
  args_add_field (args, first_field, payload->type);
  args_add_field (args, first_field + 1, payload->data);
  args_add_field (args, first_field + 2, payload->etag);
}

static void
args_add_new_mailbox (Args               *args,
                      const RelayMailbox *mailbox)
{
  args_add_field_hash (args, F_SENDER, mailbox->sender_claim_hash);
  if (mailbox->has_bind_verifier)
    args_add_field_hash (args, F_VERIFIER, mailbox->bind_verifier);
  args_add_payload (args, F_TYPE, &mailbox->payload);
  args_add_field (args, F_TITLE, mailbox->title);
  if (mailbox->description != NULL)
    args_add_field (args, F_DESCRIPTION, mailbox->description);
  if (mailbox->image_url != NULL)
    args_add_field (args, F_IMAGE, mailbox->image_url);
  args_add_field_int (args, F_RIGHTS, mailbox->recipient_rights);
  args_add_field_int (args, F_EXPIRES, mailbox->expires_at);
  args_add_field_int (args, F_EPOCH, 0);
  args_add_field_int (args, F_RELINQUISHES, 0);
  args_add_field_int (args, F_RELINQUISH_ALLOWED, mailbox->relinquish_allowed ? 1 : 0);
  if (mailbox->has_create_request)
    args_add_field_hash (args, F_CREATE_REQUEST, mailbox->create_request_key);
  args_add_field_int (args, F_VERSION, 0);
}

typedef struct {
  const RelayMailbox *mailbox;
  guint               max_live;
  gint64              now;
  RelayOutcome       *outcome;
} CreateCall;

static void
build_create (RelayStoreRedis *self,
              const CreateCall *call,
              Args            *args)
{
  const RelayMailbox *mailbox = call->mailbox;
  gint64 ttl = MAX (1, mailbox->expires_at - call->now);

  args_init_script (args, SCRIPT_CREATE, mailbox->has_create_request ? 4 : 3);
  args_add_text (args, LIVE_KEY);
  args_take_text (args, mailbox_key (mailbox->mailbox_id));
  args_take_text (args, tombstone_key (self, mailbox->mailbox_id));
  if (mailbox->has_create_request)
    args_take_text (args, create_request_key (mailbox->create_request_key));

  args_add_text (args, mailbox->mailbox_id);
  args_add_int (args, call->now);
  args_add_int (args, call->max_live);
  args_add_int (args, ttl);
  args_add_int (args, ttl + RELAY_TOMBSTONE_SECONDS);
  args_add_int (args, mailbox->expires_at);
  args_add_text (args, MAILBOX_PREFIX);
  args_add_hash (args, mailbox->sender_claim_hash);
  args_add_int (args, RELAY_END_EXPIRED);
  args_add_new_mailbox (args, mailbox);
}

static gboolean
settle_create (RelayStoreRedis  *self,
               redisReply       *reply,
               RelayOutcome     *outcome,
               GError          **error)
{
  Snapshot earlier = { NULL, };

  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER)
    return set_unexpected (self, "an answer to a create", error);

  switch (reply->element[0]->integer)
    {
    case 0:
      outcome->status = RELAY_STORE_OK;
      outcome->role = RELAY_ROLE_SENDER;
      return TRUE;
    case 2:
      outcome->status = RELAY_STORE_FULL;
      return TRUE;
    case 1:
      if (reply->elements != 3 || !reply_is_string (reply->element[2]) ||
          reply->element[2]->len != RELAY_MAILBOX_ID_LENGTH ||
          !decode_mailbox (self, reply->element[1], reply->element[2]->str, &earlier, error) ||
          earlier.mailbox == NULL)
        return set_unexpected (self, "an earlier mailbox", error);
      outcome->status = RELAY_STORE_REPEATED;
      outcome->role = RELAY_ROLE_SENDER;
      outcome->mailbox = g_steal_pointer (&earlier.mailbox);
      snapshot_clear (&earlier);
      return TRUE;
    default:
      return set_unexpected (self, "an answer to a create", error);
    }
}

static gboolean
create_call (RelayStoreRedis  *self,
             Connection       *conn,
             gpointer          data,
             GError          **error)
{
  CreateCall *call = data;
  redisReply *reply;
  Args args;
  gboolean ok;

  build_create (self, call, &args);
  reply = run_command (self, conn, &args, "creating a mailbox", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;

  relay_outcome_clear (call->outcome);
  ok = settle_create (self, reply, call->outcome, error);
  freeReplyObject (reply);
  return ok;
}

static gboolean
relay_store_redis_create (RelayStore          *store,
                          const RelayMailbox  *mailbox,
                          guint                max_live,
                          gint64               now,
                          RelayOutcome        *outcome,
                          GError             **error)
{
  RelayStoreRedis *self = RELAY_STORE_REDIS (store);
  CreateCall call = { mailbox, max_live, now, outcome };

  if (!with_connection (self, create_call, &call, error))
    {
      relay_outcome_clear (outcome);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Read                                                                     */
/* ------------------------------------------------------------------------ */

static gboolean
try_bind (RelayStoreRedis    *self,
          Connection         *conn,
          const RelayAccess  *access,
          gboolean           *bound_out,
          GError            **error)
{
  redisReply *reply;
  Args args;

  args_init_script (&args, SCRIPT_BIND, 2);
  args_take_text (&args, mailbox_key (access->mailbox_id));
  args_take_text (&args, tombstone_key (self, access->mailbox_id));
  args_add_hash (&args, access->claim_hash);
  reply = run_command (self, conn, &args, "binding a mailbox", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;

  *bound_out = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
  freeReplyObject (reply);
  return TRUE;
}

static void
record_binding (RelayMailbox      *mailbox,
                const RelayAccess *access,
                RelayOutcome      *outcome)
{
  mailbox->has_recipient = TRUE;
  memcpy (mailbox->recipient_claim_hash, access->claim_hash, RELAY_HASH_SIZE);
  mailbox->binding_epoch++;
  outcome->status = RELAY_STORE_OK;
  outcome->role = RELAY_ROLE_RECIPIENT;
  outcome->bound_now = TRUE;
}

typedef struct {
  const RelayAccess *access;
  const guint8      *bind_token_hash;
  RelayOutcome      *outcome;
  RelayTokenRequest *token;          /* read_taking_token only */
  Snapshot           loaded;         /* the first look, when has_loaded */
  gboolean           has_loaded;
} ReadCall;

/* One look at the mailbox (the one in call->loaded, if any); *again_out
 * when a binder beat us to the slot (or the mailbox vanished) between the
 * look and the bind. */
static gboolean
read_pass (RelayStoreRedis  *self,
           Connection       *conn,
           ReadCall         *call,
           gboolean         *again_out,
           GError          **error)
{
  Snapshot snapshot = call->loaded;
  gboolean want_bind, bound = FALSE, ok = TRUE;
  gboolean looked, has_loaded = call->has_loaded;

  memset (&call->loaded, 0, sizeof call->loaded);
  call->has_loaded = FALSE;
  *again_out = FALSE;
  relay_outcome_clear (call->outcome);
  if (has_loaded)
    looked = settle_loaded (self, conn, call->access, FALSE, &snapshot, call->outcome, error);
  else
    looked = find_live (self, conn, call->access, FALSE, &snapshot, call->outcome, error);
  if (!looked)
    {
      snapshot_clear (&snapshot);
      return FALSE;
    }
  if (snapshot.mailbox == NULL)
    return TRUE;

  relay_rules_decide_read (call->access, call->bind_token_hash, snapshot.mailbox,
                           &want_bind, call->outcome);
  if (want_bind)
    ok = try_bind (self, conn, call->access, &bound, error);
  if (ok && want_bind && !bound)
    *again_out = TRUE;
  else if (ok && bound)
    record_binding (snapshot.mailbox, call->access, call->outcome);

  if (ok && !*again_out && call->outcome->status == RELAY_STORE_OK)
    call->outcome->mailbox = g_steal_pointer (&snapshot.mailbox);
  snapshot_clear (&snapshot);
  return ok;
}

static gboolean
read_call (RelayStoreRedis  *self,
           Connection       *conn,
           gpointer          data,
           GError          **error)
{
  ReadCall *call = data;

  /* Two looks at most: a reader that lost the race to bind sees the slot
   * taken on its second look. */
  for (guint pass = 0; pass < 2; pass++)
    {
      gboolean again;

      if (!read_pass (self, conn, call, &again, error))
        return FALSE;
      if (!again)
        return TRUE;
    }

  /* The slot was taken and freed again between our looks (a relinquish):
   * answer as if the other reader still held it. */
  relay_outcome_clear (call->outcome);
  call->outcome->status = RELAY_STORE_CLAIMED_BY_OTHER;
  return TRUE;
}

static char *bucket_key (RelayStoreRedis *self,
                         const char      *scope,
                         const char      *key);

/* The read's token and the mailbox, in one round trip. */
static gboolean
take_token_and_load (RelayStoreRedis  *self,
                     Connection       *conn,
                     ReadCall         *call,
                     GError          **error)
{
  RelayTokenRequest *token = call->token;
  g_autoptr(GString) command = format_hmget (call->access->mailbox_id);
  redisReply *replies[2] = { NULL, NULL };
  Args args;
  gboolean ok;

  args_init_script (&args, SCRIPT_LIMIT, 1);
  args_take_text (&args, bucket_key (self, token->scope, token->key));
  args_add_int (&args, token->now_us / 1000);
  args_add_int (&args, token->per_minute);

  ok = run_batch (self, conn, &args, 1, command, replies, "reading a mailbox", error);
  if (ok)
    token->wait_out = replies[0]->type == REDIS_REPLY_INTEGER
                        ? (guint) MAX (replies[0]->integer, 0) : 0;
  if (ok && token->wait_out == 0)
    ok = decode_mailbox_fields (self, replies[1], call->access->mailbox_id, &call->loaded,
                                error);
  call->has_loaded = ok && token->wait_out == 0;

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    g_clear_pointer (&replies[i], freeReplyObject);
  args_clear (&args);
  return ok;
}

static gboolean
read_token_call (RelayStoreRedis  *self,
                 Connection       *conn,
                 gpointer          data,
                 GError          **error)
{
  ReadCall *call = data;

  if (!take_token_and_load (self, conn, call, error))
    {
      snapshot_clear (&call->loaded);
      return FALSE;
    }
  if (call->token->wait_out > 0)
    return TRUE;
  return read_call (self, conn, data, error);
}

static gboolean
relay_store_redis_read_taking_token (RelayStore         *store,
                                     RelayTokenRequest  *token,
                                     const RelayAccess  *access,
                                     const guint8       *bind_token_hash,
                                     RelayOutcome       *outcome,
                                     GError            **error)
{
  RelayStoreRedis *self = RELAY_STORE_REDIS (store);
  ReadCall call = { access, bind_token_hash, outcome, token, { NULL, }, FALSE };

  token->wait_out = 0;
  if (!with_connection (self, read_token_call, &call, error))
    {
      snapshot_clear (&call.loaded);
      relay_outcome_clear (outcome);
      return FALSE;
    }
  return TRUE;
}

static gboolean
relay_store_redis_read (RelayStore         *store,
                        const RelayAccess  *access,
                        const guint8       *bind_token_hash,
                        RelayOutcome       *outcome,
                        GError            **error)
{
  RelayStoreRedis *self = RELAY_STORE_REDIS (store);
  ReadCall call = { access, bind_token_hash, outcome, NULL, { NULL, }, FALSE };

  if (!with_connection (self, read_call, &call, error))
    {
      relay_outcome_clear (outcome);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Update, relinquish, delete: decided on a snapshot, applied if current    */
/* ------------------------------------------------------------------------ */

typedef enum {
  STEP_DONE,       /* applied, or refused by the rules */
  STEP_STALE,      /* the mailbox changed since the snapshot: decide again */
  STEP_FAILED,
} StepResult;

typedef struct _WriteCall WriteCall;

typedef StepResult (*WriteStep) (RelayStoreRedis  *self,
                                 Connection       *conn,
                                 WriteCall        *call,
                                 Snapshot         *snapshot,
                                 GError          **error);

struct _WriteCall
{
  const RelayAccess  *access;
  WriteStep           step;
  const char         *if_match;      /* update */
  const RelayPayload *payload;       /* update */
  RelayOutcome       *outcome;
  const char         *changed_etag;  /* set by a step that changed the mailbox */
  gboolean            ended;         /* set by delete */
};

static StepResult
run_guarded_script (RelayStoreRedis  *self,
                    Connection       *conn,
                    Args             *args,
                    const char       *doing,
                    GError          **error)
{
  redisReply *reply = run_command (self, conn, args, doing, error);
  StepResult result;

  args_clear (args);
  if (reply == NULL)
    return STEP_FAILED;
  result = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1 ? STEP_DONE : STEP_STALE;
  freeReplyObject (reply);
  return result;
}

/* The write script's arguments up to the field count; the caller adds
 * @n_set field/value pairs, then the fields to delete. */
static void
begin_write_args (RelayStoreRedis *self,
                  Args            *args,
                  WriteCall       *call,
                  const Snapshot  *snapshot,
                  const char      *new_etag,
                  gboolean         unbind,
                  guint            n_set)
{
  const char *mailbox_id = call->access->mailbox_id;

  args_init_script (args, SCRIPT_WRITE, 2);
  args_take_text (args, mailbox_key (mailbox_id));
  args_take_text (args, tombstone_key (self, mailbox_id));
  args_add_text (args, snapshot->version);
  args_add_text (args, self->channel);
  args_take_text (args, change_message (self, mailbox_id, new_etag));
  args_add_text (args, unbind ? "1" : "0");
  args_add_int (args, n_set);
}

/* The request key as the value of @field, or the field to delete. */
static void
args_add_request (Args              *args,
                  Args              *deletions,
                  Field              field,
                  const RelayAccess *access)
{
  if (access->has_request_key)
    args_add_field_hash (args, field, access->request_key);
  else
    args_add_text (deletions, field_names[field]);
}

static void
args_append (Args *args,
             Args *more)
{
  for (guint i = 0; i < more->values->len; i++)
    args_add (args, g_ptr_array_index (more->values, i),
              g_array_index (more->lengths, size_t, i));
}

/* The sender's write replaces the slot and forgets any kept copy; the
 * recipient's keeps the sender's last payload first, for relinquish. */
static StepResult
update_step (RelayStoreRedis  *self,
             Connection       *conn,
             WriteCall        *call,
             Snapshot         *snapshot,
             GError          **error)
{
  RelayMailbox *mailbox = snapshot->mailbox;
  gboolean by_sender = call->outcome->role == RELAY_ROLE_SENDER;
  gboolean keep_copy = !by_sender && !snapshot->has_sender_copy;
  Args args, deletions;
  StepResult result;

  call->outcome->status = relay_rules_check_update (mailbox, call->outcome->role,
                                                    call->if_match);
  if (call->outcome->status != RELAY_STORE_OK)
    return STEP_DONE;

  args_init (&deletions);
  begin_write_args (self, &args, call, snapshot, call->payload->etag, FALSE,
                    3 + (keep_copy ? 3 : 0) + (call->access->has_request_key ? 1 : 0));
  args_add_payload (&args, F_TYPE, call->payload);
  if (keep_copy)
    args_add_payload (&args, F_SENDER_TYPE, &mailbox->payload);
  args_add_request (&args, &deletions,
                    by_sender ? F_SENDER_REQUEST : F_RECIPIENT_REQUEST, call->access);
  if (by_sender)
    for (Field f = F_SENDER_TYPE; f <= F_SENDER_ETAG; f++)
      args_add_text (&deletions, field_names[f]);
  args_append (&args, &deletions);

  result = run_guarded_script (self, conn, &args, "updating a mailbox", error);
  args_clear (&deletions);
  if (result == STEP_DONE)
    {
      relay_rules_apply_update (mailbox, call->outcome->role, call->payload);
      call->changed_etag = call->payload->etag;
    }
  return result;
}

static StepResult
relinquish_step (RelayStoreRedis  *self,
                 Connection       *conn,
                 WriteCall        *call,
                 Snapshot         *snapshot,
                 GError          **error)
{
  RelayMailbox *mailbox = snapshot->mailbox;
  RelayOutcome *outcome = call->outcome;
  Args args, deletions;
  StepResult result;

  outcome->status = relay_rules_relinquish_refusal (mailbox, outcome->role);
  if (outcome->status != RELAY_STORE_OK)
    return STEP_DONE;

  args_init (&deletions);
  begin_write_args (self, &args, call, snapshot, mailbox->sender_payload.etag, TRUE,
                    4 + (call->access->has_request_key ? 1 : 0));
  args_add_payload (&args, F_TYPE, &mailbox->sender_payload);
  args_add_field_int (&args, F_RELINQUISHES, mailbox->relinquish_count + 1);
  args_add_request (&args, &deletions, F_RECIPIENT_REQUEST, call->access);
  for (Field f = F_SENDER_TYPE; f <= F_SENDER_ETAG; f++)
    args_add_text (&deletions, field_names[f]);
  args_add_text (&deletions, field_names[F_RECIPIENT]);
  args_append (&args, &deletions);

  result = run_guarded_script (self, conn, &args, "relinquishing a mailbox", error);
  args_clear (&deletions);
  if (result != STEP_DONE)
    return result;

  mailbox->has_recipient = FALSE;
  mailbox->relinquish_count++;
  relay_payload_clear (&mailbox->payload);
  relay_payload_copy (&mailbox->payload, &mailbox->sender_payload);
  call->changed_etag = mailbox->payload.etag;
  return STEP_DONE;
}

static StepResult
delete_step (RelayStoreRedis  *self,
             Connection       *conn,
             WriteCall        *call,
             Snapshot         *snapshot,
             GError          **error)
{
  RelayMailbox *mailbox = snapshot->mailbox;
  const RelayAccess *access = call->access;
  StepResult result;
  Args args;

  call->outcome->status = relay_rules_check_party (mailbox, call->outcome->role,
                                                   RELAY_RIGHT_DELETE);
  if (call->outcome->status != RELAY_STORE_OK)
    return STEP_DONE;

  args_init_script (&args, SCRIPT_DELETE, mailbox->has_create_request ? 4 : 3);
  args_take_text (&args, mailbox_key (access->mailbox_id));
  args_take_text (&args, tombstone_key (self, access->mailbox_id));
  args_add_text (&args, LIVE_KEY);
  if (mailbox->has_create_request)
    args_take_text (&args, create_request_key (mailbox->create_request_key));
  args_add_text (&args, snapshot->version);
  args_add_text (&args, access->mailbox_id);
  args_add_text (&args, self->channel);
  args_take_text (&args, change_message (self, access->mailbox_id, NULL));
  args_add_int (&args, RELAY_TOMBSTONE_SECONDS);
  args_add_int (&args, RELAY_END_DELETED);
  args_add_hash (&args, mailbox->sender_claim_hash);
  args_add_hash_or_empty (&args, mailbox->has_recipient, mailbox->recipient_claim_hash);
  args_add_hash_or_empty (&args, access->has_request_key, access->request_key);

  result = run_guarded_script (self, conn, &args, "deleting a mailbox", error);
  call->ended = result == STEP_DONE;
  return result;
}

static gboolean
write_call (RelayStoreRedis  *self,
            Connection       *conn,
            gpointer          data,
            GError          **error)
{
  WriteCall *call = data;

  for (guint attempt = 0; attempt < WRITE_ATTEMPTS; attempt++)
    {
      Snapshot snapshot = { NULL, };
      StepResult result;

      relay_outcome_clear (call->outcome);
      if (!find_live (self, conn, call->access, TRUE, &snapshot, call->outcome, error))
        return FALSE;
      if (snapshot.mailbox == NULL)
        return TRUE;

      call->outcome->role = relay_rules_role_of (snapshot.mailbox, call->access->claim_hash);
      result = call->step (self, conn, call, &snapshot, error);
      if (result == STEP_DONE && call->outcome->status == RELAY_STORE_OK && !call->ended)
        call->outcome->mailbox = g_steal_pointer (&snapshot.mailbox);
      snapshot_clear (&snapshot);
      if (result != STEP_STALE)
        return result == STEP_DONE;
    }

  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_FAILED,
               "A mailbox kept changing while it was written (%d attempts)", WRITE_ATTEMPTS);
  return FALSE;
}

static gboolean
run_write (RelayStoreRedis  *self,
           WriteCall        *call,
           GError          **error)
{
  if (!with_connection (self, write_call, call, error))
    {
      relay_outcome_clear (call->outcome);
      return FALSE;
    }
  if (call->outcome->status == RELAY_STORE_OK)
    notify_change (self, call->access->mailbox_id, call->ended ? NULL : call->changed_etag);
  return TRUE;
}

static gboolean
relay_store_redis_update (RelayStore          *store,
                          const RelayAccess   *access,
                          const char          *if_match,
                          const RelayPayload  *payload,
                          RelayOutcome        *outcome,
                          GError             **error)
{
  WriteCall call = { access, update_step, if_match, payload, outcome, NULL, FALSE };

  return run_write (RELAY_STORE_REDIS (store), &call, error);
}

static gboolean
relay_store_redis_delete (RelayStore         *store,
                          const RelayAccess  *access,
                          RelayOutcome       *outcome,
                          GError            **error)
{
  WriteCall call = { access, delete_step, NULL, NULL, outcome, NULL, FALSE };

  return run_write (RELAY_STORE_REDIS (store), &call, error);
}

static gboolean
relay_store_redis_relinquish (RelayStore         *store,
                              const RelayAccess  *access,
                              RelayOutcome       *outcome,
                              GError            **error)
{
  WriteCall call = { access, relinquish_step, NULL, NULL, outcome, NULL, FALSE };

  return run_write (RELAY_STORE_REDIS (store), &call, error);
}

/* ------------------------------------------------------------------------ */
/* Peek, sweep, count                                                       */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char   *mailbox_id;
  gint64        now;
  RelayOutcome *outcome;
} PeekCall;

static gboolean
peek_call (RelayStoreRedis  *self,
           Connection       *conn,
           gpointer          data,
           GError          **error)
{
  PeekCall *call = data;
  Snapshot snapshot = { NULL, };

  relay_outcome_clear (call->outcome);
  if (!load_snapshot (self, conn, call->mailbox_id, &snapshot, error))
    return FALSE;

  if (snapshot.mailbox != NULL && snapshot.mailbox->expires_at > call->now)
    {
      call->outcome->status = RELAY_STORE_OK;
      call->outcome->mailbox = g_steal_pointer (&snapshot.mailbox);
    }
  else
    call->outcome->status = RELAY_STORE_NOT_FOUND;
  snapshot_clear (&snapshot);
  return TRUE;
}

static gboolean
relay_store_redis_peek (RelayStore    *store,
                        const char    *mailbox_id,
                        gint64         now,
                        RelayOutcome  *outcome,
                        GError       **error)
{
  PeekCall call = { mailbox_id, now, outcome };

  return with_connection (RELAY_STORE_REDIS (store), peek_call, &call, error);
}

typedef struct {
  gint64     now;
  guint      batch;
  GPtrArray *swept_ids;
} SweepCall;

/* One sweep script over at most @step mailboxes; their ids are appended
 * to call->swept_ids. */
static gboolean
sweep_step (RelayStoreRedis  *self,
            Connection       *conn,
            SweepCall        *call,
            guint             step,
            guint            *swept_out,
            GError          **error)
{
  redisReply *reply;
  Args args;

  args_init_script (&args, SCRIPT_SWEEP, 1);
  args_add_text (&args, LIVE_KEY);
  args_add_int (&args, call->now);
  args_add_int (&args, step);
  args_add_text (&args, MAILBOX_PREFIX);
  args_add_text (&args, self->channel);
  args_take_text (&args, g_strconcat (self->instance_id, " ", NULL));
  reply = run_command (self, conn, &args, "removing expired mailboxes", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;

  *swept_out = 0;
  for (gsize i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++)
    if (reply_is_string (reply->element[i]))
      {
        g_ptr_array_add (call->swept_ids, copy_text (reply->element[i]));
        (*swept_out)++;
      }
  freeReplyObject (reply);
  return TRUE;
}

static gboolean
sweep_call (RelayStoreRedis  *self,
            Connection       *conn,
            gpointer          data,
            GError          **error)
{
  SweepCall *call = data;

  g_ptr_array_set_size (call->swept_ids, 0);
  while (call->swept_ids->len < call->batch)
    {
      guint step = MIN (SWEEP_STEP, call->batch - call->swept_ids->len);
      guint swept;

      if (!sweep_step (self, conn, call, step, &swept, error))
        return FALSE;
      if (swept < step)
        break;
    }
  return TRUE;
}

static gboolean
relay_store_redis_sweep (RelayStore  *store,
                         gint64       now,
                         guint        batch,
                         guint       *swept_out,
                         GError     **error)
{
  RelayStoreRedis *self = RELAY_STORE_REDIS (store);
  g_autoptr(GPtrArray) swept_ids = g_ptr_array_new_with_free_func (g_free);
  SweepCall call = { now, batch, swept_ids };
  gboolean ok = with_connection (self, sweep_call, &call, error);

  for (guint i = 0; ok && i < swept_ids->len; i++)
    notify_change (self, g_ptr_array_index (swept_ids, i), NULL);
  if (swept_out != NULL)
    *swept_out = ok ? swept_ids->len : 0;
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Rate limits shared by every relay process                                */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *scope;
  const char *key;
  guint       per_minute;
  gint64      now_us;
  guint      *wait_out;
} TokenCall;

/* The bucket's name holds the HMAC of its key (an address, a mailbox id)
 * under the relay secret, so Redis never holds client addresses. */
static char *
bucket_key (RelayStoreRedis *self,
            const char      *scope,
            const char      *key)
{
  g_autofree char *scoped = g_strconcat (scope, " ", key, NULL);
  g_autofree char *hashed = tombstone_key (self, scoped);

  return g_strconcat (KEY_PREFIX "l:", hashed + strlen (KEY_PREFIX "t:"), NULL);
}

static gboolean
token_call (RelayStoreRedis  *self,
            Connection       *conn,
            gpointer          data,
            GError          **error)
{
  TokenCall *call = data;
  redisReply *reply;
  Args args;

  args_init_script (&args, SCRIPT_LIMIT, 1);
  args_take_text (&args, bucket_key (self, call->scope, call->key));
  args_add_int (&args, call->now_us / 1000);
  args_add_int (&args, call->per_minute);
  reply = run_command (self, conn, &args, "counting a rate limit", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;

  *call->wait_out = reply->type == REDIS_REPLY_INTEGER ? (guint) MAX (reply->integer, 0) : 0;
  freeReplyObject (reply);
  return TRUE;
}

static gboolean
relay_store_redis_take_token (RelayStore  *store,
                              const char  *scope,
                              const char  *key,
                              guint        per_minute,
                              gint64       now_us,
                              guint       *wait_out,
                              GError     **error)
{
  TokenCall call = { scope, key, per_minute, now_us, wait_out };

  *wait_out = 0;
  return with_connection (RELAY_STORE_REDIS (store), token_call, &call, error);
}

static gboolean
count_call (RelayStoreRedis  *self,
            Connection       *conn,
            gpointer          data,
            GError          **error)
{
  guint64 *count_out = data;
  redisReply *reply;
  Args args;

  args_init (&args);
  args_add_text (&args, "ZCARD");
  args_add_text (&args, LIVE_KEY);
  reply = run_command (self, conn, &args, "counting mailboxes", error);
  args_clear (&args);
  if (reply == NULL)
    return FALSE;

  *count_out = reply->type == REDIS_REPLY_INTEGER ? (guint64) MAX (reply->integer, 0) : 0;
  freeReplyObject (reply);
  return TRUE;
}

static gboolean
relay_store_redis_count_live (RelayStore  *store,
                              guint64     *count_out,
                              GError     **error)
{
  *count_out = 0;
  return with_connection (RELAY_STORE_REDIS (store), count_call, count_out, error);
}

/* ------------------------------------------------------------------------ */
/* The change feed: what the other relay processes changed                  */
/* ------------------------------------------------------------------------ */

static void
note_feed (RelayStoreRedis *self,
           gboolean         up,
           const char      *reason)
{
  g_mutex_lock (&self->feed_lock);
  if (up && !self->feed_up && self->feed_tried)
    g_message ("Receiving changes from the other relays through Redis at %s again",
               self->where);
  else if (!up && (self->feed_up || !self->feed_tried))
    g_warning ("Cannot receive changes from the other relays through Redis at %s (%s); "
               "their changes reach long polls here late until it is back",
               self->where, reason);
  self->feed_up = up;
  self->feed_tried = TRUE;
  g_cond_broadcast (&self->feed_cond);
  g_mutex_unlock (&self->feed_lock);
}

static redisContext *
subscribe (RelayStoreRedis *self)
{
  g_autoptr(GError) error = NULL;
  Connection *conn = open_connection (self, &error);
  redisContext *context;
  redisReply *reply;
  Args args;

  if (conn == NULL)
    {
      note_feed (self, FALSE, error->message);
      return NULL;
    }
  args_init (&args);
  args_add_text (&args, "SUBSCRIBE");
  args_add_text (&args, self->channel);
  reply = run_command (self, conn, &args, "subscribing to changes", &error);
  args_clear (&args);
  if (reply == NULL)
    {
      note_feed (self, FALSE, error->message);
      connection_free (conn);
      return NULL;
    }
  freeReplyObject (reply);

  context = conn->context;
  g_free (conn);
  note_feed (self, TRUE, NULL);
  return context;
}

static void
on_feed_message (RelayStoreRedis  *self,
                 const redisReply *reply)
{
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) ids = NULL;

  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      !reply_is_string (reply->element[0]) || !reply_is_string (reply->element[2]) ||
      !g_str_equal (reply->element[0]->str, "message"))
    return;

  parts = g_strsplit (reply->element[2]->str, " ", 3);
  if (g_strv_length (parts) != 3 || g_str_equal (parts[0], self->instance_id))
    return;

  /* One id, or a sweep's batch of them. */
  ids = g_strsplit (parts[1], ",", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    if (strlen (ids[i]) == RELAY_MAILBOX_ID_LENGTH)
      notify_change (self, ids[i], g_str_equal (parts[2], "-") ? NULL : parts[2]);
}

/* Hands every complete message read so far to on_feed_message. */
static gboolean
drain_feed (RelayStoreRedis *self,
            redisContext    *context)
{
  for (;;)
    {
      void *reply = NULL;

      if (redisGetReplyFromReader (context, &reply) != REDIS_OK)
        return FALSE;
      if (reply == NULL)
        return TRUE;
      on_feed_message (self, reply);
      freeReplyObject (reply);
    }
}

/* Waits up to @timeout_ms (-1: for ever) for @fd or the stop signal;
 * TRUE if @fd is readable, FALSE when stopping (or on timeout). */
static gboolean
wait_readable (RelayStoreRedis *self,
               int              fd,
               int              timeout_ms)
{
  struct pollfd fds[2] = {
    { self->feed_stop[0], POLLIN, 0 },
    { fd, POLLIN, 0 },
  };
  int ready;

  do
    ready = poll (fds, fd >= 0 ? 2 : 1, timeout_ms);
  while (ready < 0 && errno == EINTR);

  return ready > 0 && fds[0].revents == 0 && fd >= 0 && fds[1].revents != 0;
}

static gboolean
stopping (RelayStoreRedis *self)
{
  struct pollfd stop = { self->feed_stop[0], POLLIN, 0 };

  return poll (&stop, 1, 0) > 0;
}

static void
follow_feed (RelayStoreRedis *self,
             redisContext    *context)
{
  while (drain_feed (self, context) && wait_readable (self, context->fd, -1))
    {
      if (redisBufferRead (context) != REDIS_OK)
        {
          note_feed (self, FALSE, context->errstr);
          return;
        }
    }
}

static gpointer
feed_main (gpointer data)
{
  RelayStoreRedis *self = data;
  guint pause_ms = 0;
  gboolean was_following = FALSE;

  while (!stopping (self))
    {
      redisContext *context;

      if (pause_ms > 0)
        wait_readable (self, -1, pause_ms);
      if (stopping (self))
        break;
      context = subscribe (self);
      if (context == NULL)
        {
          pause_ms = CLAMP (pause_ms * 2, FEED_RETRY_MIN_MS, FEED_RETRY_MAX_MS);
          continue;
        }
      /* Other relays' changes published while the feed was down were
       * missed: every long poll here looks at its mailbox again. */
      if (was_following)
        notify_change (self, NULL, NULL);
      was_following = TRUE;
      pause_ms = FEED_RETRY_MIN_MS;
      follow_feed (self, context);
      redisFree (context);
    }
  return NULL;
}

static void
start_feed (RelayStoreRedis *self)
{
  g_autoptr(GError) error = NULL;

  if (!g_unix_open_pipe (self->feed_stop, FD_CLOEXEC, &error))
    {
      g_warning ("Cannot follow changes made by other relays: %s", error->message);
      return;
    }

  g_mutex_lock (&self->feed_lock);
  self->feed_tried = FALSE;
  self->feed_thread = g_thread_new ("relay-redis-feed", feed_main, self);
  /* Long polls that start right after this call already hear other
   * relays' changes, unless Redis is unreachable now. */
  while (!self->feed_tried)
    g_cond_wait (&self->feed_cond, &self->feed_lock);
  g_mutex_unlock (&self->feed_lock);
}

static void
stop_feed (RelayStoreRedis *self)
{
  if (self->feed_thread == NULL)
    return;

  while (write (self->feed_stop[1], "x", 1) < 0 && errno == EINTR)
    ;
  g_thread_join (g_steal_pointer (&self->feed_thread));
  close (self->feed_stop[0]);
  close (self->feed_stop[1]);
  self->feed_stop[0] = self->feed_stop[1] = -1;
}

static void
relay_store_redis_set_change_func (RelayStore           *store,
                                   RelayStoreChangeFunc  func,
                                   gpointer              user_data)
{
  RelayStoreRedis *self = RELAY_STORE_REDIS (store);

  /* The feed thread calls the hook: it runs only while there is one. */
  stop_feed (self);
  self->change_func = func;
  self->change_data = user_data;
  if (func != NULL)
    start_feed (self);
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */
/* ------------------------------------------------------------------------ */

static gboolean
fail_spec (GError **error)
{
  /* The spec is not repeated: it may hold a password. */
  g_set_error (error, RELAY_STORE_ERROR, RELAY_STORE_ERROR_BAD_SPEC,
               "The Redis storage must be written redis://HOST:PORT or "
               "redis://HOST:PORT/DB (with :PASSWORD@ before HOST if Redis needs one), "
               "for example redis://127.0.0.1:6379");
  return FALSE;
}

static gboolean
parse_database (const char *path,
                guint      *db_out)
{
  guint64 db = 0;

  if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
    db = 0;
  else if (path[0] != '/' || !g_ascii_string_to_unsigned (path + 1, 10, 0, 1 << 20, &db, NULL))
    return FALSE;
  *db_out = db;
  return TRUE;
}

static gboolean
parse_spec (RelayStoreRedis  *self,
            const char       *spec,
            GError          **error)
{
  g_autoptr(GUri) uri = g_uri_parse (spec, G_URI_FLAGS_HAS_PASSWORD, NULL);
  int port;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      !parse_database (g_uri_get_path (uri), &self->db))
    return fail_spec (error);

  port = g_uri_get_port (uri);
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = port > 0 ? port : DEFAULT_PORT;
  self->user = g_strdup (g_uri_get_user (uri));
  self->password = g_strdup (g_uri_get_password (uri));
  self->where = g_strdup_printf (strchr (self->host, ':') ? "[%s]:%u/%u" : "%s:%u/%u",
                                 self->host, self->port, self->db);
  /* Pub/sub channels are shared by all databases of a server. */
  self->channel = g_strdup_printf (KEY_PREFIX "changes:%u", self->db);
  return TRUE;
}

RelayStoreRedis *
relay_store_redis_new (const char  *spec,
                       GError     **error)
{
  g_autoptr(RelayStoreRedis) self = NULL;
  Connection *conn;

  g_return_val_if_fail (spec != NULL, NULL);

  self = g_object_new (RELAY_TYPE_STORE_REDIS, NULL);
  if (!parse_spec (self, spec, error))
    return NULL;

  conn = connect_for_calls (self, error);
  if (conn == NULL)
    {
      g_prefix_error (error, "Could not open the Redis storage: ");
      return NULL;
    }
  release_connection (self, conn);
  self->opened = TRUE;
  g_message ("Keeping mailboxes in Redis, database %u", self->db);
  return g_steal_pointer (&self);
}

static void
relay_store_redis_finalize (GObject *object)
{
  RelayStoreRedis *self = RELAY_STORE_REDIS (object);

  stop_feed (self);
  g_async_queue_unref (self->idle_connections);
  tw_wipe (self->relay_secret, sizeof self->relay_secret);
  if (self->password != NULL)
    tw_wipe (self->password, strlen (self->password));
  g_free (self->password);
  g_free (self->user);
  g_free (self->host);
  g_free (self->where);
  g_free (self->channel);
  g_free (self->connect_failure);
  g_mutex_clear (&self->connect_lock);
  g_mutex_clear (&self->secret_lock);
  g_mutex_clear (&self->feed_lock);
  g_cond_clear (&self->feed_cond);

  G_OBJECT_CLASS (relay_store_redis_parent_class)->finalize (object);
}

static void
relay_store_redis_class_init (RelayStoreRedisClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = relay_store_redis_finalize;

  for (guint i = 0; i < N_SCRIPTS; i++)
    {
      g_autofree char *sha1 = g_compute_checksum_for_string (G_CHECKSUM_SHA1,
                                                             scripts[i].text, -1);

      g_strlcpy (scripts[i].sha1, sha1, sizeof scripts[i].sha1);
    }
}

static void
relay_store_redis_init (RelayStoreRedis *self)
{
  guint8 instance[INSTANCE_ID_BYTES];

  self->idle_connections = g_async_queue_new_full ((GDestroyNotify) connection_free);
  self->reachable = TRUE;
  self->feed_stop[0] = self->feed_stop[1] = -1;
  g_mutex_init (&self->connect_lock);
  g_mutex_init (&self->secret_lock);
  g_mutex_init (&self->feed_lock);
  g_cond_init (&self->feed_cond);

  tw_random_bytes (instance, sizeof instance);
  for (guint i = 0; i < sizeof instance; i++)
    g_snprintf (self->instance_id + 2 * i, 3, "%02x", instance[i]);
}

static void
relay_store_redis_iface_init (RelayStoreInterface *iface)
{
  iface->create = relay_store_redis_create;
  iface->read = relay_store_redis_read;
  iface->update = relay_store_redis_update;
  iface->delete = relay_store_redis_delete;
  iface->relinquish = relay_store_redis_relinquish;
  iface->peek = relay_store_redis_peek;
  iface->sweep = relay_store_redis_sweep;
  iface->count_live = relay_store_redis_count_live;
  iface->set_change_func = relay_store_redis_set_change_func;
  iface->take_token = relay_store_redis_take_token;
  iface->read_taking_token = relay_store_redis_read_taking_token;
}
