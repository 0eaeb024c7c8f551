/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * JSON that holds secrets. json-glib keeps every string on the ordinary heap
 * and frees it without wiping, so messages and saved share states that carry
 * keys or credentials are written with TwJsonWriter, straight into secure
 * memory, and secrets read from a parsed tree are copied into a TwSecret
 * and wiped in the tree at once.
 *
 * The writer emits compact JSON (no spaces) with members in the order they
 * are written, so the same calls always give the same bytes.
 */

typedef struct _TwJsonWriter TwJsonWriter;

TwJsonWriter *tw_json_writer_new          (void);
void          tw_json_writer_free         (TwJsonWriter  *writer);

void          tw_json_writer_begin_object (TwJsonWriter  *writer);
void          tw_json_writer_end_object   (TwJsonWriter  *writer);
void          tw_json_writer_begin_array  (TwJsonWriter  *writer);
void          tw_json_writer_end_array    (TwJsonWriter  *writer);

/* Inside an object: the name of the member whose value comes next. */
void          tw_json_writer_member       (TwJsonWriter  *writer,
                                           const char    *name);

/* @text must be valid UTF-8; it is escaped as JSON needs. */
void          tw_json_writer_string       (TwJsonWriter  *writer,
                                           const char    *text);
void          tw_json_writer_string_len   (TwJsonWriter  *writer,
                                           const char    *text,
                                           gsize          size);
void          tw_json_writer_int          (TwJsonWriter  *writer,
                                           gint64         value);
void          tw_json_writer_boolean      (TwJsonWriter  *writer,
                                           gboolean       value);
/* Standard base64 with padding, encoded in secure memory. */
void          tw_json_writer_base64       (TwJsonWriter  *writer,
                                           gconstpointer  data,
                                           gsize          size);
/* A value that is already JSON text, written as it is. The caller vouches
 * that it is one well-formed value (checked by tw_json_strict_parse). */
void          tw_json_writer_raw          (TwJsonWriter  *writer,
                                           const char    *json,
                                           gsize          size);
/* A parsed value, written compactly without leaving copies on the heap. */
void          tw_json_writer_node         (TwJsonWriter  *writer,
                                           JsonNode      *node);

/* Frees the writer and returns the text, padded with trailing spaces to a
 * multiple of @pad_unit bytes (0 for no padding). */
TwSecret     *tw_json_writer_finish       (TwJsonWriter  *writer,
                                           gsize          pad_unit);

/*
 * Reading secrets out of a parsed object. Each copies the member's value
 * into a TwSecret and overwrites the tree's own copy, so the secret is not
 * left behind in the tree (json-glib's parser may still have made passing
 * copies while it read the text; those are outside our reach). Errors are
 * in TW_JSON_ERROR, or TW_BASE64_ERROR for base64.
 */
TwSecret     *tw_json_take_secret_string  (JsonObject    *object,
                                           const char    *member,
                                           GError       **error);
/* A strict base64 string; @exact_size, unless -1, is the size it must
 * decode to. */
TwSecret     *tw_json_take_secret_base64  (JsonObject    *object,
                                           const char    *member,
                                           gssize         exact_size,
                                           GError       **error);
/* Any JSON value, as compact JSON text. */
TwSecret     *tw_json_take_secret_value   (JsonObject    *object,
                                           const char    *member,
                                           GError       **error);

/* Overwrites every string value in @node and below. */
void          tw_json_wipe_node           (JsonNode      *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwJsonWriter, tw_json_writer_free)

G_END_DECLS
