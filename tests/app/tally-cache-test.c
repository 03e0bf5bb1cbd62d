/* tally-cache-test.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-cache-test.h"

char *
cache_test_make_home (const char *tmpl)
{
  char *home = g_dir_make_tmp (tmpl, NULL);
  g_autofree char *data = NULL;
  g_autofree char *cache = NULL;

  g_assert_nonnull (home);
  data = g_build_filename (home, "data", NULL);
  cache = g_build_filename (home, "cache", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  return home;
}

void
cache_test_assert_clean (TallyCache *cache)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_ledger_check (tally_cache_get_ledger (cache), &error));
  g_assert_no_error (error);
}

GArray *
cache_test_statement (TallyCache *cache,
                      const char *account_id)
{
  TallyStatementQuery query = { 0 };
  g_autoptr(GError) error = NULL;
  GArray *items;

  g_strlcpy (query.account_id, account_id, sizeof query.account_id);
  query.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
  query.limit = 500;
  items = tally_ledger_query_statement (tally_cache_get_ledger (cache), &query, NULL, &error);
  g_assert_no_error (error);
  return items;
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
cache_test_run_until (gboolean  (*done) (gpointer),
                      gpointer    data,
                      guint       seconds,
                      const char *what)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (seconds, timed_out, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout);
}
