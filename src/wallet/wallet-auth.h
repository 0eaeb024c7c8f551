/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "wallet-auth-proof.h"
#include "wallet-vault.h"

G_BEGIN_DECLS

/*
 * WalletAuth: re-authentication right before sending or accepting a share.
 * Either the wallet passcode (checked through the vault, with its
 * wrong-passcode delays), or — while the vault is unlocked, on a native
 * install with polkit — system authentication for the polkit action
 * WALLET_AUTH_POLKIT_ACTION. Both give a WalletAuthProof bound to one
 * purpose (see wallet-auth-proof.h).
 */

#define WALLET_TYPE_AUTH (wallet_auth_get_type ())
G_DECLARE_FINAL_TYPE (WalletAuth, wallet_auth, WALLET, AUTH, GObject)

#define WALLET_AUTH_POLKIT_ACTION "io.github.tigress_wallet.Wallet.confirm-share"

WalletAuth      *wallet_auth_new                    (WalletVault        *vault);

/* How long new proofs stay valid; WALLET_AUTH_PROOF_LIFETIME_SECONDS by
 * default. Only shorter values are accepted (for tests). */
void             wallet_auth_set_proof_lifetime     (WalletAuth         *self,
                                                     guint               seconds);

/* TRUE when this build has polkit support and the vault is unlocked. It
 * does not ask polkit; a missing polkit service shows up as UNAVAILABLE
 * from wallet_auth_with_system_async(). */
gboolean         wallet_auth_can_use_system         (WalletAuth         *self);

/* Checks @passcode through the vault (same delays and counting as an
 * unlock) and gives a proof for @purpose. Errors are the vault's. */
void             wallet_auth_with_passcode_async    (WalletAuth         *self,
                                                     WalletAuthPurpose   purpose,
                                                     TwSecret           *passcode,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
WalletAuthProof *wallet_auth_with_passcode_finish   (WalletAuth         *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);

/* Asks polkit (with user interaction allowed, so the desktop shows its
 * authentication dialog) whether this process may do
 * WALLET_AUTH_POLKIT_ACTION. Fails with LOCKED when the vault is locked,
 * UNAVAILABLE without polkit, DENIED or CANCELLED. */
void             wallet_auth_with_system_async      (WalletAuth         *self,
                                                     WalletAuthPurpose   purpose,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
WalletAuthProof *wallet_auth_with_system_finish     (WalletAuth         *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);

G_END_DECLS
