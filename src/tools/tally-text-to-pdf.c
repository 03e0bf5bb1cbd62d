/* tally-text-to-pdf.c: plain text typeset on paginated PDF pages
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "tally-builtin-private.h"
#include "tally-tool.h"

/* In PostScript points (1/72 inch), what a PDF page is measured in. */
#define A4_WIDTH      595.276
#define A4_HEIGHT     841.890
#define LETTER_WIDTH  612.0
#define LETTER_HEIGHT 792.0
#define MARGIN        56.693 /* 2 cm */

#define MIN_FONT_SIZE     6
#define MAX_FONT_SIZE     36
#define DEFAULT_FONT_SIZE 11

/* The default first. */
static const char * const page_sizes[] = { "a4", "letter", NULL };

typedef struct
{
  cairo_t     *cr;
  PangoLayout *layout;
  double       width;
  double       height;
  /* Where the next line's top goes. */
  double       y;
} Typesetter;

static void
next_page (Typesetter *typesetter)
{
  cairo_show_page (typesetter->cr);
  typesetter->y = MARGIN;
}

/* Lays out one paragraph at the page's width and places its lines,
 * turning the page when a line does not fit. */
static void
set_paragraph (Typesetter *typesetter,
               const char *text,
               gsize       length)
{
  pango_layout_set_text (typesetter->layout, text, (int) length);

  for (GSList *l = pango_layout_get_lines_readonly (typesetter->layout); l != NULL; l = l->next)
    {
      PangoLayoutLine *line = l->data;
      PangoRectangle logical;
      double line_height, baseline;

      pango_layout_line_get_extents (line, NULL, &logical);
      line_height = (double) logical.height / PANGO_SCALE;
      baseline = (double) -logical.y / PANGO_SCALE;

      if (typesetter->y + line_height > typesetter->height - MARGIN && typesetter->y > MARGIN)
        next_page (typesetter);

      cairo_move_to (typesetter->cr, MARGIN, typesetter->y + baseline);
      pango_cairo_show_layout_line (typesetter->cr, line);
      typesetter->y += line_height;
    }
}

static gboolean
set_text (const TallyBuiltinRun  *run,
          Typesetter             *typesetter,
          const char             *text,
          GError                **error)
{
  gsize length = strlen (text);
  const char *p = text;

  /* One paragraph per line of the text; a form feed starts a page. */
  while (*p != '\0')
    {
      gsize n = strcspn (p, "\n\f");

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;

      set_paragraph (typesetter, p, n);
      p += n;
      if (*p == '\f')
        next_page (typesetter);
      if (*p != '\0')
        p++;
      tally_builtin_report (run, (guint64) (p - text), length);
    }

  return TRUE;
}

static PangoLayout *
create_layout (cairo_t *cr,
               double   width,
               gint64   font_size)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Serif");

  /* On a PDF surface a device unit is a point. */
  pango_font_description_set_absolute_size (font, (double) font_size * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) ((width - 2 * MARGIN) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  return layout;
}

static gboolean
typeset (const TallyBuiltinRun  *run,
         const char             *text,
         double                  width,
         double                  height,
         gint64                  font_size,
         GError                **error)
{
  cairo_surface_t *surface = cairo_pdf_surface_create (run->output_path, width, height);
  Typesetter typesetter = { cairo_create (surface), NULL, width, height, MARGIN };
  cairo_status_t status;
  gboolean ok;

  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Tally");
  typesetter.layout = create_layout (typesetter.cr, width, font_size);
  cairo_set_source_rgb (typesetter.cr, 0, 0, 0);

  ok = set_text (run, &typesetter, text, error);
  g_object_unref (typesetter.layout);
  cairo_destroy (typesetter.cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (ok && status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The PDF cannot be written: %s"),
                   cairo_status_to_string (status));
      return FALSE;
    }

  return ok;
}

gboolean
tally_builtin_text_to_pdf (const TallyBuiltinRun  *run,
                           gint64                 *units,
                           GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  const char *page_size = tally_builtin_get_choice (run, "page-size", page_sizes, error);
  gboolean letter;
  gint64 font_size;

  if (page_size == NULL ||
      !tally_builtin_get_int_in_range (run, "font-size", DEFAULT_FONT_SIZE, MIN_FONT_SIZE,
                                       MAX_FONT_SIZE, &font_size, error))
    return FALSE;

  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to typeset"));
      return FALSE;
    }

  letter = g_str_equal (page_size, "letter");
  if (!typeset (run, text, letter ? LETTER_WIDTH : A4_WIDTH, letter ? LETTER_HEIGHT : A4_HEIGHT,
                font_size, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  /* As the estimate counts them. */
  *units = tally_tool_count_words (text);
  return TRUE;
}
