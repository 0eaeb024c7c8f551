/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-json-strict.h"

/* ---------------------------------------------------------------------- */
/* Documents that are accepted                                             */
/* ---------------------------------------------------------------------- */

/* Each document, and what json-glib's tree of it prints as. */
static const struct {
  const char *document;
  const char *tree;
} accepted[] = {
  { "{}", "{}" },
  { "[]", "[]" },
  { " \t\r\n{ } ", "{}" },
  { "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
    "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}" },
  { "{\"a\":{\"a\":{\"a\":1}}}", "{\"a\":{\"a\":{\"a\":1}}}" },
  { "[{\"a\":1},{\"a\":1}]", "[{\"a\":1},{\"a\":1}]" },
  { "{\"a\":1,\"A\":2}", "{\"a\":1,\"A\":2}" },
  { "[0,-0,1,-1,10,1.5,-0.25,1e3,1E3,1e+3,1e-3,2.5E-1]",
    "[0,0,1,-1,10,1.5,-0.25,1000.0,1000.0,1000.0,0.001,0.25]" },
  { "[9223372036854775807,-9223372036854775808]",
    "[9223372036854775807,-9223372036854775808]" },
  { "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[\"\\\"\\\\/\\b\\f\\n\\r\\t\"]" },
  { "[\"\\u00e9\\u20AC\\ud83d\\ude00\"]", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]" },
  { "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]" },
  { "\"just a string\"", "\"just a string\"" },
  { "42", "42" },
  { "true", "true" },
  { "null", "null" },
};

static void
test_parse_accepts_valid_documents (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *tree = NULL;

      g_test_message ("accepted case %" G_GSIZE_FORMAT, i);
      root = tw_json_strict_parse (accepted[i].document, strlen (accepted[i].document),
                                   NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (root);
      tree = json_to_string (root, FALSE);
      g_assert_cmpstr (tree, ==, accepted[i].tree);
    }
}

/* Plaintexts are padded with spaces to a multiple of 1 KiB (4 KiB for
 * deliver); the padding is not trailing data. */
static void
test_parse_accepts_space_padding (void)
{
  static const char message[] = "{\"format\":\"deliver\",\"content\":{},\"tw\":{\"seq\":0}}";
  g_autofree char *padded = g_malloc (4096);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) object = NULL;

  memset (padded, ' ', 4096);
  memcpy (padded, message, strlen (message));
  object = tw_json_strict_parse_object (padded, 4096, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "format"), ==, "deliver");
}

/* The caller's buffer need not end with a NUL: only @size bytes count. */
static void
test_parse_reads_only_the_given_size (void)
{
  static const char buffer[] = "{\"a\":1}GARBAGE";
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = tw_json_strict_parse (buffer, 7, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
}

/* ---------------------------------------------------------------------- */
/* Documents that are refused                                              */
/* ---------------------------------------------------------------------- */

typedef struct {
  const char *document;
  TwJsonError code;
} Refused;

static const Refused refused[] = {
  /* Duplicates, however spelled, at any depth. */
  { "{\"a\":1,\"a\":2}", TW_JSON_ERROR_DUPLICATE_KEY },
  { "{\"a\":1,\"a\":1}", TW_JSON_ERROR_DUPLICATE_KEY },
  { "{\"a\":1,\"b\":2,\"a\":3}", TW_JSON_ERROR_DUPLICATE_KEY },
  { "{\"a\":1,\"\\u0061\":2}", TW_JSON_ERROR_DUPLICATE_KEY },
  { "{\"\xc3\xa9\":1,\"\\u00e9\":2}", TW_JSON_ERROR_DUPLICATE_KEY },
  { "{\"x\":{\"b\":1,\"b\":1}}", TW_JSON_ERROR_DUPLICATE_KEY },
  { "[{\"a\":1,\"a\":1}]", TW_JSON_ERROR_DUPLICATE_KEY },
  { "{\"\":1,\"\":2}", TW_JSON_ERROR_DUPLICATE_KEY },
  /* A second document, or anything else, after the first. */
  { "{\"a\":1}{\"b\":2}", TW_JSON_ERROR_TRAILING_DATA },
  { "[1][2]", TW_JSON_ERROR_TRAILING_DATA },
  { "{\"a\":1} x", TW_JSON_ERROR_TRAILING_DATA },
  { "{\"a\":1},", TW_JSON_ERROR_TRAILING_DATA },
  { "{\"a\":1}}", TW_JSON_ERROR_TRAILING_DATA },
  { "1 2", TW_JSON_ERROR_TRAILING_DATA },
  { "{} \x0b", TW_JSON_ERROR_TRAILING_DATA },
  { "{} \xc2\xa0", TW_JSON_ERROR_TRAILING_DATA },
  { "{}   // comment", TW_JSON_ERROR_TRAILING_DATA },
  /* Grammar. */
  { "", TW_JSON_ERROR_SYNTAX },
  { "    ", TW_JSON_ERROR_SYNTAX },
  { "{", TW_JSON_ERROR_SYNTAX },
  { "[", TW_JSON_ERROR_SYNTAX },
  { "{\"a\"}", TW_JSON_ERROR_SYNTAX },
  { "{\"a\":}", TW_JSON_ERROR_SYNTAX },
  { "{\"a\" 1}", TW_JSON_ERROR_SYNTAX },
  { "{\"a\":1,}", TW_JSON_ERROR_SYNTAX },
  { "{,}", TW_JSON_ERROR_SYNTAX },
  { "[1,]", TW_JSON_ERROR_SYNTAX },
  { "[,1]", TW_JSON_ERROR_SYNTAX },
  { "[1 2]", TW_JSON_ERROR_SYNTAX },
  { "{a:1}", TW_JSON_ERROR_SYNTAX },
  { "{'a':1}", TW_JSON_ERROR_SYNTAX },
  { "{1:1}", TW_JSON_ERROR_SYNTAX },
  { "[01]", TW_JSON_ERROR_SYNTAX },
  { "[-01]", TW_JSON_ERROR_SYNTAX },
  { "[1.]", TW_JSON_ERROR_SYNTAX },
  { "[.5]", TW_JSON_ERROR_SYNTAX },
  { "[1e]", TW_JSON_ERROR_SYNTAX },
  { "[1e+]", TW_JSON_ERROR_SYNTAX },
  { "[+1]", TW_JSON_ERROR_SYNTAX },
  { "[-]", TW_JSON_ERROR_SYNTAX },
  { "[0x10]", TW_JSON_ERROR_SYNTAX },
  { "[NaN]", TW_JSON_ERROR_SYNTAX },
  { "[Infinity]", TW_JSON_ERROR_SYNTAX },
  { "tru", TW_JSON_ERROR_SYNTAX },
  { "True", TW_JSON_ERROR_SYNTAX },
  { "nul", TW_JSON_ERROR_SYNTAX },
  { "[\"\\x41\"]", TW_JSON_ERROR_SYNTAX },
  { "[\"\\u12G4\"]", TW_JSON_ERROR_SYNTAX },
  { "[\"\\u12\"]", TW_JSON_ERROR_SYNTAX },
  { "[\"a\tb\"]", TW_JSON_ERROR_SYNTAX },
  { "[\"a\nb\"]", TW_JSON_ERROR_SYNTAX },
  { "[\"abc]", TW_JSON_ERROR_SYNTAX },
  { "[\"abc\\", TW_JSON_ERROR_SYNTAX },
  { "//c\n{}", TW_JSON_ERROR_SYNTAX },
  { "/*c*/{}", TW_JSON_ERROR_SYNTAX },
  { "\xef\xbb\xbf{}", TW_JSON_ERROR_SYNTAX },
  { "\x0b{}", TW_JSON_ERROR_SYNTAX },
  /* Numbers that json-glib would silently change. */
  { "[9223372036854775808]", TW_JSON_ERROR_NUMBER_RANGE },
  { "[-9223372036854775809]", TW_JSON_ERROR_NUMBER_RANGE },
  { "[123456789012345678901234567890]", TW_JSON_ERROR_NUMBER_RANGE },
  { "[1e400]", TW_JSON_ERROR_NUMBER_RANGE },
  { "[-1.5e309]", TW_JSON_ERROR_NUMBER_RANGE },
  /* UTF-8, in the bytes or in the escapes. */
  { "[\"\xff\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\xc0\xaf\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\xe0\x80\xaf\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\xed\xa0\x80\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\xf4\x90\x80\x80\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\xe2\x82\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "{\"\x80\":1}", TW_JSON_ERROR_INVALID_UTF8 },
  { "{} \xfe", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\\ud800\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\\udc00\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\\ud800\\u0041\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\\ud800\\ud800\"]", TW_JSON_ERROR_INVALID_UTF8 },
  { "[\"\\ud800x\"]", TW_JSON_ERROR_INVALID_UTF8 },
  /* NUL, escaped (a raw one is tested with its size below). */
  { "{\"a\":\"\\u0000\"}", TW_JSON_ERROR_CONTAINS_NUL },
  { "{\"\\u0000\":1}", TW_JSON_ERROR_CONTAINS_NUL },
};

static void
assert_refused (const char         *document,
                gsize               size,
                const TwJsonLimits *limits,
                TwJsonError         code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = tw_json_strict_parse (document, size, limits, &error);

  g_assert_null (root);
  g_assert_error (error, TW_JSON_ERROR, (gint) code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_parse_refuses_each_fault_with_its_code (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_test_message ("refused case %" G_GSIZE_FORMAT, i);
      assert_refused (refused[i].document, strlen (refused[i].document), NULL,
                      refused[i].code);
    }
}

static void
test_parse_refuses_raw_nul (void)
{
  static const char inside_string[] = "{\"a\":\"x\0y\"}";
  static const char in_padding[] = "{\"a\":1}  \0  ";
  static const char at_start[] = "\0{}";

  assert_refused (inside_string, sizeof inside_string - 1, NULL,
                  TW_JSON_ERROR_CONTAINS_NUL);
  assert_refused (in_padding, sizeof in_padding - 1, NULL, TW_JSON_ERROR_CONTAINS_NUL);
  assert_refused (at_start, sizeof at_start - 1, NULL, TW_JSON_ERROR_CONTAINS_NUL);
}

/* ---------------------------------------------------------------------- */
/* Limits                                                                  */
/* ---------------------------------------------------------------------- */

static char *
nested (const char *open,
        const char *inner,
        const char *close,
        guint       depth)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, open);
  g_string_append (text, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (text, close);
  return g_string_free (text, FALSE);
}

static void
assert_depth (guint               depth,
              const TwJsonLimits *limits,
              gboolean            accepted_expected)
{
  g_autofree char *arrays = nested ("[", "1", "]", depth);
  g_autofree char *objects = nested ("{\"k\":", "1", "}", depth);
  const char *const documents[] = { arrays, objects };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr (JsonNode) root = NULL;
      g_autoptr (GError) error = NULL;

      root = tw_json_strict_parse (documents[i], strlen (documents[i]), limits, &error);
      if (accepted_expected)
        g_assert_no_error (error);
      else
        g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_TOO_DEEP);
    }
}

static void
test_limits_depth (void)
{
  const TwJsonLimits three = { 3, 1024, 1024 * 1024 };
  const TwJsonLimits unbounded = { G_MAXUINT, 1024, 1024 * 1024 };

  assert_depth (3, &three, TRUE);
  assert_depth (4, &three, FALSE);
  assert_depth (TW_JSON_DEFAULT_MAX_DEPTH, NULL, TRUE);
  assert_depth (TW_JSON_DEFAULT_MAX_DEPTH + 1, NULL, FALSE);

  /* However much is asked, the scanner stops at its own cap instead of
   * recursing until the stack runs out. */
  assert_depth (256, &unbounded, TRUE);
  assert_depth (257, &unbounded, FALSE);
  assert_depth (100000, &unbounded, FALSE);
}

static void
test_limits_string_size_counts_decoded_bytes (void)
{
  const TwJsonLimits four = { 8, 4, 1024 };
  static const struct {
    const char *document;
    gboolean accepted;
  } cases[] = {
    { "[\"abcd\"]", TRUE },
    { "[\"abcde\"]", FALSE },
    { "{\"abcd\":1}", TRUE },
    { "{\"abcde\":1}", FALSE },
    { "[\"\\u00e9\\u00e9\"]", TRUE },       /* 2 + 2 bytes */
    { "[\"\\u20ac\\u20ac\"]", FALSE },      /* 3 + 3 bytes */
    { "[\"\\n\\n\\n\\n\"]", TRUE },         /* 4 bytes, 8 written */
    { "[\"\\n\\n\\n\\n\\n\"]", FALSE },
    { "[\"\xf0\x9f\x98\x80\"]", TRUE },
    { "[\"a\xf0\x9f\x98\x80\"]", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) root = NULL;
      g_autoptr (GError) error = NULL;

      g_test_message ("string case %" G_GSIZE_FORMAT, i);
      root = tw_json_strict_parse (cases[i].document, strlen (cases[i].document), &four,
                                   &error);
      if (cases[i].accepted)
        g_assert_no_error (error);
      else
        g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_STRING_TOO_LONG);
    }
}

static void
test_limits_total_size_includes_padding (void)
{
  const TwJsonLimits ten = { 8, 1024, 10 };
  g_autoptr (JsonNode) fits = NULL;
  g_autoptr (GString) big = g_string_new (" [");

  fits = tw_json_strict_parse ("[1]       ", 10, &ten, NULL);
  g_assert_nonnull (fits);
  assert_refused ("[1]        ", 11, &ten, TW_JSON_ERROR_TOO_LARGE);

  /* The default is the relay's body limit. */
  while (big->len < TW_JSON_DEFAULT_MAX_TOTAL_SIZE - 2)
    g_string_append (big, "0,");
  g_string_append (big, "0]");
  g_assert_cmpuint (big->len, ==, TW_JSON_DEFAULT_MAX_TOTAL_SIZE);
  {
    g_autoptr (JsonNode) at_limit = tw_json_strict_parse (big->str, big->len, NULL, NULL);

    g_assert_nonnull (at_limit);
  }
  g_string_append_c (big, ' ');
  assert_refused (big->str, big->len, NULL, TW_JSON_ERROR_TOO_LARGE);
}

/* ---------------------------------------------------------------------- */
/* Typed getters                                                           */
/* ---------------------------------------------------------------------- */

static const char sample[] =
  "{\"name\":\"deliver\",\"count\":7,\"big\":-9000000000,\"ratio\":1.0,\"flag\":true,"
  "\"nothing\":null,\"inner\":{\"x\":1},\"list\":[1,2],\"text_number\":\"7\"}";

static JsonObject *
parse_sample (void)
{
  g_autoptr (GError) error = NULL;
  JsonObject *object = tw_json_strict_parse_object (sample, strlen (sample), NULL, &error);

  g_assert_no_error (error);
  return object;
}

static void
test_getters_return_typed_values (void)
{
  g_autoptr (JsonObject) object = parse_sample ();
  g_autoptr (GError) error = NULL;
  gint64 count = 0, big = 0;
  gboolean flag = FALSE;
  JsonObject *inner;
  JsonArray *list;

  g_assert_cmpstr (tw_json_get_string (object, "name", &error), ==, "deliver");
  g_assert_true (tw_json_get_int (object, "count", 0, 10, &count, &error));
  g_assert_cmpint (count, ==, 7);
  g_assert_true (tw_json_get_int (object, "big", G_MININT64, 0, &big, &error));
  g_assert_cmpint (big, ==, -9000000000);
  g_assert_true (tw_json_get_boolean (object, "flag", &flag, &error));
  g_assert_true (flag);
  inner = tw_json_get_object (object, "inner", &error);
  g_assert_nonnull (inner);
  g_assert_true (json_object_has_member (inner, "x"));
  list = tw_json_get_array (object, "list", &error);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_no_error (error);
}

static void
test_getters_fail_cleanly_on_missing_members (void)
{
  g_autoptr (JsonObject) object = parse_sample ();
  g_autoptr (GError) error = NULL;
  gint64 number = 99;
  gboolean flag = TRUE;

  g_assert_null (tw_json_get_string (object, "absent", &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER);
  g_assert_nonnull (strstr (error->message, "absent"));
  g_clear_error (&error);

  g_assert_false (tw_json_get_int (object, "absent", 0, 10, &number, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER);
  g_assert_cmpint (number, ==, 99);
  g_clear_error (&error);

  g_assert_false (tw_json_get_boolean (object, "absent", &flag, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER);
  g_clear_error (&error);

  g_assert_null (tw_json_get_object (object, "absent", &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER);
  g_clear_error (&error);

  g_assert_null (tw_json_get_array (object, "absent", &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER);
}

static void
test_getters_fail_cleanly_on_wrong_types (void)
{
  static const struct {
    const char *member;
    const char *wanted;
  } cases[] = {
    { "count", "string" }, { "nothing", "string" }, { "inner", "string" },
    { "name", "int" }, { "ratio", "int" }, { "text_number", "int" }, { "flag", "int" },
    { "nothing", "int" }, { "count", "boolean" }, { "nothing", "boolean" },
    { "list", "object" }, { "nothing", "object" }, { "inner", "array" },
    { "name", "array" },
  };
  g_autoptr (JsonObject) object = parse_sample ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      const char *member = cases[i].member;
      const char *wanted = cases[i].wanted;
      gint64 number;
      gboolean flag;
      gboolean got = TRUE;

      g_test_message ("%s as %s", member, wanted);
      if (g_str_equal (wanted, "string"))
        got = tw_json_get_string (object, member, &error) != NULL;
      else if (g_str_equal (wanted, "int"))
        got = tw_json_get_int (object, member, G_MININT64, G_MAXINT64, &number, &error);
      else if (g_str_equal (wanted, "boolean"))
        got = tw_json_get_boolean (object, member, &flag, &error);
      else if (g_str_equal (wanted, "object"))
        got = tw_json_get_object (object, member, &error) != NULL;
      else
        got = tw_json_get_array (object, member, &error) != NULL;

      g_assert_false (got);
      g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_WRONG_TYPE);
    }
}

static void
test_getters_check_integer_range (void)
{
  g_autoptr (JsonObject) object = parse_sample ();
  g_autoptr (GError) error = NULL;
  gint64 number = 0;

  g_assert_true (tw_json_get_int (object, "count", 7, 7, &number, &error));
  g_assert_false (tw_json_get_int (object, "count", 0, 6, &number, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (tw_json_get_int (object, "count", 8, 100, &number, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_OUT_OF_RANGE);
  g_assert_cmpint (number, ==, 7);
}

static void
test_getters_optional_members (void)
{
  g_autoptr (JsonObject) object = parse_sample ();
  g_autoptr (GError) error = NULL;
  const char *text = "unset";
  JsonObject *inner = (JsonObject *) 0x1;

  g_assert_true (tw_json_get_optional_string (object, "absent", &text, &error));
  g_assert_null (text);
  g_assert_true (tw_json_get_optional_string (object, "name", &text, &error));
  g_assert_cmpstr (text, ==, "deliver");
  g_assert_false (tw_json_get_optional_string (object, "count", &text, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_WRONG_TYPE);
  g_clear_error (&error);

  g_assert_true (tw_json_get_optional_object (object, "absent", &inner, &error));
  g_assert_null (inner);
  g_assert_true (tw_json_get_optional_object (object, "inner", &inner, &error));
  g_assert_nonnull (inner);
  g_assert_false (tw_json_get_optional_object (object, "nothing", &inner, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_WRONG_TYPE);
}

static void
test_check_members_refuses_unknown (void)
{
  static const char *const all[] = {
    "name", "count", "big", "ratio", "flag", "nothing", "inner", "list", "text_number",
    "extra", NULL,
  };
  static const char *const some[] = { "name", "count", NULL };
  g_autoptr (JsonObject) object = parse_sample ();
  g_autoptr (GError) error = NULL;

  g_assert_true (tw_json_check_members (object, all, &error));
  g_assert_no_error (error);
  g_assert_false (tw_json_check_members (object, some, &error));
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_UNKNOWN_MEMBER);
}

static void
test_parse_object_refuses_other_roots (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) object = tw_json_strict_parse_object ("[1]", 3, NULL, &error);

  g_assert_null (object);
  g_assert_error (error, TW_JSON_ERROR, TW_JSON_ERROR_WRONG_TYPE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-strict/parse/accepts-valid-documents",
                   test_parse_accepts_valid_documents);
  g_test_add_func ("/json-strict/parse/accepts-space-padding", test_parse_accepts_space_padding);
  g_test_add_func ("/json-strict/parse/reads-only-the-given-size",
                   test_parse_reads_only_the_given_size);
  g_test_add_func ("/json-strict/parse/refuses-each-fault-with-its-code",
                   test_parse_refuses_each_fault_with_its_code);
  g_test_add_func ("/json-strict/parse/refuses-raw-nul", test_parse_refuses_raw_nul);
  g_test_add_func ("/json-strict/parse/object-refuses-other-roots",
                   test_parse_object_refuses_other_roots);
  g_test_add_func ("/json-strict/limits/depth", test_limits_depth);
  g_test_add_func ("/json-strict/limits/string-size-counts-decoded-bytes",
                   test_limits_string_size_counts_decoded_bytes);
  g_test_add_func ("/json-strict/limits/total-size-includes-padding",
                   test_limits_total_size_includes_padding);
  g_test_add_func ("/json-strict/get/returns-typed-values", test_getters_return_typed_values);
  g_test_add_func ("/json-strict/get/fails-cleanly-on-missing-members",
                   test_getters_fail_cleanly_on_missing_members);
  g_test_add_func ("/json-strict/get/fails-cleanly-on-wrong-types",
                   test_getters_fail_cleanly_on_wrong_types);
  g_test_add_func ("/json-strict/get/checks-integer-range", test_getters_check_integer_range);
  g_test_add_func ("/json-strict/get/optional-members", test_getters_optional_members);
  g_test_add_func ("/json-strict/check-members/refuses-unknown",
                   test_check_members_refuses_unknown);

  return g_test_run ();
}
