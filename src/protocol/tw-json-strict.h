/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * A strict JSON reader for everything that arrives from a peer or from the
 * network. json-glib alone keeps the last of two duplicate keys and stops
 * after the first of two concatenated documents, so two readers could see
 * two different messages in the same bytes. tw_json_strict_parse() first
 * runs its own scanner, which refuses anything but one RFC 8259 value in
 * valid UTF-8 with unique keys in every object and within the limits, and
 * only then lets json-glib build the tree.
 *
 * Trailing JSON whitespace is allowed: plaintexts are padded with spaces.
 */

#define TW_JSON_ERROR (tw_json_error_quark ())

typedef enum {
  TW_JSON_ERROR_TOO_LARGE,        /* the document is over max_total_size */
  TW_JSON_ERROR_INVALID_UTF8,     /* bad UTF-8, or an escape naming a lone surrogate */
  TW_JSON_ERROR_CONTAINS_NUL,     /* a NUL byte, or \u0000 in a string */
  TW_JSON_ERROR_SYNTAX,           /* not RFC 8259 grammar, or empty */
  TW_JSON_ERROR_DUPLICATE_KEY,    /* a key twice in one object */
  TW_JSON_ERROR_TOO_DEEP,         /* arrays and objects nested over max_depth */
  TW_JSON_ERROR_STRING_TOO_LONG,  /* a string or key over max_string_size */
  TW_JSON_ERROR_TRAILING_DATA,    /* anything but whitespace after the value */
  /* From the typed getters: */
  TW_JSON_ERROR_MISSING_MEMBER,   /* a required member is absent */
  TW_JSON_ERROR_WRONG_TYPE,       /* a member (or the root) of another type */
  TW_JSON_ERROR_OUT_OF_RANGE,     /* an integer outside the range the caller asked for */
  TW_JSON_ERROR_UNKNOWN_MEMBER,   /* a member not in the list of those allowed */
  /* From the scanner again (added later, hence out of place): */
  TW_JSON_ERROR_NUMBER_RANGE,     /* an integer past 64 bits, or a number past a double */
} TwJsonError;

typedef struct {
  guint  max_depth;        /* 1 = a flat object or array; scalars have depth 0;
                            * never more than 256, whatever is asked */
  gsize  max_string_size;  /* bytes of a decoded string or key */
  gsize  max_total_size;   /* bytes of the whole document, padding included */
} TwJsonLimits;

/* Used when the caller passes NULL: depth 16, strings 48 KiB, total
 * 64 KiB (the relay's body limit). */
#define TW_JSON_DEFAULT_MAX_DEPTH        16
#define TW_JSON_DEFAULT_MAX_STRING_SIZE  (48 * 1024)
#define TW_JSON_DEFAULT_MAX_TOTAL_SIZE   (64 * 1024)

GQuark      tw_json_error_quark         (void);

/* Checks @data (@size bytes, need not be NUL-terminated) and returns its
 * tree, or NULL with an error in TW_JSON_ERROR. Error messages give byte
 * offsets, never content. */
JsonNode   *tw_json_strict_parse        (const char          *data,
                                         gsize                size,
                                         const TwJsonLimits  *limits,
                                         GError             **error);

/* The same, for documents whose root must be an object. */
JsonObject *tw_json_strict_parse_object (const char          *data,
                                         gsize                size,
                                         const TwJsonLimits  *limits,
                                         GError             **error);

/*
 * Typed getters. Each fails with MISSING_MEMBER when the member is absent
 * and WRONG_TYPE when it holds another type (null included), naming the
 * member in the message. Returned pointers belong to @object.
 */
const char *tw_json_get_string          (JsonObject          *object,
                                         const char          *member,
                                         GError             **error);
/* A JSON integer (no fraction, no exponent) within [min, max]. */
gboolean    tw_json_get_int             (JsonObject          *object,
                                         const char          *member,
                                         gint64               min,
                                         gint64               max,
                                         gint64              *value,
                                         GError             **error);
gboolean    tw_json_get_boolean         (JsonObject          *object,
                                         const char          *member,
                                         gboolean            *value,
                                         GError             **error);
JsonObject *tw_json_get_object          (JsonObject          *object,
                                         const char          *member,
                                         GError             **error);
JsonArray  *tw_json_get_array           (JsonObject          *object,
                                         const char          *member,
                                         GError             **error);

/* Optional members: an absent member sets *@value to NULL and succeeds; a
 * present one of the wrong type fails. */
gboolean    tw_json_get_optional_string (JsonObject          *object,
                                         const char          *member,
                                         const char         **value,
                                         GError             **error);
gboolean    tw_json_get_optional_object (JsonObject          *object,
                                         const char          *member,
                                         JsonObject         **value,
                                         GError             **error);

/* Fails with UNKNOWN_MEMBER if @object has a member not named in
 * @allowed (NULL-terminated). */
gboolean    tw_json_check_members       (JsonObject          *object,
                                         const char * const  *allowed,
                                         GError             **error);

G_END_DECLS
