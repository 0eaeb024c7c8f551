/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-link-key.h"

/* Known answers computed outside this project (Python's hmac and hashlib,
 * with HKDF written out from RFC 5869) for seed r = 00 01 .. 0f and this m1. */
static const char m1_text[] = "{\"format\":\"deliver\"}            ";
static const char expected_key_hex[] =
  "000102030405060708090a0b0c0d0e0f" "f7d6a95d" "ab0eed3ac71658e1a077fcb2";
static const char expected_bind_token_hex[] =
  "291fd097557931940e654e9fdcede6850c3f710a08e0b1df8ee2f589b56406d1";
static const char expected_bind_header[] = "KR/Ql1V5MZQOZU6f3O3mhQw/cQoI4LHfjuL1ibVkBtE=";
static const char expected_verifier[] = "8hjvwnJrv884JKlBZooa7i0HPDK9SfPIqEHMmk+4kl8=";

static TwSecret *
secret_from_hex (const char *hex)
{
  gsize size = strlen (hex) / 2;
  TwSecret *secret = tw_secret_new (size);
  guint8 *data = tw_secret_get_data (secret);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4
                        | g_ascii_xdigit_value (hex[2 * i + 1]));
  return secret;
}

static TwSecret *
known_seed (void)
{
  TwSecret *seed = tw_secret_new (TW_LINK_KEY_SEED_SIZE);

  for (guint i = 0; i < TW_LINK_KEY_SEED_SIZE; i++)
    tw_secret_get_data (seed)[i] = (guint8) i;
  return seed;
}

static TwSecret *
known_key (void)
{
  g_autoptr (TwSecret) seed = known_seed ();
  g_autoptr (GError) error = NULL;
  TwSecret *key = tw_link_key_derive (seed, m1_text, strlen (m1_text), &error);

  g_assert_no_error (error);
  return key;
}

static void
test_derive_matches_known_answer (void)
{
  g_autoptr (TwSecret) key = known_key ();
  g_autoptr (TwSecret) expected = secret_from_hex (expected_key_hex);

  g_assert_cmpuint (tw_secret_get_size (key), ==, TW_LINK_KEY_SIZE);
  g_assert_true (tw_secret_equal (key, expected));
}

static void
test_derive_refuses_wrong_seed_size (void)
{
  g_autoptr (TwSecret) seed = tw_secret_new (32);
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) key = tw_link_key_derive (seed, "x", 1, &error);

  g_assert_null (key);
  g_assert_error (error, TW_LINK_KEY_ERROR, TW_LINK_KEY_ERROR_BAD_SIZE);
}

static void
test_new_seeds_are_fresh (void)
{
  g_autoptr (TwSecret) first = tw_link_key_new_seed ();
  g_autoptr (TwSecret) second = tw_link_key_new_seed ();

  g_assert_cmpuint (tw_secret_get_size (first), ==, TW_LINK_KEY_SEED_SIZE);
  g_assert_false (tw_secret_equal (first, second));
}

static void
test_check_verified_for_the_committed_message (void)
{
  g_autoptr (TwSecret) seed = tw_link_key_new_seed ();
  g_autoptr (TwSecret) key = tw_link_key_derive (seed, m1_text, strlen (m1_text), NULL);
  g_autoptr (TwSecret) known = known_key ();

  g_assert_cmpint (tw_link_key_check (key, m1_text, strlen (m1_text)), ==,
                   TW_LINK_KEY_VERIFIED);
  g_assert_cmpint (tw_link_key_check (known, m1_text, strlen (m1_text)), ==,
                   TW_LINK_KEY_VERIFIED);
}

/* Any change to m1 (a byte, its padding, its length) is seen. */
static void
test_check_altered_when_the_message_changed (void)
{
  g_autoptr (TwSecret) key = known_key ();
  g_autofree char *one_byte = g_strdup (m1_text);
  g_autofree char *padded = g_strconcat (m1_text, " ", NULL);

  one_byte[3] ^= 0x01;
  g_assert_cmpint (tw_link_key_check (key, one_byte, strlen (one_byte)), ==,
                   TW_LINK_KEY_ALTERED);
  g_assert_cmpint (tw_link_key_check (key, padded, strlen (padded)), ==,
                   TW_LINK_KEY_ALTERED);
  g_assert_cmpint (tw_link_key_check (key, m1_text, strlen (m1_text) - 1), ==,
                   TW_LINK_KEY_ALTERED);
  g_assert_cmpint (tw_link_key_check (key, "", 0), ==, TW_LINK_KEY_ALTERED);
}

/* A changed commitment byte in the key is the same as a changed message. */
static void
test_check_altered_when_the_commitment_changed (void)
{
  for (guint offset = 20; offset < TW_LINK_KEY_SIZE; offset++)
    {
      g_autoptr (TwSecret) key = known_key ();

      tw_secret_get_data (key)[offset] ^= 0x80;
      g_assert_cmpint (tw_link_key_check (key, m1_text, strlen (m1_text)), ==,
                       TW_LINK_KEY_ALTERED);
    }
}

static void
test_check_foreign_without_our_marker (void)
{
  g_autoptr (TwSecret) sixteen = secret_from_hex ("000102030405060708090a0b0c0d0e0f");
  /* Bytes 20 .. 3f: a key whose marker we checked does not match. */
  g_autoptr (TwSecret) other_app = secret_from_hex (
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");

  g_assert_cmpint (tw_link_key_check (sixteen, m1_text, strlen (m1_text)), ==,
                   TW_LINK_KEY_FOREIGN);
  g_assert_cmpint (tw_link_key_check (other_app, m1_text, strlen (m1_text)), ==,
                   TW_LINK_KEY_FOREIGN);

  for (guint offset = 0; offset < 20; offset++)
    {
      g_autoptr (TwSecret) key = known_key ();

      /* A changed seed or marker byte breaks the marker. */
      tw_secret_get_data (key)[offset] ^= 0x01;
      g_assert_cmpint (tw_link_key_check (key, m1_text, strlen (m1_text)), ==,
                       TW_LINK_KEY_FOREIGN);
    }
}

static void
test_bind_token_matches_known_answer (void)
{
  g_autoptr (TwSecret) key = known_key ();
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) token = tw_link_key_derive_bind_token (key, &error);
  g_autoptr (TwSecret) expected = secret_from_hex (expected_bind_token_hex);
  g_autoptr (TwSecret) header = NULL;
  g_autofree char *verifier = NULL;

  g_assert_no_error (error);
  g_assert_true (tw_secret_equal (token, expected));

  header = tw_link_key_bind_token_header (token);
  verifier = tw_link_key_bind_verifier (token);
  g_assert_true (strcmp (tw_secret_get_text (header), expected_bind_header) == 0);
  g_assert_cmpstr (verifier, ==, expected_verifier);
}

static void
test_bind_token_stable_and_different_per_key (void)
{
  g_autoptr (TwSecret) key = known_key ();
  g_autoptr (TwSecret) first = tw_link_key_derive_bind_token (key, NULL);
  g_autoptr (TwSecret) again = tw_link_key_derive_bind_token (key, NULL);
  g_autoptr (TwSecret) seed = tw_link_key_new_seed ();
  g_autoptr (TwSecret) other_key = tw_link_key_derive (seed, m1_text, strlen (m1_text), NULL);
  g_autoptr (TwSecret) other = tw_link_key_derive_bind_token (other_key, NULL);
  g_autoptr (TwSecret) sixteen = secret_from_hex ("000102030405060708090a0b0c0d0e0f");
  g_autoptr (TwSecret) from_sixteen = tw_link_key_derive_bind_token (sixteen, NULL);

  g_assert_cmpuint (tw_secret_get_size (first), ==, TW_BIND_TOKEN_SIZE);
  g_assert_true (tw_secret_equal (first, again));
  g_assert_false (tw_secret_equal (first, other));
  g_assert_nonnull (from_sixteen);
  g_assert_false (tw_secret_equal (first, from_sixteen));
}

static void
test_bind_token_refuses_wrong_key_size (void)
{
  g_autoptr (TwSecret) key = tw_secret_new (20);
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) token = tw_link_key_derive_bind_token (key, &error);

  g_assert_null (token);
  g_assert_error (error, TW_LINK_KEY_ERROR, TW_LINK_KEY_ERROR_BAD_SIZE);
}

static void
test_bind_token_header_matches_only_its_verifier (void)
{
  g_autoptr (TwSecret) key = known_key ();
  g_autoptr (TwSecret) token = tw_link_key_derive_bind_token (key, NULL);
  g_autoptr (TwSecret) header = tw_link_key_bind_token_header (token);
  g_autofree char *verifier = tw_link_key_bind_verifier (token);
  g_autoptr (TwSecret) seed = tw_link_key_new_seed ();
  g_autoptr (TwSecret) other_key = tw_link_key_derive (seed, "m", 1, NULL);
  g_autoptr (TwSecret) other_token = tw_link_key_derive_bind_token (other_key, NULL);
  g_autoptr (TwSecret) other_header = tw_link_key_bind_token_header (other_token);
  g_autofree char *unpadded = g_strndup (tw_secret_get_text (header), 43);
  g_autofree char *short_header = tw_base64_encode (tw_secret_get_data (token), 31);

  g_assert_true (tw_link_key_bind_token_matches (tw_secret_get_text (header), verifier));
  g_assert_true (tw_link_key_bind_token_matches (unpadded, verifier));
  g_assert_false (tw_link_key_bind_token_matches (tw_secret_get_text (other_header),
                                                  verifier));
  /* The verifier itself is not a token. */
  g_assert_false (tw_link_key_bind_token_matches (verifier, verifier));
  g_assert_false (tw_link_key_bind_token_matches (short_header, verifier));
  g_assert_false (tw_link_key_bind_token_matches ("", verifier));
  g_assert_false (tw_link_key_bind_token_matches ("not base64!", verifier));
  g_assert_false (tw_link_key_bind_token_matches (tw_secret_get_text (header), ""));
  g_assert_false (tw_link_key_bind_token_matches (tw_secret_get_text (header), "????"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tw_crypto_init ();

  g_test_add_func ("/link-key/derive/matches-known-answer", test_derive_matches_known_answer);
  g_test_add_func ("/link-key/derive/refuses-wrong-seed-size",
                   test_derive_refuses_wrong_seed_size);
  g_test_add_func ("/link-key/seed/is-fresh-each-time", test_new_seeds_are_fresh);
  g_test_add_func ("/link-key/check/verified-for-the-committed-message",
                   test_check_verified_for_the_committed_message);
  g_test_add_func ("/link-key/check/altered-when-the-message-changed",
                   test_check_altered_when_the_message_changed);
  g_test_add_func ("/link-key/check/altered-when-the-commitment-changed",
                   test_check_altered_when_the_commitment_changed);
  g_test_add_func ("/link-key/check/foreign-without-our-marker",
                   test_check_foreign_without_our_marker);
  g_test_add_func ("/link-key/bind-token/matches-known-answer",
                   test_bind_token_matches_known_answer);
  g_test_add_func ("/link-key/bind-token/stable-and-different-per-key",
                   test_bind_token_stable_and_different_per_key);
  g_test_add_func ("/link-key/bind-token/refuses-wrong-key-size",
                   test_bind_token_refuses_wrong_key_size);
  g_test_add_func ("/link-key/bind-token/header-matches-only-its-verifier",
                   test_bind_token_header_matches_only_its_verifier);

  return g_test_run ();
}
