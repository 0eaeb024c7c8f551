/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"

G_BEGIN_DECLS

/* tigress contacts fingerprint | pin | list | remove */
gboolean  cli_contacts_fingerprint  (CliContext  *context,
                                     int          argc,
                                     char       **argv,
                                     GError     **error);
gboolean  cli_contacts_pin          (CliContext  *context,
                                     int          argc,
                                     char       **argv,
                                     GError     **error);
gboolean  cli_contacts_list         (CliContext  *context,
                                     int          argc,
                                     char       **argv,
                                     GError     **error);
gboolean  cli_contacts_remove       (CliContext  *context,
                                     int          argc,
                                     char       **argv,
                                     GError     **error);

G_END_DECLS
