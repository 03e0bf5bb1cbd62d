/* tally-builtin-csv.c: the RFC 4180 reader and writer the CSV tools share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-csv.h"
#include "tally-export.h"

/* Progress and cancellation are looked at once every so many records. */
#define ROWS_PER_CHECK 1024

gboolean
tally_csv_reader_malformed (TallyCsvReader  *reader,
                            guint            line,
                            const char      *what,
                            GError         **error)
{
  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
               _("“%s” is not valid CSV: line %u: %s"), reader->name, line, what);
  return FALSE;
}

/* The one of comma, semicolon and tab found most often in the first
 * line, outside quotes. */
static char
guess_delimiter (const char *p,
                 const char *end)
{
  const char candidates[] = { ',', ';', '\t' };
  guint counts[G_N_ELEMENTS (candidates)] = { 0 };
  gboolean quoted = FALSE;
  gsize best = 0;

  for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++)
    {
      if (*p == '"')
        quoted = !quoted;
      for (gsize i = 0; !quoted && i < G_N_ELEMENTS (candidates); i++)
        counts[i] += *p == candidates[i];
    }

  for (gsize i = 1; i < G_N_ELEMENTS (candidates); i++)
    {
      if (counts[i] > counts[best])
        best = i;
    }

  return candidates[best];
}

static gboolean
choose_delimiter (TallyCsvReader  *reader,
                  const char      *name,
                  GError         **error)
{
  if (g_str_equal (name, "auto"))
    reader->delimiter = guess_delimiter (reader->p, reader->end);
  else if (g_str_equal (name, "comma"))
    reader->delimiter = ',';
  else if (g_str_equal (name, "semicolon"))
    reader->delimiter = ';';
  else if (g_str_equal (name, "tab"))
    reader->delimiter = '\t';
  else
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("“%s” is not a delimiter Tally knows"), name);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_csv_reader_open (TallyCsvReader         *reader,
                       const TallyBuiltinRun  *run,
                       const char             *path,
                       const char             *delimiter_name,
                       GError                **error)
{
  gsize length;

  memset (reader, 0, sizeof *reader);
  reader->name = g_path_get_basename (path);
  reader->contents = tally_builtin_load (run, path, error);
  if (reader->contents == NULL)
    return FALSE;

  reader->start = reader->p = g_bytes_get_data (reader->contents, &length);
  reader->end = reader->start + length;
  reader->line = 1;

  if (!g_utf8_validate (reader->start, (gssize) length, NULL))
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is not valid CSV: the file is not UTF-8 text"), reader->name);
      return FALSE;
    }

  /* A byte order mark is not part of the first header. */
  if (length >= 3 && memcmp (reader->p, "\xef\xbb\xbf", 3) == 0)
    reader->p += 3;

  return choose_delimiter (reader, delimiter_name, error);
}

void
tally_csv_reader_clear (TallyCsvReader *reader)
{
  g_clear_pointer (&reader->name, g_free);
  g_clear_pointer (&reader->contents, g_bytes_unref);
  reader->start = reader->p = reader->end = NULL;
}

/* After a field: a delimiter, the end of the line or of the file. */
static gboolean
end_field (TallyCsvReader  *reader,
           gboolean        *end_of_row,
           GError         **error)
{
  *end_of_row = TRUE;
  if (reader->p >= reader->end)
    return TRUE;

  if (*reader->p == reader->delimiter)
    {
      reader->p++;
      *end_of_row = FALSE;
      return TRUE;
    }

  if (*reader->p == '\r' && reader->p + 1 < reader->end && reader->p[1] == '\n')
    reader->p++;
  if (*reader->p == '\n' || *reader->p == '\r')
    {
      reader->p++;
      reader->line++;
      return TRUE;
    }

  return tally_csv_reader_malformed (reader, reader->line,
                                     _("there is text after a closing quote"), error);
}

static gboolean
read_quoted (TallyCsvReader  *reader,
             GString         *field,
             GError         **error)
{
  guint first_line = reader->line;

  for (reader->p++; reader->p < reader->end; reader->p++)
    {
      if (*reader->p == '"')
        {
          if (reader->p + 1 >= reader->end || reader->p[1] != '"')
            {
              reader->p++;
              return TRUE;
            }
          reader->p++;
        }
      else if (*reader->p == '\n')
        reader->line++;
      g_string_append_c (field, *reader->p);
    }

  return tally_csv_reader_malformed (reader, first_line, _("a quoted field is never closed"),
                                     error);
}

static gboolean
read_field (TallyCsvReader  *reader,
            GString         *field,
            gboolean        *end_of_row,
            GError         **error)
{
  g_string_truncate (field, 0);

  if (reader->p < reader->end && *reader->p == '"')
    {
      if (!read_quoted (reader, field, error))
        return FALSE;
      return end_field (reader, end_of_row, error);
    }

  for (; reader->p < reader->end; reader->p++)
    {
      char c = *reader->p;

      if (c == reader->delimiter || c == '\n' || c == '\r')
        break;
      if (c == '"')
        return tally_csv_reader_malformed (reader, reader->line,
                                           _("a quote inside a field that does not start with one"),
                                           error);
      g_string_append_c (field, c);
    }

  return end_field (reader, end_of_row, error);
}

static gboolean
check_in (TallyCsvReader         *reader,
          const TallyBuiltinRun  *run,
          GError                **error)
{
  guint64 size = (guint64) (reader->end - reader->start);

  if (reader->rows++ % ROWS_PER_CHECK != 0)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  /* Parsing is the second half of the work, after reading. */
  tally_builtin_report (run, size + (guint64) (reader->p - reader->start), size * 2);
  return TRUE;
}

GPtrArray *
tally_csv_reader_read_row (TallyCsvReader         *reader,
                           const TallyBuiltinRun  *run,
                           GError                **error)
{
  g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  gboolean end_of_row = FALSE;

  if (!check_in (reader, run, error))
    return NULL;

  while (reader->p < reader->end && (*reader->p == '\n' || *reader->p == '\r'))
    reader->line += *reader->p++ == '\n';

  if (reader->p >= reader->end)
    return g_steal_pointer (&row);

  reader->row_line = reader->line;
  while (!end_of_row)
    {
      if (!read_field (reader, field, &end_of_row, error))
        return NULL;
      g_ptr_array_add (row, g_strndup (field->str, field->len));
    }

  return g_steal_pointer (&row);
}

/* libtally quotes what a comma-separated file needs quoted; with another
 * delimiter a cell holding that delimiter needs quotes too. */
static void
append_cell (GString    *out,
             const char *value,
             char        delimiter)
{
  gsize start = out->len;

  tally_csv_append_text_cell (out, value);
  if (delimiter != ',' && out->len > start && out->str[start] != '"' &&
      strchr (value, delimiter) != NULL)
    {
      /* Not quoted by libtally, so it holds no quote to double. */
      g_string_insert_c (out, (gssize) start, '"');
      g_string_append_c (out, '"');
    }
}

void
tally_csv_append_row (GString   *out,
                      GPtrArray *row,
                      char       delimiter)
{
  for (guint i = 0; i < row->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, delimiter);
      append_cell (out, g_ptr_array_index (row, i), delimiter);
    }

  /* A record of one empty cell would read back as a blank line. */
  if (row->len == 1 && ((const char *) g_ptr_array_index (row, 0))[0] == '\0')
    g_string_append (out, "\"\"");
  g_string_append (out, "\r\n");
}
