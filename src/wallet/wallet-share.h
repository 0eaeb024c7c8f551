/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-secret.h"
#include "wallet-credential.h"

G_BEGIN_DECLS

/*
 * WalletShare: one share in progress or finished, outgoing (this wallet
 * sends a credential) or incoming (it receives one), as the share manager
 * (wallet-share-manager.h) runs it. Everything a list row or a details page
 * shows is a property, and every change is notified, so a GUI binds to it
 * and the CLI prints it. Only the manager changes a share; for people and
 * for scripts it is read-only.
 *
 * Nothing secret is a property. The link (which holds the key) and the PIN
 * are handed out in TwSecret buffers by the getters below.
 *
 * Times: "expiration" is the relay's, and the relay's clock is the only one
 * that counts for a mailbox; wallet_share_get_seconds_left() corrects for
 * the difference between the relay's clock and ours.
 */

#define WALLET_TYPE_SHARE (wallet_share_get_type ())
G_DECLARE_FINAL_TYPE (WalletShare, wallet_share, WALLET, SHARE, GObject)

#define WALLET_SHARE_ERROR (wallet_share_error_quark ())

/* Every message in this domain is written for people (translated) and says
 * what to do next. */
typedef enum {
  WALLET_SHARE_ERROR_FAILED,               /* anything not listed below */
  WALLET_SHARE_ERROR_INVALID_OPTIONS,      /* a share request that makes no sense */
  WALLET_SHARE_ERROR_CREDENTIAL_NOT_FOUND, /* no credential with that id in the wallet */
  WALLET_SHARE_ERROR_NOT_SHAREABLE,        /* this kind of credential stays on this device */
  WALLET_SHARE_ERROR_NO_RELAY,             /* no relay given and no default relay set */
  WALLET_SHARE_ERROR_RELAY_NOT_TRUSTED,    /* the link's relay is not on the list: ask first */
  WALLET_SHARE_ERROR_BAD_LINK,             /* the text is not a share link */
  WALLET_SHARE_ERROR_KEY_MISSING,          /* a link without its code: ask for the code */
  WALLET_SHARE_ERROR_ALREADY_IN_WALLET,    /* this link's credential was stored here before */
  WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE,   /* another device opened the link first */
  WALLET_SHARE_ERROR_ENDED,                /* the share was cancelled, declined or deleted */
  WALLET_SHARE_ERROR_EXPIRED,              /* the share reached its expiration */
  WALLET_SHARE_ERROR_WRONG_STATE,          /* the step does not fit the share's state now */
  WALLET_SHARE_ERROR_BAD_PIN,              /* not six digits */
  WALLET_SHARE_ERROR_PIN_ATTEMPTS,         /* three wrong PINs: the share is void */
  WALLET_SHARE_ERROR_PIN_HIDDEN,           /* showing the PIN again needs a confirmation */
  WALLET_SHARE_ERROR_STILL_ACTIVE,         /* remove: cancel the share first */
  WALLET_SHARE_ERROR_RELAY_UNREACHABLE,    /* offline or the relay is down: retrying */
  WALLET_SHARE_ERROR_RELAY_REFUSED,        /* the relay refused (limits, busy, bad answer) */
  WALLET_SHARE_ERROR_ALTERED,              /* the share is not the one the link was made for */
  WALLET_SHARE_ERROR_UNSUPPORTED,          /* the other wallet speaks a version we do not */
  WALLET_SHARE_ERROR_PEER_FAULT,           /* the other side sent something we refuse */
  WALLET_SHARE_ERROR_STORE_PENDING,        /* received; waiting for the keyring to store it */
  WALLET_SHARE_ERROR_WRONG_KEY,            /* the link's code does not open the mailbox:
                                            * mistyped; the same link works with the
                                            * right code */
} WalletShareError;

typedef enum {
  WALLET_SHARE_OUTGOING,   /* this wallet sends */
  WALLET_SHARE_INCOMING,   /* this wallet receives */
} WalletShareDirection;

typedef enum {
  WALLET_SHARE_FLOW_DIRECT,    /* no PIN: whoever opens the link first gets it */
  WALLET_SHARE_FLOW_VERIFIED,  /* link + PIN, one bound device */
} WalletShareFlow;

/*
 * Where a share is. Which states each direction goes through:
 *
 * outgoing: CONNECTING -> WAITING_FOR_RECIPIENT -> [OPENED]
 *             direct:   -> DELIVERED
 *             verified: -> [PIN_WRONG ...] -> DELIVERING -> DELIVERED
 * incoming: NEW -> CONNECTING
 *             direct:   -> OPENED (Save or Discard) -> STORING -> RECEIVED
 *             verified: -> WAITING_FOR_PIN -> WAITING_FOR_SENDER
 *                          [-> PIN_WRONG -> WAITING_FOR_SENDER ...]
 *                          -> STORING -> RECEIVED
 * and from any state that is not final: DECLINED, CANCELLED, EXPIRED or
 * FAILED. OPENED_ON_SEVERAL_DEVICES replaces OPENED (and the
 * "opened-on-several-devices" flag stays set for the rest of the share).
 */
typedef enum {
  WALLET_SHARE_STATE_NEW,                       /* incoming: opened here, not accepted yet */
  WALLET_SHARE_STATE_CONNECTING,                /* creating the mailbox, or the first read */
  WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT,     /* outgoing: the link is live, unopened */
  WALLET_SHARE_STATE_OPENED,                    /* outgoing: the recipient opened it;
                                                 * incoming: details shown, Save or Discard */
  WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES, /* more than one device opened the link:
                                                 * treat it as exposed */
  WALLET_SHARE_STATE_WAITING_FOR_PIN,           /* incoming: type the PIN from the sender */
  WALLET_SHARE_STATE_PIN_WRONG,                 /* a wrong PIN; "tries-left" says how many remain */
  WALLET_SHARE_STATE_WAITING_FOR_SENDER,        /* incoming: PIN sent, the sender answers next */
  WALLET_SHARE_STATE_DELIVERING,                /* outgoing: sent, waiting for the receipt */
  WALLET_SHARE_STATE_STORING,                   /* incoming: received, storing (the keyring
                                                 * may be unavailable: see "error") */
  WALLET_SHARE_STATE_DELIVERED,                 /* final, outgoing: the recipient stored it */
  WALLET_SHARE_STATE_RECEIVED,                  /* final, incoming: it is in this wallet */
  WALLET_SHARE_STATE_DECLINED,                  /* final: the recipient declined or discarded */
  WALLET_SHARE_STATE_CANCELLED,                 /* final: the sender cancelled */
  WALLET_SHARE_STATE_EXPIRED,                   /* final: the relay's expiration came first */
  WALLET_SHARE_STATE_FAILED,                    /* final: see "error" */
} WalletShareState;

/* Which form of the link to hand out. The tigress: form comes first on a
 * desktop: an https link clicked in a chat opens the relay's page in a
 * browser. */
typedef enum {
  WALLET_SHARE_LINK_TIGRESS,        /* tigress:https://…#key */
  WALLET_SHARE_LINK_HTTPS,          /* https://…#key */
  WALLET_SHARE_LINK_WITHOUT_KEY,    /* https://… with no key: send the code separately */
} WalletShareLinkForm;

GQuark               wallet_share_error_quark               (void);

/* Final states: DELIVERED, RECEIVED, DECLINED, CANCELLED, EXPIRED, FAILED. */
gboolean             wallet_share_state_is_final            (WalletShareState   state);
/* A short translated name for the state ("Waiting for the recipient"). */
const char          *wallet_share_state_get_label           (WalletShareState   state);
/* Stable names for --json and logs: "new", "connecting",
 * "waiting-for-recipient", "opened", "opened-on-several-devices",
 * "waiting-for-pin", "pin-wrong", "waiting-for-sender", "delivering",
 * "storing", "delivered", "received", "declined", "cancelled", "expired",
 * "failed". */
const char          *wallet_share_state_to_string           (WalletShareState   state);

/* The local id of this share in this wallet (a UUID v4), stable from the
 * moment the share exists here, across restarts. Property "id". */
const char          *wallet_share_get_id                    (WalletShare       *self);
/* The protocol's share id, NULL until known (an incoming share learns it
 * at the first read). Property "share-id". */
const char          *wallet_share_get_share_id              (WalletShare       *self);
/* The relay's mailbox id, NULL until the mailbox exists. */
const char          *wallet_share_get_mailbox_id            (WalletShare       *self);

WalletShareDirection wallet_share_get_direction             (WalletShare       *self);
WalletShareFlow      wallet_share_get_flow                  (WalletShare       *self);
WalletShareState     wallet_share_get_state                 (WalletShare       *self);
/* Convenience: wallet_share_state_is_final (state). */
gboolean             wallet_share_is_final                  (WalletShare       *self);
/* TRUE while the share waits for this user: an incoming share that is
 * NEW, OPENED (direct: Save or Discard), WAITING_FOR_PIN or PIN_WRONG. */
gboolean             wallet_share_needs_user                (WalletShare       *self);

/* The credential's title and type as the sender described them; for an
 * incoming share, NULL and WALLET_CREDENTIAL_UNKNOWN until the first read.
 * Properties "title", "credential-type". */
const char          *wallet_share_get_title                 (WalletShare       *self);
WalletCredentialType wallet_share_get_credential_type       (WalletShare       *self);
/* Outgoing: the credential shared; incoming: the credential stored once
 * RECEIVED. NULL otherwise. Property "credential-id". */
const char          *wallet_share_get_credential_id         (WalletShare       *self);

/* The relay's base URL ("https://relay.example.org") and whether it is on
 * the trusted list. Properties "relay", "relay-trusted". */
const char          *wallet_share_get_relay                 (WalletShare       *self);
gboolean             wallet_share_get_relay_trusted         (WalletShare       *self);

/* Incoming: whether the share comes from a pinned contact ("verified
 * sender"), and that contact's name; FALSE and NULL otherwise ("sender not
 * verified"). TRUE exactly when the first message carried the sender's
 * identity block (checked by the protocol against this share) and that
 * identity key is pinned in the manager's WalletContacts. Known from the
 * first read on, in both flows; it follows pinning and unpinning while the
 * share goes on, and a finished share keeps the answer it ended with.
 * Properties "sender-verified", "sender-name". */
gboolean             wallet_share_get_sender_verified       (WalletShare       *self);
const char          *wallet_share_get_sender_name           (WalletShare       *self);
/* Incoming: TRUE when the share comes from another Draft V app (its link
 * carries no commitment we can check): show it as unverified. Property
 * "from-other-app". */
gboolean             wallet_share_get_from_other_app        (WalletShare       *self);

/* Verified flow: PIN tries left (3 at the start, 0 for a direct share).
 * Property "tries-left". */
guint                wallet_share_get_tries_left            (WalletShare       *self);
/* The relay's expiration (UTC, the relay's clock), NULL until the relay
 * said it. Transfer none. Property "expiration". */
GDateTime           *wallet_share_get_expiration            (WalletShare       *self);
/* Seconds until the expiration by the relay's clock (0 when past), or -1
 * when unknown. Not a property: it changes every second. */
gint64               wallet_share_get_seconds_left          (WalletShare       *self);
/* TRUE when the relay's clock and ours differ by more than five minutes
 * (a digital key's validity uses our clock). Property "clock-skewed". */
gboolean             wallet_share_get_clock_skewed          (WalletShare       *self);
/* More than one recipient device opened the link: both sides must treat
 * the credential as exposed. Stays TRUE once set. Property
 * "opened-on-several-devices". */
gboolean             wallet_share_get_opened_on_several_devices (WalletShare   *self);

/* Why the share failed, or what keeps it from going on right now (relay
 * unreachable, keyring locked) while it retries; NULL when all is well.
 * The message is for people. Transfer none. Property "error". */
const GError        *wallet_share_get_error                 (WalletShare       *self);

/* When the share was made here. Transfer none. Property "created". */
GDateTime           *wallet_share_get_created               (WalletShare       *self);

/* Outgoing, once the mailbox exists: the link in the form asked for, or
 * NULL. It holds the key unless @form is WITHOUT_KEY. Property "has-link"
 * says when it is there. */
gboolean             wallet_share_get_has_link              (WalletShare       *self);
TwSecret            *wallet_share_dup_link                  (WalletShare       *self,
                                                             WalletShareLinkForm form);
/* Outgoing: the key alone as text (padded standard base64), for "send the
 * code separately"; NULL without a link. */
TwSecret            *wallet_share_dup_link_key_text         (WalletShare       *self);

/* Outgoing, verified flow: whether a PIN exists and whether it was shown
 * once already (wallet_share_manager_reveal_pin_async()). Properties
 * "has-pin", "pin-revealed". */
gboolean             wallet_share_get_has_pin               (WalletShare       *self);
gboolean             wallet_share_get_pin_revealed          (WalletShare       *self);

G_END_DECLS
