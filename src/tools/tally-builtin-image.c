/* tally-builtin-image.c: what the image tools share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"

#define PIXELS_PER_MEGAPIXEL G_GUINT64_CONSTANT (1000000)

gint64
tally_builtin_megapixels (guint64 pixels)
{
  return (gint64) MAX (1, (pixels + PIXELS_PER_MEGAPIXEL - 1) / PIXELS_PER_MEGAPIXEL);
}

char *
tally_builtin_stem (const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  const char *dot = strrchr (name, '.');

  return dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
}

/* Cancellation stays what it is; any other failure names the file. */
static void
unreadable_image (const char  *path,
                  GError      *local_error,
                  GError     **error)
{
  g_autofree char *name = g_filename_display_basename (path);

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, local_error);
  else
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is not an image Tally can read: %s"), name, local_error->message);
      g_error_free (local_error);
    }
}

/* Decodes @path whole, or scaled down to fit @size × @size when @size > 0
 * (JPEG then decodes at the smaller size, much faster). */
static GdkPixbuf *
decode_image (const TallyBuiltinRun  *run,
              const char             *path,
              int                     size,
              GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  GdkPixbuf *pixbuf = NULL;
  GError *local_error = NULL;

  stream = g_file_read (file, run->cancellable, &local_error);
  if (stream != NULL && size > 0)
    pixbuf = gdk_pixbuf_new_from_stream_at_scale (G_INPUT_STREAM (stream), size, size, TRUE,
                                                  run->cancellable, &local_error);
  else if (stream != NULL)
    pixbuf = gdk_pixbuf_new_from_stream (G_INPUT_STREAM (stream), run->cancellable,
                                         &local_error);

  if (pixbuf == NULL)
    unreadable_image (path, local_error, error);
  return pixbuf;
}

/* Photos are often stored sideways with a tag that says so. The turned
 * copy keeps the tag, so that whoever reads it knows it was turned. */
static GdkPixbuf *
upright (GdkPixbuf *pixbuf)
{
  GdkPixbuf *turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);

  if (turned != NULL && turned != pixbuf)
    gdk_pixbuf_copy_options (pixbuf, turned);
  return turned;
}

GdkPixbuf *
tally_builtin_load_thumbnail (const TallyBuiltinRun  *run,
                              const char             *path,
                              int                     size,
                              GError                **error)
{
  g_autoptr(GdkPixbuf) pixbuf = decode_image (run, path, size, error);

  return pixbuf != NULL ? upright (pixbuf) : NULL;
}

GdkPixbuf *
tally_builtin_load_image (const TallyBuiltinRun  *run,
                          const char             *path,
                          guint64                *pixels,
                          GError                **error)
{
  g_autoptr(GdkPixbuf) pixbuf = decode_image (run, path, 0, error);

  if (pixbuf == NULL)
    return NULL;

  if (pixels != NULL)
    *pixels = (guint64) gdk_pixbuf_get_width (pixbuf) * (guint64) gdk_pixbuf_get_height (pixbuf);

  return upright (pixbuf);
}

GdkPixbuf *
tally_builtin_check_pixbuf (GdkPixbuf  *pixbuf,
                            GError    **error)
{
  if (pixbuf == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 _("There is not enough memory for this image"));
  return pixbuf;
}

const char *
tally_builtin_image_format_for (const char *path,
                                const char *choice)
{
  static const struct { const char *extension; const char *format; } known[] = {
    { "png", "png" }, { "jpg", "jpeg" }, { "jpeg", "jpeg" }, { "jpe", "jpeg" },
    { "tif", "tiff" }, { "tiff", "tiff" }, { "bmp", "bmp" },
  };
  const char *dot;

  if (choice != NULL && !g_str_equal (choice, "same"))
    return choice;

  dot = strrchr (path, '.');
  for (gsize i = 0; dot != NULL && i < G_N_ELEMENTS (known); i++)
    {
      if (g_ascii_strcasecmp (dot + 1, known[i].extension) == 0)
        return known[i].format;
    }

  /* GIF and the others are read, not written. */
  return "png";
}

const char *
tally_builtin_image_extension (const char *format)
{
  if (g_str_equal (format, "jpeg"))
    return ".jpg";
  if (g_str_equal (format, "tiff"))
    return ".tiff";
  if (g_str_equal (format, "bmp"))
    return ".bmp";
  return ".png";
}

static gboolean
format_has_alpha (const char *format)
{
  return g_str_equal (format, "png") || g_str_equal (format, "tiff");
}

/* JPEG and BMP have no transparency: what was see-through becomes white,
 * as it looks on a page, rather than whatever colour hid under it. */
static GdkPixbuf *
flatten_on_white (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  GdkPixbuf *flat = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);

  if (flat == NULL)
    return NULL;
  gdk_pixbuf_fill (flat, 0xffffffff);
  gdk_pixbuf_composite (pixbuf, flat, 0, 0, width, height, 0, 0, 1, 1, GDK_INTERP_NEAREST, 255);
  return flat;
}

GBytes *
tally_builtin_encode_image (GdkPixbuf   *pixbuf,
                            const char  *format,
                            int          quality,
                            GError     **error)
{
  g_autoptr(GdkPixbuf) flat = NULL;
  g_autofree char *quality_text = g_strdup_printf ("%d", CLAMP (quality, 1, 100));
  char *buffer = NULL;
  gsize length = 0;
  gboolean saved;

  if (gdk_pixbuf_get_has_alpha (pixbuf) && !format_has_alpha (format))
    {
      pixbuf = flat = tally_builtin_check_pixbuf (flatten_on_white (pixbuf), error);
      if (flat == NULL)
        return NULL;
    }

  if (g_str_equal (format, "jpeg"))
    saved = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, error,
                                       "quality", quality_text, NULL);
  else
    saved = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, error, NULL);

  if (!saved)
    return NULL;

  return g_bytes_new_take (buffer, length);
}

/* Cairo keeps colour premultiplied by alpha, in native-endian 32-bit words;
 * gdk-pixbuf keeps plain RGB(A) bytes. */

cairo_surface_t *
tally_builtin_surface_from_pixbuf (GdkPixbuf  *pixbuf,
                                   GError    **error)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  guint8 *data;
  int stride;

  /* Cairo draws on at most 32767 pixels a side. */
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("An image of %d × %d pixels is too large to draw on"), width, height);
      cairo_surface_destroy (surface);
      return NULL;
    }

  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  cairo_surface_flush (surface);
  for (int y = 0; y < height; y++)
    {
      const guint8 *in = pixels + (gsize) y * rowstride;
      guint32 *out = (guint32 *) (gpointer) (data + (gsize) y * stride);

      for (int x = 0; x < width; x++, in += channels)
        {
          guint alpha = channels == 4 ? in[3] : 255;
          guint red = (in[0] * alpha + 127) / 255;
          guint green = (in[1] * alpha + 127) / 255;
          guint blue = (in[2] * alpha + 127) / 255;

          out[x] = (alpha << 24) | (red << 16) | (green << 8) | blue;
        }
    }
  cairo_surface_mark_dirty (surface);

  return surface;
}

GdkPixbuf *
tally_builtin_pixbuf_from_surface (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);
  int rowstride;
  guint8 *pixels;
  const guint8 *data;

  if (pixbuf == NULL)
    return NULL;

  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_get_pixels (pixbuf);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    {
      const guint32 *in = (const guint32 *) (gconstpointer) (data + (gsize) y * stride);
      guint8 *out = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++, out += 4)
        {
          guint alpha = in[x] >> 24;

          /* Un-premultiply, rounding to the nearest. */
          out[0] = alpha == 0 ? 0 : (((in[x] >> 16) & 0xff) * 255 + alpha / 2) / alpha;
          out[1] = alpha == 0 ? 0 : (((in[x] >> 8) & 0xff) * 255 + alpha / 2) / alpha;
          out[2] = alpha == 0 ? 0 : ((in[x] & 0xff) * 255 + alpha / 2) / alpha;
          out[3] = alpha;
        }
    }

  return pixbuf;
}

/* One image or several */

static guint
count_images (JsonObject *values)
{
  JsonNode *node = json_object_get_member (values, "images");

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node)
         ? json_array_get_length (json_node_get_array (node)) : 0;
}

static char *
image_suffix_for (const char *path,
                  const char *tag,
                  const char *format_choice)
{
  return g_strconcat (tag, tally_builtin_image_extension (tally_builtin_image_format_for (
                             path, format_choice)), NULL);
}

char *
tally_builtin_image_suffix (JsonObject *values,
                            const char *tag,
                            const char *format_choice)
{
  JsonArray *images;
  const char *path;

  if (count_images (values) != 1)
    return g_strdup (".tar");

  images = json_object_get_array_member (values, "images");
  path = json_array_get_string_element (images, 0);
  return image_suffix_for (path != NULL ? path : "", tag, format_choice);
}

/* Image @index of @count: decoding is about half of the work. */
static GBytes *
process_image (const TallyBuiltinRun  *run,
               const char             *path,
               guint                   index,
               guint                   count,
               const char             *format,
               int                     quality,
               TallyBuiltinImageFunc   func,
               guint64                *pixels,
               GError                **error)
{
  g_autoptr(GdkPixbuf) image = tally_builtin_load_image (run, path, pixels, error);
  g_autoptr(GdkPixbuf) result = NULL;

  if (image == NULL || g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return NULL;

  tally_builtin_report (run, 2 * (guint64) index + 1, 2 * (guint64) count);

  result = func (run, image, error);
  if (result == NULL)
    return NULL;

  return tally_builtin_encode_image (result, format, quality, error);
}

gboolean
tally_builtin_process_images (const TallyBuiltinRun  *run,
                              const char             *tag,
                              const char             *format_choice,
                              int                     quality,
                              TallyBuiltinImageFunc   func,
                              gint64                 *units,
                              GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "images", error);
  g_autoptr(TallyBuiltinTar) tar = NULL;
  guint64 total_pixels = 0;

  if (paths == NULL)
    return FALSE;
  if (paths->len > 1 && (tar = tally_builtin_tar_new (run, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      const char *format = tally_builtin_image_format_for (path, format_choice);
      g_autoptr(GBytes) encoded = NULL;
      g_autofree char *stem = NULL;
      g_autofree char *suffix = NULL;
      g_autofree char *name = NULL;
      guint64 pixels = 0;

      encoded = process_image (run, path, i, paths->len, format, quality, func, &pixels,
                               error);
      if (encoded == NULL)
        return FALSE;
      total_pixels += pixels;

      if (tar == NULL)
        {
          if (!tally_builtin_save (run, g_bytes_get_data (encoded, NULL),
                                   g_bytes_get_size (encoded), error))
            return FALSE;
        }
      else
        {
          stem = tally_builtin_stem (path);
          suffix = image_suffix_for (path, tag, format_choice);
          name = g_strconcat (stem, suffix, NULL);
          if (!tally_builtin_tar_add (tar, name, encoded, error))
            return FALSE;
        }
      tally_builtin_report (run, i + 1, paths->len);
    }

  if (tar != NULL && !tally_builtin_tar_finish (tar, error))
    return FALSE;

  *units = tally_builtin_megapixels (total_pixels);
  return TRUE;
}
