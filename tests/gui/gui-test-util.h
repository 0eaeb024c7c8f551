/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wallet.h"
#include "wallet-share-manager.h"

G_BEGIN_DECLS

typedef gboolean (*TigressTestCondition) (gpointer user_data);

/* Runs the main context until @condition holds or @timeout_ms passes;
 * returns whether it held. */
gboolean  tigress_test_wait_until         (TigressTestCondition condition,
                                           gpointer             user_data,
                                           guint                timeout_ms);
/* Runs the main context for @ms milliseconds. */
void      tigress_test_run_for            (guint                ms);

/* Renders @widget as it is on screen to a PNG file at @path. */
void      tigress_test_render_widget_png  (GtkWidget           *widget,
                                           const char          *path);
/* Renders a paintable at @width × @height into a texture, using the
 * renderer of @native. */
GdkTexture *tigress_test_render_paintable (GdkPaintable        *paintable,
                                           GtkNative           *native,
                                           int                  width,
                                           int                  height);

/* Every QR code zbarimg finds in the PNG at @path, one per element; an
 * empty array when none. */
GPtrArray *tigress_test_decode_qr         (const char          *path);

/* Asserts that @scanned, the text a QR code gave back, is the link
 * @shown: equal but for the case of the scheme and host (which the code
 * holds upper-cased), exact from the path on, and read by tw_link_parse()
 * as the same mailbox and key. */
void       tigress_test_assert_scanned_link (const char         *scanned,
                                             const char         *shown);

/* The first descendant of @root (itself included) of @type whose label
 * (GtkButton label, AdwButtonContent label or GtkLabel text) is @label;
 * NULL if none. */
GtkWidget *tigress_test_find_labelled     (GtkWidget           *root,
                                           GType                type,
                                           const char          *label);

/* The first visible descendant of @root that is a button with @tooltip
 * (icon buttons are found by the tooltip people see); NULL if none. */
GtkWidget *tigress_test_find_tooltip_button (GtkWidget          *root,
                                             const char         *tooltip);

/* Clicks a button the way a person does: through its "clicked" signal,
 * which also activates its action. */
void       tigress_test_click             (GtkWidget           *button);

/* Settings every GUI test wants: no cursor blinking (on Xvfb without a
 * window manager GTK warns when a blink timeout finds the window without
 * focus), no animations (so pages switch at once). Call after gtk_init(). */
void       tigress_test_quiet_gtk_settings (void);

/* The test sessions have no notification server, so this one stands in:
 * it owns org.freedesktop.Notifications on the session bus and keeps the
 * title and body of each notification it is sent, as "TITLE: BODY"
 * strings in the returned array (owned by the server; lives as long as
 * the process). Call after gtk_init(). */
GPtrArray *tigress_test_start_notification_server (void);

/* Locks the test session's "login" keyring collection, as a person or a
 * restarted keyring daemon would; unlock puts it back without a prompt. */
void       tigress_test_lock_keyring      (void);
void       tigress_test_unlock_keyring    (void);

/* For async calls in tests: keep_result stores a reference to the result
 * in the GAsyncResult * that user_data points to; wait_result runs the
 * main context until it is there (a minute at most) and returns it. */
void          tigress_test_keep_result  (GObject       *source,
                                         GAsyncResult  *result,
                                         gpointer       user_data);
GAsyncResult *tigress_test_wait_result  (GAsyncResult **result);

/* A second wallet instance on the test session's keyring, as the CLI is:
 * its own keyring connection, vault (unlocked with @passcode), store and
 * share manager (both loaded), and re-authentication. */
typedef struct
{
  WalletKeyring *keyring;
  WalletVault *vault;
  WalletStore *store;
  WalletShareManager *shares;
  WalletAuth *auth;
} TigressTestWallet;

TigressTestWallet *tigress_test_wallet_open  (const char        *passcode);
void               tigress_test_wallet_free  (TigressTestWallet *wallet);
/* A proof for @purpose, made with @passcode. */
WalletAuthProof   *tigress_test_wallet_proof (TigressTestWallet *wallet,
                                              WalletAuthPurpose  purpose,
                                              const char        *passcode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TigressTestWallet, tigress_test_wallet_free)

G_END_DECLS
