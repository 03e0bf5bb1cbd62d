/* test-tools-media.c: spelling, PDFs, QR codes, audio and command tools
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <poppler.h>
#include <qrencode.h>
#include <sndfile.h>
#include <string.h>

#include "tally-builtin.h"
#include "tally-command.h"
#include "tally-tool.h"

#include "tally-tools-test.h"

#define RATE 44100

/* Poppler has no g_autoptr() of its own before 23.x. */
typedef PopplerDocument TestPdf;
typedef PopplerPage TestPdfPage;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestPdf, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestPdfPage, g_object_unref)

/* Spell check */

static void
test_spell_check (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *text = "I will recieve the parcel tomorow.\n"
                     "Don't worry: it's in the  van, model A4 of 2026.\n"
                     "We recieve “quoted” words and l’eau too.\n";
  g_autofree char *output = path_in (fixture, "report.txt");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  gint64 units = -1;

  json_object_set_string_member (values, "text", text);
  g_assert_true (run_tool ("spell-check", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, tally_tool_count_words (text));
  g_assert_cmpint (units, ==, 23);

  report = read_file (output, NULL);
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "Language: en_US\n"));
  g_assert_nonnull (strstr (report, "Misspelt words: 3\n"));
  g_assert_nonnull (strstr (report, "recieve: line 1, 2 times\n  Suggestions: "));
  g_assert_nonnull (strstr (report, "receive"));
  g_assert_nonnull (strstr (report, "tomorow: line 1, 1 time\n"));
  g_assert_nonnull (strstr (report, "eau: line 3, 1 time\n"));
  /* Apostrophes inside words, quotes round them, codes and numbers. */
  g_assert_null (strstr (report, "Don"));
  g_assert_null (strstr (report, "quoted"));
  g_assert_null (strstr (report, "A4"));

  /* Another language. */
  json_object_set_string_member (values, "text", "Das Haus ist groß und scheen.");
  json_object_set_string_member (values, "language", "de_DE");
  g_assert_true (run_tool ("spell-check", values, output, NULL, &units, &error));
  g_clear_pointer (&report, g_free);
  report = read_file (output, NULL);
  g_assert_nonnull (strstr (report, "Misspelt words: 1\n"));
  g_assert_nonnull (strstr (report, "scheen: line 1, 1 time\n"));
  g_assert_cmpint (units, ==, 6);
}

static void
test_spell_check_errors (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *output = path_in (fixture, "report.txt");
  g_autoptr(JsonObject) values = json_object_new ();

  assert_run_fails ("spell-check", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "no text");

  json_object_set_string_member (values, "text", "Some text");
  json_object_set_string_member (values, "language", "xx_XX");
  assert_run_fails ("spell-check", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "xx_XX");
}

/* Text to PDF */

static char *
many_words (guint n)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (text, "word%u", i);
      g_string_append_c (text, i % 12 == 11 ? '\n' : ' ');
      if (i % 120 == 119)
        g_string_append_c (text, '\n');
    }

  return g_string_free (text, FALSE);
}

static void
assert_page_size (PopplerDocument *document,
                  double           width,
                  double           height)
{
  g_autoptr(TestPdfPage) page = poppler_document_get_page (document, 0);
  double w, h;

  poppler_page_get_size (page, &w, &h);
  g_assert_cmpfloat_with_epsilon (w, width, 0.5);
  g_assert_cmpfloat_with_epsilon (h, height, 0.5);
}

static int
pages_for (Fixture    *fixture,
           const char *text,
           gint64      font_size,
           const char *page_size)
{
  g_autofree char *output = path_in (fixture, "text.pdf");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPdf) document = NULL;
  gint64 units = -1;

  json_object_set_string_member (values, "text", text);
  json_object_set_int_member (values, "font-size", font_size);
  json_object_set_string_member (values, "page-size", page_size);
  g_assert_true (run_tool ("text-to-pdf", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, tally_tool_count_words (text));

  document = open_pdf (output);
  if (g_str_equal (page_size, "letter"))
    assert_page_size (document, 612, 792);
  else
    assert_page_size (document, 595.3, 841.9);
  return poppler_document_get_n_pages (document);
}

static void
test_text_to_pdf (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *text = many_words (3000);
  g_autofree char *output = path_in (fixture, "text.pdf");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPdf) document = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autoptr(GString) all = g_string_new (NULL);
  gint64 units = -1;
  int small, large;

  /* Defaults: A4, 11 pt; every word is there, in order, over pages. */
  json_object_set_string_member (values, "text", text);
  g_assert_true (run_tool ("text-to-pdf", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 3000);

  document = open_pdf (output);
  assert_page_size (document, 595.3, 841.9);
  g_assert_cmpint (poppler_document_get_n_pages (document), >, 1);
  first = page_text (document, 0);
  last = page_text (document, poppler_document_get_n_pages (document) - 1);
  g_assert_true (g_str_has_prefix (first, "word0 word1 word2"));
  g_assert_nonnull (strstr (last, "word2999"));
  for (int i = 0; i < poppler_document_get_n_pages (document); i++)
    {
      g_autofree char *page = page_text (document, i);

      g_string_append_printf (all, "%s\n", page);
    }
  for (guint i = 0; i < 3000; i += 97)
    {
      g_autofree char *word = g_strdup_printf ("word%u\n", i);
      g_autofree char *spaced = g_strdup_printf ("word%u ", i);

      g_assert_true (strstr (all->str, word) != NULL || strstr (all->str, spaced) != NULL);
    }

  /* A larger font takes more pages; letter paper its own size. */
  small = pages_for (fixture, text, 8, "a4");
  large = pages_for (fixture, text, 24, "letter");
  g_assert_cmpint (large, >, small * 3);

  /* A line too long for the page wraps rather than running off it. */
  {
    g_autoptr(GString) line = g_string_new (NULL);
    g_autoptr(TestPdf) wrapped = NULL;
    g_autofree char *page_words = NULL;
    g_auto(GStrv) lines = NULL;

    for (guint i = 0; i < 200; i++)
      g_string_append (line, "wrap ");
    json_object_set_string_member (values, "text", line->str);
    g_assert_true (run_tool ("text-to-pdf", values, output, NULL, &units, &error));
    wrapped = open_pdf (output);
    page_words = page_text (wrapped, 0);
    g_assert_cmpint (tally_tool_count_words (page_words), ==, 200);
    lines = g_strsplit (page_words, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), >=, 5);
  }
}

static void
test_text_to_pdf_errors (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *output = path_in (fixture, "text.pdf");
  g_autoptr(JsonObject) values = json_object_new ();

  json_object_set_string_member (values, "text", "");
  assert_run_fails ("text-to-pdf", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "no text");

  json_object_set_string_member (values, "text", "Hello");
  json_object_set_int_member (values, "font-size", 5);
  assert_run_fails ("text-to-pdf", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "font-size");

  json_object_set_int_member (values, "font-size", 12);
  json_object_set_string_member (values, "page-size", "a3");
  assert_run_fails ("text-to-pdf", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "a3");
}

/* QR codes */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)

static gboolean
pixel_is_dark (GdkPixbuf *pixbuf,
               int        x,
               int        y)
{
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  const guint8 *pixel = pixels + y * gdk_pixbuf_get_rowstride (pixbuf) +
                        x * gdk_pixbuf_get_n_channels (pixbuf);

  return pixel[0] < 128;
}

/* Every module of the image is the one libqrencode gives for the same
 * text, and the quiet zone round it is light. */
static void
assert_png_matches (const char   *path,
                    const QRcode *code,
                    int           size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);
  int module, offset;

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, size);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, size);

  module = size / (code->width + 8);
  offset = (size - code->width * module) / 2;
  g_assert_cmpint (offset, >=, 4 * module);

  for (int y = 0; y < code->width; y++)
    {
      for (int x = 0; x < code->width; x++)
        {
          int px = offset + x * module + module / 2;
          int py = offset + y * module + module / 2;

          g_assert_cmpint (pixel_is_dark (pixbuf, px, py), ==, code->data[y * code->width + x] & 1);
        }
    }

  for (int i = 0; i < offset; i++)
    {
      g_assert_false (pixel_is_dark (pixbuf, i, size / 2));
      g_assert_false (pixel_is_dark (pixbuf, size / 2, i));
      g_assert_false (pixel_is_dark (pixbuf, size - 1 - i, size / 2));
      g_assert_false (pixel_is_dark (pixbuf, size / 2, size - 1 - i));
    }
}

static void
test_qr_code_png (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *text = "https://tally.invalid/runs?id=42&from=qr";
  g_autofree char *output = path_in (fixture, "code.png");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QRcode) medium = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  g_autoptr(QRcode) high = QRcode_encodeString (text, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
  gint64 units = -1;

  json_object_set_string_member (values, "text", text);
  g_assert_true (run_tool ("qr-code", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);
  assert_png_matches (output, medium, 512);

  json_object_set_int_member (values, "size", 300);
  json_object_set_string_member (values, "error-correction", "high");
  g_assert_true (run_tool ("qr-code", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (high->width, >, medium->width);
  assert_png_matches (output, high, 300);
}

static void
test_qr_code_svg (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *text = "Hello, QR";
  g_autofree char *output = path_in (fixture, "code.svg");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QRcode) code = QRcode_encodeString (text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
  g_autofree char *svg = NULL;
  g_autofree char *view_box = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  guint dark = 0;
  guint drawn = 0;
  gint64 units = -1;

  json_object_set_string_member (values, "text", text);
  json_object_set_string_member (values, "format", "svg");
  json_object_set_string_member (values, "error-correction", "low");
  json_object_set_int_member (values, "size", 200);
  g_assert_cmpstr (tally_builtin_get_output_suffix (tally_builtin_lookup ("qr-code")), ==,
                   ".png");
  {
    g_autofree char *named = tally_builtin_make_output_path (tally_builtin_lookup ("qr-code"),
                                                             fixture->dir, NULL, values);

    g_assert_true (g_str_has_suffix (named, "/qr-code.svg"));
  }

  g_assert_true (run_tool ("qr-code", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 1);

  svg = read_file (output, NULL);
  view_box = g_strdup_printf ("viewBox=\"0 0 %d %d\"", code->width + 8, code->width + 8);
  g_assert_nonnull (strstr (svg, view_box));
  g_assert_nonnull (strstr (svg, "width=\"200\" height=\"200\""));
  for (int i = 0; i < code->width * code->width; i++)
    dark += code->data[i] & 1;
  for (const char *p = svg; (p = strstr (p, "h1v1h-1z")) != NULL; p++)
    drawn++;
  g_assert_cmpuint (drawn, ==, dark);

  /* A real SVG, that an image loader draws at the size asked. */
  pixbuf = gdk_pixbuf_new_from_file (output, &error);
  if (error != NULL && g_error_matches (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE))
    g_test_message ("No SVG loader for gdk-pixbuf here");
  else
    {
      g_assert_no_error (error);
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 200);
    }
}

static void
test_qr_code_errors (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *output = path_in (fixture, "code.png");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GString) long_text = g_string_new (NULL);

  assert_run_fails ("qr-code", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "no text");

  /* 700 characters of high error correction do not fit in 64 pixels. */
  for (guint i = 0; i < 700; i++)
    g_string_append_c (long_text, 'a' + i % 26);
  json_object_set_string_member (values, "text", long_text->str);
  json_object_set_string_member (values, "error-correction", "high");
  json_object_set_int_member (values, "size", 64);
  assert_run_fails ("qr-code", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "larger size");

  json_object_set_int_member (values, "size", 10000);
  assert_run_fails ("qr-code", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "size");

  json_object_set_int_member (values, "size", 512);
  json_object_set_string_member (values, "error-correction", "extreme");
  assert_run_fails ("qr-code", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "extreme");
}

/* Audio */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SNDFILE, sf_close)

/* A 440 Hz tone at @amplitude of full scale, with the second channel at
 * half of it, for @frames frames. */
static char *
write_tone (Fixture    *fixture,
            const char *name,
            int         format,
            sf_count_t  frames,
            double      amplitude)
{
  char *path = path_in (fixture, name);
  SF_INFO info = { .samplerate = RATE, .channels = 2, .format = format };
  g_autoptr(SNDFILE) file = sf_open (path, SFM_WRITE, &info);
  g_autofree double *samples = g_new (double, (gsize) frames * 2);

  g_assert_nonnull (file);
  for (sf_count_t i = 0; i < frames; i++)
    {
      samples[2 * i] = amplitude * sin (2 * G_PI * 440 * (double) i / RATE);
      samples[2 * i + 1] = samples[2 * i] / 2;
    }
  g_assert_cmpint (sf_writef_double (file, samples, frames), ==, frames);
  return path;
}

/* All of a file's samples, interleaved. */
static double *
read_audio (const char *path,
            SF_INFO    *info)
{
  g_autoptr(SNDFILE) file = NULL;
  double *samples;

  memset (info, 0, sizeof *info);
  file = sf_open (path, SFM_READ, info);
  if (file == NULL)
    g_error ("%s: %s", path, sf_strerror (NULL));
  samples = g_new0 (double, (gsize) info->frames * info->channels + 1);
  g_assert_cmpint (sf_readf_double (file, samples, info->frames), ==, info->frames);
  return samples;
}

static double
peak_of (const double *samples,
         gsize         n)
{
  double peak = 0;

  for (gsize i = 0; i < n; i++)
    peak = MAX (peak, fabs (samples[i]));
  return peak;
}

static void
check_conversion (Fixture    *fixture,
                  const char *input,
                  const char *format,
                  int         major_format)
{
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *before = NULL;
  g_autofree double *after = NULL;
  SF_INFO in_info, out_info;
  gint64 units = -1;

  json_object_set_string_member (values, "format", format);
  output = tally_builtin_make_output_path (tally_builtin_lookup ("audio-convert"), fixture->dir,
                                           "tone.wav", values);
  g_assert_true (g_str_has_suffix (output, format));
  g_assert_true (run_tool ("audio-convert", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  /* 2.5 s are charged as 3. */
  g_assert_cmpint (units, ==, 3);

  before = read_audio (input, &in_info);
  after = read_audio (output, &out_info);
  g_assert_cmpint (out_info.format & SF_FORMAT_TYPEMASK, ==, major_format);
  g_assert_cmpint (out_info.samplerate, ==, RATE);
  g_assert_cmpint (out_info.channels, ==, 2);

  if (major_format == SF_FORMAT_MPEG)
    {
      /* MP3 frames pad the start and end a little. */
      g_assert_cmpint (llabs (out_info.frames - in_info.frames), <, RATE / 10);
      g_assert_cmpfloat_with_epsilon (peak_of (after, (gsize) out_info.frames * 2), 0.5, 0.05);
      return;
    }

  g_assert_cmpint (out_info.frames, ==, in_info.frames);
  for (sf_count_t i = 0; i < in_info.frames * 2; i++)
    {
      /* Lossless formats to the last bit, Vorbis close. */
      double tolerance = major_format == SF_FORMAT_OGG ? 0.05 : 1.0 / 32768;

      if (fabs (after[i] - before[i]) > tolerance)
        g_error ("%s: sample %" G_GINT64_FORMAT ": %f != %f", format, (gint64) i, after[i],
                 before[i]);
    }
}

static void
test_audio_convert (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *input = write_tone (fixture, "tone.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                       RATE * 5 / 2, 0.5);

  check_conversion (fixture, input, "flac", SF_FORMAT_FLAC);
  check_conversion (fixture, input, "ogg", SF_FORMAT_OGG);
  check_conversion (fixture, input, "mp3", SF_FORMAT_MPEG);
  check_conversion (fixture, input, "wav", SF_FORMAT_WAV);
}

static void
test_audio_trim (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *input = write_tone (fixture, "long.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
                                       RATE * 10, 0.5);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *whole = NULL;
  g_autofree double *part = NULL;
  SF_INFO whole_info, part_info;
  gint64 units = -1;

  output = tally_builtin_make_output_path (tally_builtin_lookup ("audio-trim"), fixture->dir,
                                           "long.flac", values);
  g_assert_true (g_str_has_suffix (output, "/long.trimmed.flac"));

  json_object_set_int_member (values, "start", 2);
  json_object_set_int_member (values, "end", 5);
  g_assert_true (run_tool ("audio-trim", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 10);

  whole = read_audio (input, &whole_info);
  part = read_audio (output, &part_info);
  g_assert_cmpint (part_info.format & SF_FORMAT_TYPEMASK, ==, SF_FORMAT_FLAC);
  g_assert_cmpint (part_info.frames, ==, 3 * RATE);
  g_assert_cmpmem (part, sizeof (double) * 6 * RATE, whole + 2 * 2 * RATE,
                   sizeof (double) * 6 * RATE);

  /* No end, or one past the end: to the end. */
  json_object_remove_member (values, "end");
  json_object_set_int_member (values, "start", 8);
  g_assert_true (run_tool ("audio-trim", values, output, NULL, &units, &error));
  g_clear_pointer (&part, g_free);
  part = read_audio (output, &part_info);
  g_assert_cmpint (part_info.frames, ==, 2 * RATE);
  json_object_set_int_member (values, "end", 600);
  g_assert_true (run_tool ("audio-trim", values, output, NULL, &units, &error));
  g_clear_pointer (&part, g_free);
  part = read_audio (output, &part_info);
  g_assert_cmpint (part_info.frames, ==, 2 * RATE);
  g_unlink (output);

  json_object_set_int_member (values, "end", 8);
  assert_run_fails ("audio-trim", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "after the start");
  json_object_set_int_member (values, "start", 10);
  json_object_set_int_member (values, "end", 12);
  assert_run_fails ("audio-trim", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "past the end");
}

static void
test_audio_normalize (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *input = write_tone (fixture, "quiet.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                                       RATE * 3 / 2, 0.25);
  g_autofree char *silent = write_tone (fixture, "silent.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                        RATE, 0);
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(JsonObject) silent_values = files_value ("file", silent, NULL);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *samples = NULL;
  g_autofree double *original = NULL;
  SF_INFO info, original_info;
  gint64 units = -1;

  output = tally_builtin_make_output_path (tally_builtin_lookup ("audio-normalize"),
                                           fixture->dir, "quiet.wav", values);
  g_assert_true (g_str_has_suffix (output, "/quiet.normalized.wav"));

  /* Default -1 dBFS: the peak goes up, the shape stays. */
  g_assert_true (run_tool ("audio-normalize", values, output, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 2);
  samples = read_audio (output, &info);
  original = read_audio (input, &original_info);
  g_assert_cmpint (info.format, ==, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
  g_assert_cmpint (info.frames, ==, original_info.frames);
  g_assert_cmpfloat_with_epsilon (peak_of (samples, (gsize) info.frames * 2),
                                  pow (10, -1 / 20.0), 1e-5);
  g_assert_cmpfloat_with_epsilon (samples[201] / original[201], pow (10, -1 / 20.0) / 0.25,
                                  1e-3);

  /* Down to -12 dBFS. */
  json_object_set_int_member (values, "peak", -12);
  g_assert_true (run_tool ("audio-normalize", values, output, NULL, &units, &error));
  g_clear_pointer (&samples, g_free);
  samples = read_audio (output, &info);
  g_assert_cmpfloat_with_epsilon (peak_of (samples, (gsize) info.frames * 2),
                                  pow (10, -12 / 20.0), 1e-5);
  g_unlink (output);

  json_object_set_int_member (values, "peak", 3);
  assert_run_fails ("audio-normalize", values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_VALUE, "peak");
  assert_run_fails ("audio-normalize", silent_values, output, TALLY_BUILTIN_ERROR,
                    TALLY_BUILTIN_ERROR_INVALID_INPUT, "silent.wav");
}

/* Not audio: an error that names the file, for each audio tool. */
static void
test_audio_malformed (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char * const tools[] = { "audio-convert", "audio-trim", "audio-normalize" };
  g_autofree char *input = write_file (fixture, "notes.wav", "RIFF but not really a wave file",
                                       -1);
  g_autofree char *output = path_in (fixture, "out.flac");
  g_autofree char *missing = path_in (fixture, "missing.wav");
  g_autoptr(JsonObject) values = files_value ("file", input, NULL);
  g_autoptr(JsonObject) missing_values = files_value ("file", missing, NULL);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      assert_run_fails (tools[i], values, output, TALLY_BUILTIN_ERROR,
                        TALLY_BUILTIN_ERROR_INVALID_INPUT, "notes.wav");
      assert_run_fails (tools[i], missing_values, output, TALLY_BUILTIN_ERROR,
                        TALLY_BUILTIN_ERROR_INVALID_INPUT, "missing.wav");
    }
  g_assert_cmpint (tally_builtin_measure_files ("seconds", (const char * const []) { input, NULL },
                                                NULL, &error), ==, -1);
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "notes.wav"));
}

static gint64
seconds_of (const char *path)
{
  g_autoptr(GError) error = NULL;
  gint64 seconds = tally_builtin_measure_files ("seconds", (const char * const []) { path, NULL },
                                                NULL, &error);

  g_assert_no_error (error);
  return seconds;
}

/* What the app measures before a run is what the run charges. */
static void
test_audio_seconds (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *exact = write_tone (fixture, "exact.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                       RATE * 2, 0.5);
  g_autofree char *over = write_tone (fixture, "over.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS,
                                      RATE * 2 + 1, 0.5);
  g_autofree char *short_one = write_tone (fixture, "short.flac",
                                           SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 10, 0.5);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (seconds_of (exact), ==, 2);
  g_assert_cmpint (seconds_of (over), ==, 3);
  g_assert_cmpint (seconds_of (short_one), ==, 1);
  /* Several recordings add up. */
  g_assert_cmpint (tally_builtin_measure_files ("seconds",
                                                (const char * const []) { exact, over, NULL },
                                                NULL, &error), ==, 5);
  g_assert_no_error (error);
}

/* Cancelled */

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *audio = write_tone (fixture, "long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                       RATE * 20, 0.5);
  g_autofree char *text = many_words (20000);
  g_autofree char *output = path_in (fixture, "out");
  g_autoptr(JsonObject) audio_values = files_value ("file", audio, NULL);
  g_autoptr(JsonObject) text_values = json_object_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 units = -1;

  assert_run_cancelled ("audio-convert", audio_values, output);
  assert_run_cancelled ("audio-normalize", audio_values, output);
  json_object_set_int_member (audio_values, "start", 1);
  assert_run_cancelled ("audio-trim", audio_values, output);

  json_object_set_string_member (text_values, "text", text);
  assert_run_cancelled ("text-to-pdf", text_values, output);
  assert_run_cancelled ("spell-check", text_values, output);

  /* One code is one piece of work: cancelled before it starts. */
  g_cancellable_cancel (cancelled);
  g_assert_false (tally_builtin_run (tally_builtin_lookup ("qr-code"), text_values, output,
                                     cancelled, NULL, NULL, &units, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

/* Command tools */

/* A tool that runs @command_json, priced in @unit as @meter_json says. */
static TallyTool *
command_tool_metered (const char *command_json,
                      const char *unit,
                      const char *meter_json)
{
  g_autofree char *json = g_strdup_printf (
    "{\"id\": \"cmd\", \"name\": \"Command\", \"category\": \"text\","
    " \"description\": \"A command for tests.\", \"unit\": \"%s\","
    " \"unit_singular\": \"unit\","
    " \"inputs\": ["
    "   {\"id\": \"text\", \"label\": \"Text\", \"type\": \"text\", \"required\": true,"
    "    \"min\": 1, \"max\": 1000},"
    "   {\"id\": \"mode\", \"label\": \"Mode\", \"type\": \"choice\","
    "    \"choices\": [\"fast\", \"slow\"], \"default\": \"fast\"},"
    "   {\"id\": \"count\", \"label\": \"Count\", \"type\": \"number\", \"min\": 1, \"max\": 10,"
    "    \"default\": \"3\"},"
    "   {\"id\": \"files\", \"label\": \"Files\", \"type\": \"file\", \"multiple\": true,"
    "    \"required\": true, \"accept\": [\"text/plain\"]}"
    " ],"
    " \"meter\": %s,"
    " \"pricing\": {\"base\": 1, \"rate\": 1, \"per\": 100, \"minimum\": 1, \"min_units\": 1,"
    "             \"max_units\": 1000, \"typical_units\": 10},"
    " \"run\": {\"command\": %s, \"output_suffix\": \".txt\"}}",
    unit, meter_json, command_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  TallyTool *tool;

  g_assert_no_error (error);
  tool = tally_tool_new_from_json (node, &error);
  g_assert_no_error (error);
  return tool;
}

/* Metered by the characters of "text". */
static TallyTool *
command_tool (const char *command_json)
{
  return command_tool_metered (command_json, "characters",
                               "{\"measure\": \"characters\", \"input\": \"text\"}");
}

static void
test_command_argv (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TallyTool) tool = command_tool ("[\"prog\", \"-m\", \"{mode}\", \"-n\", \"{count}\","
                                            " \"-o\", \"{output}\", \"--\", \"{text}\","
                                            " \"{files}\"]");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(JsonArray) files = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) with_files = NULL;
  g_autofree char *path = NULL;
  gint64 units = -1;

  /* A value is one element whatever it holds: no shell, no splitting;
   * absent values take their defaults. */
  json_object_set_string_member (values, "text", "-rf / ; echo $HOME `id`");
  json_array_add_string_element (files, "/a b.txt");
  json_object_set_array_member (values, "files", json_array_ref (files));
  argv = tally_command_build_argv (tool, values, "/tmp/out put.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, ((const char * const []) {
                      "prog", "-m", "fast", "-n", "3", "-o", "/tmp/out put.txt", "--",
                      "-rf / ; echo $HOME `id`", "/a b.txt", NULL }));

  /* Numbers as decimals; several files as one element each. */
  json_object_set_int_member (values, "count", 7);
  json_object_set_string_member (values, "mode", "slow");
  json_array_add_string_element (files, "/c.txt");
  with_files = tally_command_build_argv (tool, values, "/o", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (with_files, ((const char * const []) {
                      "prog", "-m", "slow", "-n", "7", "-o", "/o", "--",
                      "-rf / ; echo $HOME `id`", "/a b.txt", "/c.txt", NULL }));

  /* Measured as the estimate measures: characters, not bytes. */
  json_object_set_string_member (values, "text", "déjà vu");
  g_assert_true (tally_command_measure (tool, values, NULL, &units, &error));
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 7);

  /* Metered files: measured as the app measures them before the run. */
  {
    g_autoptr(TallyTool) by_size = command_tool_metered (
      "[\"prog\", \"{files}\"]", "MB", "{\"measure\": \"value\", \"input\": \"files\"}");
    g_autofree char *zeros = g_malloc0 (1500000);
    g_autofree char *big = write_file (fixture, "big.bin", zeros, 1500000);
    g_autoptr(JsonObject) sized = json_object_new ();
    JsonArray *paths = json_array_new ();

    json_array_add_string_element (paths, big);
    json_array_add_string_element (paths, big);
    json_object_set_array_member (sized, "files", paths);
    json_object_set_string_member (sized, "text", "x");
    g_assert_true (tally_command_measure (by_size, sized, NULL, &units, &error));
    g_assert_no_error (error);
    g_assert_cmpint (units, ==, 3);
  }

  /* Values the tool does not allow are refused before anything runs. */
  json_object_set_int_member (values, "count", 11);
  g_assert_false (tally_command_measure (tool, values, NULL, &units, &error));
  g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
  g_clear_error (&error);

  /* A required value missing. */
  json_object_remove_member (values, "text");
  g_assert_null (tally_command_build_argv (tool, values, "/o", &error));
  g_assert_error (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_TEMPLATE);
  g_assert_nonnull (strstr (error->message, "text"));

  path = tally_command_make_output_path (tool, fixture->dir, "notes.md");
  g_assert_true (g_str_has_suffix (path, "/notes.txt"));
  g_clear_pointer (&path, g_free);
  path = tally_command_make_output_path (tool, fixture->dir, NULL);
  g_assert_true (g_str_has_suffix (path, "/cmd.txt"));
}

/* Every input command_tool() requires. */
static void
set_command_values (JsonObject *values)
{
  JsonArray *files = json_array_new ();

  json_array_add_string_element (files, "/dev/null");
  json_object_set_string_member (values, "text", "anything");
  json_object_set_array_member (values, "files", files);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  gint64    units;
  GError   *error;
} CommandRun;

static void
command_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CommandRun *run = user_data;

  run->ok = tally_command_run_finish (result, &run->units, &run->error);
  run->done = TRUE;
}

static void
run_command (TallyTool    *tool,
             JsonObject   *values,
             const char   *output,
             GCancellable *cancellable,
             CommandRun   *run)
{
  tally_command_run_async (tool, values, output, cancellable, command_done, run);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
}

static TallyTool *
registry_tool (const char *id)
{
  g_autofree char *name = g_strdup_printf ("%s.json", id);
  g_autofree char *path = g_build_filename (g_getenv ("TALLY_TOOLS_DIR"), name, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  TallyTool *tool;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  tool = tally_tool_new_from_json (json_parser_get_root (parser), &error);
  g_assert_no_error (error);
  return tool;
}

/* espeak-ng for real: a WAV with speech in it. */
static void
test_command_text_to_speech (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *text = "Hello from Tally. Ça marche.";
  g_autoptr(TallyTool) tool = registry_tool ("text-to-speech");
  g_autofree char *output = tally_command_make_output_path (tool, fixture->dir, NULL);
  g_autoptr(JsonObject) values = json_object_new ();
  g_autofree double *samples = NULL;
  CommandRun run = { 0 };
  SF_INFO info;

  g_assert_true (g_str_has_suffix (output, "/text-to-speech.wav"));
  json_object_set_string_member (values, "text", text);
  json_object_set_int_member (values, "speed", 200);
  run_command (tool, values, output, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpint (run.units, ==, g_utf8_strlen (text, -1));

  samples = read_audio (output, &info);
  g_assert_cmpint (info.format & SF_FORMAT_TYPEMASK, ==, SF_FORMAT_WAV);
  g_assert_cmpint (info.frames, >, info.samplerate / 2);
  g_assert_cmpfloat (peak_of (samples, (gsize) (info.frames * info.channels)), >, 0.05);
}

static void
test_command_fails (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct {
    const char *command;
    const char *message;
  } cases[] = {
    { "[\"false\", \"{output}\"]", "“false” failed (exit status 1)" },
    { "[\"sh\", \"-c\", \"echo one >&2; echo two >&2; echo three >&2; echo the end >&2;"
      " exit 3\"]", "“sh” failed (exit status 3): two / three / the end" },
    { "[\"true\", \"{output}\"]", "“true” finished without writing its result" },
    { "[\"no-such-program-for-tally\", \"{output}\"]",
      "“no-such-program-for-tally” could not be started" },
  };
  g_autofree char *output = path_in (fixture, "out.txt");
  g_autoptr(JsonObject) values = json_object_new ();

  set_command_values (values);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TallyTool) tool = command_tool (cases[i].command);
      CommandRun run = { 0 };

      run_command (tool, values, output, NULL, &run);
      g_assert_false (run.ok);
      g_assert_error (run.error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_FAILED);
      if (!g_str_has_prefix (run.error->message, cases[i].message))
        g_error ("expected “%s”, got “%s”", cases[i].message, run.error->message);
      g_assert_cmpint (run.units, ==, 0);
      g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
      g_clear_error (&run.error);
    }

  /* What a failing program half wrote is removed. */
  {
    g_autoptr(TallyTool) tool = command_tool ("[\"sh\", \"-c\", \"echo partial > \\\"$0\\\";"
                                              " exit 2\", \"{output}\"]");
    CommandRun run = { 0 };

    run_command (tool, values, output, NULL, &run);
    g_assert_error (run.error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_FAILED);
    g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
    g_clear_error (&run.error);
  }
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Cancelling kills the program at once. */
static void
test_command_cancel (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TallyTool) tool = command_tool ("[\"sh\", \"-c\", \"echo started > \\\"$0\\\";"
                                            " exec sleep 30\", \"{output}\"]");
  g_autofree char *output = path_in (fixture, "out.txt");
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CommandRun run = { 0 };
  gint64 start = g_get_monotonic_time ();

  set_command_values (values);
  g_timeout_add (300, cancel_later, cancellable);
  run_command (tool, values, output, cancellable, &run);
  g_assert_false (run.ok);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (run.units, ==, 0);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
  g_clear_error (&run.error);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/media/spell-check", test_spell_check);
  ADD ("/media/spell-check/errors", test_spell_check_errors);
  ADD ("/media/text-to-pdf", test_text_to_pdf);
  ADD ("/media/text-to-pdf/errors", test_text_to_pdf_errors);
  ADD ("/media/qr-code/png", test_qr_code_png);
  ADD ("/media/qr-code/svg", test_qr_code_svg);
  ADD ("/media/qr-code/errors", test_qr_code_errors);
  ADD ("/media/audio-convert", test_audio_convert);
  ADD ("/media/audio-trim", test_audio_trim);
  ADD ("/media/audio-normalize", test_audio_normalize);
  ADD ("/media/audio/malformed", test_audio_malformed);
  ADD ("/media/audio/seconds", test_audio_seconds);
  ADD ("/media/cancel", test_cancel);
  ADD ("/command/argv", test_command_argv);
  ADD ("/command/text-to-speech", test_command_text_to_speech);
  ADD ("/command/fails", test_command_fails);
  ADD ("/command/cancel", test_command_cancel);
#undef ADD

  return g_test_run ();
}
