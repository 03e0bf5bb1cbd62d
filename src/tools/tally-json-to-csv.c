/* tally-json-to-csv.c: a JSON array of objects as a CSV table
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-csv.h"

#define ROWS_PER_CHECK 1024

static const char * const delimiter_choices[] = { "comma", "semicolon", "tab", NULL };

static char
delimiter_of (const char *choice)
{
  if (g_str_equal (choice, "semicolon"))
    return ';';
  if (g_str_equal (choice, "tab"))
    return '\t';
  return ',';
}

static gboolean
not_rows (const char  *name,
          const char  *what,
          GError     **error)
{
  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
               _("“%s” cannot be a table: %s"), name, what);
  return FALSE;
}

/* The rows: the elements of the top array, each an object; a single
 * object is a table of one row. */
static gboolean
get_rows (JsonNode    *root,
          const char  *name,
          JsonArray  **rows,
          GError     **error)
{
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      *rows = json_array_new ();
      json_array_add_element (*rows, json_node_copy (root));
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (root))
    return not_rows (name, _("it is neither an array of objects nor an object"), error);

  *rows = json_array_ref (json_node_get_array (root));
  for (guint i = 0; i < json_array_get_length (*rows); i++)
    {
      if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (*rows, i)))
        {
          g_autofree char *what = g_strdup_printf (_("item %u of the array is not an object"),
                                                   i + 1);

          g_clear_pointer (rows, json_array_unref);
          return not_rows (name, what, error);
        }
    }

  return TRUE;
}

/* The union of the members of all rows, in the order they first appear. */
static GPtrArray *
collect_columns (JsonArray *rows)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *columns = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      JsonObjectIter iter;
      const char *member;

      json_object_iter_init_ordered (&iter, row);
      while (json_object_iter_next_ordered (&iter, &member, NULL))
        {
          if (g_hash_table_contains (seen, member))
            continue;
          g_ptr_array_add (columns, g_strdup (member));
          g_hash_table_add (seen, g_ptr_array_index (columns, columns->len - 1));
        }
    }

  return columns;
}

/* The shortest text that reads back as the same double: 0.1 rather than
 * 0.10000000000000001. */
static char *
format_double (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 15; digits < 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        return g_strdup (buffer);
    }

  return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, value));
}

/* Strings as they are, null as an empty cell, numbers and booleans as
 * JSON writes them, arrays and objects as JSON text. */
static char *
cell_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return format_double (json_node_get_double (node));

  return json_to_string (node, FALSE);
}

static gboolean
write_rows (const TallyBuiltinRun  *run,
            JsonArray              *rows,
            GPtrArray              *columns,
            char                    delimiter,
            GString                *out,
            GError                **error)
{
  guint n_rows = json_array_get_length (rows);

  /* No members anywhere: an empty table, an empty file. */
  if (columns->len == 0)
    return TRUE;

  tally_csv_append_row (out, columns, delimiter);
  for (guint i = 0; i < n_rows; i++)
    {
      JsonObject *object = json_array_get_object_element (rows, i);
      g_autoptr(GPtrArray) row = g_ptr_array_new_full (columns->len, g_free);

      if (i % ROWS_PER_CHECK == 0)
        {
          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
          /* Writing is the second half of the work, after reading. */
          tally_builtin_report (run, (guint64) n_rows + i, (guint64) n_rows * 2);
        }

      for (guint c = 0; c < columns->len; c++)
        g_ptr_array_add (row, cell_text (json_object_get_member (object,
                                                                 g_ptr_array_index (columns, c))));
      tally_csv_append_row (out, row, delimiter);
    }

  return TRUE;
}

static JsonNode *
load_json (const TallyBuiltinRun  *run,
           const char             *path,
           const char             *name,
           gsize                  *size,
           GError                **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GBytes) contents = tally_builtin_load (run, path, error);
  g_autoptr(GError) parse_error = NULL;

  if (contents == NULL)
    return NULL;

  *size = g_bytes_get_size (contents);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (contents, NULL), (gssize) *size,
                                   &parse_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is not valid JSON: %s"), name,
                   parse_error != NULL ? parse_error->message : _("it is empty"));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

gboolean
tally_builtin_json_to_csv (const TallyBuiltinRun  *run,
                           gint64                 *units,
                           GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autofree char *name = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(GPtrArray) columns = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *choice;
  gsize size = 0;

  if (paths == NULL ||
      (choice = tally_builtin_get_choice (run, "delimiter", delimiter_choices, error)) == NULL)
    return FALSE;

  name = g_path_get_basename (g_ptr_array_index (paths, 0));
  root = load_json (run, g_ptr_array_index (paths, 0), name, &size, error);
  if (root == NULL || !get_rows (root, name, &rows, error))
    return FALSE;

  columns = collect_columns (rows);
  if (!write_rows (run, rows, columns, delimiter_of (choice), out, error) ||
      !tally_builtin_save (run, out->str, out->len, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_builtin_megabytes (size);
  return TRUE;
}
