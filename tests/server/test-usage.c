/* test-usage.c: GET /v1/usage against the history it sums, across DST
 * changes, its projection on made-up histories, and what it refuses
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-test-history.h"

#define SECOND G_GINT64_CONSTANT (1000000)
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

typedef enum
{
  EVENT_GRANT,
  EVENT_PURCHASE,
  EVENT_REFUND,
  /* A hold posted for @charged @settle_after later. */
  EVENT_RUN,
  /* Paid at once, as an offline run synced. */
  EVENT_OFFLINE_RUN,
  EVENT_VOIDED_RUN,
  EVENT_OPEN_HOLD,
} EventKind;

/* Something that happened to the account at @at (microseconds UTC). */
typedef struct
{
  gint64      at;
  EventKind   kind;
  gint64      amount;
  gint64      charged;
  const char *tool;
  gint64      settle_after;
} Event;

typedef struct
{
  TestServer *server;
  char       *token;
  char        account_id[37];
} User;

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

static void
user_free (User *user)
{
  test_server_free (user->server);
  g_free (user->token);
  g_free (user);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (User, user_free)

/* A server of its own and a member on it. */
static User *
user_new (void)
{
  User *user = g_new0 (User, 1);

  user->server = test_server_start_quiet (NULL);
  user->token = test_user_new (user->server, "member@example.com", user->account_id);
  return user;
}

static void
write_event (TestHistory *ledger,
             const char  *account,
             const Event *event)
{
  const char *consumption = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *settle_id = g_uuid_string_random ();
  TallyTransfer transfer;

  fake_now = event->at;
  switch (event->kind)
    {
    case EVENT_GRANT:
      tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                           account, event->amount, TALLY_TRANSFER_KIND_GRANT);
      test_history_submit (ledger, &transfer);
      return;
    case EVENT_PURCHASE:
      tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                           account, event->amount, TALLY_TRANSFER_KIND_PURCHASE);
      test_history_submit (ledger, &transfer);
      return;
    case EVENT_REFUND:
      tally_transfer_init (&transfer, id,
                           tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS), account,
                           event->amount, TALLY_TRANSFER_KIND_REFUND);
      test_history_submit (ledger, &transfer);
      return;
    case EVENT_OFFLINE_RUN:
    case EVENT_RUN:
    case EVENT_VOIDED_RUN:
    case EVENT_OPEN_HOLD:
    default:
      break;
    }

  tally_transfer_init (&transfer, id, account, consumption, event->amount,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_tool_id (&transfer, event->tool);
  tally_transfer_set_ref (&transfer, id);
  if (event->kind != EVENT_OFFLINE_RUN)
    transfer.flags = TALLY_TRANSFER_FLAG_PENDING;
  test_history_submit (ledger, &transfer);
  if (event->kind == EVENT_OFFLINE_RUN || event->kind == EVENT_OPEN_HOLD)
    return;

  fake_now += MAX (event->settle_after, SECOND);
  tally_transfer_init (&transfer, settle_id, "", "",
                       event->kind == EVENT_RUN ? event->charged : 0,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_pending_id (&transfer, id);
  tally_transfer_set_tool_id (&transfer, event->tool);
  transfer.flags = event->kind == EVENT_RUN ? TALLY_TRANSFER_FLAG_POST_PENDING
                                            : TALLY_TRANSFER_FLAG_VOID_PENDING;
  test_history_submit (ledger, &transfer);
}

static void
set_timezone (TestServer *server,
              const char *account,
              const char *zone)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE users SET timezone = '%s' "
                                          "WHERE account_id = '%s'", zone, account);
  g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM users WHERE timezone = '%s' "
                                            "AND account_id = '%s'", zone, account);

  test_server_exec (server, sql);
  g_assert_cmpint (test_server_count (server, count), ==, 1);
}

/* The API has no way to make a history in the past: with the server
 * stopped, @events (in time order, all before now) go into its ledger
 * with a clock set to each one's time, and the user's zone into its
 * users table. */
static void
write_history (User        *user,
               const char  *zone,
               const Event *events,
               guint        n_events)
{
  TestHistory *ledger;

  test_server_stop (user->server, FALSE);
  ledger = test_history_open (user->server, fake_clock, NULL);
  for (guint i = 0; i < n_events; i++)
    {
      g_assert_cmpint (events[i].at, <, g_get_real_time ());
      write_event (ledger, user->account_id, &events[i]);
    }
  test_history_close (ledger);

  if (zone != NULL)
    set_timezone (user->server, user->account_id, zone);
  test_server_restart (user->server);
}

static gint64
parse_utc (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * SECOND;
}

static char *
format_utc (gint64 microseconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (microseconds / SECOND);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

static TestResponse *
get_usage (User       *user,
           const char *granularity,
           gint64      since,
           gint64      until)
{
  g_autofree char *since_text = format_utc (since);
  g_autofree char *until_text = format_utc (until);
  g_autofree char *path = g_strdup_printf ("/v1/usage?granularity=%s&since=%s&until=%s",
                                           granularity, since_text, until_text);
  TestResponse *response = test_request (user->server, "GET", path, user->token, NULL);

  if (response->status != 200)
    g_test_message ("%s: %u %s", path, response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

/* --- the sums agree with the history --- */

/* The history's own sums over [since, until): every posted item of @kind,
 * page by page, by tool for consumption. */
typedef struct
{
  gint64      amount;
  gint64      items;
  GHashTable *by_tool;
} HistorySums;

static void
history_sums (User        *user,
              const char  *kind,
              gint64       since,
              gint64       until,
              HistorySums *sums)
{
  g_autofree char *since_text = format_utc (since);
  g_autofree char *until_text = format_utc (until);
  g_autofree char *cursor = NULL;

  memset (sums, 0, sizeof *sums);
  sums->by_tool = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  do
    {
      g_autofree char *path = g_strdup_printf ("/v1/transactions?type=%s&since=%s&until=%s"
                                               "&limit=500%s%s", kind, since_text, until_text,
                                               cursor ? "&cursor=" : "", cursor ? cursor : "");
      g_autoptr(TestResponse) page = test_request (user->server, "GET", path, user->token, NULL);
      JsonArray *items = json_node_get_array (test_response_member (page, "items"));
      JsonNode *next = test_response_member (page, "next_cursor");

      g_assert_cmpuint (page->status, ==, 200);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          const char *tool = json_object_get_string_member_with_default (item, "tool", NULL);
          gint64 *tool_sums;

          if (!g_str_equal (json_object_get_string_member (item, "status"), "posted"))
            continue;
          sums->amount += json_object_get_int_member (item, "amount");
          sums->items++;

          tool_sums = g_hash_table_lookup (sums->by_tool, tool ? tool : "");
          if (tool_sums == NULL)
            {
              tool_sums = g_new0 (gint64, 2);
              g_hash_table_insert (sums->by_tool, g_strdup (tool ? tool : ""), tool_sums);
            }
          tool_sums[0] += json_object_get_int_member (item, "amount");
          tool_sums[1]++;
        }

      g_clear_pointer (&cursor, g_free);
      if (!JSON_NODE_HOLDS_NULL (next))
        cursor = g_strdup (json_node_get_string (next));
    }
  while (cursor != NULL);
}

static gint64
bucket_total (TestResponse *usage,
              const char   *member)
{
  JsonArray *buckets = json_node_get_array (test_response_member (usage, "buckets"));
  gint64 total = 0;

  for (guint i = 0; i < json_array_get_length (buckets); i++)
    total += json_object_get_int_member (json_array_get_object_element (buckets, i), member);

  return total;
}

/* Returns how many runs the range holds, so callers can insist on some. */
static guint
assert_matches_history (User       *user,
                        const char *granularity,
                        gint64      since,
                        gint64      until)
{
  g_autoptr(TestResponse) usage = get_usage (user, granularity, since, until);
  JsonArray *tools = json_node_get_array (test_response_member (usage, "by_tool"));
  HistorySums consumption, purchases, refunds;

  history_sums (user, "consumption", since, until, &consumption);
  history_sums (user, "purchase", since, until, &purchases);
  history_sums (user, "refund", since, until, &refunds);

  g_assert_cmpstr (test_response_string (usage, "granularity"), ==, granularity);
  g_assert_cmpint (bucket_total (usage, "spent"), ==, -consumption.amount);
  g_assert_cmpint (bucket_total (usage, "runs"), ==, consumption.items);
  g_assert_cmpint (bucket_total (usage, "purchased"), ==, purchases.amount);
  g_assert_cmpint (bucket_total (usage, "refunded"), ==, refunds.amount);

  g_assert_cmpuint (json_array_get_length (tools), ==, g_hash_table_size (consumption.by_tool));
  for (guint i = 0; i < json_array_get_length (tools); i++)
    {
      JsonObject *tool = json_array_get_object_element (tools, i);
      const char *id = json_object_get_string_member_with_default (tool, "tool", NULL);
      gint64 *sums = g_hash_table_lookup (consumption.by_tool, id ? id : "");

      g_assert_nonnull (sums);
      g_assert_cmpint (json_object_get_int_member (tool, "spent"), ==, -sums[0]);
      g_assert_cmpint (json_object_get_int_member (tool, "runs"), ==, sums[1]);
    }

  g_hash_table_unref (consumption.by_tool);
  g_hash_table_unref (purchases.by_tool);
  g_hash_table_unref (refunds.by_tool);
  return consumption.items;
}

/* Three weeks of every kind of event, minutes apart at no round time, in
 * a zone west of UTC; ranges that start and end mid-bucket. */
static void
test_matches_transactions (void)
{
  static const char * const tools[] = { "qr-code", "pdf-merge", "text-summary", NULL };
  g_autoptr(User) user = user_new ();
  g_autoptr(GArray) events = g_array_new (FALSE, TRUE, sizeof (Event));
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  gint64 now = g_get_real_time ();
  gint64 at = now - 24 * DAY;
  Event grant = { at, EVENT_GRANT, 100000, 0, NULL, 0 };

  g_array_append_val (events, grant);
  for (;;)
    {
      Event event = { 0 };

      at += g_rand_int_range (rand, 20, 240) * MINUTE + 7 * SECOND;
      if (at > now - HOUR)
        break;
      event.at = at;
      event.kind = g_rand_int_range (rand, EVENT_PURCHASE, EVENT_OPEN_HOLD + 1);
      event.amount = g_rand_int_range (rand, 10, 60);
      event.charged = g_rand_int_range (rand, 1, event.amount + 1);
      event.tool = tools[g_rand_int_range (rand, 0, G_N_ELEMENTS (tools))];
      /* Some runs end in the next hour, or the next day. */
      event.settle_after = g_rand_int_range (rand, 1, 20) * MINUTE;
      g_array_append_val (events, event);
      at += event.settle_after;
    }
  g_rand_free (rand);
  write_history (user, "America/New_York", (Event *) events->data, events->len);

  /* Three weeks hold runs whatever the seed; nine hours may hold none. */
  g_assert_cmpuint (assert_matches_history (user, "day", now - 22 * DAY + 13 * MINUTE,
                                            now - 1 * DAY + 7 * MINUTE), >, 0);
  assert_matches_history (user, "week", now - 23 * DAY - 5 * HOUR, now);
  assert_matches_history (user, "month", now - 25 * DAY, now + HOUR);
  assert_matches_history (user, "day", now - 3 * DAY - 17 * MINUTE, now - 3 * DAY + 9 * HOUR);
}

/* --- DST --- */

static void
assert_bucket (TestResponse *usage,
               guint         index,
               const char   *start,
               gint64        spent,
               gint64        runs)
{
  g_autofree char *path = g_strdup_printf ("buckets.%u.start", index);
  g_autofree char *spent_path = g_strdup_printf ("buckets.%u.spent", index);
  g_autofree char *runs_path = g_strdup_printf ("buckets.%u.runs", index);

  g_assert_cmpstr (test_response_string (usage, path), ==, start);
  g_assert_cmpint (test_response_int (usage, spent_path), ==, spent);
  g_assert_cmpint (test_response_int (usage, runs_path), ==, runs);
}

static guint
n_buckets (TestResponse *usage)
{
  return json_array_get_length (json_node_get_array (test_response_member (usage, "buckets")));
}

/* Paris springs forward on Sunday 29 March 2026 (02:00 → 03:00) and falls
 * back on Sunday 25 October (03:00 → 02:00). Each run is one credit times
 * a power of ten, so each bucket's sum says which runs it holds. */
static void
test_dst (void)
{
  g_autoptr(User) user = user_new ();
  const Event events[] = {
    { parse_utc ("2026-03-01T00:00:00Z"), EVENT_GRANT, 1000000, 0, NULL, 0 },
    /* Saturday 28 March 23:30 CET. */
    { parse_utc ("2026-03-28T22:30:00Z"), EVENT_RUN, 50, 1, "qr-code", SECOND },
    /* Sunday 29 March 00:30 CET: held before midnight UTC, on Sunday. */
    { parse_utc ("2026-03-28T23:30:00Z"), EVENT_RUN, 50, 10, "qr-code", SECOND },
    /* Sunday 23:50 CEST, posted after midnight: counts on Sunday. */
    { parse_utc ("2026-03-29T21:50:00Z"), EVENT_RUN, 500, 100, "qr-code", 20 * MINUTE },
    /* Monday 30 March 00:30 CEST: a new week too. */
    { parse_utc ("2026-03-29T22:30:00Z"), EVENT_OFFLINE_RUN, 1000, 0, "qr-code", 0 },
    /* Tuesday 31 March 23:30 CEST: still March. */
    { parse_utc ("2026-03-31T21:30:00Z"), EVENT_RUN, 50000, 10000, "qr-code", SECOND },
    /* Wednesday 1 April 00:30 CEST. */
    { parse_utc ("2026-03-31T22:30:00Z"), EVENT_RUN, 500000, 100000, "qr-code", SECOND },
    /* Sunday 25 October 00:30 CEST and 23:30 CET: one 25-hour day. */
    { parse_utc ("2026-10-24T22:30:00Z"), EVENT_RUN, 50, 1, "pdf-merge", SECOND },
    { parse_utc ("2026-10-25T22:30:00Z"), EVENT_RUN, 50, 10, "pdf-merge", SECOND },
    /* Monday 26 October 00:30 CET. */
    { parse_utc ("2026-10-25T23:30:00Z"), EVENT_RUN, 500, 100, "pdf-merge", SECOND },
  };
  g_autoptr(TestResponse) days = NULL;
  g_autoptr(TestResponse) weeks = NULL;
  g_autoptr(TestResponse) months = NULL;
  g_autoptr(TestResponse) autumn = NULL;

  write_history (user, "Europe/Paris", events, G_N_ELEMENTS (events));

  days = get_usage (user, "day", parse_utc ("2026-03-27T23:00:00Z"),
                    parse_utc ("2026-04-01T22:00:00Z"));
  g_assert_cmpuint (n_buckets (days), ==, 5);
  assert_bucket (days, 0, "2026-03-28T00:00:00+01:00", 1, 1);
  assert_bucket (days, 1, "2026-03-29T00:00:00+01:00", 110, 2);
  assert_bucket (days, 2, "2026-03-30T00:00:00+02:00", 1000, 1);
  assert_bucket (days, 3, "2026-03-31T00:00:00+02:00", 10000, 1);
  assert_bucket (days, 4, "2026-04-01T00:00:00+02:00", 100000, 1);

  weeks = get_usage (user, "week", parse_utc ("2026-03-22T23:00:00Z"),
                     parse_utc ("2026-04-05T22:00:00Z"));
  g_assert_cmpuint (n_buckets (weeks), ==, 2);
  assert_bucket (weeks, 0, "2026-03-23T00:00:00+01:00", 111, 3);
  assert_bucket (weeks, 1, "2026-03-30T00:00:00+02:00", 111000, 3);

  months = get_usage (user, "month", parse_utc ("2026-02-28T23:00:00Z"),
                      parse_utc ("2026-04-30T22:00:00Z"));
  g_assert_cmpuint (n_buckets (months), ==, 2);
  assert_bucket (months, 0, "2026-03-01T00:00:00+01:00", 11111, 5);
  assert_bucket (months, 1, "2026-04-01T00:00:00+02:00", 100000, 1);

  autumn = get_usage (user, "day", parse_utc ("2026-10-23T22:00:00Z"),
                      parse_utc ("2026-10-26T23:00:00Z"));
  g_assert_cmpuint (n_buckets (autumn), ==, 3);
  assert_bucket (autumn, 0, "2026-10-24T00:00:00+02:00", 0, 0);
  assert_bucket (autumn, 1, "2026-10-25T00:00:00+02:00", 11, 2);
  assert_bucket (autumn, 2, "2026-10-26T00:00:00+01:00", 100, 1);
}

/* --- projections --- */

/* The rule of docs/usage.md, in the test's own words: the pace is what
 * the last 30 days spent, per 30 days. */
static void
assert_projection (User        *user,
                   const Event *events,
                   guint        n_events,
                   gint64       now)
{
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_utc (now / SECOND);
  g_autoptr(GDateTime) month_start = NULL;
  g_autoptr(TestResponse) usage = NULL;
  gint64 pace = 0, month_spent = 0, available = 0, days_after_today;
  JsonNode *days_left;

  month_start = g_date_time_new_utc (g_date_time_get_year (today), g_date_time_get_month (today),
                                     1, 0, 0, 0);
  days_after_today = g_date_get_days_in_month (g_date_time_get_month (today),
                                               g_date_time_get_year (today)) -
                     g_date_time_get_day_of_month (today);

  for (guint i = 0; i < n_events; i++)
    {
      if (events[i].kind == EVENT_GRANT)
        {
          available += events[i].amount;
          continue;
        }
      available -= events[i].charged;
      if (events[i].at >= now - 30 * DAY)
        pace += events[i].charged;
      if (events[i].at >= g_date_time_to_unix (month_start) * SECOND)
        month_spent += events[i].charged;
    }

  usage = test_request (user->server, "GET", "/v1/usage", user->token, NULL);
  g_assert_cmpuint (usage->status, ==, 200);
  days_left = test_response_member (usage, "projection.days_left");
  if (pace == 0)
    g_assert_true (JSON_NODE_HOLDS_NULL (days_left));
  else
    g_assert_cmpint (json_node_get_int (days_left), ==, available * 30 / pace);
  g_assert_cmpint (test_response_int (usage, "projection.month_end_spent"), ==,
                   month_spent + pace * days_after_today / 30);
}

/* Runs of @charged(k) credits k days and an hour before @now, k < @n. */
static guint
daily_runs (Event   *events,
            gint64   now,
            guint    n,
            gint64 (*charged) (guint k))
{
  for (guint i = 0; i < n; i++)
    {
      guint k = n - 1 - i;

      events[i] = (Event) { now - k * DAY - HOUR, EVENT_RUN, charged (k) + 5, charged (k),
                            "qr-code", SECOND };
    }
  return n;
}

static gint64
flat (guint k)
{
  return 10;
}

static gint64
growing (guint k)
{
  /* More every day up to today; older than 30 days counts for nothing. */
  return 100 - 3 * k;
}

static void
run_projection (gint64   grant,
                guint    n_days,
                gint64 (*charged) (guint k))
{
  g_autoptr(User) user = user_new ();
  gint64 now = g_get_real_time ();
  Event events[40];
  guint n = 1;

  g_assert_cmpuint (n_days, <, G_N_ELEMENTS (events));
  events[0] = (Event) { now - 35 * DAY, EVENT_GRANT, grant, 0, NULL, 0 };
  if (n_days > 0)
    n += daily_runs (events + 1, now, n_days, charged);
  write_history (user, NULL, events, n);
  assert_projection (user, events, n, now);
}

static void
test_projection_flat (void)
{
  run_projection (10000, 30, flat);
}

static void
test_projection_growing (void)
{
  run_projection (100000, 33, growing);
}

static void
test_projection_empty (void)
{
  g_autoptr(User) user = user_new ();
  g_autoptr(TestResponse) usage = NULL;

  usage = test_request (user->server, "GET", "/v1/usage", user->token, NULL);
  g_assert_cmpuint (usage->status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (usage, "projection.days_left")));
  g_assert_cmpint (test_response_int (usage, "projection.month_end_spent"), ==, 0);
  g_assert_cmpint (bucket_total (usage, "spent"), ==, 0);
  g_assert_cmpuint (n_buckets (usage), ==, 30);
}

static void
test_projection_single_day (void)
{
  g_autoptr(User) user = user_new ();
  gint64 now = g_get_real_time ();
  const Event events[] = {
    { now - 20 * DAY, EVENT_GRANT, 1000, 0, NULL, 0 },
    { now - 3 * DAY, EVENT_RUN, 100, 90, "qr-code", SECOND },
  };

  write_history (user, NULL, events, G_N_ELEMENTS (events));
  assert_projection (user, events, G_N_ELEMENTS (events), now);
}

/* Everything granted is spent: the balance lasts no day more. */
static void
test_projection_zero_balance (void)
{
  g_autoptr(User) user = user_new ();
  gint64 now = g_get_real_time ();
  const Event events[] = {
    { now - 20 * DAY, EVENT_GRANT, 300, 0, NULL, 0 },
    { now - 10 * DAY, EVENT_RUN, 150, 150, "qr-code", SECOND },
    { now - 2 * DAY, EVENT_RUN, 150, 150, "pdf-merge", SECOND },
  };
  g_autoptr(TestResponse) usage = NULL;

  write_history (user, NULL, events, G_N_ELEMENTS (events));
  assert_projection (user, events, G_N_ELEMENTS (events), now);
  usage = test_request (user->server, "GET", "/v1/usage", user->token, NULL);
  g_assert_cmpint (test_response_int (usage, "projection.days_left"), ==, 0);
}

/* --- who sees what, and what is refused --- */

static void
test_access (void)
{
  g_autoptr(User) user = user_new ();
  g_autofree char *admin = test_admin_new (user->server, "admin@example.com");
  char other_account[37];
  g_autofree char *other = test_user_new (user->server, "other@example.com", other_account);
  g_autofree char *own_path = g_strdup_printf ("/v1/usage?account_id=%s", user->account_id);
  g_autofree char *unknown_path = NULL;
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(TestResponse) own = NULL;
  g_autoptr(TestResponse) as_admin = NULL;
  g_autoptr(TestResponse) as_other = NULL;
  g_autoptr(TestResponse) missing = NULL;
  g_autoptr(TestResponse) anonymous = NULL;

  test_grant (user->server, admin, user->account_id, 500);
  own = test_request (user->server, "GET", own_path, user->token, NULL);
  g_assert_cmpuint (own->status, ==, 200);
  as_admin = test_request (user->server, "GET", own_path, admin, NULL);
  g_assert_cmpuint (as_admin->status, ==, 200);
  as_other = test_request (user->server, "GET", own_path, other, NULL);
  test_assert_error (as_other, 404, "not_found", NULL);

  unknown_path = g_strdup_printf ("/v1/usage?account_id=%s", unknown);
  missing = test_request (user->server, "GET", unknown_path, admin, NULL);
  test_assert_error (missing, 404, "not_found", NULL);
  anonymous = test_request (user->server, "GET", "/v1/usage", NULL, NULL);
  test_assert_error (anonymous, 401, "unauthorized", NULL);
}

static void
assert_refused (User       *user,
                const char *query,
                guint       status,
                const char *code,
                const char *field)
{
  g_autofree char *path = g_strconcat ("/v1/usage", query, NULL);
  g_autoptr(TestResponse) before = test_request (user->server, "GET", "/v1/me", user->token, NULL);
  g_autoptr(TestResponse) response = test_request (user->server, "GET", path, user->token, NULL);
  g_autoptr(TestResponse) after = test_request (user->server, "GET", "/v1/me", user->token, NULL);

  test_assert_error (response, status, code, field);
  g_assert_nonnull (strstr (test_response_string (response, "error.message"), " "));
  g_assert_cmpstr (before->body, ==, after->body);
}

static void
test_bad_input (void)
{
  g_autoptr(User) user = user_new ();
  char other_account[37];
  g_autofree char *other = test_user_new (user->server, "other@example.com", other_account);
  g_autofree char *others = g_strdup_printf ("?account_id=%s", other_account);

  assert_refused (user, "?granularity=hour", 400, "invalid_field", "granularity");
  assert_refused (user, "?since=2026-03-02&until=2026-03-01", 400, "invalid_field", "until");
  assert_refused (user, "?since=2026-03-01&until=2026-03-01", 400, "invalid_field", "until");
  assert_refused (user, "?since=2026-03-01T25:00:00Z", 400, "invalid_field", "since");
  assert_refused (user, "?granularity=day&since=1926-01-01&until=2026-01-01", 400,
                  "invalid_field", "since");
  assert_refused (user, "?granularity=month&since=1926-01-01&until=2026-01-01", 400,
                  "invalid_field", "since");
  assert_refused (user, "?granularity=day&since=2015-01-01&until=2026-01-01", 400,
                  "invalid_field", "since");
  assert_refused (user, others, 404, "not_found", NULL);
  assert_refused (user, "?account_id=mine", 400, "invalid_field", "account_id");
  assert_refused (user, "?account_id=00000000-0000-0000-0000-00000000000", 400, "invalid_field",
                  "account_id");
}

/* Ten years of days is the most a range may hold. */
static void
test_longest_range (void)
{
  g_autoptr(User) user = user_new ();
  g_autoptr(TestResponse) days = NULL;
  g_autoptr(TestResponse) months = NULL;

  days = test_request (user->server, "GET", "/v1/usage?since=2016-01-01&until=2026-01-01",
                       user->token, NULL);
  g_assert_cmpuint (days->status, ==, 200);
  g_assert_cmpuint (n_buckets (days), ==, 3653);
  months = test_request (user->server, "GET",
                         "/v1/usage?granularity=month&since=2016-01-01&until=2026-01-01",
                         user->token, NULL);
  g_assert_cmpuint (months->status, ==, 200);
  g_assert_cmpuint (n_buckets (months), ==, 120);
  g_assert_cmpstr (test_response_string (months, "buckets.0.start"), ==,
                   "2016-01-01T00:00:00Z");
}

/* Without a range: 30 days, 12 weeks or 12 months, up to the one that
 * holds now. */
static void
test_default_range (void)
{
  g_autoptr(User) user = user_new ();
  static const struct
  {
    const char *granularity;
    guint       n;
  } defaults[] = { { "day", 30 }, { "week", 12 }, { "month", 12 } };

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      g_autofree char *path = g_strdup_printf ("/v1/usage?granularity=%s",
                                               defaults[i].granularity);
      g_autoptr(TestResponse) usage = test_request (user->server, "GET", path, user->token, NULL);
      g_autofree char *last = g_strdup_printf ("buckets.%u.start", defaults[i].n - 1);

      g_assert_cmpuint (usage->status, ==, 200);
      g_assert_cmpuint (n_buckets (usage), ==, defaults[i].n);
      g_assert_cmpint (parse_utc (test_response_string (usage, last)), <=, g_get_real_time ());
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/usage/matches-transactions", test_matches_transactions);
  g_test_add_func ("/usage/dst", test_dst);
  g_test_add_func ("/usage/projection/flat", test_projection_flat);
  g_test_add_func ("/usage/projection/growing", test_projection_growing);
  g_test_add_func ("/usage/projection/empty", test_projection_empty);
  g_test_add_func ("/usage/projection/single-day", test_projection_single_day);
  g_test_add_func ("/usage/projection/zero-balance", test_projection_zero_balance);
  g_test_add_func ("/usage/access", test_access);
  g_test_add_func ("/usage/bad-input", test_bad_input);
  g_test_add_func ("/usage/longest-range", test_longest_range);
  g_test_add_func ("/usage/default-range", test_default_range);

  return g_test_run ();
}
