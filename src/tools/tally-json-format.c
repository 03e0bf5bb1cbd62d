/* tally-json-format.c: check JSON and write it pretty-printed or minified
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-private.h"
#include "tally-json.h"

static gboolean
configure_generator (JsonGenerator  *generator,
                     const char     *indent,
                     GError        **error)
{
  guint64 spaces;

  if (g_str_equal (indent, "minify"))
    return TRUE;

  json_generator_set_pretty (generator, TRUE);
  if (g_str_equal (indent, "tab"))
    {
      json_generator_set_indent_char (generator, '\t');
      json_generator_set_indent (generator, 1);
      return TRUE;
    }

  if (!g_ascii_string_to_unsigned (indent, 10, 1, 8, &spaces, NULL))
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("“%s” is not an indentation Tally knows"), indent);
      return FALSE;
    }

  json_generator_set_indent (generator, (guint) spaces);
  return TRUE;
}

gboolean
tally_builtin_json_format (const TallyBuiltinRun  *run,
                           gint64                 *units,
                           GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  gsize length;

  if (paths == NULL ||
      !configure_generator (generator, tally_builtin_get_string (run, "indent", "2"), error) ||
      (contents = tally_builtin_load (run, g_ptr_array_index (paths, 0), error)) == NULL)
    return FALSE;

  name = g_path_get_basename (g_ptr_array_index (paths, 0));
  if (!json_parser_load_from_data (parser, g_bytes_get_data (contents, NULL),
                                   (gssize) g_bytes_get_size (contents), &parse_error) ||
      json_parser_get_root (parser) == NULL)
    {
      /* json-glib's message starts with the line and column. */
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is not valid JSON: %s"), name,
                   parse_error != NULL ? parse_error->message : _("it is empty"));
      return FALSE;
    }

  if (g_str_equal (tally_builtin_get_string (run, "sort-keys", "no"), "yes"))
    root = tally_json_canonical_copy (json_parser_get_root (parser));
  else
    root = json_node_copy (json_parser_get_root (parser));

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  line = g_strconcat (text, "\n", NULL);
  if (!tally_builtin_save (run, line, length + 1, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_builtin_megabytes (g_bytes_get_size (contents));
  return TRUE;
}
