/* tally-ledger-shared.h: what every store's reads share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-ledger-engine.h"

G_BEGIN_DECLS

/* The SQL below is read by SQLite and PostgreSQL alike. Parameters are
 * numbered ?1, ?2, ... with none skipped and each used, so PostgreSQL
 * reads the same text with $ for ?; subqueries in FROM are named, as
 * PostgreSQL asks. */

#define TALLY_SQL_TRANSFERS_SINCE \
  "SELECT " TRANSFER_COLUMNS TRANSFER_FROM "WHERE t.seq > ?1 ORDER BY t.seq LIMIT ?2"

/* A consumption item's cost: held while pending, charged once posted. */
#define TALLY_SQL_CONSUMPTION_COST \
  "CASE WHEN (t.flags & 2) = 0 THEN t.amount WHEN p.state = 0 THEN t.amount " \
  "WHEN p.state = 1 THEN s.amount ELSE 0 END "
#define TALLY_SQL_WITH_SETTLEMENT \
  "FROM transfers t LEFT JOIN pending p ON p.seq = t.seq " \
  "LEFT JOIN transfers s ON s.seq = p.settled_by "

/* What ?1 spent on items of kind ?2 in the seqs [?3, ?4). */
#define TALLY_SQL_SUM_CONSUMPTION \
  "SELECT COALESCE (SUM (" TALLY_SQL_CONSUMPTION_COST "), 0) " TALLY_SQL_WITH_SETTLEMENT \
  "WHERE t.debit_account = ?1 AND t.kind = ?2 AND (t.flags & 12) = 0 " \
  "AND t.seq >= ?3 AND t.seq < ?4"

/* The settled costs of ?1's latest ?4 items of tool ?2 and kind ?3. */
#define TALLY_SQL_RECENT_RUN_COSTS \
  "SELECT " TALLY_SQL_CONSUMPTION_COST TALLY_SQL_WITH_SETTLEMENT \
  "WHERE t.debit_account = ?1 AND t.tool_id = ?2 AND t.kind = ?3 " \
  "AND (t.flags & 12) = 0 AND ((t.flags & 2) = 0 OR p.state = 1) " \
  "ORDER BY t.seq DESC LIMIT ?4"

/* Whole hours of an account's posted purchases, consumption and refunds:
 * ?1 the account, [?2, ?3) the hours. */
#define TALLY_SQL_POSTED_HOURS \
  "SELECT kind, tool_id, SUM (amount), SUM (items) FROM posted_hours " \
  "WHERE account = ?1 AND kind IN (0, 2, 3) AND hour >= ?2 AND hour < ?3 " \
  "GROUP BY kind, tool_id"

/* The same from the transfers themselves, for the part of an hour at
 * either end of a range: [?2, ?3) are seqs. A run counts once posted,
 * for what it settled. */
#define TALLY_SQL_POSTED_ITEMS \
  "SELECT kind, tool_id, SUM (amount), COUNT (*) FROM (" \
  "SELECT t.kind AS kind, COALESCE (t.tool_id, '') AS tool_id, " \
  "  CASE WHEN t.debit_account = ?1 THEN -1 ELSE 1 END * " \
  "  CASE WHEN (t.flags & 2) = 0 THEN t.amount ELSE s.amount END AS amount " \
  TALLY_SQL_WITH_SETTLEMENT \
  "WHERE t.seq IN (" \
  "  SELECT seq FROM transfers WHERE debit_account = ?1 " \
  "  AND kind IN (0, 2, 3) AND seq >= ?2 AND seq < ?3 " \
  "  UNION ALL SELECT seq FROM transfers WHERE credit_account = ?1 " \
  "  AND kind IN (0, 2, 3) AND seq >= ?2 AND seq < ?3) " \
  "AND (t.flags & 12) = 0 AND ((t.flags & 2) = 0 OR p.state = 1)" \
  ") AS items GROUP BY kind, tool_id"

/* Lots: ?1's open ones with credits left, soonest expiry first. */
#define TALLY_SQL_LIST_LOTS \
  "SELECT t.id, l.amount, l.remaining, l.expires_at FROM lots l " \
  "JOIN transfers t ON t.seq = l.transfer_seq WHERE l.account = ?1 " \
  "AND l.closed = 0 AND l.remaining > 0 ORDER BY l.expires_at, l.num"
#define TALLY_SQL_LOT_EXPIRY "SELECT expires_at FROM lots WHERE transfer_seq = ?1"
/* 1 when ?1 has a posted debit after seq ?2, else 0. */
#define TALLY_SQL_LATER_DEBITS \
  "SELECT CASE WHEN EXISTS (SELECT 1 FROM transfers WHERE debit_account = ?1 AND seq > ?2 " \
  "AND (flags & 10) = 0) THEN 1 ELSE 0 END"
#define TALLY_SQL_INSERT_LOT \
  "INSERT INTO lots (account, transfer_seq, amount, remaining, expires_at) " \
  "VALUES (?1, ?2, ?3, ?3, ?4)"

/* A statement item: the transfer, its pending state and the post or void
 * that settled it; ?1 is the account. */
#define TALLY_SQL_ITEM_COLUMNS \
  "t.seq, t.id, t.kind, t.flags, t.amount, t.units, t.tool_id, t.ref, t.description, " \
  "t.created_at, CASE WHEN t.debit_account = ?1 THEN 1 ELSE 0 END, p.state, s.amount, " \
  "s.units, other.id "
#define TALLY_SQL_ITEM_FROM \
  TALLY_SQL_WITH_SETTLEMENT \
  "JOIN accounts other ON other.num = " \
  "  CASE WHEN t.debit_account = ?1 THEN t.credit_account ELSE t.debit_account END "

typedef enum
{
  TALLY_SQL_SQLITE,
  TALLY_SQL_POSTGRES,
} TallySqlDialect;

/* The first seq created at or after @time, last + 1 when none is; -1 on
 * error. */
typedef gint64 (*TallyFirstSeqFunc) (gpointer   store,
                                     gint64     time,
                                     GError   **error);

/* [@since, @until) as seqs [*@from, *@to); either time 0 is no bound. */
gboolean tally_ledger_seq_range          (TallyFirstSeqFunc          first_seq_at,
                                          gpointer                   store,
                                          gint64                     since,
                                          gint64                     until,
                                          gint64                    *from,
                                          gint64                    *to,
                                          GError                   **error);

/* One part of a window: times [@from, @to), or whole hours when @hours. */
typedef gboolean (*TallyWindowPartFunc) (gpointer   data,
                                         gint64     from,
                                         gint64     to,
                                         gboolean   hours,
                                         GError   **error);

/* Cuts [@since, @until) (both >= 0) into the whole hours inside it and
 * the parts of an hour at either end, and calls @part for each that is
 * not empty: the hours come from posted_hours, the edges from the
 * transfers, so a year costs about what a day does. */
gboolean tally_ledger_split_window       (gint64                     since,
                                          gint64                     until,
                                          TallyWindowPartFunc        part,
                                          gpointer                   data,
                                          GError                   **error);
/* Adds @row to @totals, merged with the entry of the same kind and tool. */
void     tally_ledger_add_posted_total   (GArray                    *totals,
                                          const TallyPostedTotal    *row);

/* The SQL of tally_ledger_transfers_after(): ?1 the last seq the caller
 * has, ?2 the limit, ?3... the account numbers. */
char    *tally_ledger_transfers_after_sql (guint                     n_accounts);

/* Statements. Their SQL's parameters: ?1 the account number, ?2 the seq
 * the items are below, ?3 the first seq, ?4 the limit, then the tool and
 * the search pattern when the query has them (see
 * tally_ledger_statement_params()). */
gboolean tally_ledger_statement_selects_kind (const TallyStatementQuery *query,
                                          guint                      kind);
gboolean tally_ledger_statement_selects_any_kind (const TallyStatementQuery *query);
guint    tally_ledger_statement_limit    (const TallyStatementQuery *query);
/* The parameter numbers of the tool and the pattern, 0 when unused. */
void     tally_ledger_statement_params   (const TallyStatementQuery *query,
                                          int                       *tool_param,
                                          int                       *search_param);
/* The seqs [*@from, *@to) the query's times and cursor allow. */
gboolean tally_ledger_statement_range    (const TallyStatementQuery *query,
                                          TallyFirstSeqFunc          first_seq_at,
                                          gpointer                   store,
                                          gint64                    *from,
                                          gint64                    *to,
                                          GError                   **error);
/* The seqs of one side's and kind's items, newest first. */
void     tally_ledger_append_item_seqs   (GString                   *sql,
                                          const TallyStatementQuery *query,
                                          const char                *side,
                                          guint                      kind,
                                          TallySqlDialect            dialect);
/* One page of the query's items (TALLY_SQL_ITEM_COLUMNS), newest first;
 * only when it selects some kind (an empty union is not SQL). */
char    *tally_ledger_statement_sql      (const TallyStatementQuery *query,
                                          TallySqlDialect            dialect);
/* "50%_off" must match itself, not any text: a LIKE pattern. */
char    *tally_ledger_like_pattern       (const char                *search);
/* Fills @item's status and amounts from its row's columns. */
void     tally_ledger_item_set_amount    (TallyStatementItem        *item,
                                          gboolean                   outgoing,
                                          TallyTransferFlags         flags,
                                          gint64                     amount,
                                          TallyPendingState          state,
                                          gint64                     settled_amount,
                                          gint64                     settled_units);
/* @items were read with one more than @limit: cuts them to @limit and
 * sets the next page's cursor, 0 when this page is the last. */
void     tally_ledger_statement_page     (GArray                    *items,
                                          guint                      limit,
                                          gint64                    *next_before_seq);

/* Accounts and lots: the checks and their wording. */
/* Why @id and @name cannot rename an account; reads the id into @key. */
gboolean tally_ledger_rules_check_rename (const char                *id,
                                          const char                *name,
                                          guint8                     key[16],
                                          GError                   **error);
gboolean tally_ledger_no_account         (const char                *id,
                                          GError                   **error);
gboolean tally_ledger_no_transfer        (const char                *id,
                                          GError                   **error);
/* Whether @expires_at may be set on @stored, whose credit account is
 * @account and whose account has posted debits after it when @later. */
gboolean tally_ledger_rules_check_lot    (const TallyStoredTransfer *stored,
                                          const TallyAccount        *account,
                                          gboolean                   later,
                                          gint64                     expires_at,
                                          GError                   **error);
/* With a lot's expiry @existing already set (not 0): TRUE when it is
 * @expires_at, the error otherwise. */
gboolean tally_ledger_rules_check_same_expiry (const char           *transfer_id,
                                          gint64                     existing,
                                          gint64                     expires_at,
                                          GError                   **error);

G_END_DECLS
