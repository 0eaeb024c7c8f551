/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's JSON string writer: whatever text goes in comes back out of
 * a JSON parser unchanged, and the escapes are the short ones where JSON
 * has them.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "relay-request.h"

static char *
written (const char *text)
{
  GString *json = g_string_new (NULL);

  relay_json_append_string (json, text);
  return g_string_free (json, FALSE);
}

static void
test_strings_round_trip (void)
{
  g_autoptr(GString) every_byte = g_string_new (NULL);
  const char *texts[] = { "", "plain", "\"quoted\"", "back\\slash", "line\nbreak\r\t",
                          "caf\xc3\xa9 \xe2\x82\xac", "end\\", "\"", NULL };

  for (guint byte = 1; byte < 0x80; byte++)
    g_string_append_c (every_byte, (char) byte);
  texts[G_N_ELEMENTS (texts) - 1] = every_byte->str;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *json = written (texts[i]);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      json_parser_load_from_data (parser, json, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_node_get_string (json_parser_get_root (parser)), ==, texts[i]);
    }
}

static void
test_escapes_are_the_short_ones (void)
{
  g_autofree char *json = written ("a\"b\\c\nd\re\tf\x01g\x7f");

  g_assert_cmpstr (json, ==, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007f\"");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/json/strings-round-trip", test_strings_round_trip);
  g_test_add_func ("/relay/json/escapes-are-the-short-ones", test_escapes_are_the_short_ones);

  return g_test_run ();
}
