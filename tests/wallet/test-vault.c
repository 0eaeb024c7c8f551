/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-crypto.h"
#include "tw-json-strict.h"
#include "wallet.h"
#include "wallet-test-util.h"

#define FIRST_PASSCODE  "first passcode"
#define SECOND_PASSCODE "second passcode"

static WalletKeyring *keyring;
static WalletVault *vault;
static GBytes *sealed_before_change;

static gboolean
run_passcode_op (WalletVault *target,
                 const char  *op,
                 const char  *passcode,
                 const char  *new_passcode,
                 GError     **error)
{
  g_autoptr(TwSecret) secret = wt_secret (passcode);
  g_autoptr(TwSecret) new_secret = new_passcode != NULL ? wt_secret (new_passcode) : NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (g_str_equal (op, "setup"))
    {
      wallet_vault_setup_async (target, secret, NULL, wt_result_cb, &result);
      return wallet_vault_setup_finish (target, wt_wait (&result), error);
    }
  if (g_str_equal (op, "unlock"))
    {
      wallet_vault_unlock_async (target, secret, NULL, wt_result_cb, &result);
      return wallet_vault_unlock_finish (target, wt_wait (&result), error);
    }
  wallet_vault_change_passcode_async (target, secret, new_secret, NULL, wt_result_cb, &result);
  return wallet_vault_change_passcode_finish (target, wt_wait (&result), error);
}

static void
load (WalletVault *target)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_vault_load_async (target, NULL, wt_result_cb, &result);
  g_assert_true (wallet_vault_load_finish (target, wt_wait (&result), &error));
  g_assert_no_error (error);
}

static void
count_signal (WalletVault *target,
              gpointer     user_data)
{
  (*(guint *) user_data)++;
}

static void
test_setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(JsonObject) wrapped = NULL;
  gint64 n = 0, r = 0, p = 0;
  guint unlocked = 0;

  load (vault);
  g_assert_cmpint (wallet_vault_get_state (vault), ==, WALLET_VAULT_STATE_NO_PASSCODE);
  g_assert_false (run_passcode_op (vault, "setup", "short", NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WEAK_PASSCODE);
  g_clear_error (&error);
  /* QA F6: spaces alone are no passcode. */
  g_assert_false (run_passcode_op (vault, "setup", "      ", NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WEAK_PASSCODE);
  g_clear_error (&error);
  g_assert_false (run_passcode_op (vault, "setup", "a b c d e", NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WEAK_PASSCODE);
  g_clear_error (&error);

  g_signal_connect (vault, "unlocked", G_CALLBACK (count_signal), &unlocked);
  g_assert_true (run_passcode_op (vault, "setup", FIRST_PASSCODE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wallet_vault_get_state (vault), ==, WALLET_VAULT_STATE_UNLOCKED);
  g_assert_cmpuint (unlocked, ==, 1);

  /* The wrapped key tells how it was made. */
  wallet_keyring_load_async (keyring, WALLET_ITEM_VAULT, WALLET_VAULT_ID_DATA_KEY, NULL,
                             wt_result_cb, &result);
  stored = wallet_keyring_load_finish (keyring, wt_wait (&result), &error);
  g_assert_no_error (error);
  wrapped = tw_json_strict_parse_object (g_bytes_get_data (stored, NULL),
                                         g_bytes_get_size (stored), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tw_json_get_string (wrapped, "kdf", NULL), ==, "scrypt");
  g_assert_true (tw_json_get_int (wrapped, "n", 0, G_MAXINT64, &n, NULL));
  g_assert_true (tw_json_get_int (wrapped, "r", 0, G_MAXINT64, &r, NULL));
  g_assert_true (tw_json_get_int (wrapped, "p", 0, G_MAXINT64, &p, NULL));
  g_assert_cmpint (n, ==, 131072);
  g_assert_cmpint (r, ==, 8);
  g_assert_cmpint (p, ==, 1);
  g_assert_cmpuint (strlen (tw_json_get_string (wrapped, "salt", NULL)), ==, 24);
  g_assert_false (wt_bytes_contain (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored),
                                    FIRST_PASSCODE));

  g_assert_false (run_passcode_op (vault, "setup", SECOND_PASSCODE, NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_ALREADY_SET_UP);
}

static void
test_seal_is_bound_to_context (void)
{
  g_autoptr(TwSecret) plaintext = wt_secret ("a secret worth keeping");
  g_autoptr(TwSecret) opened = NULL;
  g_autoptr(GBytes) tampered = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *bytes;
  gsize size;

  sealed_before_change = wallet_vault_seal (vault, "credential:one", plaintext, &error);
  g_assert_no_error (error);
  opened = wallet_vault_open (vault, "credential:one", sealed_before_change, &error);
  g_assert_no_error (error);
  g_assert_true (tw_secret_equal (opened, plaintext));

  g_assert_null (wallet_vault_open (vault, "credential:two", sealed_before_change, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_DAMAGED);
  g_clear_error (&error);

  bytes = g_bytes_unref_to_data (g_bytes_ref (sealed_before_change), &size);
  bytes[size / 2] ^= 0x01;
  tampered = g_bytes_new_take (bytes, size);
  g_assert_null (wallet_vault_open (vault, "credential:one", tampered, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_DAMAGED);
}

static void
test_lock (void)
{
  g_autoptr(TwSecret) plaintext = wt_secret ("x");
  g_autoptr(GError) error = NULL;
  guint locked = 0;

  g_signal_connect (vault, "locked", G_CALLBACK (count_signal), &locked);
  wallet_vault_lock (vault);
  g_assert_cmpuint (locked, ==, 1);
  g_assert_cmpint (wallet_vault_get_state (vault), ==, WALLET_VAULT_STATE_LOCKED);
  g_assert_null (wallet_vault_seal (vault, "credential:one", plaintext, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED);
  g_signal_handlers_disconnect_by_data (vault, &locked);
}

static void
test_wrong_passcode_waits_longer_and_survives_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletVault) restarted = NULL;

  /* An empty passcode (a stray Enter) is refused, and is not a try: no
   * count, no wait (QA H12). */
  g_assert_false (run_passcode_op (vault, "unlock", "", NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_NOTHING_TYPED);
  g_clear_error (&error);
  g_assert_cmpuint (wallet_vault_get_failed_attempts (vault), ==, 0);
  g_assert_cmpuint (wallet_vault_get_retry_wait_seconds (vault), ==, 0);

  g_assert_false (run_passcode_op (vault, "unlock", "not the passcode", NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE);
  g_clear_error (&error);
  g_assert_cmpuint (wallet_vault_get_failed_attempts (vault), ==, 1);
  g_assert_cmpuint (wallet_vault_get_retry_wait_seconds (vault), >=, 1);

  /* Even the right passcode is not tried while the delay runs. */
  g_assert_false (run_passcode_op (vault, "unlock", FIRST_PASSCODE, NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_THROTTLED);
  g_clear_error (&error);

  /* A restart of the app does not reset the count. */
  restarted = wallet_vault_new (keyring, NULL);
  load (restarted);
  g_assert_cmpuint (wallet_vault_get_failed_attempts (restarted), ==, 1);
  g_assert_cmpuint (wallet_vault_get_retry_wait_seconds (restarted), >=, 1);

  wt_sleep (1100);
  g_assert_false (run_passcode_op (restarted, "unlock", "still not it", NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE);
  g_clear_error (&error);
  g_assert_cmpuint (wallet_vault_get_failed_attempts (restarted), ==, 2);
  g_assert_cmpuint (wallet_vault_get_retry_wait_seconds (restarted), ==, 2);

  wt_sleep (2100);
  g_assert_true (run_passcode_op (restarted, "unlock", FIRST_PASSCODE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wallet_vault_get_failed_attempts (restarted), ==, 0);
  g_assert_true (wallet_vault_is_unlocked (restarted));
}

/* QA F13: three vaults of the same wallet (as three processes) check the
 * right passcode at nearly the same time, each starting while the one
 * before is inside scrypt. A try is counted only once found wrong, so
 * none of them is turned away as "too many wrong passcodes". */
static void
test_right_passcodes_at_once (void)
{
  g_autoptr(TwSecret) passcode = wt_secret (FIRST_PASSCODE);
  WalletVault *vaults[3];
  GAsyncResult *results[3] = { NULL, NULL, NULL };
  g_autoptr(WalletVault) afterwards = wallet_vault_new (keyring, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (vaults); i++)
    {
      vaults[i] = wallet_vault_new (keyring, NULL);
      load (vaults[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (vaults); i++)
    {
      if (i > 0)
        wt_sleep (100);
      wallet_vault_unlock_async (vaults[i], passcode, NULL, wt_result_cb, &results[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (vaults); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = wt_wait (&results[i]);

      g_assert_true (wallet_vault_unlock_finish (vaults[i], result, &error));
      g_assert_no_error (error);
      g_object_unref (vaults[i]);
    }
  load (afterwards);
  g_assert_cmpuint (wallet_vault_get_failed_attempts (afterwards), ==, 0);
}

static void
test_change_passcode (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) opened = NULL;
  g_autoptr(WalletVault) fresh = wallet_vault_new (keyring, NULL);

  g_assert_false (run_passcode_op (vault, "change", FIRST_PASSCODE, "tiny", &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WEAK_PASSCODE);
  g_clear_error (&error);
  g_assert_true (run_passcode_op (vault, "change", FIRST_PASSCODE, SECOND_PASSCODE, &error));
  g_assert_no_error (error);

  load (fresh);
  g_assert_false (run_passcode_op (fresh, "unlock", FIRST_PASSCODE, NULL, &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE);
  g_clear_error (&error);
  wt_sleep (1100);
  g_assert_true (run_passcode_op (fresh, "unlock", SECOND_PASSCODE, NULL, &error));
  g_assert_no_error (error);

  /* Same data key: what was sealed before the change still opens. */
  opened = wallet_vault_open (fresh, "credential:one", sealed_before_change, &error);
  g_assert_no_error (error);
  g_assert_nonnull (opened);
}

static void
test_auto_lock (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = wallet_settings_new ();
  g_autoptr(WalletVault) timed = wallet_vault_new (keyring, settings);

  g_settings_set_uint (settings, "auto-lock-minutes", 2);
  g_assert_cmpuint (wallet_vault_get_auto_lock_seconds (timed), ==, 120);

  g_assert_true (run_passcode_op (timed, "unlock", SECOND_PASSCODE, NULL, &error));
  g_assert_no_error (error);
  wallet_vault_set_auto_lock_seconds (timed, 1);
  wt_sleep (600);
  wallet_vault_touch (timed);
  wt_sleep (600);
  g_assert_true (wallet_vault_is_unlocked (timed));
  wt_sleep (1600);
  g_assert_false (wallet_vault_is_unlocked (timed));
  g_assert_cmpint (wallet_vault_get_state (timed), ==, WALLET_VAULT_STATE_LOCKED);
}

int
main (int argc, char **argv)
{
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  keyring = wallet_keyring_new ();
  vault = wallet_vault_new (keyring, NULL);

  /* The steps build on each other, so they are named in order. */
  g_test_add_func ("/wallet/vault/1-setup/stores-scrypt-parameters", test_setup);
  g_test_add_func ("/wallet/vault/2-seal/is-bound-to-its-context", test_seal_is_bound_to_context);
  g_test_add_func ("/wallet/vault/3-lock/wipes-and-refuses-to-seal", test_lock);
  g_test_add_func ("/wallet/vault/4-unlock/wrong-passcode-waits-longer-across-restarts",
                   test_wrong_passcode_waits_longer_and_survives_restart);
  g_test_add_func ("/wallet/vault/4b-unlock/right-passcodes-at-once-are-not-counted",
                   test_right_passcodes_at_once);
  g_test_add_func ("/wallet/vault/5-change/new-passcode-same-data-key", test_change_passcode);
  g_test_add_func ("/wallet/vault/6-auto-lock/after-idle-time", test_auto_lock);

  status = g_test_run ();
  g_clear_pointer (&sealed_before_change, g_bytes_unref);
  g_clear_object (&vault);
  g_clear_object (&keyring);
  return status;
}
