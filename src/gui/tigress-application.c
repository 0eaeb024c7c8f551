/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-application.h"
#include "tigress-preferences-window.h"
#include "tigress-share-status.h"
#include "tigress-window.h"

struct _TigressApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  WalletKeyring *keyring;
  WalletVault *vault;
  WalletStore *store;
  WalletAuth *auth;
  WalletRelays *relays;
  WalletContacts *contacts;
  WalletShareManager *shares;
  TigressKeyringWatch *keyring_watch;
  GCancellable *cancellable;
  TigressClipboard *clipboard;
  TigressWindow *window;
  gboolean shares_pending;
  guint pending_check;
};

G_DEFINE_FINAL_TYPE (TigressApplication, tigress_application, ADW_TYPE_APPLICATION)

/* One table of every app-wide and window-wide keyboard shortcut; the
 * shortcuts window (help-overlay.ui) lists the same. */
static const struct {
  const char *action;
  const char *accels[3];
} shortcut_table[] = {
  { "app.quit", { "<Primary>q", NULL } },
  { "app.preferences", { "<Primary>comma", NULL } },
  { "win.new-credential('password')", { "<Primary>n", NULL } },
  { "win.new-credential('wifi')", { "<Primary><Shift>w", NULL } },
  { "win.new-credential('access-code')", { "<Primary><Shift>a", NULL } },
  { "win.import-wifi", { "<Primary>i", NULL } },
  { "win.search", { "<Primary>f", NULL } },
  { "win.lock", { "<Primary>l", NULL } },
  { "win.show-shares", { "<Primary><Shift>s", NULL } },
  { "win.open-invitation", { "<Primary>o", NULL } },
  { "win.paste-invitation", { "<Primary><Shift>v", NULL } },
  { "win.copy-secret", { "<Primary><Shift>c", NULL } },
  { "win.reveal-secret", { "<Primary>r", NULL } },
  { "win.edit-credential", { "<Primary>e", NULL } },
  { "win.share-credential", { "<Primary><Shift>e", NULL } },
  { "win.delete-credential", { "Delete", NULL } },
  { "window.close", { "<Primary>w", NULL } },
};

static TigressWindow *
ensure_window (TigressApplication *self)
{
  if (self->window == NULL)
    {
      self->window = tigress_window_new (self);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      gtk_window_set_hide_on_close (GTK_WINDOW (self->window), self->shares_pending);
    }
  return self->window;
}

GtkWindow *
tigress_application_get_main_window (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return GTK_WINDOW (ensure_window (self));
}

static void
tigress_application_activate (GApplication *application)
{
  TigressApplication *self = TIGRESS_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

/* Invitations arrive here from the tigress: URL scheme, from the command
 * line, and from a second start of the app. */
static void
tigress_application_open (GApplication  *application,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  TigressApplication *self = TIGRESS_APPLICATION (application);
  TigressWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      tigress_window_open_invitation (window, uri);
    }
}

static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  TigressApplication *self = user_data;

  tigress_clipboard_clear_secret (self->clipboard);
  g_application_quit (G_APPLICATION (self));
}

static void
on_about (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  TigressApplication *self = user_data;
  const char *developers[] = { _("The Tigress Wallet developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", ensure_window (self),
                        "application-name", _("Tigress Wallet"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Tigress Wallet developers"),
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("Keep passwords, Wi-Fi networks, access codes "
                                      "and digital keys, and hand them to other "
                                      "people through a relay that cannot read them."),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
on_preferences (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TigressApplication *self = user_data;
  TigressWindow *window = ensure_window (self);
  GtkWindow *preferences;

  preferences = GTK_WINDOW (tigress_preferences_window_new (self));
  gtk_window_set_transient_for (preferences, GTK_WINDOW (window));
  gtk_window_present (preferences);
}

static void
on_show_window (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TigressApplication *self = user_data;

  gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

static const GActionEntry app_actions[] = {
  { .name = "show-window", .activate = on_show_window },
  { .name = "quit", .activate = on_quit },
  { .name = "about", .activate = on_about },
  { .name = "preferences", .activate = on_preferences },
};

static void
load_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, RESOURCE_BASE "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
on_vault_locked (TigressApplication *self)
{
  /* Whatever was copied from the wallet goes when the wallet locks. */
  tigress_clipboard_clear_secret (self->clipboard);
}

static void
on_shares_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TigressApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wallet_share_manager_load_finish (WALLET_SHARE_MANAGER (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Saved shares could not be loaded: %s", error->message);
  tigress_application_set_shares_pending (self,
    wallet_share_manager_get_n_active (self->shares) > 0);
}

/* A share can keep working after its last visible change (writing the
 * receipt, deleting the mailbox), so the hold is rechecked while it lasts. */
static gboolean
recheck_pending (gpointer user_data)
{
  TigressApplication *self = user_data;
  gboolean pending = wallet_share_manager_get_n_active (self->shares) > 0;

  if (!pending)
    self->pending_check = 0;
  tigress_application_set_shares_pending (self, pending);
  return pending ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
on_contacts_loaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!wallet_contacts_load_finish (WALLET_CONTACTS (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The identity and pinned contacts could not be loaded: %s", error->message);
}

static void
on_vault_unlocked (TigressApplication *self)
{
  /* The lock emptied them: shares carry the identity and tell a pinned
   * sender only once they are back. */
  wallet_contacts_load_async (self->contacts, self->cancellable, on_contacts_loaded, NULL);
  /* Shares paused by the lock go on where they were. */
  wallet_share_manager_load_async (self->shares, self->cancellable, on_shares_loaded,
                                   g_object_ref (self));
}

static void
on_share_changed (TigressApplication *self,
                  WalletShare        *share)
{
  g_autofree char *body = tigress_share_describe_state (share);
  const char *title = wallet_share_get_title (share);
  g_autofree char *heading = NULL;

  tigress_application_set_shares_pending (self,
    wallet_share_manager_get_n_active (self->shares) > 0);

  if (wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING)
    /* Translators: %s is the title of a shared credential */
    heading = g_strdup_printf (_("Sharing “%s”"), title ? title : "");
  else
    heading = g_strdup (title ? title : _("Invitation"));
  tigress_application_notify (self, wallet_share_get_id (share), heading, body);
}

/* The CLI or another instance changed the wallet: read again what they
 * touched. Both reads leave unchanged items alone; shares come once they
 * ended there, so no share is ever run by two processes at once. */
static void
on_keyring_changed (TigressApplication *self,
                    guint               change)
{
  if (!wallet_vault_is_unlocked (self->vault))
    return;
  if (change & TIGRESS_KEYRING_CHANGE_CREDENTIALS)
    wallet_store_refresh (self->store);
  if (change & TIGRESS_KEYRING_CHANGE_SHARES)
    wallet_share_manager_load_async (self->shares, self->cancellable, on_shares_loaded,
                                     g_object_ref (self));
}

static void
start_services (TigressApplication *self)
{
  self->keyring = wallet_keyring_new ();
  self->vault = wallet_vault_new (self->keyring, self->settings);
  self->store = wallet_store_new (self->vault);
  self->auth = wallet_auth_new (self->vault);
  self->relays = wallet_relays_new (self->settings);
  self->contacts = wallet_contacts_new (self->vault);
  self->shares = wallet_share_manager_new (self->store, self->contacts, self->relays);
  g_signal_connect_object (self->vault, "locked", G_CALLBACK (on_vault_locked), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vault, "unlocked", G_CALLBACK (on_vault_unlocked), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->shares, "share-changed", G_CALLBACK (on_share_changed), self,
                           G_CONNECT_SWAPPED);
  self->keyring_watch = tigress_keyring_watch_new (self->keyring);
  g_signal_connect_object (self->keyring_watch, "changed", G_CALLBACK (on_keyring_changed),
                           self, G_CONNECT_SWAPPED);
}

static void
tigress_application_startup (GApplication *application)
{
  TigressApplication *self = TIGRESS_APPLICATION (application);

  G_APPLICATION_CLASS (tigress_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  for (gsize i = 0; i < G_N_ELEMENTS (shortcut_table); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           shortcut_table[i].action,
                                           shortcut_table[i].accels);

  self->clipboard = tigress_clipboard_new (gdk_display_get_clipboard (gdk_display_get_default ()));
  load_style ();
  start_services (self);
}

static void
tigress_application_shutdown (GApplication *application)
{
  TigressApplication *self = TIGRESS_APPLICATION (application);

  if (self->clipboard != NULL)
    tigress_clipboard_clear_secret (self->clipboard);

  G_APPLICATION_CLASS (tigress_application_parent_class)->shutdown (application);
}

void
tigress_application_set_shares_pending (TigressApplication *self,
                                        gboolean            pending)
{
  g_return_if_fail (TIGRESS_IS_APPLICATION (self));

  pending = !!pending;
  if (self->shares_pending == pending)
    return;

  self->shares_pending = pending;
  if (pending)
    {
      g_application_hold (G_APPLICATION (self));
      if (self->pending_check == 0 && self->shares != NULL)
        self->pending_check = g_timeout_add_seconds (2, recheck_pending, self);
    }
  else
    g_application_release (G_APPLICATION (self));
  if (self->window != NULL)
    gtk_window_set_hide_on_close (GTK_WINDOW (self->window), pending);
}

gboolean
tigress_application_get_shares_pending (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), FALSE);

  return self->shares_pending;
}

static gboolean
window_is_in_front (TigressApplication *self)
{
  return self->window != NULL &&
         gtk_widget_get_visible (GTK_WIDGET (self->window)) &&
         gtk_window_is_active (GTK_WINDOW (self->window));
}

void
tigress_application_notify (TigressApplication *self,
                            const char         *id,
                            const char         *title,
                            const char         *body)
{
  g_autoptr(GNotification) notification = NULL;

  g_return_if_fail (TIGRESS_IS_APPLICATION (self));

  if (window_is_in_front (self))
    return;

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.show-window");
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

WalletVault *
tigress_application_get_vault (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->vault;
}

WalletStore *
tigress_application_get_store (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->store;
}

WalletAuth *
tigress_application_get_auth (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->auth;
}

WalletRelays *
tigress_application_get_relays (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->relays;
}

WalletShareManager *
tigress_application_get_shares (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->shares;
}

TigressKeyringWatch *
tigress_application_get_keyring_watch (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->keyring_watch;
}

WalletContacts *
tigress_application_get_contacts (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->contacts;
}

TigressClipboard *
tigress_application_get_clipboard (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->clipboard;
}

GSettings *
tigress_application_get_settings (TigressApplication *self)
{
  g_return_val_if_fail (TIGRESS_IS_APPLICATION (self), NULL);

  return self->settings;
}

static void
tigress_application_dispose (GObject *object)
{
  TigressApplication *self = TIGRESS_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->pending_check, g_source_remove);
  g_clear_object (&self->clipboard);
  g_clear_object (&self->keyring_watch);
  g_clear_object (&self->shares);
  g_clear_object (&self->contacts);
  g_clear_object (&self->relays);
  g_clear_object (&self->auth);
  g_clear_object (&self->store);
  g_clear_object (&self->vault);
  g_clear_object (&self->keyring);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tigress_application_parent_class)->dispose (object);
}

static void
tigress_application_class_init (TigressApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = tigress_application_dispose;
  app_class->activate = tigress_application_activate;
  app_class->open = tigress_application_open;
  app_class->startup = tigress_application_startup;
  app_class->shutdown = tigress_application_shutdown;
}

static void
tigress_application_init (TigressApplication *self)
{
  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();
}

TigressApplication *
tigress_application_new (void)
{
  return g_object_new (TIGRESS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", RESOURCE_BASE,
                       NULL);
}
