/* tally-ops-report.h: what the admin's Analytics and Errors panes show,
 * typed from the server's replies
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One kind of error answer: its code on one route, how often, when. */
typedef struct
{
  char   *method;
  char   *route;
  gint64  status;
  char   *code;
  gint64  count;
  char   *first_seen;
  char   *last_seen;
  char   *request_id;
} TallyErrorGroup;

/* GET /v1/admin/errors: most recently seen first. */
typedef struct
{
  char      *since;
  gint64     evicted;
  /* TallyErrorGroup */
  GPtrArray *items;
} TallyErrorGroups;

TallyErrorGroups *tally_error_groups_new_from_json (JsonObject        *object,
                                                    GError           **error);
void              tally_error_groups_free          (TallyErrorGroups  *self);

/* One bar's figures. A tool (@name NULL for consumption of no tool):
 * @count runs, @credits, @users. An hour or a day: @count runs,
 * @credits. A pack: @count purchases, @users buyers, @credits. A funnel
 * step: @count users, @per_mille of those registered. */
typedef struct
{
  char   *name;
  gint64  count;
  gint64  credits;
  gint64  users;
  gint64  per_mille;
} TallyAnalyticsItem;

typedef struct
{
  char      *since;
  char      *until;
  /* TallyAnalyticsItem each, most credits first. */
  GPtrArray *tools;
  /* By hour of the day (UTC) 0–23 and by day of the week Monday–Sunday. */
  GPtrArray *hours;
  GPtrArray *days;
  GPtrArray *packs;
  gint64     purchases;
  gint64     buyers;
  gint64     repeat_buyers;
  gint64     repeat_per_mille;
  /* Median seconds between a buyer's purchases; -1 when nobody bought
   * twice. */
  gint64     median_seconds_between;
  /* Registered, first run, first purchase, second purchase. */
  GPtrArray *funnel;
} TallyAnalytics;

TallyAnalytics   *tally_analytics_new_from_json    (JsonObject        *object,
                                                    GError           **error);
void              tally_analytics_free             (TallyAnalytics    *self);
/* The figures as CSV (section,item,measure,value), text cells neutralised
 * against formula injection. */
char             *tally_analytics_to_csv           (TallyAnalytics    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyErrorGroups, tally_error_groups_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyAnalytics, tally_analytics_free)

G_END_DECLS
