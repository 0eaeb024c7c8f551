/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-date.h"

/* Used when a translation's format does not work: unambiguous in every
 * language, if plain. */
#define FALLBACK_FORMAT "%Y-%m-%d %H:%M"

/* A date that wraps inside itself ("4" at the end of one line, "December"
 * on the next) reads wrong (QA G7): its spaces become no-break spaces, so
 * a label moves it to the next line whole. Takes @text. */
static char *
keep_on_one_line (char *text)
{
  g_autoptr(GString) joined = g_string_new (text);

  g_free (text);
  g_string_replace (joined, " ", "\u00a0", 0);
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

char *
tigress_date_format (GDateTime *when)
{
  g_autoptr(GDateTime) local = NULL;
  char *text;

  g_return_val_if_fail (when != NULL, NULL);

  local = g_date_time_to_local (when);
  /* Translators: how the app shows a date and time, for example
   * "4 December 2026, 18:33". The codes are g_date_time_format()'s: %-d the
   * day, %B the month's name, %Y the four-digit year, %H:%M the 24-hour
   * time (%l:%M %p for a 12-hour one). Reorder them as your language
   * writes dates, but keep the four-digit year and a month name, so the
   * date cannot be misread. */
  text = g_date_time_format (local, _("%-d %B %Y, %H:%M"));
  if (text == NULL)
    text = g_date_time_format (local, FALLBACK_FORMAT);
  return keep_on_one_line (text);
}
