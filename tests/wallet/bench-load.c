/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static WalletCredential *
make_credential (guint number)
{
  WalletCredential *credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(TwSecret) secret = wt_secret ("a password of some length, as people use them");
  g_autofree char *title = g_strdup_printf ("Account %05u", number);

  wallet_credential_set_title (credential, title);
  wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, "someone@example.org");
  wallet_credential_set_field (credential, WALLET_FIELD_URL, "https://example.org/login");
  wallet_credential_set_secret (credential, WALLET_FIELD_SECRET, secret);
  return credential;
}

static void
fill_one (Filler *filler)
{
  g_autoptr(WalletCredential) credential = NULL;

  if (filler->next >= filler->total)
    return;
  credential = make_credential (filler->next++);
  filler->pending++;
  wallet_store_save_async (filler->store, credential, NULL, on_filled, filler);
}

/*
 * Filling through WalletStore costs the daemon a search of all items per
 * write (libsecret replaces by attributes, and we read back), so filling
 * 10,000 takes many minutes on a busy machine. By default the benchmark
 * writes the same items straight with CreateItem (no replace, no read
 * back), in the format WalletKeyring writes ("tw1\n<id>\n<type>\n" and
 * the sealed storage form). BENCH_FILL=store fills through WalletStore.
 */
typedef struct {
  GDBusConnection *bus;
  char            *session;
  guint            pending;
  guint            failed;
} RawFiller;

static void
on_raw_created (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RawFiller *filler = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                            result, NULL);

  if (reply == NULL)
    filler->failed++;
  filler->pending--;
}

static void
raw_create (RawFiller        *filler,
            WalletVault      *vault,
            WalletCredential *credential)
{
  const char *id = wallet_credential_get_id (credential);
  g_autofree char *context = g_strconcat ("credential:", id, NULL);
  g_autoptr(TwSecret) plaintext = wallet_credential_serialize (credential);
  g_autoptr(GBytes) sealed = wallet_vault_seal (vault, context, plaintext, NULL);
  g_autofree char *header = g_strdup_printf ("tw1\n%s\npassword\n", id);
  g_autoptr(GByteArray) value = g_byte_array_new ();
  GVariantBuilder properties, attributes;

  g_byte_array_append (value, (const guint8 *) header, strlen (header));
  g_byte_array_append (value, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", WALLET_SCHEMA_CREDENTIAL);
  g_variant_builder_add (&attributes, "{ss}", "id", id);
  g_variant_builder_add (&attributes, "{ss}", "type", "password");
  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&properties, "{sv}", "org.freedesktop.Secret.Item.Label",
                         g_variant_new_string ("Tigress Wallet bench item"));
  g_variant_builder_add (&properties, "{sv}", "org.freedesktop.Secret.Item.Attributes",
                         g_variant_builder_end (&attributes));
  filler->pending++;
  g_dbus_connection_call (filler->bus, "org.freedesktop.secrets",
                          "/org/freedesktop/secrets/collection/session",
                          "org.freedesktop.Secret.Collection", "CreateItem",
                          g_variant_new ("(@a{sv}(o@ay@ays)b)",
                                         g_variant_builder_end (&properties), filler->session,
                                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                    NULL, 0, 1),
                                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                    value->data, value->len, 1),
                                         "application/octet-stream", FALSE),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_raw_created, filler);
}

static guint
fill_raw (WalletVault *vault,
          guint        total)
{
  RawFiller filler = { g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL), NULL, 0, 0 };
  g_autoptr(GVariant) session = NULL;

  session = g_dbus_connection_call_sync (filler.bus, "org.freedesktop.secrets",
                                         "/org/freedesktop/secrets",
                                         "org.freedesktop.Secret.Service", "OpenSession",
                                         g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_variant_get (session, "(vo)", NULL, &filler.session);
  for (guint i = 0; i < total; i++)
    {
      g_autoptr(WalletCredential) credential = make_credential (i);

      raw_create (&filler, vault, credential);
      while (filler.pending >= IN_FLIGHT)
        g_main_context_iteration (NULL, TRUE);
    }
  while (filler.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_free (filler.session);
  g_object_unref (filler.bus);
  return filler.failed;
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
                                       G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, NULL);
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
                                         G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, NULL);
  printf ("  GetSecrets of %zu items in one call: %.3f s\n", g_variant_n_children (unlocked),
          seconds_since (start));

  start = g_get_monotonic_time ();
  for (gsize first = 0; first < g_variant_n_children (unlocked); first += 256)
    {
      GVariantBuilder chunk;
      g_autoptr(GVariant) part = NULL;

      g_variant_builder_init (&chunk, G_VARIANT_TYPE_OBJECT_PATH_ARRAY);
      for (gsize i = first; i < first + 256 && i < g_variant_n_children (unlocked); i++)
        g_variant_builder_add_value (&chunk, g_variant_get_child_value (unlocked, i));
      part = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                          "/org/freedesktop/secrets",
                                          "org.freedesktop.Secret.Service", "GetSecrets",
                                          g_variant_new ("(aoo)", &chunk, session_path), NULL,
                                          G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, NULL);
    }
  printf ("  GetSecrets of the same in calls of 256: %.3f s\n", seconds_since (start));
}

/* Fills the wallet through WalletStore (BENCH_FILL=store) or with raw
 * CreateItem calls, and says how long it took. */
static void
fill_wallet (Filler      *filler,
             WalletVault *vault)
{
  gint64 start = g_get_monotonic_time ();

  if (g_strcmp0 (g_getenv ("BENCH_FILL"), "store") == 0)
    {
      for (guint i = 0; i < IN_FLIGHT; i++)
        fill_one (filler);
      while (filler->pending > 0)
        g_main_context_iteration (NULL, TRUE);
    }
  else
    {
      filler->failed = fill_raw (vault, filler->total);
      filler->next = filler->total;
    }
  printf ("stored %u credentials (%u failed) in %.1f s\n", filler->total, filler->failed,
          seconds_since (start));
}

/* BENCH_SPLIT: the keyring's own share of a load, read in one batch. */
static void
time_batch_read (WalletKeyring *keyring)
{
  g_autoptr(GAsyncResult) all = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  wallet_keyring_load_all_async (keyring, WALLET_ITEM_CREDENTIAL, NULL, wt_result_cb, &all);
  items = wallet_keyring_load_all_finish (keyring, wt_wait (&all), &error);
  if (items == NULL)
    g_error ("reading the keyring: %s", error->message);
  printf ("reading %u items from the keyring in one batch took %.3f s\n", items->len,
          seconds_since (start));
  time_raw_calls ();
}

static void
load_store (WalletStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_load_async (store, NULL, wt_result_cb, &result);
  if (!wallet_store_load_finish (store, wt_wait (&result), &error))
    g_error ("load: %s", error->message);
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

  /* Line by line, so a run cut short still shows what it measured. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  tw_crypto_init ();
  wallet_keyring_set_collection (keyring, "session");
  if (g_getenv ("BENCH_TIMEOUT_MS") != NULL)
    wallet_keyring_set_timeout (keyring, atoi (g_getenv ("BENCH_TIMEOUT_MS")));
  wallet_vault_setup_async (vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (vault, wt_wait (&result), &error))
    g_error ("setup: %s", error->message);
  g_clear_object (&result);

  fill_wallet (&filler, vault);

  /* As the app does it: a fresh vault, the passcode, then the store. The
   * first load finds no index: it reads every item and writes the index. */
  second = wallet_vault_new (keyring, NULL);
  shown = wallet_store_new (second);
  start = g_get_monotonic_time ();
  wallet_vault_unlock_async (second, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_unlock_finish (second, wt_wait (&result), &error))
    g_error ("unlock: %s", error->message);
  g_clear_object (&result);
  unlocked = g_get_monotonic_time ();
  printf ("unlock (scrypt N=2^17) took %.3f s\n", (unlocked - start) / (double) G_USEC_PER_SEC);
  if (g_getenv ("BENCH_SPLIT") != NULL)
    {
      time_batch_read (keyring);
      unlocked = g_get_monotonic_time ();
    }
  load_store (shown);
  printf ("first load, without an index, of %u credentials took %.3f s\n",
          g_list_model_get_n_items (G_LIST_MODEL (shown)), seconds_since (unlocked));

  /* Let its index write land, then start again as the app would. The
   * first store goes first: the secure heap holds one wallet's secrets. */
  wt_sleep (2000);
  g_clear_object (&shown);
  shown = wallet_store_new (second);
  start = g_get_monotonic_time ();
  load_store (shown);
  printf ("loading %u credentials from the index took %.3f s\n",
          g_list_model_get_n_items (G_LIST_MODEL (shown)), seconds_since (start));
  while (!wallet_store_is_synchronised (shown))
    g_main_context_iteration (NULL, TRUE);
  printf ("checked against every item in the background after %.3f s\n",
          seconds_since (start));

  /* One more save, as when people add an item to a full wallet. */
  filler.store = shown;
  filler.total++;
  start = g_get_monotonic_time ();
  fill_one (&filler);
  while (filler.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  printf ("one more save (item and index) took %.3f s\n", seconds_since (start));
  return g_list_model_get_n_items (G_LIST_MODEL (shown)) == total + 1 ? 0 : 1;
}
