/* tally-qr-code.c: a QR code as a PNG or SVG image
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <qrencode.h>

#include "tally-builtin-private.h"

/* The light border every reader needs, in modules. */
#define QUIET_ZONE 4

#define MIN_SIZE     64
#define MAX_SIZE     4096
#define DEFAULT_SIZE 512

/* The defaults first. */
static const char * const formats[] = { "png", "svg", NULL };
static const char * const levels[] = { "medium", "low", "quartile", "high", NULL };

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)

char *
tally_builtin_qr_code_suffix (JsonObject *values)
{
  const char *format = json_object_get_string_member_with_default (values, "format", formats[0]);

  return g_strv_contains (formats, format) ? g_strconcat (".", format, NULL) : NULL;
}

static QRecLevel
level_of (const char *name)
{
  if (g_str_equal (name, "low"))
    return QR_ECLEVEL_L;
  if (g_str_equal (name, "quartile"))
    return QR_ECLEVEL_Q;
  if (g_str_equal (name, "high"))
    return QR_ECLEVEL_H;
  return QR_ECLEVEL_M;
}

static QRcode *
encode (const char  *text,
        QRecLevel    level,
        GError     **error)
{
  QRcode *code = QRcode_encodeString (text, 0, level, QR_MODE_8, 1);

  if (code == NULL && errno == ERANGE)
    g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                         _("The text is too long for a QR code at this error correction"));
  else if (code == NULL)
    g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                 _("The text cannot be made into a QR code: %s"), g_strerror (errno));
  return code;
}

static gboolean
is_dark (const QRcode *code,
         int           x,
         int           y)
{
  return (code->data[y * code->width + x] & 1) != 0;
}

/* Whole pixels per module, so that edges stay sharp; the rest of @size
 * widens the quiet zone evenly. */
static gboolean
module_pixels (const QRcode  *code,
               gint64         size,
               int           *pixels,
               GError       **error)
{
  *pixels = (int) (size / (code->width + 2 * QUIET_ZONE));
  if (*pixels < 1)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("This code needs at least %d pixels: choose a larger size"),
                   code->width + 2 * QUIET_ZONE);
      return FALSE;
    }

  return TRUE;
}

static gboolean
write_png (const TallyBuiltinRun  *run,
           const QRcode           *code,
           gint64                  size,
           GError                **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  int pixels, offset;

  if (!module_pixels (code, size, &pixels, error))
    return FALSE;

  offset = ((int) size - code->width * pixels) / 2;
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) size, (int) size);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int y = 0; y < code->width; y++)
    {
      for (int x = 0; x < code->width; x++)
        {
          if (is_dark (code, x, y))
            cairo_rectangle (cr, offset + x * pixels, offset + y * pixels, pixels, pixels);
        }
    }
  cairo_fill (cr);
  cairo_destroy (cr);

  status = cairo_surface_write_to_png (surface, run->output_path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The image cannot be written: %s"),
                   cairo_status_to_string (status));
      return FALSE;
    }

  return TRUE;
}

/* Drawn in modules, scaled to @size by the viewer: exact at any size. */
static gboolean
write_svg (const TallyBuiltinRun  *run,
           const QRcode           *code,
           gint64                  size,
           GError                **error)
{
  int total = code->width + 2 * QUIET_ZONE;
  g_autoptr(GString) svg = g_string_new (NULL);

  g_string_append_printf (svg,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%" G_GINT64_FORMAT
                          "\" height=\"%" G_GINT64_FORMAT "\" viewBox=\"0 0 %d %d\""
                          " shape-rendering=\"crispEdges\">\n"
                          "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
                          "<path fill=\"#000000\" d=\"",
                          size, size, total, total, total, total);
  for (int y = 0; y < code->width; y++)
    {
      for (int x = 0; x < code->width; x++)
        {
          if (is_dark (code, x, y))
            g_string_append_printf (svg, "M%d %dh1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE);
        }
    }
  g_string_append (svg, "\"/>\n</svg>\n");

  return tally_builtin_save (run, svg->str, svg->len, error);
}

gboolean
tally_builtin_qr_code (const TallyBuiltinRun  *run,
                       gint64                 *units,
                       GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  const char *format = tally_builtin_get_choice (run, "format", formats, error);
  const char *level = format != NULL ? tally_builtin_get_choice (run, "error-correction",
                                                                 levels, error)
                                     : NULL;
  g_autoptr(QRcode) code = NULL;
  gint64 size;

  if (level == NULL ||
      !tally_builtin_get_int_in_range (run, "size", DEFAULT_SIZE, MIN_SIZE, MAX_SIZE, &size,
                                       error))
    return FALSE;

  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to put in the code"));
      return FALSE;
    }

  code = encode (text, level_of (level), error);
  if (code == NULL || g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;

  tally_builtin_report (run, 1, 2);
  if (g_str_equal (format, "svg") ? !write_svg (run, code, size, error)
                                  : !write_png (run, code, size, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  /* Priced per run: one code. */
  *units = 1;
  return TRUE;
}
