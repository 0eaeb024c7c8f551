/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-http-conn.h"
#include "relay-deferred.h"

#include "tw-crypto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <unistd.h>

#define READ_SIZE            16384
#define LINGER_US            (2 * G_USEC_PER_SEC)
/* Buffers that grew for one large request are given back afterwards. */
#define KEPT_BUFFER_SIZE     (64 * 1024)

typedef enum {
  CONN_READING,    /* waiting for, or reading, a request */
  CONN_PARKED,     /* a long poll waits for its mailbox to change */
  CONN_ANSWERING,  /* another thread finishes the answer (a durable create) */
  CONN_CLOSING,    /* the last answer goes out, then the write side closes */
  CONN_DRAINING,   /* write side closed; input dropped until the peer ends */
  CONN_FINISHED,
} ConnState;

struct _RelayHttpConn
{
  RelayHttpWatch       watch;       /* first: what epoll points at */
  RelayHttpShared     *shared;
  GList                link;        /* in shared->connections */
  int                  fd;
  RelayHttpTlsSession *tls_session;
  GInetAddress        *peer;
  ConnState            state;
  gint64               deadline_us;

  GByteArray          *input;       /* from the current request's first byte */
  GString             *output;
  gsize                output_sent;

  /* The request being answered; its strings point into `input`, which does
   * not change until the request is done. */
  RelayHttpParser      parser;
  RelayRequest         request;
  RelayHeaders        *headers;
  char                *path;
  char                *query;
  gboolean             continue_sent;
  RelayWaiter         *waiter;
  gint64               wait_deadline_us;
  guint                wait_epoch;
  RelayDeferred       *deferred;    /* while CONN_ANSWERING */

  /* The last plain read took less than it asked for: the socket is empty,
   * and with edge-triggered epoll new bytes will be announced anew. */
  gboolean             input_drained;
  gboolean             peer_closing;   /* epoll saw the peer's FIN */
  gboolean             tls_sniffed;    /* the first bytes were not plain HTTP */
};

static void conn_run (RelayHttpConn *conn);

static void
set_deadline (RelayHttpConn *conn,
              gint64         deadline_us)
{
  conn->deadline_us = deadline_us;
  if (deadline_us < conn->shared->next_deadline_us)
    conn->shared->next_deadline_us = deadline_us;
}

static void
set_request_deadline (RelayHttpConn *conn)
{
  gint64 timeout_us = (gint64) conn->shared->config->request_timeout * G_USEC_PER_SEC;

  set_deadline (conn, g_get_monotonic_time () + timeout_us);
}

RelayHttpConn *
relay_http_conn_new (RelayHttpShared     *shared,
                     int                  fd,
                     GInetAddress        *peer,
                     RelayHttpTlsSession *tls_session)
{
  RelayHttpConn *conn = g_new0 (RelayHttpConn, 1);

  conn->watch = RELAY_HTTP_WATCH_CONN;
  conn->shared = shared;
  conn->link.data = conn;
  conn->fd = fd;
  conn->peer = g_object_ref (peer);
  conn->tls_session = tls_session;
  conn->input = g_byte_array_new ();
  conn->output = g_string_new (NULL);
  conn->headers = relay_headers_new ();
  relay_http_parser_init (&conn->parser, &shared->limits);
  g_queue_push_tail_link (&shared->connections, &conn->link);
  /* A client that connects and says nothing (or never finishes its TLS
   * handshake) is cut off like one that stops halfway. */
  set_request_deadline (conn);
  return conn;
}

static void
forget_request (RelayHttpConn *conn)
{
  relay_headers_clear (conn->headers);
  g_clear_pointer (&conn->path, g_free);
  g_clear_pointer (&conn->query, g_free);
  memset (&conn->request, 0, sizeof conn->request);
  conn->continue_sent = FALSE;
}

void
relay_http_conn_finish (RelayHttpConn *conn)
{
  if (conn->state == CONN_FINISHED)
    return;

  if (conn->deferred != NULL)
    {
      relay_deferred_forget_waiter (conn->deferred);
      g_clear_pointer (&conn->deferred, relay_deferred_unref);
    }
  if (conn->waiter != NULL)
    {
      relay_waiters_remove (relay_handler_get_waiters (conn->shared->handler), conn->waiter);
      conn->waiter = NULL;
    }
  conn->state = CONN_FINISHED;
  g_queue_unlink (&conn->shared->connections, &conn->link);
  g_ptr_array_add (conn->shared->finished, conn);
}

void
relay_http_conn_free (RelayHttpConn *conn)
{
  g_assert (conn->state == CONN_FINISHED);

  tw_wipe (conn->input->data, conn->input->len);
  relay_http_tls_session_free (conn->tls_session);
  close (conn->fd);
  forget_request (conn);
  relay_http_parser_clear (&conn->parser);
  relay_headers_free (conn->headers);
  g_byte_array_unref (conn->input);
  g_string_free (conn->output, TRUE);
  g_object_unref (conn->peer);
  g_free (conn);
}

/* ------------------------------------------------------------------------ */
/* Socket I/O, plain or TLS                                                 */
/* ------------------------------------------------------------------------ */

static gssize
socket_read (RelayHttpConn *conn,
             char          *buffer,
             gsize          size)
{
  gssize got;

  if (conn->tls_session != NULL)
    return relay_http_tls_session_read (conn->tls_session, buffer, size);

  do
    got = recv (conn->fd, buffer, size, 0);
  while (got < 0 && errno == EINTR);
  if (got >= 0)
    return got;
  return errno == EAGAIN || errno == EWOULDBLOCK ? RELAY_HTTP_IO_AGAIN : RELAY_HTTP_IO_FAILED;
}

static gssize
socket_write (RelayHttpConn *conn,
              const char    *data,
              gsize          size)
{
  gssize sent;

  if (conn->tls_session != NULL)
    return relay_http_tls_session_write (conn->tls_session, data, size);

  do
    sent = send (conn->fd, data, size, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent >= 0)
    return sent;
  return errno == EAGAIN || errno == EWOULDBLOCK ? RELAY_HTTP_IO_AGAIN : RELAY_HTTP_IO_FAILED;
}

/* Writes what it can; FALSE when the connection broke. */
static gboolean
flush_output (RelayHttpConn *conn)
{
  gboolean progressed = FALSE;

  while (conn->output_sent < conn->output->len)
    {
      gssize sent = socket_write (conn, conn->output->str + conn->output_sent,
                                  conn->output->len - conn->output_sent);

      if (sent == RELAY_HTTP_IO_AGAIN)
        break;
      if (sent <= 0)
        return FALSE;
      conn->output_sent += sent;
      progressed = TRUE;
    }

  if (conn->output_sent < conn->output->len)
    {
      /* A client that stops taking its answer gets as long as one that
       * stops sending its request. */
      if (progressed)
        set_request_deadline (conn);
      return TRUE;
    }
  if (conn->output->allocated_len > KEPT_BUFFER_SIZE)
    {
      g_string_free (conn->output, TRUE);
      conn->output = g_string_new (NULL);
    }
  g_string_truncate (conn->output, 0);
  conn->output_sent = 0;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Answers                                                                  */
/* ------------------------------------------------------------------------ */

static const char *
current_date (RelayHttpShared *shared)
{
  static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  gint64 second = g_get_real_time () / G_USEC_PER_SEC;
  struct tm utc;
  time_t now = (time_t) second;

  if (second == shared->date_second)
    return shared->date;

  /* By hand, not strftime: the names must not follow the locale. */
  gmtime_r (&now, &utc);
  g_snprintf (shared->date, sizeof shared->date, "%s, %02d %s %04d %02d:%02d:%02d GMT",
              days[utc.tm_wday], utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900,
              utc.tm_hour, utc.tm_min, utc.tm_sec);
  shared->date_second = second;
  return shared->date;
}

static void
append_header (GString    *output,
               const char *name,
               const char *value)
{
  g_string_append (output, name);
  g_string_append_len (output, ": ", 2);
  g_string_append (output, value);
  g_string_append_len (output, "\r\n", 2);
}

/* Decimal digits without printf, which shows in profiles at this rate. */
static void
append_number (GString *output,
               gsize    number)
{
  char digits[24];
  guint start = sizeof digits;

  do
    {
      digits[--start] = '0' + number % 10;
      number /= 10;
    }
  while (number > 0);
  g_string_append_len (output, digits + start, sizeof digits - start);
}

static gboolean
status_has_body (guint status)
{
  return status >= 200 && status != 204 && status != 304;
}

/* The reason phrases of the statuses this relay answers with (RFC 9110,
 * 6585); any other gets a generic one. */
static const char *
status_phrase (guint status)
{
  switch (status)
    {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown Error";
    }
}

static void
queue_response (RelayHttpConn       *conn,
                const RelayResponse *response,
                gboolean             head_only,
                gboolean             keep_alive)
{
  GString *output = conn->output;
  gsize body_size = response->body != NULL ? g_bytes_get_size (response->body) : 0;

  g_string_append_len (output, "HTTP/1.1 ", 9);
  append_number (output, response->status);
  g_string_append_c (output, ' ');
  g_string_append (output, status_phrase (response->status));
  g_string_append_len (output, "\r\n", 2);
  append_header (output, "Date", current_date (conn->shared));
  if (response->header_lines != NULL)
    g_string_append_len (output, response->header_lines->str, response->header_lines->len);
  if (response->content_type != NULL)
    append_header (output, "Content-Type", response->content_type);
  if (status_has_body (response->status))
    {
      g_string_append_len (output, "Content-Length: ", 16);
      append_number (output, body_size);
      g_string_append_len (output, "\r\n", 2);
    }
  if (!keep_alive)
    append_header (output, "Connection", "close");
  else if (conn->parser.minor_version == 0)
    append_header (output, "Connection", "keep-alive");
  g_string_append_len (output, "\r\n", 2);

  if (body_size > 0 && !head_only && status_has_body (response->status))
    g_string_append_len (output, g_bytes_get_data (response->body, NULL), body_size);
}

static const char *
refusal_message (guint status)
{
  switch (status)
    {
    case 414:
      return "The address is longer than this relay accepts.";
    case 431:
      return "The request headers are larger than this relay accepts.";
    case 501:
      return "This relay accepts request bodies only with a Content-Length or chunked.";
    case 505:
      return "This relay speaks HTTP/1.1 and HTTP/1.0 only.";
    default:
      return "The request is not valid HTTP.";
    }
}

/* Answers a request the parser refused and closes the connection: after
 * a refusal, where the next request starts is unknown. */
static void
refuse_request (RelayHttpConn *conn,
                guint          status)
{
  RelayResponse response;

  relay_response_init (&response);
  if (status == 413)
    relay_handler_refuse_oversized (conn->shared->handler, &response);
  else
    relay_response_set_error (&response, status, "invalid-request", refusal_message (status));
  queue_response (conn, &response, FALSE, FALSE);
  relay_response_clear (&response);
  conn->state = CONN_CLOSING;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */
/* ------------------------------------------------------------------------ */

/* Makes the parsed request a RelayRequest. Its strings are terminated in
 * place: each name, value and the method is followed by a byte of syntax
 * (":", a line end, a blank) that is no longer needed. */
static gboolean
prepare_request (RelayHttpConn *conn)
{
  RelayHttpParser *parser = &conn->parser;
  char *data = (char *) conn->input->data;
  RelayRequest *request = &conn->request;

  if (!relay_http_split_target (data + parser->target.offset, parser->target.length,
                                &conn->path, &conn->query))
    return FALSE;

  data[parser->method.offset + parser->method.length] = '\0';
  for (guint i = 0; i < parser->headers->len; i++)
    {
      RelayHttpHeader *header = &g_array_index (parser->headers, RelayHttpHeader, i);

      data[header->name.offset + header->name.length] = '\0';
      data[header->value.offset + header->value.length] = '\0';
      relay_headers_add_view (conn->headers, data + header->name.offset,
                              data + header->value.offset);
    }

  memset (request, 0, sizeof *request);
  request->method = data + parser->method.offset;
  request->path = conn->path;
  request->query = conn->query;
  request->headers = conn->headers;
  request->body = relay_http_parser_get_body (parser, data, &request->body_size);
  request->peer = conn->peer;
  request->tls = conn->shared->tls != NULL;
  request->admin = conn->shared->admin;
  request->can_defer = TRUE;
  return TRUE;
}

/* The answer is queued: the request's bytes go, and the next one starts. */
static void
finish_request (RelayHttpConn *conn)
{
  gboolean keep_alive = conn->parser.keep_alive;
  gsize consumed = conn->parser.consumed;

  /* Claims and bind tokens travel in headers: their bytes do not stay
   * behind in buffers that live as long as the connection. */
  tw_wipe (conn->input->data, consumed);
  g_byte_array_remove_range (conn->input, 0, consumed);
  if (conn->input->len == 0 && consumed > KEPT_BUFFER_SIZE)
    {
      /* GByteArray keeps its allocation; a large one is let go. */
      g_byte_array_unref (conn->input);
      conn->input = g_byte_array_new ();
    }
  forget_request (conn);
  relay_http_parser_reset (&conn->parser);
  conn->state = keep_alive ? CONN_READING : CONN_CLOSING;
  set_request_deadline (conn);
}

static void on_wait_woken (RelayWakeReason reason,
                           gpointer        user_data);

/* Parks the request until its mailbox changes; FALSE (with @response
 * turned into the refusal) when too many requests wait already. */
static gboolean
park (RelayHttpConn *conn,
      RelayResponse *response)
{
  RelayHttpShared *shared = conn->shared;
  RelayWaiters *waiters = relay_handler_get_waiters (shared->handler);

  conn->waiter = relay_waiters_add_posted (waiters, response->wait_mailbox_id,
                                           response->wait_claim_hash, shared->post,
                                           shared->post_data, on_wait_woken, conn, NULL);
  if (conn->waiter == NULL)
    {
      relay_handler_refuse_wait (shared->handler, response);
      return FALSE;
    }

  conn->state = CONN_PARKED;
  conn->wait_epoch = response->wait_epoch;
  conn->wait_deadline_us = g_get_monotonic_time () +
                           (gint64) response->wait_seconds * G_USEC_PER_SEC;
  set_deadline (conn, conn->wait_deadline_us);
  return TRUE;
}

static void await_answer (RelayHttpConn *conn,
                          RelayResponse *response);

/* Answers the current request, or parks it as a long poll. */
static void
answer_or_park (RelayHttpConn *conn,
                gboolean       resumed,
                guint          wait_left)
{
  RelayResponse response;
  gboolean head_only = g_str_equal (conn->request.method, "HEAD");

  conn->request.resumed = resumed;
  conn->request.wait_left = wait_left;
  conn->request.wait_epoch = conn->wait_epoch;
  relay_response_init (&response);
  relay_handler_handle (conn->shared->handler, &conn->request, &response);

  if (response.deferred != NULL)
    {
      await_answer (conn, &response);
      relay_response_clear (&response);
      return;
    }
  if (response.wait && park (conn, &response))
    {
      relay_response_clear (&response);
      return;
    }
  queue_response (conn, &response, head_only, conn->parser.keep_alive);
  relay_response_clear (&response);
  finish_request (conn);
}

static void
finish_wait (RelayHttpConn *conn,
             guint          wait_left)
{
  relay_waiters_remove (relay_handler_get_waiters (conn->shared->handler), conn->waiter);
  conn->waiter = NULL;
  conn->state = CONN_READING;
  /* Woken, but the payload may still be the one the client holds (the
   * same bytes written again): then it parks again. */
  answer_or_park (conn, TRUE, wait_left);
  conn_run (conn);
}

static void
on_wait_woken (RelayWakeReason reason,
               gpointer        user_data)
{
  RelayHttpConn *conn = user_data;
  gint64 left_us = conn->wait_deadline_us - g_get_monotonic_time ();
  guint left = left_us > 0 ? (guint) ((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 0;

  if (conn->state != CONN_PARKED)
    return;
  /* A newer poll by the same device takes over: this one answers now. */
  finish_wait (conn, reason == RELAY_WAKE_SUPERSEDED ? 0 : left);
}

static void
stop_awaiting (RelayHttpConn *conn)
{
  relay_deferred_forget_waiter (conn->deferred);
  g_clear_pointer (&conn->deferred, relay_deferred_unref);
  relay_waiters_remove (relay_handler_get_waiters (conn->shared->handler), conn->waiter);
  conn->waiter = NULL;
}

static void
on_answer_ready (RelayWakeReason reason,
                 gpointer        user_data)
{
  RelayHttpConn *conn = user_data;
  gboolean head_only = g_str_equal (conn->request.method, "HEAD");
  RelayResponse response = { 0, };

  if (conn->state != CONN_ANSWERING || !relay_deferred_take (conn->deferred, &response))
    return;

  stop_awaiting (conn);
  conn->state = CONN_READING;
  queue_response (conn, &response, head_only, conn->parser.keep_alive);
  relay_response_clear (&response);
  finish_request (conn);
  conn_run (conn);
}

/* The answer comes from another thread: the connection waits for it
 * without holding up its own thread, which serves the others. */
static void
await_answer (RelayHttpConn *conn,
              RelayResponse *response)
{
  RelayHttpShared *shared = conn->shared;

  conn->deferred = g_steal_pointer (&response->deferred);
  conn->waiter = relay_waiter_new_posted (shared->post, shared->post_data, on_answer_ready,
                                          conn);
  conn->state = CONN_ANSWERING;
  relay_deferred_wake_when_done (conn->deferred, conn->waiter);
}

static void
handle_complete_request (RelayHttpConn *conn)
{
  if (!prepare_request (conn))
    {
      forget_request (conn);
      refuse_request (conn, 400);
      return;
    }
  answer_or_park (conn, FALSE, 0);
}

/* Answers every whole request in the buffer, in order, until one parks or
 * the connection is to close. */
static void
process_input (RelayHttpConn *conn)
{
  while (conn->state == CONN_READING && conn->input->len > 0)
    {
      RelayHttpParser *parser = &conn->parser;

      switch (relay_http_parser_parse (parser, (const char *) conn->input->data,
                                       conn->input->len))
        {
        case RELAY_HTTP_PARSE_COMPLETE:
          handle_complete_request (conn);
          break;
        case RELAY_HTTP_PARSE_REFUSED:
          refuse_request (conn, parser->status);
          return;
        case RELAY_HTTP_PARSE_INCOMPLETE:
        default:
          if (parser->headers_done && parser->expect_continue && !conn->continue_sent)
            {
              g_string_append (conn->output, "HTTP/1.1 100 Continue\r\n\r\n");
              conn->continue_sent = TRUE;
            }
          return;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Driving the connection                                                   */
/* ------------------------------------------------------------------------ */

/* Whether @data starts like a plain HTTP request line: a method in
 * capitals, then a space. A TLS record never starts with a capital. */
static gsize
count_capitals (const char *data,
                gsize       size)
{
  gsize length = 0;

  while (length < size && g_ascii_isupper (data[length]))
    length++;
  return length;
}

static gboolean
looks_like_plain_http (const char *data,
                       gsize       size)
{
  gsize length = count_capitals (data, size);

  return length > 0 && length < size && data[length] == ' ';
}

/* Someone typed http:// for this TLS port. A TLS error would reach them as
 * a reset with no hint; a plain answer tells them what to change. */
static void
refuse_plain_http (RelayHttpConn *conn)
{
  RelayResponse response;

  g_clear_pointer (&conn->tls_session, relay_http_tls_session_free);
  relay_response_init (&response);
  relay_response_set_error (&response, 400, "invalid-request",
                            "This port of the relay speaks HTTPS only: use an https:// "
                            "address.");
  queue_response (conn, &response, FALSE, FALSE);
  relay_response_clear (&response);
  conn->state = CONN_CLOSING;
}

/* Looks at the first bytes of a TLS connection without taking them; FALSE
 * when they are not all there yet, or were plain HTTP (then answered). */
static gboolean
sniff_for_plain_http (RelayHttpConn *conn)
{
  char first[16];
  gssize got;

  do
    got = recv (conn->fd, first, sizeof first, MSG_PEEK);
  while (got < 0 && errno == EINTR);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return FALSE;
  /* The end or an error: the TLS read that follows reports it. */
  if (got <= 0)
    return TRUE;
  if (looks_like_plain_http (first, (gsize) got))
    {
      refuse_plain_http (conn);
      return FALSE;
    }
  /* Only capitals so far: the rest of a method may still be on its way. */
  if ((gsize) got < sizeof first && count_capitals (first, (gsize) got) == (gsize) got)
    return FALSE;
  conn->tls_sniffed = TRUE;
  return TRUE;
}

/* Reads once; FALSE when there is nothing more to read for now or the
 * connection has finished. */
static gboolean
read_more (RelayHttpConn *conn)
{
  char *scratch = conn->shared->scratch;
  gssize got;

  /* After a refusal the loop goes on: the answer goes out, then the close. */
  if (conn->tls_session != NULL && !conn->tls_sniffed && !sniff_for_plain_http (conn))
    return conn->state == CONN_CLOSING;
  got = socket_read (conn, scratch, READ_SIZE);
  if (got == RELAY_HTTP_IO_AGAIN)
    return FALSE;
  if (got <= 0)
    {
      relay_http_conn_finish (conn);
      return FALSE;
    }
  /* Saves the read that would only say "nothing more" (once per request).
   * Not over TLS, whose reads stop at record boundaries, nor once the
   * peer's end is announced, which only a read can take. */
  conn->input_drained = got < READ_SIZE && conn->tls_session == NULL && !conn->peer_closing;
  if (conn->state != CONN_DRAINING)
    {
      if (conn->input->len == 0)
        set_request_deadline (conn);   /* a new request starts its clock */
      g_byte_array_append (conn->input, (const guint8 *) scratch, got);
    }
  tw_wipe (scratch, got);
  return TRUE;
}

static void
start_draining (RelayHttpConn *conn)
{
  /* Closing at once could reset the connection before the client read
   * the answer; the client's own close (or the linger time) ends it. */
  if (conn->tls_session != NULL)
    relay_http_tls_session_shutdown (conn->tls_session);
  shutdown (conn->fd, SHUT_WR);
  conn->state = CONN_DRAINING;
  set_deadline (conn, g_get_monotonic_time () + LINGER_US);
}

static void
conn_run (RelayHttpConn *conn)
{
  while (conn->state != CONN_FINISHED)
    {
      process_input (conn);
      if (!flush_output (conn))
        {
          relay_http_conn_finish (conn);
          return;
        }
      /* Nothing more is read until the answers so far are out: a client
       * cannot pile up pipelined work faster than it takes the answers. */
      if (conn->output->len > 0)
        return;
      if (conn->state == CONN_CLOSING)
        start_draining (conn);
      if (conn->state == CONN_PARKED || conn->state == CONN_ANSWERING)
        return;
      if (conn->input_drained)
        {
          conn->input_drained = FALSE;
          return;
        }
      if (!read_more (conn))
        return;
    }
}

void
relay_http_conn_on_ready (RelayHttpConn *conn,
                          guint32        events)
{
  if (conn->state == CONN_FINISHED)
    return;
  if ((events & EPOLLERR) ||
      (conn->state == CONN_PARKED && (events & (EPOLLHUP | EPOLLRDHUP))))
    {
      /* A long poll whose client went away frees its place at once. */
      relay_http_conn_finish (conn);
      return;
    }
  if (events & (EPOLLHUP | EPOLLRDHUP))
    conn->peer_closing = TRUE;
  if (events & EPOLLIN)
    conn->input_drained = FALSE;   /* new bytes since that short read */
  conn_run (conn);
}

gint64
relay_http_conn_on_time (RelayHttpConn *conn,
                         gint64         now_us)
{
  if (conn->state == CONN_FINISHED)
    return G_MAXINT64;
  if (now_us < conn->deadline_us)
    return conn->deadline_us;

  if (conn->state == CONN_PARKED)
    finish_wait (conn, 0);
  else
    relay_http_conn_finish (conn);
  return conn->state == CONN_FINISHED ? G_MAXINT64 : conn->deadline_us;
}
