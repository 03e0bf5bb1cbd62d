/* tally-csv-to-json.c: RFC 4180 CSV to a JSON array
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  char        delimiter;
  /* The line the reader is on, from 1, for messages. */
  guint       line;
} CsvReader;

static gboolean
malformed (GError     **error,
           guint        line,
           const char  *what)
{
  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
               _("This is not valid CSV: line %u: %s"), line, what);
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
choose_delimiter (const char  *name,
                  CsvReader   *reader,
                  GError     **error)
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

/* After a field: a delimiter, the end of the line or of the file. */
static gboolean
end_field (CsvReader  *reader,
           gboolean   *end_of_row,
           GError    **error)
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

  return malformed (error, reader->line, _("there is text after a closing quote"));
}

static gboolean
read_quoted (CsvReader  *reader,
             GString    *field,
             GError    **error)
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

  return malformed (error, first_line, _("a quoted field is never closed"));
}

static gboolean
read_field (CsvReader  *reader,
            GString    *field,
            gboolean   *end_of_row,
            GError    **error)
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
        return malformed (error, reader->line,
                          _("a quote inside a field that does not start with one"));
      g_string_append_c (field, c);
    }

  return end_field (reader, end_of_row, error);
}

/* The next record, or an empty array at the end; blank lines are
 * skipped. */
static GPtrArray *
read_row (CsvReader  *reader,
          GError    **error)
{
  g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  gboolean end_of_row = FALSE;

  while (reader->p < reader->end && (*reader->p == '\n' || *reader->p == '\r'))
    reader->line += *reader->p++ == '\n';

  if (reader->p >= reader->end)
    return g_steal_pointer (&row);

  while (!end_of_row)
    {
      if (!read_field (reader, field, &end_of_row, error))
        return NULL;
      g_ptr_array_add (row, g_strndup (field->str, field->len));
    }

  return g_steal_pointer (&row);
}

static void
add_row (JsonBuilder *builder,
         GPtrArray   *row,
         GPtrArray   *header)
{
  if (header == NULL)
    json_builder_begin_array (builder);
  else
    json_builder_begin_object (builder);

  for (guint i = 0; i < row->len; i++)
    {
      if (header != NULL)
        json_builder_set_member_name (builder, g_ptr_array_index (header, i));
      json_builder_add_string_value (builder, g_ptr_array_index (row, i));
    }

  if (header == NULL)
    json_builder_end_array (builder);
  else
    json_builder_end_object (builder);
}

static gboolean
convert_rows (const TallyBuiltinRun  *run,
              CsvReader              *reader,
              gboolean                has_header,
              JsonBuilder            *builder,
              GError                **error)
{
  g_autoptr(GPtrArray) header = NULL;
  guint64 size = (guint64) (reader->end - reader->start);

  json_builder_begin_array (builder);
  for (guint n = 0;; n++)
    {
      guint line = reader->line;
      g_autoptr(GPtrArray) row = read_row (reader, error);

      if (row == NULL)
        return FALSE;
      if (row->len == 0)
        break;

      if ((n & 0x3ff) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
          /* Parsing is the second half of the work, after reading. */
          tally_builtin_report (run, size + (guint64) (reader->p - reader->start), size * 2);
        }

      if (has_header && header == NULL)
        {
          header = g_steal_pointer (&row);
          continue;
        }

      if (header != NULL && row->len != header->len)
        {
          g_autofree char *what = g_strdup_printf (_("it has %u fields where the header has %u"),
                                                   row->len, header->len);

          return malformed (error, line, what);
        }

      add_row (builder, row, header);
    }
  json_builder_end_array (builder);

  return TRUE;
}

gboolean
tally_builtin_csv_to_json (const TallyBuiltinRun  *run,
                           gint64                 *units,
                           GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *text = NULL;
  CsvReader reader = { 0 };
  gsize length;

  if (paths == NULL ||
      (contents = tally_builtin_load (run, g_ptr_array_index (paths, 0), error)) == NULL)
    return FALSE;

  reader.start = reader.p = g_bytes_get_data (contents, &length);
  reader.end = reader.start + length;
  reader.line = 1;

  /* A byte order mark is not part of the first header. */
  if (length >= 3 && memcmp (reader.p, "\xef\xbb\xbf", 3) == 0)
    reader.p += 3;

  if (!g_utf8_validate (reader.start, (gssize) length, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                           _("This is not valid CSV: the file is not UTF-8 text"));
      return FALSE;
    }

  if (!choose_delimiter (tally_builtin_get_string (run, "delimiter", "auto"), &reader, error) ||
      !convert_rows (run, &reader,
                     g_str_equal (tally_builtin_get_string (run, "header", "first-row"),
                                  "first-row"),
                     builder, error))
    return FALSE;

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &length);
  if (!tally_builtin_save (run, text, length, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_builtin_megabytes (g_bytes_get_size (contents));
  return TRUE;
}
