/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-relay-error.h"

typedef struct
{
  char  *host;
  guint  retry_after;
  char  *relay_code;
} TwRelayErrorPrivate;

static void
tw_relay_error_private_init (TwRelayErrorPrivate *priv)
{
  priv->host = NULL;
  priv->retry_after = 0;
  priv->relay_code = NULL;
}

static void
tw_relay_error_private_copy (const TwRelayErrorPrivate *src,
                             TwRelayErrorPrivate       *dest)
{
  dest->host = g_strdup (src->host);
  dest->retry_after = src->retry_after;
  dest->relay_code = g_strdup (src->relay_code);
}

static void
tw_relay_error_private_clear (TwRelayErrorPrivate *priv)
{
  g_clear_pointer (&priv->host, g_free);
  g_clear_pointer (&priv->relay_code, g_free);
}

G_DEFINE_EXTENDED_ERROR (TwRelayError, tw_relay_error)

static TwRelayErrorPrivate *
private_of (const GError *error)
{
  if (error == NULL || error->domain != TW_RELAY_ERROR)
    return NULL;

  return tw_relay_error_get_private (error);
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
  priv = tw_relay_error_get_private (new_error);
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
