/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <stdio.h>
#include <string.h>

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-keyring-migrate.h"
#include "wallet-keyring-portal.h"
#include "wallet-test-util.h"

/*
 * The keyring's portal backend, for real: xdg-desktop-portal 1.16 with
 * gnome-keyring's Secret portal backend, on the test's private bus.
 *
 * Group 1 runs inside tests/wallet/flatpak-sandbox-run: a bubblewrap mount
 * namespace with a made-up /.flatpak-info, which is how the portal tells a
 * Flatpak app from a host program. There the portal hands over the app's
 * master secret and libsecret keeps its file in the app's data folder,
 * exactly as in Flatpak. Not exercised: a filtered bus (the sandbox could
 * still reach org.freedesktop.secrets here), the GNOME runtime's newer
 * libsecret, and a flatpak-builder build.
 *
 * Group 2 runs as a host program: the Secret Service stays the default
 * there, and the portal backend says plainly that it serves Flatpak only
 * (libsecret 0.20.5 asks the portal only when it sees /.flatpak-info, even
 * though the portal itself answers host programs too).
 *
 * Each phase that must not share libsecret's in-process state (its file
 * backend reads the file once per process) runs in a subprocess of its own.
 */

#define PASSCODE          "portal passcode 42"
#define TITLE_MARKER      "portal-title-plaintext-marker"
#define SECRET_MARKER     "portal-secret-plaintext-marker"
#define SHARE_MARKER      "portal-share-plaintext-marker"
#define SHARE_ID          "portal-share-1"
#define SHARE_CONTEXT     "share:" SHARE_ID
#define ITEM_ID           "portal-item-1"
#define ITEM_TYPE         "password"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static gboolean
store_item (WalletKeyring  *keyring,
            WalletItemKind  kind,
            const char     *id,
            const char     *type,
            GBytes         *bytes,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_store_async (keyring, kind, id, type, "Tigress Wallet test item", bytes,
                              cancellable, wt_result_cb, &result);
  return wallet_keyring_store_finish (keyring, wt_wait (&result), error);
}

static gboolean
delete_item (WalletKeyring  *keyring,
             WalletItemKind  kind,
             const char     *id,
             GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_delete_async (keyring, kind, id, NULL, wt_result_cb, &result);
  return wallet_keyring_delete_finish (keyring, wt_wait (&result), error);
}

static char *
keyring_file_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "keyrings", "default.keyring", NULL);
}

/* Items of @schema_name in the Secret Service itself (gnome-keyring). */
static guint
count_service_items (const char *schema_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  GList *items;
  guint n;

  g_assert_no_error (error);
  g_hash_table_insert (attributes, (gpointer) "xdg:schema", (gpointer) schema_name);
  items = secret_service_search_sync (service, NULL, attributes, SECRET_SEARCH_ALL, NULL,
                                      &error);
  g_assert_no_error (error);
  n = g_list_length (items);
  g_list_free_full (items, g_object_unref);
  return n;
}

static void
assert_store_fails_with (WalletKeyringError  code,
                         const char         *message_part)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("sealed bytes", 12);
  g_autoptr(GError) error = NULL;

  g_assert_false (store_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, ITEM_TYPE, bytes, NULL,
                              &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, (int) code);
  g_assert_nonnull (strstr (error->message, message_part));
}

/* Runs the current test again in a new process, which calls @phase. */
static void
run_phase (void (*phase) (void))
{
  if (g_test_subprocess ())
    {
      phase ();
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

#if PORTAL_TEST_GROUP == 1

static GBytes *
load_item (WalletKeyring  *keyring,
           WalletItemKind  kind,
           const char     *id,
           GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_load_async (keyring, kind, id, NULL, wt_result_cb, &result);
  return wallet_keyring_load_finish (keyring, wt_wait (&result), error);
}

static GPtrArray *
load_all_items (WalletKeyring  *keyring,
                WalletItemKind  kind,
                GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_keyring_load_all_async (keyring, kind, NULL, wt_result_cb, &result);
  return wallet_keyring_load_all_finish (keyring, wt_wait (&result), error);
}

static gboolean
file_contains (const char *path,
               const char *marker)
{
  g_autofree char *contents = NULL;
  gsize size = 0;

  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  return wt_bytes_contain (contents, size, marker);
}

/* ------------------------------------------------------------------ */
/* Group 1: inside the made-up sandbox                                 */
/* ------------------------------------------------------------------ */

static void
test_sandbox_round_trip (void)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (SECRET_MARKER, strlen (SECRET_MARKER));
  g_autoptr(GBytes) other = g_bytes_new_static ("another kind", 12);
  g_autoptr(GBytes) loaded = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = keyring_file_path ();
  WalletKeyringItem *item;

  /* The selection point: inside Flatpak the portal backend, untold. */
  g_assert_true (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
  g_assert_null (g_getenv ("TIGRESS_KEYRING"));
  g_assert_cmpint (wallet_keyring_backend_choose (TRUE), ==, WALLET_KEYRING_BACKEND_PORTAL);

  g_assert_true (store_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, ITEM_TYPE, bytes, NULL,
                             &error));
  g_assert_no_error (error);
  loaded = load_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded, bytes));

  items = load_all_items (keyring, WALLET_ITEM_CREDENTIAL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 1);
  item = items->pdata[0];
  g_assert_cmpstr (item->id, ==, ITEM_ID);
  g_assert_cmpstr (item->type, ==, ITEM_TYPE);
  g_assert_true (g_bytes_equal (item->secret, bytes));

  /* One encrypted file in the app's data folder, nothing in the Secret
   * Service: the app never used the keyring's bus name. */
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (file_contains (path, SECRET_MARKER));
  g_assert_false (file_contains (path, ITEM_ID));
  g_assert_false (file_contains (path, "Tigress Wallet test item"));
  g_assert_cmpuint (count_service_items (WALLET_SCHEMA_CREDENTIAL), ==, 0);

  /* Kinds stay apart: an item of another kind with the same id is neither
   * listed with credentials nor deleted with them. */
  g_assert_true (store_item (keyring, WALLET_ITEM_CONTACT, ITEM_ID, NULL, other, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&items, g_ptr_array_unref);
  items = load_all_items (keyring, WALLET_ITEM_CREDENTIAL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 1);

  g_assert_true (delete_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, &error));
  g_assert_no_error (error);
  g_clear_pointer (&loaded, g_bytes_unref);
  loaded = load_item (keyring, WALLET_ITEM_CONTACT, ITEM_ID, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded, other));
  g_clear_pointer (&loaded, g_bytes_unref);
  loaded = load_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, &error);
  g_assert_null (loaded);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A repeated delete is harmless. */
  g_assert_true (delete_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, &error));
  g_assert_no_error (error);
  g_assert_true (delete_item (keyring, WALLET_ITEM_CONTACT, ITEM_ID, &error));
  g_assert_no_error (error);
}

typedef struct {
  WalletKeyring *keyring;
  WalletVault   *vault;
  WalletStore   *store;
} Wallet;

static void
wallet_close (Wallet *wallet)
{
  g_clear_object (&wallet->store);
  g_clear_object (&wallet->vault);
  g_clear_object (&wallet->keyring);
}

static void
wallet_open (Wallet *wallet)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean loaded;

  wallet->keyring = wallet_keyring_new ();
  wallet->vault = wallet_vault_new (wallet->keyring, NULL);
  wallet->store = wallet_store_new (wallet->vault);
  wallet_vault_load_async (wallet->vault, NULL, wt_result_cb, &result);
  loaded = wallet_vault_load_finish (wallet->vault, wt_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_true (loaded);
}

static void
wallet_load_store (Wallet *wallet)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_load_async (wallet->store, NULL, wt_result_cb, &result);
  g_assert_true (wallet_store_load_finish (wallet->store, wt_wait (&result), &error));
  g_assert_no_error (error);
}

/* First app start: passcode, a credential, a share record. */
static void
phase_first_run (void)
{
  Wallet wallet = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) passcode = wt_secret (PASSCODE);
  g_autoptr(TwSecret) secret = wt_secret (SECRET_MARKER);
  g_autoptr(TwSecret) record = wt_secret (SHARE_MARKER);
  g_autoptr(WalletCredential) credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(GBytes) sealed = NULL;
  gboolean stored;

  wallet_open (&wallet);
  g_assert_cmpint (wallet_vault_get_state (wallet.vault), ==, WALLET_VAULT_STATE_NO_PASSCODE);
  wallet_vault_setup_async (wallet.vault, passcode, NULL, wt_result_cb, &result);
  g_assert_true (wallet_vault_setup_finish (wallet.vault, wt_wait (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  wallet_load_store (&wallet);

  wallet_credential_set_title (credential, TITLE_MARKER);
  wallet_credential_set_secret (credential, WALLET_FIELD_SECRET, secret);
  wallet_store_save_async (wallet.store, credential, NULL, wt_result_cb, &result);
  g_assert_true (wallet_store_save_finish (wallet.store, wt_wait (&result), &error));
  g_assert_no_error (error);

  /* A share record as the share manager keeps one: sealed, then stored. */
  sealed = wallet_vault_seal (wallet.vault, SHARE_CONTEXT, record, &error);
  g_assert_no_error (error);
  stored = store_item (wallet.keyring, WALLET_ITEM_SHARE, SHARE_ID, "outgoing", sealed, NULL,
                       &error);
  g_assert_no_error (error);
  g_assert_true (stored);
  wallet_close (&wallet);
}

/* The next start, in a new process: unlock, read both back. */
static void
phase_second_run (void)
{
  Wallet wallet = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) passcode = wt_secret (PASSCODE);
  g_autoptr(TwSecret) expected_secret = wt_secret (SECRET_MARKER);
  g_autoptr(TwSecret) expected_record = wt_secret (SHARE_MARKER);
  g_autoptr(TwSecret) record = NULL;
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(GPtrArray) shares = NULL;
  TwSecret *secret;

  wallet_open (&wallet);
  g_assert_cmpint (wallet_vault_get_state (wallet.vault), ==, WALLET_VAULT_STATE_LOCKED);
  wallet_vault_unlock_async (wallet.vault, passcode, NULL, wt_result_cb, &result);
  g_assert_true (wallet_vault_unlock_finish (wallet.vault, wt_wait (&result), &error));
  g_assert_no_error (error);
  wallet_load_store (&wallet);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (wallet.store)), ==, 1);
  credential = g_list_model_get_item (G_LIST_MODEL (wallet.store), 0);
  g_assert_cmpstr (wallet_credential_get_title (credential), ==, TITLE_MARKER);
  secret = wallet_credential_get_secret (credential, WALLET_FIELD_SECRET);
  g_assert_nonnull (secret);
  g_assert_true (tw_secret_equal (secret, expected_secret));

  shares = load_all_items (wallet.keyring, WALLET_ITEM_SHARE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shares->len, ==, 1);
  g_assert_cmpstr (((WalletKeyringItem *) shares->pdata[0])->id, ==, SHARE_ID);
  record = wallet_vault_open (wallet.vault, SHARE_CONTEXT,
                              ((WalletKeyringItem *) shares->pdata[0])->secret, &error);
  g_assert_no_error (error);
  g_assert_true (tw_secret_equal (record, expected_record));
  wallet_close (&wallet);
}

static void
test_sandbox_first_run (void)
{
  g_autofree char *path = keyring_file_path ();

  run_phase (phase_first_run);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* Needs the first run's wallet: runs right after it. */
static void
test_sandbox_second_run (void)
{
  g_autofree char *path = keyring_file_path ();

  run_phase (phase_second_run);
  if (g_test_subprocess ())
    return;

  /* Under libsecret's encryption sits ours: no plaintext at all. */
  g_assert_false (file_contains (path, TITLE_MARKER));
  g_assert_false (file_contains (path, SECRET_MARKER));
  g_assert_false (file_contains (path, SHARE_MARKER));
  g_assert_cmpuint (count_service_items (WALLET_SCHEMA_VAULT), ==, 0);
}

/* Runs in a subprocess: the session bus is the bare one, where nothing
 * owns or can start the portal. */
static void
phase_no_portal (void)
{
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", g_getenv ("TW_TEST_BARE_BUS"), TRUE);
  assert_store_fails_with (WALLET_KEYRING_ERROR_NO_PORTAL, "xdg-desktop-portal");
}

static void
test_sandbox_no_portal (void)
{
  run_phase (phase_no_portal);
}

/* Runs in a subprocess: a real xdg-desktop-portal on the bare bus, but
 * with no portal backend installed, so it has no Secret interface (as an
 * old portal or one without gnome-keyring). */
static void
phase_portal_without_backend (void)
{
  g_autofree char *empty = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "no-portals", NULL);
  const char *bare = g_getenv ("TW_TEST_BARE_BUS");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) portal = NULL;
  g_autoptr(GError) error = NULL;
  const char *wait_argv[] = { "gdbus", "wait", "--session", "--timeout", "15",
                              "org.freedesktop.portal.Desktop", NULL };
  int status = -1;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  /* Before the launcher copies the environment. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bare, TRUE);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_DESKTOP_PORTAL_DIR", empty, TRUE);
  portal = g_subprocess_launcher_spawn (launcher, &error, "/usr/libexec/xdg-desktop-portal",
                                        NULL);
  g_assert_no_error (error);
  g_clear_pointer (&error, g_error_free);
  g_bytes_unref (wt_run_command (wait_argv, &status));
  g_assert_cmpint (status, ==, 0);

  assert_store_fails_with (WALLET_KEYRING_ERROR_NO_PORTAL, "xdg-desktop-portal");
  g_subprocess_force_exit (portal);
  g_subprocess_wait (portal, NULL, NULL);
}

static void
test_sandbox_portal_without_backend (void)
{
  run_phase (phase_portal_without_backend);
}

/* Drops every message to the portal's name: a portal that hangs. */
static GDBusMessage *
swallow_incoming (GDBusConnection *connection,
                  GDBusMessage    *message,
                  gboolean         incoming,
                  gpointer         user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (message);
      return NULL;
    }
  return message;
}

static void
cancel_soon (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
}

static void
phase_hung_portal (void)
{
  const char *bare = g_getenv ("TW_TEST_BARE_BUS");
  g_autoptr(GDBusConnection) squatter = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("sealed bytes", 12);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 started;

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bare, TRUE);
  squatter = g_dbus_connection_new_for_address_sync (
    bare, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (squatter, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.portal.Desktop", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (squatter, swallow_incoming, NULL, NULL);

  keyring = wallet_keyring_new ();
  wallet_keyring_set_timeout (keyring, 700);

  /* The caller's cancel ends the call at once... */
  g_timeout_add_once (100, cancel_soon, cancellable);
  started = g_get_monotonic_time ();
  g_assert_false (store_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, ITEM_TYPE, bytes,
                              cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 600 * 1000);
  g_clear_error (&error);

  /* ...and the timeout ends a call nobody cancels. */
  started = g_get_monotonic_time ();
  g_assert_false (store_item (keyring, WALLET_ITEM_CREDENTIAL, ITEM_ID, ITEM_TYPE, bytes, NULL,
                              &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 600 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
}

static void
test_sandbox_hung_portal (void)
{
  run_phase (phase_hung_portal);
}

/* Runs in a subprocess with a data folder whose keyring file is damaged. */
static void
phase_unreadable_file (void)
{
  g_autofree char *data = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "damaged", NULL);
  g_autofree char *folder = g_build_filename (data, "keyrings", NULL);
  g_autofree char *path = g_build_filename (folder, "default.keyring", NULL);
  const char garbage[] = "GnomeKeyring\n\r\0\n this is not a keyring file at all";
  g_autofree char *after = NULL;
  gsize after_size = 0;

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, garbage, sizeof garbage, NULL));

  assert_store_fails_with (WALLET_KEYRING_ERROR_FILE_UNREADABLE, "keyring file");

  /* Nothing was written over it. */
  g_assert_true (g_file_get_contents (path, &after, &after_size, NULL));
  g_assert_cmpmem (after, after_size, garbage, sizeof garbage);
}

static void
test_sandbox_unreadable_file (void)
{
  run_phase (phase_unreadable_file);
}

/* A file made under another key (the login keyring that held the portal's
 * secret was replaced, say), with libsecret's test hook for the key.
 * Found: libsecret 0.20.5 reports no error, it only sees none of the old
 * items, and keeps them in the file as they were. So the wallet looks
 * empty, and a write under the new key loses nothing: with the old key
 * back, the old item reads again. */
static char *
rekeyed_path (const char *name)
{
  return g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "rekeyed", name, NULL);
}

static void
phase_rekeyed (void)
{
  g_autofree char *data = rekeyed_path (NULL);
  g_autofree char *second_done = rekeyed_path ("second-done");
  g_autofree char *file = rekeyed_path ("keyrings/default.keyring");
  g_autoptr(GBytes) first = g_bytes_new_static ("under the first key", 19);
  g_autoptr(GBytes) second = g_bytes_new_static ("under the second key", 20);
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GBytes) loaded = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stored;

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  if (!g_file_test (file, G_FILE_TEST_EXISTS) || g_file_test (second_done, G_FILE_TEST_EXISTS))
    g_setenv ("SECRET_FILE_TEST_PASSWORD", "first key", TRUE);
  else
    g_setenv ("SECRET_FILE_TEST_PASSWORD", "second key", TRUE);
  keyring = wallet_keyring_new ();

  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      stored = store_item (keyring, WALLET_ITEM_CONTACT, "old", NULL, first, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (stored);
    }
  else if (!g_file_test (second_done, G_FILE_TEST_EXISTS))
    {
      items = load_all_items (keyring, WALLET_ITEM_CONTACT, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (items->len, ==, 0);
      stored = store_item (keyring, WALLET_ITEM_CONTACT, "new", NULL, second, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (stored);
      g_assert_true (g_file_set_contents (second_done, "", 0, NULL));
    }
  else
    {
      loaded = load_item (keyring, WALLET_ITEM_CONTACT, "old", &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (loaded, first));
    }
}

static void
test_sandbox_file_of_another_key (void)
{
  if (g_test_subprocess ())
    {
      phase_rekeyed ();
      return;
    }
  for (guint run = 0; run < 3; run++)
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
    }
}

/* Runs in a subprocess, so libsecret has not opened its file yet. Calls
 * made at once (the store writes its index while the vault writes its
 * counter, say) each keep their write: measured without the wallet's
 * queue, six stores at once all reported success and one item was left. */
static void
phase_many_at_once (void)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("at once", 7);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *results[6] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autofree char *id = g_strdup_printf ("many-%u", i);

      wallet_keyring_store_async (keyring, WALLET_ITEM_IDENTITY, id, NULL, "test", bytes, NULL,
                                  wt_result_cb, &results[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      gboolean stored = wallet_keyring_store_finish (keyring, wt_wait (&results[i]), &error);

      g_assert_no_error (error);
      g_assert_true (stored);
      g_clear_object (&results[i]);
    }
  items = load_all_items (keyring, WALLET_ITEM_IDENTITY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, G_N_ELEMENTS (results));
}

static void
test_sandbox_many_at_once (void)
{
  run_phase (phase_many_at_once);
}

/* Runs in a subprocess, so libsecret asks the portal afresh, after the
 * login keyring (where gnome-keyring keeps the app's portal secret) is
 * locked. gnome-keyring wants to prompt, has no display, and the portal
 * answers without a key. Locks the keyring for good: the last test. */
static void
phase_locked_keyring (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char *login = "/org/freedesktop/secrets/collection/login";
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (bus);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(@ao)", g_variant_new_objv (&login, 1)),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  assert_store_fails_with (WALLET_KEYRING_ERROR_PORTAL_REFUSED, "Unlock your keyring");
}

static void
test_sandbox_locked_keyring (void)
{
  run_phase (phase_locked_keyring);
}

/* Runs in a subprocess: another app process writing the same file. */
static void
phase_other_process_writes (void)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("from the other process", 22);
  g_autoptr(GError) error = NULL;
  gboolean stored;

  stored = store_item (keyring, WALLET_ITEM_CONTACT, "contact-b", NULL, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (stored);
}

/* Runs in a subprocess: what a fresh start finds afterwards. */
static void
phase_fresh_start_reads (void)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gboolean seen_a = FALSE, seen_b = FALSE, seen_c = FALSE;

  items = load_all_items (keyring, WALLET_ITEM_CONTACT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    {
      const char *id = ((WalletKeyringItem *) items->pdata[i])->id;

      seen_a |= g_str_equal (id, "contact-a");
      seen_b |= g_str_equal (id, "contact-b");
      seen_c |= g_str_equal (id, "contact-c");
    }
  g_assert_true (seen_a && seen_b && seen_c);
}

static void
test_sandbox_second_process (void)
{
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("from this process", 17);
  g_autoptr(GError) error = NULL;
  gboolean stored;

  g_autofree char *marker = g_build_filename (g_getenv ("TW_TEST_SCRATCH"),
                                               "second-process-wrote", NULL);

  /* Both subprocesses run this test; the marker tells them apart. */
  if (g_test_subprocess ())
    {
      if (g_file_test (marker, G_FILE_TEST_EXISTS))
        phase_fresh_start_reads ();
      else
        phase_other_process_writes ();
      return;
    }
  keyring = wallet_keyring_new ();
  stored = store_item (keyring, WALLET_ITEM_CONTACT, "contact-a", NULL, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (stored);

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  /* libsecret read the file before the other process wrote it: the write
   * reads it again first instead of failing. */
  stored = store_item (keyring, WALLET_ITEM_CONTACT, "contact-c", NULL, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (stored);

  /* Nothing of the other process's was lost, and this write is on disk. */
  g_assert_true (g_file_set_contents (marker, "", 0, NULL));
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* ------------------------------------------------------------------ */
/* Two processes of one app using the file in turn                     */
/* ------------------------------------------------------------------ */

#define PEER_ENV "TW_PORTAL_TEST_PEER"

/* Whether @items (WalletKeyringItem) hold one with @id. */
static gboolean
items_have (GPtrArray  *items,
            const char *id)
{
  for (guint i = 0; i < items->len; i++)
    if (g_str_equal (((WalletKeyringItem *) items->pdata[i])->id, id))
      return TRUE;
  return FALSE;
}

/* The ids of every contact item, comma-separated, each followed by a comma. */
static char *
list_contact_ids (WalletKeyring *keyring)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  GString *ids = g_string_new (NULL);

  items = load_all_items (keyring, WALLET_ITEM_CONTACT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (ids, "%s,", ((WalletKeyringItem *) items->pdata[i])->id);
  return g_string_free (ids, FALSE);
}

/* Stores @count contact items "<prefix>-<n>" all at once; TRUE when every
 * one was stored. */
static gboolean
store_at_once (WalletKeyring *keyring,
               const char    *prefix,
               guint          count)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("stored at once", 14);
  GAsyncResult *slots[16] = { NULL };
  gboolean all_stored = TRUE;

  g_assert_cmpuint (count, <=, G_N_ELEMENTS (slots));
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", prefix, i);

      wallet_keyring_store_async (keyring, WALLET_ITEM_CONTACT, id, NULL,
                                  "Tigress Wallet test item", bytes, NULL, wt_result_cb,
                                  &slots[i]);
    }
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;

      wt_wait (&slots[i]);
      if (!wallet_keyring_store_finish (keyring, slots[i], &error))
        {
          g_printerr ("store %s-%u failed: %s\n", prefix, i, error->message);
          all_stored = FALSE;
        }
      g_object_unref (slots[i]);
    }
  return all_stored;
}

/* Does what one line from the other process asks; the answer is a line. */
static char *
peer_do (WalletKeyring *keyring,
         const char    *verb,
         const char    *argument)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("from the peer process", 21);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  if (g_str_equal (verb, "store"))
    done = store_item (keyring, WALLET_ITEM_CONTACT, argument, NULL, bytes, NULL, &error);
  else if (g_str_equal (verb, "delete"))
    done = delete_item (keyring, WALLET_ITEM_CONTACT, argument, &error);
  else if (g_str_equal (verb, "burst"))
    done = store_at_once (keyring, argument, 4);
  else if (g_str_equal (verb, "list"))
    return list_contact_ids (keyring);
  if (done)
    return g_strdup ("ok");
  return g_strdup_printf ("failed %d", error != NULL ? error->code : -1);
}

/* The second process: one command a line on stdin, one answer a line on
 * stdout behind "peer: " (GTest writes its own lines there too). */
static void
run_peer (void)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  char line[256];

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_auto(GStrv) words = g_strsplit (g_strchomp (line), " ", 2);
      g_autofree char *answer = NULL;

      if (g_str_equal (words[0], "quit"))
        break;
      answer = peer_do (keyring, words[0], words[1] != NULL ? words[1] : "");
      printf ("peer: %s\n", answer);
      fflush (stdout);
    }
}

typedef struct {
  GSubprocess       *process;
  GOutputStream     *commands;
  GDataInputStream  *answers;
} Peer;

static void
peer_start (Peer       *peer,
            const char *test_path)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, PEER_ENV, "1", TRUE);
  peer->process = g_subprocess_launcher_spawn (launcher, &error, "/proc/self/exe", "-p",
                                               test_path, NULL);
  g_assert_no_error (error);
  peer->commands = g_subprocess_get_stdin_pipe (peer->process);
  peer->answers = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
}

static void
peer_send (Peer       *peer,
           const char *command)
{
  g_autofree char *line = g_strconcat (command, "\n", NULL);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (peer->commands, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
}

static char *
peer_answer (Peer *peer)
{
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (peer->answers, NULL, NULL,
                                                                 &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "peer: "))
        return g_strdup (line + strlen ("peer: "));
    }
}

static char *
peer_ask (Peer       *peer,
          const char *command)
{
  peer_send (peer, command);
  return peer_answer (peer);
}

static void
peer_stop (Peer *peer)
{
  g_autoptr(GError) error = NULL;

  peer_send (peer, "quit");
  g_subprocess_wait_check (peer->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&peer->answers);
  g_clear_object (&peer->process);
}

static void
assert_peer_ok (Peer       *peer,
                const char *command)
{
  g_autofree char *answer = peer_ask (peer, command);

  g_assert_cmpstr (answer, ==, "ok");
}

/* Whether the other process lists @id among its contact items. */
static gboolean
peer_sees (Peer       *peer,
           const char *id)
{
  g_autofree char *ids = peer_ask (peer, "list");
  g_autofree char *listed = g_strconcat (",", ids, NULL);
  g_autofree char *wanted = g_strconcat (",", id, ",", NULL);

  return strstr (listed, wanted) != NULL;
}

static gboolean
sees (WalletKeyring *keyring,
      const char    *id)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  items = load_all_items (keyring, WALLET_ITEM_CONTACT, &error);
  g_assert_no_error (error);
  return items_have (items, id);
}

static void
store_contact (WalletKeyring *keyring,
               const char    *id)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("from the first process", 22);
  g_autoptr(GError) error = NULL;
  gboolean stored;

  stored = store_item (keyring, WALLET_ITEM_CONTACT, id, NULL, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (stored);
}

/* Runs in a subprocess with a data folder of its own: the file is damaged
 * by someone else after this process read it. Reading it again fails,
 * and that failure, not "changed", is what people are told. */
static void
phase_damaged_after_read (void)
{
  g_autofree char *data = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "damaged-later",
                                            NULL);
  g_autofree char *path = g_build_filename (data, "keyrings", "default.keyring", NULL);
  g_autofree char *swap = g_strconcat (path, ".new", NULL);
  const char garbage[] = "GnomeKeyring\n\r\0\n damaged by another program";
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autofree char *after = NULL;
  gsize after_size = 0;

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  keyring = wallet_keyring_new ();
  store_contact (keyring, "damaged-later-1");

  /* Written beside it and renamed over it, as a program writing it would. */
  g_assert_true (g_file_set_contents (swap, garbage, sizeof garbage, NULL));
  g_assert_cmpint (g_rename (swap, path), ==, 0);
  assert_store_fails_with (WALLET_KEYRING_ERROR_FILE_UNREADABLE, "keyring file");

  g_assert_true (g_file_get_contents (path, &after, &after_size, NULL));
  g_assert_cmpmem (after, after_size, garbage, sizeof garbage);
}

static void
test_sandbox_damaged_after_read (void)
{
  run_phase (phase_damaged_after_read);
}

/* In the peer process: plays the peer and returns NULL. Otherwise stores
 * @first_id, starts the peer and checks that it sees that item. */
static WalletKeyring *
keyring_with_peer (Peer       *peer,
                   const char *first_id)
{
  g_autoptr(WalletKeyring) keyring = NULL;

  if (g_getenv (PEER_ENV) != NULL)
    {
      run_peer ();
      return NULL;
    }
  keyring = wallet_keyring_new ();
  store_contact (keyring, first_id);
  peer_start (peer, g_test_get_path ());
  g_assert_true (peer_sees (peer, first_id));
  return g_steal_pointer (&keyring);
}

/* Each process writes right after the other did: each reads the file
 * again under the lock and sees the other's items, stores and deletes. */
static void
test_sandbox_two_processes_alternate (void)
{
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(GError) error = NULL;
  Peer peer = { NULL };

  keyring = keyring_with_peer (&peer, "alt-a-0");
  if (keyring == NULL)
    return;

  /* Both have read the file; now each writes over the other's write. */
  store_contact (keyring, "alt-a-1");
  assert_peer_ok (&peer, "store alt-b-1");
  g_assert_true (peer_sees (&peer, "alt-a-1"));
  store_contact (keyring, "alt-a-2");
  g_assert_true (sees (keyring, "alt-b-1"));
  assert_peer_ok (&peer, "store alt-b-2");
  assert_peer_ok (&peer, "delete alt-a-0");
  g_assert_true (sees (keyring, "alt-b-2"));
  g_assert_false (sees (keyring, "alt-a-0"));
  g_assert_true (delete_item (keyring, WALLET_ITEM_CONTACT, "alt-b-1", &error));
  g_assert_no_error (error);
  g_assert_false (peer_sees (&peer, "alt-b-1"));
  g_assert_true (peer_sees (&peer, "alt-a-2"));
  peer_stop (&peer);
}

/* Both processes store four items at the same moment: the lock lets one
 * write at a time and every item of both is kept. */
static void
test_sandbox_two_processes_at_once (void)
{
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  Peer peer = { NULL };

  keyring = keyring_with_peer (&peer, "burst-start");
  if (keyring == NULL)
    return;

  peer_send (&peer, "burst burst-b");
  g_assert_true (store_at_once (keyring, "burst-a", 4));
  answer = peer_answer (&peer);
  g_assert_cmpstr (answer, ==, "ok");

  items = load_all_items (keyring, WALLET_ITEM_CONTACT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *mine = g_strdup_printf ("burst-a-%u", i);
      g_autofree char *theirs = g_strdup_printf ("burst-b-%u", i);

      g_assert_true (items_have (items, mine));
      g_assert_true (items_have (items, theirs));
      g_assert_true (peer_sees (&peer, mine));
    }
  peer_stop (&peer);
}

/* ------------------------------------------------------------------ */
/* Copying between the backends                                        */
/* ------------------------------------------------------------------ */

static void
store_bytes (WalletKeyring  *keyring,
             WalletItemKind  kind,
             const char     *id,
             const char     *type,
             const char     *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  gboolean stored;

  stored = store_item (keyring, kind, id, type, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (stored);
}

static void
assert_holds (WalletKeyring  *keyring,
              WalletItemKind  kind,
              const char     *id,
              const char     *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = load_item (keyring, kind, id, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), text,
                   strlen (text));
}

static WalletKeyringMigrateCounts
migrate_into (WalletKeyring *target,
              WalletKeyring *source)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletKeyringMigrateCounts counts = { 0 };
  gboolean migrated;

  wallet_keyring_migrate_async (target, source, NULL, wt_result_cb, &result);
  migrated = wallet_keyring_migrate_finish (target, wt_wait (&result), &counts, &error);
  g_assert_no_error (error);
  g_assert_true (migrated);
  return counts;
}

/* Runs in a subprocess with a keyring file of its own; the Secret
 * Service's items it makes are removed at the end. */
static void
phase_migrate_edges (void)
{
  g_autofree char *data = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), "migrate-edges", NULL);
  g_autoptr(WalletKeyring) service = NULL;
  g_autoptr(WalletKeyring) portal = NULL;
  g_autoptr(GBytes) index = NULL;
  g_autoptr(GError) error = NULL;
  WalletKeyringMigrateCounts counts;

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  service = wallet_keyring_new_for_backend (WALLET_KEYRING_BACKEND_SERVICE);
  portal = wallet_keyring_new_for_backend (WALLET_KEYRING_BACKEND_PORTAL);
  g_assert_cmpint (wallet_keyring_get_backend (portal), ==, WALLET_KEYRING_BACKEND_PORTAL);
  store_bytes (service, WALLET_ITEM_VAULT, "data-key", NULL, "one wrapped key");
  store_bytes (portal, WALLET_ITEM_VAULT, "data-key", NULL, "one wrapped key");
  store_bytes (service, WALLET_ITEM_CONTACT, "edge-contact", NULL, "the service's copy");
  store_bytes (portal, WALLET_ITEM_CONTACT, "edge-contact", NULL, "the portal's copy");
  store_bytes (service, WALLET_ITEM_CREDENTIAL, "edge-credential", "password", "sealed");
  store_bytes (portal, WALLET_ITEM_INDEX, "credentials", NULL, "an index without it");

  counts = migrate_into (portal, service);
  g_assert_cmpuint (counts.copied, ==, 1);
  g_assert_cmpuint (counts.already_there, ==, 1);
  g_assert_cmpuint (counts.kept, ==, 1);
  assert_holds (portal, WALLET_ITEM_CREDENTIAL, "edge-credential", "sealed");
  assert_holds (portal, WALLET_ITEM_CONTACT, "edge-contact", "the portal's copy");
  /* The index no longer lists every credential: gone, to be rebuilt. */
  index = load_item (portal, WALLET_ITEM_INDEX, "credentials", &error);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_NOT_FOUND);
  g_assert_null (index);
  /* The source is as it was. */
  assert_holds (service, WALLET_ITEM_CONTACT, "edge-contact", "the service's copy");
  assert_holds (service, WALLET_ITEM_CREDENTIAL, "edge-credential", "sealed");

  counts = migrate_into (portal, service);
  g_assert_cmpuint (counts.copied, ==, 0);
  g_assert_cmpuint (counts.already_there, ==, 2);
  g_assert_cmpuint (counts.kept, ==, 1);

  g_assert_true (delete_item (service, WALLET_ITEM_VAULT, "data-key", NULL));
  g_assert_true (delete_item (service, WALLET_ITEM_CONTACT, "edge-contact", NULL));
  g_assert_true (delete_item (service, WALLET_ITEM_CREDENTIAL, "edge-credential", NULL));
}

static void
test_sandbox_migrate_edges (void)
{
  run_phase (phase_migrate_edges);
}

#else

/* ------------------------------------------------------------------ */
/* Group 2: a host program                                             */
/* ------------------------------------------------------------------ */

static void
test_host_service_by_default (void)
{
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("sealed bytes", 12);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = keyring_file_path ();

  g_assert_false (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
  g_assert_cmpint (wallet_keyring_backend_choose (FALSE), ==, WALLET_KEYRING_BACKEND_SERVICE);
  g_assert_true (store_item (keyring, WALLET_ITEM_CONTACT, ITEM_ID, NULL, bytes, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_service_items (WALLET_SCHEMA_CONTACT), ==, 1);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (delete_item (keyring, WALLET_ITEM_CONTACT, ITEM_ID, &error));
  g_assert_no_error (error);
}

static void
phase_choose (void)
{
  g_setenv ("TIGRESS_KEYRING", "portal", TRUE);
  g_assert_cmpint (wallet_keyring_backend_choose (FALSE), ==, WALLET_KEYRING_BACKEND_PORTAL);
  g_setenv ("TIGRESS_KEYRING", "service", TRUE);
  g_assert_cmpint (wallet_keyring_backend_choose (TRUE), ==, WALLET_KEYRING_BACKEND_SERVICE);
  g_unsetenv ("TIGRESS_KEYRING");
  g_assert_cmpint (wallet_keyring_backend_choose (TRUE), ==, WALLET_KEYRING_BACKEND_PORTAL);
  g_assert_cmpint (wallet_keyring_backend_choose (FALSE), ==, WALLET_KEYRING_BACKEND_SERVICE);
}

static void
test_host_choose (void)
{
  run_phase (phase_choose);
}

/* What we found: xdg-desktop-portal 1.16 with gnome-keyring does hand a
 * host program (app id "") a secret, but libsecret 0.20.5 asks the portal
 * only when /.flatpak-info (or SNAP_NAME) says it is sandboxed; outside it
 * fails with "master password is not retrievable". The wallet says so
 * plainly instead. */
static void
phase_file_backend_on_host (void)
{
  g_setenv ("TIGRESS_KEYRING", "portal", TRUE);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  assert_store_fails_with (WALLET_KEYRING_ERROR_NO_PORTAL, "only inside Flatpak");
}

static void
test_host_file_backend (void)
{
  run_phase (phase_file_backend_on_host);
}

static void
phase_portal_needs_file_backend (void)
{
  g_setenv ("TIGRESS_KEYRING", "portal", TRUE);
  g_unsetenv ("SECRET_BACKEND");
  assert_store_fails_with (WALLET_KEYRING_ERROR_NO_PORTAL, "only inside Flatpak");
}

static void
test_host_portal_needs_file_backend (void)
{
  run_phase (phase_portal_needs_file_backend);
}

static void
test_error_mapping (void)
{
  struct {
    GQuark      domain;
    int         code;
    const char *message;
    int         expected;
  } cases[] = {
    { G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN, "The name is not activatable",
      WALLET_KEYRING_ERROR_NO_PORTAL },
    { G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
      "No such interface “org.freedesktop.portal.Secret”", WALLET_KEYRING_ERROR_NO_PORTAL },
    { G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "master password is not retrievable",
      WALLET_KEYRING_ERROR_NO_PORTAL },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, "user interaction cancelled",
      WALLET_KEYRING_ERROR_PORTAL_REFUSED },
    { G_IO_ERROR, G_IO_ERROR_FAILED, "user interaction failed",
      WALLET_KEYRING_ERROR_PORTAL_REFUSED },
    { SECRET_ERROR, SECRET_ERROR_PROTOCOL, "invalid password returned from portal",
      WALLET_KEYRING_ERROR_PORTAL_REFUSED },
    { SECRET_ERROR, SECRET_ERROR_INVALID_FILE_FORMAT, "bad file",
      WALLET_KEYRING_ERROR_FILE_UNREADABLE },
    { G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "Permission denied",
      WALLET_KEYRING_ERROR_FILE_UNREADABLE },
    { G_IO_ERROR, G_IO_ERROR_WRONG_ETAG, "The file was externally modified",
      WALLET_KEYRING_ERROR_FILE_CHANGED },
    { G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Timeout was reached", WALLET_KEYRING_ERROR_TIMEOUT },
    { G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot autolaunch D-Bus without X11 $DISPLAY",
      WALLET_KEYRING_ERROR_NO_BUS },
    { G_IO_ERROR, G_IO_ERROR_FAILED, "something else", WALLET_KEYRING_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) raw = g_error_new_literal (cases[i].domain, cases[i].code,
                                                   cases[i].message);
      g_autoptr(GError) mapped = wallet_keyring_portal_error_from_raw (raw);

      g_assert_error (mapped, WALLET_KEYRING_ERROR, cases[i].expected);
      /* A message for people, never libsecret's own words. */
      g_assert_null (strstr (mapped->message, cases[i].message));
    }
}

#endif

int
main (int argc, char **argv)
{
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

#if PORTAL_TEST_GROUP == 1
  g_test_add_func ("/wallet/keyring-portal/sandbox/chosen-untold-and-round-trips",
                   test_sandbox_round_trip);
  g_test_add_func ("/wallet/keyring-portal/sandbox/full-cycle/1-passcode-credential-share",
                   test_sandbox_first_run);
  g_test_add_func ("/wallet/keyring-portal/sandbox/full-cycle/2-restart-unlock-read",
                   test_sandbox_second_run);
  g_test_add_func ("/wallet/keyring-portal/sandbox/two-processes/write-in-turn-and-see-each-other",
                   test_sandbox_two_processes_alternate);
  g_test_add_func ("/wallet/keyring-portal/sandbox/two-processes/write-at-once-and-keep-all",
                   test_sandbox_two_processes_at_once);
  g_test_add_func ("/wallet/keyring-portal/sandbox/two-processes/damaged-by-another-is-clear",
                   test_sandbox_damaged_after_read);
  g_test_add_func ("/wallet/keyring-portal/sandbox/migrate/keeps-what-differs-drops-old-index",
                   test_sandbox_migrate_edges);
  /* A suite of its own, registered last, so it runs after every other. */
  g_test_add_func ("/wallet/keyring-portal/sandbox/zz-keyring-locked/portal-refusal-is-clear",
                   test_sandbox_locked_keyring);
  g_test_add_func ("/wallet/keyring-portal/sandbox/no-portal-is-a-clear-message",
                   test_sandbox_no_portal);
  g_test_add_func ("/wallet/keyring-portal/sandbox/portal-without-secret-backend-is-clear",
                   test_sandbox_portal_without_backend);
  g_test_add_func ("/wallet/keyring-portal/sandbox/hung-portal-is-cancelled-and-timed-out",
                   test_sandbox_hung_portal);
  g_test_add_func ("/wallet/keyring-portal/sandbox/damaged-file-is-a-clear-message-and-kept",
                   test_sandbox_unreadable_file);
  g_test_add_func ("/wallet/keyring-portal/sandbox/file-of-another-key-looks-empty-and-keeps-all",
                   test_sandbox_file_of_another_key);
  g_test_add_func ("/wallet/keyring-portal/sandbox/second-process-wrote-is-read-again-and-kept",
                   test_sandbox_second_process);
  g_test_add_func ("/wallet/keyring-portal/sandbox/calls-at-once-all-kept",
                   test_sandbox_many_at_once);
#else
  g_test_add_func ("/wallet/keyring-portal/host/secret-service-by-default",
                   test_host_service_by_default);
  g_test_add_func ("/wallet/keyring-portal/host/variable-chooses-the-backend", test_host_choose);
  g_test_add_func ("/wallet/keyring-portal/host/file-backend-outside-flatpak-is-a-clear-message",
                   test_host_file_backend);
  g_test_add_func ("/wallet/keyring-portal/host/portal-outside-flatpak-is-a-clear-message",
                   test_host_portal_needs_file_backend);
  g_test_add_func ("/wallet/keyring-portal/errors/mapped-to-messages-for-people",
                   test_error_mapping);
#endif

  return g_test_run ();
}
