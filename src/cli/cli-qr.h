/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A QR code drawn with text: each character holds two modules, one above
 * the other, with the half-block characters, inside a light quiet zone of
 * CLI_QR_QUIET_ZONE modules on every side. Error correction level M, as
 * the protocol asks for share links.
 */

#define CLI_QR_QUIET_ZONE 4

typedef enum {
  /* Explicit black on white with ANSI colours: dark on light whatever the
   * terminal's theme. For terminals. */
  CLI_QR_STYLE_ANSI,
  /* Block characters for dark modules, spaces for light ones, no colours:
   * right on a light background only. For files and pipes. */
  CLI_QR_STYLE_PLAIN,
} CliQrStyle;

/* NULL with a CLI_ERROR if the text does not fit in a QR code. */
char  *cli_qr_render  (const char  *text,
                       CliQrStyle   style,
                       GError     **error);

G_END_DECLS
