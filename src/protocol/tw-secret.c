/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-secret.h"

#include <openssl/crypto.h>
#include <string.h>

struct _TwSecret
{
  gatomicrefcount ref_count;
  gsize size;
  guint8 *data;   /* size + 1 bytes on the secure heap; the last is NUL */
};

G_DEFINE_BOXED_TYPE (TwSecret, tw_secret, tw_secret_ref, tw_secret_unref)

TwSecret *
tw_secret_new (gsize size)
{
  TwSecret *self = g_new0 (TwSecret, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->size = size;
  /* The secure heap is small and fixed (tw_crypto_init); a large wallet can
   * fill it. Then the secret goes to the ordinary heap: still wiped on free
   * (OPENSSL_secure_clear_free tells the two apart), only not locked in RAM. */
  self->data = OPENSSL_secure_zalloc (size + 1);
  if (self->data == NULL)
    self->data = OPENSSL_zalloc (size + 1);
  if (self->data == NULL)
    g_error ("Out of memory while allocating a %" G_GSIZE_FORMAT "-byte secret", size);

  return self;
}

TwSecret *
tw_secret_new_from_data (gconstpointer data,
                         gsize         size)
{
  TwSecret *self = tw_secret_new (size);

  if (size > 0)
    memcpy (self->data, data, size);

  return self;
}

TwSecret *
tw_secret_new_from_string (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  return tw_secret_new_from_data (text, strlen (text));
}

TwSecret *
tw_secret_ref (TwSecret *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tw_secret_unref (TwSecret *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* OPENSSL_secure_clear_free wipes before it releases. */
  OPENSSL_secure_clear_free (self->data, self->size + 1);
  g_free (self);
}

guint8 *
tw_secret_get_data (TwSecret *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->data;
}

gsize
tw_secret_get_size (const TwSecret *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

const char *
tw_secret_get_text (TwSecret *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *) self->data;
}

gboolean
tw_secret_equal (const TwSecret *a,
                 const TwSecret *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->size != b->size)
    return FALSE;

  return CRYPTO_memcmp (a->data, b->data, a->size) == 0;
}
