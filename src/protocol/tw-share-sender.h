/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-share.h"

G_BEGIN_DECLS

/*
 * The sender's side of a share, as a state machine without I/O (see
 * tw-share.h for the contract shared with the recipient).
 *
 * Direct flow: CREATE (m1 = deliver) -> READ -> receipt -> DELETE -> DONE.
 * Verified flow: CREATE (m1 = offer) -> READ -> accept
 *   right PIN:  WRITE deliver -> READ -> receipt -> DELETE -> DONE
 *   wrong PIN:  WRITE pin-rejected -> READ -> accept ... (3 in total)
 *   third wrong PIN: WRITE cancel -> DELETE -> FAILED (PIN_ATTEMPTS)
 * A cancel from the recipient leads to DELETE -> FAILED (PEER_CANCELLED);
 * tw_share_sender_cancel() to WRITE cancel -> DELETE -> FAILED (CANCELLED).
 *
 * The link key exists from the start: build the link from it and the
 * relay's urlLink once the mailbox is created.
 */

typedef struct _TwShareSender TwShareSender;

/* Checks the request, builds m1 and derives the link key. */
TwShareSender       *tw_share_sender_new            (const TwShareRequest *request,
                                                     GError              **error);
void                 tw_share_sender_free           (TwShareSender        *self);

/* The whole state (keys included) as JSON text, and back. */
TwSecret            *tw_share_sender_save           (TwShareSender        *self);
TwShareSender       *tw_share_sender_restore        (TwSecret             *state,
                                                     GError              **error);

const TwShareAction *tw_share_sender_get_action     (TwShareSender        *self);

/* CREATE succeeded: the relay's mailbox id (the id in its urlLink). */
gboolean             tw_share_sender_created        (TwShareSender        *self,
                                                     const char           *mailbox_id,
                                                     GError              **error);
/* WRITE succeeded. */
gboolean             tw_share_sender_written        (TwShareSender        *self,
                                                     GError              **error);
/* DELETE succeeded (a 404 or 410 counts: the mailbox is gone either way). */
gboolean             tw_share_sender_deleted        (TwShareSender        *self,
                                                     GError              **error);
/* READ returned @payload (payload.data bytes). TRUE when the payload was
 * taken or was no news; FALSE with an error when it was refused. */
gboolean             tw_share_sender_receive        (TwShareSender        *self,
                                                     GBytes               *payload,
                                                     GError              **error);
/* READ or WRITE answered 404 or 410: the relay ended the mailbox. */
void                 tw_share_sender_mailbox_gone   (TwShareSender        *self,
                                                     gboolean              expired);
/* The user cancels. Fails only once the share has ended. */
gboolean             tw_share_sender_cancel         (TwShareSender        *self,
                                                     GError              **error);

/* The relay's expiration (Unix seconds, from its clock), and a check
 * against the relay's present time. An expired share ends as EXPIRED. */
void                 tw_share_sender_set_expiration (TwShareSender        *self,
                                                     gint64                expires_at);
void                 tw_share_sender_check_expiry   (TwShareSender        *self,
                                                     gint64                relay_now);

const TwShareDetails *tw_share_sender_get_details   (TwShareSender        *self);
/* Transfer none. */
TwSecret            *tw_share_sender_get_link_key   (TwShareSender        *self);
/* base64(SHA-256(B)) for mailboxConfiguration.bindVerifier. */
char                *tw_share_sender_get_bind_verifier (TwShareSender     *self);
/* NULL until created. */
const char          *tw_share_sender_get_mailbox_id (TwShareSender        *self);
guint                tw_share_sender_get_wrong_pins (TwShareSender        *self);
/* Digital keys: the certificate once issued, else NULL. Transfer none. */
GBytes              *tw_share_sender_get_certificate (TwShareSender       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwShareSender, tw_share_sender_free)

G_END_DECLS
