/* tally-export.c: history as CSV or JSON, streamed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tally-export.h"

#define EXPORT_PAGE_SIZE 500
#define FLUSH_THRESHOLD  (64 * 1024)

static const char * const export_columns[] = {
  "id", "kind", "status", "amount", "tool", "run_id", "created_at", "description", NULL
};

const char * const *
tally_export_columns (void)
{
  return export_columns;
}

gboolean
tally_export_format_from_string (const char        *str,
                                 TallyExportFormat *format)
{
  if (g_strcmp0 (str, "csv") == 0)
    *format = TALLY_EXPORT_FORMAT_CSV;
  else if (g_strcmp0 (str, "json") == 0)
    *format = TALLY_EXPORT_FORMAT_JSON;
  else
    return FALSE;

  return TRUE;
}

/* A spreadsheet runs a cell that starts with one of these as a formula. */
static gboolean
looks_like_formula (const char *value)
{
  return value[0] != '\0' && strchr ("=+-@\t\r", value[0]) != NULL;
}

void
tally_csv_append_text_cell (GString    *line,
                            const char *value)
{
  gboolean formula;

  g_return_if_fail (line != NULL);

  if (value == NULL)
    return;

  formula = looks_like_formula (value);
  if (!formula && strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }

  g_string_append_c (line, '"');
  if (formula)
    g_string_append_c (line, '\'');
  for (const char *c = value; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *c);
    }
  g_string_append_c (line, '"');
}

char *
tally_time_to_iso8601 (gint64 microseconds)
{
  g_autoptr(GDateTime) second = g_date_time_new_from_unix_utc (microseconds / G_USEC_PER_SEC);
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *rest = NULL;

  if (second == NULL)
    return g_strdup ("");

  time = g_date_time_add (second, microseconds % G_USEC_PER_SEC);
  /* %Y does not pad: the year 1 would be "1", which no reader takes back. */
  rest = g_date_time_format (time, "-%m-%dT%H:%M:%S.%fZ");
  return g_strdup_printf ("%04d%s", g_date_time_get_year (time), rest);
}

static const char *
item_run_id (const TallyStatementItem *item)
{
  return item->kind == TALLY_TRANSFER_KIND_CONSUMPTION && item->ref[0] ? item->ref : NULL;
}

static void
append_csv_row (GString                  *out,
                const TallyStatementItem *item)
{
  g_autofree char *created_at = tally_time_to_iso8601 (item->created_at);

  g_string_append_printf (out, "%s,%s,%s,%" G_GINT64_FORMAT ",",
                          item->id, tally_transfer_kind_to_string (item->kind),
                          tally_item_status_to_string (item->status), item->amount);
  tally_csv_append_text_cell (out, item->tool_id);
  g_string_append_c (out, ',');
  tally_csv_append_text_cell (out, item_run_id (item));
  g_string_append_printf (out, ",%s,", created_at);
  tally_csv_append_text_cell (out, item->description);
  g_string_append (out, "\r\n");
}

static void
append_json_string_member (JsonBuilder *builder,
                           const char  *name,
                           const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL && value[0] != '\0')
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
append_json_item (GString                  *out,
                  const TallyStatementItem *item,
                  gboolean                  first)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *created_at = tally_time_to_iso8601 (item->created_at);
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  append_json_string_member (builder, "id", item->id);
  append_json_string_member (builder, "kind", tally_transfer_kind_to_string (item->kind));
  append_json_string_member (builder, "status", tally_item_status_to_string (item->status));
  json_builder_set_member_name (builder, "amount");
  json_builder_add_int_value (builder, item->amount);
  append_json_string_member (builder, "tool", item->tool_id);
  append_json_string_member (builder, "run_id", item_run_id (item));
  append_json_string_member (builder, "created_at", created_at);
  append_json_string_member (builder, "description", item->description);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  g_string_append (out, first ? "\n" : ",\n");
  g_string_append (out, text);
}

static gboolean
flush_buffer (GOutputStream  *out,
              GString        *buffer,
              GCancellable   *cancellable,
              GError        **error)
{
  if (buffer->len == 0)
    return TRUE;

  if (!g_output_stream_write_all (out, buffer->str, buffer->len, NULL, cancellable, error))
    return FALSE;

  g_string_truncate (buffer, 0);
  return TRUE;
}

static void
append_header (GString           *buffer,
               TallyExportFormat  format)
{
  if (format == TALLY_EXPORT_FORMAT_JSON)
    {
      g_string_append_c (buffer, '[');
      return;
    }

  for (guint i = 0; export_columns[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (buffer, ',');
      g_string_append (buffer, export_columns[i]);
    }
  g_string_append (buffer, "\r\n");
}

static void
append_item (GString                  *buffer,
             TallyExportFormat         format,
             const TallyStatementItem *item,
             gboolean                  first)
{
  if (format == TALLY_EXPORT_FORMAT_JSON)
    append_json_item (buffer, item, first);
  else
    append_csv_row (buffer, item);
}

/* Writes the pages one after another; returns how many items. */
static gboolean
export_pages (TallyStatementPageFunc      read_page,
              gpointer                    data,
              const TallyStatementQuery  *query,
              TallyExportFormat           format,
              GOutputStream              *out,
              GString                    *buffer,
              GCancellable               *cancellable,
              guint64                    *n_items,
              GError                    **error)
{
  TallyStatementQuery page = *query;

  page.limit = EXPORT_PAGE_SIZE;
  page.before_seq = 0;

  do
    {
      g_autoptr(GArray) items = NULL;
      gint64 next = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      items = read_page (data, &page, &next, error);
      if (items == NULL)
        return FALSE;

      for (guint i = 0; i < items->len; i++, (*n_items)++)
        {
          append_item (buffer, format, &g_array_index (items, TallyStatementItem, i),
                       *n_items == 0);
          if (buffer->len >= FLUSH_THRESHOLD && !flush_buffer (out, buffer, cancellable, error))
            return FALSE;
        }

      page.before_seq = next;
    }
  while (page.before_seq != 0);

  return TRUE;
}

static GArray *
read_ledger_page (gpointer                    ledger,
                  const TallyStatementQuery  *query,
                  gint64                     *next_before_seq,
                  GError                    **error)
{
  return tally_ledger_query_statement (ledger, query, next_before_seq, error);
}

/**
 * tally_export_statement:
 * @ledger: the ledger to read
 * @query: which items (all pages)
 * @format: CSV or JSON
 * @out: where to write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Streams an account's history, newest first. The output stream is not
 * closed.
 *
 * Returns: %TRUE when everything was written
 */
gboolean
tally_export_statement (TallyLedger                *ledger,
                        const TallyStatementQuery  *query,
                        TallyExportFormat           format,
                        GOutputStream              *out,
                        GCancellable               *cancellable,
                        GError                    **error)
{
  g_return_val_if_fail (TALLY_IS_LEDGER (ledger), FALSE);

  return tally_export_statement_pages (read_ledger_page, ledger, query, format, out, cancellable,
                                       error);
}

/**
 * tally_export_statement_pages:
 * @read_page: reads one page of the statement, as tally_ledger_query_statement()
 * @data: what @read_page reads from
 * @query: which items (all pages)
 * @format: CSV or JSON
 * @out: where to write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * As tally_export_statement(), from any store that pages a statement.
 *
 * Returns: %TRUE when everything was written
 */
gboolean
tally_export_statement_pages (TallyStatementPageFunc      read_page,
                              gpointer                    data,
                              const TallyStatementQuery  *query,
                              TallyExportFormat           format,
                              GOutputStream              *out,
                              GCancellable               *cancellable,
                              GError                    **error)
{
  g_autoptr(GString) buffer = g_string_sized_new (FLUSH_THRESHOLD + 4096);
  guint64 n_items = 0;

  g_return_val_if_fail (read_page != NULL, FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  append_header (buffer, format);
  if (!export_pages (read_page, data, query, format, out, buffer, cancellable, &n_items, error))
    return FALSE;

  if (format == TALLY_EXPORT_FORMAT_JSON)
    g_string_append (buffer, n_items > 0 ? "\n]\n" : "]\n");

  return flush_buffer (out, buffer, cancellable, error);
}
