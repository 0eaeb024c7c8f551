/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress wifi import | export */
gboolean  cli_wifi_import  (CliContext  *context,
                            int          argc,
                            char       **argv,
                            GError     **error);
gboolean  cli_wifi_export  (CliContext  *context,
                            int          argc,
                            char       **argv,
                            GError     **error);

G_END_DECLS
