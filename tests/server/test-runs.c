/* test-runs.c: authorizing and completing runs, limits and hold expiry
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static TestServer *server;
static char *admin;

/* image-convert is priced by the megapixels of its "images" input:
 * 1 + ceil (megapixels / 4), at least 1. 40 hold 11 credits, 20 cost 6. */
#define FORTY_IMAGES "{\"images\": 40}"

static char *
funded_user (const char *email,
             gint64      credits,
             char        account_id[37])
{
  char *token = test_user_new (server, email, account_id);

  if (credits > 0)
    test_grant (server, admin, account_id, credits);
  return token;
}

static TestResponse *
authorize (const char *token,
           const char *id,
           const char *tool,
           const char *inputs)
{
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"%s\", \"inputs\": %s}",
                                           id, tool, inputs);

  return test_request (server, "POST", "/v1/runs", token, body);
}

static TestResponse *
complete (const char *token,
          const char *id,
          const char *body)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);

  return test_request (server, "POST", path, token, body);
}

static TestResponse *
get_run (const char *token,
         const char *id)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s", id);

  return test_request (server, "GET", path, token, NULL);
}

static void
assert_account (const char *token,
                gint64      balance,
                gint64      available,
                gint64      held)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  g_assert_cmpuint (me->status, ==, 200);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, balance);
  g_assert_cmpint (test_response_int (me, "accounts.0.available"), ==, available);
  g_assert_cmpint (test_response_int (me, "accounts.0.held"), ==, held);
}

static char *
new_id (void)
{
  return g_uuid_string_random ();
}

static void
test_succeeded (void)
{
  char account[37];
  g_autofree char *token = funded_user ("succeeded@example.com", 100, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) first = NULL, again = NULL, done = NULL, done_again = NULL;
  g_autoptr(TestResponse) reordered = NULL, run = NULL;

  first = authorize (token, id, "image-convert", "{\"images\": 40, \"format\": \"png\"}");
  g_assert_cmpuint (first->status, ==, 201);
  g_assert_cmpstr (test_response_string (first, "run.id"), ==, id);
  g_assert_cmpstr (test_response_string (first, "run.status"), ==, "authorized");
  g_assert_cmpint (test_response_int (first, "run.held"), ==, 11);
  assert_account (token, 100, 89, 11);

  /* The same request again, members in another order: the same answer,
   * and nothing held twice. */
  reordered = authorize (token, id, "image-convert", "{\"format\": \"png\", \"images\": 40}");
  g_assert_cmpuint (reordered->status, ==, 201);
  g_assert_cmpstr (reordered->body, ==, first->body);
  assert_account (token, 100, 89, 11);

  done = complete (token, id, "{\"units\": 20, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpstr (test_response_string (done, "run.status"), ==, "succeeded");
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 6);
  g_assert_cmpint (test_response_int (done, "run.released"), ==, 5);
  assert_account (token, 94, 94, 0);

  done_again = complete (token, id, "{\"outcome\": \"succeeded\", \"units\": 20}");
  g_assert_cmpuint (done_again->status, ==, 200);
  g_assert_cmpstr (done_again->body, ==, done->body);

  /* Authorizing again answers what the first authorization said. */
  again = authorize (token, id, "image-convert", "{\"images\": 40, \"format\": \"png\"}");
  g_assert_cmpuint (again->status, ==, 201);
  g_assert_cmpstr (again->body, ==, first->body);
  assert_account (token, 94, 94, 0);

  run = get_run (token, id);
  g_assert_cmpuint (run->status, ==, 200);
  g_assert_cmpstr (test_response_string (run, "run.status"), ==, "succeeded");
  g_assert_cmpint (test_response_int (run, "run.charged"), ==, 6);
  g_assert_cmpint (test_response_int (run, "run.units"), ==, 20);
}

static void
test_charge_never_above_hold (void)
{
  char account[37];
  g_autofree char *token = funded_user ("above@example.com", 100, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) first = NULL, done = NULL;

  first = authorize (token, id, "image-convert", "{\"images\": 8}");
  g_assert_cmpint (test_response_int (first, "run.held"), ==, 3);

  /* More units than authorized: the charge stops at the hold. */
  done = complete (token, id, "{\"units\": 400, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 3);
  g_assert_cmpint (test_response_int (done, "run.released"), ==, 0);
  assert_account (token, 97, 97, 0);
}

static void
test_conflicting_retries (void)
{
  char account[37];
  g_autofree char *token = funded_user ("conflict@example.com", 100, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) first = NULL, other_inputs = NULL, other_tool = NULL;
  g_autoptr(TestResponse) done = NULL, other_units = NULL, other_outcome = NULL;

  first = authorize (token, id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (first->status, ==, 201);

  other_inputs = authorize (token, id, "image-convert", "{\"images\": 41}");
  test_assert_error (other_inputs, 409, "idempotency_conflict", NULL);
  other_tool = authorize (token, id, "image-rotate", FORTY_IMAGES);
  test_assert_error (other_tool, 409, "idempotency_conflict", NULL);

  done = complete (token, id, "{\"units\": 12, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (done->status, ==, 200);
  other_units = complete (token, id, "{\"units\": 13, \"outcome\": \"succeeded\"}");
  test_assert_error (other_units, 409, "idempotency_conflict", NULL);
  other_outcome = complete (token, id, "{\"units\": 12, \"outcome\": \"failed\"}");
  test_assert_error (other_outcome, 409, "idempotency_conflict", NULL);

  /* Charged once: 1 + ceil (12 / 4). */
  assert_account (token, 96, 96, 0);
}

static void
check_released (const char *email,
                const char *outcome)
{
  char account[37];
  g_autofree char *token = funded_user (email, 50, account);
  g_autofree char *id = new_id ();
  g_autofree char *body = g_strdup_printf ("{\"outcome\": \"%s\"}", outcome);
  g_autoptr(TestResponse) first = NULL, done = NULL, again = NULL, run = NULL;

  first = authorize (token, id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (first->status, ==, 201);
  assert_account (token, 50, 39, 11);

  done = complete (token, id, body);
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpstr (test_response_string (done, "run.status"), ==, outcome);
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 0);
  g_assert_cmpint (test_response_int (done, "run.released"), ==, 11);
  assert_account (token, 50, 50, 0);

  again = complete (token, id, body);
  g_assert_cmpstr (again->body, ==, done->body);

  run = get_run (token, id);
  g_assert_cmpstr (test_response_string (run, "run.status"), ==, outcome);
}

static void
test_failed (void)
{
  check_released ("failed@example.com", "failed");
}

static void
test_cancelled_shows_voided (void)
{
  char account[37];
  g_autofree char *token = funded_user ("cancelled@example.com", 30, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) first = NULL, done = NULL, list = NULL;
  JsonArray *items;
  guint found = 0;

  first = authorize (token, id, "image-convert", FORTY_IMAGES);
  done = complete (token, id, "{\"units\": 0, \"outcome\": \"cancelled\"}");
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 0);

  list = test_request (server, "GET", "/v1/transactions?type=consumption", token, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  items = json_node_get_array (test_response_member (list, "items"));
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (item, "run_id"), id) != 0)
        continue;
      found++;
      g_assert_cmpstr (json_object_get_string_member (item, "status"), ==, "voided");
      g_assert_cmpint (json_object_get_int_member (item, "amount"), ==, 0);
      g_assert_cmpstr (json_object_get_string_member (item, "tool"), ==, "image-convert");
    }
  g_assert_cmpuint (found, ==, 1);
  assert_account (token, 30, 30, 0);

  check_released ("cancelled2@example.com", "cancelled");
}

static void
test_other_users_run (void)
{
  char account_a[37], account_b[37];
  g_autofree char *ann = funded_user ("owner@example.com", 40, account_a);
  g_autofree char *bob = funded_user ("intruder@example.com", 40, account_b);
  g_autofree char *id = new_id ();
  g_autofree char *unknown = new_id ();
  g_autoptr(TestResponse) first = NULL, steal = NULL, peek = NULL, finish = NULL;
  g_autoptr(TestResponse) missing = NULL, garbage = NULL, pay_other = NULL, pay_own = NULL;
  g_autofree char *other_body = NULL, *own_body = NULL;
  g_autofree char *own_id = new_id ();

  first = authorize (ann, id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (first->status, ==, 201);

  /* Whatever Bob sends, Ann's run does not exist for him. */
  steal = authorize (bob, id, "image-convert", FORTY_IMAGES);
  test_assert_error (steal, 404, "not_found", NULL);
  peek = get_run (bob, id);
  test_assert_error (peek, 404, "not_found", NULL);
  finish = complete (bob, id, "not even json");
  test_assert_error (finish, 404, "not_found", NULL);
  missing = get_run (ann, unknown);
  test_assert_error (missing, 404, "not_found", NULL);
  g_assert_cmpstr (test_response_string (missing, "error.message"), ==,
                   test_response_string (peek, "error.message"));
  garbage = test_request (server, "GET", "/v1/runs/not-a-uuid", ann, NULL);
  test_assert_error (garbage, 404, "not_found", NULL);

  /* An account may be named, and only one's own. */
  other_body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", \"inputs\": "
                                "{\"text\": \"hi\"}, \"account_id\": \"%s\"}", own_id, account_a);
  pay_other = test_request (server, "POST", "/v1/runs", bob, other_body);
  test_assert_error (pay_other, 404, "not_found", NULL);
  own_body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", \"inputs\": "
                              "{\"text\": \"hi\"}, \"account_id\": \"%s\"}", own_id, account_b);
  pay_own = test_request (server, "POST", "/v1/runs", bob, own_body);
  g_assert_cmpuint (pay_own->status, ==, 201);
  g_assert_cmpint (test_response_int (pay_own, "run.held"), ==, 1);

  assert_account (ann, 40, 29, 11);
  assert_account (bob, 40, 39, 1);
}

static void
test_insufficient_credits (void)
{
  char account[37];
  g_autofree char *token = funded_user ("broke@example.com", 5, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) refused = NULL, again = NULL, run = NULL, finish = NULL;
  g_autoptr(TestResponse) small = NULL;
  g_autofree char *small_id = new_id ();

  refused = authorize (token, id, "image-convert", FORTY_IMAGES);
  test_assert_error (refused, 402, "insufficient_credits", NULL);
  g_assert_cmpint (test_response_int (refused, "error.available"), ==, 5);
  g_assert_cmpint (test_response_int (refused, "error.requested"), ==, 11);
  assert_account (token, 5, 5, 0);

  /* Credits arriving later do not change the first answer. */
  test_grant (server, admin, account, 100);
  again = authorize (token, id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (again->status, ==, 402);
  g_assert_cmpstr (again->body, ==, refused->body);

  run = get_run (token, id);
  g_assert_cmpstr (test_response_string (run, "run.status"), ==, "refused");
  finish = complete (token, id, "{\"outcome\": \"failed\"}");
  test_assert_error (finish, 409, "run_not_authorized", NULL);

  small = authorize (token, small_id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (small->status, ==, 201);
  assert_account (token, 105, 94, 11);
}

static TestResponse *
put_limits (const char *token,
            const char *path,
            const char *body)
{
  return test_request (server, "PUT", path, token, body);
}

static void
assert_over_limit (TestResponse *response,
                   const char   *limit,
                   gint64        cap,
                   gint64        spent,
                   gint64        requested)
{
  test_assert_error (response, 403, "limit_exceeded", NULL);
  g_assert_cmpstr (test_response_string (response, "error.limit"), ==, limit);
  g_assert_cmpint (test_response_int (response, "error.cap"), ==, cap);
  g_assert_cmpint (test_response_int (response, "error.spent"), ==, spent);
  g_assert_cmpint (test_response_int (response, "error.requested"), ==, requested);
  if (g_str_equal (limit, "per_run"))
    g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (response, "error.resets_at")));
  else
    g_assert_nonnull (test_response_string (response, "error.resets_at"));
}

static void
test_per_run_limit (void)
{
  char account[37];
  g_autofree char *token = funded_user ("per-run@example.com", 100, account);
  g_autofree char *id = new_id ();
  g_autofree char *fits = new_id ();
  g_autoptr(TestResponse) set = NULL, refused = NULL, again = NULL, ok = NULL;

  set = put_limits (token, "/v1/me/limits", "{\"per_run\": 10}");
  g_assert_cmpuint (set->status, ==, 200);
  g_assert_cmpint (test_response_int (set, "limits.per_run.cap"), ==, 10);
  g_assert_cmpint (test_response_int (set, "limits.per_run.user"), ==, 10);

  refused = authorize (token, id, "image-convert", FORTY_IMAGES);
  assert_over_limit (refused, "per_run", 10, 0, 11);
  assert_account (token, 100, 100, 0);

  /* Recorded: the same id stays refused even once the cap is gone. */
  g_clear_pointer (&set, test_response_free);
  set = put_limits (token, "/v1/me/limits", "{\"per_run\": null}");
  g_assert_cmpuint (set->status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (set, "limits.per_run.cap")));
  again = authorize (token, id, "image-convert", FORTY_IMAGES);
  g_assert_cmpstr (again->body, ==, refused->body);

  ok = authorize (token, fits, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (ok->status, ==, 201);
}

static void
test_daily_limit (void)
{
  char account[37];
  g_autofree char *token = funded_user ("daily@example.com", 100, account);
  g_autofree char *first_id = new_id ();
  g_autofree char *second_id = new_id ();
  g_autoptr(TestResponse) set = NULL, first = NULL, second = NULL, me = NULL;

  set = put_limits (token, "/v1/me/limits", "{\"daily\": 15}");
  g_assert_cmpuint (set->status, ==, 200);

  /* A pending hold counts against the cap as much as a charge. */
  first = authorize (token, first_id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (first->status, ==, 201);
  second = authorize (token, second_id, "image-convert", FORTY_IMAGES);
  assert_over_limit (second, "daily", 15, 11, 11);

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "limits.daily.cap"), ==, 15);
  g_assert_cmpint (test_response_int (me, "limits.daily.spent"), ==, 11);
  g_assert_cmpint (test_response_int (me, "limits.monthly.spent"), ==, 11);
  g_assert_nonnull (test_response_string (me, "limits.daily.resets_at"));
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (me, "limits.monthly.cap")));
}

static void
test_monthly_ceiling (void)
{
  char account[37];
  g_autofree char *token = funded_user ("monthly@example.com", 100, account);
  g_autofree char *path = g_strdup_printf ("/v1/admin/accounts/%s/limits", account);
  g_autofree char *first_id = new_id ();
  g_autofree char *second_id = new_id ();
  g_autoptr(TestResponse) ceiling = NULL, looser = NULL, removed = NULL, tighter = NULL;
  g_autoptr(TestResponse) first = NULL, done = NULL, second = NULL, member = NULL;

  ceiling = put_limits (admin, path, "{\"monthly\": 20}");
  g_assert_cmpuint (ceiling->status, ==, 200);
  g_assert_cmpstr (test_response_string (ceiling, "account_id"), ==, account);
  g_assert_cmpint (test_response_int (ceiling, "limits.monthly.ceiling"), ==, 20);
  g_assert_cmpint (test_response_int (ceiling, "limits.monthly.cap"), ==, 20);

  member = put_limits (token, path, "{\"monthly\": 1000}");
  test_assert_error (member, 403, "forbidden", NULL);

  /* A user may only tighten what the admin set. */
  looser = put_limits (token, "/v1/me/limits", "{\"daily\": 5, \"monthly\": 30}");
  test_assert_error (looser, 400, "invalid_field", "monthly");
  removed = put_limits (token, "/v1/me/limits", "{\"monthly\": 0}");
  test_assert_error (removed, 400, "invalid_field", "monthly");
  tighter = put_limits (token, "/v1/me/limits", "{\"monthly\": 18}");
  g_assert_cmpuint (tighter->status, ==, 200);
  g_assert_cmpint (test_response_int (tighter, "limits.monthly.cap"), ==, 18);
  /* The refused request changed nothing, not even its valid daily cap. */
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (tighter, "limits.daily.cap")));

  first = authorize (token, first_id, "image-convert", FORTY_IMAGES);
  g_assert_cmpuint (first->status, ==, 201);
  done = complete (token, first_id, "{\"units\": 40, \"outcome\": \"succeeded\"}");
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 11);

  second = authorize (token, second_id, "image-convert", FORTY_IMAGES);
  assert_over_limit (second, "monthly", 18, 11, 11);
}

static void
test_limits_bad_bodies (void)
{
  char account[37];
  g_autofree char *token = funded_user ("limits-bad@example.com", 0, account);
  g_autofree char *unknown = g_strdup_printf ("/v1/admin/accounts/%s/limits",
                                              "00000000-0000-4000-8000-0000000000ff");
  g_autoptr(TestResponse) negative = NULL, text = NULL, json = NULL, missing = NULL;
  g_autoptr(TestResponse) anonymous = NULL, system = NULL;

  negative = put_limits (token, "/v1/me/limits", "{\"daily\": -1}");
  test_assert_error (negative, 400, "invalid_field", "daily");
  text = put_limits (token, "/v1/me/limits", "{\"per_run\": \"ten\"}");
  test_assert_error (text, 400, "invalid_field", "per_run");
  json = put_limits (token, "/v1/me/limits", "[]");
  test_assert_error (json, 400, "invalid_json", NULL);
  missing = put_limits (admin, unknown, "{\"daily\": 5}");
  test_assert_error (missing, 404, "not_found", NULL);
  system = put_limits (admin, "/v1/admin/accounts/00000000-0000-4000-8000-000000000004/limits",
                       "{\"daily\": 5}");
  test_assert_error (system, 404, "not_found", NULL);
  anonymous = put_limits (NULL, "/v1/me/limits", "{\"daily\": 5}");
  test_assert_error (anonymous, 401, "unauthorized", NULL);
}

static void
test_bad_bodies (void)
{
  char account[37];
  g_autofree char *token = funded_user ("bad-runs@example.com", 50, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) ok = NULL;
  static const struct
  {
    const char *body;
    const char *code;
    const char *field;
  } cases[] = {
    { "{", "invalid_json", NULL },
    { "{\"tool\": \"image-convert\", \"inputs\": {\"images\": 4}}", "invalid_field", "id" },
    { "{\"id\": \"nope\", \"tool\": \"image-convert\", \"inputs\": {}}", "invalid_field", "id" },
    { "{\"id\": \"@ID@\", \"tool\": \"image-convert\", \"inputs\": [4]}", "invalid_field",
      "inputs" },
    { "{\"id\": \"@ID@\", \"tool\": \"no-such-tool\", \"inputs\": {}}", "invalid_field", "tool" },
    { "{\"id\": \"@ID@\", \"tool\": 5, \"inputs\": {}}", "invalid_field", "tool" },
    { "{\"id\": \"@ID@\", \"tool\": \"image-convert\", \"inputs\": {}}", "invalid_field",
      "inputs.images" },
    { "{\"id\": \"@ID@\", \"tool\": \"image-convert\", \"inputs\": {\"images\": 5000}}",
      "invalid_field", "inputs.images" },
    { "{\"id\": \"@ID@\", \"tool\": \"image-convert\", \"inputs\": {\"images\": 4, "
      "\"format\": \"gif\"}}", "invalid_field", "inputs.format" },
    { "{\"id\": \"@ID@\", \"tool\": \"image-convert\", \"inputs\": {\"images\": 4}, "
      "\"account_id\": 7}", "invalid_field", "account_id" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) body = g_string_new (cases[i].body);
      g_autoptr(TestResponse) response = NULL;

      g_string_replace (body, "@ID@", id, 0);
      response = test_request (server, "POST", "/v1/runs", token, body->str);

      test_assert_error (response, 400, cases[i].code, cases[i].field);
    }

  /* None of it was recorded: the id is still free. */
  ok = authorize (token, id, "image-convert", "{\"images\": 4}");
  g_assert_cmpuint (ok->status, ==, 201);
  g_assert_cmpint (test_response_int (ok, "run.held"), ==, 2);
  assert_account (token, 50, 48, 2);
}

static void
test_bad_completions (void)
{
  char account[37];
  g_autofree char *token = funded_user ("bad-completions@example.com", 50, account);
  g_autofree char *id = new_id ();
  g_autoptr(TestResponse) ok = NULL, done = NULL;
  static const struct
  {
    const char *body;
    const char *code;
    const char *field;
  } cases[] = {
    { "", "invalid_json", NULL },
    { "{\"units\": 3}", "invalid_field", "outcome" },
    { "{\"units\": 3, \"outcome\": \"done\"}", "invalid_field", "outcome" },
    { "{\"outcome\": \"succeeded\"}", "invalid_field", "units" },
    { "{\"units\": -1, \"outcome\": \"succeeded\"}", "invalid_field", "units" },
    { "{\"units\": 1.5, \"outcome\": \"succeeded\"}", "invalid_field", "units" },
  };

  ok = authorize (token, id, "image-convert", "{\"images\": 4}");
  g_assert_cmpuint (ok->status, ==, 201);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) response = complete (token, id, cases[i].body);

      test_assert_error (response, 400, cases[i].code, cases[i].field);
    }
  assert_account (token, 50, 48, 2);

  /* Nothing was settled by them. */
  done = complete (token, id, "{\"units\": 4, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 2);
  assert_account (token, 48, 48, 0);
}

static void
test_anonymous (void)
{
  g_autoptr(TestResponse) run = NULL, finish = NULL, look = NULL;

  run = authorize (NULL, "4a7c2b1e-0000-4000-8000-000000000001", "qr-code", "{}");
  test_assert_error (run, 401, "unauthorized", NULL);
  finish = complete (NULL, "4a7c2b1e-0000-4000-8000-000000000001", "{\"outcome\": \"failed\"}");
  test_assert_error (finish, 401, "unauthorized", NULL);
  look = get_run (NULL, "4a7c2b1e-0000-4000-8000-000000000001");
  test_assert_error (look, 401, "unauthorized", NULL);
}

typedef struct
{
  const char   *token;
  const char   *body;
  TestResponse *response;
} Twin;

static gpointer
send_twin (gpointer data)
{
  Twin *twin = data;
  g_autoptr(SoupSession) session = test_session_new ();

  twin->response = test_request_on (server, session, "POST", "/v1/runs", twin->token, twin->body);
  return NULL;
}

/* Two copies of one authorization racing each other: one hold, one
 * answer. */
static void
test_concurrent_twins (void)
{
  char account[37];
  g_autofree char *token = funded_user ("twins@example.com", 100, account);
  g_autofree char *id = new_id ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-convert\", "
                                           "\"inputs\": " FORTY_IMAGES "}", id);
  Twin twins[4];
  GThread *threads[G_N_ELEMENTS (twins)];

  for (guint i = 0; i < G_N_ELEMENTS (twins); i++)
    {
      twins[i] = (Twin) { token, body, NULL };
      threads[i] = g_thread_new ("twin", send_twin, &twins[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (twins); i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < G_N_ELEMENTS (twins); i++)
    {
      g_assert_cmpuint (twins[i].response->status, ==, 201);
      g_assert_cmpstr (twins[i].response->body, ==, twins[0].response->body);
    }
  for (guint i = 0; i < G_N_ELEMENTS (twins); i++)
    test_response_free (twins[i].response);

  assert_account (token, 100, 89, 11);
}

static void
test_metrics (void)
{
  g_autoptr(TestResponse) metrics = test_request (server, "GET", "/metrics", NULL, NULL);

  g_assert_cmpuint (metrics->status, ==, 200);
  g_assert_nonnull (strstr (metrics->body,
                            "tally_runs_total{tool=\"image-convert\",outcome=\"succeeded\"}"));
  g_assert_nonnull (strstr (metrics->body,
                            "tally_credits_consumed_total{tool=\"image-convert\"}"));
}

/* A hold nobody completes is released by the server's sweep, and a late
 * completion is told so. */
static void
test_hold_expiry (void)
{
  const char *args[] = { "--hold-timeout=1", NULL };
  g_autoptr(TestServer) quick = test_server_start (args);
  g_autofree char *quick_admin = test_admin_new (quick, "admin@example.com");
  g_autofree char *id = new_id ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-convert\", "
                                           "\"inputs\": " FORTY_IMAGES "}", id);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s", id);
  g_autofree char *complete_path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) first = NULL, done = NULL, again = NULL, run = NULL, list = NULL;
  char account[37];
  g_autofree char *token = test_user_new (quick, "late@example.com", account);
  gint64 held = 1;

  test_grant (quick, quick_admin, account, 20);
  first = test_request (quick, "POST", "/v1/runs", token, body);
  g_assert_cmpuint (first->status, ==, 201);

  /* The sweep runs every 5 seconds. */
  for (guint i = 0; i < 100 && held != 0; i++)
    {
      g_autoptr(TestResponse) me = test_request (quick, "GET", "/v1/me", token, NULL);

      held = test_response_int (me, "accounts.0.held");
      if (held != 0)
        g_usleep (100 * 1000);
    }
  g_assert_cmpint (held, ==, 0);

  run = test_request (quick, "GET", path, token, NULL);
  g_assert_cmpstr (test_response_string (run, "run.status"), ==, "expired");

  done = test_request (quick, "POST", complete_path, token,
                       "{\"units\": 40, \"outcome\": \"succeeded\"}");
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpstr (test_response_string (done, "run.status"), ==, "expired");
  g_assert_cmpint (test_response_int (done, "run.charged"), ==, 0);
  g_assert_cmpint (test_response_int (done, "run.released"), ==, 11);
  again = test_request (quick, "POST", complete_path, token,
                        "{\"units\": 40, \"outcome\": \"succeeded\"}");
  g_assert_cmpstr (again->body, ==, done->body);

  list = test_request (quick, "GET", "/v1/transactions?type=consumption", token, NULL);
  g_assert_cmpstr (test_response_string (list, "items.0.status"), ==, "voided");
  g_assert_cmpint (test_response_int (list, "items.0.amount"), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (list, "next_cursor")));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/runs/succeeded", test_succeeded);
  g_test_add_func ("/runs/charge-never-above-hold", test_charge_never_above_hold);
  g_test_add_func ("/runs/conflicting-retries", test_conflicting_retries);
  g_test_add_func ("/runs/failed", test_failed);
  g_test_add_func ("/runs/cancelled-shows-voided", test_cancelled_shows_voided);
  g_test_add_func ("/runs/other-users-run", test_other_users_run);
  g_test_add_func ("/runs/insufficient-credits", test_insufficient_credits);
  g_test_add_func ("/runs/per-run-limit", test_per_run_limit);
  g_test_add_func ("/runs/daily-limit", test_daily_limit);
  g_test_add_func ("/runs/monthly-ceiling", test_monthly_ceiling);
  g_test_add_func ("/runs/limits-bad-bodies", test_limits_bad_bodies);
  g_test_add_func ("/runs/bad-bodies", test_bad_bodies);
  g_test_add_func ("/runs/bad-completions", test_bad_completions);
  g_test_add_func ("/runs/anonymous", test_anonymous);
  g_test_add_func ("/runs/concurrent-twins", test_concurrent_twins);
  g_test_add_func ("/runs/metrics", test_metrics);
  g_test_add_func ("/runs/hold-expiry", test_hold_expiry);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "admin@example.com");
  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
