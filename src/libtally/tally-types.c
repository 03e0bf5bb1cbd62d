/* tally-types.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-types.h"

static const char * const transfer_kinds[TALLY_N_TRANSFER_KINDS] = {
  [TALLY_TRANSFER_KIND_PURCHASE] = "purchase",
  [TALLY_TRANSFER_KIND_GRANT] = "grant",
  [TALLY_TRANSFER_KIND_CONSUMPTION] = "consumption",
  [TALLY_TRANSFER_KIND_REFUND] = "refund",
  [TALLY_TRANSFER_KIND_ALLOCATION] = "allocation",
  [TALLY_TRANSFER_KIND_EXPIRY] = "expiry",
  [TALLY_TRANSFER_KIND_ADJUSTMENT] = "adjustment",
  [TALLY_TRANSFER_KIND_LEASE] = "lease",
};

static const char * const account_kinds[TALLY_N_ACCOUNT_KINDS] = {
  [TALLY_ACCOUNT_KIND_USER] = "user",
  [TALLY_ACCOUNT_KIND_TEAM] = "team",
  [TALLY_ACCOUNT_KIND_SYSTEM] = "system",
  [TALLY_ACCOUNT_KIND_LEASE] = "lease",
};

static const char * const transfer_results[TALLY_N_TRANSFER_RESULTS] = {
  [TALLY_TRANSFER_OK] = "ok",
  [TALLY_TRANSFER_LINKED_EVENT_FAILED] = "linked_event_failed",
  [TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN] = "linked_event_chain_open",
  [TALLY_TRANSFER_ID_INVALID] = "id_invalid",
  [TALLY_TRANSFER_FLAGS_INVALID] = "flags_invalid",
  [TALLY_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE] = "flags_are_mutually_exclusive",
  [TALLY_TRANSFER_KIND_INVALID] = "kind_invalid",
  [TALLY_TRANSFER_ACCOUNT_ID_INVALID] = "account_id_invalid",
  [TALLY_TRANSFER_SAME_ACCOUNT] = "same_account",
  [TALLY_TRANSFER_AMOUNT_ZERO] = "amount_zero",
  [TALLY_TRANSFER_AMOUNT_NEGATIVE] = "amount_negative",
  [TALLY_TRANSFER_UNITS_NEGATIVE] = "units_negative",
  [TALLY_TRANSFER_FIELD_NOT_TERMINATED] = "field_not_terminated",
  [TALLY_TRANSFER_PENDING_ID_REQUIRED] = "pending_id_required",
  [TALLY_TRANSFER_PENDING_ID_MUST_BE_EMPTY] = "pending_id_must_be_empty",
  [TALLY_TRANSFER_PENDING_ID_SAME_AS_ID] = "pending_id_same_as_id",
  [TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING] = "timeout_reserved_for_pending",
  [TALLY_TRANSFER_EXISTS] = "exists",
  [TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS] = "exists_with_different_fields",
  [TALLY_TRANSFER_ACCOUNT_NOT_FOUND] = "account_not_found",
  [TALLY_TRANSFER_PENDING_NOT_FOUND] = "pending_not_found",
  [TALLY_TRANSFER_PENDING_NOT_PENDING] = "pending_not_pending",
  [TALLY_TRANSFER_PENDING_DIFFERENT_DEBIT_ACCOUNT] = "pending_different_debit_account",
  [TALLY_TRANSFER_PENDING_DIFFERENT_CREDIT_ACCOUNT] = "pending_different_credit_account",
  [TALLY_TRANSFER_PENDING_ALREADY_POSTED] = "pending_already_posted",
  [TALLY_TRANSFER_PENDING_ALREADY_VOIDED] = "pending_already_voided",
  [TALLY_TRANSFER_PENDING_EXPIRED] = "pending_expired",
  [TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING] = "amount_exceeds_pending",
  [TALLY_TRANSFER_PENDING_DIFFERENT_AMOUNT] = "pending_different_amount",
  [TALLY_TRANSFER_OVERFLOWS_DEBITS] = "overflows_debits",
  [TALLY_TRANSFER_OVERFLOWS_CREDITS] = "overflows_credits",
  [TALLY_TRANSFER_OVERFLOWS_TIMEOUT] = "overflows_timeout",
  [TALLY_TRANSFER_EXCEEDS_CREDITS] = "exceeds_credits",
  [TALLY_TRANSFER_EXCEEDS_DEBITS] = "exceeds_debits",
};

static const char * const pending_states[] = {
  [TALLY_PENDING_STATE_PENDING] = "pending",
  [TALLY_PENDING_STATE_POSTED] = "posted",
  [TALLY_PENDING_STATE_VOIDED] = "voided",
  [TALLY_PENDING_STATE_EXPIRED] = "expired",
};

/* Fixed, so that every installation and every test names them alike. */
static const struct
{
  const char *id;
  const char *name;
} system_accounts[TALLY_N_SYSTEM_ACCOUNTS] = {
  [TALLY_SYSTEM_ACCOUNT_PAYMENTS] = { "00000000-0000-4000-8000-000000000001", "Payments" },
  [TALLY_SYSTEM_ACCOUNT_GRANTS] = { "00000000-0000-4000-8000-000000000002", "Grants" },
  [TALLY_SYSTEM_ACCOUNT_PROMOTIONS] = { "00000000-0000-4000-8000-000000000003", "Promotions" },
  [TALLY_SYSTEM_ACCOUNT_CONSUMPTION] = { "00000000-0000-4000-8000-000000000004", "Consumption" },
  [TALLY_SYSTEM_ACCOUNT_EXPIRED] = { "00000000-0000-4000-8000-000000000005", "Expired credits" },
  [TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS] = { "00000000-0000-4000-8000-000000000006", "Adjustments" },
};

static gboolean
lookup_name (const char * const *names,
             guint               n_names,
             const char         *str,
             guint              *index)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++)
    {
      if (g_strcmp0 (names[i], str) == 0)
        {
          *index = i;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
tally_transfer_kind_to_string (TallyTransferKind kind)
{
  g_return_val_if_fail ((guint) kind < TALLY_N_TRANSFER_KINDS, NULL);

  return transfer_kinds[kind];
}

gboolean
tally_transfer_kind_from_string (const char        *str,
                                 TallyTransferKind *kind)
{
  guint index;

  if (!lookup_name (transfer_kinds, TALLY_N_TRANSFER_KINDS, str, &index))
    return FALSE;

  *kind = (TallyTransferKind) index;
  return TRUE;
}

const char *
tally_account_kind_to_string (TallyAccountKind kind)
{
  g_return_val_if_fail ((guint) kind < TALLY_N_ACCOUNT_KINDS, NULL);

  return account_kinds[kind];
}

gboolean
tally_account_kind_from_string (const char       *str,
                                TallyAccountKind *kind)
{
  guint index;

  if (!lookup_name (account_kinds, TALLY_N_ACCOUNT_KINDS, str, &index))
    return FALSE;

  *kind = (TallyAccountKind) index;
  return TRUE;
}

const char *
tally_transfer_result_to_string (TallyTransferResult result)
{
  g_return_val_if_fail ((guint) result < TALLY_N_TRANSFER_RESULTS, NULL);

  return transfer_results[result];
}

const char *
tally_pending_state_to_string (TallyPendingState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (pending_states), NULL);

  return pending_states[state];
}

const char *
tally_system_account_id (TallySystemAccount which)
{
  g_return_val_if_fail ((guint) which < TALLY_N_SYSTEM_ACCOUNTS, NULL);

  return system_accounts[which].id;
}

const char *
tally_system_account_name (TallySystemAccount which)
{
  g_return_val_if_fail ((guint) which < TALLY_N_SYSTEM_ACCOUNTS, NULL);

  return system_accounts[which].name;
}
