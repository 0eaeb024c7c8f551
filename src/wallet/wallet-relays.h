/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include "tw-link.h"

G_BEGIN_DECLS

/*
 * WalletRelays: the relays this wallet uses without asking, from the
 * settings keys "trusted-relays" and "default-relay".
 *
 * Relays are kept as normalised base URLs: scheme and host in lower case,
 * a default port dropped, no user info, path, query or fragment
 * ("https://relay.example.org", "http://127.0.0.1:8080"). Plain http is
 * accepted only for loopback hosts. A link through a relay not on the list
 * is shown with a warning and needs an explicit choice.
 *
 * "changed" is emitted when either key changes, from here or elsewhere.
 */

#define WALLET_TYPE_RELAYS (wallet_relays_get_type ())
G_DECLARE_FINAL_TYPE (WalletRelays, wallet_relays, WALLET, RELAYS, GObject)

#define WALLET_RELAYS_ERROR (wallet_relays_error_quark ())

typedef enum {
  WALLET_RELAYS_ERROR_BAD_URL,      /* not an http(s) address of a host */
  WALLET_RELAYS_ERROR_INSECURE,     /* http to a host that is not this machine */
  WALLET_RELAYS_ERROR_NOT_TRUSTED,  /* default-relay set to a relay not on the list */
  WALLET_RELAYS_ERROR_NOT_FOUND,    /* removing a relay that is not on the list */
} WalletRelaysError;

GQuark         wallet_relays_error_quark    (void);

/* The normalised base URL of @url, which may be a base URL, any URL on the
 * relay (a share link, with or without "tigress:") or a bare host name
 * ("relay.example.org" means https). */
char          *wallet_relay_normalise_url   (const char     *url,
                                             GError        **error);

/* A GSettings object of the wallet's schema (APP_ID). */
GSettings     *wallet_settings_new          (void);

/* Whether a change to @settings outlives this process. FALSE when GIO
 * fell back to keeping settings in memory, or when dconf cannot reach its
 * service (no session bus): the change is then silently forgotten when
 * the process ends. May ask the session bus, so call it only before a
 * change. */
gboolean       wallet_settings_are_kept     (GSettings      *settings);

WalletRelays  *wallet_relays_new            (GSettings      *settings);

/* The trusted relays, normalised, in the order the user added them. */
GStrv          wallet_relays_get_trusted    (WalletRelays   *self);

/* Adds @url (normalised) at the end; adding a relay that is there already
 * succeeds and changes nothing. */
gboolean       wallet_relays_add            (WalletRelays   *self,
                                             const char     *url,
                                             GError        **error);
/* Removes it; if it was the default relay, the default is cleared. */
gboolean       wallet_relays_remove         (WalletRelays   *self,
                                             const char     *url,
                                             GError        **error);

/* "default-relay" when set, else the first trusted relay, else NULL. */
char          *wallet_relays_get_default    (WalletRelays   *self);
/* @url must be trusted (NOT_TRUSTED otherwise); NULL clears the choice. */
gboolean       wallet_relays_set_default    (WalletRelays   *self,
                                             const char     *url,
                                             GError        **error);

/* Whether the relay of @url (any form wallet_relay_normalise_url()
 * accepts) is on the list. FALSE for text that is not a relay URL. */
gboolean       wallet_relays_is_trusted     (WalletRelays   *self,
                                             const char     *url);
/* Whether the relay of a parsed share link is on the list. */
gboolean       wallet_relays_is_link_trusted (WalletRelays  *self,
                                             const TwLink   *link);

G_END_DECLS
