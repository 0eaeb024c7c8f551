/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * Linked into every fuzz target. Under G_DEBUG=fatal-criticals GLib stops
 * on a failed g_return_if_fail() with SIGTRAP, which libFuzzer does not
 * catch, so the input that caused it was lost. Aborting instead lets
 * libFuzzer write the input to its artifacts folder, where it can be
 * replayed and kept as a seed once the bug is fixed.
 */

#include <glib.h>
#include <stdlib.h>

static GLogWriterOutput
write_then_abort_on_criticals (GLogLevelFlags   log_level,
                               const GLogField *fields,
                               gsize            n_fields,
                               gpointer         user_data)
{
  GLogWriterOutput written = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    abort ();
  return written;
}

__attribute__((constructor)) static void
install_fatal_log_writer (void)
{
  g_log_set_writer_func (write_then_abort_on_criticals, NULL, NULL);
}
