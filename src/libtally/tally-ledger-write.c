/* tally-ledger-write.c: batches of transfers, and expiry
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"

/* An account the batch has read, with its 16-byte id as hash key. */
typedef struct
{
  guint8             key[16];
  TallyCachedAccount cached;
  gboolean           dirty;
  /* The account had no open lot with credits left when the batch looked:
   * none appears within a batch, so its later debits need not look. */
  gboolean           no_lots;
} BatchAccount;

/* A value of an account before a linked chain changed it. */
typedef struct
{
  BatchAccount *account;
  TallyAccount  before;
} UndoEntry;

/* One write transaction. Accounts are read once, changed in memory and
 * written back once at commit: a batch of thousands of transfers between a
 * few accounts costs a few account writes, not thousands. */
typedef struct
{
  TallyLedger *ledger;
  GHashTable  *accounts;
  GPtrArray   *dirty;
  GArray      *undo;
  gboolean     in_chain;
  /* Inside a transaction the caller opened: a savepoint, not BEGIN. */
  gboolean     nested;
  gint64       now;
  gint64       created_at;
  gint64       last_seq;
  /* While a lot expires: the only lot its expiry transfer burns. */
  gint64       only_lot;
} Batch;

static guint
uuid_bytes_hash (gconstpointer key)
{
  guint64 halves[2];

  memcpy (halves, key, sizeof halves);
  return (guint) ((halves[0] ^ halves[1]) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) >> 32);
}

static gboolean
uuid_bytes_equal (gconstpointer a,
                  gconstpointer b)
{
  return memcmp (a, b, 16) == 0;
}

static void
batch_clear (Batch *batch)
{
  g_clear_pointer (&batch->accounts, g_hash_table_unref);
  g_clear_pointer (&batch->dirty, g_ptr_array_unref);
  g_clear_pointer (&batch->undo, g_array_unref);
}

static void
run_quietly (TallyLedger     *ledger,
             TallyLedgerStmt  which)
{
  sqlite3_step (tally_ledger_stmt (ledger, which));
  sqlite3_reset (tally_ledger_stmt (ledger, which));
}

static void
batch_rollback (Batch *batch)
{
  if (batch->nested)
    {
      run_quietly (batch->ledger, STMT_BATCH_ROLLBACK_TO);
      run_quietly (batch->ledger, STMT_BATCH_RELEASE);
    }
  else
    run_quietly (batch->ledger, STMT_ROLLBACK);
  batch_clear (batch);
}

static gboolean
batch_begin (Batch        *batch,
             TallyLedger  *ledger,
             GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 last_created_at = 0;
  int rc;

  memset (batch, 0, sizeof *batch);
  batch->ledger = ledger;
  batch->nested = !sqlite3_get_autocommit (tally_ledger_get_db (ledger));

  if (!tally_ledger_step_done (ledger,
                               tally_ledger_stmt (ledger, batch->nested ? STMT_BATCH_SAVEPOINT
                                                                        : STMT_BEGIN),
                               error))
    return FALSE;

  batch->accounts = g_hash_table_new_full (uuid_bytes_hash, uuid_bytes_equal, NULL, g_free);
  batch->dirty = g_ptr_array_new ();
  batch->undo = g_array_new (FALSE, FALSE, sizeof (UndoEntry));

  /* Read inside the transaction, so another writer's commits are seen. */
  stmt = tally_ledger_stmt (ledger, STMT_LAST_TRANSFER);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      batch->last_seq = sqlite3_column_int64 (stmt, 0);
      last_created_at = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      tally_ledger_set_sqlite_error (tally_ledger_get_db (ledger), error);
      batch_rollback (batch);
      return FALSE;
    }

  batch->now = tally_ledger_now (ledger);
  batch->created_at = MAX (batch->now, last_created_at);
  return TRUE;
}

static gboolean
write_account (Batch         *batch,
               BatchAccount  *entry,
               GError       **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (batch->ledger, STMT_UPDATE_ACCOUNT);
  const TallyAccount *a = &entry->cached.account;

  sqlite3_bind_int64 (stmt, 1, a->debits_pending);
  sqlite3_bind_int64 (stmt, 2, a->debits_posted);
  sqlite3_bind_int64 (stmt, 3, a->credits_pending);
  sqlite3_bind_int64 (stmt, 4, a->credits_posted);
  sqlite3_bind_int64 (stmt, 5, entry->cached.num);

  return tally_ledger_step_done (batch->ledger, stmt, error);
}

static gboolean
batch_commit (Batch   *batch,
              GError **error)
{
  for (guint i = 0; i < batch->dirty->len; i++)
    {
      if (!write_account (batch, g_ptr_array_index (batch->dirty, i), error))
        return FALSE;
    }

  if (!tally_ledger_step_done (batch->ledger,
                               tally_ledger_stmt (batch->ledger, batch->nested ? STMT_BATCH_RELEASE
                                                                               : STMT_COMMIT),
                               error))
    return FALSE;

  batch_clear (batch);
  return TRUE;
}

/* The account with @key, read from the file on first use; NULL in
 * @account when there is none. */
static gboolean
batch_get_account (Batch         *batch,
                   const guint8   key[16],
                   BatchAccount **account,
                   GError       **error)
{
  sqlite3_stmt *stmt;
  BatchAccount *entry;
  int rc;

  *account = g_hash_table_lookup (batch->accounts, key);
  if (*account != NULL)
    return TRUE;

  entry = g_new0 (BatchAccount, 1);
  memcpy (entry->key, key, 16);

  stmt = tally_ledger_stmt (batch->ledger, STMT_ACCOUNT_BY_ID);
  sqlite3_bind_blob (stmt, 1, key, 16, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    tally_ledger_read_account (stmt, &entry->cached.account, &entry->cached.num);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW)
    {
      g_free (entry);
      if (rc == SQLITE_DONE)
        return TRUE;
      return tally_ledger_set_sqlite_error (tally_ledger_get_db (batch->ledger), error);
    }

  g_hash_table_insert (batch->accounts, entry->key, entry);
  *account = entry;
  return TRUE;
}

static void
batch_touch_account (Batch        *batch,
                     BatchAccount *account)
{
  if (batch->in_chain)
    {
      UndoEntry undo = { account, account->cached.account };

      g_array_append_val (batch->undo, undo);
    }

  if (!account->dirty)
    {
      account->dirty = TRUE;
      g_ptr_array_add (batch->dirty, account);
    }
}

static gboolean
batch_step (Batch            *batch,
            TallyLedgerStmt   which,
            GError          **error)
{
  return tally_ledger_step_done (batch->ledger, tally_ledger_stmt (batch->ledger, which), error);
}

static gboolean
batch_begin_chain (Batch   *batch,
                   GError **error)
{
  batch->in_chain = TRUE;
  g_array_set_size (batch->undo, 0);
  return batch_step (batch, STMT_SAVEPOINT, error);
}

static gboolean
batch_end_chain (Batch   *batch,
                 GError **error)
{
  batch->in_chain = FALSE;
  return batch_step (batch, STMT_RELEASE, error);
}

/* Undoes everything the chain did, in the file and in memory. */
static gboolean
batch_abort_chain (Batch    *batch,
                   gint64    seq_before,
                   GError  **error)
{
  GHashTableIter iter;
  BatchAccount *entry;

  /* The chain's burns are undone too: lots may have credits again. */
  g_hash_table_iter_init (&iter, batch->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    entry->no_lots = FALSE;

  for (guint i = batch->undo->len; i > 0; i--)
    {
      UndoEntry *undo = &g_array_index (batch->undo, UndoEntry, i - 1);

      undo->account->cached.account = undo->before;
    }

  batch->last_seq = seq_before;
  batch->in_chain = FALSE;
  return batch_step (batch, STMT_ROLLBACK_TO, error) && batch_step (batch, STMT_RELEASE, error);
}

static void
bind_optional_text (sqlite3_stmt *stmt,
                    int           column,
                    const char   *text)
{
  if (text[0] != '\0')
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, column);
}

/* Inserts unless the id is taken: the happy path learns of a duplicate
 * from the unique index it has to update anyway, rather than probing it
 * first. Mirrors write their rows through it too. */
gboolean
tally_ledger_insert_transfer_row (TallyLedger          *ledger,
                                  const TallyTransfer  *t,
                                  const guint8          id[16],
                                  gint64                debit_num,
                                  gint64                credit_num,
                                  gint64                pending_seq,
                                  gboolean             *inserted,
                                  GError              **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_INSERT_TRANSFER);

  sqlite3_bind_int64 (stmt, 1, t->seq);
  sqlite3_bind_blob (stmt, 2, id, 16, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, debit_num);
  sqlite3_bind_int64 (stmt, 4, credit_num);
  sqlite3_bind_int64 (stmt, 5, t->amount);
  if (pending_seq > 0)
    sqlite3_bind_int64 (stmt, 6, pending_seq);
  sqlite3_bind_int64 (stmt, 7, t->units);
  sqlite3_bind_int64 (stmt, 8, t->timeout);
  sqlite3_bind_int (stmt, 9, t->flags);
  sqlite3_bind_int (stmt, 10, t->kind);
  sqlite3_bind_text (stmt, 11, t->ref, -1, SQLITE_STATIC);
  bind_optional_text (stmt, 12, t->tool_id);
  sqlite3_bind_text (stmt, 13, t->description, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 14, t->created_at);

  if (!tally_ledger_step_done (ledger, stmt, error))
    return FALSE;

  *inserted = sqlite3_changes (tally_ledger_get_db (ledger)) == 1;
  return TRUE;
}

gboolean
tally_ledger_insert_pending_row (TallyLedger          *ledger,
                                 const TallyTransfer  *t,
                                 GError              **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_INSERT_PENDING);
  gint64 expires_at;

  tally_ledger_rules_expires_at (t, &expires_at);
  sqlite3_bind_int64 (stmt, 1, t->seq);
  sqlite3_bind_int64 (stmt, 2, expires_at);

  return tally_ledger_step_done (ledger, stmt, error);
}

gboolean
tally_ledger_settle_pending_row (TallyLedger        *ledger,
                                 gint64              pending_seq,
                                 TallyPendingState   state,
                                 gint64              settled_by,
                                 GError            **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (ledger, STMT_SETTLE_PENDING);

  sqlite3_bind_int (stmt, 1, state);
  sqlite3_bind_int64 (stmt, 2, settled_by);
  sqlite3_bind_int64 (stmt, 3, pending_seq);

  return tally_ledger_step_done (ledger, stmt, error);
}

/* Everything a transfer needs from the store once it has been validated. */
typedef struct
{
  guint8              id[16];
  BatchAccount       *debit;
  BatchAccount       *credit;
  TallyStoredTransfer pending;
  gboolean            has_pending;
} Resolved;

static gboolean
resolve_accounts (Batch                *batch,
                  const TallyTransfer  *t,
                  Resolved             *r,
                  TallyTransferResult  *result,
                  GError              **error)
{
  guint8 debit_key[16], credit_key[16];

  tally_uuid_to_bytes (t->debit_account_id, debit_key);
  tally_uuid_to_bytes (t->credit_account_id, credit_key);

  if (!batch_get_account (batch, debit_key, &r->debit, error) ||
      !batch_get_account (batch, credit_key, &r->credit, error))
    return FALSE;

  if (r->debit == NULL || r->credit == NULL)
    *result = TALLY_TRANSFER_ACCOUNT_NOT_FOUND;
  else
    *result = tally_ledger_rules_check_accounts (t, &r->debit->cached.account,
                                                 &r->credit->cached.account,
                                                 batch->created_at);
  return TRUE;
}

static gboolean
resolve_settlement (Batch                *batch,
                    const TallyTransfer  *t,
                    Resolved             *r,
                    TallyTransferResult  *result,
                    GError              **error)
{
  TallyPendingRow row;
  guint8 pending_key[16], debit_key[16], credit_key[16];
  gboolean found;

  tally_uuid_to_bytes (t->pending_id, pending_key);
  if (!tally_ledger_find_transfer (batch->ledger, pending_key, &r->pending, &found, error))
    return FALSE;
  if (!found)
    {
      *result = TALLY_TRANSFER_PENDING_NOT_FOUND;
      return TRUE;
    }
  r->has_pending = TRUE;

  if (!tally_ledger_find_pending_row (batch->ledger, r->pending.transfer.seq, &row, &found, error))
    return FALSE;

  *result = tally_ledger_rules_check_settlement (t, &r->pending.transfer, found ? &row : NULL,
                                                 batch->now);
  if (*result != TALLY_TRANSFER_OK)
    return TRUE;

  tally_uuid_to_bytes (r->pending.transfer.debit_account_id, debit_key);
  tally_uuid_to_bytes (r->pending.transfer.credit_account_id, credit_key);
  return batch_get_account (batch, debit_key, &r->debit, error) &&
         batch_get_account (batch, credit_key, &r->credit, error);
}

static gboolean
check_existing (Batch               *batch,
                TallyTransfer       *t,
                const guint8         id[16],
                TallyTransferResult *result,
                GError             **error)
{
  TallyStoredTransfer stored;
  gboolean found;

  if (!tally_ledger_find_transfer (batch->ledger, id, &stored, &found, error))
    return FALSE;

  if (!found && *result == TALLY_TRANSFER_OK)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                   "Transfer %s was neither written nor found", t->id);
      return FALSE;
    }
  if (!found)
    return TRUE;

  *result = tally_ledger_rules_compare (t, &stored.transfer);
  if (*result == TALLY_TRANSFER_EXISTS)
    {
      t->seq = stored.transfer.seq;
      t->created_at = stored.transfer.created_at;
    }
  return TRUE;
}

/* A posted debit of a user's or team's account spends its lots, the ones
 * that expire soonest first (docs/ledger.md, "Lots and expiry"). */
static gboolean
burn_lots (Batch                *batch,
           const TallyTransfer  *t,
           Resolved             *r,
           GError              **error)
{
  gboolean found;

  if ((t->flags & (TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING)) != 0 ||
      t->amount == 0 || r->debit->no_lots ||
      !(r->debit->cached.account.flags & TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS))
    return TRUE;

  if (!tally_ledger_lots_burn (batch->ledger, r->debit->cached.num, t->seq, t->amount,
                               batch->only_lot, &found, error))
    return FALSE;
  r->debit->no_lots = !found;
  return TRUE;
}

/* Writes the transfer and moves the columns; *inserted is FALSE, and
 * nothing changed, when the id already exists. */
static gboolean
apply_transfer (Batch          *batch,
                TallyTransfer  *t,
                Resolved       *r,
                gboolean       *inserted,
                GError        **error)
{
  const TallyTransfer *pending = r->has_pending ? &r->pending.transfer : NULL;
  TallyTransfer stored = *t;

  if (pending != NULL)
    {
      g_strlcpy (stored.debit_account_id, pending->debit_account_id,
                 sizeof stored.debit_account_id);
      g_strlcpy (stored.credit_account_id, pending->credit_account_id,
                 sizeof stored.credit_account_id);
    }
  stored.seq = batch->last_seq + 1;
  stored.created_at = batch->created_at;

  if (!tally_ledger_insert_transfer_row (batch->ledger, &stored, r->id, r->debit->cached.num,
                                         r->credit->cached.num, pending ? pending->seq : 0,
                                         inserted, error))
    return FALSE;
  if (!*inserted)
    return TRUE;

  *t = stored;
  batch->last_seq++;
  batch_touch_account (batch, r->debit);
  batch_touch_account (batch, r->credit);
  tally_ledger_rules_apply (t, pending, &r->debit->cached.account, &r->credit->cached.account);
  if (!burn_lots (batch, t, r, error))
    return FALSE;

  if (t->flags & TALLY_TRANSFER_FLAG_PENDING)
    return tally_ledger_insert_pending_row (batch->ledger, t, error);

  if (pending != NULL)
    return tally_ledger_settle_pending_row (batch->ledger, pending->seq,
                                            (t->flags & TALLY_TRANSFER_FLAG_POST_PENDING)
                                            ? TALLY_PENDING_STATE_POSTED
                                            : TALLY_PENDING_STATE_VOIDED,
                                            t->seq, error);
  return TRUE;
}

/* Decides and, when ok, applies one transfer. FALSE only on a store error. */
static gboolean
process_transfer (Batch               *batch,
                  TallyTransfer       *t,
                  TallyTransferResult *result,
                  GError             **error)
{
  Resolved r = { 0 };
  gboolean inserted = FALSE;

  *result = tally_ledger_rules_validate (t);
  if (*result != TALLY_TRANSFER_OK)
    return TRUE;

  tally_uuid_to_bytes (t->id, r.id);
  if (tally_transfer_is_two_phase_settlement (t))
    {
      if (!resolve_settlement (batch, t, &r, result, error))
        return FALSE;
    }
  else if (!resolve_accounts (batch, t, &r, result, error))
    return FALSE;

  if (*result == TALLY_TRANSFER_OK)
    {
      if (!apply_transfer (batch, t, &r, &inserted, error))
        return FALSE;
      if (inserted)
        return TRUE;
    }

  /* A known id outranks every other verdict: it is a retry. */
  return check_existing (batch, t, r.id, result, error);
}

static gboolean
result_is_success (TallyTransferResult result)
{
  return result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS;
}

static void
fail_chain (TallyTransfer       *transfers,
            TallyTransferResult *results,
            guint                chain_start,
            guint                chain_end,
            guint                failed)
{
  for (guint i = chain_start; i <= chain_end; i++)
    {
      if (i != failed)
        results[i] = TALLY_TRANSFER_LINKED_EVENT_FAILED;
      transfers[i].seq = 0;
      transfers[i].created_at = 0;
    }
}

static guint
chain_end_of (const TallyTransfer *transfers,
              guint                n,
              guint                start)
{
  guint i = start;

  while (i + 1 < n && (transfers[i].flags & TALLY_TRANSFER_FLAG_LINKED))
    i++;
  return i;
}

/* Runs transfers [start, end] as one linked chain. */
static gboolean
process_chain (Batch               *batch,
               TallyTransfer       *transfers,
               TallyTransferResult *results,
               guint                start,
               guint                end,
               GError             **error)
{
  gint64 seq_before = batch->last_seq;

  if (!batch_begin_chain (batch, error))
    return FALSE;

  for (guint i = start; i <= end; i++)
    {
      if (!process_transfer (batch, &transfers[i], &results[i], error))
        return FALSE;
      if (!result_is_success (results[i]))
        {
          fail_chain (transfers, results, start, end, i);
          return batch_abort_chain (batch, seq_before, error);
        }
    }

  return batch_end_chain (batch, error);
}

/* A chain still open at the end of the batch is refused unseen. */
static void
refuse_open_chain (TallyTransfer       *transfers,
                   TallyTransferResult *results,
                   guint                start,
                   guint                end)
{
  results[end] = TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN;
  fail_chain (transfers, results, start, end, end);
}

static gboolean
process_batch (Batch               *batch,
               TallyTransfer       *transfers,
               guint                n,
               TallyTransferResult *results,
               GError             **error)
{
  guint i = 0;

  while (i < n)
    {
      guint end = chain_end_of (transfers, n, i);
      gboolean open = (transfers[end].flags & TALLY_TRANSFER_FLAG_LINKED) != 0;

      if (open)
        refuse_open_chain (transfers, results, i, end);
      else if (end == i)
        {
          if (!process_transfer (batch, &transfers[i], &results[i], error))
            return FALSE;
        }
      else if (!process_chain (batch, transfers, results, i, end, error))
        return FALSE;

      i = end + 1;
    }

  return TRUE;
}

/**
 * tally_ledger_create_transfers:
 * @self: a #TallyLedger
 * @transfers: (array length=n_transfers): the batch; seq, created_at and,
 *   for a post or void, the accounts are filled in
 * @n_transfers: how many
 * @results: (array length=n_transfers) (out caller-allocates): one result each
 * @error: return location for a #GError
 *
 * Applies a batch of transfers in one transaction, as docs/ledger.md says.
 *
 * Returns: %FALSE when the store failed (and nothing of the batch was
 *   written), %TRUE otherwise, whatever the results
 */
gboolean
tally_ledger_create_transfers (TallyLedger          *self,
                               TallyTransfer        *transfers,
                               guint                 n_transfers,
                               TallyTransferResult  *results,
                               GError              **error)
{
  Batch batch;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (transfers != NULL || n_transfers == 0, FALSE);
  g_return_val_if_fail (results != NULL || n_transfers == 0, FALSE);

  if (n_transfers == 0)
    return TRUE;
  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;

  if (!batch_begin (&batch, self, error))
    return FALSE;

  if (!process_batch (&batch, transfers, n_transfers, results, error) ||
      !batch_commit (&batch, error))
    {
      batch_rollback (&batch);
      for (guint i = 0; i < n_transfers; i++)
        transfers[i].seq = transfers[i].created_at = 0;
      return FALSE;
    }

  return TRUE;
}

/* The id of the void that records an expiry: derived from the pending
 * transfer's, unless a client took that id on purpose; then a random one,
 * which nobody can guess. The pending state, not the id, keeps expiry from
 * happening twice. */
static gboolean
expiry_id (Batch       *batch,
           const char  *namespace_name,
           const char  *pending_id,
           char         id[TALLY_UUID_LEN],
           GError     **error)
{
  TallyStoredTransfer taken;
  guint8 bytes[16];
  gboolean found;

  tally_uuid_derive (namespace_name, pending_id, id);
  tally_uuid_to_bytes (id, bytes);
  if (!tally_ledger_find_transfer (batch->ledger, bytes, &taken, &found, error))
    return FALSE;

  if (found)
    {
      g_autofree char *random = g_uuid_string_random ();

      g_strlcpy (id, random, TALLY_UUID_LEN);
    }

  return TRUE;
}

/* Records the release of one pending transfer whose time ran out. */
static gboolean
expire_one (Batch   *batch,
            gint64   pending_seq,
            GError **error)
{
  TallyStoredTransfer stored;
  TallyTransfer expiry;
  Resolved r = { 0 };
  guint8 debit_key[16], credit_key[16];
  gboolean found, inserted;
  char id[TALLY_UUID_LEN];
  const TallyTransfer *p = &stored.transfer;

  if (!tally_ledger_find_transfer_by_seq (batch->ledger, pending_seq, &stored, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                   "Pending transfer %" G_GINT64_FORMAT " has a state but no row", pending_seq);
      return FALSE;
    }

  if (!expiry_id (batch, "expiry", p->id, id, error))
    return FALSE;
  tally_transfer_init (&expiry, id, p->debit_account_id, p->credit_account_id, 0, p->kind);
  expiry.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&expiry, p->id);
  tally_transfer_set_ref (&expiry, p->ref);
  tally_transfer_set_tool_id (&expiry, p->tool_id);
  tally_transfer_set_description (&expiry, "Hold expired");

  tally_uuid_to_bytes (id, r.id);
  tally_uuid_to_bytes (p->debit_account_id, debit_key);
  tally_uuid_to_bytes (p->credit_account_id, credit_key);
  if (!batch_get_account (batch, debit_key, &r.debit, error) ||
      !batch_get_account (batch, credit_key, &r.credit, error))
    return FALSE;

  r.pending = stored;
  r.has_pending = TRUE;
  if (!apply_transfer (batch, &expiry, &r, &inserted, error))
    return FALSE;
  if (!inserted)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_STORAGE,
                   "The expiry of %s is recorded already", p->id);
      return FALSE;
    }

  /* apply_transfer marked it voided; an expired hold is told apart. */
  return tally_ledger_settle_pending_row (batch->ledger, pending_seq, TALLY_PENDING_STATE_EXPIRED,
                                          expiry.seq, error);
}

static gboolean
collect_due (Batch    *batch,
             gint64    now,
             GArray   *due,
             GError  **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (batch->ledger, STMT_DUE_PENDING);
  int rc;

  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int (stmt, 2, 1000);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (due, seq);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (batch->ledger), error);
  return TRUE;
}

/* One transaction of at most 1,000 expiries. */
static gboolean
expire_some (TallyLedger  *self,
             gint64        now,
             guint        *n_done,
             GError      **error)
{
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (gint64));
  Batch batch;

  *n_done = 0;
  if (!batch_begin (&batch, self, error))
    return FALSE;

  if (!collect_due (&batch, now, due, error))
    goto fail;

  for (guint i = 0; i < due->len; i++)
    {
      if (!expire_one (&batch, g_array_index (due, gint64, i), error))
        goto fail;
    }

  if (!batch_commit (&batch, error))
    goto fail;

  *n_done = due->len;
  return TRUE;

fail:
  batch_rollback (&batch);
  return FALSE;
}

gboolean
tally_ledger_expire_pending (TallyLedger  *self,
                             gint64        now,
                             guint        *n_expired,
                             GError      **error)
{
  guint total = 0;
  guint n;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  /* A mirror's holds are settled by its origin, which sends the void. */
  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;

  do
    {
      if (!expire_some (self, now, &n, error))
        return FALSE;
      total += n;
    }
  while (n == 1000);

  if (n_expired != NULL)
    *n_expired = total;
  return TRUE;
}

/* --- lots whose time has come --- */

typedef struct
{
  gint64 num;
  guint8 account_key[16];
  gint64 remaining;
  char   transfer_id[TALLY_UUID_LEN];
} DueLot;

static gboolean
collect_due_lots (Batch   *batch,
                  gint64   now,
                  GArray  *due,
                  GError **error)
{
  sqlite3_stmt *stmt = tally_ledger_stmt (batch->ledger, STMT_DUE_LOTS);
  int rc;

  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int (stmt, 2, 1000);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DueLot lot = { 0 };

      lot.num = sqlite3_column_int64 (stmt, 0);
      if (sqlite3_column_bytes (stmt, 1) == 16)
        memcpy (lot.account_key, sqlite3_column_blob (stmt, 1), 16);
      lot.remaining = sqlite3_column_int64 (stmt, 2);
      if (sqlite3_column_bytes (stmt, 3) == 16)
        tally_uuid_from_bytes (sqlite3_column_blob (stmt, 3), lot.transfer_id);
      g_array_append_val (due, lot);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return tally_ledger_set_sqlite_error (tally_ledger_get_db (batch->ledger), error);
  return TRUE;
}

/* The expiry transfer of @take credits of @lot, burning that lot alone. */
static gboolean
post_lot_expiry (Batch         *batch,
                 const DueLot  *lot,
                 Resolved      *r,
                 gint64         take,
                 gint64        *seq,
                 GError       **error)
{
  TallyTransfer expiry;
  char id[TALLY_UUID_LEN];
  gboolean inserted = FALSE, ok;

  if (!expiry_id (batch, "lot-expiry", lot->transfer_id, id, error))
    return FALSE;
  tally_transfer_init (&expiry, id, r->debit->cached.account.id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_EXPIRED), take,
                       TALLY_TRANSFER_KIND_EXPIRY);
  tally_transfer_set_ref (&expiry, lot->transfer_id);
  tally_transfer_set_description (&expiry, "Credits expired");
  if (tally_ledger_rules_check_accounts (&expiry, &r->debit->cached.account,
                                         &r->credit->cached.account,
                                         batch->created_at) != TALLY_TRANSFER_OK)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_STORAGE,
                              "The expiry of lot %" G_GINT64_FORMAT " does not fit its accounts",
                              lot->num);

  tally_uuid_to_bytes (id, r->id);
  batch->only_lot = lot->num;
  ok = apply_transfer (batch, &expiry, r, &inserted, error);
  batch->only_lot = 0;
  if (ok && !inserted)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_STORAGE,
                              "The expiry of %s is recorded already", lot->transfer_id);

  *seq = expiry.seq;
  return ok;
}

/* What is left of the lot and not held by a pending debit expires; what
 * a hold keeps stays the account's, and never expires (docs/ledger.md). */
static gboolean
expire_lot (Batch         *batch,
            const DueLot  *lot,
            GError       **error)
{
  sqlite3_stmt *close;
  Resolved r = { 0 };
  guint8 expired_key[16];
  gint64 take, seq = 0;

  tally_uuid_to_bytes (tally_system_account_id (TALLY_SYSTEM_ACCOUNT_EXPIRED), expired_key);
  if (!batch_get_account (batch, lot->account_key, &r.debit, error) ||
      !batch_get_account (batch, expired_key, &r.credit, error))
    return FALSE;
  if (r.debit == NULL || r.credit == NULL)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_STORAGE,
                              "Lot %" G_GINT64_FORMAT " names an account that is not there",
                              lot->num);

  take = MIN (lot->remaining, MAX (tally_account_available (&r.debit->cached.account), 0));
  if (take > 0 && !post_lot_expiry (batch, lot, &r, take, &seq, error))
    return FALSE;

  close = tally_ledger_stmt (batch->ledger, STMT_CLOSE_LOT);
  if (seq > 0)
    sqlite3_bind_int64 (close, 1, seq);
  sqlite3_bind_int64 (close, 2, lot->num);
  return tally_ledger_step_done (batch->ledger, close, error);
}

/* One transaction of at most 1,000 lots. */
static gboolean
expire_some_lots (TallyLedger  *self,
                  gint64        now,
                  guint        *n_done,
                  GError      **error)
{
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (DueLot));
  Batch batch;

  *n_done = 0;
  if (!batch_begin (&batch, self, error))
    return FALSE;

  if (!collect_due_lots (&batch, now, due, error))
    goto fail;
  for (guint i = 0; i < due->len; i++)
    {
      if (!expire_lot (&batch, &g_array_index (due, DueLot, i), error))
        goto fail;
    }
  if (!batch_commit (&batch, error))
    goto fail;

  *n_done = due->len;
  return TRUE;

fail:
  batch_rollback (&batch);
  return FALSE;
}

gboolean
tally_ledger_expire_lots (TallyLedger  *self,
                          gint64        now,
                          guint        *n_expired,
                          GError      **error)
{
  guint total = 0;
  guint n;

  g_return_val_if_fail (TALLY_IS_LEDGER (self), FALSE);

  if (!tally_ledger_refuse_mirror (self, error))
    return FALSE;

  do
    {
      if (!expire_some_lots (self, now, &n, error))
        return FALSE;
      total += n;
    }
  while (n == 1000);

  if (n_expired != NULL)
    *n_expired = total;
  return TRUE;
}
