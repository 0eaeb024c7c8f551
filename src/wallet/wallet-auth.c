/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-auth.h"
#include "wallet-auth-private.h"

#include <glib/gi18n.h>
#include <unistd.h>

#if HAVE_POLKIT
#include <polkit/polkit.h>
#endif

/* People may take a while in the system's authentication dialog, but a
 * polkit that never answers must not keep the share waiting for ever. */
#define SYSTEM_AUTH_TIMEOUT_SECONDS 120

struct _WalletAuth
{
  GObject      parent_instance;

  WalletVault *vault;
  guint        proof_lifetime;
};

G_DEFINE_TYPE (WalletAuth, wallet_auth, G_TYPE_OBJECT)

static void
wallet_auth_dispose (GObject *object)
{
  g_clear_object (&WALLET_AUTH (object)->vault);
  G_OBJECT_CLASS (wallet_auth_parent_class)->dispose (object);
}

static void
wallet_auth_class_init (WalletAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wallet_auth_dispose;
}

static void
wallet_auth_init (WalletAuth *self)
{
  self->proof_lifetime = WALLET_AUTH_PROOF_LIFETIME_SECONDS;
}

WalletAuth *
wallet_auth_new (WalletVault *vault)
{
  WalletAuth *self;

  g_return_val_if_fail (WALLET_IS_VAULT (vault), NULL);

  self = g_object_new (WALLET_TYPE_AUTH, NULL);
  self->vault = g_object_ref (vault);
  return self;
}

void
wallet_auth_set_proof_lifetime (WalletAuth *self,
                                guint       seconds)
{
  g_return_if_fail (WALLET_IS_AUTH (self));
  g_return_if_fail (seconds <= WALLET_AUTH_PROOF_LIFETIME_SECONDS);
  self->proof_lifetime = seconds;
}

gboolean
wallet_auth_can_use_system (WalletAuth *self)
{
  g_return_val_if_fail (WALLET_IS_AUTH (self), FALSE);
  return HAVE_POLKIT && wallet_vault_is_unlocked (self->vault);
}

/* ------------------------------------------------------------------ */
/* Passcode                                                            */
/* ------------------------------------------------------------------ */

static void
on_passcode_verified (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletAuth *self = g_task_get_source_object (task);
  WalletAuthPurpose purpose = GPOINTER_TO_INT (g_task_get_task_data (task));
  GError *error = NULL;

  if (!wallet_vault_verify_passcode_finish (WALLET_VAULT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, wallet_auth_proof_new (purpose, WALLET_AUTH_METHOD_PASSCODE,
                                                      self->proof_lifetime),
                         g_object_unref);
}

void
wallet_auth_with_passcode_async (WalletAuth          *self,
                                 WalletAuthPurpose    purpose,
                                 TwSecret            *passcode,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WALLET_IS_AUTH (self));
  g_return_if_fail (passcode != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_auth_with_passcode_async);
  g_task_set_task_data (task, GINT_TO_POINTER (purpose), NULL);
  wallet_vault_verify_passcode_async (self->vault, passcode, cancellable,
                                      on_passcode_verified, task);
}

WalletAuthProof *
wallet_auth_with_passcode_finish (WalletAuth    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* System authentication (polkit)                                      */
/* ------------------------------------------------------------------ */

static GError *
unavailable_error (void)
{
  return g_error_new_literal (WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_UNAVAILABLE,
                              _("System authentication is not available here. Confirm with "
                                "your wallet passcode instead."));
}

static GError *
locked_error (void)
{
  return g_error_new_literal (WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_LOCKED,
                              _("Unlock the wallet with its passcode before confirming with "
                                "your system password."));
}

#if HAVE_POLKIT
typedef struct {
  WalletAuthPurpose  purpose;
  GCancellable      *cancellable;  /* cancelled by the caller's or by the timer */
  GCancellable      *caller_cancellable;
  gulong             caller_handler;
  guint              timer;
  gboolean           timed_out;
} SystemCheck;

static void
system_check_free (SystemCheck *check)
{
  g_clear_handle_id (&check->timer, g_source_remove);
  if (check->caller_handler != 0)
    g_cancellable_disconnect (check->caller_cancellable, check->caller_handler);
  g_clear_object (&check->caller_cancellable);
  g_clear_object (&check->cancellable);
  g_free (check);
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
on_system_timeout (gpointer user_data)
{
  SystemCheck *check = user_data;

  check->timer = 0;
  check->timed_out = TRUE;
  g_cancellable_cancel (check->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_authorization_checked (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WalletAuth *self = g_task_get_source_object (task);
  SystemCheck *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) answer =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);

  if (answer == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !check->timed_out)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, unavailable_error ());
      return;
    }
  if (!wallet_vault_is_unlocked (self->vault))
    g_task_return_error (task, locked_error ());
  else if (polkit_authorization_result_get_is_authorized (answer))
    g_task_return_pointer (task, wallet_auth_proof_new (check->purpose, WALLET_AUTH_METHOD_SYSTEM,
                                                        self->proof_lifetime),
                           g_object_unref);
  else if (polkit_authorization_result_get_dismissed (answer))
    g_task_return_new_error (task, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_CANCELLED,
                             _("The authentication was cancelled. Nothing was shared."));
  else
    g_task_return_new_error (task, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_DENIED,
                             _("The system did not confirm it is you. Try again, or confirm "
                               "with your wallet passcode."));
}

static void
on_authority (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SystemCheck *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthority) authority = polkit_authority_get_finish (result, &error);
  g_autoptr(PolkitSubject) subject = NULL;

  if (authority == NULL)
    {
      g_task_return_error (task, unavailable_error ());
      g_object_unref (task);
      return;
    }
  /* This process, identified by pid, start time and uid, so that another
   * process cannot ride on the answer. */
  subject = polkit_unix_process_new_for_owner (getpid (), 0, getuid ());
  polkit_authority_check_authorization (authority, subject, WALLET_AUTH_POLKIT_ACTION, NULL,
                                        POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION,
                                        check->cancellable, on_authorization_checked, task);
}
#endif

void
wallet_auth_with_system_async (WalletAuth          *self,
                               WalletAuthPurpose    purpose,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WALLET_IS_AUTH (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wallet_auth_with_system_async);
  if (!wallet_vault_is_unlocked (self->vault))
    {
      g_task_return_error (task, locked_error ());
      g_object_unref (task);
      return;
    }
#if HAVE_POLKIT
  {
    SystemCheck *check = g_new0 (SystemCheck, 1);

    check->purpose = purpose;
    check->cancellable = g_cancellable_new ();
    if (cancellable != NULL)
      {
        check->caller_cancellable = g_object_ref (cancellable);
        check->caller_handler = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (on_caller_cancelled),
                                                       g_object_ref (check->cancellable),
                                                       g_object_unref);
      }
    check->timer = g_timeout_add_seconds (SYSTEM_AUTH_TIMEOUT_SECONDS, on_system_timeout, check);
    g_task_set_task_data (task, check, (GDestroyNotify) system_check_free);
    polkit_authority_get_async (check->cancellable, on_authority, task);
  }
#else
  g_task_return_error (task, unavailable_error ());
  g_object_unref (task);
#endif
}

WalletAuthProof *
wallet_auth_with_system_finish (WalletAuth    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
