/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-waiters.h"

#include <string.h>

struct _RelayWaiter
{
  gatomicrefcount  ref_count;
  char             mailbox_id[RELAY_MAILBOX_ID_LENGTH + 1];
  guint8           claim_hash[RELAY_HASH_SIZE];
  GMainContext    *context;    /* or NULL when posted */
  RelayWakePost    post;
  gpointer         post_data;
  RelayWakeFunc    func;
  gpointer         user_data;
  GDestroyNotify   destroy;
  gboolean         active;     /* under the registry lock */
  RelayWakeReason  reason;
};

struct _RelayWaiters
{
  GMutex      lock;
  GHashTable *by_mailbox;   /* mailbox id → GPtrArray of RelayWaiter */
  guint       count;
  guint       max_waiting;
};

static RelayWaiter *
waiter_ref (RelayWaiter *waiter)
{
  g_atomic_ref_count_inc (&waiter->ref_count);
  return waiter;
}

static void
waiter_unref (RelayWaiter *waiter)
{
  if (!g_atomic_ref_count_dec (&waiter->ref_count))
    return;

  if (waiter->destroy != NULL)
    waiter->destroy (waiter->user_data);
  g_clear_pointer (&waiter->context, g_main_context_unref);
  g_free (waiter);
}

RelayWaiters *
relay_waiters_new (guint max_waiting)
{
  RelayWaiters *waiters = g_new0 (RelayWaiters, 1);

  g_mutex_init (&waiters->lock);
  waiters->by_mailbox = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_ptr_array_unref);
  waiters->max_waiting = max_waiting;
  return waiters;
}

void
relay_waiters_free (RelayWaiters *waiters)
{
  if (waiters == NULL)
    return;

  g_hash_table_unref (waiters->by_mailbox);
  g_mutex_clear (&waiters->lock);
  g_free (waiters);
}

/* Unlinks a waiter from the registry; the lock is held. */
static void
detach_locked (RelayWaiters *waiters,
               RelayWaiter  *waiter)
{
  GPtrArray *list = g_hash_table_lookup (waiters->by_mailbox, waiter->mailbox_id);

  if (!waiter->active)
    return;

  waiter->active = FALSE;
  waiters->count--;
  if (list != NULL)
    {
      g_ptr_array_remove_fast (list, waiter);
      if (list->len == 0)
        g_hash_table_remove (waiters->by_mailbox, waiter->mailbox_id);
    }
}

static gboolean
dispatch_wake (gpointer data)
{
  RelayWaiter *waiter = data;

  /* NULL once the owner answered the request by other means (its timeout
   * ran first); both run in the owner's context, so no lock is needed. */
  if (waiter->func != NULL)
    waiter->func (waiter->reason, waiter->user_data);
  return G_SOURCE_REMOVE;
}

/* Detaches and schedules the wake function; the lock is held. */
static void
wake_locked (RelayWaiters    *waiters,
             RelayWaiter     *waiter,
             RelayWakeReason  reason)
{
  g_autoptr(GSource) source = NULL;

  detach_locked (waiters, waiter);
  waiter->reason = reason;
  if (waiter->post != NULL)
    {
      waiter->post (waiter_ref (waiter), waiter->post_data);
      return;
    }

  /* Always deferred, never run in place: the notifying thread may own the
   * waiter's context and holds our lock. */
  source = g_idle_source_new ();
  g_source_set_callback (source, dispatch_wake, waiter_ref (waiter),
                         (GDestroyNotify) waiter_unref);
  g_source_attach (source, waiter->context);
}

static void
supersede_locked (RelayWaiters *waiters,
                  GPtrArray    *list,
                  const guint8 *claim_hash)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      RelayWaiter *earlier = g_ptr_array_index (list, i);

      if (relay_hash_equal (earlier->claim_hash, claim_hash))
        {
          wake_locked (waiters, earlier, RELAY_WAKE_SUPERSEDED);
          return;
        }
    }
}

/* Registers @waiter (its target filled in), or frees it and returns NULL
 * when too many wait already. */
static RelayWaiter *
add_waiter (RelayWaiters *waiters,
            RelayWaiter  *waiter,
            const char   *mailbox_id,
            const guint8 *claim_hash)
{
  GPtrArray *list;

  g_mutex_lock (&waiters->lock);
  list = g_hash_table_lookup (waiters->by_mailbox, mailbox_id);
  supersede_locked (waiters, list, claim_hash);
  if (waiters->max_waiting > 0 && waiters->count >= waiters->max_waiting)
    {
      g_mutex_unlock (&waiters->lock);
      waiter->destroy = NULL;   /* the caller still owns its data */
      waiter_unref (waiter);
      return NULL;
    }

  g_strlcpy (waiter->mailbox_id, mailbox_id, sizeof waiter->mailbox_id);
  memcpy (waiter->claim_hash, claim_hash, RELAY_HASH_SIZE);
  waiter->active = TRUE;

  list = g_hash_table_lookup (waiters->by_mailbox, mailbox_id);
  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (waiters->by_mailbox, g_strdup (mailbox_id), list);
    }
  g_ptr_array_add (list, waiter);
  waiters->count++;
  g_mutex_unlock (&waiters->lock);
  return waiter;
}

static RelayWaiter *
waiter_new (RelayWakeFunc  func,
            gpointer       user_data,
            GDestroyNotify destroy)
{
  RelayWaiter *waiter = g_new0 (RelayWaiter, 1);

  g_atomic_ref_count_init (&waiter->ref_count);
  waiter->func = func;
  waiter->user_data = user_data;
  waiter->destroy = destroy;
  return waiter;
}

RelayWaiter *
relay_waiters_add (RelayWaiters   *waiters,
                   const char     *mailbox_id,
                   const guint8   *claim_hash,
                   GMainContext   *context,
                   RelayWakeFunc   func,
                   gpointer        user_data,
                   GDestroyNotify  destroy)
{
  RelayWaiter *waiter = waiter_new (func, user_data, destroy);

  waiter->context = g_main_context_ref (context);
  return add_waiter (waiters, waiter, mailbox_id, claim_hash);
}

RelayWaiter *
relay_waiters_add_posted (RelayWaiters   *waiters,
                          const char     *mailbox_id,
                          const guint8   *claim_hash,
                          RelayWakePost   post,
                          gpointer        post_data,
                          RelayWakeFunc   func,
                          gpointer        user_data,
                          GDestroyNotify  destroy)
{
  RelayWaiter *waiter = waiter_new (func, user_data, destroy);

  waiter->post = post;
  waiter->post_data = post_data;
  return add_waiter (waiters, waiter, mailbox_id, claim_hash);
}

RelayWaiter *
relay_waiter_new_posted (RelayWakePost post,
                         gpointer      post_data,
                         RelayWakeFunc func,
                         gpointer      user_data)
{
  RelayWaiter *waiter = waiter_new (func, user_data, NULL);

  waiter->post = post;
  waiter->post_data = post_data;
  waiter->reason = RELAY_WAKE_CHANGED;
  return waiter;
}

RelayWaiter *
relay_waiter_ref (RelayWaiter *waiter)
{
  return waiter_ref (waiter);
}

void
relay_waiter_unref (RelayWaiter *waiter)
{
  waiter_unref (waiter);
}

void
relay_waiter_wake (RelayWaiter *waiter)
{
  waiter->post (waiter_ref (waiter), waiter->post_data);
}

void
relay_waiter_dispatch (RelayWaiter *waiter)
{
  dispatch_wake (waiter);
  waiter_unref (waiter);
}

void
relay_waiters_remove (RelayWaiters *waiters,
                      RelayWaiter  *waiter)
{
  g_mutex_lock (&waiters->lock);
  detach_locked (waiters, waiter);
  /* A wake already scheduled must not run after its request is answered. */
  waiter->func = NULL;
  g_mutex_unlock (&waiters->lock);
  waiter_unref (waiter);
}

void
relay_waiters_notify (RelayWaiters *waiters,
                      const char   *mailbox_id)
{
  GPtrArray *list;

  g_mutex_lock (&waiters->lock);
  list = g_hash_table_lookup (waiters->by_mailbox, mailbox_id);
  while (list != NULL && list->len > 0)
    {
      RelayWaiter *waiter = g_ptr_array_index (list, list->len - 1);
      gboolean last = list->len == 1;

      wake_locked (waiters, waiter, RELAY_WAKE_CHANGED);
      if (last)
        break;   /* the list itself is gone with its last waiter */
    }
  g_mutex_unlock (&waiters->lock);
}

void
relay_waiters_notify_all (RelayWaiters *waiters)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GHashTableIter iter;
  GPtrArray *list;

  /* Collected first: waking a waiter takes it out of its list. */
  g_mutex_lock (&waiters->lock);
  g_hash_table_iter_init (&iter, waiters->by_mailbox);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &list))
    g_ptr_array_extend (all, list, NULL, NULL);
  for (guint i = 0; i < all->len; i++)
    wake_locked (waiters, g_ptr_array_index (all, i), RELAY_WAKE_CHANGED);
  g_mutex_unlock (&waiters->lock);
}

guint
relay_waiters_count (RelayWaiters *waiters)
{
  guint count;

  g_mutex_lock (&waiters->lock);
  count = waiters->count;
  g_mutex_unlock (&waiters->lock);
  return count;
}
