/* tally-pg-store-api.c: TallyPgStore as the rest of the server's store:
 * the ledger's calls beyond the rules, users made by the commands, and a
 * worker's own connection
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-store-private.h"

static TallyPgLedger *
ledger_of (TallyApiStore *api)
{
  return tally_pg_store_get_ledger (TALLY_PG_STORE (api));
}

static gboolean
pg_check (TallyApiStore  *api,
          GError        **error)
{
  return tally_pg_ledger_check (ledger_of (api), error);
}

static gboolean
pg_expire_lots (TallyApiStore  *api,
                gint64          now,
                guint          *n_expired,
                GError        **error)
{
  return tally_pg_ledger_expire_lots (ledger_of (api), now, n_expired, error);
}

static GArray *
pg_list_lots (TallyApiStore  *api,
              const char     *account_id,
              GError        **error)
{
  return tally_pg_ledger_list_lots (ledger_of (api), account_id, error);
}

static GArray *
pg_posted_totals (TallyApiStore  *api,
                  const char     *account_id,
                  gint64          since,
                  gint64          until,
                  GError        **error)
{
  return tally_pg_ledger_posted_totals (ledger_of (api), account_id, since, until, error);
}

static GArray *
pg_query_statement (TallyApiStore              *api,
                    const TallyStatementQuery  *query,
                    gint64                     *next_before_seq,
                    GError                    **error)
{
  return tally_pg_ledger_query_statement (ledger_of (api), query, next_before_seq, error);
}

static GArray *
pg_recent_run_costs (TallyApiStore  *api,
                     const char     *account_id,
                     const char     *tool_id,
                     guint           limit,
                     GError        **error)
{
  return tally_pg_ledger_recent_run_costs (ledger_of (api), account_id, tool_id, limit, error);
}

static gboolean
pg_rename_account (TallyApiStore  *api,
                   const char     *id,
                   const char     *name,
                   GError        **error)
{
  return tally_pg_ledger_rename_account (ledger_of (api), id, name, error);
}

static void
pg_set_clock (TallyApiStore  *api,
              TallyClockFunc  clock,
              gpointer        user_data)
{
  tally_pg_ledger_set_clock (ledger_of (api), clock, user_data);
}

static gboolean
pg_create_user (TallyApiStore  *api,
                const char     *email,
                const char     *name,
                const char     *password_hash,
                TallyRole       role,
                TallyUser      *user,
                GError        **error)
{
  return tally_pg_store_create_user (TALLY_PG_STORE (api), email, name, password_hash, role, user,
                                     error);
}

static gboolean
pg_save_policy (TallyApiStore      *api,
                const char         *account_id,
                const TallyPolicy  *policy,
                GError            **error)
{
  return tally_pg_store_save_policy (TALLY_PG_STORE (api), account_id, policy, error);
}

static gboolean
pg_is_unavailable (TallyApiStore *api)
{
  g_autoptr(GError) error = NULL;
  gint64 version;

  if (tally_rules_store_read_data_version (TALLY_RULES_STORE (api), &version, &error))
    return FALSE;
  return g_error_matches (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE);
}

/* A second connection to the same database: a worker's long read then
 * runs beside the writer, in a snapshot of its own. */
static TallyApiStore *
pg_open_reader (TallyApiStore  *api,
                GError        **error)
{
  TallyPgStore *reader;

  reader = tally_pg_store_connect (tally_pg_store_get_url (TALLY_PG_STORE (api)), error);
  return reader != NULL ? TALLY_API_STORE (reader) : NULL;
}

/* The tables tally_store_erase_user() overwrites or deletes from. */
#define ERASED_TABLES \
  "sessions, invoice_details, alert_settings, alerts, alert_emails, webhook_deliveries, " \
  "outgoing_webhooks, api_keys, team_invitations, auto_recharge, runs, sync_ops, devices, " \
  "gifts, referrals, referral_codes, users, shared_state"

/* VACUUM frees the space of the rows an erasure replaced, for the next
 * rows to overwrite; it cannot run in a transaction, so it has a
 * connection of its own. PostgreSQL never zeroes freed space, and its
 * WAL keeps old row versions until recycled: docs/privacy.md says so. */
static void
vacuum_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  g_autoptr(TallyPg) pg = NULL;
  GError *error = NULL;

  pg = tally_pg_connect (tally_pg_store_get_url (TALLY_PG_STORE (source)), &error);
  if (pg == NULL || !tally_pg_exec_command (pg, "VACUUM " ERASED_TABLES, 0, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
pg_checkpoint_async (TallyApiStore       *api,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (api, NULL, callback, user_data);

  g_task_run_in_thread (task, vacuum_in_thread);
}

static gboolean
pg_checkpoint_finish (TallyApiStore  *api,
                      GAsyncResult   *result,
                      GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tally_pg_store_api_init (TallyApiStoreInterface *iface)
{
  iface->check = pg_check;
  iface->expire_lots = pg_expire_lots;
  iface->list_lots = pg_list_lots;
  iface->posted_totals = pg_posted_totals;
  iface->query_statement = pg_query_statement;
  iface->recent_run_costs = pg_recent_run_costs;
  iface->rename_account = pg_rename_account;
  iface->set_clock = pg_set_clock;
  iface->create_user = pg_create_user;
  iface->save_policy = pg_save_policy;
  iface->open_reader = pg_open_reader;
  iface->is_unavailable = pg_is_unavailable;
  iface->watch_commits = tally_pg_store_watch_commits;
  iface->checkpoint_async = pg_checkpoint_async;
  iface->checkpoint_finish = pg_checkpoint_finish;

  tally_pg_store_accounts_api_init (iface);
  tally_pg_store_keys_api_init (iface);
  tally_pg_store_webhooks_api_init (iface);
  tally_pg_store_billing_api_init (iface);
  tally_pg_store_pages_api_init (iface);
  tally_pg_store_analytics_api_init (iface);
  tally_pg_store_shared_api_init (iface);
}
