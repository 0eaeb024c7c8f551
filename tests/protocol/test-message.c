/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The transcript hash, the PIN, the secret-holding JSON writer and the
 * mailbox messages: every refusal tw_message_parse() promises, each proven
 * with a message that differs from a good one in that one respect.
 */
#include "config.h"

#include <string.h>

#include "tw-crypto.h"
#include "tw-json-secret.h"
#include "tw-message.h"
#include "tw-pin.h"
#include "tw-transcript.h"

#define SHARE_ID   "00112233445566778899aabbccddeeff"
#define MAILBOX_ID "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
#define BODY       "{\"hello\":\"world\",\"n\":1}"

static char *
to_hex (const guint8 *data,
        gsize         size)
{
  GString *text = g_string_new (NULL);

  for (gsize i = 0; i < size; i++)
    g_string_append_printf (text, "%02x", data[i]);
  return g_string_free (text, FALSE);
}

/* ---------------------------------------------------------------------------
 * Transcript
 * ------------------------------------------------------------------------- */

static void
test_transcript_known_answers (void)
{
  TwTranscript th;
  g_autofree char *th0 = NULL, *th1 = NULL, *th2 = NULL;

  /* Values from an independent computation with Python's hashlib. */
  tw_transcript_init (&th);
  th0 = to_hex (th.hash, sizeof th.hash);
  g_assert_cmpstr (th0, ==, "42fccf6393a99d3260dffd0324a88f8161b87a4a87cb88ea5b96a49c17d4d719");
  tw_transcript_append (&th, "hello", 5);
  th1 = to_hex (th.hash, sizeof th.hash);
  g_assert_cmpstr (th1, ==, "a0688f5795420afd1a18e3f50a0d723507e171dacdd1250ee434dba6a7689a45");
  tw_transcript_append (&th, "", 0);
  th2 = to_hex (th.hash, sizeof th.hash);
  g_assert_cmpstr (th2, ==, "1815969accb83f4a5978e9158428394f5adfbdfa36890d4fd06577113c209520");
}

static void
test_transcript_order_matters (void)
{
  TwTranscript ab, ba, copy;
  g_autofree char *text = NULL;

  tw_transcript_init (&ab);
  tw_transcript_append (&ab, "a", 1);
  tw_transcript_append (&ab, "b", 1);
  tw_transcript_init (&ba);
  tw_transcript_append (&ba, "b", 1);
  tw_transcript_append (&ba, "a", 1);
  g_assert_false (tw_transcript_equal (&ab, &ba));

  /* The length prefix keeps "ab" + "" apart from "a" + "b". */
  tw_transcript_init (&ba);
  tw_transcript_append (&ba, "ab", 2);
  tw_transcript_append (&ba, "", 0);
  g_assert_false (tw_transcript_equal (&ab, &ba));

  text = tw_transcript_to_base64 (&ab);
  g_assert_cmpuint (strlen (text), ==, 44);
  g_assert_true (tw_transcript_from_base64 (text, &copy, NULL));
  g_assert_true (tw_transcript_equal (&ab, &copy));
}

/* ---------------------------------------------------------------------------
 * PIN
 * ------------------------------------------------------------------------- */

static void
test_pin_draws_at_the_limit_are_thrown_away (void)
{
  char pin[TW_PIN_DIGITS + 1];

  g_assert_true (tw_pin_from_draw (0, pin));
  g_assert_cmpstr (pin, ==, "000000");
  g_assert_true (tw_pin_from_draw (1234567, pin));
  g_assert_cmpstr (pin, ==, "234567");
  g_assert_true (tw_pin_from_draw (TW_PIN_DRAW_LIMIT - 1, pin));
  g_assert_cmpstr (pin, ==, "999999");
  g_assert_false (tw_pin_from_draw (TW_PIN_DRAW_LIMIT, pin));
  g_assert_false (tw_pin_from_draw (4294967295u, pin));
}

static void
test_pin_generated_pins_are_six_uniform_digits (void)
{
  guint seen[TW_PIN_DIGITS][10] = { { 0 } };

  for (guint n = 0; n < 2000; n++)
    {
      g_autoptr (TwSecret) pin = tw_pin_generate ();

      g_assert_cmpuint (tw_secret_get_size (pin), ==, TW_PIN_DIGITS);
      g_assert_true (tw_pin_is_well_formed (tw_secret_get_text (pin)));
      for (guint i = 0; i < TW_PIN_DIGITS; i++)
        seen[i][tw_secret_get_text (pin)[i] - '0']++;
    }

  /* 200 expected per digit and place; below 120 would be a 6-sigma event. */
  for (guint i = 0; i < TW_PIN_DIGITS; i++)
    for (guint d = 0; d < 10; d++)
      g_assert_cmpuint (seen[i][d], >, 120);
}

static void
test_pin_well_formed_means_six_digits (void)
{
  g_assert_true (tw_pin_is_well_formed ("012345"));
  g_assert_false (tw_pin_is_well_formed ("12345"));
  g_assert_false (tw_pin_is_well_formed ("1234567"));
  g_assert_false (tw_pin_is_well_formed ("12a456"));
  g_assert_false (tw_pin_is_well_formed (" 12345"));
  g_assert_false (tw_pin_is_well_formed (NULL));
}

/* ---------------------------------------------------------------------------
 * The JSON writer for secrets
 * ------------------------------------------------------------------------- */

static void
test_writer_escapes_and_orders_members (void)
{
  TwJsonWriter *writer = tw_json_writer_new ();
  g_autoptr (TwSecret) text = NULL;
  const guint8 raw[] = { 0xff, 0x00, 0x01 };
  const char *expected;

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "z");
  tw_json_writer_string (writer, "quote \" backslash \\ newline \n");
  tw_json_writer_member (writer, "a");
  tw_json_writer_begin_array (writer);
  tw_json_writer_int (writer, -7);
  tw_json_writer_boolean (writer, TRUE);
  tw_json_writer_base64 (writer, raw, sizeof raw);
  tw_json_writer_end_array (writer);
  tw_json_writer_end_object (writer);
  text = tw_json_writer_finish (writer, 8);

  expected = "{\"z\":\"quote \\\" backslash \\\\ newline \\u000a\","
             "\"a\":[-7,true,\"/wAB\"]}";
  g_assert_cmpuint (tw_secret_get_size (text) % 8, ==, 0);
  g_assert_cmpuint (tw_secret_get_size (text) - strlen (expected), <, 8);
  g_assert_true (g_str_has_prefix (tw_secret_get_text (text), expected));
  for (gsize i = strlen (expected); i < tw_secret_get_size (text); i++)
    g_assert_cmpint (tw_secret_get_text (text)[i], ==, ' ');
}

static void
test_writer_copies_a_parsed_tree (void)
{
  const char *input = "{\"b\":[1,2.5,null,{\"c\":\"\\u00e9\"}],\"a\":false}";
  g_autoptr (JsonParser) parser = json_parser_new ();
  TwJsonWriter *writer = tw_json_writer_new ();
  g_autoptr (TwSecret) text = NULL;

  g_assert_true (json_parser_load_from_data (parser, input, -1, NULL));
  tw_json_writer_node (writer, json_parser_get_root (parser));
  text = tw_json_writer_finish (writer, 0);
  g_assert_cmpstr (tw_secret_get_text (text), ==,
                   "{\"b\":[1,2.5,null,{\"c\":\"\xc3\xa9\"}],\"a\":false}");
}

static void
test_taking_a_secret_wipes_the_tree (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (TwSecret) secret = NULL;
  g_autoptr (TwSecret) value = NULL;
  JsonObject *root;

  g_assert_true (json_parser_load_from_data (parser,
      "{\"pin\":\"123456\",\"key\":\"AAEC\",\"doc\":{\"x\":\"hidden\"}}", -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));

  secret = tw_json_take_secret_string (root, "pin", NULL);
  g_assert_cmpstr (tw_secret_get_text (secret), ==, "123456");
  g_assert_cmpstr (json_object_get_string_member (root, "pin"), ==, "");
  g_clear_pointer (&secret, tw_secret_unref);

  secret = tw_json_take_secret_base64 (root, "key", 3, NULL);
  g_assert_cmpmem (tw_secret_get_data (secret), 3, "\x00\x01\x02", 3);
  g_assert_cmpstr (json_object_get_string_member (root, "key"), ==, "");

  value = tw_json_take_secret_value (root, "doc", NULL);
  g_assert_cmpstr (tw_secret_get_text (value), ==, "{\"x\":\"hidden\"}");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "doc"),
                                                  "x"), ==, "");
}

/* ---------------------------------------------------------------------------
 * Messages: helpers
 * ------------------------------------------------------------------------- */

typedef struct {
  TwSecret     *seed;
  guint8        public_key[TW_ED25519_PUBLIC_SIZE];
  TwTranscript  th;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  tw_ed25519_generate (&fixture->seed, fixture->public_key);
  tw_transcript_init (&fixture->th);
  tw_transcript_append (&fixture->th, "earlier", 7);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->seed, tw_secret_unref);
}

static TwSecret *
build (Fixture         *fixture,
       TwMessageFormat  format,
       TwRole           from,
       gint64           seq)
{
  g_autoptr (TwSecret) body = tw_secret_new_from_string (BODY);
  TwMessageHeader header = {
    .mailbox_id = MAILBOX_ID, .seq = seq, .from = from, .th = fixture->th,
  };
  TwSecret *message;

  message = tw_message_build (format, &header, SHARE_ID, body,
                              from == TW_ROLE_SENDER ? fixture->seed : NULL, NULL);
  g_assert_nonnull (message);
  return message;
}

static TwMessageExpect
expect_for (Fixture *fixture,
            TwRole   from,
            gint64   next_seq,
            guint    formats)
{
  TwMessageExpect expect = {
    .mailbox_id = MAILBOX_ID,
    .from = from,
    .next_seq = next_seq,
    .th = fixture->th,
    .allowed_formats = formats,
    .share_id = SHARE_ID,
    .signer_key = fixture->public_key,
  };

  return expect;
}

#define ALL_FORMATS 0x3f

static void
assert_refused (TwSecret              *plaintext,
                const TwMessageExpect *expect,
                GQuark                 domain,
                int                    code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwMessage) message = tw_message_parse (plaintext, expect, &error);

  g_assert_null (message);
  g_assert_error (error, domain, code);
}

/* Replaces @from by @to (once) and pads again with spaces to @unit. */
static TwSecret *
edit (TwSecret   *plaintext,
      const char *from,
      const char *to,
      gsize       unit)
{
  g_autofree char *text = g_strdup (tw_secret_get_text (plaintext));
  g_autofree char *trimmed = NULL;
  GString *edited;
  char *at;

  g_strchomp (text);
  at = strstr (text, from);
  g_assert_nonnull (at);
  edited = g_string_new_len (text, at - text);
  g_string_append (edited, to);
  g_string_append (edited, at + strlen (from));
  while (edited->len % unit != 0)
    g_string_append_c (edited, ' ');
  trimmed = g_string_free (edited, FALSE);
  return tw_secret_new_from_string (trimmed);
}

/* ---------------------------------------------------------------------------
 * Messages: what a good one looks like
 * ------------------------------------------------------------------------- */

static void
test_signed_message_round_trip (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_OFFER, TW_ROLE_SENDER, 3);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 3,
                                       TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_OFFER));
  g_autoptr (GError) error = NULL;
  g_autoptr (TwMessage) message = NULL;
  const TwMessageHeader *header;

  g_assert_cmpuint (tw_secret_get_size (plaintext), ==, TW_MESSAGE_PAD_UNIT);
  g_assert_cmpint (tw_secret_get_text (plaintext)[TW_MESSAGE_PAD_UNIT - 1], ==, ' ');

  message = tw_message_parse (plaintext, &expect, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tw_message_get_format (message), ==, TW_MESSAGE_OFFER);
  header = tw_message_get_header (message);
  g_assert_cmpstr (header->mailbox_id, ==, MAILBOX_ID);
  g_assert_cmpint (header->seq, ==, 3);
  g_assert_true (tw_transcript_equal (&header->th, &fixture->th));
  g_assert_cmpstr (tw_message_get_share_id (message), ==, SHARE_ID);
  g_assert_cmpstr (json_object_get_string_member (tw_message_get_body (message), "hello"),
                   ==, "world");
  g_assert_cmpmem (tw_message_get_signer_key (message), TW_ED25519_PUBLIC_SIZE,
                   fixture->public_key, TW_ED25519_PUBLIC_SIZE);
}

static void
test_first_message_announces_its_key (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr (TwSecret) body = tw_secret_new_from_string (BODY);
  TwMessageHeader header = { .mailbox_id = "", .seq = 0, .from = TW_ROLE_SENDER };
  g_autoptr (TwSecret) plaintext = NULL;
  TwMessageExpect expect = {
    .mailbox_id = "", .from = TW_ROLE_SENDER, .next_seq = 0,
    .allowed_formats = TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_DELIVER),
  };
  g_autoptr (TwMessage) message = NULL;

  tw_transcript_init (&header.th);
  tw_transcript_init (&expect.th);
  plaintext = tw_message_build (TW_MESSAGE_DELIVER, &header, SHARE_ID, body, fixture->seed,
                                NULL);
  g_assert_cmpuint (tw_secret_get_size (plaintext), ==, TW_MESSAGE_DELIVER_PAD_UNIT);

  message = tw_message_parse (plaintext, &expect, NULL);
  g_assert_nonnull (message);
  g_assert_cmpstr (tw_message_get_share_id (message), ==, SHARE_ID);
  g_assert_cmpmem (tw_message_get_signer_key (message), TW_ED25519_PUBLIC_SIZE,
                   fixture->public_key, TW_ED25519_PUBLIC_SIZE);
}

static void
test_unsigned_message_round_trip (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 0,
                                       TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_ACCEPT));
  g_autoptr (TwMessage) message = tw_message_parse (plaintext, &expect, NULL);

  g_assert_nonnull (message);
  g_assert_null (tw_message_get_signer_key (message));
  g_assert_cmpint (json_object_get_int_member (tw_message_get_body (message), "n"), ==, 1);
}

static void
test_seal_and_open (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr (TwSecret) key = tw_secret_new (32);
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) flipped = NULL;
  g_autoptr (TwSecret) opened = NULL;
  g_autoptr (GError) error = NULL;
  guint8 *copy;
  gsize size;

  tw_random_bytes (tw_secret_get_data (key), 32);
  sealed = tw_message_seal (key, plaintext, NULL);
  g_assert_cmpuint (g_bytes_get_size (sealed), ==,
                    TW_AES_GCM_IV_SIZE + tw_secret_get_size (plaintext) + TW_AES_GCM_TAG_SIZE);
  opened = tw_message_open (key, sealed, NULL);
  g_assert_true (tw_secret_equal (opened, plaintext));

  copy = g_bytes_unref_to_data (g_bytes_ref (sealed), &size);
  copy[size / 2] ^= 0x01;
  flipped = g_bytes_new_take (copy, size);
  g_assert_null (tw_message_open (key, flipped, &error));
  g_assert_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNREADABLE);
}

/* ---------------------------------------------------------------------------
 * Messages: every refusal
 * ------------------------------------------------------------------------- */

static void
test_refuses_another_mailbox (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_OFFER, TW_ROLE_SENDER, 0);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 0, ALL_FORMATS);

  expect.mailbox_id = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e50";
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_MAILBOX);
}

static void
test_refuses_the_wrong_role (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 0, ALL_FORMATS);

  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_ROLE);
}

static void
test_refuses_skipped_repeated_and_older_seq (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 2);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 1, ALL_FORMATS);

  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_SKIPPED);
  expect.next_seq = 3;
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_REPEATED);
  expect.next_seq = 4;
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_OLDER);
}

static void
test_a_cancel_may_skip_seq (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_CANCEL, TW_ROLE_SENDER, 4);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 2, ALL_FORMATS);
  g_autoptr (TwMessage) message = tw_message_parse (plaintext, &expect, NULL);

  g_assert_nonnull (message);
  g_assert_cmpint (tw_message_get_format (message), ==, TW_MESSAGE_CANCEL);
  /* ... but not go back. */
  expect.next_seq = 6;
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_OLDER);
}

static void
test_refuses_another_transcript (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 0, ALL_FORMATS);

  tw_transcript_append (&expect.th, "one more", 8);
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR,
                  TW_MESSAGE_ERROR_TRANSCRIPT_MISMATCH);
}

static void
test_refuses_an_unknown_version (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  g_autoptr (TwSecret) edited = edit (plaintext, "{\"v\":1,", "{\"v\":2,", TW_MESSAGE_PAD_UNIT);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 0, ALL_FORMATS);

  assert_refused (edited, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNKNOWN_VERSION);
}

static void
test_refuses_a_format_out_of_step (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_RECEIPT, TW_ROLE_RECIPIENT, 0);
  g_autoptr (TwSecret) unknown = edit (plaintext, "\"receipt\"", "\"invoice\"",
                                       TW_MESSAGE_PAD_UNIT);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 0,
                                       TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_ACCEPT));

  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_FORMAT_NOT_ALLOWED);
  expect.allowed_formats = ALL_FORMATS;
  assert_refused (unknown, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_FORMAT_NOT_ALLOWED);
}

static void
test_refuses_another_share (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_OFFER, TW_ROLE_SENDER, 0);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 0, ALL_FORMATS);

  expect.share_id = "ffeeddccbbaa99887766554433221100";
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_SHARE);
}

static void
test_refuses_a_forged_signature (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_DELIVER, TW_ROLE_SENDER, 1);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 1, ALL_FORMATS);
  g_autoptr (TwSecret) other_seed = NULL;
  guint8 other_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr (TwSecret) body_edit = NULL;

  /* Signed by a key that is not the share's. */
  tw_ed25519_generate (&other_seed, other_key);
  expect.signer_key = other_key;
  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_BAD_SIGNATURE);

  /* The share's key, but the signed text changed after signing. */
  expect.signer_key = fixture->public_key;
  body_edit = edit (plaintext, "world", "w0rld", TW_MESSAGE_DELIVER_PAD_UNIT);
  assert_refused (body_edit, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_BAD_SIGNATURE);
}

static void
test_refuses_an_unsigned_sender_message (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr (TwSecret) body = tw_secret_new_from_string (BODY);
  TwMessageHeader header = {
    .mailbox_id = MAILBOX_ID, .seq = 0, .from = TW_ROLE_SENDER, .th = fixture->th,
  };
  g_autoptr (TwSecret) plaintext = tw_message_build (TW_MESSAGE_OFFER, &header, SHARE_ID,
                                                     body, NULL, NULL);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 0, ALL_FORMATS);

  assert_refused (plaintext, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_BAD_SIGNATURE);
}

static void
test_refuses_a_signed_part_that_differs (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_OFFER, TW_ROLE_SENDER, 0);
  g_autoptr (TwSecret) other_seq = NULL;
  g_autoptr (TwSecret) other_format = NULL;
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_SENDER, 0, ALL_FORMATS);

  /* The outer tw is the last member; the signed one sits inside a string,
   * with its quotes escaped, so this edit reaches only the outer one. */
  other_seq = edit (plaintext, "\"seq\":0,\"from\":\"sender\"",
                    "\"seq\":5,\"from\":\"sender\"", TW_MESSAGE_PAD_UNIT);
  expect.next_seq = 5;
  assert_refused (other_seq, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SIGNED_PART_MISMATCH);

  other_format = edit (plaintext, "{\"format\":\"offer\"", "{\"format\":\"cancel\"",
                       TW_MESSAGE_PAD_UNIT);
  expect.next_seq = 0;
  assert_refused (other_format, &expect, TW_MESSAGE_ERROR,
                  TW_MESSAGE_ERROR_SIGNED_PART_MISMATCH);
}

static void
test_refuses_bad_padding (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 0, ALL_FORMATS);
  gsize size = tw_secret_get_size (plaintext);
  g_autoptr (TwSecret) short_one = tw_secret_new_from_data (tw_secret_get_data (plaintext),
                                                            size - 1);
  g_autoptr (TwSecret) newline = tw_secret_new_from_data (tw_secret_get_data (plaintext), size);
  g_autoptr (TwSecret) junk = tw_secret_new_from_data (tw_secret_get_data (plaintext), size);
  g_autoptr (TwSecret) deliver = build (fixture, TW_MESSAGE_DELIVER, TW_ROLE_SENDER, 0);
  g_autoptr (TwSecret) deliver_1k = NULL;

  assert_refused (short_one, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED);
  tw_secret_get_data (newline)[size - 1] = '\n';
  assert_refused (newline, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED);
  tw_secret_get_data (junk)[size - 1] = 'x';
  assert_refused (junk, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED);

  /* A deliver cut to one KiB hides its size class: refused. */
  deliver_1k = edit (deliver, "\"deliver\"", "\"deliver\"", TW_MESSAGE_PAD_UNIT);
  expect = expect_for (fixture, TW_ROLE_SENDER, 0, ALL_FORMATS);
  assert_refused (deliver_1k, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED);
}

static void
test_refuses_duplicate_keys_and_trailing_data (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr (TwSecret) plaintext = build (fixture, TW_MESSAGE_ACCEPT, TW_ROLE_RECIPIENT, 0);
  g_autoptr (TwSecret) duplicate = edit (plaintext, "{\"format\":\"accept\"",
                                         "{\"format\":\"cancel\",\"format\":\"accept\"",
                                         TW_MESSAGE_PAD_UNIT);
  TwMessageExpect expect = expect_for (fixture, TW_ROLE_RECIPIENT, 0, ALL_FORMATS);
  g_autoptr (GString) twice = g_string_new (tw_secret_get_text (plaintext));
  g_autoptr (TwSecret) second = NULL;

  assert_refused (duplicate, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED);

  /* Two documents back to back, which json-glib alone would take. */
  g_strchomp (twice->str);
  g_string_set_size (twice, strlen (twice->str));
  g_string_append (twice, "{}");
  while (twice->len % TW_MESSAGE_PAD_UNIT != 0)
    g_string_append_c (twice, ' ');
  second = tw_secret_new_from_string (twice->str);
  assert_refused (second, &expect, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

  g_test_add_func ("/protocol/transcript/matches-known-answers", test_transcript_known_answers);
  g_test_add_func ("/protocol/transcript/depends-on-order-and-boundaries",
                   test_transcript_order_matters);
  g_test_add_func ("/protocol/pin/draws-at-the-limit-are-thrown-away",
                   test_pin_draws_at_the_limit_are_thrown_away);
  g_test_add_func ("/protocol/pin/generated-pins-are-six-uniform-digits",
                   test_pin_generated_pins_are_six_uniform_digits);
  g_test_add_func ("/protocol/pin/well-formed-means-six-digits",
                   test_pin_well_formed_means_six_digits);
  g_test_add_func ("/protocol/json-writer/escapes-and-keeps-member-order",
                   test_writer_escapes_and_orders_members);
  g_test_add_func ("/protocol/json-writer/copies-a-parsed-tree",
                   test_writer_copies_a_parsed_tree);
  g_test_add_func ("/protocol/json-writer/taking-a-secret-wipes-the-tree",
                   test_taking_a_secret_wipes_the_tree);

#define ADD(path, func) \
  g_test_add ("/protocol/message/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("signed-message-round-trips", test_signed_message_round_trip);
  ADD ("first-message-announces-its-key", test_first_message_announces_its_key);
  ADD ("unsigned-message-round-trips", test_unsigned_message_round_trip);
  ADD ("flipped-ciphertext-byte-is-unreadable", test_seal_and_open);
  ADD ("another-mailbox-is-refused", test_refuses_another_mailbox);
  ADD ("the-wrong-role-is-refused", test_refuses_the_wrong_role);
  ADD ("skipped-repeated-and-older-seq-are-refused",
       test_refuses_skipped_repeated_and_older_seq);
  ADD ("a-cancel-may-skip-ahead", test_a_cancel_may_skip_seq);
  ADD ("another-transcript-is-refused", test_refuses_another_transcript);
  ADD ("an-unknown-version-is-refused", test_refuses_an_unknown_version);
  ADD ("a-format-out-of-step-is-refused", test_refuses_a_format_out_of_step);
  ADD ("another-share-is-refused", test_refuses_another_share);
  ADD ("a-forged-signature-is-refused", test_refuses_a_forged_signature);
  ADD ("an-unsigned-sender-message-is-refused", test_refuses_an_unsigned_sender_message);
  ADD ("a-signed-part-that-differs-is-refused", test_refuses_a_signed_part_that_differs);
  ADD ("bad-padding-is-refused", test_refuses_bad_padding);
  ADD ("duplicate-keys-and-trailing-data-are-refused",
       test_refuses_duplicate_keys_and_trailing_data);
#undef ADD

  return g_test_run ();
}
