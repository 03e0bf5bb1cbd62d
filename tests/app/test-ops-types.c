/* test-ops-types.c: the analytics and the error groups typed from replies
 * of every shape, and the analytics as CSV
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No window and no server: the replies are written here, wrong on
 * purpose.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "tally-client.h"
#include "tally-ops-report.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

#define SLOT "{\"credits\": 0, \"runs\": 0}"
#define SLOTS4 SLOT ", " SLOT ", " SLOT ", " SLOT
#define DAYS "[" SLOTS4 ", " SLOT ", " SLOT ", {\"credits\": 7, \"runs\": 2}]"
#define HOURS "[" SLOTS4 ", " SLOTS4 ", " SLOTS4 ", " SLOTS4 ", " SLOTS4 ", " SLOT ", " SLOT \
              ", " SLOT ", {\"hour\": 23, \"credits\": 30, \"runs\": 3}]"
#define STEP(name, users, rate) \
  "{\"step\": \"" name "\", \"users\": " #users ", \"per_mille_of_registered\": " #rate \
  ", \"per_mille_of_previous\": " #rate "}"
#define FUNNEL "[" STEP ("registered", 4, 1000) ", " STEP ("first_run", 2, 500) ", " \
               STEP ("first_purchase", 1, 250) ", " STEP ("second_purchase", 1, 250) "]"

/* A reply as the server writes it; @tools, @median and @pack vary. */
static char *
analytics_json (const char *tools,
                const char *hours,
                const char *median,
                const char *pack)
{
  return g_strdup_printf ("{\"since\": \"2026-11-06T23:00:00Z\", \"until\": \"2026-12-07T00:00:00Z\","
                          " \"tools\": %s, \"consumption\": {\"by_hour\": %s, \"by_weekday\": "
                          DAYS "}, \"purchases\": {\"by_pack\": [{\"pack\": \"%s\", \"currency\": "
                          "\"eur\", \"purchases\": 2, \"buyers\": 1, \"credits\": 1000, "
                          "\"amount\": 1000}], \"purchases\": 2, \"buyers\": 1, "
                          "\"repeat_buyers\": 1, \"repeat_rate_per_mille\": 1000, "
                          "\"median_seconds_between\": %s}, \"funnel\": " FUNNEL "}",
                          tools, hours, pack, median);
}

#define TOOLS "[{\"tool\": \"qr-code\", \"runs\": 3, \"credits\": 30, \"users\": 2}, " \
              "{\"tool\": null, \"runs\": 1, \"credits\": 7, \"users\": 0}]"

static void
test_analytics (void)
{
  g_autofree char *json = analytics_json (TOOLS, HOURS, "42", "starter");
  g_autoptr(JsonObject) object = parse_object (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAnalytics) analytics = tally_analytics_new_from_json (object, &error);
  TallyAnalyticsItem *tool, *hour, *day, *step;

  g_assert_no_error (error);
  g_assert_cmpuint (analytics->tools->len, ==, 2);
  tool = analytics->tools->pdata[0];
  g_assert_cmpstr (tool->name, ==, "qr-code");
  g_assert_cmpint (tool->count, ==, 3);
  g_assert_cmpint (tool->credits, ==, 30);
  g_assert_cmpint (tool->users, ==, 2);
  /* Consumption of no tool. */
  g_assert_null (((TallyAnalyticsItem *) analytics->tools->pdata[1])->name);
  g_assert_cmpuint (analytics->hours->len, ==, 24);
  hour = analytics->hours->pdata[23];
  g_assert_cmpint (hour->credits, ==, 30);
  g_assert_cmpint (hour->count, ==, 3);
  day = analytics->days->pdata[6];
  g_assert_cmpint (day->credits, ==, 7);
  g_assert_cmpint (analytics->median_seconds_between, ==, 42);
  g_assert_cmpint (analytics->repeat_per_mille, ==, 1000);
  step = analytics->funnel->pdata[1];
  g_assert_cmpstr (step->name, ==, "first_run");
  g_assert_cmpint (step->count, ==, 2);
  g_assert_cmpint (step->per_mille, ==, 500);
}

static void
test_analytics_no_repeat (void)
{
  g_autofree char *json = analytics_json ("[]", HOURS, "null", "starter");
  g_autoptr(JsonObject) object = parse_object (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAnalytics) analytics = tally_analytics_new_from_json (object, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (analytics->tools->len, ==, 0);
  g_assert_cmpint (analytics->median_seconds_between, ==, -1);
}

/* Each reply wrong in one way: refused whole, in words. */
static void
test_analytics_malformed (void)
{
  const char *hours_23 = "[" SLOTS4 ", " SLOTS4 ", " SLOTS4 ", " SLOTS4 ", " SLOTS4 ", " SLOT ", "
                         SLOT ", " SLOT "]";
  char *cases[] = {
    analytics_json ("{}", HOURS, "1", "starter"),
    analytics_json ("[{\"tool\": 5, \"runs\": 1, \"credits\": 1, \"users\": 1}]", HOURS, "1",
                    "starter"),
    analytics_json ("[{\"tool\": \"a\", \"runs\": \"1\", \"credits\": 1, \"users\": 1}]", HOURS,
                    "1", "starter"),
    analytics_json ("[{\"tool\": \"a\", \"runs\": 1, \"credits\": 1.5, \"users\": 1}]", HOURS,
                    "1", "starter"),
    analytics_json ("[{\"runs\": 1, \"credits\": 1, \"users\": 1}]", HOURS, "1", "starter"),
    analytics_json ("[{\"tool\": \"a\", \"runs\": -1, \"credits\": 1, \"users\": 1}]", HOURS,
                    "1", "starter"),
    analytics_json ("[3]", HOURS, "1", "starter"),
    analytics_json (TOOLS, hours_23, "1", "starter"),
    analytics_json (TOOLS, HOURS, "true", "starter"),
    analytics_json (TOOLS, HOURS, "\"1\"", "starter"),
    g_strdup ("{\"since\": \"x\"}"),
    g_strdup ("{}"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = parse_object (cases[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyAnalytics) analytics = tally_analytics_new_from_json (object, &error);

      g_test_message ("case %u", i);
      g_assert_null (analytics);
      g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
      g_assert_cmpstr (error->message, ==, "The server sent figures Tally does not understand");
      g_free (cases[i]);
    }
}

/* A name a spreadsheet would run as a formula stays text. */
static void
test_analytics_csv (void)
{
  g_autofree char *json = analytics_json (TOOLS, HOURS, "null", "=HYPERLINK(\\\"x\\\")");
  g_autoptr(JsonObject) object = parse_object (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAnalytics) analytics = tally_analytics_new_from_json (object, &error);
  g_autofree char *csv = NULL;

  g_assert_no_error (error);
  csv = tally_analytics_to_csv (analytics);
  g_assert_true (g_str_has_prefix (csv, "section,item,measure,value\r\n"
                                        "tool,qr-code,runs,3\r\n"
                                        "tool,qr-code,credits,30\r\n"
                                        "tool,qr-code,users,2\r\n"
                                        "tool,,runs,1\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nhour_utc,23,credits,30\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nweekday,7,credits,7\r\n"));
  g_assert_nonnull (strstr (csv, "\r\npack,\"'=HYPERLINK(\"\"x\"\")\",purchases,2\r\n"));
  g_assert_null (strstr (csv, "median_seconds_between"));
  g_assert_true (g_str_has_suffix (csv, "\r\nfunnel,second_purchase,per_mille_of_registered,250\r\n"));
}

#define GROUP "{\"method\": \"POST\", \"route\": \"/v1/runs\", \"status\": 402, " \
              "\"code\": \"insufficient_credits\", \"count\": 3, " \
              "\"first_seen\": \"2026-12-06T10:00:00Z\", \"last_seen\": \"2026-12-06T11:00:00Z\", " \
              "\"sample_request_id\": \"5b1c3f0e-2a43-4c8e-9d0b-0e6f7a1c2d3e\"}"

static void
test_error_groups (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"since\": \"2026-12-06T09:00:00Z\", "
                                               "\"capacity\": 256, \"evicted\": 1, "
                                               "\"items\": [" GROUP "]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyErrorGroups) groups = tally_error_groups_new_from_json (object, &error);
  TallyErrorGroup *group;

  g_assert_no_error (error);
  g_assert_cmpint (groups->evicted, ==, 1);
  g_assert_cmpuint (groups->items->len, ==, 1);
  group = groups->items->pdata[0];
  g_assert_cmpstr (group->method, ==, "POST");
  g_assert_cmpstr (group->route, ==, "/v1/runs");
  g_assert_cmpint (group->status, ==, 402);
  g_assert_cmpstr (group->code, ==, "insufficient_credits");
  g_assert_cmpint (group->count, ==, 3);
  g_assert_cmpstr (group->request_id, ==, "5b1c3f0e-2a43-4c8e-9d0b-0e6f7a1c2d3e");
}

static void
test_error_groups_malformed (void)
{
  const char *cases[] = {
    "{}",
    "{\"since\": \"2026-12-06T09:00:00Z\", \"evicted\": 0}",
    "{\"since\": \"2026-12-06T09:00:00Z\", \"evicted\": 0, \"items\": {}}",
    "{\"since\": 1, \"evicted\": 0, \"items\": []}",
    "{\"since\": \"2026-12-06T09:00:00Z\", \"evicted\": 0, \"items\": [1]}",
    "{\"since\": \"2026-12-06T09:00:00Z\", \"evicted\": 0, \"items\": [{\"code\": \"x\"}]}",
    "{\"since\": \"2026-12-06T09:00:00Z\", \"evicted\": \"0\", \"items\": []}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = parse_object (cases[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyErrorGroups) groups = tally_error_groups_new_from_json (object, &error);

      g_test_message ("case %u", i);
      g_assert_null (groups);
      g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ops-types/analytics", test_analytics);
  g_test_add_func ("/ops-types/analytics-no-repeat", test_analytics_no_repeat);
  g_test_add_func ("/ops-types/analytics-malformed", test_analytics_malformed);
  g_test_add_func ("/ops-types/analytics-csv", test_analytics_csv);
  g_test_add_func ("/ops-types/error-groups", test_error_groups);
  g_test_add_func ("/ops-types/error-groups-malformed", test_error_groups_malformed);

  return g_test_run ();
}
