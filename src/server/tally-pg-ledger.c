/* tally-pg-ledger.c: the ledger on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tally-ledger-engine.h"
#include "tally-pg-ledger-private.h"
#include "tally-uuid.h"

/* Migration N brings the ledger's tables from version N to N + 1: the
 * tables, columns and indexes of the SQLite ledger (tally-ledger-schema.c),
 * so the engine's and the invariants' shared SQL reads both. Never edit
 * one that has shipped: add the next. */
static const char * const ledger_migrations[] = {
  "CREATE TABLE accounts ("
  "  num BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  id UUID NOT NULL UNIQUE,"
  "  kind INTEGER NOT NULL,"
  "  flags INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  timezone TEXT NOT NULL,"
  "  debits_pending BIGINT NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),"
  "  debits_posted BIGINT NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),"
  "  credits_pending BIGINT NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),"
  "  credits_posted BIGINT NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),"
  "  created_at BIGINT NOT NULL"
  ");"
  "CREATE TABLE transfers ("
  "  seq BIGINT PRIMARY KEY,"
  "  id UUID NOT NULL UNIQUE,"
  "  debit_account BIGINT NOT NULL,"
  "  credit_account BIGINT NOT NULL,"
  "  amount BIGINT NOT NULL,"
  "  pending_seq BIGINT,"
  "  units BIGINT NOT NULL,"
  "  timeout BIGINT NOT NULL,"
  "  flags INTEGER NOT NULL,"
  "  kind INTEGER NOT NULL,"
  "  ref TEXT NOT NULL,"
  "  tool_id TEXT,"
  "  description TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL"
  ");"
  "CREATE INDEX transfers_by_debit ON transfers (debit_account, kind, seq);"
  "CREATE INDEX transfers_by_credit ON transfers (credit_account, kind, seq);"
  "CREATE TABLE pending ("
  "  seq BIGINT PRIMARY KEY,"
  "  state INTEGER NOT NULL,"
  "  expires_at BIGINT NOT NULL,"
  "  settled_by BIGINT"
  ");"
  "CREATE INDEX pending_due ON pending (expires_at) WHERE state = 0 AND expires_at > 0;"
  "CREATE TABLE posted_hours ("
  "  account BIGINT NOT NULL,"
  "  kind INTEGER NOT NULL,"
  "  hour BIGINT NOT NULL,"
  "  tool_id TEXT NOT NULL,"
  "  amount BIGINT NOT NULL,"
  "  items BIGINT NOT NULL,"
  "  PRIMARY KEY (account, kind, hour, tool_id)"
  ");"
  /* The SQLite ledger's two triggers as one: a single-phase transfer is
   * posted as it is written; a post counts at its pending transfer's hour,
   * with its kind and tool; a void or an expiry posts nothing. */
  "CREATE FUNCTION ledger_posted_hours () RETURNS trigger LANGUAGE plpgsql AS $$ "
  "BEGIN "
  "  IF NEW.kind IN (0, 2, 3) AND (NEW.flags & 14) = 0 THEN "
  "    INSERT INTO posted_hours AS h VALUES (NEW.debit_account, NEW.kind,"
  "      NEW.created_at / 3600000000, COALESCE (NEW.tool_id, ''), -NEW.amount, 1),"
  "      (NEW.credit_account, NEW.kind, NEW.created_at / 3600000000,"
  "      COALESCE (NEW.tool_id, ''), NEW.amount, 1)"
  "      ON CONFLICT (account, kind, hour, tool_id) DO UPDATE"
  "      SET amount = h.amount + excluded.amount, items = h.items + 1;"
  "  ELSIF (NEW.flags & 4) != 0 THEN "
  "    INSERT INTO posted_hours AS h SELECT s.account, p.kind, p.created_at / 3600000000,"
  "      COALESCE (p.tool_id, ''), s.sign * NEW.amount, 1 FROM transfers p,"
  "      LATERAL (VALUES (p.debit_account, -1), (p.credit_account, 1)) AS s (account, sign)"
  "      WHERE p.seq = NEW.pending_seq AND p.kind IN (0, 2, 3)"
  "      ON CONFLICT (account, kind, hour, tool_id) DO UPDATE"
  "      SET amount = h.amount + excluded.amount, items = h.items + 1;"
  "  END IF;"
  "  RETURN NULL;"
  "END $$;"
  "CREATE TRIGGER posted_hours AFTER INSERT ON transfers "
  "  FOR EACH ROW EXECUTE FUNCTION ledger_posted_hours ();"
  "CREATE TABLE lots ("
  "  num BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  account BIGINT NOT NULL,"
  "  transfer_seq BIGINT NOT NULL UNIQUE,"
  "  amount BIGINT NOT NULL CHECK (amount > 0),"
  "  remaining BIGINT NOT NULL CHECK (remaining BETWEEN 0 AND amount),"
  "  expires_at BIGINT NOT NULL,"
  "  closed INTEGER NOT NULL DEFAULT 0,"
  "  expired_by BIGINT"
  ");"
  "CREATE INDEX lots_open ON lots (account, expires_at, num) WHERE closed = 0;"
  "CREATE INDEX lots_due ON lots (expires_at) WHERE closed = 0;"
  "CREATE TABLE lot_burns ("
  "  lot BIGINT NOT NULL,"
  "  transfer_seq BIGINT NOT NULL,"
  "  amount BIGINT NOT NULL CHECK (amount > 0),"
  "  PRIMARY KEY (lot, transfer_seq)"
  ");",
  /* Reads (tally-pg-ledger-queries.c): created_at never decreases along
   * seq, so the first seq of a time is one probe of this index, where
   * SQLite binary-searches the primary key in-process; holds still open
   * are few, so a window's are found without reading its settled runs. */
  "CREATE INDEX transfers_by_time ON transfers (created_at, seq);"
  "CREATE INDEX pending_open ON pending (seq) WHERE state = 0;",
};

struct _TallyPgLedger
{
  GObject         parent_instance;

  TallyPg        *pg;
  TallyClockFunc  clock;
  gpointer        clock_data;
};

G_DEFINE_FINAL_TYPE (TallyPgLedger, tally_pg_ledger, G_TYPE_OBJECT)

static PGresult *
exec (TallyPgLedger        *self,
      const char           *sql,
      const TallyPgParams  *params,
      GError              **error)
{
  return tally_pg_run (self->pg, sql, params, error);
}

static gboolean
exec_command (TallyPgLedger        *self,
              const char           *sql,
              const TallyPgParams  *params,
              GError              **error)
{
  return tally_pg_run_command (self->pg, sql, params, error);
}

static void
exec_quietly (TallyPgLedger *self,
              const char    *sql)
{
  exec_command (self, sql, NULL, NULL);
}

static gint64
get_int64 (const PGresult *res,
           int             row,
           int             col)
{
  return tally_pg_is_null (res, row, col) ? 0 : tally_pg_get_int64 (res, row, col);
}

/* --- what the ledger's other files share (tally-pg-ledger-private.h) --- */

PGresult *
tally_pg_ledger_run (TallyPgLedger        *self,
                     const char           *sql,
                     const TallyPgParams  *params,
                     GError              **error)
{
  return exec (self, sql, params, error);
}

gboolean
tally_pg_ledger_run_command (TallyPgLedger        *self,
                             const char           *sql,
                             const TallyPgParams  *params,
                             GError              **error)
{
  return exec_command (self, sql, params, error);
}

gint64
tally_pg_ledger_int64 (const PGresult *res,
                       int             row,
                       int             col)
{
  return get_int64 (res, row, col);
}

/* The shared SQL has no ? but its parameters'. */
char *
tally_pg_ledger_sql (const char *shared_sql)
{
  return g_strdelimit (g_strdup (shared_sql), "?", '$');
}

static void
read_account (const PGresult *res,
              int             row,
              TallyAccount   *account,
              gint64         *num)
{
  memset (account, 0, sizeof *account);
  *num = get_int64 (res, row, 0);
  tally_pg_copy_text (res, row, 1, account->id, sizeof account->id);
  account->kind = (TallyAccountKind) get_int64 (res, row, 2);
  account->flags = (TallyAccountFlags) get_int64 (res, row, 3);
  tally_pg_copy_text (res, row, 4, account->name, sizeof account->name);
  tally_pg_copy_text (res, row, 5, account->timezone, sizeof account->timezone);
  account->debits_pending = get_int64 (res, row, 6);
  account->debits_posted = get_int64 (res, row, 7);
  account->credits_pending = get_int64 (res, row, 8);
  account->credits_posted = get_int64 (res, row, 9);
  account->created_at = get_int64 (res, row, 10);
}

gboolean
tally_pg_ledger_read_transfer (const PGresult       *res,
                               int                   row,
                               TallyStoredTransfer  *stored,
                               GError              **error)
{
  TallyTransfer *t = &stored->transfer;

  memset (stored, 0, sizeof *stored);
  t->seq = get_int64 (res, row, 0);
  tally_pg_copy_text (res, row, 1, t->id, sizeof t->id);
  tally_pg_copy_text (res, row, 2, t->debit_account_id, sizeof t->debit_account_id);
  tally_pg_copy_text (res, row, 3, t->credit_account_id, sizeof t->credit_account_id);
  t->amount = get_int64 (res, row, 4);
  tally_pg_copy_text (res, row, 5, t->pending_id, sizeof t->pending_id);
  t->units = get_int64 (res, row, 6);
  t->timeout = (guint32) get_int64 (res, row, 7);
  t->flags = (TallyTransferFlags) get_int64 (res, row, 8);
  t->kind = (TallyTransferKind) get_int64 (res, row, 9);
  tally_pg_copy_text (res, row, 10, t->ref, sizeof t->ref);
  tally_pg_copy_text (res, row, 11, t->tool_id, sizeof t->tool_id);
  tally_pg_copy_text (res, row, 12, t->description, sizeof t->description);
  t->created_at = get_int64 (res, row, 13);
  stored->debit_num = get_int64 (res, row, 14);
  stored->credit_num = get_int64 (res, row, 15);
  stored->pending_seq = get_int64 (res, row, 16);

  if ((guint) t->kind >= TALLY_N_TRANSFER_KINDS)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_STORAGE,
                              "Transfer %" G_GINT64_FORMAT " has an unknown kind %d",
                              t->seq, t->kind);
  return TRUE;
}

static gboolean
find_transfer_where (TallyPgLedger        *self,
                     const char           *sql,
                     const TallyPgParams  *params,
                     TallyStoredTransfer  *stored,
                     gboolean             *found,
                     GError              **error)
{
  g_autoptr(PGresult) res = exec (self, sql, params, error);

  if (res == NULL)
    return FALSE;
  *found = PQntuples (res) > 0;
  return !*found || tally_pg_ledger_read_transfer (res, 0, stored, error);
}

/* --- the engine's calls (TallyLedgerStoreOps) --- */

static void
undo_batch_savepoint (TallyPgLedger *self)
{
  exec_quietly (self, "ROLLBACK TO SAVEPOINT tally_batch");
  exec_quietly (self, "RELEASE SAVEPOINT tally_batch");
}

static gint64
pg_now (gpointer store)
{
  return tally_pg_ledger_now (store);
}

static gboolean
pg_begin (gpointer   store,
          gboolean  *nested,
          gint64    *last_seq,
          gint64    *last_created_at,
          GError   **error)
{
  TallyPgLedger *self = store;
  g_autoptr(PGresult) res = NULL;

  *nested = tally_pg_in_transaction (self->pg);
  if (*nested ? !exec_command (self, "SAVEPOINT tally_batch", NULL, error)
              : !tally_pg_begin (self->pg, error))
    return FALSE;

  if (exec_command (self, TALLY_PG_LEDGER_LOCK, NULL, error))
    res = exec (self, "SELECT seq, created_at FROM transfers ORDER BY seq DESC LIMIT 1",
                NULL, error);
  if (res == NULL)
    {
      if (*nested)
        undo_batch_savepoint (self);
      else
        tally_pg_rollback (self->pg, NULL);
      return FALSE;
    }

  *last_seq = PQntuples (res) > 0 ? get_int64 (res, 0, 0) : 0;
  *last_created_at = PQntuples (res) > 0 ? get_int64 (res, 0, 1) : 0;
  return TRUE;
}

static gboolean
pg_commit (gpointer   store,
           gboolean   nested,
           GError   **error)
{
  TallyPgLedger *self = store;

  if (nested)
    return exec_command (self, "RELEASE SAVEPOINT tally_batch", NULL, error);
  return tally_pg_commit (self->pg, error);
}

static void
pg_rollback (gpointer store,
             gboolean nested)
{
  TallyPgLedger *self = store;

  if (nested)
    undo_batch_savepoint (self);
  else
    tally_pg_rollback (self->pg, NULL);
}

static gboolean
pg_begin_chain (gpointer   store,
                GError   **error)
{
  return exec_command (store, "SAVEPOINT tally_chain", NULL, error);
}

static gboolean
pg_end_chain (gpointer   store,
              GError   **error)
{
  return exec_command (store, "RELEASE SAVEPOINT tally_chain", NULL, error);
}

static gboolean
pg_abort_chain (gpointer   store,
                GError   **error)
{
  return exec_command (store, "ROLLBACK TO SAVEPOINT tally_chain", NULL, error) &&
         exec_command (store, "RELEASE SAVEPOINT tally_chain", NULL, error);
}

static gboolean
pg_get_account (gpointer             store,
                const guint8         key[16],
                TallyCachedAccount  *account,
                gboolean            *found,
                GError             **error)
{
  char id[TALLY_UUID_LEN];
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_uuid_from_bytes (key, id);
  tally_pg_params_add_text (&params, id);
  res = exec (store, "SELECT " ACCOUNT_COLUMNS "FROM accounts WHERE id = $1", &params, error);
  if (res == NULL)
    return FALSE;

  *found = PQntuples (res) > 0;
  if (*found)
    read_account (res, 0, &account->account, &account->num);
  return TRUE;
}

static gboolean
pg_write_account (gpointer                   store,
                  const TallyCachedAccount  *cached,
                  GError                   **error)
{
  const TallyAccount *a = &cached->account;
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, a->debits_pending);
  tally_pg_params_add_int64 (&params, a->debits_posted);
  tally_pg_params_add_int64 (&params, a->credits_pending);
  tally_pg_params_add_int64 (&params, a->credits_posted);
  tally_pg_params_add_int64 (&params, cached->num);
  return exec_command (store, "UPDATE accounts SET debits_pending = $1, debits_posted = $2, "
                       "credits_pending = $3, credits_posted = $4 WHERE num = $5",
                       &params, error);
}

static gboolean
pg_find_transfer (gpointer              store,
                  const guint8          id[16],
                  TallyStoredTransfer  *stored,
                  gboolean             *found,
                  GError              **error)
{
  char text[TALLY_UUID_LEN];
  TallyPgParams params = { 0 };

  tally_uuid_from_bytes (id, text);
  tally_pg_params_add_text (&params, text);
  return find_transfer_where (store, "SELECT " TRANSFER_COLUMNS TRANSFER_FROM "WHERE t.id = $1",
                              &params, stored, found, error);
}

static gboolean
pg_find_transfer_by_seq (gpointer              store,
                         gint64                seq,
                         TallyStoredTransfer  *stored,
                         gboolean             *found,
                         GError              **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, seq);
  return find_transfer_where (store, "SELECT " TRANSFER_COLUMNS TRANSFER_FROM "WHERE t.seq = $1",
                              &params, stored, found, error);
}

static gboolean
pg_find_pending_row (gpointer          store,
                     gint64            seq,
                     TallyPendingRow  *row,
                     gboolean         *found,
                     GError          **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, seq);
  res = exec (store, "SELECT state, expires_at, settled_by FROM pending WHERE seq = $1",
              &params, error);
  if (res == NULL)
    return FALSE;

  *found = PQntuples (res) > 0;
  if (*found)
    {
      row->state = (TallyPendingState) get_int64 (res, 0, 0);
      row->expires_at = get_int64 (res, 0, 1);
      row->settled_by = get_int64 (res, 0, 2);
    }
  return TRUE;
}

/* Inserts unless the id is taken, as the SQLite store does: the happy
 * path learns of a duplicate from the unique index it updates anyway. */
static gboolean
pg_insert_transfer (gpointer              store,
                    const TallyTransfer  *t,
                    const guint8          id[16],
                    gint64                debit_num,
                    gint64                credit_num,
                    gint64                pending_seq,
                    gboolean             *inserted,
                    GError              **error)
{
  TallyPgLedger *self = store;
  char text[TALLY_UUID_LEN];
  TallyPgParams params = { 0 };

  tally_uuid_from_bytes (id, text);
  tally_pg_params_add_int64 (&params, t->seq);
  tally_pg_params_add_text (&params, text);
  tally_pg_params_add_int64 (&params, debit_num);
  tally_pg_params_add_int64 (&params, credit_num);
  tally_pg_params_add_int64 (&params, t->amount);
  if (pending_seq > 0)
    tally_pg_params_add_int64 (&params, pending_seq);
  else
    tally_pg_params_add_text (&params, NULL);
  tally_pg_params_add_int64 (&params, t->units);
  tally_pg_params_add_int64 (&params, t->timeout);
  tally_pg_params_add_int64 (&params, t->flags);
  tally_pg_params_add_int64 (&params, t->kind);
  tally_pg_params_add_text (&params, t->ref);
  tally_pg_params_add_text (&params, t->tool_id[0] != '\0' ? t->tool_id : NULL);
  tally_pg_params_add_text (&params, t->description);
  tally_pg_params_add_int64 (&params, t->created_at);

  return tally_pg_run_change (self->pg,
                              "INSERT INTO transfers (seq, id, debit_account, credit_account, "
                              "amount, pending_seq, units, timeout, flags, kind, ref, tool_id, "
                              "description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                              "$9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
                              &params, inserted, error);
}

static gboolean
pg_insert_pending (gpointer   store,
                   gint64     seq,
                   gint64     expires_at,
                   GError   **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, seq);
  tally_pg_params_add_int64 (&params, expires_at);
  return exec_command (store, "INSERT INTO pending (seq, state, expires_at) VALUES ($1, 0, $2)",
                       &params, error);
}

static gboolean
pg_settle_pending (gpointer            store,
                   gint64              pending_seq,
                   TallyPendingState   state,
                   gint64              settled_by,
                   GError            **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_int64 (&params, state);
  tally_pg_params_add_int64 (&params, settled_by);
  tally_pg_params_add_int64 (&params, pending_seq);
  return exec_command (store, "UPDATE pending SET state = $1, settled_by = $2 WHERE seq = $3",
                       &params, error);
}

static gboolean
pg_read_open_lots (gpointer   store,
                   gint64     account_num,
                   GArray    *lots,
                   GError   **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, account_num);
  res = exec (store, "SELECT num, remaining FROM lots WHERE account = $1 AND closed = 0 "
              "AND remaining > 0 ORDER BY expires_at, num", &params, error);
  if (res == NULL)
    return FALSE;

  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyOpenLot lot = { get_int64 (res, row, 0), get_int64 (res, row, 1) };

      g_array_append_val (lots, lot);
    }
  return TRUE;
}

static gboolean
pg_burn_lot (gpointer   store,
             gint64     lot,
             gint64     transfer_seq,
             gint64     amount,
             GError   **error)
{
  TallyPgParams burn = { 0 };
  TallyPgParams row = { 0 };

  /* Each statement its own parameters: PostgreSQL cannot type one that
   * the statement does not use. */
  tally_pg_params_add_int64 (&burn, amount);
  tally_pg_params_add_int64 (&burn, lot);
  tally_pg_params_add_int64 (&row, lot);
  tally_pg_params_add_int64 (&row, transfer_seq);
  tally_pg_params_add_int64 (&row, amount);
  return exec_command (store, "UPDATE lots SET remaining = remaining - $1 WHERE num = $2",
                       &burn, error) &&
         exec_command (store, "INSERT INTO lot_burns (lot, transfer_seq, amount) "
                       "VALUES ($1, $2, $3)", &row, error);
}

static gboolean
pg_due_pending (gpointer   store,
                gint64     now,
                guint      limit,
                GArray    *seqs,
                GError   **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_int64 (&params, limit);
  res = exec (store, "SELECT seq FROM pending WHERE state = 0 AND expires_at > 0 "
              "AND expires_at <= $1 ORDER BY expires_at LIMIT $2", &params, error);
  if (res == NULL)
    return FALSE;

  for (int row = 0; row < PQntuples (res); row++)
    {
      gint64 seq = get_int64 (res, row, 0);

      g_array_append_val (seqs, seq);
    }
  return TRUE;
}

static gboolean
pg_due_lots (gpointer   store,
             gint64     now,
             guint      limit,
             GArray    *lots,
             GError   **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_int64 (&params, limit);
  res = exec (store, "SELECT l.num, a.id, l.remaining, t.id FROM lots l "
              "JOIN transfers t ON t.seq = l.transfer_seq JOIN accounts a ON a.num = l.account "
              "WHERE l.closed = 0 AND l.expires_at <= $1 ORDER BY l.expires_at, l.num LIMIT $2",
              &params, error);
  if (res == NULL)
    return FALSE;

  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyDueLot lot = { 0 };

      lot.num = get_int64 (res, row, 0);
      tally_uuid_to_bytes (PQgetvalue (res, row, 1), lot.account_key);
      lot.remaining = get_int64 (res, row, 2);
      tally_pg_copy_text (res, row, 3, lot.transfer_id, sizeof lot.transfer_id);
      g_array_append_val (lots, lot);
    }
  return TRUE;
}

static gboolean
pg_close_lot (gpointer   store,
              gint64     lot_num,
              gint64     expiry_seq,
              GError   **error)
{
  TallyPgParams params = { 0 };

  if (expiry_seq > 0)
    tally_pg_params_add_int64 (&params, expiry_seq);
  else
    tally_pg_params_add_text (&params, NULL);
  tally_pg_params_add_int64 (&params, lot_num);
  return exec_command (store, "UPDATE lots SET closed = 1, expired_by = $1 WHERE num = $2",
                       &params, error);
}

static const TallyLedgerStoreOps pg_ops = {
  .now = pg_now,
  .begin = pg_begin,
  .commit = pg_commit,
  .rollback = pg_rollback,
  .begin_chain = pg_begin_chain,
  .end_chain = pg_end_chain,
  .abort_chain = pg_abort_chain,
  .get_account = pg_get_account,
  .write_account = pg_write_account,
  .find_transfer = pg_find_transfer,
  .find_transfer_by_seq = pg_find_transfer_by_seq,
  .find_pending_row = pg_find_pending_row,
  .insert_transfer = pg_insert_transfer,
  .insert_pending = pg_insert_pending,
  .settle_pending = pg_settle_pending,
  .read_open_lots = pg_read_open_lots,
  .burn_lot = pg_burn_lot,
  .due_pending = pg_due_pending,
  .due_lots = pg_due_lots,
  .close_lot = pg_close_lot,
};

const TallyLedgerStoreOps *
tally_pg_ledger_ops (void)
{
  return &pg_ops;
}

/* --- the object --- */

static void
tally_pg_ledger_finalize (GObject *object)
{
  TallyPgLedger *self = TALLY_PG_LEDGER (object);

  g_clear_object (&self->pg);

  G_OBJECT_CLASS (tally_pg_ledger_parent_class)->finalize (object);
}

static void
tally_pg_ledger_class_init (TallyPgLedgerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_pg_ledger_finalize;
}

static void
tally_pg_ledger_init (TallyPgLedger *self)
{
}

/* As the SQLite ledger's first migration does; idempotent, so every
 * server starting does it. */
static gboolean
create_system_accounts (TallyPgLedger  *self,
                        GError        **error)
{
  for (guint i = 0; i < TALLY_N_SYSTEM_ACCOUNTS; i++)
    {
      TallyAccount account;

      tally_account_init (&account, tally_system_account_id (i), TALLY_ACCOUNT_KIND_SYSTEM, 0,
                          tally_system_account_name (i), "UTC");
      if (!tally_pg_ledger_create_account (self, &account, error))
        return FALSE;
    }
  return TRUE;
}

static TallyPgLedger *
ledger_on (TallyPg *pg)
{
  TallyPgLedger *self = g_object_new (TALLY_TYPE_PG_LEDGER, NULL);

  self->pg = g_object_ref (pg);
  return self;
}

TallyPgLedger *
tally_pg_ledger_new (TallyPg  *pg,
                     GError  **error)
{
  g_autoptr(TallyPgLedger) self = NULL;

  g_return_val_if_fail (TALLY_IS_PG (pg), NULL);

  if (!tally_pg_migrate_component (pg, "ledger", ledger_migrations,
                                   G_N_ELEMENTS (ledger_migrations), error))
    return NULL;

  self = ledger_on (pg);
  if (!create_system_accounts (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

TallyPgLedger *
tally_pg_ledger_open (TallyPg  *pg,
                      GError  **error)
{
  g_return_val_if_fail (TALLY_IS_PG (pg), NULL);

  if (!tally_pg_check_component (pg, "ledger", G_N_ELEMENTS (ledger_migrations), error))
    return NULL;
  return ledger_on (pg);
}

TallyPg *
tally_pg_ledger_get_pg (TallyPgLedger *self)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), NULL);

  return self->pg;
}

void
tally_pg_ledger_set_clock (TallyPgLedger  *self,
                           TallyClockFunc  func,
                           gpointer        user_data)
{
  g_return_if_fail (TALLY_IS_PG_LEDGER (self));

  self->clock = func;
  self->clock_data = user_data;
}

gint64
tally_pg_ledger_now (TallyPgLedger *self)
{
  return self->clock != NULL ? self->clock (self->clock_data) : g_get_real_time ();
}

static gboolean
not_found (GError     **error,
           const char  *what,
           const char  *id)
{
  return tally_ledger_fail (error, TALLY_LEDGER_ERROR_NOT_FOUND, "No %s “%s”", what,
                            id ? id : "(null)");
}

static gboolean
fetch_account (TallyPgLedger       *self,
               const char          *id,
               TallyCachedAccount  *cached,
               GError             **error)
{
  guint8 key[16];
  gboolean found;

  if (!tally_uuid_to_bytes (id, key))
    return not_found (error, "account", id);
  if (!pg_get_account (self, key, cached, &found, error))
    return FALSE;
  if (!found)
    return not_found (error, "account", id);
  return TRUE;
}

gboolean
tally_pg_ledger_lookup_account (TallyPgLedger  *self,
                                const char     *id,
                                TallyAccount   *account,
                                GError        **error)
{
  TallyCachedAccount cached;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!fetch_account (self, id, &cached, error))
    return FALSE;
  *account = cached.account;
  return TRUE;
}

gboolean
tally_pg_ledger_account_num (TallyPgLedger  *self,
                             const char     *id,
                             gint64         *num,
                             GError        **error)
{
  TallyCachedAccount cached;

  if (!fetch_account (self, id, &cached, error))
    return FALSE;
  *num = cached.num;
  return TRUE;
}

/* Changes the name alone: the balances are the engine's, under its lock. */
gboolean
tally_pg_ledger_rename_account (TallyPgLedger  *self,
                                const char     *id,
                                const char     *name,
                                GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  TallyPgParams params = { 0 };
  guint8 key[16];

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!tally_ledger_rules_check_rename (id, name, key, error))
    return FALSE;

  tally_pg_params_add_text (&params, name);
  tally_pg_params_add_text (&params, id);
  res = exec (self, "UPDATE accounts SET name = $1 WHERE id = $2", &params, error);
  if (res == NULL)
    return FALSE;
  if (g_str_equal (PQcmdTuples (res), "0"))
    return tally_ledger_no_account (id, error);
  return TRUE;
}

/* Two servers may create the same account at once: the insert that loses
 * the race changes nothing, and the row is compared as on a retry. */
gboolean
tally_pg_ledger_create_account (TallyPgLedger       *self,
                                const TallyAccount  *account,
                                GError             **error)
{
  TallyAccount existing;
  TallyPgParams params = { 0 };
  guint8 id[16];

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!tally_ledger_rules_check_new_account (account, id, error))
    return FALSE;

  tally_pg_params_add_text (&params, account->id);
  tally_pg_params_add_int64 (&params, account->kind);
  tally_pg_params_add_int64 (&params, account->flags);
  tally_pg_params_add_text (&params, account->name);
  tally_pg_params_add_text (&params, account->timezone[0] != '\0' ? account->timezone : "UTC");
  tally_pg_params_add_int64 (&params, tally_pg_ledger_now (self));
  if (!exec_command (self, "INSERT INTO accounts (id, kind, flags, name, timezone, created_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                     &params, error) ||
      !tally_pg_ledger_lookup_account (self, account->id, &existing, error))
    return FALSE;

  if (!tally_ledger_rules_account_equal (account, &existing))
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS,
                              "Account “%s” exists with different fields", account->id);
  return TRUE;
}

gboolean
tally_pg_ledger_create_transfers (TallyPgLedger        *self,
                                  TallyTransfer        *transfers,
                                  guint                 n_transfers,
                                  TallyTransferResult  *results,
                                  GError              **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (transfers != NULL || n_transfers == 0, FALSE);
  g_return_val_if_fail (results != NULL || n_transfers == 0, FALSE);

  if (n_transfers == 0)
    return TRUE;
  return tally_ledger_engine_create_transfers (&pg_ops, self, transfers, n_transfers, results,
                                               error);
}

gboolean
tally_pg_ledger_find_transfer (TallyPgLedger        *self,
                               const char           *id,
                               TallyStoredTransfer  *stored,
                               gboolean             *found,
                               GError              **error)
{
  guint8 key[16];

  *found = FALSE;
  return !tally_uuid_to_bytes (id, key) || pg_find_transfer (self, key, stored, found, error);
}

gboolean
tally_pg_ledger_lookup_transfer (TallyPgLedger  *self,
                                 const char     *id,
                                 TallyTransfer  *transfer,
                                 GError        **error)
{
  TallyStoredTransfer stored;
  gboolean found;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (transfer != NULL, FALSE);

  if (!tally_pg_ledger_find_transfer (self, id, &stored, &found, error))
    return FALSE;
  if (!found)
    return not_found (error, "transfer", id);
  *transfer = stored.transfer;
  return TRUE;
}

gboolean
tally_pg_ledger_lookup_pending_state (TallyPgLedger      *self,
                                      const char         *pending_id,
                                      TallyPendingState  *state,
                                      GError            **error)
{
  TallyStoredTransfer stored;
  TallyPendingRow row;
  guint8 key[16];
  gboolean found;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (!tally_uuid_to_bytes (pending_id, key))
    return not_found (error, "pending transfer", pending_id);
  if (!pg_find_transfer (self, key, &stored, &found, error))
    return FALSE;
  if (found && !pg_find_pending_row (self, stored.transfer.seq, &row, &found, error))
    return FALSE;
  if (!found)
    return not_found (error, "pending transfer", pending_id);

  *state = row.state;
  return TRUE;
}

gboolean
tally_pg_ledger_expire_pending (TallyPgLedger  *self,
                                gint64          now,
                                guint          *n_expired,
                                GError        **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  return tally_ledger_engine_expire_pending (&pg_ops, self, now, n_expired, error);
}

gboolean
tally_pg_ledger_get_last_seq (TallyPgLedger  *self,
                              gint64         *seq,
                              GError        **error)
{
  g_autoptr(PGresult) res = NULL;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  res = exec (self, "SELECT COALESCE (max (seq), 0) FROM transfers", NULL, error);
  if (res == NULL)
    return FALSE;
  *seq = get_int64 (res, 0, 0);
  return TRUE;
}

/* --- the writer's transaction --- */

/* READ COMMITTED, as every batch: the advisory lock each batch takes
 * inside it orders the writes, and is held to the group's commit. */
gboolean
tally_pg_ledger_begin (TallyPgLedger  *self,
                       GError        **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (!tally_pg_in_transaction (self->pg), FALSE);

  return tally_pg_begin (self->pg, error);
}

gboolean
tally_pg_ledger_commit (TallyPgLedger  *self,
                        GError        **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  /* Failed or not, the transaction is over, as on SQLite. */
  return tally_pg_commit (self->pg, error);
}

void
tally_pg_ledger_rollback (TallyPgLedger *self)
{
  g_return_if_fail (TALLY_IS_PG_LEDGER (self));

  if (tally_pg_in_transaction (self->pg))
    tally_pg_rollback (self->pg, NULL);
}

gboolean
tally_pg_ledger_begin_write (TallyPgLedger  *self,
                             GError        **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);
  g_return_val_if_fail (tally_pg_in_transaction (self->pg), FALSE);

  return exec_command (self, "SAVEPOINT tally_write", NULL, error);
}

gboolean
tally_pg_ledger_end_write (TallyPgLedger  *self,
                           GError        **error)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  return exec_command (self, "RELEASE SAVEPOINT tally_write", NULL, error);
}

void
tally_pg_ledger_undo_write (TallyPgLedger *self)
{
  g_return_if_fail (TALLY_IS_PG_LEDGER (self));

  exec_quietly (self, "ROLLBACK TO SAVEPOINT tally_write");
  exec_quietly (self, "RELEASE SAVEPOINT tally_write");
}

gboolean
tally_pg_ledger_in_transaction (TallyPgLedger *self)
{
  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  return tally_pg_in_transaction (self->pg);
}

/* --- the checks --- */

static gboolean
expect_zero (TallyPgLedger               *self,
             const TallyLedgerInvariant  *invariant,
             GError                     **error)
{
  g_autoptr(PGresult) res = exec (self, invariant->sql, NULL, error);
  gint64 value;

  if (res == NULL)
    return FALSE;
  value = PQntuples (res) > 0 ? get_int64 (res, 0, 0) : 0;
  if (value != 0)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_INVARIANT, "%s (%" G_GINT64_FORMAT
                              " found)", invariant->what, value);
  return TRUE;
}

static gboolean
check_accounts (TallyPgLedger  *self,
                GError        **error)
{
  g_autoptr(PGresult) res = exec (self, TALLY_LEDGER_RECOMPUTED_COLUMNS, NULL, error);
  TallyLedgerTotals totals = { 0 };

  if (res == NULL)
    return FALSE;

  for (int row = 0; row < PQntuples (res); row++)
    {
      gint64 stored[4], recomputed[4];

      for (int c = 0; c < 4; c++)
        {
          stored[c] = get_int64 (res, row, 2 + c);
          recomputed[c] = get_int64 (res, row, 6 + c);
        }
      if (!tally_ledger_check_account_columns (PQgetvalue (res, row, 0),
                                               (TallyAccountFlags) get_int64 (res, row, 1),
                                               stored, recomputed, &totals, error))
        return FALSE;
    }

  return tally_ledger_check_totals (&totals, error);
}

/* In one REPEATABLE READ transaction, so every query sees the same
 * snapshot while other servers write. */
gboolean
tally_pg_ledger_check (TallyPgLedger  *self,
                       GError        **error)
{
  const TallyLedgerInvariant *invariants;
  gboolean ok = TRUE;
  guint n;

  g_return_val_if_fail (TALLY_IS_PG_LEDGER (self), FALSE);

  if (!exec_command (self, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, error))
    return FALSE;

  invariants = tally_ledger_invariants (&n);
  for (guint i = 0; ok && i < n; i++)
    {
      if (invariants[i].scope != TALLY_CHECK_MIRROR_ONLY)
        ok = expect_zero (self, &invariants[i], error);
    }
  ok = ok && check_accounts (self, error);

  exec_quietly (self, "COMMIT");
  return ok;
}
