/* tally-ledger-shared.c: what every store's reads share, free of any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-shared.h"
#include "tally-uuid.h"

gboolean
tally_ledger_seq_range (TallyFirstSeqFunc   first_seq_at,
                        gpointer            store,
                        gint64              since,
                        gint64              until,
                        gint64             *from,
                        gint64             *to,
                        GError            **error)
{
  *from = since > 0 ? first_seq_at (store, since, error) : 1;
  if (*from < 0)
    return FALSE;

  *to = until > 0 ? first_seq_at (store, until, error) : G_MAXINT64;
  return *to >= 0;
}

gboolean
tally_ledger_split_window (gint64                since,
                           gint64                until,
                           TallyWindowPartFunc   part,
                           gpointer              data,
                           GError              **error)
{
  gint64 first_hour, last_hour;

  g_return_val_if_fail (since >= 0 && until >= 0, FALSE);

  if (since >= until)
    return TRUE;

  /* Both are positive: the divisions round toward zero, i.e. down. */
  first_hour = (since + TALLY_USEC_PER_HOUR - 1) / TALLY_USEC_PER_HOUR;
  last_hour = until / TALLY_USEC_PER_HOUR;
  if (first_hour >= last_hour)
    return part (data, since, until, FALSE, error);

  return (since == first_hour * TALLY_USEC_PER_HOUR ||
          part (data, since, first_hour * TALLY_USEC_PER_HOUR, FALSE, error)) &&
         part (data, first_hour, last_hour, TRUE, error) &&
         (until == last_hour * TALLY_USEC_PER_HOUR ||
          part (data, last_hour * TALLY_USEC_PER_HOUR, until, FALSE, error));
}

void
tally_ledger_add_posted_total (GArray                 *totals,
                               const TallyPostedTotal *row)
{
  for (guint i = 0; i < totals->len; i++)
    {
      TallyPostedTotal *total = &g_array_index (totals, TallyPostedTotal, i);

      if (total->kind == row->kind && strcmp (total->tool_id, row->tool_id) == 0)
        {
          total->amount += row->amount;
          total->items += row->items;
          return;
        }
    }

  g_array_append_val (totals, *row);
}

/* --- transfers after a seq --- */

/* The indexes are (account, kind, seq) on each side: a seq-ordered scan of
 * all of an account's transfers is one short range per side and kind,
 * merged. Far cheaper than an OR over both columns on a big ledger. */
static void
append_range_after (GString    *sql,
                    const char *side,
                    guint       account_param,
                    guint       kind)
{
  if (sql->str[sql->len - 1] != '(')
    g_string_append (sql, " UNION ALL ");
  g_string_append_printf (sql, "SELECT * FROM (SELECT seq FROM transfers WHERE %s = ?%u "
                          "AND kind = %u AND seq > ?1 ORDER BY seq LIMIT ?2) AS r%u_%u_%c",
                          side, account_param, kind, account_param, kind, side[0]);
}

char *
tally_ledger_transfers_after_sql (guint n_accounts)
{
  g_autoptr(GString) sql = g_string_new ("SELECT " TRANSFER_COLUMNS TRANSFER_FROM
                                         "WHERE t.seq IN (SELECT DISTINCT seq FROM (");

  for (guint i = 0; i < n_accounts; i++)
    for (guint kind = 0; kind < TALLY_N_TRANSFER_KINDS; kind++)
      {
        append_range_after (sql, "debit_account", i + 3, kind);
        append_range_after (sql, "credit_account", i + 3, kind);
      }
  g_string_append (sql, ") AS ranges ORDER BY seq LIMIT ?2) ORDER BY t.seq");

  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* --- statements --- */

gboolean
tally_ledger_statement_selects_kind (const TallyStatementQuery *query,
                                     guint                      kind)
{
  if (query->filter_kind && kind != (guint) query->kind)
    return FALSE;

  return (query->exclude_kinds & TALLY_TRANSFER_KIND_MASK (kind)) == 0;
}

gboolean
tally_ledger_statement_selects_any_kind (const TallyStatementQuery *query)
{
  for (guint kind = 0; kind < TALLY_N_TRANSFER_KINDS; kind++)
    if (tally_ledger_statement_selects_kind (query, kind))
      return TRUE;

  return FALSE;
}

guint
tally_ledger_statement_limit (const TallyStatementQuery *query)
{
  return query->limit > 0 ? query->limit : 50;
}

static gboolean
has_search (const TallyStatementQuery *query)
{
  return query->search != NULL && query->search[0] != '\0';
}

void
tally_ledger_statement_params (const TallyStatementQuery *query,
                               int                       *tool_param,
                               int                       *search_param)
{
  int next = 5;

  *tool_param = query->tool_id != NULL ? next++ : 0;
  *search_param = has_search (query) ? next : 0;
}

gboolean
tally_ledger_statement_range (const TallyStatementQuery  *query,
                              TallyFirstSeqFunc           first_seq_at,
                              gpointer                    store,
                              gint64                     *from,
                              gint64                     *to,
                              GError                    **error)
{
  if (!tally_ledger_seq_range (first_seq_at, store, query->since, query->until, from, to, error))
    return FALSE;
  if (query->before_seq > 0)
    *to = MIN (*to, query->before_seq);
  return TRUE;
}

/* The search matches case-insensitively: SQLite's LIKE does for ASCII,
 * PostgreSQL's takes ILIKE. */
void
tally_ledger_append_item_seqs (GString                   *sql,
                               const TallyStatementQuery *query,
                               const char                *side,
                               guint                      kind,
                               TallySqlDialect            dialect)
{
  int tool_param, search_param;

  tally_ledger_statement_params (query, &tool_param, &search_param);
  g_string_append_printf (sql, "SELECT seq FROM transfers WHERE %s = ?1 "
                          "AND kind = %u AND seq < ?2 AND seq >= ?3 AND (flags & 12) = 0 ",
                          side, kind);
  if (tool_param > 0)
    g_string_append_printf (sql, "AND tool_id = ?%d ", tool_param);
  if (search_param > 0)
    g_string_append_printf (sql, "AND description %s ?%d ESCAPE '\\' ",
                            dialect == TALLY_SQL_POSTGRES ? "ILIKE" : "LIKE", search_param);
  g_string_append (sql, "ORDER BY seq DESC LIMIT ?4");
}

char *
tally_ledger_statement_sql (const TallyStatementQuery *query,
                            TallySqlDialect            dialect)
{
  static const char * const sides[] = { "debit_account", "credit_account" };
  g_autoptr(GString) sql = g_string_new ("SELECT " TALLY_SQL_ITEM_COLUMNS TALLY_SQL_ITEM_FROM
                                         "WHERE t.seq IN (SELECT seq FROM (");

  for (guint kind = 0; kind < TALLY_N_TRANSFER_KINDS; kind++)
    for (guint side = 0; side < G_N_ELEMENTS (sides); side++)
      {
        if (!tally_ledger_statement_selects_kind (query, kind))
          continue;
        if (sql->str[sql->len - 1] != '(')
          g_string_append (sql, " UNION ALL ");
        g_string_append (sql, "SELECT * FROM (");
        tally_ledger_append_item_seqs (sql, query, sides[side], kind, dialect);
        g_string_append_printf (sql, ") AS r%u_%u", kind, side);
      }
  g_string_append (sql, ") AS ranges ORDER BY seq DESC LIMIT ?4) ORDER BY t.seq DESC");

  return g_string_free (g_steal_pointer (&sql), FALSE);
}

char *
tally_ledger_like_pattern (const char *search)
{
  g_autoptr(GString) pattern = g_string_new ("%");

  for (const char *c = search; *c; c++)
    {
      if (*c == '%' || *c == '_' || *c == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *c);
    }
  g_string_append_c (pattern, '%');

  return g_string_free (g_steal_pointer (&pattern), FALSE);
}

void
tally_ledger_item_set_amount (TallyStatementItem *item,
                              gboolean            outgoing,
                              TallyTransferFlags  flags,
                              gint64              amount,
                              TallyPendingState   state,
                              gint64              settled_amount,
                              gint64              settled_units)
{
  item->two_phase = (flags & TALLY_TRANSFER_FLAG_PENDING) != 0;
  item->status = TALLY_ITEM_STATUS_POSTED;
  item->pending_state = TALLY_PENDING_STATE_POSTED;

  if (item->two_phase)
    {
      item->held = amount;
      item->pending_state = state;
      switch (item->pending_state)
        {
        case TALLY_PENDING_STATE_PENDING:
          item->status = TALLY_ITEM_STATUS_PENDING;
          break;
        case TALLY_PENDING_STATE_POSTED:
          amount = settled_amount;
          item->units = settled_units;
          break;
        case TALLY_PENDING_STATE_VOIDED:
        case TALLY_PENDING_STATE_EXPIRED:
        default:
          item->status = TALLY_ITEM_STATUS_VOIDED;
          amount = 0;
          break;
        }
    }

  item->amount = outgoing ? -amount : amount;
}

void
tally_ledger_statement_page (GArray  *items,
                             guint    limit,
                             gint64  *next_before_seq)
{
  if (next_before_seq != NULL)
    *next_before_seq = 0;
  if (items == NULL || items->len <= limit)
    return;

  g_array_set_size (items, limit);
  if (next_before_seq != NULL)
    *next_before_seq = g_array_index (items, TallyStatementItem, limit - 1).seq;
}

/* --- accounts and lots --- */

gboolean
tally_ledger_rules_check_rename (const char  *id,
                                 const char  *name,
                                 guint8       key[16],
                                 GError     **error)
{
  if (!tally_uuid_to_bytes (id, key) || strlen (name) >= TALLY_NAME_MAX)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_INVALID,
                              "Cannot rename account “%s”: bad id or name", id);
  return TRUE;
}

gboolean
tally_ledger_no_account (const char  *id,
                         GError     **error)
{
  return tally_ledger_fail (error, TALLY_LEDGER_ERROR_NOT_FOUND, "No account “%s”", id);
}

gboolean
tally_ledger_no_transfer (const char  *id,
                          GError     **error)
{
  return tally_ledger_fail (error, TALLY_LEDGER_ERROR_NOT_FOUND, "No transfer %s", id);
}

gboolean
tally_ledger_rules_check_lot (const TallyStoredTransfer  *stored,
                              const TallyAccount         *account,
                              gboolean                    later,
                              gint64                      expires_at,
                              GError                    **error)
{
  const TallyTransfer *t = &stored->transfer;

  if ((t->flags & (TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_POST_PENDING |
                   TALLY_TRANSFER_FLAG_VOID_PENDING)) != 0)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_INVALID,
                              "Only a single-phase transfer's credits can expire");
  if (expires_at <= t->created_at)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_INVALID,
                              "Credits must expire after they arrive");
  if (!(account->flags & TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS))
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_INVALID,
                              "Only a user's or a team's credits can expire");
  /* A posted debit after the transfer would have burned other credits in
   * an order that knew nothing of this lot. */
  if (later)
    return tally_ledger_fail (error, TALLY_LEDGER_ERROR_INVALID,
                              "The account has spent since transfer %s: set the expiry in "
                              "the transaction that creates it", t->id);
  return TRUE;
}

gboolean
tally_ledger_rules_check_same_expiry (const char  *transfer_id,
                                      gint64       existing,
                                      gint64       expires_at,
                                      GError     **error)
{
  return existing == expires_at ||
         tally_ledger_fail (error, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS,
                            "The credits of %s expire at another time already", transfer_id);
}
