/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "relay-config.h"
#include "relay-handler.h"

G_BEGIN_DECLS

/*
 * RelayServer: the HTTP(S) front end, on the relay's own HTTP/1.1 engine
 * (relay-http-loop.h). One worker thread per configured thread count, each
 * an epoll loop accepting on its own socket bound to the shared port with
 * SO_REUSEPORT (the kernel spreads connections over them, so every core
 * serves and no lock sits between the threads), plus one thread for the
 * admin address. The calling thread's main context runs the expiry sweep.
 */
#define RELAY_TYPE_SERVER (relay_server_get_type ())
G_DECLARE_FINAL_TYPE (RelayServer, relay_server, RELAY, SERVER, GObject)

RelayServer *relay_server_new        (const RelayConfig  *config,
                                      RelayHandler       *handler,
                                      GError            **error);

/* Binds every address and starts the threads; on return the relay serves.
 * Must be called from the thread whose main context will run the sweep. */
gboolean     relay_server_start      (RelayServer        *self,
                                      GError            **error);

/* Stops serving and joins the threads. */
void         relay_server_stop       (RelayServer        *self);

/* The addresses served, with the ports actually bound:
 * "http://127.0.0.1:41234", ... (and the admin one, or NULL). */
GStrv        relay_server_get_uris   (RelayServer        *self);
char        *relay_server_get_admin_uri (RelayServer     *self);

G_END_DECLS
