/* tally-tools-test.c: what the built-in tool tests share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-tools-test.h"

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("tally-tools-XXXXXX", &error);
  g_assert_no_error (error);
}

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

char *
path_in (Fixture    *fixture,
         const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

/* @length -1 for a nul-terminated @contents. */
char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = path_in (fixture, name);

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

char *
read_file (const char *path,
           gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

/* Values with one files input: the paths after @input_id, up to NULL. */
JsonObject *
files_value (const char *input_id,
             ...)
{
  JsonObject *values = json_object_new ();
  JsonArray *paths = json_array_new ();
  va_list args;

  va_start (args, input_id);
  for (const char *path = va_arg (args, const char *); path != NULL;
       path = va_arg (args, const char *))
    json_array_add_string_element (paths, path);
  va_end (args);

  json_object_set_array_member (values, input_id, paths);
  return values;
}

gboolean
run_tool (const char    *name,
          JsonObject    *values,
          const char    *output,
          GCancellable  *cancellable,
          gint64        *units,
          GError       **error)
{
  const TallyBuiltin *builtin = tally_builtin_lookup (name);

  g_assert_nonnull (builtin);
  return tally_builtin_run (builtin, values, output, cancellable, NULL, NULL, units, error);
}

/* A failed run: the error wanted (with @message_part in its message
 * unless NULL), no units, nothing at @output. */
void
assert_run_fails (const char *name,
                  JsonObject *values,
                  const char *output,
                  GQuark      domain,
                  int         code,
                  const char *message_part)
{
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  g_assert_false (run_tool (name, values, output, NULL, &units, &error));
  g_assert_error (error, domain, code);
  g_test_message ("%s: %s", name, error->message);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
  g_assert_cmpint (units, ==, 0);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

/* Cancelled at the first progress report: G_IO_ERROR_CANCELLED, no
 * units, nothing at @output. */
void
assert_run_cancelled (const char *name,
                      JsonObject *values,
                      const char *output)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  g_assert_false (tally_builtin_run (tally_builtin_lookup (name), values, output, cancellable,
                                     cancel_on_progress, cancellable, &units, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (units, ==, 0);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

void
cancel_on_progress (double   fraction,
                    gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

PopplerDocument *
open_pdf (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  PopplerDocument *document = poppler_document_new_from_gfile (file, NULL, NULL, &error);

  g_assert_no_error (error);
  return document;
}

char *
page_text (PopplerDocument *document,
           int              index)
{
  PopplerPage *page = poppler_document_get_page (document, index);
  char *text = poppler_page_get_text (page);

  g_object_unref (page);
  return text;
}
