/* tally-api-tools.c: the tool registry and cost estimates
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-server.h"

/* How many of the user's latest runs of a tool a typical estimate looks
 * at; the median of them replaces the declared typical. */

gboolean
tally_api_decode_estimate (JsonObject           *body,
                           TallyEstimateRequest *out,
                           TallyProblem         *problem)
{
  memset (out, 0, sizeof *out);

  return tally_json_get_string (body, "tool", TALLY_FIELD_REQUIRED, TALLY_TOOL_ID_MAX - 1,
                                &out->tool, problem) &&
         tally_json_get_object (body, "inputs", TALLY_FIELD_REQUIRED, &out->inputs, problem);
}

/* The registry only changes with a restart, so its version is a fine
 * validator: an app that has it gets a 304 and keeps its copy. */
static gboolean
not_modified (TallyRequest *request,
              const char   *etag)
{
  SoupServerMessage *msg = tally_request_get_message (request);
  const char *match = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "If-None-Match");

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);
  return match != NULL && g_str_equal (match, etag);
}

static void
handle_tools (TallyRequest *request)
{
  TallyToolRegistry *registry = tally_server_get_registry (tally_request_get_server (request));
  g_autofree char *etag = g_strdup_printf ("\"%s\"",
                                           tally_tool_registry_get_version (registry));

  if (not_modified (request, etag))
    {
      tally_request_respond (request, 304, NULL);
      return;
    }

  tally_request_respond (request, 200, tally_tool_registry_to_json (registry));
}

/* The field a tool's input error names: "inputs.pages: must be ...". */
static void
invalid_inputs (TallyProblem *problem,
                const GError *error)
{
  const char *colon = strchr (error->message, ':');
  g_autofree char *field = NULL;

  if (g_str_has_prefix (error->message, "inputs.") && colon != NULL)
    field = g_strndup (error->message, colon - error->message);
  else
    field = g_strdup ("inputs");

  tally_problem_invalid (problem, field, "%s", error->message);
}

/* The user's own settled costs of @tool, newest first. */
static GArray *
recent_costs (TallyRequest *request,
              TallyTool    *tool)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  GArray *costs = tally_api_store_recent_run_costs (store,
                                                    tally_request_get_user (request)->account_id,
                                                    tally_tool_get_id (tool),
                                                    TALLY_ESTIMATE_PAST_RUNS, NULL);

  /* No history is no reason to refuse an estimate. */
  return costs != NULL ? costs : g_array_new (FALSE, FALSE, sizeof (gint64));
}

static JsonObject *
estimate_json (TallyTool           *tool,
               const TallyEstimate *estimate)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "min", estimate->min);
  json_object_set_int_member (object, "typical", estimate->typical);
  json_object_set_int_member (object, "max", estimate->max);
  json_object_set_string_member (object, "unit", tally_tool_get_unit (tool));
  if (estimate->units >= 0)
    json_object_set_int_member (object, "units", estimate->units);
  else
    json_object_set_null_member (object, "units");
  return object;
}

static void
handle_estimate (TallyRequest *request)
{
  TallyToolRegistry *registry = tally_server_get_registry (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GArray) costs = NULL;
  g_autoptr(GError) error = NULL;
  TallyEstimateRequest decoded;
  TallyEstimate estimate;
  TallyTool *tool;

  if (body == NULL || !tally_api_decode_estimate (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  tool = tally_tool_registry_lookup (registry, decoded.tool);
  if (tool == NULL)
    {
      tally_problem_invalid (&problem, "tool", "There is no tool “%s”", decoded.tool);
      tally_request_respond_problem (request, &problem);
      return;
    }

  costs = recent_costs (request, tool);
  if (!tally_tool_estimate (tool, decoded.inputs, (const gint64 *) costs->data, costs->len,
                            &estimate, &error))
    {
      invalid_inputs (&problem, error);
      tally_request_respond_problem (request, &problem);
      return;
    }

  answer = estimate_json (tool, &estimate);
  tally_request_respond_object (request, 200, answer);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/tools", handle_tools, TALLY_ROUTE_PUBLIC },
  { "POST", "/v1/estimate", handle_estimate, TALLY_ROUTE_AUTH | TALLY_ROUTE_KEY_READ },
};

void
tally_api_tools_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
