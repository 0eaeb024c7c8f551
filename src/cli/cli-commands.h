/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* Every subcommand of `tigress`, in the order --help lists them; the last
 * entry has a NULL name. */
const CliCommand *cli_commands_get_all (void);

G_END_DECLS
