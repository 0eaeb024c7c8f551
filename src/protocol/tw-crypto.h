/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * The cryptographic primitives of the protocol, on OpenSSL 3's public API.
 * Sizes are fixed by the design (docs/protocol.md); functions that can fail
 * for a reason a caller may want to tell apart return a GError in
 * TW_CRYPTO_ERROR.
 */

#define TW_CRYPTO_ERROR (tw_crypto_error_quark ())

typedef enum {
  TW_CRYPTO_ERROR_FAILED,          /* the library refused: out of memory, no entropy */
  TW_CRYPTO_ERROR_BAD_KEY,         /* a key of the wrong size or form */
  TW_CRYPTO_ERROR_BAD_INPUT,       /* input too short, too long or malformed */
  TW_CRYPTO_ERROR_AUTHENTICATION,  /* a tag, MAC or signature did not verify */
} TwCryptoError;

#define TW_SHA256_SIZE          32
#define TW_AES_GCM_IV_SIZE      12
#define TW_AES_GCM_TAG_SIZE     16
#define TW_ED25519_SEED_SIZE    32
#define TW_ED25519_PUBLIC_SIZE  32
#define TW_ED25519_SIG_SIZE     64

GQuark    tw_crypto_error_quark   (void);

/* Call once at program start: sets up the secure heap and makes the process
 * non-dumpable (no core files, no ptrace by other processes of the user). */
void      tw_crypto_init          (void);

/* CSPRNG. Aborts the program if the system has no entropy: there is no safe
 * way to continue without it. */
void      tw_random_bytes         (guint8        *out,
                                   gsize          size);

/* A uniform value in [0, bound) without modulo bias. */
guint32   tw_random_uniform       (guint32        bound);

/* Overwrites memory in a way the compiler cannot optimise out. */
void      tw_wipe                 (gpointer       data,
                                   gsize          size);

/* Constant-time comparison of two equal-length buffers. */
gboolean  tw_memeq_ct             (gconstpointer  a,
                                   gconstpointer  b,
                                   gsize          size);

void      tw_sha256               (gconstpointer  data,
                                   gsize          size,
                                   guint8         out[TW_SHA256_SIZE]);

void      tw_hmac_sha256          (gconstpointer  key,
                                   gsize          key_size,
                                   gconstpointer  data,
                                   gsize          size,
                                   guint8         out[TW_SHA256_SIZE]);

gboolean  tw_hkdf_sha256          (gconstpointer  ikm,
                                   gsize          ikm_size,
                                   gconstpointer  salt,
                                   gsize          salt_size,
                                   gconstpointer  info,
                                   gsize          info_size,
                                   guint8        *out,
                                   gsize          out_size,
                                   GError       **error);

gboolean  tw_scrypt               (gconstpointer  password,
                                   gsize          password_size,
                                   gconstpointer  salt,
                                   gsize          salt_size,
                                   guint64        n,
                                   guint32        r,
                                   guint32        p,
                                   guint8        *out,
                                   gsize          out_size,
                                   GError       **error);

/* AES-GCM with a 16- or 32-byte key. The sealed form is Draft V's:
 * IV (12) || ciphertext || tag (16). seal picks a fresh random IV. */
GBytes   *tw_aes_gcm_seal         (const guint8  *key,
                                   gsize          key_size,
                                   gconstpointer  aad,
                                   gsize          aad_size,
                                   gconstpointer  plaintext,
                                   gsize          plaintext_size,
                                   GError       **error);

/* The same with a caller-chosen IV; only for known-answer tests. */
GBytes   *tw_aes_gcm_seal_with_iv (const guint8  *key,
                                   gsize          key_size,
                                   const guint8   iv[TW_AES_GCM_IV_SIZE],
                                   gconstpointer  aad,
                                   gsize          aad_size,
                                   gconstpointer  plaintext,
                                   gsize          plaintext_size,
                                   GError       **error);

/* Returns the plaintext in secure memory, or NULL with
 * TW_CRYPTO_ERROR_AUTHENTICATION if any byte was altered. */
TwSecret *tw_aes_gcm_open         (const guint8  *key,
                                   gsize          key_size,
                                   gconstpointer  aad,
                                   gsize          aad_size,
                                   gconstpointer  sealed,
                                   gsize          sealed_size,
                                   GError       **error);

/* Ed25519. The private key is its 32-byte seed. */
void      tw_ed25519_generate     (TwSecret     **seed_out,
                                   guint8         public_key[TW_ED25519_PUBLIC_SIZE]);
gboolean  tw_ed25519_public_key   (TwSecret      *seed,
                                   guint8         public_key[TW_ED25519_PUBLIC_SIZE],
                                   GError       **error);
gboolean  tw_ed25519_sign         (TwSecret      *seed,
                                   gconstpointer  message,
                                   gsize          size,
                                   guint8         signature[TW_ED25519_SIG_SIZE],
                                   GError       **error);
gboolean  tw_ed25519_verify       (const guint8   public_key[TW_ED25519_PUBLIC_SIZE],
                                   gconstpointer  message,
                                   gsize          size,
                                   const guint8   signature[TW_ED25519_SIG_SIZE]);

G_END_DECLS
