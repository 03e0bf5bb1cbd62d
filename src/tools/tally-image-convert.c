/* tally-image-convert.c: images saved in another format
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-builtin-private.h"

static const char * const formats[] = { "png", "jpeg", "tiff", "bmp", NULL };

static GdkPixbuf *
keep_as_is (const TallyBuiltinRun  *run,
            GdkPixbuf              *image,
            GError                **error)
{
  return g_object_ref (image);
}

char *
tally_builtin_image_convert_suffix (JsonObject *values)
{
  const char *format = json_object_get_string_member_with_default (values, "format", "png");

  return tally_builtin_image_suffix (values, "", g_strv_contains (formats, format) ? format
                                                                                  : "png");
}

gboolean
tally_builtin_image_convert (const TallyBuiltinRun  *run,
                             gint64                 *units,
                             GError                **error)
{
  const char *format = tally_builtin_get_choice (run, "format", formats, error);
  gint64 quality;

  if (format == NULL ||
      !tally_builtin_get_int_in_range (run, "quality", TALLY_BUILTIN_JPEG_QUALITY, 1, 100,
                                       &quality, error))
    return FALSE;

  return tally_builtin_process_images (run, "", format, (int) quality, keep_as_is, units, error);
}
