/* tally-image-watermark.c: a line of text across a corner of images
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

#include "tally-builtin-private.h"

#define TAG ".watermarked"
#define TEXT_MAX_CHARACTERS 200
/* The text is a fifteenth of the image's shorter side high, and never
 * wider than this share of the image. */
#define SIZE_DIVISOR 15
#define MAX_WIDTH_SHARE 0.9

static const char * const positions[] = {
  "bottom-right", "bottom-left", "top-right", "top-left", "center", NULL
};

static PangoLayout *
make_layout (cairo_t    *cr,
             const char *text,
             int         image_width,
             int         image_height)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans Bold");
  double size = MAX (8, MIN (image_width, image_height) / SIZE_DIVISOR);
  int text_width;

  pango_layout_set_text (layout, text, -1);
  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);

  /* A long text is made smaller rather than cut. */
  pango_layout_get_pixel_size (layout, &text_width, NULL);
  if (text_width > image_width * MAX_WIDTH_SHARE)
    {
      size = MAX (1, size * image_width * MAX_WIDTH_SHARE / text_width);
      pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
      pango_layout_set_font_description (layout, font);
    }

  return layout;
}

static void
place_text (PangoLayout *layout,
            const char  *position,
            int          image_width,
            int          image_height,
            double      *x,
            double      *y)
{
  int width, height;
  double margin;

  pango_layout_get_pixel_size (layout, &width, &height);
  margin = height / 2.0;
  *x = g_str_has_suffix (position, "left") ? margin : image_width - width - margin;
  *y = g_str_has_prefix (position, "top") ? margin : image_height - height - margin;
  if (g_str_equal (position, "center"))
    {
      *x = (image_width - width) / 2.0;
      *y = (image_height - height) / 2.0;
    }
}

/* White letters outlined in black read on light and dark pictures alike. */
static void
draw_watermark (cairo_t     *cr,
                PangoLayout *layout,
                double       x,
                double       y,
                double       opacity)
{
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  cairo_push_group (cr);
  cairo_move_to (cr, x, y);
  pango_cairo_layout_path (cr, layout);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width (cr, MAX (1.0, height / 12.0));
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, opacity);
}

static GdkPixbuf *
watermark (const TallyBuiltinRun  *run,
           GdkPixbuf              *image,
           GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  const char *position = tally_builtin_get_string (run, "position", positions[0]);
  double opacity = tally_builtin_get_int (run, "opacity", 50) / 100.0;
  int width = gdk_pixbuf_get_width (image);
  int height = gdk_pixbuf_get_height (image);
  cairo_surface_t *surface = tally_builtin_surface_from_pixbuf (image, error);
  g_autoptr(PangoLayout) layout = NULL;
  GdkPixbuf *result;
  cairo_t *cr;
  double x, y;

  if (surface == NULL)
    return NULL;

  cr = cairo_create (surface);
  layout = make_layout (cr, text, width, height);
  place_text (layout, position, width, height, &x, &y);
  draw_watermark (cr, layout, x, y, opacity);
  cairo_destroy (cr);

  result = tally_builtin_pixbuf_from_surface (surface);
  cairo_surface_destroy (surface);
  return tally_builtin_check_pixbuf (result, error);
}

char *
tally_builtin_image_watermark_suffix (JsonObject *values)
{
  return tally_builtin_image_suffix (values, TAG, "same");
}

static gboolean
check_text (const char  *text,
            GError     **error)
{
  gboolean valid = text != NULL && g_utf8_validate (text, -1, NULL);
  glong length = valid ? g_utf8_strlen (text, -1) : 0;

  if (length < 1 || length > TEXT_MAX_CHARACTERS)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("The watermark text must have from 1 to %d characters"),
                   TEXT_MAX_CHARACTERS);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_builtin_image_watermark (const TallyBuiltinRun  *run,
                               gint64                 *units,
                               GError                **error)
{
  gint64 opacity;

  if (!check_text (tally_builtin_get_string (run, "text", NULL), error) ||
      tally_builtin_get_choice (run, "position", positions, error) == NULL ||
      !tally_builtin_get_int_in_range (run, "opacity", 50, 10, 100, &opacity, error))
    return FALSE;

  return tally_builtin_process_images (run, TAG, "same", TALLY_BUILTIN_JPEG_QUALITY, watermark,
                                       units, error);
}
