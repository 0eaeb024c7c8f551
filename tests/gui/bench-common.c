/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-secret.h"

#include "bench-common.h"

WalletCredential *
tigress_bench_make_credential (guint number)
{
  WalletCredential *credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autofree char *title = g_strdup_printf ("Credential %04u", number);
  g_autofree char *user = g_strdup_printf ("user%u@example.org", number);
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("bench-secret-value");

  wallet_credential_set_title (credential, title);
  wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, user);
  wallet_credential_set_secret (credential, WALLET_FIELD_SECRET, secret);
  return credential;
}
