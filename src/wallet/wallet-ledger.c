/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "tw-json-strict.h"
#include "wallet-keyring.h"
#include "wallet-ledger.h"

#define LEDGER_VERSION       1
#define LEDGER_LABEL         "Tigress Wallet finished shares"
#define LEDGER_CONTEXT_PREFIX "share-ledger:"

typedef struct {
  char                *mailbox_url;
  char                *share_id;
  gboolean             incoming;
  WalletLedgerOutcome  outcome;
  gint64               recorded_at;   /* Unix seconds, our clock */
} LedgerEntry;

struct _WalletLedger
{
  GObject       parent_instance;

  WalletVault  *vault;
  char         *item_id;
  gboolean      loaded;
  /* mailbox URL -> LedgerEntry: only what the keyring holds */
  GHashTable   *entries;
  /* GTasks of record calls, written one at a time, in order */
  GQueue        pending;
  gboolean      writing;
};

G_DEFINE_FINAL_TYPE (WalletLedger, wallet_ledger, G_TYPE_OBJECT)

static const char * const outcome_names[] = {
  [WALLET_LEDGER_OUTCOME_NONE] = "none",
  [WALLET_LEDGER_OUTCOME_RECEIVED] = "received",
  [WALLET_LEDGER_OUTCOME_DELIVERED] = "delivered",
  [WALLET_LEDGER_OUTCOME_DECLINED] = "declined",
  [WALLET_LEDGER_OUTCOME_CANCELLED] = "cancelled",
  [WALLET_LEDGER_OUTCOME_EXPIRED] = "expired",
  [WALLET_LEDGER_OUTCOME_FAILED] = "failed",
  [WALLET_LEDGER_OUTCOME_ACCEPTED_ELSEWHERE] = "accepted-elsewhere",
};

const char *
wallet_ledger_outcome_to_string (WalletLedgerOutcome outcome)
{
  g_return_val_if_fail (outcome < G_N_ELEMENTS (outcome_names), NULL);
  return outcome_names[outcome];
}

static gboolean
outcome_from_string (const char          *name,
                     WalletLedgerOutcome *outcome)
{
  for (guint i = 1; i < G_N_ELEMENTS (outcome_names); i++)
    {
      if (g_strcmp0 (outcome_names[i], name) == 0)
        {
          *outcome = i;
          return TRUE;
        }
    }
  return FALSE;
}

static void
ledger_entry_free (LedgerEntry *entry)
{
  g_free (entry->mailbox_url);
  g_free (entry->share_id);
  g_free (entry);
}

static LedgerEntry *
ledger_entry_copy (const LedgerEntry *entry)
{
  LedgerEntry *copy = g_memdup2 (entry, sizeof *entry);

  copy->mailbox_url = g_strdup (entry->mailbox_url);
  copy->share_id = g_strdup (entry->share_id);
  return copy;
}

static void
wallet_ledger_dispose (GObject *object)
{
  WalletLedger *self = WALLET_LEDGER (object);
  GTask *task;

  while ((task = g_queue_pop_head (&self->pending)) != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The ledger was closed before the entry was written");
      g_object_unref (task);
    }
  g_clear_object (&self->vault);

  G_OBJECT_CLASS (wallet_ledger_parent_class)->dispose (object);
}

static void
wallet_ledger_finalize (GObject *object)
{
  WalletLedger *self = WALLET_LEDGER (object);

  g_free (self->item_id);
  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (wallet_ledger_parent_class)->finalize (object);
}

static void
wallet_ledger_class_init (WalletLedgerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wallet_ledger_dispose;
  object_class->finalize = wallet_ledger_finalize;
}

static void
wallet_ledger_init (WalletLedger *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) ledger_entry_free);
  g_queue_init (&self->pending);
}

WalletLedger *
wallet_ledger_new (WalletVault *vault,
                   const char  *item_namespace)
{
  WalletLedger *self;

  g_return_val_if_fail (WALLET_IS_VAULT (vault), NULL);

  self = g_object_new (WALLET_TYPE_LEDGER, NULL);
  self->vault = g_object_ref (vault);
  if (item_namespace != NULL && *item_namespace != '\0')
    self->item_id = g_strconcat (item_namespace, ":", WALLET_LEDGER_ITEM_ID, NULL);
  else
    self->item_id = g_strdup (WALLET_LEDGER_ITEM_ID);

  return self;
}

static char *
seal_context (WalletLedger *self)
{
  return g_strconcat (LEDGER_CONTEXT_PREFIX, self->item_id, NULL);
}

static void
insert_entry (GHashTable  *entries,
              LedgerEntry *entry)
{
  g_hash_table_replace (entries, entry->mailbox_url, entry);
}

/* ---- reading ---------------------------------------------------------- */

static gboolean
parse_entry (JsonObject   *object,
             LedgerEntry **entry_out,
             GError      **error)
{
  static const char * const members[] = { "mailbox", "share", "incoming", "outcome", "at", NULL };
  const char *mailbox_url, *share_id = NULL, *outcome_name;
  LedgerEntry entry = { 0 };

  if (!tw_json_check_members (object, members, error) ||
      (mailbox_url = tw_json_get_string (object, "mailbox", error)) == NULL ||
      !tw_json_get_optional_string (object, "share", &share_id, error) ||
      !tw_json_get_boolean (object, "incoming", &entry.incoming, error) ||
      (outcome_name = tw_json_get_string (object, "outcome", error)) == NULL ||
      !tw_json_get_int (object, "at", 0, G_MAXINT64, &entry.recorded_at, error))
    return FALSE;

  if (!outcome_from_string (outcome_name, &entry.outcome))
    {
      g_set_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_DAMAGED,
                   _("The list of finished shares is damaged."));
      return FALSE;
    }

  entry.mailbox_url = (char *) mailbox_url;
  entry.share_id = (char *) share_id;
  *entry_out = ledger_entry_copy (&entry);
  return TRUE;
}

static gboolean
parse_ledger (WalletLedger  *self,
              TwSecret      *plaintext,
              GHashTable    *entries,
              GError       **error)
{
  g_autoptr(JsonObject) root = NULL;
  JsonArray *list;
  gint64 version;

  root = tw_json_strict_parse_object ((const char *) tw_secret_get_data (plaintext),
                                      tw_secret_get_size (plaintext), NULL, error);
  if (root == NULL ||
      !tw_json_get_int (root, "v", LEDGER_VERSION, LEDGER_VERSION, &version, error) ||
      (list = tw_json_get_array (root, "entries", error)) == NULL)
    return FALSE;

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      LedgerEntry *entry;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_DAMAGED,
                       _("The list of finished shares is damaged."));
          return FALSE;
        }
      if (!parse_entry (json_node_get_object (node), &entry, error))
        return FALSE;
      insert_entry (entries, entry);
    }

  return TRUE;
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletLedger *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(GHashTable) entries = NULL;
  g_autofree char *context = seal_context (self);

  sealed = wallet_keyring_load_finish (WALLET_KEYRING (source), result, &error);
  if (sealed == NULL && g_error_matches (error, WALLET_KEYRING_ERROR,
                                         WALLET_KEYRING_ERROR_NOT_FOUND))
    {
      g_hash_table_remove_all (self->entries);
      self->loaded = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (sealed == NULL ||
      (plaintext = wallet_vault_open (self->vault, context, sealed, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                   (GDestroyNotify) ledger_entry_free);
  if (!parse_ledger (self, plaintext, entries, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_hash_table_unref (self->entries);
  self->entries = g_steal_pointer (&entries);
  self->loaded = TRUE;
  g_task_return_boolean (task, TRUE);
}

void
wallet_ledger_load_async (WalletLedger        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WALLET_IS_LEDGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_ledger_load_async);
  wallet_keyring_load_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_SHARE,
                             self->item_id, cancellable, load_done, task);
}

gboolean
wallet_ledger_load_finish (WalletLedger  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
wallet_ledger_is_loaded (WalletLedger *self)
{
  g_return_val_if_fail (WALLET_IS_LEDGER (self), FALSE);
  return self->loaded;
}

guint
wallet_ledger_get_n_entries (WalletLedger *self)
{
  g_return_val_if_fail (WALLET_IS_LEDGER (self), 0);
  return g_hash_table_size (self->entries);
}

WalletLedgerOutcome
wallet_ledger_lookup_mailbox (WalletLedger *self,
                              const char   *mailbox_url)
{
  LedgerEntry *entry;

  g_return_val_if_fail (WALLET_IS_LEDGER (self), WALLET_LEDGER_OUTCOME_NONE);

  if (mailbox_url == NULL)
    return WALLET_LEDGER_OUTCOME_NONE;
  entry = g_hash_table_lookup (self->entries, mailbox_url);
  return entry != NULL ? entry->outcome : WALLET_LEDGER_OUTCOME_NONE;
}

WalletLedgerOutcome
wallet_ledger_lookup_share (WalletLedger *self,
                            const char   *share_id)
{
  GHashTableIter iter;
  LedgerEntry *entry;

  g_return_val_if_fail (WALLET_IS_LEDGER (self), WALLET_LEDGER_OUTCOME_NONE);

  if (share_id == NULL)
    return WALLET_LEDGER_OUTCOME_NONE;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (g_strcmp0 (entry->share_id, share_id) == 0)
        return entry->outcome;
    }
  return WALLET_LEDGER_OUTCOME_NONE;
}

/* ---- writing ---------------------------------------------------------- */

static void
write_entry (JsonBuilder       *builder,
             const LedgerEntry *entry)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mailbox");
  json_builder_add_string_value (builder, entry->mailbox_url);
  if (entry->share_id != NULL)
    {
      json_builder_set_member_name (builder, "share");
      json_builder_add_string_value (builder, entry->share_id);
    }
  json_builder_set_member_name (builder, "incoming");
  json_builder_add_boolean_value (builder, entry->incoming);
  json_builder_set_member_name (builder, "outcome");
  json_builder_add_string_value (builder, outcome_names[entry->outcome]);
  json_builder_set_member_name (builder, "at");
  json_builder_add_int_value (builder, entry->recorded_at);
  json_builder_end_object (builder);
}

/* The ledger's text with @extra added and old entries left out. */
static TwSecret *
serialize_with (WalletLedger      *self,
                const LedgerEntry *extra)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gint64 oldest = g_get_real_time () / G_USEC_PER_SEC
                  - (gint64) WALLET_LEDGER_KEEP_DAYS * 24 * 3600;
  GHashTableIter iter;
  LedgerEntry *entry;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "v");
  json_builder_add_int_value (builder, LEDGER_VERSION);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (entry->recorded_at >= oldest && g_strcmp0 (entry->mailbox_url, extra->mailbox_url) != 0)
        write_entry (builder, entry);
    }
  write_entry (builder, extra);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  return tw_secret_new_from_string (text);
}

static void write_next (WalletLedger *self);

static void
fail_pending (WalletLedger *self,
              const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->pending)) != NULL)
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

/* A write needs every entry the keyring holds, or it would drop them. */
static void
loaded_for_write (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WalletLedger) self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!wallet_ledger_load_finish (self, result, &error))
    {
      fail_pending (self, error);
      return;
    }
  write_next (self);
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletLedger *self = g_task_get_source_object (task);
  LedgerEntry *entry = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      insert_entry (self->entries, ledger_entry_copy (entry));
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      g_task_return_error (task, g_steal_pointer (&error));
    }

  write_next (self);
}

static void
write_next (WalletLedger *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autofree char *context = seal_context (self);
  GTask *task;

  if (self->writing || g_queue_is_empty (&self->pending))
    return;
  if (!self->loaded)
    {
      self->writing = TRUE;
      wallet_ledger_load_async (self, NULL, loaded_for_write, g_object_ref (self));
      return;
    }

  task = g_queue_pop_head (&self->pending);

  plaintext = serialize_with (self, g_task_get_task_data (task));
  sealed = wallet_vault_seal (self->vault, context, plaintext, &error);
  if (sealed == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      write_next (self);
      return;
    }

  self->writing = TRUE;
  wallet_keyring_store_async (wallet_vault_get_keyring (self->vault), WALLET_ITEM_SHARE,
                              self->item_id, WALLET_LEDGER_ITEM_TYPE, LEDGER_LABEL, sealed,
                              g_task_get_cancellable (task), store_done, task);
}

void
wallet_ledger_record_async (WalletLedger        *self,
                            const char          *mailbox_url,
                            const char          *share_id,
                            gboolean             incoming,
                            WalletLedgerOutcome  outcome,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  LedgerEntry *entry;
  GTask *task;

  g_return_if_fail (WALLET_IS_LEDGER (self));
  g_return_if_fail (mailbox_url != NULL);
  g_return_if_fail (outcome != WALLET_LEDGER_OUTCOME_NONE &&
                    outcome < G_N_ELEMENTS (outcome_names));

  entry = g_new0 (LedgerEntry, 1);
  entry->mailbox_url = g_strdup (mailbox_url);
  entry->share_id = g_strdup (share_id);
  entry->incoming = incoming;
  entry->outcome = outcome;
  entry->recorded_at = g_get_real_time () / G_USEC_PER_SEC;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_ledger_record_async);
  g_task_set_task_data (task, entry, (GDestroyNotify) ledger_entry_free);
  g_queue_push_tail (&self->pending, task);
  write_next (self);
}

gboolean
wallet_ledger_record_finish (WalletLedger  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
