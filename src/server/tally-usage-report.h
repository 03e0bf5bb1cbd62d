/* tally-usage-report.h: what an account spent, bucket by bucket, and where that
 * pace leads (GET /v1/usage without the HTTP)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-api-store.h"

G_BEGIN_DECLS

#define TALLY_USAGE_REPORT_ERROR (tally_usage_report_error_quark ())

typedef enum
{
  /* since is not before until. */
  TALLY_USAGE_REPORT_ERROR_EMPTY_RANGE,
  /* More buckets than the granularity allows (about ten years). */
  TALLY_USAGE_REPORT_ERROR_TOO_LONG,
  /* A bound outside the years 1 to 9999 of the account's calendar. */
  TALLY_USAGE_REPORT_ERROR_OUT_OF_CALENDAR,
} TallyUsageReportError;

/* The pace of the projection: the consumption of the last 30 days. */
#define TALLY_USAGE_REPORT_PACE_DAYS 30

typedef struct
{
  char        account_id[TALLY_UUID_LEN];
  /* The zone whose midnights start the buckets; empty or unknown is UTC. */
  char        timezone[TALLY_TIMEZONE_MAX];
  TallyPeriod granularity;
  /* Microseconds UTC, since inclusive, until exclusive; 0 for the default
   * (see tally_usage_report_compute()). */
  gint64      since;
  gint64      until;
  gint64      now;
} TallyUsageReportQuery;

typedef struct
{
  /* The local midnight the bucket's day, week or month begins at. */
  gint64 start;
  /* Posted consumption, as a positive number, and how many items. */
  gint64 spent;
  gint64 runs;
  /* Posted purchases and refunds credited to the account, net. */
  gint64 purchased;
  gint64 refunded;
} TallyUsageReportBucket;

typedef struct
{
  /* Empty for consumption of no tool. */
  char   tool_id[TALLY_TOOL_ID_MAX];
  gint64 spent;
  gint64 runs;
} TallyUsageReportTool;

typedef struct
{
  TallyPeriod granularity;
  gint64      since;
  gint64      until;
  /* TallyUsageReportBucket, oldest first. */
  GArray     *buckets;
  /* TallyUsageReportTool, most spent first. */
  GArray     *tools;
  /* FALSE when nothing was spent in the last 30 days. */
  gboolean    has_days_left;
  gint64      days_left;
  gint64      month_end_spent;
} TallyUsageReport;

GQuark      tally_usage_report_error_quark             (void);
gboolean    tally_usage_report_granularity_from_string (const char             *text,
                                                 TallyPeriod            *granularity);
const char *tally_usage_report_granularity_to_string   (TallyPeriod             granularity);

TallyUsageReport *tally_usage_report_compute                 (TallyApiStore         *store,
                                                 const TallyUsageReportQuery  *query,
                                                 GError                **error);
void        tally_usage_report_free                    (TallyUsageReport             *usage);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyUsageReport, tally_usage_report_free)

G_END_DECLS
