/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Hex test data for the protocol tests: published vectors are written in
 * hex, so the tests keep them that way and decode them here. */

#include <glib.h>
#include <string.h>

/* Decodes lower- or upper-case hex; a malformed string fails the test, since
 * a vector typed wrongly must never pass by accident. */
static inline GBytes *
test_hex_decode (const char *hex)
{
  gsize length = strlen (hex);
  guint8 *bytes;

  g_assert_true (length % 2 == 0);
  bytes = g_malloc (length / 2 + 1);
  for (gsize i = 0; i < length / 2; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_true (high >= 0 && low >= 0);
      bytes[i] = (guint8) (high << 4 | low);
    }

  return g_bytes_new_take (bytes, length / 2);
}

/* Decodes into a buffer of exactly the expected size. */
static inline void
test_hex_decode_into (const char *hex,
                      guint8     *out,
                      gsize       size)
{
  g_autoptr(GBytes) bytes = test_hex_decode (hex);

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, size);
  memcpy (out, g_bytes_get_data (bytes, NULL), size);
}

/* Asserts that a buffer holds exactly the bytes of a hex string. */
#define test_assert_hex(data, size, hex) \
  G_STMT_START { \
    g_autoptr(GBytes) test_expected_ = test_hex_decode (hex); \
    g_assert_cmpmem ((data), (size), g_bytes_get_data (test_expected_, NULL), \
                     g_bytes_get_size (test_expected_)); \
  } G_STMT_END
