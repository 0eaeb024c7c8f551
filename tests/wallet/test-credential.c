/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-crypto.h"
#include "wallet.h"

static gboolean
secret_is (TwSecret   *secret,
           const char *expected)
{
  return secret != NULL && tw_secret_get_size (secret) == strlen (expected) &&
         memcmp (tw_secret_get_data (secret), expected, strlen (expected)) == 0;
}

static void
set_secret_text (WalletCredential *credential,
                 const char       *name,
                 const char       *text)
{
  g_autoptr(TwSecret) value = tw_secret_new_from_string (text);

  wallet_credential_set_secret (credential, name, value);
}

static WalletCredential *
make_password (void)
{
  WalletCredential *credential = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);

  wallet_credential_set_title (credential, "Mail");
  wallet_credential_set_field (credential, WALLET_FIELD_USERNAME, "ada");
  wallet_credential_set_field (credential, WALLET_FIELD_URL, "https://mail.example.org/");
  wallet_credential_set_field (credential, WALLET_FIELD_NOTES, "line one\nline \"two\"");
  set_secret_text (credential, WALLET_FIELD_SECRET, "s3cret pass\\word");
  return credential;
}

static WalletCredential *
make_wifi (void)
{
  WalletCredential *credential = wallet_credential_new (WALLET_CREDENTIAL_WIFI);

  wallet_credential_set_title (credential, "Home");
  wallet_credential_set_field (credential, WALLET_FIELD_SSID, "Home net");
  wallet_credential_set_field (credential, WALLET_FIELD_SECURITY, "WPA");
  wallet_credential_set_field (credential, WALLET_FIELD_HIDDEN, "true");
  set_secret_text (credential, WALLET_FIELD_PASSWORD, "correct horse");
  return credential;
}

static WalletCredential *
make_access_code (void)
{
  WalletCredential *credential = wallet_credential_new (WALLET_CREDENTIAL_ACCESS_CODE);

  wallet_credential_set_title (credential, "Garage");
  wallet_credential_set_field (credential, WALLET_FIELD_LOCATION, "Back door");
  wallet_credential_set_field (credential, WALLET_FIELD_VALID_FROM, "2030-01-01T08:00:00Z");
  wallet_credential_set_field (credential, WALLET_FIELD_VALID_UNTIL, "2030-01-02T08:00:00Z");
  set_secret_text (credential, WALLET_FIELD_CODE, "4711");
  return credential;
}

static void
assert_same_content (WalletCredential *a,
                     WalletCredential *b)
{
  WalletCredentialType type = wallet_credential_get_credential_type (a);
  const WalletFieldInfo *fields;
  guint n_fields;

  g_assert_cmpint (type, ==, wallet_credential_get_credential_type (b));
  g_assert_cmpstr (wallet_credential_get_title (a), ==, wallet_credential_get_title (b));
  fields = wallet_credential_type_get_fields (type, &n_fields);
  for (guint i = 0; i < n_fields; i++)
    {
      TwSecret *secret_a = wallet_credential_get_secret (a, fields[i].name);
      TwSecret *secret_b = wallet_credential_get_secret (b, fields[i].name);

      if ((fields[i].flags & WALLET_FIELD_FLAG_SECRET) == 0)
        g_assert_cmpstr (wallet_credential_get_field (a, fields[i].name), ==,
                         wallet_credential_get_field (b, fields[i].name));
      else
        g_assert_true ((secret_a == NULL && secret_b == NULL) ||
                       (secret_a != NULL && secret_b != NULL &&
                        tw_secret_equal (secret_a, secret_b)));
    }
}

static void
test_new_has_fresh_uuid (void)
{
  g_autoptr(WalletCredential) a = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  g_autoptr(WalletCredential) b = wallet_credential_new (WALLET_CREDENTIAL_PASSWORD);
  const char *id = wallet_credential_get_id (a);

  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpint (id[14], ==, '4');
  g_assert_cmpstr (id, !=, wallet_credential_get_id (b));
  g_assert_nonnull (wallet_credential_get_created (a));
  g_assert_false (wallet_credential_is_read_only (a));
}

typedef WalletCredential *(*MakeFunc) (void);

static void
test_share_round_trip (void)
{
  MakeFunc makers[] = { make_password, make_wifi, make_access_code };

  for (guint i = 0; i < G_N_ELEMENTS (makers); i++)
    {
      g_autoptr(WalletCredential) original = makers[i] ();
      g_autoptr(WalletCredential) received = NULL;
      g_autoptr(TwSecret) content = NULL;
      g_autofree char *format = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (wallet_credential_to_share (original, &format, &content, &error));
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (format, "tigress/"));
      received = wallet_credential_new_from_share (format, content, &error);
      g_assert_no_error (error);
      assert_same_content (original, received);
      g_assert_cmpstr (wallet_credential_get_id (original), !=,
                       wallet_credential_get_id (received));
    }
}

static void
test_storage_round_trip (void)
{
  MakeFunc makers[] = { make_password, make_wifi, make_access_code };

  for (guint i = 0; i < G_N_ELEMENTS (makers); i++)
    {
      g_autoptr(WalletCredential) original = makers[i] ();
      g_autoptr(WalletCredential) restored = NULL;
      g_autoptr(TwSecret) stored = NULL;
      g_autoptr(GError) error = NULL;

      wallet_credential_set_share_id (original, "9a8b7c6d-0000-4000-8000-000000000001");
      stored = wallet_credential_serialize (original);
      restored = wallet_credential_deserialize (stored, &error);
      g_assert_no_error (error);
      assert_same_content (original, restored);
      g_assert_cmpstr (wallet_credential_get_id (original), ==,
                       wallet_credential_get_id (restored));
      g_assert_cmpstr (wallet_credential_get_share_id (restored), ==,
                       "9a8b7c6d-0000-4000-8000-000000000001");
      g_assert_true (g_date_time_equal (wallet_credential_get_created (original),
                                        wallet_credential_get_created (restored)));
    }
}

static void
test_unknown_format_kept_byte_for_byte (void)
{
  const char *content_text = "{ \"title\" : \"Badge\",  \"x-blob\": [1, 2.50, {\"k\":null}] }  ";
  g_autoptr(TwSecret) content = tw_secret_new_from_string (content_text);
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletCredential) unknown = NULL;
  g_autoptr(WalletCredential) restored = NULL;
  g_autoptr(TwSecret) stored = NULL;
  g_autoptr(TwSecret) shared = NULL;
  g_autofree char *format = NULL;

  unknown = wallet_credential_new_from_share ("example/badge-v9", content, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wallet_credential_get_credential_type (unknown), ==,
                   WALLET_CREDENTIAL_UNKNOWN);
  g_assert_true (wallet_credential_is_read_only (unknown));
  g_assert_cmpstr (wallet_credential_get_title (unknown), ==, "Badge");
  g_assert_cmpstr (wallet_credential_get_format (unknown), ==, "example/badge-v9");

  stored = wallet_credential_serialize (unknown);
  restored = wallet_credential_deserialize (stored, &error);
  g_assert_no_error (error);
  g_assert_true (wallet_credential_to_share (restored, &format, &shared, &error));
  g_assert_cmpstr (format, ==, "example/badge-v9");
  g_assert_true (secret_is (shared, content_text));
}

static void
test_known_format_with_extra_member_kept_as_unknown (void)
{
  const char *text = "{\"title\":\"Mail\",\"secret\":\"pw\",\"totp\":\"JBSWY3DP\"}";
  g_autoptr(TwSecret) content = tw_secret_new_from_string (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(WalletCredential) credential =
    wallet_credential_new_from_share (WALLET_FORMAT_PASSWORD, content, &error);

  g_assert_no_error (error);
  g_assert_cmpint (wallet_credential_get_credential_type (credential), ==,
                   WALLET_CREDENTIAL_UNKNOWN);
  g_assert_cmpstr (wallet_credential_get_format (credential), ==, WALLET_FORMAT_PASSWORD);
}

static void
test_bad_share_content_refused (void)
{
  const char *contents[] = {
    "not json",
    "{\"title\":\"a\",\"title\":\"b\",\"secret\":\"x\"}",
    "{\"title\":\"Mail\",\"secret\":42}",
    "{\"secret\":\"x\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (contents); i++)
    {
      g_autoptr(TwSecret) content = tw_secret_new_from_string (contents[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(WalletCredential) credential =
        wallet_credential_new_from_share (WALLET_FORMAT_PASSWORD, content, &error);

      g_assert_null (credential);
      g_assert_error (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_MALFORMED);
    }
}

static void
assert_invalid (WalletCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (wallet_credential_validate (credential, &error));
  g_assert_error (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_INVALID);
  g_test_message ("refused: %s", error->message);
}

static void
assert_valid (WalletCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wallet_credential_validate (credential, &error));
  g_assert_no_error (error);
}

static void
test_validation_per_type (void)
{
  g_autoptr(WalletCredential) password = make_password ();
  g_autoptr(WalletCredential) wifi = make_wifi ();
  g_autoptr(WalletCredential) code = make_access_code ();
  g_autofree char *long_password = g_strnfill (63, 'x');

  assert_valid (password);
  wallet_credential_set_title (password, "   ");
  assert_invalid (password);
  wallet_credential_set_title (password, "Mail");
  wallet_credential_set_secret (password, WALLET_FIELD_SECRET, NULL);
  assert_invalid (password);

  assert_valid (wifi);
  set_secret_text (wifi, WALLET_FIELD_PASSWORD, "1234567");
  assert_invalid (wifi);
  set_secret_text (wifi, WALLET_FIELD_PASSWORD, long_password);
  assert_valid (wifi);
  long_password = (g_free (long_password), g_strnfill (64, 'x'));
  set_secret_text (wifi, WALLET_FIELD_PASSWORD, long_password);
  assert_invalid (wifi);
  wallet_credential_set_field (wifi, WALLET_FIELD_SECURITY, "nopass");
  assert_invalid (wifi);
  wallet_credential_set_secret (wifi, WALLET_FIELD_PASSWORD, NULL);
  assert_valid (wifi);

  assert_valid (code);
  wallet_credential_set_field (code, WALLET_FIELD_VALID_UNTIL, "2029-12-31T08:00:00Z");
  assert_invalid (code);
  wallet_credential_set_field (code, WALLET_FIELD_VALID_UNTIL, "next tuesday");
  assert_invalid (code);
}

static void
test_digital_keys_stay_here (void)
{
  g_autoptr(WalletCredential) owner = wallet_credential_new_digital_key_owner ("Front door");
  g_autoptr(WalletCredential) restored = NULL;
  g_autoptr(WalletCredential) key = NULL;
  g_autoptr(TwSecret) stored = NULL;
  g_autoptr(TwSecret) device_key = tw_secret_new (TW_ED25519_SEED_SIZE);
  g_autoptr(GBytes) certificate = g_bytes_new_static ("certificate bytes", 17);
  g_autoptr(TwSecret) content = NULL;
  g_autofree char *format = NULL;
  g_autoptr(GError) error = NULL;

  assert_valid (owner);
  g_assert_cmpstr (wallet_credential_get_field (owner, WALLET_FIELD_LOCK_EPOCH), ==, "1");
  g_assert_false (wallet_credential_is_shareable (owner));
  g_assert_false (wallet_credential_to_share (owner, &format, &content, &error));
  g_assert_error (error, WALLET_CREDENTIAL_ERROR, WALLET_CREDENTIAL_ERROR_NOT_SHAREABLE);
  g_clear_error (&error);

  stored = wallet_credential_serialize (owner);
  restored = wallet_credential_deserialize (stored, &error);
  g_assert_no_error (error);
  assert_same_content (owner, restored);
  assert_valid (restored);

  tw_random_bytes (tw_secret_get_data (device_key), TW_ED25519_SEED_SIZE);
  key = wallet_credential_new_digital_key ("Front door key", certificate, device_key);
  assert_valid (key);
  g_assert_false (wallet_credential_is_shareable (key));
}

static void
test_copy_is_independent (void)
{
  g_autoptr(WalletCredential) original = make_password ();
  g_autoptr(WalletCredential) copy = wallet_credential_copy (original);

  g_assert_cmpstr (wallet_credential_get_id (copy), ==, wallet_credential_get_id (original));
  wallet_credential_set_field (copy, WALLET_FIELD_USERNAME, "grace");
  g_assert_cmpstr (wallet_credential_get_field (original, WALLET_FIELD_USERNAME), ==, "ada");
}

/* Text that could draw a fake line on a terminal or in a one-line label. */
static const char * const display_tricks[] = {
  "Bank\n  From: verified sender",
  "Bank\x1b[8m",
  "Bank\x1b]0;title\a",
  "Bank\r",
  "Bank\t",
  "Bank\xc2\x9b" "31m",          /* C1 CSI */
  "Bank\xe2\x80\xae" "knaB",     /* right-to-left override */
  "Bank\xe2\x80\xa8" "Relay",    /* line separator */
};

static void
test_control_characters_refused_on_input (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (display_tricks); i++)
    {
      g_autoptr(WalletCredential) titled = make_password ();
      g_autoptr(WalletCredential) named = make_password ();
      g_autoptr(WalletCredential) network = make_wifi ();
      g_autoptr(WalletCredential) noted = make_password ();
      g_autofree char *notes = g_strconcat ("ok\n", display_tricks[i], NULL);

      wallet_credential_set_title (titled, display_tricks[i]);
      assert_invalid (titled);
      wallet_credential_set_field (named, WALLET_FIELD_USERNAME, display_tricks[i]);
      assert_invalid (named);
      wallet_credential_set_field (network, WALLET_FIELD_SSID, display_tricks[i]);
      assert_invalid (network);
      wallet_credential_set_field (noted, WALLET_FIELD_NOTES, notes);
      /* Notes keep their lines and tabs; the rest is refused there too. */
      if (i == 0 || i == 4)
        assert_valid (noted);
      else
        assert_invalid (noted);
    }
}

static void
assert_displayable (const char *text,
                    gboolean    multiline)
{
  g_assert_nonnull (text);
  g_assert_true (wallet_credential_text_is_displayable (text, multiline));
  g_assert_nonnull (strstr (text, "\xef\xbf\xbd"));
}

static void
test_control_characters_neutralised_on_arrival (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (display_tricks); i++)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *json = NULL;
      g_autoptr(TwSecret) content = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(WalletCredential) received = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder, display_tricks[i]);
      json_builder_set_member_name (builder, "username");
      json_builder_add_string_value (builder, display_tricks[i]);
      json_builder_set_member_name (builder, "notes");
      json_builder_add_string_value (builder, "a\nb\x1b[2J");
      json_builder_set_member_name (builder, "secret");
      json_builder_add_string_value (builder, "pass");
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json = json_to_string (root, FALSE);
      content = tw_secret_new_from_string (json);

      received = wallet_credential_new_from_share (WALLET_FORMAT_PASSWORD, content, &error);
      g_assert_no_error (error);
      assert_displayable (wallet_credential_get_title (received), FALSE);
      assert_displayable (wallet_credential_get_field (received, WALLET_FIELD_USERNAME),
                          FALSE);
      g_assert_cmpstr (wallet_credential_get_field (received, WALLET_FIELD_NOTES), ==,
                       "a\nb\xef\xbf\xbd[2J");
      assert_valid (received);
    }
}

int
main (int argc, char **argv)
{
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wallet/credential/new-has-a-fresh-uuid-v4", test_new_has_fresh_uuid);
  g_test_add_func ("/wallet/credential/share/round-trips-each-type", test_share_round_trip);
  g_test_add_func ("/wallet/credential/storage/round-trips-each-type", test_storage_round_trip);
  g_test_add_func ("/wallet/credential/unknown-format/kept-byte-for-byte-and-read-only",
                   test_unknown_format_kept_byte_for_byte);
  g_test_add_func ("/wallet/credential/unknown-member/kept-as-unknown",
                   test_known_format_with_extra_member_kept_as_unknown);
  g_test_add_func ("/wallet/credential/share/bad-content-is-refused",
                   test_bad_share_content_refused);
  g_test_add_func ("/wallet/credential/validate/each-type-says-what-is-wrong",
                   test_validation_per_type);
  g_test_add_func ("/wallet/credential/digital-keys/stay-on-this-device",
                   test_digital_keys_stay_here);
  g_test_add_func ("/wallet/credential/copy-is-independent", test_copy_is_independent);
  g_test_add_func ("/wallet/credential/validate/control-characters-are-refused",
                   test_control_characters_refused_on_input);
  g_test_add_func ("/wallet/credential/share/control-characters-arrive-replaced",
                   test_control_characters_neutralised_on_arrival);

  return g_test_run ();
}
