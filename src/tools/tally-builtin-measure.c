/* tally-builtin-measure.c: what input files weigh in a tool's unit
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The app measures the files a user picks before a run, to estimate its
 * cost; the tools measure the same files the same way when they run, so
 * that the charge matches the estimate. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-audio.h"
#include "tally-builtin-private.h"

static gint64
measure_megabytes (const char * const  *paths,
                   GCancellable        *cancellable,
                   GError             **error)
{
  g_autoptr(GPtrArray) array = g_ptr_array_new ();
  guint64 bytes;

  for (gsize i = 0; paths[i] != NULL; i++)
    g_ptr_array_add (array, (gpointer) paths[i]);
  if (!tally_builtin_total_size (array, cancellable, &bytes, error))
    return -1;

  return tally_builtin_megabytes (bytes);
}

static gboolean
not_an_image (const char  *path,
              GError     **error)
{
  g_autofree char *name = g_filename_display_basename (path);

  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
               _("“%s” is not an image Tally can read"), name);
  return FALSE;
}

/* Width × height from the file's header; the whole image only when the
 * header does not say. */
static gboolean
image_pixels (const char  *path,
              guint64     *pixels,
              GError     **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  int width = 0, height = 0;

  if (gdk_pixbuf_get_file_info (path, &width, &height) == NULL)
    return not_an_image (path, error);

  if (width <= 0 || height <= 0)
    {
      pixbuf = gdk_pixbuf_new_from_file (path, NULL);
      if (pixbuf == NULL)
        return not_an_image (path, error);
      width = gdk_pixbuf_get_width (pixbuf);
      height = gdk_pixbuf_get_height (pixbuf);
    }

  *pixels = (guint64) width * (guint64) height;
  return TRUE;
}

static gint64
measure_megapixels (const char * const  *paths,
                    GCancellable        *cancellable,
                    GError             **error)
{
  guint64 total = 0;

  for (gsize i = 0; paths[i] != NULL; i++)
    {
      guint64 pixels = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !image_pixels (paths[i], &pixels, error))
        return -1;
      total += pixels;
    }

  return tally_builtin_megapixels (total);
}

static gint64
measure_images (const char * const  *paths,
                GCancellable        *cancellable,
                GError             **error)
{
  gint64 count = 0;

  for (gsize i = 0; paths[i] != NULL; i++, count++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      if (gdk_pixbuf_get_file_info (paths[i], NULL, NULL) == NULL)
        {
          not_an_image (paths[i], error);
          return -1;
        }
    }

  return count;
}

static gint64
measure_pages (const char * const  *paths,
               GCancellable        *cancellable,
               GError             **error)
{
  gint64 pages = 0;

  for (gsize i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(TallyPopplerDocument) document = tally_builtin_open_pdf (paths[i], cancellable, error);

      if (document == NULL)
        return -1;
      pages += poppler_document_get_n_pages (document);
    }

  return pages;
}

gint64
tally_builtin_measure_files (const char          *unit,
                             const char * const  *paths,
                             GCancellable        *cancellable,
                             GError             **error)
{
  g_return_val_if_fail (unit != NULL, -1);
  g_return_val_if_fail (paths != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (g_str_equal (unit, "MB"))
    return measure_megabytes (paths, cancellable, error);
  if (g_str_equal (unit, "megapixels"))
    return measure_megapixels (paths, cancellable, error);
  if (g_str_equal (unit, "images"))
    return measure_images (paths, cancellable, error);
  if (g_str_equal (unit, "pages"))
    return measure_pages (paths, cancellable, error);

  if (g_str_equal (unit, "seconds"))
    return tally_builtin_measure_seconds (paths, cancellable, error);

  /* Units of other media go above this line, one function each. */

  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
               _("Tally cannot measure files in “%s”"), unit);
  return -1;
}
