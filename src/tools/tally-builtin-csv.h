/* tally-builtin-csv.h: the RFC 4180 reader and writer the CSV tools share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-builtin-private.h"

G_BEGIN_DECLS

typedef struct
{
  /* The file's name, for messages. */
  char       *name;
  GBytes     *contents;
  const char *start;
  const char *p;
  const char *end;
  char        delimiter;
  /* The line the reader is on, from 1, for messages. */
  guint       line;
  /* The line the last record read starts on. */
  guint       row_line;
  /* Records read so far, to pace progress and cancellation checks. */
  guint       rows;
} TallyCsvReader;

/* Loads @path (reporting progress as the first half of the work), checks
 * that it is UTF-8 and skips a byte order mark. @delimiter_name is one of
 * "auto", "comma", "semicolon" and "tab". */
gboolean   tally_csv_reader_open        (TallyCsvReader         *reader,
                                         const TallyBuiltinRun  *run,
                                         const char             *path,
                                         const char             *delimiter_name,
                                         GError                **error);
void       tally_csv_reader_clear       (TallyCsvReader         *reader);

/* The next record as an array of strings, or an empty array at the end;
 * blank lines are skipped. Checks for cancellation and reports progress
 * (the second half of the work) every so many records. */
GPtrArray *tally_csv_reader_read_row    (TallyCsvReader         *reader,
                                         const TallyBuiltinRun  *run,
                                         GError                **error);

/* An error about the file being read: "“name” is not valid CSV: line N: what". */
gboolean   tally_csv_reader_malformed   (TallyCsvReader         *reader,
                                         guint                   line,
                                         const char             *what,
                                         GError                **error);

/* Appends @row as one record ending in CRLF. Cells are written as libtally
 * writes them (tally_csv_append_text_cell): quoted when needed, and text a
 * spreadsheet would run as a formula kept as text. */
void       tally_csv_append_row         (GString                *out,
                                         GPtrArray              *row,
                                         char                    delimiter);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyCsvReader, tally_csv_reader_clear)

G_END_DECLS
