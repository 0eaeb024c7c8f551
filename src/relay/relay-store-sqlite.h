/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "relay-store.h"

G_BEGIN_DECLS

/*
 * RelayStoreSqlite: the embedded store, one SQLite file in WAL mode.
 * Every acknowledged write is committed with synchronous=FULL, so it
 * survives a crash of the relay or of the machine. The schema carries a
 * version (PRAGMA user_version) and is migrated when the relay starts.
 * Each calling thread takes a connection from a small pool, so threads never
 * share a connection and readers never wait for a writer (WAL). Writes are
 * group-committed; checkpoints run on a thread of the store's own. Mailboxes
 * are kept in expiry order, so the sweep removes ranges of rows.
 */
#define RELAY_TYPE_STORE_SQLITE (relay_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (RelayStoreSqlite, relay_store_sqlite, RELAY, STORE_SQLITE, GObject)

/* Opens (creating if needed) the database at @path and migrates it. */
RelayStoreSqlite *relay_store_sqlite_new            (const char  *path,
                                                     GError     **error);

/* The schema version this build writes. */
#define RELAY_STORE_SQLITE_SCHEMA_VERSION 2

G_END_DECLS
