/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-relay-error.h"

typedef struct
{
  char  *host;
  guint  retry_after;
  char  *relay_code;
} TwRelayErrorPrivate;

/* GLib keeps an extended error's private data in front of the GError, in a
 * block whose size it rounds up to two machine words so that both stay as
 * aligned as the allocation itself. The block is reached through a void
 * pointer because its alignment comes from that allocation, which a cast
 * from a byte pointer would hide from the compiler's -Wcast-align check. */
#define PRIVATE_ALIGNMENT (2 * sizeof (gsize))
#define PRIVATE_BLOCK_SIZE \
  ((sizeof (TwRelayErrorPrivate) + PRIVATE_ALIGNMENT - 1) & ~(PRIVATE_ALIGNMENT - 1))

static TwRelayErrorPrivate *
private_block (const GError *error)
{
  gpointer block = (guint8 *) error - PRIVATE_BLOCK_SIZE;

  return block;
}

static void
private_init (GError *error)
{
  TwRelayErrorPrivate *priv = private_block (error);

  priv->host = NULL;
  priv->retry_after = 0;
  priv->relay_code = NULL;
}

static void
private_copy (const GError *src_error,
              GError       *dest_error)
{
  const TwRelayErrorPrivate *src = private_block (src_error);
  TwRelayErrorPrivate *dest = private_block (dest_error);

  dest->host = g_strdup (src->host);
  dest->retry_after = src->retry_after;
  dest->relay_code = g_strdup (src->relay_code);
}

static void
private_clear (GError *error)
{
  TwRelayErrorPrivate *priv = private_block (error);

  g_clear_pointer (&priv->host, g_free);
  g_clear_pointer (&priv->relay_code, g_free);
}

GQuark
tw_relay_error_quark (void)
{
  static GQuark domain;
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      domain = g_error_domain_register_static ("TwRelayError",
                                               sizeof (TwRelayErrorPrivate),
                                               private_init, private_copy,
                                               private_clear);
      g_once_init_leave (&registered, 1);
    }

  return domain;
}

static TwRelayErrorPrivate *
private_of (const GError *error)
{
  if (error == NULL || error->domain != TW_RELAY_ERROR)
    return NULL;

  return private_block (error);
}

const char *
tw_relay_error_get_host (const GError *error)
{
  TwRelayErrorPrivate *priv = private_of (error);

  return priv != NULL ? priv->host : NULL;
}

guint
tw_relay_error_get_retry_after (const GError *error)
{
  TwRelayErrorPrivate *priv = private_of (error);

  return priv != NULL ? priv->retry_after : 0;
}

const char *
tw_relay_error_get_relay_code (const GError *error)
{
  TwRelayErrorPrivate *priv = private_of (error);

  return priv != NULL ? priv->relay_code : NULL;
}

void
tw_relay_error_set (GError       **error,
                    TwRelayError   code,
                    const char    *host,
                    guint          retry_after,
                    const char    *relay_code,
                    const char    *format,
                    ...)
{
  TwRelayErrorPrivate *priv;
  g_autofree char *message = NULL;
  GError *new_error;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  new_error = g_error_new_literal (TW_RELAY_ERROR, code, message);
  priv = private_block (new_error);
  priv->host = g_strdup (host);
  priv->retry_after = retry_after;
  priv->relay_code = g_strdup (relay_code);

  g_propagate_error (error, new_error);
}

gboolean
tw_relay_error_is_transient (const GError *error)
{
  return g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_UNREACHABLE)
         || g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_TIMED_OUT)
         || g_error_matches (error, TW_RELAY_ERROR, TW_RELAY_ERROR_RATE_LIMITED);
}
