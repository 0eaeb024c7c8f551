/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-deferred.h"

#include <string.h>

struct _RelayDeferred
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  gboolean         complete;
  gboolean         taken;
  RelayResponse    response;   /* once complete */
  RelayWaiter     *waiter;     /* to wake once complete, or NULL */
};

RelayDeferred *
relay_deferred_new (void)
{
  RelayDeferred *deferred = g_new0 (RelayDeferred, 1);

  g_atomic_ref_count_init (&deferred->ref_count);
  g_mutex_init (&deferred->lock);
  return deferred;
}

RelayDeferred *
relay_deferred_ref (RelayDeferred *deferred)
{
  g_atomic_ref_count_inc (&deferred->ref_count);
  return deferred;
}

void
relay_deferred_unref (RelayDeferred *deferred)
{
  if (deferred == NULL || !g_atomic_ref_count_dec (&deferred->ref_count))
    return;

  if (deferred->complete && !deferred->taken)
    relay_response_clear (&deferred->response);
  g_clear_pointer (&deferred->waiter, relay_waiter_unref);
  g_mutex_clear (&deferred->lock);
  g_free (deferred);
}

/* With the lock held: the waiter to wake now that both sides are there,
 * handed over (its reference with it), or NULL. */
static RelayWaiter *
take_waiter_to_wake (RelayDeferred *deferred)
{
  if (!deferred->complete)
    return NULL;
  return g_steal_pointer (&deferred->waiter);
}

/* Wakes outside the lock: the post takes the owner loop's own lock. */
static void
wake (RelayWaiter *waiter)
{
  if (waiter == NULL)
    return;
  relay_waiter_wake (waiter);
  relay_waiter_unref (waiter);
}

void
relay_deferred_complete (RelayDeferred *deferred,
                         RelayResponse *response)
{
  RelayWaiter *waiter;

  g_mutex_lock (&deferred->lock);
  if (deferred->complete)
    {
      g_mutex_unlock (&deferred->lock);
      g_critical ("A deferred answer was completed twice");
      return;
    }
  deferred->response = *response;
  memset (response, 0, sizeof *response);
  deferred->complete = TRUE;
  waiter = take_waiter_to_wake (deferred);
  g_mutex_unlock (&deferred->lock);
  wake (waiter);
}

void
relay_deferred_wake_when_done (RelayDeferred *deferred,
                               RelayWaiter   *waiter)
{
  RelayWaiter *to_wake;

  g_mutex_lock (&deferred->lock);
  g_clear_pointer (&deferred->waiter, relay_waiter_unref);
  deferred->waiter = relay_waiter_ref (waiter);
  to_wake = take_waiter_to_wake (deferred);
  g_mutex_unlock (&deferred->lock);
  wake (to_wake);
}

void
relay_deferred_forget_waiter (RelayDeferred *deferred)
{
  RelayWaiter *waiter;

  g_mutex_lock (&deferred->lock);
  waiter = g_steal_pointer (&deferred->waiter);
  g_mutex_unlock (&deferred->lock);
  g_clear_pointer (&waiter, relay_waiter_unref);
}

gboolean
relay_deferred_take (RelayDeferred *deferred,
                     RelayResponse *response)
{
  gboolean ready;

  g_mutex_lock (&deferred->lock);
  ready = deferred->complete && !deferred->taken;
  if (ready)
    {
      *response = deferred->response;
      memset (&deferred->response, 0, sizeof deferred->response);
      deferred->taken = TRUE;
    }
  g_mutex_unlock (&deferred->lock);
  return ready;
}
