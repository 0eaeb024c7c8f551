/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-share-core.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-json-strict.h"
#include "tw-link.h"

/* A saved state holds up to three messages in base64 besides the keys. */
static const TwJsonLimits state_limits = {
  .max_depth = 8,
  .max_string_size = 64 * 1024,
  .max_total_size = 256 * 1024,
};

static const char * const flow_names[] = { "direct", "verified" };
static const char * const kind_names[] = { "copy", "digital-key" };
static const char * const link_check_names[] = { "verified", "foreign", "altered" };

gboolean
tw_share_name_is_valid (const char *name)
{
  gsize length = name != NULL ? strlen (name) : 0;

  if (length == 0 || length > TW_SHARE_NAME_MAX_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i])
        && name[i] != '-' && name[i] != '.')
      return FALSE;

  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Life cycle and the action
 * ------------------------------------------------------------------------- */

void
tw_share_core_init (TwShareCore *core,
                    TwRole       role)
{
  memset (core, 0, sizeof *core);
  core->role = role;
  tw_transcript_init (&core->th);
  core->step = TW_SHARE_ACTION_READ;
  core->after_write = TW_SHARE_ACTION_READ;
  core->failure = TW_SHARE_FAILURE_NONE;
  core->details.link_check = TW_LINK_KEY_VERIFIED;
}

void
tw_share_core_clear (TwShareCore *core)
{
  g_clear_pointer (&core->link_key, tw_secret_unref);
  g_clear_pointer (&core->share_id, g_free);
  g_clear_pointer (&core->mailbox_id, g_free);
  g_clear_pointer (&core->last_own, g_bytes_unref);
  g_clear_pointer (&core->last_own_plaintext, tw_secret_unref);
  g_clear_pointer (&core->last_peer, g_bytes_unref);
  g_clear_pointer (&core->request_id, g_free);
  g_clear_pointer (&core->type, g_free);
  g_clear_pointer (&core->title, g_free);
  g_clear_pointer (&core->credential_format, g_free);
}

const TwShareAction *
tw_share_core_get_action (TwShareCore *core)
{
  gboolean writes = core->step == TW_SHARE_ACTION_CREATE
                    || core->step == TW_SHARE_ACTION_WRITE;

  core->action.kind = core->step;
  core->action.payload = writes ? core->last_own : NULL;
  core->action.request_id = writes || core->step == TW_SHARE_ACTION_DELETE
                            ? core->request_id : NULL;
  core->action.failure = core->step == TW_SHARE_ACTION_FAILED
                         ? core->failure : TW_SHARE_FAILURE_NONE;
  return &core->action;
}

gboolean
tw_share_core_is_over (TwShareCore *core)
{
  return core->step == TW_SHARE_ACTION_DONE || core->step == TW_SHARE_ACTION_FAILED;
}

gboolean
tw_share_core_expect_step (TwShareCore        *core,
                           TwShareActionKind   step,
                           const char         *call,
                           GError            **error)
{
  if (core->step == step)
    return TRUE;

  g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_STATE,
               "“%s” does not fit now: the share's next action is “%s”, not “%s”",
               call, tw_share_action_kind_to_string (core->step),
               tw_share_action_kind_to_string (step));
  return FALSE;
}

void
tw_share_core_set_details (TwShareCore *core,
                           const char  *type,
                           const char  *title,
                           const char  *credential_format)
{
  g_free (core->type);
  g_free (core->title);
  g_free (core->credential_format);
  core->type = g_strdup (type);
  core->title = g_strdup (title);
  core->credential_format = g_strdup (credential_format);
  core->details.type = core->type;
  core->details.title = core->title;
  core->details.credential_format = core->credential_format;
  core->details.flow = core->flow;
  core->details.kind = core->kind;
}

static char *
new_request_id (void)
{
  guint8 b[16];

  tw_random_bytes (b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
  b[8] = (b[8] & 0x3f) | 0x80;   /* variant 10 */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                          b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------- */

TwMessageHeader
tw_share_core_next_header (TwShareCore *core)
{
  TwMessageHeader header = {
    .mailbox_id = core->mailbox_id != NULL ? core->mailbox_id : "",
    .seq = core->own_next_seq,
    .from = core->role,
    .th = core->th,
  };

  return header;
}

gboolean
tw_share_core_queue (TwShareCore        *core,
                     TwMessageFormat     format,
                     TwSecret           *plaintext,
                     TwShareActionKind   after_write,
                     GError            **error)
{
  g_autoptr (GBytes) sealed = tw_message_seal (core->link_key, plaintext, error);

  if (sealed == NULL)
    return FALSE;

  tw_transcript_append (&core->th, tw_secret_get_data (plaintext),
                        tw_secret_get_size (plaintext));
  core->own_next_seq++;
  g_clear_pointer (&core->last_own, g_bytes_unref);
  core->last_own = g_steal_pointer (&sealed);
  g_clear_pointer (&core->last_own_plaintext, tw_secret_unref);
  core->last_own_plaintext = tw_secret_ref (plaintext);
  core->last_own_format = format;
  g_free (core->request_id);
  core->request_id = new_request_id ();
  core->step = core->mailbox_id != NULL ? TW_SHARE_ACTION_WRITE : TW_SHARE_ACTION_CREATE;
  core->after_write = after_write;
  return TRUE;
}

gboolean
tw_share_core_send (TwShareCore        *core,
                    TwMessageFormat     format,
                    TwSecret           *body_json,
                    TwSecret           *signing_seed,
                    TwShareActionKind   after_write,
                    GError            **error)
{
  TwMessageHeader header = tw_share_core_next_header (core);
  g_autoptr (TwSecret) plaintext = tw_message_build (format, &header, core->share_id,
                                                     body_json, signing_seed, error);

  return plaintext != NULL
         && tw_share_core_queue (core, format, plaintext, after_write, error);
}

TwSecret *
tw_share_core_cancel_body (const char *reason)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "reason");
  tw_json_writer_string (writer, reason);
  if (g_strcmp0 (reason, TW_SHARE_REASON_UNSUPPORTED) == 0)
    {
      tw_json_writer_member (writer, "supported");
      tw_json_writer_begin_object (writer);
      tw_json_writer_member (writer, "v");
      tw_json_writer_begin_array (writer);
      tw_json_writer_int (writer, TW_MESSAGE_VERSION);
      tw_json_writer_end_array (writer);
      tw_json_writer_member (writer, "suites");
      tw_json_writer_begin_array (writer);
      tw_json_writer_string (writer, TW_SHARE_SUITE);
      tw_json_writer_end_array (writer);
      tw_json_writer_end_object (writer);
    }
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (writer, 0);
}

static void
finish_pending_write (TwShareCore *core)
{
  g_clear_pointer (&core->last_own_plaintext, tw_secret_unref);
  g_clear_pointer (&core->request_id, g_free);
  core->step = core->after_write;
  if (core->step == TW_SHARE_ACTION_DELETE)
    core->request_id = new_request_id ();
}

void
tw_share_core_written (TwShareCore *core)
{
  if (core->step == TW_SHARE_ACTION_WRITE || core->step == TW_SHARE_ACTION_CREATE)
    finish_pending_write (core);
}

/* ---------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------- */

/* The sender's first message predates the mailbox id; but a sender that
 * cancels before we read has overwritten it with a cancel that names the
 * mailbox. */
static TwMessage *
parse_first_message (TwShareCore      *core,
                     TwSecret         *plaintext,
                     TwMessageExpect  *expect,
                     GError          **error)
{
  g_autoptr (GError) local_error = NULL;
  TwMessage *message;

  expect->mailbox_id = "";
  message = tw_message_parse (plaintext, expect, &local_error);
  if (message == NULL
      && g_error_matches (local_error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_MAILBOX))
    {
      g_clear_error (&local_error);
      expect->mailbox_id = core->mailbox_id;
      expect->allowed_formats &= TW_MESSAGE_FORMAT_BIT (TW_MESSAGE_CANCEL);
      message = tw_message_parse (plaintext, expect, &local_error);
    }
  if (message == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return message;
}

TwMessage *
tw_share_core_read (TwShareCore  *core,
                    GBytes       *payload,
                    guint         allowed_formats,
                    GError      **error)
{
  g_autoptr (TwSecret) plaintext = NULL;
  g_autoptr (GError) local_error = NULL;
  TwMessageExpect expect = {
    .mailbox_id = core->mailbox_id,
    .from = core->role == TW_ROLE_SENDER ? TW_ROLE_RECIPIENT : TW_ROLE_SENDER,
    .next_seq = core->peer_next_seq,
    .th = core->th,
    .allowed_formats = allowed_formats,
    .share_id = core->share_id,
    .signer_key = core->has_sender_key ? core->sender_key : NULL,
  };
  TwMessage *message;

  if (core->last_own != NULL && g_bytes_equal (payload, core->last_own))
    {
      if (core->step == TW_SHARE_ACTION_WRITE)
        finish_pending_write (core);
      return NULL;
    }
  if (core->last_peer != NULL && g_bytes_equal (payload, core->last_peer))
    return NULL;

  plaintext = tw_message_open (core->link_key, payload, error);
  if (plaintext == NULL)
    return NULL;
  if (core->role == TW_ROLE_RECIPIENT && core->peer_next_seq == 0)
    message = parse_first_message (core, plaintext, &expect, &local_error);
  else
    message = tw_message_parse (plaintext, &expect, &local_error);

  if (message == NULL
      && g_error_matches (local_error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_ROLE))
    g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_RELAY_FAULT,
                 "The relay returned a message of the %s that this %s never wrote",
                 tw_role_to_string (core->role), tw_role_to_string (core->role));
  else if (message == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return message;
}

void
tw_share_core_take (TwShareCore *core,
                    TwMessage   *message,
                    GBytes      *payload)
{
  TwSecret *plaintext = tw_message_get_plaintext (message);
  const guint8 *signer_key = tw_message_get_signer_key (message);

  tw_transcript_append (&core->th, tw_secret_get_data (plaintext),
                        tw_secret_get_size (plaintext));
  core->peer_next_seq = tw_message_get_header (message)->seq + 1;
  g_clear_pointer (&core->last_peer, g_bytes_unref);
  core->last_peer = g_bytes_ref (payload);
  if (core->share_id == NULL)
    core->share_id = g_strdup (tw_message_get_share_id (message));
  core->details.share_id = core->share_id;
  if (!core->has_sender_key && signer_key != NULL)
    {
      memcpy (core->sender_key, signer_key, sizeof core->sender_key);
      core->has_sender_key = TRUE;
    }

  /* The peer answered our pending write, so it landed. */
  if (core->step == TW_SHARE_ACTION_WRITE)
    finish_pending_write (core);
}

/* ---------------------------------------------------------------------------
 * Ending
 * ------------------------------------------------------------------------- */

void
tw_share_core_end (TwShareCore    *core,
                   TwShareFailure  failure,
                   gboolean        delete_mailbox)
{
  core->failure = failure;
  g_clear_pointer (&core->last_own_plaintext, tw_secret_unref);
  g_clear_pointer (&core->request_id, g_free);
  if (delete_mailbox && core->mailbox_id != NULL)
    {
      core->step = TW_SHARE_ACTION_DELETE;
      core->request_id = new_request_id ();
    }
  else
    core->step = failure == TW_SHARE_FAILURE_NONE ? TW_SHARE_ACTION_DONE
                                                  : TW_SHARE_ACTION_FAILED;
}

void
tw_share_core_deleted (TwShareCore *core)
{
  if (core->step == TW_SHARE_ACTION_DELETE)
    tw_share_core_end (core, core->failure, FALSE);
}

TwShareFailure
tw_share_core_failure_from_reason (const char *reason)
{
  if (g_strcmp0 (reason, TW_SHARE_REASON_PIN_ATTEMPTS) == 0)
    return TW_SHARE_FAILURE_PIN_ATTEMPTS;
  if (g_strcmp0 (reason, TW_SHARE_REASON_UNSUPPORTED) == 0)
    return TW_SHARE_FAILURE_UNSUPPORTED;
  if (g_strcmp0 (reason, TW_SHARE_REASON_ALTERED) == 0)
    return TW_SHARE_FAILURE_ALTERED;
  if (g_strcmp0 (reason, TW_SHARE_REASON_EXPIRED) == 0)
    return TW_SHARE_FAILURE_EXPIRED;

  return TW_SHARE_FAILURE_PEER_CANCELLED;
}

/* ---------------------------------------------------------------------------
 * Saving and restoring
 * ------------------------------------------------------------------------- */

gboolean
tw_share_bad_state (GError **error,
                    GError  *cause)
{
  g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_STATE,
               "The saved share is damaged: %s",
               cause != NULL ? cause->message : "its parts do not fit together");
  g_clear_error (&cause);
  return FALSE;
}

static gboolean
lookup_name (const char * const *names,
             guint               n_names,
             const char         *text,
             guint              *value)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], text) == 0)
      {
        *value = i;
        return TRUE;
      }

  return FALSE;
}

static gboolean
read_name (JsonObject          *object,
           const char          *member,
           const char * const  *names,
           guint                n_names,
           guint               *value,
           GError             **error)
{
  GError *local_error = NULL;
  const char *text = tw_json_get_string (object, member, &local_error);

  if (text == NULL)
    return tw_share_bad_state (error, local_error);
  if (!lookup_name (names, n_names, text, value))
    {
      g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_STATE,
                   "The saved share is damaged: “%s” holds an unknown value", member);
      return FALSE;
    }

  return TRUE;
}

static const char *
action_name (guint kind)
{
  return tw_share_action_kind_to_string (kind);
}

static gboolean
read_action (JsonObject         *object,
             const char         *member,
             TwShareActionKind  *kind,
             GError            **error)
{
  const char *names[TW_SHARE_ACTION_FAILED + 1];
  guint value;

  for (guint i = 0; i <= TW_SHARE_ACTION_FAILED; i++)
    names[i] = action_name (i);
  if (!read_name (object, member, names, G_N_ELEMENTS (names), &value, error))
    return FALSE;

  *kind = value;
  return TRUE;
}

static gboolean
read_failure (JsonObject      *object,
              TwShareFailure  *failure,
              GError         **error)
{
  const char *names[TW_SHARE_FAILURE_UNSUPPORTED + 1];
  guint value;

  for (guint i = 0; i <= TW_SHARE_FAILURE_UNSUPPORTED; i++)
    names[i] = tw_share_failure_to_string (i);
  if (!read_name (object, "failure", names, G_N_ELEMENTS (names), &value, error))
    return FALSE;

  *failure = value;
  return TRUE;
}

void
tw_share_state_write_bytes (TwJsonWriter *writer,
                            const char   *member,
                            GBytes       *bytes)
{
  gsize size;
  gconstpointer data;

  if (bytes == NULL)
    return;

  data = g_bytes_get_data (bytes, &size);
  tw_json_writer_member (writer, member);
  tw_json_writer_base64 (writer, data, size);
}

void
tw_share_state_write_secret (TwJsonWriter *writer,
                             const char   *member,
                             TwSecret     *secret)
{
  if (secret == NULL)
    return;

  tw_json_writer_member (writer, member);
  tw_json_writer_base64 (writer, tw_secret_get_data (secret), tw_secret_get_size (secret));
}

static void
write_optional_string (TwJsonWriter *writer,
                       const char   *member,
                       const char   *value)
{
  if (value == NULL)
    return;

  tw_json_writer_member (writer, member);
  tw_json_writer_string (writer, value);
}

static void
write_int (TwJsonWriter *writer,
           const char   *member,
           gint64        value)
{
  tw_json_writer_member (writer, member);
  tw_json_writer_int (writer, value);
}

static void
save_details (TwShareCore  *core,
              TwJsonWriter *writer)
{
  tw_json_writer_member (writer, "details");
  tw_json_writer_begin_object (writer);
  write_optional_string (writer, "type", core->type);
  write_optional_string (writer, "title", core->title);
  write_optional_string (writer, "format", core->credential_format);
  write_int (writer, "rights", core->details.rights);
  write_int (writer, "not_after", core->details.not_after);
  tw_json_writer_member (writer, "link_check");
  tw_json_writer_string (writer, link_check_names[core->details.link_check]);
  write_int (writer, "tries_left", core->details.tries_left);
  tw_json_writer_end_object (writer);
}

void
tw_share_core_save (TwShareCore  *core,
                    TwJsonWriter *writer)
{
  g_autofree char *th = tw_transcript_to_base64 (&core->th);

  tw_json_writer_member (writer, "flow");
  tw_json_writer_string (writer, flow_names[core->flow]);
  tw_json_writer_member (writer, "kind");
  tw_json_writer_string (writer, kind_names[core->kind]);
  tw_share_state_write_secret (writer, "link_key", core->link_key);
  write_optional_string (writer, "share", core->share_id);
  write_optional_string (writer, "mailbox", core->mailbox_id);
  tw_json_writer_member (writer, "th");
  tw_json_writer_string (writer, th);
  write_int (writer, "own_seq", core->own_next_seq);
  write_int (writer, "peer_seq", core->peer_next_seq);
  if (core->has_sender_key)
    {
      tw_json_writer_member (writer, "sender_key");
      tw_json_writer_base64 (writer, core->sender_key, sizeof core->sender_key);
    }
  tw_share_state_write_bytes (writer, "last_own", core->last_own);
  if (core->last_own != NULL)
    write_optional_string (writer, "last_own_format",
                           tw_message_format_to_string (core->last_own_format));
  tw_share_state_write_secret (writer, "last_own_plaintext", core->last_own_plaintext);
  tw_share_state_write_bytes (writer, "last_peer", core->last_peer);
  write_optional_string (writer, "step", action_name (core->step));
  write_optional_string (writer, "after_write", action_name (core->after_write));
  write_optional_string (writer, "failure", tw_share_failure_to_string (core->failure));
  write_optional_string (writer, "request", core->request_id);
  write_int (writer, "expires", core->expires_at);
  save_details (core, writer);
}

GBytes *
tw_share_state_optional_bytes (JsonObject  *object,
                               const char  *member,
                               GError     **error)
{
  const char *text = NULL;
  GError *local_error = NULL;
  GBytes *bytes;

  if (!tw_json_get_optional_string (object, member, &text, &local_error))
    {
      tw_share_bad_state (error, local_error);
      return NULL;
    }
  if (text == NULL)
    return NULL;

  bytes = tw_base64_decode_bytes (text, -1, TW_BASE64_STANDARD, &local_error);
  if (bytes == NULL)
    tw_share_bad_state (error, local_error);
  return bytes;
}

TwSecret *
tw_share_state_optional_secret (JsonObject  *object,
                                const char  *member,
                                gssize       exact_size,
                                GError     **error)
{
  const char *text = NULL;
  GError *local_error = NULL;
  TwSecret *secret;

  if (!tw_json_get_optional_string (object, member, &text, &local_error))
    {
      tw_share_bad_state (error, local_error);
      return NULL;
    }
  if (text == NULL)
    return NULL;

  secret = tw_json_take_secret_base64 (object, member, exact_size, &local_error);
  if (secret == NULL)
    tw_share_bad_state (error, local_error);
  return secret;
}

gboolean
tw_share_state_bytes (JsonObject  *object,
                      const char  *member,
                      guint8      *out,
                      gsize        size,
                      GError     **error)
{
  GError *local_error = NULL;
  const char *text = tw_json_get_string (object, member, &local_error);

  if (text == NULL
      || !tw_base64_decode_exact (text, -1, TW_BASE64_STANDARD, out, size, &local_error))
    return tw_share_bad_state (error, local_error);

  return TRUE;
}

static gboolean
restore_details (TwShareCore  *core,
                 JsonObject   *state,
                 GError      **error)
{
  GError *local_error = NULL;
  JsonObject *details = tw_json_get_object (state, "details", &local_error);
  const char *type = NULL, *title = NULL, *format = NULL;
  gint64 rights, not_after, tries_left;
  guint link_check;

  if (details == NULL
      || !tw_json_get_optional_string (details, "type", &type, &local_error)
      || !tw_json_get_optional_string (details, "title", &title, &local_error)
      || !tw_json_get_optional_string (details, "format", &format, &local_error)
      || !tw_json_get_int (details, "rights", 0, G_MAXUINT32, &rights, &local_error)
      || !tw_json_get_int (details, "not_after", 0, G_MAXINT64, &not_after, &local_error)
      || !tw_json_get_int (details, "tries_left", 0, TW_SHARE_PIN_ATTEMPTS, &tries_left,
                           &local_error))
    return tw_share_bad_state (error, local_error);
  if (!read_name (details, "link_check", link_check_names,
                  G_N_ELEMENTS (link_check_names), &link_check, error))
    return FALSE;

  tw_share_core_set_details (core, type, title, format);
  core->details.share_id = core->share_id;
  core->details.rights = rights;
  core->details.not_after = not_after;
  core->details.link_check = link_check;
  core->details.tries_left = tries_left;
  return TRUE;
}

static gboolean
restore_strings (TwShareCore  *core,
                 JsonObject   *state,
                 GError      **error)
{
  GError *local_error = NULL;
  const char *share_id = NULL, *mailbox_id = NULL, *request_id = NULL, *th;

  if (!tw_json_get_optional_string (state, "share", &share_id, &local_error)
      || !tw_json_get_optional_string (state, "mailbox", &mailbox_id, &local_error)
      || !tw_json_get_optional_string (state, "request", &request_id, &local_error)
      || (th = tw_json_get_string (state, "th", &local_error)) == NULL
      || !tw_transcript_from_base64 (th, &core->th, &local_error))
    return tw_share_bad_state (error, local_error);
  if ((share_id != NULL && !tw_share_id_is_valid (share_id))
      || (mailbox_id != NULL && !tw_link_mailbox_id_is_valid (mailbox_id)))
    return tw_share_bad_state (error, NULL);

  core->share_id = g_strdup (share_id);
  core->mailbox_id = g_strdup (mailbox_id);
  core->request_id = g_strdup (request_id);
  return TRUE;
}

static gboolean
restore_messages (TwShareCore  *core,
                  JsonObject   *state,
                  GError      **error)
{
  GError *local_error = NULL;
  const char *format = NULL;

  if (!tw_json_get_optional_string (state, "last_own_format", &format, &local_error))
    return tw_share_bad_state (error, local_error);
  core->last_own = tw_share_state_optional_bytes (state, "last_own", &local_error);
  if (local_error == NULL)
    core->last_peer = tw_share_state_optional_bytes (state, "last_peer", &local_error);
  if (local_error == NULL)
    core->last_own_plaintext = tw_share_state_optional_secret (state, "last_own_plaintext",
                                                               -1, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if ((core->last_own != NULL) != (format != NULL)
      || (format != NULL && !tw_message_format_from_string (format, &core->last_own_format)))
    return tw_share_bad_state (error, NULL);

  return TRUE;
}

static gboolean
restore_numbers (TwShareCore  *core,
                 JsonObject   *state,
                 GError      **error)
{
  GError *local_error = NULL;
  guint flow, kind;

  if (!tw_json_get_int (state, "own_seq", 0, G_MAXINT32, &core->own_next_seq, &local_error)
      || !tw_json_get_int (state, "peer_seq", 0, G_MAXINT32, &core->peer_next_seq,
                           &local_error)
      || !tw_json_get_int (state, "expires", 0, G_MAXINT64, &core->expires_at, &local_error))
    return tw_share_bad_state (error, local_error);
  if (!read_name (state, "flow", flow_names, G_N_ELEMENTS (flow_names), &flow, error)
      || !read_name (state, "kind", kind_names, G_N_ELEMENTS (kind_names), &kind, error)
      || !read_action (state, "step", &core->step, error)
      || !read_action (state, "after_write", &core->after_write, error)
      || !read_failure (state, &core->failure, error))
    return FALSE;

  core->flow = flow;
  core->kind = kind;
  return TRUE;
}

/* Each role has steps it never takes: only the sender creates a mailbox,
 * only the recipient asks its user or stores. And a write only ever leads
 * to reading, deleting or being done. */
static gboolean
steps_fit_role (TwShareCore *core)
{
  gboolean sender = core->role == TW_ROLE_SENDER;

  if (core->step == TW_SHARE_ACTION_CREATE && !sender)
    return FALSE;
  if ((core->step == TW_SHARE_ACTION_ASK_USER || core->step == TW_SHARE_ACTION_STORE)
      && sender)
    return FALSE;

  return core->after_write == TW_SHARE_ACTION_READ
         || core->after_write == TW_SHARE_ACTION_DELETE
         || core->after_write == TW_SHARE_ACTION_DONE;
}

/* Our sender always makes a 32-byte key (it carries the link commitment);
 * a recipient may hold a 16-byte one from another Draft V app. */
static gboolean
link_key_size_fits_role (TwShareCore *core)
{
  gsize size = tw_secret_get_size (core->link_key);

  if (core->role == TW_ROLE_SENDER)
    return size == TW_LINK_KEY_SIZE;

  return size == 16 || size == TW_LINK_KEY_SIZE;
}

/* The parts must fit together, so a damaged state cannot make the machine
 * write nothing under a request id, write or read without a mailbox, or put
 * anything but one of our own UUIDs in a Mailbox-Request-ID header. */
static gboolean
check_consistency (TwShareCore  *core,
                   GError      **error)
{
  gboolean writes = core->step == TW_SHARE_ACTION_CREATE
                    || core->step == TW_SHARE_ACTION_WRITE;

  if (core->link_key == NULL
      || !link_key_size_fits_role (core)
      || !steps_fit_role (core)
      || (core->request_id != NULL && !tw_link_mailbox_id_is_valid (core->request_id))
      || (writes && (core->last_own == NULL || core->request_id == NULL))
      || ((core->step == TW_SHARE_ACTION_WRITE || core->step == TW_SHARE_ACTION_READ)
          && core->mailbox_id == NULL)
      || (core->step == TW_SHARE_ACTION_DELETE && core->request_id == NULL)
      || (core->role == TW_ROLE_SENDER && core->share_id == NULL))
    return tw_share_bad_state (error, NULL);

  return TRUE;
}

gboolean
tw_share_core_restore (TwShareCore  *core,
                       JsonObject   *state,
                       GError      **error)
{
  GError *local_error = NULL;

  core->link_key = tw_share_state_optional_secret (state, "link_key", -1, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (json_object_has_member (state, "sender_key"))
    {
      if (!tw_share_state_bytes (state, "sender_key", core->sender_key,
                                 sizeof core->sender_key, error))
        return FALSE;
      core->has_sender_key = TRUE;
    }

  return restore_strings (core, state, error)
         && restore_messages (core, state, error)
         && restore_numbers (core, state, error)
         && restore_details (core, state, error)
         && check_consistency (core, error);
}

JsonObject *
tw_share_state_parse (TwSecret    *state,
                      const char  *role,
                      GError     **error)
{
  GError *local_error = NULL;
  g_autoptr (JsonObject) object = NULL;
  const char *saved_role;
  gint64 version;

  object = tw_json_strict_parse_object (tw_secret_get_text (state), tw_secret_get_size (state),
                                        &state_limits, &local_error);
  if (object == NULL
      || !tw_json_get_int (object, "v", 0, G_MAXINT32, &version, &local_error)
      || (saved_role = tw_json_get_string (object, "role", &local_error)) == NULL)
    {
      tw_share_bad_state (error, local_error);
      return NULL;
    }
  if (version != TW_SHARE_STATE_VERSION || strcmp (saved_role, role) != 0)
    {
      g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_STATE,
                   "The saved share is not a version %d %s's share",
                   TW_SHARE_STATE_VERSION, role);
      return NULL;
    }

  return g_steal_pointer (&object);
}

/* ---------------------------------------------------------------------------
 * Message bodies
 * ------------------------------------------------------------------------- */

gboolean
tw_share_bad_content (GError     **error,
                      GError      *cause,
                      const char  *what)
{
  g_set_error (error, TW_SHARE_ERROR, TW_SHARE_ERROR_BAD_CONTENT,
               "The %s makes no sense: %s", what,
               cause != NULL ? cause->message : "its parts do not fit together");
  g_clear_error (&cause);
  return FALSE;
}

gboolean
tw_share_body_bytes (JsonObject  *body,
                     const char  *member,
                     guint8      *out,
                     gsize        size,
                     GError     **error)
{
  GError *local_error = NULL;
  const char *text = tw_json_get_string (body, member, &local_error);

  if (text == NULL
      || !tw_base64_decode_exact (text, -1, TW_BASE64_STANDARD, out, size, &local_error))
    return tw_share_bad_content (error, local_error, "message");

  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The PAKE and the inner layer
 * ------------------------------------------------------------------------- */

static void
append_lp (GByteArray    *array,
           gconstpointer  data,
           gsize          size)
{
  guint8 length[2] = { (size >> 8) & 0xff, size & 0xff };

  g_byte_array_append (array, length, sizeof length);
  if (size > 0)
    g_byte_array_append (array, data, size);
}

GBytes *
tw_share_pake_aad (const TwTranscript *th_pake,
                   const char         *share_id,
                   const guint8       *subject_key)
{
  GByteArray *aad = g_byte_array_new ();

  append_lp (aad, th_pake->hash, sizeof th_pake->hash);
  append_lp (aad, share_id, strlen (share_id));
  append_lp (aad, TW_SHARE_SUITE, strlen (TW_SHARE_SUITE));
  append_lp (aad, subject_key, subject_key != NULL ? TW_ED25519_PUBLIC_SIZE : 0);
  return g_byte_array_free_to_bytes (aad);
}

TwSpake2 *
tw_share_pake_new (TwSpake2Role   role,
                   TwSecret      *w,
                   TwSecret      *scalar,
                   GError       **error)
{
  if (scalar != NULL)
    return tw_spake2_new_with_scalar (role, TW_SHARE_IDENTITY_SENDER,
                                      TW_SHARE_IDENTITY_RECIPIENT, w, scalar, error);

  return tw_spake2_new (role, TW_SHARE_IDENTITY_SENDER, TW_SHARE_IDENTITY_RECIPIENT,
                        w, error);
}

TwSecret *
tw_share_direction_key (TwSpake2           *pake,
                        const TwTranscript *th_pake,
                        const char         *label,
                        GError            **error)
{
  g_autoptr (TwSecret) ke = tw_spake2_get_shared_key (pake);
  TwSecret *key = tw_secret_new (TW_SHARE_DIRECTION_KEY_SIZE);

  if (!tw_hkdf_sha256 (tw_secret_get_data (ke), tw_secret_get_size (ke),
                       th_pake->hash, sizeof th_pake->hash, label, strlen (label),
                       tw_secret_get_data (key), TW_SHARE_DIRECTION_KEY_SIZE, error))
    {
      tw_secret_unref (key);
      return NULL;
    }

  return key;
}

static GBytes *
inner_aad (const char         *label,
           const char         *share_id,
           const TwTranscript *th)
{
  GByteArray *aad = g_byte_array_new ();

  g_byte_array_append (aad, (const guint8 *) label, strlen (label));
  g_byte_array_append (aad, (const guint8 *) share_id, strlen (share_id));
  g_byte_array_append (aad, th->hash, sizeof th->hash);
  return g_byte_array_free_to_bytes (aad);
}

GBytes *
tw_share_inner_seal (TwSecret            *key,
                     const char          *label,
                     const char          *share_id,
                     const TwTranscript  *th,
                     TwSecret            *plaintext,
                     GError             **error)
{
  g_autoptr (GBytes) aad = inner_aad (label, share_id, th);

  return tw_aes_gcm_seal (tw_secret_get_data (key), tw_secret_get_size (key),
                          g_bytes_get_data (aad, NULL), g_bytes_get_size (aad),
                          tw_secret_get_data (plaintext), tw_secret_get_size (plaintext),
                          error);
}

TwSecret *
tw_share_inner_open (TwSecret            *key,
                     const char          *label,
                     const char          *share_id,
                     const TwTranscript  *th,
                     GBytes              *sealed,
                     GError             **error)
{
  g_autoptr (GBytes) aad = inner_aad (label, share_id, th);

  return tw_aes_gcm_open (tw_secret_get_data (key), tw_secret_get_size (key),
                          g_bytes_get_data (aad, NULL), g_bytes_get_size (aad),
                          g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                          error);
}

GBytes *
tw_share_pop_input (const TwTranscript *th_pake,
                    const guint8        pb[TW_SPAKE2_POINT_SIZE])
{
  GByteArray *input = g_byte_array_new ();

  g_byte_array_append (input, (const guint8 *) TW_SHARE_LABEL_KEY_POP,
                       strlen (TW_SHARE_LABEL_KEY_POP) + 1);
  g_byte_array_append (input, th_pake->hash, sizeof th_pake->hash);
  g_byte_array_append (input, pb, TW_SPAKE2_POINT_SIZE);
  return g_byte_array_free_to_bytes (input);
}
