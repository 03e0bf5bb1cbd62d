/* tally-builtin-private.h: what the built-in tools share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

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

typedef gboolean (*TallyBuiltinFunc) (const TallyBuiltinRun  *run,
                                      gint64                 *units,
                                      GError                **error);

struct _TallyBuiltin
{
  const char       *name;
  const char       *output_suffix;
  /* "a.txt" gives "a.txt.gz" rather than "a.gz". */
  gboolean          keep_extension;
  TallyBuiltinFunc  run;
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

G_END_DECLS
