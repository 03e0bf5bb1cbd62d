/* tally-pdf-merge.c: several PDFs joined into one
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo-pdf.h>

#include "tally-builtin-private.h"

/* All documents are opened first, so that a file that is not a PDF stops
 * the run before anything is written. */
static GPtrArray *
open_all (const TallyBuiltinRun  *run,
          GPtrArray              *paths,
          guint                  *n_pages,
          GError                **error)
{
  g_autoptr(GPtrArray) documents = g_ptr_array_new_with_free_func (g_object_unref);

  *n_pages = 0;
  for (guint i = 0; i < paths->len; i++)
    {
      PopplerDocument *document = tally_builtin_open_pdf (g_ptr_array_index (paths, i),
                                                          run->cancellable, error);

      if (document == NULL)
        return NULL;
      *n_pages += (guint) poppler_document_get_n_pages (document);
      g_ptr_array_add (documents, document);
    }

  return g_steal_pointer (&documents);
}

static gboolean
copy_documents (const TallyBuiltinRun  *run,
                GPtrArray              *documents,
                guint                   n_pages,
                cairo_t                *cr,
                GError                **error)
{
  guint done = 0;

  for (guint i = 0; i < documents->len; i++)
    {
      PopplerDocument *document = g_ptr_array_index (documents, i);

      for (int p = 0; p < poppler_document_get_n_pages (document); p++)
        {
          g_autoptr(TallyPopplerPage) page = poppler_document_get_page (document, p);

          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
          tally_builtin_copy_page (cr, page);
          cairo_show_page (cr);
          tally_builtin_report (run, ++done, n_pages);
        }
    }

  return TRUE;
}

gboolean
tally_builtin_pdf_merge (const TallyBuiltinRun  *run,
                         gint64                 *units,
                         GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "files", error);
  g_autoptr(GPtrArray) documents = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint n_pages;
  gboolean copied;

  if (paths == NULL || (documents = open_all (run, paths, &n_pages, error)) == NULL)
    return FALSE;

  surface = cairo_pdf_surface_create (run->output_path, 1, 1);
  cr = cairo_create (surface);
  copied = copy_documents (run, documents, n_pages, cr, error);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  copied = copied && tally_builtin_check_cairo (cairo_surface_status (surface), error);
  cairo_surface_destroy (surface);

  if (!copied)
    return FALSE;

  *units = n_pages;
  return TRUE;
}
