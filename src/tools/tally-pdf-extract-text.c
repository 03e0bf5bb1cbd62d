/* tally-pdf-extract-text.c: the text of a PDF as plain text
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-builtin-private.h"

static const char * const outputs[] = { "one-file", "file-per-page", NULL };

char *
tally_builtin_pdf_extract_text_suffix (JsonObject *values)
{
  const char *output = json_object_get_string_member_with_default (values, "output",
                                                                   outputs[0]);

  return g_strdup (g_strcmp0 (output, "file-per-page") == 0 ? ".tar" : ".txt");
}

static char *
page_text (PopplerDocument *document,
           int              index)
{
  g_autoptr(TallyPopplerPage) page = poppler_document_get_page (document, index);
  char *text = poppler_page_get_text (page);

  return text != NULL ? text : g_strdup ("");
}

/* Pages one after another, a form feed between two, as pdftotext does. */
static gboolean
extract_to_one_file (const TallyBuiltinRun  *run,
                     PopplerDocument        *document,
                     GError                **error)
{
  int n_pages = poppler_document_get_n_pages (document);
  g_autoptr(GString) text = g_string_new (NULL);

  for (int p = 0; p < n_pages; p++)
    {
      g_autofree char *page = NULL;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      page = page_text (document, p);
      if (p > 0)
        g_string_append_c (text, '\f');
      g_string_append (text, page);
      tally_builtin_report (run, (guint64) p + 1, (guint64) n_pages);
    }

  return tally_builtin_save (run, text->str, text->len, error);
}

/* "report-page-007.txt" for each page, in a tar. */
static GBytes *
page_text_entry (PopplerDocument  *document,
                 int               index,
                 gconstpointer     unused,
                 GError          **error)
{
  char *text = page_text (document, index);

  return g_bytes_new_take (text, strlen (text));
}

gboolean
tally_builtin_pdf_extract_text (const TallyBuiltinRun  *run,
                                gint64                 *units,
                                GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(TallyPopplerDocument) document = NULL;
  g_autofree char *stem = NULL;
  const char *output = NULL;
  gboolean extracted;

  if (paths == NULL ||
      (output = tally_builtin_get_choice (run, "output", outputs, error)) == NULL ||
      (document = tally_builtin_open_pdf (g_ptr_array_index (paths, 0), run->cancellable,
                                          error)) == NULL)
    return FALSE;

  stem = tally_builtin_stem (g_ptr_array_index (paths, 0));
  if (g_str_equal (output, "one-file"))
    extracted = extract_to_one_file (run, document, error);
  else
    extracted = tally_builtin_tar_pages (run, document, stem, ".txt", page_text_entry, NULL,
                                         error);
  if (!extracted)
    return FALSE;

  *units = poppler_document_get_n_pages (document);
  return TRUE;
}
