/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include "tw-crypto.h"

G_BEGIN_DECLS

/*
 * WalletContact: a person whose identity key the user pinned after the two
 * of them compared fingerprints once. Immutable.
 */

#define WALLET_TYPE_CONTACT (wallet_contact_get_type ())
G_DECLARE_FINAL_TYPE (WalletContact, wallet_contact, WALLET, CONTACT, GObject)

/* "1234 5678 9012 3456 7890 1234 5678 9012": 8 groups of 4 digits, each
 * group from 4 bytes of SHA-256("tigress-wallet v1 fingerprint" || key). */
#define WALLET_FINGERPRINT_LENGTH 39

/* The fingerprint people compare aloud, for any Ed25519 public key. */
char           *wallet_fingerprint_for_key       (const guint8  public_key[TW_ED25519_PUBLIC_SIZE]);

WalletContact  *wallet_contact_new               (const char   *id,
                                                  const char   *name,
                                                  const guint8  public_key[TW_ED25519_PUBLIC_SIZE],
                                                  GDateTime    *pinned);

const char     *wallet_contact_get_id            (WalletContact *self);
const char     *wallet_contact_get_name          (WalletContact *self);
/* 32 bytes. */
const guint8   *wallet_contact_get_public_key    (WalletContact *self);
const char     *wallet_contact_get_fingerprint   (WalletContact *self);
GDateTime      *wallet_contact_get_pinned        (WalletContact *self);

G_END_DECLS
