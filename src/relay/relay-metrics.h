/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * RelayMetrics: counters for the Prometheus text on the admin address.
 * Lock-free (atomic increments) so that counting costs the hot path
 * nothing measurable. Nothing here identifies a client or a mailbox.
 */
typedef enum {
  RELAY_ROUTE_CREATE,
  RELAY_ROUTE_READ,
  RELAY_ROUTE_UPDATE,
  RELAY_ROUTE_DELETE,
  RELAY_ROUTE_RELINQUISH,
  RELAY_ROUTE_PREVIEW,
  RELAY_ROUTE_STATIC,
  RELAY_ROUTE_HEALTH,
  RELAY_ROUTE_METRICS,
  RELAY_ROUTE_OTHER,
  RELAY_N_ROUTES
} RelayRoute;

typedef enum {
  RELAY_LIMIT_CREATE,
  RELAY_LIMIT_FAILURES,
  RELAY_LIMIT_READS,
  RELAY_LIMIT_MAILBOXES,
  RELAY_LIMIT_WAITING,
  RELAY_LIMIT_SIZE,
  RELAY_N_LIMITS
} RelayLimitKind;

typedef struct _RelayMetrics RelayMetrics;

RelayMetrics *relay_metrics_new            (void);
void          relay_metrics_free           (RelayMetrics   *metrics);

void          relay_metrics_count_request  (RelayMetrics   *metrics,
                                            RelayRoute      route,
                                            guint           status);
void          relay_metrics_count_limit    (RelayMetrics   *metrics,
                                            RelayLimitKind  kind);
void          relay_metrics_count_binding  (RelayMetrics   *metrics);
void          relay_metrics_count_swept    (RelayMetrics   *metrics,
                                            guint           swept);

/* The Prometheus text exposition, with the gauges given by the caller. */
char         *relay_metrics_render         (RelayMetrics   *metrics,
                                            guint64         live_mailboxes,
                                            guint           waiting_requests);

const char   *relay_route_name             (RelayRoute      route);
const char   *relay_limit_name             (RelayLimitKind  kind);

G_END_DECLS
