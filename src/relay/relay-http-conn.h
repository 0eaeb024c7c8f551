/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "relay-config.h"
#include "relay-handler.h"
#include "relay-http-parser.h"
#include "relay-http-tls.h"
#include "relay-waiters.h"

G_BEGIN_DECLS

/*
 * RelayHttpConn: one client connection of the relay's own HTTP/1.1 front
 * end. It reads into its buffer, parses, calls the handler, writes the
 * answers of pipelined requests in order, keeps the connection alive,
 * parks long polls until their mailbox changes, and enforces the time a
 * client has to send a request or take an answer. It is driven by one
 * event loop thread (relay-http-loop.c) and never touched by another.
 */

/* What an epoll registration points at: the first member of each. */
typedef enum {
  RELAY_HTTP_WATCH_LISTENER,
  RELAY_HTTP_WATCH_WAKE,
  RELAY_HTTP_WATCH_CONN,
} RelayHttpWatch;

typedef struct _RelayHttpConn RelayHttpConn;

/* What the connections of one loop share; owned by the loop. */
typedef struct {
  RelayHandler      *handler;
  const RelayConfig *config;
  RelayHttpTls      *tls;              /* NULL: plain HTTP */
  gboolean           admin;
  RelayHttpLimits    limits;
  RelayWakePost      post;             /* hands woken long polls to the loop */
  gpointer           post_data;

  gint64             next_deadline_us; /* no connection's deadline is earlier */
  GQueue             connections;      /* RelayHttpConn, through their links */
  GPtrArray         *finished;         /* closed, to free after this round */
  char              *scratch;          /* READ_SIZE bytes for every read */
  gint64             date_second;
  char               date[64];         /* the Date header for date_second */
} RelayHttpShared;

RelayHttpConn *relay_http_conn_new        (RelayHttpShared     *shared,
                                           int                  fd,
                                           GInetAddress        *peer,
                                           RelayHttpTlsSession *tls_session);
/* Closes the socket; only once the connection has finished. */
void           relay_http_conn_free       (RelayHttpConn       *conn);

/* The socket reported @events (epoll flags). */
void           relay_http_conn_on_ready   (RelayHttpConn       *conn,
                                           guint32              events);
/* Acts on a deadline that has passed; returns the next one (G_MAXINT64:
 * none). */
gint64         relay_http_conn_on_time    (RelayHttpConn       *conn,
                                           gint64               now_us);

/* Ends the connection now (the loop stops); it is then on the finished
 * list. */
void           relay_http_conn_finish     (RelayHttpConn       *conn);

G_END_DECLS
