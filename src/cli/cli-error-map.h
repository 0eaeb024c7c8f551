/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-exit.h"

G_BEGIN_DECLS

/* The exit code for an error from any layer: the one mapping from the
 * wallet's, the protocol's and GLib's error domains to CliExit. */
CliExit      cli_exit_for_error   (const GError *error);

/* The message to show people for @error: its own message, except for
 * errors whose messages are for logs (the relay client's), which get
 * words of ours. Valid until the next call. */
const char  *cli_exit_describe    (const GError *error);

G_END_DECLS
