/* tally-api.h: each API area registers its routes
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-problem.h"
#include "tally-router.h"

G_BEGIN_DECLS

void tally_api_auth_register   (TallyRouter *router);
void tally_api_health_register (TallyRouter *router);
void tally_api_me_register     (TallyRouter *router);
void tally_api_tools_register  (TallyRouter *router);
void tally_api_runs_register   (TallyRouter *router);
void tally_api_transactions_register (TallyRouter *router);
void tally_api_admin_register  (TallyRouter *router);
void tally_api_sync_register   (TallyRouter *router);
void tally_api_payments_register (TallyRouter *router);
void tally_api_webhooks_register (TallyRouter *router);
void tally_api_demo_register   (TallyRouter *router);
void tally_api_audit_register  (TallyRouter *router);
void tally_api_billing_register (TallyRouter *router);
void tally_api_recharge_register (TallyRouter *router);
void tally_api_alerts_register (TallyRouter *router);
void tally_api_outgoing_webhooks_register (TallyRouter *router);
void tally_api_usage_register  (TallyRouter *router);
void tally_api_promos_register (TallyRouter *router);
void tally_api_subscriptions_register (TallyRouter *router);
void tally_api_keys_register   (TallyRouter *router);
void tally_api_users_register  (TallyRouter *router);
void tally_api_privacy_register (TallyRouter *router);
void tally_api_operations_register (TallyRouter *router);

/* Calls every register function above (tally-api.c): the server's router
 * and `tally-server --list-routes` are built by it alone. */
void tally_api_teams_register  (TallyRouter *router);
void tally_api_gifts_register  (TallyRouter *router);
void tally_api_register_all    (TallyRouter *router);

/* GET /v1/usage's answer for @account_id, whose buckets follow @timezone,
 * with the request's granularity, since and until (tally-api-usage.c);
 * NULL with @problem set. *@since and *@until receive the range covered. */
JsonObject *tally_api_usage_of_account (TallyRequest *request,
                                        const char   *account_id,
                                        const char   *timezone,
                                        gint64       *since,
                                        gint64       *until,
                                        TallyProblem *problem);

/* Whether the signed-in user owns or administers the team whose pool is
 * @account_id (tally-api-teams.c). */
gboolean tally_api_manages_pool (TallyRequest *request,
                                 const char   *account_id);

G_END_DECLS
