/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wallet.h"

G_BEGIN_DECLS

/* What bench-seed stores and bench-list types: one passcode, and
 * credentials numbered from 0 ("Credential 0042", user42@example.org). */
#define TIGRESS_BENCH_PASSCODE "bench passcode"

WalletCredential *tigress_bench_make_credential (guint number);

G_END_DECLS
