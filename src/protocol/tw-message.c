/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-message.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-json-secret.h"
#include "tw-json-strict.h"

struct _TwMessage
{
  TwSecret        *plaintext;
  JsonNode        *root;
  JsonNode        *signed_root;      /* the parsed signed part, sender messages only */
  TwMessageFormat  format;
  TwMessageHeader  header;
  char            *mailbox_id;       /* header.mailbox_id points here */
  char            *share_id;
  JsonObject      *body;
  gboolean         is_signed;
  guint8           signer_key[TW_ED25519_PUBLIC_SIZE];
};

/* The tw object as read, before it is compared with anything. */
typedef struct {
  gint64      version;
  const char *mailbox_id;
  gint64      seq;
  const char *from;
  const char *th;
} RawTw;

static const char * const format_names[] = {
  [TW_MESSAGE_OFFER] = "offer",
  [TW_MESSAGE_ACCEPT] = "accept",
  [TW_MESSAGE_PIN_REJECTED] = "pin-rejected",
  [TW_MESSAGE_DELIVER] = "deliver",
  [TW_MESSAGE_RECEIPT] = "receipt",
  [TW_MESSAGE_CANCEL] = "cancel",
};

static const TwJsonLimits message_limits = {
  .max_depth = TW_MESSAGE_MAX_DEPTH,
  .max_string_size = TW_MESSAGE_MAX_SIZE,
  .max_total_size = TW_MESSAGE_MAX_SIZE,
};

G_DEFINE_QUARK (tw-message-error-quark, tw_message_error)

const char *
tw_message_format_to_string (TwMessageFormat format)
{
  g_return_val_if_fail (format <= TW_MESSAGE_CANCEL, NULL);

  return format_names[format];
}

gboolean
tw_message_format_from_string (const char      *text,
                               TwMessageFormat *format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_strcmp0 (text, format_names[i]) == 0)
      {
        *format = i;
        return TRUE;
      }

  return FALSE;
}

const char *
tw_role_to_string (TwRole role)
{
  return role == TW_ROLE_SENDER ? "sender" : "recipient";
}

gboolean
tw_share_id_is_valid (const char *text)
{
  if (text == NULL || strlen (text) != TW_SHARE_ID_TEXT_LENGTH)
    return FALSE;

  for (guint i = 0; i < TW_SHARE_ID_TEXT_LENGTH; i++)
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;

  return TRUE;
}

static gsize
pad_unit_for (TwMessageFormat format)
{
  return format == TW_MESSAGE_DELIVER ? TW_MESSAGE_DELIVER_PAD_UNIT : TW_MESSAGE_PAD_UNIT;
}

/* ---------------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------------- */

static void
write_tw (TwJsonWriter          *writer,
          const TwMessageHeader *header)
{
  g_autofree char *th = tw_transcript_to_base64 (&header->th);

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "v");
  tw_json_writer_int (writer, TW_MESSAGE_VERSION);
  tw_json_writer_member (writer, "mailbox");
  tw_json_writer_string (writer, header->mailbox_id);
  tw_json_writer_member (writer, "seq");
  tw_json_writer_int (writer, header->seq);
  tw_json_writer_member (writer, "from");
  tw_json_writer_string (writer, tw_role_to_string (header->from));
  tw_json_writer_member (writer, "th");
  tw_json_writer_string (writer, th);
  tw_json_writer_end_object (writer);
}

static TwSecret *
build_signed_part (TwMessageFormat        format,
                   const TwMessageHeader *header,
                   const char            *share_id,
                   TwSecret              *body_json)
{
  TwJsonWriter *writer = tw_json_writer_new ();

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "format");
  tw_json_writer_string (writer, format_names[format]);
  tw_json_writer_member (writer, "share");
  tw_json_writer_string (writer, share_id);
  tw_json_writer_member (writer, "tw");
  write_tw (writer, header);
  tw_json_writer_member (writer, "body");
  tw_json_writer_raw (writer, tw_secret_get_text (body_json),
                      tw_secret_get_size (body_json));
  tw_json_writer_end_object (writer);

  return tw_json_writer_finish (writer, 0);
}

/* "tigress-wallet v1 msg-sig" || 0x00 || signed part, in secure memory:
 * the signed part may hold a credential. */
static TwSecret *
signature_input (const guint8 *signed_part,
                 gsize         size)
{
  gsize label_size = strlen (TW_MESSAGE_SIGNATURE_LABEL) + 1;
  TwSecret *input = tw_secret_new (label_size + size);

  memcpy (tw_secret_get_data (input), TW_MESSAGE_SIGNATURE_LABEL, label_size);
  memcpy (tw_secret_get_data (input) + label_size, signed_part, size);
  return input;
}

static gboolean
write_signed_content (TwJsonWriter          *writer,
                      TwMessageFormat        format,
                      const TwMessageHeader *header,
                      const char            *share_id,
                      TwSecret              *body_json,
                      TwSecret              *signing_seed,
                      GError               **error)
{
  g_autoptr (TwSecret) signed_part = build_signed_part (format, header, share_id, body_json);
  g_autoptr (TwSecret) input = signature_input (tw_secret_get_data (signed_part),
                                                tw_secret_get_size (signed_part));
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];

  if (!tw_ed25519_public_key (signing_seed, public_key, error)
      || !tw_ed25519_sign (signing_seed, tw_secret_get_data (input),
                           tw_secret_get_size (input), signature, error))
    return FALSE;

  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "key");
  tw_json_writer_base64 (writer, public_key, sizeof public_key);
  tw_json_writer_member (writer, "signed");
  tw_json_writer_string_len (writer, tw_secret_get_text (signed_part),
                             tw_secret_get_size (signed_part));
  tw_json_writer_member (writer, "sig");
  tw_json_writer_base64 (writer, signature, sizeof signature);
  tw_json_writer_end_object (writer);
  return TRUE;
}

static void
write_unsigned_content (TwJsonWriter *writer,
                        const char   *share_id,
                        TwSecret     *body_json)
{
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "share");
  tw_json_writer_string (writer, share_id);
  tw_json_writer_member (writer, "body");
  tw_json_writer_raw (writer, tw_secret_get_text (body_json), tw_secret_get_size (body_json));
  tw_json_writer_end_object (writer);
}

TwSecret *
tw_message_build (TwMessageFormat        format,
                  const TwMessageHeader *header,
                  const char            *share_id,
                  TwSecret              *body_json,
                  TwSecret              *signing_seed,
                  GError               **error)
{
  g_autoptr (TwJsonWriter) writer = NULL;
  g_autoptr (TwSecret) message = NULL;

  g_return_val_if_fail (format <= TW_MESSAGE_CANCEL, NULL);
  g_return_val_if_fail (header != NULL && header->mailbox_id != NULL, NULL);
  g_return_val_if_fail (tw_share_id_is_valid (share_id), NULL);
  g_return_val_if_fail (body_json != NULL && tw_secret_get_size (body_json) > 0, NULL);

  writer = tw_json_writer_new ();
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "format");
  tw_json_writer_string (writer, format_names[format]);
  tw_json_writer_member (writer, "content");
  if (signing_seed != NULL)
    {
      if (!write_signed_content (writer, format, header, share_id, body_json,
                                 signing_seed, error))
        return NULL;
    }
  else
    write_unsigned_content (writer, share_id, body_json);
  tw_json_writer_member (writer, "tw");
  write_tw (writer, header);
  tw_json_writer_end_object (writer);

  message = tw_json_writer_finish (g_steal_pointer (&writer), pad_unit_for (format));
  if (tw_secret_get_size (message) > TW_MESSAGE_MAX_SIZE)
    {
      g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED,
                   "The message would be %" G_GSIZE_FORMAT " bytes, over the limit of %d",
                   tw_secret_get_size (message), TW_MESSAGE_MAX_SIZE);
      return NULL;
    }

  return g_steal_pointer (&message);
}

/* ---------------------------------------------------------------------------
 * The outer layer
 * ------------------------------------------------------------------------- */

GBytes *
tw_message_seal (TwSecret  *link_key,
                 TwSecret  *plaintext,
                 GError   **error)
{
  g_return_val_if_fail (link_key != NULL && plaintext != NULL, NULL);

  return tw_aes_gcm_seal (tw_secret_get_data (link_key), tw_secret_get_size (link_key),
                          NULL, 0,
                          tw_secret_get_data (plaintext), tw_secret_get_size (plaintext),
                          error);
}

TwSecret *
tw_message_open (TwSecret  *link_key,
                 GBytes    *sealed,
                 GError   **error)
{
  g_autoptr (GError) local_error = NULL;
  TwSecret *plaintext;
  gsize size;
  gconstpointer data;

  g_return_val_if_fail (link_key != NULL && sealed != NULL, NULL);

  data = g_bytes_get_data (sealed, &size);
  plaintext = tw_aes_gcm_open (tw_secret_get_data (link_key), tw_secret_get_size (link_key),
                               NULL, 0, data, size, &local_error);
  if (plaintext == NULL)
    g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNREADABLE,
                 "The payload does not decrypt under the link key: %s",
                 local_error->message);

  return plaintext;
}

/* ---------------------------------------------------------------------------
 * Parsing, one check per helper, in the order the header describes
 * ------------------------------------------------------------------------- */

static gboolean
malformed (GError     **error,
           GError      *cause,
           const char  *what)
{
  g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED,
               "%s is not well formed: %s", what, cause->message);
  g_error_free (cause);
  return FALSE;
}

/* Only spaces may follow the JSON text, and the whole must fill whole
 * padding units; the unit depends on the format, checked later. */
static JsonObject *
parse_padded (TwSecret  *plaintext,
              GError   **error)
{
  const char *text = tw_secret_get_text (plaintext);
  gsize size = tw_secret_get_size (plaintext);
  gsize end = size;
  GError *local_error = NULL;
  JsonObject *root;

  if (size > TW_MESSAGE_MAX_SIZE || size % TW_MESSAGE_PAD_UNIT != 0)
    {
      g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED,
                   "The message is %" G_GSIZE_FORMAT " bytes, not whole padding units "
                   "within the limit", size);
      return NULL;
    }
  while (end > 0 && text[end - 1] == ' ')
    end--;
  if (end == 0 || text[end - 1] != '}')
    {
      g_set_error_literal (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED,
                           "The message does not end in an object padded with spaces");
      return NULL;
    }

  root = tw_json_strict_parse_object (text, size, &message_limits, &local_error);
  if (root == NULL)
    malformed (error, local_error, "The message");

  return root;
}

static gboolean
check_version (JsonObject  *root,
               GError     **error)
{
  GError *local_error = NULL;
  JsonObject *tw = tw_json_get_object (root, "tw", &local_error);
  gint64 version;

  if (tw == NULL
      || !tw_json_get_int (tw, "v", G_MININT64, G_MAXINT64, &version, &local_error))
    return malformed (error, local_error, "The message's tw");

  if (version != TW_MESSAGE_VERSION)
    {
      g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_UNKNOWN_VERSION,
                   "The message speaks protocol version %" G_GINT64_FORMAT
                   "; this wallet speaks version %d",
                   version, TW_MESSAGE_VERSION);
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_tw (JsonObject  *tw,
         RawTw       *raw,
         GError     **error)
{
  static const char * const members[] = { "v", "mailbox", "seq", "from", "th", NULL };
  GError *local_error = NULL;

  if (!tw_json_check_members (tw, members, &local_error)
      || !tw_json_get_int (tw, "v", G_MININT64, G_MAXINT64, &raw->version, &local_error)
      || (raw->mailbox_id = tw_json_get_string (tw, "mailbox", &local_error)) == NULL
      || !tw_json_get_int (tw, "seq", 0, G_MAXINT32, &raw->seq, &local_error)
      || (raw->from = tw_json_get_string (tw, "from", &local_error)) == NULL
      || (raw->th = tw_json_get_string (tw, "th", &local_error)) == NULL)
    return malformed (error, local_error, "The message's tw");

  return TRUE;
}

static gboolean
check_role_and_mailbox (const RawTw           *raw,
                        const TwMessageExpect *expect,
                        GError               **error)
{
  if (g_strcmp0 (raw->from, tw_role_to_string (expect->from)) != 0)
    {
      g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_ROLE,
                   "The message does not come from the %s",
                   tw_role_to_string (expect->from));
      return FALSE;
    }
  if (g_strcmp0 (raw->mailbox_id, expect->mailbox_id) != 0)
    {
      g_set_error_literal (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_MAILBOX,
                           "The message was written for another mailbox");
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_format (JsonObject            *root,
              gsize                  size,
              const TwMessageExpect *expect,
              TwMessageFormat       *format,
              GError               **error)
{
  GError *local_error = NULL;
  const char *name = tw_json_get_string (root, "format", &local_error);

  if (name == NULL)
    return malformed (error, local_error, "The message's format");

  if (!tw_message_format_from_string (name, format)
      || (expect->allowed_formats & TW_MESSAGE_FORMAT_BIT (*format)) == 0)
    {
      g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_FORMAT_NOT_ALLOWED,
                   "A “%.32s” message is not expected at this step of the share", name);
      return FALSE;
    }
  if (size % pad_unit_for (*format) != 0)
    {
      g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED,
                   "A “%.32s” message must fill whole %" G_GSIZE_FORMAT "-byte units",
                   name, pad_unit_for (*format));
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_seq (gint64                 seq,
           TwMessageFormat        format,
           const TwMessageExpect *expect,
           GError               **error)
{
  if (seq == expect->next_seq)
    return TRUE;

  /* A cancel may follow a message the peer never saw (it overwrote it). */
  if (seq > expect->next_seq && format == TW_MESSAGE_CANCEL)
    return TRUE;

  if (seq > expect->next_seq)
    g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_SKIPPED,
                 "Message number %" G_GINT64_FORMAT " arrived where %" G_GINT64_FORMAT
                 " was due: one is missing", seq, expect->next_seq);
  else if (seq == expect->next_seq - 1)
    g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_REPEATED,
                 "Message number %" G_GINT64_FORMAT " arrived again", seq);
  else
    g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SEQ_OLDER,
                 "Message number %" G_GINT64_FORMAT " is older than the last one taken",
                 seq);
  return FALSE;
}

static gboolean
check_transcript (const char            *th_text,
                  TwMessageFormat        format,
                  const TwMessageExpect *expect,
                  TwTranscript          *th,
                  GError               **error)
{
  GError *local_error = NULL;

  if (!tw_transcript_from_base64 (th_text, th, &local_error))
    return malformed (error, local_error, "The message's transcript hash");

  /* A cancel may be written while the peer's message is in flight, so its
   * writer need not have seen everything; it carries only a reason. */
  if (format == TW_MESSAGE_CANCEL)
    return TRUE;

  if (!tw_transcript_equal (th, &expect->th))
    {
      g_set_error_literal (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_TRANSCRIPT_MISMATCH,
                           "The message does not follow the conversation so far: "
                           "a message was dropped, reordered or replaced");
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_share_id (const char            *share_id,
                const TwMessageExpect *expect,
                GError               **error)
{
  if (!tw_share_id_is_valid (share_id))
    {
      g_set_error_literal (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_MALFORMED,
                           "The message's share id is not well formed");
      return FALSE;
    }
  if (expect->share_id != NULL && strcmp (share_id, expect->share_id) != 0)
    {
      g_set_error_literal (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_WRONG_SHARE,
                           "The message belongs to another share");
      return FALSE;
    }

  return TRUE;
}

static gboolean
bad_signature (GError     **error,
               const char  *why)
{
  g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_BAD_SIGNATURE,
               "The sender's signature is not valid: %s", why);
  return FALSE;
}

static gboolean
verify_signature (TwMessage              *self,
                  JsonObject             *content,
                  const TwMessageExpect  *expect,
                  const char            **signed_part,
                  GError                **error)
{
  static const char * const members[] = { "key", "signed", "sig", NULL };
  guint8 signature[TW_ED25519_SIG_SIZE];
  const char *key_text, *sig_text;
  g_autoptr (TwSecret) input = NULL;

  if (!tw_json_check_members (content, members, NULL)
      || (key_text = tw_json_get_string (content, "key", NULL)) == NULL
      || (*signed_part = tw_json_get_string (content, "signed", NULL)) == NULL
      || (sig_text = tw_json_get_string (content, "sig", NULL)) == NULL)
    return bad_signature (error, "the message is not signed");
  if (!tw_base64_decode_exact (key_text, -1, TW_BASE64_STANDARD, self->signer_key,
                               sizeof self->signer_key, NULL)
      || !tw_base64_decode_exact (sig_text, -1, TW_BASE64_STANDARD, signature,
                                  sizeof signature, NULL))
    return bad_signature (error, "its key or signature is not well formed");
  if (expect->signer_key != NULL
      && !tw_memeq_ct (expect->signer_key, self->signer_key, TW_ED25519_PUBLIC_SIZE))
    return bad_signature (error, "it names another key than the share's");

  input = signature_input ((const guint8 *) *signed_part, strlen (*signed_part));
  if (!tw_ed25519_verify (self->signer_key, tw_secret_get_data (input),
                          tw_secret_get_size (input), signature))
    return bad_signature (error, "it does not verify");

  self->is_signed = TRUE;
  return TRUE;
}

static gboolean
raw_tw_equal (const RawTw *a,
              const RawTw *b)
{
  return a->version == b->version
         && strcmp (a->mailbox_id, b->mailbox_id) == 0
         && a->seq == b->seq
         && strcmp (a->from, b->from) == 0
         && strcmp (a->th, b->th) == 0;
}

static gboolean
mismatch (GError     **error,
          const char  *what)
{
  g_set_error (error, TW_MESSAGE_ERROR, TW_MESSAGE_ERROR_SIGNED_PART_MISMATCH,
               "The signed part of the message has another %s than the message", what);
  return FALSE;
}

/* Runs only after the signature has verified. */
static gboolean
read_signed_part (TwMessage              *self,
                  const char             *signed_part,
                  const RawTw            *outer_tw,
                  const TwMessageExpect  *expect,
                  GError                **error)
{
  static const char * const members[] = { "format", "share", "tw", "body", NULL };
  GError *local_error = NULL;
  JsonObject *part, *tw;
  const char *format, *share_id;
  RawTw inner_tw;

  part = tw_json_strict_parse_object (signed_part, strlen (signed_part),
                                      &message_limits, &local_error);
  if (part == NULL)
    return malformed (error, local_error, "The signed part");
  self->signed_root = json_node_init_object (json_node_alloc (), part);
  json_object_unref (part);

  if (!tw_json_check_members (part, members, &local_error)
      || (format = tw_json_get_string (part, "format", &local_error)) == NULL
      || (share_id = tw_json_get_string (part, "share", &local_error)) == NULL
      || (tw = tw_json_get_object (part, "tw", &local_error)) == NULL
      || (self->body = tw_json_get_object (part, "body", &local_error)) == NULL)
    return malformed (error, local_error, "The signed part");
  if (!read_tw (tw, &inner_tw, error))
    return FALSE;

  if (strcmp (format, format_names[self->format]) != 0)
    return mismatch (error, "format");
  if (!raw_tw_equal (&inner_tw, outer_tw))
    return mismatch (error, "tw");
  if (!check_share_id (share_id, expect, error))
    return FALSE;
  self->share_id = g_strdup (share_id);

  return TRUE;
}

static gboolean
read_unsigned_content (TwMessage              *self,
                       JsonObject             *content,
                       const TwMessageExpect  *expect,
                       GError                **error)
{
  static const char * const members[] = { "share", "body", NULL };
  GError *local_error = NULL;
  const char *share_id;

  if (!tw_json_check_members (content, members, &local_error)
      || (share_id = tw_json_get_string (content, "share", &local_error)) == NULL
      || (self->body = tw_json_get_object (content, "body", &local_error)) == NULL)
    return malformed (error, local_error, "The message's content");
  if (!check_share_id (share_id, expect, error))
    return FALSE;
  self->share_id = g_strdup (share_id);

  return TRUE;
}

static gboolean
read_content (TwMessage              *self,
              JsonObject             *root,
              const RawTw            *raw,
              const TwMessageExpect  *expect,
              GError                **error)
{
  GError *local_error = NULL;
  JsonObject *content = tw_json_get_object (root, "content", &local_error);
  const char *signed_part = NULL;

  if (content == NULL)
    return malformed (error, local_error, "The message's content");

  if (expect->from == TW_ROLE_RECIPIENT)
    return read_unsigned_content (self, content, expect, error);

  if (!verify_signature (self, content, expect, &signed_part, error)
      || !read_signed_part (self, signed_part, raw, expect, error))
    return FALSE;

  /* The signed text may hold a credential: the parsed copy is now the
   * only one needed. */
  tw_json_wipe_node (json_object_get_member (content, "signed"));
  return TRUE;
}

static gboolean
check_header (TwMessage              *self,
              JsonObject             *root,
              const TwMessageExpect  *expect,
              RawTw                  *raw,
              GError                **error)
{
  static const char * const members[] = { "format", "content", "tw", NULL };
  GError *local_error = NULL;

  if (!check_version (root, error))
    return FALSE;
  if (!tw_json_check_members (root, members, &local_error))
    return malformed (error, local_error, "The message");
  if (!read_tw (json_object_get_object_member (root, "tw"), raw, error)
      || !check_role_and_mailbox (raw, expect, error)
      || !check_format (root, tw_secret_get_size (self->plaintext), expect,
                        &self->format, error)
      || !check_seq (raw->seq, self->format, expect, error)
      || !check_transcript (raw->th, self->format, expect, &self->header.th, error))
    return FALSE;

  self->mailbox_id = g_strdup (raw->mailbox_id);
  self->header.mailbox_id = self->mailbox_id;
  self->header.seq = raw->seq;
  self->header.from = expect->from;
  return TRUE;
}

TwMessage *
tw_message_parse (TwSecret               *plaintext,
                  const TwMessageExpect  *expect,
                  GError                **error)
{
  g_autoptr (TwMessage) self = NULL;
  JsonObject *root;
  RawTw raw;

  g_return_val_if_fail (plaintext != NULL && expect != NULL, NULL);
  g_return_val_if_fail (expect->mailbox_id != NULL, NULL);

  root = parse_padded (plaintext, error);
  if (root == NULL)
    return NULL;

  self = g_new0 (TwMessage, 1);
  self->plaintext = tw_secret_ref (plaintext);
  self->root = json_node_init_object (json_node_alloc (), root);
  json_object_unref (root);

  if (!check_header (self, root, expect, &raw, error)
      || !read_content (self, root, &raw, expect, error))
    return NULL;

  return g_steal_pointer (&self);
}

TwMessageFormat
tw_message_get_format (TwMessage *self)
{
  return self->format;
}

const TwMessageHeader *
tw_message_get_header (TwMessage *self)
{
  return &self->header;
}

const char *
tw_message_get_share_id (TwMessage *self)
{
  return self->share_id;
}

JsonObject *
tw_message_get_body (TwMessage *self)
{
  return self->body;
}

const guint8 *
tw_message_get_signer_key (TwMessage *self)
{
  return self->is_signed ? self->signer_key : NULL;
}

TwSecret *
tw_message_get_plaintext (TwMessage *self)
{
  return self->plaintext;
}

void
tw_message_free (TwMessage *self)
{
  if (self == NULL)
    return;

  /* Bodies hold credentials and sealed keys. */
  tw_json_wipe_node (self->signed_root);
  tw_json_wipe_node (self->root);
  g_clear_pointer (&self->signed_root, json_node_unref);
  g_clear_pointer (&self->root, json_node_unref);
  g_clear_pointer (&self->plaintext, tw_secret_unref);
  g_free (self->mailbox_id);
  g_free (self->share_id);
  g_free (self);
}
