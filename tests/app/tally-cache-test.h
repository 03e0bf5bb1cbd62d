/* tally-cache-test.h: what the cache tests share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-cache.h"

G_BEGIN_DECLS

/* Makes a folder from @tmpl (g_dir_make_tmp()) and points XDG_DATA_HOME
 * and XDG_CACHE_HOME below it; call before g_test_init(). Our own folders
 * rather than G_TEST_OPTION_ISOLATE_DIRS, whose strings GLib 2.74 leaks
 * under ASan. Returns the folder, for test_remove_tree(). */
char   *cache_test_make_home    (const char *tmpl);
/* The cache's ledger passes tally_ledger_check(). */
void    cache_test_assert_clean (TallyCache *cache);
/* @account_id's history in the cache as GET /v1/transactions lists it by
 * default, without lease items: an array of TallyStatementItem. */
GArray *cache_test_statement    (TallyCache *cache,
                                 const char *account_id);
/* Iterates the main context until @done says so; fails, naming @what,
 * after @seconds. */
void    cache_test_run_until    (gboolean  (*done) (gpointer),
                                 gpointer    data,
                                 guint       seconds,
                                 const char *what);

G_END_DECLS
