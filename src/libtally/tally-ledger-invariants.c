/* tally-ledger-invariants.c: the ledger's invariants, for every store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-ledger-engine.h"
#include "tally-uuid.h"

/* An invariant that does not hold. */
#define broken(error, ...) \
  tally_ledger_fail ((error), TALLY_LEDGER_ERROR_INVARIANT, __VA_ARGS__)

/* A mirror holds some accounts' transfers of its origin, with the
 * origin's seq: its sequence has gaps, and every other invariant holds. */
static const TallyLedgerInvariant invariants[] = {
  { "SELECT CASE WHEN count(*) = 0 THEN 0 ELSE max(seq) - count(*) + min(seq) - 1 END "
    "FROM transfers",
    "The transfer sequence has gaps or does not start at 1", TALLY_CHECK_ORIGIN_ONLY },
  { "SELECT count(*) FROM transfers a JOIN transfers b ON b.seq = a.seq + 1 "
    "WHERE b.created_at < a.created_at",
    "A transfer is older than the one before it", TALLY_CHECK_ORIGIN_ONLY },
  { "SELECT count(*) FROM (SELECT created_at, lag (created_at) OVER (ORDER BY seq) AS previous "
    "FROM transfers) o WHERE created_at < previous",
    "A transfer is older than the one before it", TALLY_CHECK_MIRROR_ONLY },
  { "SELECT count(*) - count(DISTINCT id) FROM transfers",
    "A transfer id is present more than once", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers t LEFT JOIN pending p ON p.seq = t.seq "
    "WHERE (t.flags & 2) != 0 AND p.seq IS NULL",
    "A pending transfer has no state", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM pending p LEFT JOIN transfers t ON t.seq = p.seq "
    "WHERE t.seq IS NULL OR (t.flags & 2) = 0",
    "A pending state belongs to no pending transfer", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM pending WHERE (state = 0) != (settled_by IS NULL)",
    "A pending transfer's state and its settlement disagree", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM pending p LEFT JOIN transfers s ON s.seq = p.settled_by "
    "WHERE p.state != 0 AND (s.seq IS NULL OR s.pending_seq IS DISTINCT FROM p.seq "
    "  OR (p.state = 1) != ((s.flags & 4) != 0))",
    "A settled pending transfer is not settled by a matching post or void", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM (SELECT pending_seq FROM transfers WHERE pending_seq IS NOT NULL "
    "GROUP BY pending_seq HAVING count(*) > 1) s",
    "A pending transfer was settled more than once", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers s JOIN pending p ON p.seq = s.pending_seq "
    "WHERE p.settled_by IS DISTINCT FROM s.seq",
    "A post or void is not the one its pending transfer records", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers s JOIN transfers t ON t.seq = s.pending_seq "
    "WHERE s.amount > t.amount OR s.debit_account != t.debit_account "
    "  OR s.credit_account != t.credit_account",
    "A post or void does not match its pending transfer", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers WHERE amount < 0 OR (amount = 0 AND (flags & 8) = 0) "
    "OR units < 0 OR debit_account = credit_account",
    "A transfer has an impossible amount or accounts", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM transfers t LEFT JOIN accounts d ON d.num = t.debit_account "
    "LEFT JOIN accounts c ON c.num = t.credit_account WHERE d.num IS NULL OR c.num IS NULL",
    "A transfer names an account that does not exist", TALLY_CHECK_ALWAYS },
  /* Lots (docs/ledger.md, "Lots and expiry"); a mirror keeps none. */
  { "SELECT count(*) FROM lots l LEFT JOIN transfers t ON t.seq = l.transfer_seq "
    "LEFT JOIN accounts a ON a.num = l.account "
    "WHERE t.seq IS NULL OR a.num IS NULL OR t.credit_account != l.account "
    "  OR t.amount != l.amount OR (t.flags & 14) != 0 OR (a.flags & 1) = 0",
    "A lot does not match the transfer that brought its credits", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM lots l LEFT JOIN (SELECT lot, SUM (amount) AS burned FROM lot_burns "
    "GROUP BY lot) b ON b.lot = l.num WHERE l.remaining != l.amount - COALESCE (b.burned, 0)",
    "A lot's credits left are not its amount less what was burned from it", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM lot_burns b LEFT JOIN lots l ON l.num = b.lot "
    "LEFT JOIN transfers t ON t.seq = b.transfer_seq "
    "WHERE l.num IS NULL OR t.seq IS NULL OR t.debit_account != l.account "
    "  OR (t.flags & 10) != 0 OR t.seq < l.transfer_seq",
    "A lot was burned by something other than a later posted debit of its account",
    TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM (SELECT b.transfer_seq, SUM (b.amount) AS burned FROM lot_burns b "
    "GROUP BY b.transfer_seq) s JOIN transfers t ON t.seq = s.transfer_seq "
    "WHERE s.burned > t.amount",
    "A debit burned more of its account's lots than it took", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM lots l LEFT JOIN transfers t ON t.seq = l.expired_by "
    "WHERE l.expired_by IS NOT NULL AND (l.closed = 0 OR t.seq IS NULL OR t.kind != 5 "
    "  OR t.debit_account != l.account "
    "  OR NOT EXISTS (SELECT 1 FROM lot_burns b WHERE b.lot = l.num "
    "    AND b.transfer_seq = t.seq AND b.amount = t.amount))",
    "A lot's expiry is not an expiry transfer that took its credits", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) - count(DISTINCT expired_by) FROM lots WHERE expired_by IS NOT NULL",
    "One expiry transfer closed more than one lot", TALLY_CHECK_ALWAYS },
  /* Usage reads these totals (schema 2): each one what its transfers add
   * up to, and none without them. */
  { "SELECT count(*) FROM posted_hours h FULL JOIN (" TALLY_POSTED_HOURS_FROM_TRANSFERS ") r "
    "ON r.account = h.account AND r.kind = h.kind AND r.hour = h.hour AND r.tool_id = h.tool_id "
    "WHERE h.account IS NULL OR r.account IS NULL OR h.amount != r.total OR h.items != r.n",
    "The hourly usage totals do not match the transfers", TALLY_CHECK_ALWAYS },
  { "SELECT count(*) FROM accounts a JOIN (SELECT account, SUM (remaining) AS open "
    "FROM lots WHERE closed = 0 GROUP BY account) o ON o.account = a.num "
    "WHERE o.open > a.credits_posted - a.debits_posted",
    "An account's credits yet to expire exceed its balance", TALLY_CHECK_ALWAYS },
};

const TallyLedgerInvariant *
tally_ledger_invariants (guint *n_invariants)
{
  *n_invariants = G_N_ELEMENTS (invariants);
  return invariants;
}

gboolean
tally_ledger_check_account_columns (const char         *id,
                                    TallyAccountFlags   flags,
                                    const gint64        stored[4],
                                    const gint64        recomputed[4],
                                    TallyLedgerTotals  *totals,
                                    GError            **error)
{
  static const char * const columns[] = {
    "debits_pending", "debits_posted", "credits_pending", "credits_posted"
  };

  for (guint c = 0; c < 4; c++)
    {
      if (stored[c] < 0)
        return broken (error, "Account %s has a negative %s", id, columns[c]);
      if (stored[c] != recomputed[c])
        return broken (error, "Account %s has %s %" G_GINT64_FORMAT " but its transfers add up "
                       "to %" G_GINT64_FORMAT, id, columns[c], stored[c], recomputed[c]);
    }

  if ((flags & TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS) &&
      (__int128) stored[0] + stored[1] > stored[3])
    return broken (error, "Account %s has debits above its credits although its flag forbids it",
                   id);
  if ((flags & TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS) &&
      (__int128) stored[2] + stored[3] > stored[1])
    return broken (error, "Account %s has credits above its debits although its flag forbids it",
                   id);

  totals->debits_pending += stored[0];
  totals->debits_posted += stored[1];
  totals->credits_pending += stored[2];
  totals->credits_posted += stored[3];
  return TRUE;
}

gboolean
tally_ledger_check_totals (const TallyLedgerTotals  *totals,
                           GError                  **error)
{
  if (totals->debits_posted != totals->credits_posted)
    return broken (error, "All posted debits do not equal all posted credits");
  if (totals->debits_pending != totals->credits_pending)
    return broken (error, "All pending debits do not equal all pending credits");
  return TRUE;
}
