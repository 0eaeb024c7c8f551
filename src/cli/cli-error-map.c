/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-error-map.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "tw-link.h"
#include "tw-relay-error.h"
#include "wallet-auth-proof.h"
#include "wallet-contacts.h"
#include "wallet-credential.h"
#include "wallet-keyring.h"
#include "wallet-relays.h"
#include "wallet-share.h"
#include "wallet-vault.h"
#include "wallet-wifi.h"

typedef struct {
  GIOErrorEnum code;
  CliExit exit_code;
} GioExit;

/* GIO errors that can reach the top of a command and mean something more
 * precise than "failure". A table, because -Wswitch-enum would want all of
 * GIO's codes listed. */
static const GioExit gio_exits[] = {
  { G_IO_ERROR_CANCELLED,            CLI_EXIT_INTERRUPTED },
  { G_IO_ERROR_NOT_FOUND,            CLI_EXIT_NOT_FOUND },
  { G_IO_ERROR_INVALID_ARGUMENT,     CLI_EXIT_USAGE },
  { G_IO_ERROR_INVALID_DATA,         CLI_EXIT_USAGE },
  { G_IO_ERROR_CONNECTION_REFUSED,   CLI_EXIT_RELAY },
  { G_IO_ERROR_HOST_NOT_FOUND,       CLI_EXIT_RELAY },
  { G_IO_ERROR_HOST_UNREACHABLE,     CLI_EXIT_RELAY },
  { G_IO_ERROR_NETWORK_UNREACHABLE,  CLI_EXIT_RELAY },
  { G_IO_ERROR_CONNECTION_CLOSED,    CLI_EXIT_RELAY },
  { G_IO_ERROR_DBUS_ERROR,           CLI_EXIT_KEYRING },
};

static CliExit
exit_for_gio_error (const GError *error)
{
  if (error->domain == G_OPTION_ERROR)
    return CLI_EXIT_USAGE;
  if (error->domain != G_IO_ERROR)
    return CLI_EXIT_FAILURE;

  for (gsize i = 0; i < G_N_ELEMENTS (gio_exits); i++)
    if (gio_exits[i].code == (GIOErrorEnum) error->code)
      return gio_exits[i].exit_code;
  return CLI_EXIT_FAILURE;
}

/* How errors of the wallet and protocol layers map to exit codes. A code
 * of ANY_CODE covers the rest of its domain; the first match wins. */
#define ANY_CODE -1

typedef struct {
  GQuark (*domain) (void);
  int code;
  CliExit exit_code;
} DomainExit;

static const DomainExit domain_exits[] = {
  { wallet_keyring_error_quark, WALLET_KEYRING_ERROR_NOT_FOUND, CLI_EXIT_NOT_FOUND },
  { wallet_keyring_error_quark, ANY_CODE, CLI_EXIT_KEYRING },

  { wallet_vault_error_quark, WALLET_VAULT_ERROR_WEAK_PASSCODE, CLI_EXIT_USAGE },
  { wallet_vault_error_quark, WALLET_VAULT_ERROR_ALREADY_SET_UP, CLI_EXIT_FAILURE },
  { wallet_vault_error_quark, WALLET_VAULT_ERROR_DAMAGED, CLI_EXIT_FAILURE },
  { wallet_vault_error_quark, WALLET_VAULT_ERROR_NOTHING_TYPED, CLI_EXIT_DECLINED },
  { wallet_vault_error_quark, ANY_CODE, CLI_EXIT_LOCKED },

  { wallet_auth_error_quark, ANY_CODE, CLI_EXIT_LOCKED },

  { wallet_credential_error_quark, WALLET_CREDENTIAL_ERROR_INVALID, CLI_EXIT_USAGE },
  { wallet_credential_error_quark, ANY_CODE, CLI_EXIT_FAILURE },

  { wallet_wifi_error_quark, ANY_CODE, CLI_EXIT_USAGE },

  { wallet_contacts_error_quark, WALLET_CONTACTS_ERROR_NOT_FOUND, CLI_EXIT_NOT_FOUND },
  { wallet_contacts_error_quark, WALLET_CONTACTS_ERROR_NO_IDENTITY, CLI_EXIT_NOT_FOUND },
  { wallet_contacts_error_quark, WALLET_CONTACTS_ERROR_BAD_KEY, CLI_EXIT_USAGE },
  { wallet_contacts_error_quark, WALLET_CONTACTS_ERROR_BAD_NAME, CLI_EXIT_USAGE },
  { wallet_contacts_error_quark, ANY_CODE, CLI_EXIT_FAILURE },

  { wallet_share_error_quark, WALLET_SHARE_ERROR_INVALID_OPTIONS, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_CREDENTIAL_NOT_FOUND, CLI_EXIT_NOT_FOUND },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_NOT_SHAREABLE, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_NO_RELAY, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_RELAY_NOT_TRUSTED, CLI_EXIT_DECLINED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_BAD_LINK, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_KEY_MISSING, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_WRONG_KEY, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_BAD_PIN, CLI_EXIT_USAGE },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_ALREADY_IN_WALLET, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_ACCEPTED_ELSEWHERE, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_ENDED, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_EXPIRED, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_PIN_ATTEMPTS, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_ALTERED, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_PEER_FAULT, CLI_EXIT_SHARE_ENDED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_PIN_HIDDEN, CLI_EXIT_LOCKED },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_RELAY_UNREACHABLE, CLI_EXIT_RELAY },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_RELAY_REFUSED, CLI_EXIT_RELAY },
  { wallet_share_error_quark, WALLET_SHARE_ERROR_STORE_PENDING, CLI_EXIT_KEYRING },
  { wallet_share_error_quark, ANY_CODE, CLI_EXIT_FAILURE },

  { wallet_relays_error_quark, WALLET_RELAYS_ERROR_NOT_FOUND, CLI_EXIT_NOT_FOUND },
  { wallet_relays_error_quark, ANY_CODE, CLI_EXIT_USAGE },

  { tw_link_error_quark, ANY_CODE, CLI_EXIT_USAGE },

  { tw_relay_error_quark, TW_RELAY_ERROR_UNREACHABLE, CLI_EXIT_RELAY },
  { tw_relay_error_quark, TW_RELAY_ERROR_TIMED_OUT, CLI_EXIT_RELAY },
  { tw_relay_error_quark, TW_RELAY_ERROR_TLS_NOT_TRUSTED, CLI_EXIT_RELAY },
  { tw_relay_error_quark, TW_RELAY_ERROR_RATE_LIMITED, CLI_EXIT_RELAY },
  { tw_relay_error_quark, TW_RELAY_ERROR_EXPIRED, CLI_EXIT_SHARE_ENDED },
  { tw_relay_error_quark, TW_RELAY_ERROR_DELETED, CLI_EXIT_SHARE_ENDED },
  { tw_relay_error_quark, TW_RELAY_ERROR_NOT_FOUND, CLI_EXIT_SHARE_ENDED },
  { tw_relay_error_quark, TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE, CLI_EXIT_SHARE_ENDED },
  { tw_relay_error_quark, TW_RELAY_ERROR_UNAUTHORIZED, CLI_EXIT_SHARE_ENDED },
  { tw_relay_error_quark, TW_RELAY_ERROR_CANCELLED, CLI_EXIT_INTERRUPTED },
  { tw_relay_error_quark, TW_RELAY_ERROR_INVALID_URL, CLI_EXIT_USAGE },
  { tw_relay_error_quark, TW_RELAY_ERROR_INSECURE_URL, CLI_EXIT_USAGE },
  { tw_relay_error_quark, ANY_CODE, CLI_EXIT_FAILURE },
};

CliExit
cli_exit_for_error (const GError *error)
{
  if (error == NULL)
    return CLI_EXIT_OK;

  if (error->domain == CLI_ERROR)
    return (CliExit) error->code;

  for (gsize i = 0; i < G_N_ELEMENTS (domain_exits); i++)
    if (error->domain == domain_exits[i].domain ()
        && (domain_exits[i].code == ANY_CODE || domain_exits[i].code == error->code))
      return domain_exits[i].exit_code;

  return exit_for_gio_error (error);
}

/* The relay client's messages are for logs; people get these. NULL keeps
 * the error's own message. */
static char *
describe_relay_error (TwRelayError  code,
                      const char   *host)
{
  switch (code)
    {
    case TW_RELAY_ERROR_UNREACHABLE:
      return g_strdup_printf (_("The relay %s cannot be reached. Check your connection, "
                                "or try again later."), host);
    case TW_RELAY_ERROR_TIMED_OUT:
      return g_strdup_printf (_("The relay %s did not answer in time. Try again later."), host);
    case TW_RELAY_ERROR_TLS_NOT_TRUSTED:
      return g_strdup_printf (_("The relay %s did not prove its identity (its certificate "
                                "is not trusted). Nothing was sent."), host);
    case TW_RELAY_ERROR_RATE_LIMITED:
      return g_strdup_printf (_("The relay %s is busy and asked us to wait. Try again in a "
                                "few minutes."), host);
    case TW_RELAY_ERROR_EXPIRED:
      return g_strdup (_("This share has expired. Ask the sender for a new link."));
    case TW_RELAY_ERROR_DELETED:
      return g_strdup (_("This share was cancelled or already completed."));
    case TW_RELAY_ERROR_NOT_FOUND:
      return g_strdup_printf (_("This share no longer exists on the relay %s: it was "
                                "completed, cancelled or has expired."), host);
    case TW_RELAY_ERROR_CLAIMED_BY_OTHER_DEVICE:
      return g_strdup (_("This share was already opened on another device. Ask the sender "
                         "for a new invitation, and tell them: if that other device was not "
                         "yours, someone else has the link."));
    case TW_RELAY_ERROR_UNAUTHORIZED:
      return g_strdup_printf (_("The relay %s refused this device for this share. The link "
                                "may be incomplete, or the share was opened elsewhere."), host);
    case TW_RELAY_ERROR_CANCELLED:
      return g_strdup (_("Stopped."));
    case TW_RELAY_ERROR_TOO_LARGE:
    case TW_RELAY_ERROR_PRECONDITION_FAILED:
    case TW_RELAY_ERROR_BAD_REQUEST:
    case TW_RELAY_ERROR_RELAY_BUG:
      return g_strdup_printf (_("The relay %s gave an answer this wallet cannot use. "
                                "Try again later or use another relay."), host);
    case TW_RELAY_ERROR_INVALID_URL:
    case TW_RELAY_ERROR_INSECURE_URL:
    case TW_RELAY_ERROR_BAD_CA_FILE:
    default:
      return NULL;
    }
}

const char *
cli_exit_describe (const GError *error)
{
  static char *described = NULL;
  const char *host;

  if (error->domain != TW_RELAY_ERROR)
    return error->message;

  host = tw_relay_error_get_host (error);
  g_free (described);
  described = describe_relay_error ((TwRelayError) error->code,
                                    host != NULL ? host : _("(unknown)"));
  return described != NULL ? described : error->message;
}
