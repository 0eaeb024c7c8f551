/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-keyring-migrate.h"

#include <glib/gi18n.h>

#include "wallet-credential.h"
#include "wallet-store-index.h"

G_DEFINE_QUARK (wallet-keyring-migrate-error-quark, wallet_keyring_migrate_error)

/* The data key first: its check comes before anything is copied, and a
 * copy stopped half-way leaves a wallet that opens, which the next copy
 * completes. The index is not copied (see the header). */
static const WalletItemKind copied_kinds[] = {
  WALLET_ITEM_VAULT,
  WALLET_ITEM_IDENTITY,
  WALLET_ITEM_CONTACT,
  WALLET_ITEM_CREDENTIAL,
  WALLET_ITEM_SHARE,
};

typedef struct {
  WalletKeyring               *source;
  guint                        kind_index;      /* into copied_kinds */
  GPtrArray                   *source_items;    /* WalletKeyringItem of that kind */
  GHashTable                  *target_items;    /* id -> WalletKeyringItem, the same kind */
  guint                        next_item;       /* into source_items */
  gboolean                     credentials_copied;
  WalletKeyringMigrateCounts   counts;
} Migration;

static void
migration_free (Migration *migration)
{
  g_clear_object (&migration->source);
  g_clear_pointer (&migration->source_items, g_ptr_array_unref);
  g_clear_pointer (&migration->target_items, g_hash_table_unref);
  g_free (migration);
}

static WalletItemKind
current_kind (Migration *migration)
{
  return copied_kinds[migration->kind_index];
}

static void read_kind (GTask *task);
static void delete_stale_index (GTask *task);

/* ------------------------------------------------------------------ */
/* Copying one item                                                    */
/* ------------------------------------------------------------------ */

/* Shown in Seahorse for the Secret Service: no secret, no personal data.
 * The app writes its own label again the next time it saves an item. */
static char *
label_for (WalletItemKind           kind,
           const WalletKeyringItem *item)
{
  WalletCredentialType type;

  switch (kind)
    {
    case WALLET_ITEM_CREDENTIAL:
      if (item->type != NULL && wallet_credential_type_from_string (item->type, &type))
        return g_strdup_printf (_("Tigress Wallet %s %.8s"),
                                wallet_credential_type_get_label (type), item->id);
      return g_strdup_printf (_("Tigress Wallet credential %.8s"), item->id);
    case WALLET_ITEM_VAULT:
      return g_strdup (_("Tigress Wallet data key (locked with your wallet passcode)"));
    case WALLET_ITEM_IDENTITY:
      return g_strdup (_("Tigress Wallet identity"));
    case WALLET_ITEM_CONTACT:
      return g_strdup (_("Tigress Wallet contact"));
    case WALLET_ITEM_SHARE:
    case WALLET_ITEM_INDEX:
    default:
      return g_strdup (_("Tigress Wallet share"));
    }
}

static gboolean
same_item (const WalletKeyringItem *a,
           const WalletKeyringItem *b)
{
  return g_strcmp0 (a->type, b->type) == 0 && g_bytes_equal (a->secret, b->secret);
}

static void copy_next (GTask *task);

static void
on_item_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Migration *migration = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  migration->counts.copied++;
  if (current_kind (migration) == WALLET_ITEM_CREDENTIAL)
    migration->credentials_copied = TRUE;
  copy_next (g_steal_pointer (&task));
}

/* Takes the task. */
static void
copy_next (GTask *task)
{
  Migration *migration = g_task_get_task_data (task);
  WalletKeyring *target = g_task_get_source_object (task);

  while (migration->next_item < migration->source_items->len)
    {
      WalletKeyringItem *item = migration->source_items->pdata[migration->next_item++];
      WalletKeyringItem *there = g_hash_table_lookup (migration->target_items, item->id);
      g_autofree char *label = NULL;

      if (there != NULL)
        {
          if (same_item (item, there))
            migration->counts.already_there++;
          else
            migration->counts.kept++;
          continue;
        }
      label = label_for (current_kind (migration), item);
      wallet_keyring_store_async (target, current_kind (migration), item->id, item->type, label,
                                  item->secret, g_task_get_cancellable (task), on_item_stored,
                                  task);
      return;
    }
  migration->kind_index++;
  if (migration->kind_index < G_N_ELEMENTS (copied_kinds))
    read_kind (task);
  else
    delete_stale_index (task);
}

/* ------------------------------------------------------------------ */
/* Reading one kind from both                                          */
/* ------------------------------------------------------------------ */

static GHashTable *
index_by_id (GPtrArray *items)
{
  GHashTable *by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) wallet_keyring_item_free);

  /* The table takes the items over. */
  g_ptr_array_set_free_func (items, NULL);
  for (guint i = 0; i < items->len; i++)
    {
      WalletKeyringItem *item = items->pdata[i];

      if (!g_hash_table_replace (by_id, item->id, item))
        g_debug ("Two keyring items share one id; the last one read counts");
    }
  g_ptr_array_unref (items);
  return by_id;
}

/* Two different data keys: one wallet's items do not open with the
 * other's key, so mixing them would lose the target's. */
static gboolean
other_wallet (Migration *migration)
{
  for (guint i = 0; i < migration->source_items->len; i++)
    {
      WalletKeyringItem *item = migration->source_items->pdata[i];
      WalletKeyringItem *there = g_hash_table_lookup (migration->target_items, item->id);

      if (there != NULL && !same_item (item, there))
        return TRUE;
    }
  return FALSE;
}

/* What a batch read found, or NULL once @task is answered with its
 * error. */
static GPtrArray *
items_read (GTask        *task,
            GObject      *source,
            GAsyncResult *result)
{
  GError *error = NULL;
  GPtrArray *items = wallet_keyring_load_all_finish (WALLET_KEYRING (source), result, &error);

  if (items == NULL)
    g_task_return_error (task, error);
  return items;
}

static void
on_target_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Migration *migration = g_task_get_task_data (task);
  GPtrArray *items = items_read (task, source, result);

  if (items == NULL)
    return;
  g_clear_pointer (&migration->target_items, g_hash_table_unref);
  migration->target_items = index_by_id (items);
  if (current_kind (migration) == WALLET_ITEM_VAULT && other_wallet (migration))
    {
      g_task_return_new_error (task, WALLET_KEYRING_MIGRATE_ERROR,
                               WALLET_KEYRING_MIGRATE_ERROR_OTHER_WALLET,
                               _("The keyring Tigress Wallet uses now holds a different wallet "
                                 "(another data key, or the same wallet after a passcode "
                                 "change), so nothing was copied. Use the wallet that is "
                                 "there, or remove its items before copying."));
      return;
    }
  migration->next_item = 0;
  copy_next (g_steal_pointer (&task));
}

static void
on_source_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Migration *migration = g_task_get_task_data (task);
  GPtrArray *items = items_read (task, source, result);
  WalletKeyring *target;
  GCancellable *cancellable;

  if (items == NULL)
    return;
  g_clear_pointer (&migration->source_items, g_ptr_array_unref);
  migration->source_items = items;
  target = g_task_get_source_object (task);
  cancellable = g_task_get_cancellable (task);
  /* The call takes the task over. */
  wallet_keyring_load_all_async (target, current_kind (migration), cancellable, on_target_read,
                                 g_steal_pointer (&task));
}

/* Takes the task. */
static void
read_kind (GTask *task)
{
  Migration *migration = g_task_get_task_data (task);

  wallet_keyring_load_all_async (migration->source, current_kind (migration),
                                 g_task_get_cancellable (task), on_source_read, task);
}

/* ------------------------------------------------------------------ */
/* The target's index, out of date once credentials came in            */
/* ------------------------------------------------------------------ */

static void
on_index_deleted (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!wallet_keyring_delete_finish (WALLET_KEYRING (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Takes the task. Deleting an index that is not there succeeds. */
static void
delete_stale_index (GTask *task)
{
  Migration *migration = g_task_get_task_data (task);

  if (!migration->credentials_copied)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  wallet_keyring_delete_async (g_task_get_source_object (task), WALLET_ITEM_INDEX,
                               WALLET_STORE_INDEX_ID, g_task_get_cancellable (task),
                               on_index_deleted, task);
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */

void
wallet_keyring_migrate_async (WalletKeyring       *target,
                              WalletKeyring       *source,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Migration *migration;

  g_return_if_fail (WALLET_IS_KEYRING (target));
  g_return_if_fail (WALLET_IS_KEYRING (source));

  task = g_task_new (target, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_keyring_migrate_async);
  if (wallet_keyring_get_backend (source) == wallet_keyring_get_backend (target))
    {
      g_task_return_new_error (task, WALLET_KEYRING_MIGRATE_ERROR,
                               WALLET_KEYRING_MIGRATE_ERROR_SAME_BACKEND,
                               _("Tigress Wallet already uses that keyring, so there is nothing "
                                 "to copy. Name the other one."));
      g_object_unref (task);
      return;
    }
  migration = g_new0 (Migration, 1);
  migration->source = g_object_ref (source);
  g_task_set_task_data (task, migration, (GDestroyNotify) migration_free);
  read_kind (task);
}

gboolean
wallet_keyring_migrate_finish (WalletKeyring               *target,
                               GAsyncResult                *result,
                               WalletKeyringMigrateCounts  *counts,
                               GError                     **error)
{
  Migration *migration;

  g_return_val_if_fail (g_task_is_valid (result, target), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  migration = g_task_get_task_data (G_TASK (result));
  if (counts != NULL)
    *counts = migration->counts;
  return TRUE;
}
