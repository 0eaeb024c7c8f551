/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-list: how the real window copes with a big wallet. It fills the
 * keyring with --count credentials (once; later runs reuse them), locks,
 * then measures through the unlock page: the time from pressing Unlock
 * until the list shows every credential and a frame is painted, and the
 * time from a search keystroke until the filtered list is painted.
 * Run it inside tests/headless-run (a private keyring and Xvfb); bench/startup
 * does that.
 */
#include "config.h"

#include <adwaita.h>
#include <stdlib.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "gui-test-util.h"

#define PASSCODE "bench passcode"
#define SEARCH_TEXT "credential 0042"

static TigressApplication *app;
static guint painted_frames;
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

static gboolean
async_done (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  if (!tigress_test_wait_until (async_done, slot, 600000))
    g_error ("A wallet call did not finish within ten minutes.");
  return *slot;
}

static void
open_vault (WalletVault *vault)
{
  g_autoptr(TwSecret) passcode = tw_secret_new_from_string (PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_vault_load_async (vault, NULL, keep_result, &result);
  if (!wallet_vault_load_finish (vault, wait_result (&result), &error))
    g_error ("Loading the vault failed: %s", error->message);
  g_clear_object (&result);

  if (wallet_vault_get_state (vault) == WALLET_VAULT_STATE_NO_PASSCODE)
    {
      wallet_vault_setup_async (vault, passcode, NULL, keep_result, &result);
      if (!wallet_vault_setup_finish (vault, wait_result (&result), &error))
        g_error ("Setting up the vault failed: %s", error->message);
      return;
    }
  wallet_vault_unlock_async (vault, passcode, NULL, keep_result, &result);
  if (!wallet_vault_unlock_finish (vault, wait_result (&result), &error))
    g_error ("Unlocking the vault failed: %s", error->message);
}

static void
load_store (WalletStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_load_async (store, NULL, keep_result, &result);
  if (!wallet_store_load_finish (store, wait_result (&result), &error))
    g_error ("Loading the credentials failed: %s", error->message);
}

static void
add_credential (WalletStore *store,
                guint        index)
{
  g_autoptr(WalletCredential) credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autofree char *title = g_strdup_printf ("Credential %04u", index);
  g_autofree char *user = g_strdup_printf ("user%u@example.org", index);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("bench-secret-value");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_credential_set_title (credential, title);
  wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, user);
  wallet_credential_set_secret (credential, WALLET_FIELD_SECRET, secret);
  wallet_store_save_async (store, credential, NULL, keep_result, &result);
  if (!wallet_store_save_finish (store, wait_result (&result), &error))
    g_error ("Storing credential %u failed: %s", index, error->message);
}

static void
fill_keyring (guint count)
{
  WalletStore *store = tigress_application_get_store (app);
  guint have;
  gint64 started = g_get_monotonic_time ();

  open_vault (tigress_application_get_vault (app));
  load_store (store);
  have = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = have; i < count; i++)
    {
      add_credential (store, i);
      if ((i + 1) % 500 == 0)
        g_printerr ("bench-list: %u of %u credentials stored\n", i + 1, count);
    }
  if (have < count)
    g_printerr ("bench-list: filling took %.1f s\n",
                (g_get_monotonic_time () - started) / 1e6);
  wallet_vault_lock (tigress_application_get_vault (app));
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
                         PASSCODE);
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

typedef struct {
  TigressWindow *window;
  guint before;
  guint frames_before;
} SearchDone;

static gboolean
search_painted (gpointer user_data)
{
  SearchDone *done = user_data;

  return painted_frames > done->frames_before;
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

static void
measure_search (TigressWindow *window)
{
  GtkWidget *entry = tigress_window_get_part (window, "search-entry");
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double worst = 0;

  /* Opening the search bar is not a keystroke: let it settle first. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL);
  tigress_test_run_for (500);
  for (gsize length = 1; length <= strlen (SEARCH_TEXT); length++)
    {
      g_autofree char *prefix = g_strndup (SEARCH_TEXT, length);
      SearchDone done = { window, 0, painted_frames };
      gint64 started = g_get_monotonic_time ();
      double elapsed;

      gtk_editable_set_text (GTK_EDITABLE (entry), prefix);
      if (!tigress_test_wait_until (search_painted, &done, 10000))
        g_error ("No frame was painted after a search keystroke.");
      elapsed = (g_get_monotonic_time () - started) / 1000.0;
      g_array_append_val (times, elapsed);
      if (g_getenv ("TIGRESS_BENCH_VERBOSE") != NULL)
        g_print ("keystroke %zu: %.1f ms\n", length, elapsed);
      worst = MAX (worst, elapsed);
    }
  g_print ("search_keystroke_median_ms=%.1f search_keystroke_max_ms=%.1f shown=%u\n",
           median (times), worst,
           g_list_model_get_n_items (tigress_window_get_visible_credentials (window)));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  TigressWindow *window;
  guint count = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  double unlock_ms;

  tw_crypto_init ();
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();

  app = tigress_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("The app could not start: %s", error->message);
  fill_keyring (count);

  g_application_activate (G_APPLICATION (app));
  window = TIGRESS_WINDOW (tigress_application_get_main_window (app));
  tigress_test_run_for (500);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);

  g_signal_connect (tigress_application_get_vault (app), "unlocked",
                    G_CALLBACK (on_vault_unlocked), NULL);
  g_signal_connect (tigress_application_get_store (app), "items-changed",
                    G_CALLBACK (on_store_changed), NULL);
  unlock_ms = measure_unlock (window, count);
  g_print ("count=%u unlock_to_list_painted_ms=%.1f\n", count, unlock_ms);
  measure_search (window);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  return 0;
}
