/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wallet-auth-proof.h"

G_BEGIN_DECLS

/* For the wallet services only: WalletAuth makes proofs, WalletStore gives
 * one back when the action it was used for did not happen. */
WalletAuthProof *wallet_auth_proof_new     (WalletAuthPurpose  purpose,
                                            WalletAuthMethod   method,
                                            guint              lifetime_seconds);
void             wallet_auth_proof_restore (WalletAuthProof   *self);

G_END_DECLS
