/* tally-csv-to-json.c: RFC 4180 CSV to a JSON array
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-csv.h"

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
              TallyCsvReader         *reader,
              gboolean                has_header,
              JsonBuilder            *builder,
              GError                **error)
{
  g_autoptr(GPtrArray) header = NULL;

  json_builder_begin_array (builder);
  for (;;)
    {
      g_autoptr(GPtrArray) row = tally_csv_reader_read_row (reader, run, error);

      if (row == NULL)
        return FALSE;
      if (row->len == 0)
        break;

      if (has_header && header == NULL)
        {
          header = g_steal_pointer (&row);
          continue;
        }

      if (header != NULL && row->len != header->len)
        {
          g_autofree char *what = g_strdup_printf (_("it has %u fields where the header has %u"),
                                                   row->len, header->len);

          return tally_csv_reader_malformed (reader, reader->row_line, what, error);
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
  g_autofree char *text = NULL;
  g_auto(TallyCsvReader) reader = { 0 };
  gsize length;

  if (paths == NULL ||
      !tally_csv_reader_open (&reader, run, g_ptr_array_index (paths, 0),
                              tally_builtin_get_string (run, "delimiter", "auto"), error) ||
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
  *units = tally_builtin_megabytes (g_bytes_get_size (reader.contents));
  return TRUE;
}
