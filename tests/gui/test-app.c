/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The app's main paths, driven through its real windows on Xvfb with the
 * real keyring: first-run passcode, lock and unlock, adding each type,
 * validation messages, Wi-Fi import, search, delete with Undo, copying a
 * secret, invitations that cannot be opened, the share page's QR code and
 * the narrow layout. The cases run in order and build on each other, as a
 * person using the app would.
 */
#include "config.h"

#include <adwaita.h>

#include "tw-crypto.h"
#include "tigress-application.h"
#include "tigress-credential-editor.h"
#include "tigress-credential-row.h"
#include "tigress-credential-view.h"
#include "tigress-invitation-dialog.h"
#include "tigress-preferences-window.h"
#include "tigress-share-dialog.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

#include "gui-test-util.h"

#define PASSCODE "correct horse"
#define MAIL_SECRET "hunter2-but-longer"
/* How long scrypt and the keyring may take on a busy machine. */
#define SLOW_MS 60000

static TigressApplication *app;
static TigressWindow *win;

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static GtkWidget *
part (const char *name)
{
  GtkWidget *widget = tigress_window_get_part (win, name);

  g_assert_nonnull (widget);
  return widget;
}

static GtkWidget *
unlock_part (const char *name)
{
  return tigress_unlock_page_get_part (TIGRESS_UNLOCK_PAGE (part ("unlock-page")), name);
}

static gboolean
main_page_is_wallet (gpointer user_data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (part ("main-stack"))),
                    "wallet") == 0;
}

static gboolean
status_title_is (gpointer user_data)
{
  return g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (unlock_part ("status-page"))),
                    user_data) == 0;
}

static gboolean
widget_is_visible (gpointer user_data)
{
  return gtk_widget_get_visible (user_data);
}

static gboolean
no_dialog_open (gpointer user_data)
{
  return tigress_window_get_open_dialog (win) == NULL;
}

static guint
n_visible (void)
{
  return g_list_model_get_n_items (tigress_window_get_visible_credentials (win));
}

static gboolean
n_visible_is (gpointer user_data)
{
  return n_visible () == GPOINTER_TO_UINT (user_data);
}

static WalletStore *
store (void)
{
  return tigress_application_get_store (app);
}

static gboolean
store_count_is (gpointer user_data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (store ())) == GPOINTER_TO_UINT (user_data);
}

static void
set_text (GtkWidget  *editable,
          const char *text)
{
  g_assert_true (GTK_IS_EDITABLE (editable));
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

static void
activate (const char *action,
          GVariant   *parameter)
{
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (win), action, parameter));
}

static TigressCredentialEditor *
open_editor (const char *type)
{
  GtkWindow *dialog;

  activate ("win.new-credential", g_variant_new_string (type));
  dialog = tigress_window_get_open_dialog (win);
  g_assert_true (TIGRESS_IS_CREDENTIAL_EDITOR (dialog));
  return TIGRESS_CREDENTIAL_EDITOR (dialog);
}

static GtkWidget *
field (TigressCredentialEditor *editor,
       const char              *name)
{
  GtkWidget *widget = tigress_credential_editor_get_field_widget (editor, name);

  g_assert_nonnull (widget);
  return widget;
}

static void
save_and_wait (TigressCredentialEditor *editor)
{
  tigress_test_click (tigress_credential_editor_get_save_button (editor));
  g_assert_true (tigress_test_wait_until (no_dialog_open, NULL, SLOW_MS));
}

static WalletCredential *
find_stored (const char *title)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (store ()));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (G_LIST_MODEL (store ()), i);

      if (g_strcmp0 (wallet_credential_get_title (credential), title) == 0)
        return credential;
    }
  return NULL;
}

static void
select_titled (const char *title)
{
  WalletCredential *credential = find_stored (title);

  g_assert_nonnull (credential);
  g_assert_true (tigress_window_select_credential (win, wallet_credential_get_id (credential)));
}

static WalletCredential *
shown_credential (void)
{
  GtkWidget *view = part ("credential-view");

  return tigress_credential_view_get_credential (TIGRESS_CREDENTIAL_VIEW (view));
}

/* ------------------------------------------------------------------ */
/* Unlock                                                             */
/* ------------------------------------------------------------------ */

static GtkWidget *
focus_after_tab (void)
{
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (win), GTK_DIR_TAB_FORWARD));
  return gtk_root_get_focus (GTK_ROOT (win));
}

static gboolean
focus_is_in (GtkWidget *focus,
             GtkWidget *widget)
{
  return focus == widget || gtk_widget_is_ancestor (focus, widget);
}

/* The first descendant of @root that is a GtkText: the editable a person
 * types into inside an entry row. */
static GtkWidget *
text_inside (GtkWidget *root)
{
  if (GTK_IS_TEXT (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = text_inside (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Enter in an entry row: GtkText's key binding for Enter emits
 * "activate", as this does. */
static void
press_enter_in (GtkWidget *row)
{
  GtkWidget *text = text_inside (row);

  g_assert_nonnull (text);
  g_signal_emit_by_name (text, "activate");
}

/* The header says what window this is, and the keyboard path is New
 * Passcode, then the second field, then the button: never the buttons
 * that show a passcode in clear. */
static void
test_first_run_page_has_title_and_keyboard_path (void)
{
  const char *title;
  GtkWidget *focus;

  g_assert_true (tigress_test_wait_until (status_title_is, (gpointer) "Choose a Passcode",
                                          SLOW_MS));
  title = adw_window_title_get_title (ADW_WINDOW_TITLE (unlock_part ("window-title")));
  g_assert_cmpstr (title, ==, "Tigress Wallet");
  g_assert_true (gtk_widget_get_mapped (unlock_part ("window-title")));

  gtk_widget_grab_focus (unlock_part ("passcode-row"));
  g_assert_true (focus_is_in (gtk_root_get_focus (GTK_ROOT (win)), unlock_part ("passcode-row")));
  focus = focus_after_tab ();
  g_assert_true (focus_is_in (focus, unlock_part ("confirm-row")));
  g_assert_false (GTK_IS_BUTTON (focus));
  focus = focus_after_tab ();
  g_assert_true (focus == unlock_part ("submit-button"));

  /* Enter with the second field still empty moves on to it. */
  gtk_widget_grab_focus (unlock_part ("passcode-row"));
  set_text (unlock_part ("passcode-row"), "first half");
  press_enter_in (unlock_part ("passcode-row"));
  g_assert_true (focus_is_in (gtk_root_get_focus (GTK_ROOT (win)), unlock_part ("confirm-row")));
  set_text (unlock_part ("passcode-row"), "");
}

/* The refusal's two lines must not push Set Passcode out of the window's
 * default 640 px (unlock-weak-passcode.png): the status page scrolls, but a
 * button cut in half at the bottom edge looks broken. */
static void
test_first_run_refusal_keeps_the_button_in_view (void)
{
  GtkWidget *button = unlock_part ("submit-button");
  graphene_rect_t bounds;

  g_assert_true (tigress_test_wait_until (status_title_is, (gpointer) "Choose a Passcode",
                                          SLOW_MS));
  set_text (unlock_part ("passcode-row"), "        ");
  set_text (unlock_part ("confirm-row"), "        ");
  tigress_test_click (button);
  g_assert_true (gtk_widget_get_visible (unlock_part ("message-label")));
  tigress_test_run_for (300);

  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (win)), <=, 640);
  g_assert_true (gtk_widget_compute_bounds (button, GTK_WIDGET (win), &bounds));
  g_test_message ("Set Passcode ends at %.0f px of %d", bounds.origin.y + bounds.size.height,
                  gtk_widget_get_height (GTK_WIDGET (win)));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=,
                     gtk_widget_get_height (GTK_WIDGET (win)));
  set_text (unlock_part ("passcode-row"), "");
  set_text (unlock_part ("confirm-row"), "");
}

static void
test_first_run_sets_passcode (void)
{
  GtkWidget *message = unlock_part ("message-label");
  const char *why;

  g_assert_true (tigress_test_wait_until (status_title_is, (gpointer) "Choose a Passcode",
                                          SLOW_MS));
  why = adw_status_page_get_description (ADW_STATUS_PAGE (unlock_part ("status-page")));
  g_assert_nonnull (strstr (why, "keyring"));
  g_assert_true (gtk_widget_get_visible (unlock_part ("confirm-row")));

  set_text (unlock_part ("passcode-row"), "abc");
  set_text (unlock_part ("confirm-row"), "abc");
  tigress_test_click (unlock_part ("submit-button"));
  g_assert_true (gtk_widget_get_visible (message));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (message)), "at least 6"));
  /* Spaces do not count, by the wallet's own rule (QA F6): refused here,
   * before anything reaches the vault. */
  set_text (unlock_part ("passcode-row"), "        ");
  set_text (unlock_part ("confirm-row"), "        ");
  tigress_test_click (unlock_part ("submit-button"));
  g_assert_true (gtk_widget_get_visible (message));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (message)), "not counting spaces"));

  set_text (unlock_part ("passcode-row"), PASSCODE);
  set_text (unlock_part ("confirm-row"), PASSCODE "!");
  tigress_test_click (unlock_part ("submit-button"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (message)), "differ"));

  /* Enter in the first field submits once both are filled in. */
  set_text (unlock_part ("confirm-row"), PASSCODE);
  press_enter_in (unlock_part ("passcode-row"));
  g_assert_true (tigress_test_wait_until (main_page_is_wallet, NULL, SLOW_MS));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (part ("list-stack"))), ==,
                   "empty");
}

static gboolean
retry_allowed (gpointer user_data)
{
  return wallet_vault_get_retry_wait_seconds (tigress_application_get_vault (app)) == 0;
}

static void
test_lock_then_wrong_then_right_passcode (void)
{
  GtkWidget *message = unlock_part ("message-label");

  activate ("win.lock", NULL);
  g_assert_false (main_page_is_wallet (NULL));
  g_assert_true (tigress_test_wait_until (status_title_is, (gpointer) "Wallet Locked", SLOW_MS));
  g_assert_false (gtk_widget_get_visible (unlock_part ("confirm-row")));

  /* A stray Enter on the empty field is not a wrong try (QA H12). */
  set_text (unlock_part ("passcode-row"), "");
  tigress_test_click (unlock_part ("submit-button"));
  g_assert_true (tigress_test_wait_until (widget_is_visible, message, SLOW_MS));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (message)), "No passcode was typed"));
  g_assert_cmpuint (wallet_vault_get_failed_attempts (tigress_application_get_vault (app)), ==, 0);

  set_text (unlock_part ("passcode-row"), "not the passcode");
  tigress_test_click (unlock_part ("submit-button"));
  g_assert_true (tigress_test_wait_until (widget_is_visible, message, SLOW_MS));
  g_assert_false (main_page_is_wallet (NULL));

  g_assert_true (tigress_test_wait_until (retry_allowed, NULL, 70000));
  set_text (unlock_part ("passcode-row"), PASSCODE);
  tigress_test_click (unlock_part ("submit-button"));
  g_assert_true (tigress_test_wait_until (main_page_is_wallet, NULL, SLOW_MS));
}

/* ------------------------------------------------------------------ */
/* Adding credentials                                                 */
/* ------------------------------------------------------------------ */

/* The first label under @root whose text contains @part; NULL if none. */
static GtkWidget *
label_containing (GtkWidget  *root,
                  const char *part)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), part) != NULL)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = label_containing (child, part);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_add_password (void)
{
  TigressCredentialEditor *editor = open_editor ("password");
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (editor));
  WalletCredential *stored;

  /* Typing goes into the title at once, and Enter in the last field saves
   * (QA H6: the focus was on Cancel, and Enter did nothing). */
  g_assert_nonnull (focus);
  g_assert_true (focus == field (editor, "title") ||
                 gtk_widget_is_ancestor (focus, field (editor, "title")));
  set_text (field (editor, "title"), "Mail");
  set_text (field (editor, WALLET_FIELD_USERNAME), "ann@example.org");
  set_text (field (editor, WALLET_FIELD_SECRET), MAIL_SECRET);
  g_signal_emit_by_name (field (editor, WALLET_FIELD_SECRET), "entry-activated");
  g_assert_true (tigress_test_wait_until (no_dialog_open, NULL, SLOW_MS));

  stored = find_stored ("Mail");
  g_assert_nonnull (stored);
  g_assert_cmpstr (wallet_credential_get_field (stored, WALLET_FIELD_USERNAME), ==,
                   "ann@example.org");
  g_assert_cmpstr (tw_secret_get_text (wallet_credential_get_secret (stored, WALLET_FIELD_SECRET)),
                   ==, MAIL_SECRET);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (part ("list-stack"))), ==, "list");
  g_assert_cmpstr (wallet_credential_get_id (shown_credential ()), ==,
                   wallet_credential_get_id (stored));

  /* "changed 4 December 2026, 18:33": the year in full. */
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    /* No-break spaces: the date never wraps inside itself (QA G7). */
    g_autofree char *year = g_strdup_printf ("%d,\u00a0", g_date_time_get_year (now));

    g_assert_nonnull (label_containing (part ("credential-view"), year));
  }
}

static gboolean
editor_message_gone (gpointer user_data)
{
  return tigress_credential_editor_get_message (user_data) == NULL;
}

static void
test_add_wifi_explains_short_password (void)
{
  TigressCredentialEditor *editor = open_editor ("wifi");
  GtkWidget *security;
  const char *message;

  set_text (field (editor, "title"), "Home");
  set_text (field (editor, WALLET_FIELD_SSID), "HomeNet");
  security = field (editor, WALLET_FIELD_SECURITY);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (security)), ==, 0);
  set_text (field (editor, WALLET_FIELD_PASSWORD), "short");
  tigress_test_click (tigress_credential_editor_get_save_button (editor));

  message = tigress_credential_editor_get_message (editor);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "8"));
  g_assert_true (tigress_window_get_open_dialog (win) == GTK_WINDOW (editor));

  /* Fixing the field clears the message as the person types. */
  set_text (field (editor, WALLET_FIELD_PASSWORD), "long enough to pass");
  g_assert_true (editor_message_gone (editor));
  save_and_wait (editor);
  g_assert_nonnull (find_stored ("Home"));
  g_assert_cmpstr (wallet_credential_get_field (find_stored ("Home"), WALLET_FIELD_SECURITY), ==,
                   WALLET_WIFI_SECURITY_WPA);
}

static void
test_add_access_code_explains_dates (void)
{
  TigressCredentialEditor *editor = open_editor ("access-code");
  const char *message;
  g_autoptr(GDateTime) from = NULL;
  WalletCredential *stored;

  set_text (field (editor, "title"), "Gate");
  set_text (field (editor, WALLET_FIELD_CODE), "4711");
  set_text (field (editor, WALLET_FIELD_LOCATION), "Front gate");
  set_text (field (editor, WALLET_FIELD_VALID_FROM), "tomorrow");
  tigress_test_click (tigress_credential_editor_get_save_button (editor));
  message = tigress_credential_editor_get_message (editor);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "2025-01-31 18:00"));

  set_text (field (editor, WALLET_FIELD_VALID_FROM), "2030-01-02 10:00");
  set_text (field (editor, WALLET_FIELD_VALID_UNTIL), "2030-01-01 10:00");
  g_assert_nonnull (tigress_credential_editor_get_message (editor));

  set_text (field (editor, WALLET_FIELD_VALID_UNTIL), "2030-01-03 10:00");
  g_assert_true (editor_message_gone (editor));
  save_and_wait (editor);

  stored = find_stored ("Gate");
  g_assert_nonnull (stored);
  from = g_date_time_new_from_iso8601 (wallet_credential_get_field (stored,
                                                                    WALLET_FIELD_VALID_FROM),
                                       NULL);
  g_assert_nonnull (from);
  g_assert_cmpint (g_date_time_get_year (from), ==, 2030);

  /* Shown with the month's name and all four digits of the year: never
   * "01/02/30", which reads three ways. */
  g_assert_nonnull (label_containing (part ("credential-view"),
                                      "2\u00a0January\u00a02030,\u00a010:00"));
  g_assert_nonnull (label_containing (part ("credential-view"),
                                      "3\u00a0January\u00a02030,\u00a010:00"));
  g_assert_null (label_containing (part ("credential-view"), "/30"));
}

static void
test_import_wifi_from_qr_text (void)
{
  TigressCredentialEditor *editor;

  activate ("win.import-wifi", NULL);
  editor = TIGRESS_CREDENTIAL_EDITOR (tigress_window_get_open_dialog (win));
  g_assert_true (TIGRESS_IS_CREDENTIAL_EDITOR (editor));
  g_assert_true (gtk_widget_get_visible (tigress_credential_editor_get_import_row (editor)));

  set_text (tigress_credential_editor_get_import_row (editor), "hello");
  tigress_test_click (tigress_credential_editor_get_import_button (editor));
  g_assert_nonnull (tigress_credential_editor_get_message (editor));

  set_text (tigress_credential_editor_get_import_row (editor),
            "WIFI:T:WPA;S:Cafe\\;Corner;P:latte-art-123;;");
  tigress_test_click (tigress_credential_editor_get_import_button (editor));
  g_assert_null (tigress_credential_editor_get_message (editor));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (editor, WALLET_FIELD_SSID))), ==,
                   "Cafe;Corner");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (editor, "title"))), ==,
                   "Cafe;Corner");
  save_and_wait (editor);
  g_assert_cmpstr (tw_secret_get_text (wallet_credential_get_secret (find_stored ("Cafe;Corner"),
                                                                     WALLET_FIELD_PASSWORD)),
                   ==, "latte-art-123");
}

/* ------------------------------------------------------------------ */
/* The list                                                           */
/* ------------------------------------------------------------------ */

static gboolean
list_page_is (gpointer user_data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (part ("list-stack"))),
                    user_data) == 0;
}

static void
test_search_filters_the_list (void)
{
  GtkWidget *entry = part ("search-entry");

  g_assert_cmpuint (n_visible (), ==, 4);
  activate ("win.search", NULL);
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (part ("search-bar"))));

  set_text (entry, "home");
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (1), 5000));
  /* The subtitle counts too: the access code's location. */
  set_text (entry, "front");
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (1), 5000));
  set_text (entry, "zzz nothing");
  g_assert_true (tigress_test_wait_until (list_page_is, (gpointer) "no-results", 5000));
  set_text (entry, "");
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (4), 5000));
  g_assert_true (list_page_is ((gpointer) "list"));
}

static const char *
shown_title (void)
{
  WalletCredential *shown = shown_credential ();

  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (part ("content-stack"))),
                 "detail") != 0 || shown == NULL)
    return NULL;
  return wallet_credential_get_title (shown);
}

static gboolean
n_visible_below (gpointer user_data)
{
  return n_visible () < GPOINTER_TO_UINT (user_data);
}

static guint
selected_position (void)
{
  GtkSelectionModel *model = gtk_list_view_get_model (GTK_LIST_VIEW (part ("list-view")));

  return gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));
}

/* main-search.png: the list showed only the search's match while the
 * detail pane went on showing Mail, which the search hid. */
static void
test_search_moves_the_pane_off_a_hidden_credential (void)
{
  GtkWidget *entry = part ("search-entry");
  g_autoptr(WalletCredential) first = NULL;

  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (4), 5000));
  g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (part ("leaflet"))));
  select_titled ("Mail");
  g_assert_cmpstr (shown_title (), ==, "Mail");

  /* A search the shown credential still matches leaves it alone. */
  set_text (entry, "mail");
  g_assert_true (tigress_test_wait_until (n_visible_below, GUINT_TO_POINTER (4), 5000));
  g_assert_cmpstr (shown_title (), ==, "Mail");
  set_text (entry, "");
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (4), 5000));
  g_assert_cmpstr (shown_title (), ==, "Mail");

  /* As a person does it: Ctrl+F, which goes back to the list, then type. */
  activate ("win.search", NULL);
  set_text (entry, "home");
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (1), 5000));
  first = g_list_model_get_item (tigress_window_get_visible_credentials (win), 0);
  g_assert_cmpstr (shown_title (), ==, wallet_credential_get_title (first));
  g_assert_cmpuint (selected_position (), ==, 0);
  /* The next key still goes to the search. */
  tigress_test_run_for (100);
  g_assert_true (focus_is_in (gtk_root_get_focus (GTK_ROOT (win)), entry));

  set_text (entry, "zzz nothing");
  g_assert_true (tigress_test_wait_until (list_page_is, (gpointer) "no-results", 5000));
  g_assert_null (shown_title ());
  set_text (entry, "");
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (4), 5000));
}

/* The toast on screen: AdwToastWidget is private to libadwaita, but it
 * carries its toast in a property. */
static AdwToast *
shown_toast (void)
{
  AdwToast *toast = NULL;
  GPtrArray *pending = g_ptr_array_new ();

  g_ptr_array_add (pending, part ("toast-overlay"));
  while (pending->len > 0 && toast == NULL)
    {
      GtkWidget *widget = g_ptr_array_steal_index (pending, pending->len - 1);

      if (g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget"))
        g_object_get (widget, "toast", &toast, NULL);
      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_ptr_array_add (pending, child);
    }
  g_ptr_array_free (pending, TRUE);
  g_assert_nonnull (toast);
  /* The overlay keeps its own reference while the toast shows. */
  g_object_unref (toast);
  return toast;
}

static void
test_delete_then_undo_then_delete (void)
{
  GtkWidget *undo;

  select_titled ("Gate");
  activate ("win.delete-credential", NULL);
  g_assert_cmpuint (n_visible (), ==, 3);

  undo = tigress_test_find_labelled (part ("toast-overlay"), GTK_TYPE_BUTTON, "_Undo");
  g_assert_nonnull (undo);
  tigress_test_click (undo);
  g_assert_cmpuint (n_visible (), ==, 4);
  g_assert_nonnull (find_stored ("Gate"));
  g_assert_cmpstr (wallet_credential_get_title (shown_credential ()), ==, "Gate");

  /* Without Undo, the credential leaves the keyring when the toast goes. */
  activate ("win.delete-credential", NULL);
  g_assert_cmpuint (n_visible (), ==, 3);
  g_assert_true (tigress_test_wait_until (store_count_is, GUINT_TO_POINTER (3), 30000));
  g_assert_null (find_stored ("Gate"));
}

/* Delete, Undo, delete again: the first toast going away must not carry
 * out the second delete, whose own Undo still works. */
static void
test_undo_of_second_delete_still_undoes (void)
{
  AdwToast *first, *second;
  guint stored = g_list_model_get_n_items (G_LIST_MODEL (store ()));

  select_titled ("Home");
  activate ("win.delete-credential", NULL);
  first = shown_toast ();
  g_object_ref (first);
  tigress_test_click (tigress_test_find_labelled (part ("toast-overlay"), GTK_TYPE_BUTTON,
                                                  "_Undo"));
  select_titled ("Home");
  activate ("win.delete-credential", NULL);
  second = shown_toast ();
  g_assert_true (second != first);

  /* The first toast is dismissed (again); nothing may be deleted. */
  adw_toast_dismiss (first);
  g_object_unref (first);
  tigress_test_run_for (1000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store ())), ==, stored);

  adw_toast_set_timeout (second, 0);
  g_signal_emit_by_name (second, "button-clicked");
  adw_toast_dismiss (second);
  tigress_test_run_for (1000);
  g_assert_nonnull (find_stored ("Home"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store ())), ==, stored);
  g_assert_cmpuint (n_visible (), ==, stored);
}

static AdwMessageDialog *
open_message_dialog (void)
{
  GtkWindow *dialog = tigress_window_get_open_dialog (win);

  return ADW_IS_MESSAGE_DIALOG (dialog) ? ADW_MESSAGE_DIALOG (dialog) : NULL;
}

static gboolean
message_dialog_open (gpointer user_data)
{
  return open_message_dialog () != NULL;
}

/* With the keyring locked the delete cannot happen: the credential must
 * come back in the list, and a dialog must say why and offer to try
 * again, which works once the keyring is unlocked. */
static void
test_failed_delete_brings_the_credential_back (void)
{
  AdwMessageDialog *dialog;

  select_titled ("Cafe;Corner");
  tigress_test_lock_keyring ();
  activate ("win.delete-credential", NULL);
  g_assert_cmpuint (n_visible (), ==, 2);

  /* The toast goes without Undo (as when it times out); the keyring
   * refuses. */
  adw_toast_dismiss (shown_toast ());
  g_assert_true (tigress_test_wait_until (message_dialog_open, NULL, 30000));
  dialog = open_message_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "Cafe;Corner"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "locked"));
  g_assert_cmpuint (n_visible (), ==, 3);
  g_assert_nonnull (find_stored ("Cafe;Corner"));
  g_assert_cmpstr (wallet_credential_get_title (shown_credential ()), ==, "Cafe;Corner");

  tigress_test_unlock_keyring ();
  adw_message_dialog_response (dialog, "retry");
  g_assert_true (tigress_test_wait_until (store_count_is, GUINT_TO_POINTER (2), 30000));
  g_assert_cmpuint (n_visible (), ==, 2);
  g_assert_null (find_stored ("Cafe;Corner"));
}

/* ------------------------------------------------------------------ */
/* Changes made elsewhere                                             */
/* ------------------------------------------------------------------ */

static gboolean
stored_is (gpointer user_data)
{
  return find_stored (user_data) != NULL;
}

static gboolean
stored_is_not (gpointer user_data)
{
  return find_stored (user_data) == NULL;
}

static void
count_signal (guint *count)
{
  (*count)++;
}

/* QA F17: what another instance (or the CLI) adds or deletes shows in the
 * open window without any action there, and the reload it causes does
 * not start another one. */
static void
test_changes_from_another_instance_show (void)
{
  g_autoptr(TigressTestWallet) other = tigress_test_wallet_open (PASSCODE);
  g_autoptr(WalletCredential) added = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("saved-by-the-other-one");
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(GAsyncResult) deleted = NULL;
  g_autoptr(GError) error = NULL;
  guint shown = n_visible ();
  guint reloads = 0;

  wallet_credential_set_title (added, "Added Elsewhere");
  wallet_credential_set_secret (added, WALLET_FIELD_SECRET, secret);
  wallet_store_save_async (other->store, added, NULL, tigress_test_keep_result, &saved);
  g_assert_true (wallet_store_save_finish (other->store, tigress_test_wait_result (&saved),
                                           &error));
  g_assert_no_error (error);
  g_assert_true (tigress_test_wait_until (stored_is, (gpointer) "Added Elsewhere", 20000));
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (shown + 1), 5000));

  /* Quiet now: nothing may keep reloading. */
  tigress_test_run_for (2 * TIGRESS_KEYRING_WATCH_QUIET_MS + 1000);
  g_signal_connect_swapped (tigress_application_get_keyring_watch (app), "changed",
                            G_CALLBACK (count_signal), &reloads);
  tigress_test_run_for (3000);
  g_assert_cmpuint (reloads, ==, 0);

  wallet_store_delete_async (other->store, wallet_credential_get_id (added), NULL,
                             tigress_test_keep_result, &deleted);
  g_assert_true (wallet_store_delete_finish (other->store, tigress_test_wait_result (&deleted),
                                             &error));
  g_assert_no_error (error);
  g_assert_true (tigress_test_wait_until (stored_is_not, (gpointer) "Added Elsewhere", 20000));
  g_assert_true (tigress_test_wait_until (n_visible_is, GUINT_TO_POINTER (shown), 5000));
  g_assert_cmpuint (reloads, >=, 1);
  g_signal_handlers_disconnect_by_data (tigress_application_get_keyring_watch (app), &reloads);
}

/* ------------------------------------------------------------------ */
/* Secrets                                                            */
/* ------------------------------------------------------------------ */

static void
on_text_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
pointer_is_set (gpointer user_data)
{
  return *(char **) user_data != NULL;
}

static char *
clipboard_text (void)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (win));
  char *text = NULL;

  gdk_clipboard_read_text_async (clipboard, NULL, on_text_read, &text);
  g_assert_true (tigress_test_wait_until (pointer_is_set, &text, 5000));
  return text;
}

static gboolean
clipboard_holds_no_secret (gpointer user_data)
{
  return !tigress_clipboard_holds_secret (tigress_application_get_clipboard (app));
}

static void
test_reveal_and_copy_then_clipboard_clears (void)
{
  GtkWidget *view = part ("credential-view");
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (win));
  g_autofree char *copied = NULL;
  g_autofree char *after = NULL;

  select_titled ("Mail");
  g_assert_null (tigress_test_find_labelled (view, GTK_TYPE_LABEL, MAIL_SECRET));
  activate ("win.reveal-secret", NULL);
  g_assert_nonnull (tigress_test_find_labelled (view, GTK_TYPE_LABEL, MAIL_SECRET));
  activate ("win.reveal-secret", NULL);
  g_assert_null (tigress_test_find_labelled (view, GTK_TYPE_LABEL, MAIL_SECRET));

  activate ("win.copy-secret", NULL);
  copied = clipboard_text ();
  g_assert_cmpstr (copied, ==, MAIL_SECRET);
  g_assert_true (gdk_content_formats_contain_mime_type (gdk_clipboard_get_formats (clipboard),
                                                        "x-kde-passwordManagerHint"));

  /* The test settings use the shortest timeout, 5 seconds. */
  g_assert_true (tigress_test_wait_until (clipboard_holds_no_secret, NULL, 10000));
  after = clipboard_text ();
  g_assert_cmpstr (after, !=, MAIL_SECRET);
}

static void
test_edit_changes_the_stored_credential (void)
{
  TigressCredentialEditor *editor;
  WalletCredential *stored = find_stored ("Mail");
  g_autofree char *id = g_strdup (wallet_credential_get_id (stored));

  g_assert_true (tigress_window_select_credential (win, id));
  activate ("win.edit-credential", NULL);
  editor = TIGRESS_CREDENTIAL_EDITOR (tigress_window_get_open_dialog (win));
  g_assert_true (TIGRESS_IS_CREDENTIAL_EDITOR (editor));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (editor, WALLET_FIELD_USERNAME))),
                   ==, "ann@example.org");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (editor, WALLET_FIELD_SECRET))),
                   ==, MAIL_SECRET);
  set_text (field (editor, WALLET_FIELD_USERNAME), "ann@example.net");
  save_and_wait (editor);

  stored = find_stored ("Mail");
  g_assert_cmpstr (wallet_credential_get_id (stored), ==, id);
  g_assert_cmpstr (wallet_credential_get_field (stored, WALLET_FIELD_USERNAME), ==,
                   "ann@example.net");
  g_assert_cmpstr (wallet_credential_get_field (shown_credential (), WALLET_FIELD_USERNAME), ==,
                   "ann@example.net");
}

/* A lock owner's key is shared by issuing a new digital key: the dialog
 * asks for rights and validity, and the PIN cannot be switched off. */
static void
test_owner_key_shares_with_rights_and_pin (void)
{
  TigressCredentialEditor *editor = open_editor ("digital-key-owner");
  TigressShareDialog *dialog;
  GtkWidget *pin_switch;

  set_text (field (editor, "title"), "Front door");
  save_and_wait (editor);
  g_assert_cmpint (wallet_credential_get_credential_type (find_stored ("Front door")), ==,
                   WALLET_CREDENTIAL_DIGITAL_KEY_OWNER);

  g_assert_true (tigress_window_select_credential (win,
                   wallet_credential_get_id (find_stored ("Front door"))));
  activate ("win.share-credential", NULL);
  dialog = TIGRESS_SHARE_DIALOG (tigress_window_get_open_dialog (win));
  g_assert_true (TIGRESS_IS_SHARE_DIALOG (dialog));
  pin_switch = tigress_share_dialog_get_part (dialog, "pin-switch");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (pin_switch)));
  g_assert_false (gtk_widget_is_sensitive (pin_switch));
  g_assert_true (gtk_widget_get_visible (tigress_share_dialog_get_part (dialog, "rights-row")));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_shortcuts_window_is_there (void)
{
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (win)));
  g_assert_nonnull (gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.lock")[0]);
}

/* ------------------------------------------------------------------ */
/* Invitations                                                        */
/* ------------------------------------------------------------------ */

#define LINK_BASE "https://relay.example.org/v1/m/0b6f2c3e-5d41-4a8e-9f1b-2c7d8e9a0b1c?v=a"
/* Another mailbox on the same relay: a link opened again returns the
 * share opened before, so the trusted case needs a link of its own. */
#define OTHER_LINK_BASE "https://relay.example.org/v1/m/7d1e0c52-93a4-4f6b-8e2d-5a9c0b1f3e47?v=h"
#define LINK_KEY "q0vXh1e8QyYkJ2m5n7p9r1t3v5x7z9B2D4F6H8J0L2M="

static TigressInvitationDialog *
open_invitation (const char *text)
{
  GtkWindow *dialog;

  tigress_window_open_invitation (win, text);
  dialog = tigress_window_get_open_dialog (win);
  g_assert_true (TIGRESS_IS_INVITATION_DIALOG (dialog));
  return TIGRESS_INVITATION_DIALOG (dialog);
}

static void
test_invitation_failures_are_explained (void)
{
  TigressInvitationDialog *dialog;
  GSettings *settings = tigress_application_get_settings (app);
  const char *trusted[] = { "https://relay.example.org", NULL };

  dialog = open_invitation ("this is not a link");
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "link");
  g_assert_nonnull (tigress_invitation_dialog_get_message (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));

  dialog = open_invitation ("tigress:" LINK_BASE);
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "code");
  set_text (tigress_invitation_dialog_get_part (dialog, "code-row"), "not-base64!");
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "code-row"),
                         "entry-activated");
  g_assert_nonnull (tigress_invitation_dialog_get_message (dialog));
  set_text (tigress_invitation_dialog_get_part (dialog, "code-row"), LINK_KEY);
  g_signal_emit_by_name (tigress_invitation_dialog_get_part (dialog, "code-row"),
                         "entry-activated");
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "request");
  g_assert_nonnull (strstr (tigress_invitation_dialog_get_message (dialog), "relay.example.org"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  g_settings_set_strv (settings, "trusted-relays", trusted);
  dialog = open_invitation ("  tigress:" OTHER_LINK_BASE "#" LINK_KEY "\n");
  g_assert_cmpstr (tigress_invitation_dialog_get_page (dialog), ==, "request");
  g_assert_null (tigress_invitation_dialog_get_message (dialog));
  tigress_test_click (tigress_invitation_dialog_get_part (dialog, "decline-button"));
  g_assert_true (tigress_test_wait_until (no_dialog_open, NULL, 5000));
}

static gboolean
invitation_request_open (gpointer user_data)
{
  GtkWindow *dialog = tigress_window_get_open_dialog (win);

  return TIGRESS_IS_INVITATION_DIALOG (dialog) &&
         g_str_equal (tigress_invitation_dialog_get_page (TIGRESS_INVITATION_DIALOG (dialog)),
                      "request");
}

static void
close_open_dialog (void)
{
  gtk_window_destroy (tigress_window_get_open_dialog (win));
  g_assert_true (tigress_test_wait_until (no_dialog_open, NULL, 5000));
}

/* The tigress: URL scheme and the command line both reach the app as
 * GApplication "open"; paste and drop reach the same request view. */
static void
test_invitation_arrives_by_open_paste_and_drop (void)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg ("tigress:" OTHER_LINK_BASE "#" LINK_KEY);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (win));
  GValue text = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_application_open (G_APPLICATION (app), &file, 1, "");
  g_assert_true (tigress_test_wait_until (invitation_request_open, NULL, 5000));
  close_open_dialog ();

  gdk_clipboard_set_text (clipboard, "tigress:" OTHER_LINK_BASE "#" LINK_KEY);
  activate ("win.paste-invitation", NULL);
  g_assert_true (tigress_test_wait_until (invitation_request_open, NULL, 5000));
  close_open_dialog ();

  g_value_init (&text, G_TYPE_STRING);
  g_value_set_string (&text, "tigress:" OTHER_LINK_BASE "#" LINK_KEY);
  g_signal_emit_by_name (tigress_window_get_drop_target (win), "drop", &text, 10.0, 10.0,
                         &accepted);
  g_value_unset (&text);
  g_assert_true (accepted);
  g_assert_true (tigress_test_wait_until (invitation_request_open, NULL, 5000));
  close_open_dialog ();
}

/* ------------------------------------------------------------------ */
/* Preferences                                                        */
/* ------------------------------------------------------------------ */

static TigressPreferencesWindow *
find_preferences (void)
{
  g_autoptr(GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    if (TIGRESS_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
test_preferences_explain_relay_and_passcode_mistakes (void)
{
  TigressPreferencesWindow *preferences;
  GtkWidget *entry, *message, *passcode_message;
  g_auto(GStrv) trusted = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_preferences ();
  g_assert_nonnull (preferences);
  entry = tigress_preferences_window_get_part (preferences, "relay-entry");
  message = tigress_preferences_window_get_part (preferences, "relay-message");

  set_text (entry, "http://relay.example.net");
  tigress_test_click (tigress_preferences_window_get_part (preferences, "add-relay-button"));
  g_assert_true (gtk_widget_has_css_class (message, "error"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (message)), !=, "");

  set_text (entry, "https://relay.example.net");
  tigress_test_click (tigress_preferences_window_get_part (preferences, "add-relay-button"));
  g_assert_false (gtk_widget_has_css_class (message, "error"));
  trusted = g_settings_get_strv (tigress_application_get_settings (app), "trusted-relays");
  g_assert_true (g_strv_contains ((const char * const *) trusted, "https://relay.example.net"));

  passcode_message = tigress_preferences_window_get_part (preferences, "passcode-message");
  set_text (tigress_preferences_window_get_part (preferences, "old-passcode"), PASSCODE);
  set_text (tigress_preferences_window_get_part (preferences, "new-passcode"), "short");
  tigress_test_click (tigress_preferences_window_get_part (preferences, "change-passcode-button"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (passcode_message)), "at least 6"));
  set_text (tigress_preferences_window_get_part (preferences, "new-passcode"), "new passcode");
  set_text (tigress_preferences_window_get_part (preferences, "again-passcode"), "new passcodes");
  tigress_test_click (tigress_preferences_window_get_part (preferences, "change-passcode-button"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (passcode_message)), "differ"));
  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* ------------------------------------------------------------------ */
/* The share page                                                     */
/* ------------------------------------------------------------------ */

static gboolean
widget_has_size (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data) && gtk_widget_get_width (user_data) > 100;
}

static void
assert_qr_matches_link (TigressShareDialog *dialog,
                        const char         *png_name)
{
  GtkWidget *page = tigress_share_dialog_get_part (dialog, "invitation-page");
  g_autofree char *path = g_build_filename (g_getenv ("TW_TEST_SCRATCH"), png_name, NULL);
  g_autoptr(GPtrArray) codes = NULL;

  g_assert_true (tigress_test_wait_until (widget_has_size, page, 5000));
  tigress_test_run_for (300);
  tigress_test_render_widget_png (page, path);
  codes = tigress_test_decode_qr (path);
  g_assert_cmpuint (codes->len, ==, 1);
  tigress_test_assert_scanned_link (g_ptr_array_index (codes, 0),
                                    tigress_share_dialog_get_link_text (dialog));
}

static guint
corner_grey (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GdkTexture) texture = NULL;
  guchar pixel[4 * 4];

  texture = tigress_test_render_paintable (paintable, gtk_widget_get_native (widget),
                                           gtk_widget_get_width (widget),
                                           gtk_widget_get_height (widget));
  /* One row of the texture is enough room: take a pixel near the corner. */
  {
    gsize stride = (gsize) gdk_texture_get_width (texture) * 4;
    g_autofree guchar *all = g_malloc (stride * gdk_texture_get_height (texture));

    gdk_texture_download (texture, all, stride);
    memcpy (pixel, all + 2 * stride + 2 * 4, 4);
  }
  return pixel[1];
}

static gboolean
hyphen_insertion_is_off (PangoAttribute *attribute,
                         gpointer        user_data)
{
  return attribute->klass->type == PANGO_ATTR_INSERT_HYPHENS &&
         !((PangoAttrInt *) attribute)->value &&
         attribute->start_index == PANGO_ATTR_INDEX_FROM_TEXT_BEGINNING &&
         attribute->end_index == PANGO_ATTR_INDEX_TO_TEXT_END;
}

/* A key broken over lines must not gain a hyphen that people would copy
 * by hand: wrap anywhere, insert nothing. */
static void
assert_wraps_without_hyphens (GtkWidget *label)
{
  PangoAttrList *attributes = gtk_label_get_attributes (GTK_LABEL (label));
  g_autoptr(PangoAttrList) found = NULL;

  g_assert_true (gtk_label_get_wrap (GTK_LABEL (label)));
  g_assert_cmpint (gtk_label_get_wrap_mode (GTK_LABEL (label)), ==, PANGO_WRAP_CHAR);
  g_assert_nonnull (attributes);
  found = pango_attr_list_filter (attributes, hyphen_insertion_is_off, NULL);
  g_assert_nonnull (found);
}

/* The progress line must be inside the window at its default size, not
 * scrolled out of sight under the link and the PIN. */
static void
assert_status_line_shows (TigressShareDialog *dialog)
{
  GtkWidget *status = tigress_share_dialog_get_part (dialog, "status-label");
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (status, GTK_WIDGET (dialog), &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=,
                     gtk_widget_get_height (GTK_WIDGET (dialog)));
}

static void
test_share_page_qr_scans_in_light_and_dark (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  TigressShareDialog *dialog;
  g_autoptr(TwLink) link = NULL;
  g_autoptr(TwSecret) pin = tw_secret_new_from_string ("482913");
  g_autoptr(GError) error = NULL;
  GtkWidget *pin_switch, *warning, *https;

  select_titled ("Mail");
  activate ("win.share-credential", NULL);
  dialog = TIGRESS_SHARE_DIALOG (tigress_window_get_open_dialog (win));
  g_assert_true (TIGRESS_IS_SHARE_DIALOG (dialog));
  g_assert_cmpstr (tigress_share_dialog_get_page (dialog), ==, "options");
  pin_switch = tigress_share_dialog_get_part (dialog, "pin-switch");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (pin_switch)));

  link = tw_link_parse ("tigress:" LINK_BASE "#" LINK_KEY, &error);
  g_assert_no_error (error);
  tigress_share_dialog_show_invitation (dialog, link, pin, FALSE);
  g_assert_cmpstr (tigress_share_dialog_get_link_text (dialog), ==,
                   "tigress:" LINK_BASE "#" LINK_KEY);
  g_assert_cmpstr (tigress_share_dialog_get_pin_text (dialog), ==, "482913");
  assert_wraps_without_hyphens (tigress_share_dialog_get_part (dialog, "link-label"));
  assert_wraps_without_hyphens (tigress_share_dialog_get_part (dialog, "key-label"));
  warning = tigress_share_dialog_get_part (dialog, "direct-warning");
  g_assert_false (gtk_widget_get_visible (warning));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  assert_qr_matches_link (dialog, "share-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  tigress_test_run_for (300);
  assert_qr_matches_link (dialog, "share-dark.png");
  assert_status_line_shows (dialog);
  g_assert_cmpuint (corner_grey (tigress_share_dialog_get_part (dialog, "qr-picture")), ==, 255);

  /* The https form on request: the code follows the text. */
  https = tigress_share_dialog_get_part (dialog, "https-switch");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (https), TRUE);
  g_assert_true (g_str_has_prefix (tigress_share_dialog_get_link_text (dialog), "https://"));
  assert_qr_matches_link (dialog, "share-dark-https.png");

  /* A direct share says who gets it. */
  tigress_share_dialog_show_invitation (dialog, link, NULL, FALSE);
  g_assert_true (gtk_widget_get_visible (warning));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* Cancelled: the page says so, and the link and its code are gone. */
  tigress_share_dialog_show_invitation (dialog, link, pin, FALSE);
  tigress_test_click (tigress_share_dialog_get_part (dialog, "cancel-share-button"));
  g_assert_cmpstr (tigress_share_dialog_get_page (dialog), ==, "ended");
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (
    tigress_share_dialog_get_part (dialog, "ended-page"))), ==, "Share Cancelled");
  g_assert_cmpstr (tigress_share_dialog_get_link_text (dialog), ==, "");
  g_assert_null (tigress_share_dialog_get_qr_text (dialog));
  g_assert_null (tigress_share_dialog_get_pin_text (dialog));
  g_assert_null (tigress_test_find_labelled (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "482913"));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ */
/* Layout                                                             */
/* ------------------------------------------------------------------ */

static gboolean
leaflet_folded (gpointer user_data)
{
  return adw_leaflet_get_folded (ADW_LEAFLET (part ("leaflet"))) == GPOINTER_TO_INT (user_data);
}

static void
test_narrow_window_folds_to_one_column (void)
{
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);
  g_assert_true (tigress_test_wait_until (leaflet_folded, GINT_TO_POINTER (FALSE), 5000));
  gtk_window_set_default_size (GTK_WINDOW (win), 360, 640);
  g_assert_true (tigress_test_wait_until (leaflet_folded, GINT_TO_POINTER (TRUE), 5000));
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);
  g_assert_true (tigress_test_wait_until (leaflet_folded, GINT_TO_POINTER (FALSE), 5000));
}

static AdwActionRow *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  if (ADW_IS_ACTION_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return ADW_ACTION_ROW (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwActionRow *found = find_row_titled (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* QA H5: a digital key's rights read as words, as `tigress show` gives
 * them, not as the certificate's bit mask ("Rights 9"). */
static void
test_digital_key_rights_are_named (void)
{
  g_autoptr(WalletCredential) key = wallet_credential_new (WALLET_CREDENTIAL_DIGITAL_KEY);
  GtkWidget *view = g_object_ref_sink (tigress_credential_view_new ());
  AdwActionRow *rights;

  wallet_credential_set_title (key, "Car");
  wallet_credential_set_field (key, WALLET_FIELD_RIGHTS, "9");
  tigress_credential_view_set_credential (TIGRESS_CREDENTIAL_VIEW (view), key);
  rights = find_row_titled (view, "Rights");
  g_assert_nonnull (rights);
  g_assert_cmpstr (adw_action_row_get_subtitle (rights), ==, "unlock, trunk");

  /* A right this version does not know stays a number beside them. */
  wallet_credential_set_field (key, WALLET_FIELD_RIGHTS, "33");
  tigress_credential_view_set_credential (TIGRESS_CREDENTIAL_VIEW (view), NULL);
  tigress_credential_view_set_credential (TIGRESS_CREDENTIAL_VIEW (view), key);
  rights = find_row_titled (view, "Rights");
  g_assert_nonnull (rights);
  g_assert_cmpstr (adw_action_row_get_subtitle (rights), ==, "unlock, 32");
  g_object_unref (view);
}

/* A credential as the keyring keeps it, received through @share_id (or
 * not, when NULL), with its arrival and change times in seconds. */
static WalletCredential *
stored_password (const char *share_id,
                 gint64      created,
                 gint64      modified)
{
  g_autofree char *share = share_id ? g_strdup_printf ("\"share\":\"%s\",", share_id)
                                    : g_strdup ("");
  g_autofree char *json = g_strdup_printf ("{\"v\":1,\"id\":\"bank-1\",\"type\":\"password\","
                                           "\"title\":\"Bank\",\"created\":%" G_GINT64_FORMAT
                                           ",\"modified\":%" G_GINT64_FORMAT ",%s"
                                           "\"fields\":{},\"secrets\":{}}",
                                           created, modified, share);
  g_autoptr(TwSecret) stored = tw_secret_new_from_string (json);
  g_autoptr(GError) error = NULL;
  WalletCredential *credential = wallet_credential_deserialize (stored, &error);

  g_assert_no_error (error);
  return credential;
}

static char *
header_subtitle_of (WalletCredential *credential)
{
  GtkWidget *view = g_object_ref_sink (tigress_credential_view_new ());
  GtkLabel *subtitle;
  char *text;

  tigress_credential_view_set_credential (TIGRESS_CREDENTIAL_VIEW (view), credential);
  subtitle = GTK_LABEL (gtk_widget_get_template_child (view, TIGRESS_TYPE_CREDENTIAL_VIEW,
                                                       "subtitle_label"));
  text = g_strdup (gtk_label_get_text (subtitle));
  g_object_unref (view);
  return text;
}

/* list-received-twin.png: the list row of a received credential said
 * "received <date>" and its page "changed <date>" for the same moment. The
 * page says "received" as the row does until the credential is edited. */
static void
test_received_credential_page_says_received (void)
{
  const gint64 arrived = 1796430000;
  g_autoptr(WalletCredential) fresh = stored_password ("share-1", arrived, arrived + 1);
  g_autoptr(WalletCredential) edited = stored_password ("share-1", arrived, arrived + 86400);
  g_autoptr(WalletCredential) own = stored_password (NULL, arrived, arrived + 1);
  g_autofree char *fresh_text = header_subtitle_of (fresh);
  g_autofree char *row_text = tigress_credential_describe (fresh);
  g_autofree char *edited_text = header_subtitle_of (edited);
  g_autofree char *own_text = header_subtitle_of (own);

  g_assert_true (g_str_has_prefix (fresh_text, "Password · received "));
  g_assert_cmpstr (fresh_text, ==, row_text);
  g_assert_true (g_str_has_prefix (edited_text, "Password · changed "));
  g_assert_cmpstr (edited_text + strlen ("Password · changed "), !=,
                   fresh_text + strlen ("Password · received "));
  g_assert_true (g_str_has_prefix (own_text, "Password · changed "));
}

static GtkWidget *
find_of_type (GtkWidget *root,
              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_of_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
allocate_width (GtkWidget *widget,
                int        width)
{
  int height = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, NULL, NULL, NULL);
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, width, NULL, &height, NULL, NULL);
  gtk_widget_size_allocate (widget, &(GtkAllocation) { 0, 0, width, height }, -1);
}

static gboolean
buttons_in_one_row (AdwSqueezer *squeezer)
{
  GtkWidget *shown = adw_squeezer_get_visible_child (squeezer);

  return gtk_orientable_get_orientation (GTK_ORIENTABLE (shown)) == GTK_ORIENTATION_HORIZONTAL;
}

/* QA H11: the credential page's buttons go in one row whenever it fits
 * (the flow box of the H8 fix put them one under the other in a normal
 * window), and on two lines only when narrow. */
static void
test_credential_buttons_in_one_row_when_it_fits (void)
{
  g_autoptr(WalletCredential) mail = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  GtkWidget *view = g_object_ref_sink (tigress_credential_view_new ());
  AdwSqueezer *squeezer;

  wallet_credential_set_title (mail, "Mail");
  tigress_credential_view_set_credential (TIGRESS_CREDENTIAL_VIEW (view), mail);
  squeezer = ADW_SQUEEZER (find_of_type (view, ADW_TYPE_SQUEEZER));
  g_assert_nonnull (squeezer);

  allocate_width (view, 480);
  g_assert_true (buttons_in_one_row (squeezer));
  allocate_width (view, 336);
  g_assert_false (buttons_in_one_row (squeezer));
  allocate_width (view, 600);
  g_assert_true (buttons_in_one_row (squeezer));
  g_object_unref (view);
}

/* The shown set of buttons lies inside the squeezer's own space: the first
 * layout at a narrow width gave the two lines the one row's height, so they
 * rose over the fields above (narrow-detail.png, retaken after QA H11). */
static void
assert_buttons_inside (AdwSqueezer *squeezer)
{
  GtkWidget *shown = adw_squeezer_get_visible_child (squeezer);
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (shown, GTK_WIDGET (squeezer), &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=,
                     gtk_widget_get_height (GTK_WIDGET (squeezer)));
}

static void
test_credential_buttons_do_not_overlap_the_fields (void)
{
  g_autoptr(WalletCredential) mail = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  GtkWidget *view = g_object_ref_sink (tigress_credential_view_new ());
  AdwSqueezer *squeezer;

  wallet_credential_set_title (mail, "Mail");
  tigress_credential_view_set_credential (TIGRESS_CREDENTIAL_VIEW (view), mail);
  squeezer = ADW_SQUEEZER (find_of_type (view, ADW_TYPE_SQUEEZER));

  allocate_width (view, 480);
  assert_buttons_inside (squeezer);
  allocate_width (view, 336);
  g_assert_false (buttons_in_one_row (squeezer));
  assert_buttons_inside (squeezer);
  allocate_width (view, 600);
  assert_buttons_inside (squeezer);
  g_object_unref (view);
}

/* QA H8: a GNOME phone is 360 px wide, and the window's content must fit
 * in that. Its stacks measure every page, shown or not: the unlock page
 * and the credential page (whose three buttons in one row were the widest
 * part) count whichever is on screen. */
static void
test_window_fits_a_360_px_screen (void)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (win));
  int narrowest = 0;

  gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &narrowest, NULL, NULL, NULL);
  g_test_message ("The window's content is at least %d px wide", narrowest);
  g_assert_cmpint (narrowest, <=, 360);
}

static gboolean
main_page_is_unlock (gpointer user_data)
{
  return !main_page_is_wallet (NULL);
}

/* Idle time locks the wallet: the window goes back to the unlock page,
 * closes its dialogs and takes our secret off the clipboard. */
static void
test_idle_time_locks_the_window (void)
{
  WalletVault *vault = tigress_application_get_vault (app);

  select_titled ("Mail");
  activate ("win.copy-secret", NULL);
  g_assert_true (tigress_clipboard_holds_secret (tigress_application_get_clipboard (app)));
  activate ("win.edit-credential", NULL);
  g_assert_nonnull (tigress_window_get_open_dialog (win));

  wallet_vault_set_auto_lock_seconds (vault, 2);
  g_assert_true (tigress_test_wait_until (main_page_is_unlock, NULL, 10000));
  g_assert_true (tigress_test_wait_until (no_dialog_open, NULL, 5000));
  g_assert_false (tigress_clipboard_holds_secret (tigress_application_get_clipboard (app)));
  g_assert_true (tigress_test_wait_until (status_title_is, (gpointer) "Wallet Locked", 10000));
  wallet_vault_set_auto_lock_seconds (vault, 0);
}

/* The window's activity watcher sees every key first and must hand it on:
 * one that used keys up left the unlocked window deaf to Tab, shortcuts and
 * typing (QA G6). */
static void
test_key_watchers_pass_keys_on (void)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (win));
  guint key_watchers = 0;

  g_assert_true (wallet_vault_is_unlocked (tigress_application_get_vault (app)));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);
      gboolean used_up = TRUE;

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "activity-watch") != 0)
        continue;
      g_signal_emit_by_name (controller, "key-pressed", GDK_KEY_f, 0, GDK_CONTROL_MASK,
                             &used_up);
      g_assert_false (used_up);
      key_watchers++;
    }
  g_assert_cmpuint (key_watchers, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  int status;

  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  tigress_test_quiet_gtk_settings ();
  tigress_test_start_notification_server ();

  settings = g_settings_new (APP_ID);
  g_settings_set_uint (settings, "clipboard-timeout", 5);

  app = tigress_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  win = TIGRESS_WINDOW (tigress_application_get_main_window (app));
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);

  g_test_add_func ("/gui/unlock/first-run-page-has-a-title-and-a-keyboard-path",
                   test_first_run_page_has_title_and_keyboard_path);
  g_test_add_func ("/gui/unlock/first-run-refusal-keeps-the-button-in-view",
                   test_first_run_refusal_keeps_the_button_in_view);
  g_test_add_func ("/gui/unlock/first-run-explains-and-sets-the-passcode",
                   test_first_run_sets_passcode);
  g_test_add_func ("/gui/unlock/wrong-passcode-is-refused-then-right-one-opens",
                   test_lock_then_wrong_then_right_passcode);
  g_test_add_func ("/gui/window/key-watchers-pass-keys-on-once-unlocked",
                   test_key_watchers_pass_keys_on);
  g_test_add_func ("/gui/add/password-is-stored-and-shown", test_add_password);
  g_test_add_func ("/gui/add/wifi-explains-a-short-password",
                   test_add_wifi_explains_short_password);
  g_test_add_func ("/gui/add/access-code-explains-bad-dates", test_add_access_code_explains_dates);
  g_test_add_func ("/gui/add/wifi-imports-from-qr-text", test_import_wifi_from_qr_text);
  g_test_add_func ("/gui/list/search-filters-by-title-and-details", test_search_filters_the_list);
  g_test_add_func ("/gui/list/search-moves-the-pane-off-a-hidden-credential",
                   test_search_moves_the_pane_off_a_hidden_credential);
  g_test_add_func ("/gui/list/delete-can-be-undone-else-leaves-the-keyring",
                   test_delete_then_undo_then_delete);
  g_test_add_func ("/gui/list/undo-of-a-second-delete-still-undoes",
                   test_undo_of_second_delete_still_undoes);
  g_test_add_func ("/gui/list/delete-the-keyring-refuses-brings-the-credential-back",
                   test_failed_delete_brings_the_credential_back);
  g_test_add_func ("/gui/list/changes-from-another-instance-show-without-reload-loop",
                   test_changes_from_another_instance_show);
  g_test_add_func ("/gui/secret/revealed-on-request-and-cleared-from-clipboard",
                   test_reveal_and_copy_then_clipboard_clears);
  g_test_add_func ("/gui/edit/changes-the-stored-credential",
                   test_edit_changes_the_stored_credential);
  g_test_add_func ("/gui/owner-key/shares-with-rights-and-a-pin",
                   test_owner_key_shares_with_rights_and_pin);
  g_test_add_func ("/gui/window/has-a-shortcuts-window", test_shortcuts_window_is_there);
  g_test_add_func ("/gui/invitation/failures-are-explained-with-next-step",
                   test_invitation_failures_are_explained);
  g_test_add_func ("/gui/invitation/arrives-by-open-paste-and-drop",
                   test_invitation_arrives_by_open_paste_and_drop);
  g_test_add_func ("/gui/preferences/explain-relay-and-passcode-mistakes",
                   test_preferences_explain_relay_and_passcode_mistakes);
  g_test_add_func ("/gui/share/qr-code-scans-as-the-shown-link-in-light-and-dark",
                   test_share_page_qr_scans_in_light_and_dark);
  g_test_add_func ("/gui/window/narrow-window-folds-to-one-column",
                   test_narrow_window_folds_to_one_column);
  g_test_add_func ("/gui/window/fits-a-360-px-screen", test_window_fits_a_360_px_screen);
  g_test_add_func ("/gui/view/received-credential-page-says-received-until-edited",
                   test_received_credential_page_says_received);
  g_test_add_func ("/gui/view/digital-key-rights-are-named", test_digital_key_rights_are_named);
  g_test_add_func ("/gui/view/credential-buttons-in-one-row-when-it-fits",
                   test_credential_buttons_in_one_row_when_it_fits);
  g_test_add_func ("/gui/view/credential-buttons-do-not-overlap-the-fields",
                   test_credential_buttons_do_not_overlap_the_fields);
  g_test_add_func ("/gui/lock/idle-time-locks-the-window", test_idle_time_locks_the_window);

  status = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (win));
  g_clear_object (&app);
  return status;
}
