/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-output.h"

#include <string.h>

#define FIELD_LABEL_WIDTH 14
#define TABLE_CELL_MAX_WIDTH 40

struct _CliJson
{
  FILE *stream;
  /* One entry per open object or array: whether it has a member yet. */
  GArray *has_members;
};

CliJson *
cli_json_new (FILE *stream)
{
  CliJson *self = g_new0 (CliJson, 1);

  self->stream = stream;
  self->has_members = g_array_new (FALSE, FALSE, sizeof (gboolean));
  return self;
}

void
cli_json_free (CliJson *self)
{
  g_warn_if_fail (self->has_members->len == 0);

  fputc ('\n', self->stream);
  fflush (self->stream);
  g_array_unref (self->has_members);
  g_free (self);
}

static void
write_indent (CliJson *self)
{
  fputc ('\n', self->stream);
  for (guint level = 0; level < self->has_members->len; level++)
    fputs ("  ", self->stream);
}

static void
write_escaped (FILE         *stream,
               const guint8 *text,
               gsize         size)
{
  fputc ('"', stream);
  for (gsize i = 0; i < size; i++)
    {
      guint8 c = text[i];

      if (c == '"' || c == '\\')
        fprintf (stream, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", stream);
      else if (c == '\t')
        fputs ("\\t", stream);
      else if (c < 0x20 || c == 0x7f)
        fprintf (stream, "\\u%04x", c);
      else
        fputc (c, stream);
    }
  fputc ('"', stream);
}

/* Writes the comma, the line break and the member name that come before
 * any value. */
static void
begin_value (CliJson    *self,
             const char *member)
{
  guint depth = self->has_members->len;

  if (depth > 0)
    {
      gboolean *has_members = &g_array_index (self->has_members, gboolean, depth - 1);

      if (*has_members)
        fputc (',', self->stream);
      *has_members = TRUE;
      write_indent (self);
    }
  if (member != NULL)
    {
      write_escaped (self->stream, (const guint8 *) member, strlen (member));
      fputs (": ", self->stream);
    }
}

static void
open_container (CliJson    *self,
                const char *member,
                char        opening)
{
  gboolean has_members = FALSE;

  begin_value (self, member);
  fputc (opening, self->stream);
  g_array_append_val (self->has_members, has_members);
}

static void
close_container (CliJson *self,
                 char     closing)
{
  gboolean had_members;

  g_return_if_fail (self->has_members->len > 0);

  had_members = g_array_index (self->has_members, gboolean, self->has_members->len - 1);
  g_array_set_size (self->has_members, self->has_members->len - 1);
  if (had_members)
    write_indent (self);
  fputc (closing, self->stream);
}

void
cli_json_begin_object (CliJson    *self,
                       const char *member)
{
  open_container (self, member, '{');
}

void
cli_json_end_object (CliJson *self)
{
  close_container (self, '}');
}

void
cli_json_begin_array (CliJson    *self,
                      const char *member)
{
  open_container (self, member, '[');
}

void
cli_json_end_array (CliJson *self)
{
  close_container (self, ']');
}

void
cli_json_string (CliJson    *self,
                 const char *member,
                 const char *value)
{
  if (value == NULL)
    {
      cli_json_null (self, member);
      return;
    }
  begin_value (self, member);
  write_escaped (self->stream, (const guint8 *) value, strlen (value));
}

void
cli_json_int (CliJson    *self,
              const char *member,
              gint64      value)
{
  begin_value (self, member);
  fprintf (self->stream, "%" G_GINT64_FORMAT, value);
}

void
cli_json_boolean (CliJson    *self,
                  const char *member,
                  gboolean    value)
{
  begin_value (self, member);
  fputs (value ? "true" : "false", self->stream);
}

void
cli_json_null (CliJson    *self,
               const char *member)
{
  begin_value (self, member);
  fputs ("null", self->stream);
}

void
cli_json_date_time (CliJson    *self,
                    const char *member,
                    GDateTime  *value)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *text = NULL;

  if (value == NULL)
    {
      cli_json_null (self, member);
      return;
    }
  utc = g_date_time_to_utc (value);
  text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  cli_json_string (self, member, text);
}

void
cli_json_secret (CliJson    *self,
                 const char *member,
                 TwSecret   *secret)
{
  begin_value (self, member);
  write_escaped (self->stream, tw_secret_get_data (secret), tw_secret_get_size (secret));
}

/* Whether @c would act on the terminal instead of being shown: C0 and C1
 * controls (ESC and CSI start escape sequences), DEL, line separators and
 * the bidi controls that reorder what follows. The wallet refuses them in
 * what people type and replaces them in what arrives; this is the last
 * line of defence for anything older or that slipped through. */
static gboolean
acts_on_terminal (gunichar c)
{
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
    return TRUE;
  return c == 0x061c || c == 0x200e || c == 0x200f || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static void
append_visible_escape (GString  *shown,
                       gunichar  c)
{
  if (c == '\n')
    g_string_append (shown, "\\n");
  else if (c == '\t')
    g_string_append (shown, "\\t");
  else if (c == 0x1b)
    g_string_append (shown, "\\e");
  else if (c < 0x100)
    g_string_append_printf (shown, "\\x%02x", c);
  else
    g_string_append_printf (shown, "\\u%04x", c);
}

char *
cli_text_for_terminal (const char *text,
                       const char *line_break)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *shown = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n' && line_break != NULL)
        g_string_append (shown, line_break);
      else if (acts_on_terminal (c))
        append_visible_escape (shown, c);
      else
        g_string_append_unichar (shown, c);
    }
  return g_string_free (shown, FALSE);
}

void
cli_print_field (const char *label,
                 const char *value)
{
  int padding = FIELD_LABEL_WIDTH - (int) g_utf8_strlen (label, -1);
  /* The lines of a note start under the first one, not at the margin
   * where they could pass for a label of ours. */
  g_autofree char *line_break = g_strdup_printf ("\n%*s", FIELD_LABEL_WIDTH + 2, "");
  g_autofree char *shown = cli_text_for_terminal (value, line_break);

  printf ("%s:%*s %s\n", label, MAX (padding, 0), "", shown);
}

void
cli_print_secret_field (const char *label,
                        TwSecret   *secret)
{
  int padding = FIELD_LABEL_WIDTH - (int) g_utf8_strlen (label, -1);

  printf ("%s:%*s ", label, MAX (padding, 0), "");
  fwrite (tw_secret_get_data (secret), 1, tw_secret_get_size (secret), stdout);
  fputc ('\n', stdout);
}

struct _CliTable
{
  GPtrArray *rows;   /* of GStrv */
};

CliTable *
cli_table_new (void)
{
  CliTable *self = g_new0 (CliTable, 1);

  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return self;
}

/* One line per row, and no column wider than this: a long title from
 * another wallet must not push the other columns off the screen. */
static char *
table_cell_text (const char *cell)
{
  g_autofree char *shown = cli_text_for_terminal (cell, NULL);
  g_autofree char *start = NULL;

  if (g_utf8_strlen (shown, -1) <= TABLE_CELL_MAX_WIDTH)
    return g_steal_pointer (&shown);
  start = g_utf8_substring (shown, 0, TABLE_CELL_MAX_WIDTH - 1);
  return g_strconcat (start, "…", NULL);
}

void
cli_table_add_row (CliTable   *self,
                   const char *first_cell,
                   ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  va_list cells;

  va_start (cells, first_cell);
  for (const char *cell = first_cell; cell != NULL; cell = va_arg (cells, const char *))
    {
      g_autofree char *shown = table_cell_text (cell);

      g_strv_builder_add (builder, shown);
    }
  va_end (cells);
  g_ptr_array_add (self->rows, g_strv_builder_end (builder));
}

static GArray *
measure_columns (CliTable *self)
{
  GArray *widths = g_array_new (FALSE, TRUE, sizeof (int));

  for (guint row = 0; row < self->rows->len; row++)
    {
      char **cells = g_ptr_array_index (self->rows, row);

      for (guint column = 0; cells[column] != NULL; column++)
        {
          int width = (int) g_utf8_strlen (cells[column], -1);

          if (column >= widths->len)
            g_array_set_size (widths, column + 1);
          if (width > g_array_index (widths, int, column))
            g_array_index (widths, int, column) = width;
        }
    }
  return widths;
}

void
cli_table_print (CliTable *self,
                 FILE     *stream)
{
  g_autoptr(GArray) widths = measure_columns (self);

  for (guint row = 0; row < self->rows->len; row++)
    {
      char **cells = g_ptr_array_index (self->rows, row);

      for (guint column = 0; cells[column] != NULL; column++)
        {
          gboolean last = cells[column + 1] == NULL;
          int padding = g_array_index (widths, int, column)
                        - (int) g_utf8_strlen (cells[column], -1);

          fputs (cells[column], stream);
          if (!last)
            fprintf (stream, "%*s  ", padding, "");
        }
      fputc ('\n', stream);
    }
}

void
cli_table_free (CliTable *self)
{
  g_ptr_array_unref (self->rows);
  g_free (self);
}

char *
cli_format_date_time (GDateTime *value)
{
  g_autoptr(GDateTime) local = NULL;

  if (value == NULL)
    return g_strdup ("-");
  local = g_date_time_to_local (value);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

void
cli_print_error (gboolean    json,
                 CliExit     code,
                 const char *message)
{
  g_autoptr(CliJson) writer = NULL;

  if (!json)
    {
      fprintf (stderr, "tigress: %s\n", message);
      return;
    }
  writer = cli_json_new (stderr);
  cli_json_begin_object (writer, NULL);
  cli_json_string (writer, "error", cli_exit_get_name (code));
  cli_json_int (writer, "exit", code);
  cli_json_string (writer, "message", message);
  cli_json_end_object (writer);
}
