/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-keyring-backend.h"

#include <glib/gi18n.h>
#include <string.h>

/* A batch read of a big wallet is honest work for the keyring (tens of
 * microseconds per item, more on a busy machine): it gets more time. */
#define BATCH_TIMEOUT_FACTOR 3

WalletKeyringBackend
wallet_keyring_backend_choose (gboolean sandboxed)
{
  const char *wanted = g_getenv ("TIGRESS_KEYRING");

  if (g_strcmp0 (wanted, "portal") == 0)
    return WALLET_KEYRING_BACKEND_PORTAL;
  if (g_strcmp0 (wanted, "service") == 0)
    return WALLET_KEYRING_BACKEND_SERVICE;
  if (wanted != NULL && wanted[0] != '\0')
    g_warning ("TIGRESS_KEYRING is “%s”, neither “portal” nor “service”; using the %s",
               wanted, sandboxed ? "secret portal" : "Secret Service");
  return sandboxed ? WALLET_KEYRING_BACKEND_PORTAL : WALLET_KEYRING_BACKEND_SERVICE;
}

/* ------------------------------------------------------------------ */
/* Items                                                               */
/* ------------------------------------------------------------------ */

#define SCHEMA(schema_name) \
  { schema_name, SECRET_SCHEMA_NONE, \
    { { WALLET_ATTRIBUTE_ID, SECRET_SCHEMA_ATTRIBUTE_STRING }, \
      { WALLET_ATTRIBUTE_TYPE, SECRET_SCHEMA_ATTRIBUTE_STRING }, \
      { NULL, 0 } }, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

static const SecretSchema schemas[] = {
  [WALLET_ITEM_CREDENTIAL] = SCHEMA (WALLET_SCHEMA_CREDENTIAL),
  [WALLET_ITEM_VAULT] = SCHEMA (WALLET_SCHEMA_VAULT),
  [WALLET_ITEM_IDENTITY] = SCHEMA (WALLET_SCHEMA_IDENTITY),
  [WALLET_ITEM_CONTACT] = SCHEMA (WALLET_SCHEMA_CONTACT),
  [WALLET_ITEM_SHARE] = SCHEMA (WALLET_SCHEMA_SHARE),
  [WALLET_ITEM_INDEX] = SCHEMA (WALLET_SCHEMA_INDEX),
};

const SecretSchema *
wallet_keyring_schema (WalletItemKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (schemas), NULL);
  return &schemas[kind];
}

const char *
wallet_item_kind_get_schema (WalletItemKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (schemas), NULL);
  return schemas[kind].name;
}

void
wallet_keyring_item_free (WalletKeyringItem *item)
{
  if (item == NULL)
    return;
  g_free (item->id);
  g_free (item->type);
  g_clear_pointer (&item->secret, g_bytes_unref);
  g_free (item);
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */
/* ------------------------------------------------------------------ */

GSource *
wallet_keyring_call_timer_new (WalletKeyringCall  call,
                               guint              timeout_ms,
                               GSourceFunc        on_due,
                               gpointer           data,
                               GMainContext      *context)
{
  GSource *timer;

  if (call == WALLET_KEYRING_CALL_LOAD_ALL)
    timeout_ms *= BATCH_TIMEOUT_FACTOR;
  timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timer, on_due, data, NULL);
  g_source_attach (timer, context);
  return timer;
}

static gboolean
is_read_back_of (GPtrArray  *items,
                 GBytes     *payload,
                 const char *type)
{
  WalletKeyringItem *item = items->len == 1 ? items->pdata[0] : NULL;

  return item != NULL && g_bytes_equal (item->secret, payload) &&
         g_strcmp0 (item->type, type) == 0;
}

void
wallet_keyring_return_read (GTask                *task,
                            WalletKeyringCall     call,
                            GPtrArray            *items,
                            GBytes               *payload,
                            const char           *type,
                            WalletKeyringBackend  backend)
{
  g_autoptr(GPtrArray) owned = items;

  switch (call)
    {
    case WALLET_KEYRING_CALL_LOAD_ALL:
      g_task_return_pointer (task, g_steal_pointer (&owned), (GDestroyNotify) g_ptr_array_unref);
      break;
    case WALLET_KEYRING_CALL_LOAD:
      if (items->len == 0)
        g_task_return_error (task,
                             wallet_keyring_error_new (backend, WALLET_KEYRING_ERROR_NOT_FOUND));
      else
        g_task_return_pointer (task,
                               g_bytes_ref (((WalletKeyringItem *) items->pdata[0])->secret),
                               (GDestroyNotify) g_bytes_unref);
      break;
    case WALLET_KEYRING_CALL_STORE:
      if (is_read_back_of (items, payload, type))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, wallet_keyring_error_new (backend,
                                                             WALLET_KEYRING_ERROR_VERIFY_FAILED));
      break;
    case WALLET_KEYRING_CALL_DELETE:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* What people read, by backend; NULL where a code cannot come from that
 * backend, which then says what FAILED says. */
typedef struct {
  const char *service;
  const char *portal;
} Message;

static const Message messages[] = {
  [WALLET_KEYRING_ERROR_FAILED] = {
    N_("The keyring refused the request. Try again; if it keeps failing, restart "
       "your session."),
    N_("Tigress Wallet could not use its keyring file. Try again; if it keeps "
       "failing, restart your session."),
  },
  [WALLET_KEYRING_ERROR_NO_BUS] = {
    N_("Tigress Wallet cannot reach the desktop session (no D-Bus session bus), so "
       "it cannot use the keyring. Start it from your desktop session, or run it "
       "inside dbus-run-session."),
    N_("Tigress Wallet cannot reach the desktop session (no D-Bus session bus), so "
       "it cannot reach the secret portal. Start it from your desktop session."),
  },
  [WALLET_KEYRING_ERROR_NO_SERVICE] = {
    N_("No keyring service is running. Install and start GNOME Keyring (or another "
       "Secret Service such as KeePassXC), then try again."),
    NULL,
  },
  [WALLET_KEYRING_ERROR_NO_PORTAL] = {
    N_("The sandbox gives Tigress Wallet no way to reach a keyring: the secret "
       "portal is missing. Install xdg-desktop-portal and GNOME Keyring on the "
       "system, then try again."),
    N_("This system’s desktop portal cannot store secrets, so Tigress Wallet cannot "
       "keep anything. Install xdg-desktop-portal and GNOME Keyring (or another "
       "Secret portal backend), log out and in again, then try again."),
  },
  [WALLET_KEYRING_ERROR_NO_COLLECTION] = {
    N_("Your keyring has no default collection to keep items in. Open Passwords "
       "and Keys (Seahorse), create a keyring and make it the default, then try "
       "again."),
    NULL,
  },
  [WALLET_KEYRING_ERROR_LOCKED] = {
    N_("Your keyring is locked, or unlocking it was refused. Unlock it (for "
       "example in Passwords and Keys) and try again; nothing was changed."),
    NULL,
  },
  [WALLET_KEYRING_ERROR_DISCONNECTED] = {
    N_("The keyring service stopped or restarted while Tigress Wallet was using "
       "it. Nothing was lost; try again."),
    NULL,
  },
  [WALLET_KEYRING_ERROR_TIMEOUT] = {
    N_("The keyring service is not answering. Nothing was changed; wait a moment "
       "and try again, or restart your session if it keeps happening."),
    N_("The secret portal is not answering. Nothing was changed; wait a moment "
       "and try again, or restart your session if it keeps happening."),
  },
  [WALLET_KEYRING_ERROR_NOT_FOUND] = {
    N_("This item is no longer in the keyring."),
    N_("This item is no longer in the keyring."),
  },
  [WALLET_KEYRING_ERROR_VERIFY_FAILED] = {
    N_("The keyring did not keep what was written. Nothing was lost; try again."),
    N_("The keyring file did not keep what was written. Nothing was lost; try "
       "again."),
  },
  [WALLET_KEYRING_ERROR_PORTAL_REFUSED] = {
    NULL,
    N_("The secret portal refused to give Tigress Wallet its key, so its saved "
       "items cannot be opened. Nothing was changed. Unlock your keyring (for "
       "example in Passwords and Keys) and try again."),
  },
  [WALLET_KEYRING_ERROR_FILE_UNREADABLE] = {
    NULL,
    N_("Tigress Wallet cannot read its keyring file (keyrings/default.keyring in "
       "its data folder): it is damaged. Nothing was changed. Restore the file "
       "from a backup; do not delete it while you still need what it holds."),
  },
  [WALLET_KEYRING_ERROR_FILE_CHANGED] = {
    NULL,
    N_("Another program changed Tigress Wallet’s keyring file while this change was "
       "being saved, so it was not saved. Try again; if it keeps happening, close "
       "every other Tigress Wallet, older versions included."),
  },
};

static const char *
message_of (const Message        *message,
            WalletKeyringBackend  backend)
{
  return backend == WALLET_KEYRING_BACKEND_PORTAL ? message->portal : message->service;
}

GError *
wallet_keyring_error_new (WalletKeyringBackend backend,
                          WalletKeyringError   code)
{
  const char *text = NULL;

  if ((guint) code < G_N_ELEMENTS (messages))
    text = message_of (&messages[code], backend);
  if (text == NULL)
    text = message_of (&messages[WALLET_KEYRING_ERROR_FAILED], backend);
  return g_error_new_literal (WALLET_KEYRING_ERROR, code, _(text));
}

gboolean
wallet_keyring_raw_says (const GError *raw,
                         const char   *words)
{
  return raw->message != NULL && strstr (raw->message, words) != NULL;
}

gboolean
wallet_keyring_raw_is_timeout (const GError *raw)
{
  return g_error_matches (raw, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT);
}

gboolean
wallet_keyring_raw_is_no_bus (const GError *raw)
{
  return wallet_keyring_raw_says (raw, "Cannot autolaunch D-Bus") ||
         wallet_keyring_raw_says (raw, "Could not connect") ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER);
}

gboolean
wallet_keyring_raw_is_name_missing (const GError *raw)
{
  return g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
         g_error_matches (raw, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_FAILED) ||
         wallet_keyring_raw_says (raw, "ServiceUnknown");
}
