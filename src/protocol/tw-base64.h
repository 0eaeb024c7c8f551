/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * Strict base64 (RFC 4648). Keys arrive from links, headers and messages
 * written by other programs, so the decoder accepts exactly one spelling of
 * each byte string per alphabet: it refuses characters outside the
 * alphabet, a mix of the two alphabets, padding in the wrong place or of the
 * wrong length, non-zero bits in the last character, and any whitespace.
 * Both padded and unpadded input are accepted.
 *
 * The encoders write the two forms the protocol uses: standard alphabet with
 * padding (keys in links, bind tokens, message fields) and URL-safe without
 * padding (ETags and other tokens that sit in URLs).
 */

#define TW_BASE64_ERROR (tw_base64_error_quark ())

typedef enum {
  TW_BASE64_ERROR_BAD_CHARACTER,    /* outside the alphabet(s) allowed, or whitespace */
  TW_BASE64_ERROR_MIXED_ALPHABETS,  /* '+' or '/' together with '-' or '_' */
  TW_BASE64_ERROR_BAD_PADDING,      /* '=' misplaced or the wrong number of them */
  TW_BASE64_ERROR_BAD_LENGTH,       /* a length no encoding can have */
  TW_BASE64_ERROR_TRAILING_BITS,    /* the last character carries non-zero unused bits */
  TW_BASE64_ERROR_WRONG_SIZE,       /* decodes fine, but not to the size required */
} TwBase64Error;

typedef enum {
  TW_BASE64_STANDARD = 1 << 0,      /* A-Z a-z 0-9 + / */
  TW_BASE64_URL      = 1 << 1,      /* A-Z a-z 0-9 - _ */
  TW_BASE64_ANY      = TW_BASE64_STANDARD | TW_BASE64_URL,
} TwBase64Alphabet;

GQuark     tw_base64_error_quark     (void);

/* @length may be -1 for a NUL-terminated @text. Padding is optional in
 * either alphabet. An empty text decodes to zero bytes. */
TwSecret  *tw_base64_decode_secret   (const char       *text,
                                      gssize            length,
                                      TwBase64Alphabet  alphabets,
                                      GError          **error);

GBytes    *tw_base64_decode_bytes    (const char       *text,
                                      gssize            length,
                                      TwBase64Alphabet  alphabets,
                                      GError          **error);

/* Decodes into a caller's buffer that must be filled exactly: anything that
 * decodes to another size fails with TW_BASE64_ERROR_WRONG_SIZE. For public
 * keys, nonces and other fixed-size fields. @out is wiped on failure. */
gboolean   tw_base64_decode_exact    (const char       *text,
                                      gssize            length,
                                      TwBase64Alphabet  alphabets,
                                      guint8           *out,
                                      gsize             out_size,
                                      GError          **error);

/* The number of bytes @length characters of valid base64 decode to, or
 * G_MAXSIZE if no valid encoding has that length. Padding included. */
gsize      tw_base64_decoded_size    (const char       *text,
                                      gsize             length);

/* Standard alphabet, padded. */
char      *tw_base64_encode          (gconstpointer     data,
                                      gsize             size);

/* URL-safe alphabet, no padding. */
char      *tw_base64url_encode       (gconstpointer     data,
                                      gsize             size);

/* Standard alphabet, padded, for secrets: the text lives in the returned
 * TwSecret (tw_secret_get_text) and is wiped with it. */
TwSecret  *tw_base64_encode_secret   (TwSecret         *secret);

G_END_DECLS
