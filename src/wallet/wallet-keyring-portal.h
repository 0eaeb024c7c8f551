/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wallet-keyring.h"
#include "wallet-keyring-backend.h"

G_BEGIN_DECLS

/*
 * WalletKeyringPortal: WalletKeyring's second backend, for the Flatpak
 * sandbox, where the app may not talk to org.freedesktop.secrets.
 *
 * It goes through libsecret's backend-aware password API. Inside Flatpak
 * libsecret picks its file backend: one file, keyrings/default.keyring in
 * the app's data folder, encrypted with a master secret that the Secret
 * portal (org.freedesktop.portal.Secret) hands to this app only. What we
 * put in it is sealed already (wallet_vault_seal()), so a secret is under
 * two layers: libsecret's file encryption and our data key.
 *
 * Before the first call it asks the portal for its version, so a missing
 * or too old portal is a clear WALLET_KEYRING_ERROR_NO_PORTAL instead of
 * libsecret quietly falling back to a Secret Service the sandbox hides.
 *
 * WalletKeyring owns one and hands it its calls; the tasks it makes have
 * the WalletKeyring as source object, so wallet_keyring_*_finish() work
 * unchanged. Not for direct use.
 */

#define WALLET_TYPE_KEYRING_PORTAL (wallet_keyring_portal_get_type ())
G_DECLARE_FINAL_TYPE (WalletKeyringPortal, wallet_keyring_portal, WALLET, KEYRING_PORTAL, GObject)

WalletKeyringPortal  *wallet_keyring_portal_new          (gboolean              sandboxed);

/* In milliseconds; applies to calls started afterwards. */
void                  wallet_keyring_portal_set_timeout  (WalletKeyringPortal  *self,
                                                          guint                 timeout_ms);

/* Runs @request as wallet_keyring_store_async() and friends do; @owner is
 * the WalletKeyring whose *_finish() reads the result. */
void                  wallet_keyring_portal_call_async   (WalletKeyringPortal        *self,
                                                          gpointer                    owner,
                                                          const WalletKeyringRequest *request,
                                                          GCancellable               *cancellable,
                                                          GAsyncReadyCallback         callback,
                                                          gpointer                    user_data);

/* Turns an error from libsecret's file backend or from the portal into a
 * WALLET_KEYRING_ERROR with a message for people. For the backend and its
 * tests. */
GError               *wallet_keyring_portal_error_from_raw (const GError       *raw);

G_END_DECLS
