/* tally-pg-store.h: the server's store on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-pg-ledger.h"
#include "tally-api-store.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PG_STORE (tally_pg_store_get_type ())

/* The ledger and the server's tables in one PostgreSQL database, on one
 * connection, so what a request writes commits with its transfers: a
 * TallyRulesStore, as TallyStore is on SQLite. Use it from one thread at
 * a time. */
G_DECLARE_FINAL_TYPE (TallyPgStore, tally_pg_store, TALLY, PG_STORE, GObject)

/* Connects to @url and brings the ledger's and the server's tables up to
 * date, once however many servers start together: tally-server migrate. */
TallyPgStore  *tally_pg_store_new          (const char    *url,
                                            GError       **error);
/* Connects to @url and checks that the tables are at this Tally's
 * version (TALLY_PG_ERROR_SCHEMA_TOO_OLD or _TOO_NEW if not), changing
 * nothing: what a server does at start. */
TallyPgStore  *tally_pg_store_connect      (const char    *url,
                                            GError       **error);
const char    *tally_pg_store_get_url      (TallyPgStore  *self);
TallyPg       *tally_pg_store_get_pg       (TallyPgStore  *self);
TallyPgLedger *tally_pg_store_get_ledger   (TallyPgStore  *self);

/* As tally_store_create_user(). */
gboolean       tally_pg_store_create_user  (TallyPgStore  *self,
                                            const char    *email,
                                            const char    *name,
                                            const char    *password_hash,
                                            TallyRole      role,
                                            TallyUser     *user,
                                            GError       **error);

/* As tally_store_save_policy(). */
gboolean       tally_pg_store_save_policy  (TallyPgStore       *self,
                                            const char         *account_id,
                                            const TallyPolicy  *policy,
                                            GError            **error);

G_END_DECLS
