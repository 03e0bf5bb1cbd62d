/* tally-ledger-engine.h: the ledger's write path over any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ledger.h"

G_BEGIN_DECLS

/* A transfer as stored, with what the rules need to know about it. */
typedef struct
{
  TallyTransfer     transfer;
  gint64            debit_num;
  gint64            credit_num;
  gint64            pending_seq;
} TallyStoredTransfer;

/* A pending transfer's row of the pending table. */
typedef struct
{
  TallyPendingState state;
  /* 0 holds forever. */
  gint64            expires_at;
  gint64            settled_by;
} TallyPendingRow;

/* An account being changed by the current batch. */
typedef struct
{
  TallyAccount account;
  gint64       num;
} TallyCachedAccount;

/* An open lot with credits left, in the order debits burn them. */
typedef struct
{
  gint64 num;
  gint64 remaining;
} TallyOpenLot;

/* A lot whose expiry has come. */
typedef struct
{
  gint64 num;
  guint8 account_key[16];
  gint64 remaining;
  char   transfer_id[TALLY_UUID_LEN];
} TallyDueLot;

/* What the engine needs of a store: rows, the transaction and its
 * savepoints. Accounts are identified by their 16-byte ids and their
 * store numbers; @store is the store's own object. Every call that can
 * fail sets a TALLY_LEDGER_ERROR. The engine decides; a store only reads
 * and writes what it is told. */
typedef struct
{
  gint64   (*now)                 (gpointer                    store);
  /* Opens the batch's transaction, or a savepoint of its own inside one
   * the caller opened (*nested), and reads the last transfer's seq and
   * created_at under whatever orders this store's writers: no other
   * writer may add a transfer until commit or rollback. */
  gboolean (*begin)               (gpointer                    store,
                                   gboolean                   *nested,
                                   gint64                     *last_seq,
                                   gint64                     *last_created_at,
                                   GError                    **error);
  gboolean (*commit)              (gpointer                    store,
                                   gboolean                    nested,
                                   GError                    **error);
  void     (*rollback)            (gpointer                    store,
                                   gboolean                    nested);
  /* A savepoint around one linked chain. */
  gboolean (*begin_chain)         (gpointer                    store,
                                   GError                    **error);
  gboolean (*end_chain)           (gpointer                    store,
                                   GError                    **error);
  gboolean (*abort_chain)         (gpointer                    store,
                                   GError                    **error);
  gboolean (*get_account)         (gpointer                    store,
                                   const guint8                key[16],
                                   TallyCachedAccount         *account,
                                   gboolean                   *found,
                                   GError                    **error);
  gboolean (*write_account)       (gpointer                    store,
                                   const TallyCachedAccount   *account,
                                   GError                    **error);
  gboolean (*find_transfer)       (gpointer                    store,
                                   const guint8                id[16],
                                   TallyStoredTransfer        *stored,
                                   gboolean                   *found,
                                   GError                    **error);
  gboolean (*find_transfer_by_seq) (gpointer                   store,
                                   gint64                      seq,
                                   TallyStoredTransfer        *stored,
                                   gboolean                   *found,
                                   GError                    **error);
  gboolean (*find_pending_row)    (gpointer                    store,
                                   gint64                      seq,
                                   TallyPendingRow            *row,
                                   gboolean                   *found,
                                   GError                    **error);
  /* Inserts unless the id is taken; *inserted tells which. */
  gboolean (*insert_transfer)     (gpointer                    store,
                                   const TallyTransfer        *transfer,
                                   const guint8                id[16],
                                   gint64                      debit_num,
                                   gint64                      credit_num,
                                   gint64                      pending_seq,
                                   gboolean                   *inserted,
                                   GError                    **error);
  gboolean (*insert_pending)      (gpointer                    store,
                                   gint64                      seq,
                                   gint64                      expires_at,
                                   GError                    **error);
  gboolean (*settle_pending)      (gpointer                    store,
                                   gint64                      pending_seq,
                                   TallyPendingState           state,
                                   gint64                      settled_by,
                                   GError                    **error);
  /* The account's open lots with credits left, soonest expiry first. */
  gboolean (*read_open_lots)      (gpointer                    store,
                                   gint64                      account_num,
                                   GArray                     *lots,
                                   GError                    **error);
  gboolean (*burn_lot)            (gpointer                    store,
                                   gint64                      lot_num,
                                   gint64                      transfer_seq,
                                   gint64                      amount,
                                   GError                    **error);
  /* Up to @limit seqs of pending transfers due by @now, soonest first. */
  gboolean (*due_pending)         (gpointer                    store,
                                   gint64                      now,
                                   guint                       limit,
                                   GArray                     *seqs,
                                   GError                    **error);
  /* Up to @limit TallyDueLot due by @now, soonest first. */
  gboolean (*due_lots)            (gpointer                    store,
                                   gint64                      now,
                                   guint                       limit,
                                   GArray                     *lots,
                                   GError                    **error);
  /* @expiry_seq is 0 when nothing was left to expire. */
  gboolean (*close_lot)           (gpointer                    store,
                                   gint64                      lot_num,
                                   gint64                      expiry_seq,
                                   GError                    **error);
} TallyLedgerStoreOps;

gboolean tally_ledger_engine_create_transfers (const TallyLedgerStoreOps *ops,
                                               gpointer                   store,
                                               TallyTransfer             *transfers,
                                               guint                      n_transfers,
                                               TallyTransferResult       *results,
                                               GError                   **error);
gboolean tally_ledger_engine_expire_pending   (const TallyLedgerStoreOps *ops,
                                               gpointer                   store,
                                               gint64                     now,
                                               guint                     *n_expired,
                                               GError                   **error);
gboolean tally_ledger_engine_expire_lots      (const TallyLedgerStoreOps *ops,
                                               gpointer                   store,
                                               gint64                     now,
                                               guint                     *n_expired,
                                               GError                   **error);

/* tally-ledger-rules.c: the ledger's rules, free of any store, so every
 * store applies exactly the same ones. */
TallyTransferResult tally_ledger_rules_validate      (const TallyTransfer      *transfer);
TallyTransferResult tally_ledger_rules_compare       (const TallyTransfer      *transfer,
                                                      const TallyTransfer      *stored);
TallyTransferResult tally_ledger_rules_check_settlement (const TallyTransfer   *transfer,
                                                      const TallyTransfer      *pending,
                                                      const TallyPendingRow    *row,
                                                      gint64                    now);
TallyTransferResult tally_ledger_rules_check_accounts (const TallyTransfer     *transfer,
                                                      const TallyAccount       *debit,
                                                      const TallyAccount       *credit,
                                                      gint64                    created_at);
void                tally_ledger_rules_apply         (const TallyTransfer      *transfer,
                                                      const TallyTransfer      *pending,
                                                      TallyAccount             *debit,
                                                      TallyAccount             *credit);
gboolean            tally_ledger_rules_expires_at    (const TallyTransfer      *pending,
                                                      gint64                   *expires_at);

G_END_DECLS
