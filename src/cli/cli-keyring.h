/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress keyring migrate --from service|portal */
gboolean  cli_keyring_migrate  (CliContext  *context,
                                int          argc,
                                char       **argv,
                                GError     **error);

G_END_DECLS
