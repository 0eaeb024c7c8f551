/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wallet-share.h"

G_BEGIN_DECLS

/* One sentence for people about where @share is now, from the side of
 * this wallet (sender or recipient). Newly allocated. */
char       *tigress_share_describe_state (WalletShare *share);

/* A short heading for a share that cannot go on, chosen from its state
 * (@share may be NULL) and its error. */
const char *tigress_share_failure_title  (WalletShare  *share,
                                          const GError *error);

/* Whether the failure goes away by trying again (relay unreachable,
 * keyring locked or slow). */
gboolean    tigress_share_failure_is_retryable (const GError *error);

G_END_DECLS
