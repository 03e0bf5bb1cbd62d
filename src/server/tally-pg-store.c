/* tally-pg-store.c: the server's store on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-log.h"
#include "tally-pg-store-private.h"
#include "tally-store-schema.h"

struct _TallyPgStore
{
  GObject        parent_instance;

  char          *url;
  TallyPg       *pg;
  TallyPgLedger *ledger;
};

static void tally_pg_store_rules_store_init (TallyRulesStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyPgStore, tally_pg_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TALLY_TYPE_RULES_STORE,
                                                      tally_pg_store_rules_store_init)
                               G_IMPLEMENT_INTERFACE (TALLY_TYPE_API_STORE,
                                                      tally_pg_store_api_init))

/* What SQLite's COLLATE NOCASE is for: e-mail addresses equal whatever
 * their case. Created before the server's tables, which use it. */
static const char * const base_migrations[] = {
  "CREATE COLLATION tally_nocase (provider = icu, locale = 'und-u-ks-level2', "
  "deterministic = false)",
};

static void
tally_pg_store_finalize (GObject *object)
{
  TallyPgStore *self = TALLY_PG_STORE (object);

  g_clear_object (&self->ledger);
  g_clear_object (&self->pg);
  g_free (self->url);

  G_OBJECT_CLASS (tally_pg_store_parent_class)->finalize (object);
}

static void
tally_pg_store_class_init (TallyPgStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_pg_store_finalize;
}

static void
tally_pg_store_init (TallyPgStore *self)
{
}

/* The server's migrations, as tally-store-schema.c renders them. */
static GPtrArray *
render_server_migrations (GError **error)
{
  g_autoptr(GPtrArray) rendered = g_ptr_array_new_with_free_func (g_free);
  const char * const *migrations;
  guint n;

  migrations = tally_store_schema_migrations (&n);
  for (guint i = 0; i < n; i++)
    {
      char *sql = tally_store_schema_render_postgres (migrations[i], error);

      if (sql == NULL)
        return NULL;
      g_ptr_array_add (rendered, sql);
    }
  return g_steal_pointer (&rendered);
}

static gboolean
migrate_server_tables (TallyPg  *pg,
                       GError  **error)
{
  g_autoptr(GPtrArray) rendered = render_server_migrations (error);

  return rendered != NULL &&
         tally_pg_migrate_component (pg, "server", (const char * const *) rendered->pdata,
                                     rendered->len, error);
}

static gboolean
check_server_tables (TallyPg  *pg,
                     GError  **error)
{
  guint n;

  tally_store_schema_migrations (&n);
  return tally_pg_check_component (pg, "base", G_N_ELEMENTS (base_migrations), error) &&
         tally_pg_check_component (pg, "server", n, error);
}

TallyPgStore *
tally_pg_store_new (const char  *url,
                    GError     **error)
{
  g_autoptr(TallyPgStore) self = g_object_new (TALLY_TYPE_PG_STORE, NULL);

  g_return_val_if_fail (url != NULL, NULL);

  self->url = g_strdup (url);
  self->pg = tally_pg_connect (url, error);
  if (self->pg == NULL)
    return NULL;

  self->ledger = tally_pg_ledger_new (self->pg, error);
  if (self->ledger == NULL ||
      !tally_pg_migrate_component (self->pg, "base", base_migrations,
                                   G_N_ELEMENTS (base_migrations), error) ||
      !migrate_server_tables (self->pg, error))
    return NULL;

  return g_steal_pointer (&self);
}

TallyPgStore *
tally_pg_store_connect (const char  *url,
                        GError     **error)
{
  g_autoptr(TallyPgStore) self = g_object_new (TALLY_TYPE_PG_STORE, NULL);

  g_return_val_if_fail (url != NULL, NULL);

  self->url = g_strdup (url);
  self->pg = tally_pg_connect (url, error);
  if (self->pg == NULL || !check_server_tables (self->pg, error))
    return NULL;

  self->ledger = tally_pg_ledger_open (self->pg, error);
  if (self->ledger == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

const char *
tally_pg_store_get_url (TallyPgStore *self)
{
  g_return_val_if_fail (TALLY_IS_PG_STORE (self), NULL);

  return self->url;
}

TallyPg *
tally_pg_store_get_pg (TallyPgStore *self)
{
  g_return_val_if_fail (TALLY_IS_PG_STORE (self), NULL);

  return self->pg;
}

TallyPgLedger *
tally_pg_store_get_ledger (TallyPgStore *self)
{
  g_return_val_if_fail (TALLY_IS_PG_STORE (self), NULL);

  return self->ledger;
}

TallyPg *
tally_pg_store_pg (TallyRulesStore *rules)
{
  return TALLY_PG_STORE (rules)->pg;
}

gboolean
tally_pg_store_not_found (GError     **error,
                          const char  *message)
{
  g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, message);
  return FALSE;
}

/* --- the writer's transaction: one per group, a savepoint per write --- */

static TallyPgLedger *
ledger_of (TallyRulesStore *rules)
{
  return TALLY_PG_STORE (rules)->ledger;
}

static gboolean
pg_begin (TallyRulesStore  *rules,
          GError          **error)
{
  return tally_pg_ledger_begin (ledger_of (rules), error);
}

/* Every group commit tells the other servers (tally-pg-store-notify.c);
 * PostgreSQL delivers the notice with the commit, never before, and folds
 * those of one transaction into one. */
static gboolean
pg_commit (TallyRulesStore  *rules,
           GError          **error)
{
  if (!tally_pg_exec_command (tally_pg_store_pg (rules),
                              "NOTIFY " TALLY_PG_STORE_COMMITS_CHANNEL, 0, NULL, error))
    {
      tally_pg_ledger_rollback (ledger_of (rules));
      return FALSE;
    }
  return tally_pg_ledger_commit (ledger_of (rules), error);
}

static void
pg_rollback (TallyRulesStore *rules)
{
  tally_pg_ledger_rollback (ledger_of (rules));
}

static gboolean
pg_begin_write (TallyRulesStore  *rules,
                GError          **error)
{
  return tally_pg_ledger_begin_write (ledger_of (rules), error);
}

static gboolean
pg_end_write (TallyRulesStore  *rules,
              GError          **error)
{
  return tally_pg_ledger_end_write (ledger_of (rules), error);
}

static void
pg_undo_write (TallyRulesStore *rules)
{
  tally_pg_ledger_undo_write (ledger_of (rules));
}

/* The writer asks so as to tell a full or read-only disk, which only
 * SQLite's file reports this way; PostgreSQL's own disk is its business. */
static TallyLedgerError
pg_get_last_failure (TallyRulesStore *rules)
{
  return TALLY_LEDGER_ERROR_STORAGE;
}

/* PostgreSQL's COMMIT returns once the commit is durable (fsync and
 * synchronous_commit on, its defaults): nothing is left to sync. */
static const char *
pg_defer_sync (TallyRulesStore *rules,
               TallyCommitHook  committed,
               gpointer         data)
{
  return NULL;
}

static void
pg_end_deferred_sync (TallyRulesStore *rules)
{
}

/* --- the ledger --- */

static gint64
pg_now (TallyRulesStore *rules)
{
  return tally_pg_ledger_now (ledger_of (rules));
}

static gboolean
pg_create_account (TallyRulesStore     *rules,
                   const TallyAccount  *account,
                   GError             **error)
{
  return tally_pg_ledger_create_account (ledger_of (rules), account, error);
}

static gboolean
pg_create_transfers (TallyRulesStore      *rules,
                     TallyTransfer        *transfers,
                     guint                 n_transfers,
                     TallyTransferResult  *results,
                     GError              **error)
{
  return tally_pg_ledger_create_transfers (ledger_of (rules), transfers, n_transfers, results,
                                           error);
}

static gboolean
pg_lookup_account (TallyRulesStore  *rules,
                   const char       *id,
                   TallyAccount     *account,
                   GError          **error)
{
  return tally_pg_ledger_lookup_account (ledger_of (rules), id, account, error);
}

static gboolean
pg_lookup_transfer (TallyRulesStore  *rules,
                    const char       *id,
                    TallyTransfer    *transfer,
                    GError          **error)
{
  return tally_pg_ledger_lookup_transfer (ledger_of (rules), id, transfer, error);
}

static gboolean
pg_lookup_pending_state (TallyRulesStore    *rules,
                         const char         *pending_id,
                         TallyPendingState  *state,
                         GError            **error)
{
  return tally_pg_ledger_lookup_pending_state (ledger_of (rules), pending_id, state, error);
}

static gboolean
pg_expire_pending (TallyRulesStore  *rules,
                   gint64            now,
                   guint            *n_expired,
                   GError          **error)
{
  return tally_pg_ledger_expire_pending (ledger_of (rules), now, n_expired, error);
}

static gboolean
pg_set_expiry (TallyRulesStore  *rules,
               const char       *transfer_id,
               gint64            expires_at,
               GError          **error)
{
  return tally_pg_ledger_set_expiry (ledger_of (rules), transfer_id, expires_at, error);
}

static gboolean
pg_lookup_expiry (TallyRulesStore  *rules,
                  const char       *transfer_id,
                  gint64           *expires_at,
                  GError          **error)
{
  return tally_pg_ledger_lookup_expiry (ledger_of (rules), transfer_id, expires_at, error);
}

static GArray *
pg_transfers_after (TallyRulesStore     *rules,
                    const char * const  *account_ids,
                    gint64               after_seq,
                    guint                limit,
                    GError             **error)
{
  return tally_pg_ledger_transfers_after (ledger_of (rules), account_ids, after_seq, limit,
                                          error);
}

static GArray *
pg_transfers_since (TallyRulesStore  *rules,
                    gint64            after_seq,
                    guint             limit,
                    GError          **error)
{
  return tally_pg_ledger_transfers_since (ledger_of (rules), after_seq, limit, error);
}

/* The interface has no error here: a failed read is logged and reads as
 * nothing new, as the SQLite ledger's does. A database outage is no bug,
 * so it is a log line, not a GLib warning (fatal in the tests). */
static gint64
pg_get_last_seq (TallyRulesStore *rules)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = 0;

  if (!tally_pg_ledger_get_last_seq (ledger_of (rules), &seq, &error))
    tally_log_warning ("ledger_read_failed", error->message);
  return seq;
}

/* Live events poll this to learn that another server committed (SQLite's
 * data_version). PostgreSQL's current snapshot is what a new statement
 * would see: which transactions have an id yet (xmax) and which of those
 * are still running (the xip list). A transaction that writes gets an id
 * before it commits, so each commit, by any server, changes one of the
 * two between two reads; equal snapshots see the same data. Hashed to one
 * number, as the interface has it (two snapshots colliding in 64 bits is
 * left to chance). The snapshot is the whole cluster's and counts this
 * server's own commits too, which SQLite's leaves out: the events then
 * look at their sessions again for nothing, at most once a poll. A
 * counter the writer bumped would cost a write a group and still miss
 * another program's commits. */
static gboolean
pg_read_data_version (TallyRulesStore  *rules,
                      gint64           *version,
                      GError          **error)
{
  g_autoptr(PGresult) res = NULL;

  res = tally_pg_run (tally_pg_store_pg (rules),
                      "SELECT hashtextextended (pg_current_snapshot ()::text, 0)", NULL, error);
  if (res == NULL)
    return FALSE;
  *version = tally_pg_get_int64 (res, 0, 0);
  return TRUE;
}

static void
tally_pg_store_rules_store_init (TallyRulesStoreInterface *iface)
{
  iface->begin = pg_begin;
  iface->commit = pg_commit;
  iface->rollback = pg_rollback;
  iface->begin_write = pg_begin_write;
  iface->end_write = pg_end_write;
  iface->undo_write = pg_undo_write;
  iface->get_last_failure = pg_get_last_failure;
  iface->defer_sync = pg_defer_sync;
  iface->end_deferred_sync = pg_end_deferred_sync;
  iface->now = pg_now;
  iface->create_account = pg_create_account;
  iface->create_transfers = pg_create_transfers;
  iface->lookup_account = pg_lookup_account;
  iface->lookup_transfer = pg_lookup_transfer;
  iface->lookup_pending_state = pg_lookup_pending_state;
  iface->expire_pending = pg_expire_pending;
  iface->set_expiry = pg_set_expiry;
  iface->lookup_expiry = pg_lookup_expiry;
  iface->transfers_after = pg_transfers_after;
  iface->transfers_since = pg_transfers_since;
  iface->get_last_seq = pg_get_last_seq;
  iface->read_data_version = pg_read_data_version;

  tally_pg_store_users_init (iface);
  tally_pg_store_runs_init (iface);
  tally_pg_store_teams_init (iface);
  tally_pg_store_payments_init (iface);
  tally_pg_store_recharge_init (iface);
  tally_pg_store_subscriptions_init (iface);
  tally_pg_store_audit_init (iface);
  tally_pg_store_sweep_init (iface);
  tally_pg_store_gifts_init (iface);
  tally_pg_store_promos_init (iface);
  tally_pg_store_alerts_init (iface);
}
