/* tally-csv-statistics.c: what every column of a CSV holds
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tally-builtin-csv.h"

typedef struct
{
  char       *name;
  gint64      filled;
  /* The distinct values of the filled cells. */
  GHashTable *values;
  gint64      numbers;
  double      minimum;
  double      maximum;
  /* The sum of the numbers, with Kahan's compensation so that a long
   * column's mean stays exact to the last digits. */
  double      sum;
  double      compensation;
  /* The cells as written, so that 007 is shown as 007. */
  char       *minimum_text;
  char       *maximum_text;
} ColumnStats;

static void
column_stats_free (ColumnStats *column)
{
  g_free (column->name);
  g_hash_table_unref (column->values);
  g_free (column->minimum_text);
  g_free (column->maximum_text);
  g_free (column);
}

static ColumnStats *
column_stats_new (const char *name,
                  guint       index)
{
  ColumnStats *column = g_new0 (ColumnStats, 1);

  column->name = name != NULL && name[0] != '\0'
                   ? g_strdup (name)
                   : g_strdup_printf (_("Column %u"), index + 1);
  column->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return column;
}

/* A number as people write them in a spreadsheet: digits with a point,
 * a sign and an exponent; with a delimiter other than a comma, a decimal
 * comma too ("3,5"). Not hexadecimal, infinities or NaN. */
static gboolean
parse_number (const char *cell,
              char        delimiter,
              double     *value)
{
  g_autofree char *text = g_strdup (cell);
  char *comma = strchr (text, ',');
  char *end = NULL;

  if (delimiter != ',' && comma != NULL && strchr (comma + 1, ',') == NULL &&
      strchr (text, '.') == NULL)
    *comma = '.';

  if (text[0] == '\0' || strspn (text, "0123456789+-.eE") != strlen (text) ||
      strpbrk (text, "0123456789") == NULL)
    return FALSE;

  *value = g_ascii_strtod (text, &end);
  return *end == '\0' && isfinite (*value);
}

static void
add_number (ColumnStats *column,
            const char  *cell,
            double       value)
{
  double term = value - column->compensation;
  double sum = column->sum + term;

  column->compensation = (sum - column->sum) - term;
  column->sum = sum;

  if (column->numbers == 0 || value < column->minimum)
    {
      column->minimum = value;
      g_free (column->minimum_text);
      column->minimum_text = g_strdup (cell);
    }
  if (column->numbers == 0 || value > column->maximum)
    {
      column->maximum = value;
      g_free (column->maximum_text);
      column->maximum_text = g_strdup (cell);
    }
  column->numbers++;
}

static void
add_cell (ColumnStats *column,
          char        *cell,
          char         delimiter)
{
  char *value = g_strstrip (cell);
  double number;

  if (value[0] == '\0')
    return;

  column->filled++;
  g_hash_table_add (column->values, g_strdup (value));
  if (parse_number (value, delimiter, &number))
    add_number (column, value, number);
}

/* Columns for every header cell and for @width cells: a row longer than
 * the header adds unnamed columns. */
static void
add_columns (GPtrArray *columns,
             GPtrArray *header,
             guint      width)
{
  while (columns->len < MAX (width, header->len))
    {
      guint index = columns->len;

      g_ptr_array_add (columns,
                       column_stats_new (index < header->len ? g_ptr_array_index (header, index)
                                                             : NULL,
                                         index));
    }
}

/* The first record is the header. */
static gboolean
gather (const TallyBuiltinRun  *run,
        TallyCsvReader         *reader,
        GPtrArray              *columns,
        gint64                 *rows,
        GError                **error)
{
  g_autoptr(GPtrArray) header = NULL;

  *rows = 0;
  for (;;)
    {
      g_autoptr(GPtrArray) row = tally_csv_reader_read_row (reader, run, error);

      if (row == NULL)
        return FALSE;
      if (row->len == 0)
        break;

      if (header == NULL)
        {
          header = g_steal_pointer (&row);
          add_columns (columns, header, 0);
          continue;
        }

      (*rows)++;
      add_columns (columns, header, row->len);
      for (guint i = 0; i < row->len; i++)
        add_cell (g_ptr_array_index (columns, i), g_ptr_array_index (row, i), reader->delimiter);
    }

  return TRUE;
}

static void
append_column (GString           *report,
               guint              index,
               const ColumnStats *column,
               gint64             rows)
{
  char mean[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (report, "\n%u. %s\n", index + 1, column->name);
  g_string_append_printf (report, _("   Filled cells: %" PRId64 "\n"), column->filled);
  g_string_append_printf (report, _("   Empty cells: %" PRId64 "\n"),
                          rows - column->filled);
  g_string_append_printf (report, _("   Distinct values: %u\n"),
                          g_hash_table_size (column->values));
  if (column->numbers == 0)
    return;

  g_ascii_formatd (mean, sizeof mean, "%.10g", column->sum / (double) column->numbers);
  g_string_append_printf (report, _("   Numbers: %" PRId64 "\n"), column->numbers);
  g_string_append_printf (report, _("   Minimum: %s\n"), column->minimum_text);
  g_string_append_printf (report, _("   Maximum: %s\n"), column->maximum_text);
  g_string_append_printf (report, _("   Mean: %s\n"), mean);
}

static char *
report_text (const char *name,
             GPtrArray  *columns,
             gint64      rows)
{
  GString *report = g_string_new (NULL);

  g_string_append_printf (report, _("File: %s\n"), name);
  g_string_append_printf (report, _("Rows: %" PRId64 ", not counting the header\n"),
                          rows);
  g_string_append_printf (report, _("Columns: %u\n"), columns->len);
  for (guint i = 0; i < columns->len; i++)
    append_column (report, i, g_ptr_array_index (columns, i), rows);

  return g_string_free (report, FALSE);
}

gboolean
tally_builtin_csv_statistics (const TallyBuiltinRun  *run,
                              gint64                 *units,
                              GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func ((GDestroyNotify) column_stats_free);
  g_auto(TallyCsvReader) reader = { 0 };
  g_autofree char *report = NULL;
  gint64 rows;

  if (paths == NULL ||
      !tally_csv_reader_open (&reader, run, g_ptr_array_index (paths, 0),
                              tally_builtin_get_string (run, "delimiter", "auto"), error) ||
      !gather (run, &reader, columns, &rows, error))
    return FALSE;

  report = report_text (reader.name, columns, rows);
  if (!tally_builtin_save (run, report, strlen (report), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_builtin_megabytes (g_bytes_get_size (reader.contents));
  return TRUE;
}
