/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "relay-request.h"
#include "relay-waiters.h"

G_BEGIN_DECLS

/*
 * RelayDeferred: an answer that another thread finishes later (a create
 * waiting for the disk sync that makes it durable), for a connection that
 * goes on serving nothing else meanwhile but does not hold up its thread.
 *
 * The handler makes one and puts it in RelayResponse.deferred instead of an
 * answer; whoever finishes the work calls relay_deferred_complete() from
 * any thread. The front end parks the connection on a posted RelayWaiter
 * (relay_waiter_new_posted) given to relay_deferred_wake_when_done(); once
 * woken on its own thread it takes the answer with relay_deferred_take().
 * The waiter is woken once, whichever of the two calls comes last.
 */
typedef struct _RelayDeferred RelayDeferred;

RelayDeferred *relay_deferred_new     (void);
RelayDeferred *relay_deferred_ref     (RelayDeferred *deferred);
void           relay_deferred_unref   (RelayDeferred *deferred);

/* Any thread, once: moves @response's content into @deferred (@response
 * is left cleared) and wakes the waiter if one is set. */
void           relay_deferred_complete (RelayDeferred *deferred,
                                        RelayResponse *response);

/* The owner's thread: keeps a reference to @waiter and wakes it once the
 * answer is there (at once if it is already). */
void           relay_deferred_wake_when_done (RelayDeferred *deferred,
                                              RelayWaiter   *waiter);

/* The owner's thread, when it stops waiting (its connection closed): the
 * waiter is not woken any more. */
void           relay_deferred_forget_waiter  (RelayDeferred *deferred);

/* The owner's thread: moves the finished answer into @response (which
 * must be cleared or fresh); FALSE while it is not finished yet. */
gboolean       relay_deferred_take    (RelayDeferred *deferred,
                                       RelayResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayDeferred, relay_deferred_unref)

G_END_DECLS
