/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * TwSecret: a reference-counted byte buffer for keys, PINs, claims and
 * plaintexts. It lives on OpenSSL's secure heap when one is available (so it
 * is never swapped out and is kept away from ordinary heap overflows) and is
 * wiped before its memory is released. Secrets never travel in GBytes or in
 * plain strings; they travel in a TwSecret.
 */
typedef struct _TwSecret TwSecret;

GType      tw_secret_get_type       (void) G_GNUC_CONST;
TwSecret  *tw_secret_new            (gsize           size);
TwSecret  *tw_secret_new_from_data  (gconstpointer   data,
                                     gsize           size);
TwSecret  *tw_secret_new_from_string (const char    *text);
TwSecret  *tw_secret_ref            (TwSecret       *secret);
void       tw_secret_unref          (TwSecret       *secret);
guint8    *tw_secret_get_data       (TwSecret       *secret);
gsize      tw_secret_get_size       (const TwSecret *secret);
gboolean   tw_secret_equal          (const TwSecret *a,
                                     const TwSecret *b);

/* A NUL-terminated view of the secret, for secrets that are text (PINs,
 * passcodes). The buffer always has one hidden NUL byte after its data. */
const char *tw_secret_get_text      (TwSecret       *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwSecret, tw_secret_unref)

G_END_DECLS
