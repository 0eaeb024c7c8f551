/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * Helpers for the relay's tests: a real tigress-relay process on a loopback
 * port (started here, stopped by its process id), over plain HTTP or over
 * HTTPS with a certificate authority made for the test run, and small
 * synchronous HTTP helpers.
 *
 * Environment:
 *   TW_RELAY_EXE           the tigress-relay to run (set by meson)
 *   TW_RELAY_TEST_TLS      1: every relay serves HTTPS with a test CA
 *   TW_RELAY_TEST_STORAGE  sqlite (default) or redis: the backend under test;
 *                          the same tests run once per backend
 */

typedef struct _RelayTestServer RelayTestServer;

typedef struct {
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
  char               *text;     /* the body as a string, made when first asked */
} RelayTestReply;

/* The scratch folder of this test program (removed by headless-run). */
const char      *relay_test_scratch_dir     (void);

/* A fresh --storage value on the backend under test (TW_RELAY_TEST_STORAGE). */
char            *relay_test_new_storage     (void);

/* Starts a relay with the suite's storage and TLS mode plus @extra_args
 * (NULL-terminated, may be NULL), and waits until it serves /healthz. */
RelayTestServer *relay_test_server_start    (const char * const *extra_args);

/* The same, on an existing storage spec (to restart on the same data). */
RelayTestServer *relay_test_server_start_on (const char         *storage,
                                             const char * const *extra_args);

/* The most general form: @storage NULL for a fresh one; @environment
 * NAME=VALUE strings added to the relay's environment (may be NULL). */
RelayTestServer *relay_test_server_start_full (const char         *storage,
                                               const char * const *extra_args,
                                               const char * const *environment);

/* SIGTERM and wait (or SIGKILL with @kill_hard), by the child's pid. */
void             relay_test_server_stop     (RelayTestServer    *server,
                                             gboolean            kill_hard);
void             relay_test_server_free     (RelayTestServer    *server);

/* scheme://127.0.0.1:port */
const char      *relay_test_server_url      (RelayTestServer    *server);
const char      *relay_test_server_admin_url (RelayTestServer   *server);   /* or NULL */
const char      *relay_test_server_storage  (RelayTestServer    *server);
guint16          relay_test_server_port     (RelayTestServer    *server);
gboolean         relay_test_server_is_tls   (RelayTestServer    *server);
/* The relay's process id, to read its resource use from /proc. */
GPid             relay_test_server_pid      (RelayTestServer    *server);
/* Everything the relay wrote to stderr so far. */
char            *relay_test_server_log      (RelayTestServer    *server);

/* A session that trusts the test CA and uses no proxy. */
SoupSession     *relay_test_session_new     (void);

/* One request. @headers: name, value, ..., NULL. @body may be NULL. */
RelayTestReply  *relay_test_request         (SoupSession        *session,
                                             const char         *method,
                                             const char         *url,
                                             const char         *body,
                                             ...) G_GNUC_NULL_TERMINATED;
RelayTestReply  *relay_test_request_v       (SoupSession        *session,
                                             const char         *method,
                                             const char         *url,
                                             const char         *body,
                                             const char * const *headers);
void             relay_test_reply_free      (RelayTestReply     *reply);

const char      *relay_test_reply_header    (RelayTestReply     *reply,
                                             const char         *name);
/* The body as a NUL-terminated string (owned by the reply). */
const char      *relay_test_reply_text      (RelayTestReply     *reply);
/* The "error" member of an error body, or NULL. */
char            *relay_test_reply_error_code (RelayTestReply    *reply);
/* A string member of the JSON body (dotted path "payload.data"), or NULL. */
char            *relay_test_reply_member    (RelayTestReply     *reply,
                                             const char         *path);

/* Raw bytes over one fresh connection (TLS when the server uses it);
 * returns everything the relay answered until it closed the connection or
 * @timeout_ms passed. */
char            *relay_test_raw_exchange    (RelayTestServer    *server,
                                             const char         *request,
                                             gsize               request_size,
                                             guint               timeout_ms);

/* The status code of a raw answer ("HTTP/1.1 404 ..." → 404), 0 if none. */
guint            relay_test_raw_status      (const char         *answer);

/* A fresh random claim (UUID v4 text). */
char            *relay_test_new_claim       (void);

/* A create body with a valid sealed payload of @data_size bytes and
 * @config_json (the mailboxConfiguration members, or NULL). */
char            *relay_test_create_body     (gsize               data_size,
                                             const char         *title,
                                             const char         *config_json);

/* Creates a mailbox as @claim; returns its id (asserts on failure). */
char            *relay_test_create_mailbox  (SoupSession        *session,
                                             RelayTestServer    *server,
                                             const char         *claim,
                                             const char         *config_json);

/* scheme://.../v1/m/{id} */
char            *relay_test_mailbox_url     (RelayTestServer    *server,
                                             const char         *mailbox_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayTestReply, relay_test_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayTestServer, relay_test_server_free)

G_END_DECLS
