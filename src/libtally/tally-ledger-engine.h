/* tally-ledger-engine.h: the ledger's write path over any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ledger.h"

G_BEGIN_DECLS

/* The columns of an account row and of a transfer row, in the SQL every
 * store shares: tally_ledger_read_transfer_row() and its kin read them. */
#define ACCOUNT_COLUMNS \
  "num, id, kind, flags, name, timezone, debits_pending, debits_posted, " \
  "credits_pending, credits_posted, created_at "
#define TRANSFER_COLUMNS \
  "t.seq, t.id, da.id, ca.id, t.amount, p.id, t.units, t.timeout, t.flags, t.kind, " \
  "t.ref, t.tool_id, t.description, t.created_at, t.debit_account, t.credit_account, " \
  "t.pending_seq "
#define TRANSFER_FROM \
  "FROM transfers t JOIN accounts da ON da.num = t.debit_account " \
  "JOIN accounts ca ON ca.num = t.credit_account " \
  "LEFT JOIN transfers p ON p.seq = t.pending_seq "

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

/* Store-free helpers of the rules' and the checks'. */
/* Sets @error to @code of TALLY_LEDGER_ERROR with a formatted message;
 * returns FALSE, for `return tally_ledger_fail (...)`. */
gboolean      tally_ledger_fail            (GError               **error,
                                            TallyLedgerError       code,
                                            const char            *format,
                                            ...) G_GNUC_PRINTF (3, 4);
/* What makes @account's id, kind, flags or name unfit to store, or NULL;
 * reads the id into @id. */
const char   *tally_ledger_account_problem (const TallyAccount   *account,
                                            guint8                id[16]);
/* Why @account cannot be created (TALLY_LEDGER_ERROR_INVALID); reads
 * its id into @id. */
gboolean      tally_ledger_rules_check_new_account (const TallyAccount *account,
                                            guint8                 id[16],
                                            GError               **error);
/* Whether an account created again with @b is the same as @a. */
gboolean      tally_ledger_rules_account_equal (const TallyAccount  *a,
                                            const TallyAccount    *b);

/* tally-ledger-invariants.c: the invariants of docs/ledger.md, in the SQL
 * SQLite and PostgreSQL share, over tables of the same names and columns. */
/* Microseconds in an hour of posted_hours (migration 2). */
#define TALLY_USEC_PER_HOUR G_GINT64_CONSTANT (3600000000)

/* posted_hours as the transfers make it (schema 2): what the migration
 * filled it with and what tally_ledger_check() compares it to. */
#define TALLY_POSTED_HOURS_FROM_TRANSFERS \
  "SELECT account, kind, hour, tool_id, SUM (amount) AS total, COUNT (*) AS n FROM (" \
  "  SELECT t.debit_account AS account, t.kind AS kind, t.created_at / 3600000000 AS hour," \
  "    COALESCE (t.tool_id, '') AS tool_id, -t.amount AS amount FROM transfers t" \
  "    WHERE t.kind IN (0, 2, 3) AND (t.flags & 14) = 0" \
  "  UNION ALL" \
  "  SELECT t.credit_account, t.kind, t.created_at / 3600000000, COALESCE (t.tool_id, '')," \
  "    t.amount FROM transfers t WHERE t.kind IN (0, 2, 3) AND (t.flags & 14) = 0" \
  "  UNION ALL" \
  "  SELECT p.debit_account, p.kind, p.created_at / 3600000000, COALESCE (p.tool_id, '')," \
  "    -s.amount FROM transfers s JOIN transfers p ON p.seq = s.pending_seq" \
  "    WHERE (s.flags & 4) != 0 AND p.kind IN (0, 2, 3)" \
  "  UNION ALL" \
  "  SELECT p.credit_account, p.kind, p.created_at / 3600000000, COALESCE (p.tool_id, '')," \
  "    s.amount FROM transfers s JOIN transfers p ON p.seq = s.pending_seq" \
  "    WHERE (s.flags & 4) != 0 AND p.kind IN (0, 2, 3)" \
  ") u GROUP BY account, kind, hour, tool_id"

typedef enum
{
  TALLY_CHECK_ALWAYS,
  TALLY_CHECK_ORIGIN_ONLY,
  TALLY_CHECK_MIRROR_ONLY,
} TallyCheckScope;

/* A query whose first row's first column is 0 while the invariant holds. */
typedef struct
{
  const char     *sql;
  const char     *what;
  TallyCheckScope scope;
} TallyLedgerInvariant;

const TallyLedgerInvariant *tally_ledger_invariants (guint *n_invariants);

/* What each account's columns must be, recomputed from its transfers:
 * rows of the id, the flags, the four stored columns and the four
 * recomputed. Every amount is positive, so no partial sum exceeds the
 * stored column: SUM cannot overflow on a ledger that is right. */
#define TALLY_LEDGER_RECOMPUTED_COLUMNS \
  "SELECT a.id, a.flags, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t JOIN pending p ON p.seq = t.seq " \
  "   WHERE t.debit_account = a.num AND p.state = 0), " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t " \
  "   WHERE t.debit_account = a.num AND (t.flags & 10) = 0), " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t JOIN pending p ON p.seq = t.seq " \
  "   WHERE t.credit_account = a.num AND p.state = 0), " \
  " (SELECT COALESCE (SUM (t.amount), 0) FROM transfers t " \
  "   WHERE t.credit_account = a.num AND (t.flags & 10) = 0) " \
  "FROM accounts a ORDER BY a.num"

/* The four columns summed over every account. */
typedef struct
{
  __int128 debits_pending;
  __int128 debits_posted;
  __int128 credits_pending;
  __int128 credits_posted;
} TallyLedgerTotals;

/* One row of TALLY_LEDGER_RECOMPUTED_COLUMNS, added to @totals. */
gboolean      tally_ledger_check_account_columns (const char        *id,
                                            TallyAccountFlags      flags,
                                            const gint64           stored[4],
                                            const gint64           recomputed[4],
                                            TallyLedgerTotals     *totals,
                                            GError               **error);
/* After every row: all debits equal all credits. */
gboolean      tally_ledger_check_totals    (const TallyLedgerTotals *totals,
                                            GError               **error);

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
