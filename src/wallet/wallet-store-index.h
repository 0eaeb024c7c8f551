/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The credential index that WalletStore keeps in one keyring item: every
 * credential's sealed item secret again, keyed by id, so that a load is one
 * read of one item. It holds only what the per-credential items hold
 * (ciphertext under the data key), so it needs no sealing of its own.
 *
 *   "twix1\n" then, per credential:
 *   id length (2 bytes, big-endian) || id || sealed length (4 bytes) || sealed
 *
 * Internal to the wallet services.
 */

#define WALLET_STORE_INDEX_ID "credentials"

/* @sealed_by_id: id → GBytes. */
GBytes     *wallet_store_index_build (GHashTable  *sealed_by_id);

/* id → GBytes, or NULL if @index is not a well-formed index. */
GHashTable *wallet_store_index_parse (GBytes      *index);

/* A new, empty id → GBytes table. */
GHashTable *wallet_store_index_new_table (void);

G_END_DECLS
