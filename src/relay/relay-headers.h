/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * RelayHeaders: the header lines of one request, in the order they came,
 * looked up by name without regard to case.
 *
 * The HTTP engine adds views of the lines in its own read buffer (which it
 * wipes once the request is answered), so a request's headers are never
 * copied. Headers added as copies (tests, the fuzzer), and the values that
 * get_list() joins, belong to the map and are wiped when it is cleared or
 * freed: claims and bind tokens travel in headers.
 */
typedef struct _RelayHeaders RelayHeaders;

RelayHeaders *relay_headers_new        (void);
void          relay_headers_free       (RelayHeaders *headers);

/* Forgets every header (wiping the map's own copies) and keeps the
 * allocation for the next request. */
void          relay_headers_clear      (RelayHeaders *headers);

/* @name and @value must stay valid and unchanged until the next clear. */
void          relay_headers_add_view   (RelayHeaders *headers,
                                        const char   *name,
                                        const char   *value);
void          relay_headers_add        (RelayHeaders *headers,
                                        const char   *name,
                                        const char   *value);

/* The value of the last line named @name, or NULL. For headers that may
 * appear once. */
const char   *relay_headers_get_one    (RelayHeaders *headers,
                                        const char   *name);

/* Every line named @name, joined with ", " in their order (so a header
 * repeated where only one is allowed fails a shape check), or NULL. Valid
 * until the next clear. */
const char   *relay_headers_get_list   (RelayHeaders *headers,
                                        const char   *name);

guint         relay_headers_get_length (RelayHeaders *headers);
void          relay_headers_get_nth    (RelayHeaders *headers,
                                        guint         index,
                                        const char  **name_out,
                                        const char  **value_out);

/* Bytes of the header block as sent: each line's name, ": ", value, CRLF. */
gsize         relay_headers_get_size   (RelayHeaders *headers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayHeaders, relay_headers_free)

G_END_DECLS
