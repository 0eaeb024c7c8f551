/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "relay-store.h"

G_BEGIN_DECLS

/*
 * The page a browser (or a chat app's link previewer) gets for GET
 * /v1/m/{id}. It is built only from what was fixed at creation (the display
 * fields), the link's vertical (?v=) and the relay's own address, so its
 * bytes never change while the mailbox lives: it cannot tell anyone whether
 * the share was opened. It has no script, and its only images are the
 * relay's own type icons; the sender's imageURL is never fetched or shown.
 */

/* Security headers every preview answer carries (name, value, ..., NULL). */
extern const char *const relay_preview_headers[];

/* @vertical is the link's v parameter ('a', 'h' or 'c'; others mean 'a').
 * @base_url is scheme://host[:port] without a trailing slash. */
GBytes     *relay_preview_page          (const RelayMailbox *mailbox,
                                         const char         *base_url,
                                         char                vertical);

/* The page for a link that does not (or no longer) lead anywhere. */
GBytes     *relay_preview_missing_page  (void);

/* The relay's own static files under /static/: the style sheet and the type
 * icons. FALSE if @path is not one of them. */
gboolean    relay_preview_static_file   (const char         *path,
                                         GBytes            **body_out,
                                         const char        **content_type_out);

/* 'a', 'h' or 'c' from a query string's v parameter. */
char        relay_preview_vertical      (const char         *query);

G_END_DECLS
