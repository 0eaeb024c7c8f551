/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Saved share states that were tampered with. A state lives in the keyring,
 * so whoever can change it can change much else; still, a state whose parts
 * do not fit together must be refused at restore, not trusted until it
 * crashes the machine or weakens a check later.
 */
#include "config.h"

#include <string.h>

#include "tw-cert.h"
#include "tw-crypto.h"
#include "tw-json-strict.h"
#include "tw-share-recipient.h"
#include "tw-share-sender.h"

#define MAILBOX_ID "0f8b1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
#define PIN        "135790"
#define WIFI       "{\"ssid\":\"home\",\"password\":\"p4ss w0rd\"}"

typedef struct {
  TwShareSender    *sender;
  TwShareRecipient *recipient;
  TwSecret         *owner_seed;     /* digital keys */
} Pair;

static void
pair_clear (Pair *pair)
{
  g_clear_pointer (&pair->sender, tw_share_sender_free);
  g_clear_pointer (&pair->recipient, tw_share_recipient_free);
  g_clear_pointer (&pair->owner_seed, tw_secret_unref);
}

/* A verified share (of a copy, or of a digital key valid for an hour), run
 * until the recipient has read the offer and waits for its user: the
 * recipient now knows the share id and the sender's key. */
static void
pair_start_kind (Pair        *pair,
                 TwShareKind  kind)
{
  g_autoptr (TwSecret) content = tw_secret_new_from_string (WIFI);
  g_autoptr (TwSecret) pin = tw_secret_new_from_string (PIN);
  g_autoptr (GError) error = NULL;
  const TwShareAction *action;
  guint8 owner_key[TW_ED25519_PUBLIC_SIZE];
  gboolean copy = kind == TW_SHARE_KIND_COPY;
  TwShareRequest request = {
    .flow = TW_SHARE_FLOW_VERIFIED,
    .kind = kind,
    .type = copy ? "wifi" : "home-key",
    .title = "Home network",
    .credential_format = copy ? "wifi-v1" : NULL,
    .credential_content = copy ? content : NULL,
    .pin = pin,
  };

  if (!copy)
    {
      tw_ed25519_generate (&pair->owner_seed, owner_key);
      request.owner_seed = pair->owner_seed;
      memset (request.resource_id, 0xd0, sizeof request.resource_id);
      request.rights = TW_CERT_RIGHT_UNLOCK;
      request.not_after = g_get_real_time () / G_USEC_PER_SEC + 3600;
    }

  pair->sender = tw_share_sender_new (&request, &error);
  g_assert_no_error (error);
  action = tw_share_sender_get_action (pair->sender);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_CREATE);
  pair->recipient = tw_share_recipient_new (MAILBOX_ID,
                                            tw_share_sender_get_link_key (pair->sender),
                                            &error);
  g_assert_no_error (error);
  g_assert_true (tw_share_recipient_receive (pair->recipient, action->payload, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tw_share_recipient_get_action (pair->recipient)->kind, ==,
                   TW_SHARE_ACTION_ASK_USER);
  g_assert_true (tw_share_sender_created (pair->sender, MAILBOX_ID, &error));
  g_assert_no_error (error);
}

static void
pair_start (Pair *pair)
{
  pair_start_kind (pair, TW_SHARE_KIND_COPY);
}

/* @state with @member set to the JSON value @value, or removed when @value
 * is NULL. The test's own tree is wiped with nothing: it holds test keys. */
static TwSecret *
tamper (TwSecret   *state,
        const char *member,
        const char *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = json_from_string (tw_secret_get_text (state), &error);
  g_autofree char *text = NULL;
  JsonObject *object;

  g_assert_no_error (error);
  object = json_node_get_object (root);
  g_assert_true (json_object_has_member (object, member));
  if (value == NULL)
    json_object_remove_member (object, member);
  else
    json_object_set_member (object, member, json_from_string (value, &error));
  g_assert_no_error (error);

  text = json_to_string (root, FALSE);
  return tw_secret_new_from_string (text);
}

static void
assert_recipient_refused (TwSecret *state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwShareRecipient) restored = tw_share_recipient_restore (state, &error);

  g_assert_null (restored);
  g_assert_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_STATE);
}

static void
assert_sender_refused (TwSecret *state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwShareSender) restored = tw_share_sender_restore (state, &error);

  g_assert_null (restored);
  g_assert_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_STATE);
}

/* The untouched state restores: the refusals below are about the tampering. */
static void
test_an_untouched_state_restores (void)
{
  Pair pair = { 0 };
  g_autoptr (TwSecret) recipient_state = NULL;
  g_autoptr (TwSecret) sender_state = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;
  g_autoptr (TwShareSender) sender = NULL;
  g_autoptr (GError) error = NULL;

  pair_start (&pair);
  recipient_state = tw_share_recipient_save (pair.recipient);
  sender_state = tw_share_sender_save (pair.sender);
  recipient = tw_share_recipient_restore (recipient_state, &error);
  g_assert_no_error (error);
  sender = tw_share_sender_restore (sender_state, &error);
  g_assert_no_error (error);
  pair_clear (&pair);
}

/* Without the key, the restored recipient would take a message signed by
 * anyone as the sender's. */
static void
test_a_recipient_that_forgot_the_sender_key_is_refused (void)
{
  Pair pair = { 0 };
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (TwSecret) tampered = NULL;

  pair_start (&pair);
  state = tw_share_recipient_save (pair.recipient);
  tampered = tamper (state, "sender_key", NULL);
  assert_recipient_refused (tampered);
  pair_clear (&pair);
}

/* Without the share id, the restored recipient would take a message of any
 * share, and the PAKE would run with no share id to bind. */
static void
test_a_recipient_that_forgot_the_share_id_is_refused (void)
{
  Pair pair = { 0 };
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (TwSecret) tampered = NULL;

  pair_start (&pair);
  state = tw_share_recipient_save (pair.recipient);
  tampered = tamper (state, "share", NULL);
  assert_recipient_refused (tampered);
  pair_clear (&pair);
}

/* The request id goes into an HTTP header on the next write or delete. */
static void
test_a_request_id_that_is_not_a_uuid_is_refused (void)
{
  static const char * const bad_ids[] = {
    "\"0f8b1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b\\r\\nX-Injected: 1\"",
    "\"\"",
    "\"not a request id\"",
  };
  Pair pair = { 0 };
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (GError) error = NULL;

  /* A sender that cancelled waits to write its cancel: it holds a request
   * id. */
  pair_start (&pair);
  g_assert_true (tw_share_sender_cancel (pair.sender, &error));
  g_assert_no_error (error);
  state = tw_share_sender_save (pair.sender);

  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autoptr (TwSecret) tampered = tamper (state, "request", bad_ids[i]);

      assert_sender_refused (tampered);
    }
  pair_clear (&pair);
}

/* A sender never asks its user to accept or store; a recipient never
 * creates a mailbox. */
static void
test_a_step_the_role_never_takes_is_refused (void)
{
  static const char * const sender_never[] = { "\"ask-user\"", "\"store\"" };
  Pair pair = { 0 };
  g_autoptr (TwSecret) sender_state = NULL;
  g_autoptr (TwSecret) recipient_state = NULL;
  g_autoptr (TwSecret) recipient_tampered = NULL;

  pair_start (&pair);
  sender_state = tw_share_sender_save (pair.sender);
  for (guint i = 0; i < G_N_ELEMENTS (sender_never); i++)
    {
      g_autoptr (TwSecret) tampered = tamper (sender_state, "step", sender_never[i]);

      assert_sender_refused (tampered);
    }

  recipient_state = tw_share_recipient_save (pair.recipient);
  recipient_tampered = tamper (recipient_state, "step", "\"create\"");
  assert_recipient_refused (recipient_tampered);
  pair_clear (&pair);
}

/* The sender's state says when the digital key's grant ends; the PIN may
 * come after that (the mailbox lives up to days). An expired grant makes
 * no certificate: the share ends, and says why, instead of half-taking the
 * recipient's accept. */
static void
test_a_grant_that_ended_before_the_right_pin_ends_the_share (void)
{
  Pair pair = { 0 };
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (TwSecret) pin = tw_secret_new_from_string (PIN);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const TwShareAction *action;
  JsonObject *details;

  pair_start_kind (&pair, TW_SHARE_KIND_DIGITAL_KEY);

  /* An hour and more goes by: the same state, as the clock now sees it. */
  state = tw_share_sender_save (pair.sender);
  root = json_from_string (tw_secret_get_text (state), &error);
  g_assert_no_error (error);
  details = json_object_get_object_member (json_node_get_object (root), "details");
  json_object_set_int_member (details, "not_after",
                              g_get_real_time () / G_USEC_PER_SEC - 10);
  text = json_to_string (root, FALSE);
  g_clear_pointer (&state, tw_secret_unref);
  state = tw_secret_new_from_string (text);
  tw_share_sender_free (pair.sender);
  pair.sender = tw_share_sender_restore (state, &error);
  g_assert_no_error (error);

  g_assert_true (tw_share_recipient_accept (pair.recipient, pin, &error));
  g_assert_no_error (error);
  action = tw_share_recipient_get_action (pair.recipient);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (tw_share_sender_receive (pair.sender, action->payload, &error));
  g_assert_no_error (error);
  g_assert_null (tw_share_sender_get_certificate (pair.sender));

  /* The sender writes a cancel, deletes, and ends as EXPIRED. */
  action = tw_share_sender_get_action (pair.sender);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (tw_share_recipient_written (pair.recipient, &error));
  g_assert_true (tw_share_recipient_receive (pair.recipient, action->payload, &error));
  g_assert_no_error (error);
  g_assert_true (tw_share_sender_written (pair.sender, &error));
  g_assert_cmpint (tw_share_sender_get_action (pair.sender)->kind, ==, TW_SHARE_ACTION_DELETE);
  g_assert_true (tw_share_sender_deleted (pair.sender, &error));
  action = tw_share_sender_get_action (pair.sender);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_FAILED);
  g_assert_cmpint (action->failure, ==, TW_SHARE_FAILURE_EXPIRED);

  /* The recipient learns the same reason. */
  action = tw_share_recipient_get_action (pair.recipient);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_FAILED);
  g_assert_cmpint (action->failure, ==, TW_SHARE_FAILURE_EXPIRED);
  g_assert_null (tw_share_recipient_get_certificate (pair.recipient));
  pair_clear (&pair);
}

/* A credential of @size bytes of JSON text: {"note":"xxx…"}. */
static TwSecret *
credential_of_size (gsize size)
{
  g_autoptr (GString) text = g_string_new ("{\"note\":\"");

  while (text->len < size - 2)
    g_string_append_c (text, 'x');
  g_string_append (text, "\"}");
  return tw_secret_new_from_string (text->str);
}

/* Runs a verified share of @content from the offer to the recipient's
 * STORE; returns FALSE with @error when the sender refuses the request. */
static gboolean
share_content (TwSecret  *content,
               GError   **error)
{
  g_autoptr (TwSecret) pin = tw_secret_new_from_string (PIN);
  g_autoptr (TwShareSender) sender = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;
  g_autoptr (GError) local_error = NULL;
  const TwShareAction *action;
  TwShareRequest request = {
    .flow = TW_SHARE_FLOW_VERIFIED,
    .kind = TW_SHARE_KIND_COPY,
    .type = "note",
    .title = "A long note",
    .credential_format = "note-v1",
    .credential_content = content,
    .pin = pin,
  };

  sender = tw_share_sender_new (&request, error);
  if (sender == NULL)
    return FALSE;

  action = tw_share_sender_get_action (sender);
  recipient = tw_share_recipient_new (MAILBOX_ID, tw_share_sender_get_link_key (sender),
                                      &local_error);
  g_assert_true (tw_share_recipient_receive (recipient, action->payload, &local_error));
  g_assert_true (tw_share_sender_created (sender, MAILBOX_ID, &local_error));
  g_assert_true (tw_share_recipient_accept (recipient, pin, &local_error));
  action = tw_share_recipient_get_action (recipient);
  g_assert_true (tw_share_sender_receive (sender, action->payload, &local_error));
  g_assert_no_error (local_error);
  action = tw_share_sender_get_action (sender);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (tw_share_recipient_receive (recipient, action->payload, &local_error));
  g_assert_no_error (local_error);
  g_assert_cmpint (tw_share_recipient_get_action (recipient)->kind, ==, TW_SHARE_ACTION_STORE);
  g_assert_true (tw_secret_equal (tw_share_recipient_get_credential_content (recipient),
                                  content));
  return TRUE;
}

/* deliver is built only when the right PIN comes; a credential it cannot
 * hold must be refused when the share is made, not leave the sender stuck
 * after the recipient typed the right PIN. */
static void
test_a_credential_too_large_for_deliver_is_refused_up_front (void)
{
  g_autoptr (TwSecret) fits = credential_of_size (16 * 1024);
  g_autoptr (TwSecret) too_large = credential_of_size (26 * 1024);
  g_autoptr (GError) error = NULL;

  g_assert_true (share_content (fits, &error));
  g_assert_no_error (error);

  g_assert_false (share_content (too_large, &error));
  g_assert_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_INVALID);
}

/* The link key seals every message; one of a size AES-GCM does not take
 * would make every later write and read fail. */
static void
test_a_link_key_of_the_wrong_size_is_refused (void)
{
  static const char * const bad_keys[] = {
    "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\"",   /* 33 bytes */
    "\"AAECAwQFBgcICQoLDA0ODw==\"",                       /* 16 bytes: not ours */
    "\"\"",
  };
  Pair pair = { 0 };
  g_autoptr (TwSecret) sender_state = NULL;
  g_autoptr (TwSecret) recipient_state = NULL;

  pair_start (&pair);
  sender_state = tw_share_sender_save (pair.sender);
  recipient_state = tw_share_recipient_save (pair.recipient);

  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_autoptr (TwSecret) tampered = tamper (sender_state, "link_key", bad_keys[i]);

      assert_sender_refused (tampered);
    }
  /* A recipient may hold a 16-byte key, but no other size. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_autoptr (TwSecret) tampered = tamper (recipient_state, "link_key", bad_keys[i]);

      if (i != 1)
        assert_recipient_refused (tampered);
    }
  pair_clear (&pair);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

  g_test_add_func ("/share/state/an-untouched-state-restores",
                   test_an_untouched_state_restores);
  g_test_add_func ("/share/state/a-recipient-that-forgot-the-sender-key-is-refused",
                   test_a_recipient_that_forgot_the_sender_key_is_refused);
  g_test_add_func ("/share/state/a-recipient-that-forgot-the-share-id-is-refused",
                   test_a_recipient_that_forgot_the_share_id_is_refused);
  g_test_add_func ("/share/state/a-request-id-that-is-not-a-uuid-is-refused",
                   test_a_request_id_that_is_not_a_uuid_is_refused);
  g_test_add_func ("/share/state/a-step-the-role-never-takes-is-refused",
                   test_a_step_the_role_never_takes_is_refused);
  g_test_add_func ("/share/state/a-grant-that-ended-before-the-right-pin-ends-the-share",
                   test_a_grant_that_ended_before_the_right_pin_ends_the_share);
  g_test_add_func ("/share/state/a-credential-too-large-for-deliver-is-refused-up-front",
                   test_a_credential_too_large_for_deliver_is_refused_up_front);
  g_test_add_func ("/share/state/a-link-key-of-the-wrong-size-is-refused",
                   test_a_link_key_of_the_wrong_size_is_refused);

  return g_test_run ();
}
