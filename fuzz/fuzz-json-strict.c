/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tw-json-secret.h"
#include "tw-json-strict.h"

/*
 * The strict JSON reader. Properties checked on every input:
 * - a refusal is NULL with an error in TW_JSON_ERROR, and never json-glib
 *   refusing what the scanner let through (the two must agree on grammar);
 * - an accepted document, written out again by our own writer
 *   (TwJsonWriter), is accepted again and gives an equal tree (only for
 *   trees without doubles: a double that is a whole number comes back as
 *   an integer). json-glib's own writer cannot serve here: version 1.6
 *   writes U+001F unescaped and 1e308 as "1e+308.0", neither of them JSON;
 * - tighter limits only ever refuse more.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* The writer escapes control characters as \u00XX, so its output may be
 * longer than its input. */
static const TwJsonLimits roomy = { 256, 16 * 65536, 16 * 65536 };
static const TwJsonLimits tight = { 3, 8, 256 };

static gboolean
holds_double (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node))
    return json_node_get_value_type (node) == G_TYPE_DOUBLE;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (holds_double (json_array_get_element (array, i)))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr (GList) members = json_object_get_values (json_node_get_object (node));

      for (GList *l = members; l != NULL; l = l->next)
        if (holds_double (l->data))
          return TRUE;
    }
  return FALSE;
}

static void
check_rewrite_is_accepted (JsonNode *root)
{
  TwJsonWriter *writer = tw_json_writer_new ();
  g_autoptr (TwSecret) rewritten = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) again = NULL;

  tw_json_writer_node (writer, root);
  rewritten = tw_json_writer_finish (writer, 0);
  again = tw_json_strict_parse (tw_secret_get_text (rewritten), tw_secret_get_size (rewritten),
                                &roomy, &error);

  g_assert_no_error (error);
  g_assert_true (json_node_equal (root, again));
}

static void
check_refusal (GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == TW_JSON_ERROR);
  g_assert_false (g_str_has_prefix (error->message, "JSON refused by the tree builder"));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) tight_error = NULL;
  g_autoptr (JsonNode) root = tw_json_strict_parse ((const char *) data, size, NULL, &error);
  g_autoptr (JsonNode) tight_root = tw_json_strict_parse ((const char *) data, size, &tight,
                                                          &tight_error);

  if (root == NULL)
    {
      check_refusal (error);
      g_assert_null (tight_root);
      return 0;
    }

  g_assert_no_error (error);
  if (!holds_double (root))
    check_rewrite_is_accepted (root);
  if (tight_root == NULL)
    check_refusal (tight_error);
  else
    g_assert_true (json_node_equal (root, tight_root));
  return 0;
}
