/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tw-link.h"
#include "wallet-share.h"

G_BEGIN_DECLS

/*
 * The share manager's side of WalletShare: only the manager and its
 * runners change a share. Every setter notifies only on a real change.
 */

WalletShare *wallet_share_new                     (const char           *id,
                                                   WalletShareDirection  direction,
                                                   GDateTime            *created);

void         wallet_share_set_share_id            (WalletShare          *self,
                                                   const char           *share_id);
void         wallet_share_set_mailbox_id          (WalletShare          *self,
                                                   const char           *mailbox_id);
void         wallet_share_set_flow                (WalletShare          *self,
                                                   WalletShareFlow       flow);
void         wallet_share_set_state               (WalletShare          *self,
                                                   WalletShareState      state);
void         wallet_share_set_title               (WalletShare          *self,
                                                   const char           *title);
void         wallet_share_set_credential_type     (WalletShare          *self,
                                                   WalletCredentialType  type);
void         wallet_share_set_credential_id       (WalletShare          *self,
                                                   const char           *credential_id);
void         wallet_share_set_relay               (WalletShare          *self,
                                                   const char           *relay,
                                                   gboolean              trusted);
void         wallet_share_set_sender              (WalletShare          *self,
                                                   gboolean              verified,
                                                   const char           *name);
void         wallet_share_set_from_other_app      (WalletShare          *self,
                                                   gboolean              from_other_app);
void         wallet_share_set_tries_left          (WalletShare          *self,
                                                   guint                 tries_left);
/* @expiration: Unix seconds by the relay's clock (0: unknown);
 * @clock_offset: the relay's clock minus ours, in seconds. */
void         wallet_share_set_expiration          (WalletShare          *self,
                                                   gint64                expiration,
                                                   gint64                clock_offset);
gint64       wallet_share_get_expiration_unix     (WalletShare          *self);
gint64       wallet_share_get_clock_offset        (WalletShare          *self);
void         wallet_share_set_opened_on_several_devices (WalletShare    *self);
/* Takes a copy; NULL clears. */
void         wallet_share_set_error               (WalletShare          *self,
                                                   const GError         *error);
void         wallet_share_set_has_pin             (WalletShare          *self,
                                                   gboolean              has_pin);
void         wallet_share_set_pin_revealed        (WalletShare          *self,
                                                   gboolean              revealed);
/* Outgoing: the link with its key (a reference is taken); NULL drops it. */
void         wallet_share_set_link                (WalletShare          *self,
                                                   TwLink               *link);
/* Transfer none. */
TwLink      *wallet_share_get_link                (WalletShare          *self);

WalletShareState wallet_share_state_from_string   (const char           *name);

/* The protocol names formats with lower-case letters, digits, "-" and "."
 * only, while the wallet's own formats are "tigress/<type>": on the wire
 * they travel as "tigress.<type>". Other formats pass unchanged. */
char        *wallet_share_format_to_wire          (const char           *format);
char        *wallet_share_format_from_wire        (const char           *format);

G_END_DECLS
