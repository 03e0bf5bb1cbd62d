/* tally-image-rotate.c: images turned by quarter turns and mirrored
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-builtin-private.h"

#define TAG ".rotated"

/* The first of each is the default. */
static const char * const angles[] = { "90", "0", "180", "270", NULL };
static const char * const flips[] = { "none", "horizontal", "vertical", NULL };

/* gdk-pixbuf turns counter-clockwise; the tool's angles are clockwise. */
static GdkPixbufRotation
rotation_for (const char *angle)
{
  if (g_str_equal (angle, "90"))
    return GDK_PIXBUF_ROTATE_CLOCKWISE;
  if (g_str_equal (angle, "180"))
    return GDK_PIXBUF_ROTATE_UPSIDEDOWN;
  if (g_str_equal (angle, "270"))
    return GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE;
  return GDK_PIXBUF_ROTATE_NONE;
}

/* Turned first, then mirrored, as the inputs read. */
static GdkPixbuf *
rotate (const TallyBuiltinRun  *run,
        GdkPixbuf              *image,
        GError                 **error)
{
  const char *angle = tally_builtin_get_string (run, "angle", angles[0]);
  const char *flip = tally_builtin_get_string (run, "flip", flips[0]);
  g_autoptr(GdkPixbuf) turned = gdk_pixbuf_rotate_simple (image, rotation_for (angle));

  if (turned == NULL || g_str_equal (flip, "none"))
    return tally_builtin_check_pixbuf (g_steal_pointer (&turned), error);
  return tally_builtin_check_pixbuf (gdk_pixbuf_flip (turned, g_str_equal (flip, "horizontal")),
                                     error);
}

char *
tally_builtin_image_rotate_suffix (JsonObject *values)
{
  return tally_builtin_image_suffix (values, TAG, "same");
}

gboolean
tally_builtin_image_rotate (const TallyBuiltinRun  *run,
                            gint64                 *units,
                            GError                **error)
{
  if (tally_builtin_get_choice (run, "angle", angles, error) == NULL ||
      tally_builtin_get_choice (run, "flip", flips, error) == NULL)
    return FALSE;

  return tally_builtin_process_images (run, TAG, "same", TALLY_BUILTIN_JPEG_QUALITY, rotate,
                                       units, error);
}
