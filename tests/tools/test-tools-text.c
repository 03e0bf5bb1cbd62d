/* test-tools-text.c: the data and text tools on real input
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

#include "tally-tools-test.h"

static JsonObject *
text_value (const char *input_id,
            const char *text)
{
  JsonObject *values = json_object_new ();

  json_object_set_string_member (values, input_id, text);
  return values;
}

/* Runs @name, which must succeed, and returns what it wrote. */
static char *
run_for_output (Fixture    *fixture,
                const char *name,
                JsonObject *values,
                gint64      expected_units)
{
  g_autofree char *output = g_build_filename (fixture->dir, "output", NULL);
  g_autoptr(GError) error = NULL;
  gint64 units = -1;
  char *contents;

  g_assert_true (run_tool (name, values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, expected_units);

  contents = read_file (output, NULL);
  g_unlink (output);
  return contents;
}

/* A failed run: the error, no units, no output. */
static void
check_fails (Fixture    *fixture,
             const char *name,
             JsonObject *values,
             GQuark      domain,
             int         code,
             const char *expected)
{
  g_autofree char *output = path_in (fixture, "failed-output");

  assert_run_fails (name, values, output, domain, code, expected);
}

static void
test_lookup (void)
{
  const char * const names[] = {
    "csv-clean", "csv-statistics", "json-to-csv", "gzip-decompress", "markdown-to-html",
    "text-compare", "text-redact", "text-summary",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_nonnull (tally_builtin_lookup (names[i]));

  g_assert_cmpstr (tally_builtin_get_output_suffix (tally_builtin_lookup ("text-compare")), ==,
                   ".diff");
}

/* CSV */

static const char messy_csv[] =
  "name, city ,note\n"
  "  Ada ,London,\"=1+2\"\n"
  "\n"
  ",,\n"
  "Ada,London,=1+2\r\n"
  "Bob,\"Paris, France\",-5\n"
  "Bob,\"Paris, France\",-5\n";

static void
test_csv_clean (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "messy.csv", messy_csv, -1);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *cleaned = NULL;
  g_autofree char *kept = NULL;

  /* Defaults: duplicates removed, spaces trimmed; empty rows always go;
   * formulas stay text, as in libtally's exports. */
  cleaned = run_for_output (fixture, "csv-clean", values, 1);
  g_assert_cmpstr (cleaned, ==,
                   "name,city,note\r\n"
                   "Ada,London,\"'=1+2\"\r\n"
                   "Bob,\"Paris, France\",\"'-5\"\r\n");

  json_object_set_string_member (values, "duplicates", "keep");
  json_object_set_string_member (values, "trim", "no");
  kept = run_for_output (fixture, "csv-clean", values, 1);
  g_assert_cmpstr (kept, ==,
                   "name, city ,note\r\n"
                   "  Ada ,London,\"'=1+2\"\r\n"
                   "Ada,London,\"'=1+2\"\r\n"
                   "Bob,\"Paris, France\",\"'-5\"\r\n"
                   "Bob,\"Paris, France\",\"'-5\"\r\n");

  json_object_set_string_member (values, "trim", "maybe");
  check_fails (fixture, "csv-clean", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_VALUE, "trim");
}

/* The delimiter found is the one written; cells holding it are quoted. */
static void
test_csv_clean_semicolons (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "semi.csv",
                                       "\xef\xbb\xbf" "a;b\n1;\"x;y\"\n1;\"x;y\"\n", -1);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *cleaned = run_for_output (fixture, "csv-clean", values, 1);

  g_assert_cmpstr (cleaned, ==, "a;b\r\n1;\"x;y\"\r\n");
}

static void
test_csv_malformed (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "broken.csv", "a,b\n1,\"never closed\n", -1);
  g_autofree char *latin1 = write_file (fixture, "latin1.csv", "a,b\n\xe9t\xe9,1\n", -1);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.csv", NULL);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(JsonObject) latin1_values = files_value ("file", latin1, NULL);
  g_autoptr(JsonObject) missing_values = files_value ("file", missing, NULL);

  check_fails (fixture, "csv-clean", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT,
               "“broken.csv” is not valid CSV: line 2: a quoted field is never closed");
  check_fails (fixture, "csv-statistics", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "broken.csv");
  check_fails (fixture, "csv-statistics", latin1_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "“latin1.csv” is not valid CSV");
  check_fails (fixture, "csv-clean", missing_values, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "missing.csv");
}

static void
test_csv_statistics (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "stock.csv",
                                       "item;price;qty\n"
                                       "apple;1,5;3\n"
                                       "pear;2,25;\n"
                                       "apple; ;10;extra\n", -1);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *report = run_for_output (fixture, "csv-statistics", values, 1);

  g_assert_cmpstr (report, ==,
                   "File: stock.csv\n"
                   "Rows: 3, not counting the header\n"
                   "Columns: 4\n"
                   "\n1. item\n"
                   "   Filled cells: 3\n"
                   "   Empty cells: 0\n"
                   "   Distinct values: 2\n"
                   "\n2. price\n"
                   "   Filled cells: 2\n"
                   "   Empty cells: 1\n"
                   "   Distinct values: 2\n"
                   "   Numbers: 2\n"
                   "   Minimum: 1,5\n"
                   "   Maximum: 2,25\n"
                   "   Mean: 1.875\n"
                   "\n3. qty\n"
                   "   Filled cells: 2\n"
                   "   Empty cells: 1\n"
                   "   Distinct values: 2\n"
                   "   Numbers: 2\n"
                   "   Minimum: 3\n"
                   "   Maximum: 10\n"
                   "   Mean: 6.5\n"
                   "\n4. Column 4\n"
                   "   Filled cells: 1\n"
                   "   Empty cells: 2\n"
                   "   Distinct values: 1\n");

  /* Told it is comma-separated, the file is one column. */
  json_object_set_string_member (values, "delimiter", "comma");
  g_free (report);
  report = run_for_output (fixture, "csv-statistics", values, 1);
  g_assert_nonnull (strstr (report, "Columns: 2\n\n1. item;price;qty\n"));
}

static void
test_json_to_csv (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *input = write_file (fixture, "people.json",
                                       "[{\"name\": \"Ada\", \"age\": 36, \"tags\": [\"a\", \"b\"]},"
                                       " {\"name\": \"Bob, Jr.\", \"score\": 0.1, \"ok\": true,"
                                       "  \"age\": null},"
                                       " {\"note\": \"=HYPERLINK(\\\"x\\\")\","
                                       "  \"nested\": {\"k\": 1}}]", -1);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *csv = run_for_output (fixture, "json-to-csv", values, 1);
  g_autofree char *semicolons = NULL;

  g_assert_cmpstr (csv, ==,
                   "name,age,tags,score,ok,note,nested\r\n"
                   "Ada,36,\"[\"\"a\"\",\"\"b\"\"]\",,,,\r\n"
                   "\"Bob, Jr.\",,,0.1,true,,\r\n"
                   ",,,,,\"'=HYPERLINK(\"\"x\"\")\",\"{\"\"k\"\":1}\"\r\n");

  json_object_set_string_member (values, "delimiter", "semicolon");
  semicolons = run_for_output (fixture, "json-to-csv", values, 1);
  g_assert_true (g_str_has_prefix (semicolons, "name;age;tags;score;ok;note;nested\r\n"
                                               "Ada;36;\"[\"\"a\"\",\"\"b\"\"]\";;;;\r\n"
                                               "\"Bob, Jr.\";;;0.1;true;;\r\n"));
}

static void
test_json_to_csv_malformed (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *bad = write_file (fixture, "bad.json", "[{\"a\": 1},", -1);
  g_autofree char *scalars = write_file (fixture, "scalars.json", "[{\"a\": 1}, 2]", -1);
  g_autoptr(JsonObject) bad_values = files_value ("file", bad, NULL);
  g_autoptr(JsonObject) scalar_values = files_value ("file", scalars, NULL);

  check_fails (fixture, "json-to-csv", bad_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "“bad.json” is not valid JSON");
  check_fails (fixture, "json-to-csv", scalar_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "item 2 of the array is not an object");
}

/* gzip */

static GBytes *
gzip_bytes (const char *data,
            gsize       length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP,
                                                                 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) converter = g_converter_output_stream_new (memory,
                                                                      G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (converter, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (converter, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static char *
write_bytes (Fixture    *fixture,
             const char *name,
             GBytes     *bytes)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  return write_file (fixture, name, data, (gssize) length);
}

/* Two members one after another, and the zeros some tools pad with. */
static void
test_gzip_decompress (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = gzip_bytes ("and the rest\n", 13);
  g_autoptr(GByteArray) joined = g_byte_array_new ();
  g_autofree char *input = NULL;
  g_autoptr(JsonObject) values = NULL;
  g_autofree char *output = g_build_filename (fixture->dir, "notes.txt", NULL);
  g_autofree char *named = NULL;
  g_autofree char *unpacked = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  gint64 units = -1;
  const guint8 zeros[100] = { 0 };

  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (text, "line %u\n", i);
  first = gzip_bytes (text->str, text->len);
  g_byte_array_append (joined, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  g_byte_array_append (joined, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  g_byte_array_append (joined, zeros, sizeof zeros);
  input = write_file (fixture, "notes.txt.gz", (const char *) joined->data, joined->len);
  values = files_value ("files", input, NULL);

  /* The output is named after the input without ".gz". */
  named = tally_builtin_make_output_path (tally_builtin_lookup ("gzip-decompress"), fixture->dir,
                                          "notes.txt.gz", values);
  g_assert_cmpstr (named, ==, output);

  g_assert_true (run_tool ("gzip-decompress", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);

  unpacked = read_file (output, &length);
  g_string_append (text, "and the rest\n");
  g_assert_cmpmem (unpacked, length, text->str, text->len);
}

static guint64
tar_size (const char *header)
{
  g_autofree char *field = g_strndup (header + 124, 12);

  return g_ascii_strtoull (field, NULL, 8);
}

/* Several files: a tar of them, each under its name without ".gz". */
static void
test_gzip_decompress_several (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GBytes) a = gzip_bytes ("first file\n", 11);
  g_autoptr(GBytes) b = gzip_bytes ("", 0);
  g_autofree char *a_path = write_bytes (fixture, "a.txt.gz", a);
  g_autofree char *b_path = write_bytes (fixture, "empty.tgz", b);
  g_autoptr(JsonObject) values = files_value ("files", a_path, b_path, NULL);
  g_autofree char *output = tally_builtin_make_output_path (tally_builtin_lookup ("gzip-decompress"),
                                                            fixture->dir, "a.txt.gz", values);
  g_autofree char *tar = NULL;
  g_autoptr(GError) error = NULL;
  gint64 units = -1;
  gsize length;

  g_assert_true (g_str_has_suffix (output, "/a.txt.tar"));
  g_assert_true (run_tool ("gzip-decompress", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);

  tar = read_file (output, &length);
  /* Header, one block of data; header, no data; two blocks of zeros. */
  g_assert_cmpuint (length, >=, 512 * 5);
  g_assert_cmpstr (tar, ==, "a.txt");
  g_assert_cmpuint (tar_size (tar), ==, 11);
  g_assert_cmpmem (tar + 512, 11, "first file\n", 11);
  g_assert_cmpstr (tar + 1024, ==, "empty.tar");
  g_assert_cmpuint (tar_size (tar + 1024), ==, 0);
  for (gsize i = 1536; i < 2560; i++)
    g_assert_cmpint (tar[i], ==, 0);
}

static void
test_gzip_malformed (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GBytes) packed = gzip_bytes ("some text that is long enough\n", 30);
  g_autofree char *plain = write_file (fixture, "plain.txt.gz", "not gzip at all", -1);
  g_autofree char *empty = write_file (fixture, "empty.gz", "", 0);
  g_autofree char *cut = write_file (fixture, "cut.gz", g_bytes_get_data (packed, NULL),
                                     (gssize) g_bytes_get_size (packed) - 6);
  g_autoptr(GByteArray) trailing = g_byte_array_new ();
  g_autofree char *trailing_path = NULL;
  g_autoptr(JsonObject) plain_values = files_value ("files", plain, NULL);
  g_autoptr(JsonObject) empty_values = files_value ("files", empty, NULL);
  g_autoptr(JsonObject) cut_values = files_value ("files", cut, NULL);
  g_autoptr(JsonObject) trailing_values = NULL;
  g_autoptr(JsonObject) damaged_values = NULL;
  g_autofree char *damaged = NULL;
  g_autofree guint8 *corrupt = g_memdup2 (g_bytes_get_data (packed, NULL),
                                          g_bytes_get_size (packed));

  check_fails (fixture, "gzip-decompress", plain_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "“plain.txt.gz” is not a gzip file");
  check_fails (fixture, "gzip-decompress", empty_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "“empty.gz” is not a gzip file");
  check_fails (fixture, "gzip-decompress", cut_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "“cut.gz” is cut short");

  g_byte_array_append (trailing, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
  g_byte_array_append (trailing, (const guint8 *) "garbage", 7);
  trailing_path = write_file (fixture, "trailing.gz", (const char *) trailing->data,
                              trailing->len);
  trailing_values = files_value ("files", trailing_path, NULL);
  check_fails (fixture, "gzip-decompress", trailing_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "has data after its end that is not gzip");

  /* A flipped byte in the compressed data (after the 10-byte header). */
  corrupt[12] ^= 0xff;
  corrupt[13] ^= 0xff;
  damaged = write_file (fixture, "damaged.gz", (const char *) corrupt,
                        (gssize) g_bytes_get_size (packed));
  damaged_values = files_value ("files", damaged, NULL);
  check_fails (fixture, "gzip-decompress", damaged_values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "“damaged.gz” is damaged");
}

/* 20 MiB of zeros pack into about 20 KB: far past the bound. */
static void
test_gzip_bomb (Fixture       *fixture,
                gconstpointer  data)
{
  gsize size = 20 * 1024 * 1024;
  g_autofree char *zeros = g_malloc0 (size);
  g_autoptr(GBytes) bomb = gzip_bytes (zeros, size);
  g_autofree char *path = write_bytes (fixture, "bomb.gz", bomb);
  g_autoptr(JsonObject) values = files_value ("files", path, NULL);

  g_assert_cmpuint (g_bytes_get_size (bomb), <, 100 * 1024);
  check_fails (fixture, "gzip-decompress", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_INPUT, "decompression bomb");
}

/* Markdown */

static void
test_markdown_to_html (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *markdown = "# Release *notes*\n\n"
                         "- one\n- two\n\n"
                         "A [link](https://example.org) and a [trap](javascript:alert(1)).\n\n"
                         "<script>alert(2)</script>\n\n"
                         "```\ncode & more\n```\n";
  g_autoptr(JsonObject) values = text_value ("text", markdown);
  g_autofree char *page = run_for_output (fixture, "markdown-to-html", values, 18);
  g_autofree char *plain = NULL;
  g_autofree char *dark = NULL;

  g_assert_true (g_str_has_prefix (page, "<!DOCTYPE html>\n<html>\n<head>\n"));
  g_assert_nonnull (strstr (page, "<meta charset=\"utf-8\">"));
  g_assert_nonnull (strstr (page, "<title>Release notes</title>"));
  g_assert_nonnull (strstr (page, "<style>"));
  g_assert_nonnull (strstr (page, "<h1>Release <em>notes</em></h1>"));
  g_assert_nonnull (strstr (page, "<li>one</li>"));
  g_assert_nonnull (strstr (page, "<a href=\"https://example.org\">link</a>"));
  g_assert_nonnull (strstr (page, "<pre><code>code &amp; more\n</code></pre>"));
  g_assert_true (g_str_has_suffix (page, "</body>\n</html>\n"));
  /* Nothing that runs. */
  g_assert_null (strstr (page, "javascript:"));
  g_assert_null (strstr (page, "<script>"));

  json_object_set_string_member (values, "style", "none");
  plain = run_for_output (fixture, "markdown-to-html", values, 18);
  g_assert_null (strstr (plain, "<style>"));

  json_object_set_string_member (values, "style", "dark");
  dark = run_for_output (fixture, "markdown-to-html", values, 18);
  g_assert_nonnull (strstr (dark, "background: #1e1e1e"));

  json_object_set_string_member (values, "style", "sepia");
  check_fails (fixture, "markdown-to-html", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_VALUE, "sepia");
}

/* Without a heading the title is generic; markup in the text is escaped. */
static void
test_markdown_title (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) values = text_value ("text", "Just <b>a</b> line");
  g_autoptr(JsonObject) heading = text_value ("text", "Intro\n\n## Fish & chips < 5 €\n");
  g_autofree char *page = run_for_output (fixture, "markdown-to-html", values, 3);
  g_autofree char *titled = run_for_output (fixture, "markdown-to-html", heading, 8);

  g_assert_nonnull (strstr (page, "<title>Document</title>"));
  g_assert_nonnull (strstr (titled, "<title>Fish &amp; chips &lt; 5 €</title>"));
}

/* text-compare */

static JsonObject *
compare_values (const char *original,
                const char *revised)
{
  JsonObject *values = text_value ("original", original);

  json_object_set_string_member (values, "revised", revised);
  return values;
}

static void
test_text_compare (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) values = compare_values ("one\ntwo\nthree\n", "one\n2\nthree\nfour");
  g_autoptr(JsonObject) same = compare_values ("a\nb\n", "a\nb\n");
  g_autofree char *diff = run_for_output (fixture, "text-compare", values, 4);
  g_autofree char *nothing = run_for_output (fixture, "text-compare", same, 2);

  g_assert_cmpstr (diff, ==,
                   "--- original\n"
                   "+++ revised\n"
                   "@@ -1,3 +1,4 @@\n"
                   " one\n"
                   "-two\n"
                   "+2\n"
                   " three\n"
                   "+four\n"
                   "\\ No newline at end of file\n");
  g_assert_cmpstr (nothing, ==, "");
}

/* Changes far apart are separate hunks with three lines around each. */
static void
test_text_compare_hunks (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GString) original = g_string_new (NULL);
  g_autoptr(GString) revised = g_string_new (NULL);
  g_autoptr(JsonObject) values = NULL;
  g_autofree char *diff = NULL;

  for (guint i = 1; i <= 20; i++)
    {
      g_string_append_printf (original, "%u\n", i);
      if (i == 2)
        continue;
      g_string_append_printf (revised, "%u\n", i);
      if (i == 15)
        g_string_append (revised, "new\n");
    }

  values = compare_values (original->str, revised->str);
  diff = run_for_output (fixture, "text-compare", values, 20);
  g_assert_cmpstr (diff, ==,
                   "--- original\n"
                   "+++ revised\n"
                   "@@ -1,5 +1,4 @@\n"
                   " 1\n"
                   "-2\n"
                   " 3\n"
                   " 4\n"
                   " 5\n"
                   "@@ -13,6 +12,7 @@\n"
                   " 13\n"
                   " 14\n"
                   " 15\n"
                   "+new\n"
                   " 16\n"
                   " 17\n"
                   " 18\n");
}

/* The lines of @text, each with its newline (the last may have none). */
static GPtrArray *
split_keeping_newlines (const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (const char *p = text; *p != '\0';)
    {
      const char *newline = strchr (p, '\n');
      gsize length = newline != NULL ? (gsize) (newline - p) + 1 : strlen (p);

      g_ptr_array_add (lines, g_strndup (p, length));
      p += length;
    }

  return lines;
}

/* Applies a unified diff as patch would, checking every context and
 * removed line against @original. */
static char *
apply_diff (const char *original,
            const char *diff)
{
  g_autoptr(GPtrArray) old_lines = split_keeping_newlines (original);
  g_autoptr(GPtrArray) diff_lines = split_keeping_newlines (diff);
  GString *out = g_string_new (NULL);
  guint next = 0;

  g_assert_cmpuint (diff_lines->len, >=, 3);
  g_assert_cmpstr (g_ptr_array_index (diff_lines, 0), ==, "--- original\n");
  g_assert_cmpstr (g_ptr_array_index (diff_lines, 1), ==, "+++ revised\n");

  for (guint i = 2; i < diff_lines->len; i++)
    {
      const char *line = g_ptr_array_index (diff_lines, i);
      g_autofree char *text = NULL;

      if (g_str_has_prefix (line, "@@ -"))
        {
          char *end = NULL;
          guint start = (guint) g_ascii_strtoull (line + 4, &end, 10);
          guint first = g_str_has_prefix (end, ",0 ") ? start : start - 1;

          g_assert_cmpuint (first, >=, next);
          for (; next < first; next++)
            g_string_append (out, g_ptr_array_index (old_lines, next));
          continue;
        }

      /* The line as it is in its text: without its newline when the
       * diff says so on the next line. */
      text = g_strdup (line + 1);
      if (i + 1 < diff_lines->len &&
          g_str_equal (g_ptr_array_index (diff_lines, i + 1), "\\ No newline at end of file\n"))
        {
          text[strlen (text) - 1] = '\0';
          i++;
        }

      if (line[0] == '+')
        {
          g_string_append (out, text);
          continue;
        }

      g_assert_true (line[0] == ' ' || line[0] == '-');
      g_assert_cmpuint (next, <, old_lines->len);
      g_assert_cmpstr (text, ==, g_ptr_array_index (old_lines, next));
      if (line[0] == ' ')
        g_string_append (out, text);
      next++;
    }

  for (; next < old_lines->len; next++)
    g_string_append (out, g_ptr_array_index (old_lines, next));

  return g_string_free (out, FALSE);
}

/* The longest common subsequence of the lines, by dynamic programming. */
static guint
lcs_length (GPtrArray *a,
            GPtrArray *b)
{
  guint n = a->len;
  guint m = b->len;
  g_autofree guint *table = g_new0 (guint, (n + 1) * (m + 1));

  for (guint i = n; i-- > 0;)
    {
      for (guint j = m; j-- > 0;)
        {
          guint *cell = &table[i * (m + 1) + j];

          if (g_str_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, j)))
            *cell = table[(i + 1) * (m + 1) + j + 1] + 1;
          else
            *cell = MAX (table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
        }
    }

  return table[0];
}

static char *
random_text (void)
{
  const char * const words[] = { "a", "b", "c", "d", "e" };
  guint n_lines = (guint) g_test_rand_int_range (0, 40);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_lines; i++)
    g_string_append_printf (text, "%s\n", words[g_test_rand_int_range (0, G_N_ELEMENTS (words))]);
  if (text->len > 0 && g_test_rand_bit ())
    g_string_truncate (text, text->len - 1);
  if (text->len == 0)
    g_string_append (text, "x");

  return g_string_free (text, FALSE);
}

/* On random texts: the diff turns the original into the revised text,
 * and changes as few lines as can be. */
static void
test_text_compare_random (Fixture       *fixture,
                          gconstpointer  data)
{
  for (guint round = 0; round < 300; round++)
    {
      g_autofree char *original = random_text ();
      g_autofree char *revised = random_text ();
      g_autoptr(JsonObject) values = compare_values (original, revised);
      g_autoptr(GPtrArray) original_lines = split_keeping_newlines (original);
      g_autoptr(GPtrArray) revised_lines = split_keeping_newlines (revised);
      g_autofree char *output = g_build_filename (fixture->dir, "random.diff", NULL);
      g_autofree char *diff = NULL;
      g_autofree char *patched = NULL;
      g_auto(GStrv) lines = NULL;
      g_autoptr(GError) error = NULL;
      guint changed = 0;
      gint64 units;

      g_assert_true (run_tool ("text-compare", values, output, NULL, &units, &error));
      g_assert_no_error (error);
      diff = read_file (output, NULL);

      /* Past the two header lines. */
      lines = g_strsplit (diff, "\n", -1);
      for (guint i = 2; diff[0] != '\0' && lines[i] != NULL; i++)
        changed += lines[i][0] == '+' || lines[i][0] == '-';
      g_assert_cmpuint (changed, ==, original_lines->len + revised_lines->len -
                                     2 * lcs_length (original_lines, revised_lines));

      if (diff[0] == '\0')
        g_assert_cmpstr (original, ==, revised);
      else
        {
          patched = apply_diff (original, diff);
          g_assert_cmpstr (patched, ==, revised);
        }
    }
}

/* Texts with almost nothing in common stay quick to compare. */
static void
test_text_compare_large (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GString) original = g_string_new (NULL);
  g_autoptr(GString) revised = g_string_new (NULL);
  g_autoptr(JsonObject) values = NULL;
  g_autofree char *diff = NULL;
  g_autofree char *patched = NULL;

  for (guint i = 0; i < 30000; i++)
    {
      g_string_append_printf (original, "original line %u\n", i);
      g_string_append_printf (revised, "%s line %u\n", i % 7 == 0 ? "original" : "revised", i);
    }

  values = compare_values (original->str, revised->str);
  diff = run_for_output (fixture, "text-compare", values, 90000);
  patched = apply_diff (original->str, diff);
  g_assert_cmpstr (patched, ==, revised->str);
}

/* Long texts of a few distinct lines, changed all over: past the search's
 * budget the diff may not be the shortest, but it is quick and right. */
static void
test_text_compare_expensive (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GString) original = g_string_new (NULL);
  g_autoptr(GString) revised = g_string_new (NULL);
  g_autoptr(JsonObject) values = NULL;
  g_autofree char *diff = NULL;
  g_autofree char *patched = NULL;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < 40000; i++)
    {
      g_string_append (original, g_test_rand_bit () ? "a\n" : "b\n");
      g_string_append (revised, g_test_rand_bit () ? "a\n" : "b\n");
    }

  values = compare_values (original->str, revised->str);
  diff = run_for_output (fixture, "text-compare", values, 40000);
  g_test_message ("40,000 random lines compared in %.2f s",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  patched = apply_diff (original->str, diff);
  g_assert_cmpstr (patched, ==, revised->str);
}

/* text-redact */

static void
test_text_redact (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *text = "Write to ada@example.org or call +44 20 7946 0958.\n"
                     "Card: 4111 1111 1111 1111, not 4111 1111 1111 1112.\n"
                     "IBAN DE89 3704 0044 0532 0130 00 on 2026-11-26 at 12:30:45.\n"
                     "Server 192.168.1.20 and fe80::1, version 3.14159.";
  g_autoptr(JsonObject) values = text_value ("text", text);
  g_autofree char *redacted = run_for_output (fixture, "text-redact", values, 36);
  g_autofree char *emails = NULL;

  g_assert_cmpstr (redacted, ==,
                   "Write to [e-mail address removed] or call [phone number removed].\n"
                   "Card: [card number removed], not 4111 1111 1111 1112.\n"
                   "IBAN [IBAN removed] on 2026-11-26 at 12:30:45.\n"
                   "Server [IP address removed] and [IP address removed], version 3.14159.\n"
                   "\n-- \n"
                   "Redacted by Tally: 1 e-mail address, 1 phone number, 1 card number, "
                   "1 IBAN, 2 IP addresses.\n");

  json_object_set_string_member (values, "details", "emails");
  emails = run_for_output (fixture, "text-redact", values, 36);
  g_assert_true (g_str_has_prefix (emails, "Write to [e-mail address removed] or call +44 20"));
  g_assert_true (g_str_has_suffix (emails, "Redacted by Tally: 1 e-mail address.\n"));

  json_object_set_string_member (values, "details", "everything");
  check_fails (fixture, "text-redact", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_VALUE, "details");
}

/* Phone numbers as people write them; numbers that are not phones. */
static void
test_text_redact_formats (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(JsonObject) values = text_value ("text",
                                             "(555) 123-4567; +1-202-555-0143; 0171 1234567;\n"
                                             "john.doe+tag@mail.example.co.uk\n"
                                             "Version 1.2.3, year 2026, price 1234.56, "
                                             "on 12.5.2026, total 1,234,567.\n");
  g_autofree char *redacted = run_for_output (fixture, "text-redact", values, 16);

  g_assert_cmpstr (redacted, ==,
                   "[phone number removed]; [phone number removed]; [phone number removed];\n"
                   "[e-mail address removed]\n"
                   "Version 1.2.3, year 2026, price 1234.56, on 12.5.2026, total 1,234,567.\n"
                   "\n-- \n"
                   "Redacted by Tally: 1 e-mail address, 3 phone numbers.\n");
}

static void
test_text_redact_nothing (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(JsonObject) values = text_value ("text", "Nothing private here, 42 times.\n");
  g_autofree char *redacted = NULL;

  json_object_set_string_member (values, "details", "card-numbers");
  redacted = run_for_output (fixture, "text-redact", values, 5);
  g_assert_cmpstr (redacted, ==,
                   "Nothing private here, 42 times.\n\n-- \nTally found nothing to redact.\n");
}

/* text-summary */

static const char solar_text[] =
  "Solar panels turn sunlight into electricity. My cat likes milk.\n"
  "Solar electricity from panels is cheap.\n\n"
  "Dr. Smith said the weather was nice. Panels on roofs make solar electricity at home.";

static void
test_text_summary (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) values = text_value ("text", solar_text);
  g_autofree char *two = NULL;
  g_autofree char *three = NULL;
  g_autofree char *all = NULL;

  json_object_set_int_member (values, "sentences", 2);
  two = run_for_output (fixture, "text-summary", values, 31);
  g_assert_cmpstr (two, ==,
                   "Solar panels turn sunlight into electricity. "
                   "Solar electricity from panels is cheap.\n");

  json_object_set_int_member (values, "sentences", 3);
  three = run_for_output (fixture, "text-summary", values, 31);
  g_assert_cmpstr (three, ==,
                   "Solar panels turn sunlight into electricity. "
                   "Solar electricity from panels is cheap.\n\n"
                   "Panels on roofs make solar electricity at home.\n");

  /* More than there are: all of them, "Dr." not taken for an end. */
  json_object_set_int_member (values, "sentences", 50);
  all = run_for_output (fixture, "text-summary", values, 31);
  g_assert_cmpstr (all, ==,
                   "Solar panels turn sunlight into electricity. My cat likes milk. "
                   "Solar electricity from panels is cheap.\n\n"
                   "Dr. Smith said the weather was nice. "
                   "Panels on roofs make solar electricity at home.\n");

  json_object_set_int_member (values, "sentences", 51);
  check_fails (fixture, "text-summary", values, TALLY_BUILTIN_ERROR,
               TALLY_BUILTIN_ERROR_INVALID_VALUE, "sentences");
}

/* Five sentences by default. */
static void
test_text_summary_default (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonObject) values = NULL;
  g_autofree char *summary = NULL;
  guint stops = 0;

  for (guint i = 0; i < 12; i++)
    g_string_append_printf (text, "Sentence number %u talks about topic %u. ", i, i % 3);

  values = text_value ("text", text->str);
  summary = run_for_output (fixture, "text-summary", values, 12 * 7);
  for (const char *p = summary; *p != '\0'; p++)
    stops += *p == '.';
  g_assert_cmpuint (stops, ==, 5);
}

/* Progress */

static void
check_progress (double   fraction,
                gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

static void
check_progress_of (Fixture    *fixture,
                   const char *name,
                   JsonObject *values)
{
  g_autofree char *output = g_build_filename (fixture->dir, "progress-output", NULL);
  g_autoptr(GError) error = NULL;
  double last = 0;
  gint64 units;

  g_assert_true (tally_builtin_run (tally_builtin_lookup (name), values, output, NULL,
                                    check_progress, &last, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  g_unlink (output);
}

/* Progress only moves forward, and ends at 1. */
static void
test_progress (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GString) original = g_string_new (NULL);
  g_autoptr(GString) revised = g_string_new (NULL);
  g_autofree char *csv = write_file (fixture, "data.csv", messy_csv, -1);
  g_autofree char *json = write_file (fixture, "data.json", "[{\"a\": 1}, {\"b\": 2}]", -1);
  g_autoptr(GBytes) packed = gzip_bytes (messy_csv, strlen (messy_csv));
  g_autofree char *gz = write_bytes (fixture, "data.csv.gz", packed);
  g_autoptr(JsonObject) csv_values = files_value ("file", csv, NULL);
  g_autoptr(JsonObject) json_values = files_value ("file", json, NULL);
  g_autoptr(JsonObject) gz_values = files_value ("files", gz, gz, NULL);
  g_autoptr(JsonObject) text_values = text_value ("text", solar_text);
  g_autoptr(JsonObject) compare = NULL;

  for (guint i = 0; i < 5000; i++)
    {
      g_string_append (original, g_test_rand_bit () ? "a\n" : "b\n");
      g_string_append (revised, g_test_rand_bit () ? "a\n" : "b\n");
    }
  compare = compare_values (original->str, revised->str);

  check_progress_of (fixture, "csv-clean", csv_values);
  check_progress_of (fixture, "csv-statistics", csv_values);
  check_progress_of (fixture, "json-to-csv", json_values);
  check_progress_of (fixture, "gzip-decompress", gz_values);
  check_progress_of (fixture, "markdown-to-html", text_values);
  check_progress_of (fixture, "text-redact", text_values);
  check_progress_of (fixture, "text-summary", text_values);
  check_progress_of (fixture, "text-compare", compare);
}

/* Cancellation */

static void
check_cancelled (Fixture    *fixture,
                 const char *name,
                 JsonObject *values)
{
  g_autofree char *output = path_in (fixture, "cancelled-output");

  assert_run_cancelled (name, values, output);
}

/* Cancelled at the first progress report, each tool stops with
 * G_IO_ERROR_CANCELLED and leaves nothing. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *csv = write_file (fixture, "data.csv", messy_csv, -1);
  g_autofree char *json = write_file (fixture, "data.json", "[{\"a\": 1}]", -1);
  g_autoptr(GBytes) packed = gzip_bytes (messy_csv, strlen (messy_csv));
  g_autofree char *gz = write_bytes (fixture, "data.csv.gz", packed);
  g_autoptr(JsonObject) csv_values = files_value ("file", csv, NULL);
  g_autoptr(JsonObject) json_values = files_value ("file", json, NULL);
  g_autoptr(JsonObject) gz_values = files_value ("files", gz, NULL);
  g_autoptr(JsonObject) several_gz_values = files_value ("files", gz, gz, NULL);
  g_autoptr(JsonObject) text_values = text_value ("text", solar_text);
  g_autoptr(JsonObject) compare = compare_values (solar_text, "Something else\nentirely\n");

  check_cancelled (fixture, "csv-clean", csv_values);
  check_cancelled (fixture, "csv-statistics", csv_values);
  check_cancelled (fixture, "json-to-csv", json_values);
  check_cancelled (fixture, "gzip-decompress", gz_values);
  check_cancelled (fixture, "gzip-decompress", several_gz_values);
  check_cancelled (fixture, "markdown-to-html", text_values);
  check_cancelled (fixture, "text-redact", text_values);
  check_cancelled (fixture, "text-summary", text_values);
  check_cancelled (fixture, "text-compare", compare);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tools-text/lookup", test_lookup);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/tools-text/csv-clean", test_csv_clean);
  ADD ("/tools-text/csv-clean/semicolons", test_csv_clean_semicolons);
  ADD ("/tools-text/csv/malformed", test_csv_malformed);
  ADD ("/tools-text/csv-statistics", test_csv_statistics);
  ADD ("/tools-text/json-to-csv", test_json_to_csv);
  ADD ("/tools-text/json-to-csv/malformed", test_json_to_csv_malformed);
  ADD ("/tools-text/gzip-decompress", test_gzip_decompress);
  ADD ("/tools-text/gzip-decompress/several", test_gzip_decompress_several);
  ADD ("/tools-text/gzip-decompress/malformed", test_gzip_malformed);
  ADD ("/tools-text/gzip-decompress/bomb", test_gzip_bomb);
  ADD ("/tools-text/markdown-to-html", test_markdown_to_html);
  ADD ("/tools-text/markdown-to-html/title", test_markdown_title);
  ADD ("/tools-text/text-compare", test_text_compare);
  ADD ("/tools-text/text-compare/hunks", test_text_compare_hunks);
  ADD ("/tools-text/text-compare/random", test_text_compare_random);
  ADD ("/tools-text/text-compare/large", test_text_compare_large);
  ADD ("/tools-text/text-compare/expensive", test_text_compare_expensive);
  ADD ("/tools-text/text-redact", test_text_redact);
  ADD ("/tools-text/text-redact/formats", test_text_redact_formats);
  ADD ("/tools-text/text-redact/nothing", test_text_redact_nothing);
  ADD ("/tools-text/text-summary", test_text_summary);
  ADD ("/tools-text/text-summary/default", test_text_summary_default);
  ADD ("/tools-text/progress", test_progress);
  ADD ("/tools-text/cancel", test_cancel);
#undef ADD

  return g_test_run ();
}
