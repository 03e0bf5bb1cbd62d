/* tally-api-usage.c: GET /v1/usage, an account's spending by day, week or
 * month (the sums themselves are in tally-usage-report.c)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-api.h"
#include "tally-api-query.h"
#include "tally-server.h"
#include "tally-store.h"
#include "tally-store-keys.h"
#include "tally-usage-report.h"

/* The account to read and the zone its buckets follow: the user's own by
 * default, or the pool of a team they own or administer; another only for
 * an admin, and then any user or team account.
 * Anything else is missing, as ownership is everywhere (404), so an answer
 * never tells whether someone else's account exists. */
static gboolean
parse_account (TallyRequest    *request,
               TallyUsageReportQuery *query,
               TallyProblem    *problem)
{
  TallyServer *server = tally_request_get_server (request);
  const TallyUser *user = tally_request_get_user (request);
  const char *text = tally_api_query_value (request, "account_id");
  TallyAccount account;
  TallyUser owner;

  g_strlcpy (query->account_id, user->account_id, sizeof query->account_id);
  g_strlcpy (query->timezone, user->timezone, sizeof query->timezone);
  if (text == NULL)
    return TRUE;

  if (!g_uuid_string_is_valid (text))
    {
      tally_problem_invalid (problem, "account_id", "“account_id” must be an account's UUID");
      return FALSE;
    }
  g_strlcpy (query->account_id, text, sizeof query->account_id);
  for (char *c = query->account_id; *c != '\0'; c++)
    *c = g_ascii_tolower (*c);
  if (g_str_equal (query->account_id, user->account_id) ||
      tally_api_manages_pool (request, query->account_id))
    return TRUE;

  if (user->role != TALLY_ROLE_ADMIN ||
      !tally_rules_store_lookup_account (tally_server_get_rules_store (server), query->account_id,
                                         &account,
                                         NULL) ||
      (account.kind != TALLY_ACCOUNT_KIND_USER && account.kind != TALLY_ACCOUNT_KIND_TEAM))
    {
      tally_problem_set (problem, 404, "not_found", "account_id", "There is no such account");
      return FALSE;
    }

  if (tally_rules_store_find_user_by_account (tally_server_get_rules_store (server),
                                              query->account_id,
                                              &owner, NULL))
    g_strlcpy (query->timezone, owner.timezone, sizeof query->timezone);
  else
    g_strlcpy (query->timezone, account.timezone, sizeof query->timezone);
  return TRUE;
}

static gboolean
parse_range (TallyRequest          *request,
             TallyUsageReportQuery *query,
             TallyProblem          *problem)
{
  const char *granularity = tally_api_query_value (request, "granularity");

  query->granularity = TALLY_PERIOD_DAY;
  if (granularity != NULL &&
      !tally_usage_report_granularity_from_string (granularity, &query->granularity))
    {
      tally_problem_invalid (problem, "granularity", "“granularity” must be day, week or month");
      return FALSE;
    }

  query->now = g_get_real_time ();
  return tally_api_parse_time_range (request, &query->since, &query->until, problem);
}

static gboolean
parse_query (TallyRequest    *request,
             TallyUsageReportQuery *query,
             TallyProblem    *problem)
{
  return parse_range (request, query, problem) && parse_account (request, query, problem);
}

/* A bucket's start as the local midnight it is, with its offset. */
static char *
local_time (GTimeZone *zone,
            gint64     microseconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (microseconds / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return NULL;
  local = g_date_time_to_timezone (utc, zone);
  /* As every other time of the API when the offset is zero; GLib's own
   * ISO 8601 would shorten "+01:00" to "+01". */
  return g_date_time_format (local, g_date_time_get_utc_offset (local) == 0
                                    ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S%:z");
}

static JsonArray *
buckets_json (const TallyUsageReport *usage,
              GTimeZone        *zone)
{
  JsonArray *array = json_array_sized_new (usage->buckets->len);

  for (guint i = 0; i < usage->buckets->len; i++)
    {
      const TallyUsageReportBucket *bucket = &g_array_index (usage->buckets,
                                                             TallyUsageReportBucket, i);
      g_autofree char *start = local_time (zone, bucket->start);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "start", start);
      json_object_set_int_member (object, "spent", bucket->spent);
      json_object_set_int_member (object, "runs", bucket->runs);
      json_object_set_int_member (object, "purchased", bucket->purchased);
      json_object_set_int_member (object, "refunded", bucket->refunded);
      json_array_add_object_element (array, object);
    }

  return array;
}

static JsonArray *
tools_json (const TallyUsageReport *usage)
{
  JsonArray *array = json_array_sized_new (usage->tools->len);

  for (guint i = 0; i < usage->tools->len; i++)
    {
      const TallyUsageReportTool *tool = &g_array_index (usage->tools, TallyUsageReportTool, i);
      JsonObject *object = json_object_new ();

      if (tool->tool_id[0] != '\0')
        json_object_set_string_member (object, "tool", tool->tool_id);
      else
        json_object_set_null_member (object, "tool");
      json_object_set_int_member (object, "spent", tool->spent);
      json_object_set_int_member (object, "runs", tool->runs);
      json_array_add_object_element (array, object);
    }

  return array;
}

static JsonObject *
usage_json (const TallyUsageReport      *usage,
            const TallyUsageReportQuery *query)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (query->timezone);
  JsonObject *body = json_object_new ();
  JsonObject *projection = json_object_new ();

  if (zone == NULL)
    zone = g_time_zone_new_utc ();

  json_object_set_string_member (body, "granularity",
                                 tally_usage_report_granularity_to_string (usage->granularity));
  json_object_set_array_member (body, "buckets", buckets_json (usage, zone));
  json_object_set_array_member (body, "by_tool", tools_json (usage));

  if (usage->has_days_left)
    json_object_set_int_member (projection, "days_left", usage->days_left);
  else
    json_object_set_null_member (projection, "days_left");
  json_object_set_int_member (projection, "month_end_spent", usage->month_end_spent);
  json_object_set_object_member (body, "projection", projection);
  return body;
}

/* The report of @query as the API answers it, or NULL with @problem set
 * (400 for a range it cannot cover, 500). *@since and *@until receive the
 * range it covers. */
static JsonObject *
usage_body (TallyRequest                *request,
            const TallyUsageReportQuery *query,
            gint64                      *since,
            gint64                      *until,
            TallyProblem                *problem)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(TallyUsageReport) usage = NULL;
  g_autoptr(GError) error = NULL;

  usage = tally_usage_report_compute (store, query, &error);
  if (usage == NULL && error->domain == TALLY_USAGE_REPORT_ERROR)
    {
      tally_problem_invalid (problem, error->code == TALLY_USAGE_REPORT_ERROR_EMPTY_RANGE
                                      ? "until" : "since", "%s", error->message);
      return NULL;
    }
  if (usage == NULL)
    {
      tally_problem_set (problem, 500, "internal_error", NULL,
                         "The usage cannot be read now; try again");
      return NULL;
    }

  *since = usage->since;
  *until = usage->until;
  return usage_json (usage, query);
}

/* What runs made with API keys spent, by key (docs/api-keys.md). */
static JsonArray *
keys_json (GArray *rows)
{
  JsonArray *array = json_array_sized_new (rows->len);

  for (guint i = 0; i < rows->len; i++)
    {
      const TallyKeyUsage *row = &g_array_index (rows, TallyKeyUsage, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "key_id", row->key_id);
      json_object_set_string_member (object, "name", row->name);
      json_object_set_string_member (object, "prefix", row->prefix);
      json_object_set_int_member (object, "spent", row->spent);
      json_object_set_int_member (object, "runs", row->runs);
      json_array_add_object_element (array, object);
    }
  return array;
}

static gboolean
add_by_key (TallyRequest *request,
            JsonObject   *body,
            const char   *account_id,
            gint64        since,
            gint64        until)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(GArray) rows = tally_api_store_usage_by_key (store, account_id, since, until, NULL);

  if (rows == NULL)
    return FALSE;
  json_object_set_array_member (body, "by_key", keys_json (rows));
  return TRUE;
}

JsonObject *
tally_api_usage_of_account (TallyRequest *request,
                            const char   *account_id,
                            const char   *timezone,
                            gint64       *since,
                            gint64       *until,
                            TallyProblem *problem)
{
  TallyUsageReportQuery query = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if (!parse_range (request, &query, problem))
    return NULL;

  g_strlcpy (query.account_id, account_id, sizeof query.account_id);
  g_strlcpy (query.timezone, timezone, sizeof query.timezone);
  body = usage_body (request, &query, since, until, problem);
  if (body != NULL && !add_by_key (request, body, account_id, *since, *until))
    {
      tally_problem_set (problem, 500, "internal_error", NULL,
                         "The usage cannot be read now; try again");
      g_clear_pointer (&body, json_object_unref);
    }
  return g_steal_pointer (&body);
}

static void
handle_usage (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyUsageReportQuery query = { 0 };
  g_autoptr(JsonObject) body = NULL;
  gint64 since, until;

  if (parse_query (request, &query, &problem))
    body = usage_body (request, &query, &since, &until, &problem);
  if (body != NULL && !add_by_key (request, body, query.account_id, since, until))
    {
      tally_problem_set (&problem, 500, "internal_error", NULL,
                         "The usage cannot be read now; try again");
      g_clear_pointer (&body, json_object_unref);
    }
  if (body == NULL)
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  tally_request_respond_object (request, 200, body);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/usage", handle_usage, TALLY_ROUTE_AUTH },
};

void
tally_api_usage_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
