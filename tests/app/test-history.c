/* test-history.c: the history model over a ledger file, its filters, the
 * page in a real window, and exports
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally.h"
#include "tally-history-item.h"
#include "tally-history-model.h"
#include "tally-history-page.h"
#include "tally-history-row.h"

#include "tally-app-test.h"

#define DAY (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)
/* 2026-10-01 12:00 UTC: the first transfer. */
#define START (G_GINT64_CONSTANT (1790856000) * G_USEC_PER_SEC)
#define FORMULA "=cmd|' /C calc'!A0"

typedef struct
{
  char        *dir;
  char        *path;
  TallyLedger *ledger;
  gint64       now;
  char         user[TALLY_UUID_LEN];
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static void
submit (Fixture       *f,
        TallyTransfer *transfers,
        guint          n)
{
  g_autoptr(GError) error = NULL;
  g_autofree TallyTransferResult *results = g_new0 (TallyTransferResult, n);

  g_assert_true (tally_ledger_create_transfers (f->ledger, transfers, n, results, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (tally_transfer_result_to_string (results[i]), ==,
                     tally_transfer_result_to_string (TALLY_TRANSFER_OK));
}

static void
credit (Fixture           *f,
        TallySystemAccount from,
        TallyTransferKind  kind,
        gint64             amount,
        const char        *description)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer t;

  tally_transfer_init (&t, id, tally_system_account_id (from), f->user, amount, kind);
  tally_transfer_set_description (&t, description);
  submit (f, &t, 1);
  f->now += DAY;
}

/* A run's hold; then a post of @charged, a void (0), or nothing (-1). */
static void
run (Fixture    *f,
     const char *tool,
     const char *description,
     gint64      held,
     gint64      charged)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *settle_id = g_uuid_string_random ();
  TallyTransfer t, s;

  tally_transfer_init (&t, id, f->user, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION),
                       held, TALLY_TRANSFER_KIND_CONSUMPTION);
  t.flags = TALLY_TRANSFER_FLAG_PENDING;
  tally_transfer_set_tool_id (&t, tool);
  tally_transfer_set_ref (&t, id);
  tally_transfer_set_description (&t, description);
  submit (f, &t, 1);

  if (charged >= 0)
    {
      tally_transfer_init (&s, settle_id, "", "", charged, TALLY_TRANSFER_KIND_CONSUMPTION);
      s.flags = charged > 0 ? TALLY_TRANSFER_FLAG_POST_PENDING : TALLY_TRANSFER_FLAG_VOID_PENDING;
      tally_transfer_set_pending_id (&s, id);
      submit (f, &s, 1);
    }
  f->now += DAY;
}

/* Newest first, the history reads: the pending hold, the formula, the
 * voided run, the posted run, the purchase, the grant. */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  TallyAccount account;

  f->dir = g_dir_make_tmp ("tally-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "cache.db", NULL);
  f->ledger = tally_ledger_open (f->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  f->now = START;
  tally_ledger_set_clock (f->ledger, fixture_clock, f);

  g_strlcpy (f->user, id, sizeof f->user);
  tally_account_init (&account, f->user, TALLY_ACCOUNT_KIND_USER,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Ada", "UTC");
  g_assert_true (tally_ledger_create_account (f->ledger, &account, &error));

  credit (f, TALLY_SYSTEM_ACCOUNT_GRANTS, TALLY_TRANSFER_KIND_GRANT, 1000, "Welcome credits");
  credit (f, TALLY_SYSTEM_ACCOUNT_PAYMENTS, TALLY_TRANSFER_KIND_PURCHASE, 500, "Credit pack");
  run (f, "pdf-merge", "Merge quarterly reports", 30, 12);
  run (f, "image-resize", "Resize failed photos", 15, 0);
  credit (f, TALLY_SYSTEM_ACCOUNT_PAYMENTS, TALLY_TRANSFER_KIND_PURCHASE, 5, FORMULA);
  run (f, "image-resize", "Resize holiday photos", 20, -1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->ledger);
  test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static gboolean
model_loaded (gpointer data)
{
  return !tally_history_model_get_loading (data);
}

typedef struct
{
  TallyHistoryModel *model;
  guint              n_items;
} ItemsWait;

static gboolean
model_has_n_items (gpointer data)
{
  ItemsWait *wait = data;

  return model_loaded (wait->model) &&
         g_list_model_get_n_items (G_LIST_MODEL (wait->model)) == wait->n_items;
}

/* The search entry waits for typing to pause before it filters. */
static void
wait_for_n_items (TallyHistoryModel *model,
                  guint              n_items)
{
  ItemsWait wait = { model, n_items };

  wait_for (model_has_n_items, &wait, "the filtered history");
}

static TallyHistoryModel *
loaded_model (Fixture                   *f,
              const TallyStatementQuery *filter)
{
  TallyHistoryModel *model = tally_history_model_new ();

  if (filter != NULL)
    tally_history_model_set_filter (model, filter);
  tally_history_model_set_source (model, f->ledger, f->user);
  wait_for (model_loaded, model, "the history to be counted");
  return model;
}

static TallyHistoryItem *
item_at (TallyHistoryModel *model,
         guint              position)
{
  TallyHistoryItem *item = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (item);
  /* The list keeps its own reference while the row shows. */
  g_object_unref (item);
  return item;
}

static void
assert_descriptions (TallyHistoryModel  *model,
                     const char * const *expected)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (n, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (tally_history_item_get_description (item_at (model, i)), ==, expected[i]);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), n));
}

static void
test_items (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(TallyHistoryModel) model = loaded_model (f, NULL);
  const char * const all[] = {
    "Resize holiday photos", FORMULA, "Resize failed photos", "Merge quarterly reports",
    "Credit pack", "Welcome credits", NULL
  };
  TallyHistoryItem *item;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == TALLY_TYPE_HISTORY_ITEM);
  assert_descriptions (model, all);

  item = item_at (model, 0);
  g_assert_cmpint (tally_history_item_get_status (item), ==, TALLY_ITEM_STATUS_PENDING);
  g_assert_cmpint (tally_history_item_get_amount (item), ==, -20);
  g_assert_cmpstr (tally_history_item_get_tool_id (item), ==, "image-resize");
  item = item_at (model, 2);
  g_assert_cmpint (tally_history_item_get_status (item), ==, TALLY_ITEM_STATUS_VOIDED);
  g_assert_cmpint (tally_history_item_get_amount (item), ==, 0);
  g_assert_cmpint (tally_history_item_get_held (item), ==, 15);
  item = item_at (model, 3);
  g_assert_cmpint (tally_history_item_get_status (item), ==, TALLY_ITEM_STATUS_POSTED);
  g_assert_cmpint (tally_history_item_get_amount (item), ==, -12);
  item = item_at (model, 5);
  g_assert_cmpint (tally_history_item_get_kind (item), ==, TALLY_TRANSFER_KIND_GRANT);
  g_assert_cmpint (tally_history_item_get_amount (item), ==, 1000);
  g_assert_cmpint (tally_history_item_get_created_at (item), ==, START);

  /* Nothing shows what came after the snapshot until a reload. */
  credit (f, TALLY_SYSTEM_ACCOUNT_GRANTS, TALLY_TRANSFER_KIND_GRANT, 7, "Late grant");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 6);
  tally_history_model_reload (model);
  wait_for (model_loaded, model, "the reload");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);
  g_assert_cmpstr (tally_history_item_get_description (item_at (model, 0)), ==, "Late grant");
}

static void
test_unknown_account (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TallyHistoryModel) model = tally_history_model_new ();

  tally_history_model_set_source (model, f->ledger, "5f0c6a55-7d0b-4a3e-9a61-1c1a0d2b3c4d");
  wait_for (model_loaded, model, "the history to be counted");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);

  tally_history_model_set_source (model, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  TallyStatementQuery filter = { 0 };
  g_autoptr(TallyHistoryModel) model = NULL;
  char search[] = "PHOTOS";

  filter.filter_kind = TRUE;
  filter.kind = TALLY_TRANSFER_KIND_PURCHASE;
  model = loaded_model (f, &filter);
  assert_descriptions (model, (const char * const []) { FORMULA, "Credit pack", NULL });
  g_clear_object (&model);

  filter.kind = TALLY_TRANSFER_KIND_CONSUMPTION;
  filter.tool_id = "image-resize";
  model = loaded_model (f, &filter);
  assert_descriptions (model, (const char * const []) { "Resize holiday photos",
                                                         "Resize failed photos", NULL });
  g_clear_object (&model);

  /* Case does not matter; the filter is copied. */
  filter.filter_kind = FALSE;
  filter.tool_id = NULL;
  filter.search = search;
  model = loaded_model (f, &filter);
  search[0] = 'X';
  assert_descriptions (model, (const char * const []) { "Resize holiday photos",
                                                         "Resize failed photos", NULL });
  g_clear_object (&model);

  /* Days 2 to 4 of the seven: since included, until not. */
  filter.search = NULL;
  filter.since = START + DAY;
  filter.until = START + 4 * DAY;
  model = loaded_model (f, &filter);
  assert_descriptions (model, (const char * const []) { "Resize failed photos",
                                                         "Merge quarterly reports",
                                                         "Credit pack", NULL });

  /* A filter that matches nothing. */
  filter.search = "nothing like this";
  tally_history_model_set_filter (model, &filter);
  wait_for (model_loaded, model, "the search");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

#define N_RUNS 12000

/* Many posted runs, numbered in their descriptions, in batches. */
static void
add_runs (Fixture *f,
          guint    n)
{
  g_autofree TallyTransfer *batch = g_new0 (TallyTransfer, 1000);
  const char *consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);

  credit (f, TALLY_SYSTEM_ACCOUNT_GRANTS, TALLY_TRANSFER_KIND_GRANT, 10 * N_RUNS, "Big grant");
  for (guint done = 0; done < n; done += 1000)
    {
      for (guint i = 0; i < 1000; i++)
        {
          g_autofree char *id = g_uuid_string_random ();
          g_autofree char *description = g_strdup_printf ("Run %05u", done + i);

          tally_transfer_init (&batch[i], id, f->user, consumption, 1,
                               TALLY_TRANSFER_KIND_CONSUMPTION);
          tally_transfer_set_tool_id (&batch[i], "word-count");
          tally_transfer_set_description (&batch[i], description);
        }
      submit (f, batch, 1000);
    }
}

static void
assert_run_at (TallyHistoryModel *model,
               guint              position)
{
  g_autofree char *expected = g_strdup_printf ("Run %05u", N_RUNS - 1 - position);

  g_assert_cmpstr (tally_history_item_get_description (item_at (model, position)), ==, expected);
}

static void
test_random_access (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TallyHistoryModel) model = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint fetched;

  add_runs (f, N_RUNS);
  model = loaded_model (f, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_RUNS + 1 + 6);
  /* The first page, at once. */
  g_assert_cmpuint (tally_history_model_get_n_pages_fetched (model), ==, 1);

  /* Far positions: one page read each, never the pages in between. */
  assert_run_at (model, 9876);
  assert_run_at (model, N_RUNS - 1);
  assert_run_at (model, 5000);
  assert_run_at (model, 5099);
  g_assert_cmpuint (tally_history_model_get_n_pages_fetched (model), ==, 4);
  g_assert_cmpstr (tally_history_item_get_description (item_at (model, N_RUNS)), ==,
                   "Big grant");
  g_assert_cmpstr (tally_history_item_get_description (item_at (model, N_RUNS + 6)), ==,
                   "Welcome credits");

  /* The same item while its page is kept. */
  g_assert_true (item_at (model, 5000) == item_at (model, 5000));

  /* Anywhere at random: memory stays bounded. */
  for (guint i = 0; i < 500; i++)
    assert_run_at (model, g_rand_int_range (rand, 0, N_RUNS));
  g_assert_cmpuint (tally_history_model_get_n_pages_cached (model), <=, 32);
  fetched = tally_history_model_get_n_pages_fetched (model);
  g_assert_cmpuint (fetched, <=, 4 + 2 + 500);

  /* A new transfer: the old snapshot shows until the new one is counted,
   * then the new item is first. */
  credit (f, TALLY_SYSTEM_ACCOUNT_GRANTS, TALLY_TRANSFER_KIND_GRANT, 3, "Newest grant");
  tally_history_model_reload (model);
  g_assert_true (tally_history_model_get_loading (model));
  assert_run_at (model, 0);
  wait_for (model_loaded, model, "the reload");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_RUNS + 1 + 6 + 1);
  g_assert_cmpstr (tally_history_item_get_description (item_at (model, 0)), ==, "Newest grant");
  g_assert_cmpstr (tally_history_item_get_description (item_at (model, 1)), ==, "Run 11999");

  /* Reading straight through reads each page once. */
  tally_history_model_set_filter (model, &(TallyStatementQuery) { .filter_kind = TRUE,
                                                                  .kind = TALLY_TRANSFER_KIND_CONSUMPTION,
                                                                  .tool_id = "word-count" });
  wait_for (model_loaded, model, "the filter");
  fetched = tally_history_model_get_n_pages_fetched (model);
  for (guint i = 0; i < N_RUNS; i++)
    assert_run_at (model, i);
  g_assert_cmpuint (tally_history_model_get_n_pages_fetched (model) - fetched, ==,
                    N_RUNS / TALLY_HISTORY_MODEL_PAGE_SIZE - 1);
}

/* A device's lease as syncs keep it, with an offline run charged at each
 * sync: the lease is voided and taken again, so the history gains one
 * run and one lease item per sync. The last lease still holds. */
static void
add_synced_leases (Fixture *f,
                   guint    n_syncs)
{
  g_autofree char *device = g_uuid_string_random ();
  char lease_id[TALLY_UUID_LEN] = "";
  TallyAccount account;

  tally_account_init (&account, device, TALLY_ACCOUNT_KIND_LEASE, TALLY_ACCOUNT_FLAG_NONE,
                      "Offline lease", "UTC");
  g_assert_true (tally_ledger_create_account (f->ledger, &account, NULL));

  for (guint i = 0; i < n_syncs; i++)
    {
      g_autofree char *void_id = g_uuid_string_random ();
      g_autofree char *run_id = g_uuid_string_random ();
      g_autofree char *new_id = g_uuid_string_random ();
      g_autofree char *description = g_strdup_printf ("Offline run %03u", i);
      TallyTransfer chain[3];
      guint n = 0;

      if (lease_id[0] != '\0')
        {
          tally_transfer_init (&chain[n], void_id, "", "", 0, TALLY_TRANSFER_KIND_LEASE);
          chain[n].flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
          tally_transfer_set_pending_id (&chain[n++], lease_id);
        }
      tally_transfer_init (&chain[n], run_id, f->user,
                           tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), 1,
                           TALLY_TRANSFER_KIND_CONSUMPTION);
      tally_transfer_set_tool_id (&chain[n], "word-count");
      tally_transfer_set_description (&chain[n++], description);
      tally_transfer_init (&chain[n], new_id, f->user, device, 2, TALLY_TRANSFER_KIND_LEASE);
      chain[n].flags = TALLY_TRANSFER_FLAG_PENDING;
      chain[n].timeout = 86400;
      tally_transfer_set_description (&chain[n++], "Offline lease");
      submit (f, chain, n);
      g_strlcpy (lease_id, new_id, sizeof lease_id);
      f->now += G_USEC_PER_SEC;
    }
}

#define N_SYNCS 250

/* Leases are left out unless asked for; the count and the page starts
 * agree with what each position holds, across several pages. */
static void
test_leases (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TallyHistoryModel) model = NULL;
  TallyStatementQuery query;
  guint n;

  add_synced_leases (f, N_SYNCS);

  model = loaded_model (f, NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, N_SYNCS + 6);
  g_assert_cmpuint (n, >, 2 * TALLY_HISTORY_MODEL_PAGE_SIZE);
  for (guint i = 0; i < N_SYNCS; i++)
    {
      g_autofree char *expected = g_strdup_printf ("Offline run %03u", N_SYNCS - 1 - i);

      g_assert_cmpstr (tally_history_item_get_description (item_at (model, i)), ==, expected);
    }
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (tally_history_item_get_kind (item_at (model, i)), !=,
                     TALLY_TRANSFER_KIND_LEASE);
  g_assert_cmpstr (tally_history_item_get_description (item_at (model, n - 1)), ==,
                   "Welcome credits");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), n));

  /* What an export of the model reads leaves them out too. */
  tally_history_model_get_query (model, &query);
  g_assert_cmpuint (query.exclude_kinds, ==,
                    TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE));

  /* Asked for: every lease, the one that holds first. */
  tally_history_model_set_filter (model, &(TallyStatementQuery) {
                                    .filter_kind = TRUE,
                                    .kind = TALLY_TRANSFER_KIND_LEASE });
  wait_for (model_loaded, model, "the lease filter");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_SYNCS);
  g_assert_cmpint (tally_history_item_get_status (item_at (model, 0)), ==,
                   TALLY_ITEM_STATUS_PENDING);
  g_assert_cmpint (tally_history_item_get_amount (item_at (model, 0)), ==, -2);
  for (guint i = 1; i < N_SYNCS; i++)
    {
      TallyHistoryItem *item = item_at (model, i);

      g_assert_cmpint (tally_history_item_get_kind (item), ==, TALLY_TRANSFER_KIND_LEASE);
      g_assert_cmpint (tally_history_item_get_status (item), ==, TALLY_ITEM_STATUS_VOIDED);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), N_SYNCS));

  /* Back to every kind: hidden again. */
  tally_history_model_set_filter (model, &(TallyStatementQuery) { 0 });
  wait_for (model_loaded, model, "the filter cleared");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_SYNCS + 6);
}

/* The page */

typedef struct
{
  GtkWidget        *window;
  TallyHistoryPage *page;
} PageWindow;

static void
page_window_open (PageWindow *w,
                  Fixture    *f,
                  int         width)
{
  g_autoptr(TallyToolRegistry) tools = tally_tool_registry_new ();

  w->window = gtk_window_new ();
  w->page = g_object_new (TALLY_TYPE_HISTORY_PAGE, NULL);
  gtk_window_set_child (GTK_WINDOW (w->window), GTK_WIDGET (w->page));
  gtk_window_set_default_size (GTK_WINDOW (w->window), width, 640);
  gtk_window_present (GTK_WINDOW (w->window));

  /* The catalogue names the runs ("image-resize" is "Resize images"). */
  g_assert_true (tally_tool_registry_load_directory (tools, g_getenv ("TALLY_TOOLS_DIR"), NULL,
                                                     NULL));
  tally_history_page_set_tools (w->page, tools);
  tally_history_page_set_source (w->page, f->ledger, f->user);
  wait_for (model_loaded, tally_history_page_get_model (w->page), "the page's history");
}

static gboolean
is_dropdown (GtkWidget  *widget,
             const char *unused)
{
  return GTK_IS_DROP_DOWN (widget);
}

static gboolean
is_search_entry (GtkWidget  *widget,
                 const char *unused)
{
  return GTK_IS_SEARCH_ENTRY (widget);
}

static gboolean
is_struck_label (GtkWidget  *widget,
                 const char *text)
{
  PangoAttrList *attributes;
  g_autofree char *described = NULL;

  if (!is_label_with (widget, text))
    return FALSE;

  attributes = gtk_label_get_attributes (GTK_LABEL (widget));
  described = attributes ? pango_attr_list_to_string (attributes) : NULL;
  return described != NULL && strstr (described, "strikethrough true") != NULL;
}

/* The control a focused widget belongs to: a menu button's inner button,
 * a list's row, a dropdown's button. */
static GtkWidget *
focused_control (GtkWidget *focus)
{
  const GType types[] = { GTK_TYPE_SEARCH_ENTRY, GTK_TYPE_MENU_BUTTON, GTK_TYPE_DROP_DOWN,
                          GTK_TYPE_LIST_VIEW };

  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    for (guint i = 0; i < G_N_ELEMENTS (types); i++)
      if (G_TYPE_CHECK_INSTANCE_TYPE (w, types[i]))
        return w;

  return NULL;
}

/* Tab, as many times as it takes to come round: every control once. */
static void
assert_tab_reaches_every_control (GtkWidget *window)
{
  g_autoptr(GPtrArray) reached = g_ptr_array_new ();
  guint n_menu_buttons = 0, n_dropdowns = 0, n_lists = 0, n_entries = 0;

  for (guint i = 0; i < 40; i++)
    {
      GtkWidget *control;

      if (!gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD))
        continue;
      control = focused_control (gtk_root_get_focus (GTK_ROOT (window)));
      if (control != NULL && !g_ptr_array_find (reached, control, NULL))
        g_ptr_array_add (reached, control);
    }

  for (guint i = 0; i < reached->len; i++)
    {
      GtkWidget *control = g_ptr_array_index (reached, i);

      n_menu_buttons += GTK_IS_MENU_BUTTON (control);
      n_dropdowns += GTK_IS_DROP_DOWN (control);
      n_lists += GTK_IS_LIST_VIEW (control);
      n_entries += GTK_IS_SEARCH_ENTRY (control);
    }

  /* Export, from and to; kind and tool; the search; the list. */
  g_assert_cmpuint (n_menu_buttons, ==, 3);
  g_assert_cmpuint (n_dropdowns, ==, 2);
  g_assert_cmpuint (n_entries, ==, 1);
  g_assert_cmpuint (n_lists, ==, 1);
}

static gboolean
is_menu_button_labelled (GtkWidget  *widget,
                         const char *label)
{
  return GTK_IS_MENU_BUTTON (widget) &&
         g_strcmp0 (gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)), label) == 0;
}

static gboolean
is_menu_button_starting (GtkWidget  *widget,
                         const char *start)
{
  return GTK_IS_MENU_BUTTON (widget) &&
         g_str_has_prefix (gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)), start) &&
         !g_str_has_suffix (gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)), "Any Day");
}

static gboolean
is_calendar (GtkWidget  *widget,
             const char *unused)
{
  return GTK_IS_CALENDAR (widget);
}

/* Opens the date button labelled @label and picks a day of October 2026
 * on its calendar, as the user would. */
static void
pick_day (GtkWidget  *window,
          const char *label,
          int         day)
{
  g_autoptr(GDateTime) date = g_date_time_new_local (2026, 10, day, 0, 0, 0);
  GtkWidget *button = wait_for_widget (window, is_menu_button_labelled, label);

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  gtk_calendar_select_day (GTK_CALENDAR (wait_for_widget (button, is_calendar, NULL)), date);
}

static void
test_page (Fixture       *f,
           gconstpointer  data)
{
  PageWindow w;
  GtkWidget *kinds;
  GtkWidget *since;

  page_window_open (&w, f, 900);

  /* Rows: descriptions, tool names, signed amounts, statuses. */
  wait_for_widget (w.window, is_label_with, "Resize holiday photos");
  wait_for_widget (w.window, is_label_starting, "Resize images ·");
  wait_for_widget (w.window, is_label_with, "Pending");
  wait_for_widget (w.window, is_label_with, "Released");
  wait_for_widget (w.window, is_label_with, "\u221212 credits");
  wait_for_widget (w.window, is_label_with, "+500 credits");
  g_assert_nonnull (find_widget (w.window, is_struck_label, "\u221215 credits"));
  g_assert_true (gtk_widget_has_css_class (
                   gtk_widget_get_ancestor (find_widget (w.window, is_label_with, "Pending"),
                                            TALLY_TYPE_HISTORY_ROW),
                   "pending"));
  save_screenshot (w.window, "history-page-wide-light.png");
  assert_tab_reaches_every_control (w.window);

  /* Filters from the controls: grants only, then a search that finds
   * nothing at all. */
  kinds = find_widget (w.window, is_dropdown, NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (kinds), 1 + TALLY_TRANSFER_KIND_GRANT);
  wait_for_n_items (tally_history_page_get_model (w.page), 1);
  wait_for_widget (w.window, is_label_with, "Welcome credits");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (kinds), 0);
  wait_for_n_items (tally_history_page_get_model (w.page), 6);

  /* October 2 to 4, both included, in the user's time. */
  pick_day (w.window, "From Any Day", 2);
  pick_day (w.window, "To Any Day", 4);
  wait_for_n_items (tally_history_page_get_model (w.page), 3);
  wait_for_widget (w.window, is_label_with, "Credit pack");
  wait_for_widget (w.window, is_label_with, "Resize failed photos");
  /* Any Date on the first button: from the start of the history to the
   * 4th, which leaves out only what came after; then from the 3rd. */
  since = wait_for_widget (w.window, is_menu_button_starting, "From ");
  gtk_menu_button_popup (GTK_MENU_BUTTON (since));
  click (since, "_Any Date");
  wait_for_n_items (tally_history_page_get_model (w.page), 4);
  g_assert_nonnull (find_widget (w.window, is_menu_button_labelled, "From Any Day"));
  pick_day (w.window, "From Any Day", 3);
  wait_for_n_items (tally_history_page_get_model (w.page), 2);

  gtk_editable_set_text (GTK_EDITABLE (find_widget (w.window, is_search_entry, NULL)), "zebra");
  wait_for_widget (w.window, is_label_with, "No Matching Transactions");
  save_screenshot (w.window, "history-page-empty.png");

  gtk_window_destroy (GTK_WINDOW (w.window));
}

static void
shoot (Fixture        *f,
       int             width,
       AdwColorScheme  scheme,
       const char     *name)
{
  PageWindow w;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
  page_window_open (&w, f, width);
  wait_for_widget (w.window, is_label_with, "Resize holiday photos");
  save_screenshot (w.window, name);
  gtk_window_destroy (GTK_WINDOW (w.window));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_screenshots (Fixture       *f,
                  gconstpointer  data)
{
  shoot (f, 900, ADW_COLOR_SCHEME_FORCE_LIGHT, "history-page-light.png");
  shoot (f, 900, ADW_COLOR_SCHEME_FORCE_DARK, "history-page-dark.png");
  shoot (f, 360, ADW_COLOR_SCHEME_FORCE_LIGHT, "history-page-narrow-light.png");
  shoot (f, 360, ADW_COLOR_SCHEME_FORCE_DARK, "history-page-narrow-dark.png");
}

/* Export */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} ExportResult;

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ExportResult *r = user_data;

  r->ok = tally_history_page_export_finish (TALLY_HISTORY_PAGE (source), result, &r->error);
  r->done = TRUE;
}

static char *
export_to (TallyHistoryPage  *page,
           Fixture           *f,
           TallyExportFormat  format,
           const char        *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  ExportResult r = { FALSE, FALSE, NULL };
  char *contents = NULL;

  tally_history_page_export_async (page, file, format, NULL, export_done, &r);
  wait_for (flag_set, &r.done, "the export");
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *csv = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *items;
  PageWindow w;

  page_window_open (&w, f, 900);

  /* Everything: a header and six rows, the formula kept as text. */
  csv = export_to (w.page, f, TALLY_EXPORT_FORMAT_CSV, "all.csv");
  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 6 + 1);
  g_assert_cmpstr (lines[0], ==, "id,kind,status,amount,tool,run_id,created_at,description");
  g_assert_true (g_str_has_suffix (lines[1], ",Resize holiday photos"));
  g_assert_nonnull (strstr (lines[1], ",consumption,pending,-20,image-resize,"));
  g_assert_true (g_str_has_suffix (lines[2], ",\"'" FORMULA "\""));
  g_assert_null (strstr (csv, "," FORMULA));

  /* What the filters show, as JSON. */
  gtk_editable_set_text (GTK_EDITABLE (find_widget (w.window, is_search_entry, NULL)), "resize");
  wait_for_n_items (tally_history_page_get_model (w.page), 2);
  json = export_to (w.page, f, TALLY_EXPORT_FORMAT_JSON, "resize.json");
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  items = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "status"), ==, "pending");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1),
                                                  "status"), ==, "voided");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 1),
                                               "amount"), ==, 0);

  gtk_window_destroy (GTK_WINDOW (w.window));
}

static void
test_page_leases (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *csv = NULL;
  GtkWidget *kinds;
  PageWindow w;

  add_synced_leases (f, 3);
  page_window_open (&w, f, 900);
  wait_for_widget (w.window, is_label_with, "Offline run 002");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tally_history_page_get_model (w.page))),
                    ==, 3 + 6);
  g_assert_null (find_widget (w.window, is_label_with, "Offline lease"));
  csv = export_to (w.page, f, TALLY_EXPORT_FORMAT_CSV, "no-leases.csv");
  g_assert_null (strstr (csv, ",lease,"));

  /* The kind filter offers them as a choice of their own. */
  kinds = find_widget (w.window, is_dropdown, NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (kinds), 1 + TALLY_TRANSFER_KIND_LEASE);
  wait_for_n_items (tally_history_page_get_model (w.page), 3);
  wait_for_widget (w.window, is_label_with, "Offline lease");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (kinds), 0);
  wait_for_n_items (tally_history_page_get_model (w.page), 3 + 6);

  gtk_window_destroy (GTK_WINDOW (w.window));
}

static void
test_export_without_source (void)
{
  TallyHistoryPage *page = g_object_ref_sink (g_object_new (TALLY_TYPE_HISTORY_PAGE, NULL));
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/never-written.csv");
  ExportResult r = { FALSE, FALSE, NULL };

  tally_history_page_export_async (page, file, TALLY_EXPORT_FORMAT_CSV, NULL, export_done, &r);
  wait_for (flag_set, &r.done, "the export");
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&r.error);
  g_object_unref (page);
}

int
main (int   argc,
      char *argv[])
{
  app_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/history/model/items", test_items);
  ADD ("/history/model/unknown-account", test_unknown_account);
  ADD ("/history/model/filters", test_filters);
  ADD ("/history/model/random-access", test_random_access);
  ADD ("/history/model/leases", test_leases);
  ADD ("/history/page/rows-and-filters", test_page);
  ADD ("/history/page/screenshots", test_screenshots);
  ADD ("/history/page/export", test_export);
  ADD ("/history/page/leases", test_page_leases);
#undef ADD
  g_test_add_func ("/history/page/export-without-source", test_export_without_source);

  return g_test_run ();
}
