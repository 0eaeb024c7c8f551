/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-json-secret.h"

#include <string.h>

#include "tw-base64.h"
#include "tw-crypto.h"
#include "tw-json-strict.h"

#define WRITER_MAX_DEPTH      32
#define WRITER_FIRST_CAPACITY 1024

struct _TwJsonWriter
{
  TwSecret *buffer;                 /* its size is the capacity */
  gsize     length;
  guint     depth;
  gboolean  has_items[WRITER_MAX_DEPTH + 1];
  gboolean  after_member;           /* a member name waits for its value */
};

TwJsonWriter *
tw_json_writer_new (void)
{
  TwJsonWriter *self = g_new0 (TwJsonWriter, 1);

  self->buffer = tw_secret_new (WRITER_FIRST_CAPACITY);
  return self;
}

void
tw_json_writer_free (TwJsonWriter *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->buffer, tw_secret_unref);
  g_free (self);
}

/* Growing copies into a new secure buffer and wipes the old one, so no
 * stale copy of the text is left behind (as realloc would). */
static void
writer_reserve (TwJsonWriter *self,
                gsize         extra)
{
  gsize capacity = tw_secret_get_size (self->buffer);
  TwSecret *bigger;

  if (self->length + extra <= capacity)
    return;

  while (capacity < self->length + extra)
    capacity *= 2;
  bigger = tw_secret_new (capacity);
  memcpy (tw_secret_get_data (bigger), tw_secret_get_data (self->buffer), self->length);
  tw_secret_unref (self->buffer);
  self->buffer = bigger;
}

static void
writer_append (TwJsonWriter  *self,
               gconstpointer  data,
               gsize          size)
{
  writer_reserve (self, size);
  memcpy (tw_secret_get_data (self->buffer) + self->length, data, size);
  self->length += size;
}

static void
writer_append_char (TwJsonWriter *self,
                    char          c)
{
  writer_append (self, &c, 1);
}

/* The comma between siblings, unless a member name just opened the slot. */
static void
writer_begin_value (TwJsonWriter *self)
{
  if (self->after_member)
    {
      self->after_member = FALSE;
      return;
    }
  if (self->has_items[self->depth])
    writer_append_char (self, ',');
  self->has_items[self->depth] = TRUE;
}

static void
writer_open (TwJsonWriter *self,
             char          bracket)
{
  g_return_if_fail (self->depth < WRITER_MAX_DEPTH);

  writer_begin_value (self);
  writer_append_char (self, bracket);
  self->depth++;
  self->has_items[self->depth] = FALSE;
}

static void
writer_close (TwJsonWriter *self,
              char          bracket)
{
  g_return_if_fail (self->depth > 0 && !self->after_member);

  self->depth--;
  writer_append_char (self, bracket);
}

void
tw_json_writer_begin_object (TwJsonWriter *self)
{
  writer_open (self, '{');
}

void
tw_json_writer_end_object (TwJsonWriter *self)
{
  writer_close (self, '}');
}

void
tw_json_writer_begin_array (TwJsonWriter *self)
{
  writer_open (self, '[');
}

void
tw_json_writer_end_array (TwJsonWriter *self)
{
  writer_close (self, ']');
}

static void
writer_append_escaped (TwJsonWriter *self,
                       const char   *text,
                       gsize         size)
{
  writer_append_char (self, '"');
  for (gsize i = 0; i < size; i++)
    {
      guchar c = text[i];
      char escape[8];

      if (c == '"' || c == '\\')
        {
          writer_append_char (self, '\\');
          writer_append_char (self, c);
        }
      else if (c < 0x20)
        {
          g_snprintf (escape, sizeof escape, "\\u%04x", c);
          writer_append (self, escape, 6);
        }
      else
        writer_append_char (self, c);
    }
  writer_append_char (self, '"');
}

void
tw_json_writer_member (TwJsonWriter *self,
                       const char   *name)
{
  g_return_if_fail (self != NULL && name != NULL);
  g_return_if_fail (self->depth > 0 && !self->after_member);

  writer_begin_value (self);
  writer_append_escaped (self, name, strlen (name));
  writer_append_char (self, ':');
  self->after_member = TRUE;
}

void
tw_json_writer_string_len (TwJsonWriter *self,
                           const char   *text,
                           gsize         size)
{
  g_return_if_fail (self != NULL && (text != NULL || size == 0));
  g_return_if_fail (g_utf8_validate_len (text, size, NULL));

  writer_begin_value (self);
  writer_append_escaped (self, text, size);
}

void
tw_json_writer_string (TwJsonWriter *self,
                       const char   *text)
{
  g_return_if_fail (text != NULL);

  tw_json_writer_string_len (self, text, strlen (text));
}

void
tw_json_writer_int (TwJsonWriter *self,
                    gint64        value)
{
  char digits[32];
  int size;

  g_return_if_fail (self != NULL);

  size = g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, value);
  writer_begin_value (self);
  writer_append (self, digits, size);
}

void
tw_json_writer_boolean (TwJsonWriter *self,
                        gboolean      value)
{
  g_return_if_fail (self != NULL);

  writer_begin_value (self);
  if (value)
    writer_append (self, "true", 4);
  else
    writer_append (self, "false", 5);
}

void
tw_json_writer_base64 (TwJsonWriter  *self,
                       gconstpointer  data,
                       gsize          size)
{
  g_autoptr (TwSecret) raw = NULL;
  g_autoptr (TwSecret) text = NULL;

  g_return_if_fail (self != NULL && (data != NULL || size == 0));

  raw = tw_secret_new_from_data (data, size);
  text = tw_base64_encode_secret (raw);
  writer_begin_value (self);
  writer_append_char (self, '"');
  writer_append (self, tw_secret_get_data (text), tw_secret_get_size (text));
  writer_append_char (self, '"');
}

void
tw_json_writer_raw (TwJsonWriter *self,
                    const char   *json,
                    gsize         size)
{
  g_return_if_fail (self != NULL && json != NULL && size > 0);

  writer_begin_value (self);
  writer_append (self, json, size);
}

static void
writer_value (TwJsonWriter *self,
              JsonNode     *node)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      tw_json_writer_string (self, json_node_get_string (node));
      break;
    case G_TYPE_INT64:
      tw_json_writer_int (self, json_node_get_int (node));
      break;
    case G_TYPE_BOOLEAN:
      tw_json_writer_boolean (self, json_node_get_boolean (node));
      break;
    case G_TYPE_DOUBLE:
      g_ascii_dtostr (number, sizeof number, json_node_get_double (node));
      tw_json_writer_raw (self, number, strlen (number));
      break;
    default:
      g_return_if_reached ();
    }
}

void
tw_json_writer_node (TwJsonWriter *self,
                     JsonNode     *node)
{
  g_return_if_fail (self != NULL && node != NULL);

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr (GList) names = json_object_get_members (object);

        tw_json_writer_begin_object (self);
        for (GList *l = names; l != NULL; l = l->next)
          {
            tw_json_writer_member (self, l->data);
            tw_json_writer_node (self, json_object_get_member (object, l->data));
          }
        tw_json_writer_end_object (self);
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        tw_json_writer_begin_array (self);
        for (guint i = 0; i < json_array_get_length (array); i++)
          tw_json_writer_node (self, json_array_get_element (array, i));
        tw_json_writer_end_array (self);
      }
      break;
    case JSON_NODE_NULL:
      tw_json_writer_raw (self, "null", 4);
      break;
    case JSON_NODE_VALUE:
      writer_value (self, node);
      break;
    default:
      g_return_if_reached ();
    }
}

TwSecret *
tw_json_writer_finish (TwJsonWriter *self,
                       gsize         pad_unit)
{
  gsize padded = self->length;
  TwSecret *text;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->depth == 0 && !self->after_member, NULL);

  if (pad_unit > 0 && padded % pad_unit != 0)
    padded += pad_unit - padded % pad_unit;
  text = tw_secret_new (padded);
  memcpy (tw_secret_get_data (text), tw_secret_get_data (self->buffer), self->length);
  memset (tw_secret_get_data (text) + self->length, ' ', padded - self->length);

  tw_json_writer_free (self);
  return text;
}

void
tw_json_wipe_node (JsonNode *node)
{
  if (node == NULL)
    return;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr (GList) members = json_object_get_values (object);

        for (GList *l = members; l != NULL; l = l->next)
          tw_json_wipe_node (l->data);
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          tw_json_wipe_node (json_array_get_element (array, i));
      }
      break;
    case JSON_NODE_VALUE:
      /* json-glib hands out its own copy of the string; overwriting it in
       * place is the only way to keep the secret from outliving its use. */
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          char *text = (char *) json_node_get_string (node);

          tw_wipe (text, strlen (text));
        }
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

TwSecret *
tw_json_take_secret_string (JsonObject  *object,
                            const char  *member,
                            GError     **error)
{
  const char *text = tw_json_get_string (object, member, error);
  TwSecret *secret;

  if (text == NULL)
    return NULL;

  secret = tw_secret_new_from_string (text);
  tw_json_wipe_node (json_object_get_member (object, member));
  return secret;
}

TwSecret *
tw_json_take_secret_base64 (JsonObject  *object,
                            const char  *member,
                            gssize       exact_size,
                            GError     **error)
{
  const char *text = tw_json_get_string (object, member, error);
  g_autoptr (TwSecret) secret = NULL;

  if (text == NULL)
    return NULL;

  secret = tw_base64_decode_secret (text, -1, TW_BASE64_STANDARD, error);
  tw_json_wipe_node (json_object_get_member (object, member));
  if (secret == NULL)
    return NULL;
  if (exact_size >= 0 && tw_secret_get_size (secret) != (gsize) exact_size)
    {
      g_set_error (error, TW_BASE64_ERROR, TW_BASE64_ERROR_WRONG_SIZE,
                   "Member “%s” does not hold %" G_GSSIZE_FORMAT " bytes",
                   member, exact_size);
      return NULL;
    }

  return g_steal_pointer (&secret);
}

TwSecret *
tw_json_take_secret_value (JsonObject  *object,
                           const char  *member,
                           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  TwJsonWriter *writer;

  if (node == NULL)
    {
      g_set_error (error, TW_JSON_ERROR, TW_JSON_ERROR_MISSING_MEMBER,
                   "Member “%s” is missing", member);
      return NULL;
    }

  writer = tw_json_writer_new ();
  tw_json_writer_node (writer, node);
  tw_json_wipe_node (node);
  return tw_json_writer_finish (writer, 0);
}
