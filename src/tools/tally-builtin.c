/* tally-builtin.c: the table of built-in tools and how they run
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally-builtin-private.h"

#define BYTES_PER_MB 1000000

static const TallyBuiltin builtins[] = {
  { "text-statistics", ".txt", FALSE, tally_builtin_text_statistics },
  { "file-checksums", ".sha256", TRUE, tally_builtin_file_checksums },
  { "gzip-compress", ".gz", TRUE, tally_builtin_gzip_compress },
  { "json-format", ".formatted.json", FALSE, tally_builtin_json_format },
  { "csv-to-json", ".json", FALSE, tally_builtin_csv_to_json },
  { "spell-check", ".txt", FALSE, tally_builtin_spell_check },
  { "text-to-pdf", ".pdf", FALSE, tally_builtin_text_to_pdf },
  { "qr-code", ".png", FALSE, tally_builtin_qr_code, tally_builtin_qr_code_suffix },
  { "audio-convert", ".flac", FALSE, tally_builtin_audio_convert,
    tally_builtin_audio_convert_suffix },
  { "audio-normalize", ".normalized.wav", FALSE, tally_builtin_audio_normalize,
    tally_builtin_audio_normalize_suffix },
  { "audio-trim", ".trimmed.wav", FALSE, tally_builtin_audio_trim,
    tally_builtin_audio_trim_suffix },
  { "image-convert", ".png", FALSE, tally_builtin_image_convert,
    tally_builtin_image_convert_suffix },
  { "image-grayscale", ".grayscale.png", FALSE, tally_builtin_image_grayscale,
    tally_builtin_image_grayscale_suffix },
  { "image-resize", ".resized.png", FALSE, tally_builtin_image_resize,
    tally_builtin_image_resize_suffix },
  { "image-rotate", ".rotated.png", FALSE, tally_builtin_image_rotate,
    tally_builtin_image_rotate_suffix },
  { "image-watermark", ".watermarked.png", FALSE, tally_builtin_image_watermark,
    tally_builtin_image_watermark_suffix },
  { "contact-sheet", ".contact-sheet.png", FALSE, tally_builtin_contact_sheet },
  { "images-to-pdf", ".pdf", FALSE, tally_builtin_images_to_pdf },
  { "pdf-extract-text", ".txt", FALSE, tally_builtin_pdf_extract_text,
    tally_builtin_pdf_extract_text_suffix },
  { "pdf-merge", ".merged.pdf", FALSE, tally_builtin_pdf_merge },
  { "pdf-split", ".tar", FALSE, tally_builtin_pdf_split },
  { "pdf-page-numbers", ".numbered.pdf", FALSE, tally_builtin_pdf_page_numbers },
  { "pdf-to-images", ".tar", FALSE, tally_builtin_pdf_to_images },
  { "csv-clean", ".clean.csv", FALSE, tally_builtin_csv_clean },
  { "csv-statistics", ".statistics.txt", FALSE, tally_builtin_csv_statistics },
  { "json-to-csv", ".csv", FALSE, tally_builtin_json_to_csv },
  /* "notes.txt.gz" unpacks to "notes.txt". */
  { "gzip-decompress", "", FALSE, tally_builtin_gzip_decompress,
    tally_builtin_gzip_decompress_suffix },
  { "markdown-to-html", ".html", FALSE, tally_builtin_markdown_to_html },
  { "text-compare", ".diff", FALSE, tally_builtin_text_compare },
  { "text-redact", ".redacted.txt", FALSE, tally_builtin_text_redact },
  { "text-summary", ".summary.txt", FALSE, tally_builtin_text_summary },
};

G_DEFINE_QUARK (tally-builtin-error-quark, tally_builtin_error)

const TallyBuiltin *
tally_builtin_lookup (const char *name)
{
  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (builtins); i++)
    {
      if (g_str_equal (builtins[i].name, name))
        return &builtins[i];
    }

  return NULL;
}

const char *
tally_builtin_get_output_suffix (const TallyBuiltin *builtin)
{
  g_return_val_if_fail (builtin != NULL, NULL);

  return builtin->output_suffix;
}

/* "data.csv" -> "data" */
static char *
stem_of (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
}

char *
tally_builtin_make_output_path (const TallyBuiltin *builtin,
                                const char         *dir,
                                const char         *input_name,
                                JsonObject         *values)
{
  g_autofree char *stem = NULL;
  g_autofree char *chosen_suffix = NULL;
  const char *suffix;

  g_return_val_if_fail (builtin != NULL, NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  if (builtin->output_suffix_for != NULL && values != NULL)
    chosen_suffix = builtin->output_suffix_for (values);
  suffix = chosen_suffix != NULL ? chosen_suffix : builtin->output_suffix;

  stem = input_name == NULL ? g_strdup (builtin->name)
                            : builtin->keep_extension ? g_strdup (input_name)
                                                      : stem_of (input_name);
  return tally_builtin_unused_path (dir, stem, suffix);
}

char *
tally_builtin_unused_path (const char *dir,
                           const char *stem,
                           const char *suffix)
{
  char *path = g_strdup_printf ("%s/%s%s", dir, stem, suffix);

  /* Never over an earlier result: "data (2).json". */
  for (guint n = 2; g_file_test (path, G_FILE_TEST_EXISTS); n++)
    {
      g_free (path);
      path = g_strdup_printf ("%s/%s (%u)%s", dir, stem, n, suffix);
    }

  return path;
}

gint64
tally_builtin_megabytes (guint64 bytes)
{
  return (gint64) MAX (1, bytes / BYTES_PER_MB + (bytes % BYTES_PER_MB != 0 ? 1 : 0));
}

gboolean
tally_builtin_run (const TallyBuiltin    *builtin,
                   JsonObject            *values,
                   const char            *output_path,
                   GCancellable          *cancellable,
                   TallyBuiltinProgress   progress,
                   gpointer               progress_data,
                   gint64                *units,
                   GError               **error)
{
  TallyBuiltinRun run = { values, output_path, cancellable, progress, progress_data };
  gboolean existed;

  g_return_val_if_fail (builtin != NULL, FALSE);
  g_return_val_if_fail (values != NULL, FALSE);
  g_return_val_if_fail (output_path != NULL, FALSE);
  g_return_val_if_fail (units != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *units = 0;
  existed = g_file_test (output_path, G_FILE_TEST_EXISTS);
  if (!g_cancellable_set_error_if_cancelled (cancellable, error) &&
      builtin->run (&run, units, error))
    return TRUE;

  /* A failed or cancelled run leaves nothing half written behind. */
  *units = 0;
  if (!existed)
    g_unlink (output_path);
  return FALSE;
}

/* Async: the work on a thread, progress back in the caller's context. */

typedef struct
{
  const TallyBuiltin   *builtin;
  JsonObject           *values;
  char                 *output_path;
  TallyBuiltinProgress  progress;
  gpointer              progress_data;
  GMainContext         *context;
  /* Last fraction sent, in hundredths, so that at most 100 are. */
  int                   last_percent;
} RunData;

static void
run_data_free (RunData *data)
{
  json_object_unref (data->values);
  g_free (data->output_path);
  g_main_context_unref (data->context);
  g_free (data);
}

typedef struct
{
  GTask  *task;
  double  fraction;
} ProgressUpdate;

static gboolean
deliver_progress (gpointer user_data)
{
  ProgressUpdate *update = user_data;
  RunData *data = g_task_get_task_data (update->task);

  data->progress (update->fraction, data->progress_data);
  return G_SOURCE_REMOVE;
}

static void
progress_update_free (ProgressUpdate *update)
{
  g_object_unref (update->task);
  g_free (update);
}

static void
forward_progress (double   fraction,
                  gpointer user_data)
{
  GTask *task = user_data;
  RunData *data = g_task_get_task_data (task);
  int percent = (int) (fraction * 100);
  ProgressUpdate *update;

  if (data->progress == NULL || percent == data->last_percent)
    return;

  data->last_percent = percent;
  update = g_new0 (ProgressUpdate, 1);
  update->task = g_object_ref (task);
  update->fraction = fraction;
  g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, deliver_progress, update,
                              (GDestroyNotify) progress_update_free);
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;
  gint64 units = 0;

  tally_builtin_run (data->builtin, data->values, data->output_path, cancellable,
                     forward_progress, task, &units, &error);
  tally_builtin_run_task_return (task, units, error);
}

void
tally_builtin_run_async (const TallyBuiltin    *builtin,
                         JsonObject            *values,
                         const char            *output_path,
                         GCancellable          *cancellable,
                         TallyBuiltinProgress   progress,
                         gpointer               progress_data,
                         GAsyncReadyCallback    callback,
                         gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *data;

  g_return_if_fail (builtin != NULL);
  g_return_if_fail (values != NULL);
  g_return_if_fail (output_path != NULL);

  task = tally_builtin_run_task_new (cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_builtin_run_async);
  data = g_new0 (RunData, 1);
  data->builtin = builtin;
  data->values = json_object_ref (values);
  data->output_path = g_strdup (output_path);
  data->progress = progress;
  data->progress_data = progress_data;
  data->context = g_main_context_ref_thread_default ();
  data->last_percent = -1;
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_in_thread);
}

gboolean
tally_builtin_run_finish (GAsyncResult  *result,
                          gint64        *units,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (units != NULL, FALSE);

  return tally_builtin_run_task_finish (result, units, error);
}

GTask *
tally_builtin_run_task_new (GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_check_cancellable (task, FALSE);
  return task;
}

void
tally_builtin_run_task_return (GTask  *task,
                               gint64  units,
                               GError *error)
{
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_memdup2 (&units, sizeof units), g_free);
}

gboolean
tally_builtin_run_task_finish (GAsyncResult  *result,
                               gint64        *units,
                               GError       **error)
{
  g_autofree gint64 *answer = g_task_propagate_pointer (G_TASK (result), error);

  *units = answer != NULL ? *answer : 0;
  return answer != NULL;
}

/* Helpers for the tools */

void
tally_builtin_report (const TallyBuiltinRun *run,
                      guint64                done,
                      guint64                total)
{
  if (run->progress != NULL)
    run->progress (total > 0 ? MIN (1.0, (double) done / (double) total) : 1.0,
                   run->progress_data);
}

static gboolean
invalid_value (GError     **error,
               const char  *input_id)
{
  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
               _("The input “%s” is missing or not of the right kind"), input_id);
  return FALSE;
}

GPtrArray *
tally_builtin_get_files (const TallyBuiltinRun  *run,
                         const char             *input_id,
                         GError                **error)
{
  JsonNode *node = json_object_get_member (run->values, input_id);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      invalid_value (error, input_id);
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          invalid_value (error, input_id);
          return NULL;
        }
      g_ptr_array_add (paths, g_strdup (json_node_get_string (element)));
    }

  if (paths->len == 0)
    {
      invalid_value (error, input_id);
      return NULL;
    }

  return g_steal_pointer (&paths);
}

const char *
tally_builtin_get_string (const TallyBuiltinRun *run,
                          const char            *input_id,
                          const char            *fallback)
{
  return json_object_get_string_member_with_default (run->values, input_id, fallback);
}

gint64
tally_builtin_get_int (const TallyBuiltinRun *run,
                       const char            *input_id,
                       gint64                 fallback)
{
  return json_object_get_int_member_with_default (run->values, input_id, fallback);
}

gboolean
tally_builtin_total_size (GPtrArray     *paths,
                          GCancellable  *cancellable,
                          guint64       *total,
                          GError       **error)
{
  *total = 0;
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (g_ptr_array_index (paths, i));
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                     G_FILE_QUERY_INFO_NONE, cancellable, error);

      if (info == NULL)
        return FALSE;
      *total += (guint64) g_file_info_get_size (info);
    }

  return TRUE;
}

GBytes *
tally_builtin_load (const TallyBuiltinRun  *run,
                    const char             *path,
                    GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GByteArray) contents = g_byte_array_new ();
  g_autoptr(GFileInfo) info = NULL;
  guint8 buffer[TALLY_BUILTIN_CHUNK];
  guint64 size;
  gssize n;

  input = g_file_read (file, run->cancellable, error);
  if (input == NULL)
    return NULL;
  info = g_file_input_stream_query_info (input, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                         run->cancellable, error);
  if (info == NULL)
    return NULL;
  size = (guint64) g_file_info_get_size (info);

  while ((n = g_input_stream_read (G_INPUT_STREAM (input), buffer, sizeof buffer,
                                   run->cancellable, error)) > 0)
    {
      g_byte_array_append (contents, buffer, (guint) n);
      /* Reading is half the work. */
      tally_builtin_report (run, contents->len, size * 2);
    }

  if (n < 0)
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&contents));
}

gboolean
tally_builtin_save (const TallyBuiltinRun  *run,
                    const char             *contents,
                    gsize                   length,
                    GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (run->output_path);

  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;

  return g_file_replace_contents (file, contents, length, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                  run->cancellable, error);
}
