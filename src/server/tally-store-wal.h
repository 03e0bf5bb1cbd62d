/* tally-store-wal.h: the ledger file's write-ahead log, synced by the writer
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-rules-store.h"

G_BEGIN_DECLS

typedef struct _TallyStoreWal TallyStoreWal;

/* Takes the durability of the ledger's commits over from SQLite: the
 * connection goes from synchronous=FULL to NORMAL, so COMMIT appends to
 * the WAL without an fsync, and @committed hears of every commit; the
 * caller syncs the WAL file itself (tally-syncer.c). The passive
 * auto-checkpoint goes on at the same threshold. NULL, and nothing
 * changed, when there is nothing to take over: a ledger in memory, not
 * in WAL mode, or opened with less than FULL on purpose. */
TallyStoreWal *tally_store_wal_take_sync      (TallyLedger      *ledger,
                                               TallyCommitHook   committed,
                                               gpointer          data);
/* The WAL file's path, for the syncer's fd. */
const char    *tally_store_wal_get_path       (TallyStoreWal    *self);
/* Gives FULL back to the connection (the ledger may outlive the writer)
 * and frees @self. */
void           tally_store_wal_give_back_sync (TallyStoreWal    *self);

G_END_DECLS
