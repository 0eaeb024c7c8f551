/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-credential-row.h"
#include "tigress-date.h"

/*
 * One widget that draws its icon and two lines of text itself, instead of
 * an image and two labels in boxes from a template. GTK 4.8's GtkListView
 * keeps up to 200 rows alive around the visible ones, measures all of
 * them, and makes new rows whenever a search brings other credentials
 * into that range, so a row's creation and measuring is paid up to 200
 * times per keystroke. As five widgets with their CSS nodes and two text
 * layouts to measure, that cost about 0.25 ms a row (20-50 ms for a
 * keystroke on this machine). Drawn here, a row's height comes from the
 * font's metrics and its text is laid out only when it is painted.
 */
#define ICON_SIZE 24
#define ICON_SPACING 12
#define ROW_PADDING 6
/* Adwaita's .caption (9 pt) and .dim-label, which the subtitle used to
 * wear as a label. Points follow the text scaling of the display. */
#define CAPTION_POINTS 9
#define DIM_OPACITY 0.55f

struct _TigressCredentialRow
{
  GtkWidget parent_instance;

  WalletCredential *credential;
  const char *icon_name;
  char *title;
  char *subtitle;
  /* made on the first paint after the text or the width changed */
  PangoLayout *title_layout;
  PangoLayout *subtitle_layout;
  GtkIconPaintable *icon;
  int icon_scale;
};

G_DEFINE_FINAL_TYPE (TigressCredentialRow, tigress_credential_row, GTK_TYPE_WIDGET)

const char *
tigress_credential_type_icon_name (WalletCredentialType type)
{
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      return "dialog-password-symbolic";
    case WALLET_CREDENTIAL_WIFI:
      return "network-wireless-symbolic";
    case WALLET_CREDENTIAL_ACCESS_CODE:
      return "input-dialpad-symbolic";
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
      return "system-lock-screen-symbolic";
    case WALLET_CREDENTIAL_DIGITAL_KEY:
      return "channel-secure-symbolic";
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      return "dialog-question-symbolic";
    }
}

static const char *
describing_field (WalletCredentialType type)
{
  switch (type)
    {
    case WALLET_CREDENTIAL_PASSWORD:
      return WALLET_FIELD_USERNAME;
    case WALLET_CREDENTIAL_WIFI:
      return WALLET_FIELD_SSID;
    case WALLET_CREDENTIAL_ACCESS_CODE:
      return WALLET_FIELD_LOCATION;
    case WALLET_CREDENTIAL_DIGITAL_KEY_OWNER:
    case WALLET_CREDENTIAL_DIGITAL_KEY:
    case WALLET_CREDENTIAL_UNKNOWN:
    default:
      return NULL;
    }
}

char *
tigress_credential_describe_kind (WalletCredential *credential)
{
  WalletCredentialType type = wallet_credential_get_credential_type (credential);
  const char *field = describing_field (type);
  const char *value = field ? wallet_credential_get_field (credential, field) : NULL;
  const char *type_label = wallet_credential_type_get_label (type);

  if (value != NULL && *value != '\0')
    /* Translators: a credential's type, then its user name or network name */
    return g_strdup_printf (_("%s · %s"), type_label, value);
  return g_strdup (type_label);
}

char *
tigress_credential_describe (WalletCredential *credential)
{
  GDateTime *created = wallet_credential_get_created (credential);
  g_autofree char *kind = tigress_credential_describe_kind (credential);
  g_autofree char *when = NULL;

  /* The same credential received twice gives two rows that would read the
   * same: when each arrived tells them apart (QA G7). */
  if (wallet_credential_get_share_id (credential) == NULL || created == NULL)
    return g_steal_pointer (&kind);
  when = tigress_date_format (created);
  /* Translators: the line under a received credential in the list: its
   * type (and user name), then the date and time it arrived */
  return g_strdup_printf (_("%s · received %s"), kind, when);
}

static void
forget_drawing (TigressCredentialRow *self)
{
  g_clear_object (&self->title_layout);
  g_clear_object (&self->subtitle_layout);
  g_clear_object (&self->icon);
}

static void
update_accessible_label (TigressCredentialRow *self)
{
  g_autofree char *label = NULL;

  if (self->title == NULL)
    return;
  /* Translators: how a screen reader reads a list row: title, then the
   * line under it */
  label = g_strdup_printf (_("%s, %s"), self->title, self->subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

void
tigress_credential_row_set_credential (TigressCredentialRow *self,
                                       WalletCredential     *credential)
{
  g_return_if_fail (TIGRESS_IS_CREDENTIAL_ROW (self));

  if (!g_set_object (&self->credential, credential) || credential == NULL)
    return;

  self->icon_name =
    tigress_credential_type_icon_name (wallet_credential_get_credential_type (credential));
  g_free (self->title);
  self->title = g_strdup (wallet_credential_get_title (credential));
  g_free (self->subtitle);
  self->subtitle = tigress_credential_describe (credential);
  forget_drawing (self);
  update_accessible_label (self);
  /* Every row has the same height, so only its paint is out of date. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

WalletCredential *
tigress_credential_row_get_credential (TigressCredentialRow *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_ROW (self), NULL);

  return self->credential;
}

const char *
tigress_credential_row_get_title (TigressCredentialRow *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_ROW (self), NULL);

  return self->title;
}

const char *
tigress_credential_row_get_subtitle (TigressCredentialRow *self)
{
  g_return_val_if_fail (TIGRESS_IS_CREDENTIAL_ROW (self), NULL);

  return self->subtitle;
}

/* The font of the title (the row's own, from CSS), or of the subtitle. */
static PangoFontDescription *
line_font (GtkWidget *widget,
           gboolean   subtitle)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  PangoFontDescription *font =
    pango_font_description_copy (pango_context_get_font_description (context));

  if (subtitle)
    pango_font_description_set_size (font, CAPTION_POINTS * PANGO_SCALE);
  return font;
}

/* The height of one line of text in that font, as a label would have. */
static int
line_height (GtkWidget *widget,
             gboolean   subtitle)
{
  g_autoptr(PangoFontDescription) font = line_font (widget, subtitle);
  PangoFontMetrics *metrics = pango_context_get_metrics (gtk_widget_get_pango_context (widget),
                                                         font, NULL);
  int height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) +
                                  pango_font_metrics_get_descent (metrics));

  pango_font_metrics_unref (metrics);
  return height;
}

static int
text_height (GtkWidget *widget)
{
  return line_height (widget, FALSE) + line_height (widget, TRUE);
}

static void
tigress_credential_row_measure (GtkWidget      *widget,
                                GtkOrientation  orientation,
                                int             for_size,
                                int            *minimum,
                                int            *natural,
                                int            *minimum_baseline,
                                int            *natural_baseline)
{
  /* The text is ellipsized to whatever width the list gives. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = ICON_SIZE + ICON_SPACING;
  else
    *minimum = *natural = MAX (ICON_SIZE, text_height (widget)) + 2 * ROW_PADDING;
}

static PangoLayout *
make_layout (GtkWidget  *widget,
             const char *text,
             gboolean    subtitle,
             int         width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);

  if (subtitle)
    {
      g_autoptr(PangoFontDescription) font = line_font (widget, TRUE);

      pango_layout_set_font_description (layout, font);
    }
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
  return layout;
}

static GtkIconPaintable *
look_up_icon (TigressCredentialRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (widget));

  self->icon_scale = gtk_widget_get_scale_factor (widget);
  return gtk_icon_theme_lookup_icon (theme, self->icon_name, NULL, ICON_SIZE, self->icon_scale,
                                     gtk_widget_get_direction (widget), 0);
}

static void
prepare_drawing (TigressCredentialRow *self,
                 int                   text_width)
{
  GtkWidget *widget = GTK_WIDGET (self);

  if (self->title_layout != NULL &&
      pango_layout_get_width (self->title_layout) != MAX (text_width, 1) * PANGO_SCALE)
    forget_drawing (self);
  if (self->title_layout == NULL)
    {
      self->title_layout = make_layout (widget, self->title, FALSE, text_width);
      self->subtitle_layout = make_layout (widget, self->subtitle, TRUE, text_width);
    }
  /* A window moved to a screen of another scale needs sharper pixels. */
  if (self->icon != NULL && self->icon_scale != gtk_widget_get_scale_factor (widget))
    g_clear_object (&self->icon);
  if (self->icon == NULL)
    self->icon = look_up_icon (self);
}

static void
draw_text (GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           int            x,
           int            y,
           const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
tigress_credential_row_snapshot (GtkWidget   *widget,
                                 GtkSnapshot *snapshot)
{
  TigressCredentialRow *self = TIGRESS_CREDENTIAL_ROW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int text_width = width - ICON_SIZE - ICON_SPACING;
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int text_x = rtl ? 0 : ICON_SIZE + ICON_SPACING;
  int text_y = (height - text_height (widget)) / 2;
  GdkRGBA color, dimmed;

  if (self->title == NULL)
    return;
  prepare_drawing (self, text_width);
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  dimmed = color;
  dimmed.alpha *= DIM_OPACITY;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (rtl ? width - ICON_SIZE : 0,
                                                          (height - ICON_SIZE) / 2));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (self->icon), snapshot,
                                            ICON_SIZE, ICON_SIZE, &color, 1);
  gtk_snapshot_restore (snapshot);
  draw_text (snapshot, self->title_layout, text_x, text_y, &color);
  draw_text (snapshot, self->subtitle_layout, text_x, text_y + line_height (widget, FALSE),
             &dimmed);
}

/* The layouts follow a new font by themselves (PangoLayout notices that
 * its context changed); a new text direction moves everything. */
static void
tigress_credential_row_direction_changed (GtkWidget        *widget,
                                          GtkTextDirection  previous)
{
  forget_drawing (TIGRESS_CREDENTIAL_ROW (widget));
  GTK_WIDGET_CLASS (tigress_credential_row_parent_class)->direction_changed (widget, previous);
}

static void
tigress_credential_row_finalize (GObject *object)
{
  TigressCredentialRow *self = TIGRESS_CREDENTIAL_ROW (object);

  g_clear_object (&self->credential);
  g_free (self->title);
  g_free (self->subtitle);
  forget_drawing (self);

  G_OBJECT_CLASS (tigress_credential_row_parent_class)->finalize (object);
}

static void
tigress_credential_row_class_init (TigressCredentialRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tigress_credential_row_finalize;
  widget_class->measure = tigress_credential_row_measure;
  widget_class->snapshot = tigress_credential_row_snapshot;
  widget_class->direction_changed = tigress_credential_row_direction_changed;
  gtk_widget_class_set_css_name (widget_class, "credential-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
tigress_credential_row_init (TigressCredentialRow *self)
{
}

GtkWidget *
tigress_credential_row_new (void)
{
  return g_object_new (TIGRESS_TYPE_CREDENTIAL_ROW, NULL);
}
