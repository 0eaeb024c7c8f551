/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The share manager against the real keyring (the daemon headless-run
 * starts) and a real tigress-relay process ($TW_RELAY_BIN) that this test
 * starts, stops and restarts on loopback.
 *
 * Two wallets live in this one process: "alice" sends and "bob" receives.
 * They share the keyring and its data key, so each has its own managers
 * over its own item namespace; each wallet has its own WalletStore, and a
 * received credential is found in bob's store by its share id.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tw-base64.h"
#include "tw-cert.h"
#include "tw-crypto.h"
#include "tw-link.h"
#include "tw-link-key.h"
#include "tw-relay-client.h"
#include "wallet.h"
#include "wallet-ledger.h"
#include "wallet-share-manager.h"
#include "wallet-test-util.h"

#define PASSCODE         "share-test-passcode"
#define SECRET_MARKER    "share-secret-marker-71"
#define WAIT_LIMIT_MS    30000

/* Which of the three programs built from this file this is. */
#ifndef SHARE_TEST_GROUP
#define SHARE_TEST_GROUP 1
#endif

/* ---- a real relay ------------------------------------------------------ */

typedef struct {
  GSubprocess *process;
  char        *dir;
  char        *base_url;
  char        *admin_url;
  guint16      port;
  guint16      admin_port;
  const char  *max_expiry;
} TestRelay;

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
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

static GBytes *
http_get (const char *url,
          guint      *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;

  soup_session_set_timeout (session, 5);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  *status = soup_message_get_status (message);
  return g_steal_pointer (&body);
}

static void
test_relay_start (TestRelay *relay)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *health = NULL;
  const char *binary = g_getenv ("TW_RELAY_BIN");
  gint64 deadline;
  guint status = 0;

  g_assert_nonnull (binary);
  g_assert_null (relay->process);
  if (relay->dir == NULL)
    {
      relay->dir = g_dir_make_tmp ("tw-share-relay-XXXXXX", &error);
      g_assert_no_error (error);
      relay->port = free_port ();
      relay->admin_port = free_port ();
      relay->base_url = g_strdup_printf ("http://127.0.0.1:%u", relay->port);
      relay->admin_url = g_strdup_printf ("http://127.0.0.1:%u", relay->admin_port);
    }

  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup_printf ("--listen=127.0.0.1:%u", relay->port));
  g_ptr_array_add (argv, g_strdup_printf ("--admin-listen=127.0.0.1:%u", relay->admin_port));
  g_ptr_array_add (argv, g_strdup_printf ("--storage=sqlite:%s/relay.db", relay->dir));
  g_ptr_array_add (argv, g_strdup ("--no-rate-limits"));
  g_ptr_array_add (argv, g_strdup ("--threads=1"));
  if (relay->max_expiry != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--max-expiry=%s", relay->max_expiry));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  relay->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);

  health = g_strconcat (relay->base_url, "/healthz", NULL);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      /* Only the status matters while the relay starts. */
      g_autoptr(GBytes) body G_GNUC_UNUSED = http_get (health, &status);

      if (status == 200)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

static void
test_relay_stop (TestRelay *relay)
{
  if (relay->process == NULL)
    return;
  g_subprocess_send_signal (relay->process, SIGTERM);
  g_subprocess_wait (relay->process, NULL, NULL);
  g_clear_object (&relay->process);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

static void
test_relay_free (TestRelay *relay)
{
  test_relay_stop (relay);
  if (relay->dir != NULL)
    remove_tree (relay->dir);
  g_clear_pointer (&relay->dir, g_free);
  g_clear_pointer (&relay->base_url, g_free);
  g_clear_pointer (&relay->admin_url, g_free);
}

/* Requests the relay answered on one route, whatever their status. */
static guint
relay_route_requests (TestRelay  *relay,
                      const char *route)
{
  g_autofree char *url = g_strconcat (relay->admin_url, "/metrics", NULL);
  g_autofree char *prefix = g_strdup_printf ("tigress_relay_requests_total{route=\"%s\",",
                                             route);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint status = 0, total = 0;

  body = http_get (url, &status);
  g_assert_cmpuint (status, ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space = strrchr (lines[i], ' ');

      if (g_str_has_prefix (lines[i], prefix) && space != NULL)
        total += (guint) g_ascii_strtoull (space + 1, NULL, 10);
    }
  return total;
}

/* Requests the relay answered on the mailbox routes (create, read, update,
 * delete, relinquish), whatever their status. */
static guint
relay_mailbox_requests (TestRelay *relay)
{
  const char *routes[] = { "create", "read", "update", "delete", "relinquish" };
  guint total = 0;

  for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
    total += relay_route_requests (relay, routes[r]);
  return total;
}

/* ---- the wallets ------------------------------------------------------ */

static struct {
  WalletKeyring *keyring;
  WalletVault   *vault;
  WalletAuth    *auth;
  TestRelay      relay;
  guint          counter;
} world;

typedef struct {
  char               *name;   /* the item namespace */
  WalletStore        *store;
  WalletShareManager *manager;
} Wallet;

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

static void
wallet_open_manager (Wallet *wallet)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet->manager = wallet_share_manager_new_with_namespace (wallet->store, NULL, NULL,
                                                              wallet->name);
  wallet_share_manager_set_retry_delays (wallet->manager, 50, 400);
  wallet_share_manager_set_polling (wallet->manager, 10, 0);
  wallet_share_manager_load_async (wallet->manager, NULL, wt_result_cb, &result);
  wallet_share_manager_load_finish (wallet->manager, wait_result (&result), &error);
  g_assert_no_error (error);
}

static Wallet *
wallet_new (const char *role)
{
  Wallet *wallet = g_new0 (Wallet, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet->name = g_strdup_printf ("%s%u", role, ++world.counter);
  wallet->store = wallet_store_new (world.vault);
  wallet_store_load_async (wallet->store, NULL, wt_result_cb, &result);
  wallet_store_load_finish (wallet->store, wait_result (&result), &error);
  g_assert_no_error (error);
  wallet_open_manager (wallet);
  return wallet;
}

/* As after a restart of the app: a new manager from what is saved. */
static void
wallet_restart (Wallet *wallet)
{
  g_assert_finalize_object (wallet->manager);
  wallet->manager = NULL;
  wallet_open_manager (wallet);
}

static void
wallet_free (Wallet *wallet)
{
  g_clear_object (&wallet->manager);
  g_clear_object (&wallet->store);
  g_free (wallet->name);
  g_free (wallet);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wallet, wallet_free)

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

static void
set_secret_text (WalletCredential *credential,
                 const char       *field,
                 const char       *text)
{
  g_autoptr(TwSecret) value = wt_secret (text);

  wallet_credential_set_secret (credential, field, value);
}

static WalletCredential *
make_credential (WalletCredentialType type)
{
  WalletCredential *credential;

  if (type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER)
    return wallet_credential_new_digital_key_owner ("Front door");

  credential = wallet_credential_new (type);
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      wallet_credential_set_title (credential, "Mail account");
      wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, "alice");
      set_secret_text (credential, WALLET_FIELD_SECRET, SECRET_MARKER);
      break;
    case WALLET_CREDENTIAL_WIFI:
      wallet_credential_set_title (credential, "Home Wi-Fi");
      wallet_credential_set_field (credential, WALLET_FIELD_SSID, "Home");
      wallet_credential_set_field (credential, WALLET_FIELD_SECURITY, WALLET_WIFI_SECURITY_WPA);
      set_secret_text (credential, WALLET_FIELD_PASSWORD, SECRET_MARKER);
      break;
    case WALLET_CREDENTIAL_ACCESS_CODE:
      wallet_credential_set_title (credential, "Gym locker");
      wallet_credential_set_field (credential, WALLET_FIELD_LOCATION, "Basement");
      set_secret_text (credential, WALLET_FIELD_CODE, SECRET_MARKER);
      break;
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      g_assert_not_reached ();
    }
  return credential;
}

/* A new credential of @type in @wallet's store; returns its id. */
static char *
add_credential (Wallet               *wallet,
                WalletCredentialType  type)
{
  g_autoptr(WalletCredential) credential = make_credential (type);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_save_async (wallet->store, credential, NULL, wt_result_cb, &result);
  wallet_store_save_finish (wallet->store, wait_result (&result), &error);
  g_assert_no_error (error);
  return g_strdup (wallet_credential_get_id (credential));
}

static WalletShare *
try_share (Wallet           *wallet,
           const char       *credential_id,
           gboolean          with_pin,
           WalletAuthProof  *proof,
           GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  WalletShareOptions options = { 0 };

  options.credential_id = credential_id;
  options.with_pin = with_pin;
  options.relay_url = world.relay.base_url;
  wallet_share_manager_create_async (wallet->manager, &options, proof, NULL, wt_result_cb,
                                     &result);
  return wallet_share_manager_create_finish (wallet->manager, wait_result (&result), error);
}

static WalletShare *
share_credential (Wallet     *wallet,
                  const char *credential_id,
                  gboolean    with_pin)
{
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(GError) error = NULL;
  WalletShare *share;

  share = try_share (wallet, credential_id, with_pin, proof, &error);
  g_assert_no_error (error);
  g_assert_nonnull (share);
  g_assert_true (wallet_share_get_has_link (share));
  return share;
}

static char *
link_text (WalletShare *share)
{
  g_autoptr(TwSecret) link = wallet_share_dup_link (share, WALLET_SHARE_LINK_TIGRESS);

  g_assert_nonnull (link);
  return g_strdup (tw_secret_get_text (link));
}

static TwSecret *
reveal_pin (Wallet          *wallet,
            WalletShare     *share,
            WalletAuthProof *proof,
            GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_share_manager_reveal_pin_async (wallet->manager, share, proof, NULL, wt_result_cb,
                                         &result);
  return wallet_share_manager_reveal_pin_finish (wallet->manager, wait_result (&result), error);
}

static WalletShare *
open_link (Wallet      *wallet,
           const char  *text)
{
  g_autoptr(GError) error = NULL;
  WalletShare *share = wallet_share_manager_open_link (wallet->manager, text, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (share), ==, WALLET_SHARE_STATE_NEW);
  return share;
}

static gboolean
try_accept (Wallet          *wallet,
            WalletShare     *share,
            WalletAuthProof *proof,
            GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_share_manager_accept_async (wallet->manager, share, proof,
                                     WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY, NULL,
                                     wt_result_cb, &result);
  return wallet_share_manager_accept_finish (wallet->manager, wait_result (&result), error);
}

static void
accept_share (Wallet      *wallet,
              WalletShare *share)
{
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(GError) error = NULL;

  try_accept (wallet, share, proof, &error);
  g_assert_no_error (error);
}

static gboolean
confirm (Wallet      *wallet,
         WalletShare *share,
         TwSecret    *pin,
         GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_share_manager_confirm_async (wallet->manager, share, pin, NULL, wt_result_cb,
                                      &result);
  return wallet_share_manager_confirm_finish (wallet->manager, wait_result (&result), error);
}

static gboolean
cancel (Wallet      *wallet,
        WalletShare *share,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_share_manager_cancel_async (wallet->manager, share, NULL, wt_result_cb, &result);
  return wallet_share_manager_cancel_finish (wallet->manager, wait_result (&result), error);
}

/* Runs the main loop until @share is in @state (fails after a while). */
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

static void
wait_for_final (WalletShare *share)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_MS * 1000;

  while (!wallet_share_is_final (share))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Runs the main loop until @share needs the user or has ended with
 * everything written. */
static void
settle (Wallet      *wallet,
        WalletShare *share)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_share_manager_wait_async (wallet->manager, share, NULL, wt_result_cb, &result);
  wallet_share_manager_wait_finish (wallet->manager, wait_result (&result), &error);
  g_assert_no_error (error);
}

/* The same share, as the list model of @manager holds it now. */
static WalletShare *
find_share (WalletShareManager *manager,
            const char         *id)
{
  WalletShare *share = wallet_share_manager_lookup (manager, id);

  g_assert_nonnull (share);
  return share;
}

static guint
count_share_items (const char *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strconcat (name, ":", NULL);
  guint count = 0;

  wallet_keyring_load_all_async (world.keyring, WALLET_ITEM_SHARE, NULL, wt_result_cb,
                                 &result);
  items = wallet_keyring_load_all_finish (world.keyring, wait_result (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    {
      WalletKeyringItem *item = g_ptr_array_index (items, i);

      if (g_str_has_prefix (item->id, prefix))
        count++;
    }
  return count;
}

/* The credential that arrived in @wallet through @share. */
static WalletCredential *
received_credential (Wallet      *wallet,
                     WalletShare *share)
{
  const char *share_id = wallet_share_get_share_id (share);
  WalletCredential *credential;

  g_assert_nonnull (share_id);
  credential = wallet_store_lookup_by_share_id (wallet->store, share_id);
  g_assert_nonnull (credential);
  g_assert_cmpstr (wallet_credential_get_id (credential), ==,
                   wallet_share_get_credential_id (share));
  return credential;
}

static void
assert_secret_arrived (WalletCredential *credential,
                       const char       *field)
{
  TwSecret *secret = wallet_credential_get_secret (credential, field);

  g_assert_nonnull (secret);
  /* Compared without printing it. */
  g_assert_true (strcmp (tw_secret_get_text (secret), SECRET_MARKER) == 0);
}

/* ---- sending and receiving each type --------------------------------- */

static const char *
secret_field_of (WalletCredentialType type)
{
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD: return WALLET_FIELD_SECRET;
    case WALLET_CREDENTIAL_WIFI: return WALLET_FIELD_PASSWORD;
    case WALLET_CREDENTIAL_ACCESS_CODE: return WALLET_FIELD_CODE;
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_UNKNOWN:
    default: g_assert_not_reached ();
    }
}

static void
count_change (guint *changes)
{
  (*changes)++;
}

static void
check_direct_share (WalletCredentialType type)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, type);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(GError) error = NULL;
  WalletCredential *received;
  guint changes = 0;

  g_signal_connect_swapped (bob->manager, "share-changed", G_CALLBACK (count_change), &changes);
  g_assert_cmpint (wallet_share_get_flow (sent), ==, WALLET_SHARE_FLOW_DIRECT);
  g_assert_false (wallet_share_get_has_pin (sent));
  g_assert_cmpint (wallet_share_get_state (sent), ==, WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT);

  accept_share (bob, incoming);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_OPENED);
  g_assert_cmpint (wallet_share_get_credential_type (incoming), ==, type);
  g_assert_cmpstr (wallet_share_get_title (incoming), ==, wallet_share_get_title (sent));
  g_assert_false (wallet_share_get_sender_verified (incoming));
  g_assert_false (wallet_share_get_from_other_app (incoming));
  g_assert_cmpint (wallet_share_get_seconds_left (incoming), >, 3600);

  confirm (bob, incoming, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_RECEIVED);
  /* Every step was told: connecting, opened, storing, received at least. */
  g_assert_cmpuint (changes, >=, 4);
  received = received_credential (bob, incoming);
  g_assert_cmpint (wallet_credential_get_credential_type (received), ==, type);
  g_assert_cmpstr (wallet_credential_get_id (received), !=, credential_id);
  assert_secret_arrived (received, secret_field_of (type));

  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
  g_assert_false (wallet_share_get_has_link (sent));
  settle (bob, incoming);
  g_assert_cmpint (wallet_ledger_lookup_share (wallet_share_manager_get_ledger (bob->manager),
                                               wallet_share_get_share_id (incoming)),
                   ==, WALLET_LEDGER_OUTCOME_RECEIVED);
}

static void
test_direct_password (void)
{
  check_direct_share (WALLET_CREDENTIAL_PASSWORD);
}

static void
test_direct_wifi (void)
{
  check_direct_share (WALLET_CREDENTIAL_WIFI);
}

static void
test_direct_access_code (void)
{
  check_direct_share (WALLET_CREDENTIAL_ACCESS_CODE);
}

/* A verified share up to the recipient's PIN prompt. */
typedef struct {
  Wallet      *alice;
  Wallet      *bob;
  char        *credential_id;
  WalletShare *sent;
  WalletShare *incoming;
  TwSecret    *pin;
} Verified;

static void
verified_start (Verified             *v,
                WalletCredentialType  type)
{
  g_autofree char *link = NULL;
  g_autoptr(GError) error = NULL;

  v->alice = wallet_new ("alice");
  v->bob = wallet_new ("bob");
  v->credential_id = add_credential (v->alice, type);
  v->sent = share_credential (v->alice, v->credential_id, TRUE);
  g_assert_cmpint (wallet_share_get_flow (v->sent), ==, WALLET_SHARE_FLOW_VERIFIED);
  g_assert_true (wallet_share_get_has_pin (v->sent));
  v->pin = reveal_pin (v->alice, v->sent, NULL, &error);
  g_assert_no_error (error);

  link = link_text (v->sent);
  v->incoming = open_link (v->bob, link);
  accept_share (v->bob, v->incoming);
  g_assert_cmpint (wallet_share_get_state (v->incoming), ==, WALLET_SHARE_STATE_WAITING_FOR_PIN);
  g_assert_cmpuint (wallet_share_get_tries_left (v->incoming), ==, 3);
  g_assert_cmpint (wallet_share_get_flow (v->incoming), ==, WALLET_SHARE_FLOW_VERIFIED);
}

static void
verified_clear (Verified *v)
{
  g_clear_object (&v->sent);
  g_clear_object (&v->incoming);
  g_clear_pointer (&v->pin, tw_secret_unref);
  g_clear_pointer (&v->credential_id, g_free);
  g_clear_pointer (&v->alice, wallet_free);
  g_clear_pointer (&v->bob, wallet_free);
}

/* A PIN that is not the right one. */
static TwSecret *
wrong_pin (TwSecret *pin)
{
  char text[7];

  memcpy (text, tw_secret_get_text (pin), 7);
  text[0] = text[0] == '9' ? '0' : text[0] + 1;
  return wt_secret (text);
}

static void
enter_pin (Verified *v,
           TwSecret *pin)
{
  g_autoptr(GError) error = NULL;

  confirm (v->bob, v->incoming, pin, &error);
  g_assert_no_error (error);
}

static void
verified_finish (Verified *v)
{
  enter_pin (v, v->pin);
  wait_for_state (v->incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (v->sent, WALLET_SHARE_STATE_DELIVERED);
}

static void
check_verified_share (WalletCredentialType type)
{
  Verified v = { 0 };
  WalletCredential *received;

  verified_start (&v, type);
  verified_finish (&v);
  received = received_credential (v.bob, v.incoming);
  assert_secret_arrived (received, secret_field_of (type));
  verified_clear (&v);
}

static void
test_verified_password (void)
{
  check_verified_share (WALLET_CREDENTIAL_PASSWORD);
}

static void
test_verified_wifi (void)
{
  check_verified_share (WALLET_CREDENTIAL_WIFI);
}

static void
test_verified_access_code (void)
{
  check_verified_share (WALLET_CREDENTIAL_ACCESS_CODE);
}

static void
test_digital_key_opens_the_lock (void)
{
  Verified v = { 0 };
  WalletCredential *owner, *key;
  g_autoptr(GBytes) certificate = NULL;
  g_autoptr(TwLock) lock = NULL;
  g_autoptr(GError) error = NULL;
  guint8 owner_public[TW_ED25519_PUBLIC_SIZE], resource[TW_CERT_RESOURCE_ID_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];
  TwLockChallenge challenge;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  verified_start (&v, WALLET_CREDENTIAL_DIGITAL_KEY_OWNER);
  g_assert_cmpint (wallet_share_get_credential_type (v.incoming), ==,
                   WALLET_CREDENTIAL_DIGITAL_KEY);
  verified_finish (&v);

  key = received_credential (v.bob, v.incoming);
  g_assert_cmpint (wallet_credential_get_credential_type (key), ==,
                   WALLET_CREDENTIAL_DIGITAL_KEY);
  certificate = tw_base64_decode_bytes (wallet_credential_get_field (key,
                                                                     WALLET_FIELD_CERTIFICATE),
                                        -1, TW_BASE64_STANDARD, &error);
  g_assert_no_error (error);

  /* The lock trusts alice's owner key and nothing else. */
  owner = wallet_store_lookup (v.alice->store, v.credential_id);
  g_assert_true (tw_ed25519_public_key (wallet_credential_get_secret (owner,
                                                                      WALLET_FIELD_OWNER_KEY),
                                        owner_public, NULL));
  for (guint i = 0; i < TW_CERT_RESOURCE_ID_SIZE; i++)
    {
      const char *hex = wallet_credential_get_field (owner, WALLET_FIELD_RESOURCE_ID);

      resource[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 |
                              g_ascii_xdigit_value (hex[2 * i + 1]));
    }
  g_assert_cmpstr (wallet_credential_get_field (key, WALLET_FIELD_RESOURCE_ID), ==,
                   wallet_credential_get_field (owner, WALLET_FIELD_RESOURCE_ID));

  lock = tw_lock_new (owner_public, resource, 1);
  tw_lock_new_challenge (lock, now, &challenge);
  g_assert_true (tw_lock_response_sign (&challenge, certificate, TW_CERT_RIGHT_UNLOCK,
                                        wallet_credential_get_secret (key,
                                                                      WALLET_FIELD_PRIVATE_KEY),
                                        signature, &error));
  g_assert_no_error (error);
  g_assert_true (tw_lock_check (lock, certificate, TW_CERT_RIGHT_UNLOCK, signature, now,
                                &error));
  g_assert_no_error (error);
  verified_clear (&v);
}

/* ---- PINs ------------------------------------------------------------ */

static void
check_wrong_pins (guint wrong)
{
  Verified v = { 0 };
  g_autoptr(TwSecret) bad = NULL;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  bad = wrong_pin (v.pin);
  for (guint i = 1; i <= wrong && i < 3; i++)
    {
      enter_pin (&v, bad);
      wait_for_state (v.incoming, WALLET_SHARE_STATE_PIN_WRONG);
      g_assert_cmpuint (wallet_share_get_tries_left (v.incoming), ==, 3 - i);
      g_assert_cmpint (wallet_share_get_state (v.sent), ==, WALLET_SHARE_STATE_PIN_WRONG);
      g_assert_cmpuint (wallet_share_get_tries_left (v.sent), ==, 3 - i);
      g_assert_null (wallet_store_lookup_by_share_id (v.bob->store,
                                                      wallet_share_get_share_id (v.incoming)));
    }

  if (wrong < 3)
    {
      verified_finish (&v);
      assert_secret_arrived (received_credential (v.bob, v.incoming), WALLET_FIELD_SECRET);
    }
  else
    {
      enter_pin (&v, bad);
      wait_for_state (v.sent, WALLET_SHARE_STATE_FAILED);
      g_assert_error (wallet_share_get_error (v.sent), WALLET_SHARE_ERROR,
                      WALLET_SHARE_ERROR_PIN_ATTEMPTS);
      wait_for_state (v.incoming, WALLET_SHARE_STATE_FAILED);
      g_assert_error (wallet_share_get_error (v.incoming), WALLET_SHARE_ERROR,
                      WALLET_SHARE_ERROR_PIN_ATTEMPTS);
      g_assert_null (wallet_store_lookup_by_share_id (v.bob->store,
                                                      wallet_share_get_share_id (v.incoming)));
    }
  verified_clear (&v);
}

static void
test_wrong_pin_once (void)
{
  check_wrong_pins (1);
}

static void
test_wrong_pin_twice (void)
{
  check_wrong_pins (2);
}

static void
test_wrong_pin_three_times (void)
{
  check_wrong_pins (3);
}

static void
test_pin_shown_once_then_needs_proof (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, TRUE);
  g_autoptr(WalletAuthProof) accept_proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(WalletAuthProof) send_proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(TwSecret) first = NULL, again = NULL, hidden = NULL;
  g_autoptr(GError) error = NULL;

  first = reveal_pin (alice, sent, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wallet_share_get_pin_revealed (sent));

  hidden = reveal_pin (alice, sent, NULL, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_PIN_HIDDEN);
  g_assert_null (hidden);
  g_clear_error (&error);

  hidden = reveal_pin (alice, sent, accept_proof, &error);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_WRONG_PURPOSE);
  g_assert_null (hidden);
  g_clear_error (&error);

  /* The mark survives a restart: no free second look. */
  wallet_restart (alice);
  sent = g_object_ref (find_share (alice->manager, wallet_share_get_id (sent)));
  g_assert_true (wallet_share_get_pin_revealed (sent));
  hidden = reveal_pin (alice, sent, NULL, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_PIN_HIDDEN);
  g_clear_error (&error);

  again = reveal_pin (alice, sent, send_proof, &error);
  g_assert_no_error (error);
  g_assert_true (tw_secret_equal (first, again));
}

/* ---- the proof gate ----------------------------------------------------- */

static void
test_create_without_proof_writes_nothing (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletAuthProof) used = proof_for (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(WalletAuthProof) accept_proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(WalletShare) share = NULL;
  g_autoptr(GError) error = NULL;
  guint requests_before = relay_mailbox_requests (&world.relay);

  share = try_share (alice, credential_id, FALSE, NULL, &error);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_NO_PROOF);
  g_assert_null (share);
  g_clear_error (&error);

  share = try_share (alice, credential_id, FALSE, accept_proof, &error);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_WRONG_PURPOSE);
  g_clear_error (&error);

  g_assert_true (wallet_auth_proof_consume (used, WALLET_AUTH_PURPOSE_SEND, NULL));
  share = try_share (alice, credential_id, FALSE, used, &error);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_USED);
  g_clear_error (&error);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (alice->manager)), ==, 0);
  g_assert_cmpuint (count_share_items (alice->name), ==, 0);
  g_assert_cmpuint (relay_mailbox_requests (&world.relay), ==, requests_before);
}

static void
test_accept_without_proof_binds_nothing (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(WalletAuthProof) send_proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(GError) error = NULL;
  guint requests_before = relay_mailbox_requests (&world.relay);
  guint bob_items = count_share_items (bob->name);

  try_accept (bob, incoming, NULL, &error);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_NO_PROOF);
  g_clear_error (&error);
  try_accept (bob, incoming, send_proof, &error);
  g_assert_error (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_WRONG_PURPOSE);
  g_clear_error (&error);

  /* Nothing reached the relay or the keyring, and nothing was stored. */
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_NEW);
  g_assert_cmpuint (count_share_items (bob->name), ==, bob_items);
  g_assert_cmpuint (relay_mailbox_requests (&world.relay), ==, requests_before);
  g_assert_null (wallet_share_get_share_id (incoming));

  /* The share is intact: with a proof it goes through. */
  accept_share (bob, incoming);
  confirm (bob, incoming, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_RECEIVED);
}

static void
test_untrusted_relay_needs_explicit_choice (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autoptr(GSettings) settings = wallet_settings_new ();
  g_autoptr(WalletRelays) relays = wallet_relays_new (settings);
  g_autoptr(WalletShareManager) trusting = NULL;
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = NULL, trusted_view = NULL;
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  incoming = open_link (bob, link);
  g_assert_false (wallet_share_get_relay_trusted (incoming));
  g_assert_cmpstr (wallet_share_get_relay (incoming), ==, world.relay.base_url);

  wallet_share_manager_accept_async (bob->manager, incoming, proof,
                                     WALLET_SHARE_ACCEPT_DEFAULT, NULL, wt_result_cb, &result);
  wallet_share_manager_accept_finish (bob->manager, wait_result (&result), &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_NOT_TRUSTED);
  g_clear_error (&error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_NEW);
  /* The refusal did not use up the confirmation. */
  g_assert_true (wallet_auth_proof_check (proof, WALLET_AUTH_PURPOSE_ACCEPT, NULL));

  /* A wallet that trusts the relay sees the link as trusted. */
  g_assert_true (wallet_relays_add (relays, world.relay.base_url, &error));
  g_assert_no_error (error);
  trusting = wallet_share_manager_new_with_namespace (bob->store, NULL, relays, "trusting");
  trusted_view = wallet_share_manager_open_link (trusting, link, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wallet_share_get_relay_trusted (trusted_view));
  g_assert_true (wallet_relays_remove (relays, world.relay.base_url, NULL));

  try_accept (bob, incoming, proof, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_OPENED);
}

/* ---- cancel by either side ---------------------------------------------- */

static void
test_sender_cancels_before_opening (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_WIFI);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(GError) error = NULL;

  cancel (alice, sent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (sent), ==, WALLET_SHARE_STATE_CANCELLED);
  g_assert_false (wallet_share_get_has_link (sent));

  incoming = open_link (bob, link);
  proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  try_accept (bob, incoming, proof, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ENDED);
  g_assert_true (wallet_share_is_final (incoming));
}

static void
test_sender_cancels_while_recipient_types_pin (void)
{
  Verified v = { 0 };
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  cancel (v.alice, v.sent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (v.sent), ==, WALLET_SHARE_STATE_CANCELLED);

  /* Bob learns it while he is still at the PIN prompt; nothing is stored,
   * and his PIN has nowhere to go. */
  wait_for_state (v.incoming, WALLET_SHARE_STATE_CANCELLED);
  confirm (v.bob, v.incoming, v.pin, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE);
  g_assert_null (wallet_store_lookup_by_share_id (v.bob->store,
                                                  wallet_share_get_share_id (v.incoming)));
  verified_clear (&v);
}

static void
test_sender_cancels_while_waiting_for_recipient (void)
{
  Verified v = { 0 };
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_ACCESS_CODE);
  /* Bob sent a wrong PIN; alice cancels while he is at it again. */
  {
    g_autoptr(TwSecret) bad = wrong_pin (v.pin);

    enter_pin (&v, bad);
  }
  wait_for_state (v.incoming, WALLET_SHARE_STATE_PIN_WRONG);
  cancel (v.alice, v.sent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (v.sent), ==, WALLET_SHARE_STATE_CANCELLED);
  confirm (v.bob, v.incoming, v.pin, &error);
  g_clear_error (&error);
  wait_for_final (v.incoming);
  g_assert_cmpint (wallet_share_get_state (v.incoming), !=, WALLET_SHARE_STATE_RECEIVED);
  verified_clear (&v);
}

static void
test_recipient_declines_direct (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(WalletShare) again = NULL;
  g_autoptr(GError) error = NULL;

  accept_share (bob, incoming);
  cancel (bob, incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_DECLINED);
  g_assert_null (wallet_store_lookup_by_share_id (bob->store,
                                                  wallet_share_get_share_id (incoming)));
  wait_for_state (sent, WALLET_SHARE_STATE_DECLINED);

  /* The same link does not start again. */
  again = wallet_share_manager_open_link (bob->manager, link, NULL, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ENDED);
  g_assert_null (again);
}

static void
test_recipient_declines_at_pin_prompt (void)
{
  Verified v = { 0 };
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_WIFI);
  cancel (v.bob, v.incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (v.incoming), ==, WALLET_SHARE_STATE_DECLINED);
  wait_for_state (v.sent, WALLET_SHARE_STATE_DECLINED);
  verified_clear (&v);
}

static void
test_recipient_drops_unopened_link (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(GError) error = NULL;
  guint requests_before = relay_mailbox_requests (&world.relay);

  cancel (bob, incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob->manager)), ==, 0);
  g_assert_cmpuint (relay_mailbox_requests (&world.relay), ==, requests_before);
  g_assert_cmpint (wallet_share_get_state (sent), ==, WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT);
}

/* ---- the ledger and links opened again -------------------------------- */

static void
test_same_link_twice_is_one_share (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autoptr(TwSecret) https = wallet_share_dup_link (sent, WALLET_SHARE_LINK_HTTPS);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) first = open_link (bob, link);
  g_autoptr(WalletShare) second = NULL;
  g_autoptr(GError) error = NULL;

  /* Another spelling of the same link, with spaces as people paste it. */
  g_autofree char *pasted = g_strdup_printf ("  %s\n", tw_secret_get_text (https));

  second = wallet_share_manager_open_link (bob->manager, pasted, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (first == second);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob->manager)), ==, 1);
}

static void
test_used_link_is_already_in_wallet (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_ACCESS_CODE);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(WalletShare) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n_credentials;

  accept_share (bob, incoming);
  confirm (bob, incoming, NULL, &error);
  g_assert_no_error (error);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
  settle (bob, incoming);
  g_assert_cmpuint (wallet_share_manager_get_n_active (bob->manager), ==, 0);
  n_credentials = g_list_model_get_n_items (G_LIST_MODEL (bob->store));

  wallet_share_manager_remove_async (bob->manager, incoming, NULL, wt_result_cb, &result);
  wallet_share_manager_remove_finish (bob->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob->manager)), ==, 0);
  g_clear_object (&result);

  /* After a restart too: the ledger is in the keyring. */
  wallet_restart (bob);
  again = wallet_share_manager_open_link (bob->manager, link, NULL, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ALREADY_IN_WALLET);
  g_assert_null (again);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob->store)), ==, n_credentials);
}

static void
test_link_opened_on_another_device (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autoptr(Wallet) eve = wallet_new ("eve");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, TRUE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(WalletShare) stolen = NULL;
  g_autoptr(WalletAuthProof) proof = NULL;
  g_autoptr(GError) error = NULL;

  accept_share (bob, incoming);

  /* Eve holds the same link but comes second. */
  stolen = open_link (eve, link);
  proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  try_accept (eve, stolen, proof, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE);
  g_clear_error (&error);
  g_assert_cmpint (wallet_share_get_state (stolen), ==, WALLET_SHARE_STATE_FAILED);
  g_assert_null (wallet_share_get_title (stolen));

  /* Opened again, before and after a restart, it says so. */
  g_clear_object (&stolen);
  stolen = wallet_share_manager_open_link (eve->manager, link, NULL, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE);
  g_assert_null (stolen);
  g_clear_error (&error);
  wallet_restart (eve);
  stolen = wallet_share_manager_open_link (eve->manager, link, NULL, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE);
}

/* ---- restarts ------------------------------------------------------------ */

static void
test_sender_restarts_mid_way (void)
{
  Verified v = { 0 };
  g_autofree char *id = NULL;
  WalletShare *resumed;

  verified_start (&v, WALLET_CREDENTIAL_WIFI);
  id = g_strdup (wallet_share_get_id (v.sent));
  g_clear_object (&v.sent);
  g_assert_finalize_object (v.alice->manager);
  v.alice->manager = NULL;

  /* Bob answers while alice's wallet is closed. */
  enter_pin (&v, v.pin);
  g_assert_cmpint (wallet_share_get_state (v.incoming), ==,
                   WALLET_SHARE_STATE_WAITING_FOR_SENDER);

  wallet_open_manager (v.alice);
  resumed = find_share (v.alice->manager, id);
  wait_for_state (v.incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (resumed, WALLET_SHARE_STATE_DELIVERED);
  assert_secret_arrived (received_credential (v.bob, v.incoming), WALLET_FIELD_PASSWORD);
  verified_clear (&v);
}

static void
test_recipient_restarts_mid_way (void)
{
  Verified v = { 0 };
  g_autofree char *id = NULL;
  WalletShare *resumed;
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_ACCESS_CODE);
  id = g_strdup (wallet_share_get_id (v.incoming));
  g_clear_object (&v.incoming);
  wallet_restart (v.bob);

  /* Bound before the restart, and still this device's after it. */
  resumed = find_share (v.bob->manager, id);
  wait_for_state (resumed, WALLET_SHARE_STATE_WAITING_FOR_PIN);
  confirm (v.bob, resumed, v.pin, &error);
  g_assert_no_error (error);
  wait_for_state (resumed, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (v.sent, WALLET_SHARE_STATE_DELIVERED);
  assert_secret_arrived (received_credential (v.bob, resumed), WALLET_FIELD_CODE);
  verified_clear (&v);
}

/* Credentials holding @share_id, as a store freshly loaded from the
 * keyring sees them. */
static guint
count_credentials_from (const char *share_id)
{
  g_autoptr(WalletStore) store = wallet_store_new (world.vault);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n_items, count = 0;

  wallet_store_load_async (store, NULL, wt_result_cb, &result);
  wallet_store_load_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (g_strcmp0 (wallet_credential_get_share_id (credential), share_id) == 0)
        count++;
    }
  return count;
}

/* Runs the main loop for @ms milliseconds. */
static void
spin_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* The recipient's app stops after saving "received" but before its receipt
 * reached the relay: the next start sends that receipt, and the sender
 * hears of it long before the share would expire. */
static void
test_recipient_restarts_before_its_receipt (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autofree char *id = g_strdup (wallet_share_get_id (incoming));
  g_autofree char *share_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_MS * 1000;
  WalletShare *resumed;
  guint updates;

  accept_share (bob, incoming);
  wallet_share_manager_test_stop_before_final_write (bob->manager);
  confirm (bob, incoming, NULL, &error);
  g_assert_no_error (error);
  while (wallet_share_manager_test_get_final_writes_stopped (bob->manager) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  share_id = g_strdup (wallet_share_get_share_id (incoming));
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_RECEIVED);
  g_assert_cmpuint (count_credentials_from (share_id), ==, 1);

  /* No receipt went out, so the sender still waits. */
  updates = relay_route_requests (&world.relay, "update");
  spin_for (300);
  g_assert_cmpint (wallet_share_get_state (sent), !=, WALLET_SHARE_STATE_DELIVERED);
  g_assert_cmpuint (relay_route_requests (&world.relay, "update"), ==, updates);
  /* Hours to go: what follows cannot be the share expiring. */
  g_assert_cmpint (wallet_share_get_seconds_left (sent), >, 3600);

  g_clear_object (&incoming);
  wallet_restart (bob);
  resumed = find_share (bob->manager, id);
  g_assert_cmpint (wallet_share_get_state (resumed), ==, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
  settle (bob, resumed);
  /* The receipt was written once more, and nothing was stored again. */
  g_assert_cmpuint (relay_route_requests (&world.relay, "update"), ==, updates + 1);
  g_assert_cmpuint (count_credentials_from (share_id), ==, 1);
  assert_secret_arrived (received_credential (bob, resumed),
                         secret_field_of (WALLET_CREDENTIAL_PASSWORD));
  g_assert_cmpint (wallet_ledger_lookup_share (wallet_share_manager_get_ledger (bob->manager),
                                               share_id),
                   ==, WALLET_LEDGER_OUTCOME_RECEIVED);
}

/* The recipient's app stops just after its PIN answer reached the relay
 * and before it saved anything more, and the sender delivers meanwhile. On
 * the next start the recipient sends the same answer again; the relay takes
 * it as done already and answers with the ETag of the sender's delivery,
 * which must still be read, not taken for the recipient's own message. */
static void
test_recipient_restarts_after_its_answer (void)
{
  Verified v = { 0 };
  g_autofree char *incoming_id = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_MS * 1000;
  WalletShare *resumed;
  guint updates;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  enter_pin (&v, v.pin);
  updates = relay_route_requests (&world.relay, "update");
  incoming_id = g_strdup (wallet_share_get_id (v.incoming));
  g_clear_object (&v.incoming);
  g_assert_finalize_object (v.bob->manager);
  v.bob->manager = NULL;

  /* The sender's delivery lands while the recipient's app is closed. */
  while (relay_route_requests (&world.relay, "update") == updates)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      spin_for (20);
    }
  wallet_open_manager (v.bob);
  resumed = find_share (v.bob->manager, incoming_id);
  /* What was saved before the answer went out: the PIN is given, so it is
   * not the user's turn (`tigress run` leaves such a share alone). */
  g_assert_false (wallet_share_needs_user (resumed));
  g_assert_cmpint (wallet_share_get_state (resumed), ==, WALLET_SHARE_STATE_WAITING_FOR_SENDER);
  wait_for_state (resumed, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (v.sent, WALLET_SHARE_STATE_DELIVERED);
  g_assert_cmpuint (count_credentials_from (wallet_share_get_share_id (resumed)), ==, 1);
  verified_clear (&v);
}

static void
test_both_restart_after_a_wrong_pin (void)
{
  Verified v = { 0 };
  g_autofree char *sent_id = NULL, *incoming_id = NULL;
  g_autoptr(TwSecret) bad = NULL;
  WalletShare *sent, *incoming;
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  bad = wrong_pin (v.pin);
  enter_pin (&v, bad);
  wait_for_state (v.incoming, WALLET_SHARE_STATE_PIN_WRONG);
  sent_id = g_strdup (wallet_share_get_id (v.sent));
  incoming_id = g_strdup (wallet_share_get_id (v.incoming));
  g_clear_object (&v.sent);
  g_clear_object (&v.incoming);
  wallet_restart (v.alice);
  wallet_restart (v.bob);

  sent = find_share (v.alice->manager, sent_id);
  incoming = find_share (v.bob->manager, incoming_id);
  g_assert_cmpuint (wallet_share_get_tries_left (incoming), ==, 2);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_PIN_WRONG);
  confirm (v.bob, incoming, v.pin, &error);
  g_assert_no_error (error);
  wait_for_state (incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
  verified_clear (&v);
}

/* ---- the relay down, and expiry ------------------------------------------ */

static void
test_relay_stopped_and_restarted (void)
{
  Verified v = { 0 };
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  test_relay_stop (&world.relay);

  /* Offline, the answer cannot leave; the share waits and says why. */
  confirm (v.bob, v.incoming, v.pin, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE);
  g_clear_error (&error);
  g_assert_false (wallet_share_is_final (v.incoming));
  g_assert_error (wallet_share_get_error (v.incoming), WALLET_SHARE_ERROR,
                  WALLET_SHARE_ERROR_RELAY_UNREACHABLE);
  wt_sleep (600);
  g_assert_false (wallet_share_is_final (v.sent));

  test_relay_start (&world.relay);
  wait_for_state (v.incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (v.sent, WALLET_SHARE_STATE_DELIVERED);
  g_assert_null (wallet_share_get_error (v.incoming));
  verified_clear (&v);
}

static void
test_share_expires (void)
{
  TestRelay short_relay = { 0 };
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  /* Both confirmations first: they take a while under a sanitizer. */
  g_autoptr(WalletAuthProof) accept_proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(WalletShare) sent = NULL, incoming = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GError) error = NULL;
  WalletShareOptions options = { 0 };

  short_relay.max_expiry = "4s";
  test_relay_start (&short_relay);
  options.credential_id = credential_id;
  options.with_pin = TRUE;
  options.relay_url = short_relay.base_url;
  wallet_share_manager_create_async (alice->manager, &options, proof, NULL, wt_result_cb,
                                     &result);
  sent = wallet_share_manager_create_finish (alice->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_seconds_left (sent), <=, 4);

  link = link_text (sent);
  incoming = open_link (bob, link);
  try_accept (bob, incoming, accept_proof, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_WAITING_FOR_PIN);

  /* Bob is too slow to type the PIN. */
  wait_for_state (sent, WALLET_SHARE_STATE_EXPIRED);
  wait_for_state (incoming, WALLET_SHARE_STATE_EXPIRED);
  g_assert_false (wallet_share_get_has_link (sent));

  test_relay_free (&short_relay);
}

/* ---- the keyring failing mid-way (group 4: a daemon of the test's own) -- */

static WtDaemon *own_daemon;

static guint
count_with_share_id (const char *share_id)
{
  g_autoptr(WalletStore) fresh = wallet_store_new (world.vault);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  wallet_store_load_async (fresh, NULL, wt_result_cb, &result);
  wallet_store_load_finish (fresh, wait_result (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fresh)); i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (G_LIST_MODEL (fresh), i);

      if (g_strcmp0 (wallet_credential_get_share_id (credential), share_id) == 0)
        count++;
    }
  return count;
}

static void
test_hung_keyring_keeps_the_share (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(GError) error = NULL;
  guint updates_before;

  accept_share (bob, incoming);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_OPENED);
  updates_before = relay_route_requests (&world.relay, "update");

  /* The keyring hangs just as bob saves the credential. */
  wt_daemon_signal (own_daemon, SIGSTOP);
  confirm (bob, incoming, NULL, &error);
  g_assert_nonnull (error);
  g_assert_true (error->domain == WALLET_KEYRING_ERROR ||
                 g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_STORE_PENDING));
  g_clear_error (&error);
  wt_sleep (2500);

  /* Nothing went to the relay because of it: no receipt, no cancel. */
  g_assert_false (wallet_share_is_final (incoming));
  g_assert_nonnull (wallet_share_get_error (incoming));
  g_assert_cmpuint (relay_route_requests (&world.relay, "update"), ==, updates_before);
  /* The sender hears of bob's binding at once (QA F1), and of nothing more. */
  g_assert_false (wallet_share_is_final (sent));
  g_assert_cmpint (wallet_share_get_state (sent), !=, WALLET_SHARE_STATE_DELIVERED);

  /* Back, it finishes on its own, and stores the credential once. */
  wt_daemon_signal (own_daemon, SIGCONT);
  wait_for_state (incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
  settle (bob, incoming);
  g_assert_null (wallet_share_get_error (incoming));
  g_assert_cmpuint (count_with_share_id (wallet_share_get_share_id (incoming)), ==, 1);
}

static WalletAuthProof *locked_test_proof;

static void
test_locked_wallet_pauses_and_resumes (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_WIFI);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, TRUE);
  g_autoptr(TwSecret) pin = NULL, passcode = wt_secret (PASSCODE);
  g_autofree char *link = link_text (sent), *sent_id = NULL, *incoming_id = NULL;
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletShare *resumed_sent, *resumed_incoming;

  pin = reveal_pin (alice, sent, NULL, &error);
  g_assert_no_error (error);
  accept_share (bob, incoming);
  sent_id = g_strdup (wallet_share_get_id (sent));
  incoming_id = g_strdup (wallet_share_get_id (incoming));

  /* Locked: every secret goes, the shares stay in the lists, and nothing
   * new starts. */
  locked_test_proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  wallet_vault_lock (world.vault);
  g_assert_false (wallet_share_get_has_link (sent));
  confirm (bob, incoming, pin, &error);
  g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_true (wallet_share_manager_lookup (bob->manager, incoming_id) == incoming);
  {
    g_autoptr(WalletAuthProof) unused = g_steal_pointer (&locked_test_proof);
    g_autoptr(WalletShare) refused = try_share (alice, credential_id, FALSE, unused, &error);

    g_assert_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED);
    g_assert_null (refused);
    g_clear_error (&error);
    g_assert_true (wallet_auth_proof_check (unused, WALLET_AUTH_PURPOSE_SEND, NULL));
  }

  wallet_vault_unlock_async (world.vault, passcode, NULL, wt_result_cb, &result);
  wallet_vault_unlock_finish (world.vault, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  wallet_share_manager_load_async (alice->manager, NULL, wt_result_cb, &result);
  wallet_share_manager_load_finish (alice->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  wallet_share_manager_load_async (bob->manager, NULL, wt_result_cb, &result);
  wallet_share_manager_load_finish (bob->manager, wait_result (&result), &error);
  g_assert_no_error (error);

  resumed_sent = find_share (alice->manager, sent_id);
  resumed_incoming = find_share (bob->manager, incoming_id);
  g_assert_true (wallet_share_get_has_link (resumed_sent));
  wait_for_state (resumed_incoming, WALLET_SHARE_STATE_WAITING_FOR_PIN);
  confirm (bob, resumed_incoming, pin, &error);
  g_assert_no_error (error);
  wait_for_state (resumed_incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (resumed_sent, WALLET_SHARE_STATE_DELIVERED);
}

static void
test_reconnect_skips_the_back_off (void)
{
  Verified v = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 started;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  /* Back-off long enough that only a reconnect brings the share back soon. */
  wallet_share_manager_set_retry_delays (v.bob->manager, 20000, 60000);
  test_relay_stop (&world.relay);
  confirm (v.bob, v.incoming, v.pin, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE);
  g_clear_error (&error);

  test_relay_start (&world.relay);
  started = g_get_monotonic_time ();
  wallet_share_manager_reconnect (v.bob->manager);
  wallet_share_manager_reconnect (v.alice->manager);
  wait_for_state (v.incoming, WALLET_SHARE_STATE_RECEIVED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 8 * G_USEC_PER_SEC);
  wait_for_state (v.sent, WALLET_SHARE_STATE_DELIVERED);
  verified_clear (&v);
}

/* The relay goes down while Bob sends his PIN, and Bob's back-off is far
 * longer than the test waits; the relay comes back; then @wake_up, an
 * event from outside, must bring the share through at once. */
static void
check_event_skips_the_back_off (void (*wake_up) (void))
{
  Verified v = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 started;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  wallet_share_manager_set_retry_delays (v.bob->manager, 30000, 60000);
  wallet_share_manager_set_retry_delays (v.alice->manager, 30000, 60000);
  /* Long polls as in real use: a poll restarted late would show. */
  wallet_share_manager_set_polling (v.bob->manager, 25, 0);
  wallet_share_manager_set_polling (v.alice->manager, 25, 0);
  test_relay_stop (&world.relay);
  confirm (v.bob, v.incoming, v.pin, &error);
  g_assert_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE);
  g_clear_error (&error);
  /* Alice's long poll fails too and she backs off. */
  spin_for (500);

  test_relay_start (&world.relay);
  spin_for (300);
  g_assert_cmpint (wallet_share_get_state (v.incoming), !=, WALLET_SHARE_STATE_RECEIVED);
  started = g_get_monotonic_time ();
  wake_up ();
  wait_for_state (v.incoming, WALLET_SHARE_STATE_RECEIVED);
  wait_for_state (v.sent, WALLET_SHARE_STATE_DELIVERED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
  verified_clear (&v);
}

/* What logind sends on the system bus after a resume, from the
 * python3-dbusmock logind that tests/polkit-mock-run started. */
static void
resume_from_suspend (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (bus);
  answer = g_dbus_connection_call_sync (bus, "org.freedesktop.login1", "/org/freedesktop/login1",
                                        "org.freedesktop.DBus.Mock", "EmitSignal",
                                        g_variant_new ("(sss@av)",
                                                       "org.freedesktop.login1.Manager",
                                                       "PrepareForSleep", "b",
                                                       g_variant_new_array (
                                                         G_VARIANT_TYPE_VARIANT,
                                                         (GVariant *[]) {
                                                           g_variant_new_variant (
                                                             g_variant_new_boolean (FALSE)) },
                                                         1)),
                                        NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

/* GNetworkMonitor's own signal on the process's monitor, as GLib emits
 * it when a link or route comes back. */
static void
network_comes_back (void)
{
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
}

static void
test_resume_skips_the_back_off (void)
{
  check_event_skips_the_back_off (resume_from_suspend);
}

static void
test_network_back_skips_the_back_off (void)
{
  check_event_skips_the_back_off (network_comes_back);
}

/* Locks the "login" collection through the Secret Service, as a user or
 * another app could. */
static void
lock_collection (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char *objects[] = { "/org/freedesktop/secrets/collection/login", NULL };
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                        "/org/freedesktop/secrets",
                                        "org.freedesktop.Secret.Service", "Lock",
                                        g_variant_new ("(^ao)", objects), NULL,
                                        G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
}

static void
test_locked_keyring_binds_nothing (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_ACCESS_CODE);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = open_link (bob, link);
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(GError) error = NULL;
  guint reads_before = relay_route_requests (&world.relay, "read");

  /* The state cannot be saved, so the mailbox is not read (not bound). */
  lock_collection ();
  try_accept (bob, incoming, proof, &error);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_cmpint (wallet_share_get_state (incoming), ==, WALLET_SHARE_STATE_CONNECTING);
  wt_sleep (500);
  g_assert_cmpuint (relay_route_requests (&world.relay, "read"), ==, reads_before);

  /* Unlocked again (a new daemon, unlocked at its start), it goes on. */
  wt_daemon_kill (own_daemon);
  wt_daemon_start (own_daemon, TRUE, NULL);
  wallet_share_manager_reconnect (bob->manager);
  wait_for_state (incoming, WALLET_SHARE_STATE_OPENED);
  confirm (bob, incoming, NULL, &error);
  g_assert_no_error (error);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
}

/* QA F1: a device that opened the link and stopped before the PIN
 * changes no payload; the sender still hears of it at once, not when its
 * long poll runs out. */
static void
test_sender_hears_of_a_binding_at_once (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = NULL;
  g_autofree char *text = NULL;
  g_autoptr(TwLink) link = NULL;
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autoptr(TwSecret) bind_token = NULL;
  g_autoptr(TwRelayMailbox) mailbox = NULL;
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 bound_at;

  /* Long polls as in real use: 25 s. */
  wallet_share_manager_set_polling (alice->manager, 25, 0);
  sent = share_credential (alice, credential_id, TRUE);
  text = link_text (sent);
  wait_for_state (sent, WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT);
  /* Alice's poll is waiting at the relay by now. */
  spin_for (1500);

  link = tw_link_parse (text, NULL);
  g_assert_nonnull (link);
  bind_token = tw_link_key_derive_bind_token (tw_link_get_key (link), &error);
  g_assert_no_error (error);
  mailbox = tw_relay_mailbox_new_for_link (link, claim, NULL, &error);
  g_assert_no_error (error);
  tw_relay_mailbox_read_content_async (mailbox, bind_token, NULL, 0, NULL, wt_result_cb,
                                       &result);
  content = tw_relay_mailbox_read_content_finish (mailbox, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (content->binding_epoch, ==, 1);
  bound_at = g_get_monotonic_time ();

  wait_for_state (sent, WALLET_SHARE_STATE_OPENED);
  g_assert_cmpint (g_get_monotonic_time () - bound_at, <, 6 * G_USEC_PER_SEC);
}

/* Another device binds the mailbox of @link, then gives it up. */
static void
bind_and_relinquish (const char *link_text)
{
  g_autoptr(TwLink) link = tw_link_parse (link_text, NULL);
  g_autoptr(TwSecret) claim = tw_relay_new_device_claim ();
  g_autoptr(TwSecret) bind_token = NULL;
  g_autoptr(TwRelayMailbox) mailbox = NULL;
  g_autoptr(TwRelayContent) content = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (link);
  bind_token = tw_link_key_derive_bind_token (tw_link_get_key (link), &error);
  g_assert_no_error (error);
  mailbox = tw_relay_mailbox_new_for_link (link, claim, NULL, &error);
  g_assert_no_error (error);

  tw_relay_mailbox_read_content_async (mailbox, bind_token, NULL, 0, NULL, wt_result_cb,
                                       &result);
  content = tw_relay_mailbox_read_content_finish (mailbox, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (content->binding_epoch, ==, 1);
  g_clear_object (&result);

  tw_relay_mailbox_relinquish_async (mailbox, NULL, NULL, wt_result_cb, &result);
  tw_relay_mailbox_relinquish_finish (mailbox, wait_result (&result), &error);
  g_assert_no_error (error);
}

static void
test_opened_on_several_devices (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autoptr(Wallet) bob = wallet_new ("bob");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletShare) sent = share_credential (alice, credential_id, FALSE);
  g_autofree char *link = link_text (sent);
  g_autoptr(WalletShare) incoming = NULL;
  g_autoptr(GError) error = NULL;

  /* Someone else opened the direct share first and let it go again. */
  bind_and_relinquish (link);
  incoming = open_link (bob, link);
  accept_share (bob, incoming);
  g_assert_cmpint (wallet_share_get_state (incoming), ==,
                   WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES);
  g_assert_true (wallet_share_get_opened_on_several_devices (incoming));
  g_assert_true (wallet_share_needs_user (incoming));

  confirm (bob, incoming, NULL, &error);
  g_assert_no_error (error);
  wait_for_state (sent, WALLET_SHARE_STATE_DELIVERED);
  g_assert_true (wallet_share_get_opened_on_several_devices (sent));
  g_assert_true (wallet_share_get_opened_on_several_devices (incoming));
}

static void
test_locked_keyring_fails_a_new_share (void)
{
  g_autoptr(Wallet) alice = wallet_new ("alice");
  g_autofree char *credential_id = add_credential (alice, WALLET_CREDENTIAL_WIFI);
  g_autoptr(WalletAuthProof) proof = proof_for (WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(WalletShare) share = NULL;
  g_autoptr(GError) error = NULL;
  guint creates_before = relay_route_requests (&world.relay, "create");
  WalletShare *listed;

  lock_collection ();
  share = try_share (alice, credential_id, FALSE, proof, &error);
  g_assert_error (error, WALLET_KEYRING_ERROR, WALLET_KEYRING_ERROR_LOCKED);
  g_assert_null (share);
  g_assert_cmpuint (relay_route_requests (&world.relay, "create"), ==, creates_before);

  /* It is listed as failed, never retried into a link nobody saw. */
  listed = g_list_model_get_item (G_LIST_MODEL (alice->manager), 0);
  g_assert_cmpint (wallet_share_get_state (listed), ==, WALLET_SHARE_STATE_FAILED);
  g_assert_false (wallet_share_get_has_link (listed));
  g_object_unref (listed);

  wt_daemon_kill (own_daemon);
  wt_daemon_start (own_daemon, TRUE, NULL);
  wt_sleep (1000);
  g_assert_cmpuint (relay_route_requests (&world.relay, "create"), ==, creates_before);
}

static void
test_decline_while_sender_is_closed (void)
{
  Verified v = { 0 };
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  verified_start (&v, WALLET_CREDENTIAL_PASSWORD);
  id = g_strdup (wallet_share_get_id (v.sent));
  g_clear_object (&v.sent);
  g_assert_finalize_object (v.alice->manager);
  v.alice->manager = NULL;

  /* Bob declines, and his cancel and delete land while alice is away. */
  cancel (v.bob, v.incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (v.incoming), ==, WALLET_SHARE_STATE_DECLINED);

  wallet_open_manager (v.alice);
  v.sent = g_object_ref (find_share (v.alice->manager, id));
  wait_for_final (v.sent);
  g_assert_cmpint (wallet_share_get_state (v.sent), ==, WALLET_SHARE_STATE_DECLINED);
  verified_clear (&v);
}

static void
test_cancel_while_recipient_is_closed (void)
{
  Verified v = { 0 };
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  WalletShare *resumed;

  verified_start (&v, WALLET_CREDENTIAL_WIFI);
  id = g_strdup (wallet_share_get_id (v.incoming));
  g_clear_object (&v.incoming);
  g_assert_finalize_object (v.bob->manager);
  v.bob->manager = NULL;

  cancel (v.alice, v.sent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_share_get_state (v.sent), ==, WALLET_SHARE_STATE_CANCELLED);

  wallet_open_manager (v.bob);
  resumed = find_share (v.bob->manager, id);
  wait_for_final (resumed);
  g_assert_cmpint (wallet_share_get_state (resumed), ==, WALLET_SHARE_STATE_CANCELLED);
  verified_clear (&v);
}

/* Five programs share this file (SHARE_TEST_GROUP), each under a minute;
 * group 4 runs on a keyring daemon of its own, group 5 through
 * tests/polkit-mock-run with a logind mock. */
static const struct
{
  int group;
  const char *path;
  GTestFunc func;
} share_tests[] = {
  { 1, "/share-manager/direct/password-arrives",
    test_direct_password },
  { 1, "/share-manager/direct/wifi-arrives",
    test_direct_wifi },
  { 1, "/share-manager/direct/access-code-arrives",
    test_direct_access_code },
  { 1, "/share-manager/verified/password-arrives",
    test_verified_password },
  { 1, "/share-manager/verified/wifi-arrives",
    test_verified_wifi },
  { 1, "/share-manager/verified/access-code-arrives",
    test_verified_access_code },
  { 1, "/share-manager/verified/digital-key-opens-the-lock",
    test_digital_key_opens_the_lock },
  { 1, "/share-manager/pin/wrong-once-then-right",
    test_wrong_pin_once },
  { 1, "/share-manager/pin/wrong-twice-then-right",
    test_wrong_pin_twice },
  { 1, "/share-manager/pin/wrong-three-times-ends-the-share",
    test_wrong_pin_three_times },
  { 1, "/share-manager/pin/shown-once-then-needs-confirmation",
    test_pin_shown_once_then_needs_proof },
  { 2, "/share-manager/proof/no-send-proof-writes-nothing",
    test_create_without_proof_writes_nothing },
  { 2, "/share-manager/proof/no-accept-proof-binds-nothing",
    test_accept_without_proof_binds_nothing },
  { 2, "/share-manager/relay/untrusted-needs-explicit-choice",
    test_untrusted_relay_needs_explicit_choice },
  { 2, "/share-manager/cancel/sender-before-opening",
    test_sender_cancels_before_opening },
  { 2, "/share-manager/cancel/sender-while-recipient-types-pin",
    test_sender_cancels_while_recipient_types_pin },
  { 2, "/share-manager/cancel/sender-after-a-wrong-pin",
    test_sender_cancels_while_waiting_for_recipient },
  { 2, "/share-manager/cancel/recipient-declines-direct",
    test_recipient_declines_direct },
  { 2, "/share-manager/cancel/recipient-declines-at-pin-prompt",
    test_recipient_declines_at_pin_prompt },
  { 2, "/share-manager/cancel/recipient-drops-unopened-link",
    test_recipient_drops_unopened_link },
  { 2, "/share-manager/link/same-link-twice-is-one-share",
    test_same_link_twice_is_one_share },
  { 2, "/share-manager/link/opened-on-several-devices-is-told",
    test_opened_on_several_devices },
  { 2, "/share-manager/link/sender-hears-of-a-binding-at-once",
    test_sender_hears_of_a_binding_at_once },
  { 3, "/share-manager/ledger/used-link-is-already-in-wallet",
    test_used_link_is_already_in_wallet },
  { 3, "/share-manager/ledger/link-opened-on-another-device",
    test_link_opened_on_another_device },
  { 3, "/share-manager/restart/sender-mid-way",
    test_sender_restarts_mid_way },
  { 3, "/share-manager/restart/recipient-mid-way",
    test_recipient_restarts_mid_way },
  { 3, "/share-manager/restart/recipient-before-its-receipt",
    test_recipient_restarts_before_its_receipt },
  { 3, "/share-manager/restart/recipient-after-its-pin-answer",
    test_recipient_restarts_after_its_answer },
  { 3, "/share-manager/restart/both-after-a-wrong-pin",
    test_both_restart_after_a_wrong_pin },
  { 3, "/share-manager/restart/sender-learns-of-decline-after-restart",
    test_decline_while_sender_is_closed },
  { 3, "/share-manager/restart/recipient-learns-of-cancel-after-restart",
    test_cancel_while_recipient_is_closed },
  { 3, "/share-manager/relay/stopped-and-restarted",
    test_relay_stopped_and_restarted },
  { 3, "/share-manager/expiry/share-expires-before-the-pin",
    test_share_expires },
  { 4, "/share-manager/keyring/hung-keyring-keeps-the-share",
    test_hung_keyring_keeps_the_share },
  { 4, "/share-manager/lock/locked-wallet-pauses-and-resumes",
    test_locked_wallet_pauses_and_resumes },
  { 4, "/share-manager/relay/reconnect-skips-the-back-off",
    test_reconnect_skips_the_back_off },
  { 4, "/share-manager/keyring/locked-keyring-binds-nothing",
    test_locked_keyring_binds_nothing },
  { 4, "/share-manager/keyring/locked-keyring-fails-a-new-share",
    test_locked_keyring_fails_a_new_share },
  { 5, "/share-manager/wake/resume-from-suspend-skips-the-back-off",
    test_resume_skips_the_back_off },
  { 5, "/share-manager/wake/network-back-skips-the-back-off",
    test_network_back_skips_the_back_off },
};

static void
add_group_tests (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (share_tests); i++)
    if (share_tests[i].group == SHARE_TEST_GROUP)
      g_test_add_func (share_tests[i].path, share_tests[i].func);
}

/* One wallet (keyring, vault with a passcode, auth) and one relay for all
 * the tests of a group. */
static void
world_start (void)
{
  g_autoptr(TwSecret) passcode = wt_secret (PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* The keyring tests hang and continue a daemon, so it must be theirs. */
  if (SHARE_TEST_GROUP == 4)
    {
      own_daemon = wt_daemon_new_bus ();
      wt_daemon_start (own_daemon, TRUE, NULL);
    }
  world.keyring = wallet_keyring_new ();
  if (SHARE_TEST_GROUP == 4)
    wallet_keyring_set_timeout (world.keyring, 1000);
  world.vault = wallet_vault_new (world.keyring, NULL);
  world.auth = wallet_auth_new (world.vault);
  wallet_vault_setup_async (world.vault, passcode, NULL, wt_result_cb, &result);
  if (!wallet_vault_setup_finish (world.vault, wait_result (&result), &error))
    g_error ("Could not set up the test wallet: %s", error->message);
  test_relay_start (&world.relay);
}

int
main (int argc, char **argv)
{
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);
  world_start ();
  add_group_tests ();

  status = g_test_run ();
  test_relay_free (&world.relay);
  g_clear_object (&world.auth);
  g_clear_object (&world.vault);
  g_clear_object (&world.keyring);
  /* Only the daemon is stopped: libsecret keeps its bus connection to the
   * end of the process, so taking the private bus down would wait for it in
   * vain. GTestDBus's own watcher ends that bus when this process exits. */
  if (own_daemon != NULL)
    wt_daemon_kill (own_daemon);
  return status;
}
