/* tally-pdf-to-images.c: every page of a PDF as an image
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "tally-builtin-private.h"

#define POINTS_PER_INCH 72.0
/* Cairo's limit for one side of an image. */
#define MAX_SIDE 32767

static const char * const formats[] = { "png", "jpeg", NULL };

static GBytes *
encode_page (cairo_surface_t  *surface,
             const char       *format,
             GError          **error)
{
  g_autoptr(GByteArray) buffer = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  cairo_status_t status;

  if (g_str_equal (format, "jpeg"))
    {
      pixbuf = tally_builtin_check_pixbuf (tally_builtin_pixbuf_from_surface (surface), error);
      return pixbuf != NULL ? tally_builtin_encode_image (pixbuf, format,
                                                          TALLY_BUILTIN_JPEG_QUALITY, error)
                            : NULL;
    }

  buffer = g_byte_array_new ();
  status = cairo_surface_write_to_png_stream (surface, tally_builtin_append_to_buffer, buffer);
  if (!tally_builtin_check_cairo (status, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/* The page on white paper, @dpi dots to the inch. */
static GBytes *
render_page (PopplerPage  *page,
             int           dpi,
             const char   *format,
             GError      **error)
{
  double width, height, scale = dpi / POINTS_PER_INCH;
  int pixel_width, pixel_height;
  cairo_surface_t *surface;
  cairo_t *cr;
  GBytes *encoded;

  poppler_page_get_size (page, &width, &height);
  pixel_width = (int) MIN (ceil (width * scale), MAX_SIDE + 1.0);
  pixel_height = (int) MIN (ceil (height * scale), MAX_SIDE + 1.0);
  if (pixel_width > MAX_SIDE || pixel_height > MAX_SIDE)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("Page %d is too large for an image at %d dots per inch: choose a lower resolution"),
                   poppler_page_get_index (page) + 1, dpi);
      return NULL;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, MAX (1, pixel_width),
                                        MAX (1, pixel_height));
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_scale (cr, scale, scale);
  poppler_page_render (page, cr);
  cairo_destroy (cr);

  encoded = tally_builtin_check_cairo (cairo_surface_status (surface), error)
            ? encode_page (surface, format, error) : NULL;
  cairo_surface_destroy (surface);
  return encoded;
}

typedef struct
{
  const char *format;
  int         dpi;
} ImageSettings;

static GBytes *
page_image_entry (PopplerDocument  *document,
                  int               index,
                  gconstpointer     user_data,
                  GError          **error)
{
  const ImageSettings *settings = user_data;
  g_autoptr(TallyPopplerPage) page = poppler_document_get_page (document, index);

  return render_page (page, settings->dpi, settings->format, error);
}

gboolean
tally_builtin_pdf_to_images (const TallyBuiltinRun  *run,
                             gint64                 *units,
                             GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(TallyPopplerDocument) document = NULL;
  g_autofree char *stem = NULL;
  const char *format = NULL;
  ImageSettings settings;
  gint64 dpi;

  if (paths == NULL ||
      (format = tally_builtin_get_choice (run, "format", formats, error)) == NULL ||
      !tally_builtin_get_int_in_range (run, "dpi", 150, 36, 600, &dpi, error) ||
      (document = tally_builtin_open_pdf (g_ptr_array_index (paths, 0), run->cancellable,
                                          error)) == NULL)
    return FALSE;

  settings.format = format;
  settings.dpi = (int) dpi;
  stem = tally_builtin_stem (g_ptr_array_index (paths, 0));
  if (!tally_builtin_tar_pages (run, document, stem, tally_builtin_image_extension (format),
                                page_image_entry, &settings, error))
    return FALSE;

  *units = poppler_document_get_n_pages (document);
  return TRUE;
}
