/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-list: how the real window copes with a big wallet. The keyring
 * must hold COUNT credentials already (bench-seed puts them there). It
 * measures through the unlock page: the time from pressing Unlock until
 * the list shows every credential and a frame is painted, then the time
 * from each search keystroke until the filtered list is painted, typing a
 * query letter by letter and deleting it again, once at once after unlock
 * (while the store still checks its index against the keyring items in
 * the background) and once after that check.
 *
 *   bench-list COUNT
 *
 * Run it inside tests/headless-run (a private keyring and Xvfb); bench/startup
 * does that.
 */
#include "config.h"

#include <adwaita.h>
#include <stdlib.h>
#include <time.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "bench-common.h"
#include "gui-test-util.h"

/* Narrows the list step by step: all, the thousand "Credential 0…", one. */
#define SEARCH_TEXT "credential 0042"

static TigressApplication *app;
static guint painted_frames;
static guint rows_made;
static guint rows_bound;
static gint64 unlocked_at;
static gint64 loaded_at;

static void
on_vault_unlocked (void)
{
  unlocked_at = g_get_monotonic_time ();
}

/* When the store holds every credential: what is left after this is the
 * window's own work (filtering, rows, the first paint). */
static void
on_store_changed (GListModel *store)
{
  if (loaded_at == 0 && g_list_model_get_n_items (store) > 0)
    loaded_at = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  painted_frames++;
}

typedef struct {
  TigressWindow *window;
  guint count;
  guint frames_before;
} ListReady;

static gboolean
list_shown (gpointer user_data)
{
  ListReady *ready = user_data;
  GtkStack *stack = GTK_STACK (tigress_window_get_part (ready->window, "main-stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "wallet") == 0 &&
         g_list_model_get_n_items (tigress_window_get_visible_credentials (ready->window))
         == ready->count &&
         painted_frames > ready->frames_before;
}

static gboolean
unlock_form_ready (gpointer user_data)
{
  GtkWidget *row = tigress_unlock_page_get_part (user_data, "passcode-row");

  return gtk_widget_get_visible (gtk_widget_get_parent (gtk_widget_get_parent (row))) &&
         gtk_widget_is_sensitive (row);
}

static double
measure_unlock (TigressWindow *window,
                guint          count)
{
  TigressUnlockPage *page = TIGRESS_UNLOCK_PAGE (tigress_window_get_part (window, "unlock-page"));
  ListReady ready = { window, count, 0 };
  gint64 started;

  if (!tigress_test_wait_until (unlock_form_ready, page, 60000))
    g_error ("The unlock page did not show its form.");
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "passcode-row")),
                         TIGRESS_BENCH_PASSCODE);
  ready.frames_before = painted_frames;
  started = g_get_monotonic_time ();
  g_signal_emit_by_name (tigress_unlock_page_get_part (page, "submit-button"), "clicked");
  if (!tigress_test_wait_until (list_shown, &ready, 120000))
    g_error ("The list did not show all %u credentials.", count);
  g_print ("passcode_check_ms=%.1f store_load_ms=%.1f window_after_load_ms=%.1f "
           "unlocked_to_list_painted_ms=%.1f\n",
           (unlocked_at - started) / 1000.0,
           (loaded_at - unlocked_at) / 1000.0,
           (g_get_monotonic_time () - loaded_at) / 1000.0,
           (g_get_monotonic_time () - unlocked_at) / 1000.0);
  return (g_get_monotonic_time () - started) / 1000.0;
}

static void
on_row_made (void)
{
  rows_made++;
}

static void
on_row_bound (void)
{
  rows_bound++;
}

static gboolean
frame_painted_since (gpointer user_data)
{
  return painted_frames > GPOINTER_TO_UINT (user_data);
}

/* CPU time of the main thread: the work a keystroke costs, whatever the
 * other programs on a shared machine are doing. */
static double
thread_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1000.0 + now.tv_nsec / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

static double
maximum (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len - 1);
}

typedef struct {
  GArray *wall_ms;
  GArray *cpu_ms;
} Keystrokes;

/* Makes the search entry's text @text the way one keystroke does: one
 * letter added at the end, or the last one removed. (Setting the whole
 * text is no keystroke: it empties the entry first, and GtkSearchEntry
 * reports an empty search at once, so the list would widen to everything
 * and narrow again.) */
static void
press_key (GtkEditable *entry,
           const char  *text)
{
  const char *before = gtk_editable_get_text (entry);
  int before_length = (int) g_utf8_strlen (before, -1);
  int length = (int) g_utf8_strlen (text, -1);

  if (length == before_length + 1 && g_str_has_prefix (text, before))
    {
      int position = before_length;

      gtk_editable_insert_text (entry, g_utf8_offset_to_pointer (text, before_length), -1,
                                &position);
    }
  else if (length + 1 == before_length && g_str_has_prefix (before, text))
    gtk_editable_delete_text (entry, length, before_length);
  else
    g_error ("\"%s\" is not one keystroke away from \"%s\"", text, before);
}

/* Presses one key in the search entry and waits for the frame that shows
 * its result. */
static void
time_keystroke (TigressWindow *window,
                const char    *text,
                Keystrokes    *keystrokes)
{
  GtkWidget *entry = tigress_window_get_part (window, "search-entry");
  guint frames_before = painted_frames, made_before = rows_made, bound_before = rows_bound;
  gint64 started = g_get_monotonic_time ();
  double cpu_started = thread_cpu_ms ();
  double wall, cpu;

  press_key (GTK_EDITABLE (entry), text);
  if (!tigress_test_wait_until (frame_painted_since, GUINT_TO_POINTER (frames_before), 10000))
    g_error ("No frame was painted after a search keystroke.");
  wall = (g_get_monotonic_time () - started) / 1000.0;
  cpu = thread_cpu_ms () - cpu_started;
  g_array_append_val (keystrokes->wall_ms, wall);
  g_array_append_val (keystrokes->cpu_ms, cpu);
  if (g_getenv ("TIGRESS_BENCH_VERBOSE") != NULL)
    g_print ("  \"%s\": %.1f ms (cpu %.1f ms), %u shown, %u rows made, %u bound\n", text,
             wall, cpu,
             g_list_model_get_n_items (tigress_window_get_visible_credentials (window)),
             rows_made - made_before, rows_bound - bound_before);
}

/* Types SEARCH_TEXT letter by letter, then deletes it letter by letter. */
static void
measure_search (TigressWindow *window,
                const char    *label)
{
  g_autoptr(GArray) wall_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  Keystrokes keystrokes = { wall_ms, cpu_ms };
  gsize length = strlen (SEARCH_TEXT);
  guint narrowest;

  /* Opening the search bar is not a keystroke: let it settle first. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL);
  tigress_test_run_for (300);
  for (gsize typed = 1; typed <= length; typed++)
    {
      g_autofree char *prefix = g_strndup (SEARCH_TEXT, typed);

      time_keystroke (window, prefix, &keystrokes);
    }
  narrowest = g_list_model_get_n_items (tigress_window_get_visible_credentials (window));
  for (gsize typed = length; typed-- > 0;)
    {
      g_autofree char *prefix = g_strndup (SEARCH_TEXT, typed);

      time_keystroke (window, prefix, &keystrokes);
    }
  g_print ("search_%s: keystrokes=%u median_ms=%.1f max_ms=%.1f cpu_median_ms=%.1f "
           "cpu_max_ms=%.1f narrowest=%u shown_after=%u\n",
           label, wall_ms->len, median (wall_ms), maximum (wall_ms), median (cpu_ms),
           maximum (cpu_ms), narrowest,
           g_list_model_get_n_items (tigress_window_get_visible_credentials (window)));
}

static gboolean
store_synchronised (gpointer user_data)
{
  return wallet_store_is_synchronised (user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  TigressWindow *window;
  WalletStore *store;
  GtkListItemFactory *factory;
  guint count = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  gboolean checking;
  double unlock_ms;

  tw_crypto_init ();
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();

  app = tigress_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("The app could not start: %s", error->message);
  store = tigress_application_get_store (app);

  g_application_activate (G_APPLICATION (app));
  window = TIGRESS_WINDOW (tigress_application_get_main_window (app));
  tigress_test_run_for (500);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);

  factory = gtk_list_view_get_factory (GTK_LIST_VIEW (tigress_window_get_part (window,
                                                                            "list-view")));
  g_signal_connect (factory, "setup", G_CALLBACK (on_row_made), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_row_bound), NULL);
  g_signal_connect (tigress_application_get_vault (app), "unlocked",
                    G_CALLBACK (on_vault_unlocked), NULL);
  g_signal_connect (store, "items-changed", G_CALLBACK (on_store_changed), NULL);
  unlock_ms = measure_unlock (window, count);
  g_print ("count=%u unlock_to_list_painted_ms=%.1f\n", count, unlock_ms);

  checking = !wallet_store_is_synchronised (store);
  measure_search (window, checking ? "during_check" : "at_once");
  if (checking)
    g_print ("search_during_check: check_still_running_after=%s\n",
             wallet_store_is_synchronised (store) ? "no" : "yes");
  if (!tigress_test_wait_until (store_synchronised, store, 600000))
    g_error ("The store did not finish checking its index within ten minutes.");
  g_print ("synchronised_after_unlock_ms=%.1f\n", (g_get_monotonic_time () - unlocked_at) / 1000.0);
  measure_search (window, "after_check");

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  return 0;
}
