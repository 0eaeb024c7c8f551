/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-json-secret.h"
#include "tw-message.h"
#include "tw-share.h"
#include "tw-spake2.h"

G_BEGIN_DECLS

/*
 * Private to tw-share-sender.c and tw-share-recipient.c: the bookkeeping
 * both sides share (link key, transcript, sequence numbers, the pending
 * write, the action, saving and restoring), and the PAKE helpers.
 */

#define TW_SHARE_LABEL_R2S          "tigress-wallet v1 r2s"
#define TW_SHARE_LABEL_S2R          "tigress-wallet v1 s2r"
#define TW_SHARE_LABEL_KEY_POP      "tigress-wallet v1 key-pop"
#define TW_SHARE_IDENTITY_SENDER    "tigress-wallet initiator"
#define TW_SHARE_IDENTITY_RECIPIENT "tigress-wallet recipient"
#define TW_SHARE_DIRECTION_KEY_SIZE 32
#define TW_SHARE_STATE_VERSION      1

/* Reasons a cancel gives on the wire. */
#define TW_SHARE_REASON_CANCELLED    "cancelled"
#define TW_SHARE_REASON_PIN_ATTEMPTS "pin-attempts"
#define TW_SHARE_REASON_UNSUPPORTED  "unsupported"
#define TW_SHARE_REASON_ALTERED      "altered"
#define TW_SHARE_REASON_EXPIRED      "expired"

typedef struct {
  TwRole             role;
  TwShareFlow        flow;
  TwShareKind        kind;
  TwSecret          *link_key;
  char              *share_id;           /* NULL until known (recipient, first read) */
  char              *mailbox_id;         /* NULL until known (sender, before create) */
  TwTranscript       th;
  gint64             own_next_seq;
  gint64             peer_next_seq;
  gboolean           has_sender_key;
  guint8             sender_key[TW_ED25519_PUBLIC_SIZE];
  GBytes            *last_own;           /* sealed bytes of our last write */
  TwSecret          *last_own_plaintext; /* its plaintext while the write is pending */
  TwMessageFormat    last_own_format;
  GBytes            *last_peer;          /* sealed bytes of the peer message taken last */
  TwShareActionKind  step;
  TwShareActionKind  after_write;        /* READ, DELETE or DONE */
  TwShareFailure     failure;            /* of FAILED, or the outcome after DELETE */
  char              *request_id;
  gint64             expires_at;         /* 0: not known */
  TwShareDetails     details;            /* its strings point to the three below */
  char              *type;
  char              *title;
  char              *credential_format;
  TwShareAction      action;
} TwShareCore;

/* A type or format name: 1 to 64 of a-z, 0-9, '-' and '.'. */
gboolean             tw_share_name_is_valid      (const char         *name);

void                 tw_share_core_init          (TwShareCore        *core,
                                                  TwRole              role);
void                 tw_share_core_clear         (TwShareCore        *core);

const TwShareAction *tw_share_core_get_action    (TwShareCore        *core);
gboolean             tw_share_core_is_over       (TwShareCore        *core);
gboolean             tw_share_core_expect_step   (TwShareCore        *core,
                                                  TwShareActionKind   step,
                                                  const char         *call,
                                                  GError            **error);
void                 tw_share_core_set_details   (TwShareCore        *core,
                                                  const char         *type,
                                                  const char         *title,
                                                  const char         *credential_format);

/* Our next message's header (seq, role, th, mailbox). */
TwMessageHeader      tw_share_core_next_header   (TwShareCore        *core);

/* Seals @plaintext, adds it to the transcript and makes it the pending
 * write: CREATE when there is no mailbox yet, else WRITE; @after_write is
 * the step once it is written. */
gboolean             tw_share_core_queue         (TwShareCore        *core,
                                                  TwMessageFormat     format,
                                                  TwSecret           *plaintext,
                                                  TwShareActionKind   after_write,
                                                  GError            **error);
/* Builds our next message and queues it; signed when @signing_seed is set. */
gboolean             tw_share_core_send          (TwShareCore        *core,
                                                  TwMessageFormat     format,
                                                  TwSecret           *body_json,
                                                  TwSecret           *signing_seed,
                                                  TwShareActionKind   after_write,
                                                  GError            **error);
/* The cancel body, with the supported list when @reason is unsupported. */
TwSecret            *tw_share_core_cancel_body   (const char         *reason);
void                 tw_share_core_written       (TwShareCore        *core);

/* Opens and checks what a read returned. NULL without an error means no
 * news (our own write, or the peer message taken already). Changes nothing
 * but the pending write, which a read of it shows to have landed. */
TwMessage           *tw_share_core_read          (TwShareCore        *core,
                                                  GBytes             *payload,
                                                  guint               allowed_formats,
                                                  GError            **error);
/* Takes a checked peer message into the transcript. */
void                 tw_share_core_take          (TwShareCore        *core,
                                                  TwMessage          *message,
                                                  GBytes             *payload);

/* Ends the share: through DELETE when @delete_mailbox, else at once. */
void                 tw_share_core_end           (TwShareCore        *core,
                                                  TwShareFailure      failure,
                                                  gboolean            delete_mailbox);
void                 tw_share_core_deleted       (TwShareCore        *core);
TwShareFailure       tw_share_core_failure_from_reason (const char   *reason);

void                 tw_share_core_save          (TwShareCore        *core,
                                                  TwJsonWriter       *writer);
gboolean             tw_share_core_restore       (TwShareCore        *core,
                                                  JsonObject         *state,
                                                  GError            **error);

/* Saved-state helpers for the two sides. */
JsonObject          *tw_share_state_parse        (TwSecret           *state,
                                                  const char         *role,
                                                  GError            **error);
gboolean             tw_share_state_bytes        (JsonObject         *object,
                                                  const char         *member,
                                                  guint8             *out,
                                                  gsize               size,
                                                  GError            **error);
GBytes              *tw_share_state_optional_bytes (JsonObject       *object,
                                                  const char         *member,
                                                  GError            **error);
TwSecret            *tw_share_state_optional_secret (JsonObject      *object,
                                                  const char         *member,
                                                  gssize              exact_size,
                                                  GError            **error);
void                 tw_share_state_write_bytes  (TwJsonWriter       *writer,
                                                  const char         *member,
                                                  GBytes             *bytes);
void                 tw_share_state_write_secret (TwJsonWriter       *writer,
                                                  const char         *member,
                                                  TwSecret           *secret);
gboolean             tw_share_bad_state          (GError            **error,
                                                  GError             *cause);

/* Body helpers: fixed-size base64 members of a message body. */
gboolean             tw_share_body_bytes         (JsonObject         *body,
                                                  const char         *member,
                                                  guint8             *out,
                                                  gsize               size,
                                                  GError            **error);
gboolean             tw_share_bad_content        (GError            **error,
                                                  GError             *cause,
                                                  const char         *what);

/* The PAKE. The associated data of the confirmation keys binds the
 * transcript up to the message that carried pA, the share id, the suite
 * and, for a digital key, the recipient's new public key. */
GBytes              *tw_share_pake_aad           (const TwTranscript *th_pake,
                                                  const char         *share_id,
                                                  const guint8       *subject_key);
TwSpake2            *tw_share_pake_new           (TwSpake2Role        role,
                                                  TwSecret           *w,
                                                  TwSecret           *scalar,
                                                  GError            **error);
/* HKDF(Ke, salt = th_pake, info = label), 32 bytes. */
TwSecret            *tw_share_direction_key      (TwSpake2           *pake,
                                                  const TwTranscript *th_pake,
                                                  const char         *label,
                                                  GError            **error);
/* Inner AES-GCM with associated data label || share id || th. */
GBytes              *tw_share_inner_seal         (TwSecret           *key,
                                                  const char         *label,
                                                  const char         *share_id,
                                                  const TwTranscript *th,
                                                  TwSecret           *plaintext,
                                                  GError            **error);
TwSecret            *tw_share_inner_open         (TwSecret           *key,
                                                  const char         *label,
                                                  const char         *share_id,
                                                  const TwTranscript *th,
                                                  GBytes             *sealed,
                                                  GError            **error);
/* What the proof of possession signs: label || 0x00 || th_pake || pB. */
GBytes              *tw_share_pop_input          (const TwTranscript *th_pake,
                                                  const guint8        pb[TW_SPAKE2_POINT_SIZE]);

G_END_DECLS
