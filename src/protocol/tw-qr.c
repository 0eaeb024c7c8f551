/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-qr.h"

/* An alphanumeric segment costs a header of 13 bits (up to version 9) and
 * saves 2.5 bits a character over byte mode: below 6 characters it does
 * not pay. */
#define MIN_ALPHANUMERIC_RUN 6

static const char *const link_schemes[] = {
  "tigress:https://", "tigress:http://", "https://", "http://",
};

/* The 45 characters of QR's alphanumeric mode. */
static gboolean
is_alphanumeric (char c)
{
  return g_ascii_isdigit (c) || (c >= 'A' && c <= 'Z') ||
         (c != '\0' && strchr (" $%*+-./:", c) != NULL);
}

static gsize
scheme_length (const char *text)
{
  for (gsize i = 0; i < G_N_ELEMENTS (link_schemes); i++)
    if (g_ascii_strncasecmp (text, link_schemes[i], strlen (link_schemes[i])) == 0)
      return strlen (link_schemes[i]);
  return 0;
}

gsize
tw_qr_case_insensitive_prefix (const char *text)
{
  gsize scheme, authority_end, prefix = 0;

  g_return_val_if_fail (text != NULL, 0);

  scheme = scheme_length (text);
  if (scheme == 0)
    return 0;
  authority_end = scheme + strcspn (text + scheme, "/?#");
  while (prefix < authority_end && is_alphanumeric (g_ascii_toupper (text[prefix])))
    prefix++;
  return prefix;
}

static gboolean
append_segments (QRinput   *input,
                 const char *text)
{
  gsize length = strlen (text);
  gsize prefix = tw_qr_case_insensitive_prefix (text);
  g_autofree char *upper = g_ascii_strup (text, (gssize) prefix);

  if (QRinput_append (input, QR_MODE_AN, (int) prefix, (const unsigned char *) upper) != 0)
    return FALSE;
  if (prefix == length)
    return TRUE;
  return QRinput_append (input, QR_MODE_8, (int) (length - prefix),
                         (const unsigned char *) text + prefix) == 0;
}

QRcode *
tw_qr_encode (const char *text)
{
  QRinput *input;
  QRcode *code = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  /* Text that is not a link goes in exactly as it is (case-sensitive),
   * in the modes libqrencode picks. Version 0: the smallest that fits. */
  if (tw_qr_case_insensitive_prefix (text) < MIN_ALPHANUMERIC_RUN)
    return *text != '\0' ? QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) : NULL;

  input = QRinput_new2 (0, QR_ECLEVEL_M);
  if (input == NULL)
    return NULL;
  if (append_segments (input, text))
    code = QRcode_encodeInput (input);
  QRinput_free (input);
  return code;
}
