/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TIGRESS_TYPE_CLIPBOARD (tigress_clipboard_get_type ())

G_DECLARE_FINAL_TYPE (TigressClipboard, tigress_clipboard, TIGRESS, CLIPBOARD, GObject)

/*
 * Puts secrets on the clipboard and takes them off again after a timeout.
 * The content carries the "x-kde-passwordManagerHint: secret" type that
 * clipboard managers use to skip their history. Only a secret we put there
 * ourselves is cleared: if the user copied something else meanwhile, it is
 * left alone.
 */
TigressClipboard *tigress_clipboard_new             (GdkClipboard     *clipboard);
void              tigress_clipboard_copy_secret     (TigressClipboard *self,
                                                     const char       *secret_text,
                                                     guint             timeout_seconds);
/* Plain text that is not secret (a share link goes here too: it carries a
 * key, but the user copies it precisely to send it away). */
void              tigress_clipboard_copy_text       (TigressClipboard *self,
                                                     const char       *text);
gboolean          tigress_clipboard_holds_secret    (TigressClipboard *self);
void              tigress_clipboard_clear_secret    (TigressClipboard *self);

G_END_DECLS
