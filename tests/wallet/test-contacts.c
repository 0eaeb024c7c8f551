/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-test-util.h"

static WalletKeyring *keyring;
static WalletVault *vault;

static WalletContacts *
load_contacts (void)
{
  WalletContacts *contacts = wallet_contacts_new (vault);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_contacts_load_async (contacts, NULL, wt_result_cb, &result);
  g_assert_true (wallet_contacts_load_finish (contacts, wt_wait (&result), &error));
  g_assert_no_error (error);
  return contacts;
}

static WalletContact *
pin (WalletContacts *contacts,
     const char     *name,
     const guint8   *key,
     GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_contacts_pin_async (contacts, name, key, NULL, wt_result_cb, &result);
  return wallet_contacts_pin_finish (contacts, wt_wait (&result), error);
}

static void
test_fingerprint_shape (void)
{
  guint8 key[TW_ED25519_PUBLIC_SIZE] = { 1, 2, 3 };
  guint8 other[TW_ED25519_PUBLIC_SIZE] = { 1, 2, 4 };
  g_autofree char *fingerprint = wallet_fingerprint_for_key (key);
  g_autofree char *again = wallet_fingerprint_for_key (key);
  g_autofree char *different = wallet_fingerprint_for_key (other);
  g_auto(GStrv) groups = g_strsplit (fingerprint, " ", -1);

  g_assert_cmpuint (strlen (fingerprint), ==, WALLET_FINGERPRINT_LENGTH);
  g_assert_cmpuint (g_strv_length (groups), ==, 8);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (groups[i]), ==, 4);
      for (guint j = 0; j < 4; j++)
        g_assert_true (g_ascii_isdigit (groups[i][j]));
    }
  g_assert_cmpstr (fingerprint, ==, again);
  g_assert_cmpstr (fingerprint, !=, different);
}

static void
test_identity_is_opt_in_and_kept (void)
{
  g_autoptr(WalletContacts) contacts = load_contacts ();
  g_autoptr(WalletContacts) reloaded = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint8 signature[TW_ED25519_SIG_SIZE];

  g_assert_false (wallet_contacts_has_identity (contacts));
  g_assert_false (wallet_contacts_sign (contacts, "m", 1, signature, &error));
  g_assert_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_NO_IDENTITY);
  g_clear_error (&error);

  wallet_contacts_create_identity_async (contacts, NULL, wt_result_cb, &result);
  g_assert_true (wallet_contacts_create_identity_finish (contacts, wt_wait (&result), &error));
  g_assert_no_error (error);
  g_assert_true (wallet_contacts_sign (contacts, "message", 7, signature, &error));
  g_assert_true (tw_ed25519_verify (wallet_contacts_get_identity_public_key (contacts),
                                    "message", 7, signature));

  reloaded = load_contacts ();
  g_assert_true (wallet_contacts_has_identity (reloaded));
  g_assert_cmpstr (wallet_contacts_get_identity_fingerprint (reloaded), ==,
                   wallet_contacts_get_identity_fingerprint (contacts));
}

static void
test_pinned_contact_is_verified_sender (void)
{
  g_autoptr(WalletContacts) contacts = load_contacts ();
  g_autoptr(WalletContacts) reloaded = NULL;
  g_autoptr(WalletContact) alice = NULL;
  g_autoptr(WalletContact) twice = NULL;
  g_autoptr(WalletContact) self_pin = NULL;
  g_autoptr(TwSecret) alice_seed = NULL;
  g_autoptr(TwSecret) mallory_seed = NULL;
  guint8 alice_key[TW_ED25519_PUBLIC_SIZE], mallory_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tw_ed25519_generate (&alice_seed, alice_key);
  tw_ed25519_generate (&mallory_seed, mallory_key);

  alice = pin (contacts, "Alice", alice_key, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (contacts)), ==, 1);
  twice = pin (contacts, "Alice again", alice_key, &error);
  g_assert_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_ALREADY_PINNED);
  g_clear_error (&error);
  self_pin = pin (contacts, "Me", wallet_contacts_get_identity_public_key (contacts), &error);
  g_assert_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_SELF);
  g_clear_error (&error);
  g_assert_null (pin (contacts, "", mallory_key, &error));
  g_assert_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_BAD_NAME);
  g_clear_error (&error);
  /* A name that would draw on the terminal or a new line (QA G12). */
  g_assert_null (pin (contacts, "Ev\x1b[31mil", mallory_key, &error));
  g_assert_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_assert_null (pin (contacts, "Eve\nFrom: Alice", mallory_key, &error));
  g_assert_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_BAD_NAME);
  g_clear_error (&error);

  reloaded = load_contacts ();
  g_assert_nonnull (wallet_contacts_lookup_key (reloaded, alice_key));
  g_assert_cmpstr (wallet_contact_get_name (wallet_contacts_lookup_key (reloaded, alice_key)),
                   ==, "Alice");
  g_assert_null (wallet_contacts_lookup_key (reloaded, mallory_key));

  wallet_contacts_unpin_async (reloaded, wallet_contact_get_id (alice), NULL, wt_result_cb,
                               &result);
  g_assert_true (wallet_contacts_unpin_finish (reloaded, wt_wait (&result), &error));
  g_assert_no_error (error);
  g_assert_null (wallet_contacts_lookup_key (reloaded, alice_key));
}

static void
test_lock_forgets_everything (void)
{
  g_autoptr(WalletContacts) contacts = load_contacts ();

  g_assert_true (wallet_contacts_has_identity (contacts));
  wallet_vault_lock (vault);
  g_assert_false (wallet_contacts_has_identity (contacts));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (contacts)), ==, 0);
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
  passcode = wt_secret ("contacts passcode");
  wallet_vault_setup_async (vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (vault, wt_wait (&result), &error))
    g_error ("Could not set up the test wallet: %s", error->message);

  g_test_add_func ("/wallet/contacts/fingerprint/eight-groups-of-four-digits",
                   test_fingerprint_shape);
  g_test_add_func ("/wallet/contacts/identity/opt-in-signs-and-is-kept",
                   test_identity_is_opt_in_and_kept);
  g_test_add_func ("/wallet/contacts/pinned/verified-sender-lookup",
                   test_pinned_contact_is_verified_sender);
  g_test_add_func ("/wallet/contacts/zlock/forgets-identity-and-contacts",
                   test_lock_forgets_everything);

  status = g_test_run ();
  g_clear_object (&vault);
  g_clear_object (&keyring);
  return status;
}
