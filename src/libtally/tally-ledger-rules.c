/* tally-ledger-rules.c: the rules of docs/ledger.md, free of any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-ledger-private.h"

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

static gboolean
is_terminated (const char *field,
               gsize       size)
{
  return memchr (field, '\0', size) != NULL;
}

static gboolean
fields_terminated (const TallyTransfer *t)
{
  return is_terminated (t->id, sizeof t->id) &&
         is_terminated (t->debit_account_id, sizeof t->debit_account_id) &&
         is_terminated (t->credit_account_id, sizeof t->credit_account_id) &&
         is_terminated (t->pending_id, sizeof t->pending_id) &&
         is_terminated (t->ref, sizeof t->ref) &&
         is_terminated (t->tool_id, sizeof t->tool_id) &&
         is_terminated (t->description, sizeof t->description);
}

static gboolean
is_settlement (const TallyTransfer *t)
{
  return (t->flags & (TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING)) != 0;
}

static gboolean
is_optional_uuid (const char *id)
{
  return id[0] == '\0' || g_uuid_string_is_valid (id);
}

static TallyTransferResult
validate_settlement (const TallyTransfer *t)
{
  if (!g_uuid_string_is_valid (t->pending_id))
    return TALLY_TRANSFER_PENDING_ID_REQUIRED;
  if (g_ascii_strcasecmp (t->pending_id, t->id) == 0)
    return TALLY_TRANSFER_PENDING_ID_SAME_AS_ID;
  if (t->timeout != 0)
    return TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING;
  if (!is_optional_uuid (t->debit_account_id) || !is_optional_uuid (t->credit_account_id))
    return TALLY_TRANSFER_ACCOUNT_ID_INVALID;
  if (t->debit_account_id[0] != '\0' &&
      g_ascii_strcasecmp (t->debit_account_id, t->credit_account_id) == 0)
    return TALLY_TRANSFER_SAME_ACCOUNT;

  return TALLY_TRANSFER_OK;
}

static TallyTransferResult
validate_single_or_pending (const TallyTransfer *t)
{
  if (t->pending_id[0] != '\0')
    return TALLY_TRANSFER_PENDING_ID_MUST_BE_EMPTY;
  if (!g_uuid_string_is_valid (t->debit_account_id) ||
      !g_uuid_string_is_valid (t->credit_account_id))
    return TALLY_TRANSFER_ACCOUNT_ID_INVALID;
  if (g_ascii_strcasecmp (t->debit_account_id, t->credit_account_id) == 0)
    return TALLY_TRANSFER_SAME_ACCOUNT;
  if (t->timeout != 0 && !(t->flags & TALLY_TRANSFER_FLAG_PENDING))
    return TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING;
  if (t->amount == 0)
    return TALLY_TRANSFER_AMOUNT_ZERO;

  return TALLY_TRANSFER_OK;
}

/* Steps 1 to 7: what can be said of a transfer on its own. */
TallyTransferResult
tally_ledger_rules_validate (const TallyTransfer *t)
{
  guint phases;

  if (t->flags & ~TALLY_TRANSFER_FLAGS_ALL)
    return TALLY_TRANSFER_FLAGS_INVALID;
  if (!is_terminated (t->id, sizeof t->id) || !g_uuid_string_is_valid (t->id) ||
      g_ascii_strcasecmp (t->id, NIL_UUID) == 0)
    return TALLY_TRANSFER_ID_INVALID;
  if (!fields_terminated (t))
    return TALLY_TRANSFER_FIELD_NOT_TERMINATED;
  if ((guint) t->kind >= TALLY_N_TRANSFER_KINDS)
    return TALLY_TRANSFER_KIND_INVALID;

  phases = t->flags & (TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_POST_PENDING |
                       TALLY_TRANSFER_FLAG_VOID_PENDING);
  if (phases & (phases - 1))
    return TALLY_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE;

  if (t->amount < 0)
    return TALLY_TRANSFER_AMOUNT_NEGATIVE;
  if (t->units < 0)
    return TALLY_TRANSFER_UNITS_NEGATIVE;

  if (is_settlement (t))
    return validate_settlement (t);

  return validate_single_or_pending (t);
}

static gboolean
account_matches (const char *given,
                 const char *stored)
{
  return given[0] == '\0' || g_ascii_strcasecmp (given, stored) == 0;
}

/* Step 8: the id is known; is this the same transfer sent again? */
TallyTransferResult
tally_ledger_rules_compare (const TallyTransfer *t,
                            const TallyTransfer *stored)
{
  gboolean settlement = is_settlement (t);
  gboolean accounts_equal;

  if (settlement)
    accounts_equal = account_matches (t->debit_account_id, stored->debit_account_id) &&
                     account_matches (t->credit_account_id, stored->credit_account_id);
  else
    accounts_equal = g_ascii_strcasecmp (t->debit_account_id, stored->debit_account_id) == 0 &&
                     g_ascii_strcasecmp (t->credit_account_id, stored->credit_account_id) == 0;

  if (accounts_equal &&
      t->amount == stored->amount &&
      g_ascii_strcasecmp (t->pending_id, stored->pending_id) == 0 &&
      t->units == stored->units &&
      t->timeout == stored->timeout &&
      t->flags == stored->flags &&
      t->kind == stored->kind &&
      strcmp (t->ref, stored->ref) == 0 &&
      strcmp (t->tool_id, stored->tool_id) == 0 &&
      strcmp (t->description, stored->description) == 0)
    return TALLY_TRANSFER_EXISTS;

  return TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS;
}

gboolean
tally_ledger_rules_expires_at (const TallyTransfer *pending,
                               gint64              *expires_at)
{
  gint64 span;

  *expires_at = 0;
  if (pending->timeout == 0)
    return TRUE;

  span = (gint64) pending->timeout * TALLY_USEC_PER_SEC;
  return !__builtin_add_overflow (pending->created_at, span, expires_at);
}

/* Step 10: may @t post or void @pending, in the state @row says? */
TallyTransferResult
tally_ledger_rules_check_settlement (const TallyTransfer   *t,
                                     const TallyTransfer   *pending,
                                     const TallyPendingRow *row,
                                     gint64                 now)
{
  if (!(pending->flags & TALLY_TRANSFER_FLAG_PENDING) || row == NULL)
    return TALLY_TRANSFER_PENDING_NOT_PENDING;
  if (!account_matches (t->debit_account_id, pending->debit_account_id))
    return TALLY_TRANSFER_PENDING_DIFFERENT_DEBIT_ACCOUNT;
  if (!account_matches (t->credit_account_id, pending->credit_account_id))
    return TALLY_TRANSFER_PENDING_DIFFERENT_CREDIT_ACCOUNT;

  switch (row->state)
    {
    case TALLY_PENDING_STATE_POSTED:
      return TALLY_TRANSFER_PENDING_ALREADY_POSTED;
    case TALLY_PENDING_STATE_VOIDED:
      return TALLY_TRANSFER_PENDING_ALREADY_VOIDED;
    case TALLY_PENDING_STATE_EXPIRED:
      return TALLY_TRANSFER_PENDING_EXPIRED;
    case TALLY_PENDING_STATE_PENDING:
    default:
      break;
    }

  if (row->expires_at != 0 && row->expires_at <= now)
    return TALLY_TRANSFER_PENDING_EXPIRED;

  if (t->flags & TALLY_TRANSFER_FLAG_POST_PENDING)
    {
      if (t->amount > pending->amount)
        return TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING;
      if (t->amount == 0)
        return TALLY_TRANSFER_AMOUNT_ZERO;
    }
  else
    {
      if (t->amount > pending->amount)
        return TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING;
      if (t->amount != 0 && t->amount != pending->amount)
        return TALLY_TRANSFER_PENDING_DIFFERENT_AMOUNT;
    }

  return TALLY_TRANSFER_OK;
}

static gboolean
column_overflows (gint64 pending,
                  gint64 posted,
                  gint64 column,
                  gint64 amount)
{
  gint64 sum;

  return __builtin_add_overflow (pending, posted, &sum) ||
         __builtin_add_overflow (sum, amount, &sum) ||
         __builtin_add_overflow (column, amount, &sum);
}

/* Steps 11 and 12, for a single-phase or pending transfer. */
TallyTransferResult
tally_ledger_rules_check_accounts (const TallyTransfer *t,
                                   const TallyAccount  *debit,
                                   const TallyAccount  *credit,
                                   gint64               created_at)
{
  gboolean pending = (t->flags & TALLY_TRANSFER_FLAG_PENDING) != 0;
  TallyTransfer timed = *t;
  gint64 expires_at;

  if (column_overflows (debit->debits_pending, debit->debits_posted,
                        pending ? debit->debits_pending : debit->debits_posted, t->amount))
    return TALLY_TRANSFER_OVERFLOWS_DEBITS;
  if (column_overflows (credit->credits_pending, credit->credits_posted,
                        pending ? credit->credits_pending : credit->credits_posted, t->amount))
    return TALLY_TRANSFER_OVERFLOWS_CREDITS;

  timed.created_at = created_at;
  if (!tally_ledger_rules_expires_at (&timed, &expires_at))
    return TALLY_TRANSFER_OVERFLOWS_TIMEOUT;

  if ((debit->flags & TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS) &&
      debit->debits_pending + debit->debits_posted + t->amount > debit->credits_posted)
    return TALLY_TRANSFER_EXCEEDS_CREDITS;
  if ((credit->flags & TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS) &&
      credit->credits_pending + credit->credits_posted + t->amount > credit->debits_posted)
    return TALLY_TRANSFER_EXCEEDS_DEBITS;

  return TALLY_TRANSFER_OK;
}

/* Moves the columns; every check has passed. @pending is the transfer a
 * post or void settles, NULL otherwise. */
void
tally_ledger_rules_apply (const TallyTransfer *t,
                          const TallyTransfer *pending,
                          TallyAccount        *debit,
                          TallyAccount        *credit)
{
  if (t->flags & TALLY_TRANSFER_FLAG_PENDING)
    {
      debit->debits_pending += t->amount;
      credit->credits_pending += t->amount;
    }
  else if (pending != NULL)
    {
      debit->debits_pending -= pending->amount;
      credit->credits_pending -= pending->amount;
      if (t->flags & TALLY_TRANSFER_FLAG_POST_PENDING)
        {
          debit->debits_posted += t->amount;
          credit->credits_posted += t->amount;
        }
    }
  else
    {
      debit->debits_posted += t->amount;
      credit->credits_posted += t->amount;
    }
}

/* --- accounts --- */

gboolean
tally_ledger_rules_account_equal (const TallyAccount *a,
                                  const TallyAccount *b)
{
  return a->kind == b->kind &&
         a->flags == b->flags &&
         strcmp (a->name, b->name) == 0 &&
         strcmp (a->timezone, b->timezone) == 0;
}

const char *
tally_ledger_account_problem (const TallyAccount *account,
                              guint8              id[16])
{
  if (!tally_uuid_to_bytes (account->id, id))
    return "the id is not a UUID";
  if ((guint) account->kind >= TALLY_N_ACCOUNT_KINDS)
    return "the kind is unknown";
  if (account->flags & ~TALLY_ACCOUNT_FLAGS_ALL)
    return "the flags are unknown";
  if (!g_utf8_validate (account->name, -1, NULL))
    return "the name is not UTF-8";
  return NULL;
}

gboolean
tally_ledger_rules_check_new_account (const TallyAccount  *account,
                                      guint8               id[16],
                                      GError             **error)
{
  const char *problem = tally_ledger_account_problem (account, id);

  if (problem == NULL && (account->flags & TALLY_ACCOUNT_FLAGS_ALL) == TALLY_ACCOUNT_FLAGS_ALL)
    problem = "the two balance flags exclude each other";
  if (problem == NULL && (account->debits_pending || account->debits_posted ||
                          account->credits_pending || account->credits_posted))
    problem = "balances are kept by the ledger and must start at zero";

  if (problem != NULL)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "Cannot create account “%s”: %s", account->id, problem);
      return FALSE;
    }

  return TRUE;
}

gboolean
tally_ledger_fail (GError           **error,
                   TallyLedgerError   code,
                   const char        *format,
                   ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, TALLY_LEDGER_ERROR, code, message);
  return FALSE;
}
