/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-credential-editor.h"
#include "tigress-credential-row.h"
#include "tigress-credential-view.h"
#include "tigress-invitation-dialog.h"
#include "tigress-share-dialog.h"
#include "tigress-shares-view.h"
#include "tigress-unlock-page.h"
#include "tigress-window.h"

struct _TigressWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  TigressUnlockPage *unlock_page;
  AdwLeaflet *leaflet;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack *list_stack;
  GtkListView *list_view;
  GtkStack *content_stack;
  AdwWindowTitle *content_title;
  TigressCredentialView *credential_view;
  TigressSharesView *shares_view;

  TigressApplication *application;
  WalletStore *store;
  WalletVault *vault;
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  /* the casefolded search words, NULL when not searching */
  GStrv search_words;
  /* id → WalletCredential hidden from the list while its Undo toast shows */
  GHashTable *pending_deletions;
  /* id → the AdwToast (not a reference, only compared) whose Undo or
   * dismissal decides that pending deletion: an older toast for the same
   * credential, deleted, undone and deleted again, decides nothing */
  GHashTable *undo_toasts;
  char *pending_invitation;
  /* fills in the search text of new credentials while the app is idle */
  guint search_text_idle;
  guint search_text_next;
  GtkWindow *open_dialog;
  GtkDropTarget *drop_target;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TigressWindow, tigress_window, ADW_TYPE_APPLICATION_WINDOW)

void
tigress_window_show_toast (TigressWindow *self,
                           const char    *message)
{
  g_return_if_fail (TIGRESS_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
remember_dialog (TigressWindow *self,
                 GtkWindow     *dialog)
{
  if (self->open_dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->open_dialog),
                                  (gpointer *) &self->open_dialog);
  self->open_dialog = dialog;
  if (dialog != NULL)
    g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->open_dialog);
}

GtkWindow *
tigress_window_get_open_dialog (TigressWindow *self)
{
  g_return_val_if_fail (TIGRESS_IS_WINDOW (self), NULL);

  return self->open_dialog;
}

/* ------------------------------------------------------------------ */
/* The list, its search and its empty states                          */
/* ------------------------------------------------------------------ */

/* What a search matches against, casefolded once per credential and kept
 * on it: the store replaces an edited credential with a new object, so the
 * cached text never goes stale, and a keystroke costs one strstr() per
 * credential. Only non-secret fields are in it. */
static const char *
searchable_text (WalletCredential *credential)
{
  static GQuark quark;
  char *text;

  if (quark == 0)
    quark = g_quark_from_static_string ("tigress-searchable-text");
  text = g_object_get_qdata (G_OBJECT (credential), quark);
  if (text == NULL)
    {
      /* Not when it arrived: "dec" or "2026" would list every received
       * credential (QA H13). */
      g_autofree char *description = tigress_credential_describe_kind (credential);
      g_autofree char *joined = g_strconcat (wallet_credential_get_title (credential),
                                             " ", description, NULL);

      text = g_utf8_casefold (joined, -1);
      g_object_set_qdata_full (G_OBJECT (credential), quark, text, g_free);
    }
  return text;
}

static gboolean
credential_matches (gpointer item,
                    gpointer user_data)
{
  TigressWindow *self = user_data;
  WalletCredential *credential = item;
  const char *text;

  /* The size check spares hashing 10,000 ids per keystroke. */
  if (g_hash_table_size (self->pending_deletions) > 0 &&
      g_hash_table_contains (self->pending_deletions, wallet_credential_get_id (credential)))
    return FALSE;
  if (self->search_words == NULL)
    return TRUE;

  text = searchable_text (credential);
  for (guint i = 0; self->search_words[i] != NULL; i++)
    if (strstr (text, self->search_words[i]) == NULL)
      return FALSE;
  return TRUE;
}

static void
update_list_page (TigressWindow *self)
{
  guint stored = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint hidden = g_hash_table_size (self->pending_deletions);

  if (shown > 0)
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  else if (stored > hidden && self->search_words != NULL)
    gtk_stack_set_visible_child_name (self->list_stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static void
refilter_with (TigressWindow    *self,
               GtkFilterChange   change)
{
  gtk_filter_changed (GTK_FILTER (self->filter), change);
  update_list_page (self);
}

static void
refilter (TigressWindow *self)
{
  refilter_with (self, GTK_FILTER_CHANGE_DIFFERENT);
}

/* Typing on narrows the list and deleting widens it; telling the filter
 * lets it look only at the items that can change. */
static GtkFilterChange
search_change (const char *before,
               const char *after)
{
  if (g_str_has_prefix (after, before))
    return GTK_FILTER_CHANGE_MORE_STRICT;
  if (g_str_has_prefix (before, after))
    return GTK_FILTER_CHANGE_LESS_STRICT;
  return GTK_FILTER_CHANGE_DIFFERENT;
}

static void show_credential (TigressWindow    *self,
                             WalletCredential *credential);
static WalletCredential *current_credential (TigressWindow *self);

/* A detail pane that kept showing a credential the search hides read as if
 * the list and the pane disagreed (main-search.png): the pane moves to the
 * first match, or to its empty state when nothing matches. On a folded
 * window the pane is out of sight, so it only empties and never takes the
 * list's place while the user types. */
static void
follow_the_search (TigressWindow *self)
{
  WalletCredential *shown = tigress_credential_view_get_credential (self->credential_view);
  g_autoptr(WalletCredential) first = NULL;

  if (shown == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "detail") != 0 ||
      credential_matches (shown, self))
    return;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0 ||
      adw_leaflet_get_folded (self->leaflet))
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      show_credential (self, NULL);
      return;
    }
  /* Not show_credential (): moving the leaflet to the pane would take the
   * keyboard focus out of the search entry while the user types. */
  first = g_list_model_get_item (G_LIST_MODEL (self->filtered), 0);
  tigress_credential_view_set_credential (self->credential_view, first);
  adw_window_title_set_title (self->content_title, wallet_credential_get_title (first));
  gtk_single_selection_set_selected (self->selection, 0);
}

static void
on_search_changed (TigressWindow *self)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *folded = g_utf8_casefold (typed, -1);
  g_autofree char *before = self->search_words ? g_strjoinv (" ", self->search_words)
                                               : g_strdup ("");
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_autofree char *after = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_strv_builder_add (kept, words[i]);

  g_clear_pointer (&self->search_words, g_strfreev);
  self->search_words = g_strv_builder_end (kept);
  if (self->search_words[0] == NULL)
    g_clear_pointer (&self->search_words, g_strfreev);
  after = self->search_words ? g_strjoinv (" ", self->search_words) : g_strdup ("");
  refilter_with (self, search_change (before, after));
  follow_the_search (self);
}

static void
show_page (TigressWindow *self,
           const char    *page_name,
           const char    *title)
{
  gtk_stack_set_visible_child_name (self->content_stack, page_name);
  adw_window_title_set_title (self->content_title, title);
  adw_leaflet_set_visible_child (self->leaflet,
                                 gtk_widget_get_parent (GTK_WIDGET (self->content_stack)));
}

static void
show_credential (TigressWindow    *self,
                 WalletCredential *credential)
{
  if (credential == NULL)
    {
      tigress_credential_view_set_credential (self->credential_view, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "none");
      adw_window_title_set_title (self->content_title, "");
      return;
    }
  tigress_credential_view_set_credential (self->credential_view, credential);
  show_page (self, "detail", wallet_credential_get_title (credential));
}

static void
on_search_activated (TigressWindow *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    return;
  gtk_single_selection_set_selected (self->selection, 0);
  show_credential (self, gtk_single_selection_get_selected_item (self->selection));
}

static void
on_list_activate (TigressWindow *self,
                  guint          position)
{
  g_autoptr(WalletCredential) credential = g_list_model_get_item (G_LIST_MODEL (self->filtered),
                                                                  position);

  show_credential (self, credential);
}

static void
on_selection_changed (TigressWindow *self)
{
  WalletCredential *credential = gtk_single_selection_get_selected_item (self->selection);

  /* On a narrow window, moving the selection with the keyboard must not
   * jump to the detail page; activating does that. The search selects the
   * credential it already put in the pane: showing it again would move the
   * leaflet, and the focus with it, out of the search entry. */
  if (credential != NULL && !adw_leaflet_get_folded (self->leaflet) &&
      credential != current_credential (self))
    show_credential (self, credential);
}

/* Credentials per idle call: about 2 ms of work on this machine. */
#define SEARCH_TEXTS_PER_IDLE 500

static gboolean
make_search_texts (gpointer user_data)
{
  TigressWindow *self = user_data;
  GListModel *store = G_LIST_MODEL (self->store);
  guint n_items = g_list_model_get_n_items (store);
  guint end = MIN (n_items, self->search_text_next + SEARCH_TEXTS_PER_IDLE);

  for (; self->search_text_next < end; self->search_text_next++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (store,
                                                                      self->search_text_next);

      searchable_text (credential);
    }
  if (self->search_text_next < n_items)
    return G_SOURCE_CONTINUE;
  self->search_text_idle = 0;
  return G_SOURCE_REMOVE;
}

/* Without this the first keystroke after unlock casefolds the text of
 * every credential: with 1,000 that doubled its cost (10 ms more here),
 * with 10,000 it took several frames. Done in small steps at low
 * priority, so input and painting go first. */
static void
prepare_search_texts (TigressWindow *self)
{
  self->search_text_next = 0;
  if (self->search_text_idle == 0)
    self->search_text_idle = g_idle_add_full (G_PRIORITY_LOW, make_search_texts, self, NULL);
}

static void
on_store_items_changed (TigressWindow *self)
{
  WalletCredential *shown = tigress_credential_view_get_credential (self->credential_view);

  prepare_search_texts (self);
  update_list_page (self);
  if (shown == NULL)
    return;

  /* The store replaces an edited credential with a new object; show the
   * new one, or nothing when it is gone. */
  shown = wallet_store_lookup (self->store, wallet_credential_get_id (shown));
  if (shown != tigress_credential_view_get_credential (self->credential_view))
    {
      if (shown == NULL && g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack),
                                      "detail") == 0)
        show_credential (self, NULL);
      else if (shown != NULL)
        tigress_credential_view_set_credential (self->credential_view, shown);
    }
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (item, tigress_credential_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  tigress_credential_row_set_credential (TIGRESS_CREDENTIAL_ROW (gtk_list_item_get_child (item)),
                                         gtk_list_item_get_item (item));
}

static void
setup_list (TigressWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->filter = gtk_custom_filter_new (credential_matches, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (on_selection_changed), self);
  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (on_store_items_changed), self, G_CONNECT_SWAPPED);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
}

gboolean
tigress_window_select_credential (TigressWindow *self,
                                  const char    *id)
{
  guint n_items;

  g_return_val_if_fail (TIGRESS_IS_WINDOW (self), FALSE);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(WalletCredential) credential =
        g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (g_strcmp0 (wallet_credential_get_id (credential), id) != 0)
        continue;
      gtk_single_selection_set_selected (self->selection, i);
      show_credential (self, credential);
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Locking and loading                                                */
/* ------------------------------------------------------------------ */

static void
on_store_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TigressWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint unreadable;

  if (!wallet_store_load_finish (WALLET_STORE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tigress_window_show_toast (self, error->message);
      return;
    }

  update_list_page (self);
  unreadable = wallet_store_get_n_unreadable (self->store);
  if (unreadable > 0)
    {
      g_autofree char *message =
        g_strdup_printf (ngettext ("%u item in the keyring could not be opened with this "
                                   "passcode. It was left untouched.",
                                   "%u items in the keyring could not be opened with this "
                                   "passcode. They were left untouched.", unreadable),
                         unreadable);
      tigress_window_show_toast (self, message);
    }
}

static void
open_pending_invitation (TigressWindow *self)
{
  g_autofree char *link_text = g_steal_pointer (&self->pending_invitation);

  if (link_text != NULL)
    tigress_window_open_invitation (self, link_text);
}

static void
on_unlocked (TigressWindow *self)
{
  /* The passcode entry must give up the focus before its page goes. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "wallet");
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
  update_list_page (self);
  wallet_store_load_async (self->store, self->cancellable, on_store_loaded,
                           g_object_ref (self));
  open_pending_invitation (self);
}

static void
close_dialogs (TigressWindow *self)
{
  GList *windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_window_get_transient_for (l->data) == GTK_WINDOW (self))
      gtk_window_destroy (l->data);
  g_list_free (windows);
}

static void
on_vault_locked (TigressWindow *self)
{
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  close_dialogs (self);
  show_credential (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_stack_set_visible_child_name (self->main_stack, "unlock");
  tigress_unlock_page_reload (self->unlock_page);
}

static void
on_user_activity (TigressWindow *self)
{
  if (wallet_vault_is_unlocked (self->vault))
    wallet_vault_touch (self->vault);
}

/* "key-pressed" returns whether the key was used up. The watcher only
 * notes that the user is there and must hand every key on: a handler
 * without this return value once swallowed every key of the unlocked
 * window (QA G6). */
static gboolean
on_key_activity (TigressWindow *self)
{
  on_user_activity (self);
  return GDK_EVENT_PROPAGATE;
}

/* ------------------------------------------------------------------ */
/* Deleting with Undo                                                 */
/* ------------------------------------------------------------------ */

/* A delete in flight: which credential, so a failure can bring it back. */
typedef struct
{
  TigressWindow *window;
  char *id;
} Deletion;

static void
deletion_free (Deletion *deletion)
{
  g_object_unref (deletion->window);
  g_free (deletion->id);
  g_free (deletion);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Deletion, deletion_free)

static void start_deletion (TigressWindow *self,
                            const char    *id);

static void
on_failed_deletion_response (AdwMessageDialog *dialog,
                             const char       *response,
                             TigressWindow    *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "credential-id");

  if (g_str_equal (response, "retry") && wallet_store_lookup (self->store, id) != NULL)
    start_deletion (self, id);
}

/* The keyring still holds the credential: show it again and say why, so
 * nobody leaves believing a secret is gone when it is not. */
static void
report_failed_deletion (TigressWindow *self,
                        const char    *id,
                        const GError  *error)
{
  WalletCredential *credential = wallet_store_lookup (self->store, id);
  AdwMessageDialog *dialog;

  refilter (self);
  if (credential == NULL)
    {
      tigress_window_show_toast (self, error->message);
      return;
    }
  tigress_window_select_credential (self, id);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), NULL, error->message));
  /* Translators: %s is the title of a credential */
  adw_message_dialog_format_heading (dialog, _("“%s” Was Not Deleted"),
                                     wallet_credential_get_title (credential));
  adw_message_dialog_add_responses (dialog, "keep", _("_Keep It"), "retry", _("_Try Again"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "retry", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "keep");
  g_object_set_data_full (G_OBJECT (dialog), "credential-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_failed_deletion_response), self, 0);
  remember_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Deletion) deletion = user_data;
  TigressWindow *self = deletion->window;
  g_autoptr(GError) error = NULL;

  if (!wallet_store_delete_finish (WALLET_STORE (source), result, &error))
    {
      g_message ("A credential could not be deleted: %s", error->message);
      report_failed_deletion (self, deletion->id, error);
    }
  g_application_release (G_APPLICATION (self->application));
}

static void
start_deletion (TigressWindow *self,
                const char    *id)
{
  Deletion *deletion = g_new0 (Deletion, 1);

  deletion->window = g_object_ref (self);
  deletion->id = g_strdup (id);
  /* Hold the app so a quit right after the toast still deletes. */
  g_application_hold (G_APPLICATION (self->application));
  wallet_store_delete_async (self->store, id, NULL, on_deleted, deletion);
}

static void
commit_deletion (TigressWindow *self,
                 const char    *id)
{
  if (self->pending_deletions == NULL ||
      !g_hash_table_remove (self->pending_deletions, id))
    return;

  start_deletion (self, id);
  update_list_page (self);
}

/* Whether @toast is the one in charge of its credential's deletion; it
 * stops being so once it has decided. */
static gboolean
take_decision (TigressWindow *self,
               AdwToast      *toast)
{
  const char *id = g_object_get_data (G_OBJECT (toast), "credential-id");

  if (self->undo_toasts == NULL || g_hash_table_lookup (self->undo_toasts, id) != toast)
    return FALSE;
  g_hash_table_remove (self->undo_toasts, id);
  return TRUE;
}

static void
on_undo_clicked (AdwToast      *toast,
                 TigressWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (toast), "credential-id");
  g_autoptr(WalletCredential) credential = NULL;

  if (!take_decision (self, toast) ||
      !g_hash_table_steal_extended (self->pending_deletions, id, NULL, (gpointer *) &credential))
    return;
  refilter (self);
  tigress_window_select_credential (self, id);
  /* Focus left in the toast would hold the next toast's timeout. */
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
on_undo_toast_dismissed (AdwToast      *toast,
                         TigressWindow *self)
{
  if (take_decision (self, toast))
    commit_deletion (self, g_object_get_data (G_OBJECT (toast), "credential-id"));
}

static void
delete_with_undo (TigressWindow    *self,
                  WalletCredential *credential)
{
  const char *id = wallet_credential_get_id (credential);
  g_autofree char *message = NULL;
  AdwToast *toast;

  g_hash_table_insert (self->pending_deletions, g_strdup (id), g_object_ref (credential));
  refilter (self);
  show_credential (self, NULL);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);

  /* Translators: %s is the title of a credential */
  message = g_strdup_printf (_("“%s” deleted"), wallet_credential_get_title (credential));
  toast = adw_toast_new (message);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "credential-id", g_strdup (id), g_free);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_clicked), self, 0);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_toast_dismissed), self, 0);
  g_hash_table_replace (self->undo_toasts, g_strdup (id), toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  /* The deleted row took the focus with it; a toast that gets it would
   * never time out, and the delete would wait for ever. */
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
commit_all_deletions (TigressWindow *self)
{
  guint n_ids = 0;
  g_autofree char **ids = (char **) g_hash_table_get_keys_as_array (self->pending_deletions,
                                                                   &n_ids);
  g_auto(GStrv) copies = g_strdupv (ids);

  /* Committing removes the keys from the table, so work on copies. */
  for (guint i = 0; i < n_ids; i++)
    commit_deletion (self, copies[i]);
}

/* ------------------------------------------------------------------ */
/* Invitations                                                        */
/* ------------------------------------------------------------------ */

void
tigress_window_open_invitation (TigressWindow *self,
                                const char    *link_text)
{
  TigressInvitationDialog *dialog;

  g_return_if_fail (TIGRESS_IS_WINDOW (self));

  if (!wallet_vault_is_unlocked (self->vault))
    {
      g_free (self->pending_invitation);
      self->pending_invitation = g_strdup (link_text);
      tigress_window_show_toast (self, _("Unlock the wallet to open the invitation."));
      return;
    }

  dialog = tigress_invitation_dialog_new (GTK_WINDOW (self), self->application, link_text);
  remember_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TigressWindow) self = user_data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  if (text == NULL || *g_strstrip (text) == '\0')
    {
      tigress_window_show_toast (self, _("The clipboard holds no text. Copy the whole "
                                         "invitation link first, then paste it again."));
      return;
    }
  tigress_window_open_invitation (self, text);
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         TigressWindow *self)
{
  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      g_autofree char *text = g_strstrip (g_value_dup_string (value));

      tigress_window_open_invitation (self, text);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
      g_autofree char *uri = files ? g_file_get_uri (files->data) : NULL;

      g_slist_free (files);
      if (uri != NULL)
        tigress_window_open_invitation (self, uri);
      return uri != NULL;
    }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Actions                                                            */
/* ------------------------------------------------------------------ */

static WalletCredential *
current_credential (TigressWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "detail") != 0)
    return NULL;
  return tigress_credential_view_get_credential (self->credential_view);
}

static void
on_editor_saved (TigressCredentialEditor *editor,
                 WalletCredential        *credential,
                 TigressWindow           *self)
{
  if (!tigress_window_select_credential (self, wallet_credential_get_id (credential)))
    show_credential (self, wallet_store_lookup (self->store,
                                                wallet_credential_get_id (credential)));
}

static void
present_editor (TigressWindow           *self,
                TigressCredentialEditor *editor)
{
  g_signal_connect_object (editor, "saved", G_CALLBACK (on_editor_saved), self, 0);
  remember_dialog (self, GTK_WINDOW (editor));
  gtk_window_present (GTK_WINDOW (editor));
}

static void
new_credential_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);
  WalletCredentialType type;

  if (!wallet_credential_type_from_string (g_variant_get_string (parameter, NULL), &type))
    return;
  present_editor (self, tigress_credential_editor_new_for_type (GTK_WINDOW (self), self->store,
                                                                type));
}

static void
import_wifi_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);
  TigressCredentialEditor *editor;

  editor = tigress_credential_editor_new_for_type (GTK_WINDOW (self), self->store,
                                                   WALLET_CREDENTIAL_WIFI);
  present_editor (self, editor);
  tigress_credential_editor_focus_import (editor);
}

static void
edit_credential_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);
  WalletCredential *credential = current_credential (self);

  if (credential == NULL || wallet_credential_is_read_only (credential))
    return;
  present_editor (self, tigress_credential_editor_new_for_edit (GTK_WINDOW (self), self->store,
                                                                credential));
}

static void
delete_credential_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);
  WalletCredential *credential = current_credential (self);

  if (credential != NULL)
    delete_with_undo (self, credential);
}

static void
share_credential_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);
  WalletCredential *credential = current_credential (self);
  TigressShareDialog *dialog;

  if (credential == NULL || !tigress_credential_can_be_shared (credential))
    return;
  dialog = tigress_share_dialog_new (GTK_WINDOW (self), self->application, credential);
  remember_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
copy_secret_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  if (current_credential (self) != NULL)
    tigress_credential_view_copy_main_secret (self->credential_view);
}

static void
reveal_secret_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  if (current_credential (self) != NULL)
    tigress_credential_view_toggle_reveal (self->credential_view);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "wallet") != 0)
    return;
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
lock_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  commit_all_deletions (self);
  wallet_vault_lock (self->vault);
}

static void
show_shares_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  show_page (self, "shares", _("Shares"));
}

static void
open_invitation_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  tigress_window_open_invitation (TIGRESS_WINDOW (widget), NULL);
}

static void
paste_invitation_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), self->cancellable,
                                 on_clipboard_text, g_object_ref (self));
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TigressWindow *self = TIGRESS_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
on_folded_changed (TigressWindow *self)
{
  /* When the window widens again, a selection made while folded shows. */
  if (!adw_leaflet_get_folded (self->leaflet))
    on_selection_changed (self);
}

/* ------------------------------------------------------------------ */

GtkWidget *
tigress_window_get_part (TigressWindow *self,
                         const char    *name)
{
  const struct { const char *name; gpointer widget; } parts[] = {
    { "unlock-page", self->unlock_page },
    { "search-entry", self->search_entry },
    { "search-bar", self->search_bar },
    { "list-view", self->list_view },
    { "list-stack", self->list_stack },
    { "content-stack", self->content_stack },
    { "credential-view", self->credential_view },
    { "shares-view", self->shares_view },
    { "leaflet", self->leaflet },
    { "main-stack", self->main_stack },
    { "toast-overlay", self->toast_overlay },
  };

  g_return_val_if_fail (TIGRESS_IS_WINDOW (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_strcmp0 (parts[i].name, name) == 0)
      return parts[i].widget;
  return NULL;
}

GtkDropTarget *
tigress_window_get_drop_target (TigressWindow *self)
{
  g_return_val_if_fail (TIGRESS_IS_WINDOW (self), NULL);

  return self->drop_target;
}

GListModel *
tigress_window_get_visible_credentials (TigressWindow *self)
{
  g_return_val_if_fail (TIGRESS_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->filtered);
}

static void
save_window_state (TigressWindow *self)
{
  GSettings *settings = tigress_application_get_settings (self->application);
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
tigress_window_close_request (GtkWindow *window)
{
  TigressWindow *self = TIGRESS_WINDOW (window);

  save_window_state (self);
  commit_all_deletions (self);
  if (tigress_application_get_shares_pending (self->application))
    tigress_application_notify (self->application, "background",
                                _("Tigress Wallet keeps running"),
                                _("Shares are still waiting for the other person. "
                                  "The wallet finishes them in the background."));

  return GTK_WINDOW_CLASS (tigress_window_parent_class)->close_request (window);
}

static void
add_activity_watchers (TigressWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkGesture *clicks = gtk_gesture_click_new ();
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  gtk_event_controller_set_name (keys, "activity-watch");
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (on_key_activity), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (clicks), GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (clicks, "pressed", G_CALLBACK (on_user_activity), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (clicks));

  gtk_drop_target_set_gtypes (drop, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  self->drop_target = drop;
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

static void
restore_window_state (TigressWindow *self)
{
  GSettings *settings = tigress_application_get_settings (self->application);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
tigress_window_dispose (GObject *object)
{
  TigressWindow *self = TIGRESS_WINDOW (object);

  /* Closing the window ends the chance to undo. */
  if (self->pending_deletions != NULL)
    commit_all_deletions (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->search_text_idle, g_source_remove);
  remember_dialog (self, NULL);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_object (&self->vault);
  g_clear_pointer (&self->pending_deletions, g_hash_table_unref);
  g_clear_pointer (&self->undo_toasts, g_hash_table_unref);
  g_clear_pointer (&self->search_words, g_strfreev);
  g_clear_pointer (&self->pending_invitation, g_free);

  G_OBJECT_CLASS (tigress_window_parent_class)->dispose (object);
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-credential", "s",
                                   new_credential_action);
  gtk_widget_class_install_action (widget_class, "win.import-wifi", NULL, import_wifi_action);
  gtk_widget_class_install_action (widget_class, "win.edit-credential", NULL,
                                   edit_credential_action);
  gtk_widget_class_install_action (widget_class, "win.delete-credential", NULL,
                                   delete_credential_action);
  gtk_widget_class_install_action (widget_class, "win.share-credential", NULL,
                                   share_credential_action);
  gtk_widget_class_install_action (widget_class, "win.copy-secret", NULL, copy_secret_action);
  gtk_widget_class_install_action (widget_class, "win.reveal-secret", NULL,
                                   reveal_secret_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "win.show-shares", NULL, show_shares_action);
  gtk_widget_class_install_action (widget_class, "win.open-invitation", NULL,
                                   open_invitation_action);
  gtk_widget_class_install_action (widget_class, "win.paste-invitation", NULL,
                                   paste_invitation_action);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
}

static void
tigress_window_class_init (TigressWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tigress_window_dispose;
  window_class->close_request = tigress_window_close_request;

  g_type_ensure (TIGRESS_TYPE_UNLOCK_PAGE);
  g_type_ensure (TIGRESS_TYPE_CREDENTIAL_VIEW);
  g_type_ensure (TIGRESS_TYPE_SHARES_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/tigress-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, credential_view);
  gtk_widget_class_bind_template_child (widget_class, TigressWindow, shares_view);
  gtk_widget_class_bind_template_callback (widget_class, on_unlocked);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_folded_changed);
  install_actions (widget_class);
}

static void
tigress_window_init (TigressWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->pending_deletions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                   g_object_unref);
  self->undo_toasts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  add_activity_watchers (self);
}

TigressWindow *
tigress_window_new (TigressApplication *application)
{
  TigressWindow *self = g_object_new (TIGRESS_TYPE_WINDOW, "application", application, NULL);

  self->application = application;
  self->vault = g_object_ref (tigress_application_get_vault (application));
  self->store = g_object_ref (tigress_application_get_store (application));
  restore_window_state (self);
  setup_list (self);
  tigress_shares_view_set_application (self->shares_view, application);
  g_signal_connect_object (self->vault, "locked", G_CALLBACK (on_vault_locked), self,
                           G_CONNECT_SWAPPED);
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  tigress_unlock_page_set_vault (self->unlock_page, self->vault);
  return self;
}
