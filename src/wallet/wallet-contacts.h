/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "wallet-contact.h"
#include "wallet-vault.h"

G_BEGIN_DECLS

/*
 * WalletContacts: this wallet's long-term identity and its pinned contacts,
 * a GListModel of WalletContact sorted by name.
 *
 * The identity is opt-in: an Ed25519 key made on request, kept in the
 * keyring (kind WALLET_ITEM_IDENTITY) sealed under the data key. Its
 * fingerprint is what two people compare once; after that each pins the
 * other's key with a name (kind WALLET_ITEM_CONTACT, sealed too). A share
 * signed by a pinned key is from a "verified sender"; every other share is
 * "sender not verified".
 *
 * Needs an unlocked vault for everything but the lookups, and empties
 * itself when the vault locks.
 */

#define WALLET_TYPE_CONTACTS (wallet_contacts_get_type ())
G_DECLARE_FINAL_TYPE (WalletContacts, wallet_contacts, WALLET, CONTACTS, GObject)

#define WALLET_CONTACTS_ERROR (wallet_contacts_error_quark ())

typedef enum {
  WALLET_CONTACTS_ERROR_NO_IDENTITY,      /* create an identity first */
  WALLET_CONTACTS_ERROR_IDENTITY_EXISTS,  /* there is one already */
  WALLET_CONTACTS_ERROR_BAD_KEY,          /* not a 32-byte Ed25519 public key */
  WALLET_CONTACTS_ERROR_BAD_NAME,         /* an empty name */
  WALLET_CONTACTS_ERROR_ALREADY_PINNED,   /* this key is pinned (the message names whom to) */
  WALLET_CONTACTS_ERROR_SELF,             /* your own key */
  WALLET_CONTACTS_ERROR_NOT_FOUND,        /* no contact with that id */
} WalletContactsError;

GQuark           wallet_contacts_error_quark        (void);

WalletContacts  *wallet_contacts_new                (WalletVault          *vault);

/* Loads the identity and the contacts. Needs an unlocked vault. */
void             wallet_contacts_load_async         (WalletContacts       *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean         wallet_contacts_load_finish        (WalletContacts       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

gboolean         wallet_contacts_has_identity       (WalletContacts       *self);
/* Makes and stores a new identity; IDENTITY_EXISTS if there is one. */
void             wallet_contacts_create_identity_async  (WalletContacts   *self,
                                                         GCancellable     *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer          user_data);
gboolean         wallet_contacts_create_identity_finish (WalletContacts   *self,
                                                         GAsyncResult     *result,
                                                         GError          **error);
/* Forgets the identity (contacts stay pinned). */
void             wallet_contacts_delete_identity_async  (WalletContacts   *self,
                                                         GCancellable     *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer          user_data);
gboolean         wallet_contacts_delete_identity_finish (WalletContacts   *self,
                                                         GAsyncResult     *result,
                                                         GError          **error);

/* The identity's public key (32 bytes) and fingerprint, or NULL. */
const guint8    *wallet_contacts_get_identity_public_key  (WalletContacts *self);
const char      *wallet_contacts_get_identity_fingerprint (WalletContacts *self);

/* Signs with the identity key (for the share manager's offers);
 * @signature has room for TW_ED25519_SIG_SIZE bytes. */
gboolean         wallet_contacts_sign               (WalletContacts       *self,
                                                     gconstpointer         message,
                                                     gsize                 size,
                                                     guint8               *signature,
                                                     GError              **error);

/* Pins @public_key (TW_ED25519_PUBLIC_SIZE bytes) under @name. Returns the
 * new contact. */
void             wallet_contacts_pin_async          (WalletContacts       *self,
                                                     const char           *name,
                                                     const guint8         *public_key,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
WalletContact   *wallet_contacts_pin_finish         (WalletContacts       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

void             wallet_contacts_unpin_async        (WalletContacts       *self,
                                                     const char           *contact_id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean         wallet_contacts_unpin_finish       (WalletContacts       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* The pinned contact whose key is @public_key, or NULL: the answer to
 * "verified sender?". Transfer none. */
WalletContact   *wallet_contacts_lookup_key         (WalletContacts       *self,
                                                     const guint8         *public_key);

G_END_DECLS
