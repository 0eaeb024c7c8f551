/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The app's keyring watch hears items that another writer changes in
 * place (Item.SetSecret, which gnome-keyring does not announce), and not
 * the in-place writes of the app's own keyring, against a real
 * gnome-keyring-daemon on the test's private bus. The other writer is a
 * second WalletKeyring (the watch tells writers apart, not processes), or
 * this program run again as another process on the same bus.
 */
#include "config.h"

#include "tigress-keyring-watch.h"
#include "wallet-keyring-signal.h"
#include "wallet-ledger.h"

#include "gui-test-util.h"

#define WAIT_MS 20000

typedef struct {
  WalletKeyring       *own;     /* the app's keyring, as the watch knows it */
  WalletKeyring       *other;   /* another writer of the same wallet */
  TigressKeyringWatch *watch;
  guint                changes; /* TigressKeyringChange flags heard so far */
  guint                n_changed;
  GDBusConnection     *bus;
  guint                created_subscription;
  guint                n_created;  /* the keyring's own ItemCreated signals */
  guint                write_subscription;
  guint                n_written;  /* our in-place write signals, from anyone */
} Fixture;

static void
on_changed (TigressKeyringWatch *watch,
            guint                change,
            Fixture             *fixture)
{
  fixture->changes |= change;
  fixture->n_changed++;
}

static void
count_signal (GDBusConnection *connection,
              const char      *sender,
              const char      *path,
              const char      *interface,
              const char      *member,
              GVariant        *parameters,
              gpointer         user_data)
{
  guint *count = user_data;

  /* Nothing but the item's path travels. */
  g_assert_true (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(o)")));
  (*count)++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->own = wallet_keyring_new ();
  fixture->other = wallet_keyring_new ();
  fixture->watch = tigress_keyring_watch_new (fixture->own);
  g_signal_connect (fixture->watch, "changed", G_CALLBACK (on_changed), fixture);

  fixture->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fixture->created_subscription =
    g_dbus_connection_signal_subscribe (fixture->bus, "org.freedesktop.secrets",
                                        "org.freedesktop.Secret.Collection", "ItemCreated",
                                        NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, count_signal,
                                        &fixture->n_created, NULL);
  fixture->write_subscription =
    g_dbus_connection_signal_subscribe (fixture->bus, NULL, WALLET_KEYRING_SIGNAL_INTERFACE,
                                        WALLET_KEYRING_SIGNAL_MEMBER, WALLET_KEYRING_SIGNAL_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE, count_signal,
                                        &fixture->n_written, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_dbus_connection_signal_unsubscribe (fixture->bus, fixture->created_subscription);
  g_dbus_connection_signal_unsubscribe (fixture->bus, fixture->write_subscription);
  g_clear_object (&fixture->bus);
  g_clear_object (&fixture->watch);
  g_clear_object (&fixture->other);
  g_clear_object (&fixture->own);
}

static void
store (WalletKeyring  *keyring,
       WalletItemKind  kind,
       const char     *id,
       const char     *type,
       const char     *payload)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_keyring_store_async (keyring, kind, id, type, "Tigress Wallet test item", bytes, NULL,
                              tigress_test_keep_result, &result);
  g_assert_true (wallet_keyring_store_finish (keyring, tigress_test_wait_result (&result),
                                              &error));
  g_assert_no_error (error);
}

/* Reading an item teaches @keyring its path, so its next write of the
 * item goes in place. */
static void
load (WalletKeyring  *keyring,
      WalletItemKind  kind,
      const char     *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  wallet_keyring_load_async (keyring, kind, id, NULL, tigress_test_keep_result, &result);
  bytes = wallet_keyring_load_finish (keyring, tigress_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
}

static gboolean
heard_change (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->n_changed > 0;
}

/* Lets the signals of earlier writes arrive and the quiet timer run out,
 * then forgets what was heard. */
static void
settle (Fixture *fixture)
{
  tigress_test_run_for (2 * TIGRESS_KEYRING_WATCH_QUIET_MS + 500);
  fixture->changes = 0;
  fixture->n_changed = 0;
  fixture->n_created = 0;
  fixture->n_written = 0;
}

/* @writer writes @kind's item @id, then changes it in place, which only
 * our signal announces; what the watch made of it is the caller's to
 * check. */
static void
change_in_place (Fixture        *fixture,
                 WalletKeyring  *writer,
                 WalletItemKind  kind,
                 const char     *id,
                 const char     *type)
{
  store (writer, kind, id, type, "first version");
  settle (fixture);

  store (writer, kind, id, type, "second version");
  /* In place: the keyring said nothing, our signal went out once. */
  tigress_test_run_for (TIGRESS_KEYRING_WATCH_QUIET_MS);
  g_assert_cmpuint (fixture->n_created, ==, 0);
  g_assert_cmpuint (fixture->n_written, ==, 1);
}

static void
test_credential_changed_elsewhere_is_heard (Fixture       *fixture,
                                            gconstpointer  data)
{
  change_in_place (fixture, fixture->other, WALLET_ITEM_CREDENTIAL, "watch-credential-1",
                   "password");
  g_assert_true (tigress_test_wait_until (heard_change, fixture, WAIT_MS));
  g_assert_cmpuint (fixture->changes, ==, TIGRESS_KEYRING_CHANGE_CREDENTIALS);
}

static void
test_ledger_changed_elsewhere_is_heard (Fixture       *fixture,
                                        gconstpointer  data)
{
  change_in_place (fixture, fixture->other, WALLET_ITEM_SHARE, WALLET_LEDGER_ITEM_ID,
                   WALLET_LEDGER_ITEM_TYPE);
  g_assert_true (tigress_test_wait_until (heard_change, fixture, WAIT_MS));
  g_assert_cmpuint (fixture->changes, ==, TIGRESS_KEYRING_CHANGE_SHARES);
}

/* The app updates itself after its own writes: no reload for them. */
static void
test_own_change_is_not_heard (Fixture       *fixture,
                              gconstpointer  data)
{
  change_in_place (fixture, fixture->own, WALLET_ITEM_CREDENTIAL, "watch-credential-2",
                   "password");
  tigress_test_run_for (2 * TIGRESS_KEYRING_WATCH_QUIET_MS + 1000);
  g_assert_cmpuint (fixture->n_changed, ==, 0);

  /* The other writer's change of that same item, in place too, is still
   * news. */
  load (fixture->other, WALLET_ITEM_CREDENTIAL, "watch-credential-2");
  settle (fixture);
  store (fixture->other, WALLET_ITEM_CREDENTIAL, "watch-credential-2", "password",
         "third version");
  g_assert_true (tigress_test_wait_until (heard_change, fixture, WAIT_MS));
  g_assert_cmpuint (fixture->changes, ==, TIGRESS_KEYRING_CHANGE_CREDENTIALS);
  g_assert_cmpuint (fixture->n_created, ==, 0);
}

/* Run as "--change-in-place ID": another process learns where the
 * credential item ID is, replaces its secret in place and exits. */
static int
change_in_place_and_exit (const char *id)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();

  load (keyring, WALLET_ITEM_CREDENTIAL, id);
  store (keyring, WALLET_ITEM_CREDENTIAL, id, "password", "changed by another process");
  return 0;
}

static void
test_credential_changed_by_another_process_is_heard (Fixture       *fixture,
                                                     gconstpointer  data)
{
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GSubprocess) writer = NULL;
  g_autoptr(GAsyncResult) exited = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (self_path);
  store (fixture->own, WALLET_ITEM_CREDENTIAL, "watch-credential-3", "password",
         "first version");
  settle (fixture);

  writer = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--change-in-place",
                             "watch-credential-3", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (writer, NULL, tigress_test_keep_result, &exited);
  g_assert_true (g_subprocess_wait_check_finish (writer, tigress_test_wait_result (&exited),
                                                 &error));
  g_assert_no_error (error);

  g_assert_true (tigress_test_wait_until (heard_change, fixture, WAIT_MS));
  g_assert_cmpuint (fixture->changes, ==, TIGRESS_KEYRING_CHANGE_CREDENTIALS);
  g_assert_cmpuint (fixture->n_created, ==, 0);
  g_assert_cmpuint (fixture->n_written, ==, 1);
}

/* Items the watch ignores stay ignored when changed in place: the index,
 * which a reload may rewrite, must not start another reload. */
static void
test_index_changed_elsewhere_is_ignored (Fixture       *fixture,
                                         gconstpointer  data)
{
  change_in_place (fixture, fixture->other, WALLET_ITEM_INDEX, "watch-index", "index");
  tigress_test_run_for (2 * TIGRESS_KEYRING_WATCH_QUIET_MS + 1000);
  g_assert_cmpuint (fixture->n_changed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--change-in-place"))
    return change_in_place_and_exit (argv[2]);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/gui/keyring-watch/credential-changed-in-place-elsewhere-is-heard", Fixture,
              NULL, fixture_set_up, test_credential_changed_elsewhere_is_heard,
              fixture_tear_down);
  g_test_add ("/gui/keyring-watch/ledger-changed-in-place-elsewhere-is-heard", Fixture, NULL,
              fixture_set_up, test_ledger_changed_elsewhere_is_heard, fixture_tear_down);
  g_test_add ("/gui/keyring-watch/credential-changed-in-place-by-another-process-is-heard",
              Fixture, NULL, fixture_set_up, test_credential_changed_by_another_process_is_heard,
              fixture_tear_down);
  g_test_add ("/gui/keyring-watch/own-change-in-place-is-not-heard", Fixture, NULL,
              fixture_set_up, test_own_change_is_not_heard, fixture_tear_down);
  g_test_add ("/gui/keyring-watch/index-changed-in-place-elsewhere-is-ignored", Fixture, NULL,
              fixture_set_up, test_index_changed_elsewhere_is_ignored, fixture_tear_down);
  return g_test_run ();
}
