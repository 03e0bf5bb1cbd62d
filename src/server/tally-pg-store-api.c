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

  tally_pg_store_accounts_api_init (iface);
  tally_pg_store_keys_api_init (iface);
  tally_pg_store_webhooks_api_init (iface);
  tally_pg_store_billing_api_init (iface);
  tally_pg_store_pages_api_init (iface);
  tally_pg_store_analytics_api_init (iface);
}
