/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include "tw-crypto.h"
#include "tw-secret.h"
#include "tw-transcript.h"

G_BEGIN_DECLS

/*
 * Mailbox messages (protocol, section 4). A message is UTF-8 JSON
 *
 *   {"format": F, "content": C, "tw": {"v", "mailbox", "seq", "from", "th"}}
 *
 * padded with trailing spaces to a multiple of 1 KiB (4 KiB for deliver) and
 * sealed with AES-GCM under the link key K.
 *
 * The sender signs every message it writes with the share's own Ed25519
 * key. Its content is then
 *
 *   {"key": base64 public key, "signed": S, "sig": base64 signature}
 *
 * where S is the exact JSON text {"format", "share", "tw", "body"} and the
 * signature covers "tigress-wallet v1 msg-sig" || 0x00 || S. The first
 * message announces the key (the link commits to that message); every later
 * message must name the same key. The recipient's messages are not signed:
 * their content is {"share", "body"}, and whatever in them needs protection
 * is sealed under the PAKE key by the share flows.
 *
 * tw_message_parse() runs every check a reader must make, in an order that
 * never interprets unauthenticated content: strict JSON and padding, tw.v,
 * the role, the mailbox, the format allowed in this step, the sequence
 * number, the transcript hash, then the signature, and only then the signed
 * part, whose tw must equal the outer one byte for byte.
 */

#define TW_MESSAGE_VERSION            1
#define TW_MESSAGE_PAD_UNIT           1024
#define TW_MESSAGE_DELIVER_PAD_UNIT   4096
/* Plaintext limit: sealed and in base64 it stays within the relay's 48 KiB
 * payload.data limit. */
#define TW_MESSAGE_MAX_SIZE           (32 * 1024)
#define TW_MESSAGE_MAX_DEPTH          16
#define TW_MESSAGE_SIGNATURE_LABEL    "tigress-wallet v1 msg-sig"
/* A share id is 16 random bytes written as 32 lower-case hex digits. */
#define TW_SHARE_ID_SIZE              16
#define TW_SHARE_ID_TEXT_LENGTH       32

#define TW_MESSAGE_ERROR (tw_message_error_quark ())

typedef enum {
  TW_MESSAGE_ERROR_UNREADABLE,            /* does not decrypt under the link key */
  TW_MESSAGE_ERROR_MALFORMED,             /* not strict JSON of our shape, or bad padding */
  TW_MESSAGE_ERROR_UNKNOWN_VERSION,       /* tw.v is not a version we speak */
  TW_MESSAGE_ERROR_WRONG_ROLE,            /* tw.from is not the role we expect */
  TW_MESSAGE_ERROR_WRONG_MAILBOX,         /* tw.mailbox names another mailbox */
  TW_MESSAGE_ERROR_FORMAT_NOT_ALLOWED,    /* a format unknown, or not allowed in this step */
  TW_MESSAGE_ERROR_SEQ_SKIPPED,           /* seq jumps ahead (allowed only for cancel) */
  TW_MESSAGE_ERROR_SEQ_REPEATED,          /* seq of the message accepted last */
  TW_MESSAGE_ERROR_SEQ_OLDER,             /* seq older than that */
  TW_MESSAGE_ERROR_TRANSCRIPT_MISMATCH,   /* tw.th is not our transcript hash */
  TW_MESSAGE_ERROR_WRONG_SHARE,           /* the share id is not this share's */
  TW_MESSAGE_ERROR_BAD_SIGNATURE,         /* unsigned, another key, or it does not verify */
  TW_MESSAGE_ERROR_SIGNED_PART_MISMATCH,  /* the signed format or tw differs from the outer */
} TwMessageError;

typedef enum {
  TW_ROLE_SENDER,
  TW_ROLE_RECIPIENT,
} TwRole;

typedef enum {
  TW_MESSAGE_OFFER,
  TW_MESSAGE_ACCEPT,
  TW_MESSAGE_PIN_REJECTED,
  TW_MESSAGE_DELIVER,
  TW_MESSAGE_RECEIPT,
  TW_MESSAGE_CANCEL,
} TwMessageFormat;

#define TW_MESSAGE_FORMAT_BIT(format) (1u << (format))

/* The tw object. Strings are borrowed. */
typedef struct {
  const char   *mailbox_id;   /* "" in the first message: the id does not exist yet */
  gint64        seq;          /* per role, from 0 */
  TwRole        from;
  TwTranscript  th;           /* the hash of every earlier message */
} TwMessageHeader;

/* What the reader knows before it looks at a message. */
typedef struct {
  const char          *mailbox_id;       /* "" for the first message */
  TwRole               from;             /* the role the message must come from */
  gint64               next_seq;         /* the last accepted seq of that role + 1 */
  TwTranscript         th;               /* the reader's transcript so far */
  guint                allowed_formats;  /* TW_MESSAGE_FORMAT_BIT()s */
  const char          *share_id;         /* NULL until the first message is accepted */
  /* For messages from the sender: its announced key, or NULL for the first
   * message, which announces it. Ignored for the recipient's messages. */
  const guint8        *signer_key;
} TwMessageExpect;

typedef struct _TwMessage TwMessage;

GQuark           tw_message_error_quark     (void);

const char      *tw_message_format_to_string (TwMessageFormat  format);
gboolean         tw_message_format_from_string (const char    *text,
                                              TwMessageFormat *format);
const char      *tw_role_to_string          (TwRole            role);

/* Whether @text is a well-formed share id (32 lower-case hex digits). */
gboolean         tw_share_id_is_valid       (const char       *text);

/*
 * Builds the padded plaintext. @body_json is the body object as JSON text
 * (written with TwJsonWriter). With @signing_seed the message is signed
 * (the sender's messages); without, it is not (the recipient's).
 */
TwSecret        *tw_message_build           (TwMessageFormat        format,
                                             const TwMessageHeader *header,
                                             const char            *share_id,
                                             TwSecret              *body_json,
                                             TwSecret              *signing_seed,
                                             GError               **error);

/* The outer layer: AES-GCM under the link key (16 or 32 bytes), fresh IV,
 * no associated data; IV || ciphertext || tag, Draft V's payload.data. */
GBytes          *tw_message_seal            (TwSecret              *link_key,
                                             TwSecret              *plaintext,
                                             GError               **error);
/* Fails with TW_MESSAGE_ERROR_UNREADABLE. */
TwSecret        *tw_message_open            (TwSecret              *link_key,
                                             GBytes                *sealed,
                                             GError               **error);

/* Every check listed at the top of this file. On success the message owns
 * a reference to @plaintext. */
TwMessage       *tw_message_parse           (TwSecret              *plaintext,
                                             const TwMessageExpect *expect,
                                             GError               **error);

TwMessageFormat  tw_message_get_format      (TwMessage             *message);
const TwMessageHeader *tw_message_get_header (TwMessage            *message);
const char      *tw_message_get_share_id    (TwMessage             *message);
/* The body object; it belongs to the message. Take secrets out of it with
 * tw_json_take_secret_*(). */
JsonObject      *tw_message_get_body        (TwMessage             *message);
/* The sender's public key (32 bytes), or NULL for an unsigned message. */
const guint8    *tw_message_get_signer_key  (TwMessage             *message);
/* The exact plaintext, for the transcript. Transfer none. */
TwSecret        *tw_message_get_plaintext   (TwMessage             *message);

void             tw_message_free            (TwMessage             *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwMessage, tw_message_free)

G_END_DECLS
