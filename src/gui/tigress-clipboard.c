/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tw-crypto.h"

#include "tigress-clipboard.h"

#define SECRET_HINT_MIME "x-kde-passwordManagerHint"

struct _TigressClipboard
{
  GObject parent_instance;

  GdkClipboard *clipboard;
  /* the content we set, to recognise it later; not a reference */
  GdkContentProvider *secret_content;
  guint clear_source;
};

G_DEFINE_FINAL_TYPE (TigressClipboard, tigress_clipboard, G_TYPE_OBJECT)

enum {
  SIGNAL_CLEARED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
wipe_text_copy (gpointer data)
{
  tw_wipe (data, strlen (data));
  g_free (data);
}

static GdkContentProvider *
secret_content_new (const char *secret_text)
{
  char *copy = g_strdup (secret_text);
  g_autoptr(GBytes) text_bytes = g_bytes_new_with_free_func (copy, strlen (copy),
                                                             wipe_text_copy, copy);
  g_autoptr(GBytes) hint_bytes = g_bytes_new_static ("secret", strlen ("secret"));
  GdkContentProvider *providers[3];

  providers[0] = gdk_content_provider_new_for_bytes ("text/plain;charset=utf-8",
                                                     text_bytes);
  providers[1] = gdk_content_provider_new_for_bytes ("text/plain", text_bytes);
  providers[2] = gdk_content_provider_new_for_bytes (SECRET_HINT_MIME, hint_bytes);
  return gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
}

gboolean
tigress_clipboard_holds_secret (TigressClipboard *self)
{
  g_return_val_if_fail (TIGRESS_IS_CLIPBOARD (self), FALSE);

  return self->secret_content != NULL &&
         gdk_clipboard_get_content (self->clipboard) == self->secret_content;
}

void
tigress_clipboard_clear_secret (TigressClipboard *self)
{
  g_return_if_fail (TIGRESS_IS_CLIPBOARD (self));

  g_clear_handle_id (&self->clear_source, g_source_remove);
  if (tigress_clipboard_holds_secret (self))
    gdk_clipboard_set_content (self->clipboard, NULL);
  if (self->secret_content != NULL)
    {
      self->secret_content = NULL;
      g_signal_emit (self, signals[SIGNAL_CLEARED], 0);
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  TigressClipboard *self = user_data;

  self->clear_source = 0;
  tigress_clipboard_clear_secret (self);
  return G_SOURCE_REMOVE;
}

void
tigress_clipboard_copy_secret (TigressClipboard *self,
                               const char       *secret_text,
                               guint             timeout_seconds)
{
  g_autoptr(GdkContentProvider) content = NULL;

  g_return_if_fail (TIGRESS_IS_CLIPBOARD (self));
  g_return_if_fail (secret_text != NULL);

  g_clear_handle_id (&self->clear_source, g_source_remove);
  content = secret_content_new (secret_text);
  gdk_clipboard_set_content (self->clipboard, content);
  self->secret_content = content;
  self->clear_source = g_timeout_add_seconds (MAX (timeout_seconds, 1), on_timeout, self);
}

void
tigress_clipboard_copy_text (TigressClipboard *self,
                             const char       *text)
{
  g_return_if_fail (TIGRESS_IS_CLIPBOARD (self));

  g_clear_handle_id (&self->clear_source, g_source_remove);
  self->secret_content = NULL;
  gdk_clipboard_set_text (self->clipboard, text);
}

static void
tigress_clipboard_dispose (GObject *object)
{
  TigressClipboard *self = TIGRESS_CLIPBOARD (object);

  /* A secret must not outlive the app on the clipboard. */
  if (self->clipboard != NULL)
    tigress_clipboard_clear_secret (self);
  g_clear_object (&self->clipboard);

  G_OBJECT_CLASS (tigress_clipboard_parent_class)->dispose (object);
}

static void
tigress_clipboard_class_init (TigressClipboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tigress_clipboard_dispose;

  /* Emitted when a secret we copied was taken off the clipboard (timeout,
   * lock, or replaced by another copy). */
  signals[SIGNAL_CLEARED] =
    g_signal_new ("cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tigress_clipboard_init (TigressClipboard *self)
{
}

TigressClipboard *
tigress_clipboard_new (GdkClipboard *clipboard)
{
  TigressClipboard *self;

  g_return_val_if_fail (GDK_IS_CLIPBOARD (clipboard), NULL);

  self = g_object_new (TIGRESS_TYPE_CLIPBOARD, NULL);
  self->clipboard = g_object_ref (clipboard);
  return self;
}
