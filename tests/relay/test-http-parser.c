/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's HTTP/1.1 request parser on its own: the same request however
 * its bytes are split, pipelined requests one after another, every limit
 * with its status, and malformed or hostile input refused.
 */
#include "config.h"

#include <string.h>

#include "relay-http-parser.h"

static const RelayHttpLimits default_limits = {
  .max_request_line = 256,
  .max_header_bytes = 512,
  .max_header_count = 8,
  .max_body = 100,
};

typedef struct {
  RelayHttpParseResult result;
  guint                status;
  char                *method;
  char                *target;
  char                *body;
  guint                n_headers;
  gboolean             keep_alive;
  gsize                consumed;
} Parsed;

static void
parsed_clear (Parsed *parsed)
{
  g_free (parsed->method);
  g_free (parsed->target);
  g_free (parsed->body);
}

static char *
span_dup (const char    *data,
          RelayHttpSpan  span)
{
  return g_strndup (data + span.offset, span.length);
}

/* Feeds @text to a fresh parser: the first @first bytes at once, then one
 * byte at a time, as a slow client would. */
static Parsed
parse_split (const char            *text,
             gsize                  length,
             gsize                  first,
             const RelayHttpLimits *limits)
{
  RelayHttpParser parser;
  Parsed parsed = { 0, };
  gsize fed = MIN (first, length);
  const char *body;
  gsize body_size;

  relay_http_parser_init (&parser, limits);
  for (;;)
    {
      parsed.result = relay_http_parser_parse (&parser, text, fed);
      if (parsed.result != RELAY_HTTP_PARSE_INCOMPLETE || fed == length)
        break;
      fed++;
    }

  parsed.status = parser.status;
  if (parsed.result == RELAY_HTTP_PARSE_COMPLETE)
    {
      parsed.method = span_dup (text, parser.method);
      parsed.target = span_dup (text, parser.target);
      body = relay_http_parser_get_body (&parser, text, &body_size);
      parsed.body = body != NULL ? g_strndup (body, body_size) : NULL;
      parsed.n_headers = parser.headers->len;
      parsed.keep_alive = parser.keep_alive;
      parsed.consumed = parser.consumed;
    }
  relay_http_parser_clear (&parser);
  return parsed;
}

static Parsed
parse_all (const char *text)
{
  return parse_split (text, strlen (text), strlen (text), &default_limits);
}

static guint
refusal_status (const char *text)
{
  Parsed parsed = parse_split (text, strlen (text), strlen (text), &default_limits);

  parsed_clear (&parsed);
  return parsed.result == RELAY_HTTP_PARSE_REFUSED ? parsed.status : 0;
}

static void
test_split_reads_give_the_same_request (void)
{
  const char *requests[] = {
    "GET /v1/m/abc?x=1 HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"e\"\r\n\r\n",
    "POST /v1/m HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
    ("PUT /v1/m/q HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"),
    "GET / HTTP/1.0\nConnection: keep-alive\n\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      gsize length = strlen (requests[i]);
      Parsed whole = parse_split (requests[i], length, length, &default_limits);

      g_assert_cmpint (whole.result, ==, RELAY_HTTP_PARSE_COMPLETE);
      g_assert_cmpuint (whole.consumed, ==, length);
      for (gsize first = 0; first < length; first++)
        {
          Parsed split = parse_split (requests[i], length, first, &default_limits);

          g_assert_cmpint (split.result, ==, RELAY_HTTP_PARSE_COMPLETE);
          g_assert_cmpstr (split.method, ==, whole.method);
          g_assert_cmpstr (split.target, ==, whole.target);
          g_assert_cmpstr (split.body, ==, whole.body);
          g_assert_cmpuint (split.n_headers, ==, whole.n_headers);
          g_assert_cmpuint (split.consumed, ==, whole.consumed);
          parsed_clear (&split);
        }
      parsed_clear (&whole);
    }
}

static void
test_bodies_are_read_by_their_framing (void)
{
  Parsed fixed = parse_all ("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcdef");
  Parsed chunked = parse_all ("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
                              "3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\nGET");
  Parsed empty = parse_all ("POST /a HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1");

  g_assert_cmpstr (fixed.body, ==, "abc");
  g_assert_cmpuint (fixed.consumed, ==, strlen ("POST /a HTTP/1.1\r\nHost: a\r\n"
                                                "Content-Length: 3\r\n\r\nabc"));
  g_assert_cmpstr (chunked.body, ==, "abc0123456789");
  g_assert_null (empty.body);
  g_assert_cmpuint (empty.consumed, ==, strlen ("POST /a HTTP/1.1\r\nHost: a\r\n\r\n"));
  parsed_clear (&fixed);
  parsed_clear (&chunked);
  parsed_clear (&empty);
}

static void
test_pipelined_requests_parse_one_after_another (void)
{
  const char *stream =
    "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
    "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\n"
    "DELETE /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    "GET /fou";
  const char *targets[] = { "/one", "/two", "/three" };
  RelayHttpParser parser;
  gsize offset = 0, length = strlen (stream);

  relay_http_parser_init (&parser, &default_limits);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *target = NULL;

      g_assert_cmpint (relay_http_parser_parse (&parser, stream + offset, length - offset), ==,
                       RELAY_HTTP_PARSE_COMPLETE);
      target = span_dup (stream + offset, parser.target);
      g_assert_cmpstr (target, ==, targets[i]);
      g_assert_true (parser.keep_alive == (i != 2));
      offset += parser.consumed;
      relay_http_parser_reset (&parser);
    }
  g_assert_cmpint (relay_http_parser_parse (&parser, stream + offset, length - offset), ==,
                   RELAY_HTTP_PARSE_INCOMPLETE);
  relay_http_parser_clear (&parser);
}

static void
test_keep_alive_follows_version_and_connection (void)
{
  const struct {
    const char *request;
    gboolean    keep_alive;
  } cases[] = {
    { "GET / HTTP/1.1\r\nHost: a\r\n\r\n", TRUE },
    { "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n", FALSE },
    { "GET / HTTP/1.0\r\n\r\n", FALSE },
    { "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Parsed parsed = parse_all (cases[i].request);

      g_assert_cmpint (parsed.result, ==, RELAY_HTTP_PARSE_COMPLETE);
      g_assert_true (parsed.keep_alive == cases[i].keep_alive);
      parsed_clear (&parsed);
    }
}

static void
test_limits_are_refused_with_their_status (void)
{
  g_autofree char *long_path = g_strnfill (300, 'a');
  g_autofree char *long_line = g_strdup_printf ("GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", long_path);
  g_autofree char *unfinished_line = g_strdup_printf ("GET /%s", long_path);
  g_autofree char *filler = g_strnfill (600, 'h');
  g_autofree char *big_header = g_strdup_printf ("GET / HTTP/1.1\r\nHost: a\r\nX: %s\r\n\r\n",
                                                 filler);
  g_autofree char *unfinished_header = g_strdup_printf ("GET / HTTP/1.1\r\nX: %s", filler);
  g_autofree char *big_chunk = g_strnfill (60, 'c');
  g_autofree char *chunked = g_strdup_printf (
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3c\r\n%s\r\n3c\r\n%s\r\n0\r\n\r\n", big_chunk, big_chunk);
  g_autoptr(GString) many = g_string_new ("GET / HTTP/1.1\r\nHost: a\r\n");

  for (guint i = 0; i < 10; i++)
    g_string_append_printf (many, "X-%u: v\r\n", i);
  g_string_append (many, "\r\n");

  g_assert_cmpuint (refusal_status (long_line), ==, 414);
  g_assert_cmpuint (refusal_status (unfinished_line), ==, 414);
  g_assert_cmpuint (refusal_status (big_header), ==, 431);
  g_assert_cmpuint (refusal_status (unfinished_header), ==, 431);
  g_assert_cmpuint (refusal_status (many->str), ==, 431);
  g_assert_cmpuint (refusal_status ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n"),
                    ==, 413);
  g_assert_cmpuint (refusal_status ("POST / HTTP/1.1\r\nHost: a\r\n"
                                    "Content-Length: 99999999999999999999999999\r\n\r\n"),
                    ==, 413);
  g_assert_cmpuint (refusal_status (chunked), ==, 413);
  g_assert_cmpuint (refusal_status ("POST / HTTP/1.1\r\nHost: a\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n"),
                    ==, 413);
  /* Exactly at the body limit is fine. */
  g_assert_cmpuint (refusal_status ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"),
                    ==, 0);
}

static void
test_bad_input_is_refused (void)
{
  const struct {
    const char *request;
    guint       status;
  } cases[] = {
    { "HELLO\r\n\r\n", 400 },
    { "GET /\r\n\r\n", 400 },
    { "GET / HTTP/9.9\r\n\r\n", 505 },
    { "GET / HTTP/2.0\r\n\r\n", 505 },
    { "GET / FTP/1.1\r\n\r\n", 400 },
    { "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
    { "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
    { "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400 },
    { "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
    { "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
    { "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
    { "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
      "Transfer-Encoding: chunked\r\n\r\n", 400 },
    { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
    { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
    { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: chunked\r\n\r\n", 501 },
    { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
    { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400 },
    { "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u", i);
      g_assert_cmpuint (refusal_status (cases[i].request), ==, cases[i].status);
    }
}

static void
test_targets_are_split_and_dot_segments_resolved (void)
{
  const struct {
    const char *target;
    const char *path;
    const char *query;
  } cases[] = {
    { "/", "/", NULL },
    { "/v1/m/abc?x=1&y", "/v1/m/abc", "x=1&y" },
    { "/v1/m/abc?", "/v1/m/abc", "" },
    { "/v1/m/a/../b", "/v1/m/b", NULL },
    { "/v1/m/../../../etc/passwd", "/etc/passwd", NULL },
    { "/static/./x/.", "/static/x/", NULL },
    { "/a/..", "/", NULL },
    { "//x/", "//x/", NULL },
    { "/a//b/", "/a//b/", NULL },
    { "/.well-known/x", "/.well-known/x", NULL },
    { "/v1/m/...", "/v1/m/...", NULL },
    { "/v1/m/x/.?q", "/v1/m/x/", "q" },
    { "/v1/m/%2e%2e/x", "/v1/m/%2e%2e/x", NULL },
    { "http://relay.test:8080/v1/healthz?a", "/v1/healthz", "a" },
    { "HTTPS://relay.test", "/", NULL },
    { "http://relay.test?q", "/", "q" },
  };
  const char *refused[] = { "*", "v1/m", "/a%zz", "/a%2", "/a#frag", "http:///x", "ftp://h/" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *query = NULL;

      g_assert_true (relay_http_split_target (cases[i].target, strlen (cases[i].target),
                                              &path, &query));
      g_assert_cmpstr (path, ==, cases[i].path);
      g_assert_cmpstr (query, ==, cases[i].query);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      char *path = NULL, *query = NULL;

      g_assert_false (relay_http_split_target (refused[i], strlen (refused[i]), &path, &query));
      g_assert_null (path);
      g_assert_null (query);
    }
}

static void
test_expect_continue_is_seen_before_the_body (void)
{
  const char *head = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                     "Content-Length: 5\r\n\r\n";
  RelayHttpParser parser;

  relay_http_parser_init (&parser, &default_limits);
  g_assert_cmpint (relay_http_parser_parse (&parser, head, strlen (head)), ==,
                   RELAY_HTTP_PARSE_INCOMPLETE);
  g_assert_true (parser.headers_done);
  g_assert_true (parser.expect_continue);
  relay_http_parser_clear (&parser);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/http-parser/split-reads-give-the-same-request",
                   test_split_reads_give_the_same_request);
  g_test_add_func ("/relay/http-parser/bodies-are-read-by-their-framing",
                   test_bodies_are_read_by_their_framing);
  g_test_add_func ("/relay/http-parser/pipelined-requests-parse-one-after-another",
                   test_pipelined_requests_parse_one_after_another);
  g_test_add_func ("/relay/http-parser/keep-alive-follows-version-and-connection",
                   test_keep_alive_follows_version_and_connection);
  g_test_add_func ("/relay/http-parser/limits-are-refused-with-their-status",
                   test_limits_are_refused_with_their_status);
  g_test_add_func ("/relay/http-parser/bad-input-is-refused", test_bad_input_is_refused);
  g_test_add_func ("/relay/http-parser/targets-are-split-and-dot-segments-resolved",
                   test_targets_are_split_and_dot_segments_resolved);
  g_test_add_func ("/relay/http-parser/expect-continue-is-seen-before-the-body",
                   test_expect_continue_is_seen_before_the_body);

  return g_test_run ();
}
