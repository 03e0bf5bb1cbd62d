/* tally-export.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tally-ledger.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_EXPORT_FORMAT_CSV,
  TALLY_EXPORT_FORMAT_JSON,
} TallyExportFormat;

gboolean tally_export_format_from_string (const char           *str,
                                          TallyExportFormat    *format);

/* Writes @value as one RFC 4180 CSV cell. Text that a spreadsheet would
 * take for a formula (starting with = + - @, a tab or a CR) is prefixed
 * with a quote so it stays text. */
void     tally_csv_append_text_cell      (GString              *line,
                                          const char           *value);

/* ISO 8601 in UTC with microseconds ("2026-11-26T08:00:58.446770Z"): how
 * every timestamp is written, in exports and in the API alike. */
char    *tally_time_to_iso8601           (gint64                microseconds);

/* The columns every history export has, in order. */
const char * const *tally_export_columns (void);

/* Streams every item @query selects (all pages, newest first) to @out:
 * memory stays constant however many rows there are. @query's limit and
 * cursor are ignored. */
gboolean tally_export_statement          (TallyLedger                *ledger,
                                          const TallyStatementQuery  *query,
                                          TallyExportFormat           format,
                                          GOutputStream              *out,
                                          GCancellable               *cancellable,
                                          GError                    **error);

/* One page of a statement, as tally_ledger_query_statement() reads it. */
typedef GArray *(*TallyStatementPageFunc) (gpointer                    data,
                                           const TallyStatementQuery  *query,
                                           gint64                     *next_before_seq,
                                           GError                    **error);

gboolean tally_export_statement_pages    (TallyStatementPageFunc      read_page,
                                          gpointer                    data,
                                          const TallyStatementQuery  *query,
                                          TallyExportFormat           format,
                                          GOutputStream              *out,
                                          GCancellable               *cancellable,
                                          GError                    **error);

G_END_DECLS
