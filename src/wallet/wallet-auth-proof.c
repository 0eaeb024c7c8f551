/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-auth-private.h"

#include <glib/gi18n.h>

struct _WalletAuthProof
{
  GObject            parent_instance;

  WalletAuthPurpose  purpose;
  WalletAuthMethod   method;
  gint64             expires;   /* monotonic microseconds: a clock change cannot extend it */
  gboolean           used;
};

G_DEFINE_TYPE (WalletAuthProof, wallet_auth_proof, G_TYPE_OBJECT)

G_DEFINE_QUARK (wallet-auth-error-quark, wallet_auth_error)

static void
wallet_auth_proof_class_init (WalletAuthProofClass *klass)
{
}

static void
wallet_auth_proof_init (WalletAuthProof *self)
{
}

WalletAuthProof *
wallet_auth_proof_new (WalletAuthPurpose purpose,
                       WalletAuthMethod  method,
                       guint             lifetime_seconds)
{
  WalletAuthProof *self = g_object_new (WALLET_TYPE_AUTH_PROOF, NULL);

  self->purpose = purpose;
  self->method = method;
  self->expires = g_get_monotonic_time () + (gint64) lifetime_seconds * G_USEC_PER_SEC;
  return self;
}

WalletAuthPurpose
wallet_auth_proof_get_purpose (WalletAuthProof *self)
{
  g_return_val_if_fail (WALLET_IS_AUTH_PROOF (self), WALLET_AUTH_PURPOSE_SEND);
  return self->purpose;
}

WalletAuthMethod
wallet_auth_proof_get_method (WalletAuthProof *self)
{
  g_return_val_if_fail (WALLET_IS_AUTH_PROOF (self), WALLET_AUTH_METHOD_PASSCODE);
  return self->method;
}

gboolean
wallet_auth_proof_check (WalletAuthProof    *self,
                         WalletAuthPurpose   purpose,
                         GError            **error)
{
  if (self == NULL || !WALLET_IS_AUTH_PROOF (self))
    {
      g_set_error_literal (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_NO_PROOF,
                           _("Confirm it is you first, with your passcode or your system "
                             "password."));
      return FALSE;
    }
  if (self->purpose != purpose)
    {
      g_set_error_literal (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_WRONG_PURPOSE,
                           purpose == WALLET_AUTH_PURPOSE_SEND
                             ? _("You confirmed receiving, not sending. Confirm again to send.")
                             : _("You confirmed sending, not receiving. Confirm again to "
                                 "receive."));
      return FALSE;
    }
  if (self->used)
    {
      g_set_error_literal (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_USED,
                           _("Each confirmation allows one share. Confirm again."));
      return FALSE;
    }
  if (g_get_monotonic_time () >= self->expires)
    {
      g_set_error_literal (error, WALLET_AUTH_ERROR, WALLET_AUTH_ERROR_EXPIRED,
                           _("Your confirmation is too old. Confirm again."));
      return FALSE;
    }
  return TRUE;
}

gboolean
wallet_auth_proof_consume (WalletAuthProof    *self,
                           WalletAuthPurpose   purpose,
                           GError            **error)
{
  if (!wallet_auth_proof_check (self, purpose, error))
    return FALSE;
  self->used = TRUE;
  return TRUE;
}

void
wallet_auth_proof_restore (WalletAuthProof *self)
{
  g_return_if_fail (WALLET_IS_AUTH_PROOF (self));
  self->used = FALSE;
}
