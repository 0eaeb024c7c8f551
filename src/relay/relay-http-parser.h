/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * RelayHttpParser: an incremental HTTP/1.1 request parser with no I/O.
 *
 * The caller keeps the bytes of one request in a buffer that starts at the
 * request's first byte, appends whatever arrives, and calls
 * relay_http_parser_parse() again with the whole buffer. The parser
 * remembers how far it has looked, so each byte is examined about once
 * however finely the input is split, and it refers to the buffer only by
 * offsets, so the caller may move or grow the buffer between calls.
 *
 * Refusals carry the status to answer with: 400 malformed, 413 body too
 * large, 414 request line too long, 431 headers too large or too many,
 * 501 a transfer coding other than chunked, 505 an HTTP version other than
 * 1.0 and 1.1. After a refusal the connection cannot be trusted to be in
 * step any more and should be closed once the answer is out.
 */

typedef struct {
  gsize offset;
  gsize length;
} RelayHttpSpan;

typedef struct {
  RelayHttpSpan name;
  RelayHttpSpan value;
} RelayHttpHeader;

typedef enum {
  RELAY_HTTP_PARSE_INCOMPLETE,   /* give it more bytes */
  RELAY_HTTP_PARSE_COMPLETE,     /* a whole request; see the results */
  RELAY_HTTP_PARSE_REFUSED,      /* answer `status` and close */
} RelayHttpParseResult;

/* 0 switches a limit off (a hard ceiling still applies to headers). */
typedef struct {
  gsize max_request_line;
  gsize max_header_bytes;     /* all header lines, without the request line */
  guint max_header_count;
  gsize max_body;             /* decoded body bytes */
} RelayHttpLimits;

typedef enum {
  RELAY_HTTP_STAGE_HEADERS,
  RELAY_HTTP_STAGE_BODY,
  RELAY_HTTP_STAGE_CHUNK_SIZE,
  RELAY_HTTP_STAGE_CHUNK_DATA,
  RELAY_HTTP_STAGE_CHUNK_END,
  RELAY_HTTP_STAGE_TRAILERS,
  RELAY_HTTP_STAGE_DONE,
} RelayHttpStage;

typedef struct {
  RelayHttpLimits limits;

  /* Results, valid once the headers are in (headers_done) until the next
   * reset; spans are offsets into the caller's buffer. */
  gboolean        headers_done;
  RelayHttpSpan   method;
  RelayHttpSpan   target;
  guint           minor_version;     /* HTTP/1.x */
  GArray         *headers;           /* RelayHttpHeader */
  gboolean        keep_alive;
  gboolean        expect_continue;
  gboolean        chunked;
  gsize           content_length;
  gsize           consumed;          /* bytes of the buffer the request took */
  guint           status;            /* the refusal's status */
  const char     *reason;            /* the refusal in words, for logs */

  /* The body: a span of the buffer, or the decoded chunks. */
  RelayHttpSpan   body;
  GByteArray     *chunked_body;

  /* Progress; private. */
  RelayHttpStage  stage;
  gsize           start;             /* first byte after skipped blank lines */
  gsize           scan;              /* next byte to look at */
  gsize           line_begin;        /* start of the line being read */
  gsize           line_end;          /* end of the request line, or 0 */
  gsize           body_start;
  gsize           chunk_left;
  gsize           trailer_bytes;
} RelayHttpParser;

void                 relay_http_parser_init   (RelayHttpParser       *parser,
                                               const RelayHttpLimits *limits);
void                 relay_http_parser_clear  (RelayHttpParser       *parser);

/* Forgets the request parsed last, to parse the next one from a buffer
 * that now starts where the last one ended. */
void                 relay_http_parser_reset  (RelayHttpParser       *parser);

RelayHttpParseResult relay_http_parser_parse  (RelayHttpParser       *parser,
                                               const char            *data,
                                               gsize                  length);

/* The body of a complete request (NULL when it has none). */
const char          *relay_http_parser_get_body (RelayHttpParser     *parser,
                                                 const char          *data,
                                                 gsize               *size_out);

/* Case-insensitive comparison of a span of @data with @text. */
gboolean             relay_http_span_equal    (const char            *data,
                                               RelayHttpSpan          span,
                                               const char            *text);

/*
 * Splits a request target (origin form "/path?query" or absolute form
 * "http://host/path?query") into its path, with "." and ".." segments
 * resolved and percent escapes kept as sent, and its raw query (NULL when
 * there is none). FALSE when the target is malformed (answer 400).
 */
gboolean             relay_http_split_target  (const char            *target,
                                               gsize                  length,
                                               char                 **path_out,
                                               char                 **query_out);

G_END_DECLS
