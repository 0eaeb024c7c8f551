/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "relay-config.h"
#include "relay-metrics.h"
#include "relay-request.h"
#include "relay-store.h"
#include "relay-waiters.h"

G_BEGIN_DECLS

/*
 * RelayHandler: the relay's HTTP API as a function from a request to an
 * answer (or to "wait for this mailbox to change"), with no socket in
 * sight. It owns the limits, the metrics and the long-poll registry, and
 * may be called from any number of threads at once.
 */
#define RELAY_TYPE_HANDLER (relay_handler_get_type ())
G_DECLARE_FINAL_TYPE (RelayHandler, relay_handler, RELAY, HANDLER, GObject)

/* @config must outlive the handler. Installs itself as @store's change
 * hook, to wake long polls. */
RelayHandler *relay_handler_new            (const RelayConfig   *config,
                                            RelayStore          *store,
                                            GError             **error);

void          relay_handler_handle         (RelayHandler        *self,
                                            const RelayRequest  *request,
                                            RelayResponse       *response);

/* The 413 for a body refused before it was read (counted in metrics). */
void          relay_handler_refuse_oversized (RelayHandler      *self,
                                              RelayResponse     *response);

/* Turns a response that asked to wait into the refusal for a full
 * waiting list (429). */
void          relay_handler_refuse_wait    (RelayHandler        *self,
                                            RelayResponse       *response);

/* Housekeeping for the server's timers: forgets idle rate-limit buckets,
 * and removes expired mailboxes in batches. */
void          relay_handler_prune_limits   (RelayHandler        *self);
gboolean      relay_handler_sweep          (RelayHandler        *self,
                                            guint               *swept_out,
                                            GError             **error);

RelayWaiters *relay_handler_get_waiters    (RelayHandler        *self);
RelayStore   *relay_handler_get_store      (RelayHandler        *self);

G_END_DECLS
