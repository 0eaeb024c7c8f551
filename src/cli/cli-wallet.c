/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-wallet.h"

#include <string.h>
#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-prompt.h"

/* How long a passcode typed for this command also counts as the
 * re-authentication before a share: long enough for the command to get
 * there, short enough that a prompt left open does not count. */
#define PRESENCE_WINDOW_SECONDS 60

WalletVault *
cli_wallet_get_vault (CliContext  *context,
                      GError     **error)
{
  g_autoptr(WalletKeyring) keyring = NULL;
  g_autoptr(WalletVault) vault = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (context->vault != NULL)
    return context->vault;

  keyring = wallet_keyring_new ();
  /* No settings: the auto-lock is for the GUI's idle time; a command locks
   * the vault itself when it ends. */
  vault = wallet_vault_new (keyring, NULL);
  wallet_vault_set_auto_lock_seconds (vault, 0);

  wallet_vault_load_async (vault, context->cancellable, cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_vault_load_finish (vault, result, error))
    return NULL;

  context->keyring = g_steal_pointer (&keyring);
  context->vault = g_steal_pointer (&vault);
  return context->vault;
}

TwSecret *
cli_wallet_read_passcode (CliContext  *context,
                          GError     **error)
{
  if (context->passcode != NULL)
    return context->passcode;

  if (context->passcode_fd >= 0)
    context->passcode = cli_read_secret_line (context->passcode_fd, error);
  else
    context->passcode = cli_prompt_secret (_("Wallet passcode:"), error);
  if (context->passcode == NULL)
    return NULL;

  context->passcode_read_at = g_get_monotonic_time ();
  return context->passcode;
}

static gboolean
check_set_up (WalletVault  *vault,
              GError      **error)
{
  if (wallet_vault_get_state (vault) != WALLET_VAULT_STATE_NO_PASSCODE)
    return TRUE;

  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_LOCKED,
                       _("This wallet has no passcode yet. Set one with "
                         "“tigress passcode set”, then try again."));
  return FALSE;
}

/* The vault counts only wrong passcodes, one check at a time across all
 * processes, so a delay here follows a real wrong try (this one's or
 * another tigress's of the same wallet). A short one is simply waited out,
 * once or twice, so a script that mistyped once goes on; a long one is
 * reported. */
#define THROTTLE_WAIT_MAX_SECONDS 5
#define THROTTLE_RETRIES          3

static gboolean
wait_out_short_throttle (WalletVault  *vault,
                         GError      **error,
                         guint        *retries)
{
  guint wait = wallet_vault_get_retry_wait_seconds (vault);

  if (!g_error_matches (*error, WALLET_VAULT_ERROR, WALLET_VAULT_ERROR_THROTTLED)
      || wait > THROTTLE_WAIT_MAX_SECONDS || ++*retries > THROTTLE_RETRIES)
    return FALSE;

  g_clear_error (error);
  g_usleep (MAX (wait, 1) * G_USEC_PER_SEC);
  return TRUE;
}

static gboolean
unlock_once (CliContext   *context,
             WalletVault  *vault,
             TwSecret     *passcode,
             GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wallet_vault_unlock_async (vault, passcode, context->cancellable,
                             cli_command_async_done, &result);
  cli_command_wait (context, &result);
  return wallet_vault_unlock_finish (vault, result, error);
}

gboolean
cli_wallet_unlock (CliContext  *context,
                   GError     **error)
{
  WalletVault *vault = cli_wallet_get_vault (context, error);
  g_autoptr(GError) unlock_error = NULL;
  TwSecret *passcode;
  guint retries = 0;

  if (vault == NULL || !check_set_up (vault, error))
    return FALSE;
  if (wallet_vault_is_unlocked (vault))
    return TRUE;

  passcode = cli_wallet_read_passcode (context, error);
  if (passcode == NULL)
    return FALSE;

  while (!unlock_once (context, vault, passcode, &unlock_error))
    if (!wait_out_short_throttle (vault, &unlock_error, &retries))
      {
        g_propagate_error (error, g_steal_pointer (&unlock_error));
        return FALSE;
      }
  return TRUE;
}

WalletStore *
cli_wallet_get_store (CliContext  *context,
                      GError     **error)
{
  g_autoptr(WalletStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (context->store != NULL)
    return context->store;
  if (!cli_wallet_unlock (context, error))
    return NULL;

  store = wallet_store_new (context->vault);
  wallet_store_load_async (store, context->cancellable, cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_store_load_finish (store, result, error))
    return NULL;

  if (wallet_store_get_n_unreadable (store) > 0)
    g_printerr (_("Warning: %u stored credentials could not be opened and were left as "
                  "they are: they were altered or belong to another wallet.\n"),
                wallet_store_get_n_unreadable (store));

  context->store = g_steal_pointer (&store);
  return context->store;
}

WalletContacts *
cli_wallet_get_contacts (CliContext  *context,
                         GError     **error)
{
  g_autoptr(WalletContacts) contacts = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (context->contacts != NULL)
    return context->contacts;
  if (!cli_wallet_unlock (context, error))
    return NULL;

  contacts = wallet_contacts_new (context->vault);
  wallet_contacts_load_async (contacts, context->cancellable, cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_contacts_load_finish (contacts, result, error))
    return NULL;

  context->contacts = g_steal_pointer (&contacts);
  return context->contacts;
}

WalletShareManager *
cli_wallet_get_share_manager (CliContext  *context,
                              GError     **error)
{
  g_autoptr(WalletShareManager) manager = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (context->shares != NULL)
    return context->shares;
  if (cli_wallet_get_store (context, error) == NULL
      || cli_wallet_get_contacts (context, error) == NULL)
    return NULL;

  manager = wallet_share_manager_new (context->store, context->contacts,
                                      cli_wallet_get_relays (context));
  wallet_share_manager_load_async (manager, context->cancellable,
                                   cli_command_async_done, &result);
  cli_command_wait (context, &result);
  if (!wallet_share_manager_load_finish (manager, result, error))
    return NULL;

  context->shares = g_steal_pointer (&manager);
  return context->shares;
}

GSettings *
cli_wallet_get_settings (CliContext *context)
{
  if (context->settings == NULL)
    context->settings = wallet_settings_new ();
  return context->settings;
}

WalletRelays *
cli_wallet_get_relays (CliContext *context)
{
  if (context->relays == NULL)
    context->relays = wallet_relays_new (cli_wallet_get_settings (context));
  return context->relays;
}

/* Forgets a passcode typed too long ago, so that it is asked again. */
static void
forget_stale_passcode (CliContext *context)
{
  gint64 age = g_get_monotonic_time () - context->passcode_read_at;

  if (context->passcode != NULL && age > PRESENCE_WINDOW_SECONDS * G_USEC_PER_SEC)
    g_clear_pointer (&context->passcode, tw_secret_unref);
}

/* The "auth-method" setting's value for system authentication (polkit). */
#define AUTH_METHOD_SYSTEM 1

/* Whether the user chose system authentication to confirm shares (the
 * setting the app's preferences change too) and it can be used: a build
 * with polkit and an unlocked wallet. */
static gboolean
wants_system_auth (CliContext *context)
{
  return g_settings_get_enum (cli_wallet_get_settings (context), "auth-method")
           == AUTH_METHOD_SYSTEM
         && wallet_auth_can_use_system (context->auth);
}

/* polkit answers through the session's authentication agent (a desktop
 * dialog, or pkttyagent in a terminal). Refused or dismissed is final:
 * falling back to the passcode then would let a refusal be walked
 * around. Only "no polkit here" falls back. */
static WalletAuthProof *
confirm_with_system (CliContext         *context,
                     WalletAuthPurpose   purpose,
                     gboolean           *unavailable,
                     GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) system_error = NULL;
  WalletAuthProof *proof;

  wallet_auth_with_system_async (context->auth, purpose, context->cancellable,
                                 cli_command_async_done, &result);
  cli_command_wait (context, &result);
  proof = wallet_auth_with_system_finish (context->auth, result, &system_error);
  *unavailable = g_error_matches (system_error, WALLET_AUTH_ERROR,
                                  WALLET_AUTH_ERROR_UNAVAILABLE);
  if (proof == NULL && !*unavailable)
    g_propagate_error (error, g_steal_pointer (&system_error));
  return proof;
}

WalletAuthProof *
cli_wallet_confirm_presence (CliContext         *context,
                             WalletAuthPurpose   purpose,
                             GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  TwSecret *passcode;
  guint retries = 0;

  if (!cli_wallet_unlock (context, error))
    return NULL;
  if (context->auth == NULL)
    context->auth = wallet_auth_new (context->vault);

  if (wants_system_auth (context))
    {
      gboolean unavailable = FALSE;
      WalletAuthProof *proof = confirm_with_system (context, purpose, &unavailable, error);

      if (proof != NULL || !unavailable)
        return proof;
      g_printerr ("%s\n", _("System authentication is not available here, so the passcode "
                            "confirms this instead."));
    }

  forget_stale_passcode (context);
  passcode = cli_wallet_read_passcode (context, error);
  if (passcode == NULL)
    return NULL;

  for (;;)
    {
      g_autoptr(GError) auth_error = NULL;
      WalletAuthProof *proof;

      wallet_auth_with_passcode_async (context->auth, purpose, passcode, context->cancellable,
                                       cli_command_async_done, &result);
      cli_command_wait (context, &result);
      proof = wallet_auth_with_passcode_finish (context->auth, result, &auth_error);
      g_clear_object (&result);
      if (proof != NULL)
        return proof;
      if (!wait_out_short_throttle (context->vault, &auth_error, &retries))
        {
          g_propagate_error (error, g_steal_pointer (&auth_error));
          return NULL;
        }
    }
}

typedef gboolean (*CredentialMatch) (WalletCredential *credential,
                                     const char       *reference);

static gboolean
id_is (WalletCredential *credential,
       const char       *reference)
{
  return g_str_equal (wallet_credential_get_id (credential), reference);
}

static gboolean
id_starts_with (WalletCredential *credential,
                const char       *reference)
{
  return strlen (reference) >= CLI_WALLET_MIN_ID_PREFIX
         && g_str_has_prefix (wallet_credential_get_id (credential), reference);
}

static gboolean
title_is (WalletCredential *credential,
          const char       *reference)
{
  return g_strcmp0 (wallet_credential_get_title (credential), reference) == 0;
}

/* The credentials of @store that @match accepts. */
static GPtrArray *
find_matches (WalletStore     *store,
              CredentialMatch  match,
              const char      *reference)
{
  GPtrArray *matches = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(WalletCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (match (credential, reference))
        g_ptr_array_add (matches, g_steal_pointer (&credential));
    }
  return matches;
}

WalletCredential *
cli_wallet_find_credential (CliContext  *context,
                            const char  *reference,
                            GError     **error)
{
  static const CredentialMatch matchers[] = { id_is, id_starts_with, title_is };
  WalletStore *store = cli_wallet_get_store (context, error);

  if (store == NULL)
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (matchers); i++)
    {
      g_autoptr(GPtrArray) matches = find_matches (store, matchers[i], reference);

      if (matches->len == 1)
        return wallet_store_lookup (store, wallet_credential_get_id (matches->pdata[0]));
      if (matches->len > 1)
        {
          g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("“%s” matches %u credentials. Give more of the id; "
                         "“tigress list” shows them."), reference, matches->len);
          return NULL;
        }
    }

  g_set_error (error, CLI_ERROR, CLI_EXIT_NOT_FOUND,
               _("No credential has the id or title “%s”. “tigress list” shows them all."),
               reference);
  return NULL;
}

void
cli_wallet_close (CliContext *context)
{
  if (context->vault != NULL)
    wallet_vault_lock (context->vault);
  g_clear_pointer (&context->passcode, tw_secret_unref);
  /* The manager first: it stops its network work before the store and the
   * vault it uses go away. */
  g_clear_object (&context->shares);
  g_clear_object (&context->auth);
  g_clear_object (&context->store);
  g_clear_object (&context->contacts);
  g_clear_object (&context->relays);
  g_clear_object (&context->vault);
  g_clear_object (&context->keyring);
  /* dconf writes in the background: a change must reach it before the
   * process ends. */
  if (context->settings != NULL)
    g_settings_sync ();
  g_clear_object (&context->settings);
}
