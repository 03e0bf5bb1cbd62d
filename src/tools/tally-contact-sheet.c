/* tally-contact-sheet.c: thumbnails of many images on one page
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

#include "tally-builtin-private.h"

/* Cairo's limit for one side of an image, and a bound on the whole sheet's
 * memory (4 bytes a pixel). */
#define MAX_SIDE 32767
#define MAX_PIXELS (64 * 1000 * 1000)

static const char * const label_choices[] = { "file-name", "none", NULL };

typedef struct
{
  int      columns;
  int      rows;
  int      thumbnail;
  int      padding;
  /* The height of the file name line under each thumbnail, 0 without. */
  int      label_height;
  int      cell_width;
  int      cell_height;
} Layout;

static void
compute_layout (Layout   *layout,
                guint     n_images,
                int       columns,
                int       thumbnail,
                gboolean  labels)
{
  layout->columns = (int) MIN ((guint) columns, n_images);
  layout->rows = (int) ((n_images + (guint) layout->columns - 1) / (guint) layout->columns);
  layout->thumbnail = thumbnail;
  layout->padding = MAX (8, thumbnail / 16);
  layout->label_height = labels ? MAX (12, thumbnail / 10) : 0;
  layout->cell_width = thumbnail + 2 * layout->padding;
  layout->cell_height = thumbnail + 2 * layout->padding + layout->label_height;
}

static gboolean
check_size (const Layout  *layout,
            GError       **error)
{
  gint64 width = (gint64) layout->columns * layout->cell_width;
  gint64 height = (gint64) layout->rows * layout->cell_height;

  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("A sheet of %" PRId64 " × %" PRId64 " pixels is too "
                     "large: choose smaller thumbnails or give fewer images"), width, height);
      return FALSE;
    }

  return TRUE;
}

static void
draw_label (cairo_t      *cr,
            const Layout *layout,
            const char   *path,
            double        x,
            double        y)
{
  g_autoptr(PangoLayout) text = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans");
  g_autofree char *name = g_filename_display_basename (path);
  int text_width;

  pango_font_description_set_absolute_size (font, layout->label_height * 0.7 * PANGO_SCALE);
  pango_layout_set_font_description (text, font);
  pango_layout_set_text (text, name, -1);
  pango_layout_set_width (text, layout->thumbnail * PANGO_SCALE);
  pango_layout_set_ellipsize (text, PANGO_ELLIPSIZE_MIDDLE);
  pango_layout_get_pixel_size (text, &text_width, NULL);

  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_move_to (cr, x + (layout->cell_width - text_width) / 2.0, y);
  pango_cairo_show_layout (cr, text);
}

/* The thumbnail centred in its cell, above its name. */
static gboolean
draw_cell (cairo_t       *cr,
           const Layout  *layout,
           guint          index,
           GdkPixbuf     *thumbnail,
           const char    *path,
           GError       **error)
{
  cairo_surface_t *image = tally_builtin_surface_from_pixbuf (thumbnail, error);
  int width = gdk_pixbuf_get_width (thumbnail);
  int height = gdk_pixbuf_get_height (thumbnail);
  double cell_x = (double) (index % (guint) layout->columns) * layout->cell_width;
  double cell_y = (double) (index / (guint) layout->columns) * layout->cell_height;
  double x = cell_x + (layout->cell_width - width) / 2.0;
  double y = cell_y + layout->padding + (layout->thumbnail - height) / 2.0;

  if (image == NULL)
    return FALSE;

  cairo_set_source_surface (cr, image, x, y);
  cairo_paint (cr);
  cairo_surface_destroy (image);

  if (layout->label_height > 0)
    draw_label (cr, layout, path, cell_x, cell_y + layout->padding + layout->thumbnail +
                layout->padding / 2.0);
  return TRUE;
}

static gboolean
draw_sheet (const TallyBuiltinRun  *run,
            GPtrArray              *paths,
            const Layout           *layout,
            cairo_t                *cr,
            GError                **error)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GdkPixbuf) thumbnail = NULL;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      thumbnail = tally_builtin_load_thumbnail (run, path, layout->thumbnail, error);
      if (thumbnail == NULL || !draw_cell (cr, layout, i, thumbnail, path, error))
        return FALSE;

      tally_builtin_report (run, i + 1, paths->len + 1);
    }

  return TRUE;
}

gboolean
tally_builtin_contact_sheet (const TallyBuiltinRun  *run,
                             gint64                 *units,
                             GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "images", error);
  const char *labels = NULL;
  cairo_surface_t *sheet;
  cairo_t *cr;
  gint64 columns, thumbnail;
  gboolean drawn;
  Layout layout;

  if (paths == NULL ||
      (labels = tally_builtin_get_choice (run, "labels", label_choices, error)) == NULL ||
      !tally_builtin_get_int_in_range (run, "columns", 4, 2, 12, &columns, error) ||
      !tally_builtin_get_int_in_range (run, "thumbnail-size", 256, 64, 1024, &thumbnail, error))
    return FALSE;

  compute_layout (&layout, paths->len, (int) columns, (int) thumbnail,
                  g_str_equal (labels, "file-name"));
  if (!check_size (&layout, error))
    return FALSE;

  sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, layout.columns * layout.cell_width,
                                      layout.rows * layout.cell_height);
  cr = cairo_create (sheet);
  drawn = draw_sheet (run, paths, &layout, cr, error) &&
          !g_cancellable_set_error_if_cancelled (run->cancellable, error);
  cairo_destroy (cr);
  if (drawn)
    {
      drawn = tally_builtin_check_cairo (cairo_surface_write_to_png (sheet, run->output_path),
                                         error);
    }
  cairo_surface_destroy (sheet);

  if (!drawn)
    return FALSE;

  *units = paths->len;
  return TRUE;
}
