/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-seed: fills the session's keyring with COUNT credentials the way
 * the wallet stores them, for bench/startup. It sets up the vault with the
 * bench passcode, saves every credential through WalletStore (one keyring
 * item each, written and read back by WalletKeyring), many saves in flight
 * at once, and then loads the store, which finds no index and writes one
 * from the items, as the app does on its first start.
 *
 *   bench-seed [--collection NAME] COUNT
 *
 * NAME is the keyring collection the items go to ("default" unless given).
 * bench/startup uses "session": gnome-keyring rewrites and re-encrypts
 * the whole keyring file for every write to "login", which makes filling
 * it quadratic in bytes (88 s for 2,000 credentials here), while the
 * in-memory "session" collection is read exactly like "login" once that
 * is unlocked. The app reads every collection.
 *
 * Saves go to a store that was never loaded, so none of them rewrites the
 * index (an index of N entries written N times would make seeding
 * quadratic in bytes); the one load at the end writes it once.
 *
 * Prints "seed_count=N seed_items_s=S seed_index_s=S" on success. Run it
 * inside a session with an unlocked keyring (bench/startup does).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tw-crypto.h"
#include "wallet.h"

#include "wallet-store-index.h"

#include "bench-common.h"

/* The daemon works through one request at a time; a few in flight keep it
 * busy while this side seals the next ones, more only queue up. */
#define SAVES_IN_FLIGHT 16
/* A full daemon answers late; seeding may wait, people never do. */
#define SEED_TIMEOUT_MS (10 * 60 * 1000)

typedef struct {
  WalletStore *store;
  guint        next;
  guint        count;
  guint        in_flight;
  guint        done;
  gint64       started;
  GError      *error;
} Seeder;

static void save_next (Seeder *seeder);

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Seeder *seeder = user_data;
  g_autoptr(GError) error = NULL;

  seeder->in_flight--;
  seeder->done++;
  if (!wallet_store_save_finish (WALLET_STORE (source), result, &error) &&
      seeder->error == NULL)
    seeder->error = g_steal_pointer (&error);
  if (seeder->done % 1000 == 0)
    g_printerr ("bench-seed: %u of %u credentials stored after %.1f s\n", seeder->done,
                seeder->count, (g_get_monotonic_time () - seeder->started) / 1e6);
  save_next (seeder);
}

static void
save_next (Seeder *seeder)
{
  while (seeder->error == NULL && seeder->next < seeder->count &&
         seeder->in_flight < SAVES_IN_FLIGHT)
    {
      g_autoptr(WalletCredential) credential = tigress_bench_make_credential (seeder->next++);

      seeder->in_flight++;
      wallet_store_save_async (seeder->store, credential, NULL, on_saved, seeder);
    }
}

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
set_up_vault (WalletVault *vault)
{
  g_autoptr(TwSecret) passcode = tw_secret_new_from_string (TIGRESS_BENCH_PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_vault_setup_async (vault, passcode, NULL, keep_result, &result);
  if (!wallet_vault_setup_finish (vault, wait_for (&result), &error))
    g_error ("Setting up the vault failed: %s", error->message);
}

static void
load_store (WalletStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_load_async (store, NULL, keep_result, &result);
  if (!wallet_store_load_finish (store, wait_for (&result), &error))
    g_error ("Loading the seeded credentials failed: %s", error->message);
}

/* The store writes the index after its load has returned; the seeded
 * keyring is only complete once the index holds every credential. */
static void
wait_for_index (WalletKeyring *keyring,
                guint          count)
{
  for (guint attempt = 0; attempt < 600; attempt++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) index = NULL;
      g_autoptr(GHashTable) entries = NULL;

      wallet_keyring_load_async (keyring, WALLET_ITEM_INDEX, WALLET_STORE_INDEX_ID, NULL,
                                 keep_result, &result);
      index = wallet_keyring_load_finish (keyring, wait_for (&result), NULL);
      entries = index != NULL ? wallet_store_index_parse (index) : NULL;
      if (entries != NULL && g_hash_table_size (entries) == count)
        return;
      g_usleep (G_USEC_PER_SEC / 2);
    }
  g_error ("The credential index was not written within five minutes.");
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(WalletVault) vault = NULL;
  g_autoptr(WalletStore) store = NULL;
  const char *collection = NULL;
  Seeder seeder = { 0 };
  gint64 started;
  double items_s;

  if (argc == 4 && g_str_equal (argv[1], "--collection"))
    {
      collection = argv[2];
      argv += 2;
      argc -= 2;
    }
  if (argc != 2 || atoi (argv[1]) <= 0)
    {
      g_printerr ("usage: bench-seed [--collection NAME] COUNT\n");
      return 2;
    }
  tw_crypto_init ();
  keyring = wallet_keyring_new ();
  wallet_keyring_set_timeout (keyring, SEED_TIMEOUT_MS);
  if (collection != NULL)
    wallet_keyring_set_collection (keyring, collection);
  vault = wallet_vault_new (keyring, NULL);
  store = wallet_store_new (vault);
  set_up_vault (vault);

  seeder.store = store;
  seeder.count = (guint) atoi (argv[1]);
  started = seeder.started = g_get_monotonic_time ();
  save_next (&seeder);
  while (seeder.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  if (seeder.error != NULL)
    g_error ("Storing a credential failed: %s", seeder.error->message);
  items_s = seconds_since (started);

  started = g_get_monotonic_time ();
  load_store (store);
  if (g_list_model_get_n_items (G_LIST_MODEL (store)) != seeder.count)
    g_error ("The store holds %u credentials, not %u",
             g_list_model_get_n_items (G_LIST_MODEL (store)), seeder.count);
  wait_for_index (keyring, seeder.count);
  printf ("seed_count=%u seed_items_s=%.1f seed_index_s=%.1f\n", seeder.count, items_s,
          seconds_since (started));
  wallet_vault_lock (vault);
  return 0;
}
