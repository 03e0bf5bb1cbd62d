/* tally-pg-store-private.h: what the PostgreSQL store's files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-pg-store.h"

G_BEGIN_DECLS

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

/* TallyApiStore: tally-pg-store-api.c, which calls the others. */
void     tally_pg_store_api_init            (TallyApiStoreInterface *iface);
void     tally_pg_store_accounts_api_init   (TallyApiStoreInterface *iface);
void     tally_pg_store_keys_api_init       (TallyApiStoreInterface *iface);
void     tally_pg_store_webhooks_api_init   (TallyApiStoreInterface *iface);
void     tally_pg_store_billing_api_init    (TallyApiStoreInterface *iface);
void     tally_pg_store_pages_api_init      (TallyApiStoreInterface *iface);
void     tally_pg_store_analytics_api_init  (TallyApiStoreInterface *iface);

G_END_DECLS
