/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-server.h"

#include <libsoup/soup.h>
#include <errno.h>
#include <sys/socket.h>
#include <string.h>

#define LISTEN_BACKLOG         1024
#define WATCHDOG_INTERVAL_MS   1000

typedef struct _Worker Worker;

struct _RelayServer
{
  GObject              parent_instance;

  const RelayConfig   *config;
  RelayHandler        *handler;
  GTlsCertificate     *tls_certificate;
  GPtrArray           *workers;         /* Worker; the admin worker last */
  GPtrArray           *bound_addresses; /* GInetSocketAddress, API, ports resolved */
  GSocketAddress      *admin_address;   /* resolved, or NULL */
  guint                sweep_source;

  /* Start-up handshake with the worker threads. */
  GMutex               lock;
  GCond                started;
  guint                workers_started;
  GError              *start_error;
};

struct _Worker
{
  RelayServer   *server;
  gboolean       admin;
  GPtrArray     *sockets;      /* listening GSocket, bound before the thread starts */
  GMainContext  *context;
  GMainLoop     *loop;
  GThread       *thread;
  SoupServer    *soup;
  GHashTable    *receiving;    /* SoupServerMessage → start time (µs): requests
                                * whose headers and body have not all arrived */
  GHashTable    *idle;         /* GSocket (ref) → time (µs) its last answer went
                                * out: kept-alive connections between requests */
};

/* A long poll, parked until its mailbox changes or its time is up. */
typedef struct {
  Worker            *worker;
  SoupServerMessage *msg;
  GBytes            *body;
  RelayWaiter       *waiter;
  GSource           *timeout;
  gint64             deadline_us;
} Wait;

G_DEFINE_FINAL_TYPE (RelayServer, relay_server, G_TYPE_OBJECT)

static gboolean answer_or_wait (Worker            *worker,
                                SoupServerMessage *msg,
                                GBytes            *body,
                                gboolean           resumed,
                                guint              wait_left);

/* ------------------------------------------------------------------------ */
/* From libsoup to RelayRequest and back                                    */
/* ------------------------------------------------------------------------ */

static void
fill_request (Worker            *worker,
              SoupServerMessage *msg,
              GBytes            *body,
              RelayRequest      *request)
{
  GUri *uri = soup_server_message_get_uri (msg);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  memset (request, 0, sizeof *request);
  request->method = soup_server_message_get_method (msg);
  request->path = g_uri_get_path (uri);
  request->query = g_uri_get_query (uri);
  request->headers = soup_server_message_get_request_headers (msg);
  request->body = body != NULL ? g_bytes_get_data (body, &request->body_size) : NULL;
  request->peer = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  request->tls = worker->server->tls_certificate != NULL && !worker->admin;
  request->admin = worker->admin;
}

static void
apply_response (SoupServerMessage   *msg,
                const RelayResponse *response)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, response->status, NULL);
  for (guint i = 0; i + 1 < response->headers->len; i += 2)
    soup_message_headers_append (headers, g_ptr_array_index (response->headers, i),
                                 g_ptr_array_index (response->headers, i + 1));
  if (response->content_type != NULL)
    soup_message_headers_replace (headers, "Content-Type", response->content_type);
  if (response->body != NULL)
    soup_message_body_append_bytes (soup_server_message_get_response_body (msg),
                                    response->body);
}

/* ------------------------------------------------------------------------ */
/* Long polls                                                               */
/* ------------------------------------------------------------------------ */

static void
wait_free (Wait *wait)
{
  if (wait->timeout != NULL)
    {
      g_source_destroy (wait->timeout);
      g_source_unref (wait->timeout);
    }
  g_clear_pointer (&wait->body, g_bytes_unref);
  g_clear_object (&wait->msg);
  g_free (wait);
}

/* Ends the wait and answers by the mailbox's state now; @wait_left > 0
 * lets it wait again if nothing relevant changed. */
static void
finish_wait (Wait  *wait,
             guint  wait_left)
{
  RelayWaiters *waiters = relay_handler_get_waiters (wait->worker->server->handler);

  relay_waiters_remove (waiters, wait->waiter);
  wait->waiter = NULL;
  /* Woken, but the payload may still be the one the client holds (the
   * same bytes written again): then it waits on, still paused. */
  if (!answer_or_wait (wait->worker, wait->msg, wait->body, TRUE, wait_left))
    soup_server_message_unpause (wait->msg);
  wait_free (wait);
}

static void
on_wait_woken (RelayWakeReason reason,
               gpointer        user_data)
{
  Wait *wait = user_data;
  gint64 left_us = wait->deadline_us - g_get_monotonic_time ();
  guint left = left_us > 0 ? (guint) ((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 0;

  /* A newer poll by the same device takes over: this one answers now. */
  finish_wait (wait, reason == RELAY_WAKE_SUPERSEDED ? 0 : left);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  Wait *wait = user_data;

  g_clear_pointer (&wait->timeout, g_source_unref);
  finish_wait (wait, 0);
  return G_SOURCE_REMOVE;
}

/* Parks @msg until its mailbox changes; FALSE (with the refusal applied)
 * when too many requests wait already. */
static gboolean
start_wait (Worker            *worker,
            SoupServerMessage *msg,
            GBytes            *body,
            RelayResponse     *response,
            gboolean           paused)
{
  RelayHandler *handler = worker->server->handler;
  Wait *wait = g_new0 (Wait, 1);

  wait->worker = worker;
  wait->msg = g_object_ref (msg);
  wait->body = body != NULL ? g_bytes_ref (body) : NULL;
  wait->deadline_us = g_get_monotonic_time () + response->wait_seconds * G_USEC_PER_SEC;
  wait->waiter = relay_waiters_add (relay_handler_get_waiters (handler),
                                    response->wait_mailbox_id, response->wait_claim_hash,
                                    worker->context, on_wait_woken, wait, NULL);
  if (wait->waiter == NULL)
    {
      wait_free (wait);
      relay_handler_refuse_wait (handler, response);
      apply_response (msg, response);
      return FALSE;
    }

  wait->timeout = g_timeout_source_new (response->wait_seconds * 1000);
  g_source_set_callback (wait->timeout, on_wait_timeout, wait, NULL);
  g_source_attach (wait->timeout, worker->context);
  if (!paused)
    soup_server_message_pause (msg);
  return TRUE;
}

/* Answers @msg, or parks it as a long poll and returns TRUE. A @resumed
 * request is one that waited already; its message is paused. */
static gboolean
answer_or_wait (Worker            *worker,
                SoupServerMessage *msg,
                GBytes            *body,
                gboolean           resumed,
                guint              wait_left)
{
  RelayRequest request;
  RelayResponse response;
  gboolean waiting = FALSE;

  fill_request (worker, msg, body, &request);
  request.resumed = resumed;
  request.wait_left = wait_left;
  relay_response_init (&response);
  relay_handler_handle (worker->server->handler, &request, &response);

  if (response.wait)
    waiting = start_wait (worker, msg, body, &response, resumed);
  else
    apply_response (msg, &response);
  relay_response_clear (&response);
  return waiting;
}

/* ------------------------------------------------------------------------ */
/* Request handlers                                                         */
/* ------------------------------------------------------------------------ */

static void
on_request (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Worker *worker = user_data;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  answer_or_wait (worker, msg, body, FALSE, 0);
}

/* Refuses a body that grew too large while arriving in chunks: libsoup
 * discards the rest as it comes and the connection closes afterwards. */
static void
refuse_body (Worker            *worker,
             SoupServerMessage *msg)
{
  RelayResponse response;

  relay_response_init (&response);
  relay_handler_refuse_oversized (worker->server->handler, &response);
  apply_response (msg, &response);
  relay_response_clear (&response);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
}

/* A connection taken from libsoup to refuse a declared oversized body at
 * once: answer, then read and drop what the client still sends for a
 * moment, so that closing does not reset the connection before the client
 * has read the answer. */
typedef struct {
  GIOStream *stream;
  GBytes    *answer;
  gint64     linger_until;
  char       sink[8192];
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_io_stream_close (refusal->stream, NULL, NULL);
  g_object_unref (refusal->stream);
  g_bytes_unref (refusal->answer);
  g_free (refusal);
}

static void
on_refusal_drained (GObject      *input,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;
  gssize got = g_input_stream_read_finish (G_INPUT_STREAM (input), result, NULL);

  if (got <= 0 || g_get_monotonic_time () > refusal->linger_until)
    {
      refusal_free (refusal);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (input), refusal->sink, sizeof refusal->sink,
                             G_PRIORITY_DEFAULT, NULL, on_refusal_drained, refusal);
}

static void
on_refusal_written (GObject      *output,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (output), result, NULL, NULL))
    {
      refusal_free (refusal);
      return;
    }
  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream), refusal->sink,
                             sizeof refusal->sink, G_PRIORITY_DEFAULT, NULL,
                             on_refusal_drained, refusal);
}

static GBytes *
format_raw_answer (const RelayResponse *response)
{
  GString *text = g_string_new (NULL);
  gsize size = response->body != NULL ? g_bytes_get_size (response->body) : 0;

  g_string_append_printf (text, "HTTP/1.1 %u %s\r\n", response->status,
                          soup_status_get_phrase (response->status));
  for (guint i = 0; i + 1 < response->headers->len; i += 2)
    g_string_append_printf (text, "%s: %s\r\n",
                            (const char *) g_ptr_array_index (response->headers, i),
                            (const char *) g_ptr_array_index (response->headers, i + 1));
  if (response->content_type != NULL)
    g_string_append_printf (text, "Content-Type: %s\r\n", response->content_type);
  g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Connection: close\r\n\r\n", size);
  if (size > 0)
    g_string_append_len (text, g_bytes_get_data (response->body, NULL), size);
  return g_string_free_to_bytes (text);
}

static void
refuse_declared_body (Worker            *worker,
                      SoupServerMessage *msg)
{
  Refusal *refusal = g_new0 (Refusal, 1);
  RelayResponse response;

  relay_response_init (&response);
  relay_handler_refuse_oversized (worker->server->handler, &response);
  refusal->answer = format_raw_answer (&response);
  relay_response_clear (&response);

  refusal->linger_until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  refusal->stream = soup_server_message_steal_connection (msg);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (refusal->stream),
                                   g_bytes_get_data (refusal->answer, NULL),
                                   g_bytes_get_size (refusal->answer), G_PRIORITY_DEFAULT,
                                   NULL, on_refusal_written, refusal);
}

static void
on_body_chunk (SoupServerMessage *msg,
               GBytes            *chunk,
               gpointer           user_data)
{
  Worker *worker = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (soup_server_message_get_status (msg) == 0 &&
      (gsize) body->length > worker->server->config->max_body)
    refuse_body (worker, msg);
}

static void
on_request_headers (SoupServer        *soup,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  Worker *worker = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  gsize max_body = worker->server->config->max_body;

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (headers) > (goffset) max_body)
        refuse_declared_body (worker, msg);
      break;
    case SOUP_ENCODING_CHUNKED:
      /* The size is known only as the chunks arrive. */
      g_signal_connect (msg, "got-chunk", G_CALLBACK (on_body_chunk), worker);
      break;
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_BYTERANGES:
    default:
      break;
    }
}

/* ------------------------------------------------------------------------ */
/* Slow clients: every request must arrive whole within request_timeout     */
/* ------------------------------------------------------------------------ */

static void
forget_receiving (gpointer  data,
                  GObject  *finalized_msg)
{
  Worker *worker = data;

  g_hash_table_remove (worker->receiving, finalized_msg);
}

static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Worker *worker = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  /* A client too slow to take its answer is cut off by the socket timeout;
   * the watchdog below sees only the receiving side. */
  if (socket != NULL)
    {
      g_socket_set_timeout (socket, worker->server->config->request_timeout);
      g_hash_table_remove (worker->idle, socket);
    }
  g_hash_table_insert (worker->receiving, msg, GINT_TO_POINTER (1));
  g_object_set_data (G_OBJECT (msg), "relay-started-us",
                     GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  g_object_weak_ref (G_OBJECT (msg), forget_receiving, worker);
}

static void
on_request_read (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Worker *worker = user_data;

  if (g_hash_table_remove (worker->receiving, msg))
    g_object_weak_unref (G_OBJECT (msg), forget_receiving, worker);
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Worker *worker = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  /* libsoup starts the connection's next request only when its first bytes
   * arrive, so until then the connection is ours to time out. */
  if (socket != NULL && !g_socket_is_closed (socket))
    g_hash_table_insert (worker->idle, g_object_ref (socket),
                         GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
}

static void
close_idle_connections (Worker *worker,
                        gint64  now,
                        gint64  limit)
{
  GHashTableIter iter;
  GSocket *socket;
  gpointer since;

  g_hash_table_iter_init (&iter, worker->idle);
  while (g_hash_table_iter_next (&iter, (gpointer *) &socket, &since))
    {
      if (g_socket_is_closed (socket))
        g_hash_table_iter_remove (&iter);
      else if (now - (gint64) GPOINTER_TO_SIZE (since) >= limit)
        {
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
          g_hash_table_iter_remove (&iter);
        }
    }
}

static gboolean
on_watchdog (gpointer user_data)
{
  Worker *worker = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 limit = (gint64) worker->server->config->request_timeout * G_USEC_PER_SEC;
  GHashTableIter iter;
  SoupServerMessage *msg;

  g_hash_table_iter_init (&iter, worker->receiving);
  while (g_hash_table_iter_next (&iter, (gpointer *) &msg, NULL))
    {
      gint64 started = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg),
                                                                     "relay-started-us"));
      GSocket *socket;

      if (now - started < limit)
        continue;

      /* Shutting the socket down makes libsoup see the end of input and
       * drop the connection through its normal paths. */
      socket = soup_server_message_get_socket (msg);
      if (socket != NULL)
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
      g_object_weak_unref (G_OBJECT (msg), forget_receiving, worker);
      g_hash_table_iter_remove (&iter);
    }

  close_idle_connections (worker, now, limit);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* Worker threads                                                           */
/* ------------------------------------------------------------------------ */

static void
report_started (RelayServer *self,
                GError      *error)
{
  g_mutex_lock (&self->lock);
  self->workers_started++;
  if (error != NULL && self->start_error == NULL)
    self->start_error = g_error_copy (error);
  g_cond_signal (&self->started);
  g_mutex_unlock (&self->lock);
}

static gboolean
worker_listen (Worker  *worker,
               GError **error)
{
  RelayServer *self = worker->server;
  gboolean https = self->tls_certificate != NULL && !worker->admin;

  worker->soup = soup_server_new (NULL, NULL);
  if (https)
    soup_server_set_tls_certificate (worker->soup, self->tls_certificate);
  soup_server_add_early_handler (worker->soup, NULL, on_request_headers, worker, NULL);
  soup_server_add_handler (worker->soup, NULL, on_request, worker, NULL);
  g_signal_connect (worker->soup, "request-started", G_CALLBACK (on_request_started), worker);
  g_signal_connect (worker->soup, "request-read", G_CALLBACK (on_request_read), worker);
  g_signal_connect (worker->soup, "request-finished", G_CALLBACK (on_request_done), worker);
  g_signal_connect (worker->soup, "request-aborted", G_CALLBACK (on_request_done), worker);

  for (guint i = 0; i < worker->sockets->len; i++)
    if (!soup_server_listen_socket (worker->soup, g_ptr_array_index (worker->sockets, i),
                                    https ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
      return FALSE;
  return TRUE;
}

static void
forget_all_receiving (Worker *worker)
{
  GHashTableIter iter;
  gpointer msg;

  g_hash_table_iter_init (&iter, worker->receiving);
  while (g_hash_table_iter_next (&iter, &msg, NULL))
    g_object_weak_unref (G_OBJECT (msg), forget_receiving, worker);
  g_hash_table_remove_all (worker->receiving);
  g_hash_table_remove_all (worker->idle);
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) watchdog = g_timeout_source_new (WATCHDOG_INTERVAL_MS);

  g_main_context_push_thread_default (worker->context);
  if (!worker_listen (worker, &error))
    {
      report_started (worker->server, error);
      g_clear_object (&worker->soup);
      g_main_context_pop_thread_default (worker->context);
      return NULL;
    }

  g_source_set_callback (watchdog, on_watchdog, worker, NULL);
  g_source_attach (watchdog, worker->context);
  report_started (worker->server, NULL);
  g_main_loop_run (worker->loop);

  g_source_destroy (watchdog);
  forget_all_receiving (worker);
  soup_server_disconnect (worker->soup);
  g_clear_object (&worker->soup);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static Worker *
worker_new (RelayServer *server,
            gboolean     admin)
{
  Worker *worker = g_new0 (Worker, 1);

  worker->server = server;
  worker->admin = admin;
  worker->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  worker->receiving = g_hash_table_new (NULL, NULL);
  worker->idle = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  return worker;
}

static void
worker_free (Worker *worker)
{
  g_ptr_array_unref (worker->sockets);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_hash_table_unref (worker->receiving);
  g_hash_table_unref (worker->idle);
  g_free (worker);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Sockets                                                                  */
/* ------------------------------------------------------------------------ */

/* g_socket_bind() switches SO_REUSEPORT off again for TCP sockets, so the
 * bind is done on the descriptor itself. */
static gboolean
bind_native (GSocket         *socket,
             GSocketAddress  *address,
             GError         **error)
{
  struct sockaddr_storage native;
  gssize size = g_socket_address_get_native_size (address);
  int saved_errno;

  if (size < 0 || !g_socket_address_to_native (address, &native, sizeof native, error))
    return FALSE;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native, size) == 0)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s", g_strerror (saved_errno));
  return FALSE;
}

static GSocket *
bind_socket (GSocketAddress  *address,
             GError         **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  /* Every worker binds its own socket to the same port; the kernel then
   * spreads new connections over them. The long backlog keeps a burst of
   * connections from stalling in SYN retries. */
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error) ||
      !bind_native (socket, address, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* Binds @text for @n_workers workers; the first bind fixes the port when
 * the configuration asked for any free port (0). */
static GSocketAddress *
bind_address (const char  *text,
              GPtrArray   *workers,
              guint        first_worker,
              guint        n_workers,
              GError     **error)
{
  g_autoptr(GSocketAddress) address = relay_config_parse_address (text, error);

  for (guint i = 0; address != NULL && i < n_workers; i++)
    {
      Worker *worker = g_ptr_array_index (workers, first_worker + i);
      GSocket *socket = bind_socket (address, error);

      if (socket == NULL)
        {
          g_prefix_error (error, "Could not listen on %s: ", text);
          return NULL;
        }
      g_ptr_array_add (worker->sockets, socket);
      if (i == 0)
        {
          g_object_unref (address);
          address = g_socket_get_local_address (socket, error);
        }
    }
  return g_steal_pointer (&address);
}

static gboolean
bind_all (RelayServer  *self,
          GError      **error)
{
  const RelayConfig *config = self->config;
  guint n_api = config->threads;

  for (guint i = 0; config->listen[i] != NULL; i++)
    {
      GSocketAddress *bound = bind_address (config->listen[i], self->workers, 0, n_api, error);

      if (bound == NULL)
        return FALSE;
      g_ptr_array_add (self->bound_addresses, bound);
    }
  if (config->admin_listen != NULL)
    {
      self->admin_address = bind_address (config->admin_listen, self->workers, n_api, 1,
                                          error);
      if (self->admin_address == NULL)
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Expiry sweep, on the caller's main context                               */
/* ------------------------------------------------------------------------ */

static gboolean
on_sweep (gpointer user_data)
{
  RelayServer *self = user_data;
  g_autoptr(GError) error = NULL;
  guint swept = 0;

  if (!relay_handler_sweep (self->handler, &swept, &error))
    g_warning ("Removing expired mailboxes failed, will retry: %s", error->message);
  else if (swept > 0)
    g_info ("Removed %u expired mailboxes", swept);
  relay_handler_prune_limits (self->handler);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_first_sweep (gpointer user_data)
{
  RelayServer *self = user_data;

  on_sweep (self);
  self->sweep_source = g_timeout_add_seconds (self->config->sweep_interval, on_sweep, self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

RelayServer *
relay_server_new (const RelayConfig  *config,
                  RelayHandler       *handler,
                  GError            **error)
{
  g_autoptr(RelayServer) self = g_object_new (RELAY_TYPE_SERVER, NULL);

  self->config = config;
  self->handler = g_object_ref (handler);
  if (config->tls_cert != NULL)
    {
      self->tls_certificate = g_tls_certificate_new_from_files (config->tls_cert,
                                                                config->tls_key, error);
      if (self->tls_certificate == NULL)
        {
          g_prefix_error (error, "Could not load the TLS certificate and key: ");
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

static gboolean
start_workers (RelayServer  *self,
               GError      **error)
{
  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);
      g_autofree char *name = g_strdup_printf (worker->admin ? "relay-admin" : "relay-%u", i);

      worker->thread = g_thread_new (name, worker_main, worker);
    }

  g_mutex_lock (&self->lock);
  while (self->workers_started < self->workers->len)
    g_cond_wait (&self->started, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
relay_server_start (RelayServer  *self,
                    GError      **error)
{
  const RelayConfig *config = self->config;

  for (guint i = 0; i < config->threads; i++)
    g_ptr_array_add (self->workers, worker_new (self, FALSE));
  if (config->admin_listen != NULL)
    g_ptr_array_add (self->workers, worker_new (self, TRUE));

  if (!bind_all (self, error) || !start_workers (self, error))
    {
      relay_server_stop (self);
      return FALSE;
    }

  /* The first sweep runs once serving has begun, not before: a relay that
   * was down for a while may find many mailboxes to remove. */
  self->sweep_source = g_timeout_add_seconds (MIN (config->sweep_interval, 1), on_first_sweep,
                                              self);
  return TRUE;
}

void
relay_server_stop (RelayServer *self)
{
  g_clear_handle_id (&self->sweep_source, g_source_remove);

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      if (worker->thread == NULL)
        continue;
      g_main_context_invoke (worker->context, quit_loop, worker->loop);
      g_thread_join (g_steal_pointer (&worker->thread));
    }
  g_ptr_array_set_size (self->workers, 0);
}

static char *
address_uri (GSocketAddress *address,
             gboolean        https)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  gboolean v6 = g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6;

  return g_strdup_printf ("%s://%s%s%s:%u", https ? "https" : "http", v6 ? "[" : "", host,
                          v6 ? "]" : "", g_inet_socket_address_get_port (inet));
}

GStrv
relay_server_get_uris (RelayServer *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv uris;

  for (guint i = 0; i < self->bound_addresses->len; i++)
    {
      g_autofree char *uri = address_uri (g_ptr_array_index (self->bound_addresses, i),
                                          self->tls_certificate != NULL);

      g_strv_builder_add (builder, uri);
    }
  uris = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return uris;
}

char *
relay_server_get_admin_uri (RelayServer *self)
{
  return self->admin_address != NULL ? address_uri (self->admin_address, FALSE) : NULL;
}

static void
relay_server_finalize (GObject *object)
{
  RelayServer *self = RELAY_SERVER (object);

  relay_server_stop (self);
  g_ptr_array_unref (self->workers);
  g_ptr_array_unref (self->bound_addresses);
  g_clear_object (&self->admin_address);
  g_clear_object (&self->tls_certificate);
  g_clear_object (&self->handler);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->started);

  G_OBJECT_CLASS (relay_server_parent_class)->finalize (object);
}

static void
relay_server_class_init (RelayServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = relay_server_finalize;
}

static void
relay_server_init (RelayServer *self)
{
  self->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) worker_free);
  self->bound_addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_init (&self->lock);
  g_cond_init (&self->started);
}
