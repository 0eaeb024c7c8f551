/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tigress-shares-view.h"

struct _TigressSharesView
{
  AdwBin parent_instance;

  GtkStack *stack;
  AdwPreferencesGroup *outgoing_group;
  AdwPreferencesGroup *incoming_group;

  TigressApplication *application;
};

G_DEFINE_FINAL_TYPE (TigressSharesView, tigress_shares_view, ADW_TYPE_BIN)

void
tigress_shares_view_set_application (TigressSharesView  *self,
                                     TigressApplication *application)
{
  g_return_if_fail (TIGRESS_IS_SHARES_VIEW (self));

  self->application = application;
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
tigress_shares_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TIGRESS_TYPE_SHARES_VIEW);

  G_OBJECT_CLASS (tigress_shares_view_parent_class)->dispose (object);
}

static void
tigress_shares_view_class_init (TigressSharesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tigress_shares_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/tigress-shares-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TigressSharesView, stack);
  gtk_widget_class_bind_template_child (widget_class, TigressSharesView, outgoing_group);
  gtk_widget_class_bind_template_child (widget_class, TigressSharesView, incoming_group);
}

static void
tigress_shares_view_init (TigressSharesView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tigress_shares_view_new (void)
{
  return g_object_new (TIGRESS_TYPE_SHARES_VIEW, NULL);
}
