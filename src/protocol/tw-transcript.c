/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-transcript.h"

#include <openssl/evp.h>
#include <string.h>

#include "tw-base64.h"

void
tw_transcript_init (TwTranscript *self)
{
  g_return_if_fail (self != NULL);

  tw_sha256 (TW_TRANSCRIPT_LABEL, strlen (TW_TRANSCRIPT_LABEL), self->hash);
}

void
tw_transcript_append (TwTranscript  *self,
                      gconstpointer  message,
                      gsize          size)
{
  EVP_MD_CTX *context;
  guint8 length[4];
  unsigned int hash_size = 0;
  gboolean hashed;

  g_return_if_fail (self != NULL);
  g_return_if_fail (message != NULL || size == 0);
  g_return_if_fail (size <= G_MAXUINT32);

  length[0] = (size >> 24) & 0xff;
  length[1] = (size >> 16) & 0xff;
  length[2] = (size >> 8) & 0xff;
  length[3] = size & 0xff;

  /* Streaming, so a plaintext (which may hold a credential) is never
   * copied to the ordinary heap just to be hashed. */
  context = EVP_MD_CTX_new ();
  hashed = context != NULL
           && EVP_DigestInit_ex (context, EVP_sha256 (), NULL) == 1
           && EVP_DigestUpdate (context, self->hash, sizeof self->hash) == 1
           && EVP_DigestUpdate (context, length, sizeof length) == 1
           && EVP_DigestUpdate (context, message, size) == 1
           && EVP_DigestFinal_ex (context, self->hash, &hash_size) == 1
           && hash_size == TW_TRANSCRIPT_SIZE;
  EVP_MD_CTX_free (context);
  if (!hashed)
    g_error ("SHA-256 failed while hashing the transcript");
}

gboolean
tw_transcript_equal (const TwTranscript *a,
                     const TwTranscript *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return tw_memeq_ct (a->hash, b->hash, TW_TRANSCRIPT_SIZE);
}

char *
tw_transcript_to_base64 (const TwTranscript *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return tw_base64_encode (self->hash, sizeof self->hash);
}

gboolean
tw_transcript_from_base64 (const char    *text,
                           TwTranscript  *out,
                           GError       **error)
{
  g_return_val_if_fail (text != NULL && out != NULL, FALSE);

  return tw_base64_decode_exact (text, -1, TW_BASE64_STANDARD,
                                 out->hash, sizeof out->hash, error);
}
