/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-keyring-signal.h"

/* A signal whose echo never came back (the bus went away) must not hold
 * its note for ever; past this many unanswered notes per writer, the
 * oldest guesses are dropped and a few reloads may be done twice. */
#define MAX_NOTES_PER_WRITER 256

/* Tracked writers: WalletKeyring * -> (item path -> count of signals sent
 * and not yet taken). The keys are only compared, never dereferenced. */
static GHashTable *tracked_writers;
static GMutex tracked_lock;

static GHashTable *
notes_of (WalletKeyring *writer)
{
  if (tracked_writers == NULL)
    return NULL;
  return g_hash_table_lookup (tracked_writers, writer);
}

static void
note_sent (WalletKeyring *writer,
           const char    *item_path)
{
  GHashTable *notes;
  guint count;

  g_mutex_lock (&tracked_lock);
  notes = notes_of (writer);
  if (notes != NULL)
    {
      if (g_hash_table_size (notes) >= MAX_NOTES_PER_WRITER)
        g_hash_table_remove_all (notes);
      count = GPOINTER_TO_UINT (g_hash_table_lookup (notes, item_path));
      g_hash_table_insert (notes, g_strdup (item_path), GUINT_TO_POINTER (count + 1));
    }
  g_mutex_unlock (&tracked_lock);
}

void
wallet_keyring_signal_item_changed (WalletKeyring   *writer,
                                    GDBusConnection *connection,
                                    const char      *item_path)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (item_path != NULL && g_variant_is_object_path (item_path));

  /* Noted before it goes out: the echo may be dispatched at once. */
  note_sent (writer, item_path);
  if (!g_dbus_connection_emit_signal (connection, NULL, WALLET_KEYRING_SIGNAL_PATH,
                                      WALLET_KEYRING_SIGNAL_INTERFACE,
                                      WALLET_KEYRING_SIGNAL_MEMBER,
                                      g_variant_new ("(o)", item_path), &error))
    g_debug ("Could not tell other programs that a keyring item changed: %s",
             error->message);
}

void
wallet_keyring_signal_track (WalletKeyring *writer)
{
  g_return_if_fail (WALLET_IS_KEYRING (writer));

  g_mutex_lock (&tracked_lock);
  if (tracked_writers == NULL)
    tracked_writers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                             (GDestroyNotify) g_hash_table_unref);
  if (!g_hash_table_contains (tracked_writers, writer))
    g_hash_table_insert (tracked_writers, writer,
                         g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL));
  g_mutex_unlock (&tracked_lock);
}

void
wallet_keyring_signal_untrack (WalletKeyring *writer)
{
  g_mutex_lock (&tracked_lock);
  if (tracked_writers != NULL)
    g_hash_table_remove (tracked_writers, writer);
  g_mutex_unlock (&tracked_lock);
}

gboolean
wallet_keyring_signal_take_own (WalletKeyring *writer,
                                const char    *item_path)
{
  GHashTable *notes;
  guint count = 0;

  g_return_val_if_fail (item_path != NULL, FALSE);

  g_mutex_lock (&tracked_lock);
  notes = notes_of (writer);
  if (notes != NULL)
    count = GPOINTER_TO_UINT (g_hash_table_lookup (notes, item_path));
  if (count > 1)
    g_hash_table_insert (notes, g_strdup (item_path), GUINT_TO_POINTER (count - 1));
  else if (count == 1)
    g_hash_table_remove (notes, item_path);
  g_mutex_unlock (&tracked_lock);
  return count > 0;
}
