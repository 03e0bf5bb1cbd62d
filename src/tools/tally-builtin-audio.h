/* tally-builtin-audio.h: reading and writing audio for the audio tools
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sndfile.h>

#include "tally-builtin-private.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SNDFILE, sf_close)

/* Frames read and written at a time. */
#define TALLY_AUDIO_CHUNK_FRAMES 8192

/* Opens @path for reading; an error naming the file when it is no audio
 * that libsndfile reads. */
SNDFILE  *tally_audio_open              (const char             *path,
                                         SF_INFO                *info,
                                         GError                **error);
/* The seconds @info lasts, rounded up, at least 1: how audio is priced. */
gint64    tally_audio_seconds_of        (const SF_INFO          *info);
/* The seconds of all the recordings at @paths: "seconds" of
 * tally_builtin_measure_files(). */
gint64    tally_builtin_measure_seconds (const char * const     *paths,
                                         GCancellable           *cancellable,
                                         GError                **error);
/* libsndfile's major format for "wav", "flac", "ogg" or "mp3"; 0 if none. */
int       tally_audio_format_for_name   (const char             *name);
/* ".flac" for a file of @info's major format. */
char     *tally_audio_suffix_of         (const SF_INFO          *info);
/* The output suffix of a tool that keeps the format of its "file"
 * input: "." @label and the input's extension (".trimmed.flac"). */
char     *tally_audio_suffix_like_input (JsonObject             *values,
                                         const char             *label);
/* Creates @path in @major_format (0: @input's), with @input's rate and
 * channels and, where the format allows it, sample width. */
SNDFILE  *tally_audio_create            (const char             *path,
                                         int                     major_format,
                                         const SF_INFO          *input,
                                         GError                **error);
/* Closes a file written to, reporting what the encoder could not finish. */
gboolean  tally_audio_close             (SNDFILE                *output,
                                         GError                **error);
/* An error "“name” is damaged" with libsndfile's reason; FALSE. */
gboolean  tally_audio_damaged           (const char             *path,
                                         SNDFILE                *input,
                                         GError                **error);
/* Copies @frames frames (all if negative) from @input to @output scaled
 * by @gain, adding to *@done of @total for progress; checks cancellation
 * between chunks. */
gboolean  tally_audio_copy              (const TallyBuiltinRun  *run,
                                         const char             *input_path,
                                         SNDFILE                *input,
                                         const SF_INFO          *info,
                                         SNDFILE                *output,
                                         sf_count_t              frames,
                                         double                  gain,
                                         guint64                *done,
                                         guint64                 total,
                                         GError                **error);

G_END_DECLS
