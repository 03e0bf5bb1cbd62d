/* tally-metrics.h: counters and histograms, in Prometheus text format
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TALLY_TYPE_METRICS (tally_metrics_get_type ())

G_DECLARE_FINAL_TYPE (TallyMetrics, tally_metrics, TALLY, METRICS, GObject)

TallyMetrics *tally_metrics_new             (void);
void          tally_metrics_observe_request (TallyMetrics *self,
                                             const char   *method,
                                             const char   *route,
                                             guint         status,
                                             gint64        duration_us);
void          tally_metrics_observe_run     (TallyMetrics *self,
                                             const char   *tool,
                                             const char   *outcome,
                                             gint64        charged);
void          tally_metrics_observe_commit  (TallyMetrics *self,
                                             guint         n_writes,
                                             gint64        duration_us);
/* Counts a named event, e.g. "payments_total" with a label value; a NULL
 * @label counts a series without labels. */
void          tally_metrics_count           (TallyMetrics *self,
                                             const char   *name,
                                             const char   *label,
                                             const char   *value);
/* Adds @amount to a counter named as tally_metrics_count() names it. */
void          tally_metrics_add             (TallyMetrics *self,
                                             const char   *name,
                                             const char   *label,
                                             const char   *value,
                                             guint64       amount);
/* Serves @name at 0 for each of @values (NULL-terminated; ignored when
 * @label is NULL) before anything is counted, so a rule over a closed
 * label set sees every series from the start. */
void          tally_metrics_declare         (TallyMetrics       *self,
                                             const char         *name,
                                             const char         *label,
                                             const char * const *values);
/* Sets a gauge, as tally_metrics_count() names series. */
void          tally_metrics_set_gauge       (TallyMetrics *self,
                                             const char   *name,
                                             const char   *label,
                                             const char   *value,
                                             gint64        amount);
/* @method when it is an HTTP method, else "other": what a label may hold
 * of a word the client chose. */
const char   *tally_metrics_method_label    (const char   *method);
char         *tally_metrics_render          (TallyMetrics *self);

G_END_DECLS
