/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-share: how long a whole verified share with a PIN takes on
 * loopback when both wallets are online, with long polling and with plain
 * polling, and the CPU it costs. Run it through bench/share.
 *
 * Both wallets live in this process, as two share managers on one store
 * (their share items kept apart by namespace), against a real
 * tigress-relay and the real keyring daemon of the session. The timed part
 * runs from "create the share" to both sides final: the link and PIN
 * handed over, the recipient opening it, typing the PIN, the sender
 * delivering, the recipient storing and the sender reading the receipt.
 * The two re-authentications (scrypt on the passcode) happen before the
 * clock starts, as a person confirms before pressing Share or Open.
 */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tw-crypto.h"
#include "wallet-auth.h"
#include "wallet-share-manager.h"
#include "wallet-store.h"
#include "wallet-vault.h"

#define PASSCODE "bench passcode 1"
#define PLAIN_POLL_MS 100
#define WARM_UP_RUNS 2

typedef struct {
  WalletVault *vault;
  WalletStore *store;
  WalletAuth *auth;
  WalletShareManager *sender;
  WalletShareManager *recipient;
  char *credential_id;
  const char *relay_url;
  int relay_pid;
  int keyring_pid;   /* 0 when not found */
  gboolean steady;   /* each run removes what it left in the keyring */
} Bench;

/* Where the time of one share goes, in the order of the steps. */
enum {
  PHASE_CREATE,      /* create and show the PIN */
  PHASE_ACCEPT,      /* open the link and the first read */
  PHASE_PIN,         /* the PIN typed and its answer on the relay */
  PHASE_RECEIVED,    /* until the recipient has stored it */
  PHASE_DELIVERED,   /* until the sender has read the receipt */
  N_PHASES
};

static const char *const phase_names[N_PHASES] = {
  "create + PIN", "open + accept", "PIN sent", "stored", "receipt read",
};


/* Calls this process sent to the Secret Service, counted by a filter on the
 * session bus connection that libsecret and the wallet share. A KDF run
 * needs the wrapped data key, so a read of the vault item during a share
 * would be the sign of a passcode check inside it.
 *
 * Each call is put down to the side whose item it touches: the item id
 * starts with the manager's namespace, the store's credential and index
 * writes are the recipient's, and a call on an item path goes to the side
 * whose search or create returned that path. */
typedef enum {
  SIDE_SENDER,
  SIDE_RECIPIENT,
  SIDE_OTHER,
  N_SIDES
} Side;

typedef enum {
  CALL_CREATE,   /* CreateItem (replace or new) */
  CALL_SET,      /* Item.SetSecret */
  CALL_DELETE,   /* Item.Delete */
  CALL_SEARCH,   /* SearchItems */
  CALL_GET,      /* GetSecrets */
  N_CALLS
} CallKind;

static const char *const side_names[N_SIDES] = { "sender", "recipient", "other" };
static const char *const call_names[N_CALLS] = {
  "CreateItem", "SetSecret", "Delete", "SearchItems", "GetSecrets",
};

static gint keyring_calls[N_SIDES][N_CALLS];
static gint vault_reads;      /* SearchItems for the vault's schema */

/* Touched by the bus's worker thread only. */
static GHashTable *side_of_serial;   /* reply serial -> side + 1 */
static GHashTable *side_of_path;     /* item path -> side + 1 */
static gboolean trace_calls;

static gboolean
is_write (CallKind call)
{
  return call == CALL_CREATE || call == CALL_SET || call == CALL_DELETE;
}

static Side
side_of_id (const char *id,
            const char *schema)
{
  if (id != NULL && g_str_has_prefix (id, "bench-sender:"))
    return SIDE_SENDER;
  if (id != NULL && g_str_has_prefix (id, "bench-recipient:"))
    return SIDE_RECIPIENT;
  if (schema != NULL && (g_str_has_suffix (schema, ".Credential") ||
                         g_str_has_suffix (schema, ".Index")))
    return SIDE_RECIPIENT;
  return SIDE_OTHER;
}

static Side
side_of_attributes (GVariant *attributes)
{
  const char *id = NULL;
  const char *schema = NULL;

  g_variant_lookup (attributes, "id", "&s", &id);
  g_variant_lookup (attributes, "xdg:schema", "&s", &schema);
  return side_of_id (id, schema);
}

static Side
side_of_known_path (const char *path)
{
  gpointer found = g_hash_table_lookup (side_of_path, path);

  return found != NULL ? GPOINTER_TO_INT (found) - 1 : SIDE_OTHER;
}

/* The side of a call, and whether its reply names paths of that side. */
static Side
side_of_call (GDBusMessage *message,
              CallKind      call)
{
  GVariant *body = g_dbus_message_get_body (message);
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) attributes = NULL;

  switch (call)
    {
    case CALL_SEARCH:
      first = g_variant_get_child_value (body, 0);
      return side_of_attributes (first);
    case CALL_CREATE:
      first = g_variant_get_child_value (body, 0);
      attributes = g_variant_lookup_value (first, "org.freedesktop.Secret.Item.Attributes",
                                           G_VARIANT_TYPE ("a{ss}"));
      return attributes != NULL ? side_of_attributes (attributes) : SIDE_OTHER;
    case CALL_GET:
      first = g_variant_get_child_value (body, 0);
      if (g_variant_n_children (first) == 0)
        return SIDE_OTHER;
      {
        g_autoptr(GVariant) path = g_variant_get_child_value (first, 0);

        return side_of_known_path (g_variant_get_string (path, NULL));
      }
    case CALL_SET:
    case CALL_DELETE:
    case N_CALLS:
    default:
      return side_of_known_path (g_dbus_message_get_path (message));
    }
}

static gboolean
call_kind (const char *member,
           CallKind   *call)
{
  for (int i = 0; i < N_CALLS; i++)
    if (g_strcmp0 (member, call_names[i]) == 0)
      {
        *call = i;
        return TRUE;
      }
  return FALSE;
}

static void
note_paths (GVariant *paths,
            gpointer  side)
{
  GVariantIter iter;
  const char *path;

  g_variant_iter_init (&iter, paths);
  while (g_variant_iter_next (&iter, "&o", &path))
    g_hash_table_insert (side_of_path, g_strdup (path), side);
}

/* A search's or a create's reply: its paths belong to the caller's side. */
static void
note_reply (GDBusMessage *message)
{
  gpointer serial = GUINT_TO_POINTER (g_dbus_message_get_reply_serial (message));
  gpointer side = g_hash_table_lookup (side_of_serial, serial);
  GVariant *body = g_dbus_message_get_body (message);

  if (side == NULL || body == NULL)
    return;
  g_hash_table_remove (side_of_serial, serial);
  if (g_variant_is_of_type (body, G_VARIANT_TYPE ("(aoao)")))
    {
      g_autoptr(GVariant) unlocked = g_variant_get_child_value (body, 0);

      note_paths (unlocked, side);
    }
  else if (g_variant_is_of_type (body, G_VARIANT_TYPE ("(oo)")))
    {
      const char *path;

      g_variant_get (body, "(&o&o)", &path, NULL);
      g_hash_table_insert (side_of_path, g_strdup (path), side);
    }
}

static gboolean
is_vault_search (GDBusMessage *message)
{
  GVariant *body = g_dbus_message_get_body (message);
  g_autoptr(GVariant) attributes = NULL;
  const char *schema = NULL;

  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(a{ss})")))
    return FALSE;
  attributes = g_variant_get_child_value (body, 0);
  return g_variant_lookup (attributes, "xdg:schema", "&s", &schema) &&
         g_str_has_suffix (schema, ".Vault");
}

static GDBusMessage *
count_keyring_call (GDBusConnection *connection,
                    GDBusMessage    *message,
                    gboolean         incoming,
                    gpointer         user_data)
{
  CallKind call;
  Side side;

  if (incoming)
    {
      if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
        note_reply (message);
      return message;
    }
  if (g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
      g_strcmp0 (g_dbus_message_get_destination (message), "org.freedesktop.secrets") != 0 ||
      !call_kind (g_dbus_message_get_member (message), &call))
    return message;

  side = side_of_call (message, call);
  g_atomic_int_inc (&keyring_calls[side][call]);
  if (call == CALL_SEARCH || call == CALL_CREATE)
    g_hash_table_insert (side_of_serial, GUINT_TO_POINTER (g_dbus_message_get_serial (message)),
                         GINT_TO_POINTER (side + 1));
  if (call == CALL_SEARCH && is_vault_search (message))
    g_atomic_int_inc (&vault_reads);
  if (trace_calls)
    fprintf (stderr, "keyring: %s %s\n", side_names[side], call_names[call]);
  return message;
}

/* Relay requests, from the relay client's debug line for each answer
 * ("GET to the relay at … answered 200 …"); both sides talk to the same
 * relay, so these are counted per method only. */
static const char *const relay_methods[] = { "POST", "GET", "PUT", "DELETE" };
#define N_RELAY_METHODS G_N_ELEMENTS (relay_methods)
static gint relay_calls[N_RELAY_METHODS];

static GLogWriterOutput
count_relay_call (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  const char *text = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      text = fields[i].value;
  if ((log_level & G_LOG_LEVEL_DEBUG) == 0)
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  if (trace_calls && text != NULL && getenv ("TIGRESS_BENCH_TRACE_ALL") != NULL)
    fprintf (stderr, "debug: %s\n", text);
  if (text != NULL && strstr (text, " to the relay at ") != NULL && strstr (text, " answered "))
    for (guint i = 0; i < N_RELAY_METHODS; i++)
      if (g_str_has_prefix (text, relay_methods[i]) && text[strlen (relay_methods[i])] == ' ')
        {
          g_atomic_int_inc (&relay_calls[i]);
          if (trace_calls)
            fprintf (stderr, "relay: %s\n", relay_methods[i]);
        }
  return G_LOG_WRITER_HANDLED;
}

typedef struct {
  GArray *milliseconds;   /* double */
  GArray *phases[N_PHASES];
  double client_cpu_ms;   /* summed */
  double relay_cpu_ms;
  double keyring_cpu_ms;
  guint keyring_calls[N_SIDES][N_CALLS];   /* summed, as the counters below */
  guint relay_calls[N_RELAY_METHODS];
  guint vault_reads;
} Series;

static void
watch_keyring_calls (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  if (bus == NULL)
    {
      fprintf (stderr, "bench-share: no session bus: %s\n", error->message);
      exit (1);
    }
  side_of_serial = g_hash_table_new (NULL, NULL);
  side_of_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  trace_calls = g_strcmp0 (g_getenv ("TIGRESS_BENCH_TRACE"), "1") == 0;
  /* Kept for the whole run: it is the connection the wallet uses. */
  g_dbus_connection_add_filter (bus, count_keyring_call, NULL, NULL);
}

static void
series_init (Series *series)
{
  series->milliseconds = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < N_PHASES; i++)
    series->phases[i] = g_array_new (FALSE, FALSE, sizeof (double));
}

static gint64 phase_started;

/* Ends the current phase of @series (NULL: not counted). */
static void
phase_done (Series *series,
            int     phase)
{
  gint64 now = g_get_monotonic_time ();
  double elapsed = (now - phase_started) / 1000.0;

  if (series != NULL)
    g_array_append_val (series->phases[phase], elapsed);
  phase_started = now;
}

static GAsyncResult *
await (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
done (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
check (gboolean     ok,
       GError      *error,
       const char  *step)
{
  if (ok)
    return;
  fprintf (stderr, "bench-share: %s failed: %s\n", step, error != NULL ? error->message : "?");
  exit (1);
}

static double
process_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec * 1000.0 + usage.ru_utime.tv_usec / 1000.0
         + usage.ru_stime.tv_sec * 1000.0 + usage.ru_stime.tv_usec / 1000.0;
}

/* utime + stime of another process, from /proc (clock ticks). */
static double
other_cpu_ms (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after_name = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after_name + 2, " ", -1);
  /* Fields 14 and 15 of the file; the split starts at field 3. */
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         * 1000.0 / sysconf (_SC_CLK_TCK);
}

static WalletAuthProof *
prove (Bench             *bench,
       WalletAuthPurpose  purpose)
{
  g_autoptr(TwSecret) passcode = tw_secret_new_from_string (PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletAuthProof *proof;

  wallet_auth_with_passcode_async (bench->auth, purpose, passcode, NULL, done, &result);
  proof = wallet_auth_with_passcode_finish (bench->auth, await (&result), &error);
  check (proof != NULL, error, "re-authentication");
  return proof;
}

static void
setup_wallet (Bench *bench)
{
  g_autoptr(TwSecret) passcode = tw_secret_new_from_string (PASSCODE);
  g_autoptr(WalletKeyring) keyring = wallet_keyring_new ();
  g_autoptr(WalletCredential) wifi = wallet_credential_new (WALLET_CREDENTIAL_WIFI);
  g_autoptr(TwSecret) password = tw_secret_new_from_string ("bench-wifi-password");
  g_autoptr(GAsyncResult) setup = NULL;
  g_autoptr(GAsyncResult) load = NULL;
  g_autoptr(GAsyncResult) save = NULL;
  g_autoptr(GError) error = NULL;

  bench->vault = wallet_vault_new (keyring, NULL);
  wallet_vault_set_auto_lock_seconds (bench->vault, 0);
  wallet_vault_setup_async (bench->vault, passcode, NULL, done, &setup);
  check (wallet_vault_setup_finish (bench->vault, await (&setup), &error), error, "setup");

  bench->store = wallet_store_new (bench->vault);
  wallet_store_load_async (bench->store, NULL, done, &load);
  check (wallet_store_load_finish (bench->store, await (&load), &error), error, "load");

  wallet_credential_set_title (wifi, "Bench network");
  wallet_credential_set_field (wifi, WALLET_FIELD_SSID, "Bench network");
  wallet_credential_set_field (wifi, WALLET_FIELD_SECURITY, WALLET_WIFI_SECURITY_WPA);
  wallet_credential_set_secret (wifi, WALLET_FIELD_PASSWORD, password);
  wallet_store_save_async (bench->store, wifi, NULL, done, &save);
  check (wallet_store_save_finish (bench->store, await (&save), &error), error, "save");
  bench->credential_id = g_strdup (wallet_credential_get_id (wifi));

  bench->auth = wallet_auth_new (bench->vault);
}

static WalletShareManager *
new_manager (Bench      *bench,
             const char *item_namespace)
{
  WalletShareManager *manager =
    wallet_share_manager_new_with_namespace (bench->store, NULL, NULL, item_namespace);
  g_autoptr(GAsyncResult) load = NULL;
  g_autoptr(GError) error = NULL;

  wallet_share_manager_load_async (manager, NULL, done, &load);
  check (wallet_share_manager_load_finish (manager, await (&load), &error), error,
         "loading shares");
  return manager;
}

static void
set_polling (Bench    *bench,
             gboolean  long_polling)
{
  guint long_poll = long_polling ? WALLET_SHARE_LONG_POLL_SECONDS : 0;
  guint interval = long_polling ? 0 : PLAIN_POLL_MS;

  wallet_share_manager_set_polling (bench->sender, long_poll, interval);
  wallet_share_manager_set_polling (bench->recipient, long_poll, interval);
}

static WalletShare *
send_share (Bench           *bench,
            WalletAuthProof *proof,
            TwSecret       **pin,
            Series          *series)
{
  WalletShareOptions options = { 0 };
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GAsyncResult) revealed = NULL;
  g_autoptr(GError) error = NULL;
  WalletShare *share;

  options.credential_id = bench->credential_id;
  options.with_pin = TRUE;
  options.relay_url = bench->relay_url;
  wallet_share_manager_create_async (bench->sender, &options, proof, NULL, done, &created);
  share = wallet_share_manager_create_finish (bench->sender, await (&created), &error);
  check (share != NULL, error, "create");

  wallet_share_manager_reveal_pin_async (bench->sender, share, NULL, NULL, done, &revealed);
  *pin = wallet_share_manager_reveal_pin_finish (bench->sender, await (&revealed), &error);
  check (*pin != NULL, error, "PIN");
  phase_done (series, PHASE_CREATE);
  return share;
}

static WalletShare *
receive_share (Bench           *bench,
               WalletShare     *outgoing,
               TwSecret        *pin,
               WalletAuthProof *proof,
               Series          *series)
{
  g_autoptr(TwSecret) link = wallet_share_dup_link (outgoing, WALLET_SHARE_LINK_TIGRESS);
  g_autoptr(GAsyncResult) accepted = NULL;
  g_autoptr(GAsyncResult) confirmed = NULL;
  g_autoptr(GError) error = NULL;
  WalletShare *incoming;

  incoming = wallet_share_manager_open_link (bench->recipient, tw_secret_get_text (link), NULL,
                                             &error);
  check (incoming != NULL, error, "open");
  wallet_share_manager_accept_async (bench->recipient, incoming, proof,
                                     WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY, NULL, done,
                                     &accepted);
  check (wallet_share_manager_accept_finish (bench->recipient, await (&accepted), &error),
         error, "accept");
  phase_done (series, PHASE_ACCEPT);
  wallet_share_manager_confirm_async (bench->recipient, incoming, pin, NULL, done, &confirmed);
  check (wallet_share_manager_confirm_finish (bench->recipient, await (&confirmed), &error),
         error, "PIN");
  phase_done (series, PHASE_PIN);
  return incoming;
}

static void
wait_final (WalletShareManager *manager,
            WalletShare        *share,
            WalletShareState    expected)
{
  g_autoptr(GAsyncResult) waited = NULL;
  g_autoptr(GError) error = NULL;

  wallet_share_manager_wait_async (manager, share, NULL, done, &waited);
  check (wallet_share_manager_wait_finish (manager, await (&waited), &error), error, "wait");
  if (wallet_share_get_state (share) != expected)
    {
      fprintf (stderr, "bench-share: a share ended as %s\n",
               wallet_share_state_to_string (wallet_share_get_state (share)));
      exit (1);
    }
}

/* After the clock stops: the two finished shares leave the lists and the
 * received credential is deleted, as a person tidying up would, so that
 * the next run finds the keyring as this one did. */
static void
tidy_up (Bench       *bench,
         WalletShare *outgoing,
         WalletShare *incoming)
{
  g_autofree char *credential_id = g_strdup (wallet_share_get_credential_id (incoming));
  g_autoptr(GAsyncResult) sent_removed = NULL;
  g_autoptr(GAsyncResult) received_removed = NULL;
  g_autoptr(GAsyncResult) deleted = NULL;
  g_autoptr(GError) error = NULL;

  wallet_share_manager_remove_async (bench->sender, outgoing, NULL, done, &sent_removed);
  check (wallet_share_manager_remove_finish (bench->sender, await (&sent_removed), &error),
         error, "removing the sent share");
  wallet_share_manager_remove_async (bench->recipient, incoming, NULL, done, &received_removed);
  check (wallet_share_manager_remove_finish (bench->recipient, await (&received_removed),
                                             &error),
         error, "removing the received share");
  wallet_store_delete_async (bench->store, credential_id, NULL, done, &deleted);
  check (wallet_store_delete_finish (bench->store, await (&deleted), &error), error,
         "deleting the received credential");
}

/* What the counters said when the clock started. */
typedef struct {
  double client_cpu_ms;
  double relay_cpu_ms;
  double keyring_cpu_ms;
  guint keyring_calls[N_SIDES][N_CALLS];
  guint relay_calls[N_RELAY_METHODS];
  guint vault_reads;
} Counters;

static void
read_counters (Bench    *bench,
               Counters *counters)
{
  counters->client_cpu_ms = process_cpu_ms ();
  counters->relay_cpu_ms = other_cpu_ms (bench->relay_pid);
  counters->keyring_cpu_ms = bench->keyring_pid > 0 ? other_cpu_ms (bench->keyring_pid) : 0;
  for (int side = 0; side < N_SIDES; side++)
    for (int call = 0; call < N_CALLS; call++)
      counters->keyring_calls[side][call] = g_atomic_int_get (&keyring_calls[side][call]);
  for (guint i = 0; i < N_RELAY_METHODS; i++)
    counters->relay_calls[i] = g_atomic_int_get (&relay_calls[i]);
  counters->vault_reads = g_atomic_int_get (&vault_reads);
}

static void
add_to_series (Bench          *bench,
               Series         *series,
               double          elapsed,
               const Counters *before)
{
  Counters now;

  read_counters (bench, &now);
  g_array_append_val (series->milliseconds, elapsed);
  series->client_cpu_ms += now.client_cpu_ms - before->client_cpu_ms;
  series->relay_cpu_ms += now.relay_cpu_ms - before->relay_cpu_ms;
  series->keyring_cpu_ms += now.keyring_cpu_ms - before->keyring_cpu_ms;
  for (int side = 0; side < N_SIDES; side++)
    for (int call = 0; call < N_CALLS; call++)
      series->keyring_calls[side][call] +=
        now.keyring_calls[side][call] - before->keyring_calls[side][call];
  for (guint i = 0; i < N_RELAY_METHODS; i++)
    series->relay_calls[i] += now.relay_calls[i] - before->relay_calls[i];
  series->vault_reads += now.vault_reads - before->vault_reads;
}

/* One whole share; adds its time and CPU to @series. */
static void
run_once (Bench  *bench,
          Series *series)
{
  g_autoptr(WalletAuthProof) send_proof = prove (bench, WALLET_AUTH_PURPOSE_SEND);
  g_autoptr(WalletAuthProof) accept_proof = prove (bench, WALLET_AUTH_PURPOSE_ACCEPT);
  g_autoptr(WalletShare) outgoing = NULL;
  g_autoptr(WalletShare) incoming = NULL;
  g_autoptr(TwSecret) pin = NULL;
  Counters before;
  gint64 started;

  read_counters (bench, &before);
  started = g_get_monotonic_time ();
  phase_started = started;
  outgoing = send_share (bench, send_proof, &pin, series);
  incoming = receive_share (bench, outgoing, pin, accept_proof, series);
  wait_final (bench->recipient, incoming, WALLET_SHARE_STATE_RECEIVED);
  phase_done (series, PHASE_RECEIVED);
  wait_final (bench->sender, outgoing, WALLET_SHARE_STATE_DELIVERED);
  phase_done (series, PHASE_DELIVERED);

  if (series != NULL)
    add_to_series (bench, series, (g_get_monotonic_time () - started) / 1000.0, &before);
  if (bench->steady)
    tidy_up (bench, outgoing, incoming);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  fraction)
{
  guint index = (guint) (fraction * (sorted->len - 1) + 0.5);

  return g_array_index (sorted, double, index);
}

static void
report (const char *label,
        Series     *series)
{
  guint runs = series->milliseconds->len;

  g_array_sort (series->milliseconds, compare_doubles);
  printf ("%-26s %9.1f %9.1f %14.1f %14.1f %16.1f\n", label,
          percentile (series->milliseconds, 0.5), percentile (series->milliseconds, 0.95),
          series->client_cpu_ms / runs, series->relay_cpu_ms / runs,
          series->keyring_cpu_ms / runs);
}

static void
report_keyring_calls (const char *label,
                      Series     *series)
{
  double runs = series->milliseconds->len;

  printf ("  %s, calls per share:\n", label);
  for (int side = 0; side < N_SIDES; side++)
    {
      guint writes = 0;

      printf ("    keyring, %-9s", side_names[side]);
      for (int call = 0; call < N_CALLS; call++)
        {
          printf (" %s %.1f", call_names[call], series->keyring_calls[side][call] / runs);
          if (is_write (call))
            writes += series->keyring_calls[side][call];
        }
      printf ("; writes %.1f\n", writes / runs);
    }
  printf ("    relay (both sides):");
  for (guint i = 0; i < N_RELAY_METHODS; i++)
    printf (" %s %.1f", relay_methods[i], series->relay_calls[i] / runs);
  printf ("; reads of the passcode-wrapped key %.1f\n", series->vault_reads / runs);
}

static void
report_phases (const char *label,
               Series     *series)
{
  printf ("  %s, median ms per step:", label);
  for (int i = 0; i < N_PHASES; i++)
    {
      g_array_sort (series->phases[i], compare_doubles);
      printf (" %s %.1f%s", phase_names[i], percentile (series->phases[i], 0.5),
              i + 1 < N_PHASES ? "," : "\n");
    }
}

int
main (int    argc,
      char **argv)
{
  Bench bench = { 0 };
  Series long_polling = { 0 };
  Series plain_polling = { 0 };
  g_autofree char *plain_label = g_strdup_printf ("plain polling (%d ms)", PLAIN_POLL_MS);
  int runs;

  if (argc != 5)
    {
      fprintf (stderr, "usage: bench-share RELAY_URL RELAY_PID KEYRING_PID RUNS\n");
      return 2;
    }
  tw_crypto_init ();
  watch_keyring_calls ();
  g_log_set_writer_func (count_relay_call, NULL, NULL);
  series_init (&long_polling);
  series_init (&plain_polling);
  bench.relay_url = argv[1];
  bench.relay_pid = atoi (argv[2]);
  bench.keyring_pid = atoi (argv[3]);
  runs = atoi (argv[4]);
  bench.steady = g_strcmp0 (g_getenv ("TIGRESS_BENCH_STEADY"), "1") == 0;

  setup_wallet (&bench);
  bench.sender = new_manager (&bench, "bench-sender");
  bench.recipient = new_manager (&bench, "bench-recipient");

  for (int i = 0; i < WARM_UP_RUNS; i++)
    run_once (&bench, NULL);
  /* Interleaved, so that the machine's load drifts alike for both. */
  for (int i = 0; i < runs; i++)
    {
      set_polling (&bench, TRUE);
      run_once (&bench, &long_polling);
      set_polling (&bench, FALSE);
      run_once (&bench, &plain_polling);
    }

  printf ("Whole verified share with a PIN on loopback, %d runs each, both sides online\n",
          runs);
  printf ("%s\n", bench.steady
          ? "Steady keyring: each run's two finished shares and its received credential are "
            "removed after it"
          : "Growing keyring: each run leaves two finished share records and one credential");
  printf ("%-26s %9s %9s %14s %14s %16s\n", "", "median ms", "p95 ms", "wallets CPU ms",
          "relay CPU ms", "keyring CPU ms");
  report ("long polling", &long_polling);
  report (plain_label, &plain_polling);
  report_phases ("long polling", &long_polling);
  report_phases ("plain polling", &plain_polling);
  report_keyring_calls ("long polling", &long_polling);
  report_keyring_calls ("plain polling", &plain_polling);
  printf ("Goal: median under 150 ms with long polling: %s\n",
          percentile (long_polling.milliseconds, 0.5) < 150 ? "met" : "NOT met");
  return 0;
}
