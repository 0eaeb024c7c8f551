/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include "tw-crypto.h"

G_BEGIN_DECLS

/*
 * The running hash of a share's conversation (protocol, section 4):
 *
 *   th_0 = SHA-256("tigress-wallet v1 th")
 *   th_k = SHA-256(th_{k-1} || 4-byte big-endian length || m_k)
 *
 * over the exact plaintexts, padding included. Every message carries the
 * hash of all earlier messages, so a dropped, reordered or substituted
 * message shows up as a mismatch. A plain value type: copy it freely.
 */

#define TW_TRANSCRIPT_LABEL "tigress-wallet v1 th"
#define TW_TRANSCRIPT_SIZE  TW_SHA256_SIZE

typedef struct {
  guint8 hash[TW_TRANSCRIPT_SIZE];
} TwTranscript;

/* Sets @self to th_0. */
void      tw_transcript_init        (TwTranscript       *self);

/* th_k from th_{k-1} and m_k. @size must fit in 32 bits. */
void      tw_transcript_append      (TwTranscript       *self,
                                     gconstpointer       message,
                                     gsize               size);

/* Constant time. */
gboolean  tw_transcript_equal       (const TwTranscript *a,
                                     const TwTranscript *b);

/* The form messages carry: standard base64 with padding (44 characters). */
char     *tw_transcript_to_base64   (const TwTranscript *self);
gboolean  tw_transcript_from_base64 (const char         *text,
                                     TwTranscript       *out,
                                     GError            **error);

G_END_DECLS
