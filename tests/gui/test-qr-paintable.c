/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "gui-test-util.h"
#include "tigress-qr-paintable.h"
#include "tw-qr.h"

/* A link as the share dialog shows it: a 17-character host and a 32-byte
 * key; the https form is 116 characters, "tigress:" adds 8. */
#define SAMPLE_HTTPS_LINK \
  "https://relay.example.org/v1/m/0b6f2c3e-5d41-4a8e-9f1b-2c7d8e9a0b1c?v=a" \
  "#q0vXh1e8QyYkJ2m5n7p9r1t3v5x7z9B2D4F6H8J0L2M="
#define SAMPLE_LINK "tigress:" SAMPLE_HTTPS_LINK

/* The longest host protocol.md keeps at version 7: 24 characters. */
#define LONG_HOST_HTTPS_LINK \
  "https://share-relay.example.info/v1/m/0b6f2c3e-5d41-4a8e-9f1b-2c7d8e9a0b1c?v=a" \
  "#q0vXh1e8QyYkJ2m5n7p9r1t3v5x7z9B2D4F6H8J0L2M="
#define LONG_HOST_LINK "tigress:" LONG_HOST_HTTPS_LINK

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

/* Level M holds only 122 bytes at version 7: the 131 characters of a
 * tigress: link to a 24-character host fit because its scheme and host go
 * upper-cased into the code's alphanumeric mode. */
static void
test_links_to_long_hosts_fit_version_seven (void)
{
  const char *links[] = { LONG_HOST_LINK, LONG_HOST_HTTPS_LINK, SAMPLE_LINK };

  g_assert_cmpuint (strlen (LONG_HOST_LINK), ==, 131);
  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autoptr(TigressQrPaintable) qr = tigress_qr_paintable_new ();

      tigress_qr_paintable_set_text (qr, links[i]);
      g_assert_cmpint (tigress_qr_paintable_get_version (qr), >=, 1);
      g_assert_cmpint (tigress_qr_paintable_get_version (qr), <=, 7);
    }
}

/* Only the case-insensitive start of a link is upper-cased, and only of a
 * link: a Wi-Fi code or any other text stays exactly as it is. */
static void
test_only_scheme_and_host_change_case (void)
{
  g_assert_cmpuint (tw_qr_case_insensitive_prefix (LONG_HOST_LINK), ==,
                    strlen ("tigress:https://share-relay.example.info"));
  g_assert_cmpuint (tw_qr_case_insensitive_prefix (LONG_HOST_HTTPS_LINK), ==,
                    strlen ("https://share-relay.example.info"));
  g_assert_cmpuint (tw_qr_case_insensitive_prefix ("http://127.0.0.1:8080/v1/m/x"), ==,
                    strlen ("http://127.0.0.1:8080"));
  /* Brackets are not in the alphanumeric set: the rest goes as bytes. */
  g_assert_cmpuint (tw_qr_case_insensitive_prefix ("tigress:http://[::1]:80/v1"), ==,
                    strlen ("tigress:http://"));
  g_assert_cmpuint (tw_qr_case_insensitive_prefix ("WIFI:S:http://x;T:WPA;P:pw;;"), ==, 0);
  g_assert_cmpuint (tw_qr_case_insensitive_prefix ("hello"), ==, 0);
}

/* Renders @text's code to a PNG and returns what zbarimg reads in it. */
static char *
scan_back (const char *text,
           const char *png_name)
{
  g_autoptr(TigressQrPaintable) qr = tigress_qr_paintable_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("TW_TEST_SCRATCH") ?: g_get_tmp_dir (),
                                            png_name, NULL);
  g_autoptr(GPtrArray) codes = NULL;
  int side;

  tigress_qr_paintable_set_text (qr, text);
  side = (tigress_qr_paintable_get_modules (qr) + 2 * TIGRESS_QR_QUIET_ZONE) * 4;
  texture = tigress_test_render_paintable (GDK_PAINTABLE (qr), GTK_NATIVE (window), side, side);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  codes = tigress_test_decode_qr (path);
  g_assert_cmpuint (codes->len, ==, 1);
  return g_strdup (g_ptr_array_index (codes, 0));
}

static void
test_long_host_links_scan_back_as_the_same_link (void)
{
  g_autofree char *tigress_form = scan_back (LONG_HOST_LINK, "qr-long-tigress.png");
  g_autofree char *https_form = scan_back (LONG_HOST_HTTPS_LINK, "qr-long-https.png");
  g_autofree char *wifi = scan_back ("WIFI:S:https://Home;T:WPA;P:Secret-Pass;;", "qr-wifi.png");

  g_assert_true (g_str_has_prefix (tigress_form, "TIGRESS:HTTPS://SHARE-RELAY.EXAMPLE.INFO/"));
  tigress_test_assert_scanned_link (tigress_form, LONG_HOST_LINK);
  tigress_test_assert_scanned_link (https_form, LONG_HOST_HTTPS_LINK);
  g_assert_cmpstr (wifi, ==, "WIFI:S:https://Home;T:WPA;P:Secret-Pass;;");
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
  tigress_test_assert_scanned_link (g_ptr_array_index (codes, 0), SAMPLE_LINK);
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
  g_test_add_func ("/gui/qr/links-to-24-character-hosts-fit-version-seven",
                   test_links_to_long_hosts_fit_version_seven);
  g_test_add_func ("/gui/qr/only-scheme-and-host-change-case",
                   test_only_scheme_and_host_change_case);
  g_test_add_func ("/gui/qr/long-host-links-scan-back-as-the-same-link",
                   test_long_host_links_scan_back_as_the_same_link);
  g_test_add_func ("/gui/qr/empty-text-draws-nothing", test_empty_text_draws_nothing);
  g_test_add_func ("/gui/qr/modules-are-crisp-with-light-quiet-zone",
                   test_modules_are_crisp_with_light_quiet_zone);
  status = g_test_run ();
  gtk_window_destroy (window);
  return status;
}
