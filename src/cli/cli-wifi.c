/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-wifi.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-credentials.h"
#include "cli-exit.h"
#include "cli-output.h"
#include "cli-prompt.h"
#include "cli-qr.h"
#include "cli-wallet.h"
#include "tw-crypto.h"
#include "wallet-wifi.h"

gboolean
cli_wifi_import (CliContext  *context,
                 int          argc,
                 char       **argv,
                 GError     **error)
{
  g_autofree char *title = NULL;
  const GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &title,
      N_("List it by this name instead of the network name"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TwSecret) qr_text = NULL;
  g_autoptr(WalletCredential) credential = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 0, 1, error))
    return FALSE;
  if (argc == 2)
    {
      /* The text holds the network password: on the command line it would
       * land in shell history and in every process listing. */
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("The WIFI: text holds the password, so it is read from standard "
                             "input, never from the command line: "
                             "tigress wifi import < file, or paste it when asked."));
      return FALSE;
    }
  if (cli_wallet_get_store (context, error) == NULL)
    return FALSE;

  qr_text = cli_prompt_secret (_("Paste the WIFI: text:"), error);
  if (qr_text == NULL)
    return FALSE;
  credential = wallet_wifi_parse (qr_text, error);
  if (credential == NULL)
    return FALSE;
  if (title != NULL)
    wallet_credential_set_title (credential, title);

  return cli_credentials_save_new (context, credential, error);
}

static WalletCredential *
find_wifi (CliContext  *context,
           const char  *reference,
           GError     **error)
{
  WalletCredential *credential = cli_wallet_find_credential (context, reference, error);

  if (credential == NULL)
    return NULL;
  if (wallet_credential_get_credential_type (credential) == WALLET_CREDENTIAL_WIFI)
    return credential;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("“%s” is not a Wi-Fi network, so it has no WIFI: text."),
               wallet_credential_get_title (credential));
  return NULL;
}

static gboolean
print_qr (TwSecret  *qr_text,
          GError   **error)
{
  CliQrStyle style = isatty (STDOUT_FILENO) ? CLI_QR_STYLE_ANSI : CLI_QR_STYLE_PLAIN;
  g_autofree char *drawing = cli_qr_render (tw_secret_get_text (qr_text), style, error);

  if (drawing == NULL)
    return FALSE;
  fputs (drawing, stdout);
  /* The drawing holds the password too. */
  tw_wipe (drawing, strlen (drawing));
  return TRUE;
}

gboolean
cli_wifi_export (CliContext  *context,
                 int          argc,
                 char       **argv,
                 GError     **error)
{
  gboolean qr = FALSE;
  const GOptionEntry entries[] = {
    { "qr", 0, 0, G_OPTION_ARG_NONE, &qr,
      N_("Draw the QR code that phones scan, after the text"), NULL },
    G_OPTION_ENTRY_NULL
  };
  WalletCredential *credential;
  g_autoptr(TwSecret) qr_text = NULL;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  credential = find_wifi (context, argv[1], error);
  if (credential == NULL)
    return FALSE;
  qr_text = wallet_wifi_format (credential, error);
  if (qr_text == NULL)
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "id", wallet_credential_get_id (credential));
      cli_json_secret (writer, "text", qr_text);
      cli_json_end_object (writer);
      return TRUE;
    }

  fwrite (tw_secret_get_data (qr_text), 1, tw_secret_get_size (qr_text), stdout);
  fputc ('\n', stdout);
  return !qr || print_qr (qr_text, error);
}
