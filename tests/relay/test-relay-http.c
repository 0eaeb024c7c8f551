/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's HTTP/1.1 front end as clients see it, on a real relay
 * process: pipelined requests answered in order with exact framing,
 * HTTP/1.0 closing, chunked bodies, Expect: 100-continue, a request sent
 * one byte at a time, and transfer codings it does not serve.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <unistd.h>

#include "relay-test.h"

static RelayTestServer *relay;

typedef struct {
  guint    status;
  gboolean closes;
  char    *body;
} RawAnswer;

static void
raw_answer_clear (RawAnswer *answer)
{
  g_clear_pointer (&answer->body, g_free);
}

/* Reads one answer from @text at *@offset, moving it past the answer; FALSE
 * when the bytes there are not a whole, well-framed answer. */
static gboolean
next_answer (const char *text,
             gsize      *offset,
             gboolean    to_head,
             RawAnswer  *answer)
{
  const char *start = text + *offset;
  const char *end = strstr (start, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length = 0;

  if (end == NULL || !g_str_has_prefix (start, "HTTP/1.1 "))
    return FALSE;
  head = g_strndup (start, end - start);
  lines = g_strsplit (head, "\r\n", -1);
  answer->status = relay_test_raw_status (lines[0]);
  answer->closes = FALSE;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
        length = g_ascii_strtoull (lines[i] + 15, NULL, 10);
      else if (g_ascii_strcasecmp (lines[i], "Connection: close") == 0)
        answer->closes = TRUE;
    }
  if (to_head)
    length = 0;
  if (strlen (end + 4) < length)
    return FALSE;
  answer->body = g_strndup (end + 4, length);
  *offset = (end + 4 + length) - text;
  return TRUE;
}

static void
test_pipelined_requests_are_answered_in_order (void)
{
  g_autoptr(GString) requests = g_string_new (NULL);
  g_autofree char *text = NULL;
  const guint rounds = 50;
  gsize offset = 0;

  for (guint i = 0; i < rounds; i++)
    g_string_append (requests,
                     "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                     "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                     "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  g_string_append (requests, "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

  text = relay_test_raw_exchange (relay, requests->str, requests->len, 10000);
  for (guint i = 0; i < rounds; i++)
    {
      RawAnswer get = { 0, }, head = { 0, }, post = { 0, };

      g_assert_true (next_answer (text, &offset, FALSE, &get));
      g_assert_true (next_answer (text, &offset, TRUE, &head));
      g_assert_true (next_answer (text, &offset, FALSE, &post));
      g_assert_cmpuint (get.status, ==, 200);
      g_assert_cmpstr (get.body, ==, "ok\n");
      g_assert_cmpuint (head.status, ==, 200);
      g_assert_cmpuint (post.status, ==, 405);
      g_assert_false (get.closes || head.closes || post.closes);
      raw_answer_clear (&get);
      raw_answer_clear (&head);
      raw_answer_clear (&post);
    }

  {
    RawAnswer last = { 0, };

    g_assert_true (next_answer (text, &offset, FALSE, &last));
    g_assert_cmpuint (last.status, ==, 200);
    g_assert_true (last.closes);
    raw_answer_clear (&last);
  }
  /* Nothing after the last answer: every body had exactly its length. */
  g_assert_cmpuint (offset, ==, strlen (text));
}

static void
test_http_1_0_connection_closes_after_the_answer (void)
{
  const char *request = "GET /healthz HTTP/1.0\r\n\r\n";
  gint64 started = g_get_monotonic_time ();
  g_autofree char *text = relay_test_raw_exchange (relay, request, strlen (request), 8000);
  RawAnswer answer = { 0, };
  gsize offset = 0;

  g_assert_true (next_answer (text, &offset, FALSE, &answer));
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_true (answer.closes);
  /* Closed by the relay, long before the exchange's own time limit. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 4 * G_USEC_PER_SEC);
  raw_answer_clear (&answer);
}

static GString *
chunked_create (const char *claim)
{
  g_autofree char *body = relay_test_create_body (64, "Front door", NULL);
  gsize length = strlen (body), third = length / 3;
  GString *request = g_string_new (NULL);

  g_string_append_printf (request, "POST /v1/m HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Mailbox-Device-Claim: %s\r\nTransfer-Encoding: chunked\r\n"
                          "Connection: close\r\n\r\n", claim);
  g_string_append_printf (request, "%zx;part=1\r\n%.*s\r\n", third, (int) third, body);
  g_string_append_printf (request, "%zx\r\n%s\r\n0\r\n\r\n", length - third, body + third);
  return request;
}

static void
test_chunked_body_is_read_whole (void)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autoptr(GString) request = chunked_create (claim);
  g_autofree char *text = relay_test_raw_exchange (relay, request->str, request->len, 8000);
  RawAnswer answer = { 0, };
  gsize offset = 0;

  g_assert_true (next_answer (text, &offset, FALSE, &answer));
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_nonnull (strstr (answer.body, "\"urlLink\""));
  raw_answer_clear (&answer);
}

static void
test_unsupported_transfer_coding_is_refused (void)
{
  const char *request = "POST /v1/m HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxyz";
  const char *smuggled = "POST /v1/m HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  g_autofree char *text = relay_test_raw_exchange (relay, request, strlen (request), 8000);
  g_autofree char *smuggled_text = relay_test_raw_exchange (relay, smuggled, strlen (smuggled),
                                                            8000);

  g_assert_cmpuint (relay_test_raw_status (text), ==, 501);
  g_assert_cmpuint (relay_test_raw_status (smuggled_text), ==, 400);
}

/* The remaining tests write on the bare socket: plain HTTP only. */
static GSocket *
connect_plain (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback,
                                                                 relay_test_server_port (relay));
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 10);
  return g_steal_pointer (&socket);
}

static char *
receive_until_closed (GSocket *socket)
{
  GString *text = g_string_new (NULL);
  char buffer[4096];
  gssize got;

  while ((got = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (text, buffer, got);
  return g_string_free (text, FALSE);
}

static void
test_expect_continue_is_answered_before_the_body (void)
{
  g_autofree char *claim = NULL;
  g_autofree char *body = NULL;
  g_autofree char *head = NULL;
  g_autofree char *rest = NULL;
  g_autoptr(GSocket) socket = NULL;
  char interim[64] = { 0, };
  const char *expected = "HTTP/1.1 100 Continue\r\n\r\n";
  gsize got = 0;

  if (relay_test_server_is_tls (relay))
    {
      g_test_skip ("plain HTTP only: the request is written on the raw socket");
      return;
    }
  claim = relay_test_new_claim ();
  body = relay_test_create_body (64, "Front door", NULL);
  head = g_strdup_printf ("POST /v1/m HTTP/1.1\r\nHost: 127.0.0.1\r\nMailbox-Device-Claim: %s\r\n"
                          "Expect: 100-continue\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n", claim, strlen (body));
  socket = connect_plain ();
  g_assert_cmpint (g_socket_send (socket, head, strlen (head), NULL, NULL), ==,
                   (gssize) strlen (head));
  while (got < strlen (expected))
    {
      gssize more = g_socket_receive (socket, interim + got, strlen (expected) - got, NULL, NULL);

      g_assert_cmpint (more, >, 0);
      got += more;
    }
  g_assert_cmpstr (interim, ==, expected);

  g_assert_cmpint (g_socket_send (socket, body, strlen (body), NULL, NULL), ==,
                   (gssize) strlen (body));
  rest = receive_until_closed (socket);
  g_assert_cmpuint (relay_test_raw_status (rest), ==, 200);
}

static void
test_request_sent_byte_by_byte_is_answered (void)
{
  g_autofree char *claim = NULL;
  g_autoptr(GString) request = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *text = NULL;

  if (relay_test_server_is_tls (relay))
    {
      g_test_skip ("plain HTTP only: the request is written on the raw socket");
      return;
    }
  claim = relay_test_new_claim ();
  request = chunked_create (claim);
  socket = connect_plain ();
  for (gsize i = 0; i < request->len; i++)
    {
      g_assert_cmpint (g_socket_send (socket, request->str + i, 1, NULL, NULL), ==, 1);
      if (i % 64 == 0)
        g_usleep (1000);
    }
  text = receive_until_closed (socket);
  g_assert_cmpuint (relay_test_raw_status (text), ==, 200);
  g_assert_nonnull (strstr (text, "\"urlLink\""));
}

/* Processor time the process has used so far, in seconds. */
static double
process_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  /* The name may hold spaces; the fields after it are plain. utime and
   * stime are the 14th and 15th fields, the 12th and 13th after it. */
  after_name = strrchr (text, ')');
  g_assert_nonnull (after_name);
  fields = g_strsplit (after_name + 2, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 13);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

static void
test_running_out_of_descriptors_pauses_accepting (void)
{
  const char *args[] = { "--threads=1", NULL };
  g_autoptr(RelayTestServer) limited = NULL;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(RelayTestReply) reply = NULL;
  g_autoptr(SoupSession) session = relay_test_session_new ();
  g_autofree char *health = NULL;
  g_autofree char *log = NULL;
  struct rlimit ours, tight;
  double before, after;

  /* The relay inherits a low limit on open files; this process keeps its
   * own, to open more connections than the relay can take. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &ours), ==, 0);
  tight = ours;
  tight.rlim_cur = 64;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &tight), ==, 0);
  limited = relay_test_server_start (args);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &ours), ==, 0);

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address =
        g_inet_socket_address_new (loopback, relay_test_server_port (limited));
      GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, &error);

      g_assert_no_error (error);
      /* The kernel completes connections the relay has not accepted yet. */
      g_socket_connect (socket, address, NULL, &error);
      g_assert_no_error (error);
      g_ptr_array_add (sockets, socket);
    }

  g_usleep (500 * 1000);
  before = process_cpu_seconds (relay_test_server_pid (limited));
  g_usleep (3 * G_USEC_PER_SEC);
  after = process_cpu_seconds (relay_test_server_pid (limited));
  g_test_message ("relay processor time while out of descriptors: %.2f s in 3 s",
                  after - before);
  /* Retrying accept() on the ever-ready socket would take a whole core. */
  g_assert_cmpfloat (after - before, <, 0.25);

  g_ptr_array_set_size (sockets, 0);
  health = g_strconcat (relay_test_server_url (limited), "/healthz", NULL);
  for (guint i = 0; i < 50; i++)
    {
      g_clear_pointer (&reply, relay_test_reply_free);
      reply = relay_test_request (session, "GET", health, NULL, NULL);
      if (reply->status == 200)
        break;
      g_usleep (100 * 1000);
    }
  g_assert_cmpuint (reply->status, ==, 200);
  log = relay_test_server_log (limited);
  g_assert_nonnull (strstr (log, "Out of file descriptors"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TW_RELAY_EXE") == NULL)
    return 77;
  relay = relay_test_server_start (NULL);

  g_test_add_func ("/relay/http/pipelined-requests-are-answered-in-order",
                   test_pipelined_requests_are_answered_in_order);
  g_test_add_func ("/relay/http/http-1-0-connection-closes-after-the-answer",
                   test_http_1_0_connection_closes_after_the_answer);
  g_test_add_func ("/relay/http/chunked-body-is-read-whole", test_chunked_body_is_read_whole);
  g_test_add_func ("/relay/http/unsupported-transfer-coding-is-refused",
                   test_unsupported_transfer_coding_is_refused);
  g_test_add_func ("/relay/http/expect-continue-is-answered-before-the-body",
                   test_expect_continue_is_answered_before_the_body);
  g_test_add_func ("/relay/http/request-sent-byte-by-byte-is-answered",
                   test_request_sent_byte_by_byte_is_answered);

  g_test_add_func ("/relay/http/running-out-of-descriptors-pauses-accepting",
                   test_running_out_of_descriptors_pauses_accepting);

  status = g_test_run ();
  relay_test_server_free (relay);
  return status;
}
