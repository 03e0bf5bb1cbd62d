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

/* Readers and helpers the rules' files share with the API's: row @row of
 * the columns of tally-store-sql.h. */
void     tally_pg_store_read_payment      (const PGresult     *res,
                                           int                 row,
                                           TallyPayment       *payment);
void     tally_pg_store_read_subscription (const PGresult     *res,
                                           int                 row,
                                           TallySubscription  *subscription);
void     tally_pg_store_read_team         (const PGresult     *res,
                                           int                 row,
                                           TallyTeam          *team);
void     tally_pg_store_read_member       (const PGresult     *res,
                                           int                 row,
                                           TallyTeamMember    *member);
void     tally_pg_store_read_promo        (const PGresult     *res,
                                           int                 row,
                                           TallyPromoCode     *promo);
void     tally_pg_store_read_alert        (const PGresult     *res,
                                           int                 row,
                                           TallyAlert         *alert);
/* The gifts @sql (TALLY_STORE_GIFTS_SELECT and a WHERE on $1) finds: an
 * array of TallyGift, or NULL and @error. */
GArray  *tally_pg_store_gifts_where       (TallyPg            *pg,
                                           const char         *sql,
                                           const char         *value,
                                           GError            **error);
/* The spend in @policy's day and month windows at @now, from the
 * ledger's tables; a window left out reads as nothing spent. */
gboolean tally_pg_store_sum_windows       (TallyRulesStore    *rules,
                                           const char         *account_id,
                                           const TallyPolicy  *policy,
                                           gint64              now,
                                           gboolean            daily,
                                           gboolean            monthly,
                                           TallySpend         *spend,
                                           GError            **error);

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

/* tally-pg-store-notify.c */
#define TALLY_PG_STORE_COMMITS_CHANNEL "tally_commits"
gboolean tally_pg_store_watch_commits       (TallyApiStore    *api,
                                             TallyCommitHook   func,
                                             gpointer          data,
                                             GCancellable     *cancellable);

/* TallyApiStore: tally-pg-store-api.c, which calls the others. */
void     tally_pg_store_api_init            (TallyApiStoreInterface *iface);
void     tally_pg_store_accounts_api_init   (TallyApiStoreInterface *iface);
void     tally_pg_store_keys_api_init       (TallyApiStoreInterface *iface);
void     tally_pg_store_webhooks_api_init   (TallyApiStoreInterface *iface);
void     tally_pg_store_billing_api_init    (TallyApiStoreInterface *iface);
void     tally_pg_store_pages_api_init      (TallyApiStoreInterface *iface);
void     tally_pg_store_analytics_api_init  (TallyApiStoreInterface *iface);
void     tally_pg_store_shared_api_init     (TallyApiStoreInterface *iface);

G_END_DECLS
