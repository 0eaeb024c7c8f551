/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The credential list and its search, driven through the real window on
 * Xvfb with the real keyring: which words find a credential (title, user
 * name or other telling field, type), how case is ignored (full Unicode
 * case folding: "strasse" finds "Straße", "JÜRGEN" finds "jürgen"; accents
 * still count: "cafe" does not find "Café"), and that the rows on screen
 * show exactly what the filtered list holds while someone types and
 * deletes letter by letter.
 */
#include "config.h"

#include <adwaita.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-credential-row.h"
#include "tigress-date.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "gui-test-util.h"

#define PASSCODE "list test passcode"
#define SLOW_MS 60000

static TigressApplication *app;
static TigressWindow *win;

static GtkWidget *
part (const char *name)
{
  GtkWidget *widget = tigress_window_get_part (win, name);

  g_assert_nonnull (widget);
  return widget;
}

static GListModel *
visible (void)
{
  return tigress_window_get_visible_credentials (win);
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
  g_assert_true (tigress_test_wait_until (async_done, slot, SLOW_MS));
  return *slot;
}

static void
save (WalletCredential *credential)
{
  WalletStore *store = tigress_application_get_store (app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_store_save_async (store, credential, NULL, keep_result, &result);
  wallet_store_save_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
}

static void
add (WalletCredentialType  type,
     const char           *title,
     const char           *field,
     const char           *value,
     const char           *secret_field,
     const char           *secret_text)
{
  g_autoptr(WalletCredential) credential = wallet_credential_new (type);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string (secret_text);

  wallet_credential_set_title (credential, title);
  wallet_credential_set_field (credential, field, value);
  wallet_credential_set_secret (credential, secret_field, secret);
  save (credential);
}

static void
add_wifi (const char *title,
          const char *ssid,
          const char *password_text)
{
  g_autoptr(WalletCredential) credential = wallet_credential_new (WALLET_CREDENTIAL_WIFI);
  g_autoptr(TwSecret) password = tw_secret_new_from_string (password_text);

  wallet_credential_set_title (credential, title);
  wallet_credential_set_field (credential, WALLET_FIELD_SSID, ssid);
  wallet_credential_set_field (credential, WALLET_FIELD_SECURITY, WALLET_WIFI_SECURITY_WPA);
  wallet_credential_set_secret (credential, WALLET_FIELD_PASSWORD, password);
  save (credential);
}

/* The wallet as the window finds it after unlock: set up, filled, locked. */
static void
fill_wallet (void)
{
  WalletVault *vault = tigress_application_get_vault (app);
  g_autoptr(TwSecret) passcode = tw_secret_new_from_string (PASSCODE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wallet_vault_load_async (vault, NULL, keep_result, &result);
  g_assert_true (wallet_vault_load_finish (vault, wait_result (&result), &error));
  g_clear_object (&result);
  wallet_vault_setup_async (vault, passcode, NULL, keep_result, &result);
  g_assert_true (wallet_vault_setup_finish (vault, wait_result (&result), &error));
  g_assert_no_error (error);

  add (WALLET_CREDENTIAL_PASSWORD, "Straße 12 Portal", WALLET_FIELD_USERNAME,
       "jürgen@example.org", WALLET_FIELD_SECRET, "list-test-secret-1");
  add (WALLET_CREDENTIAL_PASSWORD, "Mail", WALLET_FIELD_USERNAME, "ALICE@example.org",
       WALLET_FIELD_SECRET, "list-test-secret-2");
  add_wifi ("Café", "BeanNet", "list-test-secret-3");
  add (WALLET_CREDENTIAL_ACCESS_CODE, "Gate", WALLET_FIELD_LOCATION, "Front door",
       WALLET_FIELD_CODE, "482913");
  wallet_vault_lock (vault);
}

static gboolean
unlock_form_ready (gpointer user_data)
{
  GtkWidget *row = tigress_unlock_page_get_part (user_data, "passcode-row");

  return gtk_widget_get_mapped (row) && gtk_widget_is_sensitive (row);
}

static gboolean
list_holds_all (gpointer user_data)
{
  GtkStack *stack = GTK_STACK (part ("main-stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "wallet") == 0 &&
         g_list_model_get_n_items (visible ()) == 4;
}

static void
unlock_through_the_page (void)
{
  TigressUnlockPage *page = TIGRESS_UNLOCK_PAGE (part ("unlock-page"));

  g_assert_true (tigress_test_wait_until (unlock_form_ready, page, SLOW_MS));
  gtk_editable_set_text (GTK_EDITABLE (tigress_unlock_page_get_part (page, "passcode-row")),
                         PASSCODE);
  tigress_test_click (tigress_unlock_page_get_part (page, "submit-button"));
  g_assert_true (tigress_test_wait_until (list_holds_all, NULL, SLOW_MS));
}

/* One key at the end of the search entry: a letter typed, or with
 * @text one letter shorter than now, the last one deleted. */
static void
press_key (const char *text)
{
  GtkEditable *entry = GTK_EDITABLE (part ("search-entry"));
  const char *before = gtk_editable_get_text (entry);
  int before_length = (int) g_utf8_strlen (before, -1);
  int length = (int) g_utf8_strlen (text, -1);

  if (length == before_length + 1)
    {
      int position = before_length;

      g_assert_true (g_str_has_prefix (text, before));
      gtk_editable_insert_text (entry, g_utf8_offset_to_pointer (text, before_length), -1,
                                &position);
    }
  else
    {
      g_assert_cmpint (length + 1, ==, before_length);
      g_assert_true (g_str_has_prefix (before, text));
      gtk_editable_delete_text (entry, length, before_length);
    }
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (TIGRESS_IS_CREDENTIAL_ROW (widget))
    {
      if (gtk_widget_get_child_visible (gtk_widget_get_parent (widget)))
        g_ptr_array_add (rows, widget);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* The titles the filtered list holds, sorted and joined by "|". */
static char *
visible_titles (void)
{
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (visible ()); i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (visible (), i);

      g_ptr_array_add (titles, g_strdup (wallet_credential_get_title (credential)));
    }
  g_ptr_array_sort (titles, compare_strings);
  g_ptr_array_add (titles, NULL);
  return g_strjoinv ("|", (char **) titles->pdata);
}

/* The titles the rows on screen show, the same way. Each row's title and
 * subtitle must be those of the credential it stands for. */
static char *
shown_titles (void)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();

  collect_rows (part ("list-view"), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      TigressCredentialRow *row = rows->pdata[i];
      WalletCredential *credential = tigress_credential_row_get_credential (row);
      g_autofree char *described = tigress_credential_describe (credential);

      g_assert_cmpstr (tigress_credential_row_get_title (row), ==,
                       wallet_credential_get_title (credential));
      g_assert_cmpstr (tigress_credential_row_get_subtitle (row), ==, described);
      g_ptr_array_add (titles, (gpointer) tigress_credential_row_get_title (row));
    }
  g_ptr_array_sort (titles, compare_strings);
  g_ptr_array_add (titles, NULL);
  return g_strjoinv ("|", (char **) titles->pdata);
}

typedef struct {
  const char *expected;
} Expectation;

static gboolean
list_and_rows_are (gpointer user_data)
{
  Expectation *expectation = user_data;
  g_autofree char *titles = visible_titles ();
  g_autofree char *on_screen = NULL;

  if (g_strcmp0 (titles, expectation->expected) != 0)
    return FALSE;
  /* The rows follow on the next frame. */
  on_screen = shown_titles ();
  return g_strcmp0 (on_screen, expectation->expected) == 0;
}

/* Types @query letter by letter and checks what is listed at the end. */
static void
assert_search_finds (const char *query,
                     const char *expected)
{
  glong length = g_utf8_strlen (query, -1);
  Expectation expectation = { expected };

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (part ("search-entry"))), ==, "");
  for (glong typed = 1; typed <= length; typed++)
    {
      g_autofree char *prefix = g_utf8_substring (query, 0, typed);

      press_key (prefix);
    }
  if (!tigress_test_wait_until (list_and_rows_are, &expectation, 5000))
    {
      g_autofree char *titles = visible_titles ();
      g_autofree char *on_screen = shown_titles ();

      g_error ("Searching \"%s\" listed \"%s\" and showed \"%s\", not \"%s\"", query, titles,
               on_screen, expected);
    }
}

/* Deletes the search letter by letter; the list must widen back to all. */
static void
delete_search (void)
{
  Expectation everything = { "Café|Gate|Mail|Straße 12 Portal" };
  const char *text;

  while (*(text = gtk_editable_get_text (GTK_EDITABLE (part ("search-entry")))) != '\0')
    {
      g_autofree char *shorter = g_utf8_substring (text, 0, g_utf8_strlen (text, -1) - 1);

      press_key (shorter);
    }
  g_assert_true (tigress_test_wait_until (list_and_rows_are, &everything, 5000));
}

static void
test_words_find_title_username_and_type (void)
{
  gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL);

  assert_search_finds ("mail", "Mail");
  delete_search ();
  /* A user name, whatever its case. */
  assert_search_finds ("alice", "Mail");
  delete_search ();
  /* The network name and the location are the Wi-Fi's and the code's
   * telling fields. */
  assert_search_finds ("beannet", "Café");
  delete_search ();
  assert_search_finds ("FRONT DOOR", "Gate");
  delete_search ();
  /* Type words. */
  assert_search_finds ("wi-fi", "Café");
  delete_search ();
  assert_search_finds ("password", "Mail|Straße 12 Portal");
  delete_search ();
  assert_search_finds ("access code", "Gate");
  delete_search ();
  /* Every word must match, in any order and any field. */
  assert_search_finds ("example password alice", "Mail");
  delete_search ();
}

static void
test_case_is_folded_for_every_script (void)
{
  assert_search_finds ("straße", "Straße 12 Portal");
  delete_search ();
  assert_search_finds ("STRASSE", "Straße 12 Portal");
  delete_search ();
  assert_search_finds ("strasse", "Straße 12 Portal");
  delete_search ();
  assert_search_finds ("JÜRGEN", "Straße 12 Portal");
  delete_search ();
  assert_search_finds ("café", "Café");
  delete_search ();
  assert_search_finds ("CAFÉ", "Café");
  delete_search ();
  /* Folding is about case only: a missing accent is another letter. */
  assert_search_finds ("cafe", "");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (part ("list-stack"))), ==,
                   "no-results");
  delete_search ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (part ("list-stack"))), ==,
                   "list");
}

static char *
row_subtitles (void)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) subtitles = g_ptr_array_new ();

  collect_rows (part ("list-view"), rows);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (subtitles,
                     (gpointer) tigress_credential_row_get_subtitle (rows->pdata[i]));
  g_ptr_array_sort (subtitles, compare_strings);
  g_ptr_array_add (subtitles, NULL);
  return g_strjoinv ("|", (char **) subtitles->pdata);
}

/* QA G7: the same password kept here and received through a share (or
 * received twice) must not give two rows that read the same: a received
 * one says when it arrived. Last, as it adds to the wallet. */
static void
test_received_twin_says_when_it_arrived (void)
{
  g_autoptr(WalletCredential) received = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("list-test-secret-6");
  g_autofree char *arrived = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *subtitles = NULL;

  add (WALLET_CREDENTIAL_PASSWORD, "Twin", WALLET_FIELD_USERNAME, "bob",
       WALLET_FIELD_SECRET, "list-test-secret-5");
  wallet_credential_set_title (received, "Twin");
  wallet_credential_set_field (received, WALLET_FIELD_USERNAME, "bob");
  wallet_credential_set_secret (received, WALLET_FIELD_SECRET, secret);
  wallet_credential_set_share_id (received, "5f0c7b521a3e4d399c1e0b6a9f2d8e47");
  save (received);

  /* The arrival date is not searched: "received" finds nothing (QA H13). */
  assert_search_finds ("received", "");
  gtk_editable_set_text (GTK_EDITABLE (part ("search-entry")), "");
  /* Nor the date itself, or "dec" would list all that arrived in December. */
  arrived = tigress_date_format (wallet_credential_get_created (received));
  assert_search_finds (arrived, "");
  gtk_editable_set_text (GTK_EDITABLE (part ("search-entry")), "");
  assert_search_finds ("twin", "Twin|Twin");
  expected = g_strdup_printf ("Password · bob|Password · bob · received %s", arrived);
  subtitles = row_subtitles ();
  g_assert_cmpstr (subtitles, ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();

  app = tigress_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  fill_wallet ();
  g_application_activate (G_APPLICATION (app));
  win = TIGRESS_WINDOW (tigress_application_get_main_window (app));
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);
  unlock_through_the_page ();

  g_test_add_func ("/gui/list/search/words-find-title-username-and-type",
                   test_words_find_title_username_and_type);
  g_test_add_func ("/gui/list/search/case-is-folded-for-every-script",
                   test_case_is_folded_for_every_script);
  g_test_add_func ("/gui/list/rows/received-twin-says-when-it-arrived",
                   test_received_twin_says_when_it_arrived);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (win));
  g_clear_object (&app);
  return status;
}
