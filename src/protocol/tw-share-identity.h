/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include "tw-crypto.h"
#include "tw-json-secret.h"
#include "tw-share.h"

G_BEGIN_DECLS

/*
 * The identity block (protocol, section 4): an opt-in member of the first
 * message's body that ties a share to its sender's long-term identity key.
 *
 *   "identity": {"key": base64(identity public key),
 *                "sig": base64(Ed25519 signature by the identity key)}
 *
 * The signature covers
 *
 *   "tigress-wallet v1 identity" || 0x00 || share id || share signing key
 *
 * where the share id is its 32 hex digits as the messages carry them and
 * the signing key is the 32-byte per-share Ed25519 key that signs the
 * message. Both have a fixed size, so the concatenation is unambiguous.
 * The share key signs the body that holds the block, and the link commits
 * to that message; so the block vouches for exactly this share, and a
 * block lifted from another share names another share id or signing key
 * and does not verify here.
 */

#define TW_SHARE_IDENTITY_LABEL   "tigress-wallet v1 identity"
#define TW_SHARE_IDENTITY_MEMBER  "identity"

typedef struct {
  guint8 key[TW_ED25519_PUBLIC_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];
} TwShareIdentity;

/* The bytes the identity key signs. */
GBytes   *tw_share_identity_input   (const char            *share_id,
                                     const guint8           signing_key[TW_ED25519_PUBLIC_SIZE]);

/* Makes the block with @sign, then checks it against @identity_key, so a
 * key and a signing function that do not belong together fail here, at
 * the sender, rather than as an altered share at the recipient. */
gboolean  tw_share_identity_make    (const guint8           identity_key[TW_ED25519_PUBLIC_SIZE],
                                     TwShareIdentitySignFunc sign,
                                     gpointer               sign_data,
                                     const char            *share_id,
                                     const guint8           signing_key[TW_ED25519_PUBLIC_SIZE],
                                     TwShareIdentity       *identity,
                                     GError               **error);

gboolean  tw_share_identity_verify  (const TwShareIdentity *identity,
                                     const char            *share_id,
                                     const guint8           signing_key[TW_ED25519_PUBLIC_SIZE]);

/* Writes the "identity" member into the body object being written. */
void      tw_share_identity_write   (const TwShareIdentity *identity,
                                     TwJsonWriter          *writer);

/* Reads the optional "identity" member of @body. TRUE with *@present
 * FALSE when there is none; FALSE when there is one that is not exactly
 * {key, sig} of the right sizes. */
gboolean  tw_share_identity_read    (JsonObject            *body,
                                     gboolean              *present,
                                     TwShareIdentity       *identity);

/* A TwShareIdentitySignFunc for a caller that holds the seed itself:
 * @user_data is the TwSecret seed. */
gboolean  tw_share_identity_sign_with_seed (gconstpointer   message,
                                            gsize           size,
                                            guint8          signature[TW_ED25519_SIG_SIZE],
                                            gpointer        user_data,
                                            GError        **error);

G_END_DECLS
