/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-pin.h"

#include "tw-crypto.h"

#define PIN_SPACE 1000000u

G_STATIC_ASSERT (TW_PIN_DRAW_LIMIT % PIN_SPACE == 0);
G_STATIC_ASSERT (G_MAXUINT32 - TW_PIN_DRAW_LIMIT < PIN_SPACE);

gboolean
tw_pin_from_draw (guint32 draw,
                  char    out[TW_PIN_DIGITS + 1])
{
  guint32 value;

  g_return_val_if_fail (out != NULL, FALSE);

  if (draw >= TW_PIN_DRAW_LIMIT)
    return FALSE;

  value = draw % PIN_SPACE;
  for (int i = TW_PIN_DIGITS - 1; i >= 0; i--)
    {
      out[i] = '0' + value % 10;
      value /= 10;
    }
  out[TW_PIN_DIGITS] = '\0';

  return TRUE;
}

TwSecret *
tw_pin_generate (void)
{
  TwSecret *pin = tw_secret_new (TW_PIN_DIGITS);
  guint8 bytes[4];
  guint32 draw;

  /* About one draw in 4,300 is thrown away, so this loops once or twice. */
  do
    {
      tw_random_bytes (bytes, sizeof bytes);
      draw = (guint32) bytes[0] << 24 | (guint32) bytes[1] << 16
             | (guint32) bytes[2] << 8 | bytes[3];
    }
  while (!tw_pin_from_draw (draw, (char *) tw_secret_get_data (pin)));

  tw_wipe (bytes, sizeof bytes);
  tw_wipe (&draw, sizeof draw);
  return pin;
}

gboolean
tw_pin_is_well_formed (const char *text)
{
  if (text == NULL)
    return FALSE;

  for (int i = 0; i < TW_PIN_DIGITS; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;

  return text[TW_PIN_DIGITS] == '\0';
}
