/* tally-writer.h: group commit
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-rules-store.h"

G_BEGIN_DECLS

/* Runs inside the shared transaction, in a savepoint of its own: FALSE
 * (with @error) undoes this work alone. */
typedef gboolean (*TallyWriteFunc) (gpointer   data,
                                    GError   **error);
/* Runs once the transaction is durable, or failed: @error says which. */
typedef void     (*TallyWriteDone) (gpointer      data,
                                    const GError *error);

/* What the last group commit learnt of the disk: the server answers 503
 * rather than 500 while it cannot write, and says why. */
typedef enum
{
  TALLY_STORAGE_OK,
  TALLY_STORAGE_FULL,
  TALLY_STORAGE_FAILING,
} TallyStorageState;

#define TALLY_TYPE_WRITER (tally_writer_get_type ())

/* Writes from concurrent requests are queued and committed together in
 * one transaction as soon as the main loop is idle; a thread makes the
 * commits durable (one fdatasync for the groups committed meanwhile), then
 * they are answered on the main context: no answer before the data is
 * durable, and the next group forms while the disk syncs. */
G_DECLARE_FINAL_TYPE (TallyWriter, tally_writer, TALLY, WRITER, GObject)

TallyWriter *tally_writer_new    (TallyRulesStore *store);
void         tally_writer_submit (TallyWriter    *self,
                                  TallyWriteFunc  func,
                                  TallyWriteDone  done,
                                  gpointer        data,
                                  GDestroyNotify  destroy);
/* Commits what is queued now, e.g. before the server exits. */
void         tally_writer_flush  (TallyWriter    *self);
guint        tally_writer_get_queued (TallyWriter *self);
TallyStorageState tally_writer_get_storage_state (TallyWriter *self);
/* How long the last group commit took, BEGIN to durable, in microseconds;
 * valid in a TallyWriter::committed handler. */
gint64       tally_writer_get_last_duration (TallyWriter *self);
/* The ledger's last transfer seq once the announced group committed:
 * valid in a TallyWriter::committed handler. Later groups may be
 * committed already, not yet durable: read no transfer past it. */
gint64       tally_writer_get_committed_seq (TallyWriter *self);
/* The ledger's last transfer seq that is durable, whoever wrote it: for
 * reading what other processes committed. */
gint64       tally_writer_get_durable_seq (TallyWriter *self);
void         tally_writer_add_precommit    (TallyWriter    *self,
                                            TallyWriteFunc  func,
                                            gpointer        data);
void         tally_writer_remove_precommit (TallyWriter    *self,
                                            TallyWriteFunc  func,
                                            gpointer        data);

G_END_DECLS
