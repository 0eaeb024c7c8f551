/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <hiredis/hiredis.h>

G_BEGIN_DECLS

/*
 * A private redis-server for the relay's tests: started on a free loopback
 * port with its files in the test's scratch folder, without persistence
 * unless asked, and stopped by its process id (it also dies with the test
 * program if that crashes).
 *
 * Environment: TW_REDIS_SERVER, the redis-server to run (set by meson;
 * "redis-server" from PATH otherwise).
 */
typedef struct _RelayTestRedis RelayTestRedis;

/* Starts a server with @extra_args (NULL-terminated, may be NULL) added to
 * its command line, and waits until it answers PING. */
RelayTestRedis *relay_test_redis_start       (const char * const *extra_args);

/* Stops the server (SIGTERM, or SIGKILL with @kill_hard) and waits for it;
 * relay_test_redis_restart starts it again on the same port and folder. */
void            relay_test_redis_stop        (RelayTestRedis     *redis,
                                              gboolean            kill_hard);
void            relay_test_redis_restart     (RelayTestRedis     *redis);

/* SIGSTOP / SIGCONT: a server that hangs without closing its sockets.
 * Returns once the process is stopped (or running again). */
void            relay_test_redis_pause       (RelayTestRedis     *redis,
                                              gboolean            paused);
void            relay_test_redis_free        (RelayTestRedis     *redis);

guint16         relay_test_redis_port        (RelayTestRedis     *redis);

/* A --storage value for database @db of this server. */
char           *relay_test_redis_storage     (RelayTestRedis     *redis,
                                              guint               db);

/* One command on database @db, arguments as text; asserts that Redis
 * answered (an error reply is returned, not asserted). */
redisReply     *relay_test_redis_command     (RelayTestRedis     *redis,
                                              guint               db,
                                              const char * const *argv);

/* The server the whole program shares when TW_RELAY_TEST_STORAGE=redis:
 * started on first use, stopped when the program exits. Each call returns
 * a --storage value on a database of its own, so every relay a test starts
 * begins empty, as with a fresh SQLite file. */
char           *relay_test_redis_new_shared_storage (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayTestRedis, relay_test_redis_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (redisReply, freeReplyObject)

G_END_DECLS
