/* tally-transfer.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-types.h"

G_BEGIN_DECLS

/* A transfer moves @amount credits from the debit account to the credit
 * account. Transfers are immutable once created; a correction is a new one.
 *
 * Fixed-size fields keep a batch one contiguous array with no ownership
 * questions, as TigerBeetle does. The caller fills the first block; the
 * ledger fills @seq and @created_at on success (and from the stored
 * transfer when the result is TALLY_TRANSFER_EXISTS). */
typedef struct _TallyTransfer
{
  /* Client-chosen UUID; also the idempotency key, forever. */
  char               id[TALLY_UUID_LEN];
  /* May be left empty on a post or void: the pending transfer's are used. */
  char               debit_account_id[TALLY_UUID_LEN];
  char               credit_account_id[TALLY_UUID_LEN];
  /* The pending transfer a post or void settles; empty otherwise. */
  char               pending_id[TALLY_UUID_LEN];
  gint64             amount;
  /* Metered units (pages, images, ...) when a tool run is paid; else 0. */
  gint64             units;
  /* Seconds a pending transfer holds before it expires; 0 holds forever. */
  guint32            timeout;
  TallyTransferFlags flags;
  TallyTransferKind  kind;
  char               ref[TALLY_REF_MAX];
  char               tool_id[TALLY_TOOL_ID_MAX];
  char               description[TALLY_DESCRIPTION_MAX];

  /* Set by the ledger. */
  gint64             seq;
  gint64             created_at;
} TallyTransfer;

void     tally_transfer_init            (TallyTransfer       *transfer,
                                         const char          *id,
                                         const char          *debit_account_id,
                                         const char          *credit_account_id,
                                         gint64               amount,
                                         TallyTransferKind    kind);
void     tally_transfer_set_ref         (TallyTransfer       *transfer,
                                         const char          *ref);
void     tally_transfer_set_tool_id     (TallyTransfer       *transfer,
                                         const char          *tool_id);
void     tally_transfer_set_description (TallyTransfer       *transfer,
                                         const char          *description);
void     tally_transfer_set_pending_id  (TallyTransfer       *transfer,
                                         const char          *pending_id);
gboolean tally_transfer_is_two_phase_settlement (const TallyTransfer *transfer);

G_END_DECLS
