/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-test-util.h"

/*
 * Every keyring failure the wallet must survive, against a real
 * gnome-keyring-daemon that this test starts, stops and kills by its pid on
 * a private bus. The steps build on each other and are named in order.
 */

static WalletKeyring *keyring;
static WtDaemon *daemon_under_test;

static gboolean
store (const char  *id,
       const char  *content,
       GError     **error)
{
  g_autoptr(GBytes) secret = g_bytes_new (content, strlen (content));
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_store_async (keyring, WALLET_ITEM_CREDENTIAL, id, "password",
                              "Tigress Wallet test item", secret, NULL, wt_result_cb, &result);
  return wallet_keyring_store_finish (keyring, wt_wait (&result), error);
}

static GBytes *
load (const char  *id,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_load_async (keyring, WALLET_ITEM_CREDENTIAL, id, NULL, wt_result_cb, &result);
  return wallet_keyring_load_finish (keyring, wt_wait (&result), error);
}

static gboolean
remove_item (const char  *id,
             GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_delete_async (keyring, WALLET_ITEM_CREDENTIAL, id, NULL, wt_result_cb, &result);
  return wallet_keyring_delete_finish (keyring, wt_wait (&result), error);
}

static void
assert_item (const char *id,
             const char *content)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = load (id, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (secret, NULL), g_bytes_get_size (secret),
                   content, strlen (content));
}

static void
assert_plain_message (const GError *error)
{
  /* Said in words for people, not as a D-Bus error name. */
  g_assert_nonnull (error);
  g_assert_cmpuint (strlen (error->message), >, 20);
  g_assert_null (strstr (error->message, "org.freedesktop"));
  g_test_message ("told people: %s", error->message);
}

static void
test_no_bus (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_assert_false (store ("item-a", "first", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_BUS);
  assert_plain_message (error);
}

static void
test_no_service (void)
{
  g_autoptr(GError) error = NULL;

  daemon_under_test = wt_daemon_new_bus ();
  g_assert_false (store ("item-a", "first", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_SERVICE);
  assert_plain_message (error);
}

static void
test_no_default_collection (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *empty_home = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "empty-data",
                                                  NULL);

  /* Without --unlock the daemon has no "login" collection at all. */
  g_assert_cmpint (g_mkdir_with_parents (empty_home, 0700), ==, 0);
  wt_daemon_start (daemon_under_test, FALSE, empty_home);
  g_assert_false (store ("item-a", "first", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_COLLECTION);
  assert_plain_message (error);
  wt_daemon_kill (daemon_under_test);
}

static void
test_daemon_killed_and_back (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) nothing = NULL;

  wt_daemon_start (daemon_under_test, TRUE, NULL);
  store ("item-a", "first", &error);
  g_assert_no_error (error);

  wt_daemon_kill (daemon_under_test);
  g_assert_false (store ("item-b", "second", &error));
  g_assert_true (g_error_matches (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_SERVICE) ||
                 g_error_matches (error, WALLET_KEYRING_ERROR,
                                  WALLET_KEYRING_ERROR_DISCONNECTED));
  assert_plain_message (error);
  g_clear_error (&error);
  nothing = load ("item-a", &error);
  g_assert_null (nothing);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Back again: the same WalletKeyring reconnects, and nothing was lost. */
  wt_daemon_start (daemon_under_test, TRUE, NULL);
  assert_item ("item-a", "first");
  g_assert_true (store ("item-b", "second", &error));
  g_assert_no_error (error);
  assert_item ("item-b", "second");
}

static void
lock_login_collection (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *collections[] = { "/org/freedesktop/secrets/collection/login" };

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(@ao)",
                                                      g_variant_new_objv (collections, 1)),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  g_assert_no_error (error);
}

static void
test_locked_collection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) nothing = NULL;

  /* The wallet asks the daemon to unlock, which prompts for the keyring
   * password; on this private bus no prompter can show, so the prompt
   * ends dismissed, as when people press Cancel. */
  lock_login_collection ();
  nothing = load ("item-a", &error);
  g_assert_null (nothing);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  assert_plain_message (error);
  g_clear_error (&error);

  /* Writing into it: the same unlock prompt, refused: never done, and a
   * refused replace leaves the old item as it was. */
  g_assert_false (store ("item-c", "third", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  assert_plain_message (error);
  g_clear_error (&error);
  g_assert_false (store ("item-a", "a replacement that must not land", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  /* Deleting from it: the item is there but out of reach, so the delete
   * fails and says so (QA F16: it used to report success). */
  g_assert_false (remove_item ("item-a", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  assert_plain_message (error);

  /* A restarted daemon given the password unlocks it again. */
  wt_daemon_kill (daemon_under_test);
  wt_daemon_start (daemon_under_test, TRUE, NULL);
  assert_item ("item-a", "first");
  g_clear_error (&error);
  nothing = load ("item-c", &error);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NOT_FOUND);
}

/* QA F9: the daemon died and a fresh one came up without the login
 * password, so the collection that holds the items is locked. Reading an
 * item must say "locked", never "not found": the vault would take a
 * missing data key for a wallet without a passcode. */
static void
test_restarted_locked_daemon (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) nothing = NULL;

  wt_daemon_kill (daemon_under_test);
  wt_daemon_start (daemon_under_test, FALSE, NULL);
  nothing = load ("item-a", &error);
  g_assert_null (nothing);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (remove_item ("item-a", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);

  wt_daemon_kill (daemon_under_test);
  wt_daemon_start (daemon_under_test, TRUE, NULL);
  assert_item ("item-a", "first");
}

static void
test_hung_daemon_times_out (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) nothing = NULL;
  gint64 started;

  wallet_keyring_set_timeout (keyring, 1000);
  wt_daemon_signal (daemon_under_test, SIGSTOP);

  started = g_get_monotonic_time ();
  g_assert_false (store ("item-a", "replaced while hung", &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_TIMEOUT);
  assert_plain_message (error);
  g_clear_error (&error);
  nothing = load ("item-b", &error);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 4 * G_USEC_PER_SEC);

  wt_daemon_signal (daemon_under_test, SIGCONT);
  wallet_keyring_set_timeout (keyring, WALLET_KEYRING_DEFAULT_TIMEOUT_MS);
  /* Nothing lost: the second item is intact; the first holds either its
   * old content or the write the daemon got before it stopped. */
  assert_item ("item-b", "second");
  g_clear_error (&error);
  g_assert_true (store ("item-a", "first", &error));
  g_assert_no_error (error);
  assert_item ("item-a", "first");
}

typedef struct {
  guint pending;
  guint failed;
} Batch;

static void
on_batch_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Batch *batch = user_data;

  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, NULL))
    batch->failed++;
  batch->pending--;
}

static void
test_batch_read_of_many_items (void)
{
  const guint count = 600;   /* more than one GetSecrets chunk */
  Batch batch = { 0, 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  /* In memory, so filling is quick. */
  wallet_keyring_set_collection (keyring, "session");
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *id = g_strdup_printf ("many-%04u", i);
      g_autofree char *content = g_strdup_printf ("content %u", i);
      g_autoptr(GBytes) secret = g_bytes_new (content, strlen (content));

      batch.pending++;
      wallet_keyring_store_async (keyring, WALLET_ITEM_SHARE, id, NULL, "Tigress Wallet test",
                                  secret, NULL, on_batch_stored, &batch);
      while (batch.pending >= 16)
        g_main_context_iteration (NULL, TRUE);
    }
  while (batch.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (batch.failed, ==, 0);

  wallet_keyring_load_all_async (keyring, WALLET_ITEM_SHARE, NULL, wt_result_cb, &result);
  items = wallet_keyring_load_all_finish (keyring, wt_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, count);
  for (guint i = 0; i < items->len; i++)
    {
      WalletKeyringItem *item = items->pdata[i];
      guint number = (guint) g_ascii_strtoull (item->id + strlen ("many-"), NULL, 10);
      g_autofree char *expected = g_strdup_printf ("content %u", number);

      g_assert_true (g_str_has_prefix (item->id, "many-"));
      g_assert_false (g_hash_table_contains (seen, item->id));
      g_hash_table_add (seen, item->id);
      g_assert_cmpmem (g_bytes_get_data (item->secret, NULL), g_bytes_get_size (item->secret),
                       expected, strlen (expected));
    }
  wallet_keyring_set_collection (keyring, "default");
}

static void
test_error_mapping_for_sandbox (void)
{
  g_autoptr(GError) unknown = g_dbus_error_new_for_dbus_error (
    "org.freedesktop.DBus.Error.ServiceUnknown", "The name org.freedesktop.secrets was not "
    "provided by any .service files");
  g_autoptr(GError) native = wallet_keyring_error_from_raw (unknown, FALSE);
  g_autoptr(GError) sandboxed = wallet_keyring_error_from_raw (unknown, TRUE);
  g_autoptr(GError) portal = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                  "No such interface “org.freedesktop.portal."
                                                  "Secret” on object at path "
                                                  "/org/freedesktop/portal/desktop");
  g_autoptr(GError) mapped_portal = wallet_keyring_error_from_raw (portal, TRUE);

  g_assert_error (native, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_SERVICE);
  g_assert_error (sandboxed, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_PORTAL);
  g_assert_error (mapped_portal, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NO_PORTAL);
  assert_plain_message (sandboxed);
}

int
main (int argc, char **argv)
{
  int status;

  /* Before any thread starts: no session bus yet, as on a bare CI box. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);
  keyring = wallet_keyring_new ();

  g_test_add_func ("/wallet/keyring/failure/1-no-bus", test_no_bus);
  g_test_add_func ("/wallet/keyring/failure/2-no-secret-service", test_no_service);
  g_test_add_func ("/wallet/keyring/failure/3-no-default-collection", test_no_default_collection);
  g_test_add_func ("/wallet/keyring/failure/4-daemon-killed-then-back-nothing-lost",
                   test_daemon_killed_and_back);
  g_test_add_func ("/wallet/keyring/failure/5-locked-collection-unlock-refused",
                   test_locked_collection);
  g_test_add_func ("/wallet/keyring/failure/5b-daemon-restarted-locked-reads-as-locked",
                   test_restarted_locked_daemon);
  g_test_add_func ("/wallet/keyring/failure/6-hung-daemon-times-out-nothing-lost",
                   test_hung_daemon_times_out);
  g_test_add_func ("/wallet/keyring/failure/7-flatpak-without-portal",
                   test_error_mapping_for_sandbox);
  g_test_add_func ("/wallet/keyring/failure/8-then-many-items-read-back-in-chunks",
                   test_batch_read_of_many_items);

  status = g_test_run ();
  g_clear_object (&keyring);
  if (daemon_under_test != NULL)
    wt_daemon_free (daemon_under_test);
  return status;
}
