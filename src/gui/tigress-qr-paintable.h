/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TIGRESS_TYPE_QR_PAINTABLE (tigress_qr_paintable_get_type ())

G_DECLARE_FINAL_TYPE (TigressQrPaintable, tigress_qr_paintable,
                      TIGRESS, QR_PAINTABLE, GObject)

/* The quiet zone around the code, in modules, as the QR standard asks. */
#define TIGRESS_QR_QUIET_ZONE 4

/*
 * A QR code (tw_qr_encode(): level M, a link's scheme and host upper-cased
 * inside the code) as a GdkPaintable. It always draws
 * dark modules on a light background, whatever the style, because scanners
 * read dark-on-light codes far more reliably. The module size is rounded
 * down to whole pixels so the edges stay crisp.
 */
TigressQrPaintable *tigress_qr_paintable_new          (void);
void                tigress_qr_paintable_set_text     (TigressQrPaintable *self,
                                                       const char         *text);
const char         *tigress_qr_paintable_get_text     (TigressQrPaintable *self);

/* Width of the code in modules without the quiet zone; 0 when empty. */
int                 tigress_qr_paintable_get_modules  (TigressQrPaintable *self);

/* The QR version (1–40) chosen for the current text; 0 when empty. */
int                 tigress_qr_paintable_get_version  (TigressQrPaintable *self);

G_END_DECLS
