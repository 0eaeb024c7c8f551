/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress relays list | add | remove | default | test */
gboolean  cli_relays_list     (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_relays_add      (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_relays_remove   (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_relays_default  (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);
gboolean  cli_relays_test     (CliContext  *context,
                               int          argc,
                               char       **argv,
                               GError     **error);

G_END_DECLS
