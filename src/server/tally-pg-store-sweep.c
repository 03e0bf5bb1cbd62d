/* tally-pg-store-sweep.c: sweeps on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-store-private.h"

typedef struct
{
  char                *url;
  TallyRulesSweepFunc  func;
  gpointer             data;
  GDestroyNotify       destroy;
} Sweep;

static void
sweep_free (gpointer data)
{
  Sweep *sweep = data;

  if (sweep->destroy != NULL)
    sweep->destroy (sweep->data);
  g_free (sweep->url);
  g_free (sweep);
}

/* One batch, one transaction, which first takes the lock SQLite's BEGIN
 * IMMEDIATE amounts to: the batch reads and deletes as the only writer,
 * so two servers' sweeps of one table take turns instead of deleting the
 * same rows and both reporting them (the audit's retention). A writer waits for one batch at
 * most: PostgreSQL queues lock waiters, so unlike SQLite's busy handler
 * nothing needs to let the main loop go first between two batches. */
static gboolean
sweep_batch (Sweep            *sweep,
             TallyRulesStore  *store,
             gboolean         *more,
             GError          **error)
{
  TallyPg *pg = tally_pg_store_pg (store);

  if (!tally_pg_begin (pg, error))
    return FALSE;
  if (!tally_pg_run_command (pg, TALLY_PG_LEDGER_LOCK, NULL, error) ||
      !sweep->func (store, sweep->data, more, error))
    {
      tally_pg_rollback (pg, NULL);
      return FALSE;
    }
  return tally_pg_commit (pg, error);
}

/* On a connection of the sweep's own, so the server's connection stays
 * free for requests. Its store brings the tables up to date as any does:
 * a no-op by then, a transaction per component. */
static void
sweep_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  Sweep *sweep = data;
  g_autoptr(TallyPgStore) store = NULL;
  GError *error = NULL;
  gboolean more = TRUE;

  if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
    store = tally_pg_store_connect (sweep->url, &error);
  while (store != NULL && more && !g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      more = FALSE;
      if (!sweep_batch (sweep, TALLY_RULES_STORE (store), &more, &error))
        break;
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
pg_sweep_async (TallyRulesStore      *rules,
                TallyRulesSweepFunc   func,
                gpointer              data,
                GDestroyNotify        destroy,
                GCancellable         *cancellable,
                GAsyncReadyCallback   callback,
                gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (rules, cancellable, callback, user_data);
  Sweep *sweep = g_new0 (Sweep, 1);

  sweep->url = g_strdup (tally_pg_store_get_url (TALLY_PG_STORE (rules)));
  sweep->func = func;
  sweep->data = data;
  sweep->destroy = destroy;
  g_task_set_source_tag (task, pg_sweep_async);
  g_task_set_task_data (task, sweep, sweep_free);
  g_task_run_in_thread (task, sweep_in_thread);
}

static gboolean
pg_sweep_finish (TallyRulesStore  *rules,
                 GAsyncResult     *result,
                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, rules), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tally_pg_store_sweep_init (TallyRulesStoreInterface *iface)
{
  iface->sweep_async = pg_sweep_async;
  iface->sweep_finish = pg_sweep_finish;
}
