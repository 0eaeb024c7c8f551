/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-crypto.h"
#include "tw-spake2.h"
#include "test-hex.h"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <string.h>

#define SHARE_ID "4b0a7c3e-2f61-4d9b-9a57-0e8d1c6f3b21"
#define AAD      "th_1 || share id || suite"

/* ----------------------------------------------------- RFC 9382 vectors */

/* One [vector N] group of tests/protocol/vectors/rfc9382-p256.txt, read at
 * run time so the file, not a copy typed into this test, is the reference. */
typedef struct {
  char *identity_a;
  char *identity_b;
  GKeyFile *file;
  char *group;
} Vector;

static void
vector_free (Vector *vector)
{
  g_free (vector->identity_a);
  g_free (vector->identity_b);
  g_key_file_unref (vector->file);
  g_free (vector->group);
  g_free (vector);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Vector, vector_free)

static char *
unquote_identity (GKeyFile   *file,
                  const char *group,
                  const char *key)
{
  g_autofree char *quoted = g_key_file_get_value (file, group, key, NULL);
  gsize length;

  g_assert_nonnull (quoted);
  length = strlen (quoted);
  g_assert_cmpuint (length, >=, 2);
  g_assert_true (quoted[0] == '\'' && quoted[length - 1] == '\'');

  return g_strndup (quoted + 1, length - 2);
}

static Vector *
vector_load (guint number)
{
  const char *srcdir = g_getenv ("TW_TEST_SRCDIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  Vector *vector = g_new0 (Vector, 1);

  g_assert_nonnull (srcdir);
  path = g_build_filename (srcdir, "protocol", "vectors", "rfc9382-p256.txt", NULL);
  vector->file = g_key_file_new ();
  g_key_file_load_from_file (vector->file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);

  vector->group = g_strdup_printf ("vector %u", number);
  vector->identity_a = unquote_identity (vector->file, vector->group, "A");
  vector->identity_b = unquote_identity (vector->file, vector->group, "B");

  return vector;
}

static GBytes *
vector_bytes (Vector     *vector,
              const char *field)
{
  g_autofree char *hex = g_key_file_get_value (vector->file, vector->group, field, NULL);

  g_assert_nonnull (hex);
  return test_hex_decode (hex);
}

static TwSecret *
vector_secret (Vector     *vector,
               const char *field)
{
  g_autoptr(GBytes) bytes = vector_bytes (vector, field);

  return tw_secret_new_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
assert_bytes_equal (gconstpointer data,
                    gsize         size,
                    GBytes       *expected)
{
  g_assert_cmpmem (data, size, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* Checks the file's own arithmetic: Hash(TT) splits into Ke and Ka, Ka
 * expands into KcA and KcB, and those key MAC_A and MAC_B over TT. This uses
 * only tw-crypto, so a wrong vector cannot hide behind the SPAKE2 code. */
static void
check_vector_key_schedule (Vector *vector)
{
  g_autoptr(GBytes) tt = vector_bytes (vector, "TT");
  g_autoptr(GBytes) hash = vector_bytes (vector, "Hash(TT)");
  g_autoptr(GBytes) ka = vector_bytes (vector, "Ka");
  g_autoptr(GBytes) kc_a = vector_bytes (vector, "KcA");
  g_autoptr(GBytes) kc_b = vector_bytes (vector, "KcB");
  g_autoptr(GBytes) mac_a = vector_bytes (vector, "MAC_A");
  g_autoptr(GBytes) mac_b = vector_bytes (vector, "MAC_B");
  guint8 digest[TW_SHA256_SIZE], confirmation_keys[32], mac[TW_SHA256_SIZE];

  tw_sha256 (g_bytes_get_data (tt, NULL), g_bytes_get_size (tt), digest);
  assert_bytes_equal (digest, sizeof digest, hash);
  assert_bytes_equal (digest + 16, 16, ka);

  g_assert_true (tw_hkdf_sha256 (g_bytes_get_data (ka, NULL), 16, NULL, 0,
                                 "ConfirmationKeys", 16, confirmation_keys, 32, NULL));
  assert_bytes_equal (confirmation_keys, 16, kc_a);
  assert_bytes_equal (confirmation_keys + 16, 16, kc_b);

  tw_hmac_sha256 (g_bytes_get_data (kc_a, NULL), 16, g_bytes_get_data (tt, NULL),
                  g_bytes_get_size (tt), mac);
  assert_bytes_equal (mac, sizeof mac, mac_a);
  tw_hmac_sha256 (g_bytes_get_data (kc_b, NULL), 16, g_bytes_get_data (tt, NULL),
                  g_bytes_get_size (tt), mac);
  assert_bytes_equal (mac, sizeof mac, mac_b);
}

/* K sits in TT after the two identities and the two shares. */
static void
check_transcript (Vector *vector,
                  GBytes *transcript)
{
  g_autoptr(GBytes) tt = vector_bytes (vector, "TT");
  g_autoptr(GBytes) k = vector_bytes (vector, "K");
  gsize k_offset = 5 * 8 + strlen (vector->identity_a) + strlen (vector->identity_b) + 2 * 65;
  const guint8 *ours = g_bytes_get_data (transcript, NULL);

  g_assert_true (g_bytes_equal (transcript, tt));
  assert_bytes_equal (ours + k_offset, 65, k);
}

static void
test_vector_role (guint        number,
                  TwSpake2Role role)
{
  g_autoptr(Vector) vector = vector_load (number);
  gboolean is_a = role == TW_SPAKE2_ROLE_A;
  g_autoptr(TwSecret) w = vector_secret (vector, "w");
  g_autoptr(TwSecret) scalar = vector_secret (vector, is_a ? "x" : "y");
  g_autoptr(GBytes) own_share = vector_bytes (vector, is_a ? "pA" : "pB");
  g_autoptr(GBytes) peer_share = vector_bytes (vector, is_a ? "pB" : "pA");
  g_autoptr(GBytes) own_mac = vector_bytes (vector, is_a ? "MAC_A" : "MAC_B");
  g_autoptr(GBytes) peer_mac = vector_bytes (vector, is_a ? "MAC_B" : "MAC_A");
  g_autoptr(GBytes) ke = vector_bytes (vector, "Ke");
  g_autoptr(TwSpake2) spake = NULL;
  g_autoptr(GBytes) transcript = NULL;
  g_autoptr(TwSecret) shared_key = NULL;
  g_autoptr(GError) error = NULL;
  guint8 share[TW_SPAKE2_POINT_SIZE], mac[TW_SPAKE2_MAC_SIZE];

  check_vector_key_schedule (vector);

  spake = tw_spake2_new_with_scalar (role, vector->identity_a, vector->identity_b,
                                     w, scalar, &error);
  g_assert_no_error (error);
  tw_spake2_get_share (spake, share);
  assert_bytes_equal (share, sizeof share, own_share);

  tw_spake2_finish (spake, g_bytes_get_data (peer_share, NULL), NULL, 0, &error);
  g_assert_no_error (error);
  transcript = tw_spake2_get_transcript (spake);
  check_transcript (vector, transcript);

  tw_spake2_get_confirmation (spake, mac);
  assert_bytes_equal (mac, sizeof mac, own_mac);
  g_assert_true (tw_spake2_verify_confirmation (spake, g_bytes_get_data (peer_mac, NULL),
                                                &error));
  g_assert_no_error (error);

  shared_key = tw_spake2_get_shared_key (spake);
  assert_bytes_equal (tw_secret_get_data (shared_key), tw_secret_get_size (shared_key), ke);
}

static void
test_vector_as_a (gconstpointer data)
{
  test_vector_role (GPOINTER_TO_UINT (data), TW_SPAKE2_ROLE_A);
}

static void
test_vector_as_b (gconstpointer data)
{
  test_vector_role (GPOINTER_TO_UINT (data), TW_SPAKE2_ROLE_B);
}

/* ---------------------------------------------------------- bad shares */

/* Party A of vector 1, before finish. */
static TwSpake2 *
new_vector_1_a (Vector *vector)
{
  g_autoptr(TwSecret) w = vector_secret (vector, "w");
  g_autoptr(TwSecret) x = vector_secret (vector, "x");
  g_autoptr(GError) error = NULL;
  TwSpake2 *spake;

  spake = tw_spake2_new_with_scalar (TW_SPAKE2_ROLE_A, vector->identity_a, vector->identity_b,
                                     w, x, &error);
  g_assert_no_error (error);
  return spake;
}

static void
assert_share_refused (TwSpake2     *spake,
                      const guint8  share[TW_SPAKE2_POINT_SIZE])
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tw_spake2_finish (spake, share, NULL, 0, &error));
  g_assert_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_BAD_POINT);
}

/* After a refused share the exchange is untouched: the real share still
 * gives the RFC's transcript. */
static void
assert_real_share_still_works (Vector   *vector,
                               TwSpake2 *spake)
{
  g_autoptr(GBytes) pb = vector_bytes (vector, "pB");
  g_autoptr(GBytes) transcript = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (tw_spake2_finish (spake, g_bytes_get_data (pb, NULL), NULL, 0, &error));
  g_assert_no_error (error);
  transcript = tw_spake2_get_transcript (spake);
  check_transcript (vector, transcript);
}

static void
test_off_curve_point_is_refused (void)
{
  g_autoptr(Vector) vector = vector_load (1);
  g_autoptr(TwSpake2) spake = new_vector_1_a (vector);
  g_autoptr(GBytes) pb = vector_bytes (vector, "pB");
  guint8 share[TW_SPAKE2_POINT_SIZE];

  /* A changed y (or x) leaves the curve. */
  for (gsize i = 1; i < sizeof share; i += 7)
    {
      memcpy (share, g_bytes_get_data (pb, NULL), sizeof share);
      share[i] ^= 0x01;
      assert_share_refused (spake, share);
    }

  /* Coordinates of all ones are at least the field prime; zeroes, (0, 0),
   * is no curve point either. */
  memset (share, 0xff, sizeof share);
  share[0] = 0x04;
  assert_share_refused (spake, share);
  memset (share, 0, sizeof share);
  share[0] = 0x04;
  assert_share_refused (spake, share);

  assert_real_share_still_works (vector, spake);
}

static void
test_infinity_is_refused (void)
{
  g_autoptr(Vector) vector = vector_load (1);
  g_autoptr(TwSpake2) spake = new_vector_1_a (vector);
  guint8 share[TW_SPAKE2_POINT_SIZE];

  /* SEC1 writes infinity as a single 00; padded, it is all zeroes. */
  memset (share, 0, sizeof share);
  assert_share_refused (spake, share);

  assert_real_share_still_works (vector, spake);
}

/* A peer that knows w can send exactly w*N, so that pB - w*N is the identity
 * and K would be a value everyone knows. */
static void
test_share_that_cancels_the_blind_is_refused (void)
{
  g_autoptr(Vector) vector = vector_load (1);
  g_autoptr(TwSpake2) spake = new_vector_1_a (vector);
  g_autoptr(GBytes) w = vector_bytes (vector, "w");
  static const guint8 n_compressed[] = {
    0x03, 0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37, 0xb0, 0x4d, 0x99, 0x7f, 0x38, 0xc3,
    0x77, 0x07, 0x19, 0xc6, 0x29, 0xd7, 0x01, 0x4d, 0x49, 0xa2, 0x4b, 0x4f, 0x98, 0xba, 0xa1,
    0x29, 0x2b, 0x49,
  };
  EC_GROUP *group = EC_GROUP_new_by_curve_name (NID_X9_62_prime256v1);
  EC_POINT *n = EC_POINT_new (group);
  EC_POINT *w_n = EC_POINT_new (group);
  BIGNUM *w_value = BN_bin2bn (g_bytes_get_data (w, NULL), 32, NULL);
  guint8 share[TW_SPAKE2_POINT_SIZE];

  g_assert_cmpint (EC_POINT_oct2point (group, n, n_compressed, sizeof n_compressed, NULL), ==, 1);
  g_assert_cmpint (EC_POINT_mul (group, w_n, NULL, n, w_value, NULL), ==, 1);
  g_assert_cmpuint (EC_POINT_point2oct (group, w_n, POINT_CONVERSION_UNCOMPRESSED,
                                        share, sizeof share, NULL), ==, sizeof share);

  assert_share_refused (spake, share);
  assert_real_share_still_works (vector, spake);

  BN_clear_free (w_value);
  EC_POINT_free (w_n);
  EC_POINT_free (n);
  EC_GROUP_free (group);
}

static void
test_compressed_point_is_refused (void)
{
  g_autoptr(Vector) vector = vector_load (1);
  g_autoptr(TwSpake2) spake = new_vector_1_a (vector);
  g_autoptr(GBytes) pb = vector_bytes (vector, "pB");
  const guint8 *pb_data = g_bytes_get_data (pb, NULL);
  guint8 share[TW_SPAKE2_POINT_SIZE];

  /* pB's x with both parity prefixes: one of them is pB itself. */
  for (guint8 prefix = 0x02; prefix <= 0x03; prefix++)
    {
      memset (share, 0, sizeof share);
      share[0] = prefix;
      memcpy (share + 1, pb_data + 1, 32);
      assert_share_refused (spake, share);
    }

  assert_real_share_still_works (vector, spake);
}

static void
test_wrong_prefix_byte_is_refused (void)
{
  g_autoptr(Vector) vector = vector_load (1);
  g_autoptr(TwSpake2) spake = new_vector_1_a (vector);
  g_autoptr(GBytes) pb = vector_bytes (vector, "pB");
  /* 06 and 07 are SEC1's hybrid form, which OpenSSL would accept for a real
   * point: the transcript must see one encoding only. */
  const guint8 prefixes[] = { 0x00, 0x01, 0x05, 0x06, 0x07, 0x14, 0x84, 0xff };
  guint8 share[TW_SPAKE2_POINT_SIZE];

  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      memcpy (share, g_bytes_get_data (pb, NULL), sizeof share);
      share[0] = prefixes[i];
      assert_share_refused (spake, share);
    }

  assert_real_share_still_works (vector, spake);
}

static void
test_reflected_share_is_refused (void)
{
  g_autoptr(Vector) vector = vector_load (1);
  g_autoptr(TwSpake2) spake = new_vector_1_a (vector);
  guint8 share[TW_SPAKE2_POINT_SIZE];

  tw_spake2_get_share (spake, share);
  assert_share_refused (spake, share);
  assert_real_share_still_works (vector, spake);
}

/* ------------------------------------------------------- whole exchanges */

static TwSpake2 *
new_party (TwSpake2Role  role,
           const char   *pin)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) w = tw_spake2_derive_w (pin, SHARE_ID, &error);
  TwSpake2 *spake;

  g_assert_no_error (error);
  spake = tw_spake2_new (role, TW_SPAKE2_IDENTITY_A, TW_SPAKE2_IDENTITY_B, w, &error);
  g_assert_no_error (error);
  return spake;
}

/* Each side finishes with the other's share; returns both confirmations. */
static void
exchange_shares (TwSpake2   *first,
                 TwSpake2   *second,
                 const char *first_aad,
                 const char *second_aad,
                 guint8      first_mac[TW_SPAKE2_MAC_SIZE],
                 guint8      second_mac[TW_SPAKE2_MAC_SIZE])
{
  guint8 first_share[TW_SPAKE2_POINT_SIZE], second_share[TW_SPAKE2_POINT_SIZE];
  g_autoptr(GError) error = NULL;

  tw_spake2_get_share (first, first_share);
  tw_spake2_get_share (second, second_share);
  g_assert_true (tw_spake2_finish (second, first_share, second_aad, strlen (second_aad),
                                   &error));
  g_assert_no_error (error);
  g_assert_true (tw_spake2_finish (first, second_share, first_aad, strlen (first_aad),
                                   &error));
  g_assert_no_error (error);
  tw_spake2_get_confirmation (first, first_mac);
  tw_spake2_get_confirmation (second, second_mac);
}

static void
assert_confirmation_fails (TwSpake2     *spake,
                           const guint8  peer_mac[TW_SPAKE2_MAC_SIZE])
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tw_spake2_verify_confirmation (spake, peer_mac, &error));
  g_assert_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_CONFIRMATION);
}

static void
test_pin_and_aad_agree_on_ke (void)
{
  g_autoptr(TwSpake2) sender = new_party (TW_SPAKE2_ROLE_A, "602214");
  g_autoptr(TwSpake2) recipient = new_party (TW_SPAKE2_ROLE_B, "602214");
  g_autoptr(TwSecret) sender_key = NULL;
  g_autoptr(TwSecret) recipient_key = NULL;
  g_autoptr(GError) error = NULL;
  guint8 sender_mac[TW_SPAKE2_MAC_SIZE], recipient_mac[TW_SPAKE2_MAC_SIZE];

  exchange_shares (sender, recipient, AAD, AAD, sender_mac, recipient_mac);
  g_assert_false (memcmp (sender_mac, recipient_mac, sizeof sender_mac) == 0);

  /* The recipient's cB travels first (in accept), then the sender's cA. */
  g_assert_true (tw_spake2_verify_confirmation (sender, recipient_mac, &error));
  g_assert_no_error (error);
  g_assert_true (tw_spake2_verify_confirmation (recipient, sender_mac, &error));
  g_assert_no_error (error);

  sender_key = tw_spake2_get_shared_key (sender);
  recipient_key = tw_spake2_get_shared_key (recipient);
  g_assert_cmpuint (tw_secret_get_size (sender_key), ==, TW_SPAKE2_KE_SIZE);
  g_assert_true (tw_secret_equal (sender_key, recipient_key));
}

static void
test_fresh_scalars_give_fresh_keys (void)
{
  TwSecret *keys[2] = { NULL, NULL };
  guint8 shares[2][TW_SPAKE2_POINT_SIZE];

  for (guint run = 0; run < 2; run++)
    {
      g_autoptr(TwSpake2) sender = new_party (TW_SPAKE2_ROLE_A, "602214");
      g_autoptr(TwSpake2) recipient = new_party (TW_SPAKE2_ROLE_B, "602214");
      guint8 sender_mac[TW_SPAKE2_MAC_SIZE], recipient_mac[TW_SPAKE2_MAC_SIZE];

      tw_spake2_get_share (sender, shares[run]);
      exchange_shares (sender, recipient, AAD, AAD, sender_mac, recipient_mac);
      g_assert_true (tw_spake2_verify_confirmation (sender, recipient_mac, NULL));
      keys[run] = tw_spake2_get_shared_key (sender);
    }

  g_assert_false (memcmp (shares[0], shares[1], TW_SPAKE2_POINT_SIZE) == 0);
  g_assert_false (tw_secret_equal (keys[0], keys[1]));
  tw_secret_unref (keys[0]);
  tw_secret_unref (keys[1]);
}

static void
test_wrong_pin_fails_on_both_sides (void)
{
  g_autoptr(TwSpake2) sender = new_party (TW_SPAKE2_ROLE_A, "602214");
  g_autoptr(TwSpake2) recipient = new_party (TW_SPAKE2_ROLE_B, "602215");
  guint8 sender_mac[TW_SPAKE2_MAC_SIZE], recipient_mac[TW_SPAKE2_MAC_SIZE];

  exchange_shares (sender, recipient, AAD, AAD, sender_mac, recipient_mac);
  assert_confirmation_fails (sender, recipient_mac);
  assert_confirmation_fails (recipient, sender_mac);
}

static void
test_different_aad_fails_confirmation (void)
{
  g_autoptr(TwSpake2) sender = new_party (TW_SPAKE2_ROLE_A, "602214");
  g_autoptr(TwSpake2) recipient = new_party (TW_SPAKE2_ROLE_B, "602214");
  guint8 sender_mac[TW_SPAKE2_MAC_SIZE], recipient_mac[TW_SPAKE2_MAC_SIZE];

  exchange_shares (sender, recipient, AAD, AAD "!", sender_mac, recipient_mac);
  assert_confirmation_fails (sender, recipient_mac);
  assert_confirmation_fails (recipient, sender_mac);
}

static void
test_swapped_roles_fail_confirmation (void)
{
  const TwSpake2Role roles[] = { TW_SPAKE2_ROLE_A, TW_SPAKE2_ROLE_B };

  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(TwSpake2) first = new_party (roles[i], "602214");
      g_autoptr(TwSpake2) second = new_party (roles[i], "602214");
      guint8 first_mac[TW_SPAKE2_MAC_SIZE], second_mac[TW_SPAKE2_MAC_SIZE];

      exchange_shares (first, second, AAD, AAD, first_mac, second_mac);
      assert_confirmation_fails (first, second_mac);
      assert_confirmation_fails (second, first_mac);
    }
}

/* The sender saves its scalar with the share in progress; after a restart
 * the restored exchange must end exactly where the first would have. */
static void
test_restored_scalar_gives_the_same_result (void)
{
  g_autoptr(TwSecret) w = tw_spake2_derive_w ("602214", SHARE_ID, NULL);
  g_autoptr(TwSpake2) recipient = new_party (TW_SPAKE2_ROLE_B, "602214");
  g_autoptr(TwSpake2) restored = NULL;
  g_autoptr(TwSecret) saved_scalar = NULL;
  g_autoptr(TwSecret) sender_key = NULL;
  g_autoptr(TwSecret) recipient_key = NULL;
  g_autoptr(GError) error = NULL;
  guint8 sent_share[TW_SPAKE2_POINT_SIZE], restored_share[TW_SPAKE2_POINT_SIZE];
  guint8 sender_mac[TW_SPAKE2_MAC_SIZE], recipient_mac[TW_SPAKE2_MAC_SIZE];

  {
    g_autoptr(TwSpake2) sender = tw_spake2_new (TW_SPAKE2_ROLE_A, TW_SPAKE2_IDENTITY_A,
                                                TW_SPAKE2_IDENTITY_B, w, &error);
    g_assert_no_error (error);
    tw_spake2_get_share (sender, sent_share);
    saved_scalar = tw_spake2_get_scalar (sender);
  }
  g_assert_cmpuint (tw_secret_get_size (saved_scalar), ==, TW_SPAKE2_SCALAR_SIZE);

  restored = tw_spake2_new_with_scalar (TW_SPAKE2_ROLE_A, TW_SPAKE2_IDENTITY_A,
                                        TW_SPAKE2_IDENTITY_B, w, saved_scalar, &error);
  g_assert_no_error (error);
  tw_spake2_get_share (restored, restored_share);
  g_assert_cmpmem (restored_share, sizeof restored_share, sent_share, sizeof sent_share);

  exchange_shares (restored, recipient, AAD, AAD, sender_mac, recipient_mac);
  g_assert_true (tw_spake2_verify_confirmation (restored, recipient_mac, &error));
  g_assert_true (tw_spake2_verify_confirmation (recipient, sender_mac, &error));
  g_assert_no_error (error);
  sender_key = tw_spake2_get_shared_key (restored);
  recipient_key = tw_spake2_get_shared_key (recipient);
  g_assert_true (tw_secret_equal (sender_key, recipient_key));
}

/* ------------------------------------------------------------- state */

static void
test_calls_out_of_order_are_refused (void)
{
  g_autoptr(TwSpake2) sender = new_party (TW_SPAKE2_ROLE_A, "602214");
  g_autoptr(TwSpake2) recipient = new_party (TW_SPAKE2_ROLE_B, "602215");
  guint8 recipient_share[TW_SPAKE2_POINT_SIZE];
  guint8 mac[TW_SPAKE2_MAC_SIZE] = { 0 };
  g_autoptr(GError) early_verify = NULL;
  g_autoptr(GError) second_finish = NULL;
  g_autoptr(GError) verify_after_failure = NULL;
  TwSecret *key;

  g_assert_false (tw_spake2_verify_confirmation (sender, mac, &early_verify));
  g_assert_error (early_verify, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_STATE);

  g_test_expect_message ("tigress-protocol", G_LOG_LEVEL_CRITICAL, "*state*");
  tw_spake2_get_confirmation (sender, mac);
  g_test_assert_expected_messages ();
  for (gsize i = 0; i < sizeof mac; i++)
    g_assert_cmpuint (mac[i], ==, 0);

  tw_spake2_get_share (recipient, recipient_share);
  g_assert_true (tw_spake2_finish (sender, recipient_share, NULL, 0, NULL));
  g_assert_false (tw_spake2_finish (sender, recipient_share, NULL, 0, &second_finish));
  g_assert_error (second_finish, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_STATE);

  /* Ke before the peer has confirmed it is refused. */
  g_test_expect_message ("tigress-protocol", G_LOG_LEVEL_CRITICAL, "*state*");
  key = tw_spake2_get_shared_key (sender);
  g_test_assert_expected_messages ();
  g_assert_null (key);

  /* One wrong MAC ends the exchange: the right one no longer helps. */
  assert_confirmation_fails (sender, mac);
  g_assert_false (tw_spake2_verify_confirmation (sender, mac, &verify_after_failure));
  g_assert_error (verify_after_failure, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_STATE);
}

/* -------------------------------------------------------- w and scalars */

/* Computed independently: `openssl kdf` for the HKDF, then a big-integer
 * reduction modulo the P-256 order; both inputs need the reduction. */
static void
test_derive_w_known_answer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) w = tw_spake2_derive_w ("123456", SHARE_ID, &error);
  g_autoptr(TwSecret) w_zeros = tw_spake2_derive_w ("000000", SHARE_ID, &error);

  g_assert_no_error (error);
  test_assert_hex (tw_secret_get_data (w), tw_secret_get_size (w),
                   "4c172129e307f1cef6d8c2d1f16d2e2ea1b821bf89a65e9a64f69f4e148ca31e");
  test_assert_hex (tw_secret_get_data (w_zeros), tw_secret_get_size (w_zeros),
                   "d197bc89282ef82968e47f9ae0d3358035257e1a037283ee56359362133ca0d7");
}

static void
test_derive_w_depends_on_pin_and_share (void)
{
  g_autoptr(TwSecret) w = tw_spake2_derive_w ("123456", SHARE_ID, NULL);
  g_autoptr(TwSecret) other_pin = tw_spake2_derive_w ("123457", SHARE_ID, NULL);
  g_autoptr(TwSecret) other_share = tw_spake2_derive_w ("123456", SHARE_ID "0", NULL);
  g_autoptr(TwSecret) again = tw_spake2_derive_w ("123456", SHARE_ID, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (tw_secret_equal (w, again));
  g_assert_false (tw_secret_equal (w, other_pin));
  g_assert_false (tw_secret_equal (w, other_share));

  g_assert_null (tw_spake2_derive_w ("", SHARE_ID, &error));
  g_assert_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED);
}

/* P-256's group order n. */
static const guint8 group_order[32] = {
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
  0x25, 0x51,
};

static void
test_scalars_are_reduced_mod_n (void)
{
  g_autoptr(TwSecret) w = tw_spake2_derive_w ("602214", SHARE_ID, NULL);
  g_autoptr(TwSecret) small = tw_secret_new (32);
  g_autoptr(TwSecret) small_plus_n = tw_secret_new_from_data (group_order, 32);
  g_autoptr(TwSpake2) first = NULL;
  g_autoptr(TwSpake2) second = NULL;
  guint8 first_share[TW_SPAKE2_POINT_SIZE], second_share[TW_SPAKE2_POINT_SIZE];

  /* 5 and n + 5 (which still fits in 32 bytes) are the same scalar. */
  tw_secret_get_data (small)[31] = 5;
  tw_secret_get_data (small_plus_n)[31] += 5;
  first = tw_spake2_new_with_scalar (TW_SPAKE2_ROLE_B, "", "", w, small, NULL);
  second = tw_spake2_new_with_scalar (TW_SPAKE2_ROLE_B, "", "", w, small_plus_n, NULL);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  tw_spake2_get_share (first, first_share);
  tw_spake2_get_share (second, second_share);
  g_assert_cmpmem (first_share, sizeof first_share, second_share, sizeof second_share);
}

static void
test_zero_and_wrong_size_values_are_refused (void)
{
  g_autoptr(TwSecret) w = tw_spake2_derive_w ("602214", SHARE_ID, NULL);
  g_autoptr(TwSecret) zero = tw_secret_new (32);
  g_autoptr(TwSecret) order = tw_secret_new_from_data (group_order, 32);
  g_autoptr(TwSecret) short_value = tw_secret_new (31);
  TwSecret *refused[][2] = {
    { zero, w }, { order, w }, { short_value, w },   /* as w */
    { w, zero }, { w, order }, { w, short_value },   /* as the scalar */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TwSpake2) spake = NULL;

      spake = tw_spake2_new_with_scalar (TW_SPAKE2_ROLE_A, "", "", refused[i][0],
                                         refused[i][1], &error);
      g_assert_null (spake);
      g_assert_error (error, TW_SPAKE2_ERROR, TW_SPAKE2_ERROR_FAILED);
    }
}

int
main (int    argc,
      char **argv)
{
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  for (guint number = 1; number <= 4; number++)
    {
      g_autofree char *path_a = g_strdup_printf ("/spake2/rfc9382/vector-%u/as-a", number);
      g_autofree char *path_b = g_strdup_printf ("/spake2/rfc9382/vector-%u/as-b", number);

      g_test_add_data_func (path_a, GUINT_TO_POINTER (number), test_vector_as_a);
      g_test_add_data_func (path_b, GUINT_TO_POINTER (number), test_vector_as_b);
    }
  g_test_add_func ("/spake2/peer-share/off-curve-point-is-refused",
                   test_off_curve_point_is_refused);
  g_test_add_func ("/spake2/peer-share/infinity-is-refused", test_infinity_is_refused);
  g_test_add_func ("/spake2/peer-share/share-that-cancels-the-blind-is-refused",
                   test_share_that_cancels_the_blind_is_refused);
  g_test_add_func ("/spake2/peer-share/compressed-point-is-refused",
                   test_compressed_point_is_refused);
  g_test_add_func ("/spake2/peer-share/wrong-prefix-byte-is-refused",
                   test_wrong_prefix_byte_is_refused);
  g_test_add_func ("/spake2/peer-share/reflected-share-is-refused",
                   test_reflected_share_is_refused);
  g_test_add_func ("/spake2/exchange/pin-and-aad-agree-on-ke", test_pin_and_aad_agree_on_ke);
  g_test_add_func ("/spake2/exchange/fresh-scalars-give-fresh-keys",
                   test_fresh_scalars_give_fresh_keys);
  g_test_add_func ("/spake2/exchange/wrong-pin-fails-on-both-sides",
                   test_wrong_pin_fails_on_both_sides);
  g_test_add_func ("/spake2/exchange/different-aad-fails-confirmation",
                   test_different_aad_fails_confirmation);
  g_test_add_func ("/spake2/exchange/swapped-roles-fail-confirmation",
                   test_swapped_roles_fail_confirmation);
  g_test_add_func ("/spake2/exchange/restored-scalar-gives-the-same-result",
                   test_restored_scalar_gives_the_same_result);
  g_test_add_func ("/spake2/state/calls-out-of-order-are-refused",
                   test_calls_out_of_order_are_refused);
  g_test_add_func ("/spake2/derive-w/known-answer", test_derive_w_known_answer);
  g_test_add_func ("/spake2/derive-w/depends-on-pin-and-share",
                   test_derive_w_depends_on_pin_and_share);
  g_test_add_func ("/spake2/scalar/values-are-reduced-mod-n", test_scalars_are_reduced_mod_n);
  g_test_add_func ("/spake2/scalar/zero-and-wrong-size-values-are-refused",
                   test_zero_and_wrong_size_values_are_refused);

  return g_test_run ();
}
