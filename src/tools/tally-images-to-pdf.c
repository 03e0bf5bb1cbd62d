/* tally-images-to-pdf.c: images in one PDF, one to a page
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo-pdf.h>

#include "tally-builtin-private.h"

#define POINTS_PER_MM (72.0 / 25.4)
/* "fit-image" pages give a pixel the size it has on a 96 dpi screen. */
#define POINTS_PER_PIXEL 0.75

static const char * const page_sizes[] = { "a4", "letter", "fit-image", NULL };

typedef struct
{
  double width;
  double height;
} PageSize;

/* Portrait paper turned to landscape for a landscape image. */
static PageSize
page_size_for (const char *page_size,
               int         image_width,
               int         image_height,
               double      margin)
{
  PageSize size = { 595.276, 841.890 };

  if (g_str_equal (page_size, "letter"))
    size = (PageSize) { 612, 792 };
  else if (g_str_equal (page_size, "fit-image"))
    return (PageSize) { image_width * POINTS_PER_PIXEL + 2 * margin,
                        image_height * POINTS_PER_PIXEL + 2 * margin };

  if (image_width > image_height)
    return (PageSize) { size.height, size.width };
  return size;
}

/* A JPEG that needs no turning goes into the PDF as it is: smaller than
 * its pixels compressed again, and no quality lost. */
static void
attach_jpeg (const TallyBuiltinRun *run,
             const char            *path,
             GdkPixbuf             *image,
             cairo_surface_t       *surface)
{
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, NULL, NULL);
  g_autofree char *format_name = format != NULL ? gdk_pixbuf_format_get_name (format) : NULL;
  const char *orientation = gdk_pixbuf_get_option (image, "orientation");
  g_autoptr(GFile) file = NULL;
  char *contents;
  gsize length;

  if (g_strcmp0 (format_name, "jpeg") != 0 ||
      (orientation != NULL && !g_str_equal (orientation, "1")))
    return;

  file = g_file_new_for_path (path);
  if (g_file_load_contents (file, run->cancellable, &contents, &length, NULL, NULL))
    cairo_surface_set_mime_data (surface, CAIRO_MIME_TYPE_JPEG, (unsigned char *) contents,
                                 length, g_free, contents);
}

static void
draw_page (cairo_t         *cr,
           cairo_surface_t *image,
           int              width,
           int              height,
           PageSize         page,
           double           margin)
{
  double room_width = MAX (1, page.width - 2 * margin);
  double room_height = MAX (1, page.height - 2 * margin);
  double scale = MIN (room_width / width, room_height / height);

  cairo_pdf_surface_set_size (cairo_get_target (cr), page.width, page.height);
  cairo_save (cr);
  cairo_translate (cr, (page.width - width * scale) / 2, (page.height - height * scale) / 2);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_show_page (cr);
}

static gboolean
add_image (const TallyBuiltinRun  *run,
           cairo_t                *cr,
           const char             *path,
           const char             *page_size,
           double                  margin,
           GError                **error)
{
  g_autoptr(GdkPixbuf) image = tally_builtin_load_image (run, path, NULL, error);
  cairo_surface_t *surface;
  int width, height;

  if (image == NULL)
    return FALSE;

  width = gdk_pixbuf_get_width (image);
  height = gdk_pixbuf_get_height (image);
  surface = tally_builtin_surface_from_pixbuf (image, error);
  if (surface == NULL)
    return FALSE;
  attach_jpeg (run, path, image, surface);
  draw_page (cr, surface, width, height, page_size_for (page_size, width, height, margin),
             margin);
  cairo_surface_destroy (surface);
  return TRUE;
}

static gboolean
add_images (const TallyBuiltinRun  *run,
            cairo_t                *cr,
            GPtrArray              *paths,
            const char             *page_size,
            double                  margin,
            GError                **error)
{
  for (guint i = 0; i < paths->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (run->cancellable, error) ||
          !add_image (run, cr, g_ptr_array_index (paths, i), page_size, margin, error))
        return FALSE;
      tally_builtin_report (run, i + 1, paths->len);
    }

  return TRUE;
}

gboolean
tally_builtin_images_to_pdf (const TallyBuiltinRun  *run,
                             gint64                 *units,
                             GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "images", error);
  const char *page_size = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  gint64 margin;
  gboolean added;

  if (paths == NULL ||
      (page_size = tally_builtin_get_choice (run, "page-size", page_sizes, error)) == NULL ||
      !tally_builtin_get_int_in_range (run, "margin", 10, 0, 50, &margin, error))
    return FALSE;

  surface = cairo_pdf_surface_create (run->output_path, 1, 1);
  cr = cairo_create (surface);
  added = add_images (run, cr, paths, page_size, margin * POINTS_PER_MM, error);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  added = added && tally_builtin_check_cairo (cairo_surface_status (surface), error);
  cairo_surface_destroy (surface);

  if (!added)
    return FALSE;

  *units = paths->len;
  return TRUE;
}
