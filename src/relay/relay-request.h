/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "relay-headers.h"

#include "relay-store.h"

G_BEGIN_DECLS

typedef struct _RelayDeferred RelayDeferred;

/*
 * A request and its answer, independent of any socket, so the HTTP front
 * end, the tests and the fuzzer drive the same code.
 */
typedef struct {
  const char         *method;      /* upper case, as sent */
  const char         *path;        /* decoded path, without the query */
  const char         *query;       /* raw query, or NULL */
  RelayHeaders       *headers;
  const char         *body;
  gsize               body_size;
  GInetAddress       *peer;        /* the TCP peer (a proxy, if there is one) */
  gboolean            tls;         /* arrived over TLS */
  gboolean            admin;       /* arrived on the admin address */
  /* A long poll being answered after its wait: no limit is charged again
   * and it may wait only `wait_left` seconds more. */
  gboolean            resumed;
  guint               wait_left;
  /* Resumed: the binding epoch the mailbox had when the poll began to wait.
   * A device that binds changes no payload, yet the poller must hear of it. */
  guint               wait_epoch;
  /* The front end can take an answer later (RelayResponse.deferred). */
  gboolean            can_defer;
} RelayRequest;

typedef struct {
  guint       status;
  const char *content_type;        /* static string, or NULL with no body */
  GBytes     *body;
  GString    *header_lines;        /* "Name: value\r\n"..., or NULL */

  /* Set instead of an answer when a long poll must wait for a change. */
  gboolean    wait;
  guint       wait_seconds;
  char        wait_mailbox_id[RELAY_MAILBOX_ID_LENGTH + 1];
  guint8      wait_claim_hash[RELAY_HASH_SIZE];
  guint       wait_epoch;          /* the binding epoch it waits from */

  /* Set instead of an answer when another thread finishes it (only if the
   * request said can_defer): see relay-deferred.h. Owned. */
  RelayDeferred *deferred;
} RelayResponse;

void  relay_response_init        (RelayResponse *response);
void  relay_response_clear       (RelayResponse *response);

void  relay_response_add_header  (RelayResponse *response,
                                  const char    *name,
                                  const char    *value);
void  relay_response_add_header_number (RelayResponse *response,
                                        const char    *name,
                                        guint64        value);
void  relay_response_set_body    (RelayResponse *response,
                                  guint          status,
                                  const char    *content_type,
                                  GBytes        *body);
void  relay_response_set_json    (RelayResponse *response,
                                  guint          status,
                                  GString       *json);

/* Our error body {"error": code, "message": sentence}. */
void  relay_response_set_error   (RelayResponse *response,
                                  guint          status,
                                  const char    *code,
                                  const char    *message);

/* Appends @text as a JSON string literal. */
void  relay_json_append_string   (GString       *json,
                                  const char    *text);

/* Appends @number in decimal, without printf. */
void  relay_append_number        (GString       *text,
                                  guint64        number);

/* Appends @unix_seconds as "YYYY-MM-DDTHH:MM:SSZ" (UTC), without
 * printf or GDateTime, quoted when @quoted. */
void  relay_append_time          (GString       *text,
                                  gint64         unix_seconds,
                                  gboolean       quoted);

G_END_DECLS
