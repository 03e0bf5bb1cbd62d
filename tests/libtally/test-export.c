/* test-export.c: history pages, filters, sums and the CSV and JSON exports
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-util.h"

static const char *
consumption (void)
{
  return tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
}

static void
grant (LedgerFixture *f,
       const char    *description)
{
  TallyTransfer t;

  transfer_new (&t, f->grants, f->alice, 100, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&t, description);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  f->now += G_USEC_PER_SEC;
}

/* A tool run: a hold, then a post of @charged (or a void when 0). */
static void
run (LedgerFixture *f,
     const char    *tool,
     gint64         held,
     gint64         charged,
     gboolean       settle)
{
  TallyTransfer p, s;

  transfer_new (&p, f->alice, consumption (), held, TALLY_TRANSFER_KIND_CONSUMPTION);
  p.flags = TALLY_TRANSFER_FLAG_PENDING;
  tally_transfer_set_tool_id (&p, tool);
  tally_transfer_set_ref (&p, p.id);
  tally_transfer_set_description (&p, tool);
  assert_result (f, &p, TALLY_TRANSFER_OK);
  f->now += G_USEC_PER_SEC;

  if (!settle)
    return;

  transfer_new (&s, "", "", charged, TALLY_TRANSFER_KIND_CONSUMPTION);
  s.flags = charged > 0 ? TALLY_TRANSFER_FLAG_POST_PENDING : TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&s, p.id);
  tally_transfer_set_tool_id (&s, tool);
  assert_result (f, &s, TALLY_TRANSFER_OK);
  f->now += G_USEC_PER_SEC;
}

static GArray *
page (LedgerFixture       *f,
      TallyStatementQuery *q,
      gint64              *next)
{
  g_autoptr(GError) error = NULL;
  GArray *items = tally_ledger_query_statement (f->ledger, q, next, &error);

  g_assert_no_error (error);
  g_assert_nonnull (items);
  return items;
}

#define ITEM(items, i) (&g_array_index ((items), TallyStatementItem, (i)))

static void
test_items (LedgerFixture *f,
            gconstpointer  data)
{
  TallyStatementQuery q = { 0 };
  g_autoptr(GArray) items = NULL;
  gint64 next = -1, sum = 0;
  TallyAccount alice;

  grant (f, "Welcome");
  run (f, "image-resize", 10, 7, TRUE);
  run (f, "pdf-merge", 5, 0, TRUE);
  run (f, "pdf-merge", 4, 0, FALSE);

  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  items = page (f, &q, &next);
  g_assert_cmpuint (items->len, ==, 4);
  g_assert_cmpint (next, ==, 0);

  /* Newest first; a run is one item whatever became of it. */
  g_assert_cmpint (ITEM (items, 0)->status, ==, TALLY_ITEM_STATUS_PENDING);
  g_assert_cmpint (ITEM (items, 0)->amount, ==, -4);
  g_assert_cmpint (ITEM (items, 1)->status, ==, TALLY_ITEM_STATUS_VOIDED);
  g_assert_cmpint (ITEM (items, 1)->amount, ==, 0);
  g_assert_cmpint (ITEM (items, 1)->held, ==, 5);
  g_assert_cmpint (ITEM (items, 2)->status, ==, TALLY_ITEM_STATUS_POSTED);
  g_assert_cmpint (ITEM (items, 2)->amount, ==, -7);
  g_assert_cmpstr (ITEM (items, 2)->tool_id, ==, "image-resize");
  g_assert_cmpint (ITEM (items, 3)->amount, ==, 100);
  g_assert_cmpint (ITEM (items, 3)->kind, ==, TALLY_TRANSFER_KIND_GRANT);
  g_assert_cmpstr (ITEM (items, 3)->counterparty_id, ==, f->grants);

  /* The posted amounts add up to the balance. */
  for (guint i = 0; i < items->len; i++)
    if (ITEM (items, i)->status == TALLY_ITEM_STATUS_POSTED)
      sum += ITEM (items, i)->amount;
  g_assert_true (tally_ledger_lookup_account (f->ledger, f->alice, &alice, NULL));
  g_assert_cmpint (sum, ==, tally_account_balance (&alice));
}

static void
test_paging_and_filters (LedgerFixture *f,
                         gconstpointer  data)
{
  TallyStatementQuery q = { 0 };
  gint64 next = 0, middle;
  guint seen = 0, pages = 0;
  gint64 previous_seq = G_MAXINT64;

  for (guint i = 0; i < 10; i++)
    grant (f, i % 2 ? "Referral bonus" : "Promotion 50%_off");
  middle = f->now;
  for (guint i = 0; i < 15; i++)
    run (f, i % 3 ? "image-resize" : "pdf-merge", 3, 2, TRUE);

  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  q.limit = 4;
  do
    {
      g_autoptr(GArray) items = NULL;

      q.before_seq = next;
      items = page (f, &q, &next);
      for (guint i = 0; i < items->len; i++)
        {
          g_assert_cmpint (ITEM (items, i)->seq, <, previous_seq);
          previous_seq = ITEM (items, i)->seq;
        }
      seen += items->len;
      pages++;
    }
  while (next != 0);
  g_assert_cmpuint (seen, ==, 25);
  g_assert_cmpuint (pages, ==, 7);

  q.before_seq = 0;
  q.limit = 100;
  q.filter_kind = TRUE;
  q.kind = TALLY_TRANSFER_KIND_GRANT;
  {
    g_autoptr(GArray) grants = page (f, &q, NULL);

    g_assert_cmpuint (grants->len, ==, 10);
  }

  q.kind = TALLY_TRANSFER_KIND_CONSUMPTION;
  q.tool_id = "pdf-merge";
  {
    g_autoptr(GArray) merges = page (f, &q, NULL);

    g_assert_cmpuint (merges->len, ==, 5);
  }

  /* The search is literal: % and _ are not wildcards. */
  q.filter_kind = FALSE;
  q.tool_id = NULL;
  q.search = "50%_OFF";
  {
    g_autoptr(GArray) found = page (f, &q, NULL);

    g_assert_cmpuint (found->len, ==, 5);
  }
  q.search = "%";
  {
    g_autoptr(GArray) found = page (f, &q, NULL);

    g_assert_cmpuint (found->len, ==, 5);
  }
  q.search = "'; DROP TABLE transfers; --";
  {
    g_autoptr(GArray) found = page (f, &q, NULL);

    g_assert_cmpuint (found->len, ==, 0);
  }

  /* Time range: only the runs. */
  q.search = NULL;
  q.since = middle;
  {
    g_autoptr(GArray) runs = page (f, &q, NULL);

    g_assert_cmpuint (runs->len, ==, 15);
  }
  q.since = 0;
  q.until = middle;
  {
    g_autoptr(GArray) early = page (f, &q, NULL);

    g_assert_cmpuint (early->len, ==, 10);
  }
  assert_check_clean (f);
}

static void
test_sums (LedgerFixture *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) costs = NULL;
  gint64 start = f->now, spent = -1;

  grant (f, "Welcome");
  run (f, "image-resize", 10, 7, TRUE);
  run (f, "image-resize", 10, 0, TRUE);
  run (f, "image-resize", 6, 0, FALSE);
  run (f, "pdf-merge", 5, 5, TRUE);

  /* Posted charges plus holds still pending; a void costs nothing. */
  g_assert_true (tally_ledger_sum_consumption (f->ledger, f->alice, start, f->now + 1, &spent,
                                               &error));
  g_assert_no_error (error);
  g_assert_cmpint (spent, ==, 7 + 6 + 5);
  g_assert_true (tally_ledger_sum_consumption (f->ledger, f->alice, f->now + 1, 0, &spent, NULL));
  g_assert_cmpint (spent, ==, 0);

  costs = tally_ledger_recent_run_costs (f->ledger, f->alice, "image-resize", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (costs->len, ==, 1);
  g_assert_cmpint (g_array_index (costs, gint64, 0), ==, 7);
}

static void
test_transfers_after (LedgerFixture *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = NULL, rest = NULL, none = NULL;
  const char *mine[] = { f->alice, NULL };
  const char *nobody[] = { "not-an-account", NULL };
  TallyTransfer t;

  grant (f, "one");
  transfer_new (&t, f->grants, f->bob, 5, TALLY_TRANSFER_KIND_GRANT);
  assert_result (f, &t, TALLY_TRANSFER_OK);
  grant (f, "two");
  run (f, "image-resize", 3, 2, TRUE);

  all = tally_ledger_transfers_after (f->ledger, mine, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpint (g_array_index (all, TallyTransfer, 0).seq, ==, 1);
  g_assert_cmpint (g_array_index (all, TallyTransfer, 1).seq, ==, 3);
  g_assert_cmpstr (g_array_index (all, TallyTransfer, 3).pending_id, ==,
                   g_array_index (all, TallyTransfer, 2).id);

  rest = tally_ledger_transfers_after (f->ledger, mine, 3, 1, &error);
  g_assert_cmpuint (rest->len, ==, 1);
  g_assert_cmpint (g_array_index (rest, TallyTransfer, 0).seq, ==, 4);

  none = tally_ledger_transfers_after (f->ledger, nobody, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static char *
export_query_to_string (LedgerFixture             *f,
                        const TallyStatementQuery *q,
                        TallyExportFormat          format)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_true (tally_export_statement (f->ledger, q, format, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));

  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static char *
export_to_string (LedgerFixture     *f,
                  TallyExportFormat  format)
{
  TallyStatementQuery q = { 0 };

  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  return export_query_to_string (f, &q, format);
}

/* A device's lease of @amount, voided and taken again @n_renewals times;
 * the last one still holds. */
static void
lease (LedgerFixture *f,
       gint64         amount,
       guint          n_renewals)
{
  g_autofree char *device = g_uuid_string_random ();
  TallyAccount account;
  TallyTransfer held, release;

  tally_account_init (&account, device, TALLY_ACCOUNT_KIND_LEASE, TALLY_ACCOUNT_FLAG_NONE,
                      "Offline lease", "UTC");
  g_assert_true (tally_ledger_create_account (f->ledger, &account, NULL));

  for (guint i = 0; i <= n_renewals; i++)
    {
      if (i > 0)
        {
          transfer_new (&release, "", "", 0, TALLY_TRANSFER_KIND_LEASE);
          release.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
          tally_transfer_set_pending_id (&release, held.id);
          assert_result (f, &release, TALLY_TRANSFER_OK);
        }
      transfer_new (&held, f->alice, device, amount, TALLY_TRANSFER_KIND_LEASE);
      held.flags = TALLY_TRANSFER_FLAG_PENDING;
      held.timeout = 3600;
      tally_transfer_set_description (&held, "Offline lease");
      assert_result (f, &held, TALLY_TRANSFER_OK);
      f->now += G_USEC_PER_SEC;
    }
}

static guint
count_lines_with (const char *text,
                  const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += strstr (lines[i], needle) != NULL;
  return n;
}

/* Leases are left out when asked, and the posted amounts that remain
 * still add up to the balance: a lease is only ever voided. */
static void
test_export_without_leases (LedgerFixture *f,
                            gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *csv = NULL, *json = NULL;
  TallyStatementQuery q = { 0 };
  TallyAccount alice;
  JsonArray *array;
  gint64 sum = 0;

  grant (f, "Welcome");
  lease (f, 40, 2);
  run (f, "pdf-merge", 5, 4, TRUE);

  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  csv = export_query_to_string (f, &q, TALLY_EXPORT_FORMAT_CSV);
  g_assert_cmpuint (count_lines_with (csv, ",lease,"), ==, 3);
  g_assert_cmpuint (count_lines_with (csv, ",lease,pending,-40,"), ==, 1);
  g_clear_pointer (&csv, g_free);

  q.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
  csv = export_query_to_string (f, &q, TALLY_EXPORT_FORMAT_CSV);
  g_assert_cmpuint (count_lines_with (csv, ",lease,"), ==, 0);
  g_assert_cmpuint (count_lines_with (csv, ",posted,"), ==, 2);

  json = export_query_to_string (f, &q, TALLY_EXPORT_FORMAT_JSON);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (g_str_equal (json_object_get_string_member (item, "status"), "posted"))
        sum += json_object_get_int_member (item, "amount");
    }
  g_assert_true (tally_ledger_lookup_account (f->ledger, f->alice, &alice, NULL));
  g_assert_cmpint (sum, ==, tally_account_balance (&alice));
  g_assert_cmpint (sum, ==, 100 - 4);
  assert_check_clean (f);
}

static void
test_csv (LedgerFixture *f,
          gconstpointer  data)
{
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;

  grant (f, "=HYPERLINK(\"http://evil\",\"click\")");
  grant (f, "+1 bonus, \"quoted\"");
  grant (f, "@SUM(A1)");
  grant (f, "-2+3");
  grant (f, "\tTabbed");
  grant (f, "Plain");
  run (f, "image-resize", 10, 7, TRUE);

  csv = export_to_string (f, TALLY_EXPORT_FORMAT_CSV);
  lines = g_strsplit (csv, "\r\n", -1);

  g_assert_cmpstr (lines[0], ==, "id,kind,status,amount,tool,run_id,created_at,description");
  g_assert_true (g_str_has_suffix (lines[1], ",\"'-2+3\"") == FALSE);
  g_assert_nonnull (strstr (lines[1], ",posted,-7,image-resize,"));
  g_assert_true (g_str_has_suffix (lines[2], ",Plain"));
  g_assert_true (g_str_has_suffix (lines[3], ",\"'\tTabbed\""));
  g_assert_true (g_str_has_suffix (lines[4], ",\"'-2+3\""));
  g_assert_true (g_str_has_suffix (lines[5], ",\"'@SUM(A1)\""));
  g_assert_true (g_str_has_suffix (lines[6], ",\"'+1 bonus, \"\"quoted\"\"\""));
  g_assert_true (g_str_has_suffix (lines[7],
                                   ",\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\""));
  g_assert_nonnull (strstr (lines[7], ",grant,posted,100,,,"));
  g_assert_cmpstr (lines[8], ==, "");
  g_assert_null (lines[9]);
}

static void
test_json (LedgerFixture *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  JsonArray *array;
  JsonObject *first;

  json = export_to_string (f, TALLY_EXPORT_FORMAT_JSON);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))),
                   ==, 0);
  g_clear_pointer (&json, g_free);

  grant (f, "Quote \" and newline\n and ünïcödé");
  run (f, "pdf-merge", 4, 3, TRUE);
  json = export_to_string (f, TALLY_EXPORT_FORMAT_JSON);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);

  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpint (json_array_get_length (array), ==, 2);
  first = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "kind"), ==, "consumption");
  g_assert_cmpstr (json_object_get_string_member (first, "status"), ==, "posted");
  g_assert_cmpint (json_object_get_int_member (first, "amount"), ==, -3);
  g_assert_cmpstr (json_object_get_string_member (first, "tool"), ==, "pdf-merge");
  g_assert_cmpstr (json_object_get_string_member (first, "run_id"), ==,
                   json_object_get_string_member (first, "id"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (first, "created_at"), "Z"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1),
                                                  "description"), ==,
                   "Quote \" and newline\n and ünïcödé");
  g_assert_true (json_object_get_null_member (json_array_get_object_element (array, 1),
                                              "run_id"));
}

/* Many pages stream through in chunks of bounded size. */
static void
test_large_export (LedgerFixture *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  TallyStatementQuery q = { 0 };
  enum { N = 3000 };
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, N);
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, N);
  g_autofree char *csv = NULL;
  guint lines = 0;

  for (guint i = 0; i < N; i++)
    transfer_new (&batch[i], f->grants, f->alice, 1, TALLY_TRANSFER_KIND_GRANT);
  g_assert_true (tally_ledger_create_transfers (f->ledger, batch, N, results, NULL));

  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  g_assert_true (tally_export_statement (f->ledger, &q, TALLY_EXPORT_FORMAT_CSV, out, NULL,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  csv = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  for (const char *c = csv; *c; c++)
    lines += *c == '\n';
  g_assert_cmpuint (lines, ==, N + 1);
}

static void
test_cancelled_export (LedgerFixture *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TallyStatementQuery q = { 0 };

  grant (f, "Welcome");
  g_strlcpy (q.account_id, f->alice, sizeof q.account_id);
  g_cancellable_cancel (cancellable);
  g_assert_false (tally_export_statement (f->ledger, &q, TALLY_EXPORT_FORMAT_JSON, out,
                                          cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_format_names (void)
{
  TallyExportFormat format;

  g_assert_true (tally_export_format_from_string ("csv", &format));
  g_assert_cmpint (format, ==, TALLY_EXPORT_FORMAT_CSV);
  g_assert_true (tally_export_format_from_string ("json", &format));
  g_assert_cmpint (format, ==, TALLY_EXPORT_FORMAT_JSON);
  g_assert_false (tally_export_format_from_string ("xlsx", &format));
  g_assert_false (tally_export_format_from_string (NULL, &format));
}

#define ADD(path, func) \
  g_test_add (path, LedgerFixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/format-names", test_format_names);
  ADD ("/statement/items", test_items);
  ADD ("/statement/paging-and-filters", test_paging_and_filters);
  ADD ("/statement/sums", test_sums);
  ADD ("/statement/transfers-after", test_transfers_after);
  ADD ("/export/csv", test_csv);
  ADD ("/export/json", test_json);
  ADD ("/export/without-leases", test_export_without_leases);
  ADD ("/export/large", test_large_export);
  ADD ("/export/cancelled", test_cancelled_export);

  return g_test_run ();
}
