/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * WalletKeyring: the wallet's items in the Secret Service (GNOME Keyring,
 * KeePassXC…) through libsecret, every call asynchronous, cancellable and
 * bounded by a timeout, so a hung or restarted daemon never hangs the app.
 *
 * One keyring item per thing kept: a credential, the wrapped data key, the
 * identity, a pinned contact, a share in progress. Each item has the
 * schema "io.github.tigress_wallet.Wallet.<Kind>" and exactly two more
 * attributes, "id" and "type": ids and types only, never a name, title or
 * address. Its label is readable ("Tigress Wallet credential 1b4e…") so
 * people recognise it in Seahorse, and `secret-tool search id <id>` finds
 * it. The item secret is the caller's opaque bytes behind a short text
 * header naming the id and type again ("tw1\n<id>\n<type>\n"), so one
 * batch read knows every item without asking for each item's attributes.
 * Callers store only what the vault sealed (wallet_vault_seal()), except
 * the vault's own wrapped key; the header is added and removed here.
 *
 * Writes never half-happen: store replaces the item in one Secret Service
 * call and then reads it back; if the read-back differs the call fails,
 * and if the replace fails the old item is still there.
 *
 * Every failure is a WALLET_KEYRING_ERROR whose message says what happened
 * and what to do, ready to show to people.
 *
 * Inside Flatpak (or with TIGRESS_KEYRING=portal) the same calls go to a
 * second backend instead, wallet-keyring-portal.h: one file that libsecret
 * encrypts with a key from the Secret portal. TIGRESS_KEYRING=service
 * forces the Secret Service. The choice is made in wallet_keyring_new().
 */

#define WALLET_TYPE_KEYRING (wallet_keyring_get_type ())
G_DECLARE_FINAL_TYPE (WalletKeyring, wallet_keyring, WALLET, KEYRING, GObject)

#define WALLET_KEYRING_ERROR (wallet_keyring_error_quark ())

typedef enum {
  WALLET_KEYRING_ERROR_FAILED,          /* anything not listed below */
  WALLET_KEYRING_ERROR_NO_BUS,          /* no D-Bus session bus ("Cannot autolaunch D-Bus…") */
  WALLET_KEYRING_ERROR_NO_SERVICE,      /* no Secret Service running (ServiceUnknown) */
  WALLET_KEYRING_ERROR_NO_PORTAL,       /* in Flatpak: no secret portal and no keyring access */
  WALLET_KEYRING_ERROR_NO_COLLECTION,   /* no default collection ("login" missing) */
  WALLET_KEYRING_ERROR_LOCKED,          /* the collection is locked, or the unlock was refused */
  WALLET_KEYRING_ERROR_DISCONNECTED,    /* the daemon went away or restarted during the call */
  WALLET_KEYRING_ERROR_TIMEOUT,         /* no answer within the timeout: the daemon hangs */
  WALLET_KEYRING_ERROR_NOT_FOUND,       /* no item with this kind and id */
  WALLET_KEYRING_ERROR_VERIFY_FAILED,   /* the item read back is not what was written */
  WALLET_KEYRING_ERROR_PORTAL_REFUSED,  /* the secret portal gave no key (file backend) */
  WALLET_KEYRING_ERROR_FILE_UNREADABLE, /* the file backend's keyring file cannot be read */
  WALLET_KEYRING_ERROR_FILE_CHANGED,    /* a program not taking its lock wrote it meanwhile */
} WalletKeyringError;

typedef enum {
  WALLET_ITEM_CREDENTIAL,  /* a credential, sealed */
  WALLET_ITEM_VAULT,       /* the wrapped data key and the wrong-passcode counter */
  WALLET_ITEM_IDENTITY,    /* the long-term identity key, sealed */
  WALLET_ITEM_CONTACT,     /* a pinned contact, sealed */
  WALLET_ITEM_SHARE,       /* a share in progress, sealed (the share manager's) */
  WALLET_ITEM_INDEX,       /* every credential's sealed item again, in one item (WalletStore) */
} WalletItemKind;

/* Where the items are: which one wallet_keyring_new() picks is said
 * above. */
typedef enum {
  WALLET_KEYRING_BACKEND_SERVICE,  /* the Secret Service over D-Bus */
  WALLET_KEYRING_BACKEND_PORTAL,   /* libsecret's file backend, keyed by the portal */
} WalletKeyringBackend;

/* Schema names, also the "xdg:schema" attribute of each item. */
#define WALLET_SCHEMA_CREDENTIAL  "io.github.tigress_wallet.Wallet.Credential"
#define WALLET_SCHEMA_VAULT       "io.github.tigress_wallet.Wallet.Vault"
#define WALLET_SCHEMA_IDENTITY    "io.github.tigress_wallet.Wallet.Identity"
#define WALLET_SCHEMA_CONTACT     "io.github.tigress_wallet.Wallet.Contact"
#define WALLET_SCHEMA_SHARE       "io.github.tigress_wallet.Wallet.Share"
#define WALLET_SCHEMA_INDEX       "io.github.tigress_wallet.Wallet.Index"

/* The two attributes besides xdg:schema. */
#define WALLET_ATTRIBUTE_ID    "id"
#define WALLET_ATTRIBUTE_TYPE  "type"

/* The timeout of every call unless wallet_keyring_set_timeout() says
 * otherwise. Long enough for a busy daemon, short enough for people. */
#define WALLET_KEYRING_DEFAULT_TIMEOUT_MS 10000

/* One item as wallet_keyring_load_all_finish() returns it. */
typedef struct {
  char   *id;
  char   *type;    /* may be NULL */
  GBytes *secret;  /* the stored bytes (sealed) */
} WalletKeyringItem;

GQuark              wallet_keyring_error_quark      (void);
const char         *wallet_item_kind_get_schema     (WalletItemKind        kind);

void                wallet_keyring_item_free        (WalletKeyringItem    *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WalletKeyringItem, wallet_keyring_item_free)

WalletKeyring      *wallet_keyring_new              (void);
/* A keyring on @backend whatever TIGRESS_KEYRING says: for copying a
 * wallet from the other backend (wallet-keyring-migrate.h). */
WalletKeyring      *wallet_keyring_new_for_backend  (WalletKeyringBackend  backend);
WalletKeyringBackend wallet_keyring_get_backend     (WalletKeyring        *self);

/* Which collection new items go to: a libsecret alias or object path.
 * "default" (the user's default keyring) unless changed; "session" keeps
 * items in memory only, for tests and benchmarks. Reads search every
 * collection. */
void                wallet_keyring_set_collection   (WalletKeyring        *self,
                                                     const char           *collection);

guint               wallet_keyring_get_timeout      (WalletKeyring        *self);
/* In milliseconds; applies to calls started afterwards. */
void                wallet_keyring_set_timeout      (WalletKeyring        *self,
                                                     guint                 timeout_ms);

/* Creates or replaces the item of @kind and @id, then reads it back to
 * verify it. @type may be NULL. @label is shown in Seahorse: no secrets
 * and no personal data in it. */
void                wallet_keyring_store_async      (WalletKeyring        *self,
                                                     WalletItemKind        kind,
                                                     const char           *id,
                                                     const char           *type,
                                                     const char           *label,
                                                     GBytes               *secret,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            wallet_keyring_store_finish     (WalletKeyring        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* The secret of one item, or NULL with WALLET_KEYRING_ERROR_NOT_FOUND.
 * NOT_FOUND (and, for load_all, an empty array) is said only while the
 * collection new items go to is unlocked: a daemon restarted without the
 * login password shows nothing of its locked collection, so a search that
 * finds nothing there first unlocks it (the daemon may prompt) or fails
 * with WALLET_KEYRING_ERROR_LOCKED. */
void                wallet_keyring_load_async       (WalletKeyring        *self,
                                                     WalletItemKind        kind,
                                                     const char           *id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GBytes             *wallet_keyring_load_finish      (WalletKeyring        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Every item of @kind, secrets included, in one batch: an array of
 * WalletKeyringItem (empty when there are none). */
void                wallet_keyring_load_all_async   (WalletKeyring        *self,
                                                     WalletItemKind        kind,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray          *wallet_keyring_load_all_finish  (WalletKeyring        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Deletes the item of @kind and @id. Deleting an item that does not exist
 * succeeds, so a retried delete is harmless. TRUE means the item is gone:
 * when it is there but cannot be reached, the call fails and the item
 * stays as it was. A locked collection is unlocked first (the daemon may
 * prompt); if that is refused, the error is WALLET_KEYRING_ERROR_LOCKED.
 * No keyring, a hung or vanished daemon: the matching error, never a
 * silent success. Show the error's message and keep showing the item. */
void                wallet_keyring_delete_async     (WalletKeyring        *self,
                                                     WalletItemKind        kind,
                                                     const char           *id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            wallet_keyring_delete_finish    (WalletKeyring        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Turns an error from libsecret or GDBus into a WALLET_KEYRING_ERROR with
 * a message for people. @sandboxed says whether the app runs in Flatpak
 * (where a missing service means a missing portal). For the wrapper and
 * its tests. */
GError             *wallet_keyring_error_from_raw   (const GError         *raw,
                                                     gboolean              sandboxed);

G_END_DECLS
