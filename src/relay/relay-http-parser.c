/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-http-parser.h"

#include <string.h>

/* Ceilings that hold even when the configuration switches a limit off, so
 * that no client can make a connection's buffer grow without end. */
#define HARD_MAX_HEADER_BYTES  (1024 * 1024)
#define HARD_MAX_HEADER_COUNT  1000
#define MAX_LEADING_BLANKS     64
#define MAX_CHUNK_LINE         1024
#define MAX_TRAILER_BYTES      8192

/* Chunk framing may cost several bytes per body byte (one-byte chunks), but
 * not without bound. */
#define MAX_CHUNK_OVERHEAD(max_body) (8 * (max_body) + 65536)

static RelayHttpParseResult
refuse (RelayHttpParser *parser,
        guint            status,
        const char      *reason)
{
  parser->status = status;
  parser->reason = reason;
  return RELAY_HTTP_PARSE_REFUSED;
}

void
relay_http_parser_init (RelayHttpParser       *parser,
                        const RelayHttpLimits *limits)
{
  memset (parser, 0, sizeof *parser);
  parser->limits = *limits;
  if (parser->limits.max_header_bytes == 0 ||
      parser->limits.max_header_bytes > HARD_MAX_HEADER_BYTES)
    parser->limits.max_header_bytes = HARD_MAX_HEADER_BYTES;
  if (parser->limits.max_request_line == 0 ||
      parser->limits.max_request_line > HARD_MAX_HEADER_BYTES)
    parser->limits.max_request_line = HARD_MAX_HEADER_BYTES;
  if (parser->limits.max_header_count == 0 ||
      parser->limits.max_header_count > HARD_MAX_HEADER_COUNT)
    parser->limits.max_header_count = HARD_MAX_HEADER_COUNT;
  if (parser->limits.max_body == 0)
    parser->limits.max_body = G_MAXSIZE / 16;
  parser->headers = g_array_new (FALSE, FALSE, sizeof (RelayHttpHeader));
  parser->chunked_body = g_byte_array_new ();
}

void
relay_http_parser_clear (RelayHttpParser *parser)
{
  g_clear_pointer (&parser->headers, g_array_unref);
  g_clear_pointer (&parser->chunked_body, g_byte_array_unref);
}

void
relay_http_parser_reset (RelayHttpParser *parser)
{
  RelayHttpLimits limits = parser->limits;
  GArray *headers = parser->headers;
  GByteArray *chunked_body = parser->chunked_body;

  g_array_set_size (headers, 0);
  g_byte_array_set_size (chunked_body, 0);
  memset (parser, 0, sizeof *parser);
  parser->limits = limits;
  parser->headers = headers;
  parser->chunked_body = chunked_body;
}

/* ------------------------------------------------------------------------ */
/* Characters                                                               */
/* ------------------------------------------------------------------------ */

static gboolean
is_token_char (guchar c)
{
  return g_ascii_isalnum (c) || (c != 0 && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
is_field_char (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static gboolean
is_target_char (guchar c)
{
  return c > 0x20 && c < 0x7f;
}

static gboolean
is_blank (guchar c)
{
  return c == ' ' || c == '\t';
}

gboolean
relay_http_span_equal (const char    *data,
                       RelayHttpSpan  span,
                       const char    *text)
{
  return strlen (text) == span.length &&
         g_ascii_strncasecmp (data + span.offset, text, span.length) == 0;
}

/* A span without the blanks at either end. */
static RelayHttpSpan
span_trim (const char    *data,
           RelayHttpSpan  span)
{
  while (span.length > 0 && is_blank (data[span.offset]))
    {
      span.offset++;
      span.length--;
    }
  while (span.length > 0 && is_blank (data[span.offset + span.length - 1]))
    span.length--;
  return span;
}

/* ------------------------------------------------------------------------ */
/* The request line and the header lines                                    */
/* ------------------------------------------------------------------------ */

/* [begin, end) without its line ending; FALSE on a CR anywhere else. */
static gboolean
line_content (const char *data,
              gsize       begin,
              gsize       end,
              gsize      *content_end)
{
  gsize stop = end;

  if (stop > begin && data[stop - 1] == '\n')
    stop--;
  if (stop > begin && data[stop - 1] == '\r')
    stop--;
  *content_end = stop;
  return memchr (data + begin, '\r', stop - begin) == NULL;
}

static RelayHttpParseResult
parse_version (RelayHttpParser *parser,
               const char      *version,
               gsize            length)
{
  if (length != 8 || strncmp (version, "HTTP/", 5) != 0 ||
      !g_ascii_isdigit (version[5]) || version[6] != '.' || !g_ascii_isdigit (version[7]))
    return refuse (parser, 400, "the request line is malformed");
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
    return refuse (parser, 505, "the HTTP version is not 1.0 or 1.1");
  parser->minor_version = version[7] - '0';
  return RELAY_HTTP_PARSE_COMPLETE;
}

static RelayHttpParseResult
parse_request_line (RelayHttpParser *parser,
                    const char      *data)
{
  gsize end, pos = parser->start;

  if (!line_content (data, parser->start, parser->line_end, &end))
    return refuse (parser, 400, "the request line holds a stray carriage return");

  parser->method.offset = pos;
  while (pos < end && is_token_char (data[pos]))
    pos++;
  parser->method.length = pos - parser->method.offset;
  if (parser->method.length == 0 || pos >= end || data[pos] != ' ')
    return refuse (parser, 400, "the request line is malformed");

  parser->target.offset = ++pos;
  while (pos < end && is_target_char (data[pos]))
    pos++;
  parser->target.length = pos - parser->target.offset;
  if (parser->target.length == 0 || pos >= end || data[pos] != ' ')
    return refuse (parser, 400, "the request target is malformed");

  pos++;
  return parse_version (parser, data + pos, end - pos);
}

static RelayHttpParseResult
parse_header_line (RelayHttpParser *parser,
                   const char      *data,
                   gsize            begin,
                   gsize            end)
{
  RelayHttpHeader header;
  gsize pos = begin;

  if (is_blank (data[begin]))
    return refuse (parser, 400, "a header line is folded");

  while (pos < end && is_token_char (data[pos]))
    pos++;
  if (pos == begin || pos >= end || data[pos] != ':')
    return refuse (parser, 400, "a header name is malformed");
  header.name.offset = begin;
  header.name.length = pos - begin;

  for (gsize i = pos + 1; i < end; i++)
    if (!is_field_char (data[i]))
      return refuse (parser, 400, "a header value holds a control character");
  header.value = span_trim (data, (RelayHttpSpan) { pos + 1, end - pos - 1 });

  if (parser->headers->len >= parser->limits.max_header_count)
    return refuse (parser, 431, "the request has too many headers");
  g_array_append_val (parser->headers, header);
  return RELAY_HTTP_PARSE_COMPLETE;
}

static RelayHttpParseResult
parse_header_lines (RelayHttpParser *parser,
                    const char      *data,
                    gsize            headers_end)
{
  gsize begin = parser->line_end;

  while (begin < headers_end)
    {
      const char *newline = memchr (data + begin, '\n', headers_end - begin);
      gsize next = newline - data + 1;
      gsize end;
      RelayHttpParseResult result;

      if (!line_content (data, begin, next, &end))
        return refuse (parser, 400, "a header line holds a stray carriage return");
      if (end == begin)
        break;   /* the blank line that ends the headers */
      result = parse_header_line (parser, data, begin, end);
      if (result != RELAY_HTTP_PARSE_COMPLETE)
        return result;
      begin = next;
    }
  return RELAY_HTTP_PARSE_COMPLETE;
}

/* ------------------------------------------------------------------------ */
/* The headers that frame the message                                       */
/* ------------------------------------------------------------------------ */

static gboolean
parse_decimal (const char    *data,
               RelayHttpSpan  span,
               gsize         *value_out)
{
  gsize value = 0;

  if (span.length == 0)
    return FALSE;
  for (gsize i = 0; i < span.length; i++)
    {
      guchar c = data[span.offset + i];

      if (!g_ascii_isdigit (c))
        return FALSE;
      if (value > (G_MAXSIZE - 9) / 10)
        value = G_MAXSIZE;   /* saturates: far above any limit */
      else
        value = value * 10 + (c - '0');
    }
  *value_out = value;
  return TRUE;
}

/* Reads the comma-separated options of a Connection header. */
static void
apply_connection (RelayHttpParser *parser,
                  const char      *data,
                  RelayHttpSpan    value)
{
  gsize pos = value.offset, end = value.offset + value.length;

  while (pos < end)
    {
      const char *comma = memchr (data + pos, ',', end - pos);
      gsize stop = comma != NULL ? (gsize) (comma - data) : end;
      RelayHttpSpan option = span_trim (data, (RelayHttpSpan) { pos, stop - pos });

      if (relay_http_span_equal (data, option, "close"))
        parser->keep_alive = FALSE;
      else if (relay_http_span_equal (data, option, "keep-alive") && parser->minor_version == 0)
        parser->keep_alive = TRUE;
      pos = stop + 1;
    }
}

typedef struct {
  guint    hosts;
  guint    transfer_encodings;
  gboolean has_length;
} Framing;

static RelayHttpParseResult
apply_header (RelayHttpParser       *parser,
              const char            *data,
              const RelayHttpHeader *header,
              Framing               *framing)
{
  gsize length;

  if (relay_http_span_equal (data, header->name, "Content-Length"))
    {
      if (!parse_decimal (data, header->value, &length))
        return refuse (parser, 400, "the Content-Length is not a number");
      if (framing->has_length && length != parser->content_length)
        return refuse (parser, 400, "the request has two different Content-Lengths");
      framing->has_length = TRUE;
      parser->content_length = length;
    }
  else if (relay_http_span_equal (data, header->name, "Transfer-Encoding"))
    {
      framing->transfer_encodings++;
      parser->chunked = relay_http_span_equal (data, header->value, "chunked");
    }
  else if (relay_http_span_equal (data, header->name, "Host"))
    framing->hosts++;
  else if (relay_http_span_equal (data, header->name, "Connection"))
    apply_connection (parser, data, header->value);
  else if (relay_http_span_equal (data, header->name, "Expect"))
    parser->expect_continue = relay_http_span_equal (data, header->value, "100-continue");
  return RELAY_HTTP_PARSE_COMPLETE;
}

static RelayHttpParseResult
check_framing (RelayHttpParser *parser,
               const Framing   *framing)
{
  if (framing->hosts > 1 || (framing->hosts == 0 && parser->minor_version == 1))
    return refuse (parser, 400, "the request needs exactly one Host header");
  if (framing->transfer_encodings > 0)
    {
      /* A body framed two ways is how requests are smuggled past proxies. */
      if (framing->has_length || parser->minor_version == 0)
        return refuse (parser, 400, "the request frames its body two ways");
      if (framing->transfer_encodings > 1 || !parser->chunked)
        return refuse (parser, 501, "the only transfer coding served is chunked");
    }
  if (framing->has_length && parser->content_length > parser->limits.max_body)
    return refuse (parser, 413, "the declared body is too large");
  return RELAY_HTTP_PARSE_COMPLETE;
}

static RelayHttpParseResult
parse_head (RelayHttpParser *parser,
            const char      *data,
            gsize            headers_end)
{
  Framing framing = { 0, };
  RelayHttpParseResult result;

  result = parse_request_line (parser, data);
  if (result == RELAY_HTTP_PARSE_COMPLETE)
    result = parse_header_lines (parser, data, headers_end);
  if (result != RELAY_HTTP_PARSE_COMPLETE)
    return result;

  parser->keep_alive = parser->minor_version == 1;
  for (guint i = 0; i < parser->headers->len; i++)
    {
      result = apply_header (parser, data,
                             &g_array_index (parser->headers, RelayHttpHeader, i), &framing);
      if (result != RELAY_HTTP_PARSE_COMPLETE)
        return result;
    }
  result = check_framing (parser, &framing);
  if (result != RELAY_HTTP_PARSE_COMPLETE)
    return result;

  parser->headers_done = TRUE;
  parser->body_start = parser->scan = parser->line_begin = headers_end;
  if (parser->chunked)
    parser->stage = RELAY_HTTP_STAGE_CHUNK_SIZE;
  else
    parser->stage = parser->content_length > 0 ? RELAY_HTTP_STAGE_BODY : RELAY_HTTP_STAGE_DONE;
  return RELAY_HTTP_PARSE_INCOMPLETE;
}

/* Blank lines before a request are allowed (some clients send one after a
 * body); they are not part of it. */
static gboolean
skip_leading_blanks (RelayHttpParser *parser,
                     const char      *data,
                     gsize            length)
{
  while (parser->line_end == 0 && parser->start < length &&
         (data[parser->start] == '\r' || data[parser->start] == '\n'))
    {
      parser->start++;
      if (parser->start > MAX_LEADING_BLANKS)
        return FALSE;
    }
  if (parser->scan < parser->start)
    parser->scan = parser->line_begin = parser->start;
  return TRUE;
}

static RelayHttpParseResult
parse_headers_stage (RelayHttpParser *parser,
                     const char      *data,
                     gsize            length)
{
  if (!skip_leading_blanks (parser, data, length))
    return refuse (parser, 400, "the request starts with too many blank lines");

  while (parser->scan < length)
    {
      const char *newline = memchr (data + parser->scan, '\n', length - parser->scan);
      gsize next, end;

      if (newline == NULL)
        {
          parser->scan = length;
          break;
        }
      next = newline - data + 1;
      line_content (data, parser->line_begin, next, &end);
      if (parser->line_end == 0)
        {
          if (next - parser->start > parser->limits.max_request_line)
            return refuse (parser, 414, "the request line is too long");
          parser->line_end = next;
        }
      else if (end == parser->line_begin)
        {
          if (parser->line_begin - parser->line_end > parser->limits.max_header_bytes)
            return refuse (parser, 431, "the request headers are too large");
          return parse_head (parser, data, next);
        }
      parser->scan = parser->line_begin = next;
    }

  if (parser->line_end == 0 && length - parser->start > parser->limits.max_request_line)
    return refuse (parser, 414, "the request line is too long");
  if (parser->line_end != 0 && length - parser->line_end > parser->limits.max_header_bytes)
    return refuse (parser, 431, "the request headers are too large");
  return RELAY_HTTP_PARSE_INCOMPLETE;
}

/* ------------------------------------------------------------------------ */
/* Bodies                                                                   */
/* ------------------------------------------------------------------------ */

static RelayHttpParseResult
finish (RelayHttpParser *parser,
        gsize            end)
{
  parser->consumed = end;
  parser->stage = RELAY_HTTP_STAGE_DONE;
  return RELAY_HTTP_PARSE_COMPLETE;
}

static RelayHttpParseResult
parse_chunk_size (RelayHttpParser *parser,
                  const char      *data,
                  gsize            begin,
                  gsize            end)
{
  gsize size = 0, pos = begin;

  while (pos < end && g_ascii_isxdigit (data[pos]))
    {
      if (size > (G_MAXSIZE >> 4))
        return refuse (parser, 413, "a chunk is too large");
      size = (size << 4) | g_ascii_xdigit_value (data[pos]);
      pos++;
    }
  while (pos < end && is_blank (data[pos]))
    pos++;
  if (pos == begin || (pos < end && data[pos] != ';'))
    return refuse (parser, 400, "a chunk size is malformed");

  if (size == 0)
    {
      parser->stage = RELAY_HTTP_STAGE_TRAILERS;
      return RELAY_HTTP_PARSE_INCOMPLETE;
    }
  if (size > parser->limits.max_body - parser->chunked_body->len)
    return refuse (parser, 413, "the body is too large");
  parser->chunk_left = size;
  parser->stage = RELAY_HTTP_STAGE_CHUNK_DATA;
  return RELAY_HTTP_PARSE_INCOMPLETE;
}

/* Takes the next whole line for the chunk framing, if it is there. */
static gboolean
next_line (RelayHttpParser *parser,
           const char      *data,
           gsize            length,
           gsize           *begin,
           gsize           *end,
           gboolean        *clean)
{
  const char *newline = memchr (data + parser->scan, '\n', length - parser->scan);

  if (newline == NULL)
    {
      parser->scan = length;
      return FALSE;
    }
  *begin = parser->line_begin;
  parser->scan = parser->line_begin = newline - data + 1;
  *clean = line_content (data, *begin, parser->scan, end);
  return TRUE;
}

static RelayHttpParseResult
read_chunk_size_line (RelayHttpParser *parser,
                      const char      *data,
                      gsize            length)
{
  gsize begin, end;
  gboolean clean;

  if (!next_line (parser, data, length, &begin, &end, &clean))
    return length - parser->line_begin > MAX_CHUNK_LINE
           ? refuse (parser, 400, "a chunk size line is too long")
           : RELAY_HTTP_PARSE_INCOMPLETE;
  if (!clean || end - begin > MAX_CHUNK_LINE)
    return refuse (parser, 400, "a chunk size line is malformed");
  return parse_chunk_size (parser, data, begin, end);
}

static RelayHttpParseResult
read_chunk_data (RelayHttpParser *parser,
                 const char      *data,
                 gsize            length)
{
  gsize take = MIN (parser->chunk_left, length - parser->scan);

  g_byte_array_append (parser->chunked_body, (const guint8 *) data + parser->scan, take);
  parser->scan += take;
  parser->line_begin = parser->scan;
  parser->chunk_left -= take;
  if (parser->chunk_left == 0)
    parser->stage = RELAY_HTTP_STAGE_CHUNK_END;
  return RELAY_HTTP_PARSE_INCOMPLETE;
}

/* The line end that must follow a chunk's data. */
static RelayHttpParseResult
read_chunk_end (RelayHttpParser *parser,
                const char      *data,
                gsize            length)
{
  gsize begin, end;
  gboolean clean;

  if (!next_line (parser, data, length, &begin, &end, &clean))
    return length - parser->line_begin > 1
           ? refuse (parser, 400, "a chunk does not end where its size says")
           : RELAY_HTTP_PARSE_INCOMPLETE;
  if (!clean || end != begin)
    return refuse (parser, 400, "a chunk does not end where its size says");
  parser->stage = RELAY_HTTP_STAGE_CHUNK_SIZE;
  return RELAY_HTTP_PARSE_INCOMPLETE;
}

/* Trailer lines are read and dropped; the relay needs none of them. */
static RelayHttpParseResult
read_trailer_line (RelayHttpParser *parser,
                   const char      *data,
                   gsize            length)
{
  gsize begin, end;
  gboolean clean;

  if (!next_line (parser, data, length, &begin, &end, &clean))
    return length - parser->line_begin > MAX_TRAILER_BYTES
           ? refuse (parser, 431, "the trailers are too large")
           : RELAY_HTTP_PARSE_INCOMPLETE;
  if (!clean)
    return refuse (parser, 400, "a trailer holds a stray carriage return");
  if (end == begin)
    return finish (parser, parser->scan);
  parser->trailer_bytes += end - begin;
  if (parser->trailer_bytes > MAX_TRAILER_BYTES)
    return refuse (parser, 431, "the trailers are too large");
  return RELAY_HTTP_PARSE_INCOMPLETE;
}

static RelayHttpParseResult
parse_chunk_step (RelayHttpParser *parser,
                  const char      *data,
                  gsize            length)
{
  switch (parser->stage)
    {
    case RELAY_HTTP_STAGE_CHUNK_SIZE:
      return read_chunk_size_line (parser, data, length);
    case RELAY_HTTP_STAGE_CHUNK_DATA:
      return read_chunk_data (parser, data, length);
    case RELAY_HTTP_STAGE_CHUNK_END:
      return read_chunk_end (parser, data, length);
    case RELAY_HTTP_STAGE_TRAILERS:
      return read_trailer_line (parser, data, length);
    case RELAY_HTTP_STAGE_HEADERS:
    case RELAY_HTTP_STAGE_BODY:
    case RELAY_HTTP_STAGE_DONE:
    default:
      g_assert_not_reached ();
    }
}

static RelayHttpParseResult
parse_chunked (RelayHttpParser *parser,
               const char      *data,
               gsize            length)
{
  gsize max_raw = MAX_CHUNK_OVERHEAD (MIN (parser->limits.max_body, G_MAXSIZE / 16));

  while (parser->stage != RELAY_HTTP_STAGE_DONE)
    {
      gsize before = parser->scan;
      RelayHttpStage stage = parser->stage;
      RelayHttpParseResult result = parse_chunk_step (parser, data, length);

      if (result != RELAY_HTTP_PARSE_INCOMPLETE)
        return result;
      if (parser->scan - parser->body_start > max_raw)
        return refuse (parser, 413, "the body is too large");
      if (parser->scan == before && parser->stage == stage)
        return RELAY_HTTP_PARSE_INCOMPLETE;   /* waits for more bytes */
    }
  return RELAY_HTTP_PARSE_COMPLETE;
}

RelayHttpParseResult
relay_http_parser_parse (RelayHttpParser *parser,
                         const char      *data,
                         gsize            length)
{
  RelayHttpParseResult result;

  if (parser->stage == RELAY_HTTP_STAGE_HEADERS)
    {
      result = parse_headers_stage (parser, data, length);
      if (result != RELAY_HTTP_PARSE_INCOMPLETE || !parser->headers_done)
        return result;
    }

  switch (parser->stage)
    {
    case RELAY_HTTP_STAGE_BODY:
      if (length - parser->body_start < parser->content_length)
        return RELAY_HTTP_PARSE_INCOMPLETE;
      parser->body = (RelayHttpSpan) { parser->body_start, parser->content_length };
      return finish (parser, parser->body_start + parser->content_length);
    case RELAY_HTTP_STAGE_DONE:
      if (parser->consumed == 0)
        parser->consumed = parser->body_start;
      return RELAY_HTTP_PARSE_COMPLETE;
    case RELAY_HTTP_STAGE_HEADERS:
      return RELAY_HTTP_PARSE_INCOMPLETE;
    case RELAY_HTTP_STAGE_CHUNK_SIZE:
    case RELAY_HTTP_STAGE_CHUNK_DATA:
    case RELAY_HTTP_STAGE_CHUNK_END:
    case RELAY_HTTP_STAGE_TRAILERS:
    default:
      return parse_chunked (parser, data, length);
    }
}

const char *
relay_http_parser_get_body (RelayHttpParser *parser,
                            const char      *data,
                            gsize           *size_out)
{
  if (parser->chunked)
    {
      *size_out = parser->chunked_body->len;
      return parser->chunked_body->len > 0 ? (const char *) parser->chunked_body->data : NULL;
    }
  *size_out = parser->body.length;
  return parser->body.length > 0 ? data + parser->body.offset : NULL;
}

/* ------------------------------------------------------------------------ */
/* Request targets                                                          */
/* ------------------------------------------------------------------------ */

static gboolean
escapes_are_valid (const char *text,
                   gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (!is_target_char (text[i]) || text[i] == '#')
        return FALSE;
      if (text[i] == '%' &&
          (length - i < 3 || !g_ascii_isxdigit (text[i + 1]) ||
           !g_ascii_isxdigit (text[i + 2])))
        return FALSE;
    }
  return TRUE;
}

/* Resolves "." and ".." segments of an absolute path the way a base URI
 * would (RFC 3986, 5.2.4): ".." never climbs above the root. */
/* TRUE if some segment of @path may be "." or "..": one starts with a dot. */
static gboolean
may_have_dot_segment (const char *path,
                      gsize       length)
{
  const char *end = path + length;

  for (const char *slash = memchr (path, '/', length); slash != NULL;
       slash = memchr (slash + 1, '/', end - slash - 1))
    if (slash + 1 < end && slash[1] == '.')
      return TRUE;
  return FALSE;
}

static char *
remove_dot_segments (const char *path,
                     gsize       length)
{
  g_autoptr(GArray) kept = NULL;
  GString *resolved;
  gsize pos = 1;   /* after the leading slash */
  gboolean trailing_slash = FALSE;

  /* Nearly every path has no such segment and comes out as it went in
   * (empty segments and a trailing slash are kept either way). */
  if (path[0] == '/' && !may_have_dot_segment (path, length))
    return g_strndup (path, length);

  kept = g_array_new (FALSE, FALSE, sizeof (RelayHttpSpan));
  resolved = g_string_sized_new (length + 1);

  while (pos <= length)
    {
      const char *slash = memchr (path + pos, '/', length - pos);
      gsize stop = slash != NULL ? (gsize) (slash - path) : length;
      RelayHttpSpan segment = { pos, stop - pos };
      gboolean dot = segment.length == 1 && path[pos] == '.';
      gboolean dot_dot = segment.length == 2 && path[pos] == '.' && path[pos + 1] == '.';

      if (dot_dot && kept->len > 0)
        g_array_set_size (kept, kept->len - 1);
      else if (!dot && !dot_dot)
        g_array_append_val (kept, segment);
      trailing_slash = (dot || dot_dot) && slash == NULL;
      pos = stop + 1;
    }

  for (guint i = 0; i < kept->len; i++)
    {
      RelayHttpSpan segment = g_array_index (kept, RelayHttpSpan, i);

      g_string_append_c (resolved, '/');
      g_string_append_len (resolved, path + segment.offset, segment.length);
    }
  if (resolved->len == 0 || trailing_slash)
    g_string_append_c (resolved, '/');
  return g_string_free (resolved, FALSE);
}

/* The length of "scheme://authority" at the start of an absolute-form
 * target, or 0 when it is not one. */
static gsize
absolute_prefix (const char *target,
                 gsize       length)
{
  gsize scheme, pos;

  if (length >= 7 && g_ascii_strncasecmp (target, "http://", 7) == 0)
    scheme = 7;
  else if (length >= 8 && g_ascii_strncasecmp (target, "https://", 8) == 0)
    scheme = 8;
  else
    return 0;

  for (pos = scheme; pos < length && target[pos] != '/' && target[pos] != '?'; pos++)
    ;
  return pos > scheme ? pos : 0;
}

gboolean
relay_http_split_target (const char  *target,
                         gsize        length,
                         char       **path_out,
                         char       **query_out)
{
  gsize skip = 0, path_length;
  const char *path, *question;

  if (length == 0)
    return FALSE;
  if (target[0] != '/')
    {
      skip = absolute_prefix (target, length);
      if (skip == 0)
        return FALSE;
    }
  if (!escapes_are_valid (target + skip, length - skip))
    return FALSE;

  path = target + skip;
  question = memchr (path, '?', length - skip);
  path_length = question != NULL ? (gsize) (question - path) : length - skip;
  *path_out = path_length > 0 ? remove_dot_segments (path, path_length) : g_strdup ("/");
  *query_out = question != NULL
               ? g_strndup (question + 1, length - skip - path_length - 1)
               : NULL;
  return TRUE;
}
