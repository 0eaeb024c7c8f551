/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-share.h"

G_BEGIN_DECLS

/*
 * The recipient's side of a share, as a state machine without I/O (see
 * tw-share.h for the contract shared with the sender).
 *
 * READ (the first read binds) -> the first message:
 *   deliver (direct): ASK_USER -> accept -> STORE -> WRITE receipt -> DONE
 *   offer (verified): ASK_USER -> accept with PIN -> WRITE accept -> READ
 *     pin-rejected: ASK_USER (tries left) -> accept with PIN -> ...
 *     deliver: STORE -> WRITE receipt -> DONE
 * tw_share_recipient_cancel() (Discard, Decline) writes cancel, then
 * DELETE -> FAILED (CANCELLED). A first message that the link was not made
 * for, or that speaks a version or suite we do not, gets a cancel and a
 * DELETE and ends as ALTERED or UNSUPPORTED.
 *
 * Save the state before the first read: a crash after binding must not
 * lock this device out of the share.
 */

typedef struct _TwShareRecipient TwShareRecipient;

/* @mailbox_id and @link_key come from the link. */
TwShareRecipient    *tw_share_recipient_new           (const char        *mailbox_id,
                                                       TwSecret          *link_key,
                                                       GError           **error);
void                 tw_share_recipient_free          (TwShareRecipient  *self);

TwSecret            *tw_share_recipient_save          (TwShareRecipient  *self);
TwShareRecipient    *tw_share_recipient_restore       (TwSecret          *state,
                                                       GError           **error);

const TwShareAction *tw_share_recipient_get_action    (TwShareRecipient  *self);

/* In READ (and while a write is pending); also while ASK_USER waits for
 * the user, where only the sender's cancel is taken. */
gboolean             tw_share_recipient_receive       (TwShareRecipient  *self,
                                                       GBytes            *payload,
                                                       GError           **error);
/* The user accepts: the direct flow takes no PIN; the verified flow needs
 * the six digits the sender passed on. */
gboolean             tw_share_recipient_accept        (TwShareRecipient  *self,
                                                       TwSecret          *pin,
                                                       GError           **error);
/* STORE succeeded: the credential is in the wallet. */
gboolean             tw_share_recipient_stored        (TwShareRecipient  *self,
                                                       GError           **error);
gboolean             tw_share_recipient_written       (TwShareRecipient  *self,
                                                       GError           **error);
gboolean             tw_share_recipient_deleted       (TwShareRecipient  *self,
                                                       GError           **error);
void                 tw_share_recipient_mailbox_gone  (TwShareRecipient  *self,
                                                       gboolean           expired);
/* Discard, Decline or Cancel. Fails once the credential is stored. */
gboolean             tw_share_recipient_cancel        (TwShareRecipient  *self,
                                                       GError           **error);

void                 tw_share_recipient_set_expiration (TwShareRecipient *self,
                                                       gint64             expires_at);
void                 tw_share_recipient_check_expiry  (TwShareRecipient  *self,
                                                       gint64             relay_now);

/* NULL before the first message. */
const TwShareDetails *tw_share_recipient_get_details  (TwShareRecipient  *self);

/* Once STORE is asked for (and after). Transfer none; NULL when absent. */
const char          *tw_share_recipient_get_credential_format  (TwShareRecipient *self);
TwSecret            *tw_share_recipient_get_credential_content (TwShareRecipient *self);
/* Digital keys: the certificate and the private key (Ed25519 seed) it was
 * issued for. */
GBytes              *tw_share_recipient_get_certificate (TwShareRecipient *self);
TwSecret            *tw_share_recipient_get_subject_seed (TwShareRecipient *self);
/* The sender's long-term identity key (32 bytes) from the first message's
 * identity block, checked against this share; NULL when the sender sent
 * none (or before the first message). Whether it is someone the user
 * knows is the wallet's question (its pinned contacts). */
const guint8        *tw_share_recipient_get_sender_identity (TwShareRecipient *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwShareRecipient, tw_share_recipient_free)

G_END_DECLS
