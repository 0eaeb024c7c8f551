/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-keyring.h"
#include "wallet-keyring-signal.h"
#include "wallet-ledger.h"

#include "tigress-keyring-watch.h"

#define SECRETS_NAME "org.freedesktop.secrets"
#define COLLECTION_IFACE "org.freedesktop.Secret.Collection"
#define ITEM_IFACE "org.freedesktop.Secret.Item"
/* libsecret records the schema of each item it stores in this attribute. */
#define SCHEMA_ATTRIBUTE "xdg:schema"

struct _TigressKeyringWatch
{
  GObject parent_instance;

  GDBusConnection *bus;
  WalletKeyring *own_keyring;  /* the writer whose changes the app applies itself */
  guint subscriptions[4];
  GCancellable *cancellable;
  /* TigressKeyringChange flags gathered since the last "changed" */
  guint pending;
  guint quiet_timer;
};

G_DEFINE_FINAL_TYPE (TigressKeyringWatch, tigress_keyring_watch, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
on_quiet (gpointer user_data)
{
  TigressKeyringWatch *self = user_data;
  guint change = self->pending;

  self->quiet_timer = 0;
  self->pending = 0;
  g_debug ("The keyring changed from outside; reading it again (flags %u).", change);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, change);
  return G_SOURCE_REMOVE;
}

/* Every new signal restarts the wait: a burst (a CLI command writes an
 * item, then the index) becomes one reload. */
static void
note_change (TigressKeyringWatch *self,
             guint                change)
{
  if (change == 0)
    return;
  self->pending |= change;
  g_clear_handle_id (&self->quiet_timer, g_source_remove);
  self->quiet_timer = g_timeout_add (TIGRESS_KEYRING_WATCH_QUIET_MS, on_quiet, self);
}

static guint
change_for_item (GVariant *attributes)
{
  const char *schema = NULL;
  const char *type = NULL;

  if (!g_variant_is_of_type (attributes, G_VARIANT_TYPE ("a{ss}")))
    return 0;
  g_variant_lookup (attributes, SCHEMA_ATTRIBUTE, "&s", &schema);
  g_variant_lookup (attributes, WALLET_ATTRIBUTE_TYPE, "&s", &type);
  if (g_strcmp0 (schema, WALLET_SCHEMA_CREDENTIAL) == 0)
    return TIGRESS_KEYRING_CHANGE_CREDENTIALS;
  /* Shares are news once they have ended, when the share manager that ran
   * them writes its ledger: a share another process is still running
   * stays with it (two processes driving one share would compete for its
   * mailbox), and this app's own shares update themselves. */
  if (g_strcmp0 (schema, WALLET_SCHEMA_SHARE) == 0 &&
      g_strcmp0 (type, WALLET_LEDGER_ITEM_TYPE) == 0)
    return TIGRESS_KEYRING_CHANGE_SHARES;
  return 0;
}

static void
on_attributes (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TigressKeyringWatch) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* Gone already, or not ours to read: take it as a credential. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        note_change (self, TIGRESS_KEYRING_CHANGE_CREDENTIALS);
      return;
    }
  g_variant_get (reply, "(v)", &attributes);
  note_change (self, change_for_item (attributes));
}

/* Asks the Secret Service what @item is; on_attributes classifies it. */
static void
read_attributes (TigressKeyringWatch *self,
                 GDBusConnection     *connection,
                 const char          *item)
{
  g_dbus_connection_call (connection, SECRETS_NAME, item, "org.freedesktop.DBus.Properties",
                          "Get", g_variant_new ("(ss)", ITEM_IFACE, "Attributes"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->cancellable, on_attributes, g_object_ref (self));
}

static void
on_item_signal (GDBusConnection *connection,
                const char      *sender,
                const char      *path,
                const char      *interface,
                const char      *member,
                GVariant        *parameters,
                gpointer         user_data)
{
  TigressKeyringWatch *self = user_data;
  const char *item = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(o)")))
    return;
  g_variant_get (parameters, "(&o)", &item);
  if (g_str_equal (member, "ItemDeleted"))
    {
      note_change (self, TIGRESS_KEYRING_CHANGE_CREDENTIALS);
      return;
    }
  read_attributes (self, connection, item);
}

/* Our own signal for writes the keyring does not announce (an item's
 * secret replaced in place, wallet-keyring-signal.h). Anyone may send it,
 * so it only names an item, which is then looked at like any other. */
static void
on_write_signal (GDBusConnection *connection,
                 const char      *sender,
                 const char      *path,
                 const char      *interface,
                 const char      *member,
                 GVariant        *parameters,
                 gpointer         user_data)
{
  TigressKeyringWatch *self = user_data;
  const char *item = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(o)")))
    return;
  g_variant_get (parameters, "(&o)", &item);
  if (!g_str_has_prefix (item, "/org/freedesktop/secrets/"))
    return;
  /* The app's own writes already updated its store and share manager:
   * reading them again would cost a full read of the wallet per edit.
   * Only signals that came back from this very connection can be ours;
   * another WalletKeyring of this process (a test's second wallet) is
   * told apart by wallet_keyring_signal_take_own(). */
  if (self->own_keyring != NULL &&
      g_strcmp0 (sender, g_dbus_connection_get_unique_name (connection)) == 0 &&
      wallet_keyring_signal_take_own (self->own_keyring, item))
    return;
  read_attributes (self, connection, item);
}

static void
subscribe (TigressKeyringWatch *self)
{
  static const char *const members[] = { "ItemCreated", "ItemChanged", "ItemDeleted" };
  g_autoptr(GError) error = NULL;

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    {
      /* The keyring cannot work either; the unlock page says why. */
      g_debug ("No session bus to watch the keyring on: %s", error->message);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    self->subscriptions[i] =
      g_dbus_connection_signal_subscribe (self->bus, SECRETS_NAME, COLLECTION_IFACE,
                                          members[i], NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                          on_item_signal, self, NULL);
  self->subscriptions[G_N_ELEMENTS (members)] =
    g_dbus_connection_signal_subscribe (self->bus, NULL, WALLET_KEYRING_SIGNAL_INTERFACE,
                                        WALLET_KEYRING_SIGNAL_MEMBER,
                                        WALLET_KEYRING_SIGNAL_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_write_signal, self, NULL);
}

static void
tigress_keyring_watch_dispose (GObject *object)
{
  TigressKeyringWatch *self = TIGRESS_KEYRING_WATCH (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->quiet_timer, g_source_remove);
  for (gsize i = 0; i < G_N_ELEMENTS (self->subscriptions); i++)
    if (self->subscriptions[i] != 0)
      {
        g_dbus_connection_signal_unsubscribe (self->bus, self->subscriptions[i]);
        self->subscriptions[i] = 0;
      }
  g_clear_object (&self->bus);
  if (self->own_keyring != NULL)
    wallet_keyring_signal_untrack (self->own_keyring);
  g_clear_object (&self->own_keyring);
  G_OBJECT_CLASS (tigress_keyring_watch_parent_class)->dispose (object);
}

static void
tigress_keyring_watch_class_init (TigressKeyringWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tigress_keyring_watch_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
tigress_keyring_watch_init (TigressKeyringWatch *self)
{
  self->cancellable = g_cancellable_new ();
}

TigressKeyringWatch *
tigress_keyring_watch_new (WalletKeyring *own_keyring)
{
  TigressKeyringWatch *self;

  g_return_val_if_fail (own_keyring == NULL || WALLET_IS_KEYRING (own_keyring), NULL);

  self = g_object_new (TIGRESS_TYPE_KEYRING_WATCH, NULL);
  if (own_keyring != NULL)
    {
      self->own_keyring = g_object_ref (own_keyring);
      wallet_keyring_signal_track (own_keyring);
    }
  subscribe (self);
  return self;
}
