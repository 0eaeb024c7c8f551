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

/* The rights in @mask by the names --rights takes ("unlock, trunk"); bits
 * without a name as their number. */
char     *cli_key_describe_rights (guint32      mask);

G_END_DECLS
