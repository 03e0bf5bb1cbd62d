/* tally-builtin-pdf.c: what the PDF tools share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>

#include "tally-builtin-private.h"

PopplerDocument *
tally_builtin_open_pdf (const char    *path,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = g_filename_display_basename (path);
  g_autoptr(TallyPopplerDocument) document = NULL;

  document = poppler_document_new_from_gfile (file, NULL, cancellable, &local_error);
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (document == NULL)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is not a PDF Tally can read: %s"), name, local_error->message);
      return NULL;
    }
  if (poppler_document_get_n_pages (document) < 1)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” has no pages"), name);
      return NULL;
    }

  return g_steal_pointer (&document);
}

void
tally_builtin_copy_page (cairo_t     *cr,
                         PopplerPage *page)
{
  double width, height;

  poppler_page_get_size (page, &width, &height);
  cairo_pdf_surface_set_size (cairo_get_target (cr), width, height);
  cairo_save (cr);
  poppler_page_render (page, cr);
  cairo_restore (cr);
}

cairo_status_t
tally_builtin_append_to_buffer (void                *closure,
                                const unsigned char *data,
                                unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

cairo_surface_t *
tally_builtin_pdf_surface_to_bytes (GByteArray *buffer)
{
  /* Every page gets its own size before it is drawn. */
  return cairo_pdf_surface_create_for_stream (tally_builtin_append_to_buffer, buffer, 1, 1);
}

gboolean
tally_builtin_tar_pages (const TallyBuiltinRun  *run,
                         PopplerDocument        *document,
                         const char             *stem,
                         const char             *extension,
                         TallyBuiltinPageEntry   make_entry,
                         gconstpointer           user_data,
                         GError                **error)
{
  int n_pages = poppler_document_get_n_pages (document);
  g_autoptr(TallyBuiltinTar) tar = tally_builtin_tar_new (run, error);

  if (tar == NULL)
    return FALSE;

  for (int p = 0; p < n_pages; p++)
    {
      g_autofree char *name = g_strdup_printf ("%s-page-%03d%s", stem, p + 1, extension);
      g_autoptr(GBytes) entry = NULL;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error) ||
          (entry = make_entry (document, p, user_data, error)) == NULL ||
          !tally_builtin_tar_add (tar, name, entry, error))
        return FALSE;
      tally_builtin_report (run, (guint64) p + 1, (guint64) n_pages);
    }

  return tally_builtin_tar_finish (tar, error);
}

gboolean
tally_builtin_check_cairo (cairo_status_t   status,
                           GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The output could not be written: %s"),
               cairo_status_to_string (status));
  return FALSE;
}
