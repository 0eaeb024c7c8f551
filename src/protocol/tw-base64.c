/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-base64.h"

/* OPENSSL_cleanse rather than tw_wipe: this file sits below the crypto
 * module and needs nothing else from it. */
#include <openssl/crypto.h>
#include <string.h>

G_DEFINE_QUARK (tw-base64-error-quark, tw_base64_error)

static const char standard_table[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_table[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* What one input byte is to the decoder. */
enum {
  CHAR_INVALID = -1,
  CHAR_PAD = -2,
};

/* Returns the 6-bit value of @c, or CHAR_PAD / CHAR_INVALID, and records
 * in @seen which alphabet-specific characters appeared. */
static int
classify_char (guchar            c,
               TwBase64Alphabet *seen)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '=')
    return CHAR_PAD;
  if (c == '+' || c == '/')
    {
      *seen |= TW_BASE64_STANDARD;
      return c == '+' ? 62 : 63;
    }
  if (c == '-' || c == '_')
    {
      *seen |= TW_BASE64_URL;
      return c == '-' ? 62 : 63;
    }
  return CHAR_INVALID;
}

/* Counts the '=' at the end; the rest must hold none. Returns FALSE if a
 * '=' sits anywhere else. */
static gboolean
count_padding (const char *text,
               gsize       length,
               gsize      *padding)
{
  gsize data_length = length;

  while (data_length > 0 && text[data_length - 1] == '=')
    data_length--;
  *padding = length - data_length;

  return memchr (text, '=', data_length) == NULL;
}

/* Every character is in an allowed alphabet, and only one alphabet's
 * special characters appear. *@last_value is the last data character's
 * 6-bit value. */
static gboolean
check_characters (const char        *text,
                  gsize              length,
                  TwBase64Alphabet   alphabets,
                  int               *last_value,
                  GError           **error)
{
  TwBase64Alphabet seen = 0;

  for (gsize i = 0; i < length; i++)
    {
      int value = classify_char ((guchar) text[i], &seen);

      if (value == CHAR_INVALID || (seen & ~alphabets) != 0)
        {
          g_set_error (error, TW_BASE64_ERROR, TW_BASE64_ERROR_BAD_CHARACTER,
                       "Base64 text has a character outside its alphabet at offset %"
                       G_GSIZE_FORMAT, i);
          return FALSE;
        }
      if (value >= 0)
        *last_value = value;
    }

  if (seen == TW_BASE64_ANY)
    {
      g_set_error_literal (error, TW_BASE64_ERROR, TW_BASE64_ERROR_MIXED_ALPHABETS,
                           "Base64 text mixes the standard and URL-safe alphabets");
      return FALSE;
    }
  return TRUE;
}

static gboolean
fail_shape (GError        **error,
            TwBase64Error   code,
            const char     *message)
{
  g_set_error_literal (error, TW_BASE64_ERROR, code, message);
  return FALSE;
}

/* Checks characters, alphabets, padding, length and unused bits. On
 * success, *@decoded_size is the output size. */
static gboolean
validate (const char       *text,
          gsize             length,
          TwBase64Alphabet  alphabets,
          gsize            *decoded_size,
          GError          **error)
{
  gsize padding, data_length, remainder;
  int last_value = 0;

  if (!check_characters (text, length, alphabets, &last_value, error))
    return FALSE;

  if (!count_padding (text, length, &padding) || padding > 2
      || (padding > 0 && length % 4 != 0))
    return fail_shape (error, TW_BASE64_ERROR_BAD_PADDING,
                       "Base64 text has misplaced or wrong padding");

  data_length = length - padding;
  remainder = data_length % 4;
  if (remainder == 1)
    return fail_shape (error, TW_BASE64_ERROR_BAD_LENGTH,
                       "Base64 text has a length no encoding can have");
  if (padding > 0 && remainder + padding != 4)
    return fail_shape (error, TW_BASE64_ERROR_BAD_PADDING,
                       "Base64 text has the wrong amount of padding");

  /* The last character of a partial group carries 4 or 2 unused bits; any
   * set bit there means a second spelling of the same bytes. */
  if ((remainder == 2 && (last_value & 0x0f) != 0)
      || (remainder == 3 && (last_value & 0x03) != 0))
    return fail_shape (error, TW_BASE64_ERROR_TRAILING_BITS,
                       "Base64 text ends with non-zero unused bits");

  *decoded_size = data_length / 4 * 3 + (remainder == 0 ? 0 : remainder - 1);
  return TRUE;
}

/* Decodes text that validate() accepted. */
static void
decode_validated (const char *text,
                  gsize       length,
                  guint8     *out)
{
  TwBase64Alphabet seen = 0;
  guint32 bits = 0;
  guint bit_count = 0;
  gsize written = 0;

  for (gsize i = 0; i < length && text[i] != '='; i++)
    {
      bits = (bits << 6) | (guint32) classify_char ((guchar) text[i], &seen);
      bit_count += 6;
      if (bit_count >= 8)
        {
          bit_count -= 8;
          out[written++] = (guint8) (bits >> bit_count);
        }
    }

  /* The accumulator held key bits. */
  OPENSSL_cleanse (&bits, sizeof bits);
}

static gsize
text_length (const char *text,
             gssize      length)
{
  if (length < 0)
    return strlen (text);
  return (gsize) length;
}

TwSecret *
tw_base64_decode_secret (const char       *text,
                         gssize            length,
                         TwBase64Alphabet  alphabets,
                         GError          **error)
{
  gsize size, decoded_size;
  TwSecret *secret;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  size = text_length (text, length);
  if (!validate (text, size, alphabets, &decoded_size, error))
    return NULL;

  secret = tw_secret_new (decoded_size);
  decode_validated (text, size, tw_secret_get_data (secret));
  return secret;
}

GBytes *
tw_base64_decode_bytes (const char       *text,
                        gssize            length,
                        TwBase64Alphabet  alphabets,
                        GError          **error)
{
  gsize size, decoded_size;
  guint8 *out;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  size = text_length (text, length);
  if (!validate (text, size, alphabets, &decoded_size, error))
    return NULL;

  out = g_malloc (decoded_size + 1);
  decode_validated (text, size, out);
  return g_bytes_new_take (out, decoded_size);
}

gboolean
tw_base64_decode_exact (const char       *text,
                        gssize            length,
                        TwBase64Alphabet  alphabets,
                        guint8           *out,
                        gsize             out_size,
                        GError          **error)
{
  gsize size, decoded_size;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (out != NULL || out_size == 0, FALSE);

  size = text_length (text, length);
  if (!validate (text, size, alphabets, &decoded_size, error))
    {
      OPENSSL_cleanse (out, out_size);
      return FALSE;
    }
  if (decoded_size != out_size)
    {
      OPENSSL_cleanse (out, out_size);
      g_set_error (error, TW_BASE64_ERROR, TW_BASE64_ERROR_WRONG_SIZE,
                   "Base64 text decodes to %" G_GSIZE_FORMAT " bytes, not %"
                   G_GSIZE_FORMAT, decoded_size, out_size);
      return FALSE;
    }

  decode_validated (text, size, out);
  return TRUE;
}

gsize
tw_base64_decoded_size (const char *text,
                        gsize       length)
{
  gsize decoded_size;

  g_return_val_if_fail (text != NULL || length == 0, G_MAXSIZE);

  if (!validate (text, length, TW_BASE64_ANY, &decoded_size, NULL))
    return G_MAXSIZE;
  return decoded_size;
}

static gsize
encoded_length (gsize size,
                gboolean padded)
{
  g_return_val_if_fail (size <= (G_MAXSIZE - 3) / 4 * 3, 0);

  if (padded)
    return (size + 2) / 3 * 4;
  return size / 3 * 4 + (size % 3 == 0 ? 0 : size % 3 + 1);
}

/* Writes exactly encoded_length (size, padded) characters to @out. */
static void
encode_into (const guint8 *data,
             gsize         size,
             const char   *table,
             gboolean      padded,
             char         *out)
{
  gsize i, written = 0;

  for (i = 0; i + 3 <= size; i += 3)
    {
      guint32 group = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8 | data[i + 2];

      out[written++] = table[group >> 18];
      out[written++] = table[(group >> 12) & 0x3f];
      out[written++] = table[(group >> 6) & 0x3f];
      out[written++] = table[group & 0x3f];
    }

  if (size - i == 1)
    {
      out[written++] = table[data[i] >> 2];
      out[written++] = table[(data[i] & 0x03) << 4];
      if (padded)
        {
          out[written++] = '=';
          out[written++] = '=';
        }
    }
  else if (size - i == 2)
    {
      out[written++] = table[data[i] >> 2];
      out[written++] = table[(data[i] & 0x03) << 4 | data[i + 1] >> 4];
      out[written++] = table[(data[i + 1] & 0x0f) << 2];
      if (padded)
        out[written++] = '=';
    }
}

static char *
encode_string (gconstpointer data,
               gsize         size,
               const char   *table,
               gboolean      padded)
{
  gsize length = encoded_length (size, padded);
  char *out = g_malloc (length + 1);

  encode_into (data, size, table, padded, out);
  out[length] = '\0';
  return out;
}

char *
tw_base64_encode (gconstpointer data,
                  gsize         size)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);

  return encode_string (data, size, standard_table, TRUE);
}

char *
tw_base64url_encode (gconstpointer data,
                     gsize         size)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);

  return encode_string (data, size, url_table, FALSE);
}

TwSecret *
tw_base64_encode_secret (TwSecret *secret)
{
  gsize size, length;
  TwSecret *text;

  g_return_val_if_fail (secret != NULL, NULL);

  size = tw_secret_get_size (secret);
  length = encoded_length (size, TRUE);
  /* TwSecret keeps a hidden NUL after its data, so the text is terminated. */
  text = tw_secret_new (length);
  encode_into (tw_secret_get_data (secret), size, standard_table, TRUE,
               (char *) tw_secret_get_data (text));
  return text;
}
