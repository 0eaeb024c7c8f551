/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The storage contract of relay-store.h, in-process and under concurrency:
 * what every backend must keep atomic (one create per request key, one
 * binder, one conditional writer), and the rules of relinquish, expiry,
 * tombstones and the change hook. Runs on the backend under test
 * (TW_RELAY_TEST_STORAGE), many threads at a time.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "relay-store.h"
#include "relay-test.h"
#include "tw-crypto.h"

#define N_THREADS 24

typedef struct {
  char       *spec;
  RelayStore *store;
  GMutex      lock;
  GPtrArray  *changes;   /* mailbox ids the change hook reported */
} Fixture;

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
on_change (const char *mailbox_id,
           const char *etag,
           gpointer    user_data)
{
  Fixture *fixture = user_data;

  g_mutex_lock (&fixture->lock);
  g_ptr_array_add (fixture->changes, g_strdup (mailbox_id));
  g_mutex_unlock (&fixture->lock);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->spec = relay_test_new_storage ();
  fixture->store = relay_store_open (fixture->spec, &error);
  g_assert_no_error (error);
  g_mutex_init (&fixture->lock);
  fixture->changes = g_ptr_array_new_with_free_func (g_free);
  relay_store_set_change_func (fixture->store, on_change, fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  relay_store_set_change_func (fixture->store, NULL, NULL);
  g_clear_object (&fixture->store);
  g_free (fixture->spec);
  g_ptr_array_unref (fixture->changes);
  g_mutex_clear (&fixture->lock);
}

static gboolean
was_changed (Fixture    *fixture,
             const char *mailbox_id)
{
  gboolean found = FALSE;

  /* Shared backends deliver changes asynchronously: give them a moment. */
  for (guint attempt = 0; attempt < 50 && !found; attempt++)
    {
      g_mutex_lock (&fixture->lock);
      for (guint i = 0; i < fixture->changes->len; i++)
        found = found || g_str_equal (g_ptr_array_index (fixture->changes, i), mailbox_id);
      g_mutex_unlock (&fixture->lock);
      if (!found)
        g_usleep (20 * 1000);
    }
  return found;
}

static void
random_hash (guint8 hash[RELAY_HASH_SIZE])
{
  tw_random_bytes (hash, RELAY_HASH_SIZE);
}

static void
set_payload (RelayPayload *payload,
             const char   *data)
{
  relay_payload_clear (payload);
  payload->type = g_strdup ("AEAD_AES_256_GCM");
  payload->data = g_strdup (data);
  relay_payload_etag (data, payload->etag);
}

/* A mailbox ready to create, sent by @sender_hash, expiring in @lifetime s. */
static RelayMailbox *
new_mailbox (const guint8 *sender_hash,
             gint64        lifetime)
{
  RelayMailbox *mailbox = relay_mailbox_new ();
  g_autofree char *id = g_uuid_string_random ();

  g_strlcpy (mailbox->mailbox_id, id, sizeof mailbox->mailbox_id);
  memcpy (mailbox->sender_claim_hash, sender_hash, RELAY_HASH_SIZE);
  set_payload (&mailbox->payload, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  relay_payload_copy (&mailbox->sender_payload, &mailbox->payload);
  mailbox->title = g_strdup ("Front door");
  mailbox->expires_at = now_seconds () + lifetime;
  return mailbox;
}

static void
create_or_fail (RelayStore         *store,
                const RelayMailbox *mailbox)
{
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;

  relay_outcome_init (&outcome);
  g_assert_true (relay_store_create (store, mailbox, 0, now_seconds (), &outcome, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome.status, ==, RELAY_STORE_OK);
  relay_outcome_clear (&outcome);
}

static RelayAccess
access_for (const RelayMailbox *mailbox,
            const guint8       *claim_hash)
{
  RelayAccess access = { mailbox->mailbox_id, { 0 }, FALSE, { 0 }, now_seconds () };

  memcpy (access.claim_hash, claim_hash, RELAY_HASH_SIZE);
  return access;
}

static RelayStoreStatus
read_status (RelayStore         *store,
             const RelayMailbox *mailbox,
             const guint8       *claim_hash,
             RelayOutcome       *outcome_out)
{
  RelayAccess access = access_for (mailbox, claim_hash);
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;
  RelayStoreStatus status;

  relay_outcome_init (&outcome);
  g_assert_true (relay_store_read (store, &access, NULL, &outcome, &error));
  g_assert_no_error (error);
  status = outcome.status;
  if (outcome_out != NULL)
    *outcome_out = outcome;
  else
    relay_outcome_clear (&outcome);
  return status;
}

/* Runs @func on N_THREADS threads released at the same moment. */
typedef struct {
  GMutex   lock;
  GCond    go;
  gboolean started;
} StartLine;

typedef struct {
  StartLine  *start;
  gpointer    shared;
  guint       index;
  int         status;
  gboolean    bound_now;
  char        mailbox_id[RELAY_MAILBOX_ID_LENGTH + 1];
} Runner;

static void
wait_for_start (StartLine *start)
{
  g_mutex_lock (&start->lock);
  while (!start->started)
    g_cond_wait (&start->go, &start->lock);
  g_mutex_unlock (&start->lock);
}

static void
race (GThreadFunc func,
      gpointer    shared,
      Runner      runners[N_THREADS])
{
  GThread *threads[N_THREADS];
  StartLine start;

  g_mutex_init (&start.lock);
  g_cond_init (&start.go);
  start.started = FALSE;
  for (guint i = 0; i < N_THREADS; i++)
    {
      runners[i] = (Runner) { &start, shared, i, -1, FALSE, "" };
      threads[i] = g_thread_new ("runner", func, &runners[i]);
    }
  g_usleep (50 * 1000);
  g_mutex_lock (&start.lock);
  start.started = TRUE;
  g_cond_broadcast (&start.go);
  g_mutex_unlock (&start.lock);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&start.lock);
  g_cond_clear (&start.go);
}

static guint
count_status (Runner  runners[N_THREADS],
              int     status)
{
  guint count = 0;

  for (guint i = 0; i < N_THREADS; i++)
    count += runners[i].status == status;
  return count;
}

/* ------------------------------------------------------------------------ */

static gpointer
create_with_shared_key (gpointer data)
{
  Runner *runner = data;
  Fixture *fixture = runner->shared;
  static const guint8 sender[RELAY_HASH_SIZE] = { 7 };
  g_autoptr(RelayMailbox) mailbox = new_mailbox (sender, 600);
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;

  mailbox->has_create_request = TRUE;
  memset (mailbox->create_request_key, 0x5a, RELAY_HASH_SIZE);
  wait_for_start (runner->start);

  relay_outcome_init (&outcome);
  g_assert_true (relay_store_create (fixture->store, mailbox, 0, now_seconds (), &outcome,
                                     &error));
  runner->status = outcome.status;
  g_strlcpy (runner->mailbox_id, outcome.status == RELAY_STORE_OK
             ? mailbox->mailbox_id : outcome.mailbox->mailbox_id, sizeof runner->mailbox_id);
  relay_outcome_clear (&outcome);
  return NULL;
}

static void
test_concurrent_creates_with_one_key_make_one_mailbox (Fixture       *fixture,
                                                       gconstpointer  data)
{
  Runner runners[N_THREADS];
  guint64 live_before = 0, live_after = 0;
  const char *winner = NULL;

  relay_store_count_live (fixture->store, &live_before, NULL);
  race (create_with_shared_key, fixture, runners);
  relay_store_count_live (fixture->store, &live_after, NULL);

  g_assert_cmpuint (count_status (runners, RELAY_STORE_OK), ==, 1);
  g_assert_cmpuint (count_status (runners, RELAY_STORE_REPEATED), ==, N_THREADS - 1);
  for (guint i = 0; i < N_THREADS; i++)
    if (runners[i].status == RELAY_STORE_OK)
      winner = runners[i].mailbox_id;
  for (guint i = 0; i < N_THREADS; i++)
    g_assert_cmpstr (runners[i].mailbox_id, ==, winner);
  g_assert_cmpuint (live_after, ==, live_before + 1);
}

typedef struct {
  RelayStore   *store;
  RelayMailbox *mailbox;
} Target;

static gpointer
bind_with_own_claim (gpointer data)
{
  Runner *runner = data;
  Target *target = runner->shared;
  guint8 claim[RELAY_HASH_SIZE];
  RelayOutcome outcome;

  random_hash (claim);
  wait_for_start (runner->start);
  runner->status = read_status (target->store, target->mailbox, claim, &outcome);
  runner->bound_now = outcome.bound_now;
  relay_outcome_clear (&outcome);
  return NULL;
}

static void
test_racing_first_readers_bind_exactly_one (Fixture       *fixture,
                                            gconstpointer  data)
{
  guint8 sender[RELAY_HASH_SIZE];

  random_hash (sender);
  for (guint round = 0; round < 10; round++)
    {
      g_autoptr(RelayMailbox) mailbox = new_mailbox (sender, 600);
      Target target = { fixture->store, mailbox };
      Runner runners[N_THREADS];
      guint bound = 0;

      create_or_fail (fixture->store, mailbox);
      race (bind_with_own_claim, &target, runners);
      for (guint i = 0; i < N_THREADS; i++)
        bound += runners[i].bound_now;

      g_assert_cmpuint (count_status (runners, RELAY_STORE_OK), ==, 1);
      g_assert_cmpuint (bound, ==, 1);
      g_assert_cmpuint (count_status (runners, RELAY_STORE_CLAIMED_BY_OTHER), ==,
                        N_THREADS - 1);
    }
}

typedef struct {
  RelayStore   *store;
  RelayMailbox *mailbox;
  const char   *known_etag;
} WriteTarget;

static gpointer
write_if_unchanged (gpointer data)
{
  Runner *runner = data;
  WriteTarget *target = runner->shared;
  RelayAccess access = access_for (target->mailbox, target->mailbox->sender_claim_hash);
  RelayPayload payload = { NULL, NULL, "" };
  g_autofree char *text = g_strdup_printf ("%s%04u", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                                           runner->index);
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;

  set_payload (&payload, text);
  wait_for_start (runner->start);
  relay_outcome_init (&outcome);
  g_assert_true (relay_store_update (target->store, &access, target->known_etag, &payload,
                                     &outcome, &error));
  runner->status = outcome.status;
  relay_outcome_clear (&outcome);
  relay_payload_clear (&payload);
  return NULL;
}

static void
test_racing_conditional_writes_let_exactly_one_through (Fixture       *fixture,
                                                         gconstpointer  data)
{
  guint8 sender[RELAY_HASH_SIZE];
  g_autoptr(RelayMailbox) mailbox = NULL;
  WriteTarget target;
  Runner runners[N_THREADS];

  random_hash (sender);
  mailbox = new_mailbox (sender, 600);
  create_or_fail (fixture->store, mailbox);
  target = (WriteTarget) { fixture->store, mailbox, mailbox->payload.etag };
  race (write_if_unchanged, &target, runners);

  g_assert_cmpuint (count_status (runners, RELAY_STORE_OK), ==, 1);
  g_assert_cmpuint (count_status (runners, RELAY_STORE_PRECONDITION_FAILED), ==,
                    N_THREADS - 1);
  g_assert_true (was_changed (fixture, mailbox->mailbox_id));
}

static RelayStoreStatus
relinquish_status (RelayStore         *store,
                   const RelayMailbox *mailbox,
                   const guint8       *claim_hash)
{
  RelayAccess access = access_for (mailbox, claim_hash);
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;
  RelayStoreStatus status;

  relay_outcome_init (&outcome);
  g_assert_true (relay_store_relinquish (store, &access, &outcome, &error));
  status = outcome.status;
  relay_outcome_clear (&outcome);
  return status;
}

static void
test_relinquish_restores_and_is_limited (Fixture       *fixture,
                                         gconstpointer  data)
{
  guint8 sender[RELAY_HASH_SIZE];
  g_autoptr(RelayMailbox) mailbox = NULL;

  random_hash (sender);
  mailbox = new_mailbox (sender, 600);
  create_or_fail (fixture->store, mailbox);

  for (guint round = 1; round <= RELAY_MAX_RELINQUISHES + 1; round++)
    {
      guint8 recipient[RELAY_HASH_SIZE];
      RelayAccess access;
      RelayPayload reply = { NULL, NULL, "" };
      RelayOutcome outcome;
      g_autoptr(GError) error = NULL;

      random_hash (recipient);
      g_assert_cmpint (read_status (fixture->store, mailbox, recipient, &outcome), ==,
                       RELAY_STORE_OK);
      g_assert_cmpuint (outcome.mailbox->binding_epoch, ==, round);
      g_assert_cmpstr (outcome.mailbox->payload.data, ==, mailbox->payload.data);
      relay_outcome_clear (&outcome);

      /* The recipient writes; relinquish must bring the sender's back. */
      access = access_for (mailbox, recipient);
      set_payload (&reply, "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC");
      g_assert_true (relay_store_update (fixture->store, &access, NULL, &reply, &outcome,
                                         &error));
      g_assert_cmpint (outcome.status, ==, RELAY_STORE_OK);
      relay_outcome_clear (&outcome);
      relay_payload_clear (&reply);

      g_assert_cmpint (relinquish_status (fixture->store, mailbox, sender), ==,
                       RELAY_STORE_UNAUTHORIZED);
      g_assert_cmpint (relinquish_status (fixture->store, mailbox, recipient), ==,
                       round <= RELAY_MAX_RELINQUISHES ? RELAY_STORE_OK
                                                       : RELAY_STORE_NOT_ALLOWED);
    }
}

static void
test_expiry_ends_at_once_and_sweep_leaves_tombstones (Fixture       *fixture,
                                                      gconstpointer  data)
{
  guint8 sender[RELAY_HASH_SIZE], recipient[RELAY_HASH_SIZE], stranger[RELAY_HASH_SIZE];
  g_autoptr(RelayMailbox) mailbox = NULL;
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;
  guint swept = 0;

  random_hash (sender);
  random_hash (recipient);
  random_hash (stranger);
  mailbox = new_mailbox (sender, 2);
  create_or_fail (fixture->store, mailbox);
  g_assert_cmpint (read_status (fixture->store, mailbox, recipient, NULL), ==, RELAY_STORE_OK);

  g_usleep (2200 * 1000);
  g_assert_cmpint (read_status (fixture->store, mailbox, sender, &outcome), ==,
                   RELAY_STORE_ENDED);
  g_assert_cmpint (outcome.end_reason, ==, RELAY_END_EXPIRED);
  g_assert_cmpint (read_status (fixture->store, mailbox, stranger, NULL), ==,
                   RELAY_STORE_NOT_FOUND);
  relay_outcome_init (&outcome);
  g_assert_true (relay_store_peek (fixture->store, mailbox->mailbox_id, now_seconds (),
                                   &outcome, &error));
  g_assert_cmpint (outcome.status, ==, RELAY_STORE_NOT_FOUND);

  /* Shared backends may remove expired mailboxes on their own; either
   * way the parties keep hearing why, and nobody else learns anything. */
  g_assert_true (relay_store_sweep (fixture->store, now_seconds (), 1000, &swept, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read_status (fixture->store, mailbox, recipient, &outcome), ==,
                   RELAY_STORE_ENDED);
  g_assert_cmpint (outcome.end_reason, ==, RELAY_END_EXPIRED);
  g_assert_cmpint (read_status (fixture->store, mailbox, stranger, NULL), ==,
                   RELAY_STORE_NOT_FOUND);
}

static void
test_deletion_leaves_a_tombstone_and_notifies (Fixture       *fixture,
                                               gconstpointer  data)
{
  guint8 sender[RELAY_HASH_SIZE], recipient[RELAY_HASH_SIZE];
  g_autoptr(RelayMailbox) mailbox = NULL;
  g_autoptr(GError) error = NULL;
  RelayAccess access;
  RelayOutcome outcome;

  random_hash (sender);
  random_hash (recipient);
  mailbox = new_mailbox (sender, 600);
  create_or_fail (fixture->store, mailbox);
  g_assert_cmpint (read_status (fixture->store, mailbox, recipient, NULL), ==, RELAY_STORE_OK);

  access = access_for (mailbox, recipient);
  access.has_request_key = TRUE;
  memset (access.request_key, 0x33, RELAY_HASH_SIZE);
  relay_outcome_init (&outcome);
  g_assert_true (relay_store_delete (fixture->store, &access, &outcome, &error));
  g_assert_cmpint (outcome.status, ==, RELAY_STORE_OK);
  g_assert_true (relay_store_delete (fixture->store, &access, &outcome, &error));
  g_assert_cmpint (outcome.status, ==, RELAY_STORE_REPEATED);
  relay_outcome_clear (&outcome);

  g_assert_true (was_changed (fixture, mailbox->mailbox_id));
  g_assert_cmpint (read_status (fixture->store, mailbox, sender, &outcome), ==,
                   RELAY_STORE_ENDED);
  g_assert_cmpint (outcome.end_reason, ==, RELAY_END_DELETED);
}

#define RACE_CAP 5

static gpointer
create_under_cap (gpointer data)
{
  Runner *runner = data;
  Fixture *fixture = runner->shared;
  guint8 sender[RELAY_HASH_SIZE];
  g_autoptr(RelayMailbox) mailbox = NULL;
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;

  random_hash (sender);
  mailbox = new_mailbox (sender, 600);
  wait_for_start (runner->start);

  relay_outcome_init (&outcome);
  g_assert_true (relay_store_create (fixture->store, mailbox, RACE_CAP, now_seconds (),
                                     &outcome, &error));
  g_assert_no_error (error);
  runner->status = outcome.status;
  relay_outcome_clear (&outcome);
  return NULL;
}

static void
test_racing_creates_stop_exactly_at_the_cap (Fixture       *fixture,
                                             gconstpointer  data)
{
  Runner runners[N_THREADS];
  guint64 live = 0;
  g_autoptr(GError) error = NULL;

  race (create_under_cap, fixture, runners);

  g_assert_cmpuint (count_status (runners, RELAY_STORE_OK), ==, RACE_CAP);
  g_assert_cmpuint (count_status (runners, RELAY_STORE_FULL), ==, N_THREADS - RACE_CAP);
  g_assert_true (relay_store_count_live (fixture->store, &live, &error));
  g_assert_cmpuint (live, ==, RACE_CAP);
}

/* Mailboxes that expire in different seconds, several in each second and
 * created out of expiry order: a sweep in small batches takes exactly the
 * expired ones, leaves their parties a tombstone and the rest untouched. */
static void
test_sweep_in_batches_takes_exactly_the_expired (Fixture       *fixture,
                                                 gconstpointer  data)
{
  static const gint64 lifetimes[] = { 600, 1, 2, 600, 1, 2, 1, 600, 2, 1, 600, 2 };
  guint8 sender[RELAY_HASH_SIZE];
  RelayMailbox *mailboxes[G_N_ELEMENTS (lifetimes)];
  g_autoptr(GError) error = NULL;
  guint swept, expired = 0;
  guint64 live = 0;

  random_hash (sender);
  for (guint i = 0; i < G_N_ELEMENTS (lifetimes); i++)
    {
      mailboxes[i] = new_mailbox (sender, lifetimes[i]);
      create_or_fail (fixture->store, mailboxes[i]);
      expired += lifetimes[i] < 600;
    }
  g_usleep (3100 * 1000);

  do
    {
      g_assert_true (relay_store_sweep (fixture->store, now_seconds (), 3, &swept, &error));
      g_assert_no_error (error);
    }
  while (swept == 3);

  g_assert_true (relay_store_count_live (fixture->store, &live, &error));
  g_assert_cmpuint (live, ==, G_N_ELEMENTS (lifetimes) - expired);
  for (guint i = 0; i < G_N_ELEMENTS (lifetimes); i++)
    {
      RelayOutcome outcome;

      g_assert_cmpint (read_status (fixture->store, mailboxes[i], sender, &outcome), ==,
                       lifetimes[i] < 600 ? RELAY_STORE_ENDED : RELAY_STORE_OK);
      if (lifetimes[i] < 600)
        {
          g_assert_cmpint (outcome.end_reason, ==, RELAY_END_EXPIRED);
          g_assert_true (was_changed (fixture, mailboxes[i]->mailbox_id));
        }
      relay_outcome_clear (&outcome);
      relay_mailbox_free (mailboxes[i]);
    }
}

static RelayStoreStatus
read_status_at (RelayStore         *store,
                const RelayMailbox *mailbox,
                const guint8       *claim_hash,
                gint64              now,
                RelayEndReason     *reason_out)
{
  RelayAccess access = access_for (mailbox, claim_hash);
  g_autoptr(GError) error = NULL;
  RelayOutcome outcome;
  RelayStoreStatus status;

  access.now = now;
  relay_outcome_init (&outcome);
  g_assert_true (relay_store_read (store, &access, NULL, &outcome, &error));
  g_assert_no_error (error);
  status = outcome.status;
  *reason_out = outcome.end_reason;
  relay_outcome_clear (&outcome);
  return status;
}

/* The store is told the time, so a day can pass in an instant. The Redis
 * store leaves expiry to Redis's own clock, so this runs on SQLite only. */
static void
test_swept_mailbox_answers_its_parties_for_a_day (Fixture       *fixture,
                                                  gconstpointer  data)
{
  const char *backend = g_getenv ("TW_RELAY_TEST_STORAGE");
  guint8 sender[RELAY_HASH_SIZE], stranger[RELAY_HASH_SIZE];
  g_autoptr(RelayMailbox) mailbox = NULL;
  g_autoptr(GError) error = NULL;
  RelayEndReason reason = RELAY_END_NONE;
  gint64 expired, day_later;
  guint swept = 0;
  guint64 live = 1;

  if (backend != NULL && !g_str_equal (backend, "sqlite"))
    {
      g_test_skip ("SQLite only: Redis expires by its own clock");
      return;
    }
  random_hash (sender);
  random_hash (stranger);
  mailbox = new_mailbox (sender, 600);
  create_or_fail (fixture->store, mailbox);
  expired = mailbox->expires_at + 1;
  day_later = mailbox->expires_at + RELAY_TOMBSTONE_SECONDS;

  g_assert_true (relay_store_sweep (fixture->store, expired, 1000, &swept, &error));
  g_assert_cmpuint (swept, ==, 1);
  g_assert_true (relay_store_count_live (fixture->store, &live, &error));
  g_assert_cmpuint (live, ==, 0);
  g_assert_cmpint (read_status_at (fixture->store, mailbox, sender, expired, &reason), ==,
                   RELAY_STORE_ENDED);
  g_assert_cmpint (reason, ==, RELAY_END_EXPIRED);
  g_assert_cmpint (read_status_at (fixture->store, mailbox, stranger, expired, &reason), ==,
                   RELAY_STORE_NOT_FOUND);
  g_assert_cmpint (read_status_at (fixture->store, mailbox, sender, day_later - 1, &reason),
                   ==, RELAY_STORE_ENDED);

  /* A day after the expiry the parties hear nothing either, swept or not. */
  g_assert_cmpint (read_status_at (fixture->store, mailbox, sender, day_later, &reason), ==,
                   RELAY_STORE_NOT_FOUND);
  g_assert_true (relay_store_sweep (fixture->store, day_later, 1000, &swept, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read_status_at (fixture->store, mailbox, sender, day_later, &reason), ==,
                   RELAY_STORE_NOT_FOUND);
}

/* Creates queued with relay_store_create_async (): what each settled as. */
typedef struct {
  GMutex     lock;
  GCond      more;
  guint      settled;
  guint      failed;
  guint      by_status[RELAY_STORE_FULL + 1];
  GPtrArray *repeated_ids;
} Settled;

static void
on_settled (RelayOutcome *outcome,
            const GError *error,
            gpointer      user_data)
{
  Settled *settled = user_data;

  g_mutex_lock (&settled->lock);
  if (error != NULL)
    settled->failed++;
  else
    settled->by_status[outcome->status]++;
  if (error == NULL && outcome->status == RELAY_STORE_REPEATED)
    g_ptr_array_add (settled->repeated_ids, g_strdup (outcome->mailbox->mailbox_id));
  settled->settled++;
  g_cond_signal (&settled->more);
  g_mutex_unlock (&settled->lock);
}

static void
settled_init (Settled *settled)
{
  memset (settled, 0, sizeof *settled);
  g_mutex_init (&settled->lock);
  g_cond_init (&settled->more);
  settled->repeated_ids = g_ptr_array_new_with_free_func (g_free);
}

static void
settled_clear (Settled *settled)
{
  g_ptr_array_unref (settled->repeated_ids);
  g_cond_clear (&settled->more);
  g_mutex_clear (&settled->lock);
}

/* Waits (30 s at most) until @count creates settled. */
static void
wait_settled (Settled *settled,
              guint    count)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_mutex_lock (&settled->lock);
  while (settled->settled < count)
    if (!g_cond_wait_until (&settled->more, &settled->lock, deadline))
      break;
  g_assert_cmpuint (settled->settled, ==, count);
  g_mutex_unlock (&settled->lock);
}

#define N_QUEUED 300

/* Queued all at once, so they share commits: each settles once, and each
 * is there, also for a store opened afresh on the same file. */
static void
test_queued_creates_settle_once_each_and_stay (Fixture       *fixture,
                                               gconstpointer  data)
{
  static const guint8 sender[RELAY_HASH_SIZE] = { 9 };
  g_autoptr(GPtrArray) mailboxes = g_ptr_array_new_with_free_func (
    (GDestroyNotify) relay_mailbox_free);
  g_autoptr(RelayStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  Settled settled;

  settled_init (&settled);
  for (guint i = 0; i < N_QUEUED; i++)
    {
      RelayMailbox *mailbox = new_mailbox (sender, 600);

      g_ptr_array_add (mailboxes, mailbox);
      relay_store_create_async (fixture->store, relay_mailbox_copy (mailbox), 0,
                                now_seconds (), on_settled, &settled);
    }
  wait_settled (&settled, N_QUEUED);
  g_assert_cmpuint (settled.by_status[RELAY_STORE_OK], ==, N_QUEUED);
  g_assert_cmpuint (settled.failed, ==, 0);
  settled_clear (&settled);

  /* A second store on the same file sees them all (SQLite; with Redis,
   * a second client of the same database). */
  reopened = relay_store_open (fixture->spec, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < mailboxes->len; i++)
    g_assert_cmpint (read_status (reopened, g_ptr_array_index (mailboxes, i), sender, NULL),
                     ==, RELAY_STORE_OK);
}

/* Queued creates count each other against the cap and against one
 * request key, however they are grouped into commits. */
static void
test_queued_creates_keep_the_cap_and_the_request_key (Fixture       *fixture,
                                                      gconstpointer  data)
{
  static const guint8 sender[RELAY_HASH_SIZE] = { 10 };
  g_autofree char *first_id = NULL;
  Settled capped, keyed;

  settled_init (&capped);
  for (guint i = 0; i < 50; i++)
    relay_store_create_async (fixture->store, new_mailbox (sender, 600), 5, now_seconds (),
                              on_settled, &capped);
  wait_settled (&capped, 50);
  g_assert_cmpuint (capped.by_status[RELAY_STORE_OK], ==, 5);
  g_assert_cmpuint (capped.by_status[RELAY_STORE_FULL], ==, 45);
  settled_clear (&capped);

  settled_init (&keyed);
  for (guint i = 0; i < 24; i++)
    {
      RelayMailbox *mailbox = new_mailbox (sender, 600);

      mailbox->has_create_request = TRUE;
      memset (mailbox->create_request_key, 0x6b, RELAY_HASH_SIZE);
      if (first_id == NULL)
        first_id = g_strdup (mailbox->mailbox_id);
      relay_store_create_async (fixture->store, mailbox, 0, now_seconds (), on_settled,
                                &keyed);
    }
  wait_settled (&keyed, 24);
  g_assert_cmpuint (keyed.by_status[RELAY_STORE_OK], ==, 1);
  g_assert_cmpuint (keyed.by_status[RELAY_STORE_REPEATED], ==, 23);
  for (guint i = 0; i < keyed.repeated_ids->len; i++)
    g_assert_cmpstr (g_ptr_array_index (keyed.repeated_ids, i), ==, first_id);
  settled_clear (&keyed);
}

/* The relay opens SQLite with unix-excl: while this process has the file,
 * a second relay on it stops at once and says why, instead of sharing a
 * file whose locks it cannot see. This process may still open it again. */
static void
test_sqlite_file_serves_one_process (Fixture       *fixture,
                                     gconstpointer  data)
{
  const char *backend = g_getenv ("TW_RELAY_TEST_STORAGE");
  const char *argv[] = { g_getenv ("TW_RELAY_EXE"), "--listen", "127.0.0.1:0",
                         "--storage", fixture->spec, NULL };
  g_autoptr(RelayStore) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *errors = NULL;
  gint64 started = g_get_monotonic_time ();
  int status = 0;

  if (backend != NULL && !g_str_equal (backend, "sqlite"))
    {
      g_test_skip ("SQLite only: Redis is shared by design");
      return;
    }
  g_assert_nonnull (argv[0]);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &errors,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), !=, 0);
  g_assert_nonnull (strstr (errors, "Another process is using"));
  /* Refused at once, not after SQLite's busy wait of several seconds. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);

  again = relay_store_open (fixture->spec, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/relay/store/concurrent-creates-with-one-key-make-one-mailbox",
       test_concurrent_creates_with_one_key_make_one_mailbox);
  ADD ("/relay/store/racing-first-readers-bind-exactly-one",
       test_racing_first_readers_bind_exactly_one);
  ADD ("/relay/store/racing-conditional-writes-let-exactly-one-through",
       test_racing_conditional_writes_let_exactly_one_through);
  ADD ("/relay/store/relinquish-restores-and-is-limited",
       test_relinquish_restores_and_is_limited);
  ADD ("/relay/store/expiry-ends-at-once-and-sweep-leaves-tombstones",
       test_expiry_ends_at_once_and_sweep_leaves_tombstones);
  ADD ("/relay/store/racing-creates-stop-exactly-at-the-cap",
       test_racing_creates_stop_exactly_at_the_cap);
  ADD ("/relay/store/sweep-in-batches-takes-exactly-the-expired",
       test_sweep_in_batches_takes_exactly_the_expired);
  ADD ("/relay/store/swept-mailbox-answers-its-parties-for-a-day",
       test_swept_mailbox_answers_its_parties_for_a_day);
  ADD ("/relay/store/deletion-leaves-a-tombstone-and-notifies",
       test_deletion_leaves_a_tombstone_and_notifies);
  ADD ("/relay/store/queued-creates-settle-once-each-and-stay",
       test_queued_creates_settle_once_each_and_stay);
  ADD ("/relay/store/queued-creates-keep-the-cap-and-the-request-key",
       test_queued_creates_keep_the_cap_and_the_request_key);
  ADD ("/relay/store/sqlite-file-serves-one-process", test_sqlite_file_serves_one_process);
#undef ADD

  return g_test_run ();
}
