/* tally-builtin.h: the tools that run inside the app
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_BUILTIN_ERROR (tally_builtin_error_quark ())

typedef enum
{
  /* The input is not what the tool reads (bad JSON, bad CSV...); the
   * message says where. */
  TALLY_BUILTIN_ERROR_INVALID_INPUT,
  /* A value the tool needs is missing or of the wrong type. */
  TALLY_BUILTIN_ERROR_INVALID_VALUE,
} TallyBuiltinError;

/* @fraction of the work done, from 0 to 1. */
typedef void (*TallyBuiltinProgress) (double   fraction,
                                      gpointer user_data);

typedef struct _TallyBuiltin TallyBuiltin;

GQuark              tally_builtin_error_quark       (void);

/* NULL when no built-in has this name. */
const TallyBuiltin *tally_builtin_lookup            (const char            *name);
/* What the output file's name ends with: ".txt", ".gz"... (some tools
 * choose another from the run's values: see make_output_path). */
const char         *tally_builtin_get_output_suffix (const TallyBuiltin    *builtin);
/* Where a run's output goes in @dir: named after @input_name (the first
 * input file's name, or NULL) and never over an existing file. @values
 * (nullable) are the run's: a chosen format or several input images
 * change the suffix (".jpg", ".tar"...). */
char               *tally_builtin_make_output_path  (const TallyBuiltin    *builtin,
                                                     const char            *dir,
                                                     const char            *input_name,
                                                     JsonObject            *values);
/* @dir/@stem@suffix, or "@stem (2)@suffix"... when that file exists. */
char               *tally_builtin_unused_path       (const char            *dir,
                                                     const char            *stem,
                                                     const char            *suffix);

/* Runs @builtin on @values (input id -> value: file inputs are arrays of
 * paths, text and choice inputs strings, number inputs integers) and
 * writes @output_path. On success @units is what the run measured, in the
 * tool's unit; on failure or cancellation nothing is left at @output_path.
 * Blocks: call it from a worker thread. @progress is called on this
 * thread. */
gboolean            tally_builtin_run               (const TallyBuiltin    *builtin,
                                                     JsonObject            *values,
                                                     const char            *output_path,
                                                     GCancellable          *cancellable,
                                                     TallyBuiltinProgress   progress,
                                                     gpointer               progress_data,
                                                     gint64                *units,
                                                     GError               **error);
/* The same on a worker thread; @progress is called in the thread-default
 * main context of the caller, always before @callback. */
void                tally_builtin_run_async         (const TallyBuiltin    *builtin,
                                                     JsonObject            *values,
                                                     const char            *output_path,
                                                     GCancellable          *cancellable,
                                                     TallyBuiltinProgress   progress,
                                                     gpointer               progress_data,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
gboolean            tally_builtin_run_finish        (GAsyncResult          *result,
                                                     gint64                *units,
                                                     GError               **error);

/* Files are priced by the megabyte (10^6 bytes), rounded up, at least 1. */
gint64              tally_builtin_megabytes         (guint64                bytes);

/* What the files at @paths weigh in @unit, a tool registry's unit: "MB"
 * (tally_builtin_megabytes of their total size), "megapixels" (width ×
 * height of all the images, rounded up to whole 10^6 pixels, at least 1),
 * "images" (how many: each must be a readable image), "pages" (of PDFs),
 * "seconds" (of each recording, rounded up, at least 1).
 * The tools charge what this measures. -1 with @error on failure (a file
 * that is not what the unit needs is TALLY_BUILTIN_ERROR_INVALID_INPUT).
 * Blocks: call it from a worker thread. */
gint64              tally_builtin_measure_files     (const char            *unit,
                                                     const char * const    *paths,
                                                     GCancellable          *cancellable,
                                                     GError               **error);

G_END_DECLS
