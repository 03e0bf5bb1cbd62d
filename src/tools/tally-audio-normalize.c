/* tally-audio-normalize.c: bring a recording's peak to a chosen level
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "tally-builtin-audio.h"

#define DEFAULT_PEAK_DBFS (-1)
#define MIN_PEAK_DBFS (-20)

char *
tally_builtin_audio_normalize_suffix (JsonObject *values)
{
  return tally_audio_suffix_like_input (values, "normalized");
}

/* First pass: the largest absolute sample, full scale being 1. */
static gboolean
find_peak (const TallyBuiltinRun  *run,
           const char             *path,
           SNDFILE                *input,
           const SF_INFO          *info,
           double                 *peak,
           GError                **error)
{
  g_autofree double *buffer = g_new (double, (gsize) TALLY_AUDIO_CHUNK_FRAMES * info->channels);
  guint64 done = 0;
  sf_count_t got;

  *peak = 0;
  while ((got = sf_readf_double (input, buffer, TALLY_AUDIO_CHUNK_FRAMES)) > 0)
    {
      for (sf_count_t i = 0; i < got * info->channels; i++)
        *peak = MAX (*peak, fabs (buffer[i]));

      done += (guint64) got;
      tally_builtin_report (run, done, 2 * (guint64) MAX (1, info->frames));
      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
    }

  if (sf_error (input) != SF_ERR_NO_ERROR)
    return tally_audio_damaged (path, input, error);

  if (*peak == 0)
    {
      g_autofree char *name = g_path_get_basename (path);

      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is silent: there is no peak to bring to a level"), name);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_builtin_audio_normalize (const TallyBuiltinRun  *run,
                               gint64                 *units,
                               GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "file", error);
  gint64 target;
  g_autoptr(SNDFILE) input = NULL;
  g_autoptr(SNDFILE) output = NULL;
  const char *path;
  double peak;
  SF_INFO info;
  guint64 done;

  if (paths == NULL ||
      !tally_builtin_get_int_in_range (run, "peak", DEFAULT_PEAK_DBFS, MIN_PEAK_DBFS, 0, &target,
                                       error))
    return FALSE;

  path = g_ptr_array_index (paths, 0);
  input = tally_audio_open (path, &info, error);
  if (input == NULL || !find_peak (run, path, input, &info, &peak, error))
    return FALSE;

  /* Second pass, from the start again, with the gain that puts the peak
   * at the target. */
  done = (guint64) MAX (1, info.frames);
  if (sf_seek (input, 0, SEEK_SET) < 0)
    {
      g_autofree char *name = g_path_get_basename (path);

      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” cannot be read twice: %s"), name, sf_strerror (input));
      return FALSE;
    }

  output = tally_audio_create (run->output_path, 0, &info, error);
  if (output == NULL ||
      !tally_audio_copy (run, path, input, &info, output, -1, pow (10, target / 20.0) / peak,
                         &done, 2 * done, error) ||
      !tally_audio_close (g_steal_pointer (&output), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_audio_seconds_of (&info);
  return TRUE;
}
