/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * SPAKE2 (RFC 9382), suite P256-SHA256-HKDF-HMAC, on OpenSSL's EC_POINT API.
 * The sender is party A ("initiator"), the recipient party B. Points on the
 * wire are SEC1 uncompressed (65 bytes).
 */

#define TW_SPAKE2_POINT_SIZE   65
#define TW_SPAKE2_SCALAR_SIZE  32
#define TW_SPAKE2_KE_SIZE      16
#define TW_SPAKE2_MAC_SIZE     32

/* The identities A and B of our two parties, as they enter the transcript. */
#define TW_SPAKE2_IDENTITY_A   "tigress-wallet initiator"
#define TW_SPAKE2_IDENTITY_B   "tigress-wallet recipient"

#define TW_SPAKE2_ERROR (tw_spake2_error_quark ())

typedef enum {
  TW_SPAKE2_ERROR_FAILED,
  TW_SPAKE2_ERROR_BAD_POINT,        /* not on the curve, or the point at infinity */
  TW_SPAKE2_ERROR_CONFIRMATION,     /* the peer's MAC is wrong: wrong PIN or tampering */
  TW_SPAKE2_ERROR_STATE,            /* a call out of order */
} TwSpake2Error;

typedef enum {
  TW_SPAKE2_ROLE_A,   /* initiator: the sender; sends pA = x*G + w*M */
  TW_SPAKE2_ROLE_B,   /* responder: the recipient; sends pB = y*G + w*N */
} TwSpake2Role;

typedef struct _TwSpake2 TwSpake2;

GQuark     tw_spake2_error_quark        (void);

/* w = HKDF(ikm = lp(pin), salt = share id, info = "tigress-wallet v1 spake2 w",
 * 40 bytes) reduced modulo the group order; returned as 32 bytes big-endian. */
TwSecret  *tw_spake2_derive_w           (const char   *pin,
                                         const char   *share_id,
                                         GError      **error);

/* A new exchange with a fresh random scalar. w is 32 bytes big-endian. */
TwSpake2  *tw_spake2_new                (TwSpake2Role  role,
                                         const char   *identity_a,
                                         const char   *identity_b,
                                         TwSecret     *w,
                                         GError      **error);

/* The same with a given scalar: to restore a saved exchange, and for the
 * RFC's test vectors. */
TwSpake2  *tw_spake2_new_with_scalar    (TwSpake2Role  role,
                                         const char   *identity_a,
                                         const char   *identity_b,
                                         TwSecret     *w,
                                         TwSecret     *scalar,
                                         GError      **error);

/* The scalar (x or y), to save the exchange across a restart. */
TwSecret  *tw_spake2_get_scalar         (TwSpake2     *self);

/* Our public share: pA or pB, 65 bytes. */
void       tw_spake2_get_share          (TwSpake2     *self,
                                         guint8        out[TW_SPAKE2_POINT_SIZE]);

/* Takes the peer's share, refuses off-curve points and infinity, and derives
 * K, the transcript TT, Ke, Ka and the confirmation keys with the given
 * associated data (we bind th_1, the share id and the suite there). */
gboolean   tw_spake2_finish             (TwSpake2     *self,
                                         const guint8  peer_share[TW_SPAKE2_POINT_SIZE],
                                         gconstpointer aad,
                                         gsize         aad_size,
                                         GError      **error);

/* After finish: our confirmation MAC, and a check of the peer's (in
 * constant time). */
void       tw_spake2_get_confirmation   (TwSpake2     *self,
                                         guint8        out[TW_SPAKE2_MAC_SIZE]);
gboolean   tw_spake2_verify_confirmation (TwSpake2    *self,
                                         const guint8  peer_mac[TW_SPAKE2_MAC_SIZE],
                                         GError      **error);

/* After finish: the shared key Ke (16 bytes). Valid only once the peer's
 * confirmation has been verified; callers must check that first. */
TwSecret  *tw_spake2_get_shared_key     (TwSpake2     *self);

/* For the test vectors: the transcript TT of the last finish. */
GBytes    *tw_spake2_get_transcript     (TwSpake2     *self);

void       tw_spake2_free               (TwSpake2     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwSpake2, tw_spake2_free)

G_END_DECLS
