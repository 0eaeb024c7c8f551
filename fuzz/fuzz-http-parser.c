/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "relay-http-parser.h"

/*
 * The relay's HTTP/1.1 request parser. The input is a stream of pipelined
 * requests; its first byte chooses where the stream is cut in two, as if
 * it had arrived in two reads.
 *
 * Checked on every input: the parser never looks outside the buffer (ASan),
 * every span it reports lies inside the bytes it was given, a request is
 * never longer than the stream, a refusal carries one of the statuses the
 * parser documents, and the two-read parse agrees with the one-read parse
 * on every request.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static const RelayHttpLimits limits = {
  .max_request_line = 2048,
  .max_header_bytes = 8192,
  .max_header_count = 100,
  .max_body = 65536,
};

typedef struct {
  RelayHttpParseResult result;
  guint                status;
  gsize                consumed;
  gsize                body_size;
} Outcome;

static void
check_span (RelayHttpSpan span,
            gsize         length)
{
  g_assert_true (span.offset <= length && span.length <= length - span.offset);
}

static void
check_request (RelayHttpParser *parser,
               const char      *stream,
               gsize            length)
{
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;

  g_assert_true (parser->consumed > 0 && parser->consumed <= length);
  check_span (parser->method, parser->consumed);
  check_span (parser->target, parser->consumed);
  for (guint i = 0; i < parser->headers->len; i++)
    {
      RelayHttpHeader *header = &g_array_index (parser->headers, RelayHttpHeader, i);

      check_span (header->name, parser->consumed);
      check_span (header->value, parser->consumed);
    }
  if (relay_http_split_target (stream + parser->target.offset, parser->target.length,
                               &path, &query))
    g_assert_true (path[0] == '/' && strstr (path, "/../") == NULL);
}

/* Parses one request of @stream, fed first @cut bytes then the rest. */
static Outcome
parse_one (RelayHttpParser *parser,
           const char      *stream,
           gsize            length,
           gsize            cut)
{
  Outcome outcome = { 0, };

  relay_http_parser_reset (parser);
  outcome.result = relay_http_parser_parse (parser, stream, MIN (cut, length));
  if (outcome.result == RELAY_HTTP_PARSE_INCOMPLETE && cut < length)
    outcome.result = relay_http_parser_parse (parser, stream, length);

  if (outcome.result == RELAY_HTTP_PARSE_REFUSED)
    {
      outcome.status = parser->status;
      g_assert_true (outcome.status == 400 || outcome.status == 413 ||
                     outcome.status == 414 || outcome.status == 431 ||
                     outcome.status == 501 || outcome.status == 505);
    }
  else if (outcome.result == RELAY_HTTP_PARSE_COMPLETE)
    {
      check_request (parser, stream, length);
      outcome.consumed = parser->consumed;
      relay_http_parser_get_body (parser, stream, &outcome.body_size);
      g_assert_cmpuint (outcome.body_size, <=, limits.max_body);
    }
  return outcome;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  RelayHttpParser whole, split;
  const char *stream;
  gsize length, cut;

  if (size < 1)
    return 0;
  cut = data[0];
  stream = (const char *) data + 1;
  length = size - 1;

  relay_http_parser_init (&whole, &limits);
  relay_http_parser_init (&split, &limits);
  for (guint requests = 0; length > 0 && requests < 64; requests++)
    {
      Outcome one = parse_one (&whole, stream, length, length);
      Outcome two = parse_one (&split, stream, length, cut);

      g_assert_cmpint (one.result, ==, two.result);
      g_assert_cmpuint (one.status, ==, two.status);
      g_assert_cmpuint (one.consumed, ==, two.consumed);
      g_assert_cmpuint (one.body_size, ==, two.body_size);
      if (one.result != RELAY_HTTP_PARSE_COMPLETE)
        break;
      stream += one.consumed;
      length -= one.consumed;
    }
  relay_http_parser_clear (&whole);
  relay_http_parser_clear (&split);
  return 0;
}
