/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "relay-config.h"
#include "relay-handler.h"
#include "relay-http-tls.h"

G_BEGIN_DECLS

/*
 * RelayHttpLoop: one worker thread of the relay's own HTTP front end. It
 * waits in epoll on its listening sockets (each bound with SO_REUSEPORT,
 * so the kernel gives every loop its own share of new connections), on
 * its connections, and on an eventfd through which other threads hand it
 * woken long polls or ask it to stop. The deadlines of its connections
 * (slow clients, idle keep-alive, long-poll timeouts) become epoll_wait's
 * timeout.
 */
typedef struct _RelayHttpLoop RelayHttpLoop;

/* @tls (may be NULL) and @config must outlive the loop. */
RelayHttpLoop *relay_http_loop_new          (RelayHandler       *handler,
                                             const RelayConfig  *config,
                                             RelayHttpTls       *tls,
                                             gboolean            admin,
                                             GError            **error);
/* Serves connections accepted on @fd, a listening socket the caller keeps
 * open until the loop is freed. Before relay_http_loop_start() only. */
gboolean       relay_http_loop_add_listener (RelayHttpLoop      *loop,
                                             int                 fd,
                                             GError            **error);
void           relay_http_loop_start        (RelayHttpLoop      *loop,
                                             const char         *thread_name);
/* Stops the thread (if started), closes every connection, frees the loop. */
void           relay_http_loop_free         (RelayHttpLoop      *loop);

G_END_DECLS
