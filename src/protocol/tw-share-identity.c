/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-share-identity.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-json-strict.h"

GBytes *
tw_share_identity_input (const char   *share_id,
                         const guint8  signing_key[TW_ED25519_PUBLIC_SIZE])
{
  GByteArray *input = g_byte_array_new ();

  g_return_val_if_fail (tw_share_id_is_valid (share_id), NULL);

  g_byte_array_append (input, (const guint8 *) TW_SHARE_IDENTITY_LABEL,
                       strlen (TW_SHARE_IDENTITY_LABEL) + 1);
  g_byte_array_append (input, (const guint8 *) share_id, TW_SHARE_ID_TEXT_LENGTH);
  g_byte_array_append (input, signing_key, TW_ED25519_PUBLIC_SIZE);
  return g_byte_array_free_to_bytes (input);
}

gboolean
tw_share_identity_make (const guint8             identity_key[TW_ED25519_PUBLIC_SIZE],
                        TwShareIdentitySignFunc  sign,
                        gpointer                 sign_data,
                        const char              *share_id,
                        const guint8             signing_key[TW_ED25519_PUBLIC_SIZE],
                        TwShareIdentity         *identity,
                        GError                 **error)
{
  g_autoptr (GBytes) input = tw_share_identity_input (share_id, signing_key);

  g_return_val_if_fail (identity_key != NULL && sign != NULL, FALSE);

  memcpy (identity->key, identity_key, sizeof identity->key);
  if (!sign (g_bytes_get_data (input, NULL), g_bytes_get_size (input), identity->signature,
             sign_data, error))
    return FALSE;
  if (!tw_share_identity_verify (identity, share_id, signing_key))
    {
      g_set_error_literal (error, TW_SHARE_ERROR, TW_SHARE_ERROR_INVALID,
                           "The identity key and its signing function do not belong together");
      return FALSE;
    }

  return TRUE;
}

gboolean
tw_share_identity_verify (const TwShareIdentity *identity,
                          const char            *share_id,
                          const guint8           signing_key[TW_ED25519_PUBLIC_SIZE])
{
  g_autoptr (GBytes) input = NULL;

  if (!tw_share_id_is_valid (share_id) || signing_key == NULL)
    return FALSE;

  input = tw_share_identity_input (share_id, signing_key);
  return tw_ed25519_verify (identity->key, g_bytes_get_data (input, NULL),
                            g_bytes_get_size (input), identity->signature);
}

void
tw_share_identity_write (const TwShareIdentity *identity,
                         TwJsonWriter          *writer)
{
  tw_json_writer_member (writer, TW_SHARE_IDENTITY_MEMBER);
  tw_json_writer_begin_object (writer);
  tw_json_writer_member (writer, "key");
  tw_json_writer_base64 (writer, identity->key, sizeof identity->key);
  tw_json_writer_member (writer, "sig");
  tw_json_writer_base64 (writer, identity->signature, sizeof identity->signature);
  tw_json_writer_end_object (writer);
}

gboolean
tw_share_identity_read (JsonObject      *body,
                        gboolean        *present,
                        TwShareIdentity *identity)
{
  static const char * const members[] = { "key", "sig", NULL };
  JsonObject *block = NULL;
  const char *key_text, *sig_text;

  *present = FALSE;
  if (!tw_json_get_optional_object (body, TW_SHARE_IDENTITY_MEMBER, &block, NULL))
    return FALSE;
  if (block == NULL)
    return TRUE;

  *present = TRUE;
  return tw_json_check_members (block, members, NULL)
         && (key_text = tw_json_get_string (block, "key", NULL)) != NULL
         && (sig_text = tw_json_get_string (block, "sig", NULL)) != NULL
         && tw_base64_decode_exact (key_text, -1, TW_BASE64_STANDARD, identity->key,
                                    sizeof identity->key, NULL)
         && tw_base64_decode_exact (sig_text, -1, TW_BASE64_STANDARD, identity->signature,
                                    sizeof identity->signature, NULL);
}

gboolean
tw_share_identity_sign_with_seed (gconstpointer   message,
                                  gsize           size,
                                  guint8          signature[TW_ED25519_SIG_SIZE],
                                  gpointer        user_data,
                                  GError        **error)
{
  return tw_ed25519_sign (user_data, message, size, signature, error);
}
