/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-store-rules.h"

#include <string.h>

RelayRole
relay_rules_role_of (const RelayMailbox *mailbox,
                     const guint8       *claim_hash)
{
  /* Both comparisons always run, so timing does not tell which matched. */
  gboolean is_sender = relay_hash_equal (claim_hash, mailbox->sender_claim_hash);
  gboolean is_recipient = mailbox->has_recipient &&
    relay_hash_equal (claim_hash, mailbox->recipient_claim_hash);

  if (is_sender)
    return RELAY_ROLE_SENDER;
  if (is_recipient)
    return RELAY_ROLE_RECIPIENT;
  return RELAY_ROLE_NONE;
}

gboolean
relay_rules_is_repeat (const RelayAccess  *access,
                       const RelayMailbox *mailbox)
{
  if (!access->has_request_key)
    return FALSE;

  return (mailbox->has_sender_request &&
          relay_hash_equal (access->request_key, mailbox->sender_request_key)) ||
         (mailbox->has_recipient_request &&
          relay_hash_equal (access->request_key, mailbox->recipient_request_key)) ||
         (mailbox->has_create_request &&
          relay_hash_equal (access->request_key, mailbox->create_request_key));
}

void
relay_rules_settle_ended (const RelayAccess *access,
                          RelayEndReason     reason,
                          const guint8      *sender_claim_hash,
                          const guint8      *recipient_claim_hash,
                          RelayOutcome      *outcome)
{
  gboolean is_sender = relay_hash_equal (access->claim_hash, sender_claim_hash);
  gboolean is_recipient = recipient_claim_hash != NULL &&
    relay_hash_equal (access->claim_hash, recipient_claim_hash);

  if (is_sender || is_recipient)
    {
      outcome->status = RELAY_STORE_ENDED;
      outcome->end_reason = reason;
      outcome->role = is_sender ? RELAY_ROLE_SENDER : RELAY_ROLE_RECIPIENT;
    }
  else
    outcome->status = RELAY_STORE_NOT_FOUND;
}

RelayStoreStatus
relay_rules_check_party (const RelayMailbox *mailbox,
                         RelayRole           role,
                         RelayRights         needed_right)
{
  if (role == RELAY_ROLE_SENDER)
    return RELAY_STORE_OK;
  if (role == RELAY_ROLE_RECIPIENT)
    return (mailbox->recipient_rights & needed_right) ? RELAY_STORE_OK
                                                      : RELAY_STORE_NOT_ALLOWED;
  return mailbox->has_recipient ? RELAY_STORE_CLAIMED_BY_OTHER : RELAY_STORE_UNAUTHORIZED;
}

RelayStoreStatus
relay_rules_check_update (const RelayMailbox *mailbox,
                          RelayRole           role,
                          const char         *if_match)
{
  RelayStoreStatus status = relay_rules_check_party (mailbox, role, RELAY_RIGHT_WRITE);

  if (status == RELAY_STORE_OK && if_match != NULL &&
      strcmp (if_match, mailbox->payload.etag) != 0)
    return RELAY_STORE_PRECONDITION_FAILED;
  return status;
}

RelayStoreStatus
relay_rules_relinquish_refusal (const RelayMailbox *mailbox,
                                RelayRole           role)
{
  if (role != RELAY_ROLE_RECIPIENT)
    return mailbox->has_recipient && role == RELAY_ROLE_NONE
      ? RELAY_STORE_CLAIMED_BY_OTHER : RELAY_STORE_UNAUTHORIZED;
  if (!mailbox->relinquish_allowed || mailbox->relinquish_count >= RELAY_MAX_RELINQUISHES)
    return RELAY_STORE_NOT_ALLOWED;
  return RELAY_STORE_OK;
}

void
relay_rules_decide_read (const RelayAccess  *access,
                         const guint8       *bind_token_hash,
                         const RelayMailbox *mailbox,
                         gboolean           *want_bind_out,
                         RelayOutcome       *outcome)
{
  RelayRole role = relay_rules_role_of (mailbox, access->claim_hash);

  *want_bind_out = FALSE;
  outcome->role = role;
  if (role != RELAY_ROLE_NONE)
    outcome->status = RELAY_STORE_OK;
  else if (mailbox->has_recipient)
    outcome->status = RELAY_STORE_CLAIMED_BY_OTHER;
  else if (mailbox->has_bind_verifier &&
           (bind_token_hash == NULL ||
            !relay_hash_equal (bind_token_hash, mailbox->bind_verifier)))
    outcome->status = RELAY_STORE_UNAUTHORIZED;
  else
    *want_bind_out = TRUE;
}

void
relay_rules_apply_update (RelayMailbox       *mailbox,
                          RelayRole           role,
                          const RelayPayload *payload)
{
  /* sender_payload already holds the sender's last write (a copy of the
   * slot when the sender wrote last), so only the sender's write moves it. */
  relay_payload_clear (&mailbox->payload);
  relay_payload_copy (&mailbox->payload, payload);
  if (role == RELAY_ROLE_SENDER)
    {
      relay_payload_clear (&mailbox->sender_payload);
      relay_payload_copy (&mailbox->sender_payload, payload);
    }
}
