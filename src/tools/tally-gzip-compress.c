/* tally-gzip-compress.c: gzip through GZlibCompressor
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-private.h"

/* One gzip member per file, named in its header; several members in one
 * file are valid gzip (gunzip gives their contents one after another). */
static gboolean
compress_file (const TallyBuiltinRun  *run,
               const char             *path,
               int                     level,
               GOutputStream          *output,
               guint64                *done,
               guint64                 total,
               GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                                 G_FILE_ATTRIBUTE_TIME_MODIFIED,
                                                 G_FILE_QUERY_INFO_NONE, run->cancellable, error);
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP,
                                                                 level);
  g_autoptr(GOutputStream) converter = NULL;
  g_autoptr(GFileInputStream) input = NULL;
  g_autofree guint8 *buffer = g_malloc (TALLY_BUILTIN_CHUNK);
  gssize n;

  if (info == NULL || (input = g_file_read (file, run->cancellable, error)) == NULL)
    return FALSE;

  g_zlib_compressor_set_file_info (compressor, info);
  converter = g_converter_output_stream_new (output, G_CONVERTER (compressor));
  g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (converter), FALSE);

  while ((n = g_input_stream_read (G_INPUT_STREAM (input), buffer, TALLY_BUILTIN_CHUNK,
                                   run->cancellable, error)) > 0)
    {
      if (!g_output_stream_write_all (converter, buffer, (gsize) n, NULL, run->cancellable,
                                      error))
        return FALSE;
      *done += (guint64) n;
      tally_builtin_report (run, *done, total);
    }

  /* Closing flushes the end of the member into @output. */
  return n == 0 && g_output_stream_close (converter, run->cancellable, error);
}

gboolean
tally_builtin_gzip_compress (const TallyBuiltinRun  *run,
                             gint64                 *units,
                             GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "files", error);
  gint64 level = tally_builtin_get_int (run, "level", 6);
  g_autoptr(GFile) output_file = g_file_new_for_path (run->output_path);
  g_autoptr(GFileOutputStream) output = NULL;
  guint64 total;
  guint64 done = 0;

  if (paths == NULL || !tally_builtin_total_size (paths, run->cancellable, &total, error))
    return FALSE;

  if (level < 1 || level > 9)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("The compression level must be from 1 to 9"));
      return FALSE;
    }

  output = g_file_replace (output_file, NULL, FALSE, G_FILE_CREATE_NONE, run->cancellable, error);
  if (output == NULL)
    return FALSE;

  for (guint i = 0; i < paths->len; i++)
    {
      if (!compress_file (run, g_ptr_array_index (paths, i), (int) level,
                          G_OUTPUT_STREAM (output), &done, total, error))
        {
          g_output_stream_close (G_OUTPUT_STREAM (output), NULL, NULL);
          return FALSE;
        }
    }

  if (!g_output_stream_close (G_OUTPUT_STREAM (output), run->cancellable, error))
    return FALSE;

  *units = tally_builtin_megabytes (done);
  return TRUE;
}
