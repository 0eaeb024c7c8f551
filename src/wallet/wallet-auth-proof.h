/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * WalletAuthProof: evidence that the user proved presence (passcode or
 * system authentication) a moment ago, for ONE purpose. Only WalletAuth
 * makes proofs. A proof is single-use and expires
 * WALLET_AUTH_PROOF_LIFETIME_SECONDS after it was made (WalletAuth can
 * shorten that).
 *
 * Whoever starts a share calls wallet_auth_proof_consume (proof,
 * WALLET_AUTH_PURPOSE_SEND, …) right before the first relay call, and
 * refuses to go on if it fails. A recipient's flow checks its ACCEPT
 * proof with wallet_auth_proof_check() before the binding read, and
 * WalletStore consumes it when it stores the received credential
 * (wallet_store_add_from_share_async()).
 */

#define WALLET_TYPE_AUTH_PROOF (wallet_auth_proof_get_type ())
G_DECLARE_FINAL_TYPE (WalletAuthProof, wallet_auth_proof, WALLET, AUTH_PROOF, GObject)

#define WALLET_AUTH_ERROR (wallet_auth_error_quark ())

typedef enum {
  WALLET_AUTH_ERROR_NO_PROOF,      /* the step needs a re-authentication first */
  WALLET_AUTH_ERROR_WRONG_PURPOSE, /* a SEND proof used to accept, or the reverse */
  WALLET_AUTH_ERROR_EXPIRED,       /* too long since the user confirmed */
  WALLET_AUTH_ERROR_USED,          /* each confirmation allows one action */
  WALLET_AUTH_ERROR_DENIED,        /* system authentication said no */
  WALLET_AUTH_ERROR_CANCELLED,     /* the user dismissed the authentication dialog */
  WALLET_AUTH_ERROR_UNAVAILABLE,   /* no system authentication here: use the passcode */
  WALLET_AUTH_ERROR_LOCKED,        /* system authentication needs an unlocked wallet */
} WalletAuthError;

typedef enum {
  WALLET_AUTH_PURPOSE_SEND,    /* start a share */
  WALLET_AUTH_PURPOSE_ACCEPT,  /* open and store a received share */
} WalletAuthPurpose;

typedef enum {
  WALLET_AUTH_METHOD_PASSCODE,
  WALLET_AUTH_METHOD_SYSTEM,   /* polkit */
} WalletAuthMethod;

#define WALLET_AUTH_PROOF_LIFETIME_SECONDS 120

GQuark             wallet_auth_error_quark       (void);

WalletAuthPurpose  wallet_auth_proof_get_purpose (WalletAuthProof    *self);
WalletAuthMethod   wallet_auth_proof_get_method  (WalletAuthProof    *self);

/* TRUE when @self (may be NULL) is for @purpose, unused and not expired;
 * else FALSE with NO_PROOF, WRONG_PURPOSE, USED or EXPIRED. Does not use
 * the proof up. */
gboolean           wallet_auth_proof_check       (WalletAuthProof    *self,
                                                  WalletAuthPurpose   purpose,
                                                  GError            **error);

/* The same check, and on success marks the proof used, so a second call
 * fails with USED. The gate before every share start and every store of
 * a received credential. */
gboolean           wallet_auth_proof_consume     (WalletAuthProof    *self,
                                                  WalletAuthPurpose   purpose,
                                                  GError            **error);

G_END_DECLS
