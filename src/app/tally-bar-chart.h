/* tally-bar-chart.h: a bar chart drawn with GtkSnapshot
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TALLY_TYPE_BAR_CHART (tally_bar_chart_get_type ())

G_DECLARE_FINAL_TYPE (TallyBarChart, tally_bar_chart, TALLY, BAR_CHART, GtkWidget)

/* What a bar's figure counts: credits ("120 credits", the default) or
 * things the description names ("Funnel: first run: 12"). */
typedef enum
{
  TALLY_BAR_CHART_CREDITS,
  TALLY_BAR_CHART_COUNT,
} TallyBarChartUnit;

GtkWidget  *tally_bar_chart_new          (void);
/* What the chart shows, for its accessible name: "Credits spent per day". */
void        tally_bar_chart_set_title    (TallyBarChart      *self,
                                          const char         *title);
/* @labels are the axis's short labels ("20"), @descriptions what a bar is
 * in full ("Saturday 20 June 2026"); all three have @n_bars entries. The
 * selection moves to the last bar. */
void        tally_bar_chart_set_unit     (TallyBarChart      *self,
                                          TallyBarChartUnit   unit);
void        tally_bar_chart_set_bars     (TallyBarChart      *self,
                                          const char * const *labels,
                                          const char * const *descriptions,
                                          const gint64       *values,
                                          guint               n_bars);
guint       tally_bar_chart_get_n_bars   (TallyBarChart      *self);
/* The bar the keyboard is on; G_MAXUINT when there are none. */
guint       tally_bar_chart_get_selected (TallyBarChart      *self);
void        tally_bar_chart_set_selected (TallyBarChart      *self,
                                          guint               bar);
/* "Saturday 20 June 2026: 120 credits", what hover and focus show. */
char       *tally_bar_chart_describe_bar (TallyBarChart      *self,
                                          guint               bar);

/* The chart as drawn now, on the window's background, as PNG data. */
GBytes     *tally_bar_chart_render_png   (TallyBarChart      *self,
                                          GError            **error);

G_END_DECLS
