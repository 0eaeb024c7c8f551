/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-crypto.h"
#include "tw-secret.h"
#include "test-hex.h"

#include <openssl/crypto.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* Published known answers. Each was typed in from its RFC or paper and
 * checked against the openssl command-line tool (and, for AES-GCM and the
 * empty-message Ed25519 case, against a second library) before it went here. */

/* ------------------------------------------------------------------ SHA-256 */

static void
test_sha256_fips180_abc (void)
{
  guint8 digest[TW_SHA256_SIZE];

  tw_sha256 ("abc", 3, digest);
  test_assert_hex (digest, sizeof digest,
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_sha256_fips180_empty (void)
{
  guint8 digest[TW_SHA256_SIZE];

  tw_sha256 (NULL, 0, digest);
  test_assert_hex (digest, sizeof digest,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ------------------------------------------------------------ HMAC-SHA256 */

typedef struct {
  const char *key_hex;
  const char *data;
  const char *mac_hex;
} HmacVector;

static const HmacVector rfc4231_case_1 = {
  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
};
static const HmacVector rfc4231_case_2 = {
  "4a656665" /* "Jefe" */, "what do ya want for nothing?",
  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
};
static const HmacVector rfc4231_case_6 = {
  NULL /* 131 bytes of 0xaa, longer than a block: hashed first */,
  "Test Using Larger Than Block-Size Key - Hash Key First",
  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
};

static void
test_hmac_vector (gconstpointer data)
{
  const HmacVector *vector = data;
  g_autoptr(GBytes) key = NULL;
  guint8 mac[TW_SHA256_SIZE];

  if (vector->key_hex != NULL)
    key = test_hex_decode (vector->key_hex);
  else
    key = g_bytes_new_take (memset (g_malloc (131), 0xaa, 131), 131);

  tw_hmac_sha256 (g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                  vector->data, strlen (vector->data), mac);
  test_assert_hex (mac, sizeof mac, vector->mac_hex);
}

/* Empty keys and inputs are legal and must not be mistaken for "no key";
 * the answers come from Python's hmac module. */
static void
test_hmac_and_hkdf_accept_empty_inputs (void)
{
  guint8 mac[TW_SHA256_SIZE];
  guint8 okm[TW_SHA256_SIZE];

  tw_hmac_sha256 (NULL, 0, NULL, 0, mac);
  test_assert_hex (mac, sizeof mac,
                   "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");

  g_assert_true (tw_hkdf_sha256 (NULL, 0, "salt", 4, "info", 4, okm, sizeof okm, NULL));
  test_assert_hex (okm, sizeof okm,
                   "7aac7b8120501c2c8e1ee50e6cde135361e99ceb9d8d406ac528b9e9175614c0");
}

/* ------------------------------------------------------------ HKDF-SHA256 */

typedef struct {
  const char *ikm_hex;
  const char *salt_hex;
  const char *info_hex;
  const char *okm_hex;
} HkdfVector;

static const HkdfVector rfc5869_case_1 = {
  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
  "000102030405060708090a0b0c",
  "f0f1f2f3f4f5f6f7f8f9",
  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
  "34007208d5b887185865",
};
static const HkdfVector rfc5869_case_2 = {
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
  "404142434445464748494a4b4c4d4e4f",
  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
  "cc30c58179ec3e87c14c01d5c1f3434f1d87",
};
static const HkdfVector rfc5869_case_3 = {
  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
  "",
  "",
  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
  "9d201395faa4b61a96c8",
};

static void
test_hkdf_vector (gconstpointer data)
{
  const HkdfVector *vector = data;
  g_autoptr(GBytes) ikm = test_hex_decode (vector->ikm_hex);
  g_autoptr(GBytes) salt = test_hex_decode (vector->salt_hex);
  g_autoptr(GBytes) info = test_hex_decode (vector->info_hex);
  g_autoptr(GBytes) expected = test_hex_decode (vector->okm_hex);
  g_autoptr(GError) error = NULL;
  gsize okm_size = g_bytes_get_size (expected);
  g_autofree guint8 *okm = g_malloc (okm_size);
  gboolean derived;

  derived = tw_hkdf_sha256 (g_bytes_get_data (ikm, NULL), g_bytes_get_size (ikm),
                            g_bytes_get_data (salt, NULL), g_bytes_get_size (salt),
                            g_bytes_get_data (info, NULL), g_bytes_get_size (info),
                            okm, okm_size, &error);
  g_assert_no_error (error);
  g_assert_true (derived);
  test_assert_hex (okm, okm_size, vector->okm_hex);
}

static void
test_hkdf_refuses_bad_sizes (void)
{
  const guint8 ikm[16] = { 1 };
  guint8 okm[255 * TW_SHA256_SIZE + 1];
  guint8 info[1025] = { 0 };
  gsize refused_output_sizes[] = { 0, sizeof okm };

  for (gsize i = 0; i < G_N_ELEMENTS (refused_output_sizes); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tw_hkdf_sha256 (ikm, sizeof ikm, NULL, 0, NULL, 0,
                                      okm, refused_output_sizes[i], &error));
      g_assert_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (tw_hkdf_sha256 (ikm, sizeof ikm, NULL, 0, info, sizeof info,
                                    okm, 32, &error));
    g_assert_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT);
  }

  /* The largest output RFC 5869 allows still works. */
  g_assert_true (tw_hkdf_sha256 (ikm, sizeof ikm, NULL, 0, info, 1024,
                                 okm, 255 * TW_SHA256_SIZE, NULL));
}

/* ------------------------------------------------------------------ scrypt */

typedef struct {
  const char *password;
  const char *salt;
  guint64 n;
  guint32 r;
  guint32 p;
  const char *key_hex;
} ScryptVector;

static const ScryptVector rfc7914_vector_1 = {
  "", "", 16, 1, 1,
  "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
  "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
};
static const ScryptVector rfc7914_vector_2 = {
  "password", "NaCl", 1024, 8, 16,
  "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
  "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
};
static const ScryptVector rfc7914_vector_3 = {
  "pleaseletmein", "SodiumChloride", 16384, 8, 1,
  "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
  "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
};

static void
test_scrypt_vector (gconstpointer data)
{
  const ScryptVector *vector = data;
  g_autoptr(GError) error = NULL;
  guint8 key[64];

  g_assert_true (tw_scrypt (vector->password, strlen (vector->password),
                            vector->salt, strlen (vector->salt),
                            vector->n, vector->r, vector->p, key, sizeof key, &error));
  g_assert_no_error (error);
  test_assert_hex (key, sizeof key, vector->key_hex);
}

/* The wallet wraps its data key with these costs; the memory ceiling must
 * leave room for them. */
static void
test_scrypt_accepts_the_wallet_cost (void)
{
  g_autoptr(GError) error = NULL;
  guint8 key_a[32], key_b[32];

  g_assert_true (tw_scrypt ("passcode", 8, "salt", 4, 1 << 17, 8, 1,
                            key_a, sizeof key_a, &error));
  g_assert_no_error (error);
  g_assert_true (tw_scrypt ("passcodf", 8, "salt", 4, 1 << 17, 8, 1,
                            key_b, sizeof key_b, &error));
  g_assert_no_error (error);
  g_assert_false (tw_memeq_ct (key_a, key_b, sizeof key_a));
}

static void
test_scrypt_refuses_bad_costs (void)
{
  const struct { guint64 n; guint32 r; guint32 p; gsize out_size; } refused[] = {
    { 0, 8, 1, 32 },
    { 1, 8, 1, 32 },
    { 1000, 8, 1, 32 },                /* not a power of two */
    { 1024, 0, 1, 32 },
    { 1024, 8, 0, 32 },
    { 1 << 20, 8, 1, 32 },             /* 1 GiB: over the memory ceiling */
    { G_GUINT64_CONSTANT (1) << 62, 8, 1, 32 },
    { 16, 1, G_MAXUINT32, 32 },
    { 16, 1, 1, 0 },
  };
  guint8 key[32];

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tw_scrypt ("pw", 2, "salt", 4, refused[i].n, refused[i].r, refused[i].p,
                                 key, refused[i].out_size, &error));
      g_assert_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT);
    }
}

/* ----------------------------------------------------------------- AES-GCM */

typedef struct {
  const char *key_hex;
  const char *iv_hex;
  const char *aad_hex;
  const char *plaintext_hex;
  const char *ciphertext_hex;
  const char *tag_hex;
} GcmVector;

#define GCM_MV_PLAINTEXT_60 \
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"

/* McGrew and Viega, "The Galois/Counter Mode of Operation", test cases. */
static const GcmVector gcm_case_2_aes128 = {
  "00000000000000000000000000000000", "000000000000000000000000", "",
  "00000000000000000000000000000000",
  "0388dace60b6a392f328c2b971b2fe78",
  "ab6e47d42cec13bdf53a67b21257bddf",
};
static const GcmVector gcm_case_4_aes128_aad = {
  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
  GCM_MV_PLAINTEXT_60,
  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
  "5bc94fbc3221a5db94fae95ae7121a47",
};
static const GcmVector gcm_case_14_aes256 = {
  "0000000000000000000000000000000000000000000000000000000000000000",
  "000000000000000000000000", "",
  "00000000000000000000000000000000",
  "cea7403d4d606b6e074ec5d3baf39d18",
  "d0d1c8a799996bf0265b98b5d48ab919",
};
static const GcmVector gcm_case_16_aes256_aad = {
  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
  "cafebabefacedbaddecaf888",
  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
  GCM_MV_PLAINTEXT_60,
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
  "76fc6ece0f4e1768cddf8853bb2d551b",
};

static void
test_gcm_vector (gconstpointer data)
{
  const GcmVector *vector = data;
  g_autoptr(GBytes) key = test_hex_decode (vector->key_hex);
  g_autoptr(GBytes) aad = test_hex_decode (vector->aad_hex);
  g_autoptr(GBytes) plaintext = test_hex_decode (vector->plaintext_hex);
  g_autofree char *sealed_hex = g_strconcat (vector->iv_hex, vector->ciphertext_hex,
                                             vector->tag_hex, NULL);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(TwSecret) opened = NULL;
  g_autoptr(GError) error = NULL;
  guint8 iv[TW_AES_GCM_IV_SIZE];

  test_hex_decode_into (vector->iv_hex, iv, sizeof iv);
  sealed = tw_aes_gcm_seal_with_iv (g_bytes_get_data (key, NULL), g_bytes_get_size (key), iv,
                                    g_bytes_get_data (aad, NULL), g_bytes_get_size (aad),
                                    g_bytes_get_data (plaintext, NULL),
                                    g_bytes_get_size (plaintext), &error);
  g_assert_no_error (error);
  test_assert_hex (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), sealed_hex);

  opened = tw_aes_gcm_open (g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                            g_bytes_get_data (aad, NULL), g_bytes_get_size (aad),
                            g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed), &error);
  g_assert_no_error (error);
  test_assert_hex (tw_secret_get_data (opened), tw_secret_get_size (opened),
                   vector->plaintext_hex);
}

static void
assert_open_is_refused (const guint8 *key,
                        gsize         key_size,
                        const char   *aad,
                        const guint8 *sealed,
                        gsize         sealed_size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSecret) opened = NULL;

  opened = tw_aes_gcm_open (key, key_size, aad, strlen (aad), sealed, sealed_size, &error);
  g_assert_null (opened);
  g_assert_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_AUTHENTICATION);
}

static void
check_every_altered_byte_is_refused (gsize key_size)
{
  const char *aad = "label share-id th";
  const char *message = "a credential that must arrive intact";
  guint8 key[32], other_key[32];
  g_autoptr(GBytes) sealed = NULL;
  g_autofree guint8 *altered = NULL;
  gsize sealed_size;

  tw_random_bytes (key, sizeof key);
  memcpy (other_key, key, sizeof key);
  other_key[0] ^= 1;
  sealed = tw_aes_gcm_seal (key, key_size, aad, strlen (aad),
                            message, strlen (message), NULL);
  g_assert_nonnull (sealed);
  altered = g_bytes_unref_to_data (g_steal_pointer (&sealed), &sealed_size);
  g_assert_cmpuint (sealed_size, ==, strlen (message) + 28);

  for (gsize i = 0; i < sealed_size; i++)
    {
      altered[i] ^= 0x01;
      assert_open_is_refused (key, key_size, aad, altered, sealed_size);
      altered[i] ^= 0x81;
      assert_open_is_refused (key, key_size, aad, altered, sealed_size);
      altered[i] ^= 0x80;
    }

  /* Untouched it opens; with other associated data, another key or a
   * dropped last byte it does not. */
  {
    g_autoptr(TwSecret) opened = tw_aes_gcm_open (key, key_size, aad, strlen (aad),
                                                  altered, sealed_size, NULL);
    g_assert_nonnull (opened);
    g_assert_cmpstr (tw_secret_get_text (opened), ==, message);
  }
  assert_open_is_refused (key, key_size, "label share-id tH", altered, sealed_size);
  assert_open_is_refused (key, key_size, "", altered, sealed_size);
  assert_open_is_refused (other_key, key_size, aad, altered, sealed_size);
  assert_open_is_refused (key, key_size, aad, altered, sealed_size - 1);
  tw_wipe (key, sizeof key);
}

static void
test_gcm_every_altered_byte_is_refused (void)
{
  check_every_altered_byte_is_refused (16);
  check_every_altered_byte_is_refused (32);
}

static void
test_gcm_wrong_key_size_is_refused (void)
{
  const gsize refused_sizes[] = { 0, 1, 15, 17, 24, 31, 33, 64 };
  guint8 key[64] = { 0 };
  guint8 sealed[64] = { 0 };
  guint8 iv[TW_AES_GCM_IV_SIZE] = { 0 };

  for (gsize i = 0; i < G_N_ELEMENTS (refused_sizes); i++)
    {
      g_autoptr(GError) seal_error = NULL;
      g_autoptr(GError) seal_iv_error = NULL;
      g_autoptr(GError) open_error = NULL;

      g_assert_null (tw_aes_gcm_seal (key, refused_sizes[i], NULL, 0, "x", 1, &seal_error));
      g_assert_error (seal_error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY);
      g_assert_null (tw_aes_gcm_seal_with_iv (key, refused_sizes[i], iv, NULL, 0, "x", 1,
                                              &seal_iv_error));
      g_assert_error (seal_iv_error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY);
      g_assert_null (tw_aes_gcm_open (key, refused_sizes[i], NULL, 0, sealed, sizeof sealed,
                                      &open_error));
      g_assert_error (open_error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY);
    }
}

static void
test_gcm_truncated_message_is_refused (void)
{
  guint8 key[32] = { 0 };
  guint8 sealed[TW_AES_GCM_IV_SIZE + TW_AES_GCM_TAG_SIZE] = { 0 };

  for (gsize size = 0; size < sizeof sealed; size++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (tw_aes_gcm_open (key, sizeof key, NULL, 0, sealed, size, &error));
      g_assert_error (error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_INPUT);
    }
}

static void
test_gcm_seal_picks_a_fresh_iv (void)
{
  guint8 key[16];
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(TwSecret) opened = NULL;
  g_autoptr(GError) error = NULL;

  tw_random_bytes (key, sizeof key);
  first = tw_aes_gcm_seal (key, sizeof key, NULL, 0, NULL, 0, &error);
  g_assert_no_error (error);
  second = tw_aes_gcm_seal (key, sizeof key, NULL, 0, NULL, 0, &error);
  g_assert_no_error (error);

  /* An empty message still carries an IV and a tag. */
  g_assert_cmpuint (g_bytes_get_size (first), ==, 28);
  g_assert_false (g_bytes_equal (first, second));
  g_assert_false (memcmp (g_bytes_get_data (first, NULL), g_bytes_get_data (second, NULL),
                          TW_AES_GCM_IV_SIZE) == 0);

  opened = tw_aes_gcm_open (key, sizeof key, NULL, 0, g_bytes_get_data (second, NULL),
                            g_bytes_get_size (second), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tw_secret_get_size (opened), ==, 0);
}

/* ----------------------------------------------------------------- Ed25519 */

typedef struct {
  const char *seed_hex;
  const char *public_hex;
  const char *message_hex;
  const char *signature_hex;
} Ed25519Vector;

static const Ed25519Vector rfc8032_test_1 = {
  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
  "",
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
};
static const Ed25519Vector rfc8032_test_2 = {
  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
  "72",
  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
};
static const Ed25519Vector rfc8032_test_3 = {
  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
  "af82",
  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
  "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
};
static const Ed25519Vector rfc8032_test_sha_abc = {
  "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
  "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
  /* SHA-512("abc") */
  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
  "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
};

static void
test_ed25519_vector (gconstpointer data)
{
  const Ed25519Vector *vector = data;
  g_autoptr(GBytes) seed_bytes = test_hex_decode (vector->seed_hex);
  g_autoptr(GBytes) message = test_hex_decode (vector->message_hex);
  g_autoptr(TwSecret) seed = NULL;
  g_autoptr(GError) error = NULL;
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];
  gsize message_size = g_bytes_get_size (message);

  seed = tw_secret_new_from_data (g_bytes_get_data (seed_bytes, NULL),
                                  g_bytes_get_size (seed_bytes));
  g_assert_true (tw_ed25519_public_key (seed, public_key, &error));
  g_assert_no_error (error);
  test_assert_hex (public_key, sizeof public_key, vector->public_hex);

  g_assert_true (tw_ed25519_sign (seed, g_bytes_get_data (message, NULL), message_size,
                                  signature, &error));
  g_assert_no_error (error);
  test_assert_hex (signature, sizeof signature, vector->signature_hex);

  g_assert_true (tw_ed25519_verify (public_key, g_bytes_get_data (message, NULL),
                                    message_size, signature));
}

static void
test_ed25519_any_flipped_bit_is_refused (void)
{
  g_autoptr(TwSecret) seed = NULL;
  guint8 public_key[TW_ED25519_PUBLIC_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];
  guint8 message[] = "tigress-wallet v1 msg-sig\0signed part";

  tw_ed25519_generate (&seed, public_key);
  g_assert_true (tw_ed25519_sign (seed, message, sizeof message, signature, NULL));
  g_assert_true (tw_ed25519_verify (public_key, message, sizeof message, signature));

  for (gsize bit = 0; bit < 8 * sizeof signature; bit++)
    {
      signature[bit / 8] ^= 1 << (bit % 8);
      g_assert_false (tw_ed25519_verify (public_key, message, sizeof message, signature));
      signature[bit / 8] ^= 1 << (bit % 8);
    }
  for (gsize bit = 0; bit < 8 * sizeof message; bit++)
    {
      message[bit / 8] ^= 1 << (bit % 8);
      g_assert_false (tw_ed25519_verify (public_key, message, sizeof message, signature));
      message[bit / 8] ^= 1 << (bit % 8);
    }
  for (gsize bit = 0; bit < 8 * sizeof public_key; bit++)
    {
      public_key[bit / 8] ^= 1 << (bit % 8);
      g_assert_false (tw_ed25519_verify (public_key, message, sizeof message, signature));
      public_key[bit / 8] ^= 1 << (bit % 8);
    }

  g_assert_true (tw_ed25519_verify (public_key, message, sizeof message, signature));
  g_assert_false (tw_ed25519_verify (public_key, message, sizeof message - 1, signature));
}

static void
test_ed25519_generate_makes_distinct_working_keys (void)
{
  g_autoptr(TwSecret) first_seed = NULL;
  g_autoptr(TwSecret) second_seed = NULL;
  guint8 first_public[TW_ED25519_PUBLIC_SIZE], second_public[TW_ED25519_PUBLIC_SIZE];
  guint8 derived_public[TW_ED25519_PUBLIC_SIZE];
  guint8 signature[TW_ED25519_SIG_SIZE];

  tw_ed25519_generate (&first_seed, first_public);
  tw_ed25519_generate (&second_seed, second_public);
  g_assert_cmpuint (tw_secret_get_size (first_seed), ==, TW_ED25519_SEED_SIZE);
  g_assert_false (tw_secret_equal (first_seed, second_seed));
  g_assert_false (memcmp (first_public, second_public, sizeof first_public) == 0);

  g_assert_true (tw_ed25519_public_key (first_seed, derived_public, NULL));
  g_assert_cmpmem (derived_public, sizeof derived_public, first_public, sizeof first_public);

  g_assert_true (tw_ed25519_sign (first_seed, "m", 1, signature, NULL));
  g_assert_true (tw_ed25519_verify (first_public, "m", 1, signature));
  g_assert_false (tw_ed25519_verify (second_public, "m", 1, signature));
}

static void
test_ed25519_wrong_seed_size_is_refused (void)
{
  const gsize refused_sizes[] = { 0, 31, 33, 64 };

  for (gsize i = 0; i < G_N_ELEMENTS (refused_sizes); i++)
    {
      g_autoptr(TwSecret) seed = tw_secret_new (refused_sizes[i]);
      g_autoptr(GError) public_error = NULL;
      g_autoptr(GError) sign_error = NULL;
      guint8 public_key[TW_ED25519_PUBLIC_SIZE];
      guint8 signature[TW_ED25519_SIG_SIZE];

      g_assert_false (tw_ed25519_public_key (seed, public_key, &public_error));
      g_assert_error (public_error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY);
      g_assert_false (tw_ed25519_sign (seed, "m", 1, signature, &sign_error));
      g_assert_error (sign_error, TW_CRYPTO_ERROR, TW_CRYPTO_ERROR_BAD_KEY);
    }
}

/* ------------------------------------------------- comparison and randomness */

static void
test_memeq_ct_compares_every_byte (void)
{
  guint8 a[48], b[48];

  tw_random_bytes (a, sizeof a);
  memcpy (b, a, sizeof a);
  g_assert_true (tw_memeq_ct (a, b, sizeof a));
  g_assert_true (tw_memeq_ct (NULL, NULL, 0));

  for (gsize i = 0; i < sizeof a; i++)
    {
      b[i] ^= 0x80;
      g_assert_false (tw_memeq_ct (a, b, sizeof a));
      /* Only the given length counts. */
      g_assert_true (tw_memeq_ct (a, b, i));
      b[i] ^= 0x80;
    }
}

static void
test_random_uniform_stays_in_range (void)
{
  const guint32 bounds[] = { 1, 2, 3, 6, 10, 1000000, 0x80000001u, G_MAXUINT32 };

  for (gsize i = 0; i < G_N_ELEMENTS (bounds); i++)
    for (guint draw = 0; draw < 20000; draw++)
      g_assert_cmpuint (tw_random_uniform (bounds[i]), <, bounds[i]);
}

/* Not a statistical test, which could fail by chance: with 6000 draws the
 * chance that a value of a die never shows is about 6 * (5/6)^6000. */
static void
test_random_uniform_reaches_every_value (void)
{
  guint seen[6] = { 0 };

  for (guint draw = 0; draw < 6000; draw++)
    seen[tw_random_uniform (6)]++;
  for (gsize value = 0; value < G_N_ELEMENTS (seen); value++)
    g_assert_cmpuint (seen[value], >, 0);
}

static void
test_random_bytes_are_fresh (void)
{
  guint8 first[32], second[32];

  tw_random_bytes (first, sizeof first);
  tw_random_bytes (second, sizeof second);
  g_assert_false (memcmp (first, second, sizeof first) == 0);
  tw_random_bytes (NULL, 0);
}

static void
test_wipe_zeroes_the_buffer (void)
{
  guint8 buffer[64];

  memset (buffer, 0xa5, sizeof buffer);
  tw_wipe (buffer + 8, 48);
  for (gsize i = 0; i < sizeof buffer; i++)
    g_assert_cmpuint (buffer[i], ==, i < 8 || i >= 56 ? 0xa5 : 0);
}

static void
test_init_is_idempotent_and_hardens_the_process (void)
{
  struct rlimit core_limit;

  tw_crypto_init ();
  tw_crypto_init ();

  g_assert_true (CRYPTO_secure_malloc_initialized ());
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  g_assert_cmpint (getrlimit (RLIMIT_CORE, &core_limit), ==, 0);
  g_assert_cmpuint (core_limit.rlim_cur, ==, 0);
  g_assert_cmpuint (core_limit.rlim_max, ==, 0);
}

/* ---------------------------------------------------------------- TwSecret */

static void
test_secret_lives_until_the_last_reference (void)
{
  g_autoptr(TwSecret) secret = tw_secret_new_from_string ("123456");
  TwSecret *second_reference = tw_secret_ref (secret);

  g_assert_true (second_reference == secret);
  tw_secret_unref (second_reference);

  g_assert_cmpuint (tw_secret_get_size (secret), ==, 6);
  g_assert_cmpstr (tw_secret_get_text (secret), ==, "123456");
  g_assert_cmpuint (tw_secret_get_data (secret)[6], ==, 0);
}

static void
test_secret_equal_compares_contents (void)
{
  g_autoptr(TwSecret) a = tw_secret_new_from_data ("abcdef", 6);
  g_autoptr(TwSecret) same = tw_secret_new_from_string ("abcdef");
  g_autoptr(TwSecret) other = tw_secret_new_from_string ("abcdeg");
  g_autoptr(TwSecret) shorter = tw_secret_new_from_string ("abcde");
  g_autoptr(TwSecret) zeroes = tw_secret_new (6);

  g_assert_true (tw_secret_equal (a, same));
  g_assert_false (tw_secret_equal (a, other));
  g_assert_false (tw_secret_equal (a, shorter));
  g_assert_false (tw_secret_equal (a, zeroes));
  for (gsize i = 0; i < 6; i++)
    g_assert_cmpuint (tw_secret_get_data (zeroes)[i], ==, 0);
}

/* A wallet with many credentials can fill the fixed secure heap; secrets
 * made after that must still work (on the ordinary heap), not abort. */
static void
test_secret_outlives_a_full_secure_heap (void)
{
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func ((GDestroyNotify) tw_secret_unref);
  gboolean saw_ordinary_heap = FALSE;

  for (guint i = 0; i < 40000 && !saw_ordinary_heap; i++)
    {
      TwSecret *secret = tw_secret_new (64);

      g_ptr_array_add (held, secret);
      saw_ordinary_heap = !CRYPTO_secure_allocated (tw_secret_get_data (secret));
    }
  g_assert_true (saw_ordinary_heap);

  {
    TwSecret *last = g_ptr_array_index (held, held->len - 1);

    memset (tw_secret_get_data (last), 0x5a, 64);
    g_assert_cmpuint (tw_secret_get_data (last)[63], ==, 0x5a);
    g_assert_cmpuint (tw_secret_get_data (last)[64], ==, 0);
  }
}

static void
test_secret_is_wiped_on_the_secure_heap (void)
{
  const gsize size = 100;
  TwSecret *secret = tw_secret_new (size);
  guint8 *data = tw_secret_get_data (secret);
  size_t used_while_alive;

  g_assert_true (CRYPTO_secure_allocated (data));
  memset (data, 0xa5, size);
  used_while_alive = CRYPTO_secure_used ();

  tw_secret_unref (secret);
  g_assert_cmpuint (CRYPTO_secure_used (), <, used_while_alive);

  /* The secure heap is one mapping that stays for the life of the process,
   * so the freed chunk can still be read. Its allocator writes only two list
   * pointers at the start of a free chunk; everything after them must be the
   * zeroes the wipe left. */
  for (gsize i = 2 * sizeof (gpointer); i < size; i++)
    g_assert_cmpuint (data[i], ==, 0);
}

int
main (int    argc,
      char **argv)
{
  tw_crypto_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crypto/sha256/fips180-abc", test_sha256_fips180_abc);
  g_test_add_func ("/crypto/sha256/fips180-empty", test_sha256_fips180_empty);
  g_test_add_data_func ("/crypto/hmac-sha256/rfc4231-case-1", &rfc4231_case_1,
                        test_hmac_vector);
  g_test_add_data_func ("/crypto/hmac-sha256/rfc4231-case-2", &rfc4231_case_2,
                        test_hmac_vector);
  g_test_add_data_func ("/crypto/hmac-sha256/rfc4231-case-6-long-key", &rfc4231_case_6,
                        test_hmac_vector);
  g_test_add_func ("/crypto/hmac-sha256/empty-key-and-inputs-are-accepted",
                   test_hmac_and_hkdf_accept_empty_inputs);
  g_test_add_data_func ("/crypto/hkdf-sha256/rfc5869-case-1", &rfc5869_case_1,
                        test_hkdf_vector);
  g_test_add_data_func ("/crypto/hkdf-sha256/rfc5869-case-2", &rfc5869_case_2,
                        test_hkdf_vector);
  g_test_add_data_func ("/crypto/hkdf-sha256/rfc5869-case-3-empty-salt-and-info",
                        &rfc5869_case_3, test_hkdf_vector);
  g_test_add_func ("/crypto/hkdf-sha256/bad-sizes-are-refused", test_hkdf_refuses_bad_sizes);
  g_test_add_data_func ("/crypto/scrypt/rfc7914-vector-1", &rfc7914_vector_1,
                        test_scrypt_vector);
  g_test_add_data_func ("/crypto/scrypt/rfc7914-vector-2", &rfc7914_vector_2,
                        test_scrypt_vector);
  g_test_add_data_func ("/crypto/scrypt/rfc7914-vector-3", &rfc7914_vector_3,
                        test_scrypt_vector);
  g_test_add_func ("/crypto/scrypt/wallet-cost-fits-the-memory-ceiling",
                   test_scrypt_accepts_the_wallet_cost);
  g_test_add_func ("/crypto/scrypt/bad-costs-are-refused", test_scrypt_refuses_bad_costs);
  g_test_add_data_func ("/crypto/aes-gcm/mcgrew-viega-case-2-aes128", &gcm_case_2_aes128,
                        test_gcm_vector);
  g_test_add_data_func ("/crypto/aes-gcm/mcgrew-viega-case-4-aes128-aad",
                        &gcm_case_4_aes128_aad, test_gcm_vector);
  g_test_add_data_func ("/crypto/aes-gcm/mcgrew-viega-case-14-aes256", &gcm_case_14_aes256,
                        test_gcm_vector);
  g_test_add_data_func ("/crypto/aes-gcm/mcgrew-viega-case-16-aes256-aad",
                        &gcm_case_16_aes256_aad, test_gcm_vector);
  g_test_add_func ("/crypto/aes-gcm/every-altered-byte-is-refused",
                   test_gcm_every_altered_byte_is_refused);
  g_test_add_func ("/crypto/aes-gcm/wrong-key-size-is-refused",
                   test_gcm_wrong_key_size_is_refused);
  g_test_add_func ("/crypto/aes-gcm/truncated-message-is-refused",
                   test_gcm_truncated_message_is_refused);
  g_test_add_func ("/crypto/aes-gcm/seal-picks-a-fresh-iv", test_gcm_seal_picks_a_fresh_iv);
  g_test_add_data_func ("/crypto/ed25519/rfc8032-test-1", &rfc8032_test_1,
                        test_ed25519_vector);
  g_test_add_data_func ("/crypto/ed25519/rfc8032-test-2", &rfc8032_test_2,
                        test_ed25519_vector);
  g_test_add_data_func ("/crypto/ed25519/rfc8032-test-3", &rfc8032_test_3,
                        test_ed25519_vector);
  g_test_add_data_func ("/crypto/ed25519/rfc8032-test-sha-abc", &rfc8032_test_sha_abc,
                        test_ed25519_vector);
  g_test_add_func ("/crypto/ed25519/any-flipped-bit-is-refused",
                   test_ed25519_any_flipped_bit_is_refused);
  g_test_add_func ("/crypto/ed25519/generate-makes-distinct-working-keys",
                   test_ed25519_generate_makes_distinct_working_keys);
  g_test_add_func ("/crypto/ed25519/wrong-seed-size-is-refused",
                   test_ed25519_wrong_seed_size_is_refused);
  g_test_add_func ("/crypto/memeq-ct/compares-every-byte", test_memeq_ct_compares_every_byte);
  g_test_add_func ("/crypto/random/uniform-stays-in-range", test_random_uniform_stays_in_range);
  g_test_add_func ("/crypto/random/uniform-reaches-every-value",
                   test_random_uniform_reaches_every_value);
  g_test_add_func ("/crypto/random/bytes-are-fresh", test_random_bytes_are_fresh);
  g_test_add_func ("/crypto/wipe/zeroes-the-buffer", test_wipe_zeroes_the_buffer);
  g_test_add_func ("/crypto/init/is-idempotent-and-hardens-the-process",
                   test_init_is_idempotent_and_hardens_the_process);
  g_test_add_func ("/secret/lives-until-the-last-reference",
                   test_secret_lives_until_the_last_reference);
  g_test_add_func ("/secret/equal-compares-contents", test_secret_equal_compares_contents);
  g_test_add_func ("/secret/is-wiped-on-the-secure-heap", test_secret_is_wiped_on_the_secure_heap);
  g_test_add_func ("/secret/outlives-a-full-secure-heap",
                   test_secret_outlives_a_full_secure_heap);

  return g_test_run ();
}
