/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-headers.h"

#include <string.h>

#include "tw-crypto.h"

/* A request rarely has more; the array grows if it does. */
#define TYPICAL_HEADER_COUNT 16

typedef struct {
  const char *name;
  const char *value;
} HeaderLine;

struct _RelayHeaders
{
  GArray    *lines;   /* HeaderLine */
  GPtrArray *owned;   /* strings of the map's own: copies, joined lists */
};

static void
wipe_and_free (gpointer text)
{
  tw_wipe (text, strlen (text));
  g_free (text);
}

RelayHeaders *
relay_headers_new (void)
{
  RelayHeaders *headers = g_new0 (RelayHeaders, 1);

  headers->lines = g_array_sized_new (FALSE, FALSE, sizeof (HeaderLine),
                                      TYPICAL_HEADER_COUNT);
  headers->owned = g_ptr_array_new_with_free_func (wipe_and_free);
  return headers;
}

void
relay_headers_clear (RelayHeaders *headers)
{
  g_array_set_size (headers->lines, 0);
  if (headers->owned->len > 0)
    g_ptr_array_set_size (headers->owned, 0);
}

void
relay_headers_free (RelayHeaders *headers)
{
  if (headers == NULL)
    return;
  relay_headers_clear (headers);
  g_array_unref (headers->lines);
  g_ptr_array_unref (headers->owned);
  g_free (headers);
}

void
relay_headers_add_view (RelayHeaders *headers,
                        const char   *name,
                        const char   *value)
{
  HeaderLine line = { name, value };

  g_array_append_val (headers->lines, line);
}

static const char *
keep (RelayHeaders *headers,
      char         *text)
{
  g_ptr_array_add (headers->owned, text);
  return text;
}

void
relay_headers_add (RelayHeaders *headers,
                   const char   *name,
                   const char   *value)
{
  const char *name_copy = keep (headers, g_strdup (name));

  relay_headers_add_view (headers, name_copy, keep (headers, g_strdup (value)));
}

static const HeaderLine *
nth_line (RelayHeaders *headers,
          guint         index)
{
  return &g_array_index (headers->lines, HeaderLine, index);
}

const char *
relay_headers_get_one (RelayHeaders *headers,
                       const char   *name)
{
  for (guint i = headers->lines->len; i > 0; i--)
    if (g_ascii_strcasecmp (nth_line (headers, i - 1)->name, name) == 0)
      return nth_line (headers, i - 1)->value;
  return NULL;
}

const char *
relay_headers_get_list (RelayHeaders *headers,
                        const char   *name)
{
  GString *joined = NULL;
  const char *first = NULL;

  for (guint i = 0; i < headers->lines->len; i++)
    {
      const HeaderLine *line = nth_line (headers, i);

      if (g_ascii_strcasecmp (line->name, name) != 0)
        continue;
      if (first == NULL)
        {
          first = line->value;
          continue;
        }
      if (joined == NULL)
        joined = g_string_new (first);
      g_string_append_len (joined, ", ", 2);
      g_string_append (joined, line->value);
    }

  /* The common case, one line, needs no copy. */
  if (joined == NULL)
    return first;
  return keep (headers, g_string_free (joined, FALSE));
}

guint
relay_headers_get_length (RelayHeaders *headers)
{
  return headers->lines->len;
}

void
relay_headers_get_nth (RelayHeaders *headers,
                       guint         index,
                       const char  **name_out,
                       const char  **value_out)
{
  g_return_if_fail (index < headers->lines->len);

  *name_out = nth_line (headers, index)->name;
  *value_out = nth_line (headers, index)->value;
}

gsize
relay_headers_get_size (RelayHeaders *headers)
{
  gsize size = 0;

  for (guint i = 0; i < headers->lines->len; i++)
    size += strlen (nth_line (headers, i)->name) + strlen (nth_line (headers, i)->value) + 4;
  return size;
}
