/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wallet-wifi.h"

#include <glib/gi18n.h>
#include <string.h>

#define PREFIX "WIFI:"
#define PREFIX_LENGTH 5
#define ESCAPED_CHARACTERS "\\;,:\""

G_DEFINE_QUARK (wallet-wifi-error-quark, wallet_wifi_error)

/* The letter of one field as read (values go to secure memory). */
typedef struct {
  char letter[8];
} WifiField;

typedef struct {
  const char *text;
  gsize       length;
  gsize       position;
} Reader;

static gboolean
fail (GError         **error,
      WalletWifiError  code,
      const char      *message)
{
  g_set_error_literal (error, WALLET_WIFI_ERROR, code, message);
  return FALSE;
}

static gboolean
read_letter (Reader     *reader,
             WifiField  *field,
             GError    **error)
{
  gsize start = reader->position;

  while (reader->position < reader->length &&
         g_ascii_isalpha (reader->text[reader->position]) &&
         reader->position - start < sizeof field->letter - 1)
    reader->position++;

  if (reader->position == start || reader->position >= reader->length ||
      reader->text[reader->position] != ':')
    return fail (error, WALLET_WIFI_ERROR_BAD_FIELD,
                 _("This Wi-Fi code has a part without its letter and colon (such as S: "
                   "for the network name). Scan or copy it again."));

  memcpy (field->letter, reader->text + start, reader->position - start);
  field->letter[reader->position - start] = '\0';
  reader->position++;
  return TRUE;
}

/* Copies the value up to the next unescaped ';' into @out and returns its
 * length. Values wrapped whole in unescaped double quotes lose them. */
static gboolean
read_value (Reader    *reader,
            guint8    *out,
            gsize     *out_length,
            GError   **error)
{
  gsize length = 0;
  gboolean opens_with_quote = FALSE, closes_with_quote = FALSE;

  while (reader->position < reader->length && reader->text[reader->position] != ';')
    {
      char c = reader->text[reader->position++];

      closes_with_quote = FALSE;
      if (c == '\\')
        {
          if (reader->position >= reader->length ||
              strchr (ESCAPED_CHARACTERS, reader->text[reader->position]) == NULL)
            return fail (error, WALLET_WIFI_ERROR_BAD_ESCAPE,
                         _("This Wi-Fi code has a backslash that is not followed by \\ ; , "
                           ": or \". Check how it was written."));
          c = reader->text[reader->position++];
        }
      else if (c == '"')
        {
          opens_with_quote |= length == 0;
          closes_with_quote = length > 0;
        }
      out[length++] = (guint8) c;
    }
  if (reader->position >= reader->length)
    return fail (error, WALLET_WIFI_ERROR_UNTERMINATED,
                 _("This Wi-Fi code is cut short: a part does not end with “;”. Scan or "
                   "copy the whole code."));
  reader->position++;

  if (opens_with_quote && closes_with_quote && length >= 2)
    {
      memmove (out, out + 1, length - 2);
      length -= 2;
    }
  *out_length = length;
  return TRUE;
}

static gboolean
check_text (TwSecret  *qr_text,
            gsize     *length,
            GError   **error)
{
  const char *text = (const char *) tw_secret_get_data (qr_text);
  gsize size = tw_secret_get_size (qr_text);

  /* Scanners and clipboards often add a line break at the end. */
  while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r'))
    size--;
  if (!g_utf8_validate (text, size, NULL) || memchr (text, '\0', size) != NULL ||
      memchr (text, '\n', size) != NULL || memchr (text, '\r', size) != NULL)
    return fail (error, WALLET_WIFI_ERROR_BAD_TEXT,
                 _("This Wi-Fi code holds characters that are not text, or several "
                   "lines. Copy only the code."));
  if (size < PREFIX_LENGTH || g_ascii_strncasecmp (text, PREFIX, PREFIX_LENGTH) != 0)
    return fail (error, WALLET_WIFI_ERROR_NOT_WIFI,
                 _("This is not a Wi-Fi code: it should start with “WIFI:”."));
  *length = size;
  return TRUE;
}

/* Reads every field into @fields (letters T, S, P, H; others skipped). */
static gboolean
read_fields (TwSecret   *qr_text,
             GHashTable *fields,
             GError    **error)
{
  Reader reader = { (const char *) tw_secret_get_data (qr_text), 0, PREFIX_LENGTH };
  g_autoptr(TwSecret) scratch = NULL;

  if (!check_text (qr_text, &reader.length, error))
    return FALSE;
  scratch = tw_secret_new (reader.length);

  /* Fields until the closing ";" — or the end, which some generators
   * write without the second ";". */
  while (reader.position < reader.length && reader.text[reader.position] != ';')
    {
      WifiField field = { { 0 } };
      gsize value_length = 0;

      if (!read_letter (&reader, &field, error) ||
          !read_value (&reader, tw_secret_get_data (scratch), &value_length, error))
        return FALSE;
      if (strlen (field.letter) != 1 || strchr ("TSPH", field.letter[0]) == NULL)
        continue;
      if (g_hash_table_contains (fields, field.letter))
        return fail (error, WALLET_WIFI_ERROR_DUPLICATE_FIELD,
                     _("This Wi-Fi code gives the same detail twice. Scan or copy it "
                       "again."));
      g_hash_table_insert (fields, g_strdup (field.letter),
                           tw_secret_new_from_data (tw_secret_get_data (scratch),
                                                    value_length));
    }
  if (reader.position < reader.length)
    reader.position++;
  if (reader.position != reader.length)
    return fail (error, WALLET_WIFI_ERROR_UNTERMINATED,
                 _("This Wi-Fi code has text after its end (“;;”). Copy only the code."));
  return TRUE;
}

static gboolean
security_from_text (TwSecret    *value,
                    gboolean     has_password,
                    const char **security,
                    GError     **error)
{
  const char *text = value != NULL ? tw_secret_get_text (value) : "";

  if (value == NULL)
    *security = has_password ? WALLET_WIFI_SECURITY_WPA : WALLET_WIFI_SECURITY_NOPASS;
  else if (g_ascii_strcasecmp (text, "WPA") == 0 || g_ascii_strcasecmp (text, "WPA2") == 0)
    *security = WALLET_WIFI_SECURITY_WPA;
  else if (g_ascii_strcasecmp (text, "SAE") == 0 || g_ascii_strcasecmp (text, "WPA3") == 0)
    *security = WALLET_WIFI_SECURITY_SAE;
  else if (g_ascii_strcasecmp (text, "WEP") == 0)
    *security = WALLET_WIFI_SECURITY_WEP;
  else if (g_ascii_strcasecmp (text, "nopass") == 0 || text[0] == '\0')
    *security = WALLET_WIFI_SECURITY_NOPASS;
  else
    return fail (error, WALLET_WIFI_ERROR_BAD_SECURITY,
                 _("This Wi-Fi code names a security type this wallet does not know. "
                   "Known types are WPA, SAE, WEP and nopass."));
  return TRUE;
}

static gboolean
hidden_from_text (TwSecret  *value,
                  gboolean  *hidden,
                  GError   **error)
{
  const char *text = value != NULL ? tw_secret_get_text (value) : "false";

  if (g_ascii_strcasecmp (text, "true") == 0)
    *hidden = TRUE;
  else if (g_ascii_strcasecmp (text, "false") == 0 || text[0] == '\0')
    *hidden = FALSE;
  else
    return fail (error, WALLET_WIFI_ERROR_BAD_HIDDEN,
                 _("This Wi-Fi code says whether the network is hidden with something "
                   "other than true or false."));
  return TRUE;
}

WalletCredential *
wallet_wifi_parse (TwSecret  *qr_text,
                   GError   **error)
{
  g_autoptr(GHashTable) fields = NULL;
  g_autoptr(WalletCredential) credential = NULL;
  TwSecret *ssid, *password;
  const char *security;
  gboolean hidden;

  g_return_val_if_fail (qr_text != NULL, NULL);

  fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) tw_secret_unref);
  if (!read_fields (qr_text, fields, error))
    return NULL;

  ssid = g_hash_table_lookup (fields, "S");
  password = g_hash_table_lookup (fields, "P");
  if (password != NULL && tw_secret_get_size (password) == 0)
    password = NULL;
  if (ssid == NULL || tw_secret_get_size (ssid) == 0)
    {
      fail (error, WALLET_WIFI_ERROR_MISSING_SSID,
            _("This Wi-Fi code has no network name (S:)."));
      return NULL;
    }
  if (!security_from_text (g_hash_table_lookup (fields, "T"), password != NULL,
                           &security, error) ||
      !hidden_from_text (g_hash_table_lookup (fields, "H"), &hidden, error))
    return NULL;
  if (password == NULL && !g_str_equal (security, WALLET_WIFI_SECURITY_NOPASS))
    {
      fail (error, WALLET_WIFI_ERROR_MISSING_PASSWORD,
            _("This Wi-Fi code is for a secured network but has no password (P:)."));
      return NULL;
    }

  credential = wallet_credential_new (WALLET_CREDENTIAL_WIFI);
  wallet_credential_set_title (credential, tw_secret_get_text (ssid));
  wallet_credential_set_field (credential, WALLET_FIELD_SSID, tw_secret_get_text (ssid));
  wallet_credential_set_field (credential, WALLET_FIELD_SECURITY, security);
  wallet_credential_set_field (credential, WALLET_FIELD_HIDDEN, hidden ? "true" : "false");
  if (!g_str_equal (security, WALLET_WIFI_SECURITY_NOPASS))
    wallet_credential_set_secret (credential, WALLET_FIELD_PASSWORD, password);
  if (!wallet_credential_validate (credential, error))
    return NULL;
  return g_steal_pointer (&credential);
}

static gsize
append_escaped (guint8       *out,
                const guint8 *value,
                gsize         size)
{
  gsize length = 0;

  for (gsize i = 0; i < size; i++)
    {
      if (strchr (ESCAPED_CHARACTERS, value[i]) != NULL)
        out[length++] = '\\';
      out[length++] = value[i];
    }
  return length;
}

static gsize
append_text (guint8     *out,
             const char *text)
{
  gsize size = strlen (text);

  memcpy (out, text, size);
  return size;
}

TwSecret *
wallet_wifi_format (WalletCredential  *credential,
                    GError           **error)
{
  const char *ssid, *security, *hidden;
  TwSecret *password;
  g_autoptr(TwSecret) buffer = NULL;
  guint8 *out;
  gsize length = 0;

  g_return_val_if_fail (WALLET_IS_CREDENTIAL (credential), NULL);

  if (wallet_credential_get_credential_type (credential) != WALLET_CREDENTIAL_WIFI)
    {
      g_set_error_literal (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_INVALID,
                           _("Only Wi-Fi networks have a Wi-Fi code."));
      return NULL;
    }
  if (!wallet_credential_validate (credential, error))
    return NULL;

  ssid = wallet_credential_get_field (credential, WALLET_FIELD_SSID);
  security = wallet_credential_get_field (credential, WALLET_FIELD_SECURITY);
  hidden = wallet_credential_get_field (credential, WALLET_FIELD_HIDDEN);
  password = wallet_credential_get_secret (credential, WALLET_FIELD_PASSWORD);

  /* Escaping at most doubles a value; 32 covers the fixed parts. */
  buffer = tw_secret_new (32 + 2 * strlen (ssid) +
                          (password != NULL ? 2 * tw_secret_get_size (password) : 0));
  out = tw_secret_get_data (buffer);
  length += append_text (out + length, "WIFI:T:");
  length += append_text (out + length, security);
  length += append_text (out + length, ";S:");
  length += append_escaped (out + length, (const guint8 *) ssid, strlen (ssid));
  length += append_text (out + length, ";");
  if (password != NULL)
    {
      length += append_text (out + length, "P:");
      length += append_escaped (out + length, tw_secret_get_data (password),
                                tw_secret_get_size (password));
      length += append_text (out + length, ";");
    }
  if (g_strcmp0 (hidden, "true") == 0)
    length += append_text (out + length, "H:true;");
  length += append_text (out + length, ";");

  return tw_secret_new_from_data (out, length);
}
