/* tally-api-health.c: /healthz and /metrics
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-api.h"
#include "tally-gauges.h"
#include "tally-server.h"
#include "tally-writer.h"

static void
handle_healthz (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(JsonObject) body = json_object_new ();
  TallyAccount account;
  g_autoptr(GError) error = NULL;

  /* A read that touches the store: the ledger answers, or the check fails. */
  if (!tally_rules_store_lookup_account (store,
                                         tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                                         &account, &error))
    {
      tally_request_respond_error (request, 503, "unhealthy", "The ledger does not answer: %s",
                                   error->message);
      return;
    }

  /* Reads still work on a full disk; writes do not, and that is worth
   * waking someone for. */
  switch (tally_writer_get_storage_state (tally_server_get_writer (server)))
    {
    case TALLY_STORAGE_FULL:
      tally_request_respond_error (request, 503, "unhealthy",
                                   "The disk is full: writes are refused until there is room");
      return;
    case TALLY_STORAGE_FAILING:
      tally_request_respond_error (request, 503, "unhealthy", "The ledger cannot be written");
      return;
    case TALLY_STORAGE_OK:
    default:
      break;
    }

  json_object_set_string_member (body, "status", "ok");
  json_object_set_string_member (body, "version", PACKAGE_VERSION);
  json_object_set_int_member (body, "last_seq", tally_rules_store_get_last_seq (store));
  json_object_set_string_member (body, "tools_version",
                                 tally_tool_registry_get_version (tally_server_get_registry (server)));
  tally_request_respond_object (request, 200, body);
}

static void
handle_metrics (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);

  tally_gauges_refresh (server);
  tally_request_respond_text (request, 200, "text/plain; version=0.0.4; charset=utf-8",
                              tally_metrics_render (tally_server_get_metrics (server)));
}

static const TallyRoute routes[] = {
  { "GET", "/healthz", handle_healthz, TALLY_ROUTE_PUBLIC },
  { "GET", "/metrics", handle_metrics, TALLY_ROUTE_PUBLIC },
};

void
tally_api_health_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
