/* tally-image-grayscale.c: black and white copies of images
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-builtin-private.h"

#define TAG ".grayscale"

/* The luma of Rec. 709 (sRGB's primaries), in integers: the weights are
 * 0.2126, 0.7152 and 0.0722 in 1/10000. */
static guint8
luma (const guint8 *rgb)
{
  return (guint8) ((2126 * rgb[0] + 7152 * rgb[1] + 722 * rgb[2] + 5000) / 10000);
}

static GdkPixbuf *
to_grayscale (const TallyBuiltinRun  *run,
              GdkPixbuf              *image,
              GError                **error)
{
  GdkPixbuf *gray = tally_builtin_check_pixbuf (gdk_pixbuf_copy (image), error);
  int width = gdk_pixbuf_get_width (image);
  int height = gdk_pixbuf_get_height (image);
  int channels, rowstride;
  guint8 *pixels;

  if (gray == NULL)
    return NULL;

  channels = gdk_pixbuf_get_n_channels (gray);
  rowstride = gdk_pixbuf_get_rowstride (gray);
  pixels = gdk_pixbuf_get_pixels (gray);

  for (int y = 0; y < height; y++)
    {
      guint8 *p = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++, p += channels)
        p[0] = p[1] = p[2] = luma (p);
    }

  return gray;
}

char *
tally_builtin_image_grayscale_suffix (JsonObject *values)
{
  return tally_builtin_image_suffix (values, TAG, "same");
}

gboolean
tally_builtin_image_grayscale (const TallyBuiltinRun  *run,
                               gint64                 *units,
                               GError                **error)
{
  return tally_builtin_process_images (run, TAG, "same", TALLY_BUILTIN_JPEG_QUALITY,
                                       to_grayscale, units, error);
}
