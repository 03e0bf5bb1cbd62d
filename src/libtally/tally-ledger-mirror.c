/* tally-ledger-mirror.c: a copy of another ledger's transfers, as it made
 * them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"

/* The "mirror" component has no tables: its row in `components` is what
 * marks the file as a mirror, for good. */
static const char * const mirror_migrations[] = {
  /* 1 */
  "SELECT 1",
};

/* What a mirror refuses to take or to be. */
#define invalid(error, ...) \
  tally_ledger_fail ((error), TALLY_LEDGER_ERROR_INVALID, __VA_ARGS__)

static gboolean
is_marked (sqlite3   *db,
           gboolean  *marked,
           GError   **error)
{
  gint64 count;

  *marked = FALSE;
  if (!tally_ledger_query_int64 (db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                 "AND name = 'components'", &count, error))
    return FALSE;
  if (count == 0)
    return TRUE;

  if (!tally_ledger_query_int64 (db, "SELECT count(*) FROM components WHERE name = 'mirror'",
                                 &count, error))
    return FALSE;
  *marked = count > 0;
  return TRUE;
}

gboolean
tally_ledger_mirror_detect (sqlite3   *db,
                           gboolean   become,
                           gboolean  *is_mirror,
                           GError   **error)
{
  gint64 n_transfers;

  if (!is_marked (db, is_mirror, error))
    return FALSE;
  if (*is_mirror || !become)
    return TRUE;

  /* Transfers of its own would take seqs the origin gives out later. */
  if (!tally_ledger_query_int64 (db, "SELECT count(*) FROM transfers", &n_transfers, error))
    return FALSE;
  if (n_transfers > 0)
    return invalid (error, "The ledger has transfers of its own; only an empty ledger can "
                    "become a mirror");

  if (!tally_ledger_schema_migrate_component (db, "mirror", mirror_migrations,
                                              G_N_ELEMENTS (mirror_migrations), error))
    return FALSE;

  *is_mirror = TRUE;
  return TRUE;
}

gboolean
tally_ledger_refuse_mirror (TallyLedger  *self,
                            GError      **error)
{
  if (!tally_ledger_is_mirror (self))
    return TRUE;

  return invalid (error, "The ledger is a mirror: only its origin's transfers go into it");
}

static gboolean
require_mirror (TallyLedger  *self,
                GError      **error)
{
  if (tally_ledger_is_mirror (self))
    return TRUE;

  return invalid (error, "The ledger is not a mirror; open it with TALLY_LEDGER_OPEN_MIRROR");
}

/* --- accounts --- */

static gboolean
validate_account (const TallyAccount  *account,
                  guint8               id[16],
                  GError             **error)
{
  const char *problem = tally_ledger_account_problem (account, id);

  if (problem == NULL)
    return TRUE;

  return invalid (error, "Cannot mirror account “%s”: %s", account->id, problem);
}

static const char *
zone_of (const TallyAccount *account)
{
  return account->timezone[0] != '\0' ? account->timezone : "UTC";
}

static gboolean
insert_account (TallyLedger         *self,
                const TallyAccount  *account,
                const guint8         id[16],
                GError             **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_INSERT_ACCOUNT);

  sqlite3_bind_blob (stmt, 1, id, 16, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, account->kind);
  sqlite3_bind_int (stmt, 3, account->flags);
  sqlite3_bind_text (stmt, 4, account->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, zone_of (account), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, account->created_at > 0 ? account->created_at
                                                       : tally_ledger_now (self));

  return tally_ledger_step_done (self, stmt, error);
}

/* An account flagged as never overdrawn (or never in credit) stays so in
 * the mirror too: the origin kept it so, and tally_ledger_check() holds
 * the mirror to it, so neither a transfer nor a change of flags that
 * breaks it can be the origin's. */
static gboolean
balances_keep_flags (const TallyAccount *balances,
                     TallyAccountFlags   flags)
{
  const TallyAccount *a = balances;

  if ((flags & TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS) &&
      (__int128) a->debits_pending + a->debits_posted > a->credits_posted)
    return FALSE;
  if ((flags & TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS) &&
      (__int128) a->credits_pending + a->credits_posted > a->debits_posted)
    return FALSE;
  return TRUE;
}

/* The origin may rename an account; its balances are never taken from it. */
static gboolean
update_account (TallyLedger         *self,
                const TallyAccount  *account,
                gint64               num,
                GError             **error)
{
  sqlite3 *db = tally_ledger_get_db (self);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "UPDATE accounts SET kind = ?, flags = ?, name = ?, timezone = ? "
                          "WHERE num = ?", -1, &stmt, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);

  sqlite3_bind_int (stmt, 1, account->kind);
  sqlite3_bind_int (stmt, 2, account->flags);
  sqlite3_bind_text (stmt, 3, account->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, zone_of (account), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, num);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (db, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }

  sqlite3_finalize (stmt);
  return TRUE;
}

/* Reads the account with @id and its row number; *found is FALSE when
 * there is none. */
static gboolean
read_account (TallyLedger   *self,
              const guint8   id[16],
              TallyAccount  *account,
              gint64        *num,
              gboolean      *found,
              GError       **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (self, STMT_ACCOUNT_BY_ID);
  int rc;

  sqlite3_bind_blob (stmt, 1, id, 16, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    tally_ledger_read_account (stmt, account, num);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
  return TRUE;
}

/**
 * tally_ledger_mirror_account:
 * @self: a mirror
 * @account: the account as its origin describes it
 * @error: return location for a #GError
 *
 * Inserts the account, with the origin's id and zero balances, when the
 * mirror lacks it; otherwise brings its kind, flags, name and time zone up
 * to date. The balances of @account are ignored.
 *
 * Returns: %TRUE when the mirror has the account afterwards
 */
gboolean
tally_ledger_mirror_account (TallyLedger         *self,
                             const TallyAccount  *account,
                             GError             **error)
{
  TallyAccount existing;
  guint8 id[16];
  gint64 num;
  gboolean found;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!require_mirror (self, error) ||
      !validate_account (account, id, error) ||
      !read_account (self, id, &existing, &num, &found, error))
    return FALSE;

  if (!found)
    return insert_account (self, account, id, error);

  if (existing.kind == account->kind && existing.flags == account->flags &&
      strcmp (existing.name, account->name) == 0 &&
      strcmp (existing.timezone, zone_of (account)) == 0)
    return TRUE;

  if (!balances_keep_flags (&existing, account->flags))
    return invalid (error, "Cannot mirror account “%s”: its balances break the new flags",
                    account->id);
  return update_account (self, account, num, error);
}

/* --- transfers --- */

/* An account a transfer moves, read once and written back after. */
typedef struct
{
  TallyAccount account;
  gint64       num;
} Side;

/* Where the mirror stands: its last seq and time, which every new
 * transfer must follow. */
typedef struct
{
  TallyLedger *ledger;
  gint64       last_seq;
  gint64       last_created_at;
} Mirror;

/* A mirror's writes are one transaction, or a savepoint inside the
 * caller's. */
static gboolean
write_begin (TallyLedger  *self,
             gboolean     *nested,
             GError      **error)
{
  *nested = tally_ledger_in_transaction (self);
  return tally_ledger_step_done (self, tally_ledger_stmt (self, *nested ? STMT_BATCH_SAVEPOINT
                                                                        : STMT_BEGIN), error);
}

static void
run_quietly (TallyLedger     *self,
             TallyLedgerStmt  which)
{
  tally_ledger_step_done (self, tally_ledger_stmt (self, which), NULL);
}

/* Commits what write_begin() began when @ok, and rolls it back when not
 * or when the commit fails. */
static gboolean
write_end (TallyLedger  *self,
           gboolean      nested,
           gboolean      ok,
           GError      **error)
{
  if (ok && tally_ledger_step_done (self, tally_ledger_stmt (self, nested ? STMT_BATCH_RELEASE
                                                                          : STMT_COMMIT), error))
    return TRUE;

  if (nested)
    {
      run_quietly (self, STMT_BATCH_ROLLBACK_TO);
      run_quietly (self, STMT_BATCH_RELEASE);
    }
  else
    run_quietly (self, STMT_ROLLBACK);
  return FALSE;
}

/* Reads where the mirror stands, inside the write. */
static gboolean
mirror_init (Mirror       *mirror,
             TallyLedger  *self,
             GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  memset (mirror, 0, sizeof *mirror);
  mirror->ledger = self;

  stmt = tally_ledger_stmt (self, STMT_LAST_TRANSFER);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      mirror->last_seq = sqlite3_column_int64 (stmt, 0);
      mirror->last_created_at = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (self), error);
  return TRUE;
}

/* What can be said of a transfer on its own: the ledger's own validation,
 * and the two fields the origin sets. */
static gboolean
validate_transfer (const TallyTransfer  *t,
                   GError              **error)
{
  TallyTransferResult result = tally_ledger_rules_validate (t);

  if (result != TALLY_TRANSFER_OK)
    return invalid (error, "Cannot mirror transfer %" G_GINT64_FORMAT ": %s", t->seq,
                    tally_transfer_result_to_string (result));
  if (t->seq <= 0 || t->created_at <= 0)
    return invalid (error, "Cannot mirror transfer %s: it has no seq or time of its origin",
                    t->id);
  return TRUE;
}

/* A transfer the mirror has already: skipped when it is the same one. */
static gboolean
check_known (const TallyTransfer  *t,
             const TallyTransfer  *stored,
             GError              **error)
{
  if (tally_ledger_rules_compare (t, stored) == TALLY_TRANSFER_EXISTS &&
      t->seq == stored->seq && t->created_at == stored->created_at)
    return TRUE;

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS,
               "Transfer %s is mirrored already with different fields", t->id);
  return FALSE;
}

static gboolean
check_order (const Mirror         *mirror,
             const TallyTransfer  *t,
             GError              **error)
{
  if (t->seq <= mirror->last_seq)
    return invalid (error, "Transfer %s has seq %" G_GINT64_FORMAT ", not after the mirror's "
                    "last %" G_GINT64_FORMAT, t->id, t->seq, mirror->last_seq);
  if (t->created_at < mirror->last_created_at)
    return invalid (error, "Transfer %s is older than the mirror's last transfer", t->id);
  return TRUE;
}

static gboolean
read_side (Mirror      *mirror,
           const char  *account_id,
           Side        *side,
           GError     **error)
{
  guint8 id[16];
  gboolean found;

  if (!tally_uuid_to_bytes (account_id, id))
    return invalid (error, "“%s” is not an account id", account_id);
  if (!read_account (mirror->ledger, id, &side->account, &side->num, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND,
               "The mirror has no account “%s”: mirror it before its transfers", account_id);
  return FALSE;
}

/* The pending transfer @t settles, which must still be pending here:
 * the origin's own checks held when it settled it. */
static gboolean
find_pending (Mirror               *mirror,
              const TallyTransfer  *t,
              TallyStoredTransfer  *pending,
              GError              **error)
{
  TallyPendingRow row;
  TallyTransferResult result;
  guint8 pending_key[16];
  gboolean found;

  tally_uuid_to_bytes (t->pending_id, pending_key);
  if (!tally_ledger_find_transfer (mirror->ledger, pending_key, pending, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND,
                   "Transfer %s settles %s, which the mirror does not have", t->id,
                   t->pending_id);
      return FALSE;
    }

  if (!tally_ledger_find_pending_row (mirror->ledger, pending->transfer.seq, &row, &found, error))
    return FALSE;

  /* Expiry is the origin's to decide: it sends the void. */
  row.expires_at = 0;
  result = tally_ledger_rules_check_settlement (t, &pending->transfer, found ? &row : NULL, 0);
  if (result != TALLY_TRANSFER_OK)
    return invalid (error, "Transfer %s cannot settle %s in the mirror: %s", t->id, t->pending_id,
                    tally_transfer_result_to_string (result));
  return TRUE;
}

static gboolean
write_side (Mirror      *mirror,
            const Side  *side,
            GError     **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (mirror->ledger, STMT_UPDATE_ACCOUNT);
  const TallyAccount *a = &side->account;

  sqlite3_bind_int64 (stmt, 1, a->debits_pending);
  sqlite3_bind_int64 (stmt, 2, a->debits_posted);
  sqlite3_bind_int64 (stmt, 3, a->credits_pending);
  sqlite3_bind_int64 (stmt, 4, a->credits_posted);
  sqlite3_bind_int64 (stmt, 5, side->num);

  return tally_ledger_step_done (mirror->ledger, stmt, error);
}

/* Records the pending state a transfer starts or ends. */
static gboolean
record_pending_state (Mirror                     *mirror,
                      const TallyTransfer        *t,
                      const TallyStoredTransfer  *pending,
                      GError                    **error)
{
  if (t->flags & TALLY_TRANSFER_FLAG_PENDING)
    return tally_ledger_insert_pending_row (mirror->ledger, t, error);
  if (pending == NULL)
    return TRUE;

  return tally_ledger_settle_pending_row (mirror->ledger, pending->transfer.seq,
                                         (t->flags & TALLY_TRANSFER_FLAG_POST_PENDING)
                                         ? TALLY_PENDING_STATE_POSTED
                                         : TALLY_PENDING_STATE_VOIDED,
                                         t->seq, error);
}

/* The columns a transfer adds to must stay within int64 whatever the
 * origin sent. */
static gboolean
check_overflow (const TallyTransfer  *t,
                const Side           *debit,
                const Side           *credit,
                GError              **error)
{
  gboolean pending = (t->flags & TALLY_TRANSFER_FLAG_PENDING) != 0;
  gint64 debit_column = pending ? debit->account.debits_pending : debit->account.debits_posted;
  gint64 credit_column = pending ? credit->account.credits_pending
                                 : credit->account.credits_posted;
  gint64 sum;

  if (t->flags & TALLY_TRANSFER_FLAG_VOID_PENDING)
    return TRUE;
  if (!__builtin_add_overflow (debit_column, t->amount, &sum) &&
      !__builtin_add_overflow (credit_column, t->amount, &sum))
    return TRUE;

  return invalid (error, "Transfer %s would overflow an account of the mirror", t->id);
}

static gboolean
check_balance_flags (const TallyTransfer  *t,
                     const TallyAccount   *account,
                     GError              **error)
{
  if (balances_keep_flags (account, account->flags))
    return TRUE;

  return invalid (error, "Transfer %s would take account %s past what its flags allow", t->id,
                  account->id);
}

/* Inserts @t and moves its accounts' columns with the ledger's own rule. */
static gboolean
apply_new (Mirror               *mirror,
           const TallyTransfer  *t,
           GError              **error)
{
  TallyStoredTransfer pending;
  gboolean settles = tally_transfer_is_two_phase_settlement (t);
  TallyTransfer stored = *t;
  Side debit, credit;
  guint8 id[16];
  gboolean inserted;

  if (settles && !find_pending (mirror, t, &pending, error))
    return FALSE;
  if (settles)
    {
      /* A post or void is stored with its pending transfer's accounts. */
      g_strlcpy (stored.debit_account_id, pending.transfer.debit_account_id,
                 sizeof stored.debit_account_id);
      g_strlcpy (stored.credit_account_id, pending.transfer.credit_account_id,
                 sizeof stored.credit_account_id);
    }

  if (!read_side (mirror, stored.debit_account_id, &debit, error) ||
      !read_side (mirror, stored.credit_account_id, &credit, error) ||
      !check_overflow (&stored, &debit, &credit, error))
    return FALSE;

  tally_uuid_to_bytes (t->id, id);
  if (!tally_ledger_insert_transfer_row (mirror->ledger, &stored, id, debit.num, credit.num,
                                         settles ? pending.transfer.seq : 0, &inserted, error))
    return FALSE;
  if (!inserted)
    return invalid (error, "Transfer %s could not be mirrored: its seq is taken", t->id);

  tally_ledger_rules_apply (&stored, settles ? &pending.transfer : NULL, &debit.account,
                            &credit.account);
  if (!check_balance_flags (t, &debit.account, error) ||
      !check_balance_flags (t, &credit.account, error))
    return FALSE;
  if (!write_side (mirror, &debit, error) || !write_side (mirror, &credit, error) ||
      !record_pending_state (mirror, &stored, settles ? &pending : NULL, error))
    return FALSE;

  mirror->last_seq = t->seq;
  mirror->last_created_at = t->created_at;
  return TRUE;
}

static gboolean
mirror_one (Mirror               *mirror,
            const TallyTransfer  *t,
            GError              **error)
{
  TallyStoredTransfer stored;
  guint8 id[16];
  gboolean found;

  if (!validate_transfer (t, error))
    return FALSE;

  tally_uuid_to_bytes (t->id, id);
  if (!tally_ledger_find_transfer (mirror->ledger, id, &stored, &found, error))
    return FALSE;
  if (found)
    return check_known (t, &stored.transfer, error);

  return check_order (mirror, t, error) && apply_new (mirror, t, error);
}

/**
 * tally_ledger_mirror_transfers:
 * @self: a mirror
 * @transfers: (array length=n_transfers): transfers as their origin made
 *   them, seq and created_at included, in seq order
 * @n_transfers: how many
 * @error: return location for a #GError
 *
 * Records transfers of another ledger, as docs/ledger.md "Mirrors" says.
 * Their accounts must be in the mirror already (system accounts always
 * are).
 *
 * Returns: %TRUE when every transfer is in the mirror afterwards; %FALSE
 *   with @error set, and nothing of @transfers written, otherwise
 */
gboolean
tally_ledger_mirror_transfers (TallyLedger          *self,
                               const TallyTransfer  *transfers,
                               guint                 n_transfers,
                               GError              **error)
{
  Mirror mirror;
  gboolean nested, ok;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (transfers != NULL || n_transfers == 0, FALSE);

  if (!require_mirror (self, error))
    return FALSE;
  if (n_transfers == 0)
    return TRUE;

  if (!write_begin (self, &nested, error))
    return FALSE;

  ok = mirror_init (&mirror, self, error);
  for (guint i = 0; ok && i < n_transfers; i++)
    ok = mirror_one (&mirror, &transfers[i], error);

  return write_end (self, nested, ok, error);
}

/* --- starting over --- */

/* Every mirrored transfer goes, with every account but the system ones,
 * which every ledger has from its first migration: they stay at zero, as
 * in a new file. */
static gboolean
delete_mirrored_rows (TallyLedger  *self,
                      GError      **error)
{
  sqlite3 *db = tally_ledger_get_db (self);
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("DELETE FROM pending; DELETE FROM transfers; DELETE FROM posted_hours; "
                         "DELETE FROM accounts WHERE kind != %d; "
                         "UPDATE accounts SET debits_pending = 0, debits_posted = 0, "
                         "credits_pending = 0, credits_posted = 0",
                         (int) TALLY_ACCOUNT_KIND_SYSTEM);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return tally_ledger_set_sqlite_error (db, error);
  return TRUE;
}

/**
 * tally_ledger_mirror_clear:
 * @self: a mirror
 * @error: return location for a #GError
 *
 * Empties the mirror, for an origin that no longer has what was mirrored
 * (restored from a backup): afterwards it takes any seq again. One
 * transaction (a savepoint inside the caller's), so a crash leaves the
 * mirror whole or empty; the file's other components' tables are left
 * alone.
 *
 * Returns: %TRUE when the mirror is empty
 */
gboolean
tally_ledger_mirror_clear (TallyLedger  *self,
                           GError      **error)
{
  gboolean nested;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  if (!require_mirror (self, error))
    return FALSE;

  if (!write_begin (self, &nested, error))
    return FALSE;

  return write_end (self, nested, delete_mirrored_rows (self, error), error);
}
