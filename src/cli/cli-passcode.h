/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress passcode set | passcode change | unlock | status */
gboolean  cli_passcode_set     (CliContext  *context,
                                int          argc,
                                char       **argv,
                                GError     **error);
gboolean  cli_passcode_change  (CliContext  *context,
                                int          argc,
                                char       **argv,
                                GError     **error);
gboolean  cli_passcode_unlock  (CliContext  *context,
                                int          argc,
                                char       **argv,
                                GError     **error);
gboolean  cli_passcode_status  (CliContext  *context,
                                int          argc,
                                char       **argv,
                                GError     **error);

G_END_DECLS
