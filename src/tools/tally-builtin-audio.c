/* tally-builtin-audio.c: reading and writing audio for the audio tools
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-audio.h"

typedef struct
{
  const char *name;
  int         major_format;
  /* Used when the input's sample format does not fit the container. */
  int         default_subtype;
} AudioFormat;

static const AudioFormat formats[] = {
  { "wav", SF_FORMAT_WAV, SF_FORMAT_PCM_16 },
  { "flac", SF_FORMAT_FLAC, SF_FORMAT_PCM_16 },
  { "ogg", SF_FORMAT_OGG, SF_FORMAT_VORBIS },
  { "mp3", SF_FORMAT_MPEG, SF_FORMAT_MPEG_LAYER_III },
  { "aiff", SF_FORMAT_AIFF, SF_FORMAT_PCM_16 },
};

static const AudioFormat *
format_of_major (int major_format)
{
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      if (formats[i].major_format == major_format)
        return &formats[i];
    }

  return NULL;
}

SNDFILE *
tally_audio_open (const char  *path,
                  SF_INFO     *info,
                  GError     **error)
{
  SNDFILE *file;

  memset (info, 0, sizeof *info);
  file = sf_open (path, SFM_READ, info);
  if (file == NULL || info->samplerate <= 0 || info->channels <= 0)
    {
      g_autofree char *name = g_path_get_basename (path);

      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is not audio that can be read: %s"), name,
                   file == NULL ? sf_strerror (NULL) : _("it has no samples"));
      g_clear_pointer (&file, sf_close);
      return NULL;
    }

  return file;
}

gint64
tally_audio_seconds_of (const SF_INFO *info)
{
  gint64 frames = MAX (0, info->frames);

  return MAX (1, (frames + info->samplerate - 1) / info->samplerate);
}

/* The seconds the audio file at @path lasts, as above; -1 with an error
 * naming the file when it is no audio. */
static gint64
audio_seconds (const char  *path,
               GError     **error)
{
  SF_INFO info;
  g_autoptr(SNDFILE) file = tally_audio_open (path, &info, error);

  return file != NULL ? tally_audio_seconds_of (&info) : -1;
}

gint64
tally_builtin_measure_seconds (const char * const  *paths,
                               GCancellable        *cancellable,
                               GError             **error)
{
  gint64 total = 0;

  for (gsize i = 0; paths[i] != NULL; i++)
    {
      gint64 seconds;

      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          (seconds = audio_seconds (paths[i], error)) < 0)
        return -1;
      total += seconds;
    }

  return total;
}

int
tally_audio_format_for_name (const char *name)
{
  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (formats); i++)
    {
      if (g_str_equal (formats[i].name, name))
        return formats[i].major_format;
    }

  return 0;
}

char *
tally_audio_suffix_of (const SF_INFO *info)
{
  int major = info->format & SF_FORMAT_TYPEMASK;
  const AudioFormat *format = format_of_major (major);
  SF_FORMAT_INFO format_info = { .format = major };

  if (format != NULL)
    return g_strconcat (".", format->name, NULL);
  if (sf_command (NULL, SFC_GET_FORMAT_INFO, &format_info, sizeof format_info) == 0 &&
      format_info.extension != NULL)
    return g_strconcat (".", format_info.extension, NULL);

  return g_strdup (".wav");
}

char *
tally_audio_suffix_like_input (JsonObject *values,
                               const char *label)
{
  JsonNode *node = json_object_get_member (values, "file");
  JsonArray *paths = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                 : NULL;
  const char *path;
  g_autoptr(SNDFILE) file = NULL;
  g_autofree char *suffix = NULL;
  SF_INFO info;

  if (paths == NULL || json_array_get_length (paths) == 0 ||
      (path = json_array_get_string_element (paths, 0)) == NULL)
    return NULL;

  file = tally_audio_open (path, &info, NULL);
  if (file == NULL)
    return NULL;

  suffix = tally_audio_suffix_of (&info);
  return g_strconcat (".", label, suffix, NULL);
}

SNDFILE *
tally_audio_create (const char     *path,
                    int             major_format,
                    const SF_INFO  *input,
                    GError        **error)
{
  int major = major_format != 0 ? major_format : input->format & SF_FORMAT_TYPEMASK;
  const AudioFormat *format = format_of_major (major);
  SF_INFO info = { .samplerate = input->samplerate, .channels = input->channels };
  SNDFILE *file;

  /* Keep the input's sample width where the container has it. */
  info.format = major | (input->format & SF_FORMAT_SUBMASK);
  if (!sf_format_check (&info) && format != NULL)
    info.format = major | format->default_subtype;

  if (!sf_format_check (&info))
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("Audio with %d channels at %d Hz cannot be written in this format"),
                   input->channels, input->samplerate);
      return NULL;
    }

  file = sf_open (path, SFM_WRITE, &info);
  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The result cannot be written: %s"),
                   sf_strerror (NULL));
      return NULL;
    }

  /* A gain that lands on full scale must not wrap round. */
  sf_command (file, SFC_SET_CLIPPING, NULL, SF_TRUE);
  return file;
}

gboolean
tally_audio_close (SNDFILE  *output,
                   GError  **error)
{
  int result = sf_close (output);

  if (result != SF_ERR_NO_ERROR)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The result cannot be written: %s"),
                   sf_error_number (result));
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_audio_damaged (const char  *path,
                     SNDFILE     *input,
                     GError     **error)
{
  g_autofree char *name = g_path_get_basename (path);

  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
               _("“%s” is damaged: %s"), name, sf_strerror (input));
  return FALSE;
}

static void
scale (double     *samples,
       sf_count_t  count,
       double      gain)
{
  for (sf_count_t i = 0; i < count; i++)
    samples[i] *= gain;
}

gboolean
tally_audio_copy (const TallyBuiltinRun  *run,
                  const char             *input_path,
                  SNDFILE                *input,
                  const SF_INFO          *info,
                  SNDFILE                *output,
                  sf_count_t              frames,
                  double                  gain,
                  guint64                *done,
                  guint64                 total,
                  GError                **error)
{
  g_autofree double *buffer = g_new (double, (gsize) TALLY_AUDIO_CHUNK_FRAMES * info->channels);
  sf_count_t left = frames < 0 ? G_MAXINT64 : frames;

  while (left > 0)
    {
      sf_count_t got;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;

      got = sf_readf_double (input, buffer, MIN (left, TALLY_AUDIO_CHUNK_FRAMES));
      if (got <= 0)
        break;

      if (gain != 1.0)
        scale (buffer, got * info->channels, gain);
      if (sf_writef_double (output, buffer, got) != got)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The result cannot be written: %s"),
                       sf_strerror (output));
          return FALSE;
        }

      left -= got;
      *done += (guint64) got;
      tally_builtin_report (run, *done, total);
    }

  if (sf_error (input) != SF_ERR_NO_ERROR)
    return tally_audio_damaged (input_path, input, error);

  return TRUE;
}
