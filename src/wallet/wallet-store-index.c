/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-store-index.h"

#include <string.h>

#define INDEX_MAGIC "twix1\n"
#define MAX_ID_SIZE 128

GHashTable *
wallet_store_index_new_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) g_bytes_unref);
}

GBytes *
wallet_store_index_build (GHashTable *sealed_by_id)
{
  GByteArray *index = g_byte_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_byte_array_append (index, (const guint8 *) INDEX_MAGIC, strlen (INDEX_MAGIC));
  g_hash_table_iter_init (&iter, sealed_by_id);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gsize id_size = strlen (key);
      gsize sealed_size = g_bytes_get_size (value);
      guint8 id_length[2] = { (guint8) (id_size >> 8), (guint8) id_size };
      guint8 sealed_length[4] = { (guint8) (sealed_size >> 24), (guint8) (sealed_size >> 16),
                                  (guint8) (sealed_size >> 8), (guint8) sealed_size };

      g_byte_array_append (index, id_length, sizeof id_length);
      g_byte_array_append (index, key, id_size);
      g_byte_array_append (index, sealed_length, sizeof sealed_length);
      g_byte_array_append (index, g_bytes_get_data (value, NULL), sealed_size);
    }
  return g_byte_array_free_to_bytes (index);
}

/* Reads @count bytes at *@position, or fails if they are not there. */
static const guint8 *
take (const guint8 *data,
      gsize         size,
      gsize        *position,
      gsize         count)
{
  const guint8 *start = data + *position;

  if (count > size - *position)
    return NULL;
  *position += count;
  return start;
}

GHashTable *
wallet_store_index_parse (GBytes *index)
{
  gsize size, position = strlen (INDEX_MAGIC);
  const guint8 *data = g_bytes_get_data (index, &size);
  g_autoptr(GHashTable) table = wallet_store_index_new_table ();

  if (size < position || memcmp (data, INDEX_MAGIC, position) != 0)
    return NULL;
  while (position < size)
    {
      const guint8 *length, *id, *sealed;
      gsize id_size, sealed_size;

      if ((length = take (data, size, &position, 2)) == NULL)
        return NULL;
      id_size = ((gsize) length[0] << 8) | length[1];
      if (id_size == 0 || id_size > MAX_ID_SIZE ||
          (id = take (data, size, &position, id_size)) == NULL ||
          memchr (id, '\0', id_size) != NULL ||
          (length = take (data, size, &position, 4)) == NULL)
        return NULL;
      sealed_size = ((gsize) length[0] << 24) | ((gsize) length[1] << 16) |
                    ((gsize) length[2] << 8) | length[3];
      if ((sealed = take (data, size, &position, sealed_size)) == NULL)
        return NULL;
      g_hash_table_replace (table, g_strndup ((const char *) id, id_size),
                            g_bytes_new_from_bytes (index, sealed - data, sealed_size));
    }
  return g_steal_pointer (&table);
}
