/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "gui-test-util.h"

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
tigress_test_wait_until (TigressTestCondition condition,
                         gpointer             user_data,
                         guint                timeout_ms)
{
  gboolean expired = FALSE;
  guint deadline = g_timeout_add (timeout_ms, on_deadline, &expired);
  gboolean held;

  while (!(held = condition (user_data)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (deadline);
  return held;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

void
tigress_test_run_for (guint ms)
{
  tigress_test_wait_until (never, NULL, ms);
}

GdkTexture *
tigress_test_render_paintable (GdkPaintable *paintable,
                               GtkNative    *native,
                               int           width,
                               int           height)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  graphene_rect_t bounds;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  graphene_rect_init (&bounds, 0, 0, width, height);
  return gsk_renderer_render_texture (gtk_native_get_renderer (native), node, &bounds);
}

void
tigress_test_render_widget_png (GtkWidget  *widget,
                                const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  texture = tigress_test_render_paintable (paintable, gtk_widget_get_native (widget),
                                           width, height);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

GPtrArray *
tigress_test_decode_qr (const char *path)
{
  const char *argv[] = { "zbarimg", "--nodbus", "--quiet", "--raw", "-Sdisable",
                         "-Sqrcode.enable", path, NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *codes = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &output, NULL, &status, &error);
  g_assert_no_error (error);

  /* zbarimg exits 4 when it finds no code; that is an empty answer here. */
  lines = g_strsplit (output ? output : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (codes, g_strdup (lines[i]));
  return codes;
}

static const char *
label_of (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    {
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (widget));

      if (ADW_IS_BUTTON_CONTENT (child))
        return adw_button_content_get_label (ADW_BUTTON_CONTENT (child));
      return gtk_button_get_label (GTK_BUTTON (widget));
    }
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));
  return NULL;
}

GtkWidget *
tigress_test_find_labelled (GtkWidget  *root,
                            GType       type,
                            const char *label)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && g_strcmp0 (label_of (root), label) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tigress_test_find_labelled (child, type, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
tigress_test_click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

void
tigress_test_quiet_gtk_settings (void)
{
  g_object_set (gtk_settings_get_default (),
                "gtk-cursor-blink", FALSE,
                "gtk-enable-animations", FALSE,
                NULL);
}
