/* test-tools.c: the built-in tools on real files
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "tally-builtin.h"
#include "tally-tool-registry.h"

#include "tally-tools-test.h"

static void
test_lookup (void)
{
  g_assert_nonnull (tally_builtin_lookup ("text-statistics"));
  g_assert_cmpstr (tally_builtin_get_output_suffix (tally_builtin_lookup ("gzip-compress")), ==,
                   ".gz");
  g_assert_null (tally_builtin_lookup ("no-such-tool"));
  g_assert_null (tally_builtin_lookup (NULL));

  g_assert_cmpint (tally_builtin_megabytes (0), ==, 1);
  g_assert_cmpint (tally_builtin_megabytes (1000000), ==, 1);
  g_assert_cmpint (tally_builtin_megabytes (1000001), ==, 2);
}

static void
test_text_statistics (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) values = json_object_new ();
  g_autofree char *output = g_build_filename (fixture->dir, "report.txt", NULL);
  g_autofree char *report = NULL;
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  json_object_set_string_member (values, "text",
                                 "The cat sat on the mat. It was happy!\n\n"
                                 "Then it slept  for a while");
  g_assert_true (run_tool ("text-statistics", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 15);

  report = read_file (output, NULL);
  g_assert_nonnull (strstr (report, "Words: 15\n"));
  g_assert_nonnull (strstr (report, "Sentences: 3\n"));
  g_assert_nonnull (strstr (report, "Paragraphs: 2\n"));
  g_assert_nonnull (strstr (report, "Reading time: about 1 minute\n"));
  g_assert_nonnull (strstr (report, "Reading ease: "));
}

static void
test_file_checksums (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *a = write_file (fixture, "a.txt", "hello\n", -1);
  g_autofree char *b = write_file (fixture, "b.txt", "", 0);
  g_autoptr(JsonObject) values = files_value ("files", a, b, NULL);
  g_autofree char *output = g_build_filename (fixture->dir, "sums.sha256", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  g_assert_true (run_tool ("file-checksums", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);

  listing = read_file (output, NULL);
  g_assert_cmpstr (listing, ==,
                   "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b.txt\n");

  /* Another algorithm by name. */
  json_object_set_string_member (values, "algorithm", "md5");
  g_assert_true (run_tool ("file-checksums", values, output, NULL, &units, &error));
  g_clear_pointer (&listing, g_free);
  listing = read_file (output, NULL);
  g_assert_true (g_str_has_prefix (listing, "b1946ac92492d2347c6235b4d2611184  a.txt\n"));
}

static void
test_gzip_compress (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *input = NULL;
  g_autofree char *output = g_build_filename (fixture->dir, "text.txt.gz", NULL);
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GInputStream) compressed = NULL;
  g_autoptr(GZlibDecompressor) decompressor = NULL;
  g_autoptr(GInputStream) plain = NULL;
  g_autoptr(GMemoryOutputStream) result = NULL;
  gint64 units = -1;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (text, "line %u of a file that compresses well\n", i % 7);
  input = write_file (fixture, "text.txt", text->str, (gssize) text->len);
  values = files_value ("files", input, NULL);
  json_object_set_int_member (values, "level", 9);

  g_assert_true (run_tool ("gzip-compress", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);

  /* Smaller, and gunzip gives the original back. */
  file = g_file_new_for_path (output);
  compressed = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  g_assert_no_error (error);
  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  plain = g_converter_input_stream_new (compressed, G_CONVERTER (decompressor));
  result = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
  g_output_stream_splice (G_OUTPUT_STREAM (result), plain,
                          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (result), ==, text->len);
  g_assert_cmpmem (g_memory_output_stream_get_data (result), text->len, text->str, text->len);

  {
    g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL,
                                                   NULL);

    g_assert_cmpint (g_file_info_get_size (info), <, (goffset) text->len / 10);
  }
}

static void
test_json_format (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "in.json",
                                      "{\"b\": [1, 2], \"a\": {\"c\": null}}", -1);
  g_autofree char *output = g_build_filename (fixture->dir, "out.json", NULL);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *formatted = NULL;
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  json_object_set_string_member (values, "indent", "2");
  json_object_set_string_member (values, "sort-keys", "yes");
  g_assert_true (run_tool ("json-format", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);
  formatted = read_file (output, NULL);
  g_assert_cmpstr (formatted, ==,
                   "{\n  \"a\" : {\n    \"c\" : null\n  },\n  \"b\" : [\n    1,\n    2\n  ]\n}\n");

  json_object_set_string_member (values, "indent", "minify");
  json_object_set_string_member (values, "sort-keys", "no");
  g_assert_true (run_tool ("json-format", values, output, NULL, &units, &error));
  g_clear_pointer (&formatted, g_free);
  formatted = read_file (output, NULL);
  g_assert_cmpstr (formatted, ==, "{\"b\":[1,2],\"a\":{\"c\":null}}\n");
}

/* Bad input is an error that names the problem, and leaves no output. */
static void
test_json_format_malformed (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "bad.json", "{\"a\": 1,\n \"b\": }", -1);
  g_autofree char *output = g_build_filename (fixture->dir, "bad.formatted.json", NULL);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  g_assert_false (run_tool ("json-format", values, output, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "bad.json"));
  g_assert_cmpint (units, ==, 0);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

static void
test_csv_to_json (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "people.csv",
                                       "name,note\r\n"
                                       "Ada,\"likes \"\"maths\"\", and tea\"\r\n"
                                       "Bob,\"two\nlines\"\r\n"
                                       "\r\n"
                                       "Cy,\r\n", -1);
  g_autofree char *output = g_build_filename (fixture->dir, "people.json", NULL);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *rows;
  gint64 units = -1;

  g_assert_true (run_tool ("csv-to-json", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);

  json_parser_load_from_file (parser, output, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "note"),
                   ==, "likes \"maths\", and tea");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "note"),
                   ==, "two\nlines");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 2), "name"),
                   ==, "Cy");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 2), "note"),
                   ==, "");
}

static void
test_csv_semicolons_without_header (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "numbers.csv", "1;2;3\n4;5;6", -1);
  g_autofree char *output = g_build_filename (fixture->dir, "numbers.json", NULL);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *rows;
  gint64 units;

  json_object_set_string_member (values, "header", "none");
  g_assert_true (run_tool ("csv-to-json", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  json_parser_load_from_file (parser, output, &error);
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_array_get_array_element (rows, 1), 2), ==,
                   "6");
}

static void
check_bad_csv (Fixture    *fixture,
               const char *contents,
               const char *expected)
{
  g_autofree char *input = write_file (fixture, "bad.csv", contents, -1);
  g_autofree char *output = g_build_filename (fixture->dir, "bad.json", NULL);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  g_assert_false (run_tool ("csv-to-json", values, output, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_cmpint (units, ==, 0);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

static void
test_csv_malformed (Fixture       *fixture,
                    gconstpointer  data)
{
  check_bad_csv (fixture, "a,b\n1,\"never closed\n", "line 2: a quoted field is never closed");
  check_bad_csv (fixture, "a,b\n1,2\n3,4,5\n", "line 3: it has 3 fields where the header has 2");
  check_bad_csv (fixture, "a,b\n1,x\"y\n", "line 2: a quote inside a field");
  check_bad_csv (fixture, "a,b\n\"1\"x,2\n", "line 2: there is text after a closing quote");
}

/* Cancelled in the middle of a file: an error, no output, no units. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *big = g_malloc0 (4 * 1024 * 1024);
  g_autofree char *input = write_file (fixture, "big.bin", big, 4 * 1024 * 1024);
  g_autofree char *output = g_build_filename (fixture->dir, "big.bin.gz", NULL);
  g_autoptr(JsonObject) values = files_value ("files", input, NULL);

  assert_run_cancelled ("gzip-compress", values, output);
  assert_run_cancelled ("file-checksums", values, output);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  gint64    units;
  guint     progress_calls;
  double    last_fraction;
  GError   *error;
} AsyncRun;

static void
count_progress (double   fraction,
                gpointer user_data)
{
  AsyncRun *run = user_data;

  g_assert_false (run->done);
  g_assert_cmpfloat (fraction, >=, run->last_fraction);
  run->last_fraction = fraction;
  run->progress_calls++;
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncRun *run = user_data;

  run->ok = tally_builtin_run_finish (result, &run->units, &run->error);
  run->done = TRUE;
}

/* On a thread, with progress in this context, before the answer. */
static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *big = g_malloc0 (3 * 1000 * 1000 + 1);
  g_autofree char *input = write_file (fixture, "big.bin", big, 3 * 1000 * 1000 + 1);
  g_autofree char *output = g_build_filename (fixture->dir, "big.sha256", NULL);
  g_autoptr(JsonObject) values = files_value ("files", input, NULL);
  AsyncRun run = { 0 };

  tally_builtin_run_async (tally_builtin_lookup ("file-checksums"), values, output, NULL,
                           count_progress, &run, run_done, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpint (run.units, ==, 4);
  g_assert_cmpuint (run.progress_calls, >, 1);
  g_assert_cmpfloat (run.last_fraction, ==, 1.0);
}

/* Every tool of the registry runs in the app: a built-in of that name, or
 * a command that is installed. */
static void
test_registry_runs (void)
{
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(GError) error = NULL;
  guint n;

  tally_tool_registry_load_directory (registry, g_getenv ("TALLY_TOOLS_DIR"), NULL, &error);
  g_assert_no_error (error);
  n = g_list_model_get_n_items (G_LIST_MODEL (registry));
  g_assert_cmpuint (n, >=, 24);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (registry), i);
      const char *builtin = tally_tool_get_builtin (tool);
      const char * const *command = tally_tool_get_command (tool);

      g_test_message ("%s", tally_tool_get_id (tool));
      if (builtin != NULL)
        {
          g_assert_nonnull (tally_builtin_lookup (builtin));
        }
      else
        {
          g_autofree char *program = NULL;

          g_assert_nonnull (command);
          program = g_find_program_in_path (command[0]);
          g_assert_nonnull (program);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tools/lookup", test_lookup);
  g_test_add_func ("/tools/registry-runs", test_registry_runs);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/tools/text-statistics", test_text_statistics);
  ADD ("/tools/file-checksums", test_file_checksums);
  ADD ("/tools/gzip-compress", test_gzip_compress);
  ADD ("/tools/json-format", test_json_format);
  ADD ("/tools/json-format/malformed", test_json_format_malformed);
  ADD ("/tools/csv-to-json", test_csv_to_json);
  ADD ("/tools/csv-to-json/semicolons", test_csv_semicolons_without_header);
  ADD ("/tools/csv-to-json/malformed", test_csv_malformed);
  ADD ("/tools/cancel", test_cancel);
  ADD ("/tools/async", test_async);
#undef ADD

  return g_test_run ();
}
