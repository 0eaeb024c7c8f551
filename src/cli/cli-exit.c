/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-exit.h"

#include <gio/gio.h>

G_DEFINE_QUARK (tigress-cli-error-quark, cli_error)

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

CliExit
cli_exit_for_error (const GError *error)
{
  if (error == NULL)
    return CLI_EXIT_OK;

  if (error->domain == CLI_ERROR)
    return (CliExit) error->code;

  return exit_for_gio_error (error);
}

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
