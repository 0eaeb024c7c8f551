/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tw-link.h"

#include "gui-test-util.h"

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
tigress_test_wait_until (TigressTestCondition condition,
                         gpointer             user_data,
                         guint                timeout_ms)
{
  gboolean expired = FALSE;
  guint deadline = g_timeout_add (timeout_ms, on_deadline, &expired);
  gboolean held;

  while (!(held = condition (user_data)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (deadline);
  return held;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

void
tigress_test_run_for (guint ms)
{
  tigress_test_wait_until (never, NULL, ms);
}

GdkTexture *
tigress_test_render_paintable (GdkPaintable *paintable,
                               GtkNative    *native,
                               int           width,
                               int           height)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  graphene_rect_t bounds;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  graphene_rect_init (&bounds, 0, 0, width, height);
  return gsk_renderer_render_texture (gtk_native_get_renderer (native), node, &bounds);
}

void
tigress_test_render_widget_png (GtkWidget  *widget,
                                const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  texture = tigress_test_render_paintable (paintable, gtk_widget_get_native (widget),
                                           width, height);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

GPtrArray *
tigress_test_decode_qr (const char *path)
{
  const char *argv[] = { "zbarimg", "--nodbus", "--quiet", "--raw", "-Sdisable",
                         "-Sqrcode.enable", path, NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *codes = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &output, NULL, &status, &error);
  g_assert_no_error (error);

  /* zbarimg exits 4 when it finds no code; that is an empty answer here. */
  lines = g_strsplit (output ? output : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (codes, g_strdup (lines[i]));
  return codes;
}

static const char *
label_of (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    {
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (widget));

      if (ADW_IS_BUTTON_CONTENT (child))
        return adw_button_content_get_label (ADW_BUTTON_CONTENT (child));
      return gtk_button_get_label (GTK_BUTTON (widget));
    }
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));
  return NULL;
}

GtkWidget *
tigress_test_find_labelled (GtkWidget  *root,
                            GType       type,
                            const char *label)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && g_strcmp0 (label_of (root), label) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tigress_test_find_labelled (child, type, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
tigress_test_find_tooltip_button (GtkWidget  *root,
                                  const char *tooltip)
{
  if (!gtk_widget_get_visible (root))
    return NULL;
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tigress_test_find_tooltip_button (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
tigress_test_click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

void
tigress_test_quiet_gtk_settings (void)
{
  g_object_set (gtk_settings_get_default (),
                "gtk-cursor-blink", FALSE,
                "gtk-enable-animations", FALSE,
                NULL);
}

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/> <arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/> <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/> <arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/> <arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/> <arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/> <arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
on_notification_call (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  GPtrArray *received = user_data;
  static guint32 next_id = 1;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary = NULL, *body = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_variant_get_child (parameters, 4, "&s", &body);
      g_ptr_array_add (received, g_strdup_printf ("%s: %s", summary, body));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", next_id++));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *capabilities[] = { "body", NULL };

      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(^as)", capabilities));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "tigress-test", "tigress",
                                                          "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
name_owned (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

GPtrArray *
tigress_test_start_notification_server (void)
{
  static const GDBusInterfaceVTable vtable = { on_notification_call, NULL, NULL, { 0 } };
  static gboolean owned = FALSE;
  GPtrArray *received = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, received, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE,
                                on_name_acquired, NULL, &owned, NULL);
  g_assert_true (tigress_test_wait_until (name_owned, &owned, 10000));
  return received;
}

/* ------------------------------------------------------------------ */
/* Locking and unlocking the test keyring                             */
/* ------------------------------------------------------------------ */

#define SECRETS_NAME "org.freedesktop.secrets"
#define SECRETS_PATH "/org/freedesktop/secrets"
#define LOGIN_COLLECTION SECRETS_PATH "/collection/login"
/* tests/headless-run creates the login collection with this password. */
#define TEST_KEYRING_PASSWORD "tigress-test-keyring"

static GVariant *
call_secrets (const char         *interface,
              const char         *method,
              GVariant           *parameters,
              const GVariantType *reply_type)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  g_assert_nonnull (bus);
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, SECRETS_PATH, interface, method,
                                       parameters, reply_type, G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  return reply;
}

void
tigress_test_lock_keyring (void)
{
  const char *collection = LOGIN_COLLECTION;
  g_autoptr(GVariant) reply = NULL;

  reply = call_secrets ("org.freedesktop.Secret.Service", "Lock",
                        g_variant_new ("(@ao)", g_variant_new_objv (&collection, 1)),
                        G_VARIANT_TYPE ("(aoo)"));
}

/* gnome-keyring's own interface unlocks without a prompt window, which
 * nobody could answer on Xvfb. The password travels in the clear over
 * the private test bus ("plain" session). */
void
tigress_test_unlock_keyring (void)
{
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *session;
  GVariant *secret;

  opened = call_secrets ("org.freedesktop.Secret.Service", "OpenSession",
                         g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                         G_VARIANT_TYPE ("(vo)"));
  g_variant_get (opened, "(v&o)", NULL, &session);
  secret = g_variant_new ("(o@ay@ays)", session,
                          g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                          g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, TEST_KEYRING_PASSWORD,
                                                     strlen (TEST_KEYRING_PASSWORD), 1),
                          "text/plain");
  reply = call_secrets ("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                        "UnlockWithMasterPassword",
                        g_variant_new ("(o@(oayays))", LOGIN_COLLECTION, secret), NULL);
}

void
tigress_test_assert_scanned_link (const char *scanned,
                                  const char *shown)
{
  const char *scanned_path = strstr (scanned, "/v1/m/");
  const char *shown_path = strstr (shown, "/v1/m/");
  g_autoptr(TwLink) scanned_link = NULL;
  g_autoptr(TwLink) shown_link = NULL;
  g_autofree char *scanned_mailbox = NULL;
  g_autofree char *shown_mailbox = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_ascii_strcasecmp (scanned, shown), ==, 0);
  g_assert_nonnull (shown_path);
  g_assert_nonnull (scanned_path);
  g_assert_true (scanned_path - scanned == shown_path - shown);
  /* Not cmpstr: a failure message would print the key. */
  g_assert_true (g_str_equal (scanned_path, shown_path));

  scanned_link = tw_link_parse (scanned, &error);
  g_assert_no_error (error);
  shown_link = tw_link_parse (shown, &error);
  g_assert_no_error (error);
  scanned_mailbox = tw_link_get_mailbox_url (scanned_link);
  shown_mailbox = tw_link_get_mailbox_url (shown_link);
  g_assert_cmpstr (scanned_mailbox, ==, shown_mailbox);
  g_assert_true (tw_link_equal (scanned_link, shown_link));
}

/* ------------------------------------------------------------------ */
/* A second wallet instance                                           */
/* ------------------------------------------------------------------ */

void
tigress_test_keep_result (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_is_set (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

GAsyncResult *
tigress_test_wait_result (GAsyncResult **result)
{
  g_assert_true (tigress_test_wait_until (result_is_set, result, 60000));
  return *result;
}

TigressTestWallet *
tigress_test_wallet_open (const char *passcode)
{
  TigressTestWallet *wallet = g_new0 (TigressTestWallet, 1);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string (passcode);
  g_autoptr(GAsyncResult) unlocked = NULL;
  g_autoptr(GAsyncResult) loaded = NULL;
  g_autoptr(GAsyncResult) shares_loaded = NULL;
  g_autoptr(GError) error = NULL;

  wallet->keyring = wallet_keyring_new ();
  wallet->vault = wallet_vault_new (wallet->keyring, NULL);
  wallet_vault_unlock_async (wallet->vault, secret, NULL, tigress_test_keep_result, &unlocked);
  g_assert_true (wallet_vault_unlock_finish (wallet->vault, tigress_test_wait_result (&unlocked),
                                             &error));
  g_assert_no_error (error);
  wallet->store = wallet_store_new (wallet->vault);
  wallet_store_load_async (wallet->store, NULL, tigress_test_keep_result, &loaded);
  g_assert_true (wallet_store_load_finish (wallet->store, tigress_test_wait_result (&loaded),
                                           &error));
  g_assert_no_error (error);
  wallet->shares = wallet_share_manager_new (wallet->store, NULL, NULL);
  wallet_share_manager_load_async (wallet->shares, NULL, tigress_test_keep_result,
                                   &shares_loaded);
  g_assert_true (wallet_share_manager_load_finish (wallet->shares,
                                                   tigress_test_wait_result (&shares_loaded),
                                                   &error));
  g_assert_no_error (error);
  wallet->auth = wallet_auth_new (wallet->vault);
  return wallet;
}

void
tigress_test_wallet_free (TigressTestWallet *wallet)
{
  g_clear_object (&wallet->auth);
  g_clear_object (&wallet->shares);
  g_clear_object (&wallet->store);
  g_clear_object (&wallet->vault);
  g_clear_object (&wallet->keyring);
  g_free (wallet);
}

WalletAuthProof *
tigress_test_wallet_proof (TigressTestWallet *wallet,
                           WalletAuthPurpose  purpose,
                           const char        *passcode)
{
  g_autoptr(TwSecret) secret = tw_secret_new_from_string (passcode);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WalletAuthProof *proof;

  wallet_auth_with_passcode_async (wallet->auth, purpose, secret, NULL,
                                   tigress_test_keep_result, &result);
  proof = wallet_auth_with_passcode_finish (wallet->auth, tigress_test_wait_result (&result),
                                            &error);
  g_assert_no_error (error);
  return proof;
}
