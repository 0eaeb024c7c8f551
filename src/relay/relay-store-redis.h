/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "relay-store.h"

G_BEGIN_DECLS

/*
 * RelayStoreRedis: the shared store, one Redis (or Valkey) server used by
 * any number of relay processes behind a load balancer.
 *
 * Layout, under the prefix "tigress-relay:" in the chosen database:
 *   m:ID        hash, one mailbox; expires by Redis's own TTL at its expiry
 *   t:HMAC      hash, its tombstone (reason, claim hashes, request key),
 *               written at creation as "expired" so that it is already
 *               there when Redis drops the mailbox, overwritten as
 *               "deleted" by DeleteMailbox; expires 24 h after the mailbox
 *   c:KEY       string, create request key to mailbox id (retried creates)
 *   live        sorted set of live mailbox ids by expiry (count, sweep)
 *   schema, secret   the layout version and the shared relay secret
 *
 * Every rule that must hold under concurrency runs inside one Lua script
 * (EVALSHA, EVAL when Redis lost its script cache): creation, binding
 * (only while the recipient slot is empty) and writes guarded by a
 * version counter that every change bumps, so a write decided on a stale
 * view is refused and decided again.
 *
 * Changes are published on a channel; each process keeps one subscriber
 * connection in a thread of its own and wakes its long polls for changes
 * made by the other processes. Connections come from a small pool; one
 * that fails is dropped and the next call connects again, so the relay
 * recovers by itself when Redis comes back, and answers 503 meanwhile
 * (connects and commands time out after two seconds).
 *
 * Redis Cluster is not supported: the scripts touch keys of several slots.
 */
#define RELAY_TYPE_STORE_REDIS (relay_store_redis_get_type ())
G_DECLARE_FINAL_TYPE (RelayStoreRedis, relay_store_redis, RELAY, STORE_REDIS, GObject)

/* The layout version this build writes under "tigress-relay:schema". */
#define RELAY_STORE_REDIS_SCHEMA_VERSION 1

/*
 * Connects to the server named by @spec,
 * "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]" (port 6379 and database 0
 * by default), checks the layout version and loads or creates the relay
 * secret. Fails if the server cannot be reached now.
 */
RelayStoreRedis *relay_store_redis_new (const char  *spec,
                                        GError     **error);

G_END_DECLS
