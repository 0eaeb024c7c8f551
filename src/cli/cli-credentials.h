/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cli-command.h"
#include "cli-output.h"
#include "wallet-credential.h"

G_BEGIN_DECLS

/* tigress list | show | add | remove */
gboolean  cli_credentials_list    (CliContext  *context,
                                   int          argc,
                                   char       **argv,
                                   GError     **error);
gboolean  cli_credentials_show    (CliContext  *context,
                                   int          argc,
                                   char       **argv,
                                   GError     **error);
gboolean  cli_credentials_add     (CliContext  *context,
                                   int          argc,
                                   char       **argv,
                                   GError     **error);
gboolean  cli_credentials_remove  (CliContext  *context,
                                   int          argc,
                                   char       **argv,
                                   GError     **error);

/* A credential as a JSON object: id, type, title, times and plain fields;
 * with @reveal also the secrets people type (never keys). */
void      cli_credentials_write_json  (CliJson          *writer,
                                       WalletCredential *credential,
                                       gboolean          reveal);

/* The same as "Label: value" lines for people. */
void      cli_credentials_print       (WalletCredential *credential,
                                       gboolean          reveal);

/* Saves a new credential and reports it (text or JSON). */
gboolean  cli_credentials_save_new    (CliContext       *context,
                                       WalletCredential *credential,
                                       GError          **error);

G_END_DECLS
