/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-crypto.h"
#include "tw-openssl-autoptr.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

G_DEFINE_QUARK (tw-crypto-error-quark, tw_crypto_error)

/* Room for every key, PIN and plaintext a wallet holds at once, with a
 * 32-byte minimum so small secrets do not fragment the heap. */
#define SECURE_HEAP_SIZE      (1024 * 1024)
#define SECURE_HEAP_MIN_CHUNK 32

/* scrypt with N = 2^17, r = 8 needs 128 * r * (N + 2) bytes plus a little:
 * just over 128 MiB, so the ceiling sits at twice that. */
#define SCRYPT_MAX_MEMORY     (G_GUINT64_CONSTANT (256) * 1024 * 1024)

/* OpenSSL's HKDF refuses more info than this, and RFC 5869 more output. */
#define HKDF_MAX_INFO_SIZE    1024
#define HKDF_MAX_OUTPUT_SIZE  (255 * TW_SHA256_SIZE)

#define AES_GCM_OVERHEAD      (TW_AES_GCM_IV_SIZE + TW_AES_GCM_TAG_SIZE)
/* EVP's update calls count in int. */
#define AES_GCM_MAX_INPUT     ((gsize) G_MAXINT - AES_GCM_OVERHEAD)

/* OSSL_PARAM refuses a NULL buffer even when it is empty; an empty input
 * points here instead. */
static const guint8 empty_input[1];

static void *
param_buffer (gconstpointer data)
{
  return (void *) (data != NULL ? data : empty_input);
}

static gboolean
size_is_consistent (gconstpointer data,
                    gsize         size)
{
  return data != NULL || size == 0;
}

void
tw_crypto_init (void)
{
  static gsize initialised = 0;
  struct rlimit no_core = { 0, 0 };

  if (!g_once_init_enter (&initialised))
    return;

  if (!CRYPTO_secure_malloc_initialized ()
      && CRYPTO_secure_malloc_init (SECURE_HEAP_SIZE, SECURE_HEAP_MIN_CHUNK) == 0)
    g_warning ("The secure memory heap could not be set up; secrets will live "
               "in ordinary memory, which may be swapped to disk");

  /* A core dump or a debugger attached by another process of the user would
   * expose every key in memory. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_warning ("The process could not be made non-dumpable: %s", g_strerror (errno));
  if (setrlimit (RLIMIT_CORE, &no_core) != 0)
    g_warning ("Core dumps could not be disabled: %s", g_strerror (errno));

  g_once_init_leave (&initialised, 1);
}

void
tw_random_bytes (guint8 *out,
                 gsize   size)
{
  g_return_if_fail (size_is_consistent (out, size));

  while (size > 0)
    {
      int chunk = (int) MIN (size, (gsize) G_MAXINT);

      /* Without entropy every key we make would be guessable: stop. */
      if (RAND_bytes (out, chunk) != 1)
        g_error ("The system random number generator failed; cannot continue safely");

      out += chunk;
      size -= (gsize) chunk;
    }
}

guint32
tw_random_uniform (guint32 bound)
{
  const guint64 range = G_GUINT64_CONSTANT (1) << 32;
  guint64 limit;
  guint32 draw;

  g_return_val_if_fail (bound > 0, 0);

  /* Draws at or above the largest multiple of bound would make the low
   * residues more likely; throw them away and draw again. */
  limit = range - range % bound;
  do
    tw_random_bytes ((guint8 *) &draw, sizeof draw);
  while ((guint64) draw >= limit);

  return draw % bound;
}

void
tw_wipe (gpointer data,
         gsize    size)
{
  g_return_if_fail (size_is_consistent (data, size));

  if (size > 0)
    OPENSSL_cleanse (data, size);
}

gboolean
tw_memeq_ct (gconstpointer a,
             gconstpointer b,
             gsize         size)
{
  g_return_val_if_fail (size_is_consistent (a, size), FALSE);
  g_return_val_if_fail (size_is_consistent (b, size), FALSE);

  if (size == 0)
    return TRUE;

  return CRYPTO_memcmp (a, b, size) == 0;
}

void
tw_sha256 (gconstpointer data,
           gsize         size,
           guint8        out[TW_SHA256_SIZE])
{
  g_return_if_fail (size_is_consistent (data, size));
  g_return_if_fail (out != NULL);

  if (EVP_Digest (param_buffer (data), size, out, NULL, EVP_sha256 (), NULL) != 1)
    g_error ("SHA-256 failed inside OpenSSL (out of memory?)");
}

/* Fetching the implementation costs about ten times the HMAC itself, under
 * a lock OpenSSL shares between threads (the relay computes one for every
 * tombstone): fetch it once. A fetched EVP_MAC may be used from any
 * thread; each call has its own context. */
static EVP_MAC *
hmac_method (void)
{
  static EVP_MAC *method;

  if (g_once_init_enter (&method))
    {
      EVP_MAC *fetched = EVP_MAC_fetch (NULL, "HMAC", NULL);

      if (fetched == NULL)
        g_error ("HMAC-SHA256 is missing from OpenSSL (no default provider?)");
      g_once_init_leave (&method, fetched);
    }
  return method;
}

void
tw_hmac_sha256 (gconstpointer key,
                gsize         key_size,
                gconstpointer data,
                gsize         size,
                guint8        out[TW_SHA256_SIZE])
{
  g_autoptr(EVP_MAC_CTX) ctx = EVP_MAC_CTX_new (hmac_method ());
  OSSL_PARAM params[2];
  size_t out_size = 0;

  g_return_if_fail (size_is_consistent (key, key_size));
  g_return_if_fail (size_is_consistent (data, size));
  g_return_if_fail (out != NULL);

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
  params[1] = OSSL_PARAM_construct_end ();

  /* A NULL key would mean "keep the previous key"; an empty key is a real,
   * if weak, HMAC key, so it is passed as a zero-length buffer. */
  if (ctx == NULL
      || EVP_MAC_init (ctx, param_buffer (key), key_size, params) != 1
      || EVP_MAC_update (ctx, param_buffer (data), size) != 1
      || EVP_MAC_final (ctx, out, &out_size, TW_SHA256_SIZE) != 1
      || out_size != TW_SHA256_SIZE)
    g_error ("HMAC-SHA256 failed inside OpenSSL (out of memory?)");
}

static gboolean
kdf_derive (const char       *algorithm,
            const OSSL_PARAM *params,
            guint8           *out,
            gsize             out_size,
            GError          **error)
{
  g_autoptr(EVP_KDF) kdf = EVP_KDF_fetch (NULL, algorithm, NULL);
  g_autoptr(EVP_KDF_CTX) ctx = kdf != NULL ? EVP_KDF_CTX_new (kdf) : NULL;

  if (ctx == NULL || EVP_KDF_derive (ctx, out, out_size, params) != 1)
    {
      tw_wipe (out, out_size);
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_FAILED,
                   "OpenSSL could not derive a key with %s", algorithm);
      return FALSE;
    }

  return TRUE;
}

gboolean
tw_hkdf_sha256 (gconstpointer ikm,
                gsize         ikm_size,
                gconstpointer salt,
                gsize         salt_size,
                gconstpointer info,
                gsize         info_size,
                guint8       *out,
                gsize         out_size,
                GError      **error)
{
  OSSL_PARAM params[5];
  gsize n_params = 0;

  g_return_val_if_fail (size_is_consistent (ikm, ikm_size), FALSE);
  g_return_val_if_fail (size_is_consistent (salt, salt_size), FALSE);
  g_return_val_if_fail (size_is_consistent (info, info_size), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (out_size == 0 || out_size > HKDF_MAX_OUTPUT_SIZE || info_size > HKDF_MAX_INFO_SIZE)
    {
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT,
                   "HKDF takes 1 to %d output bytes and at most %d info bytes, "
                   "not %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT,
                   HKDF_MAX_OUTPUT_SIZE, HKDF_MAX_INFO_SIZE, out_size, info_size);
      return FALSE;
    }

  params[n_params++] = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST,
                                                         (char *) "SHA256", 0);
  params[n_params++] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY,
                                                          param_buffer (ikm), ikm_size);
  /* RFC 5869: an absent salt is HashLen zero bytes, which HMAC treats exactly
   * like an empty key, so an empty salt and an empty info are simply left out. */
  if (salt_size > 0)
    params[n_params++] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
                                                            (void *) salt, salt_size);
  if (info_size > 0)
    params[n_params++] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO,
                                                            (void *) info, info_size);
  params[n_params] = OSSL_PARAM_construct_end ();

  return kdf_derive ("HKDF", params, out, out_size, error);
}

static gboolean
scrypt_cost_is_valid (guint64 n,
                      guint32 r,
                      guint32 p)
{
  guint64 block_size;

  if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0)
    return FALSE;

  /* The same bound as OpenSSL's own check, computed without overflow. */
  block_size = G_GUINT64_CONSTANT (128) * r;
  if (n + 2 > SCRYPT_MAX_MEMORY / block_size)
    return FALSE;
  if (p > (SCRYPT_MAX_MEMORY - block_size * (n + 2)) / block_size)
    return FALSE;

  return TRUE;
}

gboolean
tw_scrypt (gconstpointer password,
           gsize         password_size,
           gconstpointer salt,
           gsize         salt_size,
           guint64       n,
           guint32       r,
           guint32       p,
           guint8       *out,
           gsize         out_size,
           GError      **error)
{
  guint64 max_memory = SCRYPT_MAX_MEMORY;
  OSSL_PARAM params[7];

  g_return_val_if_fail (size_is_consistent (password, password_size), FALSE);
  g_return_val_if_fail (size_is_consistent (salt, salt_size), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (out_size == 0 || !scrypt_cost_is_valid (n, r, p))
    {
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT,
                   "scrypt needs a power of two N above 1, r and p of at least 1, "
                   "at most %" G_GUINT64_FORMAT " bytes of memory and some output",
                   max_memory);
      return FALSE;
    }

  params[0] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD,
                                                 param_buffer (password), password_size);
  params[1] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
                                                 param_buffer (salt), salt_size);
  params[2] = OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_N, &n);
  params[3] = OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_R, &r);
  params[4] = OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_P, &p);
  params[5] = OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_MAXMEM, &max_memory);
  params[6] = OSSL_PARAM_construct_end ();

  return kdf_derive ("SCRYPT", params, out, out_size, error);
}

static const EVP_CIPHER *
aes_gcm_for_key (gsize     key_size,
                 GError  **error)
{
  if (key_size == 16)
    return EVP_aes_128_gcm ();
  if (key_size == 32)
    return EVP_aes_256_gcm ();

  g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY,
               "An AES-GCM key is 16 or 32 bytes, not %" G_GSIZE_FORMAT, key_size);
  return NULL;
}

static gboolean
aes_gcm_sizes_are_valid (gsize     aad_size,
                         gsize     text_size,
                         GError  **error)
{
  if (aad_size <= AES_GCM_MAX_INPUT && text_size <= AES_GCM_MAX_INPUT)
    return TRUE;

  g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT,
               "AES-GCM input is too large (%" G_GSIZE_FORMAT " bytes of data, "
               "%" G_GSIZE_FORMAT " of associated data)", text_size, aad_size);
  return FALSE;
}

static gboolean
aes_gcm_seal_into (EVP_CIPHER_CTX   *ctx,
                   const EVP_CIPHER *cipher,
                   const guint8     *key,
                   const guint8     *iv,
                   gconstpointer     aad,
                   gsize             aad_size,
                   gconstpointer     plaintext,
                   gsize             plaintext_size,
                   guint8           *ciphertext,
                   guint8           *tag)
{
  int written = 0;

  if (EVP_EncryptInit_ex (ctx, cipher, NULL, key, iv) != 1)
    return FALSE;
  if (aad_size > 0 && EVP_EncryptUpdate (ctx, NULL, &written, aad, (int) aad_size) != 1)
    return FALSE;
  if (plaintext_size > 0
      && EVP_EncryptUpdate (ctx, ciphertext, &written, plaintext, (int) plaintext_size) != 1)
    return FALSE;
  if (EVP_EncryptFinal_ex (ctx, ciphertext + plaintext_size, &written) != 1)
    return FALSE;

  return EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, TW_AES_GCM_TAG_SIZE, tag) == 1;
}

GBytes *
tw_aes_gcm_seal_with_iv (const guint8  *key,
                         gsize          key_size,
                         const guint8   iv[TW_AES_GCM_IV_SIZE],
                         gconstpointer  aad,
                         gsize          aad_size,
                         gconstpointer  plaintext,
                         gsize          plaintext_size,
                         GError       **error)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
  const EVP_CIPHER *cipher;
  gsize sealed_size;
  guint8 *sealed;

  g_return_val_if_fail (size_is_consistent (key, key_size), NULL);
  g_return_val_if_fail (iv != NULL, NULL);
  g_return_val_if_fail (size_is_consistent (aad, aad_size), NULL);
  g_return_val_if_fail (size_is_consistent (plaintext, plaintext_size), NULL);

  cipher = aes_gcm_for_key (key_size, error);
  if (cipher == NULL || !aes_gcm_sizes_are_valid (aad_size, plaintext_size, error))
    return NULL;

  sealed_size = plaintext_size + AES_GCM_OVERHEAD;
  sealed = g_malloc (sealed_size);
  memcpy (sealed, iv, TW_AES_GCM_IV_SIZE);

  ctx = EVP_CIPHER_CTX_new ();
  if (ctx == NULL
      || !aes_gcm_seal_into (ctx, cipher, key, iv, aad, aad_size, plaintext, plaintext_size,
                             sealed + TW_AES_GCM_IV_SIZE,
                             sealed + TW_AES_GCM_IV_SIZE + plaintext_size))
    {
      g_free (sealed);
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_FAILED,
                   "OpenSSL could not encrypt with AES-GCM");
      return NULL;
    }

  return g_bytes_new_take (sealed, sealed_size);
}

GBytes *
tw_aes_gcm_seal (const guint8  *key,
                 gsize          key_size,
                 gconstpointer  aad,
                 gsize          aad_size,
                 gconstpointer  plaintext,
                 gsize          plaintext_size,
                 GError       **error)
{
  guint8 iv[TW_AES_GCM_IV_SIZE];

  /* A random 96-bit IV per message: keys here seal few messages, far below
   * the 2^32 messages at which random IVs start to risk a collision. */
  tw_random_bytes (iv, sizeof iv);

  return tw_aes_gcm_seal_with_iv (key, key_size, iv, aad, aad_size,
                                  plaintext, plaintext_size, error);
}

typedef enum {
  GCM_OPEN_OK,
  GCM_OPEN_FAILED,
  GCM_OPEN_FORGED,
} GcmOpenResult;

static GcmOpenResult
aes_gcm_open_into (EVP_CIPHER_CTX   *ctx,
                   const EVP_CIPHER *cipher,
                   const guint8     *key,
                   gconstpointer     aad,
                   gsize             aad_size,
                   const guint8     *sealed,
                   gsize             sealed_size,
                   guint8           *plaintext)
{
  gsize text_size = sealed_size - AES_GCM_OVERHEAD;
  const guint8 *ciphertext = sealed + TW_AES_GCM_IV_SIZE;
  guint8 tag[TW_AES_GCM_TAG_SIZE];
  int written = 0;

  memcpy (tag, ciphertext + text_size, sizeof tag);

  if (EVP_DecryptInit_ex (ctx, cipher, NULL, key, sealed) != 1)
    return GCM_OPEN_FAILED;
  if (aad_size > 0 && EVP_DecryptUpdate (ctx, NULL, &written, aad, (int) aad_size) != 1)
    return GCM_OPEN_FAILED;
  if (text_size > 0
      && EVP_DecryptUpdate (ctx, plaintext, &written, ciphertext, (int) text_size) != 1)
    return GCM_OPEN_FAILED;
  if (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, sizeof tag, tag) != 1)
    return GCM_OPEN_FAILED;

  /* Final is where the tag is checked; until then the plaintext is unproven. */
  if (EVP_DecryptFinal_ex (ctx, plaintext + text_size, &written) != 1)
    return GCM_OPEN_FORGED;

  return GCM_OPEN_OK;
}

static void
set_open_error (GcmOpenResult   result,
                GError        **error)
{
  if (result == GCM_OPEN_FORGED)
    g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_AUTHENTICATION,
                 "The message was altered or was sealed with another key");
  else
    g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_FAILED,
                 "OpenSSL could not decrypt with AES-GCM");
}

TwSecret *
tw_aes_gcm_open (const guint8  *key,
                 gsize          key_size,
                 gconstpointer  aad,
                 gsize          aad_size,
                 gconstpointer  sealed,
                 gsize          sealed_size,
                 GError       **error)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
  g_autoptr(TwSecret) plaintext = NULL;
  const EVP_CIPHER *cipher;
  GcmOpenResult result;

  g_return_val_if_fail (size_is_consistent (key, key_size), NULL);
  g_return_val_if_fail (size_is_consistent (aad, aad_size), NULL);
  g_return_val_if_fail (size_is_consistent (sealed, sealed_size), NULL);

  cipher = aes_gcm_for_key (key_size, error);
  if (cipher == NULL || !aes_gcm_sizes_are_valid (aad_size, sealed_size, error))
    return NULL;
  if (sealed_size < AES_GCM_OVERHEAD)
    {
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT,
                   "A sealed AES-GCM message is at least %d bytes, not %" G_GSIZE_FORMAT,
                   AES_GCM_OVERHEAD, sealed_size);
      return NULL;
    }

  plaintext = tw_secret_new (sealed_size - AES_GCM_OVERHEAD);
  ctx = EVP_CIPHER_CTX_new ();
  result = ctx == NULL ? GCM_OPEN_FAILED
                       : aes_gcm_open_into (ctx, cipher, key, aad, aad_size, sealed, sealed_size,
                                            tw_secret_get_data (plaintext));
  if (result != GCM_OPEN_OK)
    {
      set_open_error (result, error);
      return NULL;
    }

  return g_steal_pointer (&plaintext);
}

static EVP_PKEY *
ed25519_private_key (TwSecret  *seed,
                     GError   **error)
{
  EVP_PKEY *pkey;

  if (tw_secret_get_size (seed) != TW_ED25519_SEED_SIZE)
    {
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY,
                   "An Ed25519 private key is a %d-byte seed, not %" G_GSIZE_FORMAT " bytes",
                   TW_ED25519_SEED_SIZE, tw_secret_get_size (seed));
      return NULL;
    }

  pkey = EVP_PKEY_new_raw_private_key (EVP_PKEY_ED25519, NULL, tw_secret_get_data (seed),
                                       TW_ED25519_SEED_SIZE);
  if (pkey == NULL)
    g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_FAILED,
                 "OpenSSL could not load an Ed25519 private key");

  return pkey;
}

gboolean
tw_ed25519_public_key (TwSecret *seed,
                       guint8    public_key[TW_ED25519_PUBLIC_SIZE],
                       GError  **error)
{
  g_autoptr(EVP_PKEY) pkey = NULL;
  size_t public_size = TW_ED25519_PUBLIC_SIZE;

  g_return_val_if_fail (seed != NULL, FALSE);
  g_return_val_if_fail (public_key != NULL, FALSE);

  pkey = ed25519_private_key (seed, error);
  if (pkey == NULL)
    return FALSE;

  if (EVP_PKEY_get_raw_public_key (pkey, public_key, &public_size) != 1
      || public_size != TW_ED25519_PUBLIC_SIZE)
    {
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_FAILED,
                   "OpenSSL could not compute an Ed25519 public key");
      return FALSE;
    }

  return TRUE;
}

void
tw_ed25519_generate (TwSecret **seed_out,
                     guint8     public_key[TW_ED25519_PUBLIC_SIZE])
{
  g_autoptr(TwSecret) seed = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (seed_out != NULL && *seed_out == NULL);
  g_return_if_fail (public_key != NULL);

  seed = tw_secret_new (TW_ED25519_SEED_SIZE);
  tw_random_bytes (tw_secret_get_data (seed), TW_ED25519_SEED_SIZE);

  /* Any 32 bytes are a valid seed, so only a broken library fails here. */
  if (!tw_ed25519_public_key (seed, public_key, &error))
    g_error ("%s", error->message);

  *seed_out = g_steal_pointer (&seed);
}

gboolean
tw_ed25519_sign (TwSecret      *seed,
                 gconstpointer  message,
                 gsize          size,
                 guint8         signature[TW_ED25519_SIG_SIZE],
                 GError       **error)
{
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  size_t signature_size = TW_ED25519_SIG_SIZE;

  g_return_val_if_fail (seed != NULL, FALSE);
  g_return_val_if_fail (size_is_consistent (message, size), FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);

  pkey = ed25519_private_key (seed, error);
  if (pkey == NULL)
    return FALSE;

  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL
      || EVP_DigestSignInit (ctx, NULL, NULL, NULL, pkey) != 1
      || EVP_DigestSign (ctx, signature, &signature_size, param_buffer (message), size) != 1
      || signature_size != TW_ED25519_SIG_SIZE)
    {
      g_set_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_FAILED,
                   "OpenSSL could not sign with Ed25519");
      return FALSE;
    }

  return TRUE;
}

gboolean
tw_ed25519_verify (const guint8  public_key[TW_ED25519_PUBLIC_SIZE],
                   gconstpointer message,
                   gsize         size,
                   const guint8  signature[TW_ED25519_SIG_SIZE])
{
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autoptr(EVP_MD_CTX) ctx = NULL;

  g_return_val_if_fail (public_key != NULL, FALSE);
  g_return_val_if_fail (size_is_consistent (message, size), FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);

  /* A key that is not a curve point fails in DigestVerify, not here. */
  pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, public_key,
                                      TW_ED25519_PUBLIC_SIZE);
  if (pkey == NULL)
    return FALSE;

  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, pkey) != 1)
    return FALSE;

  return EVP_DigestVerify (ctx, signature, TW_ED25519_SIG_SIZE,
                           param_buffer (message), size) == 1;
}
