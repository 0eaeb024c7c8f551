/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-crypto.h"
#include "wallet.h"

static void
assert_normalised (const char *input,
                   const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalised = wallet_relay_normalise_url (input, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (normalised, ==, expected);
}

static void
assert_refused (const char *input,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalised = wallet_relay_normalise_url (input, &error);

  g_assert_null (normalised);
  g_assert_error (error, WALLET_RELAYS_ERROR, code);
}

static void
test_normalise (void)
{
  assert_normalised ("relay.example.org", "https://relay.example.org");
  assert_normalised ("HTTPS://Relay.Example.ORG:443/", "https://relay.example.org");
  assert_normalised ("https://relay.example.org:8443/v1/m/x?v=a#key",
                     "https://relay.example.org:8443");
  assert_normalised ("tigress:https://relay.example.org/v1/m/abc", "https://relay.example.org");
  assert_normalised ("http://127.0.0.1:8080", "http://127.0.0.1:8080");
  assert_normalised ("http://[::1]:8080/", "http://[::1]:8080");
  assert_normalised ("http://localhost", "http://localhost");

  assert_refused ("http://relay.example.org", WALLET_RELAYS_ERROR_INSECURE);
  assert_refused ("ftp://relay.example.org", WALLET_RELAYS_ERROR_BAD_URL);
  assert_refused ("https://user:pw@relay.example.org", WALLET_RELAYS_ERROR_BAD_URL);
  assert_refused ("https://relay example.org", WALLET_RELAYS_ERROR_BAD_URL);
  assert_refused ("", WALLET_RELAYS_ERROR_BAD_URL);
}

static void
count_changes (WalletRelays *relays,
               gpointer      user_data)
{
  (*(guint *) user_data)++;
}

static void
test_list (void)
{
  g_autoptr(GSettings) settings = wallet_settings_new ();
  g_autoptr(WalletRelays) relays = wallet_relays_new (settings);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) trusted = NULL;
  g_autofree char *chosen = NULL;
  guint changes = 0;

  g_signal_connect (relays, "changed", G_CALLBACK (count_changes), &changes);
  g_assert_null (wallet_relays_get_default (relays));
  g_assert_true (wallet_relays_add (relays, "Relay.Example.org", &error));
  g_assert_true (wallet_relays_add (relays, "https://relay.example.org/", &error));
  g_assert_true (wallet_relays_add (relays, "http://127.0.0.1:9000", &error));
  g_assert_no_error (error);
  g_assert_false (wallet_relays_add (relays, "http://relay.example.net", &error));
  g_assert_error (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_INSECURE);
  g_clear_error (&error);

  trusted = wallet_relays_get_trusted (relays);
  g_assert_cmpuint (g_strv_length (trusted), ==, 2);
  g_assert_cmpstr (trusted[0], ==, "https://relay.example.org");
  g_assert_cmpuint (changes, >=, 2);

  chosen = wallet_relays_get_default (relays);
  g_assert_cmpstr (chosen, ==, "https://relay.example.org");
  g_assert_false (wallet_relays_set_default (relays, "https://other.example.org", &error));
  g_assert_error (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_NOT_TRUSTED);
  g_clear_error (&error);
  g_assert_true (wallet_relays_set_default (relays, "http://127.0.0.1:9000/", &error));
  g_clear_pointer (&chosen, g_free);
  chosen = wallet_relays_get_default (relays);
  g_assert_cmpstr (chosen, ==, "http://127.0.0.1:9000");

  g_assert_true (wallet_relays_remove (relays, "http://127.0.0.1:9000", &error));
  g_clear_pointer (&chosen, g_free);
  chosen = wallet_relays_get_default (relays);
  g_assert_cmpstr (chosen, ==, "https://relay.example.org");
  g_assert_false (wallet_relays_remove (relays, "http://127.0.0.1:9000", &error));
  g_assert_error (error, WALLET_RELAYS_ERROR, WALLET_RELAYS_ERROR_NOT_FOUND);
}

static void
test_link_trust (void)
{
  g_autoptr(GSettings) settings = wallet_settings_new ();
  g_autoptr(WalletRelays) relays = wallet_relays_new (settings);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwLink) trusted_link = NULL;
  g_autoptr(TwLink) other_link = NULL;
  const char *id = "1b4e28ba-2fa1-4d2e-883f-0016d3cca427";
  g_autofree char *trusted_text = g_strdup_printf (
    "tigress:https://RELAY.example.org:443/v1/m/%s?v=a#AAAAAAAAAAAAAAAAAAAAAA==", id);
  g_autofree char *other_text = g_strdup_printf (
    "https://relay.example.org.evil.test/v1/m/%s?v=a", id);

  g_assert_true (wallet_relays_add (relays, "relay.example.org", &error));
  trusted_link = tw_link_parse (trusted_text, &error);
  g_assert_no_error (error);
  other_link = tw_link_parse (other_text, &error);
  g_assert_no_error (error);

  g_assert_true (wallet_relays_is_link_trusted (relays, trusted_link));
  g_assert_false (wallet_relays_is_link_trusted (relays, other_link));
  g_assert_true (wallet_relays_is_trusted (relays, trusted_text));
  g_assert_false (wallet_relays_is_trusted (relays, "not a url at all"));
}

int
main (int argc, char **argv)
{
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wallet/relays/normalise/one-spelling-per-relay", test_normalise);
  g_test_add_func ("/wallet/relays/list/add-remove-default", test_list);
  g_test_add_func ("/wallet/relays/link/only-listed-relays-are-trusted", test_link_trust);

  return g_test_run ();
}
