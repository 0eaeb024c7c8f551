/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Why a call to the relay failed, in cases an app can explain to people.
 * The messages are for logs and developers (English, never translated, never
 * holding a secret); an app picks its own words from the code. Whatever the
 * relay wrote in its error body is used only to choose the code, never shown.
 *
 * TW_RELAY_ERROR is an extended error domain: the host and, for
 * RATE_LIMITED, the Retry-After delay travel with the error and survive
 * g_error_copy() and GTask.
 */

#define TW_RELAY_ERROR (tw_relay_error_quark ())

typedef enum {
  TW_RELAY_ERROR_UNREACHABLE,             /* no connection, or the relay's proxy answered 502-504;
                                           * the message names the host */
  TW_RELAY_ERROR_TIMED_OUT,               /* connected, but no complete answer in time */
  TW_RELAY_ERROR_TLS_NOT_TRUSTED,         /* the relay's certificate is not trusted for its name */
  TW_RELAY_ERROR_UNAUTHORIZED,            /* 401: wrong or missing device claim or bind token */
  TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE, /* another recipient device bound the mailbox first */
  TW_RELAY_ERROR_NOT_FOUND,               /* 404: no such mailbox (or we are not a bound party) */
  TW_RELAY_ERROR_EXPIRED,                 /* 410: the mailbox reached its expiration */
  TW_RELAY_ERROR_DELETED,                 /* 410: the other side deleted the mailbox */
  TW_RELAY_ERROR_TOO_LARGE,               /* 413: the request is over a relay limit */
  TW_RELAY_ERROR_RATE_LIMITED,            /* 429: wait tw_relay_error_get_retry_after () s */
  TW_RELAY_ERROR_PRECONDITION_FAILED,     /* 412: the payload changed since our read (If-Match) */
  TW_RELAY_ERROR_BAD_REQUEST,             /* 400: the relay refused the request's form */
  TW_RELAY_ERROR_RELAY_BUG,               /* an unexpected status, or an answer we cannot parse */
  TW_RELAY_ERROR_CANCELLED,               /* the caller cancelled; apps stay silent about it */
  TW_RELAY_ERROR_INVALID_URL,             /* not an http(s) relay or mailbox address we accept */
  TW_RELAY_ERROR_INSECURE_URL,            /* plain http to a host that is not loopback */
  TW_RELAY_ERROR_BAD_CA_FILE,             /* the CA file named is not absolute or not readable */
} TwRelayError;

GQuark      tw_relay_error_quark           (void);

/* The relay host the failed call went to (as in the URL, without brackets
 * for IPv6), or NULL if @error is not in TW_RELAY_ERROR or has none. */
const char *tw_relay_error_get_host        (const GError *error);

/* Seconds the relay asked us to wait (Retry-After), or 0 when it did not
 * say or @error is not in TW_RELAY_ERROR. */
guint       tw_relay_error_get_retry_after (const GError *error);

/* The relay's own error code ("rate-limited", ...) when it sent one, for
 * logs only. */
const char *tw_relay_error_get_relay_code  (const GError *error);

/* Sets *@error to a TW_RELAY_ERROR with the extra fields filled in.
 * @host, @relay_code may be NULL. */
void        tw_relay_error_set             (GError      **error,
                                            TwRelayError  code,
                                            const char   *host,
                                            guint         retry_after,
                                            const char   *relay_code,
                                            const char   *format,
                                            ...) G_GNUC_PRINTF (6, 7);

/* Whether retrying the same request later could succeed (UNREACHABLE,
 * TIMED_OUT, RATE_LIMITED). */
gboolean    tw_relay_error_is_transient    (const GError *error);

G_END_DECLS
