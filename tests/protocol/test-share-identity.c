/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The identity block of the first message: present only when the sender
 * has an identity, checked against the share it arrives in, refused as
 * altered when it does not vouch for that share, and kept across a save
 * and restore of the recipient.
 */
#include "config.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-json-strict.h"
#include "tw-link-key.h"
#include "tw-share-identity.h"
#include "tw-share-recipient.h"
#include "tw-share-sender.h"

#define MAILBOX_ID "0f8b1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
#define SHARE_ID   "00112233445566778899aabbccddeeff"
#define OTHER_ID   "ffeeddccbbaa99887766554433221100"
#define PIN        "246813"
#define WIFI       "{\"ssid\":\"home\",\"password\":\"hunter22\"}"

typedef struct {
  TwSecret *seed;
  guint8    key[TW_ED25519_PUBLIC_SIZE];
} Identity;

static void
identity_init (Identity *identity)
{
  identity->seed = NULL;
  tw_ed25519_generate (&identity->seed, identity->key);
}

static void
identity_clear (Identity *identity)
{
  g_clear_pointer (&identity->seed, tw_secret_unref);
}

static TwShareSender *
new_sender (gboolean  verified,
            Identity *identity)
{
  g_autoptr (TwSecret) content = tw_secret_new_from_string (WIFI);
  g_autoptr (TwSecret) pin = tw_secret_new_from_string (PIN);
  g_autoptr (GError) error = NULL;
  TwShareRequest request = {
    .flow = verified ? TW_SHARE_FLOW_VERIFIED : TW_SHARE_FLOW_DIRECT,
    .kind = TW_SHARE_KIND_COPY,
    .type = "wifi",
    .title = "Home network",
    .credential_format = "wifi-v1",
    .credential_content = content,
    .pin = verified ? pin : NULL,
  };
  TwShareSender *sender;

  if (identity != NULL)
    {
      request.identity_key = identity->key;
      request.identity_sign = tw_share_identity_sign_with_seed;
      request.identity_sign_data = identity->seed;
    }
  sender = tw_share_sender_new (&request, &error);
  g_assert_no_error (error);
  return sender;
}

/* The sender creates its mailbox; a recipient with its link reads m1. */
static TwShareRecipient *
first_read (TwShareSender *sender)
{
  const TwShareAction *action = tw_share_sender_get_action (sender);
  g_autoptr (GBytes) m1 = g_bytes_ref (action->payload);
  g_autoptr (GError) error = NULL;
  TwShareRecipient *recipient;

  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_CREATE);
  g_assert_true (tw_share_sender_created (sender, MAILBOX_ID, &error));
  recipient = tw_share_recipient_new (MAILBOX_ID, tw_share_sender_get_link_key (sender),
                                      &error);
  g_assert_true (tw_share_recipient_receive (recipient, m1, &error));
  g_assert_no_error (error);
  return recipient;
}

/* The body of m1 as a link holder reads it. */
static gboolean
first_message_has_block (TwShareSender *sender)
{
  g_autoptr (TwSecret) m1 = tw_message_open (tw_share_sender_get_link_key (sender),
                                             tw_share_sender_get_action (sender)->payload,
                                             NULL);

  g_assert_nonnull (m1);
  return strstr (tw_secret_get_text (m1), "\\\"identity\\\":") != NULL;
}

static TwShareActionKind
recipient_kind (TwShareRecipient *recipient)
{
  return tw_share_recipient_get_action (recipient)->kind;
}

/* Both sides to the end through one mailbox slot, as the relay keeps it. */
static void
run_to_the_end (TwShareSender    *sender,
                TwShareRecipient *recipient)
{
  g_autoptr (GBytes) slot = NULL;
  g_autoptr (TwSecret) pin = tw_secret_new_from_string (PIN);
  gboolean exists = TRUE;

  for (guint round = 0; round < 40; round++)
    {
      const TwShareAction *a = tw_share_sender_get_action (sender);

      if (a->kind == TW_SHARE_ACTION_WRITE)
        {
          g_clear_pointer (&slot, g_bytes_unref);
          slot = g_bytes_ref (a->payload);
          g_assert_true (tw_share_sender_written (sender, NULL));
        }
      else if (a->kind == TW_SHARE_ACTION_READ && slot != NULL)
        g_assert_true (tw_share_sender_receive (sender, slot, NULL));
      else if (a->kind == TW_SHARE_ACTION_DELETE)
        {
          exists = FALSE;
          g_assert_true (tw_share_sender_deleted (sender, NULL));
        }

      a = tw_share_recipient_get_action (recipient);
      if (a->kind == TW_SHARE_ACTION_ASK_USER)
        g_assert_true (tw_share_recipient_accept (recipient, pin, NULL));
      else if (a->kind == TW_SHARE_ACTION_STORE)
        g_assert_true (tw_share_recipient_stored (recipient, NULL));
      else if (a->kind == TW_SHARE_ACTION_WRITE && exists)
        {
          g_clear_pointer (&slot, g_bytes_unref);
          slot = g_bytes_ref (a->payload);
          g_assert_true (tw_share_recipient_written (recipient, NULL));
        }
      else if (a->kind == TW_SHARE_ACTION_READ && exists && slot != NULL)
        g_assert_true (tw_share_recipient_receive (recipient, slot, NULL));
    }

  g_assert_cmpint (tw_share_sender_get_action (sender)->kind, ==, TW_SHARE_ACTION_DONE);
  g_assert_cmpint (recipient_kind (recipient), ==, TW_SHARE_ACTION_DONE);
}

/* ---------------------------------------------------------------------------
 * Present and absent
 * ------------------------------------------------------------------------- */

static void
test_no_block_without_an_identity (gconstpointer data)
{
  gboolean verified = GPOINTER_TO_INT (data);
  g_autoptr (TwShareSender) sender = new_sender (verified, NULL);
  g_autoptr (TwShareRecipient) recipient = NULL;

  g_assert_false (first_message_has_block (sender));
  recipient = first_read (sender);
  g_assert_cmpint (recipient_kind (recipient), ==, TW_SHARE_ACTION_ASK_USER);
  g_assert_null (tw_share_recipient_get_sender_identity (recipient));
  run_to_the_end (sender, recipient);
  g_assert_null (tw_share_recipient_get_sender_identity (recipient));
}

static void
test_the_block_names_the_sender (gconstpointer data)
{
  gboolean verified = GPOINTER_TO_INT (data);
  Identity alice;
  g_autoptr (TwShareSender) sender = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;

  identity_init (&alice);
  sender = new_sender (verified, &alice);
  g_assert_true (first_message_has_block (sender));
  recipient = first_read (sender);
  g_assert_cmpint (recipient_kind (recipient), ==, TW_SHARE_ACTION_ASK_USER);
  g_assert_nonnull (tw_share_recipient_get_sender_identity (recipient));
  g_assert_cmpmem (tw_share_recipient_get_sender_identity (recipient), TW_ED25519_PUBLIC_SIZE,
                   alice.key, sizeof alice.key);
  run_to_the_end (sender, recipient);
  g_assert_cmpmem (tw_share_recipient_get_sender_identity (recipient), TW_ED25519_PUBLIC_SIZE,
                   alice.key, sizeof alice.key);
  identity_clear (&alice);
}

static gboolean
sign_as_someone_else (gconstpointer   message,
                          gsize           size,
                          guint8          signature[TW_ED25519_SIG_SIZE],
                          gpointer        user_data,
                          GError        **error)
{
  Identity *someone_else = user_data;

  return tw_ed25519_sign (someone_else->seed, message, size, signature, error);
}

static void
test_a_key_and_signer_that_do_not_match_are_refused (void)
{
  Identity alice, bob;
  g_autoptr (TwSecret) content = tw_secret_new_from_string (WIFI);
  g_autoptr (GError) error = NULL;
  TwShareRequest request = {
    .flow = TW_SHARE_FLOW_DIRECT,
    .kind = TW_SHARE_KIND_COPY,
    .type = "wifi",
    .title = "Home network",
    .credential_format = "wifi-v1",
    .credential_content = content,
  };
  TwShareSender *sender;

  identity_init (&alice);
  identity_init (&bob);
  request.identity_key = alice.key;
  request.identity_sign = sign_as_someone_else;
  request.identity_sign_data = &bob;
  sender = tw_share_sender_new (&request, &error);
  g_assert_null (sender);
  g_assert_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_INVALID);
  g_clear_error (&error);

  request.identity_sign = NULL;
  sender = tw_share_sender_new (&request, &error);
  g_assert_null (sender);
  g_assert_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_INVALID);
  identity_clear (&alice);
  identity_clear (&bob);
}

/* ---------------------------------------------------------------------------
 * Forged and copied blocks: a first message made by someone else (with its
 * own share key and its own link, so the link commitment holds)
 * ------------------------------------------------------------------------- */

static char *
block_json (const guint8 key[TW_ED25519_PUBLIC_SIZE],
            const guint8 signature[TW_ED25519_SIG_SIZE])
{
  g_autofree char *key_text = tw_base64_encode (key, TW_ED25519_PUBLIC_SIZE);
  g_autofree char *sig_text = tw_base64_encode (signature, TW_ED25519_SIG_SIZE);

  return g_strdup_printf (",\"identity\":{\"key\":\"%s\",\"sig\":\"%s\"}", key_text, sig_text);
}

/* A block signed by @signer over @share_id and @signing_key, named as
 * @claimed's. */
static char *
signed_block (Identity     *claimed,
              Identity     *signer,
              const char   *share_id,
              const guint8  signing_key[TW_ED25519_PUBLIC_SIZE])
{
  g_autoptr (GBytes) input = tw_share_identity_input (share_id, signing_key);
  guint8 signature[TW_ED25519_SIG_SIZE];

  g_assert_true (tw_ed25519_sign (signer->seed, g_bytes_get_data (input, NULL),
                                  g_bytes_get_size (input), signature, NULL));
  return block_json (claimed->key, signature);
}

/* Reads a direct m1 with @block in its body, signed by @share_key under
 * @share_id, through a link made for exactly that message. */
static TwShareRecipient *
read_made_up_share (const char *share_id,
                    Identity   *share_key,
                    const char *block)
{
  g_autofree char *text = g_strdup_printf (
      "{\"kind\":\"copy\",\"type\":\"wifi\",\"title\":\"Home network\","
      "\"credential\":{\"format\":\"wifi-v1\",\"content\":" WIFI "}%s}", block);
  g_autoptr (TwSecret) body = tw_secret_new_from_string (text);
  g_autoptr (TwSecret) m1 = NULL;
  g_autoptr (TwSecret) link_seed = tw_link_key_new_seed ();
  g_autoptr (TwSecret) link_key = NULL;
  g_autoptr (GBytes) sealed = NULL;
  TwMessageHeader header = { .mailbox_id = "", .seq = 0, .from = TW_ROLE_SENDER };
  TwShareRecipient *recipient;

  tw_transcript_init (&header.th);
  m1 = tw_message_build (TW_MESSAGE_DELIVER, &header, share_id, body, share_key->seed, NULL);
  g_assert_nonnull (m1);
  link_key = tw_link_key_derive (link_seed, tw_secret_get_data (m1), tw_secret_get_size (m1),
                                 NULL);
  g_assert_cmpint (tw_link_key_check (link_key, tw_secret_get_data (m1),
                                      tw_secret_get_size (m1)), ==, TW_LINK_KEY_VERIFIED);
  sealed = tw_message_seal (link_key, m1, NULL);

  recipient = tw_share_recipient_new (MAILBOX_ID, link_key, NULL);
  g_assert_true (tw_share_recipient_receive (recipient, sealed, NULL));
  return recipient;
}

/* The recipient cancels, deletes and ends as ALTERED, knowing no sender. */
static void
assert_refused_as_altered (TwShareRecipient *recipient)
{
  const TwShareAction *action;

  g_assert_cmpint (recipient_kind (recipient), ==, TW_SHARE_ACTION_WRITE);
  g_assert_null (tw_share_recipient_get_sender_identity (recipient));
  g_assert_true (tw_share_recipient_written (recipient, NULL));
  g_assert_cmpint (recipient_kind (recipient), ==, TW_SHARE_ACTION_DELETE);
  g_assert_true (tw_share_recipient_deleted (recipient, NULL));
  action = tw_share_recipient_get_action (recipient);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_FAILED);
  g_assert_cmpint (action->failure, ==, TW_SHARE_FAILURE_ALTERED);
  g_assert_null (tw_share_recipient_get_credential_content (recipient));
}

typedef struct {
  Identity alice;       /* whose block it claims to be */
  Identity mallory;     /* the forger's own identity */
  Identity share_key;   /* the share key of the made-up share */
  Identity alice_share; /* the share key of one of Alice's real shares */
} Cast;

static void
cast_init (Cast *cast)
{
  identity_init (&cast->alice);
  identity_init (&cast->mallory);
  identity_init (&cast->share_key);
  identity_init (&cast->alice_share);
}

static void
cast_clear (Cast *cast)
{
  identity_clear (&cast->alice);
  identity_clear (&cast->mallory);
  identity_clear (&cast->share_key);
  identity_clear (&cast->alice_share);
}

/* The check itself: a made-up share with a proper block is taken, so the
 * refusals below come from the block and nothing else. */
static void
test_a_made_up_share_with_a_proper_block_is_taken (void)
{
  Cast c;
  g_autofree char *block = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;

  cast_init (&c);
  block = signed_block (&c.alice, &c.alice, SHARE_ID, c.share_key.key);
  recipient = read_made_up_share (SHARE_ID, &c.share_key, block);
  g_assert_cmpint (recipient_kind (recipient), ==, TW_SHARE_ACTION_ASK_USER);
  g_assert_cmpmem (tw_share_recipient_get_sender_identity (recipient), TW_ED25519_PUBLIC_SIZE,
                   c.alice.key, sizeof c.alice.key);
  cast_clear (&c);
}

static void
test_a_forged_signature_is_refused (void)
{
  Cast c;
  g_autofree char *block = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;

  cast_init (&c);
  /* Alice's key, Mallory's signature over the right bytes. */
  block = signed_block (&c.alice, &c.mallory, SHARE_ID, c.share_key.key);
  recipient = read_made_up_share (SHARE_ID, &c.share_key, block);
  assert_refused_as_altered (recipient);
  cast_clear (&c);
}

static void
test_a_block_from_another_share_id_is_refused (void)
{
  Cast c;
  g_autofree char *block = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;

  cast_init (&c);
  /* Alice's genuine block for share OTHER_ID, pasted into share SHARE_ID. */
  block = signed_block (&c.alice, &c.alice, OTHER_ID, c.share_key.key);
  recipient = read_made_up_share (SHARE_ID, &c.share_key, block);
  assert_refused_as_altered (recipient);
  cast_clear (&c);
}

static void
test_a_block_for_another_signing_key_is_refused (void)
{
  Cast c;
  g_autofree char *block = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;

  cast_init (&c);
  /* Alice's genuine block for her own share (same id), under another key. */
  block = signed_block (&c.alice, &c.alice, SHARE_ID, c.alice_share.key);
  recipient = read_made_up_share (SHARE_ID, &c.share_key, block);
  assert_refused_as_altered (recipient);
  cast_clear (&c);
}

/* The block Alice's own wallet wrote, lifted byte for byte out of her m1. */
static void
test_a_block_lifted_from_a_real_share_is_refused (void)
{
  Cast c;
  g_autoptr (TwShareSender) real = NULL;
  g_autoptr (TwSecret) real_m1 = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;
  g_autoptr (GString) block = g_string_new (",");
  const char *start, *end;

  cast_init (&c);
  real = new_sender (FALSE, &c.alice);
  real_m1 = tw_message_open (tw_share_sender_get_link_key (real),
                             tw_share_sender_get_action (real)->payload, NULL);
  /* In m1 the body is inside the signed string, so its quotes are escaped. */
  start = strstr (tw_secret_get_text (real_m1), "\\\"identity\\\":");
  g_assert_nonnull (start);
  end = strchr (start, '}');
  g_assert_nonnull (end);
  g_string_append_len (block, start, end + 1 - start);
  g_string_replace (block, "\\\"", "\"", 0);

  recipient = read_made_up_share (SHARE_ID, &c.share_key, block->str);
  assert_refused_as_altered (recipient);
  cast_clear (&c);
}

static void
test_a_malformed_block_is_refused (gconstpointer data)
{
  const char *block = data;
  Cast c;
  g_autoptr (TwShareRecipient) recipient = NULL;

  cast_init (&c);
  recipient = read_made_up_share (SHARE_ID, &c.share_key, block);
  assert_refused_as_altered (recipient);
  cast_clear (&c);
}

/* ---------------------------------------------------------------------------
 * Saving and restoring
 * ------------------------------------------------------------------------- */

static TwShareRecipient *
restored (TwShareRecipient *recipient)
{
  g_autoptr (TwSecret) state = tw_share_recipient_save (recipient);
  g_autoptr (TwSecret) again = NULL;
  g_autoptr (GError) error = NULL;
  TwShareRecipient *copy = tw_share_recipient_restore (state, &error);

  g_assert_no_error (error);
  again = tw_share_recipient_save (copy);
  g_assert_true (tw_secret_equal (state, again));
  return copy;
}

static void
test_save_and_restore_carry_the_identity (void)
{
  Identity alice;
  g_autoptr (TwShareSender) sender = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;
  g_autoptr (TwShareRecipient) copy = NULL;
  g_autoptr (TwShareSender) plain = NULL;
  g_autoptr (TwShareRecipient) plain_recipient = NULL;
  g_autoptr (TwShareRecipient) plain_copy = NULL;

  identity_init (&alice);
  sender = new_sender (TRUE, &alice);
  recipient = first_read (sender);
  copy = restored (recipient);
  g_assert_cmpmem (tw_share_recipient_get_sender_identity (copy), TW_ED25519_PUBLIC_SIZE,
                   alice.key, sizeof alice.key);
  /* The restored machine goes on to the end with it. */
  run_to_the_end (sender, copy);
  g_assert_cmpmem (tw_share_recipient_get_sender_identity (copy), TW_ED25519_PUBLIC_SIZE,
                   alice.key, sizeof alice.key);

  plain = new_sender (TRUE, NULL);
  plain_recipient = first_read (plain);
  plain_copy = restored (plain_recipient);
  g_assert_null (tw_share_recipient_get_sender_identity (plain_copy));
  identity_clear (&alice);
}

/* A saved state that names a sender before any message came is damaged. */
static void
test_an_identity_before_the_first_message_is_a_damaged_state (void)
{
  g_autoptr (TwSecret) link_key = tw_secret_new (TW_LINK_KEY_SIZE);
  g_autoptr (TwShareRecipient) fresh = tw_share_recipient_new (MAILBOX_ID, link_key, NULL);
  g_autoptr (TwSecret) state = tw_share_recipient_save (fresh);
  g_autoptr (GString) text = g_string_new (tw_secret_get_text (state));
  g_autoptr (TwSecret) damaged = NULL;
  g_autoptr (TwShareRecipient) copy = NULL;
  g_autoptr (GError) error = NULL;
  guint8 key[TW_ED25519_PUBLIC_SIZE] = { 7 };
  g_autofree char *key_text = tw_base64_encode (key, sizeof key);
  g_autofree char *member = g_strdup_printf (",\"sender_identity\":\"%s\"}", key_text);

  g_string_truncate (text, strlen (text->str) - 1);
  g_string_append (text, member);
  damaged = tw_secret_new_from_string (text->str);
  copy = tw_share_recipient_restore (damaged, &error);
  g_assert_null (copy);
  g_assert_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_STATE);
}

int
main (int    argc,
      char **argv)
{
  static const char * const malformed[] = {
    ",\"identity\":{\"key\":\"AAAA\",\"sig\":\"AAAA\"}",
    ",\"identity\":\"not an object\"",
    ",\"identity\":{}",
  };

  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

  g_test_add_data_func ("/share/identity/direct/no-block-without-an-identity",
                        GINT_TO_POINTER (FALSE), test_no_block_without_an_identity);
  g_test_add_data_func ("/share/identity/verified/no-block-without-an-identity",
                        GINT_TO_POINTER (TRUE), test_no_block_without_an_identity);
  g_test_add_data_func ("/share/identity/direct/the-block-names-the-sender",
                        GINT_TO_POINTER (FALSE), test_the_block_names_the_sender);
  g_test_add_data_func ("/share/identity/verified/the-block-names-the-sender",
                        GINT_TO_POINTER (TRUE), test_the_block_names_the_sender);
  g_test_add_func ("/share/identity/a-key-and-signer-that-do-not-match-are-refused",
                   test_a_key_and_signer_that_do_not_match_are_refused);
  g_test_add_func ("/share/identity/attack/a-made-up-share-with-a-proper-block-is-taken",
                   test_a_made_up_share_with_a_proper_block_is_taken);
  g_test_add_func ("/share/identity/attack/a-forged-signature-is-refused",
                   test_a_forged_signature_is_refused);
  g_test_add_func ("/share/identity/attack/a-block-from-another-share-id-is-refused",
                   test_a_block_from_another_share_id_is_refused);
  g_test_add_func ("/share/identity/attack/a-block-for-another-signing-key-is-refused",
                   test_a_block_for_another_signing_key_is_refused);
  g_test_add_func ("/share/identity/attack/a-block-lifted-from-a-real-share-is-refused",
                   test_a_block_lifted_from_a_real_share_is_refused);
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *path = g_strdup_printf ("/share/identity/attack/malformed-block-%u-is-"
                                               "refused", i);

      g_test_add_data_func (path, malformed[i], test_a_malformed_block_is_refused);
    }
  g_test_add_func ("/share/identity/state/save-and-restore-carry-the-identity",
                   test_save_and_restore_carry_the_identity);
  g_test_add_func ("/share/identity/state/an-identity-before-the-first-message-is-damaged",
                   test_an_identity_before_the_first_message_is_a_damaged_state);

  return g_test_run ();
}
