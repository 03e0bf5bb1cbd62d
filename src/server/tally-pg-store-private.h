/* tally-pg-store-private.h: what the PostgreSQL store's files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-pg-store.h"

G_BEGIN_DECLS

/* Takes the ledger's transaction-scoped advisory lock, LEDGER_LOCK in
 * tally-pg-ledger.c, which every ledger batch takes first. Audit appends
 * and sweeps take the same one, so no two such locks are ever taken in
 * either order (test-rules-store-audit checks a transaction holds one). */
#define TALLY_PG_STORE_LOCK_LEDGER "SELECT pg_advisory_xact_lock (7308332170357122305)"

/* The store's connection, as a TallyRulesStore's calls reach it. */
TallyPg *tally_pg_store_pg          (TallyRulesStore  *rules);
/* TALLY_STORE_ERROR_NOT_FOUND with @message; FALSE. */
gboolean tally_pg_store_not_found   (GError          **error,
                                     const char       *message);

/* Each file of the store sets the interface's calls it implements. */
void     tally_pg_store_users_init  (TallyRulesStoreInterface *iface);
void     tally_pg_store_runs_init   (TallyRulesStoreInterface *iface);
void     tally_pg_store_teams_init  (TallyRulesStoreInterface *iface);
void     tally_pg_store_payments_init (TallyRulesStoreInterface *iface);
void     tally_pg_store_recharge_init (TallyRulesStoreInterface *iface);
void     tally_pg_store_subscriptions_init (TallyRulesStoreInterface *iface);
void     tally_pg_store_audit_init  (TallyRulesStoreInterface *iface);
void     tally_pg_store_sweep_init  (TallyRulesStoreInterface *iface);
void     tally_pg_store_gifts_init  (TallyRulesStoreInterface *iface);
void     tally_pg_store_promos_init (TallyRulesStoreInterface *iface);
void     tally_pg_store_alerts_init (TallyRulesStoreInterface *iface);

G_END_DECLS
