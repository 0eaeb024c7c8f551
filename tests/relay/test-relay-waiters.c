/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The long-poll registry's posted waiters, as the HTTP engine's loops use
 * them: a wake from any thread is handed to the owner, whose dispatch runs
 * the wake function on the owner's thread, at most once, and not at all
 * once the owner has removed the waiter; and the deferred answers that
 * park a connection on a waiter of its own until another thread finishes
 * them.
 */
#include "config.h"

#include <string.h>

#include "relay-deferred.h"
#include "relay-waiters.h"

#define MAILBOX_ID "00000000-0000-4000-8000-000000000000"

typedef struct {
  GAsyncQueue *posted;        /* RelayWaiter, as the owner's loop would queue them */
  guint        wakes;
  RelayWakeReason last_reason;
  GThread     *woken_on;
} Owner;

static void
post_to_owner (RelayWaiter *waiter,
               gpointer     post_data)
{
  Owner *owner = post_data;

  g_async_queue_push (owner->posted, waiter);
}

static void
on_woken (RelayWakeReason reason,
          gpointer        user_data)
{
  Owner *owner = user_data;

  owner->wakes++;
  owner->last_reason = reason;
  owner->woken_on = g_thread_self ();
}

static void
claim_hash (guint8 *hash,
            guint8  seed)
{
  memset (hash, seed, RELAY_HASH_SIZE);
}

static gpointer
notify_from_thread (gpointer data)
{
  relay_waiters_notify (data, MAILBOX_ID);
  return NULL;
}

static void
test_posted_wake_runs_on_the_owner_thread (void)
{
  RelayWaiters *waiters = relay_waiters_new (0);
  Owner owner = { g_async_queue_new (), 0, };
  guint8 hash[RELAY_HASH_SIZE];
  RelayWaiter *waiter, *posted;

  claim_hash (hash, 1);
  waiter = relay_waiters_add_posted (waiters, MAILBOX_ID, hash, post_to_owner, &owner,
                                     on_woken, &owner, NULL);
  g_assert_nonnull (waiter);
  g_thread_join (g_thread_new ("notifier", notify_from_thread, waiters));

  /* Handed over, not run: the notifier did not call the wake function. */
  g_assert_cmpuint (owner.wakes, ==, 0);
  posted = g_async_queue_try_pop (owner.posted);
  g_assert_true (posted == waiter);
  relay_waiter_dispatch (posted);
  g_assert_cmpuint (owner.wakes, ==, 1);
  g_assert_cmpint (owner.last_reason, ==, RELAY_WAKE_CHANGED);
  g_assert_true (owner.woken_on == g_thread_self ());
  g_assert_cmpuint (relay_waiters_count (waiters), ==, 0);

  /* A second notice finds nobody: a waiter wakes once. */
  relay_waiters_notify (waiters, MAILBOX_ID);
  g_assert_null (g_async_queue_try_pop (owner.posted));
  relay_waiters_remove (waiters, waiter);
  g_async_queue_unref (owner.posted);
  relay_waiters_free (waiters);
}

static void
test_removed_waiter_does_not_wake (void)
{
  RelayWaiters *waiters = relay_waiters_new (0);
  Owner owner = { g_async_queue_new (), 0, };
  guint8 hash[RELAY_HASH_SIZE];
  RelayWaiter *waiter, *posted;

  claim_hash (hash, 2);
  waiter = relay_waiters_add_posted (waiters, MAILBOX_ID, hash, post_to_owner, &owner,
                                     on_woken, &owner, NULL);
  relay_waiters_notify (waiters, MAILBOX_ID);
  /* The owner answered by other means (its timeout) before it took the
   * posted wake. */
  relay_waiters_remove (waiters, waiter);
  posted = g_async_queue_try_pop (owner.posted);
  g_assert_nonnull (posted);
  relay_waiter_dispatch (posted);
  g_assert_cmpuint (owner.wakes, ==, 0);
  g_async_queue_unref (owner.posted);
  relay_waiters_free (waiters);
}

static void
test_newer_poll_supersedes_and_the_limit_holds (void)
{
  RelayWaiters *waiters = relay_waiters_new (1);
  Owner first = { g_async_queue_new (), 0, }, second = { g_async_queue_new (), 0, };
  guint8 hash[RELAY_HASH_SIZE], other[RELAY_HASH_SIZE];
  RelayWaiter *older, *newer, *posted;

  claim_hash (hash, 3);
  claim_hash (other, 4);
  older = relay_waiters_add_posted (waiters, MAILBOX_ID, hash, post_to_owner, &first,
                                    on_woken, &first, NULL);
  newer = relay_waiters_add_posted (waiters, MAILBOX_ID, hash, post_to_owner, &second,
                                    on_woken, &second, NULL);
  g_assert_nonnull (newer);
  posted = g_async_queue_try_pop (first.posted);
  g_assert_true (posted == older);
  relay_waiter_dispatch (posted);
  g_assert_cmpint (first.last_reason, ==, RELAY_WAKE_SUPERSEDED);
  relay_waiters_remove (waiters, older);

  /* One may wait at a time: another device is refused. */
  g_assert_null (relay_waiters_add_posted (waiters, MAILBOX_ID, other, post_to_owner,
                                           &second, on_woken, &second, NULL));
  relay_waiters_remove (waiters, newer);
  g_assert_cmpuint (relay_waiters_count (waiters), ==, 0);
  g_async_queue_unref (first.posted);
  g_async_queue_unref (second.posted);
  relay_waiters_free (waiters);
}

/* An answer finished on another thread, as the store's committer does. */
static gpointer
complete_from_thread (gpointer data)
{
  RelayDeferred *deferred = data;
  RelayResponse response;

  relay_response_init (&response);
  relay_response_set_error (&response, 503, "unavailable", "Not now.");
  relay_deferred_complete (deferred, &response);
  g_assert_null (response.body);
  return NULL;
}

/* Takes the one wake the owner should have been handed, dispatches it and
 * takes the answer. */
static void
assert_woken_once_with_answer (Owner         *owner,
                               RelayDeferred *deferred)
{
  RelayWaiter *posted = g_async_queue_try_pop (owner->posted);
  RelayResponse response = { 0, };

  g_assert_nonnull (posted);
  g_assert_null (g_async_queue_try_pop (owner->posted));
  relay_waiter_dispatch (posted);
  g_assert_cmpuint (owner->wakes, ==, 1);
  g_assert_true (owner->woken_on == g_thread_self ());
  g_assert_true (relay_deferred_take (deferred, &response));
  g_assert_cmpuint (response.status, ==, 503);
  relay_response_clear (&response);
  g_assert_false (relay_deferred_take (deferred, &response));
}

static void
test_deferred_answer_wakes_its_owner_once_in_either_order (void)
{
  RelayWaiters *waiters = relay_waiters_new (0);

  for (guint finished_first = 0; finished_first < 2; finished_first++)
    {
      Owner owner = { g_async_queue_new (), 0, };
      g_autoptr(RelayDeferred) deferred = relay_deferred_new ();
      RelayWaiter *waiter = relay_waiter_new_posted (post_to_owner, &owner, on_woken, &owner);
      RelayResponse early = { 0, };

      if (finished_first)
        g_thread_join (g_thread_new ("finisher", complete_from_thread, deferred));
      else
        g_assert_false (relay_deferred_take (deferred, &early));
      relay_deferred_wake_when_done (deferred, waiter);
      if (!finished_first)
        {
          g_assert_null (g_async_queue_try_pop (owner.posted));
          g_thread_join (g_thread_new ("finisher", complete_from_thread, deferred));
        }

      assert_woken_once_with_answer (&owner, deferred);
      relay_waiters_remove (waiters, waiter);
      g_async_queue_unref (owner.posted);
    }
  relay_waiters_free (waiters);
}

/* The connection closed while its answer was being finished: nothing is
 * handed to its loop any more, and the answer is freed with the last
 * reference. */
static void
test_forgotten_deferred_answer_wakes_nobody (void)
{
  RelayWaiters *waiters = relay_waiters_new (0);
  Owner owner = { g_async_queue_new (), 0, };
  RelayDeferred *deferred = relay_deferred_new ();
  RelayWaiter *waiter = relay_waiter_new_posted (post_to_owner, &owner, on_woken, &owner);

  relay_deferred_wake_when_done (deferred, waiter);
  relay_deferred_forget_waiter (deferred);
  relay_waiters_remove (waiters, waiter);
  g_thread_join (g_thread_new ("finisher", complete_from_thread, deferred));
  g_assert_null (g_async_queue_try_pop (owner.posted));
  g_assert_cmpuint (owner.wakes, ==, 0);
  relay_deferred_unref (deferred);
  g_async_queue_unref (owner.posted);
  relay_waiters_free (waiters);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/waiters/posted-wake-runs-on-the-owner-thread",
                   test_posted_wake_runs_on_the_owner_thread);
  g_test_add_func ("/relay/waiters/removed-waiter-does-not-wake",
                   test_removed_waiter_does_not_wake);
  g_test_add_func ("/relay/waiters/newer-poll-supersedes-and-the-limit-holds",
                   test_newer_poll_supersedes_and_the_limit_holds);
  g_test_add_func ("/relay/deferred/answer-wakes-its-owner-once-in-either-order",
                   test_deferred_answer_wakes_its_owner_once_in_either_order);
  g_test_add_func ("/relay/deferred/forgotten-answer-wakes-nobody",
                   test_forgotten_deferred_answer_wakes_nobody);

  return g_test_run ();
}
