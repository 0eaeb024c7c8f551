/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The hashes the relay computes on every request (a claim's hash, a
 * mailbox's key) at a fraction of a one-shot call's cost: each thread
 * keeps its own OpenSSL contexts, the algorithms are fetched once, and
 * the HMAC context stays keyed between calls (OpenSSL restarts it from
 * its saved keyed state). The results equal tw_sha256() and
 * tw_hmac_sha256(). Any thread may call these.
 */

#define RELAY_DIGEST_SIZE 32   /* SHA-256 */

void  relay_digest_sha256       (gconstpointer  data,
                                 gsize          size,
                                 guint8         out[RELAY_DIGEST_SIZE]);

/* SHA-256 of @label, a zero byte, @first, and, when @second is not NULL,
 * another zero byte and @second: no two inputs give the same bytes. */
void  relay_digest_labelled     (const char    *label,
                                 const char    *first,
                                 const char    *second,
                                 guint8         out[RELAY_DIGEST_SIZE]);

/* HMAC-SHA256 of @data under @key (at most 64 bytes, the block size). */
void  relay_digest_hmac_sha256  (const guint8  *key,
                                 gsize          key_size,
                                 gconstpointer  data,
                                 gsize          size,
                                 guint8         out[RELAY_DIGEST_SIZE]);

G_END_DECLS
