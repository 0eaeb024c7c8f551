/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Both sides of a share, run against each other through a tiny in-memory
 * "mailbox" (one variable holding the current payload, as the relay's slot
 * does), with the relay's and the attacker's moves made by hand.
 */
#include "config.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-cert.h"
#include "tw-crypto.h"
#include "tw-json-strict.h"
#include "tw-link-key.h"
#include "tw-pin.h"
#include "tw-share-core.h"
#include "tw-share-recipient.h"
#include "tw-share-sender.h"

#define MAILBOX_ID  "0f8b1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
#define OTHER_ID    "0f8b1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2c"
#define PIN         "135790"
#define WRONG_PIN   "000111"
#define WIFI        "{\"ssid\":\"home\",\"password\":\"p4ss w0rd\",\"hidden\":false}"

typedef enum {
  FLOW_DIRECT,
  FLOW_VERIFIED,
  FLOW_DIGITAL_KEY,
} Flow;

static const char * const flow_names[] = { "direct", "verified", "digital-key" };

typedef struct {
  TwShareSender    *sender;
  TwShareRecipient *recipient;
  GBytes           *slot;                /* the mailbox's current payload */
  gboolean          mailbox_exists;
  const char       *recipient_mailbox;   /* the id in the link the recipient holds */
  gboolean          restore_every_step;
  const char       *pins[4];             /* what the recipient's user types, in turn */
  guint             next_pin;
  gboolean          recipient_declines;
  TwSecret         *owner_seed;
  guint8            owner_key[TW_ED25519_PUBLIC_SIZE];
  guint8            resource_id[TW_CERT_RESOURCE_ID_SIZE];
  gint64            not_after;
  GPtrArray        *history;             /* every payload written, in order */
} World;

/* ---------------------------------------------------------------------------
 * The world
 * ------------------------------------------------------------------------- */

static void
world_init_with_pin (World      *w,
                     Flow        flow,
                     const char *sender_pin)
{
  g_autoptr (TwSecret) content = tw_secret_new_from_string (WIFI);
  g_autoptr (TwSecret) pin = tw_secret_new_from_string (sender_pin);
  g_autoptr (GError) error = NULL;
  TwShareRequest request = {
    .flow = flow == FLOW_DIRECT ? TW_SHARE_FLOW_DIRECT : TW_SHARE_FLOW_VERIFIED,
    .kind = flow == FLOW_DIGITAL_KEY ? TW_SHARE_KIND_DIGITAL_KEY : TW_SHARE_KIND_COPY,
    .type = flow == FLOW_DIGITAL_KEY ? "home-key" : "wifi",
    .title = "Home network",
    .credential_format = flow == FLOW_DIGITAL_KEY ? NULL : "wifi-v1",
    .credential_content = flow == FLOW_DIGITAL_KEY ? NULL : content,
    .pin = flow == FLOW_DIRECT ? NULL : pin,
  };

  memset (w, 0, sizeof *w);
  w->history = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  w->recipient_mailbox = MAILBOX_ID;
  w->pins[0] = PIN;
  if (flow == FLOW_DIGITAL_KEY)
    {
      tw_ed25519_generate (&w->owner_seed, w->owner_key);
      memset (w->resource_id, 0xd0, sizeof w->resource_id);
      w->not_after = g_get_real_time () / G_USEC_PER_SEC + 3600;
      request.owner_seed = w->owner_seed;
      memcpy (request.resource_id, w->resource_id, sizeof w->resource_id);
      request.rights = TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK;
      request.not_after = w->not_after;
      request.lock_epoch = 2;
    }

  w->sender = tw_share_sender_new (&request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w->sender);
}

static void
world_init (World *w,
            Flow   flow)
{
  world_init_with_pin (w, flow, PIN);
}

static void
world_clear (World *w)
{
  g_clear_pointer (&w->sender, tw_share_sender_free);
  g_clear_pointer (&w->recipient, tw_share_recipient_free);
  g_clear_pointer (&w->slot, g_bytes_unref);
  g_clear_pointer (&w->owner_seed, tw_secret_unref);
  g_clear_pointer (&w->history, g_ptr_array_unref);
}

/* A restart of either side: the restored machine must save to the very
 * same bytes, so nothing was lost on the way. */
static void
restart_sender (World *w)
{
  g_autoptr (TwSecret) state = tw_share_sender_save (w->sender);
  g_autoptr (TwSecret) again = NULL;
  g_autoptr (GError) error = NULL;
  TwShareSender *restored = tw_share_sender_restore (state, &error);

  g_assert_no_error (error);
  again = tw_share_sender_save (restored);
  g_assert_true (tw_secret_equal (state, again));
  tw_share_sender_free (w->sender);
  w->sender = restored;
}

static void
restart_recipient (World *w)
{
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (TwSecret) again = NULL;
  g_autoptr (GError) error = NULL;
  TwShareRecipient *restored;

  if (w->recipient == NULL)
    return;

  state = tw_share_recipient_save (w->recipient);
  restored = tw_share_recipient_restore (state, &error);
  g_assert_no_error (error);
  again = tw_share_recipient_save (restored);
  g_assert_true (tw_secret_equal (state, again));
  tw_share_recipient_free (w->recipient);
  w->recipient = restored;
}

static void
put (World  *w,
     GBytes *payload)
{
  g_clear_pointer (&w->slot, g_bytes_unref);
  w->slot = g_bytes_ref (payload);
  g_ptr_array_add (w->history, g_bytes_ref (payload));
}

static TwShareActionKind
sender_kind (World *w)
{
  return tw_share_sender_get_action (w->sender)->kind;
}

static TwShareActionKind
recipient_kind (World *w)
{
  return w->recipient != NULL ? tw_share_recipient_get_action (w->recipient)->kind
                              : TW_SHARE_ACTION_READ;
}

/* Carries out the sender's action; TRUE when anything changed. */
static gboolean
sender_step (World *w)
{
  const TwShareAction *action = tw_share_sender_get_action (w->sender);
  g_autoptr (TwSecret) before = tw_share_sender_save (w->sender);
  g_autoptr (TwSecret) after = NULL;
  g_autoptr (GError) error = NULL;

  switch (action->kind)
    {
    case TW_SHARE_ACTION_CREATE:
      put (w, action->payload);
      w->mailbox_exists = TRUE;
      g_assert_true (tw_share_sender_created (w->sender, MAILBOX_ID, &error));
      w->recipient = tw_share_recipient_new (w->recipient_mailbox,
                                             tw_share_sender_get_link_key (w->sender), &error);
      break;
    case TW_SHARE_ACTION_WRITE:
      if (!w->mailbox_exists)
        {
          tw_share_sender_mailbox_gone (w->sender, FALSE);
          break;
        }
      put (w, action->payload);
      g_assert_true (tw_share_sender_written (w->sender, &error));
      break;
    case TW_SHARE_ACTION_READ:
      if (!w->mailbox_exists)
        tw_share_sender_mailbox_gone (w->sender, FALSE);
      else
        if (!tw_share_sender_receive (w->sender, w->slot, &error))
          g_assert_no_error (error);
      break;
    case TW_SHARE_ACTION_DELETE:
      w->mailbox_exists = FALSE;
      g_clear_pointer (&w->slot, g_bytes_unref);
      g_assert_true (tw_share_sender_deleted (w->sender, &error));
      break;
    case TW_SHARE_ACTION_ASK_USER:
    case TW_SHARE_ACTION_STORE:
    case TW_SHARE_ACTION_DONE:
    case TW_SHARE_ACTION_FAILED:
    default:
      return FALSE;
    }
  g_assert_no_error (error);

  if (w->restore_every_step)
    restart_sender (w);
  after = tw_share_sender_save (w->sender);
  return !tw_secret_equal (before, after);
}

static gboolean
recipient_decide (World  *w,
                  GError **error)
{
  g_autoptr (TwSecret) pin = NULL;
  const TwShareDetails *details = tw_share_recipient_get_details (w->recipient);

  if (w->recipient_declines)
    return tw_share_recipient_cancel (w->recipient, error);
  if (details->flow == TW_SHARE_FLOW_VERIFIED)
    {
      g_assert_nonnull (w->pins[w->next_pin]);
      pin = tw_secret_new_from_string (w->pins[w->next_pin++]);
    }

  return tw_share_recipient_accept (w->recipient, pin, error);
}

static gboolean
recipient_step (World *w)
{
  const TwShareAction *action;
  g_autoptr (TwSecret) before = NULL;
  g_autoptr (TwSecret) after = NULL;
  g_autoptr (GError) error = NULL;

  if (w->recipient == NULL)
    return FALSE;
  action = tw_share_recipient_get_action (w->recipient);
  before = tw_share_recipient_save (w->recipient);

  switch (action->kind)
    {
    case TW_SHARE_ACTION_READ:
      if (!w->mailbox_exists)
        tw_share_recipient_mailbox_gone (w->recipient, FALSE);
      else
        if (!tw_share_recipient_receive (w->recipient, w->slot, &error))
          g_assert_no_error (error);
      break;
    case TW_SHARE_ACTION_ASK_USER:
      g_assert_true (recipient_decide (w, &error));
      break;
    case TW_SHARE_ACTION_STORE:
      g_assert_true (tw_share_recipient_stored (w->recipient, &error));
      break;
    case TW_SHARE_ACTION_WRITE:
      if (!w->mailbox_exists)
        {
          tw_share_recipient_mailbox_gone (w->recipient, FALSE);
          break;
        }
      put (w, action->payload);
      g_assert_true (tw_share_recipient_written (w->recipient, &error));
      break;
    case TW_SHARE_ACTION_DELETE:
      w->mailbox_exists = FALSE;
      g_clear_pointer (&w->slot, g_bytes_unref);
      g_assert_true (tw_share_recipient_deleted (w->recipient, &error));
      break;
    case TW_SHARE_ACTION_CREATE:
    case TW_SHARE_ACTION_DONE:
    case TW_SHARE_ACTION_FAILED:
    default:
      return FALSE;
    }
  g_assert_no_error (error);

  if (w->restore_every_step)
    restart_recipient (w);
  after = tw_share_recipient_save (w->recipient);
  return !tw_secret_equal (before, after);
}

/* Runs at most @max_steps steps that change something (G_MAXUINT: until
 * neither side can move); returns how many ran. */
static guint
run (World *w,
     guint  max_steps)
{
  guint steps = 0;
  gboolean moved = TRUE;

  while (moved && steps < max_steps)
    {
      moved = FALSE;
      if (sender_step (w))
        {
          moved = TRUE;
          steps++;
        }
      if (steps < max_steps && recipient_step (w))
        {
          moved = TRUE;
          steps++;
        }
      g_assert_cmpuint (steps, <, 200);
    }

  return steps;
}

static void
assert_outcome (TwShareActionKind  kind,
                TwShareFailure     failure,
                TwShareActionKind  expected_kind,
                TwShareFailure     expected_failure)
{
  g_assert_cmpstr (tw_share_action_kind_to_string (kind), ==,
                   tw_share_action_kind_to_string (expected_kind));
  g_assert_cmpstr (tw_share_failure_to_string (failure), ==,
                   tw_share_failure_to_string (expected_failure));
}

static void
assert_sender_ended (World          *w,
                     TwShareFailure  failure)
{
  const TwShareAction *action = tw_share_sender_get_action (w->sender);

  assert_outcome (action->kind, action->failure,
                  failure == TW_SHARE_FAILURE_NONE ? TW_SHARE_ACTION_DONE
                                                   : TW_SHARE_ACTION_FAILED, failure);
}

static void
assert_recipient_ended (World          *w,
                        TwShareFailure  failure)
{
  const TwShareAction *action = tw_share_recipient_get_action (w->recipient);

  assert_outcome (action->kind, action->failure,
                  failure == TW_SHARE_FAILURE_NONE ? TW_SHARE_ACTION_DONE
                                                   : TW_SHARE_ACTION_FAILED, failure);
}

/* The recipient holds exactly what was shared. */
static void
assert_copy_arrived (World *w)
{
  TwSecret *content = tw_share_recipient_get_credential_content (w->recipient);
  g_autoptr (JsonNode) got = NULL;
  g_autoptr (JsonNode) sent = NULL;

  g_assert_cmpstr (tw_share_recipient_get_credential_format (w->recipient), ==, "wifi-v1");
  g_assert_nonnull (content);
  got = json_from_string (tw_secret_get_text (content), NULL);
  sent = json_from_string (WIFI, NULL);
  g_assert_true (json_node_equal (got, sent));
}

static void
assert_key_opens_the_lock (World *w)
{
  GBytes *certificate = tw_share_recipient_get_certificate (w->recipient);
  TwSecret *subject_seed = tw_share_recipient_get_subject_seed (w->recipient);
  g_autoptr (TwLock) lock = tw_lock_new (w->owner_key, w->resource_id, 2);
  TwLockChallenge challenge;
  guint8 signature[TW_ED25519_SIG_SIZE];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (certificate);
  g_assert_nonnull (subject_seed);
  g_assert_true (g_bytes_equal (certificate, tw_share_sender_get_certificate (w->sender)));

  tw_lock_new_challenge (lock, now, &challenge);
  g_assert_true (tw_lock_response_sign (&challenge, certificate, TW_CERT_RIGHT_UNLOCK,
                                        subject_seed, signature, NULL));
  g_assert_true (tw_lock_check (lock, certificate, TW_CERT_RIGHT_UNLOCK, signature, now,
                                &error));
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------------
 * Attacker's tools: someone who holds the link reads and writes plaintexts
 * ------------------------------------------------------------------------- */

static TwSecret *
open_slot (World *w)
{
  TwSecret *plaintext = tw_message_open (tw_share_sender_get_link_key (w->sender), w->slot,
                                         NULL);

  g_assert_nonnull (plaintext);
  return plaintext;
}

static JsonObject *
parse_plaintext (TwSecret *plaintext)
{
  JsonObject *root = tw_json_strict_parse_object (tw_secret_get_text (plaintext),
                                                  tw_secret_get_size (plaintext), NULL, NULL);

  g_assert_nonnull (root);
  return root;
}

static GBytes *
seal_for (World    *w,
          TwSecret *plaintext)
{
  GBytes *sealed = tw_message_seal (tw_share_sender_get_link_key (w->sender), plaintext, NULL);

  g_assert_nonnull (sealed);
  return sealed;
}

static GBytes *
flip_byte (GBytes *bytes,
           gsize   at)
{
  gsize size;
  guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, &size), g_bytes_get_size (bytes));

  copy[at] ^= 0x80;
  return g_bytes_new_take (copy, size);
}

/* Takes the error's address: C leaves the order in which arguments are
 * evaluated open, so its value could be read before the call sets it. */
static void
assert_receive_refused (gboolean       taken,
                        GError       **error,
                        GQuark         domain,
                        int            code)
{
  g_assert_false (taken);
  g_assert_error (*error, domain, code);
}

/* Runs single steps until @n payloads have been written. */
static void
run_until_written (World *w,
                   guint  n)
{
  guint guard = 0;

  while (w->history->len < n)
    {
      gboolean moved = sender_step (w);

      if (w->history->len < n)
        moved |= recipient_step (w);
      g_assert_true (moved);
      g_assert_cmpuint (++guard, <, 100);
    }
}

/* The header the slot's message carries, read as a link holder can. */
static TwMessageHeader
slot_header (World *w)
{
  g_autoptr (TwSecret) plaintext = open_slot (w);
  g_autoptr (JsonObject) root = parse_plaintext (plaintext);
  JsonObject *tw = json_object_get_object_member (root, "tw");
  TwMessageHeader header = {
    .mailbox_id = MAILBOX_ID,
    .seq = json_object_get_int_member (tw, "seq"),
    .from = g_strcmp0 (json_object_get_string_member (tw, "from"), "sender") == 0
            ? TW_ROLE_SENDER : TW_ROLE_RECIPIENT,
  };

  g_assert_true (tw_transcript_from_base64 (json_object_get_string_member (tw, "th"),
                                            &header.th, NULL));
  return header;
}

/* The slot's message with one piece of text replaced, padded again and
 * sealed again: what a link holder can do to any message. */
static GBytes *
edited_slot (World      *w,
             const char *from,
             const char *to)
{
  g_autoptr (TwSecret) plaintext = open_slot (w);
  g_autoptr (GString) text = g_string_new (tw_secret_get_text (plaintext));
  g_autoptr (TwSecret) edited = NULL;
  gsize unit = tw_secret_get_size (plaintext) % TW_MESSAGE_DELIVER_PAD_UNIT == 0
               ? TW_MESSAGE_DELIVER_PAD_UNIT : TW_MESSAGE_PAD_UNIT;

  g_strchomp (text->str);
  g_string_set_size (text, strlen (text->str));
  g_assert_nonnull (strstr (text->str, from));
  g_string_replace (text, from, to, 1);
  while (text->len % unit != 0)
    g_string_append_c (text, ' ');
  edited = tw_secret_new_from_string (text->str);
  return seal_for (w, edited);
}

static const char *
share_id_of (World *w)
{
  return tw_share_sender_get_details (w->sender)->share_id;
}

/* ---------------------------------------------------------------------------
 * Happy paths, with and without a restart at every step
 * ------------------------------------------------------------------------- */

static void
check_happy_outcome (World *w,
                     Flow   flow)
{
  const TwShareDetails *details = tw_share_recipient_get_details (w->recipient);

  assert_sender_ended (w, TW_SHARE_FAILURE_NONE);
  assert_recipient_ended (w, TW_SHARE_FAILURE_NONE);
  g_assert_false (w->mailbox_exists);
  g_assert_cmpstr (details->title, ==, "Home network");
  g_assert_cmpint (details->link_check, ==, TW_LINK_KEY_VERIFIED);
  g_assert_cmpstr (details->share_id, ==, share_id_of (w));
  if (flow == FLOW_DIGITAL_KEY)
    {
      g_assert_cmpuint (details->rights, ==, TW_CERT_RIGHT_UNLOCK | TW_CERT_RIGHT_LOCK);
      g_assert_cmpint (details->not_after, ==, w->not_after);
      assert_key_opens_the_lock (w);
    }
  else
    assert_copy_arrived (w);
}

static void
test_happy_path (gconstpointer data)
{
  Flow flow = GPOINTER_TO_INT (data);
  World w;

  world_init (&w, flow);
  run (&w, G_MAXUINT);
  check_happy_outcome (&w, flow);
  /* Direct: create, read, ask, store, receipt, delete. Verified adds the
   * accept and the deliver. */
  g_assert_cmpuint (w.history->len, ==, flow == FLOW_DIRECT ? 2 : 4);
  world_clear (&w);
}

static void
test_happy_path_with_restarts (gconstpointer data)
{
  Flow flow = GPOINTER_TO_INT (data);
  World w;

  world_init (&w, flow);
  w.restore_every_step = TRUE;
  run (&w, G_MAXUINT);
  check_happy_outcome (&w, flow);
  world_clear (&w);
}

/* ---------------------------------------------------------------------------
 * Wrong PINs
 * ------------------------------------------------------------------------- */

static void
test_wrong_pins (gconstpointer data)
{
  guint wrong = GPOINTER_TO_UINT (data);
  World w;

  world_init (&w, FLOW_VERIFIED);
  w.restore_every_step = TRUE;
  for (guint i = 0; i < wrong; i++)
    w.pins[i] = WRONG_PIN;
  w.pins[wrong] = PIN;
  run (&w, G_MAXUINT);

  g_assert_cmpuint (tw_share_sender_get_wrong_pins (w.sender), ==, wrong);
  g_assert_false (w.mailbox_exists);
  if (wrong < TW_SHARE_PIN_ATTEMPTS)
    {
      check_happy_outcome (&w, FLOW_VERIFIED);
      g_assert_cmpuint (w.next_pin, ==, wrong + 1);
    }
  else
    {
      assert_sender_ended (&w, TW_SHARE_FAILURE_PIN_ATTEMPTS);
      assert_recipient_ended (&w, TW_SHARE_FAILURE_PIN_ATTEMPTS);
      g_assert_null (tw_share_recipient_get_credential_content (w.recipient));
    }
  world_clear (&w);
}

static void
test_wrong_pin_count_is_saved_with_the_rejection (void)
{
  World w;
  const TwShareAction *action;
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autofree char *request_id = NULL;

  world_init (&w, FLOW_VERIFIED);
  w.pins[0] = WRONG_PIN;
  w.pins[1] = PIN;
  run_until_written (&w, 2);
  g_assert_true (tw_share_sender_receive (w.sender, w.slot, NULL));

  /* The step that counted the wrong PIN is the one that made pin-rejected. */
  action = tw_share_sender_get_action (w.sender);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_WRITE);
  payload = g_bytes_ref (action->payload);
  request_id = g_strdup (action->request_id);
  state = tw_share_sender_save (w.sender);

  /* A crash before the write: the restored sender has counted the PIN and
   * writes the very same bytes under the same request id. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (TwShareSender) restored = tw_share_sender_restore (state, NULL);

      g_assert_cmpuint (tw_share_sender_get_wrong_pins (restored), ==, 1);
      action = tw_share_sender_get_action (restored);
      g_assert_true (g_bytes_equal (action->payload, payload));
      g_assert_cmpstr (action->request_id, ==, request_id);
    }
  world_clear (&w);
}

/* ---------------------------------------------------------------------------
 * What the relay or a link holder may try
 * ------------------------------------------------------------------------- */

static GBytes *
resealed (World  *w,
          GBytes *payload)
{
  g_autoptr (TwSecret) plaintext = tw_message_open (tw_share_sender_get_link_key (w->sender),
                                                    payload, NULL);

  return seal_for (w, plaintext);
}

static void
test_replayed_messages_are_refused (void)
{
  World w;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) second_accept = NULL;
  g_autoptr (GBytes) first_rejection = NULL;

  world_init (&w, FLOW_VERIFIED);
  w.pins[0] = w.pins[1] = WRONG_PIN;
  w.pins[2] = PIN;
  /* offer, accept, pin-rejected, accept, pin-rejected */
  run_until_written (&w, 5);

  /* To the sender: the first accept again, and the second sealed anew (so
   * it is not byte for byte the message it took). */
  assert_receive_refused (tw_share_sender_receive (w.sender, w.history->pdata[1], &error),
                          &error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_OLDER);
  g_clear_error (&error);
  second_accept = resealed (&w, w.history->pdata[3]);
  assert_receive_refused (tw_share_sender_receive (w.sender, second_accept, &error),
                          &error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_REPEATED);
  g_clear_error (&error);

  /* To the recipient: the first pin-rejected sealed anew. */
  first_rejection = resealed (&w, w.history->pdata[2]);
  assert_receive_refused (tw_share_recipient_receive (w.recipient, first_rejection, &error),
                          &error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_REPEATED);

  run (&w, G_MAXUINT);
  check_happy_outcome (&w, FLOW_VERIFIED);
  g_assert_cmpuint (tw_share_sender_get_wrong_pins (w.sender), ==, 2);
  world_clear (&w);
}

static void
test_reordered_messages_are_refused (void)
{
  World w;
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) early = NULL;
  g_autoptr (TwShareRecipient) behind = NULL;

  world_init (&w, FLOW_VERIFIED);
  w.pins[0] = WRONG_PIN;
  w.pins[1] = PIN;
  run_until_written (&w, 2);
  early = tw_share_recipient_save (w.recipient);
  /* ... pin-rejected, accept, deliver */
  run_until_written (&w, 5);

  /* A recipient that has not seen pin-rejected gets deliver first. */
  behind = tw_share_recipient_restore (early, NULL);
  assert_receive_refused (tw_share_recipient_receive (behind, w.history->pdata[4], &error),
                          &error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_SKIPPED);
  g_assert_true (tw_share_recipient_receive (behind, w.history->pdata[2], NULL));
  g_assert_cmpint (tw_share_recipient_get_action (behind)->kind, ==, TW_SHARE_ACTION_ASK_USER);
  world_clear (&w);
}

static void
test_a_message_for_another_mailbox_is_refused (void)
{
  World w;
  g_autoptr (GError) error = NULL;

  world_init (&w, FLOW_VERIFIED);
  w.recipient_mailbox = OTHER_ID;
  run_until_written (&w, 2);
  assert_receive_refused (tw_share_sender_receive (w.sender, w.slot, &error), &error,
                          TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_MAILBOX);
  g_assert_cmpint (sender_kind (&w), ==, TW_SHARE_ACTION_READ);
  world_clear (&w);
}

static void
test_a_flipped_ciphertext_byte_is_refused (void)
{
  World w;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) flipped = NULL;

  world_init (&w, FLOW_VERIFIED);
  run_until_written (&w, 2);
  flipped = flip_byte (w.slot, 40);
  assert_receive_refused (tw_share_sender_receive (w.sender, flipped, &error), &error,
                          TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNREADABLE);

  /* Nothing moved: the genuine message still goes through. */
  run (&w, G_MAXUINT);
  check_happy_outcome (&w, FLOW_VERIFIED);
  world_clear (&w);
}

static void
test_a_forged_signature_is_refused (void)
{
  World w;
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) forger_seed = NULL;
  guint8 forger_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr (TwSecret) body = NULL;
  g_autoptr (TwSecret) forged = NULL;
  g_autoptr (GBytes) sealed = NULL;
  TwMessageHeader header;
  g_autofree char *body_text = NULL;
  guint8 point[TW_SPAKE2_POINT_SIZE];
  g_autofree char *point_text = NULL;

  world_init (&w, FLOW_VERIFIED);
  w.pins[0] = WRONG_PIN;
  w.pins[1] = PIN;
  run_until_written (&w, 3);
  header = slot_header (&w);
  g_assert_cmpint (header.from, ==, TW_ROLE_SENDER);

  /* A link holder's own pin-rejected, right in every respect but the key,
   * offering a pA of its choosing. */
  tw_ed25519_generate (&forger_seed, forger_key);
  memset (point, 0, sizeof point);
  point_text = tw_base64_encode (point, sizeof point);
  body_text = g_strdup_printf ("{\"tries_left\":2,\"pA\":\"%s\"}", point_text);
  body = tw_secret_new_from_string (body_text);
  forged = tw_message_build (TW_MESSAGE_PIN_REJECTED, &header, share_id_of (&w), body,
                             forger_seed, NULL);
  sealed = seal_for (&w, forged);
  assert_receive_refused (tw_share_recipient_receive (w.recipient, sealed, &error), &error,
                          TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_BAD_SIGNATURE);

  run (&w, G_MAXUINT);
  check_happy_outcome (&w, FLOW_VERIFIED);
  world_clear (&w);
}

static void
test_a_replaced_first_message_is_caught_by_the_link (void)
{
  World w;
  g_autoptr (TwSecret) forger_seed = NULL;
  guint8 forger_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr (TwSecret) body = tw_secret_new_from_string (
      "{\"kind\":\"copy\",\"type\":\"wifi\",\"title\":\"Free Wi-Fi\","
      "\"credential\":{\"format\":\"wifi-v1\",\"content\":{\"ssid\":\"evil\"}}}");
  g_autoptr (TwSecret) forged = NULL;
  g_autoptr (GBytes) sealed = NULL;
  TwMessageHeader header = { .mailbox_id = "", .seq = 0, .from = TW_ROLE_SENDER };

  world_init (&w, FLOW_DIRECT);
  run_until_written (&w, 1);

  /* Someone who read the link puts a deliver of its own in the mailbox. */
  tw_transcript_init (&header.th);
  tw_ed25519_generate (&forger_seed, forger_key);
  forged = tw_message_build (TW_MESSAGE_DELIVER, &header, share_id_of (&w), body, forger_seed,
                             NULL);
  sealed = seal_for (&w, forged);
  put (&w, sealed);

  /* The real sender would call this a relay fault; the recipient reads first. */
  g_assert_true (recipient_step (&w));
  g_assert_cmpint (recipient_kind (&w), ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (recipient_step (&w));
  run (&w, G_MAXUINT);
  assert_recipient_ended (&w, TW_SHARE_FAILURE_ALTERED);
  g_assert_null (tw_share_recipient_get_credential_content (w.recipient));
  g_assert_cmpint (sender_kind (&w), ==, TW_SHARE_ACTION_FAILED);
  g_assert_false (w.mailbox_exists);
  world_clear (&w);
}

/* What a forger of the offer sees: its own x and pA, the recipient's pB and
 * cB. It tries every candidate PIN the only way it can, by redoing its half
 * of the exchange with that PIN; returns how many candidates confirm. */
static guint
offline_confirmations (World              *attacker,
                       const char * const *candidates)
{
  g_autoptr (TwSecret) state = tw_share_sender_save (attacker->sender);
  g_autoptr (JsonObject) saved = parse_plaintext (state);
  g_autoptr (TwSecret) x = tw_base64_decode_secret (
      json_object_get_string_member (saved, "scalar"), -1, TW_BASE64_STANDARD, NULL);
  g_autoptr (TwSecret) m1 = tw_message_open (tw_share_sender_get_link_key (attacker->sender),
                                             attacker->history->pdata[0], NULL);
  g_autoptr (TwSecret) accept = open_slot (attacker);
  g_autoptr (JsonObject) root = parse_plaintext (accept);
  JsonObject *body = json_object_get_object_member (
      json_object_get_object_member (root, "content"), "body");
  guint8 pb[TW_SPAKE2_POINT_SIZE], cb[TW_SPAKE2_MAC_SIZE];
  TwTranscript th_pake;
  g_autoptr (GBytes) aad = NULL;
  guint confirmed = 0;

  g_assert_true (tw_base64_decode_exact (json_object_get_string_member (body, "pB"), -1,
                                         TW_BASE64_STANDARD, pb, sizeof pb, NULL));
  g_assert_true (tw_base64_decode_exact (json_object_get_string_member (body, "cB"), -1,
                                         TW_BASE64_STANDARD, cb, sizeof cb, NULL));
  tw_transcript_init (&th_pake);
  tw_transcript_append (&th_pake, tw_secret_get_data (m1), tw_secret_get_size (m1));
  aad = tw_share_pake_aad (&th_pake, share_id_of (attacker), NULL);

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      g_autoptr (TwSecret) w = tw_spake2_derive_w (candidates[i], share_id_of (attacker), NULL);
      g_autoptr (TwSpake2) pake = tw_share_pake_new (TW_SPAKE2_ROLE_A, w, x, NULL);

      g_assert_true (tw_spake2_finish (pake, pb, g_bytes_get_data (aad, NULL),
                                       g_bytes_get_size (aad), NULL));
      if (tw_spake2_verify_confirmation (pake, cb, NULL))
        confirmed++;
    }

  return confirmed;
}

static void
test_a_forged_offer_gets_one_online_guess_and_no_offline_test (void)
{
  const char * const candidates[] = {
    PIN, WRONG_PIN, "000000", "123456", "999999", "135791", "531790", "246802", NULL
  };
  const char * const right_only[] = { PIN, NULL };
  World attacker, lucky;

  /* The attacker made the offer with its guess WRONG_PIN; the victim types
   * the real PIN, which the real sender passed on. */
  world_init_with_pin (&attacker, FLOW_VERIFIED, WRONG_PIN);
  run_until_written (&attacker, 2);
  g_assert_cmpuint (offline_confirmations (&attacker, candidates), ==, 0);
  /* Its one online guess failed, and the victim is told so. */
  g_assert_true (tw_share_sender_receive (attacker.sender, attacker.slot, NULL));
  g_assert_cmpuint (tw_share_sender_get_wrong_pins (attacker.sender), ==, 1);

  /* The check above is not blind: with the right guess online, the same
   * offline procedure confirms the right PIN. */
  world_init_with_pin (&lucky, FLOW_VERIFIED, PIN);
  run_until_written (&lucky, 2);
  g_assert_cmpuint (offline_confirmations (&lucky, right_only), ==, 1);

  world_clear (&attacker);
  world_clear (&lucky);
}

static void
test_a_sender_that_keeps_rejecting_gets_three_tries (void)
{
  World w;
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (GString) text = NULL;
  g_autoptr (TwSecret) edited = NULL;
  g_autoptr (GError) error = NULL;

  world_init_with_pin (&w, FLOW_VERIFIED, WRONG_PIN);
  w.pins[0] = w.pins[1] = w.pins[2] = PIN;
  /* offer, accept, rejected, accept, rejected, accept */
  run_until_written (&w, 6);

  /* A forger who ignores the limit: its count rewound, it rejects again. */
  state = tw_share_sender_save (w.sender);
  text = g_string_new (tw_secret_get_text (state));
  g_assert_cmpuint (g_string_replace (text, "\"wrong_pins\":2", "\"wrong_pins\":0", 1), ==, 1);
  edited = tw_secret_new_from_string (text->str);
  tw_share_sender_free (w.sender);
  w.sender = tw_share_sender_restore (edited, &error);
  g_assert_no_error (error);

  run (&w, G_MAXUINT);
  g_assert_cmpuint (w.next_pin, ==, 3);
  assert_recipient_ended (&w, TW_SHARE_FAILURE_PIN_ATTEMPTS);
  world_clear (&w);
}

static void
test_a_swapped_subject_key_fails_the_confirmation (void)
{
  World w;
  g_autoptr (TwSecret) thief_seed = NULL;
  guint8 thief_key[TW_ED25519_PUBLIC_SIZE], pb[TW_SPAKE2_POINT_SIZE];
  guint8 pop[TW_ED25519_SIG_SIZE];
  g_autoptr (TwSecret) accept = NULL;
  g_autoptr (JsonObject) root = NULL;
  JsonObject *body;
  TwMessageHeader header;
  TwTranscript th_pake;
  g_autoptr (TwSecret) m1 = NULL;
  g_autoptr (GBytes) pop_input = NULL;
  g_autofree char *key_text = NULL, *pop_text = NULL, *body_text = NULL;
  g_autoptr (TwSecret) new_body = NULL, forged = NULL;
  g_autoptr (GBytes) sealed = NULL;

  world_init (&w, FLOW_DIGITAL_KEY);
  run_until_written (&w, 2);
  header = slot_header (&w);
  accept = open_slot (&w);
  root = parse_plaintext (accept);
  body = json_object_get_object_member (json_object_get_object_member (root, "content"),
                                        "body");
  g_assert_true (tw_base64_decode_exact (json_object_get_string_member (body, "pB"), -1,
                                         TW_BASE64_STANDARD, pb, sizeof pb, NULL));

  /* The relay with the link puts its own key in, with a valid proof. */
  m1 = tw_message_open (tw_share_sender_get_link_key (w.sender), w.history->pdata[0], NULL);
  tw_transcript_init (&th_pake);
  tw_transcript_append (&th_pake, tw_secret_get_data (m1), tw_secret_get_size (m1));
  tw_ed25519_generate (&thief_seed, thief_key);
  pop_input = tw_share_pop_input (&th_pake, pb);
  g_assert_true (tw_ed25519_sign (thief_seed, g_bytes_get_data (pop_input, NULL),
                                  g_bytes_get_size (pop_input), pop, NULL));
  key_text = tw_base64_encode (thief_key, sizeof thief_key);
  pop_text = tw_base64_encode (pop, sizeof pop);
  body_text = g_strdup_printf ("{\"suite\":\"%s\",\"pB\":\"%s\",\"cB\":\"%s\","
                               "\"subject_key\":\"%s\",\"pop\":\"%s\"}",
                               TW_SHARE_SUITE, json_object_get_string_member (body, "pB"),
                               json_object_get_string_member (body, "cB"), key_text, pop_text);
  new_body = tw_secret_new_from_string (body_text);
  forged = tw_message_build (TW_MESSAGE_ACCEPT, &header, share_id_of (&w), new_body, NULL,
                             NULL);
  sealed = seal_for (&w, forged);

  /* The sender sees a confirmation that does not hold: no certificate. */
  g_assert_true (tw_share_sender_receive (w.sender, sealed, NULL));
  g_assert_cmpuint (tw_share_sender_get_wrong_pins (w.sender), ==, 1);
  g_assert_null (tw_share_sender_get_certificate (w.sender));
  world_clear (&w);
}

/* ---------------------------------------------------------------------------
 * Exactly once, and the relay's own faults
 * ------------------------------------------------------------------------- */

static void
test_deliver_is_sent_again_byte_for_byte (void)
{
  World w;
  g_autoptr (TwSecret) state = NULL;
  g_autoptr (GBytes) deliver = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) accept_again = NULL;
  g_autoptr (TwSecret) accept = NULL;
  const TwShareAction *action;

  world_init (&w, FLOW_DIGITAL_KEY);
  run_until_written (&w, 2);
  accept = open_slot (&w);
  g_assert_true (tw_share_sender_receive (w.sender, w.slot, NULL));
  action = tw_share_sender_get_action (w.sender);
  g_assert_cmpint (action->kind, ==, TW_SHARE_ACTION_WRITE);
  deliver = g_bytes_ref (action->payload);
  request_id = g_strdup (action->request_id);
  state = tw_share_sender_save (w.sender);

  /* Crash before the PUT, twice: the same bytes, the same certificate. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (TwShareSender) restored = tw_share_sender_restore (state, NULL);

      action = tw_share_sender_get_action (restored);
      g_assert_true (g_bytes_equal (action->payload, deliver));
      g_assert_cmpstr (action->request_id, ==, request_id);
      g_assert_true (g_bytes_equal (tw_share_sender_get_certificate (restored),
                                    tw_share_sender_get_certificate (w.sender)));
    }

  /* The PUT landed but its answer was lost: reading the deliver back counts. */
  put (&w, deliver);
  g_assert_true (tw_share_sender_receive (w.sender, w.slot, NULL));
  g_assert_cmpint (sender_kind (&w), ==, TW_SHARE_ACTION_READ);

  /* After deliver, an accept (even a fresh copy) is not taken. */
  accept_again = seal_for (&w, accept);
  assert_receive_refused (tw_share_sender_receive (w.sender, accept_again, &error), &error,
                          TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_FORMAT_NOT_ALLOWED);

  run (&w, G_MAXUINT);
  check_happy_outcome (&w, FLOW_DIGITAL_KEY);
  world_clear (&w);
}

static void
test_own_messages_are_no_news_or_a_relay_fault (void)
{
  World w;
  g_autoptr (TwSecret) m1 = NULL;
  g_autoptr (GBytes) resealed = NULL;
  g_autoptr (TwSecret) before = NULL, after = NULL;
  g_autoptr (GError) error = NULL;

  world_init (&w, FLOW_DIRECT);
  run_until_written (&w, 1);

  before = tw_share_sender_save (w.sender);
  g_assert_true (tw_share_sender_receive (w.sender, w.slot, NULL));
  after = tw_share_sender_save (w.sender);
  g_assert_true (tw_secret_equal (before, after));

  m1 = open_slot (&w);
  resealed = seal_for (&w, m1);
  assert_receive_refused (tw_share_sender_receive (w.sender, resealed, &error), &error,
                          TW_SHARE_ERROR, TW_SHARE_ERROR_RELAY_FAULT);
  world_clear (&w);
}

static void
test_an_unknown_version_gets_a_cancel_with_the_supported_list (void)
{
  World w;
  g_autoptr (GBytes) future = NULL;
  g_autoptr (TwSecret) cancel = NULL;
  g_autoptr (JsonObject) root = NULL;
  JsonObject *body, *supported;

  world_init (&w, FLOW_VERIFIED);
  run_until_written (&w, 1);
  future = edited_slot (&w, "{\"v\":1,", "{\"v\":2,");
  put (&w, future);

  g_assert_true (recipient_step (&w));
  g_assert_cmpint (recipient_kind (&w), ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (recipient_step (&w));
  cancel = open_slot (&w);
  root = parse_plaintext (cancel);
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "cancel");
  body = json_object_get_object_member (json_object_get_object_member (root, "content"),
                                        "body");
  g_assert_cmpstr (json_object_get_string_member (body, "reason"), ==, "unsupported");
  supported = json_object_get_object_member (body, "supported");
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (supported, "v"),
                                               0), ==, TW_MESSAGE_VERSION);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (supported, "suites"), 0),
                   ==, TW_SHARE_SUITE);

  run (&w, G_MAXUINT);
  assert_recipient_ended (&w, TW_SHARE_FAILURE_UNSUPPORTED);
  g_assert_false (w.mailbox_exists);
  world_clear (&w);
}

static void
test_an_unknown_suite_gets_a_cancel (void)
{
  World w;
  g_autoptr (GBytes) future = NULL;

  world_init (&w, FLOW_VERIFIED);
  run_until_written (&w, 2);
  future = edited_slot (&w, "\"suite\":\"SPAKE2", "\"suite\":\"SPAKE3");
  put (&w, future);

  /* The sender answers before the recipient could see its accept changed. */
  g_assert_true (sender_step (&w));
  g_assert_cmpint (sender_kind (&w), ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (sender_step (&w));
  g_assert_true (recipient_step (&w));
  run (&w, G_MAXUINT);
  assert_sender_ended (&w, TW_SHARE_FAILURE_UNSUPPORTED);
  assert_recipient_ended (&w, TW_SHARE_FAILURE_UNSUPPORTED);
  g_assert_false (w.mailbox_exists);
  world_clear (&w);
}

static void
test_an_unknown_version_from_the_recipient_gets_a_cancel (void)
{
  World w;
  g_autoptr (GBytes) future = NULL;

  world_init (&w, FLOW_VERIFIED);
  run_until_written (&w, 2);
  future = edited_slot (&w, "{\"v\":1,", "{\"v\":7,");
  put (&w, future);

  g_assert_true (tw_share_sender_receive (w.sender, w.slot, NULL));
  g_assert_cmpint (sender_kind (&w), ==, TW_SHARE_ACTION_WRITE);
  g_assert_true (sender_step (&w));
  g_assert_true (recipient_step (&w));
  run (&w, G_MAXUINT);
  assert_sender_ended (&w, TW_SHARE_FAILURE_UNSUPPORTED);
  assert_recipient_ended (&w, TW_SHARE_FAILURE_UNSUPPORTED);
  world_clear (&w);
}

/* A link whose key carries no commitment (another Draft V app, or a key
 * of 16 bytes): the share goes on, marked as not verified. */
static void
test_a_link_without_commitment_is_shown_as_foreign (void)
{
  g_autoptr (TwSecret) key = tw_secret_new (16);
  g_autoptr (TwSecret) seed = NULL;
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  g_autoptr (TwSecret) body = tw_secret_new_from_string (
      "{\"kind\":\"copy\",\"type\":\"note\",\"title\":\"Door code\","
      "\"credential\":{\"format\":\"note-v1\",\"content\":{\"text\":\"4711\"}}}");
  TwMessageHeader header = { .mailbox_id = "", .seq = 0, .from = TW_ROLE_SENDER };
  g_autoptr (TwSecret) m1 = NULL;
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (TwShareRecipient) recipient = NULL;
  const TwShareDetails *details;

  tw_random_bytes (tw_secret_get_data (key), 16);
  tw_ed25519_generate (&seed, public_key);
  tw_transcript_init (&header.th);
  m1 = tw_message_build (TW_MESSAGE_DELIVER, &header, "0123456789abcdef0123456789abcdef",
                         body, seed, NULL);
  sealed = tw_message_seal (key, m1, NULL);

  recipient = tw_share_recipient_new (MAILBOX_ID, key, NULL);
  g_assert_true (tw_share_recipient_receive (recipient, sealed, NULL));
  details = tw_share_recipient_get_details (recipient);
  g_assert_cmpint (details->link_check, ==, TW_LINK_KEY_FOREIGN);
  g_assert_cmpint (details->flow, ==, TW_SHARE_FLOW_DIRECT);
  g_assert_cmpstr (details->title, ==, "Door code");
  g_assert_cmpint (tw_share_recipient_get_action (recipient)->kind, ==,
                   TW_SHARE_ACTION_ASK_USER);
  g_assert_cmpstr (tw_secret_get_text (tw_share_recipient_get_credential_content (recipient)),
                   ==, "{\"text\":\"4711\"}");
}

/* ---------------------------------------------------------------------------
 * Expiry and cancel
 * ------------------------------------------------------------------------- */

static void
test_an_expired_share_ends (void)
{
  World w;
  g_autoptr (GError) error = NULL;

  world_init (&w, FLOW_VERIFIED);
  run_until_written (&w, 1);
  tw_share_sender_set_expiration (w.sender, 1000);
  tw_share_recipient_set_expiration (w.recipient, 1000);

  tw_share_sender_check_expiry (w.sender, 999);
  tw_share_recipient_check_expiry (w.recipient, 999);
  g_assert_cmpint (sender_kind (&w), ==, TW_SHARE_ACTION_READ);
  g_assert_cmpint (recipient_kind (&w), ==, TW_SHARE_ACTION_READ);

  tw_share_sender_check_expiry (w.sender, 1000);
  tw_share_recipient_check_expiry (w.recipient, 1000);
  assert_sender_ended (&w, TW_SHARE_FAILURE_EXPIRED);
  assert_recipient_ended (&w, TW_SHARE_FAILURE_EXPIRED);
  assert_receive_refused (tw_share_recipient_receive (w.recipient, w.slot, &error), &error,
                          TW_SHARE_ERROR, TW_SHARE_ERROR_STATE);

  /* The relay saying so has the same effect. */
  world_clear (&w);
  world_init (&w, FLOW_DIRECT);
  run_until_written (&w, 1);
  tw_share_sender_mailbox_gone (w.sender, TRUE);
  assert_sender_ended (&w, TW_SHARE_FAILURE_EXPIRED);
  world_clear (&w);
}

static void
test_a_cancel_reaches_a_recipient_still_deciding (void)
{
  World w;

  world_init (&w, FLOW_VERIFIED);
  run_until_written (&w, 1);
  g_assert_true (recipient_step (&w));
  g_assert_cmpint (recipient_kind (&w), ==, TW_SHARE_ACTION_ASK_USER);

  /* The offer itself is no news while the user looks at it. */
  g_assert_true (tw_share_recipient_receive (w.recipient, w.slot, NULL));
  g_assert_true (tw_share_sender_cancel (w.sender, NULL));
  g_assert_true (sender_step (&w));
  g_assert_true (tw_share_recipient_receive (w.recipient, w.slot, NULL));
  assert_recipient_ended (&w, TW_SHARE_FAILURE_PEER_CANCELLED);
  run (&w, G_MAXUINT);
  assert_sender_ended (&w, TW_SHARE_FAILURE_CANCELLED);
  world_clear (&w);
}

typedef struct {
  Flow     flow;
  TwRole   canceller;
} CancelCase;

/* Lets a side that waits for a peer that will never answer run out its
 * mailbox, as the relay would. */
static gboolean
has_ended (const TwShareAction *action)
{
  return action->kind == TW_SHARE_ACTION_DONE || action->kind == TW_SHARE_ACTION_FAILED;
}

static void
expire_waiters (World *w)
{
  if (!has_ended (tw_share_sender_get_action (w->sender)))
    {
      tw_share_sender_set_expiration (w->sender, 1);
      tw_share_sender_check_expiry (w->sender, 2);
    }
  if (w->recipient != NULL && !has_ended (tw_share_recipient_get_action (w->recipient)))
    {
      tw_share_recipient_set_expiration (w->recipient, 1);
      tw_share_recipient_check_expiry (w->recipient, 2);
    }
}

static gboolean
cancel_after (const CancelCase *c,
              guint             steps)
{
  World w;
  gboolean cancelled;
  const TwShareAction *canceller, *peer = NULL;

  world_init (&w, c->flow);
  w.restore_every_step = TRUE;
  if (run (&w, steps) < steps)
    {
      world_clear (&w);
      return FALSE;
    }

  if (c->canceller == TW_ROLE_SENDER)
    cancelled = tw_share_sender_cancel (w.sender, NULL);
  else
    cancelled = w.recipient != NULL && tw_share_recipient_cancel (w.recipient, NULL);
  g_test_message ("cancel by the %s after %u steps: %s; sender %s, recipient %s",
                  tw_role_to_string (c->canceller), steps, cancelled ? "taken" : "refused",
                  tw_share_action_kind_to_string (sender_kind (&w)),
                  tw_share_action_kind_to_string (recipient_kind (&w)));
  run (&w, G_MAXUINT);
  expire_waiters (&w);

  canceller = c->canceller == TW_ROLE_SENDER ? tw_share_sender_get_action (w.sender)
              : w.recipient != NULL ? tw_share_recipient_get_action (w.recipient) : NULL;
  peer = c->canceller == TW_ROLE_SENDER
         ? (w.recipient != NULL ? tw_share_recipient_get_action (w.recipient) : NULL)
         : tw_share_sender_get_action (w.sender);

  if (cancelled)
    assert_outcome (canceller->kind, canceller->failure, TW_SHARE_ACTION_FAILED,
                    TW_SHARE_FAILURE_CANCELLED);
  else if (canceller != NULL)
    assert_outcome (canceller->kind, canceller->failure, TW_SHARE_ACTION_DONE,
                    TW_SHARE_FAILURE_NONE);
  /* The peer has ended too: told, or finding the mailbox gone, or done
   * already when the credential had crossed before the cancel. */
  if (peer != NULL && peer->kind == TW_SHARE_ACTION_FAILED)
    g_assert_true (peer->failure == TW_SHARE_FAILURE_PEER_CANCELLED
                   || peer->failure == TW_SHARE_FAILURE_MAILBOX_GONE
                   || peer->failure == TW_SHARE_FAILURE_EXPIRED);
  else if (peer != NULL)
    g_assert_cmpint (peer->kind, ==, TW_SHARE_ACTION_DONE);
  /* Only a share nobody answers is left to the relay's expiry. */
  if (w.mailbox_exists)
    g_assert_cmpint (tw_share_sender_get_action (w.sender)->failure, ==,
                     TW_SHARE_FAILURE_EXPIRED);

  world_clear (&w);
  return TRUE;
}

static void
test_cancel_at_every_step (gconstpointer data)
{
  const CancelCase *c = data;
  guint steps = 0;

  while (cancel_after (c, steps))
    steps++;
  /* At least: before create, after it, and at each later message. */
  g_assert_cmpuint (steps, >=, c->flow == FLOW_DIRECT ? 6 : 9);
}

int
main (int   argc,
      char *argv[])
{
  static const CancelCase cancel_cases[] = {
    { FLOW_DIRECT, TW_ROLE_SENDER }, { FLOW_DIRECT, TW_ROLE_RECIPIENT },
    { FLOW_VERIFIED, TW_ROLE_SENDER }, { FLOW_VERIFIED, TW_ROLE_RECIPIENT },
    { FLOW_DIGITAL_KEY, TW_ROLE_SENDER }, { FLOW_DIGITAL_KEY, TW_ROLE_RECIPIENT },
  };

  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

  for (Flow flow = FLOW_DIRECT; flow <= FLOW_DIGITAL_KEY; flow++)
    {
      g_autofree char *happy = g_strdup_printf ("/share/%s/delivers", flow_names[flow]);
      g_autofree char *restarts = g_strdup_printf ("/share/%s/survives-a-restart-at-every-step",
                                                   flow_names[flow]);

      g_test_add_data_func (happy, GINT_TO_POINTER (flow), test_happy_path);
      g_test_add_data_func (restarts, GINT_TO_POINTER (flow), test_happy_path_with_restarts);
    }
  for (guint i = 0; i < G_N_ELEMENTS (cancel_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/share/%s/%s-can-cancel-at-every-step",
                                               flow_names[cancel_cases[i].flow],
                                               tw_role_to_string (cancel_cases[i].canceller));

      g_test_add_data_func (path, &cancel_cases[i], test_cancel_at_every_step);
    }

  g_test_add_data_func ("/share/verified/one-wrong-pin-then-the-right-one",
                        GUINT_TO_POINTER (1), test_wrong_pins);
  g_test_add_data_func ("/share/verified/two-wrong-pins-then-the-right-one",
                        GUINT_TO_POINTER (2), test_wrong_pins);
  g_test_add_data_func ("/share/verified/three-wrong-pins-burn-the-share",
                        GUINT_TO_POINTER (3), test_wrong_pins);
  g_test_add_func ("/share/verified/wrong-pin-count-is-saved-with-the-rejection",
                   test_wrong_pin_count_is_saved_with_the_rejection);
  g_test_add_func ("/share/attack/replayed-messages-are-refused",
                   test_replayed_messages_are_refused);
  g_test_add_func ("/share/attack/reordered-messages-are-refused",
                   test_reordered_messages_are_refused);
  g_test_add_func ("/share/attack/a-message-for-another-mailbox-is-refused",
                   test_a_message_for_another_mailbox_is_refused);
  g_test_add_func ("/share/attack/a-flipped-ciphertext-byte-is-refused",
                   test_a_flipped_ciphertext_byte_is_refused);
  g_test_add_func ("/share/attack/a-forged-signature-is-refused",
                   test_a_forged_signature_is_refused);
  g_test_add_func ("/share/attack/a-replaced-first-message-is-caught-by-the-link",
                   test_a_replaced_first_message_is_caught_by_the_link);
  g_test_add_func ("/share/attack/a-forged-offer-gets-one-online-guess-and-no-offline-test",
                   test_a_forged_offer_gets_one_online_guess_and_no_offline_test);
  g_test_add_func ("/share/attack/a-sender-that-keeps-rejecting-gets-three-tries",
                   test_a_sender_that_keeps_rejecting_gets_three_tries);
  g_test_add_func ("/share/attack/a-swapped-subject-key-fails-the-confirmation",
                   test_a_swapped_subject_key_fails_the_confirmation);
  g_test_add_func ("/share/exactly-once/deliver-is-sent-again-byte-for-byte",
                   test_deliver_is_sent_again_byte_for_byte);
  g_test_add_func ("/share/exactly-once/own-messages-are-no-news-or-a-relay-fault",
                   test_own_messages_are_no_news_or_a_relay_fault);
  g_test_add_func ("/share/versions/an-unknown-version-gets-a-cancel-with-the-supported-list",
                   test_an_unknown_version_gets_a_cancel_with_the_supported_list);
  g_test_add_func ("/share/versions/an-unknown-suite-gets-a-cancel",
                   test_an_unknown_suite_gets_a_cancel);
  g_test_add_func ("/share/versions/an-unknown-version-from-the-recipient-gets-a-cancel",
                   test_an_unknown_version_from_the_recipient_gets_a_cancel);
  g_test_add_func ("/share/direct/a-link-without-commitment-is-shown-as-foreign",
                   test_a_link_without_commitment_is_shown_as_foreign);
  g_test_add_func ("/share/expiry/an-expired-share-ends", test_an_expired_share_ends);
  g_test_add_func ("/share/verified/a-cancel-reaches-a-recipient-still-deciding",
                   test_a_cancel_reaches_a_recipient_still_deciding);

  return g_test_run ();
}
