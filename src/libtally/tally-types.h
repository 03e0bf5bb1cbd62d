/* tally-types.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A UUID in its canonical 36-character text form, plus the terminator. */
#define TALLY_UUID_LEN 37

#define TALLY_NAME_MAX        128
#define TALLY_TIMEZONE_MAX    64
#define TALLY_REF_MAX         128
#define TALLY_TOOL_ID_MAX     64
#define TALLY_DESCRIPTION_MAX 256

/* What a transfer is for; history filters on it. */
typedef enum
{
  TALLY_TRANSFER_KIND_PURCHASE,
  TALLY_TRANSFER_KIND_GRANT,
  TALLY_TRANSFER_KIND_CONSUMPTION,
  TALLY_TRANSFER_KIND_REFUND,
  TALLY_TRANSFER_KIND_ALLOCATION,
  TALLY_TRANSFER_KIND_EXPIRY,
  TALLY_TRANSFER_KIND_ADJUSTMENT,
  TALLY_TRANSFER_KIND_LEASE,
  TALLY_N_TRANSFER_KINDS
} TallyTransferKind;

typedef enum
{
  TALLY_TRANSFER_FLAG_NONE         = 0,
  /* This transfer succeeds or fails together with the next one. */
  TALLY_TRANSFER_FLAG_LINKED       = 1 << 0,
  /* First phase of a two-phase transfer: the amount is held. */
  TALLY_TRANSFER_FLAG_PENDING      = 1 << 1,
  /* Second phase: settle the pending transfer named by pending_id. */
  TALLY_TRANSFER_FLAG_POST_PENDING = 1 << 2,
  /* Second phase: release the pending transfer named by pending_id. */
  TALLY_TRANSFER_FLAG_VOID_PENDING = 1 << 3,
} TallyTransferFlags;

#define TALLY_TRANSFER_FLAGS_ALL \
  (TALLY_TRANSFER_FLAG_LINKED | TALLY_TRANSFER_FLAG_PENDING | \
   TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING)

typedef enum
{
  TALLY_ACCOUNT_FLAG_NONE                           = 0,
  /* A user or team account: it can never be overdrawn. */
  TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS = 1 << 0,
  TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS = 1 << 1,
} TallyAccountFlags;

#define TALLY_ACCOUNT_FLAGS_ALL \
  (TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS | \
   TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS)

typedef enum
{
  TALLY_ACCOUNT_KIND_USER,
  TALLY_ACCOUNT_KIND_TEAM,
  TALLY_ACCOUNT_KIND_SYSTEM,
  TALLY_ACCOUNT_KIND_LEASE,
  TALLY_N_ACCOUNT_KINDS
} TallyAccountKind;

/* The system accounts every ledger has from its first open. */
typedef enum
{
  TALLY_SYSTEM_ACCOUNT_PAYMENTS,
  TALLY_SYSTEM_ACCOUNT_GRANTS,
  TALLY_SYSTEM_ACCOUNT_PROMOTIONS,
  TALLY_SYSTEM_ACCOUNT_CONSUMPTION,
  TALLY_SYSTEM_ACCOUNT_EXPIRED,
  TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS,
  TALLY_N_SYSTEM_ACCOUNTS
} TallySystemAccount;

/* One result per transfer of a batch, in the spirit of TigerBeetle's. */
typedef enum
{
  TALLY_TRANSFER_OK = 0,
  TALLY_TRANSFER_LINKED_EVENT_FAILED,
  TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN,
  TALLY_TRANSFER_ID_INVALID,
  TALLY_TRANSFER_FLAGS_INVALID,
  TALLY_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE,
  TALLY_TRANSFER_KIND_INVALID,
  TALLY_TRANSFER_ACCOUNT_ID_INVALID,
  TALLY_TRANSFER_SAME_ACCOUNT,
  TALLY_TRANSFER_AMOUNT_ZERO,
  TALLY_TRANSFER_AMOUNT_NEGATIVE,
  TALLY_TRANSFER_UNITS_NEGATIVE,
  TALLY_TRANSFER_FIELD_NOT_TERMINATED,
  TALLY_TRANSFER_PENDING_ID_REQUIRED,
  TALLY_TRANSFER_PENDING_ID_MUST_BE_EMPTY,
  TALLY_TRANSFER_PENDING_ID_SAME_AS_ID,
  TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING,
  TALLY_TRANSFER_EXISTS,
  TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS,
  TALLY_TRANSFER_ACCOUNT_NOT_FOUND,
  TALLY_TRANSFER_PENDING_NOT_FOUND,
  TALLY_TRANSFER_PENDING_NOT_PENDING,
  TALLY_TRANSFER_PENDING_DIFFERENT_DEBIT_ACCOUNT,
  TALLY_TRANSFER_PENDING_DIFFERENT_CREDIT_ACCOUNT,
  TALLY_TRANSFER_PENDING_ALREADY_POSTED,
  TALLY_TRANSFER_PENDING_ALREADY_VOIDED,
  TALLY_TRANSFER_PENDING_EXPIRED,
  TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING,
  TALLY_TRANSFER_PENDING_DIFFERENT_AMOUNT,
  TALLY_TRANSFER_OVERFLOWS_DEBITS,
  TALLY_TRANSFER_OVERFLOWS_CREDITS,
  TALLY_TRANSFER_OVERFLOWS_TIMEOUT,
  TALLY_TRANSFER_EXCEEDS_CREDITS,
  TALLY_TRANSFER_EXCEEDS_DEBITS,
  TALLY_N_TRANSFER_RESULTS
} TallyTransferResult;

/* The state of a pending (first phase) transfer. */
typedef enum
{
  TALLY_PENDING_STATE_PENDING,
  TALLY_PENDING_STATE_POSTED,
  TALLY_PENDING_STATE_VOIDED,
  TALLY_PENDING_STATE_EXPIRED,
} TallyPendingState;

const char *tally_transfer_kind_to_string   (TallyTransferKind    kind);
gboolean    tally_transfer_kind_from_string (const char          *str,
                                             TallyTransferKind   *kind);
const char *tally_account_kind_to_string    (TallyAccountKind     kind);
gboolean    tally_account_kind_from_string  (const char          *str,
                                             TallyAccountKind    *kind);
const char *tally_transfer_result_to_string (TallyTransferResult  result);
const char *tally_pending_state_to_string   (TallyPendingState    state);
const char *tally_system_account_id         (TallySystemAccount   which);
const char *tally_system_account_name       (TallySystemAccount   which);

G_END_DECLS
