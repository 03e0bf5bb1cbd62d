/* test-api-store-analytics.c: the sums behind the admin's analytics and
 * the gauges, as every TallyApiStore answers them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same fixture on SQLite and on PostgreSQL (issue 19), the ledger's
 * through the interface and the server's rows with SQL both stores take,
 * and the same exact answers expected of both: consumption by tool, hour
 * and weekday (a post at its hold's hour, a void nothing, the range's
 * edges), what user and team accounts hold, purchases by pack (ties in
 * the ids' byte order), buyers, gaps, checkouts by stage, the funnel and
 * each tool's users, and zeros on an empty store.
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tally-ledger-sqlite.h"
#include "tally-test-stores.h"

#define USEC_PER_HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
/* Monday 2024-01-01 00:00 UTC, and the days after it. */
#define D0 (G_GINT64_CONSTANT (1704067200) * G_USEC_PER_SEC)
#define D1 (D0 + USEC_PER_DAY)
#define D2 (D0 + 2 * USEC_PER_DAY)
#define D3 (D0 + 3 * USEC_PER_DAY)

static TallyApiStore *
api (StoreFixture *fixture)
{
  return TALLY_API_STORE (fixture->store);
}

/* --- the ledger: consumption and what accounts hold --- */

static gint64
read_clock (gpointer data)
{
  return *(gint64 *) data;
}

static void
create_transfer (StoreFixture  *fixture,
                 TallyTransfer *transfer)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;

  g_assert_true (tally_rules_store_create_transfers (fixture->store, transfer, 1, &result,
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
}

/* Consumption of @amount by the fixture user of @tool_id (NULL: none),
 * pending with @timeout seconds when @flags say so; its id. */
static char *
consume (StoreFixture       *fixture,
         gint64              amount,
         const char         *tool_id,
         TallyTransferFlags  flags,
         guint32             timeout)
{
  char *id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, fixture->user.account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), amount,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  if (tool_id != NULL)
    tally_transfer_set_tool_id (&transfer, tool_id);
  transfer.flags = flags;
  transfer.timeout = timeout;
  create_transfer (fixture, &transfer);
  return id;
}

/* Posts @amount of the hold @id, or voids it when @amount is 0. */
static void
settle (StoreFixture *fixture,
        const char   *id,
        gint64        amount)
{
  g_autofree char *settle_id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, settle_id, "", "", amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.flags = amount > 0 ? TALLY_TRANSFER_FLAG_POST_PENDING
                              : TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&transfer, id);
  create_transfer (fixture, &transfer);
}

static void
grant_to (StoreFixture *fixture,
          const char   *account_id,
          gint64        amount)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, stores_grants_account (), account_id, amount,
                       TALLY_TRANSFER_KIND_GRANT);
  create_transfer (fixture, &transfer);
}

/* At *@now: consumption in the range [D0, D3) and at both its edges, a
 * hold posted the next day, a hold voided, and two holds left open. */
static void
add_consumption (StoreFixture *fixture,
                 gint64       *now)
{
  g_autofree char *posted = NULL;
  g_autofree char *voided = NULL;

  *now = D0 - 2 * USEC_PER_DAY;
  stores_grant (fixture, 10000);
  *now = D0 - USEC_PER_HOUR;
  g_free (consume (fixture, 40, "alpha", 0, 0));
  *now = D0 + 9 * USEC_PER_HOUR + 30 * USEC_PER_MINUTE;
  g_free (consume (fixture, 100, "alpha", 0, 0));
  *now = D0 + 9 * USEC_PER_HOUR + 45 * USEC_PER_MINUTE;
  g_free (consume (fixture, 50, "beta", 0, 0));
  *now = D1 + 9 * USEC_PER_HOUR + 10 * USEC_PER_MINUTE;
  g_free (consume (fixture, 30, "alpha", 0, 0));
  *now = D1 + 17 * USEC_PER_HOUR;
  posted = consume (fixture, 200, "alpha", TALLY_TRANSFER_FLAG_PENDING, 3 * 86400);
  voided = consume (fixture, 70, "beta", TALLY_TRANSFER_FLAG_PENDING, 3600);
  *now = D1 + 17 * USEC_PER_HOUR + USEC_PER_MINUTE;
  settle (fixture, voided, 0);
  *now = D2 + 2 * USEC_PER_HOUR;
  settle (fixture, posted, 120);
  *now = D3 - G_USEC_PER_SEC;
  g_free (consume (fixture, 7, NULL, 0, 0));
  *now = D3;
  g_free (consume (fixture, 60, "alpha", 0, 0));
  g_free (consume (fixture, 25, "gamma", TALLY_TRANSFER_FLAG_PENDING, 3600));
  g_free (consume (fixture, 10, "gamma", TALLY_TRANSFER_FLAG_PENDING, 0));
}

static GArray *
consumption (StoreFixture           *fixture,
             TallyAnalyticsGrouping  grouping,
             gint64                  since,
             gint64                  until)
{
  g_autoptr(GError) error = NULL;
  GArray *rows = tally_api_store_analytics_consumption (api (fixture), grouping, since, until,
                                                        &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

/* The row of @tool_id (by tool) or @slot, which must be there once: no
 * order is promised. */
static const TallyAnalyticsConsumption *
find_row (GArray     *rows,
          const char *tool_id,
          guint       slot)
{
  const TallyAnalyticsConsumption *found = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      const TallyAnalyticsConsumption *row = &g_array_index (rows, TallyAnalyticsConsumption, i);

      if (tool_id != NULL ? g_str_equal (row->tool_id, tool_id) : row->slot == slot)
        {
          g_assert_null (found);
          found = row;
        }
    }
  g_assert_nonnull (found);
  return found;
}

static void
assert_row (GArray     *rows,
            const char *tool_id,
            guint       slot,
            gint64      credits,
            gint64      runs)
{
  const TallyAnalyticsConsumption *row = find_row (rows, tool_id, slot);

  g_assert_cmpint (row->credits, ==, credits);
  g_assert_cmpint (row->runs, ==, runs);
  g_assert_cmpuint (row->slot, ==, tool_id != NULL ? 0 : slot);
  if (tool_id == NULL)
    g_assert_cmpstr (row->tool_id, ==, "");
}

/* Posted consumption of [since, until) alone, a post at its hold's hour
 * and with its tool, by tool, UTC hour and weekday (0 = Monday). */
static void
test_consumption (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autoptr(GArray) by_tool = NULL;
  g_autoptr(GArray) by_hour = NULL;
  g_autoptr(GArray) by_weekday = NULL;
  g_autoptr(GArray) later = NULL;
  gint64 now = 0;

  stores_set_clock (fixture, read_clock, &now);
  add_consumption (fixture, &now);

  by_tool = consumption (fixture, TALLY_ANALYTICS_BY_TOOL, D0, D3);
  g_assert_cmpuint (by_tool->len, ==, 3);
  assert_row (by_tool, "alpha", 0, 250, 3);
  assert_row (by_tool, "beta", 0, 50, 1);
  assert_row (by_tool, "", 0, 7, 1);

  by_hour = consumption (fixture, TALLY_ANALYTICS_BY_HOUR, D0, D3);
  g_assert_cmpuint (by_hour->len, ==, 3);
  assert_row (by_hour, NULL, 9, 180, 3);
  assert_row (by_hour, NULL, 17, 120, 1);
  assert_row (by_hour, NULL, 23, 7, 1);

  by_weekday = consumption (fixture, TALLY_ANALYTICS_BY_WEEKDAY, D0, D3);
  g_assert_cmpuint (by_weekday->len, ==, 3);
  assert_row (by_weekday, NULL, 0, 150, 2);
  assert_row (by_weekday, NULL, 1, 150, 2);
  assert_row (by_weekday, NULL, 2, 7, 1);

  /* From Tuesday on, to Thursday's first hour: the consumption at the
   * end of the range counts now, Thursday's weekday 3. */
  later = consumption (fixture, TALLY_ANALYTICS_BY_WEEKDAY, D1, D3 + USEC_PER_HOUR);
  g_assert_cmpuint (later->len, ==, 3);
  assert_row (later, NULL, 1, 150, 2);
  assert_row (later, NULL, 2, 7, 1);
  assert_row (later, NULL, 3, 60, 1);
  g_clear_pointer (&later, g_array_unref);

  later = consumption (fixture, TALLY_ANALYTICS_BY_TOOL, D3 + USEC_PER_HOUR, D3 + USEC_PER_DAY);
  g_assert_cmpuint (later->len, ==, 0);
  stores_assert_clean (fixture);
}

static void
outstanding (StoreFixture     *fixture,
             TallyOutstanding *found)
{
  g_autoptr(GError) error = NULL;

  memset (found, 0xff, sizeof *found);
  g_assert_true (tally_api_store_outstanding (api (fixture), found, &error));
  g_assert_no_error (error);
}

/* User and team accounts' balances apart, system accounts not at all;
 * every hold's credits, but only holds with a timeout as holds. */
static void
test_outstanding (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *team_id = g_uuid_string_random ();
  TallyOutstanding found;
  TallyAccount team;
  TallyUser other;
  gint64 now = 0;

  outstanding (fixture, &found);
  g_assert_cmpint (found.user_balance, ==, 0);
  g_assert_cmpint (found.team_balance, ==, 0);
  g_assert_cmpint (found.held, ==, 0);
  g_assert_cmpint (found.holds, ==, 0);

  stores_set_clock (fixture, read_clock, &now);
  add_consumption (fixture, &now);
  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  grant_to (fixture, other.account_id, 200);
  tally_account_init (&team, team_id, TALLY_ACCOUNT_KIND_TEAM,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Team", "UTC");
  g_assert_true (tally_rules_store_create_account (fixture->store, &team, &error));
  g_assert_no_error (error);
  grant_to (fixture, team_id, 300);

  outstanding (fixture, &found);
  /* 10000 granted, 40 + 100 + 50 + 30 + 120 + 7 + 60 posted. */
  g_assert_cmpint (found.user_balance, ==, 10000 - 407 + 200);
  g_assert_cmpint (found.team_balance, ==, 300);
  g_assert_cmpint (found.held, ==, 35);
  g_assert_cmpint (found.holds, ==, 1);
  stores_assert_clean (fixture);
}

/* --- purchases --- */

typedef struct
{
  const char *id;
  const char *user_id;
  const char *pack_id;
  const char *currency;
  gint64      credits;
  gint64      amount;
  const char *status;
  gint64      created_at;
  /* 0: none. */
  gint64      paid_at;
} Payment;

static void
insert_payment (StoreFixture  *fixture,
                const Payment *payment)
{
  g_autofree char *paid_at = payment->paid_at != 0
                             ? g_strdup_printf ("%" G_GINT64_FORMAT, payment->paid_at)
                             : g_strdup ("NULL");
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("INSERT INTO payments (id, user_id, account_id, pack_id, credits, "
                         "amount, currency, provider, status, created_at, paid_at) VALUES "
                         "('%s', '%s', 'acct-%s', '%s', %" G_GINT64_FORMAT ", %"
                         G_GINT64_FORMAT ", '%s', 'stripe', '%s', %" G_GINT64_FORMAT ", %s)",
                         payment->id, payment->user_id, payment->user_id, payment->pack_id,
                         payment->credits, payment->amount, payment->currency, payment->status,
                         payment->created_at, paid_at);
  stores_exec (fixture, sql);
}

/* The checkouts' "now", and one started ten minutes before it. */
#define NOW (D3 + USEC_PER_HOUR)

static const Payment payments[] = {
  { "p01", "u-a", "Pack-B", "eur", 500, 499, "paid", D0 + USEC_PER_HOUR, D0 + USEC_PER_HOUR },
  { "p02", "u-a", "Pack-B", "eur", 500, 499, "refunded", D1 + USEC_PER_HOUR,
    D1 + USEC_PER_HOUR },
  { "p03", "u-a", "Pack-Z", "usd", 100, 199, "disputed", D2 + 5 * USEC_PER_HOUR,
    D2 + 5 * USEC_PER_HOUR },
  { "p04", "u-b", "Pack-Z", "usd", 100, 199, "paid", D1 + 12 * USEC_PER_HOUR,
    D1 + 12 * USEC_PER_HOUR },
  { "p05", "u-b", "Pack-B", "eur", 500, 499, "open", NOW - 600 * G_USEC_PER_SEC, 0 },
  { "p06", "u-b", "Pack-Z", "usd", 100, 199, "failed", D1, 0 },
  { "p07", "u-c", "pack-a", "eur", 100, 99, "paid", D2, D2 },
  /* A top-up: no checkout, but a purchase. */
  { "p08", "u-c", "pack-a", "eur", 100, 99, "paid", D2 + 6 * USEC_PER_HOUR,
    D2 + 6 * USEC_PER_HOUR },
  { "p09", "u-d", "Pack-B", "eur", 500, 499, "paid", D3, D3 },
  { "p10", "u-a", "Pack-B", "eur", 500, 499, "paid", D0 - 2 * USEC_PER_HOUR,
    D0 - USEC_PER_HOUR },
  { "p11", "u-d", "pack-a", "eur", 100, 99, "open", D0, 0 },
  { "p12", "u-e", "Pack-B", "eur", 500, 499, "paid", D2 + 20 * USEC_PER_HOUR,
    D2 + 20 * USEC_PER_HOUR },
};

static void
add_payments (StoreFixture *fixture)
{
  for (guint i = 0; i < G_N_ELEMENTS (payments); i++)
    insert_payment (fixture, &payments[i]);
  stores_exec (fixture, "INSERT INTO recharges (payment_id, account_id, status, created_at) "
                     "VALUES ('p08', 'acct-u-c', 'succeeded', 1)");
}

static void
assert_pack (GArray     *packs,
             guint       i,
             const char *pack_id,
             const char *currency,
             gint64      purchases,
             gint64      buyers,
             gint64      credits,
             gint64      amount)
{
  const TallyAnalyticsPack *pack = &g_array_index (packs, TallyAnalyticsPack, i);

  g_assert_cmpstr (pack->pack_id, ==, pack_id);
  g_assert_cmpstr (pack->currency, ==, currency);
  g_assert_cmpint (pack->purchases, ==, purchases);
  g_assert_cmpint (pack->buyers, ==, buyers);
  g_assert_cmpint (pack->credits, ==, credits);
  g_assert_cmpint (pack->amount, ==, amount);
}

/* Purchases paid in the range, refunded or disputed since or not, most
 * first, then by pack id's and currency's bytes (upper case first,
 * whatever PostgreSQL's locale). */
static void
test_packs (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) packs = NULL;

  add_payments (fixture);
  packs = tally_api_store_analytics_packs (api (fixture), D0, D3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (packs->len, ==, 3);
  assert_pack (packs, 0, "Pack-B", "eur", 3, 2, 1500, 1497);
  assert_pack (packs, 1, "Pack-Z", "usd", 2, 2, 200, 398);
  assert_pack (packs, 2, "pack-a", "eur", 2, 1, 200, 198);
  g_clear_pointer (&packs, g_array_unref);

  packs = tally_api_store_analytics_packs (api (fixture), D3, D3 + USEC_PER_DAY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (packs->len, ==, 1);
  assert_pack (packs, 0, "Pack-B", "eur", 1, 1, 500, 499);
}

static void
assert_buyers (StoreFixture *fixture,
               gint64        since,
               gint64        until,
               gint64        purchases,
               gint64        buyers,
               gint64        repeat_buyers)
{
  g_autoptr(GError) error = NULL;
  TallyAnalyticsBuyers found;

  memset (&found, 0xff, sizeof found);
  g_assert_true (tally_api_store_analytics_buyers (api (fixture), since, until, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpint (found.purchases, ==, purchases);
  g_assert_cmpint (found.buyers, ==, buyers);
  g_assert_cmpint (found.repeat_buyers, ==, repeat_buyers);
}

static void
assert_gaps (StoreFixture *fixture,
             gint64        since,
             gint64        until,
             const gint64 *expected,
             guint         n_expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) gaps = tally_api_store_analytics_gaps (api (fixture), since, until, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (gaps->data, gaps->len * sizeof (gint64), expected,
                   n_expected * sizeof (gint64));
}

/* Buyers of two or more in the range, and each buyer's gaps between
 * consecutive purchases, ascending: a purchase outside the range is no
 * end of a gap. */
static void
test_buyers_and_gaps (StoreFixture  *fixture,
                      gconstpointer  data)
{
  static const gint64 all[] = { 6 * USEC_PER_HOUR, 24 * USEC_PER_HOUR, 28 * USEC_PER_HOUR };
  static const gint64 later[] = { 6 * USEC_PER_HOUR, 28 * USEC_PER_HOUR };

  assert_buyers (fixture, D0, D3, 0, 0, 0);
  assert_gaps (fixture, D0, D3, NULL, 0);

  add_payments (fixture);
  assert_buyers (fixture, D0, D3, 7, 4, 2);
  assert_gaps (fixture, D0, D3, all, G_N_ELEMENTS (all));
  assert_buyers (fixture, D1, D3, 6, 4, 2);
  assert_gaps (fixture, D1, D3, later, G_N_ELEMENTS (later));
  assert_buyers (fixture, D3, D3 + USEC_PER_DAY, 1, 1, 0);
  assert_gaps (fixture, D3, D3 + USEC_PER_DAY, NULL, 0);
}

static void
checkout_stages (StoreFixture        *fixture,
                 gint64               now,
                 TallyCheckoutStages *found)
{
  g_autoptr(GError) error = NULL;

  memset (found, 0xff, sizeof *found);
  g_assert_true (tally_api_store_checkout_stages (api (fixture), now, USEC_PER_HOUR, found,
                                                  &error));
  g_assert_no_error (error);
}

/* Every checkout but the top-up, by stage; one open longer than the
 * timeout is abandoned. */
static void
test_checkout_stages (StoreFixture  *fixture,
                      gconstpointer  data)
{
  TallyCheckoutStages found;

  checkout_stages (fixture, NOW, &found);
  g_assert_cmpint (found.started, ==, 0);
  g_assert_cmpint (found.completed, ==, 0);
  g_assert_cmpint (found.declined, ==, 0);
  g_assert_cmpint (found.open, ==, 0);
  g_assert_cmpint (found.abandoned, ==, 0);

  add_payments (fixture);
  checkout_stages (fixture, NOW, &found);
  g_assert_cmpint (found.started, ==, 11);
  g_assert_cmpint (found.completed, ==, 8);
  g_assert_cmpint (found.declined, ==, 1);
  g_assert_cmpint (found.open, ==, 1);
  g_assert_cmpint (found.abandoned, ==, 1);

  /* An hour later, the younger open one is abandoned too. */
  checkout_stages (fixture, NOW + USEC_PER_HOUR, &found);
  g_assert_cmpint (found.started, ==, 11);
  g_assert_cmpint (found.open, ==, 0);
  g_assert_cmpint (found.abandoned, ==, 2);
}

/* --- registrations and runs --- */

static void
insert_user (StoreFixture *fixture,
             const char   *id,
             gint64        created_at,
             gint64        erased_at)
{
  g_autofree char *erased = erased_at != 0
                            ? g_strdup_printf ("%" G_GINT64_FORMAT, erased_at)
                            : g_strdup ("NULL");
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("INSERT INTO users (id, email, name, password_hash, role, account_id, "
                         "created_at, erased_at) VALUES ('%s', '%s@example.com', 'Test', "
                         "'not-a-hash', 'member', 'acct-%s', %" G_GINT64_FORMAT ", %s)",
                         id, id, id, created_at, erased);
  stores_exec (fixture, sql);
}

static void
insert_run (StoreFixture *fixture,
            const char   *user_id,
            const char   *tool_id,
            const char   *status,
            gint64        created_at)
{
  static guint counter;
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("INSERT INTO runs (id, user_id, account_id, tool_id, request_digest, "
                         "inputs, status, authorize_status, authorize_body, created_at) VALUES "
                         "('run-%u', '%s', 'acct-%s', '%s', 'digest', '{}', '%s', 201, '{}', %"
                         G_GINT64_FORMAT ")", ++counter, user_id, user_id, tool_id, status,
                         created_at);
  stores_exec (fixture, sql);
}

/* Users, each registered at some point of [D0, D3) or not, their runs
 * and their payments. */
static void
add_users (StoreFixture *fixture)
{
  /* The fixture's user registered long before. */
  stores_exec (fixture, "UPDATE users SET created_at = 1");
  insert_user (fixture, "u-a", D0 + USEC_PER_HOUR, 0);
  insert_user (fixture, "u-b", D1, 0);
  insert_user (fixture, "u-c", D2, D2 + USEC_PER_HOUR);
  insert_user (fixture, "u-d", D0 - 1, 0);
  insert_user (fixture, "u-e", D3, 0);
  insert_user (fixture, "u-f", D2 + 2 * USEC_PER_HOUR, 0);

  insert_run (fixture, "u-a", "alpha", "succeeded", D0 + 2 * USEC_PER_HOUR);
  insert_run (fixture, "u-a", "alpha", "succeeded", D1 + 5 * USEC_PER_HOUR);
  insert_run (fixture, "u-b", "alpha", "failed", D1 + USEC_PER_HOUR);
  insert_run (fixture, "u-b", "gamma", "failed", D1 + 2 * USEC_PER_HOUR);
  insert_run (fixture, "u-b", "beta", "succeeded", D3 + USEC_PER_HOUR);
  insert_run (fixture, "u-c", "beta", "succeeded", D2 + 2 * USEC_PER_HOUR);
  insert_run (fixture, "u-d", "alpha", "succeeded", D1);
  insert_run (fixture, "u-d", "beta", "succeeded", D2);
  insert_run (fixture, "u-e", "alpha", "authorized", D3 - USEC_PER_HOUR);
  insert_run (fixture, "u-f", "beta", "succeeded", D2 + 3 * USEC_PER_HOUR);

  for (guint i = 0; i < 2; i++)
    {
      const Payment paid = { i == 0 ? "f-a1" : "f-a2", "u-a", "pack-a", "eur", 100, 99, "paid",
                             D1 + i, D1 + i };

      insert_payment (fixture, &paid);
    }
  {
    const Payment paid = { "f-b1", "u-b", "pack-a", "eur", 100, 99, "paid", D2, D2 };
    const Payment open = { "f-b2", "u-b", "pack-a", "eur", 100, 99, "open", D2, 0 };
    const Payment late = { "f-f1", "u-f", "pack-a", "eur", 100, 99, "paid", D3, D3 };
    const Payment erased = { "f-c1", "u-c", "pack-a", "eur", 100, 99, "paid", D2, D2 };

    insert_payment (fixture, &paid);
    insert_payment (fixture, &open);
    insert_payment (fixture, &late);
    insert_payment (fixture, &erased);
  }
}

static void
assert_funnel (StoreFixture *fixture,
               gint64        since,
               gint64        until,
               gint64        registered,
               gint64        first_run,
               gint64        first_purchase,
               gint64        second_purchase)
{
  g_autoptr(GError) error = NULL;
  TallyAnalyticsFunnel found;

  memset (&found, 0xff, sizeof found);
  g_assert_true (tally_api_store_analytics_funnel (api (fixture), since, until, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpint (found.registered, ==, registered);
  g_assert_cmpint (found.first_run, ==, first_run);
  g_assert_cmpint (found.first_purchase, ==, first_purchase);
  g_assert_cmpint (found.second_purchase, ==, second_purchase);
}

/* Users registered in the range and not erased, and of them those who
 * by its end had a run that succeeded, one and two paid purchases. */
static void
test_funnel (StoreFixture  *fixture,
             gconstpointer  data)
{
  assert_funnel (fixture, D0, D3, 0, 0, 0, 0);

  add_users (fixture);
  assert_funnel (fixture, D0, D3, 3, 2, 2, 1);
  /* u-b alone, before their purchase. */
  assert_funnel (fixture, D1, D2, 1, 0, 0, 0);
  /* Later: u-e, and u-f's purchase and u-b's run count. */
  assert_funnel (fixture, D1, D3 + USEC_PER_DAY, 3, 2, 2, 0);
}

static gint64
users_of (GArray     *rows,
          const char *tool_id)
{
  gint64 users = -1;

  for (guint i = 0; i < rows->len; i++)
    {
      const TallyAnalyticsToolUsers *row = &g_array_index (rows, TallyAnalyticsToolUsers, i);

      if (g_str_equal (row->tool_id, tool_id))
        {
          g_assert_cmpint (users, ==, -1);
          users = row->users;
        }
    }
  return users;
}

/* Distinct users of each tool's runs that succeeded in the range; a tool
 * with none has no row. */
static void
test_tool_users (StoreFixture  *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;

  rows = tally_api_store_analytics_tool_users (api (fixture), D0, D3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_array_unref);

  add_users (fixture);
  rows = tally_api_store_analytics_tool_users (api (fixture), D0, D3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpint (users_of (rows, "alpha"), ==, 2);
  g_assert_cmpint (users_of (rows, "beta"), ==, 3);
  g_clear_pointer (&rows, g_array_unref);

  rows = tally_api_store_analytics_tool_users (api (fixture), D2, D3 + USEC_PER_DAY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (users_of (rows, "beta"), ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("analytics-consumption", test_consumption);
  stores_add ("analytics-outstanding", test_outstanding);
  stores_add ("analytics-packs", test_packs);
  stores_add ("analytics-buyers-gaps", test_buyers_and_gaps);
  stores_add ("analytics-checkout-stages", test_checkout_stages);
  stores_add ("analytics-funnel", test_funnel);
  stores_add ("analytics-tool-users", test_tool_users);

  return stores_run ();
}
