/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-passcode.h"

#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-output.h"
#include "cli-prompt.h"
#include "cli-wallet.h"

/* A new passcode: typed twice at a terminal, one line otherwise. */
static TwSecret *
read_new_passcode (const char  *question,
                   GError     **error)
{
  g_autoptr(TwSecret) passcode = cli_prompt_secret (question, error);
  g_autoptr(TwSecret) again = NULL;

  if (passcode == NULL || !cli_prompt_is_interactive ())
    return g_steal_pointer (&passcode);

  again = cli_prompt_secret (_("Type it again:"), error);
  if (again == NULL)
    return NULL;
  if (!tw_secret_equal (passcode, again))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("The two entries differ. Nothing was changed; try again."));
      return NULL;
    }
  return g_steal_pointer (&passcode);
}

static void
report_done (CliContext *context,
             const char *json_state,
             const char *message)
{
  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "state", json_state);
      cli_json_end_object (writer);
    }
  else
    printf ("%s\n", message);
}

gboolean
cli_passcode_set (CliContext  *context,
                  int          argc,
                  char       **argv,
                  GError     **error)
{
  WalletVault *vault;
  g_autoptr(TwSecret) passcode = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 0, error))
    return FALSE;
  vault = cli_wallet_get_vault (context, error);
  if (vault == NULL)
    return FALSE;
  if (wallet_vault_get_state (vault) != WALLET_VAULT_STATE_NO_PASSCODE)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_FAILURE,
                           _("This wallet has a passcode already. "
                             "Use “tigress passcode change” to change it."));
      return FALSE;
    }

  if (context->passcode_fd >= 0)
    {
      TwSecret *given = cli_wallet_read_passcode (context, error);

      passcode = given != NULL ? tw_secret_ref (given) : NULL;
    }
  else
    passcode = read_new_passcode (_("New wallet passcode:"), error);
  if (passcode == NULL)
    return FALSE;

  wallet_vault_setup_async (vault, passcode, context->cancellable,
                            cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_vault_setup_finish (vault, result, error))
    return FALSE;

  report_done (context, "locked",
               _("The passcode is set. Every command that opens the wallet asks for it."));
  return TRUE;
}

gboolean
cli_passcode_change (CliContext  *context,
                     int          argc,
                     char       **argv,
                     GError     **error)
{
  WalletVault *vault;
  TwSecret *old_passcode;
  g_autoptr(TwSecret) new_passcode = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 0, error))
    return FALSE;
  vault = cli_wallet_get_vault (context, error);
  if (vault == NULL || !cli_wallet_unlock (context, error))
    return FALSE;

  old_passcode = cli_wallet_read_passcode (context, error);
  new_passcode = read_new_passcode (_("New wallet passcode:"), error);
  if (new_passcode == NULL)
    return FALSE;

  wallet_vault_change_passcode_async (vault, old_passcode, new_passcode, context->cancellable,
                                      cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_vault_change_passcode_finish (vault, result, error))
    return FALSE;

  report_done (context, "changed", _("The passcode is changed. The old one no longer works."));
  return TRUE;
}

gboolean
cli_passcode_unlock (CliContext  *context,
                     int          argc,
                     char       **argv,
                     GError     **error)
{
  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 0, error))
    return FALSE;
  if (!cli_wallet_unlock (context, error))
    return FALSE;

  report_done (context, "unlocked",
               _("The passcode is right. Nothing stays unlocked: each command asks again."));
  return TRUE;
}

static const char *
state_name (WalletVaultState state)
{
  switch (state)
    {
    case WALLET_VAULT_STATE_NO_PASSCODE: return "no-passcode";
    case WALLET_VAULT_STATE_LOCKED:      return "locked";
    case WALLET_VAULT_STATE_UNLOCKED:    return "unlocked";
    case WALLET_VAULT_STATE_UNKNOWN:
    default:                             return "unknown";
    }
}

static void
print_status (WalletVault *vault)
{
  guint wait = wallet_vault_get_retry_wait_seconds (vault);
  g_autofree char *tries = g_strdup_printf ("%u", wallet_vault_get_failed_attempts (vault));
  g_autofree char *wait_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second",
                                                             "%u seconds", wait), wait);

  if (wallet_vault_get_state (vault) == WALLET_VAULT_STATE_NO_PASSCODE)
    cli_print_field (_("Passcode"), _("not set; run “tigress passcode set”"));
  else
    cli_print_field (_("Passcode"),
                     /* Translators: the state of the wallet passcode: it has been chosen */
                     _("set"));
  cli_print_field (_("Wrong tries"), tries);
  if (wait > 0)
    cli_print_field (_("Next try in"), wait_text);
}

gboolean
cli_passcode_status (CliContext  *context,
                     int          argc,
                     char       **argv,
                     GError     **error)
{
  WalletVault *vault;

  if (!cli_command_parse (context, NULL, &argc, &argv, 0, 0, error))
    return FALSE;
  vault = cli_wallet_get_vault (context, error);
  if (vault == NULL)
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "state", state_name (wallet_vault_get_state (vault)));
      cli_json_int (writer, "failed_attempts", wallet_vault_get_failed_attempts (vault));
      cli_json_int (writer, "retry_wait_seconds", wallet_vault_get_retry_wait_seconds (vault));
      cli_json_end_object (writer);
    }
  else
    print_status (vault);
  return TRUE;
}
