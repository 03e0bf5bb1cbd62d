/* tally-store-private.h: what the store's own files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

/* Sets a storage error from the connection's last SQLite error. */
gboolean tally_store_sqlite_failed (TallyStore   *self,
                                    GError      **error);
/* Copies a text column into a fixed field; NULL reads as empty. */
void     tally_store_copy_text     (sqlite3_stmt *stmt,
                                    int           column,
                                    char         *dest,
                                    gsize         size);

/* The columns tally_store_read_user() reads, from column 0. */
#define TALLY_STORE_USER_COLUMNS \
  "id, email, name, role, disabled, account_id, timezone, created_at "

void     tally_store_read_user     (sqlite3_stmt *stmt,
                                    TallyUser    *user);
/* "%text%" for LIKE ... ESCAPE '\\', matching @text literally. */
char    *tally_store_like_pattern  (const char   *text);

G_END_DECLS
