/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-test-util.h"

/*
 * How long the wallet takes to show N credentials after unlock, against a
 * real gnome-keyring-daemon. The items go to the in-memory "session"
 * collection: gnome-keyring rewrites a whole keyring file for every write
 * to "login", which makes filling it with thousands of items take hours,
 * while reads are served from memory either way.
 *
 *   bench-load [N]     (default 10000)
 */

#define PASSCODE "bench passcode"
/* Writes in flight while filling: more only queue up in the daemon. */
#define IN_FLIGHT 8

typedef struct {
  WalletStore *store;
  guint        next;
  guint        total;
  guint        pending;
  guint        failed;
} Filler;

static void fill_one (Filler *filler);

static void
on_filled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Filler *filler = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_store_save_finish (WALLET_STORE (source), result, &error))
    {
      if (filler->failed++ == 0)
        g_printerr ("A save failed: %s\n", error->message);
    }
  filler->pending--;
  fill_one (filler);
}

static void
fill_one (Filler *filler)
{
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(TwSecret) secret = NULL;
  g_autofree char *title = NULL;

  if (filler->next >= filler->total)
    return;
  credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  title = g_strdup_printf ("Account %05u", filler->next++);
  secret = wt_secret ("a password of some length, as people use them");
  wallet_credential_set_title (credential, title);
  wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, "someone@example.org");
  wallet_credential_set_field (credential, WALLET_FIELD_URL, "https://example.org/login");
  wallet_credential_set_secret (credential, WALLET_FIELD_SECRET, secret);
  filler->pending++;
  wallet_store_save_async (filler->store, credential, NULL, on_filled, filler);
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* The two Secret Service calls of a batch read, timed one by one. */
static void
time_raw_calls (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) found = NULL;
  g_autoptr(GVariant) session = NULL;
  g_autoptr(GVariant) secrets = NULL;
  g_autoptr(GVariant) unlocked = NULL;
  GVariantBuilder attributes;
  const char *session_path;
  gint64 start = g_get_monotonic_time ();

  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", WALLET_SCHEMA_CREDENTIAL);
  found = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "SearchItems",
                                       g_variant_new ("(a{ss})", &attributes), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  printf ("  SearchItems: %.3f s\n", seconds_since (start));
  unlocked = g_variant_get_child_value (found, 0);
  session = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                         "org.freedesktop.Secret.Service", "OpenSession",
                                         g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_variant_get (session, "(v&o)", NULL, &session_path);
  start = g_get_monotonic_time ();
  secrets = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                         "org.freedesktop.Secret.Service", "GetSecrets",
                                         g_variant_new ("(@aoo)", unlocked, session_path), NULL,
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  printf ("  GetSecrets of %zu items: %.3f s\n", g_variant_n_children (unlocked),
          seconds_since (start));
}

int
main (int argc, char **argv)
{
  guint total = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(WalletVault) vault = wallet_vault_new (keyring, NULL);
  g_autoptr(WalletVault) second = NULL;
  g_autoptr(WalletStore) store = wallet_store_new (vault);
  g_autoptr(WalletStore) shown = NULL;
  g_autoptr(TwSecret) passcode = wt_secret (PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Filler filler = { store, 0, total, 0, 0 };
  gint64 start, unlocked;

  tw_crypto_init ();
  wallet_keyring_set_collection (keyring, "session");
  if (g_getenv ("BENCH_TIMEOUT_MS") != NULL)
    wallet_keyring_set_timeout (keyring, atoi (g_getenv ("BENCH_TIMEOUT_MS")));
  wallet_vault_setup_async (vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (vault, wt_wait (&result), &error))
    g_error ("setup: %s", error->message);
  g_clear_object (&result);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < IN_FLIGHT; i++)
    fill_one (&filler);
  while (filler.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  printf ("stored %u credentials (%u failed) in %.1f s\n", total, filler.failed,
          seconds_since (start));

  /* As the app does it: a fresh vault, the passcode, then the store. */
  second = wallet_vault_new (keyring, NULL);
  shown = wallet_store_new (second);
  start = g_get_monotonic_time ();
  wallet_vault_unlock_async (second, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_unlock_finish (second, wt_wait (&result), &error))
    g_error ("unlock: %s", error->message);
  g_clear_object (&result);
  unlocked = g_get_monotonic_time ();
  if (g_getenv ("BENCH_SPLIT") != NULL)
    {
      g_autoptr(GAsyncResult) all = NULL;
      g_autoptr(GPtrArray) items = NULL;

      wallet_keyring_load_all_async (keyring, WALLET_ITEM_CREDENTIAL, NULL, wt_result_cb, &all);
      items = wallet_keyring_load_all_finish (keyring, wt_wait (&all), &error);
      printf ("of which reading %u items from the keyring took %.3f s\n", items->len,
              seconds_since (unlocked));
      time_raw_calls ();
      unlocked = g_get_monotonic_time ();
    }
  wallet_store_load_async (shown, NULL, wt_result_cb, &result);
  if (!wallet_store_load_finish (shown, wt_wait (&result), &error))
    g_error ("load: %s", error->message);

  printf ("unlock (scrypt N=2^17) took %.3f s\n", (unlocked - start) / (double) G_USEC_PER_SEC);
  printf ("loading %u credentials after unlock took %.3f s\n",
          g_list_model_get_n_items (G_LIST_MODEL (shown)), seconds_since (unlocked));

  /* One more save, as when people add an item to a full wallet. */
  filler.store = shown;
  filler.total++;
  start = g_get_monotonic_time ();
  fill_one (&filler);
  while (filler.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  printf ("one more save took %.3f s\n", seconds_since (start));
  return g_list_model_get_n_items (G_LIST_MODEL (shown)) == total + 1 ? 0 : 1;
}
