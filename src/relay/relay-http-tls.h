/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * TLS for the relay's own HTTP front end: one OpenSSL context made from the
 * certificate and key files, and a session per accepted socket driven
 * without blocking from the connection's event loop. The handshake happens
 * inside the first reads and writes.
 */

/* What reads and writes return besides a byte count (> 0) or 0 for the
 * peer's orderly end of input; shared with plain sockets. */
#define RELAY_HTTP_IO_AGAIN  (-1)   /* try again on the next readiness */
#define RELAY_HTTP_IO_FAILED (-2)   /* the connection is broken */

typedef struct _RelayHttpTls        RelayHttpTls;
typedef struct _RelayHttpTlsSession RelayHttpTlsSession;

RelayHttpTls        *relay_http_tls_new            (const char           *cert_file,
                                                    const char           *key_file,
                                                    GError              **error);
void                 relay_http_tls_free           (RelayHttpTls         *tls);

RelayHttpTlsSession *relay_http_tls_session_new    (RelayHttpTls         *tls,
                                                    int                   fd);
/* Frees the session; the socket stays open. */
void                 relay_http_tls_session_free   (RelayHttpTlsSession  *session);

gssize               relay_http_tls_session_read   (RelayHttpTlsSession  *session,
                                                    char                 *buffer,
                                                    gsize                 size);
/* A write that returned RELAY_HTTP_IO_AGAIN must be retried with the same
 * bytes at the start of @data (more may follow them). */
gssize               relay_http_tls_session_write  (RelayHttpTlsSession  *session,
                                                    const char           *data,
                                                    gsize                 size);
/* Sends the closing alert, if the socket takes it now. */
void                 relay_http_tls_session_shutdown (RelayHttpTlsSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayHttpTls, relay_http_tls_free)

G_END_DECLS
