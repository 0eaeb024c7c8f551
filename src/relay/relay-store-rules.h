/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "relay-store.h"

G_BEGIN_DECLS

/*
 * The protocol's rules on one mailbox, as every backend applies them inside
 * its atomic step (relay-store.h says when each applies). They only look at
 * the mailbox and the access given; storing the result is the backend's
 * business. Claim hashes and bind tokens are compared in constant time.
 */

/* The caller's role: sender, bound recipient, or none. */
RelayRole        relay_rules_role_of            (const RelayMailbox  *mailbox,
                                                 const guint8        *claim_hash);

/* TRUE if the access repeats the mailbox's create or either party's last
 * write (same request key). */
gboolean         relay_rules_is_repeat          (const RelayAccess   *access,
                                                 const RelayMailbox  *mailbox);

/* The answer for an ended mailbox with these parties (@recipient_claim_hash
 * may be NULL): ENDED with @reason and the role for a party, NOT_FOUND for
 * anyone else. */
void             relay_rules_settle_ended       (const RelayAccess   *access,
                                                 RelayEndReason       reason,
                                                 const guint8        *sender_claim_hash,
                                                 const guint8        *recipient_claim_hash,
                                                 RelayOutcome        *outcome);

/* May @role write (WRITE) or delete (DELETE) the mailbox? OK, NOT_ALLOWED,
 * CLAIMED_BY_OTHER or UNAUTHORIZED. */
RelayStoreStatus relay_rules_check_party        (const RelayMailbox  *mailbox,
                                                 RelayRole            role,
                                                 RelayRights          needed_right);

/* An update's checks after the party check: @if_match (or NULL) against
 * the stored payload's ETag. */
RelayStoreStatus relay_rules_check_update       (const RelayMailbox  *mailbox,
                                                 RelayRole            role,
                                                 const char          *if_match);

/* Why @role may not relinquish the mailbox, or OK. */
RelayStoreStatus relay_rules_relinquish_refusal (const RelayMailbox  *mailbox,
                                                 RelayRole            role);

/* One look at a read: sets outcome's status and role, or asks the caller
 * to bind the free slot to this claim (*want_bind_out). */
void             relay_rules_decide_read        (const RelayAccess   *access,
                                                 const guint8        *bind_token_hash,
                                                 const RelayMailbox  *mailbox,
                                                 gboolean            *want_bind_out,
                                                 RelayOutcome        *outcome);

/* The mailbox after @role's write of @payload: the sender's write replaces
 * both the slot and the sender's copy; the recipient's only the slot (the
 * sender's copy is what relinquish restores). */
void             relay_rules_apply_update       (RelayMailbox        *mailbox,
                                                 RelayRole            role,
                                                 const RelayPayload  *payload);

G_END_DECLS
