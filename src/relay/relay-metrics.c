/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "relay-metrics.h"

/* The statuses the relay answers with; anything else is counted as "other". */
static const guint known_statuses[] = {
  200, 201, 304, 400, 401, 404, 405, 410, 411, 412, 413, 414, 429, 431, 500, 503,
};
#define N_STATUSES (G_N_ELEMENTS (known_statuses) + 1)

struct _RelayMetrics
{
  gint64 started_at;
  gint   requests[RELAY_N_ROUTES][N_STATUSES];
  gint   limits[RELAY_N_LIMITS];
  gint   bindings;
  gint   swept;
};

static const char *const route_names[RELAY_N_ROUTES] = {
  "create", "read", "update", "delete", "relinquish",
  "preview", "static", "healthz", "metrics", "other",
};

static const char *const limit_names[RELAY_N_LIMITS] = {
  "create", "failures", "reads", "mailboxes", "waiting", "size",
};

RelayMetrics *
relay_metrics_new (void)
{
  RelayMetrics *metrics = g_new0 (RelayMetrics, 1);

  metrics->started_at = g_get_real_time () / G_USEC_PER_SEC;
  return metrics;
}

void
relay_metrics_free (RelayMetrics *metrics)
{
  g_free (metrics);
}

const char *
relay_limit_name (RelayLimitKind kind)
{
  return kind < RELAY_N_LIMITS ? limit_names[kind] : "other";
}

const char *
relay_route_name (RelayRoute route)
{
  return route < RELAY_N_ROUTES ? route_names[route] : "other";
}

static guint
status_index (guint status)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_statuses); i++)
    if (known_statuses[i] == status)
      return i;
  return N_STATUSES - 1;
}

void
relay_metrics_count_request (RelayMetrics *metrics,
                             RelayRoute    route,
                             guint         status)
{
  g_atomic_int_inc (&metrics->requests[MIN (route, RELAY_ROUTE_OTHER)][status_index (status)]);
}

void
relay_metrics_count_limit (RelayMetrics   *metrics,
                           RelayLimitKind  kind)
{
  g_atomic_int_inc (&metrics->limits[kind]);
}

void
relay_metrics_count_binding (RelayMetrics *metrics)
{
  g_atomic_int_inc (&metrics->bindings);
}

void
relay_metrics_count_swept (RelayMetrics *metrics,
                           guint         swept)
{
  g_atomic_int_add (&metrics->swept, swept);
}

static void
render_requests (RelayMetrics *metrics,
                 GString      *text)
{
  g_string_append (text,
                   "# HELP tigress_relay_requests_total Requests answered, by route and status.\n"
                   "# TYPE tigress_relay_requests_total counter\n");
  for (guint route = 0; route < RELAY_N_ROUTES; route++)
    for (guint s = 0; s < N_STATUSES; s++)
      {
        guint count = (guint) g_atomic_int_get (&metrics->requests[route][s]);

        if (count == 0)
          continue;
        if (s < G_N_ELEMENTS (known_statuses))
          g_string_append_printf (text, "tigress_relay_requests_total{route=\"%s\","
                                  "status=\"%u\"} %u\n", route_names[route],
                                  known_statuses[s], count);
        else
          g_string_append_printf (text, "tigress_relay_requests_total{route=\"%s\","
                                  "status=\"other\"} %u\n", route_names[route], count);
      }
}

char *
relay_metrics_render (RelayMetrics *metrics,
                      guint64       live_mailboxes,
                      guint         waiting_requests)
{
  GString *text = g_string_new (NULL);

  render_requests (metrics, text);
  g_string_append (text, "# HELP tigress_relay_limited_total Requests refused by a limit.\n"
                         "# TYPE tigress_relay_limited_total counter\n");
  for (guint i = 0; i < RELAY_N_LIMITS; i++)
    g_string_append_printf (text, "tigress_relay_limited_total{limit=\"%s\"} %u\n",
                            limit_names[i], (guint) g_atomic_int_get (&metrics->limits[i]));
  g_string_append_printf (text,
    "# HELP tigress_relay_bindings_total Recipient devices bound to mailboxes.\n"
    "# TYPE tigress_relay_bindings_total counter\n"
    "tigress_relay_bindings_total %u\n"
    "# HELP tigress_relay_swept_total Expired mailboxes removed.\n"
    "# TYPE tigress_relay_swept_total counter\n"
    "tigress_relay_swept_total %u\n"
    "# HELP tigress_relay_mailboxes Live mailboxes.\n"
    "# TYPE tigress_relay_mailboxes gauge\n"
    "tigress_relay_mailboxes %" G_GUINT64_FORMAT "\n"
    "# HELP tigress_relay_waiting_requests Long polls waiting now.\n"
    "# TYPE tigress_relay_waiting_requests gauge\n"
    "tigress_relay_waiting_requests %u\n"
    "# HELP tigress_relay_start_time_seconds When this process started.\n"
    "# TYPE tigress_relay_start_time_seconds gauge\n"
    "tigress_relay_start_time_seconds %" G_GINT64_FORMAT "\n",
    (guint) g_atomic_int_get (&metrics->bindings), (guint) g_atomic_int_get (&metrics->swept),
    live_mailboxes, waiting_requests, metrics->started_at);
  return g_string_free (text, FALSE);
}
