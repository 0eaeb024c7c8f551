/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-commands.h"

#include <glib/gi18n.h>

#include "cli-contacts.h"
#include "cli-credentials.h"
#include "cli-key.h"
#include "cli-keyring.h"
#include "cli-passcode.h"
#include "cli-relays.h"
#include "cli-share.h"
#include "cli-shares.h"
#include "cli-wifi.h"

static const CliCommand commands[] = {
  { "list", "", N_("List the credentials in the wallet"), NULL, cli_credentials_list },
  { "show", N_("ID"), N_("Show one credential; secrets only with --reveal"),
    N_("ID may be the full id, its first characters, or the exact title."),
    cli_credentials_show },
  { "add", N_("TYPE"), N_("Add a password, wifi network, access-code or digital-key-owner"),
    N_("Secrets are never taken from the command line: they are asked for without echo, "
       "or read as one line of standard input."),
    cli_credentials_add },
  { "remove", N_("ID"), N_("Remove a credential from the wallet"), NULL, cli_credentials_remove },
  { "wifi import", "", N_("Add a Wi-Fi network from WIFI: QR text on standard input"),
    N_("The text holds the network password, so it is read from standard input only."),
    cli_wifi_import },
  { "wifi export", N_("ID"), N_("Print a Wi-Fi network as WIFI: QR text (with --qr, the code)"),
    NULL, cli_wifi_export },
  { "share", N_("ID"), N_("Share a credential: prints the link, the PIN and a QR code"),
    N_("The recipient opens the link with “tigress receive” or the app and types the PIN. "
       "A share with a PIN completes when this wallet answers: keep it running with --wait, "
       "or run “tigress run” later."),
    cli_share_send },
  { "receive", N_("[LINK]"), N_("Open a share someone sent you (the link is read from "
                                "standard input when not given)"),
    N_("Shows what is shared, from whom and through which relay, and asks before accepting. "
       "The link holds its key: giving it on standard input keeps it out of the process "
       "list."),
    cli_share_receive },
  { "shares", "", N_("List shares in progress and finished"), NULL, cli_shares_list },
  { "shares cancel", N_("ID"), N_("Cancel a share you sent, or decline one you opened"), NULL,
    cli_shares_cancel },
  { "shares pin", N_("ID"), N_("Show the PIN of a share you sent again"), NULL, cli_shares_pin },
  { "run", "", N_("Carry pending shares forward until they are done or wait for you"), NULL,
    cli_shares_run },
  { "relays list", "", N_("List the trusted relays"), NULL, cli_relays_list },
  { "relays add", N_("URL"), N_("Trust a relay"), NULL, cli_relays_add },
  { "relays remove", N_("URL"), N_("Stop trusting a relay"), NULL, cli_relays_remove },
  { "relays default", N_("URL"), N_("Choose the trusted relay for new shares"), NULL,
    cli_relays_default },
  { "relays test", N_("[URL]"), N_("Check that a relay answers (default: the default relay)"),
    NULL, cli_relays_test },
  { "passcode set", "", N_("Set the wallet passcode on first use"), NULL, cli_passcode_set },
  { "passcode change", "", N_("Change the wallet passcode"), NULL, cli_passcode_change },
  { "unlock", "", N_("Check the passcode (nothing stays unlocked after a command)"), NULL,
    cli_passcode_unlock },
  { "status", "", N_("Say whether a passcode is set and how many wrong tries were made"), NULL,
    cli_passcode_status },
  { "contacts fingerprint", "", N_("Show this wallet's fingerprint and public key"), NULL,
    cli_contacts_fingerprint },
  { "contacts pin", N_("NAME KEY"), N_("Pin a contact's public key after comparing fingerprints"),
    NULL, cli_contacts_pin },
  { "contacts list", "", N_("List pinned contacts"), NULL, cli_contacts_list },
  { "contacts remove", N_("ID"), N_("Unpin a contact"), NULL, cli_contacts_remove },
  { "key verify", N_("KEY"), N_("Act as a lock: challenge a digital key and check its answer"),
    N_("Describe the lock with --lock OWNER (an owner identity in this wallet) or with "
       "--owner-key and --resource-id. Exit code 0 means the lock opens; 10 means it "
       "refused the key, and the message says why."),
    cli_key_verify },
  { "keyring migrate", "", N_("Copy the wallet from the other keyring (--from service or "
                              "portal)"),
    N_("For moving between the native app (the desktop keyring) and the Flatpak (its own "
       "keyring file): copies every Tigress Wallet item as it is stored, sealed, so no "
       "passcode is asked and no secret is shown. Items already there are left alone, so "
       "running it again is harmless; nothing is removed from the other keyring."),
    cli_keyring_migrate },
  { NULL, NULL, NULL, NULL, NULL }
};

const CliCommand *
cli_commands_get_all (void)
{
  return commands;
}
