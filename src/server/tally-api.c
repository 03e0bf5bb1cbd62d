/* tally-api.c: every API area's routes, in one place
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-api.h"

/* The one list of API areas: the server answers with it, and
 * `tally-server --list-routes` prints it for the OpenAPI check. A new
 * tally-api-*.c adds its register call here, nowhere else. */
void
tally_api_register_all (TallyRouter *router)
{
  g_return_if_fail (TALLY_IS_ROUTER (router));

  tally_api_auth_register (router);
  tally_api_gifts_register (router);
  tally_api_health_register (router);
  tally_api_me_register (router);
  tally_api_tools_register (router);
  tally_api_runs_register (router);
  tally_api_transactions_register (router);
  tally_api_admin_register (router);
  tally_api_sync_register (router);
  tally_api_payments_register (router);
  tally_api_webhooks_register (router);
  tally_api_demo_register (router);
  tally_api_audit_register (router);
  tally_api_billing_register (router);
  tally_api_recharge_register (router);
  tally_api_alerts_register (router);
  tally_api_outgoing_webhooks_register (router);
  tally_api_usage_register (router);
  tally_api_promos_register (router);
  tally_api_subscriptions_register (router);
  tally_api_keys_register (router);
  tally_api_teams_register (router);
  tally_api_users_register (router);
  tally_api_operations_register (router);
  tally_api_privacy_register (router);
}
