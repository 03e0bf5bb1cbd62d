/* test-plan-types.c: plans and the subscription decoded from replies of
 * every shape, and the day format the Overview uses
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No window and no server. G_DEBUG=fatal-warnings makes a json-glib
 * critical fail the test too.
 */

#include "config.h"

#include "tally-client.h"
#include "tally-format.h"
#include "tally-plan.h"
#include "tally-subscription.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_plan_complete (void)
{
  g_autoptr(JsonObject) object = parse_object (
    "{\"id\": \"basic\", \"name\": \"Basic\", \"credits_per_period\": 1000,"
    " \"interval\": \"month\", \"price\": {\"amount\": 900, \"currency\": \"eur\"}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyPlan) plan = tally_plan_new_from_json (object, &error);
  g_autofree char *price = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (tally_plan_get_id (plan), ==, "basic");
  g_assert_cmpstr (tally_plan_get_name (plan), ==, "Basic");
  g_assert_cmpint (tally_plan_get_credits (plan), ==, 1000);
  g_assert_cmpint (tally_plan_get_amount (plan), ==, 900);
  price = tally_plan_format_price (plan);
  g_assert_cmpstr (price, ==, "€9.00");
}

/* Without an id, credits or a price it is no plan; wrong types are not
 * read as anything. */
static void
test_plan_malformed (void)
{
  static const char *replies[] = {
    "{}",
    "{\"id\": \"a\", \"credits_per_period\": 10}",
    "{\"id\": 5, \"credits_per_period\": 10, \"price\": {\"amount\": 1}}",
    "{\"id\": \"a\", \"credits_per_period\": \"10\", \"price\": {\"amount\": 1}}",
    "{\"id\": \"a\", \"credits_per_period\": 0, \"price\": {\"amount\": 1}}",
    "{\"id\": \"a\", \"credits_per_period\": 10, \"price\": [1]}",
    "{\"id\": \"a\", \"credits_per_period\": 10, \"price\": {\"amount\": -1}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonObject) object = parse_object (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyPlan) plan = tally_plan_new_from_json (object, &error);

      g_test_message ("reply %s", replies[i]);
      g_assert_null (plan);
      g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
    }
}

static void
test_subscription_reply (void)
{
  g_autoptr(JsonObject) object = parse_object (
    "{\"subscription\": {\"id\": \"0b7c1f9e-2f52-4a39-9d5e-9a1e3c1f0a11\", \"plan\": \"plus\","
    " \"status\": \"active\", \"current_period_end\": \"2027-01-03T10:00:00Z\","
    " \"cancel_at_period_end\": true}}");
  g_autoptr(JsonObject) none = parse_object ("{\"subscription\": null}");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallySubscription) subscription = tally_subscription_new_from_reply (object, &error);
  g_autoptr(TallySubscription) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (subscription->plan, ==, "plus");
  g_assert_cmpstr (subscription->status, ==, "active");
  g_assert_true (subscription->cancel_at_period_end);
  g_assert_cmpint (g_date_time_get_day_of_month (subscription->period_end), ==, 3);
  copy = tally_subscription_copy (subscription);
  g_assert_cmpstr (copy->plan, ==, "plus");

  g_assert_null (tally_subscription_new_from_reply (none, &error));
  g_assert_no_error (error);
}

static void
test_subscription_malformed (void)
{
  static const char *replies[] = {
    "{}",
    "{\"subscription\": 5}",
    "{\"subscription\": {\"plan\": \"plus\"}}",
    "{\"subscription\": {\"plan\": 1, \"status\": \"active\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonObject) object = parse_object (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallySubscription) subscription = tally_subscription_new_from_reply (object,
                                                                                     &error);

      g_test_message ("reply %s", replies[i]);
      g_assert_null (subscription);
      g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
    }

  /* A period end that is not a time, or a flag that is not a boolean,
   * reads as unknown and not cancelled. */
  {
    g_autoptr(JsonObject) object = parse_object (
      "{\"subscription\": {\"plan\": \"plus\", \"status\": \"past_due\","
      " \"current_period_end\": \"soon\", \"cancel_at_period_end\": \"yes\"}}");
    g_autoptr(TallySubscription) subscription = tally_subscription_new_from_reply (object, NULL);

    g_assert_nonnull (subscription);
    g_assert_null (subscription->period_end);
    g_assert_false (subscription->cancel_at_period_end);
  }
}

static void
test_format_day (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) this_year = g_date_time_new_local (g_date_time_get_year (now), 1, 3,
                                                          12, 0, 0);
  g_autoptr(GDateTime) other_year = g_date_time_new_local (2031, 11, 21, 12, 0, 0);
  g_autofree char *short_day = tally_format_day (this_year);
  g_autofree char *long_day = tally_format_day (other_year);

  g_assert_cmpstr (short_day, ==, "3 January");
  g_assert_cmpstr (long_day, ==, "21 November 2031");
}

/* The caps of the admin's users list, in words (C locale: no grouping). */
static void
test_format_limits (void)
{
  static const struct
  {
    gint64      per_run, daily, monthly;
    const char *words;
  } cases[] = {
    { 0, 0, 0, "No spend limits" },
    { 0, 100, 0, "100 credits a day, no monthly limit" },
    { 0, 0, 2000, "no daily limit, 2000 credits a month" },
    { 0, 1, 30, "1 credit a day, 30 credits a month" },
    { 40, 0, 0, "at most 40 credits a run, no daily limit, no monthly limit" },
    { 40, 300, 2000, "at most 40 credits a run, 300 credits a day, 2000 credits a month" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *words = tally_format_limits (cases[i].per_run, cases[i].daily,
                                                    cases[i].monthly);

      g_assert_cmpstr (words, ==, cases[i].words);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plan-types/plan/complete", test_plan_complete);
  g_test_add_func ("/plan-types/plan/malformed", test_plan_malformed);
  g_test_add_func ("/plan-types/subscription/reply", test_subscription_reply);
  g_test_add_func ("/plan-types/subscription/malformed", test_subscription_malformed);
  g_test_add_func ("/plan-types/format-day", test_format_day);
  g_test_add_func ("/plan-types/format-limits", test_format_limits);

  return g_test_run ();
}
