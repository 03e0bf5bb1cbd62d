/* tally-ledger-engine.c: batches of transfers, and expiry, over any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-engine.h"
#include "tally-uuid.h"

/* How many expiries one transaction records at most. */
#define EXPIRE_BATCH 1000

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
  const TallyLedgerStoreOps *ops;
  gpointer     store;
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
batch_rollback (Batch *batch)
{
  batch->ops->rollback (batch->store, batch->nested);
  batch_clear (batch);
}

static gboolean
batch_begin (Batch                     *batch,
             const TallyLedgerStoreOps *ops,
             gpointer                   store,
             GError                   **error)
{
  gint64 last_created_at = 0;

  memset (batch, 0, sizeof *batch);
  batch->ops = ops;
  batch->store = store;

  /* The head is read inside the transaction, so another writer's commits
   * are seen. */
  if (!ops->begin (store, &batch->nested, &batch->last_seq, &last_created_at, error))
    return FALSE;

  batch->accounts = g_hash_table_new_full (uuid_bytes_hash, uuid_bytes_equal, NULL, g_free);
  batch->dirty = g_ptr_array_new ();
  batch->undo = g_array_new (FALSE, FALSE, sizeof (UndoEntry));
  batch->now = ops->now (store);
  batch->created_at = MAX (batch->now, last_created_at);
  return TRUE;
}

static gboolean
batch_commit (Batch   *batch,
              GError **error)
{
  for (guint i = 0; i < batch->dirty->len; i++)
    {
      BatchAccount *entry = g_ptr_array_index (batch->dirty, i);

      if (!batch->ops->write_account (batch->store, &entry->cached, error))
        return FALSE;
    }

  if (!batch->ops->commit (batch->store, batch->nested, error))
    return FALSE;

  batch_clear (batch);
  return TRUE;
}

/* The account with @key, read from the store on first use; NULL in
 * @account when there is none. */
static gboolean
batch_get_account (Batch         *batch,
                   const guint8   key[16],
                   BatchAccount **account,
                   GError       **error)
{
  g_autofree BatchAccount *entry = NULL;
  gboolean found;

  *account = g_hash_table_lookup (batch->accounts, key);
  if (*account != NULL)
    return TRUE;

  entry = g_new0 (BatchAccount, 1);
  memcpy (entry->key, key, 16);
  if (!batch->ops->get_account (batch->store, key, &entry->cached, &found, error))
    return FALSE;
  if (!found)
    return TRUE;

  *account = g_steal_pointer (&entry);
  g_hash_table_insert (batch->accounts, (*account)->key, *account);
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
batch_begin_chain (Batch   *batch,
                   GError **error)
{
  batch->in_chain = TRUE;
  g_array_set_size (batch->undo, 0);
  return batch->ops->begin_chain (batch->store, error);
}

static gboolean
batch_end_chain (Batch   *batch,
                 GError **error)
{
  batch->in_chain = FALSE;
  return batch->ops->end_chain (batch->store, error);
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
  return batch->ops->abort_chain (batch->store, error);
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
  if (!batch->ops->find_transfer (batch->store, pending_key, &r->pending, &found, error))
    return FALSE;
  if (!found)
    {
      *result = TALLY_TRANSFER_PENDING_NOT_FOUND;
      return TRUE;
    }
  r->has_pending = TRUE;

  if (!batch->ops->find_pending_row (batch->store, r->pending.transfer.seq, &row, &found, error))
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

  if (!batch->ops->find_transfer (batch->store, id, &stored, &found, error))
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

/* Burns @amount that posted debit @transfer_seq took from account
 * @account_num off its open lots, soonest expiry first (only the batch's
 * only_lot when it is set); what the lots lack was credits that never
 * expire. The lots are read whole before any is changed. *@found: whether
 * there was any open lot with credits left. */
static gboolean
burn_open_lots (Batch     *batch,
                gint64     account_num,
                gint64     transfer_seq,
                gint64     amount,
                gboolean  *found,
                GError   **error)
{
  g_autoptr(GArray) lots = g_array_new (FALSE, FALSE, sizeof (TallyOpenLot));

  if (!batch->ops->read_open_lots (batch->store, account_num, lots, error))
    return FALSE;
  *found = lots->len > 0;

  for (guint i = 0; i < lots->len && amount > 0; i++)
    {
      const TallyOpenLot *lot = &g_array_index (lots, TallyOpenLot, i);
      gint64 take = MIN (lot->remaining, amount);

      if (batch->only_lot != 0 && lot->num != batch->only_lot)
        continue;
      if (!batch->ops->burn_lot (batch->store, lot->num, transfer_seq, take, error))
        return FALSE;
      amount -= take;
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

  if (!burn_open_lots (batch, r->debit->cached.num, t->seq, t->amount, &found, error))
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

  if (!batch->ops->insert_transfer (batch->store, &stored, r->id, r->debit->cached.num,
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
    {
      gint64 expires_at;

      tally_ledger_rules_expires_at (t, &expires_at);
      return batch->ops->insert_pending (batch->store, t->seq, expires_at, error);
    }

  if (pending != NULL)
    return batch->ops->settle_pending (batch->store, pending->seq,
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
  if (!batch->ops->find_transfer (batch->store, bytes, &taken, &found, error))
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
expire_one (Batch          *batch,
            gconstpointer   item,
            GError        **error)
{
  gint64 pending_seq = *(const gint64 *) item;
  TallyStoredTransfer stored;
  TallyTransfer expiry;
  Resolved r = { 0 };
  guint8 debit_key[16], credit_key[16];
  gboolean found, inserted;
  char id[TALLY_UUID_LEN];
  const TallyTransfer *p = &stored.transfer;

  if (!batch->ops->find_transfer_by_seq (batch->store, pending_seq, &stored, &found, error))
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
  return batch->ops->settle_pending (batch->store, pending_seq, TALLY_PENDING_STATE_EXPIRED,
                                     expiry.seq, error);
}

/* --- lots whose time has come --- */

/* The expiry transfer of @take credits of @lot, burning that lot alone. */
static gboolean
post_lot_expiry (Batch         *batch,
                 const TallyDueLot  *lot,
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
expire_lot (Batch          *batch,
            gconstpointer   item,
            GError        **error)
{
  const TallyDueLot *lot = item;
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

  return batch->ops->close_lot (batch->store, lot->num, seq, error);
}

/* What expires: the store's call that lists what is due (at most a limit,
 * soonest first, into an array of @size elements), and what records one. */
typedef struct
{
  gsize      size;
  gboolean (*due) (gpointer   store,
                   gint64     now,
                   guint      limit,
                   GArray    *items,
                   GError   **error);
  gboolean (*expire) (Batch          *batch,
                      gconstpointer   item,
                      GError        **error);
} Expiry;

/* One transaction of at most EXPIRE_BATCH expiries. */
static gboolean
expire_some (const TallyLedgerStoreOps  *ops,
             gpointer                    store,
             const Expiry               *expiry,
             gint64                      now,
             guint                      *n_done,
             GError                    **error)
{
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, expiry->size);
  Batch batch;

  *n_done = 0;
  if (!batch_begin (&batch, ops, store, error))
    return FALSE;

  if (!expiry->due (store, now, EXPIRE_BATCH, due, error))
    goto fail;
  for (guint i = 0; i < due->len; i++)
    {
      if (!expiry->expire (&batch, due->data + i * expiry->size, error))
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

/* Runs expiry transactions until one finds fewer than EXPIRE_BATCH due. */
static gboolean
expire_all (const TallyLedgerStoreOps  *ops,
            gpointer                    store,
            const Expiry               *expiry,
            gint64                      now,
            guint                      *n_expired,
            GError                    **error)
{
  guint total = 0;
  guint n;

  do
    {
      if (!expire_some (ops, store, expiry, now, &n, error))
        return FALSE;
      total += n;
    }
  while (n == EXPIRE_BATCH);

  if (n_expired != NULL)
    *n_expired = total;
  return TRUE;
}

/**
 * tally_ledger_engine_create_transfers:
 * @ops: the store's calls
 * @store: the store
 * @transfers: (array length=n_transfers): the batch; seq, created_at and,
 *   for a post or void, the accounts are filled in
 * @n_transfers: how many, at least one
 * @results: (array length=n_transfers) (out caller-allocates): one result each
 * @error: return location for a #GError
 *
 * Applies a batch of transfers in one transaction, as docs/ledger.md says:
 * what tally_ledger_create_transfers() does, on any store.
 *
 * Returns: %FALSE when the store failed (and nothing of the batch was
 *   written), %TRUE otherwise, whatever the results
 */
gboolean
tally_ledger_engine_create_transfers (const TallyLedgerStoreOps  *ops,
                                      gpointer                    store,
                                      TallyTransfer              *transfers,
                                      guint                       n_transfers,
                                      TallyTransferResult        *results,
                                      GError                    **error)
{
  Batch batch;

  if (!batch_begin (&batch, ops, store, error))
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

/* Voids every pending transfer due by @now, as tally_ledger_expire_pending(). */
gboolean
tally_ledger_engine_expire_pending (const TallyLedgerStoreOps  *ops,
                                    gpointer                    store,
                                    gint64                      now,
                                    guint                      *n_expired,
                                    GError                    **error)
{
  const Expiry holds = { sizeof (gint64), ops->due_pending, expire_one };

  return expire_all (ops, store, &holds, now, n_expired, error);
}

/* Expires every lot due by @now, as tally_ledger_expire_lots(). */
gboolean
tally_ledger_engine_expire_lots (const TallyLedgerStoreOps  *ops,
                                 gpointer                    store,
                                 gint64                      now,
                                 guint                      *n_expired,
                                 GError                    **error)
{
  const Expiry lots = { sizeof (TallyDueLot), ops->due_lots, expire_lot };

  return expire_all (ops, store, &lots, now, n_expired, error);
}
