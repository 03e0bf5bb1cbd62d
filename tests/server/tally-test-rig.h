/* tally-test-rig.h: a real ledger and store, or a whole TallyServer that
 * never listens, on a temporary SQLite file, for the tests that call the
 * server's rules and stores directly, with no HTTP; and the audit chain
 * of a stopped server's file hashed again
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-audit.h"
#include "tally-server.h"
#include "tally-store-runs.h"
#include "tally-test-common.h"

G_BEGIN_DECLS

/* The user and account test_rig_add_run()'s runs belong to. */
#define TEST_RIG_USER_ID    "6f1c1a8e-3b52-4f0e-9c39-0a5e2f1d7b10"
#define TEST_RIG_ACCOUNT_ID "0d9b6a1c-7f4e-4e26-8a51-3c2b9e8f4a21"

/* A test's fixture, or the first member of one (so that the setup and
 * teardown below serve as its GTestFixtureFuncs). */
typedef struct
{
  /* A fresh temporary folder, removed with all in it by the teardown. */
  char        *dir;
  /* The ledger's file in @dir. */
  char        *path;
  /* Set by test_rig_setup_server() only. */
  TallyConfig *config;
  TallyServer *server;
  TallyLedger *ledger;
  TallyStore  *store;
} TestRig;

/* A ledger and its store on @dir/ledger.db. */
void     test_rig_setup        (TestRig       *rig,
                                gconstpointer  data);
/* A server object on @dir as its data folder, with the tools of
 * TALLY_TOOLS_DIR; @ledger and @store are its own. */
void     test_rig_setup_server (TestRig       *rig,
                                gconstpointer  data);
void     test_rig_teardown     (TestRig       *rig,
                                gconstpointer  data);

/* Adds test @path, run on a rig of its own from test_rig_setup(). */
#define test_rig_add(path, func) \
  g_test_add ((path), TestRig, NULL, test_rig_setup, (func), test_rig_teardown)

/* A transaction on the rig's ledger, which must not fail. */
void     test_rig_begin        (TestRig       *rig);
void     test_rig_commit       (TestRig       *rig);

/* Creates a user with @role in a transaction of its own. */
void     test_rig_user_new     (TestRig       *rig,
                                const char    *email,
                                TallyRole      role,
                                TallyUser     *user);
/* The available credits of @account_id. */
gint64   test_rig_available    (TestRig       *rig,
                                const char    *account_id);
/* tally_ledger_check() finds nothing wrong. */
void     test_rig_assert_clean (TestRig       *rig);

/* Inserts run @id of image-resize for TEST_RIG_USER_ID into @store, held
 * @held until @hold_expires_at. */
void     test_rig_add_run      (TallyStore     *store,
                                const char     *id,
                                TallyRunStatus  status,
                                gint64          held,
                                gint64          hold_expires_at);

/* Hashes the audit chain in the ledger file at @path again, as its
 * records now stand, after a test rewrote them behind the server's back
 * (which must be stopped). With @legacy, every record becomes format 1,
 * as 0.1.0 wrote it: the fields hashed as they are, no keys or digests. */
void     test_rig_rehash_audit (const char     *path,
                                gboolean        legacy);
/* The same on the PostgreSQL database at @url, the records' format kept. */
void     test_rig_rehash_audit_pg (const char  *url);

G_END_DECLS
