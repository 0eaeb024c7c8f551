/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-commands.h"

#include <glib/gi18n.h>

static const CliCommand commands[] = {
  { NULL, NULL, NULL, NULL, NULL }
};

const CliCommand *
cli_commands_get_all (void)
{
  return commands;
}
