/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-test-util.h"

/*
 * Re-authentication before a share. Runs inside tests/polkit-mock-run, so
 * the system bus is a private one with python3-dbusmock's polkitd on it.
 */

#define PASSCODE "auth test passcode"

static WalletKeyring *keyring;
static WalletVault *vault;
static WalletAuth *auth;

static WalletAuthProof *
with_passcode (WalletAuthPurpose   purpose,
               const char         *passcode,
               GError            **error)
{
  g_autoptr(TwSecret) secret = wt_secret (passcode);
  g_autoptr(GAsyncResult) result = NULL;

  wallet_auth_with_passcode_async (auth, purpose, secret, NULL, wt_result_cb, &result);
  return wallet_auth_with_passcode_finish (auth, wt_wait (&result), error);
}

static WalletAuthProof *
with_system (WalletAuthPurpose   purpose,
             GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_auth_with_system_async (auth, purpose, NULL, wt_result_cb, &result);
  return wallet_auth_with_system_finish (auth, wt_wait (&result), error);
}

static void
test_share_cannot_start_without_proof (void)
{
  g_autoptr(GError) error = NULL;

  /* The gate the share manager calls before its first relay call. */
  g_assert_false (wallet_auth_proof_consume (NULL, WALLET_AUTH_PURPOSE_SEND, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_NO_PROOF);
  g_clear_error (&error);
  g_assert_false (wallet_auth_proof_check (NULL, WALLET_AUTH_PURPOSE_ACCEPT, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_NO_PROOF);
}

static void
test_passcode_proof_is_single_use_and_bound (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = with_passcode (WALLET_AUTH_PURPOSE_SEND, PASSCODE, &error);

  g_assert_no_error (error);
  g_assert_cmpint (wallet_auth_proof_get_method (proof), ==, WALLET_AUTH_METHOD_PASSCODE);
  g_assert_false (wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_ACCEPT, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_WRONG_PURPOSE);
  g_clear_error (&error);
  g_assert_true (wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_SEND, &error));
  g_assert_no_error (error);
  g_assert_false (wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_SEND, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_USED);
}

static void
test_wrong_passcode_gives_no_proof (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = with_passcode (WALLET_AUTH_PURPOSE_SEND, "wrong passcode",
                                                    &error);

  g_assert_null (proof);
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_WRONG_PASSCODE);
  /* Let the delay after the wrong try run out. */
  wt_sleep (1100);
}

static void
test_proof_expires (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;

  wallet_auth_set_proof_lifetime (auth, 1);
  proof = with_passcode (WALLET_AUTH_PURPOSE_ACCEPT, PASSCODE, &error);
  g_assert_no_error (error);
  g_assert_true (wallet_auth_proof_check (proof, WALLET_AUTH_PURPOSE_ACCEPT, NULL));
  wt_sleep (1200);
  g_assert_false (wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_ACCEPT, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_EXPIRED);
  wallet_auth_set_proof_lifetime (auth, WALLET_AUTH_PROOF_LIFETIME_SECONDS);
}

static void
set_polkit_allowed (const char *action_id)
{
  g_autoptr(GDBusConnection) system_bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *actions[] = { action_id };

  reply = g_dbus_connection_call_sync (system_bus, "org.freedesktop.PolicyKit1",
                                       "/org/freedesktop/PolicyKit1/Authority",
                                       "org.freedesktop.DBus.Mock", "SetAllowed",
                                       g_variant_new ("(@as)",
                                                      g_variant_new_strv (actions,
                                                                          action_id ? 1 : 0)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static void
test_system_auth_through_polkit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletAuthProof) denied = NULL;
  g_autoptr(WalletAuthProof) locked = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;

  if (!HAVE_POLKIT)
    {
      g_test_skip ("built without polkit");
      return;
    }
  g_assert_nonnull (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"));
  g_assert_true (wallet_auth_can_use_system (auth));

  denied = with_system (WALLET_AUTH_PURPOSE_SEND, &error);
  g_assert_null (denied);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_DENIED);
  g_clear_error (&error);

  set_polkit_allowed (WALLET_AUTH_POLKIT_ACTION);
  proof = with_system (WALLET_AUTH_PURPOSE_SEND, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_auth_proof_get_method (proof), ==, WALLET_AUTH_METHOD_SYSTEM);
  g_assert_true (wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_SEND, &error));

  /* System authentication stands in for the passcode only while the
   * wallet is unlocked. */
  wallet_vault_lock (vault);
  g_assert_false (wallet_auth_can_use_system (auth));
  locked = with_system (WALLET_AUTH_PURPOSE_SEND, &error);
  g_assert_null (locked);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_LOCKED);
  set_polkit_allowed (NULL);
}

int
main (int argc, char **argv)
{
  g_autoptr(TwSecret) passcode = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  keyring = wallet_keyring_new ();
  vault = wallet_vault_new (keyring, NULL);
  auth = wallet_auth_new (vault);
  passcode = wt_secret (PASSCODE);
  wallet_vault_setup_async (vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (vault, wt_wait (&result), &error))
    g_error ("Could not set up the test wallet: %s", error->message);

  g_test_add_func ("/wallet/auth/gate/share-cannot-start-without-proof",
                   test_share_cannot_start_without_proof);
  g_test_add_func ("/wallet/auth/passcode/proof-is-single-use-and-bound-to-purpose",
                   test_passcode_proof_is_single_use_and_bound);
  g_test_add_func ("/wallet/auth/passcode/wrong-passcode-gives-no-proof",
                   test_wrong_passcode_gives_no_proof);
  g_test_add_func ("/wallet/auth/passcode/proof-expires", test_proof_expires);
  g_test_add_func ("/wallet/auth/system/polkit-decides-while-unlocked",
                   test_system_auth_through_polkit);

  status = g_test_run ();
  g_clear_object (&auth);
  g_clear_object (&vault);
  g_clear_object (&keyring);
  return status;
}
