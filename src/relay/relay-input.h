/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "relay-headers.h"

#include "relay-config.h"
#include "relay-store.h"

G_BEGIN_DECLS

/*
 * Reading what a client sent: headers and JSON bodies, checked against the
 * protocol's rules and the configured limits. Each parser either fills its
 * output or returns FALSE with a RelayInputError whose message is a plain
 * sentence for the client (it never echoes the value it refused).
 */

#define RELAY_INPUT_ERROR (relay_input_error_quark ())

typedef enum {
  RELAY_INPUT_ERROR_INVALID,      /* 400 invalid-request */
  RELAY_INPUT_ERROR_TOO_LARGE,    /* 413 payload-too-large */
  RELAY_INPUT_ERROR_NO_CLAIM,     /* 401 unauthorized */
} RelayInputError;

GQuark    relay_input_error_quark   (void);

/* TRUE if @text is a UUID in its 36-character form (any case). */
gboolean  relay_input_is_uuid       (const char          *text);

/* Mailbox-Device-Claim → its hash; Mailbox-Request-ID → the request key
 * (has_request_key FALSE when absent). See RelayAccess for the formulas. */
gboolean  relay_input_read_access   (RelayHeaders        *headers,
                                     RelayAccess         *access,
                                     GError             **error);

/* Mailbox-Bind-Token → SHA-256 of its decoded bytes. FALSE (no error) when
 * absent; a token that is not base64 yields a hash nothing matches. */
gboolean  relay_input_bind_token_hash (RelayHeaders       *headers,
                                       guint8              hash_out[RELAY_HASH_SIZE]);

/* The ETag inside an If-Match / If-None-Match value ("..." or W/"..." or
 * bare); NULL if absent, "*" for a wildcard. */
char     *relay_input_etag_condition (RelayHeaders       *headers,
                                      const char         *name);

/* Prefer: wait=N, clamped to @max_wait; -1 when not asked for. */
int       relay_input_prefer_wait   (RelayHeaders        *headers,
                                     guint                max_wait);

/* The body of CreateMailbox into @mailbox (all but id, claims and request
 * keys). @now is the relay clock for the expiry clamp. */
gboolean  relay_input_parse_create  (const RelayConfig   *config,
                                     const char          *body,
                                     gsize                body_size,
                                     gint64               now,
                                     RelayMailbox        *mailbox,
                                     GError             **error);

/* The body of UpdateMailbox into @payload. */
gboolean  relay_input_parse_update  (const RelayConfig   *config,
                                     const char          *body,
                                     gsize                body_size,
                                     RelayPayload        *payload,
                                     GError             **error);

G_END_DECLS
