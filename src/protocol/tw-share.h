/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-cert.h"
#include "tw-link-key.h"
#include "tw-message.h"
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * What the two share state machines (tw-share-sender.h,
 * tw-share-recipient.h) have in common.
 *
 * The machines do no I/O. The caller asks a machine for its action, carries
 * it out against the relay (or the user), and reports back; every report
 * may change the action. Payloads in and out are Draft V's payload.data
 * bytes (IV || ciphertext || tag under the link key); the caller only
 * base64-encodes them.
 *
 * Exactly-once: save the state (tw_share_*_save) after every call that
 * returns and before carrying out the action it leads to. A write keeps its
 * payload bytes and request id in the state until it is reported done, so
 * a retry after a crash or a timeout sends the very same bytes under the
 * same Mailbox-Request-ID. Because reads return one's own last write until
 * the peer answers, reading back one's own pending write counts as proof
 * that it landed.
 *
 * A message that fails a check is refused with a GError (TW_MESSAGE_ERROR,
 * TW_SHARE_ERROR) and leaves the machine as it was: keep reading, and give
 * up when the mailbox expires. Nothing a relay writes can make a machine go
 * back a step.
 */

/* Our one cipher suite: the PAKE, the inner AEAD and the message signature. */
#define TW_SHARE_SUITE              "SPAKE2-P256-SHA256-HKDF-HMAC/AES-256-GCM/Ed25519"
#define TW_SHARE_PIN_ATTEMPTS       3
#define TW_SHARE_TITLE_MAX_LENGTH   256
#define TW_SHARE_NAME_MAX_LENGTH    64     /* type and credential format names */
/* The payload.data type for our 32-byte link keys. */
#define TW_SHARE_PAYLOAD_TYPE       "AEAD_AES_256_GCM"

#define TW_SHARE_ERROR (tw_share_error_quark ())

typedef enum {
  TW_SHARE_ERROR_STATE,          /* a call that does not fit the current action */
  TW_SHARE_ERROR_INVALID,        /* a request, PIN or mailbox id that is not well formed */
  TW_SHARE_ERROR_RELAY_FAULT,    /* a message of our own role that we never wrote */
  TW_SHARE_ERROR_CONFIRMATION,   /* the sender's confirmation MAC is wrong */
  TW_SHARE_ERROR_BAD_CONTENT,    /* a message that passed the checks but holds nonsense */
  TW_SHARE_ERROR_BAD_PROOF,      /* digital key: the proof of possession does not verify */
  TW_SHARE_ERROR_BAD_CERTIFICATE,/* digital key: not the certificate the offer promised */
  TW_SHARE_ERROR_BAD_STATE,      /* a saved state that is damaged or of another kind */
} TwShareError;

typedef enum {
  TW_SHARE_FLOW_DIRECT,     /* one deliver message; whoever opens the link first gets it */
  TW_SHARE_FLOW_VERIFIED,   /* offer, accept with a PAKE on the PIN, deliver, receipt */
} TwShareFlow;

typedef enum {
  TW_SHARE_KIND_COPY,         /* a copy of a credential (opaque JSON of the wallet's) */
  TW_SHARE_KIND_DIGITAL_KEY,  /* a certificate for a key pair the recipient makes */
} TwShareKind;

typedef enum {
  TW_SHARE_ACTION_CREATE,     /* sender: CreateMailbox with payload and request id;
                               * then tw_share_sender_created() */
  TW_SHARE_ACTION_WRITE,      /* UpdateMailbox with payload and request id; then _written() */
  TW_SHARE_ACTION_READ,       /* ReadSecureContent (long poll); pass a payload to _receive() */
  TW_SHARE_ACTION_ASK_USER,   /* recipient: show the details; then _accept() or _cancel() */
  TW_SHARE_ACTION_STORE,      /* recipient: store the credential by share id; then _stored() */
  TW_SHARE_ACTION_DELETE,     /* DeleteMailbox with request id; then _deleted() */
  TW_SHARE_ACTION_DONE,       /* finished: the credential went across */
  TW_SHARE_ACTION_FAILED,     /* finished without it; see failure */
} TwShareActionKind;

typedef enum {
  TW_SHARE_FAILURE_NONE,
  TW_SHARE_FAILURE_CANCELLED,        /* we cancelled (the recipient's Discard too) */
  TW_SHARE_FAILURE_PEER_CANCELLED,   /* the other side cancelled */
  TW_SHARE_FAILURE_PIN_ATTEMPTS,     /* three wrong PINs: the share is burned */
  TW_SHARE_FAILURE_EXPIRED,          /* the mailbox expired first */
  TW_SHARE_FAILURE_MAILBOX_GONE,     /* the mailbox was deleted under us */
  TW_SHARE_FAILURE_ALTERED,          /* recipient: the first message is not the one
                                      * the link was made for */
  TW_SHARE_FAILURE_UNSUPPORTED,      /* a version or suite one side does not speak */
} TwShareFailure;

/* Valid until the next call on the machine that owns it. */
typedef struct {
  TwShareActionKind  kind;
  GBytes            *payload;        /* CREATE, WRITE: payload.data bytes */
  const char        *request_id;     /* CREATE, WRITE, DELETE: reuse on every retry */
  TwShareFailure     failure;        /* FAILED */
} TwShareAction;

/* What the recipient sees before it decides, and what the sender asked. */
typedef struct {
  TwShareFlow     flow;
  TwShareKind     kind;
  const char     *share_id;
  const char     *type;               /* the credential type, e.g. "wifi" */
  const char     *title;
  const char     *credential_format;  /* NULL for a digital key without extra data */
  guint32         rights;             /* digital keys: TwCertRight bits */
  gint64          not_after;          /* digital keys: end of validity; else 0 */
  TwLinkKeyCheck  link_check;         /* recipient: VERIFIED or FOREIGN */
  guint           tries_left;         /* verified flow: PIN tries left */
} TwShareDetails;

/* Signs @size bytes of @message with the sender's long-term identity key
 * (Ed25519), for the identity block of the first message
 * (tw-share-identity.h). The key stays with the caller. */
typedef gboolean (*TwShareIdentitySignFunc) (gconstpointer   message,
                                             gsize           size,
                                             guint8          signature[TW_ED25519_SIG_SIZE],
                                             gpointer        user_data,
                                             GError        **error);

/* What the sender's wallet asks for. Secrets are borrowed (referenced). */
typedef struct {
  TwShareFlow   flow;
  TwShareKind   kind;
  const char   *type;
  const char   *title;
  /* The credential: a format name and a JSON object as text. Required for
   * copies; optional extra data for digital keys. */
  const char   *credential_format;
  TwSecret     *credential_content;
  /* Verified flow: six digits from tw_pin_generate(). */
  TwSecret     *pin;
  /* Digital keys: the owner's signing key for this lock, and the grant. */
  TwSecret     *owner_seed;
  guint8        resource_id[TW_CERT_RESOURCE_ID_SIZE];
  guint32       rights;
  gint64        not_after;
  guint32       lock_epoch;
  /* Optional long-term identity: its public key and a function that signs
   * with it. With a key, the first message carries an identity block; with
   * NULL (people who made no identity) it carries none. */
  const guint8            *identity_key;
  TwShareIdentitySignFunc  identity_sign;
  gpointer                 identity_sign_data;
} TwShareRequest;

GQuark       tw_share_error_quark     (void);

const char  *tw_share_failure_to_string (TwShareFailure  failure);
const char  *tw_share_action_kind_to_string (TwShareActionKind kind);

G_END_DECLS
