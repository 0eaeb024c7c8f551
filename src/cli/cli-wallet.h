/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"
#include "wallet-share-manager.h"

G_BEGIN_DECLS

/*
 * The wallet services as a command sees them. A command asks for what it
 * needs; everything is opened once, on first use, and closed with
 * cli_wallet_close() when the command ends.
 *
 * The CLI never leaves the wallet unlocked between commands: a command
 * that needs the data key asks for the passcode (from --passcode-fd, the
 * terminal or standard input), unlocks for its own duration, and locks
 * again when it ends.
 */

/* The vault, loaded (its state known), not unlocked. */
WalletVault     *cli_wallet_get_vault          (CliContext         *context,
                                                GError            **error);

/* The passcode of this command, read once (--passcode-fd, a prompt, or a
 * line of standard input). Transfer none. */
TwSecret        *cli_wallet_read_passcode      (CliContext         *context,
                                                GError            **error);

/* Unlocks the vault with the passcode. Fails with a clear message when no
 * passcode was set up. */
gboolean         cli_wallet_unlock             (CliContext         *context,
                                                GError            **error);

/* The credentials, unlocked and loaded. */
WalletStore     *cli_wallet_get_store          (CliContext         *context,
                                                GError            **error);

/* The identity and pinned contacts, unlocked and loaded. */
WalletContacts  *cli_wallet_get_contacts       (CliContext         *context,
                                                GError            **error);

/* The share manager, unlocked and loaded: loading resumes every unfinished
 * share of this wallet in the background. */
WalletShareManager *cli_wallet_get_share_manager (CliContext      *context,
                                                  GError         **error);

/* The trusted relays (no passcode needed). */
WalletRelays    *cli_wallet_get_relays         (CliContext         *context);

/* The settings of the wallet. */
GSettings       *cli_wallet_get_settings       (CliContext         *context);

/* Re-authentication right before sending or accepting a share: the
 * passcode, checked again by WalletAuth. A passcode typed for this command
 * moments ago counts; an older one is asked for again. */
WalletAuthProof *cli_wallet_confirm_presence   (CliContext         *context,
                                                WalletAuthPurpose   purpose,
                                                GError            **error);

/* Finds a credential by its id, a unique start of its id (at least
 * CLI_WALLET_MIN_ID_PREFIX characters) or its exact title when only one
 * credential has it. CLI_EXIT_NOT_FOUND or CLI_EXIT_USAGE (ambiguous)
 * otherwise. Transfer none. */
#define CLI_WALLET_MIN_ID_PREFIX 4
WalletCredential *cli_wallet_find_credential  (CliContext         *context,
                                                const char         *reference,
                                                GError            **error);

/* Locks the vault, wipes the passcode and drops every service. */
void             cli_wallet_close              (CliContext         *context);

G_END_DECLS
