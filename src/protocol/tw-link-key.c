/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-link-key.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-crypto.h"

#define MARKER_LABEL      "tigress-wallet v1 link-marker"
#define COMMIT_LABEL      "tigress-wallet v1 link-commit"
#define BIND_TOKEN_LABEL  "tigress-wallet v1 bind-token"

#define MARKER_OFFSET  TW_LINK_KEY_SEED_SIZE
#define COMMIT_OFFSET  (TW_LINK_KEY_SEED_SIZE + TW_LINK_KEY_MARKER_SIZE)

G_STATIC_ASSERT (COMMIT_OFFSET + TW_LINK_KEY_COMMIT_SIZE == TW_LINK_KEY_SIZE);

G_DEFINE_QUARK (tw-link-key-error-quark, tw_link_key_error)

/* M = HMAC(r, marker label), first 4 bytes. */
static void
compute_marker (const guint8 *seed,
                guint8        marker[TW_LINK_KEY_MARKER_SIZE])
{
  guint8 mac[TW_SHA256_SIZE];

  tw_hmac_sha256 (seed, TW_LINK_KEY_SEED_SIZE, MARKER_LABEL, strlen (MARKER_LABEL), mac);
  memcpy (marker, mac, TW_LINK_KEY_MARKER_SIZE);
  tw_wipe (mac, sizeof mac);
}

/* C = HMAC(r, commit label || SHA-256(m1)), first 12 bytes. */
static void
compute_commitment (const guint8  *seed,
                    gconstpointer  m1,
                    gsize          m1_size,
                    guint8         commitment[TW_LINK_KEY_COMMIT_SIZE])
{
  guint8 input[sizeof COMMIT_LABEL - 1 + TW_SHA256_SIZE];
  guint8 mac[TW_SHA256_SIZE];

  memcpy (input, COMMIT_LABEL, sizeof COMMIT_LABEL - 1);
  tw_sha256 (m1, m1_size, input + sizeof COMMIT_LABEL - 1);
  tw_hmac_sha256 (seed, TW_LINK_KEY_SEED_SIZE, input, sizeof input, mac);
  memcpy (commitment, mac, TW_LINK_KEY_COMMIT_SIZE);
  tw_wipe (mac, sizeof mac);
}

TwSecret *
tw_link_key_new_seed (void)
{
  TwSecret *seed = tw_secret_new (TW_LINK_KEY_SEED_SIZE);

  tw_random_bytes (tw_secret_get_data (seed), TW_LINK_KEY_SEED_SIZE);
  return seed;
}

TwSecret *
tw_link_key_derive (TwSecret       *seed,
                    gconstpointer   m1,
                    gsize           m1_size,
                    GError        **error)
{
  TwSecret *key;
  guint8 *key_bytes;

  g_return_val_if_fail (seed != NULL, NULL);
  g_return_val_if_fail (m1 != NULL || m1_size == 0, NULL);

  if (tw_secret_get_size (seed) != TW_LINK_KEY_SEED_SIZE)
    {
      g_set_error (error, TW_LINK_KEY_ERROR, TW_LINK_KEY_ERROR_BAD_SIZE,
                   "A link key seed has %d bytes, not %" G_GSIZE_FORMAT,
                   TW_LINK_KEY_SEED_SIZE, tw_secret_get_size (seed));
      return NULL;
    }

  key = tw_secret_new (TW_LINK_KEY_SIZE);
  key_bytes = tw_secret_get_data (key);
  memcpy (key_bytes, tw_secret_get_data (seed), TW_LINK_KEY_SEED_SIZE);
  compute_marker (key_bytes, key_bytes + MARKER_OFFSET);
  compute_commitment (key_bytes, m1, m1_size, key_bytes + COMMIT_OFFSET);
  return key;
}

TwLinkKeyCheck
tw_link_key_check (TwSecret      *key,
                   gconstpointer  m1,
                   gsize          m1_size)
{
  const guint8 *key_bytes;
  guint8 marker[TW_LINK_KEY_MARKER_SIZE];
  guint8 commitment[TW_LINK_KEY_COMMIT_SIZE];
  gboolean marker_matches, commitment_matches;

  g_return_val_if_fail (key != NULL, TW_LINK_KEY_FOREIGN);
  g_return_val_if_fail (m1 != NULL || m1_size == 0, TW_LINK_KEY_FOREIGN);

  /* An AES-128 key from another Draft V app has no room for a marker. */
  if (tw_secret_get_size (key) != TW_LINK_KEY_SIZE)
    return TW_LINK_KEY_FOREIGN;

  key_bytes = tw_secret_get_data (key);
  compute_marker (key_bytes, marker);
  marker_matches = tw_memeq_ct (marker, key_bytes + MARKER_OFFSET, sizeof marker);
  tw_wipe (marker, sizeof marker);
  if (!marker_matches)
    return TW_LINK_KEY_FOREIGN;

  compute_commitment (key_bytes, m1, m1_size, commitment);
  commitment_matches = tw_memeq_ct (commitment, key_bytes + COMMIT_OFFSET,
                                    sizeof commitment);
  tw_wipe (commitment, sizeof commitment);
  return commitment_matches ? TW_LINK_KEY_VERIFIED : TW_LINK_KEY_ALTERED;
}

TwSecret *
tw_link_key_derive_bind_token (TwSecret  *key,
                               GError   **error)
{
  g_autoptr (TwSecret) token = NULL;
  gsize key_size;

  g_return_val_if_fail (key != NULL, NULL);

  key_size = tw_secret_get_size (key);
  if (key_size != 16 && key_size != TW_LINK_KEY_SIZE)
    {
      g_set_error (error, TW_LINK_KEY_ERROR, TW_LINK_KEY_ERROR_BAD_SIZE,
                   "A link key has 16 or 32 bytes, not %" G_GSIZE_FORMAT, key_size);
      return NULL;
    }

  token = tw_secret_new (TW_BIND_TOKEN_SIZE);
  /* An empty salt: "" rather than NULL, so no implementation can mistake
   * it for a missing argument. */
  if (!tw_hkdf_sha256 (tw_secret_get_data (key), key_size, "", 0,
                       BIND_TOKEN_LABEL, strlen (BIND_TOKEN_LABEL),
                       tw_secret_get_data (token), TW_BIND_TOKEN_SIZE, error))
    return NULL;

  return g_steal_pointer (&token);
}

TwSecret *
tw_link_key_bind_token_header (TwSecret *bind_token)
{
  g_return_val_if_fail (bind_token != NULL, NULL);

  return tw_base64_encode_secret (bind_token);
}

char *
tw_link_key_bind_verifier (TwSecret *bind_token)
{
  guint8 digest[TW_SHA256_SIZE];

  g_return_val_if_fail (bind_token != NULL, NULL);

  tw_sha256 (tw_secret_get_data (bind_token), tw_secret_get_size (bind_token), digest);
  return tw_base64_encode (digest, sizeof digest);
}

gboolean
tw_link_key_bind_token_matches (const char *header_value,
                                const char *verifier)
{
  guint8 token[TW_BIND_TOKEN_SIZE];
  guint8 token_digest[TW_SHA256_SIZE];
  guint8 expected_digest[TW_SHA256_SIZE];
  gboolean matches;

  g_return_val_if_fail (header_value != NULL, FALSE);
  g_return_val_if_fail (verifier != NULL, FALSE);

  if (!tw_base64_decode_exact (verifier, -1, TW_BASE64_STANDARD, expected_digest,
                               sizeof expected_digest, NULL))
    return FALSE;
  if (!tw_base64_decode_exact (header_value, -1, TW_BASE64_STANDARD, token,
                               sizeof token, NULL))
    return FALSE;

  tw_sha256 (token, sizeof token, token_digest);
  tw_wipe (token, sizeof token);
  matches = tw_memeq_ct (token_digest, expected_digest, sizeof token_digest);
  return matches;
}
