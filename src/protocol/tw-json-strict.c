/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-json-strict.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (tw-json-error-quark, tw_json_error)

/* The scanner recurses once per level; whatever the caller asks, it never
 * goes deeper than this, so hostile input cannot exhaust the stack. */
#define MAX_DEPTH_CAP 256

typedef struct {
  const char *data;
  gsize size;
  gsize position;
  guint max_depth;
  gsize max_string_size;
  GError **error;
} Scanner;

static gboolean scan_value (Scanner *scanner,
                            guint    depth);

static gboolean
scan_fail (Scanner     *scanner,
           TwJsonError  code,
           const char  *what)
{
  g_set_error (scanner->error, TW_JSON_ERROR, code, "JSON refused at byte %" G_GSIZE_FORMAT
               ": %s", scanner->position, what);
  return FALSE;
}

static gboolean
at_end (const Scanner *scanner)
{
  return scanner->position >= scanner->size;
}

static guchar
peek (const Scanner *scanner)
{
  return at_end (scanner) ? '\0' : (guchar) scanner->data[scanner->position];
}

static gboolean
is_json_space (guchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_whitespace (Scanner *scanner)
{
  while (!at_end (scanner) && is_json_space (peek (scanner)))
    scanner->position++;
}

/* Consumes @c if it is next. */
static gboolean
accept_char (Scanner *scanner,
             char     c)
{
  if (at_end (scanner) || scanner->data[scanner->position] != c)
    return FALSE;
  scanner->position++;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Strings                                                                 */
/* ---------------------------------------------------------------------- */

static gboolean
read_hex4 (Scanner *scanner,
           guint32 *unit)
{
  guint32 value = 0;

  if (scanner->size - scanner->position < 4)
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a \\u escape is cut short");

  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (scanner->data[scanner->position]);

      if (digit < 0)
        return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a \\u escape has a non-hex digit");
      value = value << 4 | (guint32) digit;
      scanner->position++;
    }

  *unit = value;
  return TRUE;
}

/* After "\u": one code point, from one unit or a surrogate pair. */
static gboolean
read_unicode_escape (Scanner  *scanner,
                     gunichar *code_point)
{
  guint32 high, low;

  if (!read_hex4 (scanner, &high))
    return FALSE;
  if (high == 0)
    return scan_fail (scanner, TW_JSON_ERROR_CONTAINS_NUL, "a string contains \\u0000");
  if (high >= 0xdc00 && high <= 0xdfff)
    return scan_fail (scanner, TW_JSON_ERROR_INVALID_UTF8, "a lone low surrogate");
  if (high < 0xd800 || high > 0xdbff)
    {
      *code_point = high;
      return TRUE;
    }

  if (!accept_char (scanner, '\\') || !accept_char (scanner, 'u'))
    return scan_fail (scanner, TW_JSON_ERROR_INVALID_UTF8, "a lone high surrogate");
  if (!read_hex4 (scanner, &low))
    return FALSE;
  if (low < 0xdc00 || low > 0xdfff)
    return scan_fail (scanner, TW_JSON_ERROR_INVALID_UTF8, "a lone high surrogate");

  *code_point = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
  return TRUE;
}

static gboolean
read_escape (Scanner  *scanner,
             gunichar *code_point)
{
  static const char simple_escapes[] = "\"\\/bfnrt";
  static const char simple_values[] = "\"\\/\b\f\n\r\t";
  const char *found;
  guchar c = peek (scanner);

  if (at_end (scanner))
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a string is not closed");
  scanner->position++;

  if (c == 'u')
    return read_unicode_escape (scanner, code_point);

  found = c != '\0' ? strchr (simple_escapes, c) : NULL;
  if (found == NULL)
    {
      scanner->position--;
      return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "an unknown escape in a string");
    }
  *code_point = (guchar) simple_values[found - simple_escapes];
  return TRUE;
}

/* Appends the bytes from @from to the current position, or one code
 * point, to @decoded (when it is wanted) and counts them against the
 * string limit. */
static gboolean
count_decoded (Scanner    *scanner,
               GString    *decoded,
               gsize      *decoded_size,
               const char *bytes,
               gsize       length)
{
  *decoded_size += length;
  if (*decoded_size > scanner->max_string_size)
    return scan_fail (scanner, TW_JSON_ERROR_STRING_TOO_LONG, "a string is too long");
  if (decoded != NULL)
    g_string_append_len (decoded, bytes, (gssize) length);
  return TRUE;
}

/* Scans a string starting at its opening quote. The input is already known
 * to be valid UTF-8 without NUL bytes. @decoded, if not NULL, receives the
 * string's value (for keys, which must be compared as decoded). */
static gboolean
scan_string (Scanner *scanner,
             GString *decoded)
{
  gsize decoded_size = 0;

  scanner->position++;   /* the opening quote */

  while (TRUE)
    {
      gsize run_start = scanner->position;
      char utf8[6];
      gunichar code_point;

      while (!at_end (scanner) && peek (scanner) != '"' && peek (scanner) != '\\'
             && peek (scanner) >= 0x20)
        scanner->position++;
      if (!count_decoded (scanner, decoded, &decoded_size, scanner->data + run_start,
                          scanner->position - run_start))
        return FALSE;

      if (at_end (scanner))
        return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a string is not closed");
      if (accept_char (scanner, '"'))
        return TRUE;
      if (peek (scanner) < 0x20)
        return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a control character in a string");

      scanner->position++;   /* the backslash */
      if (!read_escape (scanner, &code_point)
          || !count_decoded (scanner, decoded, &decoded_size, utf8,
                             (gsize) g_unichar_to_utf8 (code_point, utf8)))
        return FALSE;
    }
}

/* ---------------------------------------------------------------------- */
/* Numbers and literals                                                    */
/* ---------------------------------------------------------------------- */

static gsize
skip_digits (Scanner *scanner)
{
  gsize start = scanner->position;

  while (g_ascii_isdigit (peek (scanner)))
    scanner->position++;
  return scanner->position - start;
}

/* json-glib wraps integers past 64 bits silently (2^63 reads as -2^63) and
 * turns 1e400 into infinity, so another reader would see another number:
 * such numbers are refused. */
static gboolean
check_number_fits (Scanner *scanner,
                   gsize    start,
                   gboolean is_integer)
{
  g_autofree char *token = g_strndup (scanner->data + start, scanner->position - start);
  gboolean fits;

  if (is_integer)
    fits = g_ascii_string_to_signed (token, 10, G_MININT64, G_MAXINT64, NULL, NULL);
  else
    fits = isfinite (g_ascii_strtod (token, NULL));

  if (!fits)
    {
      scanner->position = start;
      return scan_fail (scanner, TW_JSON_ERROR_NUMBER_RANGE,
                        is_integer ? "an integer does not fit in 64 bits"
                                   : "a number is too large");
    }
  return TRUE;
}

static gboolean
scan_number (Scanner *scanner)
{
  gsize start = scanner->position;
  gboolean is_integer = TRUE;

  accept_char (scanner, '-');

  if (accept_char (scanner, '0'))
    {
      if (g_ascii_isdigit (peek (scanner)))
        return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a number has a leading zero");
    }
  else if (skip_digits (scanner) == 0)
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a malformed number");

  if (accept_char (scanner, '.'))
    {
      is_integer = FALSE;
      if (skip_digits (scanner) == 0)
        return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a number has no digits after '.'");
    }

  if (accept_char (scanner, 'e') || accept_char (scanner, 'E'))
    {
      is_integer = FALSE;
      if (!accept_char (scanner, '+'))
        accept_char (scanner, '-');
      if (skip_digits (scanner) == 0)
        return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "a number has an empty exponent");
    }
  return check_number_fits (scanner, start, is_integer);
}

static gboolean
scan_literal (Scanner    *scanner,
              const char *literal)
{
  gsize length = strlen (literal);

  if (scanner->size - scanner->position < length
      || memcmp (scanner->data + scanner->position, literal, length) != 0)
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "an unexpected character");

  scanner->position += length;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Containers                                                              */
/* ---------------------------------------------------------------------- */

static gboolean
enter_container (Scanner *scanner,
                 guint    depth)
{
  if (depth + 1 > scanner->max_depth)
    return scan_fail (scanner, TW_JSON_ERROR_TOO_DEEP, "nesting is too deep");
  scanner->position++;   /* the opening bracket */
  skip_whitespace (scanner);
  return TRUE;
}

/* After a member or element: TRUE in *@more for ',', FALSE for @close. */
static gboolean
scan_separator (Scanner  *scanner,
                char      close,
                gboolean *more)
{
  skip_whitespace (scanner);
  *more = accept_char (scanner, ',');
  if (*more)
    {
      skip_whitespace (scanner);
      return TRUE;
    }
  if (accept_char (scanner, close))
    return TRUE;
  return scan_fail (scanner, TW_JSON_ERROR_SYNTAX,
                    close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static gboolean
scan_member_key (Scanner    *scanner,
                 GHashTable *keys)
{
  g_autoptr (GString) key = g_string_new (NULL);
  gsize key_position = scanner->position;

  if (peek (scanner) != '"')
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "expected a string as a key");
  if (!scan_string (scanner, key))
    return FALSE;

  if (g_hash_table_contains (keys, key->str))
    {
      scanner->position = key_position;
      return scan_fail (scanner, TW_JSON_ERROR_DUPLICATE_KEY, "a key appears twice in an object");
    }
  g_hash_table_add (keys, g_string_free (g_steal_pointer (&key), FALSE));

  skip_whitespace (scanner);
  if (!accept_char (scanner, ':'))
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "expected ':' after a key");
  skip_whitespace (scanner);
  return TRUE;
}

static gboolean
scan_object (Scanner *scanner,
             guint    depth)
{
  g_autoptr (GHashTable) keys = NULL;
  gboolean more = TRUE;

  if (!enter_container (scanner, depth))
    return FALSE;
  if (accept_char (scanner, '}'))
    return TRUE;

  keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while (more)
    {
      if (!scan_member_key (scanner, keys)
          || !scan_value (scanner, depth + 1)
          || !scan_separator (scanner, '}', &more))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_array (Scanner *scanner,
            guint    depth)
{
  gboolean more = TRUE;

  if (!enter_container (scanner, depth))
    return FALSE;
  if (accept_char (scanner, ']'))
    return TRUE;

  while (more)
    {
      if (!scan_value (scanner, depth + 1) || !scan_separator (scanner, ']', &more))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_value (Scanner *scanner,
            guint    depth)
{
  guchar c = peek (scanner);

  if (at_end (scanner))
    return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "expected a value");
  if (c == '{')
    return scan_object (scanner, depth);
  if (c == '[')
    return scan_array (scanner, depth);
  if (c == '"')
    return scan_string (scanner, NULL);
  if (c == '-' || g_ascii_isdigit (c))
    return scan_number (scanner);
  if (c == 't')
    return scan_literal (scanner, "true");
  if (c == 'f')
    return scan_literal (scanner, "false");
  if (c == 'n')
    return scan_literal (scanner, "null");
  return scan_fail (scanner, TW_JSON_ERROR_SYNTAX, "an unexpected character");
}

/* ---------------------------------------------------------------------- */
/* The document                                                            */
/* ---------------------------------------------------------------------- */

static gboolean
check_bytes (const char  *data,
             gsize        size,
             gsize        max_total_size,
             GError     **error)
{
  const char *nul, *invalid;

  if (size > max_total_size)
    {
      g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_TOO_LARGE,
                   "JSON refused: %" G_GSIZE_FORMAT " bytes is over the limit of %"
                   G_GSIZE_FORMAT, size, max_total_size);
      return FALSE;
    }

  nul = memchr (data, '\0', size);
  if (nul != NULL)
    {
      g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_CONTAINS_NUL,
                   "JSON refused at byte %" G_GSIZE_FORMAT ": a NUL byte",
                   (gsize) (nul - data));
      return FALSE;
    }

  if (!g_utf8_validate_len (data, size, &invalid))
    {
      g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_INVALID_UTF8,
                   "JSON refused at byte %" G_GSIZE_FORMAT ": not valid UTF-8",
                   (gsize) (invalid - data));
      return FALSE;
    }
  return TRUE;
}

static gboolean
scan_document (const char          *data,
               gsize                size,
               const TwJsonLimits  *limits,
               GError             **error)
{
  Scanner scanner = {
    .data = data,
    .size = size,
    .max_depth = MIN (limits->max_depth, MAX_DEPTH_CAP),
    .max_string_size = limits->max_string_size,
    .error = error,
  };

  skip_whitespace (&scanner);
  if (!scan_value (&scanner, 0))
    return FALSE;

  skip_whitespace (&scanner);
  if (!at_end (&scanner))
    return scan_fail (&scanner, TW_JSON_ERROR_TRAILING_DATA, "data after the value");
  return TRUE;
}

JsonNode *
tw_json_strict_parse (const char          *data,
                      gsize                size,
                      const TwJsonLimits  *limits,
                      GError             **error)
{
  static const TwJsonLimits default_limits = {
    .max_depth = TW_JSON_DEFAULT_MAX_DEPTH,
    .max_string_size = TW_JSON_DEFAULT_MAX_STRING_SIZE,
    .max_total_size = TW_JSON_DEFAULT_MAX_TOTAL_SIZE,
  };
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) parser_error = NULL;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL)
    limits = &default_limits;
  if (!check_bytes (data, size, MIN (limits->max_total_size, (gsize) G_MAXSSIZE), error)
      || !scan_document (data, size, limits, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &parser_error))
    {
      /* The scanner accepted it, so json-glib has a limit of its own. */
      g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_SYNTAX,
                   "JSON refused by the tree builder: %s", parser_error->message);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

JsonObject *
tw_json_strict_parse_object (const char          *data,
                             gsize                size,
                             const TwJsonLimits  *limits,
                             GError             **error)
{
  g_autoptr (JsonNode) root = tw_json_strict_parse (data, size, limits, error);

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TW_JSON_ERROR, TW_JSON_ERROR_WRONG_TYPE,
                           "JSON refused: the document is not an object");
      return NULL;
    }
  return json_node_dup_object (root);
}

/* ---------------------------------------------------------------------- */
/* Typed getters                                                           */
/* ---------------------------------------------------------------------- */

static JsonNode *
get_member (JsonObject  *object,
            const char  *member,
            GError     **error)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (member != NULL, NULL);

  node = json_object_get_member (object, member);
  if (node == NULL)
    g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER,
                 "The member \"%s\" is missing", member);
  return node;
}

static gboolean
fail_type (const char  *member,
           const char  *expected,
           GError     **error)
{
  g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_WRONG_TYPE,
               "The member \"%s\" is not %s", member, expected);
  return FALSE;
}

static gboolean
holds_value_of_type (JsonNode *node,
                     GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

const char *
tw_json_get_string (JsonObject  *object,
                    const char  *member,
                    GError     **error)
{
  JsonNode *node = get_member (object, member, error);

  if (node == NULL)
    return NULL;
  if (!holds_value_of_type (node, G_TYPE_STRING))
    {
      fail_type (member, "a string", error);
      return NULL;
    }
  return json_node_get_string (node);
}

gboolean
tw_json_get_int (JsonObject  *object,
                 const char  *member,
                 gint64       min,
                 gint64       max,
                 gint64      *value,
                 GError     **error)
{
  JsonNode *node = get_member (object, member, error);
  gint64 number;

  g_return_val_if_fail (value != NULL, FALSE);

  if (node == NULL)
    return FALSE;
  if (!holds_value_of_type (node, G_TYPE_INT64))
    return fail_type (member, "an integer", error);

  number = json_node_get_int (node);
  if (number < min || number > max)
    {
      g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_OUT_OF_RANGE,
                   "The member \"%s\" is outside the range %" G_GINT64_FORMAT " to %"
                   G_GINT64_FORMAT, member, min, max);
      return FALSE;
    }

  *value = number;
  return TRUE;
}

gboolean
tw_json_get_boolean (JsonObject  *object,
                     const char  *member,
                     gboolean    *value,
                     GError     **error)
{
  JsonNode *node = get_member (object, member, error);

  g_return_val_if_fail (value != NULL, FALSE);

  if (node == NULL)
    return FALSE;
  if (!holds_value_of_type (node, G_TYPE_BOOLEAN))
    return fail_type (member, "true or false", error);

  *value = json_node_get_boolean (node);
  return TRUE;
}

JsonObject *
tw_json_get_object (JsonObject  *object,
                    const char  *member,
                    GError     **error)
{
  JsonNode *node = get_member (object, member, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail_type (member, "an object", error);
      return NULL;
    }
  return json_node_get_object (node);
}

JsonArray *
tw_json_get_array (JsonObject  *object,
                   const char  *member,
                   GError     **error)
{
  JsonNode *node = get_member (object, member, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail_type (member, "an array", error);
      return NULL;
    }
  return json_node_get_array (node);
}

gboolean
tw_json_get_optional_string (JsonObject  *object,
                             const char  *member,
                             const char **value,
                             GError     **error)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  *value = NULL;
  if (!json_object_has_member (object, member))
    return TRUE;

  *value = tw_json_get_string (object, member, error);
  return *value != NULL;
}

gboolean
tw_json_get_optional_object (JsonObject  *object,
                             const char  *member,
                             JsonObject **value,
                             GError     **error)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  *value = NULL;
  if (!json_object_has_member (object, member))
    return TRUE;

  *value = tw_json_get_object (object, member, error);
  return *value != NULL;
}

gboolean
tw_json_check_members (JsonObject         *object,
                       const char * const *allowed,
                       GError            **error)
{
  g_autoptr (GList) members = NULL;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (allowed != NULL, FALSE);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (allowed, l->data))
        {
          g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_UNKNOWN_MEMBER,
                       "The object has a member that is not allowed here");
          return FALSE;
        }
    }
  return TRUE;
}
