/* tally-test-postgres.h: a throwaway PostgreSQL 15 cluster, for tests
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TallyTestPostgres TallyTestPostgres;

/* initdb in a new temporary folder, then pg_ctl start: trust
 * authentication, a Unix socket in that folder and no TCP, fsync on (the
 * defaults). As root, PostgreSQL's programs run as the postgres user.
 * Aborts the test with the server's log if PostgreSQL does not start. */
TallyTestPostgres *tally_test_postgres_start   (void);
/* postgresql:// for the cluster's database "postgres" as its superuser. */
const char        *tally_test_postgres_get_url (TallyTestPostgres *self);
/* The same cluster's database @name (not created here). */
char              *tally_test_postgres_get_database_url (TallyTestPostgres *self,
                                                         const char        *name);
/* Shuts the cluster down (fast: connections are cut), for an outage. */
void               tally_test_postgres_stop    (TallyTestPostgres *self);
/* Starts it again on the same socket; stops it first if it runs. */
void               tally_test_postgres_restart (TallyTestPostgres *self);
/* Stops the cluster and removes its folder. */
void               tally_test_postgres_free    (TallyTestPostgres *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyTestPostgres, tally_test_postgres_free)

G_END_DECLS
