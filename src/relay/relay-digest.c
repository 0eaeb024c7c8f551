/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-digest.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "tw-crypto.h"

/* Longer keys would be hashed first by HMAC; the relay's secret is 32. */
#define MAX_MAC_KEY_SIZE 64

typedef struct {
  EVP_MD_CTX  *digest;
  EVP_MAC_CTX *mac;                          /* NULL until first keyed */
  guint8       mac_key[MAX_MAC_KEY_SIZE];    /* what `mac` is keyed with */
  gsize        mac_key_size;
} ThreadContexts;

static void
thread_contexts_free (gpointer data)
{
  ThreadContexts *contexts = data;

  tw_wipe (contexts->mac_key, sizeof contexts->mac_key);
  EVP_MD_CTX_free (contexts->digest);
  EVP_MAC_CTX_free (contexts->mac);
  g_free (contexts);
}

static GPrivate thread_contexts = G_PRIVATE_INIT (thread_contexts_free);

static ThreadContexts *
get_thread_contexts (void)
{
  ThreadContexts *contexts = g_private_get (&thread_contexts);

  if (contexts != NULL)
    return contexts;

  contexts = g_new0 (ThreadContexts, 1);
  contexts->digest = EVP_MD_CTX_new ();
  if (contexts->digest == NULL)
    g_error ("Cannot make a digest context (out of memory?)");
  g_private_set (&thread_contexts, contexts);
  return contexts;
}

/* An implicit fetch by name on every call costs more than the hash of a
 * claim, under a lock all threads share: fetch once. */
static const EVP_MD *
sha256_method (void)
{
  static EVP_MD *method;

  if (g_once_init_enter (&method))
    {
      EVP_MD *fetched = EVP_MD_fetch (NULL, "SHA256", NULL);

      if (fetched == NULL)
        g_error ("SHA-256 is missing from OpenSSL (no default provider?)");
      g_once_init_leave (&method, fetched);
    }
  return method;
}

static EVP_MAC *
hmac_method (void)
{
  static EVP_MAC *method;

  if (g_once_init_enter (&method))
    {
      EVP_MAC *fetched = EVP_MAC_fetch (NULL, "HMAC", NULL);

      if (fetched == NULL)
        g_error ("HMAC is missing from OpenSSL (no default provider?)");
      g_once_init_leave (&method, fetched);
    }
  return method;
}

static void
digest_begin (EVP_MD_CTX *digest)
{
  if (EVP_DigestInit_ex2 (digest, sha256_method (), NULL) != 1)
    g_error ("SHA-256 failed inside OpenSSL (out of memory?)");
}

static void
digest_add (EVP_MD_CTX    *digest,
            gconstpointer  data,
            gsize          size)
{
  if (size > 0 && EVP_DigestUpdate (digest, data, size) != 1)
    g_error ("SHA-256 failed inside OpenSSL (out of memory?)");
}

static void
digest_end (EVP_MD_CTX *digest,
            guint8      out[RELAY_DIGEST_SIZE])
{
  unsigned int size = 0;

  if (EVP_DigestFinal_ex (digest, out, &size) != 1 || size != RELAY_DIGEST_SIZE)
    g_error ("SHA-256 failed inside OpenSSL (out of memory?)");
}

void
relay_digest_sha256 (gconstpointer data,
                     gsize         size,
                     guint8        out[RELAY_DIGEST_SIZE])
{
  EVP_MD_CTX *digest = get_thread_contexts ()->digest;

  digest_begin (digest);
  digest_add (digest, data, size);
  digest_end (digest, out);
}

void
relay_digest_labelled (const char *label,
                       const char *first,
                       const char *second,
                       guint8      out[RELAY_DIGEST_SIZE])
{
  EVP_MD_CTX *digest = get_thread_contexts ()->digest;

  /* The parts go in one after the other, never copied into one buffer
   * (a claim would otherwise sit in one more place). */
  digest_begin (digest);
  digest_add (digest, label, strlen (label) + 1);
  digest_add (digest, first, strlen (first));
  if (second != NULL)
    {
      digest_add (digest, "", 1);
      digest_add (digest, second, strlen (second));
    }
  digest_end (digest, out);
}

/* Keys the thread's HMAC context with @key unless it has that key already;
 * else restarts it with the key it has. */
static void
mac_begin (ThreadContexts *contexts,
           const guint8   *key,
           gsize           key_size)
{
  OSSL_PARAM params[2];

  if (contexts->mac != NULL && contexts->mac_key_size == key_size &&
      tw_memeq_ct (contexts->mac_key, key, key_size))
    {
      if (EVP_MAC_init (contexts->mac, NULL, 0, NULL) != 1)
        g_error ("HMAC-SHA256 failed inside OpenSSL (out of memory?)");
      return;
    }

  EVP_MAC_CTX_free (contexts->mac);
  contexts->mac = EVP_MAC_CTX_new (hmac_method ());
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
  params[1] = OSSL_PARAM_construct_end ();
  /* A zero-length key is passed as a real buffer: NULL means "the same". */
  if (contexts->mac == NULL ||
      EVP_MAC_init (contexts->mac, key_size > 0 ? key : (const guint8 *) "", key_size,
                    params) != 1)
    g_error ("HMAC-SHA256 failed inside OpenSSL (out of memory?)");
  tw_wipe (contexts->mac_key, sizeof contexts->mac_key);
  if (key_size > 0)
    memcpy (contexts->mac_key, key, key_size);
  contexts->mac_key_size = key_size;
}

void
relay_digest_hmac_sha256 (const guint8  *key,
                          gsize          key_size,
                          gconstpointer  data,
                          gsize          size,
                          guint8         out[RELAY_DIGEST_SIZE])
{
  ThreadContexts *contexts = get_thread_contexts ();
  size_t out_size = 0;

  g_return_if_fail (key_size <= MAX_MAC_KEY_SIZE);

  mac_begin (contexts, key, key_size);
  if (EVP_MAC_update (contexts->mac, data, size) != 1 ||
      EVP_MAC_final (contexts->mac, out, &out_size, RELAY_DIGEST_SIZE) != 1 ||
      out_size != RELAY_DIGEST_SIZE)
    g_error ("HMAC-SHA256 failed inside OpenSSL (out of memory?)");
}
