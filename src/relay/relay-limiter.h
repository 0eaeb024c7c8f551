/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * RelayLimiter: token buckets by key (a client address prefix, a mailbox
 * id), each refilled at `per_minute` tokens a minute up to `per_minute`.
 * Thread-safe. Keys live in memory only and are forgotten once their bucket
 * is full again, so the limiter keeps no lasting trace of who asked.
 */
typedef struct _RelayLimiter RelayLimiter;

/* @per_minute 0 makes a limiter that allows everything. */
RelayLimiter *relay_limiter_new      (guint          per_minute);
void          relay_limiter_free     (RelayLimiter  *limiter);

/* Takes one token. Returns 0 if allowed, else the seconds until a token
 * is available (for Retry-After). */
guint         relay_limiter_take     (RelayLimiter  *limiter,
                                      const char    *key,
                                      gint64         now_us);

/* The same without taking: 0 if a token is available now. */
guint         relay_limiter_check    (RelayLimiter  *limiter,
                                      const char    *key,
                                      gint64         now_us);

/* Forgets buckets that are full again; call now and then. */
void          relay_limiter_prune    (RelayLimiter  *limiter,
                                      gint64         now_us);

guint         relay_limiter_size     (RelayLimiter  *limiter);

/* The key of a client address: an IPv4 address (IPv4-mapped IPv6 included)
 * whole, an IPv6 address by its /64. */
char         *relay_limiter_address_key (GInetAddress *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayLimiter, relay_limiter_free)

G_END_DECLS
