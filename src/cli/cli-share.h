/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress share ID: start sharing a credential. */
gboolean  cli_share_send     (CliContext  *context,
                              int          argc,
                              char       **argv,
                              GError     **error);

/* tigress receive [LINK]: open a share someone sent. */
gboolean  cli_share_receive  (CliContext  *context,
                              int          argc,
                              char       **argv,
                              GError     **error);

G_END_DECLS
