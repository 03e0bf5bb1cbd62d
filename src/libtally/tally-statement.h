/* tally-statement.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-types.h"

G_BEGIN_DECLS

/* How an account's history reads: one item per transfer, except that a
 * two-phase transfer and the post or void that settled it are one item. */
typedef enum
{
  TALLY_ITEM_STATUS_POSTED,
  TALLY_ITEM_STATUS_PENDING,
  /* Voided, or a hold that expired: it cost nothing. */
  TALLY_ITEM_STATUS_VOIDED,
} TallyItemStatus;

typedef struct _TallyStatementItem
{
  char              id[TALLY_UUID_LEN];
  TallyTransferKind kind;
  TallyItemStatus   status;
  /* The pending transfer's own state, for callers that tell expiry apart. */
  TallyPendingState pending_state;
  gboolean          two_phase;
  /* Signed from the account's side: -held while pending, -charged once
   * posted, 0 when voided; positive when credits came in. */
  gint64            amount;
  /* What a pending item held, whatever happened to it since. */
  gint64            held;
  gint64            units;
  char              tool_id[TALLY_TOOL_ID_MAX];
  char              ref[TALLY_REF_MAX];
  char              description[TALLY_DESCRIPTION_MAX];
  char              counterparty_id[TALLY_UUID_LEN];
  gint64            created_at;
  gint64            seq;
} TallyStatementItem;

/* A kind's bit in TallyStatementQuery.exclude_kinds. */
#define TALLY_TRANSFER_KIND_MASK(kind) (1u << (kind))

/* Which items, newest first. Zero/NULL fields do not filter. */
typedef struct _TallyStatementQuery
{
  char              account_id[TALLY_UUID_LEN];
  gboolean          filter_kind;
  TallyTransferKind kind;
  /* Kinds left out, as TALLY_TRANSFER_KIND_MASK() bits, even the one
   * filter_kind names. Histories leave leases out (bookkeeping, not
   * spending) unless the lease kind is asked for. */
  guint             exclude_kinds;
  const char       *tool_id;
  /* A substring of the description, matched case-insensitively (ASCII). */
  const char       *search;
  /* Microseconds, UTC: since is inclusive, until exclusive. */
  gint64            since;
  gint64            until;
  /* Keyset cursor: only items with seq below it; 0 starts at the newest. */
  gint64            before_seq;
  /* Page size; 0 means 50. */
  guint             limit;
} TallyStatementQuery;

const char *tally_item_status_to_string (TallyItemStatus status);

G_END_DECLS
