/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "gui-test-util.h"
#include "tigress-qr-paintable.h"

/* A link as the share dialog shows it: a 17-character host and a 32-byte
 * key; the https form is 116 characters, "tigress:" adds 8. */
#define SAMPLE_HTTPS_LINK \
  "https://relay.example.org/v1/m/0b6f2c3e-5d41-4a8e-9f1b-2c7d8e9a0b1c?v=a" \
  "#q0vXh1e8QyYkJ2m5n7p9r1t3v5x7z9B2D4F6H8J0L2M="
#define SAMPLE_LINK "tigress:" SAMPLE_HTTPS_LINK

static GtkWindow *window;

static void
test_https_link_fits_version_seven (void)
{
  g_autoptr(TigressQrPaintable) qr = tigress_qr_paintable_new ();

  tigress_qr_paintable_set_text (qr, SAMPLE_HTTPS_LINK);
  g_assert_cmpint (tigress_qr_paintable_get_version (qr), >=, 1);
  g_assert_cmpint (tigress_qr_paintable_get_version (qr), <=, 7);
  g_assert_cmpint (tigress_qr_paintable_get_modules (qr), ==,
                   17 + 4 * tigress_qr_paintable_get_version (qr));
}

/* Level M holds 122 bytes at version 7, so the eight more characters of
 * the tigress: form need version 8 (49 modules): still easy to scan. */
static void
test_tigress_link_fits_version_eight (void)
{
  g_autoptr(TigressQrPaintable) qr = tigress_qr_paintable_new ();

  tigress_qr_paintable_set_text (qr, SAMPLE_LINK);
  g_assert_cmpint (tigress_qr_paintable_get_version (qr), <=, 8);
}

static void
test_empty_text_draws_nothing (void)
{
  g_autoptr(TigressQrPaintable) qr = tigress_qr_paintable_new ();

  tigress_qr_paintable_set_text (qr, "");
  g_assert_cmpint (tigress_qr_paintable_get_modules (qr), ==, 0);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (qr)), ==, 0);
}

typedef struct {
  guchar *pixels;
  gsize stride;
} Pixels;

static guint
pixel_grey (const Pixels *image,
            int           x,
            int           y)
{
  /* GDK_MEMORY_DEFAULT: B8G8R8A8 premultiplied; all three equal here. */
  const guchar *p = image->pixels + (gsize) y * image->stride + (gsize) x * 4;

  g_assert_cmpuint (p[0], ==, p[1]);
  g_assert_cmpuint (p[1], ==, p[2]);
  g_assert_cmpuint (p[3], ==, 255);
  return p[0];
}

static void
test_modules_are_crisp_with_light_quiet_zone (void)
{
  g_autoptr(TigressQrPaintable) qr = tigress_qr_paintable_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("TW_TEST_SCRATCH") ?: g_get_tmp_dir (),
                                            "qr-crisp.png", NULL);
  g_autoptr(GPtrArray) codes = NULL;
  const int module_pixels = 5;
  int side, quiet;
  Pixels image;

  tigress_qr_paintable_set_text (qr, SAMPLE_LINK);
  side = (tigress_qr_paintable_get_modules (qr) + 2 * TIGRESS_QR_QUIET_ZONE) * module_pixels;
  quiet = TIGRESS_QR_QUIET_ZONE * module_pixels;
  texture = tigress_test_render_paintable (GDK_PAINTABLE (qr), GTK_NATIVE (window), side, side);

  image.stride = (gsize) side * 4;
  image.pixels = g_malloc (image.stride * side);
  gdk_texture_download (texture, image.pixels, image.stride);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        guint grey = pixel_grey (&image, x, y);
        gboolean in_quiet_zone = x < quiet || y < quiet || x >= side - quiet || y >= side - quiet;

        /* Crisp: only pure dark or pure light pixels, no blended edges. */
        g_assert_true (grey == 0 || grey == 255);
        if (in_quiet_zone)
          g_assert_cmpuint (grey, ==, 255);
      }
  g_free (image.pixels);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  codes = tigress_test_decode_qr (path);
  g_assert_cmpuint (codes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (codes, 0), ==, SAMPLE_LINK);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* A realized window lends its renderer to the paintable tests. */
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_present (window);
  tigress_test_run_for (200);

  g_test_add_func ("/gui/qr/https-link-fits-version-seven", test_https_link_fits_version_seven);
  g_test_add_func ("/gui/qr/tigress-link-fits-version-eight",
                   test_tigress_link_fits_version_eight);
  g_test_add_func ("/gui/qr/empty-text-draws-nothing", test_empty_text_draws_nothing);
  g_test_add_func ("/gui/qr/modules-are-crisp-with-light-quiet-zone",
                   test_modules_are_crisp_with_light_quiet_zone);
  status = g_test_run ();
  gtk_window_destroy (window);
  return status;
}
