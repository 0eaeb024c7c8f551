/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's request header map (relay-headers.c), in-process: the
 * handler reads claims, conditions and preferences through it, so a
 * lookup that missed a spelling or a repeated line would change answers.
 */
#include "config.h"

#include "relay-headers.h"

static void
test_lookup_ignores_case (void)
{
  g_autoptr(RelayHeaders) headers = relay_headers_new ();

  relay_headers_add (headers, "Mailbox-Request-ID", "one");
  relay_headers_add (headers, "x-forwarded-proto", "http");

  g_assert_cmpstr (relay_headers_get_one (headers, "mailbox-request-id"), ==, "one");
  g_assert_cmpstr (relay_headers_get_list (headers, "MAILBOX-REQUEST-ID"), ==, "one");
  g_assert_cmpstr (relay_headers_get_one (headers, "X-Forwarded-Proto"), ==, "http");
  g_assert_null (relay_headers_get_one (headers, "Mailbox-Request"));
  g_assert_null (relay_headers_get_list (headers, "Prefer"));
}

static void
test_repeated_line_joins_into_list (void)
{
  g_autoptr(RelayHeaders) headers = relay_headers_new ();

  relay_headers_add (headers, "Prefer", "");
  relay_headers_add (headers, "Host", "a");
  relay_headers_add (headers, "prefer", "wait=3");
  relay_headers_add (headers, "PREFER", "respond-async");

  /* In the order sent, so two claims never read as one UUID. */
  g_assert_cmpstr (relay_headers_get_list (headers, "Prefer"), ==,
                   ", wait=3, respond-async");
  /* A header that may appear once: the last line wins, as before. */
  g_assert_cmpstr (relay_headers_get_one (headers, "Prefer"), ==, "respond-async");
  g_assert_cmpstr (relay_headers_get_list (headers, "Host"), ==, "a");
}

static void
test_views_are_not_copied (void)
{
  g_autoptr(RelayHeaders) headers = relay_headers_new ();
  char name[] = "If-None-Match";
  char value[] = "\"abc\"";

  relay_headers_add_view (headers, name, value);
  g_assert_true (relay_headers_get_one (headers, "if-none-match") == value);
  /* The engine rewrites its buffer in place; the view follows it. */
  value[1] = 'x';
  g_assert_cmpstr (relay_headers_get_one (headers, "If-None-Match"), ==, "\"xbc\"");
}

static void
test_size_counts_lines_as_sent (void)
{
  g_autoptr(RelayHeaders) headers = relay_headers_new ();
  const char *name, *value;

  g_assert_cmpuint (relay_headers_get_size (headers), ==, 0);
  relay_headers_add (headers, "Host", "a");             /* "Host: a\r\n" */
  relay_headers_add (headers, "X-Empty", "");           /* "X-Empty: \r\n" */
  g_assert_cmpuint (relay_headers_get_size (headers), ==, 9 + 11);
  g_assert_cmpuint (relay_headers_get_length (headers), ==, 2);
  relay_headers_get_nth (headers, 1, &name, &value);
  g_assert_cmpstr (name, ==, "X-Empty");
  g_assert_cmpstr (value, ==, "");
}

static void
test_clear_forgets_everything (void)
{
  g_autoptr(RelayHeaders) headers = relay_headers_new ();

  for (guint round = 0; round < 3; round++)
    {
      relay_headers_add (headers, "Mailbox-Device-Claim", "a");
      relay_headers_add (headers, "Mailbox-Device-Claim", "b");
      g_assert_cmpstr (relay_headers_get_list (headers, "Mailbox-Device-Claim"), ==, "a, b");
      relay_headers_clear (headers);
      g_assert_cmpuint (relay_headers_get_length (headers), ==, 0);
      g_assert_null (relay_headers_get_list (headers, "Mailbox-Device-Claim"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/headers/lookup-ignores-case", test_lookup_ignores_case);
  g_test_add_func ("/relay/headers/repeated-line-joins-into-list",
                   test_repeated_line_joins_into_list);
  g_test_add_func ("/relay/headers/views-are-not-copied", test_views_are_not_copied);
  g_test_add_func ("/relay/headers/size-counts-lines-as-sent", test_size_counts_lines_as_sent);
  g_test_add_func ("/relay/headers/clear-forgets-everything", test_clear_forgets_everything);

  return g_test_run ();
}
