/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tw-qr.h"

#include "tigress-qr-paintable.h"

/* Pixels per module when nobody asks for a size: big enough to scan from a
 * phone held at arm's length on an ordinary laptop screen. */
#define DEFAULT_MODULE_PIXELS 6

struct _TigressQrPaintable
{
  GObject parent_instance;

  char *text;
  int version;
  int modules;
  /* modules × modules booleans, row by row: TRUE for a dark module */
  guint8 *dark;
};

static void tigress_qr_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TigressQrPaintable, tigress_qr_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      tigress_qr_paintable_iface_init))

enum {
  PROP_0,
  PROP_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static int
total_modules (TigressQrPaintable *self)
{
  return self->modules + 2 * TIGRESS_QR_QUIET_ZONE;
}

static void
append_dark_run (GtkSnapshot *snapshot,
                 float        origin_x,
                 float        origin_y,
                 float        module_size,
                 int          row,
                 int          first_column,
                 int          run_length)
{
  static const GdkRGBA black = { 0.0f, 0.0f, 0.0f, 1.0f };
  graphene_rect_t run;

  graphene_rect_init (&run,
                      origin_x + (first_column + TIGRESS_QR_QUIET_ZONE) * module_size,
                      origin_y + (row + TIGRESS_QR_QUIET_ZONE) * module_size,
                      run_length * module_size,
                      module_size);
  gtk_snapshot_append_color (snapshot, &black, &run);
}

/* Horizontal runs of dark modules become one rectangle each, which keeps
 * the render node count low and leaves no seams between neighbours. */
static void
append_modules (TigressQrPaintable *self,
                GtkSnapshot        *snapshot,
                float               origin_x,
                float               origin_y,
                float               module_size)
{
  for (int row = 0; row < self->modules; row++)
    {
      const guint8 *line = self->dark + (gsize) row * self->modules;
      int column = 0;

      while (column < self->modules)
        {
          int run_start;

          if (!line[column])
            {
              column++;
              continue;
            }
          run_start = column;
          while (column < self->modules && line[column])
            column++;
          append_dark_run (snapshot, origin_x, origin_y, module_size,
                           row, run_start, column - run_start);
        }
    }
}

static void
tigress_qr_paintable_snapshot (GdkPaintable *paintable,
                               GdkSnapshot  *snapshot,
                               double        width,
                               double        height)
{
  static const GdkRGBA white = { 1.0f, 1.0f, 1.0f, 1.0f };
  TigressQrPaintable *self = TIGRESS_QR_PAINTABLE (paintable);
  int count = total_modules (self);
  double side = MIN (width, height);
  float module_size;
  float origin_x, origin_y;
  graphene_rect_t background;

  if (self->modules == 0 || side <= 0)
    return;

  /* Whole pixels per module keep every edge on the pixel grid; only a very
   * small widget falls back to fractional modules. */
  module_size = floorf ((float) side / count);
  if (module_size < 1.0f)
    module_size = (float) side / count;
  origin_x = floorf ((float) (width - module_size * count) / 2.0f);
  origin_y = floorf ((float) (height - module_size * count) / 2.0f);

  graphene_rect_init (&background, origin_x, origin_y,
                      module_size * count, module_size * count);
  gtk_snapshot_append_color (snapshot, &white, &background);
  append_modules (self, snapshot, origin_x, origin_y, module_size);
}

static int
tigress_qr_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  TigressQrPaintable *self = TIGRESS_QR_PAINTABLE (paintable);

  return self->modules ? total_modules (self) * DEFAULT_MODULE_PIXELS : 0;
}

static double
tigress_qr_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  return 1.0;
}

static void
tigress_qr_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = tigress_qr_paintable_snapshot;
  iface->get_intrinsic_width = tigress_qr_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = tigress_qr_paintable_get_intrinsic_width;
  iface->get_intrinsic_aspect_ratio = tigress_qr_paintable_get_intrinsic_aspect_ratio;
}

static void
clear_code (TigressQrPaintable *self)
{
  g_clear_pointer (&self->dark, g_free);
  self->modules = 0;
  self->version = 0;
}

static gboolean
encode_text (TigressQrPaintable *self,
             const char         *text)
{
  QRcode *code;
  gsize count;

  code = tw_qr_encode (text);
  if (code == NULL)
    {
      g_warning ("A QR code could not be made for a text of %zu bytes.",
                 strlen (text));
      return FALSE;
    }

  self->modules = code->width;
  self->version = code->version;
  count = (gsize) code->width * code->width;
  self->dark = g_malloc (count);
  for (gsize i = 0; i < count; i++)
    self->dark[i] = code->data[i] & 1;
  QRcode_free (code);
  return TRUE;
}

void
tigress_qr_paintable_set_text (TigressQrPaintable *self,
                               const char         *text)
{
  g_return_if_fail (TIGRESS_IS_QR_PAINTABLE (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;

  g_free (self->text);
  self->text = g_strdup (text);
  clear_code (self);
  if (text != NULL && *text != '\0')
    encode_text (self, text);

  gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

const char *
tigress_qr_paintable_get_text (TigressQrPaintable *self)
{
  g_return_val_if_fail (TIGRESS_IS_QR_PAINTABLE (self), NULL);

  return self->text;
}

int
tigress_qr_paintable_get_modules (TigressQrPaintable *self)
{
  g_return_val_if_fail (TIGRESS_IS_QR_PAINTABLE (self), 0);

  return self->modules;
}

int
tigress_qr_paintable_get_version (TigressQrPaintable *self)
{
  g_return_val_if_fail (TIGRESS_IS_QR_PAINTABLE (self), 0);

  return self->version;
}

static void
tigress_qr_paintable_finalize (GObject *object)
{
  TigressQrPaintable *self = TIGRESS_QR_PAINTABLE (object);

  clear_code (self);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (tigress_qr_paintable_parent_class)->finalize (object);
}

static void
tigress_qr_paintable_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TigressQrPaintable *self = TIGRESS_QR_PAINTABLE (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tigress_qr_paintable_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TigressQrPaintable *self = TIGRESS_QR_PAINTABLE (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      tigress_qr_paintable_set_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tigress_qr_paintable_class_init (TigressQrPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tigress_qr_paintable_finalize;
  object_class->get_property = tigress_qr_paintable_get_property;
  object_class->set_property = tigress_qr_paintable_set_property;

  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tigress_qr_paintable_init (TigressQrPaintable *self)
{
}

TigressQrPaintable *
tigress_qr_paintable_new (void)
{
  return g_object_new (TIGRESS_TYPE_QR_PAINTABLE, NULL);
}
