/* tally-store-analytics.h: the sums behind GET /v1/admin/analytics and the
 * gauges of /metrics
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"
#include "tally-store-payments.h"

G_BEGIN_DECLS


/* Posted consumption of one tool, hour of the day or day of the week. */
typedef struct
{
  /* Empty for consumption of no tool. */
  char   tool_id[TALLY_TOOL_ID_MAX];
  /* The hour (0-23) or the ISO weekday less one (0 = Monday), UTC. */
  guint  slot;
  gint64 credits;
  gint64 runs;
} TallyAnalyticsConsumption;

typedef struct
{
  char   tool_id[TALLY_TOOL_ID_MAX];
  gint64 users;
} TallyAnalyticsToolUsers;

typedef struct
{
  char   pack_id[TALLY_PACK_ID_MAX];
  char   currency[TALLY_CURRENCY_MAX];
  gint64 purchases;
  gint64 buyers;
  gint64 credits;
  gint64 amount;
} TallyAnalyticsPack;

typedef struct
{
  gint64 purchases;
  gint64 buyers;
  gint64 repeat_buyers;
} TallyAnalyticsBuyers;

typedef struct
{
  gint64 registered;
  gint64 first_run;
  gint64 first_purchase;
  gint64 second_purchase;
} TallyAnalyticsFunnel;

typedef enum
{
  TALLY_ANALYTICS_BY_TOOL,
  TALLY_ANALYTICS_BY_HOUR,
  TALLY_ANALYTICS_BY_WEEKDAY,
} TallyAnalyticsGrouping;

/* All ranges are [@since, @until) in microseconds UTC. Consumption is read
 * from the ledger's hourly sums of the consumption account, so its range
 * must be whole hours. Each returns NULL or FALSE with @error set. */
GArray   *tally_store_analytics_consumption (TallyStore             *self,
                                             TallyAnalyticsGrouping  grouping,
                                             gint64                  since,
                                             gint64                  until,
                                             GError                **error);
/* TallyAnalyticsToolUsers: distinct users of the runs that succeeded. */
GArray   *tally_store_analytics_tool_users  (TallyStore             *self,
                                             gint64                  since,
                                             gint64                  until,
                                             GError                **error);
/* TallyAnalyticsPack of paid purchases, most purchases first. */
GArray   *tally_store_analytics_packs       (TallyStore             *self,
                                             gint64                  since,
                                             gint64                  until,
                                             GError                **error);
gboolean  tally_store_analytics_buyers      (TallyStore             *self,
                                             gint64                  since,
                                             gint64                  until,
                                             TallyAnalyticsBuyers   *buyers,
                                             GError                **error);
/* gint64: the microseconds between each buyer's consecutive paid
 * purchases in the range, ascending. */
GArray   *tally_store_analytics_gaps        (TallyStore             *self,
                                             gint64                  since,
                                             gint64                  until,
                                             GError                **error);
/* Users who registered in the range and how many of them, before @until,
 * had a run that succeeded, and one and two paid purchases. */
gboolean  tally_store_analytics_funnel      (TallyStore             *self,
                                             gint64                  since,
                                             gint64                  until,
                                             TallyAnalyticsFunnel   *funnel,
                                             GError                **error);

/* What user and team accounts hold: the service's liability. */
typedef struct
{
  gint64 user_balance;
  gint64 team_balance;
  /* Credits held by pending transfers (run holds, leases). */
  gint64 held;
  /* Pending transfers with a timeout not yet settled. */
  gint64 holds;
} TallyOutstanding;

/* Pack checkouts (not automatic top-ups) by where they got to. */
typedef struct
{
  gint64 started;
  gint64 completed;
  gint64 declined;
  /* Still open, younger than the timeout, and older. */
  gint64 open;
  gint64 abandoned;
} TallyCheckoutStages;

gboolean  tally_store_outstanding           (TallyStore             *self,
                                             TallyOutstanding       *outstanding,
                                             GError                **error);
/* A checkout still open @timeout microseconds after it started counts as
 * abandoned. */
gboolean  tally_store_checkout_stages       (TallyStore             *self,
                                             gint64                  now,
                                             gint64                  timeout,
                                             TallyCheckoutStages    *stages,
                                             GError                **error);

G_END_DECLS
