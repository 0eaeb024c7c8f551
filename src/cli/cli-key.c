/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-key.h"

#include <string.h>
#include <glib/gi18n.h>

#include "cli-exit.h"
#include "cli-output.h"
#include "cli-wallet.h"
#include "tw-base64.h"
#include "tw-cert.h"

/* What the lock knows: whose keys it accepts, which lock it is, and the
 * epoch below which every certificate is void. */
typedef struct {
  guint8 owner_public_key[TW_ED25519_PUBLIC_SIZE];
  guint8 resource_id[TW_CERT_RESOURCE_ID_SIZE];
  guint32 epoch;
} LockSetup;

typedef struct {
  const char *name;
  guint32 right;
} RightName;

static const RightName right_names[] = {
  { "unlock", TW_CERT_RIGHT_UNLOCK },
  { "lock",   TW_CERT_RIGHT_LOCK },
  { "start",  TW_CERT_RIGHT_START },
  { "trunk",  TW_CERT_RIGHT_TRUNK },
};

char *
cli_key_describe_rights (guint32 mask)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint32 named = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (right_names); i++)
    if (mask & right_names[i].right)
      {
        g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", right_names[i].name);
        named |= right_names[i].right;
      }
  if ((mask & ~named) != 0 || mask == 0)
    g_string_append_printf (text, "%s%u", text->len > 0 ? ", " : "", mask & ~named);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
parse_right (const char  *name,
             guint32     *right,
             GError     **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (right_names); i++)
    if (g_str_equal (right_names[i].name, name))
      {
        *right = right_names[i].right;
        return TRUE;
      }
  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("--right “%s” is not a right. Use unlock, lock, start or trunk."), name);
  return FALSE;
}

static gboolean
decode_hex (const char  *option,
            const char  *text,
            guint8      *out,
            gsize        size,
            GError     **error)
{
  if (text != NULL && strlen (text) == 2 * size)
    {
      gsize i;

      for (i = 0; i < size; i++)
        {
          int high = g_ascii_xdigit_value (text[2 * i]);
          int low = g_ascii_xdigit_value (text[2 * i + 1]);

          if (high < 0 || low < 0)
            break;
          out[i] = (guint8) (high << 4 | low);
        }
      if (i == size)
        return TRUE;
    }
  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("%s must be %u hexadecimal digits, as “tigress show” prints "
                 "it for the owner identity."), option, (guint) (2 * size));
  return FALSE;
}

static gboolean
parse_epoch (const char  *text,
             guint32     *epoch,
             GError     **error)
{
  guint64 value = 0;

  if (text != NULL
      && g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &value, NULL))
    {
      *epoch = (guint32) value;
      return TRUE;
    }
  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("The lock epoch must be a whole number from 1."));
  return FALSE;
}

/* The lock from an owner identity kept in this same wallet. */
static gboolean
setup_from_owner (CliContext  *context,
                  const char  *reference,
                  LockSetup   *setup,
                  GError     **error)
{
  WalletCredential *owner = cli_wallet_find_credential (context, reference, error);

  if (owner == NULL)
    return FALSE;
  if (wallet_credential_get_credential_type (owner) != WALLET_CREDENTIAL_DIGITAL_KEY_OWNER)
    {
      g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
                   _("--lock needs an owner identity, and “%s” is not one."),
                   wallet_credential_get_title (owner));
      return FALSE;
    }
  return decode_hex ("The owner key",
                     wallet_credential_get_field (owner, WALLET_FIELD_OWNER_PUBLIC_KEY),
                     setup->owner_public_key, TW_ED25519_PUBLIC_SIZE, error)
         && decode_hex ("The resource id",
                        wallet_credential_get_field (owner, WALLET_FIELD_RESOURCE_ID),
                        setup->resource_id, TW_CERT_RESOURCE_ID_SIZE, error)
         && parse_epoch (wallet_credential_get_field (owner, WALLET_FIELD_LOCK_EPOCH),
                         &setup->epoch, error);
}

static WalletCredential *
find_digital_key (CliContext  *context,
                  const char  *reference,
                  GError     **error)
{
  WalletCredential *key = cli_wallet_find_credential (context, reference, error);

  if (key == NULL)
    return NULL;
  if (wallet_credential_get_credential_type (key) == WALLET_CREDENTIAL_DIGITAL_KEY)
    return key;

  g_set_error (error, CLI_ERROR, CLI_EXIT_USAGE,
               _("“%s” is not a digital key. Digital keys arrive through a share from "
                 "the owner of a lock."), wallet_credential_get_title (key));
  return NULL;
}

typedef struct {
  TwCertError code;
  const char *message;
} RefusalReason;

static const RefusalReason refusal_reasons[] = {
  { TW_CERT_ERROR_MALFORMED,         N_("the key's certificate is damaged") },
  { TW_CERT_ERROR_UNSUPPORTED,
    N_("the key's certificate is of a kind this lock does not know") },
  { TW_CERT_ERROR_WRONG_ISSUER,      N_("the key was issued by another owner") },
  { TW_CERT_ERROR_BAD_SIGNATURE,     N_("the owner's signature on the key does not verify") },
  { TW_CERT_ERROR_WRONG_RESOURCE,    N_("the key is for another lock") },
  { TW_CERT_ERROR_RIGHT_NOT_GRANTED, N_("the key does not give that right") },
  { TW_CERT_ERROR_NOT_YET_VALID,     N_("the key is not valid yet") },
  { TW_CERT_ERROR_EXPIRED,           N_("the key has expired") },
  { TW_CERT_ERROR_CHALLENGE_EXPIRED, N_("the answer came too late") },
  { TW_CERT_ERROR_EPOCH_VOIDED,
    N_("the owner voided all keys issued before this lock's epoch") },
  { TW_CERT_ERROR_REVOKED,           N_("the owner revoked the key") },
  { TW_CERT_ERROR_BAD_PROOF,
    N_("the answer was not signed by the key's own private half") },
};

static void
set_refusal (const GError  *check_error,
             GError       **error)
{
  const char *reason = NULL;

  for (gsize i = 0; check_error->domain == TW_CERT_ERROR && i < G_N_ELEMENTS (refusal_reasons); i++)
    if ((int) refusal_reasons[i].code == check_error->code)
      reason = _(refusal_reasons[i].message);

  g_set_error (error, CLI_ERROR, CLI_EXIT_KEY_REFUSED, _("The lock refused the key: %s."),
               reason != NULL ? reason : check_error->message);
}

/* One challenge and answer, as between a real lock and a phone. */
static gboolean
challenge_key (WalletCredential  *key,
               const LockSetup   *setup,
               guint32            right,
               GError           **error)
{
  g_autoptr(TwLock) lock = tw_lock_new (setup->owner_public_key, setup->resource_id,
                                        setup->epoch);
  const char *certificate_text = wallet_credential_get_field (key, WALLET_FIELD_CERTIFICATE);
  TwSecret *private_key = wallet_credential_get_secret (key, WALLET_FIELD_PRIVATE_KEY);
  g_autoptr(GBytes) certificate = NULL;
  g_autoptr(GError) check_error = NULL;
  guint8 signature[TW_ED25519_SIG_SIZE];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  TwLockChallenge challenge;

  if (certificate_text == NULL || private_key == NULL)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_KEY_REFUSED,
                           _("The lock refused the key: it has no certificate or no private "
                             "half on this device."));
      return FALSE;
    }
  certificate = tw_base64_decode_bytes (certificate_text, -1, TW_BASE64_STANDARD, &check_error);

  tw_lock_new_challenge (lock, now, &challenge);
  if (certificate == NULL
      || !tw_lock_response_sign (&challenge, certificate, right, private_key, signature,
                                 &check_error)
      || !tw_lock_check (lock, certificate, right, signature, now, &check_error))
    {
      set_refusal (check_error, error);
      return FALSE;
    }
  return TRUE;
}

/* Nothing named the lock: said before the wallet is opened, as how to name
 * it, not as a malformed --owner-key (QA H9). */
static gboolean
check_lock_is_named (const char  *lock_owner,
                     const char  *owner_key,
                     const char  *resource_id,
                     GError     **error)
{
  if (lock_owner != NULL || owner_key != NULL || resource_id != NULL)
    return TRUE;

  g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                       _("Name the lock to act as: --lock OWNER (an owner identity in this "
                         "wallet), or --owner-key and --resource-id."));
  return FALSE;
}

static gboolean
build_setup (CliContext  *context,
             const char  *lock_owner,
             const char  *owner_key,
             const char  *resource_id,
             const char  *epoch,
             LockSetup   *setup,
             GError     **error)
{
  if (lock_owner != NULL && (owner_key != NULL || resource_id != NULL))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_USAGE,
                           _("Describe the lock either with --lock or with --owner-key and "
                             "--resource-id, not both."));
      return FALSE;
    }
  if (lock_owner != NULL)
    return setup_from_owner (context, lock_owner, setup, error);

  return decode_hex ("--owner-key", owner_key, setup->owner_public_key,
                     TW_ED25519_PUBLIC_SIZE, error)
         && decode_hex ("--resource-id", resource_id, setup->resource_id,
                        TW_CERT_RESOURCE_ID_SIZE, error)
         && parse_epoch (epoch != NULL ? epoch : "1", &setup->epoch, error);
}

gboolean
cli_key_verify (CliContext  *context,
                int          argc,
                char       **argv,
                GError     **error)
{
  g_autofree char *lock_owner = NULL;
  g_autofree char *owner_key = NULL;
  g_autofree char *resource_id = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *right_name = NULL;
  const GOptionEntry entries[] = {
    { "lock", 0, 0, G_OPTION_ARG_STRING, &lock_owner,
      N_("Play the lock of this owner identity in this wallet"), N_("OWNER") },
    { "owner-key", 0, 0, G_OPTION_ARG_STRING, &owner_key,
      N_("The owner public key the lock trusts (64 hex digits)"), N_("HEX") },
    { "resource-id", 0, 0, G_OPTION_ARG_STRING, &resource_id,
      N_("The lock's resource id (32 hex digits)"), N_("HEX") },
    { "epoch", 0, 0, G_OPTION_ARG_STRING, &epoch,
      N_("The lock's epoch (default 1)"), N_("N") },
    { "right", 0, 0, G_OPTION_ARG_STRING, &right_name,
      N_("The right to ask for: unlock (default), lock, start or trunk"), N_("RIGHT") },
    G_OPTION_ENTRY_NULL
  };
  guint32 right = TW_CERT_RIGHT_UNLOCK;
  LockSetup setup = { { 0 } };
  WalletCredential *key;

  if (!cli_command_parse (context, entries, &argc, &argv, 1, 1, error))
    return FALSE;
  if ((right_name != NULL && !parse_right (right_name, &right, error)) ||
      !check_lock_is_named (lock_owner, owner_key, resource_id, error))
    return FALSE;
  key = find_digital_key (context, argv[1], error);
  if (key == NULL
      || !build_setup (context, lock_owner, owner_key, resource_id, epoch, &setup, error)
      || !challenge_key (key, &setup, right, error))
    return FALSE;

  if (context->json)
    {
      g_autoptr(CliJson) writer = cli_json_new (stdout);

      cli_json_begin_object (writer, NULL);
      cli_json_string (writer, "key", wallet_credential_get_id (key));
      cli_json_boolean (writer, "accepted", TRUE);
      cli_json_string (writer, "right", right_name != NULL ? right_name : "unlock");
      cli_json_end_object (writer);
    }
  else
    printf (_("The lock accepts “%s”.\n"), wallet_credential_get_title (key));
  return TRUE;
}
