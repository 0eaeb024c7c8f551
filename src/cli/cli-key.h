/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress key verify: this program plays a lock and challenges a digital
 * key held in the wallet, as a real lock would. */
gboolean  cli_key_verify  (CliContext  *context,
                           int          argc,
                           char       **argv,
                           GError     **error);

G_END_DECLS
