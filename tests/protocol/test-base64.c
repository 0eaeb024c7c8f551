/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-base64.h"

/* RFC 4648, section 10, plus bytes that use the two alphabet-specific
 * characters in every position. */
typedef struct {
  const char *bytes;
  gsize size;
  const char *standard_padded;
  const char *url_unpadded;
} Vector;

static const Vector vectors[] = {
  { "", 0, "", "" },
  { "f", 1, "Zg==", "Zg" },
  { "fo", 2, "Zm8=", "Zm8" },
  { "foo", 3, "Zm9v", "Zm9v" },
  { "foob", 4, "Zm9vYg==", "Zm9vYg" },
  { "fooba", 5, "Zm9vYmE=", "Zm9vYmE" },
  { "foobar", 6, "Zm9vYmFy", "Zm9vYmFy" },
  { "\xfb\xff\xbf\xfb\xff\xbf", 6, "+/+/+/+/", "-_-_-_-_" },
  { "\xfb\xff\xbf\xfe", 4, "+/+//g==", "-_-__g" },
};

/* The padded URL-safe and unpadded standard spellings of @vector. */
static char *
url_padded (const Vector *vector)
{
  gsize length = strlen (vector->url_unpadded);
  GString *text = g_string_new (vector->url_unpadded);

  while (length++ % 4 != 0)
    g_string_append_c (text, '=');
  return g_string_free (text, FALSE);
}

static char *
standard_unpadded (const Vector *vector)
{
  char *text = g_strdup (vector->standard_padded);
  char *padding = strchr (text, '=');

  if (padding != NULL)
    *padding = '\0';
  return text;
}

static void
assert_decodes (const char       *text,
                TwBase64Alphabet  alphabets,
                const Vector     *vector)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) secret = tw_base64_decode_secret (text, -1, alphabets, &error);
  g_autoptr (GBytes) bytes = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (secret);
  g_assert_cmpmem (tw_secret_get_data (secret), tw_secret_get_size (secret),
                   vector->bytes, vector->size);

  bytes = tw_base64_decode_bytes (text, (gssize) strlen (text), alphabets, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   vector->bytes, vector->size);
  g_assert_cmpuint (tw_base64_decoded_size (text, strlen (text)), ==, vector->size);
}

static void
test_decode_both_alphabets_padded_or_not (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      const Vector *vector = &vectors[i];
      g_autofree char *url_with_padding = url_padded (vector);
      g_autofree char *standard_without_padding = standard_unpadded (vector);

      assert_decodes (vector->standard_padded, TW_BASE64_STANDARD, vector);
      assert_decodes (standard_without_padding, TW_BASE64_STANDARD, vector);
      assert_decodes (vector->url_unpadded, TW_BASE64_URL, vector);
      assert_decodes (url_with_padding, TW_BASE64_URL, vector);
      assert_decodes (vector->standard_padded, TW_BASE64_ANY, vector);
      assert_decodes (vector->url_unpadded, TW_BASE64_ANY, vector);
    }
}

static void
test_encode_matches_known_answers (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      const Vector *vector = &vectors[i];
      g_autofree char *standard = tw_base64_encode (vector->bytes, vector->size);
      g_autofree char *url = tw_base64url_encode (vector->bytes, vector->size);
      g_autoptr (TwSecret) secret = tw_secret_new_from_data (vector->bytes, vector->size);
      g_autoptr (TwSecret) secret_text = tw_base64_encode_secret (secret);

      g_assert_cmpstr (standard, ==, vector->standard_padded);
      g_assert_cmpstr (url, ==, vector->url_unpadded);
      g_assert_cmpstr (tw_secret_get_text (secret_text), ==, vector->standard_padded);
      g_assert_cmpuint (tw_secret_get_size (secret_text), ==, strlen (vector->standard_padded));
    }
}

typedef struct {
  const char *text;
  TwBase64Alphabet alphabets;
  TwBase64Error code;
} Refusal;

static const Refusal refusals[] = {
  { "Zm9v Yg==", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "Zm9v\nYg==", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { " Zm9v", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "Zm9v\t", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "Zm9v*A==", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "Zm9v.A==", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "Zm9v\xc3\xa9", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "Zm9v%3D", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_CHARACTER },
  { "-_-_", TW_BASE64_STANDARD, TW_BASE64_ERROR_BAD_CHARACTER },
  { "+/+/", TW_BASE64_URL, TW_BASE64_ERROR_BAD_CHARACTER },
  { "+/-_", TW_BASE64_ANY, TW_BASE64_ERROR_MIXED_ALPHABETS },
  { "ab+c-d==", TW_BASE64_ANY, TW_BASE64_ERROR_MIXED_ALPHABETS },
  { "Zg=", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Zg===", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Zm8==", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Zm9v=", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Zm9v====", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Z===", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Zg==Zg==", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Zm=8", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "=", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "====", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_PADDING },
  { "Z", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_LENGTH },
  { "Zm9vY", TW_BASE64_ANY, TW_BASE64_ERROR_BAD_LENGTH },
  { "Zh==", TW_BASE64_ANY, TW_BASE64_ERROR_TRAILING_BITS },
  { "Zh", TW_BASE64_ANY, TW_BASE64_ERROR_TRAILING_BITS },
  { "Zm9=", TW_BASE64_ANY, TW_BASE64_ERROR_TRAILING_BITS },
  { "Zm9", TW_BASE64_ANY, TW_BASE64_ERROR_TRAILING_BITS },
  { "-_-_-_-__h", TW_BASE64_URL, TW_BASE64_ERROR_TRAILING_BITS },
};

static void
test_decode_refuses_each_malformation_with_its_code (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      const Refusal *refusal = &refusals[i];
      g_autoptr (GError) secret_error = NULL;
      g_autoptr (GError) bytes_error = NULL;
      g_autoptr (TwSecret) secret = NULL;
      g_autoptr (GBytes) bytes = NULL;

      g_test_message ("refusal %" G_GSIZE_FORMAT ": \"%s\"", i, refusal->text);
      secret = tw_base64_decode_secret (refusal->text, -1, refusal->alphabets, &secret_error);
      bytes = tw_base64_decode_bytes (refusal->text, -1, refusal->alphabets, &bytes_error);

      g_assert_null (secret);
      g_assert_null (bytes);
      g_assert_error (secret_error, TW_BASE64_ERROR, (gint) refusal->code);
      g_assert_error (bytes_error, TW_BASE64_ERROR, (gint) refusal->code);
      if (refusal->alphabets == TW_BASE64_ANY)
        g_assert_cmpuint (tw_base64_decoded_size (refusal->text, strlen (refusal->text)),
                          ==, G_MAXSIZE);
    }
}

static void
test_decode_refuses_embedded_nul (void)
{
  static const char text[] = "Zm9v\0Zm9v";
  g_autoptr (GError) error = NULL;
  g_autoptr (TwSecret) secret = tw_base64_decode_secret (text, sizeof text - 1,
                                                         TW_BASE64_ANY, &error);

  g_assert_null (secret);
  g_assert_error (error, TW_BASE64_ERROR, TW_BASE64_ERROR_BAD_CHARACTER);
}

static void
test_decode_exact_fills_or_refuses_and_wipes (void)
{
  guint8 out[3];
  guint8 out_long[4];
  g_autoptr (GError) error = NULL;

  g_assert_true (tw_base64_decode_exact ("Zm9v", -1, TW_BASE64_ANY, out, sizeof out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, "foo", 3);

  memset (out_long, 0xaa, sizeof out_long);
  g_assert_false (tw_base64_decode_exact ("Zm9v", -1, TW_BASE64_ANY, out_long,
                                          sizeof out_long, &error));
  g_assert_error (error, TW_BASE64_ERROR, TW_BASE64_ERROR_WRONG_SIZE);
  g_clear_error (&error);
  for (gsize i = 0; i < sizeof out_long; i++)
    g_assert_cmpuint (out_long[i], ==, 0);

  memset (out, 0xaa, sizeof out);
  g_assert_false (tw_base64_decode_exact ("Zm9*", -1, TW_BASE64_ANY, out, sizeof out, &error));
  g_assert_error (error, TW_BASE64_ERROR, TW_BASE64_ERROR_BAD_CHARACTER);
  for (gsize i = 0; i < sizeof out; i++)
    g_assert_cmpuint (out[i], ==, 0);
}

/* Every size from 0 to 200 with random bytes: both encodings decode back,
 * and the standard one agrees with GLib's encoder. */
static void
test_round_trip_every_size (void)
{
  for (gsize size = 0; size <= 200; size++)
    {
      g_autofree guint8 *data = g_malloc (size + 1);
      g_autofree char *standard = NULL;
      g_autofree char *url = NULL;
      g_autofree char *reference = NULL;
      g_autoptr (TwSecret) from_standard = NULL;
      g_autoptr (TwSecret) from_url = NULL;

      for (gsize i = 0; i < size; i++)
        data[i] = (guint8) g_test_rand_int_range (0, 256);

      standard = tw_base64_encode (data, size);
      url = tw_base64url_encode (data, size);
      reference = g_base64_encode (data, size);
      g_assert_cmpstr (standard, ==, reference);
      g_assert_null (strpbrk (url, "+/="));

      from_standard = tw_base64_decode_secret (standard, -1, TW_BASE64_STANDARD, NULL);
      from_url = tw_base64_decode_secret (url, -1, TW_BASE64_URL, NULL);
      g_assert_nonnull (from_standard);
      g_assert_nonnull (from_url);
      g_assert_cmpmem (tw_secret_get_data (from_standard), tw_secret_get_size (from_standard),
                       data, size);
      g_assert_cmpmem (tw_secret_get_data (from_url), tw_secret_get_size (from_url),
                       data, size);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/base64/decode/both-alphabets-padded-or-not",
                   test_decode_both_alphabets_padded_or_not);
  g_test_add_func ("/base64/encode/matches-known-answers", test_encode_matches_known_answers);
  g_test_add_func ("/base64/decode/refuses-each-malformation-with-its-code",
                   test_decode_refuses_each_malformation_with_its_code);
  g_test_add_func ("/base64/decode/refuses-embedded-nul", test_decode_refuses_embedded_nul);
  g_test_add_func ("/base64/decode-exact/fills-or-refuses-and-wipes",
                   test_decode_exact_fills_or_refuses_and_wipes);
  g_test_add_func ("/base64/round-trip/every-size", test_round_trip_every_size);

  return g_test_run ();
}
