/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <qrencode.h>

G_BEGIN_DECLS

/*
 * QR codes for share links (protocol, section 3): level M, the smallest
 * version that holds the text.
 *
 * A link's scheme and host are case-insensitive (RFC 3986, 3.1 and 3.2.2),
 * so inside the code they are written in upper case, which QR's
 * alphanumeric mode packs in 5.5 bits a character instead of 8. The rest
 * (path, mailbox id, query, key) is case-sensitive and stays as it is, in
 * byte mode. That keeps a link to a host of up to 24 characters at
 * version 7 in both the tigress: and the https form. A scanner returns
 * the upper-cased start; tw_link_parse() reads it as the same link.
 */

/* How many bytes at the start of @text may go upper-cased into the code:
 * the scheme(s) and the host (and port) of a text that starts with
 * https://, http://, tigress:https:// or tigress:http:// (in any case),
 * as far as QR's alphanumeric mode can hold them; 0 for any other text,
 * which is encoded exactly as it is. */
gsize   tw_qr_case_insensitive_prefix (const char *text);

/* The code for @text (a link, or any other text), NULL when it does not
 * fit the largest version. Free with QRcode_free(). */
QRcode *tw_qr_encode                  (const char *text);

G_END_DECLS
