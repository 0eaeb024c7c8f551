/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-relays.h"

#include <glib/gi18n.h>
#include <string.h>

#define KEY_TRUSTED "trusted-relays"
#define KEY_DEFAULT "default-relay"
#define TIGRESS_PREFIX "tigress:"

struct _WalletRelays
{
  GObject    parent_instance;

  GSettings *settings;
};

G_DEFINE_TYPE (WalletRelays, wallet_relays, G_TYPE_OBJECT)

G_DEFINE_QUARK (wallet-relays-error-quark, wallet_relays_error)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ */
/* Normalising                                                         */
/* ------------------------------------------------------------------ */

static gboolean
host_is_loopback (const char *host)
{
  return g_str_equal (host, "localhost") || g_str_equal (host, "::1") ||
         g_str_has_prefix (host, "127.");
}

static char *
bad_url (GError **error)
{
  g_set_error_literal (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_BAD_URL,
                       _("This is not the address of a relay. Write it like "
                         "relay.example.org or https://relay.example.org."));
  return NULL;
}

static gboolean
host_is_sane (const char *host)
{
  if (host == NULL || host[0] == '\0' || strlen (host) > 253)
    return FALSE;
  for (const char *c = host; *c != '\0'; c++)
    {
      if (!g_ascii_isalnum (*c) && strchr ("-.:", *c) == NULL)
        return FALSE;
    }
  return TRUE;
}

char *
wallet_relay_normalise_url (const char  *url,
                            GError     **error)
{
  g_autofree char *full = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  int port;

  if (url == NULL || url[0] == '\0' || strpbrk (url, " \t\r\n") != NULL)
    return bad_url (error);
  if (g_ascii_strncasecmp (url, TIGRESS_PREFIX, strlen (TIGRESS_PREFIX)) == 0)
    url += strlen (TIGRESS_PREFIX);
  full = strstr (url, "://") != NULL ? g_strdup (url) : g_strconcat ("https://", url, NULL);

  uri = g_uri_parse (full, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_userinfo (uri) != NULL)
    return bad_url (error);
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_uri_get_host (uri) != NULL ? g_ascii_strdown (g_uri_get_host (uri), -1) : NULL;
  if ((!g_str_equal (scheme, "https") && !g_str_equal (scheme, "http")) || !host_is_sane (host))
    return bad_url (error);
  if (g_str_equal (scheme, "http") && !host_is_loopback (host))
    {
      g_set_error_literal (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_INSECURE,
                           _("A relay on another machine must use https. Plain http is "
                             "only for a relay on this computer."));
      return NULL;
    }

  port = g_uri_get_port (uri);
  if ((g_str_equal (scheme, "https") && port == 443) ||
      (g_str_equal (scheme, "http") && port == 80))
    port = -1;
  if (strchr (host, ':') != NULL)
    {
      /* An IPv6 literal keeps its brackets in a URL. */
      g_autofree char *bracketed = g_strdup_printf ("[%s]", host);

      g_free (host);
      host = g_steal_pointer (&bracketed);
    }
  if (port > 0)
    return g_strdup_printf ("%s://%s:%d", scheme, host, port);
  return g_strdup_printf ("%s://%s", scheme, host);
}

GSettings *
wallet_settings_new (void)
{
  return g_settings_new (APP_ID);
}

/* dconf writes through its service on the session bus; without a bus, or
 * with no such service, it keeps a change in memory and drops it when the
 * process ends, without an error. */
static gboolean
dconf_writer_is_reachable (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **names = NULL;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &names);
  return g_strv_contains (names, "ca.desrt.dconf");
}

gboolean
wallet_settings_are_kept (GSettings *settings)
{
  g_autoptr(GObject) backend = NULL;
  const char *backend_type;

  g_object_get (settings, "backend", &backend, NULL);
  backend_type = G_OBJECT_TYPE_NAME (backend);
  if (g_str_equal (backend_type, "GMemorySettingsBackend") ||
      g_str_equal (backend_type, "GNullSettingsBackend"))
    return FALSE;
  if (g_str_equal (backend_type, "DConfSettingsBackend"))
    return dconf_writer_is_reachable ();
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The list                                                            */
/* ------------------------------------------------------------------ */

static void
on_settings_changed (GSettings  *settings,
                     const char *key,
                     gpointer    user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CHANGED], 0);
}

static void
wallet_relays_dispose (GObject *object)
{
  WalletRelays *self = WALLET_RELAYS (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (wallet_relays_parent_class)->dispose (object);
}

static void
wallet_relays_class_init (WalletRelaysClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wallet_relays_dispose;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
wallet_relays_init (WalletRelays *self)
{
}

WalletRelays *
wallet_relays_new (GSettings *settings)
{
  WalletRelays *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WALLET_TYPE_RELAYS, NULL);
  self->settings = g_object_ref (settings);
  g_signal_connect (settings, "changed::" KEY_TRUSTED, G_CALLBACK (on_settings_changed), self);
  g_signal_connect (settings, "changed::" KEY_DEFAULT, G_CALLBACK (on_settings_changed), self);
  return self;
}

/* Entries may have been written by hand (gsettings set): compare them in
 * their normal form too. */
static int
find (GStrv       trusted,
      const char *normalised)
{
  for (guint i = 0; trusted[i] != NULL; i++)
    {
      g_autofree char *entry = wallet_relay_normalise_url (trusted[i], NULL);

      if (g_strcmp0 (entry, normalised) == 0)
        return (int) i;
    }
  return -1;
}

GStrv
wallet_relays_get_trusted (WalletRelays *self)
{
  g_auto(GStrv) stored = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (WALLET_IS_RELAYS (self), NULL);

  stored = g_settings_get_strv (self->settings, KEY_TRUSTED);
  for (guint i = 0; stored[i] != NULL; i++)
    {
      g_autofree char *entry = wallet_relay_normalise_url (stored[i], NULL);

      if (entry != NULL)
        g_strv_builder_add (builder, entry);
    }
  return g_strv_builder_end (builder);
}

gboolean
wallet_relays_add (WalletRelays  *self,
                   const char    *url,
                   GError       **error)
{
  g_autofree char *normalised = wallet_relay_normalise_url (url, error);
  g_auto(GStrv) trusted = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_val_if_fail (WALLET_IS_RELAYS (self), FALSE);

  if (normalised == NULL)
    return FALSE;
  trusted = g_settings_get_strv (self->settings, KEY_TRUSTED);
  if (find (trusted, normalised) >= 0)
    return TRUE;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) trusted);
  g_strv_builder_add (builder, normalised);
  updated = g_strv_builder_end (builder);
  return g_settings_set_strv (self->settings, KEY_TRUSTED, (const char * const *) updated);
}

gboolean
wallet_relays_remove (WalletRelays  *self,
                      const char    *url,
                      GError       **error)
{
  g_autofree char *normalised = wallet_relay_normalise_url (url, error);
  g_autofree char *default_relay = NULL;
  g_autofree char *stored_default = NULL;
  g_auto(GStrv) trusted = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;
  int position;

  g_return_val_if_fail (WALLET_IS_RELAYS (self), FALSE);

  if (normalised == NULL)
    return FALSE;
  trusted = g_settings_get_strv (self->settings, KEY_TRUSTED);
  position = find (trusted, normalised);
  if (position < 0)
    {
      g_set_error (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_NOT_FOUND,
                   _("%s is not on your list of trusted relays."), normalised);
      return FALSE;
    }

  builder = g_strv_builder_new ();
  for (int i = 0; trusted[i] != NULL; i++)
    {
      if (i != position)
        g_strv_builder_add (builder, trusted[i]);
    }
  updated = g_strv_builder_end (builder);
  stored_default = g_settings_get_string (self->settings, KEY_DEFAULT);
  default_relay = wallet_relay_normalise_url (stored_default, NULL);
  if (g_strcmp0 (default_relay, normalised) == 0)
    g_settings_set_string (self->settings, KEY_DEFAULT, "");
  return g_settings_set_strv (self->settings, KEY_TRUSTED, (const char * const *) updated);
}

char *
wallet_relays_get_default (WalletRelays *self)
{
  g_autofree char *stored = NULL;
  g_autofree char *chosen = NULL;
  g_auto(GStrv) trusted = NULL;

  g_return_val_if_fail (WALLET_IS_RELAYS (self), NULL);

  stored = g_settings_get_string (self->settings, KEY_DEFAULT);
  chosen = stored[0] != '\0' ? wallet_relay_normalise_url (stored, NULL) : NULL;
  if (chosen != NULL)
    return g_steal_pointer (&chosen);
  trusted = wallet_relays_get_trusted (self);
  return g_strdup (trusted[0]);
}

gboolean
wallet_relays_set_default (WalletRelays  *self,
                           const char    *url,
                           GError       **error)
{
  g_autofree char *normalised = NULL;

  g_return_val_if_fail (WALLET_IS_RELAYS (self), FALSE);

  if (url == NULL)
    return g_settings_set_string (self->settings, KEY_DEFAULT, "");
  normalised = wallet_relay_normalise_url (url, error);
  if (normalised == NULL)
    return FALSE;
  if (!wallet_relays_is_trusted (self, normalised))
    {
      g_set_error (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_NOT_TRUSTED,
                   _("Add %s to your trusted relays before making it the default."),
                   normalised);
      return FALSE;
    }
  return g_settings_set_string (self->settings, KEY_DEFAULT, normalised);
}

gboolean
wallet_relays_is_trusted (WalletRelays *self,
                          const char   *url)
{
  g_autofree char *normalised = NULL;
  g_auto(GStrv) trusted = NULL;

  g_return_val_if_fail (WALLET_IS_RELAYS (self), FALSE);

  normalised = wallet_relay_normalise_url (url, NULL);
  if (normalised == NULL)
    return FALSE;
  trusted = g_settings_get_strv (self->settings, KEY_TRUSTED);
  return find (trusted, normalised) >= 0;
}

gboolean
wallet_relays_is_link_trusted (WalletRelays *self,
                               const TwLink *link)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (WALLET_IS_RELAYS (self), FALSE);
  g_return_val_if_fail (link != NULL, FALSE);

  base = tw_link_get_relay_base (link);
  return wallet_relays_is_trusted (self, base);
}
