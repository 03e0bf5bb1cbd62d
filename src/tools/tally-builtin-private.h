/* tally-builtin-private.h: what the built-in tools share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <poppler.h>

#include "tally-builtin.h"

G_BEGIN_DECLS

/* Reads are done in pieces of this size, so that progress moves and
 * cancellation is seen quickly. */
#define TALLY_BUILTIN_CHUNK (64 * 1024)

typedef struct _TallyBuiltinRun
{
  JsonObject           *values;
  const char           *output_path;
  GCancellable         *cancellable;
  TallyBuiltinProgress  progress;
  gpointer              progress_data;
} TallyBuiltinRun;

/* Runs on a thread, built-in or command (tally-builtin.c): the answer is
 * the run's even when it is cancelled late. */
GTask      *tally_builtin_run_task_new          (GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
/* Ends the task with @units, or with @error (taken) when it is set. */
void        tally_builtin_run_task_return       (GTask                *task,
                                                 gint64                units,
                                                 GError               *error);
/* The units of a run that succeeded; 0 with @error set for one that failed. */
gboolean    tally_builtin_run_task_finish       (GAsyncResult         *result,
                                                 gint64               *units,
                                                 GError              **error);

typedef gboolean (*TallyBuiltinFunc) (const TallyBuiltinRun  *run,
                                      gint64                 *units,
                                      GError                **error);
/* The output's suffix when it follows from the values (a chosen format,
 * one image or several): a new string, or NULL for output_suffix. */
typedef char    *(*TallyBuiltinSuffixFunc) (JsonObject *values);

struct _TallyBuiltin
{
  const char             *name;
  const char             *output_suffix;
  /* "a.txt" gives "a.txt.gz" rather than "a.gz". */
  gboolean                keep_extension;
  TallyBuiltinFunc        run;
  /* Optional. */
  TallyBuiltinSuffixFunc  output_suffix_for;
};

gboolean    tally_builtin_text_statistics (const TallyBuiltinRun  *run,
                                           gint64                 *units,
                                           GError                **error);
gboolean    tally_builtin_file_checksums  (const TallyBuiltinRun  *run,
                                           gint64                 *units,
                                           GError                **error);
gboolean    tally_builtin_gzip_compress   (const TallyBuiltinRun  *run,
                                           gint64                 *units,
                                           GError                **error);
gboolean    tally_builtin_json_format     (const TallyBuiltinRun  *run,
                                           gint64                 *units,
                                           GError                **error);
gboolean    tally_builtin_csv_to_json     (const TallyBuiltinRun  *run,
                                           gint64                 *units,
                                           GError                **error);

/* Images and PDFs */
gboolean    tally_builtin_image_convert    (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_image_grayscale  (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_image_resize     (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_image_rotate     (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_image_watermark  (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_contact_sheet    (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_images_to_pdf    (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_pdf_extract_text (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_pdf_merge        (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_pdf_split        (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_pdf_page_numbers (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_pdf_to_images    (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
char       *tally_builtin_image_convert_suffix   (JsonObject *values);
char       *tally_builtin_image_grayscale_suffix (JsonObject *values);
char       *tally_builtin_image_resize_suffix    (JsonObject *values);
char       *tally_builtin_image_rotate_suffix    (JsonObject *values);
char       *tally_builtin_image_watermark_suffix (JsonObject *values);
char       *tally_builtin_pdf_extract_text_suffix (JsonObject *values);

/* Text, documents, codes and audio */
gboolean    tally_builtin_audio_convert    (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_audio_normalize  (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_audio_trim       (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_spell_check      (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_text_to_pdf      (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_qr_code          (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
char       *tally_builtin_qr_code_suffix         (JsonObject *values);
char       *tally_builtin_audio_convert_suffix   (JsonObject *values);
char       *tally_builtin_audio_normalize_suffix (JsonObject *values);
char       *tally_builtin_audio_trim_suffix      (JsonObject *values);

/* Data and text */
gboolean    tally_builtin_csv_clean        (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_csv_statistics   (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_json_to_csv      (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_gzip_decompress  (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_markdown_to_html (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_text_compare     (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_text_redact      (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
gboolean    tally_builtin_text_summary     (const TallyBuiltinRun  *run,
                                            gint64                 *units,
                                            GError                **error);
char       *tally_builtin_gzip_decompress_suffix (JsonObject *values);

/* Helpers */
void        tally_builtin_report          (const TallyBuiltinRun  *run,
                                           guint64                 done,
                                           guint64                 total);
/* The paths of a file input: at least one. */
GPtrArray  *tally_builtin_get_files       (const TallyBuiltinRun  *run,
                                           const char             *input_id,
                                           GError                **error);
const char *tally_builtin_get_string      (const TallyBuiltinRun  *run,
                                           const char             *input_id,
                                           const char             *fallback);
gint64      tally_builtin_get_int         (const TallyBuiltinRun  *run,
                                           const char             *input_id,
                                           gint64                  fallback);
/* The total size of @paths, in bytes. */
gboolean    tally_builtin_total_size      (GPtrArray              *paths,
                                           GCancellable           *cancellable,
                                           guint64                *total,
                                           GError                **error);
/* Loads a whole file, reporting progress. */
GBytes     *tally_builtin_load            (const TallyBuiltinRun  *run,
                                           const char             *path,
                                           GError                **error);
/* Writes @contents to the output file. */
gboolean    tally_builtin_save            (const TallyBuiltinRun  *run,
                                           const char             *contents,
                                           gsize                   length,
                                           GError                **error);

/* Checked values (tally-builtin-values.c) */

/* The value of a choice input; absent, it is @choices[0] (the default). */
const char      *tally_builtin_get_choice          (const TallyBuiltinRun  *run,
                                                    const char             *input_id,
                                                    const char * const     *choices,
                                                    GError                **error);
/* A number input, or @fallback; INVALID_VALUE outside [@min, @max]. */
gboolean         tally_builtin_get_int_in_range    (const TallyBuiltinRun  *run,
                                                    const char             *input_id,
                                                    gint64                  fallback,
                                                    gint64                  min,
                                                    gint64                  max,
                                                    gint64                 *value,
                                                    GError                **error);

/* Images (tally-builtin-image.c) */

#define TALLY_BUILTIN_JPEG_QUALITY 90

/* Images are priced by the megapixel (10^6 pixels), rounded up, at least 1. */
gint64           tally_builtin_megapixels          (guint64                 pixels);
/* Loads @path upright (its EXIF orientation applied); @pixels (nullable)
 * gets its width × height. */
GdkPixbuf       *tally_builtin_load_image          (const TallyBuiltinRun  *run,
                                                    const char             *path,
                                                    guint64                *pixels,
                                                    GError                **error);
/* Loads @path upright, scaled to fit in @size × @size, keeping its
 * proportions. */
GdkPixbuf       *tally_builtin_load_thumbnail      (const TallyBuiltinRun  *run,
                                                    const char             *path,
                                                    int                     size,
                                                    GError                **error);
/* @pixbuf, or NULL with an error when it could not be made: gdk-pixbuf
 * gives NULL when the memory for an image cannot be had. */
GdkPixbuf       *tally_builtin_check_pixbuf        (GdkPixbuf              *pixbuf,
                                                    GError                **error);
/* @choice is a format ("png", "jpeg", "tiff", "bmp"), or "same" or NULL
 * for the one @path's name says (PNG for formats Tally cannot write). */
const char      *tally_builtin_image_format_for    (const char             *path,
                                                    const char             *choice);
/* "jpeg" -> ".jpg" */
const char      *tally_builtin_image_extension     (const char             *format);
GBytes          *tally_builtin_encode_image        (GdkPixbuf              *pixbuf,
                                                    const char             *format,
                                                    int                     quality,
                                                    GError                **error);
/* Premultiplied ARGB32 and back; NULL when the memory cannot be had. */
cairo_surface_t *tally_builtin_surface_from_pixbuf (GdkPixbuf              *pixbuf,
                                                    GError                **error);
GdkPixbuf       *tally_builtin_pixbuf_from_surface (cairo_surface_t        *surface);

/* What an image tool writes: one image, or a tar of them when the
 * "images" input has several; named with @tag (".resized"). */
char            *tally_builtin_image_suffix        (JsonObject             *values,
                                                    const char             *tag,
                                                    const char             *format_choice);
typedef GdkPixbuf *(*TallyBuiltinImageFunc) (const TallyBuiltinRun  *run,
                                             GdkPixbuf              *image,
                                             GError                **error);
/* Loads each image of the "images" input, gives it to @func and writes what
 * it returns, as tally_builtin_image_suffix() says; @units are megapixels. */
gboolean         tally_builtin_process_images      (const TallyBuiltinRun  *run,
                                                    const char             *tag,
                                                    const char             *format_choice,
                                                    int                     quality,
                                                    TallyBuiltinImageFunc   func,
                                                    gint64                 *units,
                                                    GError                **error);

/* Tar archives (tally-builtin-tar.c): one output for several files */

typedef struct _TallyBuiltinTar TallyBuiltinTar;

/* Starts an archive at the run's output path. */
TallyBuiltinTar *tally_builtin_tar_new             (const TallyBuiltinRun  *run,
                                                    GError                **error);
/* Adds a file; a name already used gets " (2)" before its extension. */
gboolean         tally_builtin_tar_add             (TallyBuiltinTar        *tar,
                                                    const char             *name,
                                                    GBytes                 *contents,
                                                    GError                **error);
/* Writes the end of the archive and closes it. */
gboolean         tally_builtin_tar_finish          (TallyBuiltinTar        *tar,
                                                    GError                **error);
/* Closes an unfinished archive as it is (the runner removes it). */
void             tally_builtin_tar_free            (TallyBuiltinTar        *tar);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyBuiltinTar, tally_builtin_tar_free)

/* PDFs (tally-builtin-pdf.c) */

/* poppler-glib declares g_autoptr() support only after Debian 12's
 * version; these names work with every version. */
typedef PopplerDocument TallyPopplerDocument;
typedef PopplerPage TallyPopplerPage;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyPopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyPopplerPage, g_object_unref)

/* INVALID_INPUT naming the file when it is not a PDF poppler reads. */
PopplerDocument *tally_builtin_open_pdf            (const char             *path,
                                                    GCancellable           *cancellable,
                                                    GError                **error);
/* Draws @page on a new page of the same size of @cr's PDF surface; vector
 * content stays vector. */
void             tally_builtin_copy_page           (cairo_t                *cr,
                                                    PopplerPage            *page);
/* A PDF surface that writes into @buffer. */
cairo_surface_t *tally_builtin_pdf_surface_to_bytes (GByteArray            *buffer);
/* A cairo_write_func_t appending to the GByteArray in @closure. */
cairo_status_t   tally_builtin_append_to_buffer    (void                   *closure,
                                                    const unsigned char    *data,
                                                    unsigned int            length);
/* What one page of a PDF becomes in a tar of pages; NULL with @error set. */
typedef GBytes *(*TallyBuiltinPageEntry) (PopplerDocument  *document,
                                          int               index,
                                          gconstpointer     user_data,
                                          GError          **error);
/* A tar at the run's output path of "STEM-page-007EXTENSION" for each
 * page, made by @make_entry; cancellable between pages, with progress. */
gboolean         tally_builtin_tar_pages           (const TallyBuiltinRun  *run,
                                                    PopplerDocument        *document,
                                                    const char             *stem,
                                                    const char             *extension,
                                                    TallyBuiltinPageEntry   make_entry,
                                                    gconstpointer           user_data,
                                                    GError                **error);
/* FALSE with an error saying what @status means, unless it is success. */
gboolean         tally_builtin_check_cairo         (cairo_status_t          status,
                                                    GError                **error);
/* "file.pdf" -> "file" */
char            *tally_builtin_stem                (const char             *path);

G_END_DECLS
