/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-test-redis.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "relay-test.h"

#define SHARED_DATABASES  4096
#define START_TIMEOUT_MS  10000

struct _RelayTestRedis
{
  GSubprocess *process;
  GStrv        extra_args;
  char        *dir;
  guint16      port;
};

static guint16
free_loopback_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
answers_ping (guint16 port)
{
  redisContext *context = redisConnectWithTimeout ("127.0.0.1", port,
                                                   (struct timeval) { 0, 200000 });
  redisReply *reply = NULL;
  gboolean ok;

  if (context != NULL && context->err == 0)
    reply = redisCommand (context, "PING");
  ok = reply != NULL && reply->type == REDIS_REPLY_STATUS && g_str_equal (reply->str, "PONG");
  if (reply != NULL)
    freeReplyObject (reply);
  redisFree (context);
  return ok;
}

static void
launch (RelayTestRedis *redis)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *log = g_build_filename (redis->dir, "redis.log", NULL);
  const char *binary = g_getenv ("TW_REDIS_SERVER");
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  g_ptr_array_add (argv, g_strdup (binary != NULL ? binary : "redis-server"));
  for (const char *const *arg = (const char *const []) {
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redis->dir,
         "--databases", G_STRINGIFY (SHARED_DATABASES), NULL };
       *arg != NULL; arg++)
    g_ptr_array_add (argv, g_strdup (*arg));
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", redis->port));
  for (guint i = 0; redis->extra_args != NULL && redis->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (redis->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  redis->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);

  while (!answers_ping (redis->port))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("redis-server did not answer on port %u", redis->port);
      g_usleep (20 * 1000);
    }
}

RelayTestRedis *
relay_test_redis_start (const char * const *extra_args)
{
  static guint counter;
  RelayTestRedis *redis = g_new0 (RelayTestRedis, 1);

  redis->extra_args = g_strdupv ((char **) extra_args);
  redis->dir = g_strdup_printf ("%s/redis-%u", relay_test_scratch_dir (), ++counter);
  g_assert_cmpint (g_mkdir_with_parents (redis->dir, 0700), ==, 0);
  redis->port = free_loopback_port ();
  launch (redis);
  return redis;
}

void
relay_test_redis_stop (RelayTestRedis *redis,
                       gboolean        kill_hard)
{
  if (redis->process == NULL)
    return;

  /* By the child's own pid, never by name. */
  if (g_subprocess_get_identifier (redis->process) != NULL)
    {
      g_subprocess_send_signal (redis->process, SIGCONT);
      g_subprocess_send_signal (redis->process, kill_hard ? SIGKILL : SIGTERM);
    }
  g_subprocess_wait (redis->process, NULL, NULL);
  g_clear_object (&redis->process);
}

void
relay_test_redis_restart (RelayTestRedis *redis)
{
  g_assert_null (redis->process);
  launch (redis);
}

/* The state letter of process @pid in /proc (T: stopped), or 0 once it
 * is gone. */
static char
process_state (const char *pid)
{
  g_autofree char *path = g_strconcat ("/proc/", pid, "/stat", NULL);
  g_autofree char *stat = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  /* The name in parentheses may hold spaces: the state follows the last ')'. */
  after_name = strrchr (stat, ')');
  return after_name != NULL && after_name[1] == ' ' ? after_name[2] : 0;
}

/*
 * g_subprocess_send_signal () only queues the signal for GLib's worker
 * thread, so on a loaded machine Redis went on answering for a while after
 * the call returned (the hung-Redis test then got 200 where it expected
 * 503). The signal is sent here directly to the child's own pid, and the
 * call returns once the kernel shows the process stopped (or running).
 */
void
relay_test_redis_pause (RelayTestRedis *redis,
                        gboolean        paused)
{
  const char *pid;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_nonnull (redis->process);
  pid = g_subprocess_get_identifier (redis->process);
  g_assert_nonnull (pid);
  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), paused ? SIGSTOP : SIGCONT),
                   ==, 0);
  while ((process_state (pid) == 'T') != paused)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("redis-server did not %s within 10 s", paused ? "stop" : "continue");
      g_usleep (G_USEC_PER_SEC / 100);
    }
}

void
relay_test_redis_free (RelayTestRedis *redis)
{
  if (redis == NULL)
    return;

  relay_test_redis_stop (redis, FALSE);
  g_strfreev (redis->extra_args);
  g_free (redis->dir);
  g_free (redis);
}

guint16
relay_test_redis_port (RelayTestRedis *redis)
{
  return redis->port;
}

char *
relay_test_redis_storage (RelayTestRedis *redis,
                          guint           db)
{
  return g_strdup_printf ("redis://127.0.0.1:%u/%u", redis->port, db);
}

redisReply *
relay_test_redis_command (RelayTestRedis     *redis,
                          guint               db,
                          const char * const *argv)
{
  redisContext *context = redisConnect ("127.0.0.1", redis->port);
  redisReply *reply;
  guint argc = g_strv_length ((char **) argv);

  g_assert_nonnull (context);
  g_assert_cmpint (context->err, ==, 0);
  reply = redisCommand (context, "SELECT %u", db);
  g_assert_nonnull (reply);
  freeReplyObject (reply);
  reply = redisCommandArgv (context, argc, (const char **) argv, NULL);
  g_assert_nonnull (reply);
  redisFree (context);
  return reply;
}

static RelayTestRedis *shared_redis;

static void
stop_shared_redis (void)
{
  g_clear_pointer (&shared_redis, relay_test_redis_free);
}

char *
relay_test_redis_new_shared_storage (void)
{
  static guint next_db;

  if (shared_redis == NULL)
    {
      shared_redis = relay_test_redis_start (NULL);
      atexit (stop_shared_redis);
    }
  g_assert_cmpuint (next_db, <, SHARED_DATABASES);
  return relay_test_redis_storage (shared_redis, next_db++);
}
