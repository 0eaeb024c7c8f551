/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cli-qr.h"

#include <glib/gi18n.h>

#include "cli-exit.h"
#include "tw-qr.h"

#define UPPER_HALF "\u2580"
#define LOWER_HALF "\u2584"
#define FULL_BLOCK "\u2588"
#define ANSI_DARK_ON_LIGHT "\033[30;47m"
#define ANSI_RESET "\033[0m"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)

/* Whether the module at (x, y) of the code with its quiet zone is dark;
 * the quiet zone and anything past the last row are light. */
static gboolean
module_is_dark (const QRcode *code,
                int           x,
                int           y)
{
  int code_x = x - CLI_QR_QUIET_ZONE;
  int code_y = y - CLI_QR_QUIET_ZONE;

  if (code_x < 0 || code_y < 0 || code_x >= code->width || code_y >= code->width)
    return FALSE;
  return (code->data[code_y * code->width + code_x] & 1) != 0;
}

static const char *
cell_for (gboolean upper_dark,
          gboolean lower_dark)
{
  if (upper_dark && lower_dark)
    return FULL_BLOCK;
  if (upper_dark)
    return UPPER_HALF;
  if (lower_dark)
    return LOWER_HALF;
  return " ";
}

char *
cli_qr_render (const char  *text,
               CliQrStyle   style,
               GError     **error)
{
  g_autoptr(QRcode) code = tw_qr_encode (text);
  GString *drawing;
  int side;

  if (code == NULL)
    {
      g_set_error_literal (error, CLI_ERROR, CLI_EXIT_FAILURE,
                           _("The link is too long to draw as a QR code; "
                             "send the link as text instead."));
      return NULL;
    }

  side = code->width + 2 * CLI_QR_QUIET_ZONE;
  drawing = g_string_new (NULL);
  for (int y = 0; y < side; y += 2)
    {
      if (style == CLI_QR_STYLE_ANSI)
        g_string_append (drawing, ANSI_DARK_ON_LIGHT);
      for (int x = 0; x < side; x++)
        g_string_append (drawing, cell_for (module_is_dark (code, x, y),
                                            module_is_dark (code, x, y + 1)));
      if (style == CLI_QR_STYLE_ANSI)
        g_string_append (drawing, ANSI_RESET);
      g_string_append_c (drawing, '\n');
    }
  return g_string_free (drawing, FALSE);
}
