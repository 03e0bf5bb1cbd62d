/* test-ops-metrics.c: the operator's metrics of /metrics (issue 22) against
 * what the test did: outstanding credits and holds, sign-ups, the checkout
 * funnel, the writer's commits, the database's size, and every series of a
 * closed label set served from the start
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

/* The value of the series that starts a line with @series (its name and
 * labels, as served), or -1 when there is none. */
static gint64
metric (TestServer *server,
        const char *series)
{
  g_autoptr(TestResponse) response = test_request (server, "GET", "/metrics", NULL, NULL);
  g_autofree char *start = g_strconcat ("\n", series, " ", NULL);
  const char *found;

  g_assert_cmpuint (response->status, ==, 200);
  found = strstr (response->body, start);
  if (found == NULL)
    return -1;
  return g_ascii_strtoll (found + strlen (start), NULL, 10);
}

static void
test_declared_at_zero (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  static const char * const series[] = {
    "tally_emails_total{outcome=\"sent\"}",
    "tally_emails_total{outcome=\"failed\"}",
    "tally_webhook_deliveries_total{outcome=\"delivered\"}",
    "tally_webhook_deliveries_total{outcome=\"failed\"}",
    "tally_webhook_deliveries_total{outcome=\"retry\"}",
    "tally_alerts_total{kind=\"spend\"}",
    "tally_alerts_total{kind=\"low_balance\"}",
    "tally_payments_total{outcome=\"checkout_failed\"}",
    "tally_payments_total{outcome=\"recharge_failed\"}",
    "tally_signups_total",
    "tally_credits_purchased_total",
    "tally_checkouts{stage=\"started\"}",
    "tally_checkouts{stage=\"abandoned\"}",
    "tally_outstanding_credits{kind=\"user\"}",
    "tally_outstanding_credits{kind=\"team\"}",
    "tally_holds_outstanding_credits",
    "tally_holds_outstanding",
  };

  for (guint i = 0; i < G_N_ELEMENTS (series); i++)
    {
      g_test_message ("%s", series[i]);
      g_assert_cmpint (metric (server, series[i]), ==, 0);
    }
}

static void
test_outstanding_and_holds (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *admin = test_admin_new (server, "admin@example.com");
  char a[37], b[37];
  g_autofree char *alice = test_user_new (server, "alice@example.com", a);
  g_autofree char *bob = test_user_new (server, "bob@example.com", b);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                           "\"inputs\": {\"images\": 4}}", id);
  g_autoptr(TestResponse) run = NULL;
  g_autoptr(TestResponse) team = NULL;
  gint64 held;

  test_grant (server, admin, a, 300);
  test_grant (server, admin, b, 45);
  g_assert_cmpint (metric (server, "tally_outstanding_credits{kind=\"user\"}"), ==, 345);
  g_assert_cmpint (metric (server, "tally_signups_total"), ==, 2);

  /* A hold is still the user's, and outstanding as a hold too. */
  run = test_request (server, "POST", "/v1/runs", alice, body);
  g_assert_cmpuint (run->status, ==, 201);
  held = test_response_int (run, "run.held");
  g_assert_cmpint (held, >, 0);
  g_assert_cmpint (metric (server, "tally_outstanding_credits{kind=\"user\"}"), ==, 345);
  g_assert_cmpint (metric (server, "tally_holds_outstanding_credits"), ==, held);
  g_assert_cmpint (metric (server, "tally_holds_outstanding"), ==, 1);
  g_assert_cmpint (metric (server, "tally_outstanding_credits{kind=\"team\"}"), ==, 0);

  /* A team's pool is the liability too, apart. */
  team = test_request (server, "POST", "/v1/teams", bob, "{\"name\": \"Pool\"}");
  g_assert_cmpuint (team->status, ==, 201);
  test_grant (server, admin, test_response_string (team, "team.account_id"), 70);
  g_assert_cmpint (metric (server, "tally_outstanding_credits{kind=\"team\"}"), ==, 70);
  g_assert_cmpint (metric (server, "tally_outstanding_credits{kind=\"user\"}"), ==, 345);

  /* Each of those writes was a group commit, timed. */
  g_assert_cmpint (metric (server, "tally_ledger_commit_duration_seconds_count"), >=, 3);
  g_assert_cmpint (metric (server, "tally_ledger_commit_duration_seconds_count"), ==,
                   metric (server, "tally_ledger_commit_batch_size_count"));
}

/* Starts a demo checkout; returns its page's path. */
static char *
start_checkout (TestServer *server,
                const char *token)
{
  g_autoptr(TestResponse) checkout = test_request (server, "POST", "/v1/checkout", token,
                                                   "{\"pack\": \"starter\"}");

  g_assert_cmpuint (checkout->status, ==, 200);
  return g_strdup (test_response_string (checkout, "url") + strlen (server->base_url));
}

static void
press (TestServer *server,
       const char *page,
       const char *button)
{
  g_autofree char *path = g_strconcat (page, "/", button, NULL);
  g_autoptr(TestResponse) response = test_request (server, "POST", path, NULL, NULL);

  g_assert_cmpuint (response->status, ==, 200);
}

/* With the server stopped, the open checkouts start 25 hours earlier. */
static void
age_open_checkouts (TestServer *server)
{
  test_server_stop (server, FALSE);
  g_assert_cmpint (test_server_count (server, "SELECT count(*) FROM payments "
                                      "WHERE status = 'open'"), ==, 1);
  /* 25 hours in microseconds, a literal: 25 * 3600 * 1000000 overflows
   * PostgreSQL's integer. */
  test_server_exec (server, "UPDATE payments SET created_at = created_at - 90000000000 "
                    "WHERE status = 'open'");
  test_server_restart (server);
}

static void
test_checkout_funnel (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *token = test_user_new (server, "buyer@example.com", NULL);
  g_autofree char *paid = start_checkout (server, token);
  g_autofree char *declined = start_checkout (server, token);
  g_autofree char *left = start_checkout (server, token);

  g_assert_nonnull (left);
  press (server, paid, "pay");
  press (server, declined, "decline");

  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"started\"}"), ==, 3);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"completed\"}"), ==, 1);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"declined\"}"), ==, 1);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"open\"}"), ==, 1);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"abandoned\"}"), ==, 0);
  g_assert_cmpint (metric (server, "tally_outstanding_credits{kind=\"user\"}"), ==, 500);
  g_assert_cmpint (metric (server, "tally_credits_purchased_total"), ==, 500);

  age_open_checkouts (server);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"open\"}"), ==, 0);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"abandoned\"}"), ==, 1);
  g_assert_cmpint (metric (server, "tally_checkouts{stage=\"started\"}"), ==, 3);
}

static gint64
size_of (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  return info != NULL ? g_file_info_get_size (info) : 0;
}

/* On PostgreSQL the data folder holds nothing: no storage gauge is
 * served (docs/operations.md). */
static void
assert_no_storage (TestServer *server)
{
  g_assert_cmpint (metric (server, "tally_database_size_bytes"), ==, -1);
  g_assert_cmpint (metric (server, "tally_disk_free_bytes"), ==, -1);
  g_assert_cmpint (metric (server, "tally_disk_size_bytes"), ==, -1);
}

static void
test_storage (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autofree char *path = test_server_ledger_path (server);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  gint64 before, size, after;

  if (test_store_is_postgres ())
    {
      assert_no_storage (server);
      return;
    }

  /* The files only grow between two checkpoints: the size served is
   * between what they held just before the scrape and just after. */
  before = size_of (path) + size_of (wal);
  size = metric (server, "tally_database_size_bytes");
  after = size_of (path) + size_of (wal);
  g_assert_cmpint (size, >, 0);
  g_assert_cmpint (size, >=, before);
  g_assert_cmpint (size, <=, after);
  g_assert_cmpint (metric (server, "tally_disk_free_bytes"), >, 0);
  g_assert_cmpint (metric (server, "tally_disk_free_bytes"), <=,
                   metric (server, "tally_disk_size_bytes"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ops-metrics/declared-at-zero", test_declared_at_zero);
  g_test_add_func ("/ops-metrics/outstanding-and-holds", test_outstanding_and_holds);
  g_test_add_func ("/ops-metrics/checkout-funnel", test_checkout_funnel);
  g_test_add_func ("/ops-metrics/storage", test_storage);

  return g_test_run ();
}
