/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The helpers every `tigress` command uses: the JSON writer, the terminal
 * QR code, and line reading for answers and secrets.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cli-output.h"
#include "cli-prompt.h"
#include "cli-qr.h"

/* Runs @write_json against a memory stream and parses what it wrote. */
static JsonNode *
write_and_parse (void (*write_json) (CliJson *writer))
{
  g_autofree char *text = NULL;
  gsize size = 0;
  FILE *stream = open_memstream (&text, &size);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  CliJson *writer = cli_json_new (stream);

  write_json (writer);
  cli_json_free (writer);
  fclose (stream);

  json_parser_load_from_data (parser, text, (gssize) size, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
write_awkward_strings (CliJson *writer)
{
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("se\"cr\\et\x01\n");

  cli_json_begin_object (writer, NULL);
  cli_json_string (writer, "quote", "a \"b\" \\ c");
  cli_json_string (writer, "controls", "tab\tline\nbell\x07");
  cli_json_string (writer, "utf8", "Grüße – 🐯");
  cli_json_secret (writer, "secret", secret);
  cli_json_string (writer, "missing", NULL);
  cli_json_end_object (writer);
}

static void
test_json_strings_round_trip (void)
{
  g_autoptr(JsonNode) root = write_and_parse (write_awkward_strings);
  JsonObject *object = json_node_get_object (root);

  g_assert_cmpstr (json_object_get_string_member (object, "quote"), ==, "a \"b\" \\ c");
  g_assert_cmpstr (json_object_get_string_member (object, "controls"), ==,
                   "tab\tline\nbell\x07");
  g_assert_cmpstr (json_object_get_string_member (object, "utf8"), ==, "Grüße – 🐯");
  g_assert_cmpstr (json_object_get_string_member (object, "secret"), ==, "se\"cr\\et\x01\n");
  g_assert_true (json_object_get_null_member (object, "missing"));
}

static void
write_nested (CliJson *writer)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (2025, 1, 31, 18, 0, 0);

  cli_json_begin_array (writer, NULL);
  cli_json_begin_object (writer, NULL);
  cli_json_int (writer, "count", -42);
  cli_json_boolean (writer, "yes", TRUE);
  cli_json_date_time (writer, "when", when);
  cli_json_begin_array (writer, "empty");
  cli_json_end_array (writer);
  cli_json_end_object (writer);
  cli_json_begin_object (writer, NULL);
  cli_json_end_object (writer);
  cli_json_end_array (writer);
}

static void
test_json_nesting_round_trip (void)
{
  g_autoptr(JsonNode) root = write_and_parse (write_nested);
  JsonArray *array = json_node_get_array (root);
  JsonObject *first = json_array_get_object_element (array, 0);

  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpint (json_object_get_int_member (first, "count"), ==, -42);
  g_assert_true (json_object_get_boolean_member (first, "yes"));
  g_assert_cmpstr (json_object_get_string_member (first, "when"), ==, "2025-01-31T18:00:00Z");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (first, "empty")), ==, 0);
  g_assert_cmpuint (json_object_get_size (json_array_get_object_element (array, 1)), ==, 0);
}

/* Reads a drawing back into modules: one row of booleans per module row. */
static GPtrArray *
modules_from_drawing (const char *drawing)
{
  g_auto(GStrv) lines = g_strsplit (drawing, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      GArray *upper = g_array_new (FALSE, FALSE, sizeof (gboolean));
      GArray *lower = g_array_new (FALSE, FALSE, sizeof (gboolean));

      for (const char *p = lines[i]; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);
          gboolean up = c == 0x2588 || c == 0x2580;
          gboolean down = c == 0x2588 || c == 0x2584;

          g_assert_true (c == ' ' || up || down);
          g_array_append_val (upper, up);
          g_array_append_val (lower, down);
        }
      g_ptr_array_add (rows, upper);
      g_ptr_array_add (rows, lower);
    }
  return rows;
}

static gboolean
module_at (GPtrArray *rows,
           guint      x,
           guint      y)
{
  GArray *row = g_ptr_array_index (rows, y);

  return g_array_index (row, gboolean, x);
}

static void
test_qr_has_quiet_zone (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *drawing = cli_qr_render ("tigress:https://relay.example/v1/m/x",
                                            CLI_QR_STYLE_PLAIN, &error);
  g_autoptr(GPtrArray) rows = NULL;
  guint side;

  g_assert_no_error (error);
  rows = modules_from_drawing (drawing);
  side = ((GArray *) g_ptr_array_index (rows, 0))->len;
  /* An odd side: the last text row carries one extra light module row. */
  g_assert_cmpuint (rows->len, ==, side + 1);
  for (guint i = 0; i < side; i++)
    for (guint margin = 0; margin < CLI_QR_QUIET_ZONE; margin++)
      {
        g_assert_false (module_at (rows, i, margin));
        g_assert_false (module_at (rows, i, side - 1 - margin));
        g_assert_false (module_at (rows, margin, i));
        g_assert_false (module_at (rows, side - 1 - margin, i));
      }
  /* The finder pattern's corner starts right inside the quiet zone. */
  g_assert_true (module_at (rows, CLI_QR_QUIET_ZONE, CLI_QR_QUIET_ZONE));
}

/* Writes the modules as a PBM image, @scale pixels per module. */
static void
write_pbm (GPtrArray  *rows,
           const char *path,
           guint       scale)
{
  guint side = ((GArray *) g_ptr_array_index (rows, 0))->len;
  GString *image = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_string_append_printf (image, "P1\n%u %u\n", side * scale, side * scale);
  for (guint y = 0; y < side * scale; y++)
    {
      for (guint x = 0; x < side * scale; x++)
        g_string_append (image, module_at (rows, x / scale, y / scale) ? "1 " : "0 ");
      g_string_append_c (image, '\n');
    }
  g_file_set_contents (path, image->str, (gssize) image->len, &error);
  g_assert_no_error (error);
  g_string_free (image, TRUE);
}

static void
test_qr_scans_back (void)
{
  /* A 24-character host, the longest protocol.md keeps at version 7. */
  const char *link = "tigress:https://share-relay.example.info/v1/m/"
                     "0b7e2f8c-3c5d-4e6f-9a1b-2c3d4e5f6a7b?v=a#"
                     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  g_autoptr(GError) error = NULL;
  g_autofree char *drawing = cli_qr_render (link, CLI_QR_STYLE_PLAIN, &error);
  g_autoptr(GPtrArray) rows = modules_from_drawing (drawing);
  g_autofree char *folder = g_dir_make_tmp ("tigress-qr-XXXXXX", &error);
  g_autofree char *path = g_build_filename (folder, "code.pbm", NULL);
  g_autofree char *decoded = NULL;
  g_autofree char *expected = g_strdup_printf ("QR-Code:%s\n", link);
  int status = -1;
  const char *argv[] = { "zbarimg", "--nodbus", "-q", path, NULL };

  g_assert_no_error (error);
  write_pbm (rows, path, 4);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &decoded, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* The code holds the scheme and host upper-cased (they are
   * case-insensitive; it keeps the code at version 7), the rest exactly. */
  g_assert_cmpint (g_ascii_strcasecmp (decoded, expected), ==, 0);
  g_assert_true (g_str_equal (strstr (decoded, "/v1/m/"), strstr (expected, "/v1/m/")));
  g_assert_cmpuint (((GArray *) g_ptr_array_index (rows, 0))->len, <=,
                    17 + 4 * 7 + 2 * CLI_QR_QUIET_ZONE);

  g_unlink (path);
  g_rmdir (folder);
}

static void
test_qr_ansi_is_dark_on_light (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *drawing = cli_qr_render ("hello", CLI_QR_STYLE_ANSI, &error);
  g_auto(GStrv) lines = g_strsplit (drawing, "\n", -1);

  g_assert_no_error (error);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      /* Black foreground on a white background on every row, reset after. */
      g_assert_true (g_str_has_prefix (lines[i], "\033[30;47m"));
      g_assert_true (g_str_has_suffix (lines[i], "\033[0m"));
    }
}

/* A pipe whose read end carries @text, then end of input. */
static int
pipe_with (const char *text)
{
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpint (write (fds[1], text, strlen (text)), ==, (ssize_t) strlen (text));
  close (fds[1]);
  return fds[0];
}

static void
test_prompt_reads_successive_lines (void)
{
  int fd = pipe_with ("first\nsecond\r\n\nlast-without-newline");
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) first = cli_read_secret_line (fd, &error);
  g_autoptr(TwSecret) second = cli_read_secret_line (fd, &error);
  g_autoptr(TwSecret) empty = cli_read_secret_line (fd, &error);
  g_autoptr(TwSecret) last = cli_read_secret_line (fd, &error);
  g_autoptr(TwSecret) none = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (tw_secret_get_text (first), ==, "first");
  g_assert_cmpstr (tw_secret_get_text (second), ==, "second");
  g_assert_cmpuint (tw_secret_get_size (empty), ==, 0);
  g_assert_cmpstr (tw_secret_get_text (last), ==, "last-without-newline");

  /* Input that ended is an answer never given: exit 8 (docs/cli.md). */
  none = cli_read_secret_line (fd, &error);
  g_assert_null (none);
  g_assert_error (error, CLI_ERROR, CLI_EXIT_DECLINED);
  close (fd);
}

static void
test_prompt_refuses_overlong_answer (void)
{
  g_autofree char *long_line = g_strnfill (CLI_PROMPT_MAX_SECRET + 1, 'x');
  g_autofree char *exact_line = g_strnfill (CLI_PROMPT_MAX_SECRET, 'y');
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", exact_line, long_line);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) exact = NULL;
  g_autoptr(TwSecret) too_long = NULL;

  /* More than a pipe buffer may hold at once: write from a file instead. */
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("tigress-prompt-XXXXXX", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (ssize_t) strlen (text));
  lseek (fd, 0, SEEK_SET);

  exact = cli_read_secret_line (fd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tw_secret_get_size (exact), ==, CLI_PROMPT_MAX_SECRET);
  too_long = cli_read_secret_line (fd, &error);
  g_assert_null (too_long);
  g_assert_error (error, CLI_ERROR, CLI_EXIT_USAGE);

  close (fd);
  g_unlink (path);
}

static void
test_text_for_terminal_escapes_controls (void)
{
  g_autofree char *title = cli_text_for_terminal ("Bank\n  From: x\x1b[8m\a", NULL);
  g_autofree char *bidi = cli_text_for_terminal ("a\xe2\x80\xae" "b\xc2\x9b" "c\t", NULL);
  g_autofree char *notes = cli_text_for_terminal ("one\ntwo\x1b]0;t\a", "\n    ");
  g_autofree char *broken = cli_text_for_terminal ("B\xff", NULL);

  g_assert_cmpstr (title, ==, "Bank\\n  From: x\\e[8m\\x07");
  g_assert_cmpstr (bidi, ==, "a\\u202eb\\x9bc\\t");
  g_assert_cmpstr (notes, ==, "one\n    two\\e]0;t\\x07");
  g_assert_cmpstr (broken, ==, "B\xef\xbf\xbd");
}

static void
test_table_cells_stay_on_one_short_line (void)
{
  g_autoptr(CliTable) table = cli_table_new ();
  g_autofree char *long_title = g_strnfill (500, 'x');
  g_autofree char *printed = NULL;
  g_auto(GStrv) lines = NULL;
  char *buffer = NULL;
  size_t size = 0;
  FILE *stream = open_memstream (&buffer, &size);

  cli_table_add_row (table, "TITLE", "STATE", NULL);
  cli_table_add_row (table, "Bank\n\x1b[2JVerified", "waiting", NULL);
  cli_table_add_row (table, long_title, "done", NULL);
  cli_table_print (table, stream);
  fclose (stream);
  printed = buffer;

  g_assert_null (strchr (printed, '\x1b'));
  lines = g_strsplit (printed, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);   /* 3 rows and the end */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 40 + 2 + 7);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/json/awkward-strings-parse-back", test_json_strings_round_trip);
  g_test_add_func ("/cli/output/foreign-text-cannot-drive-the-terminal",
                   test_text_for_terminal_escapes_controls);
  g_test_add_func ("/cli/output/table-cells-stay-on-one-short-line",
                   test_table_cells_stay_on_one_short_line);
  g_test_add_func ("/cli/json/nesting-parses-back", test_json_nesting_round_trip);
  g_test_add_func ("/cli/qr/has-a-four-module-quiet-zone", test_qr_has_quiet_zone);
  g_test_add_func ("/cli/qr/drawing-scans-back-to-the-link", test_qr_scans_back);
  g_test_add_func ("/cli/qr/ansi-style-is-dark-on-light", test_qr_ansi_is_dark_on_light);
  g_test_add_func ("/cli/prompt/reads-successive-lines-of-one-stream",
                   test_prompt_reads_successive_lines);
  g_test_add_func ("/cli/prompt/refuses-an-overlong-answer", test_prompt_refuses_overlong_answer);

  return g_test_run ();
}
