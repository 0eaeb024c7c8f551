/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-request.h"
#include "relay-deferred.h"

#include <string.h>

void
relay_response_init (RelayResponse *response)
{
  memset (response, 0, sizeof *response);
  response->headers = g_ptr_array_new_with_free_func (g_free);
}

void
relay_response_clear (RelayResponse *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, g_ptr_array_unref);
  g_clear_pointer (&response->deferred, relay_deferred_unref);
  memset (response, 0, sizeof *response);
}

void
relay_response_add_header (RelayResponse *response,
                           const char    *name,
                           const char    *value)
{
  g_ptr_array_add (response->headers, g_strdup (name));
  g_ptr_array_add (response->headers, g_strdup (value));
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

void
relay_json_append_string (GString    *json,
                          const char *text)
{
  const char *run = text;
  const char *c;

  g_string_append_c (json, '"');
  for (c = text; *c != '\0'; c++)
    {
      guchar byte = (guchar) *c;

      /* Stored text is valid UTF-8 (the strict parser saw to that), so only
       * quotes, backslashes and control characters need an escape; the
       * bytes between them go in as one run (payloads are kilobytes). */
      if (byte >= 0x20 && byte != 0x7f && byte != '"' && byte != '\\')
        continue;

      g_string_append_len (json, run, c - run);
      run = c + 1;
      switch (byte)
        {
        case '"': g_string_append (json, "\\\""); break;
        case '\\': g_string_append (json, "\\\\"); break;
        case '\n': g_string_append (json, "\\n"); break;
        case '\r': g_string_append (json, "\\r"); break;
        case '\t': g_string_append (json, "\\t"); break;
        default: g_string_append_printf (json, "\\u%04x", byte);
        }
    }
  g_string_append_len (json, run, c - run);
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
