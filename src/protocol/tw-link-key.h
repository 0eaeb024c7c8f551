/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * The link key K with its commitment to the first message (protocol,
 * section 4). The sender draws a 16-byte seed r, finishes the first message
 * m1, and only then derives
 *
 *   M = HMAC(r, "tigress-wallet v1 link-marker")[0..4)
 *   C = HMAC(r, "tigress-wallet v1 link-commit" || SHA-256(m1))[0..12)
 *   K = r || M || C                                   (32 bytes)
 *
 * To a Draft V app K is an ordinary AES-256 key. Our recipient checks M to
 * learn whether the share comes from our wallet, and then C to learn
 * whether m1 is the message the link was made for: someone who only read
 * the link cannot put another m1 in the mailbox.
 *
 * The bind token B = HKDF-SHA256(ikm = K, salt = empty,
 * info = "tigress-wallet v1 bind-token", 32) lets the relay refuse a
 * binding read from anyone who saw only the mailbox id. The sender gives
 * the relay base64(SHA-256(B)); the recipient sends base64(B) in the
 * Mailbox-Bind-Token header.
 */

#define TW_LINK_KEY_SEED_SIZE     16
#define TW_LINK_KEY_MARKER_SIZE    4
#define TW_LINK_KEY_COMMIT_SIZE   12
#define TW_LINK_KEY_SIZE          32
#define TW_BIND_TOKEN_SIZE        32

#define TW_LINK_KEY_ERROR (tw_link_key_error_quark ())

typedef enum {
  TW_LINK_KEY_ERROR_BAD_SIZE,        /* a seed or key of the wrong length */
  TW_LINK_KEY_ERROR_FAILED,          /* the crypto library refused */
} TwLinkKeyError;

typedef enum {
  TW_LINK_KEY_VERIFIED,  /* M and C match: from our wallet, m1 unaltered */
  TW_LINK_KEY_FOREIGN,   /* M does not match (or a 16-byte key): another Draft V
                          * app; show the share as unverified */
  TW_LINK_KEY_ALTERED,   /* M matches but C does not: m1 was replaced; refuse */
} TwLinkKeyCheck;

GQuark          tw_link_key_error_quark        (void);

/* A fresh seed r from the CSPRNG. */
TwSecret       *tw_link_key_new_seed           (void);

/* K from the seed and the exact plaintext of m1 (as it will be sealed,
 * padding included). */
TwSecret       *tw_link_key_derive             (TwSecret       *seed,
                                                gconstpointer   m1,
                                                gsize           m1_size,
                                                GError        **error);

/* What the recipient learns from the key it holds and the m1 it decrypted
 * with it. Comparisons take constant time. Never fails: a key that cannot
 * carry a marker (not 32 bytes) is FOREIGN. */
TwLinkKeyCheck  tw_link_key_check              (TwSecret       *key,
                                                gconstpointer   m1,
                                                gsize           m1_size);

/* B, from a 16- or 32-byte link key. */
TwSecret       *tw_link_key_derive_bind_token  (TwSecret       *key,
                                                GError        **error);

/* The Mailbox-Bind-Token header value, base64(B), as text in a TwSecret. */
TwSecret       *tw_link_key_bind_token_header  (TwSecret       *bind_token);

/* mailboxConfiguration.bindVerifier = base64(SHA-256(B)). Not secret. */
char           *tw_link_key_bind_verifier      (TwSecret       *bind_token);

/* For the relay: whether a Mailbox-Bind-Token header value is the token
 * behind @verifier. The header must be strict standard base64 of exactly 32
 * bytes; the comparison takes constant time. */
gboolean        tw_link_key_bind_token_matches (const char     *header_value,
                                                const char     *verifier);

G_END_DECLS
