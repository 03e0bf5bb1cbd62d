/* tally-pdf-split.c: a PDF cut into parts of a given number of pages
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-builtin-private.h"

/* "report-03.pdf" or "report-01-10.pdf", numbers padded so that the parts
 * sort in order. */
static char *
part_name (const char *stem,
           int         first,
           int         last,
           int         n_pages)
{
  int digits = 1;

  for (int rest = n_pages / 10; rest > 0; rest /= 10)
    digits++;

  if (first == last)
    return g_strdup_printf ("%s-%0*d.pdf", stem, digits, first);
  return g_strdup_printf ("%s-%0*d-%0*d.pdf", stem, digits, first, digits, last);
}

/* Pages [@first, @last) as one PDF in memory. */
static GBytes *
write_part (const TallyBuiltinRun  *run,
            PopplerDocument        *document,
            int                     first,
            int                     last,
            GError                **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  cairo_surface_t *surface = tally_builtin_pdf_surface_to_bytes (buffer);
  cairo_t *cr = cairo_create (surface);
  gboolean written = TRUE;

  for (int p = first; p < last && written; p++)
    {
      g_autoptr(TallyPopplerPage) page = poppler_document_get_page (document, p);

      written = !g_cancellable_set_error_if_cancelled (run->cancellable, error);
      if (written)
        {
          tally_builtin_copy_page (cr, page);
          cairo_show_page (cr);
          tally_builtin_report (run, (guint64) p + 1,
                                (guint64) poppler_document_get_n_pages (document));
        }
    }

  cairo_destroy (cr);
  cairo_surface_finish (surface);
  written = written && tally_builtin_check_cairo (cairo_surface_status (surface), error);
  cairo_surface_destroy (surface);

  return written ? g_byte_array_free_to_bytes (g_steal_pointer (&buffer)) : NULL;
}

gboolean
tally_builtin_pdf_split (const TallyBuiltinRun  *run,
                         gint64                 *units,
                         GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(TallyPopplerDocument) document = NULL;
  g_autoptr(TallyBuiltinTar) tar = NULL;
  g_autofree char *stem = NULL;
  gint64 per_file;
  int n_pages;

  if (paths == NULL ||
      !tally_builtin_get_int_in_range (run, "pages-per-file", 1, 1, 1000, &per_file, error) ||
      (document = tally_builtin_open_pdf (g_ptr_array_index (paths, 0), run->cancellable,
                                          error)) == NULL ||
      (tar = tally_builtin_tar_new (run, error)) == NULL)
    return FALSE;

  stem = tally_builtin_stem (g_ptr_array_index (paths, 0));
  n_pages = poppler_document_get_n_pages (document);
  for (int first = 0; first < n_pages; first += (int) per_file)
    {
      int last = (int) MIN (n_pages, first + per_file);
      g_autoptr(GBytes) part = write_part (run, document, first, last, error);
      g_autofree char *name = part_name (stem, first + 1, last, n_pages);

      if (part == NULL || !tally_builtin_tar_add (tar, name, part, error))
        return FALSE;
    }

  if (!tally_builtin_tar_finish (tar, error))
    return FALSE;

  *units = n_pages;
  return TRUE;
}
