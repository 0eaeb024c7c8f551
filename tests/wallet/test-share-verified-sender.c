/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * "Verified sender" end to end: the share manager of a wallet with an
 * identity names it in its shares, and the receiving wallet says "verified
 * sender" exactly when that identity is one of its pinned contacts. Real
 * keyring (the daemon headless-run starts) and a real tigress-relay that
 * this test starts on loopback and stops by its process.
 *
 * The wallets live in one process and so share one keyring, where the
 * identity is a single item. Alice's identity is therefore created and
 * then removed from the keyring through Bob's contacts: Alice's loaded
 * WalletContacts keeps it in memory and signs with it, while Bob (and
 * Carol, who sends without any identity) have none.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tw-crypto.h"
#include "wallet.h"
#include "wallet-share-manager.h"
#include "wallet-test-util.h"

#define PASSCODE       "verified-sender-passcode"
#define SECRET_MARKER  "verified-sender-secret-19"
#define WAIT_LIMIT_MS  30000

/* ---- a real relay on loopback ----------------------------------------- */

typedef struct {
  GSubprocess *process;
  char        *dir;
  char        *base_url;
} TestRelay;

static guint16
free_port (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The relay goes when the test goes, even if the test crashes. */
static void
die_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
relay_is_healthy (const char *base_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (base_url, "/healthz", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;

  soup_session_set_timeout (session, 5);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  return soup_message_get_status (message) == 200;
}

static void
test_relay_start (TestRelay *relay)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL, *admin = NULL, *storage = NULL;
  const char *binary = g_getenv ("TW_RELAY_BIN");
  guint16 port = free_port ();
  gint64 deadline;

  g_assert_nonnull (binary);
  relay->dir = g_dir_make_tmp ("tw-verified-sender-XXXXXX", &error);
  g_assert_no_error (error);
  relay->base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  listen = g_strdup_printf ("--listen=127.0.0.1:%u", port);
  admin = g_strdup_printf ("--admin-listen=127.0.0.1:%u", free_port ());
  storage = g_strdup_printf ("--storage=sqlite:%s/relay.db", relay->dir);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  relay->process = g_subprocess_launcher_spawn (launcher, &error, binary, listen, admin,
                                                storage, "--no-rate-limits", "--threads=1",
                                                NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!relay_is_healthy (relay->base_url))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

static void
test_relay_free (TestRelay *relay)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (relay->process != NULL)
    {
      g_subprocess_send_signal (relay->process, SIGTERM);
      g_subprocess_wait (relay->process, NULL, NULL);
      g_clear_object (&relay->process);
    }
  dir = g_dir_open (relay->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (relay->dir, name, NULL);

      g_remove (child);
    }
  g_rmdir (relay->dir);
  g_clear_pointer (&relay->dir, g_free);
  g_clear_pointer (&relay->base_url, g_free);
}

/* ---- the wallets ------------------------------------------------------ */

typedef struct {
  char               *name;      /* the share manager's item namespace */
  WalletStore        *store;
  WalletContacts     *contacts;
  WalletShareManager *manager;
} Wallet;

static struct {
  WalletKeyring *keyring;
  WalletVault   *vault;
  WalletAuth    *auth;
  TestRelay      relay;
  Wallet        *alice;    /* has an identity */
  Wallet        *bob;      /* receives; pins Alice or not */
  Wallet        *carol;    /* has no identity */
} world;

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_MS * 1000;

  while (*result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return *result;
}

static WalletContacts *
load_contacts (void)
{
  WalletContacts *contacts = wallet_contacts_new (world.vault);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_contacts_load_async (contacts, NULL, wt_result_cb, &result);
  wallet_contacts_load_finish (contacts, wait_result (&result), &error);
  g_assert_no_error (error);
  return contacts;
}

static void
wallet_open_manager (Wallet *wallet)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet->manager = wallet_share_manager_new_with_namespace (wallet->store, wallet->contacts,
                                                              NULL, wallet->name);
  wallet_share_manager_set_retry_delays (wallet->manager, 50, 400);
  wallet_share_manager_set_polling (wallet->manager, 10, 0);
  wallet_share_manager_load_async (wallet->manager, NULL, wt_result_cb, &result);
  wallet_share_manager_load_finish (wallet->manager, wait_result (&result), &error);
  g_assert_no_error (error);
}

static Wallet *
wallet_new (const char     *name,
            WalletContacts *contacts)
{
  Wallet *wallet = g_new0 (Wallet, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet->name = g_strdup (name);
  wallet->contacts = g_object_ref (contacts);
  wallet->store = wallet_store_new (world.vault);
  wallet_store_load_async (wallet->store, NULL, wt_result_cb, &result);
  wallet_store_load_finish (wallet->store, wait_result (&result), &error);
  g_assert_no_error (error);
  wallet_open_manager (wallet);
  return wallet;
}

static void
wallet_free (Wallet *wallet)
{
  g_clear_object (&wallet->manager);
  g_clear_object (&wallet->contacts);
  g_clear_object (&wallet->store);
  g_free (wallet->name);
  g_free (wallet);
}

static WalletAuthProof *
proof_for (WalletAuthPurpose purpose)
{
  g_autoptr(TwSecret) passcode = wt_secret (PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletAuthProof *proof;

  wallet_auth_with_passcode_async (world.auth, purpose, passcode, NULL, wt_result_cb, &result);
  proof = wallet_auth_with_passcode_finish (world.auth, wait_result (&result), &error);
  g_assert_no_error (error);
  return proof;
}

/* ---- Bob's pinned contacts ------------------------------------------ */

static const guint8 *
alice_key (void)
{
  return wallet_contacts_get_identity_public_key (world.alice->contacts);
}

/* Pins Alice's identity in Bob's wallet, or takes the pin away. */
static void
bob_pins_alice (gboolean pinned)
{
  WalletContact *contact = wallet_contacts_lookup_key (world.bob->contacts, alice_key ());
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WalletContact) added = NULL;
  g_autoptr(GError) error = NULL;

  if (pinned && contact == NULL)
    {
      wallet_contacts_pin_async (world.bob->contacts, "Alice", alice_key (), NULL,
                                 wt_result_cb, &result);
      added = wallet_contacts_pin_finish (world.bob->contacts, wait_result (&result), &error);
    }
  else if (!pinned && contact != NULL)
    {
      wallet_contacts_unpin_async (world.bob->contacts, wallet_contact_get_id (contact), NULL,
                                   wt_result_cb, &result);
      wallet_contacts_unpin_finish (world.bob->contacts, wait_result (&result), &error);
    }
  g_assert_no_error (error);
  g_assert_true ((wallet_contacts_lookup_key (world.bob->contacts, alice_key ()) != NULL)
                 == pinned);
}

/* ---- sharing --------------------------------------------------------- */

static char *
add_password (Wallet *wallet)
{
  g_autoptr(WalletCredential) credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(TwSecret) secret = wt_secret (SECRET_MARKER);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_credential_set_title (credential, "Mail account");
  wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, "someone");
  wallet_credential_set_secret (credential, WALLET_FIELD_SECRET, secret);
  wallet_store_save_async (wallet->store, credential, NULL, wt_result_cb, &result);
  wallet_store_save_finish (wallet->store, wait_result (&result), &error);
  g_assert_no_error (error);
  return g_strdup (wallet_credential_get_id (credential));
}

static WalletShare *
share_password (Wallet   *sender,
                gboolean  with_pin)
{
  g_autofree char *credential_id = add_password (sender);
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletShareOptions options = { 0 };
  WalletShare *share;

  options.credential_id = credential_id;
  options.with_pin = with_pin;
  options.relay_url = world.relay.base_url;
  wallet_share_manager_create_async (sender->manager, &options, proof, NULL, wt_result_cb,
                                     &result);
  share = wallet_share_manager_create_finish (sender->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  return share;
}

/* Bob opens the link and accepts: the first read brings the first message. */
static WalletShare *
bob_opens (WalletShare *sent)
{
  g_autoptr(TwSecret) link = wallet_share_dup_link (sent, WALLET_SHARE_LINK_TIGRESS);
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletShare *incoming;

  incoming = wallet_share_manager_open_link (world.bob->manager, tw_secret_get_text (link),
                                             NULL, &error);
  g_assert_no_error (error);
  /* Nothing is known of the sender before the first read. */
  g_assert_false (wallet_share_get_sender_verified (incoming));
  wallet_share_manager_accept_async (world.bob->manager, incoming, proof,
                                     WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY, NULL,
                                     wt_result_cb, &result);
  wallet_share_manager_accept_finish (world.bob->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  return incoming;
}

static void
wait_for_state (WalletShare      *share,
                WalletShareState  state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_MS * 1000;

  while (wallet_share_get_state (share) != state)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("share stuck in %s, waiting for %s",
                 wallet_share_state_to_string (wallet_share_get_state (share)),
                 wallet_share_state_to_string (state));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Bob saves (direct) or types the PIN (verified); both ends finish. */
static void
finish_share (WalletShare *sent,
              WalletShare *incoming,
              Wallet      *sender)
{
  g_autoptr(GAsyncResult) reveal = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TwSecret) pin = NULL;
  g_autoptr(GError) error = NULL;

  if (wallet_share_get_flow (sent) == WALLET_SHARE_FLOW_VERIFIED)
    {
      wallet_share_manager_reveal_pin_async (sender->manager, sent, NULL, NULL, wt_result_cb,
                                             &reveal);
      pin = wallet_share_manager_reveal_pin_finish (sender->manager, wait_result (&reveal),
                                                    &error);
      g_assert_no_error (error);
    }
  wallet_share_manager_confirm_async (world.bob->manager, incoming, pin, NULL, wt_result_cb,
                                      &result);
  wallet_share_manager_confirm_finish (world.bob->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  wait_for_state (incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
}

static WalletShareState
waiting_state (gboolean with_pin)
{
  return with_pin ? WALLET_SHARE_STATE_WAITING_FOR_PIN : WALLET_SHARE_STATE_OPENED;
}

/* ---- the tests -------------------------------------------------------- */

static void
test_pinned_sender_is_verified_with_name (gconstpointer data)
{
  gboolean with_pin = GPOINTER_TO_INT (data);
  g_autoptr(WalletShare) sent = NULL;
  g_autoptr(WalletShare) incoming = NULL;

  bob_pins_alice (TRUE);
  sent = share_password (world.alice, with_pin);
  incoming = bob_opens (sent);

  /* Known before Bob decides (the verified flow: before the PIN). */
  g_assert_cmpint (wallet_share_get_state (incoming), ==, waiting_state (with_pin));
  g_assert_true (wallet_share_get_sender_verified (incoming));
  g_assert_cmpstr (wallet_share_get_sender_name (incoming), ==, "Alice");

  finish_share (sent, incoming, world.alice);
  g_assert_true (wallet_share_get_sender_verified (incoming));
  g_assert_cmpstr (wallet_share_get_sender_name (incoming), ==, "Alice");
}

static void
test_unpinned_sender_is_not_verified (gconstpointer data)
{
  gboolean with_pin = GPOINTER_TO_INT (data);
  g_autoptr(WalletShare) sent = NULL;
  g_autoptr(WalletShare) incoming = NULL;

  bob_pins_alice (FALSE);
  sent = share_password (world.alice, with_pin);
  incoming = bob_opens (sent);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, waiting_state (with_pin));
  g_assert_false (wallet_share_get_sender_verified (incoming));
  g_assert_null (wallet_share_get_sender_name (incoming));

  finish_share (sent, incoming, world.alice);
  g_assert_false (wallet_share_get_sender_verified (incoming));
  g_assert_null (wallet_share_get_sender_name (incoming));
}

/* Carol made no identity: Bob's pin of Alice must not make her verified. */
static void
test_a_sender_without_identity_is_not_verified (gconstpointer data)
{
  gboolean with_pin = GPOINTER_TO_INT (data);
  g_autoptr(WalletShare) sent = NULL;
  g_autoptr(WalletShare) incoming = NULL;

  bob_pins_alice (TRUE);
  g_assert_false (wallet_contacts_has_identity (world.carol->contacts));
  sent = share_password (world.carol, with_pin);
  incoming = bob_opens (sent);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, waiting_state (with_pin));
  g_assert_false (wallet_share_get_sender_verified (incoming));
  g_assert_null (wallet_share_get_sender_name (incoming));

  finish_share (sent, incoming, world.carol);
  g_assert_false (wallet_share_get_sender_verified (incoming));
}

/* Bob compares fingerprints with Alice while her share waits for his PIN. */
static void
test_pinning_while_a_share_waits_shows_at_once (void)
{
  g_autoptr(WalletShare) sent = NULL;
  g_autoptr(WalletShare) incoming = NULL;

  bob_pins_alice (FALSE);
  sent = share_password (world.alice, TRUE);
  incoming = bob_opens (sent);
  g_assert_false (wallet_share_get_sender_verified (incoming));

  bob_pins_alice (TRUE);
  g_assert_true (wallet_share_get_sender_verified (incoming));
  g_assert_cmpstr (wallet_share_get_sender_name (incoming), ==, "Alice");
  bob_pins_alice (FALSE);
  g_assert_false (wallet_share_get_sender_verified (incoming));
  bob_pins_alice (TRUE);

  finish_share (sent, incoming, world.alice);
  g_assert_true (wallet_share_get_sender_verified (incoming));
}

/* After a restart of Bob's wallet the share comes back from its saved
 * state, and the identity with it. */
static void
test_a_restart_keeps_the_verified_sender (void)
{
  g_autoptr(WalletShare) sent = NULL;
  g_autoptr(WalletShare) incoming = NULL;
  g_autofree char *id = NULL;
  WalletShare *resumed;

  bob_pins_alice (TRUE);
  sent = share_password (world.alice, TRUE);
  incoming = bob_opens (sent);
  g_assert_true (wallet_share_get_sender_verified (incoming));
  id = g_strdup (wallet_share_get_id (incoming));
  g_clear_object (&incoming);

  g_assert_finalize_object (world.bob->manager);
  world.bob->manager = NULL;
  wallet_open_manager (world.bob);
  resumed = wallet_share_manager_lookup (world.bob->manager, id);
  g_assert_nonnull (resumed);
  incoming = g_object_ref (resumed);
  wait_for_state (incoming, WALLET_SHARE_STATE_WAITING_FOR_PIN);
  g_assert_true (wallet_share_get_sender_verified (incoming));
  g_assert_cmpstr (wallet_share_get_sender_name (incoming), ==, "Alice");

  finish_share (sent, incoming, world.alice);
  g_assert_true (wallet_share_get_sender_verified (incoming));
}

/* ---- setting up ---------------------------------------------------- */

static void
make_the_cast (void)
{
  g_autoptr(WalletContacts) alice = load_contacts ();
  g_autoptr(WalletContacts) bob = NULL;
  g_autoptr(WalletContacts) carol = NULL;
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GAsyncResult) deleted = NULL;
  g_autoptr(GError) error = NULL;

  wallet_contacts_create_identity_async (alice, NULL, wt_result_cb, &created);
  wallet_contacts_create_identity_finish (alice, wait_result (&created), &error);
  g_assert_no_error (error);

  /* The one identity item leaves the keyring; Alice's copy stays loaded. */
  bob = load_contacts ();
  wallet_contacts_delete_identity_async (bob, NULL, wt_result_cb, &deleted);
  wallet_contacts_delete_identity_finish (bob, wait_result (&deleted), &error);
  g_assert_no_error (error);
  carol = load_contacts ();
  g_assert_true (wallet_contacts_has_identity (alice));
  g_assert_false (wallet_contacts_has_identity (bob));
  g_assert_false (wallet_contacts_has_identity (carol));

  world.alice = wallet_new ("alice", alice);
  world.bob = wallet_new ("bob", bob);
  world.carol = wallet_new ("carol", carol);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TwSecret) passcode = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  world.keyring = wallet_keyring_new ();
  world.vault = wallet_vault_new (world.keyring, NULL);
  world.auth = wallet_auth_new (world.vault);
  passcode = wt_secret (PASSCODE);
  wallet_vault_setup_async (world.vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (world.vault, wait_result (&result), &error))
    g_error ("Could not set up the test wallet: %s", error->message);
  test_relay_start (&world.relay);
  make_the_cast ();

  g_test_add_data_func ("/share-manager/sender/direct/pinned-sender-is-verified-with-name",
                        GINT_TO_POINTER (FALSE), test_pinned_sender_is_verified_with_name);
  g_test_add_data_func ("/share-manager/sender/verified/pinned-sender-is-verified-with-name",
                        GINT_TO_POINTER (TRUE), test_pinned_sender_is_verified_with_name);
  g_test_add_data_func ("/share-manager/sender/direct/unpinned-sender-is-not-verified",
                        GINT_TO_POINTER (FALSE), test_unpinned_sender_is_not_verified);
  g_test_add_data_func ("/share-manager/sender/verified/unpinned-sender-is-not-verified",
                        GINT_TO_POINTER (TRUE), test_unpinned_sender_is_not_verified);
  g_test_add_data_func ("/share-manager/sender/direct/sender-without-identity-is-not-verified",
                        GINT_TO_POINTER (FALSE), test_a_sender_without_identity_is_not_verified);
  g_test_add_data_func ("/share-manager/sender/verified/sender-without-identity-is-not-"
                        "verified",
                        GINT_TO_POINTER (TRUE), test_a_sender_without_identity_is_not_verified);
  g_test_add_func ("/share-manager/sender/pinning-while-a-share-waits-shows-at-once",
                   test_pinning_while_a_share_waits_shows_at_once);
  g_test_add_func ("/share-manager/sender/a-restart-keeps-the-verified-sender",
                   test_a_restart_keeps_the_verified_sender);

  status = g_test_run ();

  g_clear_pointer (&world.alice, wallet_free);
  g_clear_pointer (&world.bob, wallet_free);
  g_clear_pointer (&world.carol, wallet_free);
  test_relay_free (&world.relay);
  g_clear_object (&world.auth);
  g_clear_object (&world.vault);
  g_clear_object (&world.keyring);
  return status;
}
