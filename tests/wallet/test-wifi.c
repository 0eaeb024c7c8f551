/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-crypto.h"
#include "wallet.h"

static WalletCredential *
parse (const char  *text,
       GError     **error)
{
  g_autoptr(TwSecret) qr_text = tw_secret_new_from_string (text);

  return wallet_wifi_parse (qr_text, error);
}

static void
assert_secret_text (TwSecret   *secret,
                    const char *expected)
{
  /* Compared without printing: a failure must not show the password. */
  g_assert_nonnull (secret);
  g_assert_true (tw_secret_get_size (secret) == strlen (expected) &&
                 memcmp (tw_secret_get_data (secret), expected, strlen (expected)) == 0);
}

static void
test_parse_plain (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletCredential) wifi = parse ("WIFI:T:WPA;S:Home net;P:correct horse;H:true;;",
                                            &error);

  g_assert_no_error (error);
  g_assert_cmpint (wallet_credential_get_credential_type (wifi), ==, WALLET_CREDENTIAL_WIFI);
  g_assert_cmpstr (wallet_credential_get_field (wifi, WALLET_FIELD_SSID), ==, "Home net");
  g_assert_cmpstr (wallet_credential_get_title (wifi), ==, "Home net");
  g_assert_cmpstr (wallet_credential_get_field (wifi, WALLET_FIELD_SECURITY), ==, "WPA");
  g_assert_cmpstr (wallet_credential_get_field (wifi, WALLET_FIELD_HIDDEN), ==, "true");
  assert_secret_text (wallet_credential_get_secret (wifi, WALLET_FIELD_PASSWORD),
                      "correct horse");
}

static void
test_parse_escapes_and_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletCredential) wifi =
    parse ("WIFI:P:a\\;b\\,c\\:d\\\\e\\\"f;S:caf\xc3\xa9\\;2;T:WPA;;", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (wallet_credential_get_field (wifi, WALLET_FIELD_SSID), ==, "caf\xc3\xa9;2");
  assert_secret_text (wallet_credential_get_secret (wifi, WALLET_FIELD_PASSWORD),
                      "a;b,c:d\\e\"f");
  g_assert_cmpstr (wallet_credential_get_field (wifi, WALLET_FIELD_HIDDEN), ==, "false");
}

static void
test_parse_open_network_and_quotes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletCredential) open = parse ("WIFI:T:nopass;S:\"Cafe\";;", &error);
  g_autoptr(WalletCredential) lenient = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (wallet_credential_get_field (open, WALLET_FIELD_SSID), ==, "Cafe");
  g_assert_cmpstr (wallet_credential_get_field (open, WALLET_FIELD_SECURITY), ==, "nopass");
  g_assert_null (wallet_credential_get_secret (open, WALLET_FIELD_PASSWORD));

  /* Some generators drop the second ";" and the T field; a trailing line
   * break comes from clipboards. */
  lenient = parse ("WIFI:S:Office;P:12345678;\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wallet_credential_get_field (lenient, WALLET_FIELD_SECURITY), ==, "WPA");
}

static void
test_round_trip (void)
{
  const char *texts[] = {
    "WIFI:T:WPA;S:Home net;P:correct horse;H:true;;",
    "WIFI:T:SAE;S:a\\;b\\,c\\:d\\\\e\\\"f;P:\\;\\;\\;\\;\\;;;",
    "WIFI:T:WEP;S:old;P:abcde;;",
    "WIFI:T:nopass;S:Free Wi-Fi;;",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WalletCredential) wifi = parse (texts[i], &error);
      g_autoptr(TwSecret) formatted = NULL;

      g_assert_no_error (error);
      formatted = wallet_wifi_format (wifi, &error);
      g_assert_no_error (error);
      assert_secret_text (formatted, texts[i]);
    }
}

typedef struct {
  const char *text;
  GQuark      domain;
  int         code;
} Malformed;

static void
test_malformed (void)
{
  const Malformed cases[] = {
    { "", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_NOT_WIFI },
    { "MECARD:N:x;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_NOT_WIFI },
    { "WIFI:T:WPA;S:net;P:password1", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_UNTERMINATED },
    { "WIFI:T:WPA;S:net;P:password1;;junk", WALLET_WIFI_ERROR,
      WALLET_WIFI_ERROR_UNTERMINATED },
    { "WIFI:T:WPA;S:n\\et;P:password1;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_BAD_ESCAPE },
    { "WIFI:T:WPA;S:net;P:password1\\", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_BAD_ESCAPE },
    { "WIFI:T:WPA;net;P:password1;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_BAD_FIELD },
    { "WIFI:S:a;S:b;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_DUPLICATE_FIELD },
    { "WIFI:T:WPA;P:password1;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_MISSING_SSID },
    { "WIFI:T:WPA;S:;P:password1;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_MISSING_SSID },
    { "WIFI:T:ROT13;S:net;P:password1;;", WALLET_WIFI_ERROR,
      WALLET_WIFI_ERROR_BAD_SECURITY },
    { "WIFI:T:WPA;S:net;P:password1;H:maybe;;", WALLET_WIFI_ERROR,
      WALLET_WIFI_ERROR_BAD_HIDDEN },
    { "WIFI:T:WPA;S:net;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_MISSING_PASSWORD },
    { "WIFI:T:WPA;S:net\nx;P:password1;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_BAD_TEXT },
    { "WIFI:T:WPA;S:\xff;P:password1;;", WALLET_WIFI_ERROR, WALLET_WIFI_ERROR_BAD_TEXT },
    { "WIFI:T:WPA;S:net;P:short;;", WALLET_CREDENTIAL_ERROR,
      WALLET_CREDENTIAL_ERROR_INVALID },
    { "WIFI:T:WPA;S:0123456789012345678901234567890123;P:password1;;",
      WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WalletCredential) wifi = parse (cases[i].text, &error);

      g_test_message ("case %u", i);
      g_assert_null (wifi);
      g_assert_error (error, cases[i].domain, cases[i].code);
      g_assert_nonnull (error->message);
      /* The message never repeats the password. */
      g_assert_null (strstr (error->message, "password1"));
    }
}

static void
test_format_refuses_other_types (void)
{
  g_autoptr(WalletCredential) password = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) text = wallet_wifi_format (password, &error);

  g_assert_null (text);
  g_assert_error (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wallet/wifi/parse/plain", test_parse_plain);
  g_test_add_func ("/wallet/wifi/parse/escapes-in-any-field-order", test_parse_escapes_and_order);
  g_test_add_func ("/wallet/wifi/parse/open-network-quotes-and-lenient-ends",
                   test_parse_open_network_and_quotes);
  g_test_add_func ("/wallet/wifi/format/round-trips-exactly", test_round_trip);
  g_test_add_func ("/wallet/wifi/parse/malformed-gives-its-own-error", test_malformed);
  g_test_add_func ("/wallet/wifi/format/refuses-other-types", test_format_refuses_other_types);

  return g_test_run ();
}
