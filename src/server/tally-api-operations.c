/* tally-api-operations.c: what an admin asks about the service as a whole:
 * GET /v1/admin/analytics (the figures are in tally-analytics.c) and
 * GET /v1/admin/errors (tally-error-log.c)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-analytics.h"
#include "tally-api.h"
#include "tally-api-query.h"
#include "tally-log.h"
#include "tally-server.h"

static void
set_time (JsonObject *object,
          const char *name,
          gint64      microseconds)
{
  g_autofree char *text = tally_time_to_iso8601 (microseconds);

  json_object_set_string_member (object, name, text);
}

static JsonArray *
tools_json (GArray *tools)
{
  JsonArray *array = json_array_sized_new (tools->len);

  for (guint i = 0; i < tools->len; i++)
    {
      const TallyAnalyticsTool *tool = &g_array_index (tools, TallyAnalyticsTool, i);
      JsonObject *object = json_object_new ();

      if (tool->tool_id[0] != '\0')
        json_object_set_string_member (object, "tool", tool->tool_id);
      else
        json_object_set_null_member (object, "tool");
      json_object_set_int_member (object, "runs", tool->runs);
      json_object_set_int_member (object, "credits", tool->credits);
      json_object_set_int_member (object, "users", tool->users);
      json_array_add_object_element (array, object);
    }
  return array;
}

/* @slots as [{NAME: first + i, credits, runs}]. */
static JsonArray *
slots_json (const TallyAnalyticsSlot *slots,
            guint                     n_slots,
            const char               *name,
            gint64                    first)
{
  JsonArray *array = json_array_sized_new (n_slots);

  for (guint i = 0; i < n_slots; i++)
    {
      JsonObject *object = json_object_new ();

      json_object_set_int_member (object, name, first + i);
      json_object_set_int_member (object, "credits", slots[i].credits);
      json_object_set_int_member (object, "runs", slots[i].runs);
      json_array_add_object_element (array, object);
    }
  return array;
}

static JsonArray *
packs_json (GArray *packs)
{
  JsonArray *array = json_array_sized_new (packs->len);

  for (guint i = 0; i < packs->len; i++)
    {
      const TallyAnalyticsPack *pack = &g_array_index (packs, TallyAnalyticsPack, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "pack", pack->pack_id);
      json_object_set_string_member (object, "currency", pack->currency);
      json_object_set_int_member (object, "purchases", pack->purchases);
      json_object_set_int_member (object, "buyers", pack->buyers);
      json_object_set_int_member (object, "credits", pack->credits);
      json_object_set_int_member (object, "amount", pack->amount);
      json_array_add_object_element (array, object);
    }
  return array;
}

static JsonObject *
purchases_json (const TallyAnalytics *analytics)
{
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "by_pack", packs_json (analytics->packs));
  json_object_set_int_member (object, "purchases", analytics->buyers.purchases);
  json_object_set_int_member (object, "buyers", analytics->buyers.buyers);
  json_object_set_int_member (object, "repeat_buyers", analytics->buyers.repeat_buyers);
  json_object_set_int_member (object, "repeat_rate_per_mille", analytics->repeat_rate_per_mille);
  if (analytics->median_seconds_between >= 0)
    json_object_set_int_member (object, "median_seconds_between",
                                analytics->median_seconds_between);
  else
    json_object_set_null_member (object, "median_seconds_between");
  return object;
}

static JsonArray *
funnel_json (const TallyAnalytics *analytics)
{
  JsonArray *array = json_array_sized_new (TALLY_FUNNEL_N_STEPS);

  for (guint i = 0; i < TALLY_FUNNEL_N_STEPS; i++)
    {
      const TallyAnalyticsStep *step = &analytics->funnel[i];
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "step", tally_funnel_step_to_string (i));
      json_object_set_int_member (object, "users", step->users);
      json_object_set_int_member (object, "per_mille_of_registered",
                                  step->per_mille_of_registered);
      json_object_set_int_member (object, "per_mille_of_previous", step->per_mille_of_previous);
      json_array_add_object_element (array, object);
    }
  return array;
}

static JsonObject *
analytics_json (const TallyAnalytics *analytics)
{
  JsonObject *body = json_object_new ();
  JsonObject *consumption = json_object_new ();

  set_time (body, "since", analytics->since);
  set_time (body, "until", analytics->until);
  json_object_set_array_member (body, "tools", tools_json (analytics->tools));
  json_object_set_array_member (consumption, "by_hour",
                                slots_json (analytics->by_hour, 24, "hour", 0));
  json_object_set_array_member (consumption, "by_weekday",
                                slots_json (analytics->by_weekday, 7, "weekday", 1));
  json_object_set_object_member (body, "consumption", consumption);
  json_object_set_object_member (body, "purchases", purchases_json (analytics));
  json_object_set_array_member (body, "funnel", funnel_json (analytics));
  return body;
}

static void
analytics_problem (TallyAnalyticsResult  result,
                   TallyProblem         *problem)
{
  switch (result)
    {
    case TALLY_ANALYTICS_EMPTY_RANGE:
      tally_problem_invalid (problem, "until", "“until” must be after “since”");
      break;
    case TALLY_ANALYTICS_TOO_LONG:
      tally_problem_invalid (problem, "since", "The range may be at most %d days",
                             TALLY_ANALYTICS_MAX_DAYS);
      break;
    case TALLY_ANALYTICS_OK:
    case TALLY_ANALYTICS_FAILED:
    default:
      tally_problem_set (problem, 500, "internal_error", NULL,
                         "The analytics cannot be read now; try again");
      break;
    }
}

static void
handle_analytics (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_auto(TallyAnalytics) analytics = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  TallyAnalyticsQuery query = { .now = g_get_real_time () };
  TallyAnalyticsResult result;

  if (!tally_api_parse_time_range (request, &query.since, &query.until, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  result = tally_analytics_compute (store, &query, &analytics, &error);
  if (result != TALLY_ANALYTICS_OK)
    {
      if (error != NULL)
        tally_log_warning ("analytics_failed", error->message);
      analytics_problem (result, &problem);
      tally_request_respond_problem (request, &problem);
      return;
    }

  body = analytics_json (&analytics);
  tally_request_respond_object (request, 200, body);
}

static JsonObject *
group_json (const TallyErrorGroup *group)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "method", group->method);
  json_object_set_string_member (object, "route", group->route);
  json_object_set_int_member (object, "status", group->status);
  json_object_set_string_member (object, "code", group->code);
  json_object_set_int_member (object, "count", group->count);
  set_time (object, "first_seen", group->first_seen);
  set_time (object, "last_seen", group->last_seen);
  json_object_set_string_member (object, "sample_request_id", group->sample_request_id);
  return object;
}

static void
handle_errors (TallyRequest *request)
{
  TallyErrorLog *log = tally_server_get_error_log (tally_request_get_server (request));
  g_autoptr(GArray) groups = tally_error_log_list (log);
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *items = json_array_sized_new (groups->len);

  for (guint i = 0; i < groups->len; i++)
    json_array_add_object_element (items,
                                   group_json (&g_array_index (groups, TallyErrorGroup, i)));

  set_time (body, "since", tally_error_log_started (log));
  json_object_set_int_member (body, "capacity", tally_error_log_capacity (log));
  json_object_set_int_member (body, "evicted", (gint64) tally_error_log_evicted (log));
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/admin/analytics", handle_analytics, TALLY_ROUTE_ADMIN },
  { "GET", "/v1/admin/errors", handle_errors, TALLY_ROUTE_ADMIN },
};

void
tally_api_operations_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
