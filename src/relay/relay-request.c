/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-request.h"
#include "relay-deferred.h"

#include <string.h>
#include <time.h>

void
relay_response_init (RelayResponse *response)
{
  memset (response, 0, sizeof *response);
}

void
relay_response_clear (RelayResponse *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  if (response->header_lines != NULL)
    g_string_free (response->header_lines, TRUE);
  g_clear_pointer (&response->deferred, relay_deferred_unref);
  memset (response, 0, sizeof *response);
}

void
relay_response_add_header (RelayResponse *response,
                           const char    *name,
                           const char    *value)
{
  GString *lines;

  /* Most answers have two to four headers: one buffer, formatted once. */
  if (response->header_lines == NULL)
    response->header_lines = g_string_sized_new (128);
  lines = response->header_lines;
  g_string_append (lines, name);
  g_string_append_len (lines, ": ", 2);
  g_string_append (lines, value);
  g_string_append_len (lines, "\r\n", 2);
}

void
relay_response_add_header_number (RelayResponse *response,
                                  const char    *name,
                                  guint64        value)
{
  char digits[24];
  guint start = sizeof digits - 1;

  digits[start] = '\0';
  do
    {
      digits[--start] = '0' + value % 10;
      value /= 10;
    }
  while (value > 0);
  relay_response_add_header (response, name, digits + start);
}

void
relay_append_number (GString *text,
                     guint64  number)
{
  char digits[24];
  guint start = sizeof digits;

  do
    {
      digits[--start] = '0' + number % 10;
      number /= 10;
    }
  while (number > 0);
  g_string_append_len (text, digits + start, sizeof digits - start);
}

static void
append_two_digits (GString *text,
                   int      value,
                   char     after)
{
  char digits[3] = { '0' + value / 10 % 10, '0' + value % 10, after };

  g_string_append_len (text, digits, after != '\0' ? 3 : 2);
}

void
relay_append_time (GString  *text,
                   gint64    unix_seconds,
                   gboolean  quoted)
{
  time_t seconds = (time_t) unix_seconds;
  struct tm utc;

  gmtime_r (&seconds, &utc);
  if (quoted)
    g_string_append_c (text, '"');
  /* Expirations are days from now, so the year has four digits. */
  append_two_digits (text, (utc.tm_year + 1900) / 100, '\0');
  append_two_digits (text, (utc.tm_year + 1900) % 100, '-');
  append_two_digits (text, utc.tm_mon + 1, '-');
  append_two_digits (text, utc.tm_mday, 'T');
  append_two_digits (text, utc.tm_hour, ':');
  append_two_digits (text, utc.tm_min, ':');
  append_two_digits (text, utc.tm_sec, 'Z');
  if (quoted)
    g_string_append_c (text, '"');
}

void
relay_response_set_body (RelayResponse *response,
                         guint          status,
                         const char    *content_type,
                         GBytes        *body)
{
  response->status = status;
  response->content_type = content_type;
  g_clear_pointer (&response->body, g_bytes_unref);
  response->body = body;
}

void
relay_response_set_json (RelayResponse *response,
                         guint          status,
                         GString       *json)
{
  relay_response_set_body (response, status, "application/json",
                           g_string_free_to_bytes (json));
}

/* Bytes that need an escape inside a JSON string: quotes, backslashes,
 * control characters and DEL (kept escaped, as before). */
static const guint8 needs_escape[256] = {
  [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

static void
append_escape (GString *json,
               guchar   byte)
{
  static const char hex[] = "0123456789abcdef";
  char unicode[6] = { '\\', 'u', '0', '0', hex[byte >> 4], hex[byte & 0xf] };

  switch (byte)
    {
    case '"': g_string_append_len (json, "\\\"", 2); break;
    case '\\': g_string_append_len (json, "\\\\", 2); break;
    case '\n': g_string_append_len (json, "\\n", 2); break;
    case '\r': g_string_append_len (json, "\\r", 2); break;
    case '\t': g_string_append_len (json, "\\t", 2); break;
    default: g_string_append_len (json, unicode, sizeof unicode);
    }
}

void
relay_json_append_string (GString    *json,
                          const char *text)
{
  const guchar *run = (const guchar *) text;
  const guchar *c = run;

  g_string_append_c (json, '"');
  for (;;)
    {
      /* Stored text is valid UTF-8 (the strict parser saw to that), and a
       * payload is kilobytes of base64 with nothing to escape: the bytes
       * between escapes go in as one run. The terminating zero is in the
       * table, so this loop needs no second test. */
      while (!needs_escape[*c])
        c++;
      g_string_append_len (json, (const char *) run, c - run);
      if (*c == '\0')
        break;
      append_escape (json, *c);
      run = ++c;
    }
  g_string_append_c (json, '"');
}

void
relay_response_set_error (RelayResponse *response,
                          guint          status,
                          const char    *code,
                          const char    *message)
{
  GString *json = g_string_new ("{\"error\":");

  relay_json_append_string (json, code);
  g_string_append (json, ",\"message\":");
  relay_json_append_string (json, message);
  g_string_append (json, "}");
  relay_response_set_json (response, status, json);
}
