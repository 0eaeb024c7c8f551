/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * RelayConfig: every setting of the relay, from the command line, the
 * environment (TIGRESS_RELAY_<OPTION>, dashes as underscores) and a config
 * file (GKeyFile, group [relay], keys named like the options), in that order
 * of precedence. Every option has exactly one name, one default and one
 * help text, in the table in relay-config.c. A limit of 0 switches it off.
 */

#define RELAY_CONFIG_ERROR (relay_config_error_quark ())

typedef enum {
  RELAY_CONFIG_ERROR_INVALID,   /* a value we cannot use; the message names the option */
  RELAY_CONFIG_ERROR_HELP,      /* --help or --version was answered; exit 0 */
} RelayConfigError;

#define RELAY_MAX_EXPIRY_CEILING (7 * 24 * 3600)   /* the design's upper bound */

typedef struct {
  GStrv     listen;              /* HOST:PORT, IPv6 in brackets; port 0 = any free port */
  char     *admin_listen;        /* NULL: no admin listener (no /metrics) */
  char     *storage;             /* sqlite:PATH or redis://HOST:PORT */
  char     *tls_cert;            /* PEM files; both or neither */
  char     *tls_key;
  char     *public_url;          /* scheme://host[:port] of links; NULL: from Host */
  GStrv     trusted_proxies;     /* addresses whose X-Forwarded-For we believe */
  guint     threads;             /* HTTP worker threads */

  gboolean  rate_limits;         /* FALSE with --no-rate-limits */
  gboolean  log_addresses;

  gsize     max_body;            /* bytes of a request body */
  gsize     max_payload;         /* bytes of payload.data */
  gsize     max_field;           /* bytes of each display field */
  gsize     max_url;             /* bytes of path + query */
  gsize     max_headers;         /* bytes of all request headers */
  guint     create_limit;        /* creates per minute per IPv4 address / IPv6 /64 */
  guint     failure_limit;       /* 401 and 404 answers per minute per address */
  guint     read_limit;          /* reads per minute per mailbox */
  guint     max_mailboxes;       /* live mailboxes */
  guint     max_waiting;         /* long polls waiting at once */
  guint     max_wait;            /* seconds a long poll may wait (design: 60) */
  gint64    max_expiry;          /* seconds */
  guint     request_timeout;     /* seconds to receive a request, idle keep-alive too */
  guint     sweep_interval;      /* seconds between expiry sweeps */
} RelayConfig;

GQuark       relay_config_error_quark (void);

RelayConfig *relay_config_new_default (void);

/* Parses argv (consumes it), the environment @envp (NULL: the process's)
 * and --config. On --help/--version prints to stdout and fails with
 * RELAY_CONFIG_ERROR_HELP. */
RelayConfig *relay_config_load        (int           *argc,
                                       char        ***argv,
                                       const char * const *envp,
                                       GError      **error);

void         relay_config_free        (RelayConfig  *config);

/* Parses "HOST:PORT" or "[V6]:PORT" into an address. */
GSocketAddress *relay_config_parse_address (const char  *text,
                                            GError     **error);

/* Parses a duration: "90", "90s", "15m", "48h", "7d". */
gboolean     relay_config_parse_duration (const char *text,
                                          gint64     *seconds_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayConfig, relay_config_free)

G_END_DECLS
