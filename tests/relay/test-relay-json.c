/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's JSON string writer: whatever text goes in comes back out of
 * a JSON parser unchanged, and the escapes are the short ones where JSON
 * has them.
 */
#include "config.h"

#include <string.h>
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

static void
test_times_match_rfc3339_utc (void)
{
  const gint64 times[] = { 0, 951782400, 1764892800, 1893456000 + 86399, 4102444799 };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (times[i]);
      g_autofree char *expected = g_date_time_format (time, "\"%Y-%m-%dT%H:%M:%SZ\"");
      g_autoptr(GString) text = g_string_new (NULL);

      relay_append_time (text, times[i], TRUE);
      g_assert_cmpstr (text->str, ==, expected);
      g_string_truncate (text, 0);
      relay_append_time (text, times[i], FALSE);
      g_assert_cmpuint (text->len, ==, strlen (expected) - 2);
    }
}

static void
test_numbers_are_decimal (void)
{
  const guint64 numbers[] = { 0, 7, 10, 429, G_MAXUINT32, G_MAXUINT64 };

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autoptr(GString) text = g_string_new ("n=");
      g_autofree char *expected = g_strdup_printf ("n=%" G_GUINT64_FORMAT, numbers[i]);

      relay_append_number (text, numbers[i]);
      g_assert_cmpstr (text->str, ==, expected);
    }
}

static void
test_header_lines_are_formatted_once (void)
{
  RelayResponse response;

  relay_response_init (&response);
  g_assert_null (response.header_lines);
  relay_response_add_header (&response, "Cache-Control", "no-store");
  relay_response_add_header_number (&response, "Mailbox-Binding-Epoch", 0);
  relay_response_add_header_number (&response, "Retry-After", 60);
  g_assert_cmpstr (response.header_lines->str, ==,
                   "Cache-Control: no-store\r\nMailbox-Binding-Epoch: 0\r\n"
                   "Retry-After: 60\r\n");
  relay_response_clear (&response);
  g_assert_null (response.header_lines);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/json/strings-round-trip", test_strings_round_trip);
  g_test_add_func ("/relay/json/escapes-are-the-short-ones", test_escapes_are_the_short_ones);
  g_test_add_func ("/relay/json/times-match-rfc3339-utc", test_times_match_rfc3339_utc);
  g_test_add_func ("/relay/json/numbers-are-decimal", test_numbers_are_decimal);
  g_test_add_func ("/relay/json/header-lines-are-formatted-once",
                   test_header_lines_are_formatted_once);

  return g_test_run ();
}
