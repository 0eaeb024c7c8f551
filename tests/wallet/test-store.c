/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-test-util.h"

/* Plaintexts that must never show in the keyring. */
#define PASSWORD_SECRET  "hunter2-plaintext-marker"
#define WIFI_PASSWORD    "wifi-plaintext-marker"
#define ACCESS_CODE      "code-plaintext-marker"
#define TITLE_MARKER     "Title plaintext marker"

typedef struct {
  WalletKeyring *keyring;
  WalletVault   *vault;
  WalletStore   *store;
} Fixture;

static Fixture fixture;

static void
set_text_secret (WalletCredential *credential,
                 const char       *name,
                 const char       *text)
{
  g_autoptr(TwSecret) value = wt_secret (text);

  wallet_credential_set_secret (credential, name, value);
}

static WalletCredential *
make_credential (WalletCredentialType type)
{
  WalletCredential *credential;

  if (type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER)
    return wallet_credential_new_digital_key_owner (TITLE_MARKER " owner");
  if (type == WALLET_CREDENTIAL_DIGITAL_KEY)
    {
      g_autoptr(TwSecret) device_key = tw_secret_new (TW_ED25519_SEED_SIZE);
      g_autoptr(GBytes) certificate = g_bytes_new_static ("not a real certificate", 22);

      tw_random_bytes (tw_secret_get_data (device_key), TW_ED25519_SEED_SIZE);
      credential = wallet_credential_new_digital_key (TITLE_MARKER " key", certificate,
                                                      device_key);
      wallet_credential_set_field (credential, WALLET_FIELD_NOT_AFTER, "2031-01-01T00:00:00Z");
      return credential;
    }
  credential = wallet_credential_new (type);
  wallet_credential_set_title (credential, TITLE_MARKER);
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, "username-plaintext-marker");
      set_text_secret (credential, WALLET_FIELD_SECRET, PASSWORD_SECRET);
      break;
    case WALLET_CREDENTIAL_WIFI:
      wallet_credential_set_field (credential, WALLET_FIELD_SSID, "Home");
      wallet_credential_set_field (credential, WALLET_FIELD_SECURITY, "WPA");
      set_text_secret (credential, WALLET_FIELD_PASSWORD, WIFI_PASSWORD);
      break;
    case WALLET_CREDENTIAL_ACCESS_CODE:
      set_text_secret (credential, WALLET_FIELD_CODE, ACCESS_CODE);
      break;
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      g_assert_not_reached ();
    }
  return credential;
}

static void
save (WalletStore      *store,
      WalletCredential *credential,
      GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_store_save_async (store, credential, NULL, wt_result_cb, &result);
  wallet_store_save_finish (store, wt_wait (&result), error);
}

static WalletStore *
load_store (void)
{
  WalletStore *store = wallet_store_new (fixture.vault);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_load_async (store, NULL, wt_result_cb, &result);
  g_assert_true (wallet_store_load_finish (store, wt_wait (&result), &error));
  g_assert_no_error (error);
  return store;
}

static void
wait_until_synchronised (WalletStore *store)
{
  gint64 give_up = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!wallet_store_is_synchronised (store) && g_get_monotonic_time () < give_up)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (wallet_store_is_synchronised (store));
}

/* A new store as an app start makes it, once it matches the keyring. */
static WalletStore *
reload (void)
{
  WalletStore *store = load_store ();

  wait_until_synchronised (store);
  return store;
}

static GBytes *
raw_item (const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  wallet_keyring_load_async (fixture.keyring, WALLET_ITEM_CREDENTIAL, id, NULL,
                             wt_result_cb, &result);
  bytes = wallet_keyring_load_finish (fixture.keyring, wt_wait (&result), &error);
  g_assert_no_error (error);
  return bytes;
}

static void
test_store_and_reload_each_type (void)
{
  WalletCredentialType types[] = {
    WALLET_CREDENTIAL_PASSWORD, WALLET_CREDENTIAL_WIFI, WALLET_CREDENTIAL_ACCESS_CODE,
    WALLET_CREDENTIAL_DIGITAL_KEY_OWNER, WALLET_CREDENTIAL_DIGITAL_KEY,
  };
  g_autoptr(WalletStore) reloaded = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(WalletCredential) credential = make_credential (types[i]);
      g_autoptr(GError) error = NULL;

      save (fixture.store, credential, &error);
      g_assert_no_error (error);
      g_assert_true (wallet_store_lookup (fixture.store, wallet_credential_get_id (credential))
                     == credential);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==,
                    G_N_ELEMENTS (types));

  reloaded = reload ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, G_N_ELEMENTS (types));
  g_assert_cmpuint (wallet_store_get_n_unreadable (reloaded), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(WalletCredential) original =
        g_list_model_get_item (G_LIST_MODEL (fixture.store), i);
      WalletCredential *copy =
        wallet_store_lookup (reloaded, wallet_credential_get_id (original));
      g_autoptr(TwSecret) a = wallet_credential_serialize (original);
      g_autoptr(TwSecret) b = NULL;

      g_assert_nonnull (copy);
      b = wallet_credential_serialize (copy);
      g_assert_true (tw_secret_equal (a, b));
    }
}

static void
test_keyring_holds_only_ciphertext (void)
{
  const char *markers[] = { PASSWORD_SECRET, WIFI_PASSWORD, ACCESS_CODE, TITLE_MARKER };

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture.store)); i++)
    {
      g_autoptr(WalletCredential) credential =
        g_list_model_get_item (G_LIST_MODEL (fixture.store), i);
      const char *id = wallet_credential_get_id (credential);
      g_autoptr(GBytes) raw = raw_item (id);
      const char *argv[] = { "secret-tool", "lookup", "id", id, NULL };
      g_autoptr(GBytes) dumped = wt_run_command (argv, NULL);

      /* What any process of the user reads from the unlocked keyring. */
      g_assert_cmpuint (g_bytes_get_size (dumped), >, 0);
      for (guint m = 0; m < G_N_ELEMENTS (markers); m++)
        {
          g_assert_false (wt_bytes_contain (g_bytes_get_data (raw, NULL),
                                            g_bytes_get_size (raw), markers[m]));
          g_assert_false (wt_bytes_contain (g_bytes_get_data (dumped, NULL),
                                            g_bytes_get_size (dumped), markers[m]));
        }
    }
}

static char *
secret_tool_search (const char *attribute,
                    const char *value)
{
  const char *argv[] = { "secret-tool", "search", "--all", attribute, value, NULL };
  g_autoptr(GBytes) output = wt_run_command (argv, NULL);
  gsize size = g_bytes_get_size (output);
  char *listing = g_malloc (size + 1);

  /* The listing holds the (binary) item secrets too: make it one string. */
  memcpy (listing, g_bytes_get_data (output, NULL), size);
  listing[size] = '\0';
  for (gsize i = 0; i < size; i++)
    listing[i] = listing[i] == '\0' ? '?' : listing[i];
  return listing;
}

static guint
count (const char *text,
       const char *needle)
{
  guint found = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p++)
    found++;
  return found;
}

static void
test_index_holds_only_ciphertext (void)
{
  const char *markers[] = { PASSWORD_SECRET, WIFI_PASSWORD, ACCESS_CODE, TITLE_MARKER };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) index = NULL;

  wallet_keyring_load_async (fixture.keyring, WALLET_ITEM_INDEX, "credentials", NULL,
                             wt_result_cb, &result);
  index = wallet_keyring_load_finish (fixture.keyring, wt_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (index), >, 100);
  for (guint m = 0; m < G_N_ELEMENTS (markers); m++)
    g_assert_false (wt_bytes_contain (g_bytes_get_data (index, NULL), g_bytes_get_size (index),
                                      markers[m]));
}

static void
test_items_found_by_secret_tool (void)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (fixture.store));
  g_autofree char *by_schema = secret_tool_search ("xdg:schema", WALLET_SCHEMA_CREDENTIAL);

  g_assert_cmpuint (count (by_schema, "label = Tigress Wallet "), ==, n_items);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(WalletCredential) credential =
        g_list_model_get_item (G_LIST_MODEL (fixture.store), i);
      const char *id = wallet_credential_get_id (credential);
      g_autofree char *by_id = secret_tool_search ("id", id);
      g_autofree char *label = g_strdup_printf ("label = Tigress Wallet %s %.8s",
                                                wallet_credential_type_get_label (
                                                  wallet_credential_get_credential_type (
                                                    credential)),
                                                id);

      g_assert_cmpuint (count (by_id, "label = "), ==, 1);
      g_assert_nonnull (strstr (by_id, label));
    }
  /* Labels and attributes name types and ids only: no title, no username. */
  g_assert_null (strstr (by_schema, TITLE_MARKER));
  g_assert_null (strstr (by_schema, "username-plaintext-marker"));
}

static void
test_replace_and_delete (void)
{
  g_autoptr(WalletCredential) first = g_list_model_get_item (G_LIST_MODEL (fixture.store), 0);
  g_autoptr(WalletCredential) edited = wallet_credential_copy (first);
  const char *id = wallet_credential_get_id (first);
  g_autoptr(WalletStore) reloaded = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint before = g_list_model_get_n_items (G_LIST_MODEL (fixture.store));

  wallet_credential_set_title (edited, "A renamed item");
  save (fixture.store, edited, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==, before);

  reloaded = reload ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, before);
  g_assert_cmpstr (wallet_credential_get_title (wallet_store_lookup (reloaded, id)), ==,
                   "A renamed item");

  wallet_store_delete_async (fixture.store, id, NULL, wt_result_cb, &result);
  g_assert_true (wallet_store_delete_finish (fixture.store, wt_wait (&result), &error));
  g_assert_no_error (error);
  g_assert_null (wallet_store_lookup (fixture.store, id));
  g_clear_object (&reloaded);
  reloaded = reload ();
  g_assert_null (wallet_store_lookup (reloaded, id));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, before - 1);
}

static void
test_unreadable_item_is_kept (void)
{
  const char *id = "5f0e1d2c-3b4a-4596-8877-665544332211";
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\x01 sealed under another key", 27);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletStore) reloaded = NULL;
  g_autoptr(GBytes) still_there = NULL;

  /* An item of our schema that does not open (another wallet's, or
   * altered) is skipped and counted, never deleted. */
  wallet_keyring_store_async (fixture.keyring, WALLET_ITEM_CREDENTIAL, id, "password",
                              "Tigress Wallet test item", garbage, NULL, wt_result_cb, &result);
  g_assert_true (wallet_keyring_store_finish (fixture.keyring, wt_wait (&result), &error));
  g_assert_no_error (error);

  g_test_expect_message ("tigress-wallet", G_LOG_LEVEL_MESSAGE, "*does not open*");
  reloaded = reload ();
  g_test_assert_expected_messages ();
  g_assert_cmpuint (wallet_store_get_n_unreadable (reloaded), ==, 1);
  g_assert_null (wallet_store_lookup (reloaded, id));
  still_there = raw_item (id);
  g_assert_true (g_bytes_equal (still_there, garbage));

  g_clear_object (&result);
  wallet_keyring_delete_async (fixture.keyring, WALLET_ITEM_CREDENTIAL, id, NULL, wt_result_cb,
                               &result);
  g_assert_true (wallet_keyring_delete_finish (fixture.keyring, wt_wait (&result), &error));
}

static void
test_index_is_used_and_put_right (void)
{
  g_autoptr(WalletCredential) outsider = make_credential (WALLET_CREDENTIAL_PASSWORD);
  const char *id = wallet_credential_get_id (outsider);
  g_autofree char *context = g_strconcat ("credential:", id, NULL);
  g_autoptr(TwSecret) plaintext = wallet_credential_serialize (outsider);
  g_autoptr(GBytes) sealed = wallet_vault_seal (fixture.vault, context, plaintext, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletStore) first = NULL;
  g_autoptr(WalletStore) second = NULL;

  /* A credential item written behind the store's back (another program,
   * an older version): the index does not know it yet. */
  wallet_keyring_store_async (fixture.keyring, WALLET_ITEM_CREDENTIAL, id, "password",
                              "Tigress Wallet test item", sealed, NULL, wt_result_cb, &result);
  g_assert_true (wallet_keyring_store_finish (fixture.keyring, wt_wait (&result), &error));
  g_assert_no_error (error);

  first = load_store ();
  g_assert_false (wallet_store_is_synchronised (first));
  g_assert_null (wallet_store_lookup (first, id));
  wait_until_synchronised (first);
  g_assert_nonnull (wallet_store_lookup (first, id));

  /* The background check rewrote the index: the next start sees it at once. */
  second = load_store ();
  g_assert_nonnull (wallet_store_lookup (second, id));

  g_clear_object (&result);
  wallet_store_delete_async (second, id, NULL, wt_result_cb, &result);
  g_assert_true (wallet_store_delete_finish (second, wt_wait (&result), &error));
  g_assert_no_error (error);
}

/* The app lets people save as soon as the wallet is unlocked, while its
 * load may still be out: a load that ends after the save keeps what was
 * saved (it came back from an index read before it, and a just-added
 * credential vanished from the window), and the index gets it too. */
static void
test_save_during_load_is_kept (void)
{
  g_autoptr(WalletStore) store = wallet_store_new (fixture.vault);
  g_autoptr(WalletStore) later = NULL;
  g_autoptr(WalletCredential) credential = make_credential (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(GAsyncResult) loaded = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = wallet_credential_get_id (credential);

  wallet_store_save_async (store, credential, NULL, wt_result_cb, &saved);
  wallet_store_load_async (store, NULL, wt_result_cb, &loaded);
  g_assert_true (wallet_store_save_finish (store, wt_wait (&saved), &error));
  g_assert_no_error (error);
  g_assert_nonnull (wallet_store_lookup (store, id));
  g_assert_true (wallet_store_load_finish (store, wt_wait (&loaded), &error));
  g_assert_no_error (error);
  g_assert_nonnull (wallet_store_lookup (store, id));
  wait_until_synchronised (store);
  g_assert_nonnull (wallet_store_lookup (store, id));

  /* A later start reads it from the index at once. */
  later = load_store ();
  g_assert_nonnull (wallet_store_lookup (later, id));
}

static WalletCredential *
add_from_share (WalletCredential *credential,
                const char       *share_id,
                WalletAuthProof  *proof,
                GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_store_add_from_share_async (fixture.store, credential, share_id, proof, NULL,
                                     wt_result_cb, &result);
  return wallet_store_add_from_share_finish (fixture.store, wt_wait (&result), error);
}

static WalletAuthProof *
confirm (WalletAuthPurpose purpose)
{
  g_autoptr(WalletAuth) auth = wallet_auth_new (fixture.vault);
  g_autoptr(TwSecret) passcode = wt_secret ("correct horse battery");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletAuthProof *proof;

  wallet_auth_with_passcode_async (auth, purpose, passcode, NULL, wt_result_cb, &result);
  proof = wallet_auth_with_passcode_finish (auth, wt_wait (&result), &error);
  g_assert_no_error (error);
  return proof;
}

static void
test_received_needs_proof_and_is_stored_once (void)
{
  const char *share_id = "0d1e2f30-4152-4637-8899-aabbccddeeff";
  g_autoptr(TwSecret) content = wt_secret ("{\"title\":\"Badge\",\"x\":[1,2]}");
  g_autoptr(WalletCredential) received = NULL;
  g_autoptr(WalletCredential) stored = NULL;
  g_autoptr(WalletCredential) again = NULL;
  g_autoptr(WalletAuthProof) send_proof = confirm (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(WalletAuthProof) accept_proof = confirm (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(WalletAuthProof) second_proof = NULL;
  g_autoptr(GError) error = NULL;
  guint before = g_list_model_get_n_items (G_LIST_MODEL (fixture.store));

  received = wallet_credential_new_from_share ("example/badge", content, &error);
  g_assert_no_error (error);

  g_assert_null (add_from_share (received, share_id, NULL, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_NO_PROOF);
  g_clear_error (&error);
  g_assert_null (add_from_share (received, share_id, send_proof, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_WRONG_PURPOSE);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==, before);

  stored = add_from_share (received, share_id, accept_proof, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wallet_credential_get_share_id (stored), ==, share_id);
  g_assert_true (wallet_credential_is_read_only (stored));

  /* The proof is used up, and the same share is never stored twice. */
  g_assert_null (add_from_share (received, share_id, accept_proof, &error));
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_USED);
  g_clear_error (&error);
  second_proof = confirm (WALLET_AUTH_PURPOSE_ACCEPT);
  again = add_from_share (received, share_id, second_proof, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wallet_credential_get_id (again), ==, wallet_credential_get_id (stored));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==, before + 1);
}

static GVariant *
call_secret_service (const char *method,
                     GVariant   *parameters,
                     const char *reply_type)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                       "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", method, parameters,
                                       G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

/* How many of the credential's items the daemon holds, locked or not. */
static gsize
items_in_daemon (const char *id)
{
  GVariantBuilder attributes;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) unlocked = NULL;
  g_autoptr(GVariant) locked = NULL;

  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", WALLET_SCHEMA_CREDENTIAL);
  g_variant_builder_add (&attributes, "{ss}", WALLET_ATTRIBUTE_ID, id);
  reply = call_secret_service ("SearchItems", g_variant_new ("(a{ss})", &attributes),
                               "(aoao)");
  unlocked = g_variant_get_child_value (reply, 0);
  locked = g_variant_get_child_value (reply, 1);
  return g_variant_n_children (unlocked) + g_variant_n_children (locked);
}

static void
test_delete_while_keyring_locked_fails (void)
{
  g_autoptr(WalletCredential) kept = make_credential (WALLET_CREDENTIAL_PASSWORD);
  const char *id = wallet_credential_get_id (kept);
  const char *collection = "/org/freedesktop/secrets/collection/login";
  g_autoptr(GVariant) locked = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint before;

  save (fixture.store, kept, &error);
  g_assert_no_error (error);
  before = g_list_model_get_n_items (G_LIST_MODEL (fixture.store));
  g_assert_cmpuint (items_in_daemon (id), ==, 1);
  locked = call_secret_service ("Lock", g_variant_new ("(@ao)",
                                                       g_variant_new_objv (&collection, 1)),
                                "(aoo)");

  /* Nobody can answer the daemon's unlock prompt on this test bus, as
   * when people press Cancel: the delete must say it failed (QA F16). */
  wallet_store_delete_async (fixture.store, id, NULL, wt_result_cb, &result);
  g_assert_false (wallet_store_delete_finish (fixture.store, wt_wait (&result), &error));
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  g_assert_nonnull (wallet_store_lookup (fixture.store, id));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==, before);
  g_assert_cmpuint (items_in_daemon (id), ==, 1);
}

static void
test_lock_empties_the_store (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletCredential) credential = make_credential (WALLET_CREDENTIAL_PASSWORD);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), >, 0);
  wallet_vault_lock (fixture.vault);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==, 0);

  save (fixture.store, credential, &error);
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED);
  g_clear_error (&error);
  wallet_store_load_async (fixture.store, NULL, wt_result_cb, &result);
  g_assert_false (wallet_store_load_finish (fixture.store, wt_wait (&result), &error));
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED);
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

  fixture.keyring = wallet_keyring_new ();
  fixture.vault = wallet_vault_new (fixture.keyring, NULL);
  fixture.store = wallet_store_new (fixture.vault);
  passcode = wt_secret ("correct horse battery");
  wallet_vault_setup_async (fixture.vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (fixture.vault, wt_wait (&result), &error))
    g_error ("Could not set up the test wallet: %s", error->message);
  g_clear_object (&result);
  wallet_store_load_async (fixture.store, NULL, wt_result_cb, &result);
  if (!wallet_store_load_finish (fixture.store, wt_wait (&result), &error))
    g_error ("Could not load the test wallet: %s", error->message);

  g_test_add_func ("/wallet/store/each-type/stored-and-read-back", test_store_and_reload_each_type);
  g_test_add_func ("/wallet/store/keyring/holds-only-ciphertext",
                   test_keyring_holds_only_ciphertext);
  g_test_add_func ("/wallet/store/keyring/index-holds-only-ciphertext",
                   test_index_holds_only_ciphertext);
  g_test_add_func ("/wallet/store/keyring/items-found-by-secret-tool",
                   test_items_found_by_secret_tool);
  g_test_add_func ("/wallet/store/edit/replace-then-delete", test_replace_and_delete);
  g_test_add_func ("/wallet/store/unreadable/item-is-skipped-and-kept",
                   test_unreadable_item_is_kept);
  g_test_add_func ("/wallet/store/index/loads-fast-then-matches-the-items",
                   test_index_is_used_and_put_right);
  g_test_add_func ("/wallet/store/load/a-save-that-lands-meanwhile-is-kept",
                   test_save_during_load_is_kept);
  g_test_add_func ("/wallet/store/from-share/needs-proof-and-stores-once",
                   test_received_needs_proof_and_is_stored_once);
  /* These two lock things: last. */
  g_test_add_func ("/wallet/store/delete/locked-keyring-fails-and-keeps-the-item",
                   test_delete_while_keyring_locked_fails);
  g_test_add_func ("/wallet/store/lock/empties-the-store", test_lock_empties_the_store);

  status = g_test_run ();
  g_clear_object (&fixture.store);
  g_clear_object (&fixture.vault);
  g_clear_object (&fixture.keyring);
  return status;
}
