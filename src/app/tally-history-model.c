/* tally-history-model.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How a million rows stay cheap: a reload reads the first page at once
 * (what the window shows first), then a worker thread with its own read
 * connection makes one pass over the indexes for the count and the seq at
 * which every page starts (tally_ledger_index_statement()). Any page is
 * then one keyset query, and only the most recently used pages are kept.
 * Every query stops at the seq that was last when the model reloaded, so
 * the count, the starts and the pages all describe the same snapshot.
 */

#include "config.h"

#include <string.h>

#include "tally-history-item.h"
#include "tally-history-model.h"

/* 32 pages of 100: more than a window shows at once, a few MB at most. */
#define MAX_CACHED_PAGES 32

typedef struct
{
  GPtrArray *items;
  guint64    last_used;
} Page;

struct _TallyHistoryModel
{
  GObject              parent_instance;

  TallyLedger         *ledger;
  /* Pages are read through a connection of the model's own: the cache's
   * keeps a page cache sized for writing (64 MB), which one search page
   * over a big file can fill. NULL when the ledger has no file. */
  TallyLedger         *reader;
  char                *account_id;
  /* Its tool_id and search point at the two strings below. */
  TallyStatementQuery  filter;
  char                *tool_id;
  char                *search;

  /* The snapshot: items with a seq up to this one. */
  gint64               top_seq;
  guint                n_items;
  /* Page number -> the seq of its newest item; NULL while indexing. */
  GArray              *starts;
  /* Page number -> Page. */
  GHashTable          *pages;
  guint64              use_clock;
  /* The index pass under way, if any. */
  GCancellable        *cancellable;
  guint                n_pages_fetched;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyHistoryModel, tally_history_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What the worker thread needs: a copy, since the model may change. */
typedef struct
{
  char                *path;
  gint64               top_seq;
  TallyStatementQuery  query;
  char                *tool_id;
  char                *search;
} IndexJob;

typedef struct
{
  gint64  top_seq;
  GArray *starts;
  guint   n_items;
} IndexResult;

static void
page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->items);
  g_free (page);
}

static void
index_job_free (gpointer data)
{
  IndexJob *job = data;

  g_free (job->path);
  g_free (job->tool_id);
  g_free (job->search);
  g_free (job);
}

static void
index_result_free (gpointer data)
{
  IndexResult *result = data;

  g_clear_pointer (&result->starts, g_array_unref);
  g_free (result);
}

/* The model's query for everything up to @top_seq. */
static void
build_query_at (TallyHistoryModel   *self,
                gint64               top_seq,
                TallyStatementQuery *query)
{
  *query = self->filter;
  g_strlcpy (query->account_id, self->account_id ? self->account_id : "",
             sizeof query->account_id);
  query->before_seq = top_seq + 1;
  query->limit = TALLY_HISTORY_MODEL_PAGE_SIZE;
}

static void
build_query (TallyHistoryModel   *self,
             TallyStatementQuery *query)
{
  build_query_at (self, self->top_seq, query);
}

/* An account the cache has not seen yet simply has no history. */
static gboolean
is_unknown_account (const GError *error)
{
  return g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
}

static TallyLedger *
reader_of (TallyHistoryModel *self)
{
  return self->reader != NULL ? self->reader : self->ledger;
}

static Page *
fetch_page (TallyHistoryModel *self,
            guint              number)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  TallyStatementQuery query;
  Page *page;

  build_query (self, &query);
  if (number > 0)
    query.before_seq = g_array_index (self->starts, gint64, number) + 1;

  rows = tally_ledger_query_statement (reader_of (self), &query, NULL, &error);
  self->n_pages_fetched++;
  if (rows == NULL)
    {
      if (!is_unknown_account (error))
        g_warning ("Could not read the history: %s", error->message);
      return NULL;
    }

  page = g_new0 (Page, 1);
  page->items = g_ptr_array_new_full (rows->len, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (page->items,
                     tally_history_item_new (&g_array_index (rows, TallyStatementItem, i)));
  return page;
}

static void
evict_least_recent_page (TallyHistoryModel *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gpointer oldest_key = NULL;
  guint64 oldest = G_MAXUINT64;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Page *page = value;

      if (page->last_used < oldest)
        {
          oldest = page->last_used;
          oldest_key = key;
        }
    }
  g_hash_table_remove (self->pages, oldest_key);
}

static Page *
lookup_page (TallyHistoryModel *self,
             guint              number)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (number));

  if (page == NULL)
    {
      if (number > 0 && (self->starts == NULL || number >= self->starts->len))
        return NULL;
      page = fetch_page (self, number);
      if (page == NULL)
        return NULL;
      if (g_hash_table_size (self->pages) >= MAX_CACHED_PAGES)
        evict_least_recent_page (self);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (number), page);
    }

  page->last_used = ++self->use_clock;
  return page;
}

static GType
tally_history_model_get_item_type (GListModel *model)
{
  return TALLY_TYPE_HISTORY_ITEM;
}

static guint
tally_history_model_get_n_items (GListModel *model)
{
  return TALLY_HISTORY_MODEL (model)->n_items;
}

static gpointer
tally_history_model_get_item (GListModel *model,
                              guint       position)
{
  TallyHistoryModel *self = TALLY_HISTORY_MODEL (model);
  guint offset = position % TALLY_HISTORY_MODEL_PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  page = lookup_page (self, position / TALLY_HISTORY_MODEL_PAGE_SIZE);
  if (page == NULL || offset >= page->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (page->items, offset));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tally_history_model_get_item_type;
  iface->get_n_items = tally_history_model_get_n_items;
  iface->get_item = tally_history_model_get_item;
}

/* The count and starts of the snapshot at @top_seq are known. */
static void
set_counted (TallyHistoryModel *self,
             gint64             top_seq,
             GArray            *starts,
             guint              n_items)
{
  guint before = self->n_items;
  gboolean same_snapshot = top_seq == self->top_seq;

  g_clear_pointer (&self->starts, g_array_unref);
  self->starts = starts;
  self->n_items = n_items;

  /* The first page shown so far is of the same snapshot: only append.
   * Otherwise the new snapshot replaces the old one in one go. */
  if (same_snapshot && n_items >= before)
    {
      if (n_items > before)
        g_list_model_items_changed (G_LIST_MODEL (self), before, 0, n_items - before);
      return;
    }

  self->top_seq = top_seq;
  g_hash_table_remove_all (self->pages);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, before, n_items);
}

static void
set_loading (TallyHistoryModel *self,
             GCancellable      *cancellable)
{
  gboolean was_loading = self->cancellable != NULL;

  g_set_object (&self->cancellable, cancellable);
  if (was_loading != (cancellable != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
index_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  IndexJob *job = task_data;
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  IndexResult *result = g_new0 (IndexResult, 1);

  result->top_seq = job->top_seq;
  ledger = tally_ledger_open (job->path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  if (ledger != NULL)
    result->starts = tally_ledger_index_statement (ledger, &job->query,
                                                   TALLY_HISTORY_MODEL_PAGE_SIZE,
                                                   &result->n_items, cancellable, &error);

  if (result->starts == NULL && is_unknown_account (error))
    result->starts = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (result->starts == NULL)
    {
      index_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, result, index_result_free);
}

static void
index_done (GObject      *source,
            GAsyncResult *async_result,
            gpointer      user_data)
{
  TallyHistoryModel *self = TALLY_HISTORY_MODEL (source);
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (async_result));
  g_autoptr(GError) error = NULL;
  IndexResult *result;

  /* A reload since cancelled this pass and started another. */
  result = g_task_propagate_pointer (G_TASK (async_result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      cancellable != self->cancellable)
    {
      g_clear_pointer (&result, index_result_free);
      return;
    }

  if (result == NULL)
    g_warning ("Could not count the history: %s", error->message);
  else
    set_counted (self, result->top_seq, g_steal_pointer (&result->starts), result->n_items);

  g_clear_pointer (&result, index_result_free);
  set_loading (self, NULL);
}

/* A ledger with no file of its own (tests in memory) is indexed on the
 * spot: a worker could not open a second connection to it. */
static gboolean
has_own_file (TallyLedger *ledger)
{
  const char *path = tally_ledger_get_path (ledger);

  return path != NULL && path[0] != '\0' && g_strcmp0 (path, ":memory:") != 0;
}

static TallyLedger *
open_reader (TallyLedger *ledger)
{
  g_autoptr(GError) error = NULL;
  TallyLedger *reader = tally_ledger_open (tally_ledger_get_path (ledger),
                                           TALLY_LEDGER_OPEN_READ_ONLY, &error);

  if (reader == NULL)
    g_warning ("The history reads through the cache's own connection: %s", error->message);
  return reader;
}

static void
index_here (TallyHistoryModel *self,
            gint64             top_seq)
{
  g_autoptr(GError) error = NULL;
  TallyStatementQuery query;
  GArray *starts;
  guint n_items = 0;

  build_query_at (self, top_seq, &query);
  starts = tally_ledger_index_statement (self->ledger, &query, TALLY_HISTORY_MODEL_PAGE_SIZE,
                                         &n_items, NULL, &error);
  if (starts == NULL && !is_unknown_account (error))
    g_warning ("Could not count the history: %s", error->message);
  set_counted (self, top_seq, starts ? starts : g_array_new (FALSE, FALSE, sizeof (gint64)),
               n_items);
}

static void
start_index (TallyHistoryModel *self,
             gint64             top_seq)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GTask) task = NULL;
  IndexJob *job;

  if (!has_own_file (self->ledger))
    {
      index_here (self, top_seq);
      return;
    }

  job = g_new0 (IndexJob, 1);
  job->path = g_strdup (tally_ledger_get_path (self->ledger));
  job->top_seq = top_seq;
  build_query_at (self, top_seq, &job->query);
  job->tool_id = g_strdup (self->tool_id);
  job->search = g_strdup (self->search);
  job->query.tool_id = job->tool_id;
  job->query.search = job->search;

  set_loading (self, cancellable);
  task = g_task_new (self, cancellable, index_done, NULL);
  g_task_set_source_tag (task, start_index);
  g_task_set_task_data (task, job, index_job_free);
  g_task_run_in_thread (task, index_in_thread);
}

static void
cancel_index (TallyHistoryModel *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  set_loading (self, NULL);
}

/* A search reads text of every row it passes: even the first page may
 * take a while on a big file, so that waits for the worker too. */
static gboolean
first_page_is_cheap (TallyHistoryModel *self)
{
  return self->search == NULL;
}

/* Another filter or source: the list starts over from its first page. */
static void
reset (TallyHistoryModel *self)
{
  guint before;
  Page *first;

  before = self->n_items;
  cancel_index (self);
  g_hash_table_remove_all (self->pages);
  g_clear_pointer (&self->starts, g_array_unref);
  self->n_items = 0;
  self->top_seq = self->ledger ? tally_ledger_get_last_seq (self->ledger) : 0;

  if (self->ledger != NULL && first_page_is_cheap (self) && (first = lookup_page (self, 0)))
    {
      self->n_items = first->items->len;
      /* A short first page is the whole history: nothing to count. */
      if (first->items->len < TALLY_HISTORY_MODEL_PAGE_SIZE)
        self->starts = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  if (before > 0 || self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, before, self->n_items);

  if (self->ledger != NULL && self->starts == NULL)
    start_index (self, self->top_seq);
}

/* The ledger changed: the list goes on showing the snapshot it has (where
 * the user scrolled to stays) until the new one is counted, then swaps. */
void
tally_history_model_reload (TallyHistoryModel *self)
{
  gint64 top_seq;

  g_return_if_fail (TALLY_IS_HISTORY_MODEL (self));

  if (self->ledger == NULL || self->starts == NULL ||
      self->n_items < TALLY_HISTORY_MODEL_PAGE_SIZE)
    {
      reset (self);
      return;
    }

  top_seq = tally_ledger_get_last_seq (self->ledger);
  if (top_seq == self->top_seq)
    return;

  cancel_index (self);
  start_index (self, top_seq);
}

void
tally_history_model_set_source (TallyHistoryModel *self,
                                TallyLedger       *ledger,
                                const char        *account_id)
{
  g_return_if_fail (TALLY_IS_HISTORY_MODEL (self));
  g_return_if_fail (ledger == NULL || TALLY_IS_LEDGER (ledger));

  g_set_object (&self->ledger, ledger);
  g_clear_object (&self->reader);
  if (ledger != NULL && has_own_file (ledger))
    self->reader = open_reader (ledger);
  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  reset (self);
}

TallyLedger *
tally_history_model_get_ledger (TallyHistoryModel *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_MODEL (self), NULL);

  return self->ledger;
}

/* A lease only sets credits aside for offline runs and is voided and
 * taken again on every sync: listed only when the filter asks for leases. */
static guint
hidden_kinds (const TallyStatementQuery *filter)
{
  if (filter->filter_kind && filter->kind == TALLY_TRANSFER_KIND_LEASE)
    return 0;

  return TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
}

static char *
nonempty_dup (const char *text)
{
  return text != NULL && text[0] != '\0' ? g_strdup (text) : NULL;
}

void
tally_history_model_set_filter (TallyHistoryModel         *self,
                                const TallyStatementQuery *filter)
{
  g_return_if_fail (TALLY_IS_HISTORY_MODEL (self));
  g_return_if_fail (filter != NULL);

  g_free (self->tool_id);
  g_free (self->search);
  self->tool_id = nonempty_dup (filter->tool_id);
  self->search = nonempty_dup (filter->search);

  memset (&self->filter, 0, sizeof self->filter);
  self->filter.filter_kind = filter->filter_kind;
  self->filter.kind = filter->kind;
  self->filter.exclude_kinds = filter->exclude_kinds | hidden_kinds (filter);
  self->filter.since = filter->since;
  self->filter.until = filter->until;
  self->filter.tool_id = self->tool_id;
  self->filter.search = self->search;

  reset (self);
}

void
tally_history_model_get_query (TallyHistoryModel   *self,
                               TallyStatementQuery *query)
{
  g_return_if_fail (TALLY_IS_HISTORY_MODEL (self));
  g_return_if_fail (query != NULL);

  build_query (self, query);
  query->before_seq = 0;
  query->limit = 0;
}

gboolean
tally_history_model_get_loading (TallyHistoryModel *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_MODEL (self), FALSE);

  return self->cancellable != NULL;
}

guint
tally_history_model_get_n_pages_fetched (TallyHistoryModel *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_MODEL (self), 0);

  return self->n_pages_fetched;
}

guint
tally_history_model_get_n_pages_cached (TallyHistoryModel *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}

static void
tally_history_model_dispose (GObject *object)
{
  TallyHistoryModel *self = TALLY_HISTORY_MODEL (object);

  cancel_index (self);
  g_clear_object (&self->reader);
  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (tally_history_model_parent_class)->dispose (object);
}

static void
tally_history_model_finalize (GObject *object)
{
  TallyHistoryModel *self = TALLY_HISTORY_MODEL (object);

  g_hash_table_unref (self->pages);
  g_clear_pointer (&self->starts, g_array_unref);
  g_free (self->account_id);
  g_free (self->tool_id);
  g_free (self->search);

  G_OBJECT_CLASS (tally_history_model_parent_class)->finalize (object);
}

static void
tally_history_model_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TallyHistoryModel *self = TALLY_HISTORY_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, tally_history_model_get_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_history_model_class_init (TallyHistoryModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_history_model_dispose;
  object_class->finalize = tally_history_model_finalize;
  object_class->get_property = tally_history_model_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_history_model_init (TallyHistoryModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, page_free);
  self->filter.exclude_kinds = hidden_kinds (&self->filter);
}

TallyHistoryModel *
tally_history_model_new (void)
{
  return g_object_new (TALLY_TYPE_HISTORY_MODEL, NULL);
}
