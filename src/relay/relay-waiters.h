/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "relay-store.h"

G_BEGIN_DECLS

/*
 * RelayWaiters: the long polls that wait for a mailbox to change.
 *
 * A waiter belongs to the thread (GMainContext) that serves its request.
 * relay_waiters_notify() may be called from any thread (the store's change
 * hook); it schedules each matching waiter's wake function in the waiter's
 * own context, so a request is only ever touched by its own thread.
 * There is at most one waiter per (mailbox, claim): adding a second wakes
 * the first as superseded.
 */
typedef struct _RelayWaiters RelayWaiters;
typedef struct _RelayWaiter  RelayWaiter;

typedef enum {
  RELAY_WAKE_CHANGED,      /* the mailbox changed or ended */
  RELAY_WAKE_SUPERSEDED,   /* a newer long poll by the same claim took over */
} RelayWakeReason;

/* Runs in the waiter's context, at most once per waiter. */
typedef void (*RelayWakeFunc) (RelayWakeReason reason,
                               gpointer        user_data);

RelayWaiters *relay_waiters_new      (guint               max_waiting);
void          relay_waiters_free     (RelayWaiters       *waiters);

/* Registers a waiter, or returns NULL when max_waiting are waiting
 * already. @context is where @func runs; @destroy frees @user_data once the
 * waiter is gone. */
RelayWaiter  *relay_waiters_add      (RelayWaiters       *waiters,
                                      const char         *mailbox_id,
                                      const guint8       *claim_hash,
                                      GMainContext       *context,
                                      RelayWakeFunc       func,
                                      gpointer            user_data,
                                      GDestroyNotify      destroy);

/*
 * For a thread that runs its own event loop rather than a GMainContext:
 * instead of scheduling the wake function in a context, the registry hands
 * the woken waiter to @post (from the notifying thread, under the
 * registry's lock, holding a reference for the owner). @post must only
 * queue it and signal the owner's loop; the owner then calls
 * relay_waiter_dispatch() on its own thread.
 */
typedef void (*RelayWakePost) (RelayWaiter *waiter,
                               gpointer     post_data);

RelayWaiter  *relay_waiters_add_posted (RelayWaiters     *waiters,
                                        const char       *mailbox_id,
                                        const guint8     *claim_hash,
                                        RelayWakePost     post,
                                        gpointer          post_data,
                                        RelayWakeFunc     func,
                                        gpointer          user_data,
                                        GDestroyNotify    destroy);

/*
 * A posted waiter in no registry, for an event of the owner's own (an
 * answer that another thread finishes): relay_waiter_wake() posts it from
 * any thread. Unregister it with relay_waiters_remove() like any other
 * (from the owner's thread), which also drops the caller's reference.
 */
RelayWaiter  *relay_waiter_new_posted (RelayWakePost     post,
                                       gpointer          post_data,
                                       RelayWakeFunc     func,
                                       gpointer          user_data);
RelayWaiter  *relay_waiter_ref       (RelayWaiter        *waiter);
void          relay_waiter_unref     (RelayWaiter        *waiter);
/* Any thread: hands the waiter to its owner's loop, as changed. */
void          relay_waiter_wake      (RelayWaiter        *waiter);

/* On the owner's thread: runs the wake function of a posted waiter, unless
 * it was removed meanwhile, and drops the reference the post held. */
void          relay_waiter_dispatch  (RelayWaiter        *waiter);

/* Unregisters a waiter (its wake function will not run any more) and
 * drops the caller's reference. Call from the waiter's context. */
void          relay_waiters_remove   (RelayWaiters       *waiters,
                                      RelayWaiter        *waiter);

void          relay_waiters_notify   (RelayWaiters       *waiters,
                                      const char         *mailbox_id);

/* Wakes every waiter (as changed): each looks at its mailbox again and,
 * if nothing changed, waits again. */
void          relay_waiters_notify_all (RelayWaiters     *waiters);

guint         relay_waiters_count    (RelayWaiters       *waiters);

G_END_DECLS
