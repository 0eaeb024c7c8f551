/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/* Helpers shared by the wallet tests. */

/* Runs the main context until the async call that got wt_result_cb and
 * &result as user data has finished; returns its result (owned). */
void          wt_result_cb           (GObject       *source,
                                      GAsyncResult  *result,
                                      gpointer       user_data);
GAsyncResult *wt_wait                (GAsyncResult **result);

/* Runs the main context for @msec milliseconds. */
void          wt_sleep               (guint          msec);

TwSecret     *wt_secret              (const char    *text);

/* Whether @needle (as bytes) occurs in @haystack; never prints either. */
gboolean      wt_bytes_contain       (gconstpointer  haystack,
                                      gsize          haystack_size,
                                      const char    *needle);

/* Runs a command (argv), returns its standard output (bytes). */
GBytes       *wt_run_command         (const char * const *argv,
                                      int           *exit_status);

/*
 * A gnome-keyring-daemon of the test's own, on a private session bus
 * (GTestDBus, without any activatable service, so a stopped daemon stays
 * stopped), so the test may kill, stop and continue it by its pid.
 */
typedef struct _WtDaemon WtDaemon;

/* Brings up the private bus; sets DBUS_SESSION_BUS_ADDRESS. */
WtDaemon     *wt_daemon_new_bus      (void);
/* Starts the daemon; @unlock gives it the login password on stdin, so it
 * creates and unlocks the "login" collection. @data_home: its
 * XDG_DATA_HOME (NULL: the test's own). */
void          wt_daemon_start        (WtDaemon      *daemon,
                                      gboolean       unlock,
                                      const char    *data_home);
void          wt_daemon_kill         (WtDaemon      *daemon);
void          wt_daemon_signal       (WtDaemon      *daemon,
                                      int            signal_number);
void          wt_daemon_free         (WtDaemon      *daemon);

G_END_DECLS
