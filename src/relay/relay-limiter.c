/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-limiter.h"

#include <string.h>

/* Buckets are spread over shards so that threads rarely wait for each
 * other's lock. */
#define N_SHARDS 16

/* Past this many keys in one shard, a full prune runs on the next take. */
#define SHARD_SOFT_LIMIT 65536

typedef struct {
  double tokens;
  gint64 updated_us;
} Bucket;

typedef struct {
  GMutex      lock;
  GHashTable *buckets;   /* key → Bucket */
} Shard;

struct _RelayLimiter
{
  guint  per_minute;
  Shard  shards[N_SHARDS];
};

RelayLimiter *
relay_limiter_new (guint per_minute)
{
  RelayLimiter *limiter = g_new0 (RelayLimiter, 1);

  limiter->per_minute = per_minute;
  for (guint i = 0; i < N_SHARDS; i++)
    {
      g_mutex_init (&limiter->shards[i].lock);
      limiter->shards[i].buckets = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                          g_free, g_free);
    }
  return limiter;
}

void
relay_limiter_free (RelayLimiter *limiter)
{
  if (limiter == NULL)
    return;

  for (guint i = 0; i < N_SHARDS; i++)
    {
      g_hash_table_unref (limiter->shards[i].buckets);
      g_mutex_clear (&limiter->shards[i].lock);
    }
  g_free (limiter);
}

static double
refill_rate_per_us (RelayLimiter *limiter)
{
  return limiter->per_minute / (60.0 * G_USEC_PER_SEC);
}

static void
refill (RelayLimiter *limiter,
        Bucket       *bucket,
        gint64        now_us)
{
  gint64 elapsed = MAX (0, now_us - bucket->updated_us);

  bucket->tokens = MIN ((double) limiter->per_minute,
                        bucket->tokens + elapsed * refill_rate_per_us (limiter));
  bucket->updated_us = now_us;
}

static guint
seconds_until_token (RelayLimiter *limiter,
                     const Bucket *bucket)
{
  double seconds = (1.0 - bucket->tokens) / (refill_rate_per_us (limiter) * G_USEC_PER_SEC);
  guint whole = (guint) seconds;

  /* Rounded up, so a client that waits this long finds a token. */
  return MAX (1, whole + (seconds > whole ? 1 : 0));
}

static void
prune_shard (RelayLimiter *limiter,
             Shard        *shard,
             gint64        now_us)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, shard->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    {
      refill (limiter, bucket, now_us);
      if (bucket->tokens >= limiter->per_minute)
        g_hash_table_iter_remove (&iter);
    }
}

static guint
take_or_check (RelayLimiter *limiter,
               const char   *key,
               gint64        now_us,
               gboolean      take)
{
  Shard *shard;
  Bucket *bucket;
  guint wait = 0;

  if (limiter->per_minute == 0)
    return 0;

  shard = &limiter->shards[g_str_hash (key) % N_SHARDS];
  g_mutex_lock (&shard->lock);
  bucket = g_hash_table_lookup (shard->buckets, key);
  if (bucket == NULL)
    {
      if (g_hash_table_size (shard->buckets) >= SHARD_SOFT_LIMIT)
        prune_shard (limiter, shard, now_us);
      bucket = g_new (Bucket, 1);
      bucket->tokens = limiter->per_minute;
      bucket->updated_us = now_us;
      g_hash_table_insert (shard->buckets, g_strdup (key), bucket);
    }

  refill (limiter, bucket, now_us);
  if (bucket->tokens < 1.0)
    wait = seconds_until_token (limiter, bucket);
  else if (take)
    bucket->tokens -= 1.0;
  g_mutex_unlock (&shard->lock);
  return wait;
}

guint
relay_limiter_take (RelayLimiter *limiter,
                    const char   *key,
                    gint64        now_us)
{
  return take_or_check (limiter, key, now_us, TRUE);
}

guint
relay_limiter_check (RelayLimiter *limiter,
                     const char   *key,
                     gint64        now_us)
{
  return take_or_check (limiter, key, now_us, FALSE);
}

void
relay_limiter_prune (RelayLimiter *limiter,
                     gint64        now_us)
{
  for (guint i = 0; i < N_SHARDS; i++)
    {
      g_mutex_lock (&limiter->shards[i].lock);
      prune_shard (limiter, &limiter->shards[i], now_us);
      g_mutex_unlock (&limiter->shards[i].lock);
    }
}

guint
relay_limiter_size (RelayLimiter *limiter)
{
  guint size = 0;

  for (guint i = 0; i < N_SHARDS; i++)
    {
      g_mutex_lock (&limiter->shards[i].lock);
      size += g_hash_table_size (limiter->shards[i].buckets);
      g_mutex_unlock (&limiter->shards[i].lock);
    }
  return size;
}

char *
relay_limiter_address_key (GInetAddress *address)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);
  gsize size = g_inet_address_get_native_size (address);
  static const guint8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  if (size == 4)
    return g_strdup_printf ("4:%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
  if (memcmp (bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0)
    return g_strdup_printf ("4:%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);

  /* One person usually holds a whole /64, so that is the unit we limit. */
  return g_strdup_printf ("6:%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
                          bytes[0], bytes[1], bytes[2], bytes[3],
                          bytes[4], bytes[5], bytes[6], bytes[7]);
}
