/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "wallet-keyring.h"

G_BEGIN_DECLS

/*
 * What WalletKeyring's two backends (the Secret Service in
 * wallet-keyring.c, the Secret portal's file in wallet-keyring-portal.c)
 * have in common, so each keeps only what differs: which backend runs, the
 * item schemas, the four kinds of call and their timers, how a finished
 * read answers its call, and the errors people see. Private to the wallet
 * layer.
 */

/* TIGRESS_KEYRING=portal or =service decides; without it (or with another
 * value, which is warned about) the portal inside Flatpak, the Secret
 * Service outside. */
WalletKeyringBackend  wallet_keyring_backend_choose      (gboolean              sandboxed);

typedef enum {
  WALLET_KEYRING_CALL_STORE,
  WALLET_KEYRING_CALL_LOAD,
  WALLET_KEYRING_CALL_LOAD_ALL,
  WALLET_KEYRING_CALL_DELETE,
} WalletKeyringCall;

/* What a call asks for; the strings and bytes stay the caller's. */
typedef struct {
  WalletKeyringCall  call;
  WalletItemKind     kind;
  const char        *id;          /* NULL for a batch read */
  const char        *type;        /* a store's, may be NULL */
  const char        *label;       /* a store's */
  GBytes            *secret;      /* a store's */
  gpointer           source_tag;  /* the public function called */
} WalletKeyringRequest;

/* The libsecret schema of @kind: "id" and "type" attributes. */
const SecretSchema   *wallet_keyring_schema              (WalletItemKind        kind);

/* A timer of @timeout_ms (longer for a batch read) that calls @on_due
 * once, attached to @context. */
GSource              *wallet_keyring_call_timer_new      (WalletKeyringCall     call,
                                                          guint                 timeout_ms,
                                                          GSourceFunc           on_due,
                                                          gpointer              data,
                                                          GMainContext         *context);

/* Answers @task from the items a call read (WalletKeyringItem, taken):
 * the array for a batch read, the first secret or NOT_FOUND for a load,
 * and for a store's read-back, success only when exactly one item holds
 * @payload and @type. */
void                  wallet_keyring_return_read         (GTask                *task,
                                                          WalletKeyringCall     call,
                                                          GPtrArray            *items,
                                                          GBytes               *payload,
                                                          const char           *type,
                                                          WalletKeyringBackend  backend);

/* A WALLET_KEYRING_ERROR of @code with the message people see for that
 * backend. */
GError               *wallet_keyring_error_new           (WalletKeyringBackend  backend,
                                                          WalletKeyringError    code);

/* Tests on raw errors from libsecret or GDBus that both backends ask. */
gboolean              wallet_keyring_raw_says            (const GError         *raw,
                                                          const char           *words);
gboolean              wallet_keyring_raw_is_timeout      (const GError         *raw);
gboolean              wallet_keyring_raw_is_no_bus       (const GError         *raw);
/* Nobody owns the bus name asked for, and it cannot be started. */
gboolean              wallet_keyring_raw_is_name_missing (const GError         *raw);

G_END_DECLS
