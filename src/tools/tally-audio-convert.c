/* tally-audio-convert.c: audio from one format to another with libsndfile
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-audio.h"

/* The default first. */
static const char * const format_choices[] = { "flac", "ogg", "wav", "mp3", NULL };

char *
tally_builtin_audio_convert_suffix (JsonObject *values)
{
  const char *format = json_object_get_string_member_with_default (values, "format",
                                                                   format_choices[0]);

  if (!g_strv_contains (format_choices, format))
    return NULL;

  return g_strconcat (".", format, NULL);
}

gboolean
tally_builtin_audio_convert (const TallyBuiltinRun  *run,
                             gint64                 *units,
                             GError                **error)
{
  g_autoptr(GPtrArray) paths = NULL;
  const char *format = tally_builtin_get_choice (run, "format", format_choices, error);
  g_autoptr(SNDFILE) input = NULL;
  g_autoptr(SNDFILE) output = NULL;
  const char *path;
  SF_INFO info;
  guint64 done = 0;

  if (format == NULL || (paths = tally_builtin_get_files (run, "file", error)) == NULL)
    return FALSE;

  path = g_ptr_array_index (paths, 0);
  input = tally_audio_open (path, &info, error);
  if (input == NULL)
    return FALSE;

  output = tally_audio_create (run->output_path, tally_audio_format_for_name (format), &info,
                               error);
  if (output == NULL ||
      !tally_audio_copy (run, path, input, &info, output, -1, 1.0, &done,
                         (guint64) MAX (1, info.frames), error) ||
      !tally_audio_close (g_steal_pointer (&output), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_audio_seconds_of (&info);
  return TRUE;
}
