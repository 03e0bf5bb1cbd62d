/* test-analytics.c: GET /v1/admin/analytics against the sums the test makes
 * of a history it built (users who never run, who run but never buy, who
 * buy once and twice, consumption at chosen hours), what it refuses, and
 * GET /v1/admin/errors
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-error-log.h"
#include "tally-test-history.h"

#define SECOND G_GINT64_CONSTANT (1000000)
#define HOUR   (3600 * SECOND)
#define DAY    (24 * HOUR)

/* What the test expects of one tool. */
typedef struct
{
  gint64      runs;
  gint64      credits;
  GHashTable *users;
} ToolSums;

static void
tool_sums_free (gpointer data)
{
  ToolSums *sums = data;

  g_hash_table_unref (sums->users);
  g_free (sums);
}

/* tool id -> ToolSums */
static GHashTable *
tool_sums_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, tool_sums_free);
}

static ToolSums *
tool_sums_get (GHashTable *tools,
               const char *tool)
{
  ToolSums *sums = g_hash_table_lookup (tools, tool);

  if (sums == NULL)
    {
      sums = g_new0 (ToolSums, 1);
      sums->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (tools, g_strdup (tool), sums);
    }
  return sums;
}

static gint64
parse_utc (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * SECOND;
}

static TestResponse *
get_analytics (TestServer *server,
               const char *token,
               const char *query)
{
  g_autofree char *path = g_strconcat ("/v1/admin/analytics", query, NULL);
  TestResponse *response = test_request (server, "GET", path, token, NULL);

  g_test_message ("GET %s → %u %s", path, response->status, response->body);
  return response;
}

/* Authorizes and completes a run of @tool as @token; returns what it
 * charged. */
static gint64
run_tool (TestServer *server,
          const char *token,
          const char *tool,
          const char *inputs,
          const char *outcome)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"%s\", \"inputs\": %s}",
                                           id, tool, inputs);
  g_autofree char *complete = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) authorized = test_request (server, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) completed = NULL;

  g_assert_cmpuint (authorized->status, ==, 201);
  completed = test_request (server, "POST", complete, token,
                            g_str_equal (outcome, "succeeded")
                            ? "{\"outcome\": \"succeeded\", \"units\": 1}"
                            : "{\"outcome\": \"failed\", \"units\": 0}");
  g_assert_cmpuint (completed->status, ==, 200);
  return test_response_int (completed, "run.charged");
}

/* Buys @pack with the demo provider, as a user would press Pay. */
static void
buy (TestServer *server,
     const char *token,
     const char *pack)
{
  g_autofree char *body = g_strdup_printf ("{\"pack\": \"%s\"}", pack);
  g_autoptr(TestResponse) checkout = test_request (server, "POST", "/v1/checkout", token, body);
  g_autoptr(TestResponse) paid = NULL;
  g_autofree char *pay = NULL;

  g_assert_cmpuint (checkout->status, ==, 200);
  pay = g_strconcat (test_response_string (checkout, "url") + strlen (server->base_url), "/pay",
                     NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
}

static void
record_run (GHashTable *tools,
            const char *tool,
            const char *user,
            gint64      charged)
{
  ToolSums *sums = tool_sums_get (tools, tool);

  sums->runs++;
  sums->credits += charged;
  g_hash_table_add (sums->users, g_strdup (user));
}

static void
assert_tools (TestResponse *response,
              GHashTable   *expected,
              gboolean      with_users)
{
  JsonArray *tools = json_node_get_array (test_response_member (response, "tools"));
  gint64 previous = G_MAXINT64;

  g_assert_cmpuint (json_array_get_length (tools), ==, g_hash_table_size (expected));
  for (guint i = 0; i < json_array_get_length (tools); i++)
    {
      JsonObject *tool = json_array_get_object_element (tools, i);
      ToolSums *sums = g_hash_table_lookup (expected, json_object_get_string_member (tool, "tool"));

      g_assert_nonnull (sums);
      g_assert_cmpint (json_object_get_int_member (tool, "runs"), ==, sums->runs);
      g_assert_cmpint (json_object_get_int_member (tool, "credits"), ==, sums->credits);
      if (with_users)
        g_assert_cmpint (json_object_get_int_member (tool, "users"), ==,
                         g_hash_table_size (sums->users));
      /* Most credits first. */
      g_assert_cmpint (sums->credits, <=, previous);
      previous = sums->credits;
    }
}

/* by_hour (24) or by_weekday (7) against @credits and @runs. */
static void
assert_slots (TestResponse *response,
              const char   *name,
              const char   *key,
              guint         first,
              const gint64 *credits,
              const gint64 *runs,
              guint         n_slots)
{
  g_autofree char *path = g_strconcat ("consumption.", name, NULL);
  JsonArray *slots = json_node_get_array (test_response_member (response, path));

  g_assert_cmpuint (json_array_get_length (slots), ==, n_slots);
  for (guint i = 0; i < n_slots; i++)
    {
      JsonObject *slot = json_array_get_object_element (slots, i);

      g_assert_cmpint (json_object_get_int_member (slot, key), ==, first + i);
      g_assert_cmpint (json_object_get_int_member (slot, "credits"), ==, credits[i]);
      g_assert_cmpint (json_object_get_int_member (slot, "runs"), ==, runs[i]);
    }
}

static gint64
per_mille (gint64 part,
           gint64 whole)
{
  return whole > 0 ? part * 1000 / whole : 0;
}

static void
assert_funnel (TestResponse *response,
               const gint64  users[4])
{
  static const char * const steps[] = {
    "registered", "first_run", "first_purchase", "second_purchase",
  };
  JsonArray *funnel = json_node_get_array (test_response_member (response, "funnel"));

  g_assert_cmpuint (json_array_get_length (funnel), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *step = json_array_get_object_element (funnel, i);

      g_assert_cmpstr (json_object_get_string_member (step, "step"), ==, steps[i]);
      g_assert_cmpint (json_object_get_int_member (step, "users"), ==, users[i]);
      g_assert_cmpint (json_object_get_int_member (step, "per_mille_of_registered"), ==,
                       per_mille (users[i], users[0]));
      g_assert_cmpint (json_object_get_int_member (step, "per_mille_of_previous"), ==,
                       i == 0 ? 1000 : per_mille (users[i], users[i - 1]));
    }
}

/* --- a history made through the API --- */

static void
test_history (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *idle = test_user_new (server, "idle@example.com", NULL);
  g_autofree char *runner = NULL, *once = NULL, *twice = NULL;
  g_autoptr(GHashTable) tools = tool_sums_new ();
  g_autoptr(TestResponse) response = NULL;
  gint64 started = g_get_real_time ();
  char runner_account[37];
  gint64 by_hour_credits[24] = { 0 }, by_hour_runs[24] = { 0 };
  gint64 by_day_credits[7] = { 0 }, by_day_runs[7] = { 0 };
  gint64 total_credits = 0, total_runs = 0, ended;
  const gint64 funnel[4] = { 5, 3, 2, 1 };
  g_autoptr(GDateTime) start_time = NULL, end_time = NULL;
  JsonObject *purchases;
  JsonArray *packs;

  g_assert_nonnull (idle);
  runner = test_user_new (server, "runner@example.com", runner_account);
  once = test_user_new (server, "once@example.com", NULL);
  twice = test_user_new (server, "twice@example.com", NULL);

  /* The runner has granted credits only; a failed run posts nothing. */
  test_grant (server, admin, runner_account, 1000);
  record_run (tools, "qr-code", "runner",
              run_tool (server, runner, "qr-code", "{\"text\": \"a\"}", "succeeded"));
  record_run (tools, "qr-code", "runner",
              run_tool (server, runner, "qr-code", "{\"text\": \"b\"}", "succeeded"));
  g_assert_cmpint (run_tool (server, runner, "image-resize", "{\"images\": 2}", "failed"), ==, 0);

  buy (server, once, "starter");
  record_run (tools, "image-resize", "once",
              run_tool (server, once, "image-resize", "{\"images\": 3}", "succeeded"));

  buy (server, twice, "starter");
  buy (server, twice, "standard");
  record_run (tools, "qr-code", "twice",
              run_tool (server, twice, "qr-code", "{\"text\": \"c\"}", "succeeded"));

  response = get_analytics (server, admin, "");
  ended = g_get_real_time ();
  g_assert_cmpuint (response->status, ==, 200);
  assert_tools (response, tools, TRUE);
  assert_funnel (response, funnel);

  /* The default range: 30 days up to now, in whole hours. */
  g_assert_cmpint (parse_utc (test_response_string (response, "until")), >=, started);
  g_assert_cmpint (parse_utc (test_response_string (response, "until")) % HOUR, ==, 0);
  g_assert_cmpint (parse_utc (test_response_string (response, "until")) -
                   parse_utc (test_response_string (response, "since")), >=, 30 * DAY);

  purchases = json_node_get_object (test_response_member (response, "purchases"));
  g_assert_cmpint (json_object_get_int_member (purchases, "purchases"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (purchases, "buyers"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (purchases, "repeat_buyers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (purchases, "repeat_rate_per_mille"), ==, 500);
  /* One gap, the one between the two purchases of the test's last buyer. */
  g_assert_cmpint (json_object_get_int_member (purchases, "median_seconds_between"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (purchases, "median_seconds_between"), <=,
                   (ended - started) / SECOND + 1);
  packs = json_object_get_array_member (purchases, "by_pack");
  g_assert_cmpuint (json_array_get_length (packs), ==, 2);
  /* starter: two buyers, once each; standard: one. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (packs, 0),
                                                  "pack"), ==, "starter");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (packs, 0),
                                               "purchases"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (packs, 0),
                                               "buyers"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (packs, 0),
                                               "credits"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (packs, 0),
                                               "amount"), ==, 1000);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (packs, 1),
                                                  "pack"), ==, "standard");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (packs, 1),
                                               "credits"), ==, 2200);

  /* Every run happened between started and ended: in that hour and day
   * when they are one (the test may straddle an hour: then the totals). */
  start_time = g_date_time_new_from_unix_utc (started / SECOND);
  end_time = g_date_time_new_from_unix_utc (ended / SECOND);
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, tools);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        total_credits += ((ToolSums *) value)->credits;
        total_runs += ((ToolSums *) value)->runs;
      }
  }
  if (started / HOUR == ended / HOUR)
    {
      by_hour_credits[g_date_time_get_hour (start_time)] = total_credits;
      by_hour_runs[g_date_time_get_hour (start_time)] = total_runs;
      by_day_credits[g_date_time_get_day_of_week (start_time) - 1] = total_credits;
      by_day_runs[g_date_time_get_day_of_week (start_time) - 1] = total_runs;
      assert_slots (response, "by_hour", "hour", 0, by_hour_credits, by_hour_runs, 24);
      assert_slots (response, "by_weekday", "weekday", 1, by_day_credits, by_day_runs, 7);
    }
  else
    g_test_message ("The test straddled an hour: only totals are checked");
  {
    JsonArray *hours = json_node_get_array (test_response_member (response,
                                                                  "consumption.by_hour"));
    gint64 sum = 0;

    for (guint i = 0; i < json_array_get_length (hours); i++)
      sum += json_object_get_int_member (json_array_get_object_element (hours, i), "credits");
    g_assert_cmpint (sum, ==, total_credits);
  }
}

/* A range that ended before all of it: nothing, and no median. */
static void
test_empty_range (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *member = test_user_new (server, "member@example.com", NULL);
  g_autoptr(TestResponse) response = NULL;
  const gint64 funnel[4] = { 0, 0, 0, 0 };

  buy (server, member, "starter");
  buy (server, member, "starter");
  response = get_analytics (server, admin, "?since=2020-01-01&until=2020-02-01");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpint (parse_utc (test_response_string (response, "since")), ==, parse_utc ("2020-01-01T00:00:00Z"));
  g_assert_cmpint (parse_utc (test_response_string (response, "until")), ==, parse_utc ("2020-02-01T00:00:00Z"));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (
                      test_response_member (response, "tools"))), ==, 0);
  g_assert_cmpint (test_response_int (response, "purchases.purchases"), ==, 0);
  g_assert_cmpint (test_response_int (response, "purchases.repeat_rate_per_mille"), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (response,
                                                             "purchases.median_seconds_between")));
  assert_funnel (response, funnel);
}

/* --- consumption at chosen hours, written into the ledger --- */

typedef struct
{
  const char *at;
  const char *tool;
  gint64      amount;
} PastRun;

static const PastRun past_runs[] = {
  /* A Monday, a Wednesday and a Sunday of the range; the hour before and
   * the hour after it do not count. */
  { "2026-11-01T23:59:59Z", "qr-code", 100 },
  { "2026-11-02T09:30:00Z", "qr-code", 5 },
  { "2026-11-02T09:59:59Z", "image-resize", 11 },
  { "2026-11-04T17:10:00Z", "image-resize", 7 },
  { "2026-11-08T09:00:00Z", "qr-code", 3 },
  { "2026-11-08T23:15:00Z", "text-statistics", 2 },
  { "2026-11-09T00:00:00Z", "qr-code", 100 },
};

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

/* A grant before them all, then offline runs, as a sync posts them: one
 * consumption transfer each. The ledger's times only go forward, so the
 * whole history is written in the past, in its order. */
static void
write_past_runs (TestServer *server,
                 const char *account)
{
  g_autofree char *grant_id = g_uuid_string_random ();
  TestHistory *ledger;
  TallyTransfer transfer;

  test_server_stop (server, FALSE);
  ledger = test_history_open (server, fake_clock, NULL);

  fake_now = parse_utc ("2026-10-01T00:00:00Z");
  tally_transfer_init (&transfer, grant_id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       account, 1000, TALLY_TRANSFER_KIND_GRANT);
  test_history_submit (ledger, &transfer);
  for (guint i = 0; i < G_N_ELEMENTS (past_runs); i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      fake_now = parse_utc (past_runs[i].at);
      tally_transfer_init (&transfer, id, account,
                           tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION),
                           past_runs[i].amount, TALLY_TRANSFER_KIND_CONSUMPTION);
      tally_transfer_set_tool_id (&transfer, past_runs[i].tool);
      tally_transfer_set_ref (&transfer, id);
      test_history_submit (ledger, &transfer);
    }
  test_history_close (ledger);
  test_server_restart (server);
}

static void
test_hours_and_weekdays (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autoptr(GHashTable) tools = tool_sums_new ();
  g_autoptr(TestResponse) response = NULL;
  gint64 since = parse_utc ("2026-11-02T00:00:00Z"), until = parse_utc ("2026-11-09T00:00:00Z");
  gint64 hour_credits[24] = { 0 }, hour_runs[24] = { 0 };
  gint64 day_credits[7] = { 0 }, day_runs[7] = { 0 };
  char account[37];
  g_autofree char *member = test_user_new (server, "past@example.com", account);

  g_assert_nonnull (member);
  write_past_runs (server, account);

  for (guint i = 0; i < G_N_ELEMENTS (past_runs); i++)
    {
      gint64 at = parse_utc (past_runs[i].at);
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (at / SECOND);
      ToolSums *sums;

      if (at < since || at >= until)
        continue;
      sums = tool_sums_get (tools, past_runs[i].tool);
      sums->runs++;
      sums->credits += past_runs[i].amount;
      hour_credits[g_date_time_get_hour (time)] += past_runs[i].amount;
      hour_runs[g_date_time_get_hour (time)]++;
      day_credits[g_date_time_get_day_of_week (time) - 1] += past_runs[i].amount;
      day_runs[g_date_time_get_day_of_week (time) - 1]++;
    }

  /* Bounds inside the hours widen to them. */
  response = get_analytics (server, admin,
                            "?since=2026-11-02T00:30:00Z&until=2026-11-08T23:00:01Z");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpint (parse_utc (test_response_string (response, "since")), ==, parse_utc ("2026-11-02T00:00:00Z"));
  g_assert_cmpint (parse_utc (test_response_string (response, "until")), ==, parse_utc ("2026-11-09T00:00:00Z"));
  /* Offline runs have no runs row: no users are counted for them. */
  assert_tools (response, tools, FALSE);
  assert_slots (response, "by_hour", "hour", 0, hour_credits, hour_runs, 24);
  assert_slots (response, "by_weekday", "weekday", 1, day_credits, day_runs, 7);
  g_assert_cmpint (day_credits[0], ==, 16);
  g_assert_cmpint (day_credits[6], ==, 5);
  g_assert_cmpint (hour_credits[9], ==, 19);
}

/* --- what it refuses --- */

static void
test_refusals (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *member = test_user_new (server, "member@example.com", NULL);
  static const struct
  {
    const char *query;
    const char *field;
  } bad[] = {
    { "?since=yesterday", "since" },
    { "?until=2026-13-01", "until" },
    { "?since=2026-01-01&until=2025-01-01", "until" },
    { "?since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until" },
    { "?since=2000-01-01&until=2026-01-01", "since" },
    { "?since=99999999999999999999", "since" },
  };
  const char * const paths[] = { "/v1/admin/analytics", "/v1/admin/errors" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TestResponse) response = get_analytics (server, admin, bad[i].query);

      test_assert_error (response, 400, "invalid_field", bad[i].field);
    }

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(TestResponse) anonymous = test_request (server, "GET", paths[i], NULL, NULL);
      g_autoptr(TestResponse) forbidden = test_request (server, "GET", paths[i], member, NULL);

      test_assert_error (anonymous, 401, "unauthorized", NULL);
      test_assert_error (forbidden, 403, "forbidden", NULL);
    }
}

/* --- the error groups --- */

static JsonObject *
find_group (TestResponse *response,
            const char   *method,
            const char   *route,
            const char   *code)
{
  JsonArray *items = json_node_get_array (test_response_member (response, "items"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *group = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (group, "method"), method) &&
          g_str_equal (json_object_get_string_member (group, "route"), route) &&
          g_str_equal (json_object_get_string_member (group, "code"), code))
        return group;
    }
  return NULL;
}

static void
test_error_groups (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  g_autofree char *member = test_user_new (server, "member@example.com", NULL);
  g_autoptr(TestResponse) list = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autofree char *big = NULL;
  JsonObject *group;
  gint64 before = g_get_real_time () / SECOND * SECOND;

  for (guint i = 0; i < 3; i++)
    test_response_free (test_request (server, "GET", "/v1/me", NULL, NULL));
  test_response_free (test_request (server, "GET", "/no/such/path", NULL, NULL));
  test_response_free (test_request (server, "GET", "/v1/admin/errors", member, NULL));
  test_response_free (test_request (server, "POST", "/v1/runs", member, "{"));
  test_response_free (test_request (server, "POST", "/v1/runs", member,
                                    "{\"id\": \"not-a-uuid\", \"tool\": \"qr-code\", "
                                    "\"inputs\": {}}"));
  test_response_free (test_request (server, "INVENTED", "/v1/me", member, NULL));
  big = g_strnfill (2 * 1024 * 1024, ' ');
  test_response_free (test_request (server, "POST", "/v1/runs", member, big));
  test_response_free (get_analytics (server, admin, "?since=x"));

  list = test_request (server, "GET", "/v1/admin/errors", admin, NULL);
  g_test_message ("%s", list->body);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_cmpint (test_response_int (list, "capacity"), ==, TALLY_ERROR_LOG_CAPACITY);
  g_assert_cmpint (test_response_int (list, "evicted"), ==, 0);
  g_assert_cmpint (parse_utc (test_response_string (list, "since")), <=, before);

  group = find_group (list, "GET", "/v1/me", "unauthorized");
  g_assert_nonnull (group);
  g_assert_cmpint (json_object_get_int_member (group, "count"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (group, "status"), ==, 401);
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (group,
                                                                        "sample_request_id")));
  g_assert_cmpint (parse_utc (json_object_get_string_member (group, "first_seen")), >=, before);
  g_assert_cmpint (parse_utc (json_object_get_string_member (group, "first_seen")), <=,
                   parse_utc (json_object_get_string_member (group, "last_seen")));

  g_assert_nonnull (find_group (list, "GET", "unmatched", "not_found"));
  g_assert_nonnull (find_group (list, "GET", "/v1/admin/errors", "forbidden"));
  g_assert_nonnull (find_group (list, "POST", "/v1/runs", "invalid_json"));
  g_assert_nonnull (find_group (list, "POST", "/v1/runs", "invalid_field"));
  /* Refused from its headers, before the body was read. */
  g_assert_nonnull (find_group (list, "POST", "/v1/runs", "body_too_large"));
  g_assert_nonnull (find_group (list, "GET", "/v1/admin/analytics", "invalid_field"));
  /* A method the client made up is "other", as in /metrics. */
  g_assert_nonnull (find_group (list, "other", "unmatched", "method_not_allowed"));
  /* Answers that were no error are not there. */
  g_assert_null (find_group (list, "GET", "/v1/admin/errors", "unknown"));

  /* Most recently seen first: the analytics refusal came last. */
  group = json_array_get_object_element (json_node_get_array (test_response_member (list,
                                                                                    "items")), 0);
  g_assert_cmpstr (json_object_get_string_member (group, "route"), ==, "/v1/admin/analytics");

  /* In memory only: a restart starts afresh. */
  test_server_restart (server);
  g_free (admin);
  admin = test_admin_new (server, "admin2@example.com");
  again = test_request (server, "GET", "/v1/admin/errors", admin, NULL);
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_null (find_group (again, "GET", "/v1/me", "unauthorized"));
}

/* The log keeps at most its capacity; the least recently seen goes. */
static void
test_error_log_bounded (void)
{
  g_autoptr(TallyErrorLog) log = tally_error_log_new (3);
  g_autoptr(GArray) groups = NULL;
  const char *id = "00000000-0000-4000-8000-000000000000";

  tally_error_log_record (log, "GET", "/a", 404, "not_found", id, 10);
  tally_error_log_record (log, "GET", "/b", 404, "not_found", id, 20);
  tally_error_log_record (log, "GET", "/c", 400, NULL, id, 30);
  tally_error_log_record (log, "GET", "/a", 404, "not_found", id, 40);
  tally_error_log_record (log, "GET", "/d", 500, "internal_error", id, 50);

  groups = tally_error_log_list (log);
  g_assert_cmpuint (groups->len, ==, 3);
  g_assert_cmpuint (tally_error_log_evicted (log), ==, 1);
  g_assert_cmpstr (g_array_index (groups, TallyErrorGroup, 0).route, ==, "/d");
  g_assert_cmpstr (g_array_index (groups, TallyErrorGroup, 1).route, ==, "/a");
  g_assert_cmpint (g_array_index (groups, TallyErrorGroup, 1).count, ==, 2);
  g_assert_cmpint (g_array_index (groups, TallyErrorGroup, 1).first_seen, ==, 10);
  g_assert_cmpstr (g_array_index (groups, TallyErrorGroup, 2).code, ==, "unknown");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/analytics/history", test_history);
  g_test_add_func ("/analytics/empty-range", test_empty_range);
  g_test_add_func ("/analytics/hours-and-weekdays", test_hours_and_weekdays);
  g_test_add_func ("/analytics/refusals", test_refusals);
  g_test_add_func ("/admin-errors/groups", test_error_groups);
  g_test_add_func ("/admin-errors/bounded", test_error_log_bounded);

  return g_test_run ();
}
