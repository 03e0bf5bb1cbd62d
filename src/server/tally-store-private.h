/* tally-store-private.h: what the store's own files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally-ledger-sqlite.h>

#include "tally-api-store.h"
#include "tally-store.h"
#include "tally-store-sql.h"

G_BEGIN_DECLS

/* A statement of the store's cache, on the ledger's connection. */
sqlite3_stmt *tally_store_prepare   (TallyStore   *self,
                                     const char   *sql,
                                     GError      **error);
gboolean      tally_store_step_done (TallyStore   *self,
                                     sqlite3_stmt *stmt,
                                     GError      **error);

/* Sets a storage error from the connection's last SQLite error. */
gboolean tally_store_sqlite_failed (TallyStore   *self,
                                    GError      **error);
/* Copies a text column into a fixed field; NULL reads as empty. */
void     tally_store_copy_text     (sqlite3_stmt *stmt,
                                    int           column,
                                    char         *dest,
                                    gsize         size);

void     tally_store_read_user     (sqlite3_stmt *stmt,
                                    TallyUser    *user);
/* "%text%" for LIKE ... ESCAPE '\\', matching @text literally. */
char    *tally_store_like_pattern  (const char   *text);

/* TallyRulesStore's defer_sync and end_deferred_sync on SQLite: the WAL
 * handover of tally-store-wal.c, kept by the store. */
const char *tally_store_defer_sync        (TallyStore      *self,
                                           TallyCommitHook  committed,
                                           gpointer         data);
void        tally_store_end_deferred_sync (TallyStore      *self);

/* TallyStore's TallyRulesStore, in tally-store-rules.c. */
void     tally_store_rules_store_init (TallyRulesStoreInterface *iface);
void     tally_store_api_store_init   (TallyApiStoreInterface   *iface);

G_END_DECLS
