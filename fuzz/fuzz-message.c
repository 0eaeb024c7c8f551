/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tw-base64.h"
#include "tw-json-strict.h"
#include "tw-message.h"
#include "tw-share-recipient.h"
#include "tw-share-sender.h"

/*
 * The message decoder. The first input byte picks what the rest is:
 *
 *   0  a plaintext from the recipient (unsigned), read by the sender
 *   1  the sender's first message (signed with the key it announces), read
 *      by the recipient; mutations break the signature, so this covers
 *      every check made before it
 *   2  a body (JSON object): the target signs a deliver message around it
 *      with a fixed key, and the decoder must accept exactly that message
 *      and give back the same body
 *   3  a saved sender state, given to tw_share_sender_restore()
 *   4  a saved recipient state, given to tw_share_recipient_restore()
 *   5  a saved sender state and a plaintext from the recipient: the target
 *      restores the state, seals the plaintext under the state's link key
 *      and gives it to tw_share_sender_receive()
 *   6  the same for a recipient state and a plaintext from the sender
 *      (which must still carry the sender's signature to get far)
 *      In modes 5 and 6 the state comes first, after a 2-byte big-endian
 *      length; the plaintext is the rest.
 *
 * In modes 0 to 2 a refusal must be NULL with an error, and an accepted
 * message must keep the exact plaintext it was read from. In modes 3 and 4
 * a refused state must come with an error; an accepted one must save to
 * text that restores and saves again to the same bytes, and the restored
 * machine must survive the user cancelling it, after which its own saved
 * state must restore again. (A tampered state may be accepted, but then it
 * must behave like any state the machine could have written itself.)
 * In modes 5 and 6 a refused message must leave the machine exactly as it
 * was (it saves to the same bytes), and an accepted one must leave a
 * machine whose state survives a round trip.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define MAILBOX_ID "0f1e2d3c-4b5a-4987-a654-3210fedcba98"
#define SHARE_ID   "00112233445566778899aabbccddeeff"

enum {
  MODE_FROM_RECIPIENT,
  MODE_FIRST_FROM_SENDER,
  MODE_SIGNED_BODY,
  MODE_SENDER_STATE,
  MODE_RECIPIENT_STATE,
  MODE_SENDER_READS,
  MODE_RECIPIENT_READS,
  MODE_COUNT,
};

static const guint all_formats = 0x3f;

/* Bodies small and shallow enough that the message around them stays
 * within the decoder's own limits. */
static const TwJsonLimits body_limits = { 8, 4096, 8192 };

static void
check_parse (TwSecret              *plaintext,
             const TwMessageExpect *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwMessage) message = tw_message_parse (plaintext, expect, &error);

  if (message == NULL)
    {
      g_assert_nonnull (error);
      return;
    }

  g_assert_no_error (error);
  g_assert_true (tw_secret_equal (tw_message_get_plaintext (message), plaintext));
  g_assert_true ((expect->allowed_formats & TW_MESSAGE_FORMAT_BIT (
                    tw_message_get_format (message))) != 0);
  g_assert_true (tw_share_id_is_valid (tw_message_get_share_id (message)));
}

static void
fuzz_from_recipient (TwSecret *plaintext)
{
  TwMessageExpect expect = {
    .mailbox_id = MAILBOX_ID,
    .from = TW_ROLE_RECIPIENT,
    .next_seq = 0,
    .allowed_formats = all_formats,
    .share_id = SHARE_ID,
  };

  tw_transcript_init (&expect.th);
  check_parse (plaintext, &expect);
}

static TwMessageExpect
expect_first_from_sender (void)
{
  TwMessageExpect expect = {
    .mailbox_id = "",
    .from = TW_ROLE_SENDER,
    .next_seq = 0,
    .allowed_formats = TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_OFFER)
                       | TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_DELIVER),
  };

  tw_transcript_init (&expect.th);
  return expect;
}

static void
fuzz_first_from_sender (TwSecret *plaintext)
{
  TwMessageExpect expect = expect_first_from_sender ();

  check_parse (plaintext, &expect);
}

static TwSecret *
fixed_signing_seed (void)
{
  TwSecret *seed = tw_secret_new (TW_ED25519_SEED_SIZE);

  memset (tw_secret_get_data (seed), 0x5a, TW_ED25519_SEED_SIZE);
  return seed;
}

static void
fuzz_signed_body (TwSecret *body)
{
  g_autoptr (JsonObject) body_object = NULL;
  g_autoptr (TwSecret) seed = fixed_signing_seed ();
  g_autoptr (TwSecret) plaintext = NULL;
  g_autoptr (TwMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  TwMessageExpect expect = expect_first_from_sender ();
  TwMessageHeader header = { .mailbox_id = "", .seq = 0, .from = TW_ROLE_SENDER };
  g_autoptr (JsonNode) expected = NULL;
  g_autoptr (JsonNode) decoded = NULL;

  body_object = tw_json_strict_parse_object (tw_secret_get_text (body),
                                             tw_secret_get_size (body), &body_limits, NULL);
  if (body_object == NULL)
    return;

  tw_transcript_init (&header.th);
  plaintext = tw_message_build (TW_MESSAGE_DELIVER, &header, SHARE_ID, body, seed, NULL);
  if (plaintext == NULL)
    return;

  message = tw_message_parse (plaintext, &expect, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tw_message_get_format (message), ==, TW_MESSAGE_DELIVER);
  g_assert_cmpstr (tw_message_get_share_id (message), ==, SHARE_ID);

  expected = json_node_init_object (json_node_alloc (), body_object);
  decoded = json_node_init_object (json_node_alloc (), tw_message_get_body (message));
  g_assert_true (json_node_equal (expected, decoded));
}

/* The two machines behind one set of functions, so both kinds of state go
 * through the same checks. */
typedef struct {
  gboolean             (*receive)    (gpointer machine, GBytes *payload, GError **error);
  gpointer             (*restore)    (TwSecret *state, GError **error);
  TwSecret            *(*save)       (gpointer machine);
  gboolean             (*cancel)     (gpointer machine, GError **error);
  void                 (*free)       (gpointer machine);
  const TwShareAction *(*get_action) (gpointer machine);
} MachineOps;

static gboolean
sender_receive (gpointer machine, GBytes *payload, GError **error)
{
  return tw_share_sender_receive (machine, payload, error);
}

static gpointer
sender_restore (TwSecret *state, GError **error)
{
  return tw_share_sender_restore (state, error);
}

static TwSecret *
sender_save (gpointer machine)
{
  return tw_share_sender_save (machine);
}

static gboolean
sender_cancel (gpointer machine, GError **error)
{
  return tw_share_sender_cancel (machine, error);
}

static void
sender_free (gpointer machine)
{
  tw_share_sender_free (machine);
}

static const TwShareAction *
sender_get_action (gpointer machine)
{
  return tw_share_sender_get_action (machine);
}

static gboolean
recipient_receive (gpointer machine, GBytes *payload, GError **error)
{
  return tw_share_recipient_receive (machine, payload, error);
}

static gpointer
recipient_restore (TwSecret *state, GError **error)
{
  return tw_share_recipient_restore (state, error);
}

static TwSecret *
recipient_save (gpointer machine)
{
  return tw_share_recipient_save (machine);
}

static gboolean
recipient_cancel (gpointer machine, GError **error)
{
  return tw_share_recipient_cancel (machine, error);
}

static void
recipient_free (gpointer machine)
{
  tw_share_recipient_free (machine);
}

static const TwShareAction *
recipient_get_action (gpointer machine)
{
  return tw_share_recipient_get_action (machine);
}

static const MachineOps sender_ops = {
  sender_receive, sender_restore, sender_save, sender_cancel, sender_free, sender_get_action,
};

static const MachineOps recipient_ops = {
  recipient_receive, recipient_restore, recipient_save, recipient_cancel, recipient_free,
  recipient_get_action,
};

/* What a restored machine offers to do must be complete: a write carries
 * bytes and a request id, a delete a request id. */
static void
check_action (const MachineOps *ops,
              gpointer          machine)
{
  const TwShareAction *action = ops->get_action (machine);

  if (action->kind == TW_SHARE_ACTION_CREATE || action->kind == TW_SHARE_ACTION_WRITE)
    {
      g_assert_nonnull (action->payload);
      g_assert_nonnull (action->request_id);
    }
  if (action->kind == TW_SHARE_ACTION_DELETE)
    g_assert_nonnull (action->request_id);
}

static gpointer
restore_checked (const MachineOps *ops,
                 TwSecret         *state)
{
  g_autoptr (GError) error = NULL;
  gpointer machine = ops->restore (state, &error);

  if (machine == NULL)
    g_assert_nonnull (error);
  else
    g_assert_no_error (error);
  return machine;
}

/* save -> restore -> save gives the same bytes. */
static void
check_round_trip (const MachineOps *ops,
                  gpointer          machine)
{
  g_autoptr (TwSecret) saved = ops->save (machine);
  g_autoptr (TwSecret) saved_again = NULL;
  gpointer again = restore_checked (ops, saved);

  g_assert_nonnull (again);
  saved_again = ops->save (again);
  g_assert_true (tw_secret_equal (saved, saved_again));
  check_action (ops, again);
  ops->free (again);
}

static void
fuzz_state (const MachineOps *ops,
            TwSecret         *state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) after_cancel = NULL;
  gpointer machine = restore_checked (ops, state);
  gpointer again;

  if (machine == NULL)
    return;

  check_action (ops, machine);
  check_round_trip (ops, machine);

  if (!ops->cancel (machine, &error))
    g_assert_nonnull (error);
  check_action (ops, machine);
  after_cancel = ops->save (machine);
  again = restore_checked (ops, after_cancel);
  g_assert_nonnull (again);
  ops->free (again);
  ops->free (machine);
}

/* The link key, read back from the machine's own saved state. */
static TwSecret *
saved_link_key (TwSecret *saved)
{
  g_autoptr (JsonObject) object = NULL;
  const char *text;

  object = tw_json_strict_parse_object (tw_secret_get_text (saved), tw_secret_get_size (saved),
                                        &(TwJsonLimits) { 8, 64 * 1024, 256 * 1024 }, NULL);
  g_assert_nonnull (object);
  text = json_object_get_string_member_with_default (object, "link_key", NULL);
  g_assert_nonnull (text);
  return tw_base64_decode_secret (text, -1, TW_BASE64_STANDARD, NULL);
}

static gboolean
is_reading (const MachineOps *ops,
            gpointer          machine)
{
  TwShareActionKind kind = ops->get_action (machine)->kind;

  return kind == TW_SHARE_ACTION_READ || kind == TW_SHARE_ACTION_WRITE
         || kind == TW_SHARE_ACTION_ASK_USER;
}

static void
fuzz_reading (const MachineOps *ops,
              const guint8     *data,
              gsize             size)
{
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (TwSecret) plaintext = NULL;
  g_autoptr (TwSecret) before = NULL;
  g_autoptr (TwSecret) after = NULL;
  g_autoptr (TwSecret) link_key = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;
  gsize state_size;
  gpointer machine;

  if (size < 2 || (state_size = (gsize) data[0] << 8 | data[1]) > size - 2)
    return;
  state = tw_secret_new_from_data (data + 2, state_size);
  plaintext = tw_secret_new_from_data (data + 2 + state_size, size - 2 - state_size);
  machine = ops->restore (state, NULL);
  if (machine == NULL)
    return;
  if (!is_reading (ops, machine))
    {
      ops->free (machine);
      return;
    }

  before = ops->save (machine);
  link_key = saved_link_key (before);
  payload = tw_message_seal (link_key, plaintext, NULL);
  if (payload != NULL && !ops->receive (machine, payload, &error))
    {
      g_assert_nonnull (error);
      after = ops->save (machine);
      g_assert_true (tw_secret_equal (before, after));
    }
  else
    {
      check_action (ops, machine);
      check_round_trip (ops, machine);
    }
  ops->free (machine);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (TwSecret) rest = NULL;

  if (size == 0)
    return 0;

  rest = tw_secret_new_from_data (data + 1, size - 1);
  switch (data[0] % MODE_COUNT)
    {
    case MODE_FROM_RECIPIENT:
      fuzz_from_recipient (rest);
      break;
    case MODE_FIRST_FROM_SENDER:
      fuzz_first_from_sender (rest);
      break;
    case MODE_SIGNED_BODY:
      if (tw_secret_get_size (rest) > 0)
        fuzz_signed_body (rest);
      break;
    case MODE_SENDER_STATE:
      fuzz_state (&sender_ops, rest);
      break;
    case MODE_RECIPIENT_STATE:
      fuzz_state (&recipient_ops, rest);
      break;
    case MODE_SENDER_READS:
      fuzz_reading (&sender_ops, data + 1, size - 1);
      break;
    case MODE_RECIPIENT_READS:
      fuzz_reading (&recipient_ops, data + 1, size - 1);
      break;
    default:
      g_assert_not_reached ();
    }
  return 0;
}
