/* tally-test-stores.h: a TallyRulesStore on each store, for contract tests
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-pg-store.h"
#include "tally-test-rig.h"

G_BEGIN_DECLS

/* A store with one member user: TallyStore on a SQLite file in a
 * temporary folder, or TallyPgStore on a database of its own in a
 * PostgreSQL cluster the test binary starts on first use. */
typedef struct
{
  TestRig          base;
  TallyPgStore    *pg_store;
  TallyRulesStore *store;
  TallyUser        user;
} StoreFixture;

typedef void (*StoreTestFunc) (StoreFixture  *fixture,
                               gconstpointer  data);
typedef struct _StoreMaker StoreMaker;

/* SQLite's maker, then PostgreSQL's: for a test whose own fixture begins
 * with a StoreFixture, and whose setup and teardown call stores_setup()
 * and stores_teardown() with the maker as data. */
extern const StoreMaker * const stores_makers[2];
const char *stores_name              (gconstpointer  maker);
void        stores_setup             (StoreFixture  *fixture,
                                      gconstpointer  maker);
void        stores_teardown          (StoreFixture  *fixture,
                                      gconstpointer  maker);

/* Adds /rules-store/sqlite/@name and /rules-store/postgres/@name. */
void        stores_add               (const char    *name,
                                      StoreTestFunc  func);
/* g_test_run(), then the cluster stopped and removed. */
int         stores_run               (void);

/* Every invariant of the ledger, on whichever store. */
void        stores_assert_clean      (StoreFixture  *fixture);
const char *stores_grants_account    (void);
/* A grant to the user through the interface; its transfer's seq. */
gint64      stores_grant             (StoreFixture  *fixture,
                                      gint64         amount);
gint64      stores_balance           (StoreFixture  *fixture);
void        stores_begin             (StoreFixture  *fixture);
void        stores_commit            (StoreFixture  *fixture);
void        stores_begin_write       (StoreFixture  *fixture);
void        stores_end_write         (StoreFixture  *fixture);
/* Another user, in a transaction of its own. */
void        stores_user_new          (StoreFixture  *fixture,
                                      const char    *email,
                                      TallyRole      role,
                                      TallyUser     *user);
void        stores_set_clock         (StoreFixture  *fixture,
                                      TallyClockFunc func,
                                      gpointer       data);
gint64      stores_available         (StoreFixture  *fixture,
                                      const char    *account_id);
/* As an admin's PUT of limits does. */
void        stores_save_policy       (StoreFixture      *fixture,
                                      const char        *account_id,
                                      const TallyPolicy *policy);

/* @sql, text both stores accept, in a transaction of its own: to set up
 * or age rows the interface has no call for. */
void        stores_exec              (StoreFixture  *fixture,
                                      const char    *sql);
/* The one number @sql, text both stores accept, selects. */
gint64      stores_count             (StoreFixture  *fixture,
                                      const char    *sql);

/* Two servers on one database (PostgreSQL alone: one server writes a
 * SQLite store). TRUE, the test skipped, on SQLite. */
gboolean    stores_skip_on_sqlite    (StoreFixture  *fixture);
typedef gboolean (*StoreRaceFunc) (TallyRulesStore  *store,
                                   gpointer          data,
                                   GError          **error);
/* With the fixture's transaction open and its write done, runs @func
 * as a second server would: in a transaction of its own on a second
 * store on the same database, on a thread. @func must wait on a lock
 * the fixture holds; then the fixture commits, and @func's transaction
 * too. An error of @func fails the test. */
void        stores_race              (StoreFixture  *fixture,
                                      StoreRaceFunc  func,
                                      gpointer       data);

G_END_DECLS
