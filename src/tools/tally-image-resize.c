/* tally-image-resize.c: images scaled to a new width
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-builtin-private.h"

#define TAG ".resized"

static const char * const formats[] = { "same", "png", "jpeg", NULL };

/* The new height keeps the proportions, rounded to the nearest pixel. */
static int
scaled_height (int width,
               int height,
               int new_width)
{
  gint64 scaled = ((gint64) height * new_width + width / 2) / width;

  return (int) CLAMP (scaled, 1, G_MAXINT);
}

static GdkPixbuf *
resize (const TallyBuiltinRun  *run,
        GdkPixbuf              *image,
        GError                **error)
{
  int width = gdk_pixbuf_get_width (image);
  int height = gdk_pixbuf_get_height (image);
  int new_width = (int) tally_builtin_get_int (run, "width", 1024);
  int new_height = scaled_height (width, height, new_width);
  /* HYPER is best for shrinking; it blurs when enlarging. */
  GdkInterpType interpolation = new_width < width ? GDK_INTERP_HYPER : GDK_INTERP_BILINEAR;

  return tally_builtin_check_pixbuf (gdk_pixbuf_scale_simple (image, new_width, new_height,
                                                              interpolation), error);
}

char *
tally_builtin_image_resize_suffix (JsonObject *values)
{
  const char *format = json_object_get_string_member_with_default (values, "format", "same");

  return tally_builtin_image_suffix (values, TAG, g_strv_contains (formats, format) ? format
                                                                                   : "same");
}

gboolean
tally_builtin_image_resize (const TallyBuiltinRun  *run,
                            gint64                 *units,
                            GError                **error)
{
  const char *format = tally_builtin_get_choice (run, "format", formats, error);
  gint64 width;

  if (format == NULL ||
      !tally_builtin_get_int_in_range (run, "width", 1024, 1, 20000, &width, error))
    return FALSE;

  return tally_builtin_process_images (run, TAG, format, TALLY_BUILTIN_JPEG_QUALITY, resize,
                                       units, error);
}
