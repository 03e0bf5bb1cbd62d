/* tally-csv-clean.c: a CSV without empty or duplicate rows or stray spaces
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-csv.h"

typedef struct
{
  gboolean       remove_duplicates;
  gboolean       trim;
  /* Keys of the rows written so far, when duplicates are removed. */
  GHashTable    *seen;
  /* What is not yet written to @output. */
  GString       *pending;
  GOutputStream *output;
} Cleaner;

static void
cleaner_clear (Cleaner *cleaner)
{
  g_clear_pointer (&cleaner->seen, g_hash_table_unref);
  if (cleaner->pending != NULL)
    g_string_free (g_steal_pointer (&cleaner->pending), TRUE);
  g_clear_object (&cleaner->output);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cleaner, cleaner_clear)

static const char * const duplicates_choices[] = { "remove", "keep", NULL };
static const char * const trim_choices[] = { "yes", "no", NULL };

/* TRUE in @value for the first of two @choices (the default). */
static gboolean
get_first_choice (const TallyBuiltinRun  *run,
                  const char             *input_id,
                  const char * const     *choices,
                  gboolean               *value,
                  GError                **error)
{
  const char *choice = tally_builtin_get_choice (run, input_id, choices, error);

  if (choice == NULL)
    return FALSE;

  *value = g_str_equal (choice, choices[0]);
  return TRUE;
}

/* White space at both ends removed, in place. */
static void
trim_cell (char *cell)
{
  char *first = cell;
  char *end = cell + strlen (cell);

  while (*first != '\0' && g_unichar_isspace (g_utf8_get_char (first)))
    first = g_utf8_next_char (first);
  while (end > first)
    {
      char *last = g_utf8_prev_char (end);

      if (!g_unichar_isspace (g_utf8_get_char (last)))
        break;
      end = last;
    }

  memmove (cell, first, (gsize) (end - first));
  cell[end - first] = '\0';
}

static gboolean
row_is_empty (GPtrArray *row)
{
  for (guint i = 0; i < row->len; i++)
    {
      if (((const char *) g_ptr_array_index (row, i))[0] != '\0')
        return FALSE;
    }

  return TRUE;
}

/* Every cell with its length before it, so that no two different rows
 * have the same key whatever their cells hold. */
static char *
row_key (GPtrArray *row)
{
  GString *key = g_string_new (NULL);

  for (guint i = 0; i < row->len; i++)
    {
      const char *cell = g_ptr_array_index (row, i);

      g_string_append_printf (key, "%zu:%s", strlen (cell), cell);
    }

  return g_string_free (key, FALSE);
}

/* TRUE when @row is to be written: not empty, and not written before
 * when duplicates are removed. */
static gboolean
keep_row (Cleaner   *cleaner,
          GPtrArray *row)
{
  for (guint i = 0; cleaner->trim && i < row->len; i++)
    trim_cell (g_ptr_array_index (row, i));

  if (row_is_empty (row))
    return FALSE;

  return !cleaner->remove_duplicates || g_hash_table_add (cleaner->seen, row_key (row));
}

static gboolean
flush_pending (Cleaner       *cleaner,
               GCancellable  *cancellable,
               GError       **error)
{
  if (!g_output_stream_write_all (cleaner->output, cleaner->pending->str, cleaner->pending->len,
                                  NULL, cancellable, error))
    return FALSE;

  g_string_truncate (cleaner->pending, 0);
  return TRUE;
}

static gboolean
clean_rows (const TallyBuiltinRun  *run,
            TallyCsvReader         *reader,
            Cleaner                *cleaner,
            GError                **error)
{
  for (;;)
    {
      g_autoptr(GPtrArray) row = tally_csv_reader_read_row (reader, run, error);

      if (row == NULL)
        return FALSE;
      if (row->len == 0)
        break;

      if (keep_row (cleaner, row))
        tally_csv_append_row (cleaner->pending, row, reader->delimiter);
      if (cleaner->pending->len >= TALLY_BUILTIN_CHUNK &&
          !flush_pending (cleaner, run->cancellable, error))
        return FALSE;
    }

  return flush_pending (cleaner, run->cancellable, error);
}

gboolean
tally_builtin_csv_clean (const TallyBuiltinRun  *run,
                         gint64                 *units,
                         GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(GFile) output_file = g_file_new_for_path (run->output_path);
  g_auto(TallyCsvReader) reader = { 0 };
  g_auto(Cleaner) cleaner = { 0 };

  if (paths == NULL ||
      !get_first_choice (run, "duplicates", duplicates_choices, &cleaner.remove_duplicates,
                         error) ||
      !get_first_choice (run, "trim", trim_choices, &cleaner.trim, error) ||
      !tally_csv_reader_open (&reader, run, g_ptr_array_index (paths, 0), "auto", error))
    return FALSE;

  cleaner.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cleaner.pending = g_string_new (NULL);
  cleaner.output = G_OUTPUT_STREAM (g_file_replace (output_file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                    run->cancellable, error));
  if (cleaner.output == NULL)
    return FALSE;

  if (!clean_rows (run, &reader, &cleaner, error))
    {
      g_output_stream_close (cleaner.output, NULL, NULL);
      return FALSE;
    }

  if (!g_output_stream_close (cleaner.output, run->cancellable, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_builtin_megabytes (g_bytes_get_size (reader.contents));
  return TRUE;
}
