/* test-tools-images.c: the image and PDF tools on real files
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo-pdf.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <poppler.h>
#include <string.h>

#include "tally-builtin-private.h"

#include "tally-tools-test.h"

/* Fixtures, made with the libraries the tools read them with */

typedef struct
{
  guint8 red, green, blue;
} Rgb;

/* Quadrants: red top left, green top right, blue bottom left, white
 * bottom right; so that turns and mirrors show. */
static const Rgb top_left = { 255, 0, 0 };
static const Rgb top_right = { 0, 255, 0 };
static const Rgb bottom_left = { 0, 0, 255 };
static const Rgb bottom_right = { 255, 255, 255 };

static char *
make_image (Fixture    *fixture,
            const char *name,
            const char *format,
            int         width,
            int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const Rgb *colour = y < height / 2 ? (x < width / 2 ? &top_left : &top_right)
                                           : (x < width / 2 ? &bottom_left : &bottom_right);
        guint8 *p = pixels + y * rowstride + x * 3;

        p[0] = colour->red;
        p[1] = colour->green;
        p[2] = colour->blue;
      }

  gdk_pixbuf_save (pixbuf, path, format, &error, NULL);
  g_assert_no_error (error);
  return path;
}

/* @n_pages pages of @width × @height points, each saying "Page n of NAME". */
static char *
make_pdf (Fixture    *fixture,
          const char *name,
          int         n_pages,
          double      width,
          double      height)
{
  char *path = g_build_filename (fixture->dir, name, NULL);
  cairo_surface_t *surface = cairo_pdf_surface_create (path, width, height);
  cairo_t *cr = cairo_create (surface);

  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12);
  for (int p = 1; p <= n_pages; p++)
    {
      g_autofree char *text = g_strdup_printf ("Page %d of %s", p, name);

      cairo_move_to (cr, 20, 40);
      cairo_show_text (cr, text);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return path;
}

/* Running */

/* Runs @name into a fresh output path, named as the app names it. */
static char *
run_to_app_output (Fixture       *fixture,
                   const char    *name,
                   JsonObject    *values,
                   GCancellable  *cancellable,
                   gint64        *units,
                   GError       **error)
{
  const TallyBuiltin *builtin = tally_builtin_lookup (name);
  g_autofree char *output = NULL;

  g_assert_nonnull (builtin);
  output = tally_builtin_make_output_path (builtin, fixture->dir, "input.x", values);
  if (!tally_builtin_run (builtin, values, output, cancellable, NULL, NULL, units, error))
    {
      g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
      return NULL;
    }

  return g_steal_pointer (&output);
}

static gint64
measure (const char *unit,
         GPtrArray  *paths)
{
  g_autoptr(GError) error = NULL;
  gint64 units;

  g_ptr_array_add (paths, NULL);
  units = tally_builtin_measure_files (unit, (const char * const *) paths->pdata, NULL, &error);
  g_ptr_array_remove_index (paths, paths->len - 1);
  g_assert_no_error (error);
  return units;
}

static GPtrArray *
paths_of (JsonObject *values,
          const char *input_id)
{
  JsonArray *array = json_object_get_array_member (values, input_id);
  GPtrArray *paths = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (paths, (gpointer) json_array_get_string_element (array, i));
  return paths;
}

/* Reading results back */

static GdkPixbuf *
load_image (const char *path)
{
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file (path, &error);

  g_assert_no_error (error);
  return pixbuf;
}

static GdkPixbuf *
decode_image (GBytes *bytes)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);

  g_assert_no_error (error);
  return pixbuf;
}

static void
assert_format (const char *path,
               const char *expected)
{
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, NULL, NULL);
  g_autofree char *name = NULL;

  g_assert_nonnull (format);
  name = gdk_pixbuf_format_get_name (format);
  g_assert_cmpstr (name, ==, expected);
}

static void
assert_pixel (GdkPixbuf *pixbuf,
              int        x,
              int        y,
              const Rgb *expected,
              int        tolerance)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
                    x * gdk_pixbuf_get_n_channels (pixbuf);

  g_assert_cmpint (ABS (p[0] - expected->red), <=, tolerance);
  g_assert_cmpint (ABS (p[1] - expected->green), <=, tolerance);
  g_assert_cmpint (ABS (p[2] - expected->blue), <=, tolerance);
}

static PopplerDocument *
open_pdf_bytes (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  PopplerDocument *document = poppler_document_new_from_bytes (bytes, NULL, &error);

  g_assert_no_error (error);
  return document;
}

static void
assert_page_size (PopplerDocument *document,
                  int              index,
                  double           width,
                  double           height)
{
  PopplerPage *page = poppler_document_get_page (document, index);
  double page_width, page_height;

  poppler_page_get_size (page, &page_width, &page_height);
  g_object_unref (page);
  g_assert_cmpfloat_with_epsilon (page_width, width, 0.5);
  g_assert_cmpfloat_with_epsilon (page_height, height, 0.5);
}

/* A tar, read the simple way: the files in order. */

typedef struct
{
  char   *name;
  GBytes *contents;
} TarEntry;

static void
tar_entry_free (TarEntry *entry)
{
  g_free (entry->name);
  g_bytes_unref (entry->contents);
  g_free (entry);
}

static GPtrArray *
read_tar (const char *path)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tar_entry_free);
  gsize length, offset = 0;
  g_autofree char *data = read_file (path, &length);

  g_assert_cmpuint (length % 512, ==, 0);

  while (offset + 512 <= length && data[offset] != '\0')
    {
      const guint8 *header = (const guint8 *) data + offset;
      g_autofree char *size_text = g_strndup ((const char *) header + 124, 12);
      g_autofree char *checksum_text = g_strndup ((const char *) header + 148, 8);
      guint64 size = g_ascii_strtoull (size_text, NULL, 8);
      guint checksum = 0;
      TarEntry *entry;

      for (gsize i = 0; i < 512; i++)
        checksum += i >= 148 && i < 156 ? ' ' : header[i];
      g_assert_cmpuint (checksum, ==, g_ascii_strtoull (checksum_text, NULL, 8));
      g_assert_cmpmem (header + 257, 6, "ustar", 6);
      g_assert_cmpint (header[156], ==, '0');
      g_assert_cmpuint (offset + 512 + size, <=, length);

      entry = g_new0 (TarEntry, 1);
      entry->name = g_strndup ((const char *) header, 100);
      entry->contents = g_bytes_new (data + offset + 512, size);
      g_ptr_array_add (entries, entry);
      offset += 512 + (size + 511) / 512 * 512;
    }

  /* Two zero blocks end it. */
  g_assert_cmpuint (length - offset, >=, 1024);
  return entries;
}

static TarEntry *
tar_entry (GPtrArray *entries,
           guint      index)
{
  return g_ptr_array_index (entries, index);
}

/* Measuring */

static void
test_measure (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *big = make_image (fixture, "big.png", "png", 1000, 1000);
  g_autofree char *small = make_image (fixture, "small.jpg", "jpeg", 10, 10);
  g_autofree char *three = make_pdf (fixture, "three.pdf", 3, 595, 842);
  g_autofree char *two = make_pdf (fixture, "two.pdf", 2, 612, 792);
  g_autofree char *text = write_file (fixture, "notes.txt", "not an image", -1);
  g_autofree char *megabyte = g_strnfill (1000001, 'x');
  g_autofree char *large = write_file (fixture, "large.txt", megabyte, -1);
  const char *one_image[] = { big, NULL };
  const char *images[] = { big, small, NULL };
  const char *pdfs[] = { three, two, NULL };
  const char *not_images[] = { big, text, NULL };
  const char *not_pdfs[] = { three, big, NULL };
  const char *files[] = { text, large, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (tally_builtin_measure_files ("megapixels", one_image, NULL, &error), ==, 1);
  g_assert_cmpint (tally_builtin_measure_files ("megapixels", images, NULL, &error), ==, 2);
  g_assert_cmpint (tally_builtin_measure_files ("images", images, NULL, &error), ==, 2);
  g_assert_cmpint (tally_builtin_measure_files ("pages", pdfs, NULL, &error), ==, 5);
  g_assert_cmpint (tally_builtin_measure_files ("MB", files, NULL, &error), ==, 2);
  g_assert_cmpint (tally_builtin_measure_files ("MB", one_image, NULL, &error), ==, 1);
  g_assert_no_error (error);

  g_assert_cmpint (tally_builtin_measure_files ("megapixels", not_images, NULL, &error), ==, -1);
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "notes.txt"));
  g_clear_error (&error);
  g_assert_cmpint (tally_builtin_measure_files ("images", not_images, NULL, &error), ==, -1);
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpint (tally_builtin_measure_files ("pages", not_pdfs, NULL, &error), ==, -1);
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "big.png"));
  g_clear_error (&error);
  g_assert_cmpint (tally_builtin_measure_files ("furlongs", files, NULL, &error), ==, -1);
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

/* Image tools */

static void
test_image_convert (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *photo = make_image (fixture, "photo.png", "png", 2000, 600);
  g_autoptr(JsonObject) values = files_value ("images", photo, NULL);
  g_autoptr(GPtrArray) paths = paths_of (values, "images");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  gint64 units = -1;

  json_object_set_string_member (values, "format", "jpeg");
  json_object_set_int_member (values, "quality", 95);
  output = run_to_app_output (fixture, "image-convert", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, "/input.jpg"));
  assert_format (output, "jpeg");

  /* 1.2 megapixels, rounded up, as the app measured before the run. */
  g_assert_cmpint (units, ==, 2);
  g_assert_cmpint (units, ==, measure ("megapixels", paths));

  result = load_image (output);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 2000);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 600);
  assert_pixel (result, 100, 100, &top_left, 8);
  assert_pixel (result, 1900, 500, &bottom_right, 8);

  /* Out of its range, the quality stops the run. */
  json_object_set_int_member (values, "quality", 101);
  g_assert_null (run_to_app_output (fixture, "image-convert", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  json_object_set_int_member (values, "quality", 90);
  json_object_set_string_member (values, "format", "gif");
  g_assert_null (run_to_app_output (fixture, "image-convert", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

static void
test_image_convert_several (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *first = make_image (fixture, "first.png", "png", 40, 20);
  g_autofree char *second = make_image (fixture, "second.jpg", "jpeg", 30, 30);
  g_autoptr(JsonObject) values = files_value ("images", first, second, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GdkPixbuf) converted = NULL;
  gint64 units = -1;

  json_object_set_string_member (values, "format", "bmp");
  output = run_to_app_output (fixture, "image-convert", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".tar"));
  g_assert_cmpint (units, ==, 1);

  entries = read_tar (output);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpstr (tar_entry (entries, 0)->name, ==, "first.bmp");
  g_assert_cmpstr (tar_entry (entries, 1)->name, ==, "second.bmp");
  converted = decode_image (tar_entry (entries, 1)->contents);
  g_assert_cmpint (gdk_pixbuf_get_width (converted), ==, 30);
  assert_pixel (converted, 5, 25, &bottom_left, 12);
}

/* Tar names hold 100 bytes: a longer one is cut, whole characters only,
 * keeping its extension. */
static void
test_long_names (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GString) long_name = g_string_new (NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 units = -1;

  for (int i = 0; i < 60; i++)
    g_string_append (long_name, "é");
  g_string_append (long_name, "x.png");
  first = make_image (fixture, long_name->str, "png", 8, 8);
  second = make_image (fixture, "short.png", "png", 8, 8);
  values = files_value ("images", first, first, second, NULL);
  output = run_to_app_output (fixture, "image-rotate", values, NULL, &units, &error);
  g_assert_no_error (error);

  entries = read_tar (output);
  g_assert_cmpuint (entries->len, ==, 3);
  for (guint i = 0; i < 2; i++)
    {
      const char *name = tar_entry (entries, i)->name;

      g_assert_cmpuint (strlen (name), ==, 100);
      g_assert_true (g_utf8_validate (name, -1, NULL));
      g_assert_true (g_str_has_suffix (name, i == 0 ? "éé.png" : "éé (2).png"));
    }
  g_assert_cmpstr (tar_entry (entries, 2)->name, ==, "short.rotated.png");
}

/* A JPEG whose EXIF data says "turn me a quarter clockwise to show me"
 * (orientation 6), as cameras held upright write. */
static char *
make_sideways_jpeg (Fixture    *fixture,
                    const char *name)
{
  static const guint8 exif[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };
  char *path = make_image (fixture, name, "jpeg", 60, 40);
  g_autoptr(GError) error = NULL;
  g_autofree char *jpeg = NULL;
  g_autoptr(GByteArray) tagged = g_byte_array_new ();
  gsize length;

  jpeg = read_file (path, &length);
  /* Right after the start-of-image marker. */
  g_byte_array_append (tagged, (const guint8 *) jpeg, 2);
  g_byte_array_append (tagged, exif, sizeof exif);
  g_byte_array_append (tagged, (const guint8 *) jpeg + 2, length - 2);
  g_file_set_contents (path, (const char *) tagged->data, tagged->len, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_orientation (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *photo = make_sideways_jpeg (fixture, "upright.jpg");
  g_autoptr(JsonObject) values = files_value ("images", photo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(TallyPopplerDocument) document = NULL;
  gsize length;
  gint64 units = -1;

  /* Not turned by the tool, only set upright. */
  json_object_set_string_member (values, "angle", "0");
  output = run_to_app_output (fixture, "image-rotate", values, NULL, &units, &error);
  g_assert_no_error (error);
  result = load_image (output);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 40);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 60);
  assert_pixel (result, 2, 2, &bottom_left, 16);
  assert_pixel (result, 38, 2, &top_left, 16);

  /* In a PDF it stands upright too: a portrait page, the pixels drawn
   * turned rather than the sideways JPEG copied. */
  pdf = run_to_app_output (fixture, "images-to-pdf", values, NULL, &units, &error);
  g_assert_no_error (error);
  document = open_pdf (pdf);
  assert_page_size (document, 0, 595.28, 841.89);
  contents = read_file (pdf, &length);
  g_assert_null (g_strstr_len (contents, length, "/DCTDecode"));
}

static void
test_image_grayscale (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *photo = make_image (fixture, "photo.png", "png", 20, 20);
  g_autoptr(JsonObject) values = files_value ("images", photo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  /* Rec. 709 luma of pure red and pure blue. */
  g_autofree char *twice = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const Rgb red_luma = { 54, 54, 54 };
  const Rgb blue_luma = { 18, 18, 18 };
  gint64 units = -1;

  output = run_to_app_output (fixture, "image-grayscale", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".grayscale.png"));
  g_assert_cmpint (units, ==, 1);

  result = load_image (output);
  assert_pixel (result, 2, 2, &red_luma, 0);
  assert_pixel (result, 2, 18, &blue_luma, 0);
  assert_pixel (result, 18, 18, &bottom_right, 0);

  /* The same name twice in one archive is numbered. */
  json_array_add_string_element (json_object_get_array_member (values, "images"), photo);
  twice = run_to_app_output (fixture, "image-grayscale", values, NULL, &units, &error);
  g_assert_no_error (error);
  entries = read_tar (twice);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpstr (tar_entry (entries, 0)->name, ==, "photo.grayscale.png");
  g_assert_cmpstr (tar_entry (entries, 1)->name, ==, "photo.grayscale (2).png");
}

static void
test_image_resize (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *photo = make_image (fixture, "photo.jpg", "jpeg", 400, 200);
  g_autoptr(JsonObject) values = files_value ("images", photo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *png_output = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  gint64 units = -1;

  json_object_set_int_member (values, "width", 100);
  output = run_to_app_output (fixture, "image-resize", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".resized.jpg"));
  assert_format (output, "jpeg");
  g_assert_cmpint (units, ==, 1);

  result = load_image (output);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 100);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 50);
  assert_pixel (result, 10, 10, &top_left, 16);

  json_object_set_string_member (values, "format", "png");
  json_object_set_int_member (values, "width", 801);
  png_output = run_to_app_output (fixture, "image-resize", values, NULL, &units, &error);
  g_assert_no_error (error);
  assert_format (png_output, "png");
  g_clear_object (&result);
  result = load_image (png_output);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 801);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 401);

  json_object_set_int_member (values, "width", 0);
  g_assert_null (run_to_app_output (fixture, "image-resize", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

static void
test_image_rotate (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *photo = make_image (fixture, "photo.png", "png", 60, 40);
  g_autoptr(JsonObject) values = files_value ("images", photo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *turned = NULL;
  g_autofree char *mirrored = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  gint64 units = -1;

  /* A quarter turn clockwise brings the bottom left to the top left. */
  json_object_set_string_member (values, "angle", "90");
  turned = run_to_app_output (fixture, "image-rotate", values, NULL, &units, &error);
  g_assert_no_error (error);
  result = load_image (turned);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 40);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 60);
  assert_pixel (result, 2, 2, &bottom_left, 0);
  assert_pixel (result, 38, 2, &top_left, 0);
  assert_pixel (result, 2, 58, &bottom_right, 0);

  /* Then mirrored left to right. */
  json_object_set_string_member (values, "flip", "horizontal");
  mirrored = run_to_app_output (fixture, "image-rotate", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  result = load_image (mirrored);
  assert_pixel (result, 2, 2, &top_left, 0);
  assert_pixel (result, 38, 2, &bottom_left, 0);
  g_assert_cmpint (units, ==, 1);

  json_object_set_string_member (values, "angle", "45");
  g_assert_null (run_to_app_output (fixture, "image-rotate", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

static gboolean
pixels_equal (GdkPixbuf *a,
              GdkPixbuf *b,
              int        x,
              int        y)
{
  const guint8 *pa = gdk_pixbuf_read_pixels (a) + y * gdk_pixbuf_get_rowstride (a) +
                     x * gdk_pixbuf_get_n_channels (a);
  const guint8 *pb = gdk_pixbuf_read_pixels (b) + y * gdk_pixbuf_get_rowstride (b) +
                     x * gdk_pixbuf_get_n_channels (b);

  return pa[0] == pb[0] && pa[1] == pb[1] && pa[2] == pb[2];
}

/* How many pixels of the rectangle differ between @a and @b. */
static guint
count_changed (GdkPixbuf *a,
               GdkPixbuf *b,
               int        x0,
               int        y0,
               int        x1,
               int        y1)
{
  guint changed = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      changed += !pixels_equal (a, b, x, y);
  return changed;
}

/* The largest difference of one channel of one pixel. */
static int
largest_change (GdkPixbuf *a,
                GdkPixbuf *b)
{
  int largest = 0;

  for (int y = 0; y < gdk_pixbuf_get_height (a); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (a); x++)
      for (int c = 0; c < 3; c++)
        {
          const guint8 *pa = gdk_pixbuf_read_pixels (a) + y * gdk_pixbuf_get_rowstride (a) +
                             x * gdk_pixbuf_get_n_channels (a);
          const guint8 *pb = gdk_pixbuf_read_pixels (b) + y * gdk_pixbuf_get_rowstride (b) +
                             x * gdk_pixbuf_get_n_channels (b);

          largest = MAX (largest, ABS (pa[c] - pb[c]));
        }
  return largest;
}

static void
test_image_watermark (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *photo = make_image (fixture, "photo.png", "png", 400, 300);
  g_autoptr(JsonObject) values = files_value ("images", photo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GdkPixbuf) original = load_image (photo);
  g_autoptr(GdkPixbuf) result = NULL;
  g_autofree char *faint = NULL;
  g_autoptr(GdkPixbuf) faint_result = NULL;
  gint64 units = -1;

  /* Without its text the run cannot start. */
  g_assert_null (run_to_app_output (fixture, "image-watermark", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  json_object_set_string_member (values, "text", "© Tally");
  json_object_set_string_member (values, "position", "bottom-right");
  json_object_set_int_member (values, "opacity", 100);
  output = run_to_app_output (fixture, "image-watermark", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".watermarked.png"));
  g_assert_cmpint (units, ==, 1);

  /* Written in the bottom right quarter, nowhere else. */
  result = load_image (output);
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 400);
  g_assert_cmpint (count_changed (original, result, 200, 150, 400, 300), >, 100);
  g_assert_cmpint (count_changed (original, result, 0, 0, 400, 150), ==, 0);
  g_assert_cmpint (count_changed (original, result, 0, 0, 200, 300), ==, 0);

  /* Fainter at 10 %: no pixel moves more than a tenth of the way. */
  json_object_set_int_member (values, "opacity", 10);
  faint = run_to_app_output (fixture, "image-watermark", values, NULL, &units, &error);
  g_assert_no_error (error);
  faint_result = load_image (faint);
  g_assert_cmpint (count_changed (original, faint_result, 200, 150, 400, 300), >, 100);
  g_assert_cmpint (largest_change (original, faint_result), <=, 26);
  g_assert_cmpint (largest_change (original, result), >, 200);

  json_object_set_int_member (values, "opacity", 5);
  g_assert_null (run_to_app_output (fixture, "image-watermark", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

static void
test_contact_sheet (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *a = make_image (fixture, "a.png", "png", 200, 100);
  g_autofree char *b = make_image (fixture, "b.jpg", "jpeg", 100, 200);
  g_autofree char *c = make_image (fixture, "c.bmp", "bmp", 64, 64);
  g_autoptr(JsonObject) values = files_value ("images", a, b, c, NULL);
  g_autoptr(GPtrArray) paths = paths_of (values, "images");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *unlabelled = NULL;
  g_autoptr(GdkPixbuf) sheet = NULL;
  const Rgb white = { 255, 255, 255 };
  gint64 units = -1;

  json_object_set_int_member (values, "columns", 2);
  json_object_set_int_member (values, "thumbnail-size", 64);
  output = run_to_app_output (fixture, "contact-sheet", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 3);
  g_assert_cmpint (units, ==, measure ("images", paths));

  /* Two columns and two rows of 64 px thumbnails, 8 px around each and a
   * 12 px line for the name. */
  sheet = load_image (output);
  g_assert_cmpint (gdk_pixbuf_get_width (sheet), ==, 2 * 80);
  g_assert_cmpint (gdk_pixbuf_get_height (sheet), ==, 2 * 92);
  /* The first thumbnail is 64 × 32, centred in its cell. */
  assert_pixel (sheet, 8 + 5, 8 + 16 + 5, &top_left, 8);
  assert_pixel (sheet, 8 + 60, 8 + 16 + 28, &bottom_right, 8);
  assert_pixel (sheet, 8 + 5, 8 + 5, &white, 0);
  /* The third starts the second row. */
  assert_pixel (sheet, 8 + 5, 92 + 8 + 5, &top_left, 8);

  /* Without names, rows are only as high as the thumbnails and padding. */
  json_object_set_string_member (values, "labels", "none");
  unlabelled = run_to_app_output (fixture, "contact-sheet", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_clear_object (&sheet);
  sheet = load_image (unlabelled);
  g_assert_cmpint (gdk_pixbuf_get_height (sheet), ==, 2 * 80);

  json_object_set_int_member (values, "columns", 13);
  g_assert_null (run_to_app_output (fixture, "contact-sheet", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

static void
test_images_to_pdf (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *wide = make_image (fixture, "wide.jpg", "jpeg", 300, 200);
  g_autofree char *tall = make_image (fixture, "tall.png", "png", 100, 200);
  g_autoptr(JsonObject) values = files_value ("images", wide, tall, NULL);
  g_autoptr(GPtrArray) paths = paths_of (values, "images");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *fitted = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(TallyPopplerDocument) document = NULL;
  g_autoptr(TallyPopplerDocument) fitted_document = NULL;
  gint64 units = -1;

  output = run_to_app_output (fixture, "images-to-pdf", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".pdf"));
  g_assert_cmpint (units, ==, 2);
  g_assert_cmpint (units, ==, measure ("images", paths));

  /* The JPEG is in the PDF as it was, not compressed again. */
  contents = read_file (output, &length);
  g_assert_nonnull (g_strstr_len (contents, length, "/DCTDecode"));

  /* A4, turned for the landscape image. */
  document = open_pdf (output);
  g_assert_cmpint (poppler_document_get_n_pages (document), ==, 2);
  assert_page_size (document, 0, 841.89, 595.28);
  assert_page_size (document, 1, 595.28, 841.89);

  /* Pages the size of the image (a pixel is 0.75 pt) and its margins. */
  json_object_set_string_member (values, "page-size", "fit-image");
  json_object_set_int_member (values, "margin", 0);
  fitted = run_to_app_output (fixture, "images-to-pdf", values, NULL, &units, &error);
  g_assert_no_error (error);
  fitted_document = open_pdf (fitted);
  assert_page_size (fitted_document, 0, 225, 150);
  assert_page_size (fitted_document, 1, 75, 150);

  json_object_set_int_member (values, "margin", 51);
  g_assert_null (run_to_app_output (fixture, "images-to-pdf", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

/* PDF tools */

static void
test_pdf_extract_text (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *pdf = make_pdf (fixture, "report.pdf", 3, 595, 842);
  g_autoptr(JsonObject) values = files_value ("file", pdf, NULL);
  g_autoptr(GPtrArray) paths = paths_of (values, "file");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *per_page = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) pages = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 units = -1;

  output = run_to_app_output (fixture, "pdf-extract-text", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".txt"));
  g_assert_cmpint (units, ==, 3);
  g_assert_cmpint (units, ==, measure ("pages", paths));

  text = read_file (output, NULL);
  pages = g_strsplit (text, "\f", -1);
  g_assert_cmpuint (g_strv_length (pages), ==, 3);
  g_assert_nonnull (strstr (pages[0], "Page 1 of report.pdf"));
  g_assert_nonnull (strstr (pages[2], "Page 3 of report.pdf"));

  json_object_set_string_member (values, "output", "file-per-page");
  per_page = run_to_app_output (fixture, "pdf-extract-text", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (per_page, ".tar"));
  entries = read_tar (per_page);
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (tar_entry (entries, 1)->name, ==, "report-page-002.txt");
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (tar_entry (entries, 1)->contents, NULL),
                                  g_bytes_get_size (tar_entry (entries, 1)->contents),
                                  "Page 2 of report.pdf"));
}

static void
test_pdf_merge (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *first = make_pdf (fixture, "first.pdf", 2, 595, 842);
  g_autofree char *second = make_pdf (fixture, "second.pdf", 3, 612, 792);
  g_autoptr(JsonObject) values = files_value ("files", first, second, NULL);
  g_autoptr(GPtrArray) paths = paths_of (values, "files");
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *third_page = NULL;
  g_autoptr(TallyPopplerDocument) document = NULL;
  gint64 units = -1;

  output = run_to_app_output (fixture, "pdf-merge", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 5);
  g_assert_cmpint (units, ==, measure ("pages", paths));

  document = open_pdf (output);
  g_assert_cmpint (poppler_document_get_n_pages (document), ==, 5);
  assert_page_size (document, 1, 595, 842);
  assert_page_size (document, 2, 612, 792);
  third_page = page_text (document, 2);
  g_assert_nonnull (strstr (third_page, "Page 1 of second.pdf"));
}

static int
pages_in (GBytes *pdf)
{
  g_autoptr(TallyPopplerDocument) document = open_pdf_bytes (pdf);

  return poppler_document_get_n_pages (document);
}

static void
test_pdf_split (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *pdf = make_pdf (fixture, "book.pdf", 5, 300, 400);
  g_autoptr(JsonObject) values = files_value ("file", pdf, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *last_text = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(TallyPopplerDocument) last = NULL;
  gint64 units = -1;

  json_object_set_int_member (values, "pages-per-file", 2);
  output = run_to_app_output (fixture, "pdf-split", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".tar"));
  g_assert_cmpint (units, ==, 5);

  entries = read_tar (output);
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (tar_entry (entries, 0)->name, ==, "book-1-2.pdf");
  g_assert_cmpstr (tar_entry (entries, 2)->name, ==, "book-5.pdf");
  g_assert_cmpint (pages_in (tar_entry (entries, 0)->contents), ==, 2);
  g_assert_cmpint (pages_in (tar_entry (entries, 1)->contents), ==, 2);
  last = open_pdf_bytes (tar_entry (entries, 2)->contents);
  g_assert_cmpint (poppler_document_get_n_pages (last), ==, 1);
  assert_page_size (last, 0, 300, 400);
  last_text = page_text (last, 0);
  g_assert_nonnull (strstr (last_text, "Page 5 of book.pdf"));
}

static void
test_pdf_page_numbers (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *pdf = make_pdf (fixture, "letter.pdf", 2, 595, 842);
  g_autoptr(JsonObject) values = files_value ("file", pdf, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(TallyPopplerDocument) document = NULL;
  g_autoptr(TallyPopplerPage) page = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *corner = NULL;
  PopplerRectangle corner_area = { 595 - 100, 0, 595, 60 };
  gint64 units = -1;

  json_object_set_int_member (values, "start", 41);
  json_object_set_string_member (values, "position", "top-right");
  output = run_to_app_output (fixture, "pdf-page-numbers", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (output, ".numbered.pdf"));
  g_assert_cmpint (units, ==, 2);

  document = open_pdf (output);
  g_assert_cmpint (poppler_document_get_n_pages (document), ==, 2);
  first = page_text (document, 0);
  second = page_text (document, 1);
  g_assert_nonnull (strstr (first, "Page 1 of letter.pdf"));
  g_assert_nonnull (strstr (first, "41"));
  g_assert_nonnull (strstr (second, "42"));

  /* Poppler's rectangles count from the top of the page. */
  page = poppler_document_get_page (document, 0);
  corner = poppler_page_get_text_for_area (page, &corner_area);
  g_assert_cmpstr (g_strstrip (corner), ==, "41");
}

static void
test_pdf_to_images (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *pdf = make_pdf (fixture, "slides.pdf", 2, 144, 72);
  g_autoptr(JsonObject) values = files_value ("file", pdf, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *jpeg_output = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) jpeg_entries = NULL;
  g_autoptr(GdkPixbuf) page = NULL;
  g_autoptr(GdkPixbuf) jpeg_page = NULL;
  const Rgb white = { 255, 255, 255 };
  gint64 units = -1;

  json_object_set_int_member (values, "dpi", 144);
  output = run_to_app_output (fixture, "pdf-to-images", values, NULL, &units, &error);
  g_assert_no_error (error);
  g_assert_cmpint (units, ==, 2);

  /* Two inches by one at 144 dpi, on white paper with black text. */
  entries = read_tar (output);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpstr (tar_entry (entries, 0)->name, ==, "slides-page-001.png");
  page = decode_image (tar_entry (entries, 1)->contents);
  g_assert_cmpint (gdk_pixbuf_get_width (page), ==, 288);
  g_assert_cmpint (gdk_pixbuf_get_height (page), ==, 144);
  assert_pixel (page, 280, 140, &white, 0);

  json_object_set_string_member (values, "format", "jpeg");
  json_object_set_int_member (values, "dpi", 36);
  jpeg_output = run_to_app_output (fixture, "pdf-to-images", values, NULL, &units, &error);
  g_assert_no_error (error);
  jpeg_entries = read_tar (jpeg_output);
  g_assert_cmpstr (tar_entry (jpeg_entries, 1)->name, ==, "slides-page-002.jpg");
  jpeg_page = decode_image (tar_entry (jpeg_entries, 0)->contents);
  g_assert_cmpint (gdk_pixbuf_get_width (jpeg_page), ==, 72);
  g_assert_cmpint (gdk_pixbuf_get_height (jpeg_page), ==, 36);

  json_object_set_int_member (values, "dpi", 601);
  g_assert_null (run_to_app_output (fixture, "pdf-to-images", values, NULL, &units, &error));
  g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE);
}

/* Failures */

typedef struct
{
  const char *tool;
  const char *input_id;
  const char *bad_file;
} BadInput;

static void
test_malformed_input (Fixture       *fixture,
                      gconstpointer  data)
{
  static const BadInput cases[] = {
    { "image-convert", "images", "notes.txt" },
    { "image-grayscale", "images", "notes.txt" },
    { "image-resize", "images", "notes.txt" },
    { "image-rotate", "images", "notes.txt" },
    { "contact-sheet", "images", "notes.txt" },
    { "images-to-pdf", "images", "notes.txt" },
    { "pdf-merge", "files", "notes.txt" },
  };
  g_autofree char *good_image = make_image (fixture, "good.png", "png", 10, 10);
  g_autofree char *good_pdf = make_pdf (fixture, "good.pdf", 1, 100, 100);
  g_autofree char *bad = write_file (fixture, "notes.txt", "%PDF-1.4 this is not really one", -1);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *good = g_str_equal (cases[i].input_id, "images") ? good_image : good_pdf;
      /* A good file first: what it made is removed too. */
      g_autoptr(JsonObject) values = files_value (cases[i].input_id, good, bad, NULL);
      g_autoptr(GError) error = NULL;
      gint64 units = -1;

      g_test_message ("%s", cases[i].tool);
      g_assert_null (run_to_app_output (fixture, cases[i].tool, values, NULL, &units, &error));
      g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, cases[i].bad_file));
      g_assert_cmpint (units, ==, 0);
    }
}

/* Only the single-file PDF tools read just their first file; give them the
 * bad one alone. */
static void
test_malformed_single (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char * const tools[] = {
    "pdf-extract-text", "pdf-split", "pdf-page-numbers", "pdf-to-images",
  };
  g_autofree char *bad = write_file (fixture, "broken.pdf", "%PDF-1.4\nnothing else\n", -1);

  for (gsize i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autoptr(JsonObject) values = files_value ("file", bad, NULL);
      g_autoptr(GError) error = NULL;
      gint64 units = -1;

      g_test_message ("%s", tools[i]);
      g_assert_null (run_to_app_output (fixture, tools[i], values, NULL, &units, &error));
      g_assert_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, "broken.pdf"));
    }
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  static const char * const image_tools[] = {
    "image-convert", "image-grayscale", "image-resize", "image-rotate", "contact-sheet",
    "images-to-pdf",
  };
  static const char * const pdf_tools[] = {
    "pdf-extract-text", "pdf-split", "pdf-page-numbers", "pdf-to-images", "pdf-merge",
  };
  g_autofree char *image = make_image (fixture, "photo.png", "png", 50, 50);
  g_autofree char *pdf = make_pdf (fixture, "doc.pdf", 2, 100, 100);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  for (gsize i = 0; i < G_N_ELEMENTS (image_tools) + G_N_ELEMENTS (pdf_tools); i++)
    {
      gboolean is_image = i < G_N_ELEMENTS (image_tools);
      const char *tool = is_image ? image_tools[i] : pdf_tools[i - G_N_ELEMENTS (image_tools)];
      const char *input_id = is_image ? "images" : g_str_equal (tool, "pdf-merge") ? "files"
                                                                                   : "file";
      g_autoptr(JsonObject) values = files_value (input_id, is_image ? image : pdf, NULL);
      g_autoptr(GError) error = NULL;
      gint64 units = -1;

      g_test_message ("%s", tool);
      g_assert_null (run_to_app_output (fixture, tool, values, cancellable, &units, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
}

/* Cancelled after the first page or image: the next piece sees it. */
static void
test_cancel_midway (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char * const tools[] = {
    "pdf-to-images", "pdf-split", "pdf-merge", "pdf-page-numbers", "pdf-extract-text",
    "image-convert", "contact-sheet", "images-to-pdf", "image-watermark",
  };
  g_autofree char *image = make_image (fixture, "photo.png", "png", 50, 50);
  g_autofree char *other = make_image (fixture, "other.png", "png", 50, 50);
  g_autofree char *pdf = make_pdf (fixture, "doc.pdf", 3, 100, 100);

  for (gsize i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      const TallyBuiltin *builtin = tally_builtin_lookup (tools[i]);
      gboolean is_image = !g_str_has_prefix (tools[i], "pdf-");
      g_autoptr(JsonObject) values = is_image ? files_value ("images", image, other, NULL)
                                              : files_value ("file", pdf, NULL);
      g_autofree char *output = NULL;

      g_test_message ("%s", tools[i]);
      if (g_str_equal (tools[i], "pdf-merge"))
        json_object_set_array_member (values, "files",
                                      json_array_ref (json_object_get_array_member (values,
                                                                                    "file")));
      json_object_set_string_member (values, "text", "Tally");
      output = tally_builtin_make_output_path (builtin, fixture->dir, NULL, values);
      assert_run_cancelled (tools[i], values, output);
    }
}

static void
test_output_names (void)
{
  g_autoptr(JsonObject) one = files_value ("images", "/photos/cat.JPG", NULL);
  g_autoptr(JsonObject) two = files_value ("images", "/photos/cat.jpg", "/photos/dog.gif",
                                           NULL);
  g_autoptr(JsonObject) gif = files_value ("images", "/photos/dog.gif", NULL);
  g_autoptr(JsonObject) pdf = files_value ("file", "/docs/report.pdf", NULL);
  struct
  {
    const char *tool;
    JsonObject *values;
    const char *input_name;
    const char *expected;
  } cases[] = {
    { "image-resize", one, "cat.JPG", "/out/cat.resized.jpg" },
    { "image-rotate", one, "cat.JPG", "/out/cat.rotated.jpg" },
    { "image-grayscale", two, "cat.jpg", "/out/cat.tar" },
    { "image-convert", one, "cat.JPG", "/out/cat.png" },
    /* A GIF is read, and written as PNG. */
    { "image-watermark", gif, "dog.gif", "/out/dog.watermarked.png" },
    { "pdf-extract-text", pdf, "report.pdf", "/out/report.txt" },
    { "pdf-split", pdf, "report.pdf", "/out/report.tar" },
    { "pdf-page-numbers", pdf, "report.pdf", "/out/report.numbered.pdf" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const TallyBuiltin *builtin = tally_builtin_lookup (cases[i].tool);
      g_autofree char *path = tally_builtin_make_output_path (builtin, "/out",
                                                              cases[i].input_name,
                                                              cases[i].values);

      g_assert_cmpstr (path, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tools-images/output-names", test_output_names);
#define ADD(path, func) \
  g_test_add ("/tools-images/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("measure", test_measure);
  ADD ("image-convert", test_image_convert);
  ADD ("image-convert-several", test_image_convert_several);
  ADD ("image-grayscale", test_image_grayscale);
  ADD ("long-names", test_long_names);
  ADD ("orientation", test_orientation);
  ADD ("image-resize", test_image_resize);
  ADD ("image-rotate", test_image_rotate);
  ADD ("image-watermark", test_image_watermark);
  ADD ("contact-sheet", test_contact_sheet);
  ADD ("images-to-pdf", test_images_to_pdf);
  ADD ("pdf-extract-text", test_pdf_extract_text);
  ADD ("pdf-merge", test_pdf_merge);
  ADD ("pdf-split", test_pdf_split);
  ADD ("pdf-page-numbers", test_pdf_page_numbers);
  ADD ("pdf-to-images", test_pdf_to_images);
  ADD ("malformed-input", test_malformed_input);
  ADD ("malformed-single", test_malformed_single);
  ADD ("cancelled", test_cancelled);
  ADD ("cancel-midway", test_cancel_midway);
#undef ADD

  return g_test_run ();
}
