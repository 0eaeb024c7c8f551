/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "relay-config.h"
#include "relay-handler.h"
#include "relay-store.h"

/*
 * The relay's request handling below the socket: method, path, headers and
 * body go straight into relay_handler_handle() with a real SQLite store.
 *
 * Input: "METHOD PATH[?QUERY]\n", then "Name: value\n" header lines, an
 * empty line, and the body. A mailbox with a known id and sender claim is
 * (re)created before every input so that inputs can reach the calls on an
 * existing mailbox.
 *
 * Checked on every input: the handler answers with a status in 100..599 or
 * asks to wait; every error answer is a JSON object with an "error" code; a
 * preview page has no script; nothing crashes or leaks (ASan).
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define KNOWN_ID     "00000000-0000-4000-8000-000000000000"
#define KNOWN_CLAIM  "11111111-1111-4111-8111-111111111111"

static RelayConfig *config;
static char *store_dir;
static RelayStore *store;
static RelayHandler *handler;
static GInetAddress *peer;

/* The store's folder goes when the fuzzer exits. */
static void
remove_store_dir (void)
{
  const char *names[] = { "relay.db", "relay.db-wal", "relay.db-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (store_dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (store_dir);
}

static void
set_up (void)
{
  g_autoptr(GError) error = NULL;
  /* Memory-backed when possible: the store syncs every write. */
  const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : NULL;
  g_autofree char *template = g_build_filename (base != NULL ? base : g_get_tmp_dir (),
                                                "fuzz-relay-XXXXXX", NULL);
  g_autofree char *spec = NULL;

  store_dir = g_strdup (g_mkdtemp (template));
  spec = g_strconcat ("sqlite:", store_dir, "/relay.db", NULL);
  atexit (remove_store_dir);

  config = relay_config_new_default ();
  config->threads = 1;
  config->max_wait = 60;
  /* One fuzzer "client" would soon be refused everything otherwise. */
  config->rate_limits = FALSE;
  config->read_limit = 0;
  store = relay_store_open (spec, &error);
  g_assert_no_error (error);
  handler = relay_handler_new (config, store, &error);
  g_assert_no_error (error);
  peer = g_inet_address_new_from_string ("192.0.2.1");
}

/* Puts the known mailbox back in its first state. */
static void
reset_known_mailbox (void)
{
  g_autoptr(RelayMailbox) mailbox = relay_mailbox_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(RelayHeaders) headers = relay_headers_new ();
  RelayRequest request = { "DELETE", "/v1/m/" KNOWN_ID, NULL, headers, NULL, 0, peer };
  RelayResponse response;
  RelayOutcome outcome;

  /* Through the handler, so the claim is hashed as in every request. */
  relay_headers_add (headers, "Mailbox-Device-Claim", KNOWN_CLAIM);
  relay_response_init (&response);
  relay_handler_handle (handler, &request, &response);
  relay_response_clear (&response);

  request.method = "POST";
  request.path = "/v1/m";
  g_strlcpy (mailbox->mailbox_id, KNOWN_ID, sizeof mailbox->mailbox_id);
  mailbox->payload.type = g_strdup ("AEAD_AES_256_GCM");
  mailbox->payload.data = g_strdup ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  relay_payload_etag (mailbox->payload.data, mailbox->payload.etag);
  relay_payload_copy (&mailbox->sender_payload, &mailbox->payload);
  mailbox->title = g_strdup ("Known");
  mailbox->expires_at = g_get_real_time () / G_USEC_PER_SEC + 3600;
  /* The hash of KNOWN_CLAIM the way relay-input.c makes it. */
  {
    g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
    gsize digest_size = RELAY_HASH_SIZE;

    g_checksum_update (checksum, (const guchar *) "tigress-relay claim", 20);
    g_checksum_update (checksum, (const guchar *) KNOWN_CLAIM, strlen (KNOWN_CLAIM));
    g_checksum_get_digest (checksum, mailbox->sender_claim_hash, &digest_size);
  }

  relay_outcome_init (&outcome);
  relay_store_create (store, mailbox, 0, g_get_real_time () / G_USEC_PER_SEC, &outcome, &error);
  g_assert_no_error (error);
  relay_outcome_clear (&outcome);
}

/* What the relay's HTTP parser lets through as a header name (an HTTP
 * token), so the handler sees only what it can see for real. */
static gboolean
is_header_name (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && strchr ("!#$%&'*+-.^_`|~", *c) == NULL)
      return FALSE;
  return TRUE;
}

static void
parse_headers (const char         *text,
               RelayHeaders       *headers)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", 64);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        continue;
      *colon = '\0';
      if (is_header_name (lines[i]) && strchr (colon + 1, '\r') == NULL)
        relay_headers_add (headers, lines[i], g_strstrip (colon + 1));
    }
}

static void
check_response (const RelayRequest  *request,
                const RelayResponse *response)
{
  gsize size = 0;
  const char *body;

  if (response->wait)
    {
      g_assert_cmpuint (response->wait_seconds, >, 0);
      return;
    }
  g_assert_cmpuint (response->status, >=, 100);
  g_assert_cmpuint (response->status, <, 600);
  body = response->body != NULL ? g_bytes_get_data (response->body, &size) : NULL;

  if (response->status >= 400 && g_strcmp0 (response->content_type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert_true (json_parser_load_from_data (parser, body, size, NULL));
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_assert_true (json_object_has_member (
        json_node_get_object (json_parser_get_root (parser)), "error"));
    }
  if (g_str_has_prefix (response->content_type != NULL ? response->content_type : "",
                        "text/html"))
    g_assert_null (g_strstr_len (body, size, "<script"));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  char *headers_start = strchr (text, '\n');
  char *body_start = headers_start != NULL ? strstr (headers_start, "\n\n") : NULL;
  g_auto(GStrv) request_line = NULL;
  g_autoptr(RelayHeaders) headers = relay_headers_new ();
  RelayResponse response;
  RelayRequest request = { 0 };
  char *query;

  if (handler == NULL)
    set_up ();
  if (headers_start == NULL)
    return 0;
  *headers_start++ = '\0';
  if (body_start != NULL)
    {
      *body_start = '\0';
      body_start += 2;
    }

  request_line = g_strsplit (text, " ", 2);
  if (request_line[0] == NULL || request_line[1] == NULL || request_line[1][0] != '/')
    return 0;
  query = strchr (request_line[1], '?');
  if (query != NULL)
    *query++ = '\0';

  reset_known_mailbox ();
  parse_headers (headers_start, headers);
  request = (RelayRequest) {
    request_line[0], request_line[1], query, headers, body_start,
    body_start != NULL ? strlen (body_start) : 0, peer, FALSE, size % 7 == 0, FALSE, 0,
  };

  relay_response_init (&response);
  relay_handler_handle (handler, &request, &response);
  check_response (&request, &response);
  relay_response_clear (&response);
  return 0;
}
