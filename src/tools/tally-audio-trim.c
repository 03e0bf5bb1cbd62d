/* tally-audio-trim.c: keep the part of a recording between two times
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "tally-builtin-audio.h"

/* As the registry's inputs allow: ten hours. */
#define MAX_SECONDS 36000

char *
tally_builtin_audio_trim_suffix (JsonObject *values)
{
  return tally_audio_suffix_like_input (values, "trimmed");
}

/* The frames from @start to @end seconds (@end < 0: to the end); an end
 * past the end of the recording is its end. */
static gboolean
frame_range (const SF_INFO  *info,
             gint64          start,
             gint64          end,
             sf_count_t     *first,
             sf_count_t     *count,
             GError        **error)
{
  sf_count_t last;

  if (end >= 0 && end <= start)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("The end must come after the start"));
      return FALSE;
    }

  *first = (sf_count_t) start * info->samplerate;
  if (*first >= info->frames)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("The start, %" PRId64 " s, is past the end of the recording "
                     "(%" PRId64 " s)"), start, tally_audio_seconds_of (info));
      return FALSE;
    }

  last = end < 0 ? info->frames : MIN (info->frames, (sf_count_t) end * info->samplerate);
  *count = last - *first;
  return TRUE;
}

gboolean
tally_builtin_audio_trim (const TallyBuiltinRun  *run,
                          gint64                 *units,
                          GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  gint64 start, end;
  g_autoptr(SNDFILE) input = NULL;
  g_autoptr(SNDFILE) output = NULL;
  const char *path;
  sf_count_t first, count;
  SF_INFO info;
  guint64 done = 0;

  /* No end: the end of the recording. */
  if (paths == NULL ||
      !tally_builtin_get_int_in_range (run, "start", 0, 0, MAX_SECONDS, &start, error) ||
      !tally_builtin_get_int_in_range (run, "end", -1, -1, MAX_SECONDS, &end, error))
    return FALSE;

  path = g_ptr_array_index (paths, 0);
  input = tally_audio_open (path, &info, error);
  if (input == NULL || !frame_range (&info, start, end, &first, &count, error))
    return FALSE;

  if (sf_seek (input, first, SEEK_SET) < 0)
    {
      g_autofree char *name = g_path_get_basename (path);

      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” cannot be read from the start time: %s"), name,
                   sf_strerror (input));
      return FALSE;
    }

  output = tally_audio_create (run->output_path, 0, &info, error);
  if (output == NULL ||
      !tally_audio_copy (run, path, input, &info, output, count, 1.0, &done, (guint64) count,
                         error) ||
      !tally_audio_close (g_steal_pointer (&output), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  /* The whole recording is read for its place, as the estimate counts it. */
  *units = tally_audio_seconds_of (&info);
  return TRUE;
}
