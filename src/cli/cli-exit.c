/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-exit.h"

G_DEFINE_QUARK (tigress-cli-error-quark, cli_error)

const char *
cli_exit_get_name (CliExit code)
{
  switch (code)
    {
    case CLI_EXIT_OK:          return "ok";
    case CLI_EXIT_FAILURE:     return "failure";
    case CLI_EXIT_USAGE:       return "usage";
    case CLI_EXIT_LOCKED:      return "locked";
    case CLI_EXIT_KEYRING:     return "keyring-unavailable";
    case CLI_EXIT_RELAY:       return "relay-unreachable";
    case CLI_EXIT_SHARE_ENDED: return "share-ended";
    case CLI_EXIT_NOT_FOUND:   return "not-found";
    case CLI_EXIT_DECLINED:    return "declined";
    case CLI_EXIT_PENDING:     return "pending";
    case CLI_EXIT_KEY_REFUSED: return "key-refused";
    case CLI_EXIT_INTERRUPTED: return "interrupted";
    default:                   return "failure";
    }
}
