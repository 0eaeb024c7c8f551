/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-secret.h"

G_BEGIN_DECLS

/*
 * The six-digit PIN of a verified share. It is drawn from the CSPRNG
 * without modulo bias: a 32-bit draw at or above TW_PIN_DRAW_LIMIT (the
 * largest multiple of 10^6 that fits) is thrown away and drawn again, so
 * every PIN from 000000 to 999999 is equally likely.
 */

#define TW_PIN_DIGITS      6
#define TW_PIN_DRAW_LIMIT  4294000000u

/* A fresh PIN as text ("042917") in a TwSecret. */
TwSecret  *tw_pin_generate       (void);

/* The reduction step on its own, for tests: writes the PIN for @draw into
 * @out (7 bytes with the NUL) and returns TRUE, or returns FALSE when the
 * draw must be thrown away. */
gboolean   tw_pin_from_draw      (guint32     draw,
                                  char        out[TW_PIN_DIGITS + 1]);

/* Whether @text is exactly six ASCII digits. */
gboolean   tw_pin_is_well_formed (const char *text);

G_END_DECLS
