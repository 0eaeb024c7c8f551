/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-http-tls.h"

#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct _RelayHttpTls
{
  SSL_CTX *context;
};

struct _RelayHttpTlsSession
{
  SSL   *ssl;
  gsize  retry_size;   /* the size of a write OpenSSL asked to retry, or 0 */
};

static gboolean
fail_with_openssl (GError     **error,
                   const char  *what)
{
  char reason[256];
  unsigned long code = ERR_get_error ();

  ERR_error_string_n (code, reason, sizeof reason);
  ERR_clear_error ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "Could not load the TLS certificate and key: %s (%s)", what,
               code != 0 ? reason : "no detail");
  return FALSE;
}

static gboolean
configure (SSL_CTX     *context,
           const char  *cert_file,
           const char  *key_file,
           GError     **error)
{
  if (!SSL_CTX_set_min_proto_version (context, TLS1_2_VERSION))
    return fail_with_openssl (error, "TLS 1.2 is not available");
  /* A client gone without a closing alert is an ordinary end of input
   * for HTTP, whose messages carry their own lengths. */
  SSL_CTX_set_options (context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                       SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode (context, SSL_MODE_ENABLE_PARTIAL_WRITE |
                    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file (context, cert_file) != 1)
    return fail_with_openssl (error, "the certificate file cannot be used");
  if (SSL_CTX_use_PrivateKey_file (context, key_file, SSL_FILETYPE_PEM) != 1)
    return fail_with_openssl (error, "the key file cannot be used");
  if (SSL_CTX_check_private_key (context) != 1)
    return fail_with_openssl (error, "the key does not belong to the certificate");
  return TRUE;
}

RelayHttpTls *
relay_http_tls_new (const char  *cert_file,
                    const char  *key_file,
                    GError     **error)
{
  g_autoptr(RelayHttpTls) tls = g_new0 (RelayHttpTls, 1);

  ERR_clear_error ();
  tls->context = SSL_CTX_new (TLS_server_method ());
  if (tls->context == NULL)
    {
      fail_with_openssl (error, "OpenSSL could not make a context");
      return NULL;
    }
  if (!configure (tls->context, cert_file, key_file, error))
    return NULL;
  return g_steal_pointer (&tls);
}

void
relay_http_tls_free (RelayHttpTls *tls)
{
  if (tls == NULL)
    return;
  SSL_CTX_free (tls->context);
  g_free (tls);
}

RelayHttpTlsSession *
relay_http_tls_session_new (RelayHttpTls *tls,
                            int           fd)
{
  RelayHttpTlsSession *session;
  SSL *ssl = SSL_new (tls->context);

  if (ssl == NULL || SSL_set_fd (ssl, fd) != 1)
    {
      SSL_free (ssl);
      ERR_clear_error ();
      return NULL;
    }
  SSL_set_accept_state (ssl);
  session = g_new0 (RelayHttpTlsSession, 1);
  session->ssl = ssl;
  return session;
}

void
relay_http_tls_session_free (RelayHttpTlsSession *session)
{
  if (session == NULL)
    return;
  SSL_free (session->ssl);
  g_free (session);
}

/* Maps the outcome of an SSL call that did not move any bytes. */
static gssize
io_outcome (RelayHttpTlsSession *session,
            int                  result)
{
  int reason = SSL_get_error (session->ssl, result);

  /* The queue holds this thread's errors; the next call starts clean. */
  ERR_clear_error ();
  switch (reason)
    {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return RELAY_HTTP_IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      return RELAY_HTTP_IO_FAILED;
    }
}

gssize
relay_http_tls_session_read (RelayHttpTlsSession *session,
                             char                *buffer,
                             gsize                size)
{
  size_t got = 0;
  int result = SSL_read_ex (session->ssl, buffer, size, &got);

  return result == 1 ? (gssize) got : io_outcome (session, result);
}

gssize
relay_http_tls_session_write (RelayHttpTlsSession *session,
                              const char          *data,
                              gsize                size)
{
  size_t written = 0;
  gsize attempt = session->retry_size != 0 ? MIN (session->retry_size, size) : size;
  int result = SSL_write_ex (session->ssl, data, attempt, &written);

  if (result == 1)
    {
      session->retry_size = 0;
      return (gssize) written;
    }
  session->retry_size = attempt;
  return io_outcome (session, result);
}

void
relay_http_tls_session_shutdown (RelayHttpTlsSession *session)
{
  if (SSL_is_init_finished (session->ssl))
    SSL_shutdown (session->ssl);
  ERR_clear_error ();
}
