/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @when in local time, as people read it everywhere in the app: the day,
 * the month's name and all four digits of the year, then the time, in
 * the order the translation chooses. Never a two-digit year or a
 * day/month order that reads both ways. Newly allocated. */
char *tigress_date_format (GDateTime *when);

G_END_DECLS
