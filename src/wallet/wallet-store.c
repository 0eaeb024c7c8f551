/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-store.h"
#include "wallet-auth-private.h"
#include "wallet-store-index.h"

#include <glib/gi18n.h>

struct _WalletStore
{
  GObject      parent_instance;

  WalletVault  *vault;
  GPtrArray    *items;         /* WalletCredential, sorted by title */
  GHashTable   *sealed;        /* id → sealed item secret of each item in the model */
  gboolean      loaded;
  gboolean      synchronised;  /* the model matches the per-credential items */
  guint         generation;    /* counts changes, so a stale background read is dropped */
  GCancellable *reconcile_cancellable;
  guint         n_unreadable;
};

enum {
  PROP_0,
  PROP_SYNCHRONISED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void wallet_store_list_model_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (WalletStore, wallet_store, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, wallet_store_list_model_init))

static GQuark sort_key_quark;

/* ------------------------------------------------------------------ */
/* The model                                                           */
/* ------------------------------------------------------------------ */

static GType
wallet_store_get_item_type (GListModel *model)
{
  return WALLET_TYPE_CREDENTIAL;
}

static guint
wallet_store_get_n_items (GListModel *model)
{
  return WALLET_STORE (model)->items->len;
}

static gpointer
wallet_store_get_item (GListModel *model,
                       guint       position)
{
  WalletStore *self = WALLET_STORE (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
wallet_store_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = wallet_store_get_item_type;
  iface->get_n_items = wallet_store_get_n_items;
  iface->get_item = wallet_store_get_item;
}

/* Collation keys are costly; each credential keeps its own, made once. */
static const char *
sort_key (WalletCredential *credential)
{
  const char *key = g_object_get_qdata (G_OBJECT (credential), sort_key_quark);

  if (key == NULL)
    {
      g_autofree char *folded = g_utf8_casefold (wallet_credential_get_title (credential), -1);
      char *made = g_utf8_collate_key (folded, -1);

      g_object_set_qdata_full (G_OBJECT (credential), sort_key_quark, made, g_free);
      key = made;
    }
  return key;
}

static int
compare_credentials (gconstpointer a,
                     gconstpointer b)
{
  WalletCredential *first = *(WalletCredential **) a;
  WalletCredential *second = *(WalletCredential **) b;
  int order = strcmp (sort_key (first), sort_key (second));

  return order != 0 ? order : strcmp (wallet_credential_get_id (first),
                                      wallet_credential_get_id (second));
}

static guint
find_position (WalletStore *self,
               const char  *id)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      if (g_str_equal (wallet_credential_get_id (self->items->pdata[i]), id))
        return i;
    }
  return G_MAXUINT;
}

static void
remove_at (WalletStore *self,
           guint        position)
{
  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

static void
insert_sorted (WalletStore      *self,
               WalletCredential *credential)
{
  guint low = 0, high = self->items->len;

  while (low < high)
    {
      guint middle = (low + high) / 2;

      if (compare_credentials (&self->items->pdata[middle], &credential) < 0)
        low = middle + 1;
      else
        high = middle;
    }
  g_ptr_array_insert (self->items, (int) low, g_object_ref (credential));
  g_list_model_items_changed (G_LIST_MODEL (self), low, 0, 1);
}

static void
put (WalletStore      *self,
     WalletCredential *credential)
{
  guint old = find_position (self, wallet_credential_get_id (credential));

  /* The title may have changed, so its collation key too. */
  g_object_set_qdata (G_OBJECT (credential), sort_key_quark, NULL);
  if (old != G_MAXUINT)
    remove_at (self, old);
  insert_sorted (self, credential);
}

static void
set_synchronised (WalletStore *self,
                  gboolean     synchronised)
{
  if (self->synchronised == synchronised)
    return;
  self->synchronised = synchronised;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCHRONISED]);
}

static void
clear_items (WalletStore *self)
{
  guint removed = self->items->len;

  g_cancellable_cancel (self->reconcile_cancellable);
  g_clear_object (&self->reconcile_cancellable);
  g_ptr_array_set_size (self->items, 0);
  g_hash_table_remove_all (self->sealed);
  self->loaded = FALSE;
  self->generation++;
  set_synchronised (self, FALSE);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

/* ------------------------------------------------------------------ */
/* The object                                                          */
/* ------------------------------------------------------------------ */

static void
on_vault_locked (WalletVault *vault,
                 gpointer     user_data)
{
  /* Credentials hold secrets: they go when the data key goes. */
  clear_items (WALLET_STORE (user_data));
}

static void
wallet_store_dispose (GObject *object)
{
  WalletStore *self = WALLET_STORE (object);

  if (self->vault != NULL)
    g_signal_handlers_disconnect_by_data (self->vault, self);
  g_cancellable_cancel (self->reconcile_cancellable);
  g_clear_object (&self->reconcile_cancellable);
  g_clear_object (&self->vault);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->sealed, g_hash_table_unref);
  G_OBJECT_CLASS (wallet_store_parent_class)->dispose (object);
}

static void
wallet_store_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SYNCHRONISED:
      g_value_set_boolean (value, WALLET_STORE (object)->synchronised);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wallet_store_class_init (WalletStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wallet_store_dispose;
  object_class->get_property = wallet_store_get_property;
  properties[PROP_SYNCHRONISED] =
    g_param_spec_boolean ("synchronised", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  sort_key_quark = g_quark_from_static_string ("wallet-store-sort-key");
}

static void
wallet_store_init (WalletStore *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->sealed = wallet_store_index_new_table ();
}

WalletStore *
wallet_store_new (WalletVault *vault)
{
  WalletStore *self;

  g_return_val_if_fail (WALLET_IS_VAULT (vault), NULL);

  self = g_object_new (WALLET_TYPE_STORE, NULL);
  self->vault = g_object_ref (vault);
  g_signal_connect (vault, "locked", G_CALLBACK (on_vault_locked), self);
  return self;
}

WalletVault *
wallet_store_get_vault (WalletStore *self)
{
  g_return_val_if_fail (WALLET_IS_STORE (self), NULL);
  return self->vault;
}

guint
wallet_store_get_n_unreadable (WalletStore *self)
{
  g_return_val_if_fail (WALLET_IS_STORE (self), 0);
  return self->n_unreadable;
}

gboolean
wallet_store_is_synchronised (WalletStore *self)
{
  g_return_val_if_fail (WALLET_IS_STORE (self), FALSE);
  return self->synchronised;
}

WalletCredential *
wallet_store_lookup (WalletStore *self,
                     const char  *id)
{
  guint position;

  g_return_val_if_fail (WALLET_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  position = find_position (self, id);
  return position != G_MAXUINT ? self->items->pdata[position] : NULL;
}

WalletCredential *
wallet_store_lookup_by_share_id (WalletStore *self,
                                 const char  *share_id)
{
  g_return_val_if_fail (WALLET_IS_STORE (self), NULL);
  g_return_val_if_fail (share_id != NULL, NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      if (g_strcmp0 (wallet_credential_get_share_id (self->items->pdata[i]), share_id) == 0)
        return self->items->pdata[i];
    }
  return NULL;
}

static char *
context_for (const char *id)
{
  return g_strconcat ("credential:", id, NULL);
}

static WalletCredential *
open_item (WalletStore *self,
           const char  *id,
           GBytes      *sealed)
{
  g_autofree char *context = context_for (id);
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(WalletCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  plaintext = wallet_vault_open (self->vault, context, sealed, &error);
  if (plaintext != NULL)
    credential = wallet_credential_deserialize (plaintext, &error);
  if (credential != NULL && !g_str_equal (wallet_credential_get_id (credential), id))
    g_clear_object (&credential);
  if (credential == NULL)
    g_message ("The keyring item of credential %s does not open (%s); it is kept as it is",
               id, error != NULL ? error->message : "its id does not match");
  return g_steal_pointer (&credential);
}

/* ------------------------------------------------------------------ */
/* The index                                                           */
/* ------------------------------------------------------------------ */

static void
on_index_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The per-credential items are the truth; a stale index is put right by
   * the next load, so this failure only costs speed. */
  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    g_debug ("Could not write the credential index: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* Writes the index as the model is now, then completes @task (if any).
 * The keyring applies writes in the order they were sent, so the last
 * snapshot sent is the one that stays. */
static void
write_index (WalletStore *self,
             GTask       *task)
{
  g_autoptr(GBytes) index = NULL;
  g_autoptr(GTask) done = task != NULL ? task : g_task_new (self, NULL, NULL, NULL);

  if (!self->loaded)
    {
      /* Without the whole model the index would lose items. */
      g_task_return_boolean (done, TRUE);
      return;
    }
  index = wallet_store_index_build (self->sealed);
  wallet_keyring_store_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_INDEX,
                              WALLET_STORE_INDEX_ID, "index",
                              _("Tigress Wallet index (sealed copies of your items)"), index,
                              NULL, on_index_written, g_steal_pointer (&done));
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

static GHashTable *
table_from_items (GPtrArray *items)
{
  GHashTable *table = wallet_store_index_new_table ();

  for (guint i = 0; i < items->len; i++)
    {
      WalletKeyringItem *item = items->pdata[i];

      g_hash_table_replace (table, g_strdup (item->id), g_bytes_ref (item->secret));
    }
  return table;
}

/* The window lets people save as soon as the wallet is unlocked, before
 * its load is back. What they saved then went to the keyring after the
 * load began, so it is newer than what the load read (an index read
 * before it lacks it): it goes into @entries, or the credential just
 * saved would vanish from the model until the background check brings it
 * back. Returns how many were kept. */
static guint
keep_saved_while_loading (WalletStore *self,
                          GHashTable  *entries)
{
  GHashTableIter iter;
  gpointer id, sealed;

  if (self->loaded)
    return 0;
  g_hash_table_iter_init (&iter, self->sealed);
  while (g_hash_table_iter_next (&iter, &id, &sealed))
    g_hash_table_replace (entries, g_strdup (id), g_bytes_ref (sealed));
  return g_hash_table_size (self->sealed);
}

/* Replaces the model with the credentials sealed in @entries, and those
 * saved while it loaded. Returns whether any of those were kept, which
 * the index does not have yet. */
static gboolean
fill_from (WalletStore *self,
           GHashTable  *entries)
{
  guint removed = self->items->len;
  guint kept = keep_saved_while_loading (self, entries);
  GHashTableIter iter;
  gpointer id, sealed;

  g_ptr_array_set_size (self->items, 0);
  g_hash_table_remove_all (self->sealed);
  self->n_unreadable = 0;
  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, &id, &sealed))
    {
      WalletCredential *credential = open_item (self, id, sealed);

      if (credential == NULL)
        {
          self->n_unreadable++;
          continue;
        }
      g_ptr_array_add (self->items, credential);
      g_hash_table_replace (self->sealed, g_strdup (id), g_bytes_ref (sealed));
    }
  g_ptr_array_sort (self->items, compare_credentials);
  self->loaded = TRUE;
  self->generation++;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);
  return kept > 0;
}

/* Brings the model in line with the per-credential items: same bytes
 * mean same credential, so only what changed is opened. */
static gboolean
apply_truth (WalletStore *self,
             GHashTable  *truth)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  gboolean changed = FALSE;
  GHashTableIter iter;
  gpointer id, sealed;

  self->n_unreadable = 0;
  g_hash_table_iter_init (&iter, truth);
  while (g_hash_table_iter_next (&iter, &id, &sealed))
    {
      GBytes *known = g_hash_table_lookup (self->sealed, id);
      g_autoptr(WalletCredential) credential = NULL;

      if (known != NULL && g_bytes_equal (known, sealed))
        continue;
      credential = open_item (self, id, sealed);
      if (credential == NULL)
        {
          self->n_unreadable++;
          continue;
        }
      put (self, credential);
      g_hash_table_replace (self->sealed, g_strdup (id), g_bytes_ref (sealed));
      changed = TRUE;
    }
  for (guint i = 0; i < self->items->len; i++)
    {
      const char *known_id = wallet_credential_get_id (self->items->pdata[i]);

      if (!g_hash_table_contains (truth, known_id))
        g_ptr_array_add (gone, g_strdup (known_id));
    }
  for (guint i = 0; i < gone->len; i++)
    {
      remove_at (self, find_position (self, gone->pdata[i]));
      g_hash_table_remove (self->sealed, gone->pdata[i]);
      g_free (gone->pdata[i]);
      changed = TRUE;
    }
  return changed;
}

typedef struct {
  WalletStore *store;
  guint        generation;
} Reconcile;

static void start_reconcile (WalletStore *self);

static void
on_reconciled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Reconcile *reconcile = user_data;
  g_autoptr(WalletStore) self = reconcile->store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = wallet_keyring_load_all_finish (WALLET_KEYRING (source), result,
                                                              &error);
  g_autoptr(GHashTable) truth = NULL;
  guint generation = reconcile->generation;

  g_free (reconcile);
  if (items == NULL)
    {
      g_debug ("Could not check the credentials against the keyring: %s", error->message);
      return;
    }
  if (!self->loaded || !wallet_vault_is_unlocked (self->vault))
    return;
  /* A save or delete landed meanwhile: this read may predate it. */
  if (generation != self->generation)
    {
      start_reconcile (self);
      return;
    }

  truth = table_from_items (items);
  if (apply_truth (self, truth))
    {
      self->generation++;
      write_index (self, NULL);
    }
  set_synchronised (self, TRUE);
}

static void
start_reconcile (WalletStore *self)
{
  Reconcile *reconcile = g_new0 (Reconcile, 1);

  g_cancellable_cancel (self->reconcile_cancellable);
  g_clear_object (&self->reconcile_cancellable);
  self->reconcile_cancellable = g_cancellable_new ();
  reconcile->store = g_object_ref (self);
  reconcile->generation = self->generation;
  wallet_keyring_load_all_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_CREDENTIAL,
                                 self->reconcile_cancellable, on_reconciled, reconcile);
}

void
wallet_store_refresh (WalletStore *self)
{
  g_return_if_fail (WALLET_IS_STORE (self));

  if (self->loaded && wallet_vault_is_unlocked (self->vault))
    start_reconcile (self);
}

static gboolean
still_unlocked (GTask *task)
{
  WalletStore *self = g_task_get_source_object (task);

  if (wallet_vault_is_unlocked (self->vault))
    return TRUE;
  g_task_return_new_error (task, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                           _("The wallet locked itself while loading. Unlock it again."));
  return FALSE;
}

static void
on_all_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletStore *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) items = wallet_keyring_load_all_finish (WALLET_KEYRING (source),
                                                              result, &error);
  g_autoptr(GHashTable) entries = NULL;

  if (items == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!still_unlocked (task))
    return;

  entries = table_from_items (items);
  fill_from (self, entries);
  set_synchronised (self, TRUE);
  write_index (self, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
on_index_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletStore *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GBytes) index = wallet_keyring_load_finish (WALLET_KEYRING (source), result, &error);
  g_autoptr(GHashTable) entries = index != NULL ? wallet_store_index_parse (index) : NULL;

  if (index == NULL && !g_error_matches (error, WALLET_KEYRING_ERROR,
                                         WALLET_KEYRING_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_error (&error);
  if (!still_unlocked (task))
    return;

  if (entries == NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      /* No index yet (or a damaged one): read every item, then write it. */
      wallet_keyring_load_all_async (WALLET_KEYRING (source), WALLET_ITEM_CREDENTIAL,
                                     cancellable, on_all_loaded, g_steal_pointer (&task));
      return;
    }
  if (fill_from (self, entries))
    write_index (self, NULL);
  set_synchronised (self, FALSE);
  g_task_return_boolean (task, TRUE);
  start_reconcile (self);
}

void
wallet_store_load_async (WalletStore         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WALLET_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_store_load_async);
  if (!wallet_vault_is_unlocked (self->vault))
    {
      g_task_return_new_error (task, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                               _("The wallet is locked. Unlock it with your passcode first."));
      return;
    }
  wallet_keyring_load_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_INDEX,
                             WALLET_STORE_INDEX_ID, cancellable, on_index_loaded,
                             g_steal_pointer (&task));
}

gboolean
wallet_store_load_finish (WalletStore   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Saving and deleting                                                 */
/* ------------------------------------------------------------------ */

typedef struct {
  WalletCredential *credential;
  WalletAuthProof  *proof;   /* for a received credential: used up once stored */
  GBytes           *sealed;  /* what went to the keyring, for the index */
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_clear_object (&job->credential);
  g_clear_object (&job->proof);
  g_clear_pointer (&job->sealed, g_bytes_unref);
  g_free (job);
}

static void
on_index_updated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveJob *job = g_task_get_task_data (task);

  g_task_return_pointer (task, g_object_ref (job->credential), g_object_unref);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletStore *self = g_task_get_source_object (task);
  SaveJob *job = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      /* Nothing was stored: the same confirmation may serve a retry. */
      if (job->proof != NULL)
        wallet_auth_proof_restore (job->proof);
      g_task_return_error (task, error);
      return;
    }
  put (self, job->credential);
  g_hash_table_replace (self->sealed, g_strdup (wallet_credential_get_id (job->credential)),
                        g_bytes_ref (job->sealed));
  self->generation++;
  /* Done once the index has it too, so a short-lived program (the CLI)
   * leaves an index that the next start can trust. */
  write_index (self, g_task_new (self, NULL, on_index_updated, g_steal_pointer (&task)));
}

static void
start_save (GTask *task)
{
  WalletStore *self = g_task_get_source_object (task);
  SaveJob *job = g_task_get_task_data (task);
  WalletCredential *credential = job->credential;
  WalletCredentialType type = wallet_credential_get_credential_type (credential);
  g_autofree char *context = context_for (wallet_credential_get_id (credential));
  g_autofree char *label = NULL;
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(GBytes) sealed = NULL;
  GError *error = NULL;

  if (!wallet_credential_validate (credential, &error) ||
      (plaintext = wallet_credential_serialize (credential)) == NULL ||
      (sealed = wallet_vault_seal (self->vault, context, plaintext, &error)) == NULL)
    {
      if (job->proof != NULL)
        wallet_auth_proof_restore (job->proof);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* Seahorse shows the label to anyone at the desktop: a type and a short
   * id, never the title. */
  label = g_strdup_printf (_("Tigress Wallet %s %.8s"), wallet_credential_type_get_label (type),
                           wallet_credential_get_id (credential));
  job->sealed = g_bytes_ref (sealed);
  wallet_keyring_store_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_CREDENTIAL,
                              wallet_credential_get_id (credential),
                              wallet_credential_type_to_string (type), label, sealed,
                              g_task_get_cancellable (task), on_saved, task);
}

void
wallet_store_save_async (WalletStore         *self,
                         WalletCredential    *credential,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  SaveJob *job;

  g_return_if_fail (WALLET_IS_STORE (self));
  g_return_if_fail (WALLET_IS_CREDENTIAL (credential));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_store_save_async);
  job = g_new0 (SaveJob, 1);
  job->credential = g_object_ref (credential);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  start_save (task);
}

gboolean
wallet_store_save_finish (WalletStore   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(WalletCredential) saved = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  saved = g_task_propagate_pointer (G_TASK (result), error);
  return saved != NULL;
}

void
wallet_store_add_from_share_async (WalletStore         *self,
                                   WalletCredential    *credential,
                                   const char          *share_id,
                                   WalletAuthProof     *proof,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  SaveJob *job;
  WalletCredential *existing;
  GError *error = NULL;

  g_return_if_fail (WALLET_IS_STORE (self));
  g_return_if_fail (WALLET_IS_CREDENTIAL (credential));
  g_return_if_fail (share_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_store_add_from_share_async);
  job = g_new0 (SaveJob, 1);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);

  /* No confirmation, no storing: this is the gate every received
   * credential passes, whoever calls. Used up now, so that two stores
   * cannot share one confirmation; given back if the store fails. */
  if (!wallet_auth_proof_consume (proof, WALLET_AUTH_PURPOSE_ACCEPT, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!self->loaded)
    {
      wallet_auth_proof_restore (proof);
      g_task_return_new_error (task, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                               _("The wallet is locked. Unlock it with your passcode first."));
      g_object_unref (task);
      return;
    }
  existing = wallet_store_lookup_by_share_id (self, share_id);
  if (existing != NULL)
    {
      g_task_return_pointer (task, g_object_ref (existing), g_object_unref);
      g_object_unref (task);
      return;
    }
  job->credential = wallet_credential_copy (credential);
  job->proof = g_object_ref (proof);
  wallet_credential_set_share_id (job->credential, share_id);
  start_save (task);
}

WalletCredential *
wallet_store_add_from_share_finish (WalletStore   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_index_updated_after_delete (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_boolean (task, TRUE);
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletStore *self = g_task_get_source_object (task);
  const char *id = g_task_get_task_data (task);
  GError *error = NULL;
  guint position;

  if (!wallet_keyring_delete_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  position = find_position (self, id);
  if (position != G_MAXUINT)
    remove_at (self, position);
  g_hash_table_remove (self->sealed, id);
  self->generation++;
  write_index (self, g_task_new (self, NULL, on_index_updated_after_delete,
                                 g_steal_pointer (&task)));
}

void
wallet_store_delete_async (WalletStore         *self,
                           const char          *id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WALLET_IS_STORE (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_store_delete_async);
  g_task_set_task_data (task, g_strdup (id), g_free);
  wallet_keyring_delete_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_CREDENTIAL,
                               id, cancellable, on_deleted, task);
}

gboolean
wallet_store_delete_finish (WalletStore   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
