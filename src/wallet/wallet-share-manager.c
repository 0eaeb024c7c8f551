/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "tw-cert.h"
#include "tw-crypto.h"
#include "tw-pin.h"
#include "tw-relay-client.h"
#include "wallet-keyring.h"
#include "wallet-share-manager.h"
#include "wallet-share-private.h"
#include "wallet-share-runner.h"

#define CLOCK_CHECK_SECONDS 5
#define SHARE_SEAL_PREFIX   "share:"

struct _WalletShareManager
{
  GObject             parent_instance;

  WalletShareContext *ctx;
  /* The model's items, newest first. */
  GPtrArray          *runners;

  GNetworkMonitor    *monitor;
  gulong              network_handler;
  GHashTable         *open_locks;   /* lock file path -> descriptor (GINT_TO_POINTER) */
  GCancellable       *system_bus_cancellable;
  GDBusConnection    *system_bus;
  guint               sleep_subscription;
  gulong              locked_handler;
  gulong              contacts_handler;
  guint               clock_source;
  gint64              clock_gap;     /* real time minus monotonic time, seconds */
};

static void wallet_share_manager_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WalletShareManager, wallet_share_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      wallet_share_manager_list_model_init))

enum {
  SHARE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the list model ---------------------------------------------------- */

static GType
list_get_item_type (GListModel *model)
{
  return WALLET_TYPE_SHARE;
}

static guint
list_get_n_items (GListModel *model)
{
  return WALLET_SHARE_MANAGER (model)->runners->len;
}

static gpointer
list_get_item (GListModel *model,
               guint       position)
{
  WalletShareManager *self = WALLET_SHARE_MANAGER (model);

  if (position >= self->runners->len)
    return NULL;
  return g_object_ref (wallet_share_runner_get_share (g_ptr_array_index (self->runners,
                                                                         position)));
}

static void
wallet_share_manager_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

static void
share_notify_cb (WalletShare        *share,
                 GParamSpec         *pspec,
                 WalletShareManager *self)
{
  g_signal_emit (self, signals[SHARE_CHANGED], 0, share);
}

static void
insert_runner (WalletShareManager *self,
               WalletShareRunner  *runner)
{
  WalletShare *share = wallet_share_runner_get_share (runner);
  GDateTime *created = wallet_share_get_created (share);
  guint position = 0;

  while (position < self->runners->len)
    {
      WalletShare *other = wallet_share_runner_get_share (g_ptr_array_index (self->runners,
                                                                             position));

      if (g_date_time_compare (wallet_share_get_created (other), created) < 0)
        break;
      position++;
    }

  g_ptr_array_insert (self->runners, position, g_object_ref (runner));
  g_signal_connect (share, "notify", G_CALLBACK (share_notify_cb), self);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

static gboolean
find_runner (WalletShareManager *self,
             WalletShare        *share,
             guint              *position)
{
  for (guint i = 0; i < self->runners->len; i++)
    {
      if (wallet_share_runner_get_share (g_ptr_array_index (self->runners, i)) == share)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

static WalletShareRunner *
lookup_runner (WalletShareManager *self,
               WalletShare        *share)
{
  guint position;

  if (share == NULL || !find_runner (self, share, &position))
    return NULL;
  return g_ptr_array_index (self->runners, position);
}

static void
remove_at (WalletShareManager *self,
           guint               position)
{
  g_autoptr(WalletShareRunner) runner = g_ptr_array_steal_index (self->runners, position);
  g_autoptr(GError) reason = NULL;

  reason = g_error_new_literal (WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ENDED,
                                _("The share was removed."));
  g_signal_handlers_disconnect_by_func (wallet_share_runner_get_share (runner),
                                        share_notify_cb, self);
  wallet_share_runner_shutdown (runner, reason);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

/* ---- connectivity ------------------------------------------------------- */

void
wallet_share_manager_reconnect (WalletShareManager *self)
{
  g_autoptr(GPtrArray) runners = NULL;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  runners = g_ptr_array_copy (self->runners, (GCopyFunc) g_object_ref, NULL);
  g_ptr_array_set_free_func (runners, g_object_unref);
  for (guint i = 0; i < runners->len; i++)
    wallet_share_runner_reconnect (g_ptr_array_index (runners, i));
}

static gint64
current_clock_gap (void)
{
  return g_get_real_time () / G_USEC_PER_SEC - g_get_monotonic_time () / G_USEC_PER_SEC;
}

/* The monotonic clock stops while the machine sleeps and the real-time
 * clock does not: when they drift apart, connections are likely dead. */
static gboolean
clock_check_cb (gpointer user_data)
{
  WalletShareManager *self = user_data;
  gint64 gap = current_clock_gap ();

  if (ABS (gap - self->clock_gap) >= WALLET_SHARE_SUSPEND_JUMP_SECONDS)
    {
      g_debug ("The clocks jumped by %" G_GINT64_FORMAT " s (a suspend?): reconnecting",
               gap - self->clock_gap);
      wallet_share_manager_reconnect (self);
    }
  self->clock_gap = gap;
  return G_SOURCE_CONTINUE;
}

static void
network_changed_cb (GNetworkMonitor    *monitor,
                    gboolean            available,
                    WalletShareManager *self)
{
  if (available)
    wallet_share_manager_reconnect (self);
}

/* logind says PrepareForSleep(true) before a suspend and (false) after the
 * resume: connections that were open across the sleep are likely dead, and
 * a share in back-off would wait for nothing. */
static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender,
                      const char      *path,
                      const char      *interface,
                      const char      *signal,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  WalletShareManager *self = user_data;
  gboolean going_to_sleep = TRUE;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    g_variant_get (parameters, "(b)", &going_to_sleep);
  if (going_to_sleep)
    return;
  g_debug ("Resumed from a suspend: reconnecting");
  self->clock_gap = current_clock_gap ();
  wallet_share_manager_reconnect (self);
}

static void
system_bus_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);
  WalletShareManager *self;

  /* Cancelled: the manager is gone. */
  if (bus == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = WALLET_SHARE_MANAGER (user_data);
  if (bus == NULL)
    {
      /* No system bus (a container, a test): the clocks still tell. */
      g_debug ("No system bus, so no word from logind about suspends: %s", error->message);
      return;
    }
  self->system_bus = g_steal_pointer (&bus);
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (self->system_bus, "org.freedesktop.login1",
                                        "org.freedesktop.login1.Manager", "PrepareForSleep",
                                        "/org/freedesktop/login1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, prepare_for_sleep_cb,
                                        self, NULL);
}

/* Every secret goes with the data key; the shares keep what they show. */
static void
vault_locked_cb (WalletVault        *vault,
                 WalletShareManager *self)
{
  g_autoptr(GError) reason = NULL;

  reason = g_error_new_literal (WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                                _("The wallet was locked. Unlock it to go on with this "
                                  "share."));
  for (guint i = self->runners->len; i > 0; i--)
    {
      WalletShareRunner *runner = g_ptr_array_index (self->runners, i - 1);

      if (wallet_share_get_state (wallet_share_runner_get_share (runner))
          == WALLET_SHARE_STATE_NEW)
        remove_at (self, i - 1);
      else
        wallet_share_runner_shutdown (runner, reason);
    }
}

/* Pinning or unpinning someone changes who a share in progress is from. */
static void
contacts_changed_cb (GListModel         *contacts,
                     guint               position,
                     guint               removed,
                     guint               added,
                     WalletShareManager *self)
{
  for (guint i = 0; i < self->runners->len; i++)
    wallet_share_runner_check_sender (g_ptr_array_index (self->runners, i));
}

/* ---- one opening of a link per wallet at a time ------------------------ */

/* Two processes of one wallet (the app and `tigress receive`, or two
 * receives) that open the same link at once would each bind with a claim
 * of their own: the relay keeps one, and the other would be told, wrongly,
 * that another device has the link, and remember that in the ledger.
 * Whoever opens it first holds this lock (released when the process ends
 * or the manager goes), and the others are told to let it finish. */
static char *
open_lock_path (WalletShareManager *self,
                const char         *mailbox_url)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s",
                                          self->ctx->item_namespace != NULL
                                            ? self->ctx->item_namespace : "",
                                          mailbox_url);
  g_autofree char *name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  return g_build_filename (g_get_user_runtime_dir (), PACKAGE_NAME, "opening", name, NULL);
}

/* FALSE only when another process of this wallet holds the link now. */
static gboolean
take_open_lock (WalletShareManager *self,
                const char         *mailbox_url)
{
  g_autofree char *path = open_lock_path (self, mailbox_url);
  g_autofree char *folder = g_path_get_dirname (path);
  int fd;

  if (g_hash_table_contains (self->open_locks, path))
    return TRUE;
  if (g_mkdir_with_parents (folder, 0700) != 0 ||
      (fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      /* Without the lock the relay still decides; only the words differ. */
      g_debug ("No lock file for opening a link (%s)", g_strerror (errno));
      return TRUE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      return FALSE;
    }
  g_hash_table_insert (self->open_locks, g_steal_pointer (&path), GINT_TO_POINTER (fd));
  return TRUE;
}

/* TRUE when another process of this wallet holds the link now. Only looks:
 * merely showing an invitation must not keep others from opening it. */
static gboolean
opened_elsewhere (WalletShareManager *self,
                  const char         *mailbox_url)
{
  g_autofree char *path = open_lock_path (self, mailbox_url);
  int fd;
  gboolean held;

  if (g_hash_table_contains (self->open_locks, path) ||
      (fd = g_open (path, O_RDWR | O_CLOEXEC, 0)) < 0)
    return FALSE;
  held = flock (fd, LOCK_EX | LOCK_NB) != 0;
  close (fd);
  return held;
}

static void
set_opened_elsewhere_error (GError **error)
{
  g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
               _("This invitation is being opened by another Tigress Wallet window or "
                 "command on this computer. Let that one finish; the credential arrives "
                 "in this wallet once."));
}

static void
release_open_lock (gpointer fd)
{
  close (GPOINTER_TO_INT (fd));
}

/* ---- life -------------------------------------------------------------- */

static void
wallet_share_manager_dispose (GObject *object)
{
  WalletShareManager *self = WALLET_SHARE_MANAGER (object);

  g_clear_handle_id (&self->clock_source, g_source_remove);
  g_clear_signal_handler (&self->network_handler, self->monitor);
  g_cancellable_cancel (self->system_bus_cancellable);
  g_clear_object (&self->system_bus_cancellable);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  if (self->ctx != NULL)
    g_clear_signal_handler (&self->locked_handler, self->ctx->vault);
  if (self->ctx != NULL && self->ctx->contacts != NULL)
    g_clear_signal_handler (&self->contacts_handler, self->ctx->contacts);
  while (self->runners->len > 0)
    remove_at (self, self->runners->len - 1);

  g_hash_table_remove_all (self->open_locks);

  G_OBJECT_CLASS (wallet_share_manager_parent_class)->dispose (object);
}

static void
wallet_share_manager_finalize (GObject *object)
{
  WalletShareManager *self = WALLET_SHARE_MANAGER (object);

  g_ptr_array_unref (self->runners);
  g_hash_table_unref (self->open_locks);
  g_clear_pointer (&self->ctx, wallet_share_context_unref);

  G_OBJECT_CLASS (wallet_share_manager_parent_class)->finalize (object);
}

static void
wallet_share_manager_class_init (WalletShareManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wallet_share_manager_dispose;
  object_class->finalize = wallet_share_manager_finalize;

  signals[SHARE_CHANGED] =
    g_signal_new ("share-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, WALLET_TYPE_SHARE);
}

static void
wallet_share_manager_init (WalletShareManager *self)
{
  self->runners = g_ptr_array_new_with_free_func (g_object_unref);
  self->open_locks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, release_open_lock);
}

WalletShareManager *
wallet_share_manager_new_with_namespace (WalletStore    *store,
                                         WalletContacts *contacts,
                                         WalletRelays   *relays,
                                         const char     *item_namespace)
{
  WalletShareManager *self;

  g_return_val_if_fail (WALLET_IS_STORE (store), NULL);
  g_return_val_if_fail (contacts == NULL || WALLET_IS_CONTACTS (contacts), NULL);
  g_return_val_if_fail (relays == NULL || WALLET_IS_RELAYS (relays), NULL);
  g_return_val_if_fail (item_namespace == NULL || strchr (item_namespace, ':') == NULL, NULL);

  self = g_object_new (WALLET_TYPE_SHARE_MANAGER, NULL);
  self->ctx = wallet_share_context_new (store, contacts, relays, item_namespace);
  self->locked_handler = g_signal_connect (self->ctx->vault, "locked",
                                           G_CALLBACK (vault_locked_cb), self);
  if (contacts != NULL)
    self->contacts_handler = g_signal_connect (contacts, "items-changed",
                                               G_CALLBACK (contacts_changed_cb), self);
  self->monitor = g_network_monitor_get_default ();
  self->network_handler = g_signal_connect (self->monitor, "network-changed",
                                            G_CALLBACK (network_changed_cb), self);
  self->clock_gap = current_clock_gap ();
  self->clock_source = g_timeout_add_seconds (CLOCK_CHECK_SECONDS, clock_check_cb, self);
  self->system_bus_cancellable = g_cancellable_new ();
  g_bus_get (G_BUS_TYPE_SYSTEM, self->system_bus_cancellable, system_bus_cb, self);
  return self;
}

WalletShareManager *
wallet_share_manager_new (WalletStore    *store,
                          WalletContacts *contacts,
                          WalletRelays   *relays)
{
  return wallet_share_manager_new_with_namespace (store, contacts, relays, NULL);
}

WalletStore *
wallet_share_manager_get_store (WalletShareManager *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE_MANAGER (self), NULL);
  return self->ctx->store;
}

WalletLedger *
wallet_share_manager_get_ledger (WalletShareManager *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE_MANAGER (self), NULL);
  return self->ctx->ledger;
}

void
wallet_share_manager_set_ca_file (WalletShareManager *self,
                                  const char         *ca_file)
{
  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  g_free (self->ctx->ca_file);
  self->ctx->ca_file = g_strdup (ca_file);
}

void
wallet_share_manager_set_polling (WalletShareManager *self,
                                  guint               long_poll_seconds,
                                  guint               poll_interval_ms)
{
  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  self->ctx->long_poll_seconds = MIN (long_poll_seconds, TW_RELAY_MAX_WAIT_SECONDS);
  self->ctx->poll_interval_ms = poll_interval_ms;
}

void
wallet_share_manager_set_retry_delays (WalletShareManager *self,
                                       guint               first_ms,
                                       guint               max_ms)
{
  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  self->ctx->retry_first_ms = MAX (first_ms, 1);
  self->ctx->retry_max_ms = MAX (max_ms, self->ctx->retry_first_ms);
}

void
wallet_share_manager_test_stop_before_final_write (WalletShareManager *self)
{
  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  self->ctx->test_stop_before_final_write = TRUE;
}

guint
wallet_share_manager_test_get_final_writes_stopped (WalletShareManager *self)
{
  g_return_val_if_fail (WALLET_IS_SHARE_MANAGER (self), 0);

  return self->ctx->test_final_writes_stopped;
}

WalletShare *
wallet_share_manager_lookup (WalletShareManager *self,
                             const char         *id)
{
  g_return_val_if_fail (WALLET_IS_SHARE_MANAGER (self), NULL);

  for (guint i = 0; i < self->runners->len; i++)
    {
      WalletShare *share = wallet_share_runner_get_share (g_ptr_array_index (self->runners, i));

      if (g_strcmp0 (wallet_share_get_id (share), id) == 0)
        return share;
    }
  return NULL;
}

guint
wallet_share_manager_get_n_active (WalletShareManager *self)
{
  guint n_active = 0;

  g_return_val_if_fail (WALLET_IS_SHARE_MANAGER (self), 0);

  for (guint i = 0; i < self->runners->len; i++)
    {
      WalletShareRunner *runner = g_ptr_array_index (self->runners, i);
      WalletShareState state = wallet_share_get_state (wallet_share_runner_get_share (runner));

      if (state != WALLET_SHARE_STATE_NEW && !wallet_share_runner_is_finished (runner))
        n_active++;
    }
  return n_active;
}

/* ---- loading ----------------------------------------------------------- */

/* The local id of a keyring item of this manager, or NULL for another
 * manager's item (or the ledger). */
static const char *
local_id_of_item (WalletShareManager      *self,
                  const WalletKeyringItem *item)
{
  const char *ns = self->ctx->item_namespace;
  gsize ns_length = ns != NULL ? strlen (ns) : 0;

  if (g_strcmp0 (item->type, WALLET_LEDGER_ITEM_TYPE) == 0)
    return NULL;
  if (ns == NULL)
    return strchr (item->id, ':') == NULL ? item->id : NULL;
  if (strncmp (item->id, ns, ns_length) == 0 && item->id[ns_length] == ':')
    return item->id + ns_length + 1;
  return NULL;
}

/* Puts a restored runner in the model: in place of a runner the lock
 * stopped, unless one is still running for this share. */
static void
adopt_runner (WalletShareManager *self,
              WalletShareRunner  *runner)
{
  const char *id = wallet_share_get_id (wallet_share_runner_get_share (runner));
  WalletShare *existing = wallet_share_manager_lookup (self, id);
  guint position;

  if (existing != NULL && find_runner (self, existing, &position))
    {
      if (!wallet_share_runner_is_shut_down (g_ptr_array_index (self->runners, position)))
        return;
      remove_at (self, position);
    }

  insert_runner (self, runner);
  wallet_share_runner_start (runner);
}

static void
restore_item (WalletShareManager      *self,
              const WalletKeyringItem *item)
{
  g_autoptr(WalletShareRunner) runner = NULL;
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *context = NULL;

  if (local_id_of_item (self, item) == NULL)
    return;

  context = g_strconcat (SHARE_SEAL_PREFIX, item->id, NULL);
  plaintext = wallet_vault_open (self->ctx->vault, context, item->secret, &error);
  if (plaintext != NULL)
    runner = wallet_share_runner_restore (self->ctx, plaintext, &error);
  if (runner == NULL)
    {
      /* Kept in the keyring, never deleted: it may open with another data
       * key, or be looked at by hand. */
      g_warning ("A saved share cannot be read and is skipped: %s", error->message);
      return;
    }

  adopt_runner (self, runner);
}

static void
items_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletShareManager *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  items = wallet_keyring_load_all_finish (WALLET_KEYRING (source), result, &error);
  if (items == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < items->len; i++)
    restore_item (self, g_ptr_array_index (items, i));
  g_task_return_boolean (task, TRUE);
}

static void
ledger_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletShareManager *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!wallet_ledger_load_finish (WALLET_LEDGER (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  wallet_keyring_load_all_async (self->ctx->keyring, WALLET_ITEM_SHARE,
                                 g_task_get_cancellable (task), items_loaded,
                                 g_object_ref (task));
}

void
wallet_share_manager_load_async (WalletShareManager  *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_load_async);
  if (!wallet_vault_is_unlocked (self->ctx->vault))
    {
      g_task_return_new_error (task, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                               _("The wallet is locked. Unlock it to see your shares."));
      return;
    }

  wallet_ledger_load_async (self->ctx->ledger, cancellable, ledger_loaded,
                            g_object_ref (task));
}

gboolean
wallet_share_manager_load_finish (WalletShareManager  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- sending ------------------------------------------------------------- */

static gboolean
parse_hex (const char *text,
           guint8     *out,
           gsize       size)
{
  if (text == NULL || strlen (text) != 2 * size)
    return FALSE;

  for (gsize i = 0; i < size; i++)
    {
      int high = g_ascii_xdigit_value (text[2 * i]);
      int low = g_ascii_xdigit_value (text[2 * i + 1]);

      if (high < 0 || low < 0)
        return FALSE;
      out[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

static gboolean
fill_key_request (WalletCredential         *credential,
                  const WalletShareOptions *options,
                  TwShareRequest           *request,
                  GError                  **error)
{
  const char *epoch = wallet_credential_get_field (credential, WALLET_FIELD_LOCK_EPOCH);
  guint64 lock_epoch = 0;

  request->kind = TW_SHARE_KIND_DIGITAL_KEY;
  request->type = wallet_credential_type_to_string (WALLET_CREDENTIAL_DIGITAL_KEY);
  request->owner_seed = wallet_credential_get_secret (credential, WALLET_FIELD_OWNER_KEY);
  request->rights = options->rights != 0 ? options->rights
                                         : TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK;
  request->not_after = options->key_not_after != 0
                       ? options->key_not_after
                       : g_get_real_time () / G_USEC_PER_SEC
                         + (gint64) WALLET_SHARE_DEFAULT_KEY_DAYS * 24 * 3600;

  if (request->owner_seed == NULL ||
      !parse_hex (wallet_credential_get_field (credential, WALLET_FIELD_RESOURCE_ID),
                  request->resource_id, TW_CERT_RESOURCE_ID_SIZE) ||
      epoch == NULL || !g_ascii_string_to_unsigned (epoch, 10, 1, G_MAXUINT32,
                                                    &lock_epoch, NULL))
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_NOT_SHAREABLE,
                   _("This digital key owner is not complete, so it cannot issue keys."));
      return FALSE;
    }
  request->lock_epoch = (guint32) lock_epoch;
  return TRUE;
}

/* The recipient sees this title before anything else and keeps its copy
 * under it: same rules as a credential's title, and the protocol's limit of
 * 256 bytes. */
static gboolean
share_title_is_valid (const char  *title,
                      GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (title != NULL ? title : ""));

  if (stripped[0] == '\0' || strlen (title) > 256 ||
      g_utf8_strlen (title, -1) > WALLET_CREDENTIAL_MAX_TITLE_CHARS)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_INVALID_OPTIONS,
                   _("The share’s title must have 1 to %d characters (and at most 256 "
                     "bytes): write a shorter one."), WALLET_CREDENTIAL_MAX_TITLE_CHARS);
      return FALSE;
    }
  if (!wallet_credential_text_is_displayable (title, FALSE))
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_INVALID_OPTIONS,
                   _("The share’s title holds a line break, a tab or another control "
                     "character: write it on one line."));
      return FALSE;
    }
  return TRUE;
}

/* The content travels under the share's title: a sender who chose another
 * one keeps its own title for the credential private (QA G13). */
static gboolean
content_under_share_title (WalletCredential  *credential,
                           const char        *title,
                           char             **format_out,
                           TwSecret         **content_out,
                           GError           **error)
{
  g_autoptr(WalletCredential) titled = NULL;

  if (wallet_credential_is_read_only (credential) ||
      g_strcmp0 (wallet_credential_get_title (credential), title) == 0)
    return wallet_credential_to_share (credential, format_out, content_out, error);
  titled = wallet_credential_copy (credential);
  wallet_credential_set_title (titled, title);
  return wallet_credential_to_share (titled, format_out, content_out, error);
}

/* What the sender's machine needs, from the credential and the options.
 * The format and content are owned by the caller through @format_out and
 * @content_out. */
static gboolean
fill_request (WalletCredential         *credential,
              const WalletShareOptions *options,
              TwShareRequest           *request,
              char                    **format_out,
              TwSecret                **content_out,
              GError                  **error)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);
  g_autofree char *format = NULL;

  request->title = options->title != NULL ? options->title
                                          : wallet_credential_get_title (credential);
  if (!share_title_is_valid (request->title, error))
    return FALSE;
  if (type == WALLET_CREDENTIAL_DIGITAL_KEY_OWNER)
    return fill_key_request (credential, options, request, error);

  if (!wallet_credential_is_shareable (credential))
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_NOT_SHAREABLE,
                   _("This kind of credential stays on this device and cannot be "
                     "shared."));
      return FALSE;
    }
  if (!content_under_share_title (credential, request->title, &format, content_out, error))
    return FALSE;
  *format_out = wallet_share_format_to_wire (format);

  request->kind = TW_SHARE_KIND_COPY;
  request->type = wallet_credential_type_to_string (type);
  request->credential_format = *format_out;
  request->credential_content = *content_out;
  return TRUE;
}

static char *
choose_relay (WalletShareManager        *self,
              const WalletShareOptions  *options,
              GError                   **error)
{
  g_autofree char *relay = NULL;

  if (options->relay_url != NULL)
    return wallet_relay_normalise_url (options->relay_url, error);

  if (self->ctx->relays != NULL)
    relay = wallet_relays_get_default (self->ctx->relays);
  if (relay == NULL)
    g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_NO_RELAY,
                 _("No relay is chosen for sharing. Add a relay in the settings, or "
                   "name one for this share."));
  return g_steal_pointer (&relay);
}

static WalletShare *
new_outgoing_share (WalletShareManager *self,
                    WalletCredential   *credential,
                    TwShareRequest     *request,
                    const char         *relay)
{
  g_autofree char *id = g_uuid_string_random ();
  WalletShare *share = wallet_share_new (id, WALLET_SHARE_OUTGOING, NULL);
  gboolean trusted = self->ctx->relays != NULL &&
                     wallet_relays_is_trusted (self->ctx->relays, relay);

  wallet_share_set_relay (share, relay, trusted);
  wallet_share_set_credential_id (share, wallet_credential_get_id (credential));
  wallet_share_set_title (share, request->title);
  wallet_share_set_flow (share, request->flow == TW_SHARE_FLOW_VERIFIED
                                ? WALLET_SHARE_FLOW_VERIFIED : WALLET_SHARE_FLOW_DIRECT);
  return share;
}

/* Everything that can be refused before the proof is used up. */
static WalletCredential *
check_create (WalletShareManager        *self,
              const WalletShareOptions  *options,
              char                     **relay_out,
              GError                   **error)
{
  WalletCredential *credential;

  if (options == NULL || options->credential_id == NULL)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_INVALID_OPTIONS,
                   _("Choose a credential to share."));
      return NULL;
    }

  credential = wallet_store_lookup (self->ctx->store, options->credential_id);
  if (credential == NULL)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_CREDENTIAL_NOT_FOUND,
                   _("There is no such credential in this wallet."));
      return NULL;
    }

  *relay_out = choose_relay (self, options, error);
  return *relay_out != NULL ? credential : NULL;
}

/* The identity key stays in WalletContacts: the protocol gets a signer. */
static gboolean
sign_with_identity (gconstpointer   message,
                    gsize           size,
                    guint8          signature[TW_ED25519_SIG_SIZE],
                    gpointer        user_data,
                    GError        **error)
{
  return wallet_contacts_sign (WALLET_CONTACTS (user_data), message, size, signature, error);
}

/* Opt-in: only a wallet whose user made an identity names it in shares. */
static void
attach_identity (WalletShareManager *self,
                 TwShareRequest     *request)
{
  WalletContacts *contacts = self->ctx->contacts;

  if (contacts == NULL || !wallet_contacts_has_identity (contacts))
    return;

  request->identity_key = wallet_contacts_get_identity_public_key (contacts);
  request->identity_sign = sign_with_identity;
  request->identity_sign_data = contacts;
}

static WalletShareRunner *
start_outgoing (WalletShareManager        *self,
                const WalletShareOptions  *options,
                WalletAuthProof           *proof,
                GError                   **error)
{
  g_autofree char *relay = NULL, *format = NULL;
  g_autoptr(TwSecret) content = NULL, pin = NULL;
  g_autoptr(WalletShare) share = NULL;
  TwShareRequest request = { 0 };
  WalletCredential *credential;
  TwShareSender *sender;

  if (!wallet_vault_is_unlocked (self->ctx->vault))
    {
      g_set_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                   _("The wallet is locked. Unlock it to share."));
      return NULL;
    }
  credential = check_create (self, options, &relay, error);
  if (credential == NULL ||
      !fill_request (credential, options, &request, &format, &content, error))
    return NULL;

  /* The gate: nothing reaches the keyring or the relay without it. */
  if (!wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_SEND, error))
    return NULL;

  if (options->with_pin || request.kind == TW_SHARE_KIND_DIGITAL_KEY)
    {
      request.flow = TW_SHARE_FLOW_VERIFIED;
      pin = tw_pin_generate ();
      request.pin = pin;
    }
  attach_identity (self, &request);
  sender = tw_share_sender_new (&request, error);
  if (sender == NULL)
    return NULL;

  share = new_outgoing_share (self, credential, &request, relay);
  return wallet_share_runner_new_outgoing (self->ctx, share, sender, pin,
                                           request.flow == TW_SHARE_FLOW_VERIFIED ||
                                           !options->allow_other_apps,
                                           options->expires_in_seconds);
}

void
wallet_share_manager_create_async (WalletShareManager       *self,
                                   const WalletShareOptions *options,
                                   WalletAuthProof          *proof,
                                   GCancellable             *cancellable,
                                   GAsyncReadyCallback       callback,
                                   gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(WalletShareRunner) runner = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_create_async);

  runner = start_outgoing (self, options, proof, &error);
  if (runner == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  insert_runner (self, runner);
  wallet_share_runner_create (runner, task);
  wallet_share_runner_start (runner);
}

WalletShare *
wallet_share_manager_create_finish (WalletShareManager  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the PIN ------------------------------------------------------------ */

static WalletShareRunner *
runner_for_task (WalletShareManager *self,
                 WalletShare        *share,
                 GTask              *task)
{
  WalletShareRunner *runner = lookup_runner (self, share);

  if (runner == NULL)
    g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
                             _("This share is not in the wallet any more."));
  return runner;
}

void
wallet_share_manager_reveal_pin_async (WalletShareManager  *self,
                                       WalletShare         *share,
                                       WalletAuthProof     *proof,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WalletShareRunner *runner;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_reveal_pin_async);
  if ((runner = runner_for_task (self, share, task)) == NULL)
    return;

  if (wallet_share_get_pin_revealed (share))
    {
      if (proof == NULL)
        {
          g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_PIN_HIDDEN,
                                   _("The PIN was shown once. Confirm it is you to see "
                                     "it again."));
          return;
        }
      if (!wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_SEND, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  wallet_share_runner_reveal_pin (runner, task);
}

TwSecret *
wallet_share_manager_reveal_pin_finish (WalletShareManager  *self,
                                        GAsyncResult        *result,
                                        GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- receiving ------------------------------------------------------------ */

/* The link as people paste it, without the whitespace around it. The
 * copy holds the key, so it is wiped before it is freed. */
static TwLink *
parse_pasted_link (const char  *link_text,
                   GError     **error)
{
  char *copy = g_strdup (link_text != NULL ? link_text : "");
  TwLink *link = tw_link_parse (g_strstrip (copy), error);

  tw_wipe (copy, strlen (copy));
  g_free (copy);
  return link;
}

static TwLink *
parse_link (const char  *link_text,
            const char  *key_text,
            GError     **error)
{
  g_autoptr(TwLink) link = NULL;
  g_autoptr(GError) local_error = NULL;

  link = parse_pasted_link (link_text, &local_error);
  if (link == NULL)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_BAD_LINK,
                   "%s", local_error->message);
      return NULL;
    }
  if (!tw_link_has_key (link) && key_text == NULL)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_KEY_MISSING,
                   _("This link comes without its code. Type the code the sender sent "
                     "separately."));
      return NULL;
    }
  if (!tw_link_has_key (link) && !tw_link_set_key_from_text (link, key_text, &local_error))
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_BAD_LINK,
                   "%s", local_error->message);
      return NULL;
    }
  return g_steal_pointer (&link);
}

/* What the ledger knows about a link opened again, as an error. */
static gboolean check_ledger_of (WalletLedger *ledger, const char *mailbox_url,
                                 GError **error);

static gboolean
check_ledger (WalletShareManager  *self,
              const char          *mailbox_url,
              GError             **error)
{
  return check_ledger_of (self->ctx->ledger, mailbox_url, error);
}

static gboolean
check_ledger_of (WalletLedger  *ledger,
                 const char    *mailbox_url,
                 GError       **error)
{
  switch (wallet_ledger_lookup_mailbox (ledger, mailbox_url))
    {
    case WALLET_LEDGER_OUTCOME_NONE:
      return TRUE;
    case WALLET_LEDGER_OUTCOME_RECEIVED:
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ALREADY_IN_WALLET,
                   _("This credential is already in your wallet: it arrived through "
                     "this link before."));
      return FALSE;
    case WALLET_LEDGER_OUTCOME_ACCEPTED_ELSEWHERE:
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE,
                   _("This link was opened on another device first. Ask the sender for "
                     "a new invitation, and tell them if that other device was not "
                     "yours."));
      return FALSE;
    case WALLET_LEDGER_OUTCOME_DELIVERED:
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
                   _("This is a link this wallet shared, and it was delivered."));
      return FALSE;
    case WALLET_LEDGER_OUTCOME_DECLINED:
    case WALLET_LEDGER_OUTCOME_CANCELLED:
    case WALLET_LEDGER_OUTCOME_EXPIRED:
    case WALLET_LEDGER_OUTCOME_FAILED:
    default:
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ENDED,
                   _("This share has ended. Ask the sender for a new link if you still "
                     "need it."));
      return FALSE;
    }
}

static WalletShare *
share_with_mailbox (WalletShareManager *self,
                    const char         *mailbox_url)
{
  for (guint i = 0; i < self->runners->len; i++)
    {
      WalletShareRunner *runner = g_ptr_array_index (self->runners, i);

      if (g_strcmp0 (wallet_share_runner_get_mailbox_url (runner), mailbox_url) == 0)
        return wallet_share_runner_get_share (runner);
    }
  return NULL;
}

static gboolean
ended_for_a_wrong_key (WalletShare *share)
{
  return wallet_share_is_final (share) &&
         g_error_matches (wallet_share_get_error (share), WALLET_SHARE_ERROR,
                          WALLET_SHARE_ERROR_WRONG_KEY);
}

static void
attempt_record_deleted (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* A record left behind is removed the next time the link is opened. */
  if (!wallet_keyring_delete_finish (WALLET_KEYRING (source), result, &error))
    g_debug ("An attempt with a wrong code was not removed: %s", error->message);
}

/* An earlier attempt at this link with a wrong code: it bound nothing, so
 * it goes and the link opens afresh. */
static void
forget_attempt (WalletShareManager *self,
                WalletShare        *share)
{
  g_autofree char *item_id = wallet_share_context_item_id (self->ctx,
                                                           wallet_share_get_id (share));
  guint position;

  wallet_keyring_delete_async (self->ctx->keyring, WALLET_ITEM_SHARE, item_id, NULL,
                               attempt_record_deleted, NULL);
  if (find_runner (self, share, &position))
    remove_at (self, position);
}

/* A share another process of this wallet opened and still runs (waiting
 * for the sender, say) is that one's to finish: going on here would join it,
 * or tell of a credential that has not arrived yet (QA H9). Once the share
 * ended, here or in the ledger, that tells the story instead. */
static gboolean
still_opening_elsewhere (WalletShareManager *self,
                         WalletShare        *existing,
                         const char         *mailbox_url)
{
  if ((existing != NULL && wallet_share_is_final (existing)) ||
      wallet_ledger_lookup_mailbox (self->ctx->ledger, mailbox_url) !=
        WALLET_LEDGER_OUTCOME_NONE)
    return FALSE;
  return opened_elsewhere (self, mailbox_url);
}

WalletShare *
wallet_share_manager_open_link (WalletShareManager  *self,
                                const char          *link_text,
                                const char          *key_text,
                                GError             **error)
{
  g_autoptr(TwLink) link = NULL;
  g_autoptr(WalletShareRunner) runner = NULL;
  g_autoptr(WalletShare) share = NULL;
  g_autofree char *mailbox_url = NULL, *relay = NULL, *id = NULL;
  WalletShare *existing;

  g_return_val_if_fail (WALLET_IS_SHARE_MANAGER (self), NULL);

  if ((link = parse_link (link_text, key_text, error)) == NULL)
    return NULL;

  mailbox_url = tw_link_get_mailbox_url (link);
  while ((existing = share_with_mailbox (self, mailbox_url)) != NULL &&
         ended_for_a_wrong_key (existing))
    forget_attempt (self, existing);
  if (existing != NULL && wallet_share_get_direction (existing) == WALLET_SHARE_OUTGOING)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
                   _("This is a link this wallet shared: it is meant for someone else."));
      return NULL;
    }
  if (still_opening_elsewhere (self, existing, mailbox_url))
    {
      set_opened_elsewhere_error (error);
      return NULL;
    }
  if (existing != NULL && !wallet_share_is_final (existing))
    return g_object_ref (existing);
  if (!check_ledger (self, mailbox_url, error))
    return NULL;
  if (existing != NULL)
    {
      g_set_error (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_ENDED,
                   _("This share has ended. Ask the sender for a new link if you still "
                     "need it."));
      return NULL;
    }

  id = g_uuid_string_random ();
  relay = tw_link_get_relay_base (link);
  share = wallet_share_new (id, WALLET_SHARE_INCOMING, NULL);
  wallet_share_set_relay (share, relay, self->ctx->relays != NULL &&
                                        wallet_relays_is_link_trusted (self->ctx->relays, link));
  runner = wallet_share_runner_new_incoming (self->ctx, share, link);
  insert_runner (self, runner);
  return g_steal_pointer (&share);
}

/* Another process of this wallet may have received this link since this
 * one read the ledger (it held the open lock until it was done): read the
 * ledger afresh, into a copy of our own so nothing of ours is replaced. */
static void
ledger_reread_for_accept (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletShareRunner *runner = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!wallet_ledger_load_finish (WALLET_LEDGER (source), result, &error))
    g_debug ("Could not read the ledger again before opening a link: %s", error->message);
  else if (!check_ledger_of (WALLET_LEDGER (source),
                             wallet_share_runner_get_mailbox_url (runner), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  wallet_share_runner_accept (runner, task);
}

static void
recheck_ledger_then_accept (WalletShareManager *self,
                            WalletShareRunner  *runner,
                            GTask              *task)
{
  g_autoptr(WalletLedger) fresh = wallet_ledger_new (self->ctx->vault,
                                                     self->ctx->item_namespace);

  g_task_set_task_data (task, g_object_ref (runner), g_object_unref);
  wallet_ledger_load_async (fresh, g_task_get_cancellable (task), ledger_reread_for_accept,
                            task);
}

void
wallet_share_manager_accept_async (WalletShareManager     *self,
                                   WalletShare            *share,
                                   WalletAuthProof        *proof,
                                   WalletShareAcceptFlags  flags,
                                   GCancellable           *cancellable,
                                   GAsyncReadyCallback     callback,
                                   gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WalletShareRunner *runner;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_accept_async);
  if ((runner = runner_for_task (self, share, task)) == NULL)
    return;

  if (wallet_share_get_direction (share) != WALLET_SHARE_INCOMING ||
      wallet_share_get_state (share) != WALLET_SHARE_STATE_NEW)
    {
      g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_WRONG_STATE,
                               _("This share was opened already."));
      return;
    }
  if (!wallet_share_get_relay_trusted (share) &&
      !(flags & WALLET_SHARE_ACCEPT_ALLOW_UNTRUSTED_RELAY))
    {
      g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_NOT_TRUSTED,
                               _("This link goes through the relay %s, which is not on "
                                 "your list of trusted relays. Open it only if you "
                                 "expected a share through this relay."),
                               wallet_share_get_relay (share));
      return;
    }
  if (!wallet_vault_is_unlocked (self->ctx->vault))
    {
      g_task_return_new_error (task, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                               _("The wallet is locked. Unlock it to open this share."));
      return;
    }
  /* The gate: no binding read, nothing stored, without it. */
  if (!wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_ACCEPT, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!take_open_lock (self, wallet_share_runner_get_mailbox_url (runner)))
    {
      set_opened_elsewhere_error (&error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  recheck_ledger_then_accept (self, runner, g_steal_pointer (&task));
}

gboolean
wallet_share_manager_accept_finish (WalletShareManager  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wallet_share_manager_confirm_async (WalletShareManager  *self,
                                    WalletShare         *share,
                                    TwSecret            *pin,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WalletShareRunner *runner;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_confirm_async);
  if ((runner = runner_for_task (self, share, task)) != NULL)
    wallet_share_runner_confirm (runner, pin, task);
}

gboolean
wallet_share_manager_confirm_finish (WalletShareManager  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- ending --------------------------------------------------------------- */

void
wallet_share_manager_cancel_async (WalletShareManager  *self,
                                   WalletShare         *share,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WalletShareRunner *runner;
  guint position;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_cancel_async);
  if ((runner = runner_for_task (self, share, task)) == NULL)
    return;

  /* Nothing of a NEW share exists outside this process. */
  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_NEW &&
      find_runner (self, share, &position))
    {
      remove_at (self, position);
      g_task_return_boolean (task, TRUE);
      return;
    }

  wallet_share_runner_cancel (runner, task);
}

gboolean
wallet_share_manager_cancel_finish (WalletShareManager  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
record_deleted (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletShareManager *self = g_task_get_source_object (task);
  WalletShare *share = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint position;

  if (!wallet_keyring_delete_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (find_runner (self, share, &position))
    remove_at (self, position);
  g_task_return_boolean (task, TRUE);
}

void
wallet_share_manager_remove_async (WalletShareManager  *self,
                                   WalletShare         *share,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *item_id = NULL;
  WalletShareRunner *runner;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_remove_async);
  if ((runner = runner_for_task (self, share, task)) == NULL)
    return;

  if (wallet_share_get_state (share) != WALLET_SHARE_STATE_NEW &&
      !wallet_share_runner_is_finished (runner))
    {
      g_task_return_new_error (task, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_STILL_ACTIVE,
                               _("This share is still going on. Cancel it first, then "
                                 "remove it."));
      return;
    }

  g_task_set_task_data (task, g_object_ref (share), g_object_unref);
  item_id = wallet_share_context_item_id (self->ctx, wallet_share_get_id (share));
  wallet_keyring_delete_async (self->ctx->keyring, WALLET_ITEM_SHARE, item_id, cancellable,
                               record_deleted, g_object_ref (task));
}

gboolean
wallet_share_manager_remove_finish (WalletShareManager  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wallet_share_manager_wait_async (WalletShareManager  *self,
                                 WalletShare         *share,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WalletShareRunner *runner;

  g_return_if_fail (WALLET_IS_SHARE_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_share_manager_wait_async);
  if ((runner = runner_for_task (self, share, task)) != NULL)
    wallet_share_runner_wait (runner, task);
}

gboolean
wallet_share_manager_wait_finish (WalletShareManager  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
