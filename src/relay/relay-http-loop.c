/* SPDX-License-Identifier: GPL-3.0-or-later */
/* accept4() */
#define _GNU_SOURCE
#include "config.h"

#include "relay-http-loop.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay-http-conn.h"

#define MAX_EVENTS        256
#define READ_SIZE         16384
#define MAX_HEADER_COUNT  256
/* The handler measures the URL and headers against the configured limits
 * and answers with its own wording; the parser's ceilings sit a little
 * above them so that it only catches what is far too large to buffer. */
#define LIMIT_SLACK       1024
/* Out of file descriptors, accepting stops this long: the pending
 * connection would make the listening socket ready again at once. */
#define ACCEPT_PAUSE_US   (100 * 1000)

typedef struct {
  RelayHttpWatch  watch;   /* first: what epoll points at */
  int             fd;
} Listener;

struct _RelayHttpLoop
{
  RelayHttpWatch   wake_watch;
  RelayHttpShared  shared;
  int              epoll_fd;
  int              wake_fd;
  GPtrArray       *listeners;    /* Listener */
  GThread         *thread;
  gint64           accept_paused_until_us;   /* or 0 */
  gint64           warned_descriptors_us;    /* last said so, or 0 */

  GMutex           lock;         /* guards what other threads hand over: */
  GPtrArray       *posted;       /* RelayWaiter, woken, holding a reference */
  gboolean         stopping;
};

static void
signal_loop (RelayHttpLoop *loop)
{
  guint64 one = 1;

  /* Only fails when the counter is about to overflow: it is set anyway. */
  if (write (loop->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    g_warning ("Could not wake a worker thread: %s", g_strerror (errno));
}

/* Runs on the notifying thread, under the waiters' lock. */
static void
post_wake (RelayWaiter *waiter,
           gpointer     post_data)
{
  RelayHttpLoop *loop = post_data;
  gboolean first;

  g_mutex_lock (&loop->lock);
  first = loop->posted->len == 0;
  g_ptr_array_add (loop->posted, waiter);
  g_mutex_unlock (&loop->lock);
  if (first)
    signal_loop (loop);
}

static void
fill_limits (RelayHttpLimits   *limits,
             const RelayConfig *config)
{
  limits->max_request_line = config->max_url > 0 ? config->max_url + LIMIT_SLACK : 0;
  limits->max_header_bytes = config->max_headers > 0 ? config->max_headers + LIMIT_SLACK : 0;
  limits->max_header_count = MAX_HEADER_COUNT;
  limits->max_body = config->max_body;
}

static gboolean
watch_fd (RelayHttpLoop  *loop,
          int             fd,
          guint32         events,
          gpointer        watch,
          GError        **error)
{
  struct epoll_event event = { .events = events, .data.ptr = watch };
  int saved_errno;

  if (epoll_ctl (loop->epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0)
    return TRUE;
  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Could not watch a socket: %s", g_strerror (saved_errno));
  return FALSE;
}

RelayHttpLoop *
relay_http_loop_new (RelayHandler       *handler,
                     const RelayConfig  *config,
                     RelayHttpTls       *tls,
                     gboolean            admin,
                     GError            **error)
{
  RelayHttpLoop *loop = g_new0 (RelayHttpLoop, 1);

  loop->wake_watch = RELAY_HTTP_WATCH_WAKE;
  loop->shared.handler = g_object_ref (handler);
  loop->shared.config = config;
  loop->shared.tls = tls;
  loop->shared.admin = admin;
  loop->shared.post = post_wake;
  loop->shared.post_data = loop;
  loop->shared.next_deadline_us = G_MAXINT64;
  loop->shared.finished = g_ptr_array_new ();
  loop->shared.scratch = g_malloc (READ_SIZE);
  g_queue_init (&loop->shared.connections);
  fill_limits (&loop->shared.limits, config);
  loop->listeners = g_ptr_array_new_with_free_func (g_free);
  loop->posted = g_ptr_array_new ();
  g_mutex_init (&loop->lock);

  loop->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  loop->wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (loop->epoll_fd < 0 || loop->wake_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not start a worker thread's event loop: %s",
                   g_strerror (saved_errno));
      relay_http_loop_free (loop);
      return NULL;
    }
  if (!watch_fd (loop, loop->wake_fd, EPOLLIN, &loop->wake_watch, error))
    {
      relay_http_loop_free (loop);
      return NULL;
    }
  return loop;
}

gboolean
relay_http_loop_add_listener (RelayHttpLoop  *loop,
                              int             fd,
                              GError        **error)
{
  Listener *listener = g_new0 (Listener, 1);

  listener->watch = RELAY_HTTP_WATCH_LISTENER;
  listener->fd = fd;
  g_ptr_array_add (loop->listeners, listener);
  return watch_fd (loop, fd, EPOLLIN, listener, error);
}

/* ------------------------------------------------------------------------ */
/* The thread                                                               */
/* ------------------------------------------------------------------------ */

static GInetAddress *
peer_address (const struct sockaddr_storage *address)
{
  if (address->ss_family == AF_INET6)
    return g_inet_address_new_from_bytes (
      ((const struct sockaddr_in6 *) address)->sin6_addr.s6_addr, G_SOCKET_FAMILY_IPV6);
  return g_inet_address_new_from_bytes (
    (const guint8 *) &((const struct sockaddr_in *) address)->sin_addr, G_SOCKET_FAMILY_IPV4);
}

static void
adopt_connection (RelayHttpLoop                 *loop,
                  int                            fd,
                  const struct sockaddr_storage *address)
{
  g_autoptr(GInetAddress) peer = peer_address (address);
  RelayHttpTlsSession *session = NULL;
  RelayHttpConn *conn;
  int one = 1;

  /* Answers go out in one write each; waiting to batch them only adds
   * latency. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (loop->shared.tls != NULL)
    {
      session = relay_http_tls_session_new (loop->shared.tls, fd);
      if (session == NULL)
        {
          close (fd);
          return;
        }
    }

  conn = relay_http_conn_new (&loop->shared, fd, peer, session);
  if (!watch_fd (loop, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, conn, NULL))
    relay_http_conn_finish (conn);
}

static void
watch_listeners (RelayHttpLoop *loop,
                 guint32        events)
{
  for (guint i = 0; i < loop->listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (loop->listeners, i);
      struct epoll_event event = { .events = events, .data.ptr = listener };

      epoll_ctl (loop->epoll_fd, EPOLL_CTL_MOD, listener->fd, &event);
    }
}

/* Every descriptor is in use: stop accepting for a moment (the deadline of
 * idle connections frees some) instead of spinning on the ready socket. */
static void
pause_accepting (RelayHttpLoop *loop)
{
  gint64 now = g_get_monotonic_time ();

  if (loop->accept_paused_until_us != 0)
    return;
  if (loop->warned_descriptors_us == 0 || now - loop->warned_descriptors_us > 10 * G_USEC_PER_SEC)
    {
      g_warning ("Out of file descriptors: new connections wait (raise the limit "
                 "on open files, or lower --request-timeout)");
      loop->warned_descriptors_us = now;
    }
  watch_listeners (loop, 0);
  loop->accept_paused_until_us = now + ACCEPT_PAUSE_US;
}

static void
resume_accepting (RelayHttpLoop *loop)
{
  if (loop->accept_paused_until_us == 0 ||
      g_get_monotonic_time () < loop->accept_paused_until_us)
    return;
  loop->accept_paused_until_us = 0;
  watch_listeners (loop, EPOLLIN);
}

static void
accept_connections (RelayHttpLoop *loop,
                    Listener      *listener)
{
  for (;;)
    {
      struct sockaddr_storage address;
      socklen_t size = sizeof address;
      int fd = accept4 (listener->fd, (struct sockaddr *) &address, &size,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (fd >= 0)
        {
          adopt_connection (loop, fd, &address);
          continue;
        }
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (errno == EMFILE || errno == ENFILE)
        pause_accepting (loop);
      else if (errno != EAGAIN && errno != EWOULDBLOCK)
        g_warning ("Could not accept a connection: %s", g_strerror (errno));
      return;
    }
}

/* Runs the wakes other threads handed over; TRUE while the loop should
 * go on. */
static gboolean
take_posted (RelayHttpLoop *loop)
{
  g_autoptr(GPtrArray) woken = g_ptr_array_new ();
  guint64 count;
  gboolean stopping;

  if (read (loop->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
    g_warning ("Could not read a worker thread's wake-ups: %s", g_strerror (errno));

  g_mutex_lock (&loop->lock);
  g_ptr_array_extend_and_steal (woken, g_steal_pointer (&loop->posted));
  loop->posted = g_ptr_array_new ();
  stopping = loop->stopping;
  g_mutex_unlock (&loop->lock);

  for (guint i = 0; i < woken->len; i++)
    relay_waiter_dispatch (g_ptr_array_index (woken, i));
  return !stopping;
}

static void
check_deadlines (RelayHttpLoop *loop)
{
  RelayHttpShared *shared = &loop->shared;
  gint64 now = g_get_monotonic_time ();
  GList *link;

  if (now < shared->next_deadline_us)
    return;

  shared->next_deadline_us = G_MAXINT64;
  for (link = shared->connections.head; link != NULL;)
    {
      RelayHttpConn *conn = link->data;
      gint64 next;

      /* The connection may leave the list while it acts. */
      link = link->next;
      next = relay_http_conn_on_time (conn, now);
      shared->next_deadline_us = MIN (shared->next_deadline_us, next);
    }
}

static int
wait_timeout_ms (RelayHttpLoop *loop)
{
  gint64 next = loop->shared.next_deadline_us;
  gint64 left;

  if (loop->accept_paused_until_us != 0)
    next = MIN (next, loop->accept_paused_until_us);
  if (next == G_MAXINT64)
    return -1;
  left = next - g_get_monotonic_time ();
  if (left <= 0)
    return 0;
  return (int) MIN ((left + 999) / 1000, G_MAXINT);
}

static void
free_finished (RelayHttpShared *shared)
{
  for (guint i = 0; i < shared->finished->len; i++)
    relay_http_conn_free (g_ptr_array_index (shared->finished, i));
  g_ptr_array_set_size (shared->finished, 0);
}

static gboolean
dispatch_events (RelayHttpLoop      *loop,
                 struct epoll_event *events,
                 int                 n_events)
{
  gboolean running = TRUE;

  for (int i = 0; i < n_events; i++)
    {
      RelayHttpWatch *watch = events[i].data.ptr;

      if (*watch == RELAY_HTTP_WATCH_CONN)
        relay_http_conn_on_ready ((RelayHttpConn *) watch, events[i].events);
      else if (*watch == RELAY_HTTP_WATCH_LISTENER)
        accept_connections (loop, (Listener *) watch);
      else
        running = take_posted (loop) && running;
    }
  return running;
}

static gpointer
loop_main (gpointer data)
{
  RelayHttpLoop *loop = data;
  struct epoll_event events[MAX_EVENTS];
  gboolean running = TRUE;

  while (running)
    {
      int n_events = epoll_wait (loop->epoll_fd, events, MAX_EVENTS, wait_timeout_ms (loop));

      if (n_events < 0 && errno != EINTR)
        {
          g_critical ("A worker thread cannot wait for its sockets: %s", g_strerror (errno));
          break;
        }
      if (n_events > 0)
        running = dispatch_events (loop, events, n_events);
      check_deadlines (loop);
      free_finished (&loop->shared);
      resume_accepting (loop);
    }
  return NULL;
}

void
relay_http_loop_start (RelayHttpLoop *loop,
                       const char    *thread_name)
{
  loop->thread = g_thread_new (thread_name, loop_main, loop);
}

static void
close_all (RelayHttpLoop *loop)
{
  RelayHttpShared *shared = &loop->shared;

  while (shared->connections.head != NULL)
    relay_http_conn_finish (shared->connections.head->data);
  free_finished (shared);

  /* Wakes posted meanwhile belong to connections now gone: their wake
   * functions no longer run, only their references go. */
  for (guint i = 0; i < loop->posted->len; i++)
    relay_waiter_dispatch (g_ptr_array_index (loop->posted, i));
  g_ptr_array_set_size (loop->posted, 0);
}

void
relay_http_loop_free (RelayHttpLoop *loop)
{
  if (loop->thread != NULL)
    {
      g_mutex_lock (&loop->lock);
      loop->stopping = TRUE;
      g_mutex_unlock (&loop->lock);
      signal_loop (loop);
      g_thread_join (g_steal_pointer (&loop->thread));
    }
  close_all (loop);

  if (loop->epoll_fd >= 0)
    close (loop->epoll_fd);
  if (loop->wake_fd >= 0)
    close (loop->wake_fd);
  g_ptr_array_unref (loop->listeners);
  g_ptr_array_unref (loop->posted);
  g_ptr_array_unref (loop->shared.finished);
  g_free (loop->shared.scratch);
  g_object_unref (loop->shared.handler);
  g_mutex_clear (&loop->lock);
  g_free (loop);
}
