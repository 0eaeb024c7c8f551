/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "wallet-keyring.h"

#include "tigress-share-status.h"

static char *
describe_outgoing (WalletShare *share)
{
  switch (wallet_share_get_state (share))
    {
    case WALLET_SHARE_STATE_CONNECTING:
      return g_strdup (_("Contacting the relay…"));
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
      return g_strdup (_("Waiting for the recipient to open the invitation…"));
    case WALLET_SHARE_STATE_OPENED:
      return g_strdup (_("The recipient opened the invitation."));
    case WALLET_SHARE_STATE_PIN_WRONG:
      return g_strdup_printf (ngettext ("The recipient typed a wrong PIN. %u try is left.",
                                        "The recipient typed a wrong PIN. %u tries are left.",
                                        wallet_share_get_tries_left (share)),
                              wallet_share_get_tries_left (share));
    case WALLET_SHARE_STATE_DELIVERING:
      return g_strdup (_("Sent. Waiting for the recipient's wallet to confirm…"));
    case WALLET_SHARE_STATE_DELIVERED:
      return g_strdup (_("Done: the recipient has it now."));
    case WALLET_SHARE_STATE_DECLINED:
      return g_strdup (_("The recipient declined."));
    case WALLET_SHARE_STATE_CANCELLED:
      return g_strdup (_("Cancelled. The link no longer works."));
    case WALLET_SHARE_STATE_EXPIRED:
      return g_strdup (_("The invitation expired. Share again if it is still needed."));
    case WALLET_SHARE_STATE_NEW:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
    case WALLET_SHARE_STATE_STORING:
    case WALLET_SHARE_STATE_RECEIVED:
    case WALLET_SHARE_STATE_FAILED:
    default:
      return g_strdup (wallet_share_state_get_label (wallet_share_get_state (share)));
    }
}

static char *
describe_incoming (WalletShare *share)
{
  switch (wallet_share_get_state (share))
    {
    case WALLET_SHARE_STATE_NEW:
      return g_strdup (_("Not opened yet."));
    case WALLET_SHARE_STATE_CONNECTING:
      return g_strdup (_("Opening the invitation…"));
    case WALLET_SHARE_STATE_OPENED:
      return g_strdup (_("Opened. Save it or discard it."));
    case WALLET_SHARE_STATE_WAITING_FOR_PIN:
      return g_strdup (_("Type the PIN the sender gave you."));
    case WALLET_SHARE_STATE_PIN_WRONG:
      return g_strdup_printf (ngettext ("Wrong PIN. %u try is left.",
                                        "Wrong PIN. %u tries are left.",
                                        wallet_share_get_tries_left (share)),
                              wallet_share_get_tries_left (share));
    case WALLET_SHARE_STATE_WAITING_FOR_SENDER:
      return g_strdup (_("Waiting for the sender's wallet to answer…"));
    case WALLET_SHARE_STATE_STORING:
      return g_strdup (_("Saving in the wallet…"));
    case WALLET_SHARE_STATE_RECEIVED:
      return g_strdup (_("Saved in your wallet."));
    case WALLET_SHARE_STATE_DECLINED:
      return g_strdup (_("Declined."));
    case WALLET_SHARE_STATE_CANCELLED:
      /* With the next step, as tigress says it (QA H9). */
      return g_strdup (_("The sender cancelled this share. Ask them to share it again if you "
                         "still need it."));
    case WALLET_SHARE_STATE_EXPIRED:
      return g_strdup (_("The invitation expired. Ask the sender to share again."));
    case WALLET_SHARE_STATE_WAITING_FOR_RECIPIENT:
    case WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES:
    case WALLET_SHARE_STATE_DELIVERING:
    case WALLET_SHARE_STATE_DELIVERED:
    case WALLET_SHARE_STATE_FAILED:
    default:
      return g_strdup (wallet_share_state_get_label (wallet_share_get_state (share)));
    }
}

char *
tigress_share_describe_state (WalletShare *share)
{
  const GError *error = wallet_share_get_error (share);
  g_autofree char *state = NULL;

  g_return_val_if_fail (WALLET_IS_SHARE (share), NULL);

  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_OPENED_ON_SEVERAL_DEVICES)
    return g_strdup (_("Opened on more than one device: treat this credential as exposed "
                       "and change it."));
  if (wallet_share_get_state (share) == WALLET_SHARE_STATE_FAILED && error != NULL)
    return g_strdup (error->message);

  state = wallet_share_get_direction (share) == WALLET_SHARE_OUTGOING
          ? describe_outgoing (share) : describe_incoming (share);
  /* A share that retries says why it is stuck. */
  if (error != NULL && !wallet_share_is_final (share))
    return g_strdup_printf ("%s %s", state, error->message);
  return g_steal_pointer (&state);
}

const char *
tigress_share_failure_title (WalletShare  *share,
                             const GError *error)
{
  /* Only a recipient that opened the invitation hears why it ended; one
   * that never opened it sees the mailbox gone, whatever the reason. */
  if (share != NULL && wallet_share_get_state (share) == WALLET_SHARE_STATE_CANCELLED)
    return wallet_share_get_direction (share) == WALLET_SHARE_INCOMING
           ? _("Cancelled by the Sender") : _("Share Cancelled");
  if (share != NULL && wallet_share_get_state (share) == WALLET_SHARE_STATE_EXPIRED)
    return _("The Invitation Expired");
  if (error == NULL)
    return _("The Share Stopped");
  if (error->domain == WALLET_KEYRING_ERROR)
    return _("The Keyring Is Not Available");
  if (error->domain != WALLET_SHARE_ERROR)
    return _("The Share Stopped");

  switch ((WalletShareError) error->code)
    {
    case WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE:
      return _("Already Accepted on Another Device");
    case WALLET_SHARE_ERROR_ENDED:
      return _("This Invitation Has Ended");
    case WALLET_SHARE_ERROR_EXPIRED:
      return _("The Invitation Expired");
    case WALLET_SHARE_ERROR_RELAY_UNREACHABLE:
      return _("Cannot Reach the Relay");
    case WALLET_SHARE_ERROR_ALREADY_IN_WALLET:
      return _("Already in Your Wallet");
    case WALLET_SHARE_ERROR_PIN_ATTEMPTS:
      return _("Too Many Wrong PINs");
    case WALLET_SHARE_ERROR_ALTERED:
      return _("The Invitation Was Altered");
    case WALLET_SHARE_ERROR_BAD_LINK:
    case WALLET_SHARE_ERROR_KEY_MISSING:
      return _("This Is Not a Working Link");
    case WALLET_SHARE_ERROR_WRONG_STATE:
      return _("This Invitation Cannot Be Opened Here");
    case WALLET_SHARE_ERROR_WRONG_KEY:
      return _("The Code Does Not Fit This Link");
    case WALLET_SHARE_ERROR_FAILED:
    case WALLET_SHARE_ERROR_INVALID_OPTIONS:
    case WALLET_SHARE_ERROR_CREDENTIAL_NOT_FOUND:
    case WALLET_SHARE_ERROR_NOT_SHAREABLE:
    case WALLET_SHARE_ERROR_NO_RELAY:
    case WALLET_SHARE_ERROR_RELAY_NOT_TRUSTED:
    case WALLET_SHARE_ERROR_BAD_PIN:
    case WALLET_SHARE_ERROR_PIN_HIDDEN:
    case WALLET_SHARE_ERROR_STILL_ACTIVE:
    case WALLET_SHARE_ERROR_RELAY_REFUSED:
    case WALLET_SHARE_ERROR_UNSUPPORTED:
    case WALLET_SHARE_ERROR_PEER_FAULT:
    case WALLET_SHARE_ERROR_STORE_PENDING:
    default:
      return _("The Share Stopped");
    }
}

gboolean
tigress_share_failure_is_retryable (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == WALLET_KEYRING_ERROR)
    return TRUE;
  return g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_RELAY_UNREACHABLE) ||
         g_error_matches (error, WALLET_SHARE_ERROR, WALLET_SHARE_ERROR_STORE_PENDING);
}
