/* tally-pdf-page-numbers.c: page numbers printed on every page of a PDF
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "tally-builtin-private.h"

/* In points: 10 pt text a centimetre from the edges. */
#define FONT_SIZE 10
#define MARGIN 28.35

static const char * const positions[] = { "bottom-center", "bottom-right", "top-right", NULL };

static void
draw_number (cairo_t    *cr,
             gint64      number,
             const char *position,
             double      page_width,
             double      page_height)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans");
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, number);
  int width, height;
  double x, y;

  pango_font_description_set_absolute_size (font, FONT_SIZE * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &width, &height);

  x = g_str_equal (position, "bottom-center") ? (page_width - width) / 2.0
                                              : page_width - MARGIN - width;
  y = g_str_has_prefix (position, "top") ? MARGIN : page_height - MARGIN - height;

  cairo_save (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
}

static gboolean
number_pages (const TallyBuiltinRun  *run,
              PopplerDocument        *document,
              const char             *position,
              gint64                  start,
              cairo_t                *cr,
              GError                **error)
{
  int n_pages = poppler_document_get_n_pages (document);

  for (int p = 0; p < n_pages; p++)
    {
      g_autoptr(TallyPopplerPage) page = poppler_document_get_page (document, p);
      double width, height;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      tally_builtin_copy_page (cr, page);
      poppler_page_get_size (page, &width, &height);
      draw_number (cr, start + p, position, width, height);
      cairo_show_page (cr);
      tally_builtin_report (run, (guint64) p + 1, (guint64) n_pages);
    }

  return TRUE;
}

gboolean
tally_builtin_pdf_page_numbers (const TallyBuiltinRun  *run,
                                gint64                 *units,
                                GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(TallyPopplerDocument) document = NULL;
  const char *position = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  gint64 start;
  gboolean numbered;

  if (paths == NULL ||
      (position = tally_builtin_get_choice (run, "position", positions, error)) == NULL ||
      !tally_builtin_get_int_in_range (run, "start", 1, 1, 100000, &start, error) ||
      (document = tally_builtin_open_pdf (g_ptr_array_index (paths, 0), run->cancellable,
                                          error)) == NULL)
    return FALSE;

  surface = cairo_pdf_surface_create (run->output_path, 1, 1);
  cr = cairo_create (surface);
  numbered = number_pages (run, document, position, start, cr, error);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  numbered = numbered && tally_builtin_check_cairo (cairo_surface_status (surface), error);
  cairo_surface_destroy (surface);

  if (!numbered)
    return FALSE;

  *units = poppler_document_get_n_pages (document);
  return TRUE;
}
