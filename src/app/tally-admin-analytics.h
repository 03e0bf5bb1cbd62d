/* tally-admin-analytics.h: the Admin view's Analytics pane
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-bar-chart.h"
#include "tally-ops-report.h"
#include "tally-admin-pane.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ADMIN_ANALYTICS (tally_admin_analytics_get_type ())

/* Actions: analytics.reload, analytics.export (asks for a file). */
G_DECLARE_FINAL_TYPE (TallyAdminAnalytics, tally_admin_analytics, TALLY, ADMIN_ANALYTICS,
                      TallyAdminPane)

typedef enum
{
  TALLY_ANALYTICS_TOOLS,
  TALLY_ANALYTICS_HOURS,
  TALLY_ANALYTICS_DAYS,
  TALLY_ANALYTICS_PACKS,
  TALLY_ANALYTICS_FUNNEL,
  TALLY_ANALYTICS_N_CHARTS,
} TallyAnalyticsChart;

GtkWidget      *tally_admin_analytics_new           (TallySession        *session);
/* The period asked for: the last @days days up to now (7, 30, 90 or 365);
 * reads the figures again. */
void            tally_admin_analytics_set_days      (TallyAdminAnalytics *self,
                                                     guint                days);
/* The figures shown; NULL before the first answer or after an error. */
TallyAnalytics *tally_admin_analytics_get_analytics (TallyAdminAnalytics *self);
TallyBarChart  *tally_admin_analytics_get_chart     (TallyAdminAnalytics *self,
                                                     TallyAnalyticsChart  chart);
/* Shows every chart as a table (or as a chart again). */
void            tally_admin_analytics_show_tables   (TallyAdminAnalytics *self,
                                                     gboolean             tables);
/* Writes the figures shown as CSV to @file, as Export… does after its
 * file chooser; a toast says how it went. */
void            tally_admin_analytics_export_to     (TallyAdminAnalytics *self,
                                                     GFile               *file);

G_END_DECLS
