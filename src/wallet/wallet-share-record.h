/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tw-secret.h"
#include "wallet-share.h"

G_BEGIN_DECLS

/*
 * The saved form of one share: what the WalletShare shows, plus what the
 * runner needs to go on after a restart. It is JSON written straight into
 * secure memory, then sealed under the data key (context "share:<item id>")
 * and kept in one keyring item. A finished share keeps only what it shows:
 * its secrets are left out, so the link key and the claim are gone once the
 * mailbox is.
 */

#define WALLET_SHARE_RECORD_VERSION 1

typedef struct {
  guint     pins_sent;     /* incoming: PINs this device sent */
  gboolean  delivering;    /* outgoing: the credential was written */
  gboolean  opened;        /* outgoing: the relay said a recipient bound */
  gboolean  cancelling;    /* the user cancelled; the machine is cleaning up */
  gboolean  stored;        /* incoming: the credential is in the wallet */
  gboolean  bind_token;    /* outgoing: the mailbox asks for a bind token */
  gint64    expires_in;    /* outgoing: the wanted lifetime, seconds */
  char     *etag;          /* of the last payload handled */
  /* Secrets; all NULL once the share is final. */
  TwSecret *claim;         /* this device's claim on the mailbox */
  TwSecret *link;          /* the link with its key, tigress: form */
  TwSecret *pin;           /* outgoing, verified flow */
  TwSecret *machine;       /* the state machine's saved state */
} WalletShareRecordExtra;

void          wallet_share_record_extra_clear   (WalletShareRecordExtra       *extra);
/* Drops the secrets (wiping them). */
void          wallet_share_record_extra_forget  (WalletShareRecordExtra       *extra);

TwSecret     *wallet_share_record_serialize     (WalletShare                  *share,
                                                 const WalletShareRecordExtra *extra);

/* A new share as saved, and the rest in @extra (cleared first). */
WalletShare  *wallet_share_record_parse         (TwSecret                     *plaintext,
                                                 WalletShareRecordExtra       *extra,
                                                 GError                      **error);

G_END_DECLS
