/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Tells the service manager what the relay is doing, in systemd's notify
 * protocol: one datagram of NAME=value lines ("READY=1", "STOPPING=1") sent
 * to the unix socket named by $NOTIFY_SOCKET ("@name" for an abstract
 * socket). Without $NOTIFY_SOCKET it does nothing, so the relay behaves the
 * same outside systemd. A failure is logged as a warning and never stops
 * the relay: serving matters more than telling.
 */
void relay_notify_service_manager (const char *state);

G_END_DECLS
