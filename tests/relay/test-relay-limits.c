/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay's limits, each against a relay started with that limit set low:
 * creates per address (and per IPv6 /64), failed requests per address,
 * reads per mailbox, live mailboxes, waiting long polls, and the trusted
 * proxy rule for client addresses.
 */
#include "config.h"

#include <string.h>

#include "relay-test.h"

#define CLAIM "Mailbox-Device-Claim"

static SoupSession *session;

static RelayTestReply *
create_from (RelayTestServer *relay,
             const char      *forwarded_for)
{
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *body = relay_test_create_body (64, "Limit", NULL);
  g_autofree char *url = g_strconcat (relay_test_server_url (relay), "/v1/m", NULL);

  return relay_test_request (session, "POST", url, body, CLAIM, claim,
                             forwarded_for != NULL ? "X-Forwarded-For" : NULL,
                             forwarded_for, NULL);
}

static RelayTestReply *
read_mailbox (RelayTestServer *relay,
              const char      *mailbox_id,
              const char      *claim)
{
  g_autofree char *url = relay_test_mailbox_url (relay, mailbox_id);

  return relay_test_request (session, "POST", url, NULL, CLAIM, claim, NULL);
}

static void
assert_limited (RelayTestReply *reply)
{
  g_autofree char *code = relay_test_reply_error_code (reply);
  const char *retry_after = relay_test_reply_header (reply, "Retry-After");

  g_assert_cmpuint (reply->status, ==, 429);
  g_assert_cmpstr (code, ==, "rate-limited");
  g_assert_nonnull (retry_after);
  g_assert_cmpuint (g_ascii_strtoull (retry_after, NULL, 10), >=, 1);
}

static void
test_creates_per_address_are_limited (void)
{
  const char *args[] = { "--create-limit=3", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(RelayTestReply) reply = create_from (relay, NULL);

      g_assert_cmpuint (reply->status, ==, 200);
    }
  {
    g_autoptr(RelayTestReply) over = create_from (relay, NULL);

    assert_limited (over);
  }
}

static void
test_no_rate_limits_turns_address_limits_off (void)
{
  const char *args[] = { "--create-limit=2", "--failure-limit=2", "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *unknown = relay_test_new_claim ();

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(RelayTestReply) created = create_from (relay, NULL);
      g_autoptr(RelayTestReply) missing = read_mailbox (relay, unknown, claim);

      g_assert_cmpuint (created->status, ==, 200);
      g_assert_cmpuint (missing->status, ==, 404);
    }
}

static void
test_failed_requests_per_address_are_limited (void)
{
  const char *args[] = { "--failure-limit=5", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *id = relay_test_create_mailbox (session, relay, claim, NULL);
  g_autofree char *health = g_strconcat (relay_test_server_url (relay), "/healthz", NULL);

  /* Someone guessing mailbox ids: every guess is a 404. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *guess = relay_test_new_claim ();
      g_autoptr(RelayTestReply) reply = read_mailbox (relay, guess, claim);

      g_assert_cmpuint (reply->status, ==, 404);
    }
  {
    /* Now even a good request from that address waits; health stays up. */
    g_autoptr(RelayTestReply) blocked = read_mailbox (relay, id, claim);
    g_autoptr(RelayTestReply) healthy = relay_test_request (session, "GET", health, NULL, NULL);

    assert_limited (blocked);
    g_assert_cmpuint (healthy->status, ==, 200);
  }
  {
    /* Clients show the reason phrase to people: it names the refusal. */
    g_autofree char *guess = relay_test_new_claim ();
    g_autofree char *request = g_strdup_printf (
      "GET /v1/m/%s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", guess);
    g_autofree char *answer = relay_test_raw_exchange (relay, request, strlen (request), 5000);

    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 429 Too Many Requests\r\n"));
  }
}

static void
test_reads_per_mailbox_are_limited (void)
{
  const char *args[] = { "--read-limit=3", "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *busy = relay_test_create_mailbox (session, relay, claim, NULL);
  g_autofree char *quiet = relay_test_create_mailbox (session, relay, claim, NULL);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(RelayTestReply) reply = read_mailbox (relay, busy, claim);

      g_assert_cmpuint (reply->status, ==, 200);
    }
  {
    g_autoptr(RelayTestReply) over = read_mailbox (relay, busy, claim);
    g_autoptr(RelayTestReply) other = read_mailbox (relay, quiet, claim);

    assert_limited (over);
    g_assert_cmpuint (other->status, ==, 200);
  }
}

/* QA H10: callers with a claim of their own (they know only the id, from
 * the link or a preview) are refused 401 and limited per address; they do
 * not spend the mailbox's read budget, which kept both parties at 429. */
static void
test_strangers_do_not_spend_a_mailbox_read_budget (void)
{
  const char *args[] = { "--read-limit=3", "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = relay_test_create_mailbox (session, relay, sender, NULL);
  g_autoptr(RelayTestReply) bound = read_mailbox (relay, id, recipient);

  g_assert_cmpuint (bound->status, ==, 200);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *stranger = relay_test_new_claim ();
      g_autoptr(RelayTestReply) refused = read_mailbox (relay, id, stranger);

      g_assert_cmpuint (refused->status, ==, 401);
    }
  {
    g_autoptr(RelayTestReply) as_sender = read_mailbox (relay, id, sender);
    g_autoptr(RelayTestReply) as_recipient = read_mailbox (relay, id, recipient);
    g_autoptr(RelayTestReply) over = read_mailbox (relay, id, sender);

    g_assert_cmpuint (as_sender->status, ==, 200);
    g_assert_cmpuint (as_recipient->status, ==, 200);
    /* The parties' own reads still count: the fourth is over the limit. */
    assert_limited (over);
  }
}

static void
test_live_mailboxes_are_capped (void)
{
  const char *args[] = { "--max-mailboxes=2", "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *claim = relay_test_new_claim ();
  g_autofree char *first = relay_test_create_mailbox (session, relay, claim, NULL);
  g_autofree char *second = relay_test_create_mailbox (session, relay, claim, NULL);
  g_autoptr(RelayTestReply) full = create_from (relay, NULL);
  g_autofree char *url = relay_test_mailbox_url (relay, first);
  g_autoptr(RelayTestReply) deleted = relay_test_request (session, "DELETE", url, NULL,
                                                          CLAIM, claim, NULL);
  g_autoptr(RelayTestReply) room_again = create_from (relay, NULL);

  g_assert_nonnull (second);
  assert_limited (full);
  g_assert_cmpuint (deleted->status, ==, 200);
  g_assert_cmpuint (room_again->status, ==, 200);
}

typedef struct {
  RelayTestServer *relay;
  const char      *mailbox_id;
  const char      *claim;
  const char      *etag;
  guint            status;
} Poll;

static gpointer
poll_in_thread (gpointer data)
{
  Poll *poll = data;
  g_autoptr(SoupSession) own_session = relay_test_session_new ();
  g_autofree char *url = relay_test_mailbox_url (poll->relay, poll->mailbox_id);
  g_autoptr(RelayTestReply) reply = relay_test_request (own_session, "POST", url, NULL,
                                                        CLAIM, poll->claim, "Prefer", "wait=3",
                                                        "If-None-Match", poll->etag, NULL);

  poll->status = reply->status;
  return NULL;
}

static void
test_waiting_long_polls_are_capped (void)
{
  const char *args[] = { "--max-waiting=1", "--no-rate-limits", NULL };
  g_autoptr(RelayTestServer) relay = relay_test_server_start (args);
  g_autofree char *sender = relay_test_new_claim ();
  g_autofree char *recipient = relay_test_new_claim ();
  g_autofree char *id = relay_test_create_mailbox (session, relay, sender, NULL);
  g_autoptr(RelayTestReply) bind = read_mailbox (relay, id, recipient);
  Poll waiting = { relay, id, sender, relay_test_reply_header (bind, "ETag"), 0 };
  GThread *thread = g_thread_new ("poll", poll_in_thread, &waiting);
  g_autofree char *url = relay_test_mailbox_url (relay, id);
  g_autoptr(RelayTestReply) refused = NULL;

  g_usleep (700 * 1000);
  refused = relay_test_request (session, "POST", url, NULL, CLAIM, recipient,
                                "Prefer", "wait=3", "If-None-Match",
                                relay_test_reply_header (bind, "ETag"), NULL);
  g_thread_join (thread);

  assert_limited (refused);
  g_assert_cmpuint (waiting.status, ==, 304);
}

static void
test_forwarded_address_is_believed_only_from_a_named_proxy (void)
{
  const char *untrusted_args[] = { "--create-limit=2", NULL };
  const char *trusted_args[] = { "--create-limit=2", "--trusted-proxy=127.0.0.1", NULL };
  g_autoptr(RelayTestServer) untrusted = relay_test_server_start (untrusted_args);
  g_autoptr(RelayTestServer) trusted = relay_test_server_start (trusted_args);
  const char *spoofed[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
  const char *v6_same_64[] = { "2001:db8::1", "2001:db8::2" };

  /* A client cannot escape the limit by inventing X-Forwarded-For. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(RelayTestReply) reply = create_from (untrusted, spoofed[i]);

      if (i < 2)
        g_assert_cmpuint (reply->status, ==, 200);
      else
        assert_limited (reply);
    }

  /* Behind a named proxy each client has its own budget, an IPv6 /64
   * counts as one client, and the proxy's own entry is skipped. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(RelayTestReply) reply = create_from (trusted, "10.0.0.1");

      g_assert_cmpuint (reply->status, ==, 200);
    }
  {
    g_autoptr(RelayTestReply) over = create_from (trusted, "10.0.0.1");
    g_autoptr(RelayTestReply) other = create_from (trusted, "198.51.100.7, 10.0.0.2");
    g_autoptr(RelayTestReply) via_proxy = create_from (trusted, "10.0.0.2, 127.0.0.1");

    assert_limited (over);
    g_assert_cmpuint (other->status, ==, 200);
    g_assert_cmpuint (via_proxy->status, ==, 200);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(RelayTestReply) reply = create_from (trusted, v6_same_64[i]);

      g_assert_cmpuint (reply->status, ==, 200);
    }
  {
    g_autoptr(RelayTestReply) same_64 = create_from (trusted, "2001:db8::3");
    g_autoptr(RelayTestReply) next_64 = create_from (trusted, "2001:db8:0:1::1");

    assert_limited (same_64);
    g_assert_cmpuint (next_64->status, ==, 200);
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TW_RELAY_EXE") == NULL)
    return 77;
  session = relay_test_session_new ();

  g_test_add_func ("/relay/limits/creates-per-address", test_creates_per_address_are_limited);
  g_test_add_func ("/relay/limits/no-rate-limits-turns-address-limits-off",
                   test_no_rate_limits_turns_address_limits_off);
  g_test_add_func ("/relay/limits/failed-requests-per-address",
                   test_failed_requests_per_address_are_limited);
  g_test_add_func ("/relay/limits/reads-per-mailbox", test_reads_per_mailbox_are_limited);
  g_test_add_func ("/relay/limits/strangers-do-not-spend-a-mailbox-read-budget",
                   test_strangers_do_not_spend_a_mailbox_read_budget);
  g_test_add_func ("/relay/limits/live-mailboxes", test_live_mailboxes_are_capped);
  g_test_add_func ("/relay/limits/waiting-long-polls", test_waiting_long_polls_are_capped);
  g_test_add_func ("/relay/limits/forwarded-address-only-from-a-named-proxy",
                   test_forwarded_address_is_believed_only_from_a_named_proxy);

  status = g_test_run ();
  g_clear_object (&session);
  return status;
}
