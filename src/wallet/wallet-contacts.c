/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-contacts.h"
#include "wallet-credential.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tw-base64.h"
#include "tw-json-secret.h"
#include "tw-json-strict.h"

#define IDENTITY_ID "identity"
#define MAX_NAME_LENGTH 100

struct _WalletContacts
{
  GObject      parent_instance;

  WalletVault *vault;
  GPtrArray   *contacts;      /* WalletContact, sorted by name */
  TwSecret    *identity_seed; /* while unlocked and loaded */
  guint8       identity_public[TW_ED25519_PUBLIC_SIZE];
  char        *identity_fingerprint;
};

static void wallet_contacts_list_model_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (WalletContacts, wallet_contacts, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                wallet_contacts_list_model_init))

G_DEFINE_QUARK (wallet-contacts-error-quark, wallet_contacts_error)

static GType
wallet_contacts_get_item_type (GListModel *model)
{
  return WALLET_TYPE_CONTACT;
}

static guint
wallet_contacts_get_n_items (GListModel *model)
{
  return WALLET_CONTACTS (model)->contacts->len;
}

static gpointer
wallet_contacts_get_item (GListModel *model,
                          guint       position)
{
  WalletContacts *self = WALLET_CONTACTS (model);

  if (position >= self->contacts->len)
    return NULL;
  return g_object_ref (self->contacts->pdata[position]);
}

static void
wallet_contacts_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = wallet_contacts_get_item_type;
  iface->get_n_items = wallet_contacts_get_n_items;
  iface->get_item = wallet_contacts_get_item;
}

static void
forget_identity (WalletContacts *self)
{
  g_clear_pointer (&self->identity_seed, tw_secret_unref);
  g_clear_pointer (&self->identity_fingerprint, g_free);
  memset (self->identity_public, 0, sizeof self->identity_public);
}

static void
set_identity (WalletContacts *self,
              TwSecret       *seed)
{
  forget_identity (self);
  if (!tw_ed25519_public_key (seed, self->identity_public, NULL))
    return;
  self->identity_seed = tw_secret_ref (seed);
  self->identity_fingerprint = wallet_fingerprint_for_key (self->identity_public);
}

static void
clear_all (WalletContacts *self)
{
  guint removed = self->contacts->len;

  forget_identity (self);
  g_ptr_array_set_size (self->contacts, 0);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

static void
on_vault_locked (WalletVault *vault,
                 gpointer     user_data)
{
  clear_all (WALLET_CONTACTS (user_data));
}

static void
wallet_contacts_dispose (GObject *object)
{
  WalletContacts *self = WALLET_CONTACTS (object);

  if (self->vault != NULL)
    g_signal_handlers_disconnect_by_data (self->vault, self);
  g_clear_object (&self->vault);
  if (self->contacts != NULL)
    clear_all (self);
  g_clear_pointer (&self->contacts, g_ptr_array_unref);
  G_OBJECT_CLASS (wallet_contacts_parent_class)->dispose (object);
}

static void
wallet_contacts_class_init (WalletContactsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wallet_contacts_dispose;
}

static void
wallet_contacts_init (WalletContacts *self)
{
  self->contacts = g_ptr_array_new_with_free_func (g_object_unref);
}

WalletContacts *
wallet_contacts_new (WalletVault *vault)
{
  WalletContacts *self;

  g_return_val_if_fail (WALLET_IS_VAULT (vault), NULL);

  self = g_object_new (WALLET_TYPE_CONTACTS, NULL);
  self->vault = g_object_ref (vault);
  g_signal_connect (vault, "locked", G_CALLBACK (on_vault_locked), self);
  return self;
}

static int
compare_contacts (gconstpointer a,
                  gconstpointer b)
{
  return g_utf8_collate (wallet_contact_get_name (*(WalletContact **) a),
                         wallet_contact_get_name (*(WalletContact **) b));
}

static void
add_contact (WalletContacts *self,
             WalletContact  *contact)
{
  guint position = 0;

  while (position < self->contacts->len &&
         compare_contacts (&self->contacts->pdata[position], &contact) <= 0)
    position++;
  g_ptr_array_insert (self->contacts, (int) position, g_object_ref (contact));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

static WalletKeyring *
keyring_of (WalletContacts *self)
{
  return wallet_vault_get_keyring (self->vault);
}

/* ------------------------------------------------------------------ */
/* Contacts as stored: {"name", "key" (base64), "pinned" (unix)}        */
/* ------------------------------------------------------------------ */

static char *
contact_context (const char *id)
{
  return g_strconcat ("contact:", id, NULL);
}

static TwSecret *
contact_to_json (WalletContact *contact)
{
  g_autoptr(TwJsonWriter) writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "name");
  tw_json_writer_string (writer, wallet_contact_get_name (contact));
  tw_json_writer_member (writer, "key");
  tw_json_writer_base64 (writer, wallet_contact_get_public_key (contact),
                         TW_ED25519_PUBLIC_SIZE);
  tw_json_writer_member (writer, "pinned");
  tw_json_writer_int (writer, g_date_time_to_unix (wallet_contact_get_pinned (contact)));
  tw_json_writer_end_object (writer);
  return tw_json_writer_finish (g_steal_pointer (&writer), 0);
}

static WalletContact *
contact_from_item (WalletContacts    *self,
                   WalletKeyringItem *item)
{
  g_autofree char *context = contact_context (item->id);
  g_autoptr(TwSecret) plaintext = wallet_vault_open (self->vault, context, item->secret, NULL);
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GDateTime) pinned = NULL;
  guint8 key[TW_ED25519_PUBLIC_SIZE];
  const char *name;
  gint64 pinned_unix;

  if (plaintext != NULL)
    root = tw_json_strict_parse_object ((const char *) tw_secret_get_data (plaintext),
                                        tw_secret_get_size (plaintext), NULL, NULL);
  if (root == NULL || (name = tw_json_get_string (root, "name", NULL)) == NULL ||
      !tw_base64_decode_exact (tw_json_get_string (root, "key", NULL), -1,
                               TW_BASE64_STANDARD, key, sizeof key, NULL) ||
      !tw_json_get_int (root, "pinned", 0, G_MAXINT32, &pinned_unix, NULL))
    {
      g_message ("The keyring item of contact %s does not open; it is kept as it is",
                 item->id);
      return NULL;
    }
  pinned = g_date_time_new_from_unix_utc (pinned_unix);
  return wallet_contact_new (item->id, name, key, pinned);
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

static gboolean
check_unlocked (WalletContacts  *self,
                GError         **error)
{
  if (wallet_vault_is_unlocked (self->vault))
    return TRUE;
  g_set_error_literal (error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_LOCKED,
                       _("The wallet is locked. Unlock it with your passcode first."));
  return FALSE;
}

static void
on_contacts_loaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletContacts *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) items = wallet_keyring_load_all_finish (WALLET_KEYRING (source), result,
                                                              &error);
  guint removed = self->contacts->len;

  if (items == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_set_size (self->contacts, 0);
  for (guint i = 0; i < items->len; i++)
    {
      WalletContact *contact = contact_from_item (self, items->pdata[i]);

      if (contact != NULL)
        g_ptr_array_add (self->contacts, contact);
    }
  g_ptr_array_sort (self->contacts, compare_contacts);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->contacts->len);
  g_task_return_boolean (task, TRUE);
}

static void
on_identity_loaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  WalletContacts *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GBytes) sealed = wallet_keyring_load_finish (WALLET_KEYRING (source), result,
                                                          &error);

  if (sealed == NULL && !g_error_matches (error, WALLET_KEYRING_ERROR,
                                          WALLET_KEYRING_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_clear_error (&error);
  forget_identity (self);
  if (sealed != NULL)
    {
      g_autoptr(TwSecret) seed = wallet_vault_open (self->vault, "identity:" IDENTITY_ID, sealed,
                                                    &error);

      if (seed == NULL)
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      set_identity (self, seed);
    }
  wallet_keyring_load_all_async (keyring_of (self), WALLET_ITEM_CONTACT,
                                 g_task_get_cancellable (task), on_contacts_loaded, task);
}

void
wallet_contacts_load_async (WalletContacts      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;

  g_return_if_fail (WALLET_IS_CONTACTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_contacts_load_async);
  if (!check_unlocked (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  wallet_keyring_load_async (keyring_of (self), WALLET_ITEM_IDENTITY, IDENTITY_ID, cancellable,
                             on_identity_loaded, task);
}

gboolean
wallet_contacts_load_finish (WalletContacts  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* The identity                                                        */
/* ------------------------------------------------------------------ */

gboolean
wallet_contacts_has_identity (WalletContacts *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACTS (self), FALSE);
  return self->identity_seed != NULL;
}

const guint8 *
wallet_contacts_get_identity_public_key (WalletContacts *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACTS (self), NULL);
  return self->identity_seed != NULL ? self->identity_public : NULL;
}

const char *
wallet_contacts_get_identity_fingerprint (WalletContacts *self)
{
  g_return_val_if_fail (WALLET_IS_CONTACTS (self), NULL);
  return self->identity_fingerprint;
}

static void
on_identity_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletContacts *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  set_identity (self, g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

void
wallet_contacts_create_identity_async (WalletContacts      *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  TwSecret *seed = NULL;
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr(GBytes) sealed = NULL;
  GError *error = NULL;

  g_return_if_fail (WALLET_IS_CONTACTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_contacts_create_identity_async);
  if (self->identity_seed != NULL)
    g_set_error_literal (&error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_IDENTITY_EXISTS,
                         _("This wallet has an identity already."));
  if (error == NULL && check_unlocked (self, &error))
    {
      tw_ed25519_generate (&seed, public_key);
      g_task_set_task_data (task, seed, (GDestroyNotify) tw_secret_unref);
      sealed = wallet_vault_seal (self->vault, "identity:" IDENTITY_ID, seed, &error);
    }
  if (sealed == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  wallet_keyring_store_async (keyring_of (self), WALLET_ITEM_IDENTITY, IDENTITY_ID, "ed25519",
                              _("Tigress Wallet identity"), sealed, cancellable,
                              on_identity_stored, task);
}

gboolean
wallet_contacts_create_identity_finish (WalletContacts  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_identity_deleted (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!wallet_keyring_delete_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  forget_identity (g_task_get_source_object (task));
  g_task_return_boolean (task, TRUE);
}

void
wallet_contacts_delete_identity_async (WalletContacts      *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WALLET_IS_CONTACTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_contacts_delete_identity_async);
  wallet_keyring_delete_async (keyring_of (self), WALLET_ITEM_IDENTITY, IDENTITY_ID,
                               cancellable, on_identity_deleted, task);
}

gboolean
wallet_contacts_delete_identity_finish (WalletContacts  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
wallet_contacts_sign (WalletContacts *self,
                      gconstpointer   message,
                      gsize           size,
                      guint8         *signature,
                      GError        **error)
{
  g_return_val_if_fail (WALLET_IS_CONTACTS (self), FALSE);

  if (self->identity_seed == NULL)
    {
      g_set_error_literal (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_NO_IDENTITY,
                           _("Create an identity first, so others can verify you."));
      return FALSE;
    }
  return tw_ed25519_sign (self->identity_seed, message, size, signature, error);
}

/* ------------------------------------------------------------------ */
/* Pinned contacts                                                     */
/* ------------------------------------------------------------------ */

WalletContact *
wallet_contacts_lookup_key (WalletContacts *self,
                            const guint8   *public_key)
{
  g_return_val_if_fail (WALLET_IS_CONTACTS (self), NULL);
  g_return_val_if_fail (public_key != NULL, NULL);

  for (guint i = 0; i < self->contacts->len; i++)
    {
      WalletContact *contact = self->contacts->pdata[i];

      if (memcmp (wallet_contact_get_public_key (contact), public_key,
                  TW_ED25519_PUBLIC_SIZE) == 0)
        return contact;
    }
  return NULL;
}

static gboolean
check_new_contact (WalletContacts  *self,
                   const char      *name,
                   const guint8    *public_key,
                   GError         **error)
{
  static const guint8 zero[TW_ED25519_PUBLIC_SIZE] = { 0 };
  WalletContact *existing;

  if (name == NULL || !g_utf8_validate (name, -1, NULL) || name[0] == '\0' ||
      g_utf8_strlen (name, -1) > MAX_NAME_LENGTH || g_ascii_isspace (name[0]))
    {
      g_set_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_BAD_NAME,
                   _("Give the contact a name of 1 to %d characters."), MAX_NAME_LENGTH);
      return FALSE;
    }
  /* The name is shown after "verified sender:": it must not draw lines or
   * colours of its own (QA G12), the rule titles follow. */
  if (!wallet_credential_text_is_displayable (name, FALSE))
    {
      g_set_error_literal (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_BAD_NAME,
                           _("The contact’s name holds a line break, a tab or another "
                             "control character: write it on one line."));
      return FALSE;
    }
  if (public_key == NULL || memcmp (public_key, zero, sizeof zero) == 0)
    {
      g_set_error_literal (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_BAD_KEY,
                           _("This is not an identity key. Ask your contact to send it "
                             "again."));
      return FALSE;
    }
  if (self->identity_seed != NULL &&
      memcmp (public_key, self->identity_public, TW_ED25519_PUBLIC_SIZE) == 0)
    {
      g_set_error_literal (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_SELF,
                           _("This is your own identity."));
      return FALSE;
    }
  existing = wallet_contacts_lookup_key (self, public_key);
  if (existing != NULL)
    {
      g_set_error (error, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_ALREADY_PINNED,
                   _("This identity is pinned already, as “%s”."),
                   wallet_contact_get_name (existing));
      return FALSE;
    }
  return check_unlocked (self, error);
}

static void
on_contact_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletContacts *self = g_task_get_source_object (task);
  WalletContact *contact = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wallet_keyring_store_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  add_contact (self, contact);
  g_task_return_pointer (task, g_object_ref (contact), g_object_unref);
}

void
wallet_contacts_pin_async (WalletContacts      *self,
                           const char          *name,
                           const guint8        *public_key,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *context = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(TwSecret) plaintext = NULL;
  g_autoptr(GBytes) sealed = NULL;
  WalletContact *contact;

  g_return_if_fail (WALLET_IS_CONTACTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_contacts_pin_async);
  if (!check_new_contact (self, name, public_key, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  id = g_uuid_string_random ();
  now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);
  contact = wallet_contact_new (id, name, public_key, now);
  g_task_set_task_data (task, contact, g_object_unref);
  plaintext = contact_to_json (contact);
  context = contact_context (id);
  sealed = wallet_vault_seal (self->vault, context, plaintext, &error);
  if (sealed == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  wallet_keyring_store_async (keyring_of (self), WALLET_ITEM_CONTACT, id, "ed25519",
                              _("Tigress Wallet contact"), sealed, cancellable,
                              on_contact_stored, task);
}

WalletContact *
wallet_contacts_pin_finish (WalletContacts  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_contact_deleted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletContacts *self = g_task_get_source_object (task);
  const char *id = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wallet_keyring_delete_finish (WALLET_KEYRING (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < self->contacts->len; i++)
    {
      if (g_str_equal (wallet_contact_get_id (self->contacts->pdata[i]), id))
        {
          g_ptr_array_remove_index (self->contacts, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
          break;
        }
    }
  g_task_return_boolean (task, TRUE);
}

void
wallet_contacts_unpin_async (WalletContacts      *self,
                             const char          *contact_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  gboolean known = FALSE;

  g_return_if_fail (WALLET_IS_CONTACTS (self));
  g_return_if_fail (contact_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_contacts_unpin_async);
  g_task_set_task_data (task, g_strdup (contact_id), g_free);
  for (guint i = 0; i < self->contacts->len; i++)
    known |= g_str_equal (wallet_contact_get_id (self->contacts->pdata[i]), contact_id);
  if (!known)
    {
      g_task_return_new_error (task, WALLET_CONTACTS_ERROR, WALLET_CONTACTS_ERROR_NOT_FOUND,
                               _("There is no such contact."));
      g_object_unref (task);
      return;
    }
  wallet_keyring_delete_async (keyring_of (self), WALLET_ITEM_CONTACT, contact_id, cancellable,
                               on_contact_deleted, task);
}

gboolean
wallet_contacts_unpin_finish (WalletContacts  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
