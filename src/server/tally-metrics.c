/* tally-metrics.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-metrics.h"

/* Upper bounds of the latency histogram, in seconds, as Prometheus likes. */
static const double latency_bounds[] = {
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define N_LATENCY_BUCKETS G_N_ELEMENTS (latency_bounds)

static const guint batch_bounds[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
#define N_BATCH_BUCKETS G_N_ELEMENTS (batch_bounds)

typedef struct
{
  guint64 buckets[N_LATENCY_BUCKETS];
  guint64 count;
  double  sum;
} Latency;

struct _TallyMetrics
{
  GObject     parent_instance;

  /* "method route status" -> guint64 count */
  GHashTable *requests;
  /* "method route" -> Latency */
  GHashTable *latency;
  /* "tool outcome" -> count; "tool" -> credits */
  GHashTable *runs;
  GHashTable *consumed;
  /* "name label value" -> count */
  GHashTable *counters;
  /* "name{labels}" -> gint64 value, set at each scrape */
  GHashTable *gauges;
  guint64     batch_buckets[N_BATCH_BUCKETS];
  guint64     batch_count;
  guint64     batch_sum;
  /* How long each group commit took, BEGIN to COMMIT. */
  Latency     commit;
};

G_DEFINE_FINAL_TYPE (TallyMetrics, tally_metrics, G_TYPE_OBJECT)

static void
tally_metrics_finalize (GObject *object)
{
  TallyMetrics *self = (TallyMetrics *) object;

  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->latency, g_hash_table_unref);
  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_pointer (&self->consumed, g_hash_table_unref);
  g_clear_pointer (&self->counters, g_hash_table_unref);
  g_clear_pointer (&self->gauges, g_hash_table_unref);

  G_OBJECT_CLASS (tally_metrics_parent_class)->finalize (object);
}

static void
tally_metrics_class_init (TallyMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_metrics_finalize;
}

static GHashTable *
counter_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
tally_metrics_init (TallyMetrics *self)
{
  self->requests = counter_table ();
  self->latency = counter_table ();
  self->runs = counter_table ();
  self->consumed = counter_table ();
  self->counters = counter_table ();
  self->gauges = counter_table ();
}

TallyMetrics *
tally_metrics_new (void)
{
  return g_object_new (TALLY_TYPE_METRICS, NULL);
}

static void
add_to (GHashTable *table,
        char       *key,
        guint64     amount)
{
  guint64 *value = g_hash_table_lookup (table, key);

  if (value == NULL)
    {
      value = g_new0 (guint64, 1);
      g_hash_table_insert (table, key, value);
    }
  else
    g_free (key);

  *value += amount;
}

/* Label values come from route patterns, tool ids and fixed words; escape
 * anyway, as the format asks. */
static char *
label_value (const char *value)
{
  g_autoptr(GString) escaped = g_string_new (NULL);

  for (const char *c = value ? value : ""; *c; c++)
    {
      if (*c == '\\' || *c == '"')
        g_string_append_c (escaped, '\\');
      if (*c == '\n')
        g_string_append (escaped, "\\n");
      else
        g_string_append_c (escaped, *c);
    }

  return g_string_free (g_steal_pointer (&escaped), FALSE);
}

/* The method comes from the client: any word but the HTTP methods is
 * "other", or invented methods would add series without end. */
const char *
tally_metrics_method_label (const char *method)
{
  static const char * const known[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      if (g_strcmp0 (method, known[i]) == 0)
        return known[i];
    }

  return "other";
}

static void
observe_latency (Latency *latency,
                 gint64   duration_us)
{
  double seconds = duration_us / 1e6;

  for (guint i = 0; i < N_LATENCY_BUCKETS; i++)
    if (seconds <= latency_bounds[i])
      latency->buckets[i]++;
  latency->count++;
  latency->sum += seconds;
}

/* @route is a route's pattern or a fixed word ("unmatched"), never a
 * path the client sent. */
void
tally_metrics_observe_request (TallyMetrics *self,
                               const char   *method,
                               const char   *route,
                               guint         status,
                               gint64        duration_us)
{
  const char *m = tally_metrics_method_label (method);
  g_autofree char *r = label_value (route);
  char *key = g_strdup_printf ("method=\"%s\",route=\"%s\"", m, r);
  Latency *latency = g_hash_table_lookup (self->latency, key);

  g_return_if_fail (TALLY_IS_METRICS (self));

  add_to (self->requests, g_strdup_printf ("%s,status=\"%u\"", key, status), 1);

  if (latency == NULL)
    {
      latency = g_new0 (Latency, 1);
      g_hash_table_insert (self->latency, key, latency);
    }
  else
    g_free (key);

  observe_latency (latency, duration_us);
}

void
tally_metrics_observe_run (TallyMetrics *self,
                           const char   *tool,
                           const char   *outcome,
                           gint64        charged)
{
  g_autofree char *t = label_value (tool);
  g_autofree char *o = label_value (outcome);

  g_return_if_fail (TALLY_IS_METRICS (self));

  add_to (self->runs, g_strdup_printf ("tool=\"%s\",outcome=\"%s\"", t, o), 1);
  if (charged > 0)
    add_to (self->consumed, g_strdup_printf ("tool=\"%s\"", t), (guint64) charged);
}

void
tally_metrics_observe_commit (TallyMetrics *self,
                              guint         n_writes,
                              gint64        duration_us)
{
  g_return_if_fail (TALLY_IS_METRICS (self));

  for (guint i = 0; i < N_BATCH_BUCKETS; i++)
    if (n_writes <= batch_bounds[i])
      self->batch_buckets[i]++;
  self->batch_count++;
  self->batch_sum += n_writes;
  observe_latency (&self->commit, duration_us);
}

/* "name{label="value"}", or "name" without a label. */
static char *
series_key (const char *name,
            const char *label,
            const char *value)
{
  g_autofree char *v = NULL;

  if (label == NULL)
    return g_strdup (name);
  v = label_value (value);
  return g_strdup_printf ("%s{%s=\"%s\"}", name, label, v);
}

void
tally_metrics_count (TallyMetrics *self,
                     const char   *name,
                     const char   *label,
                     const char   *value)
{
  g_return_if_fail (TALLY_IS_METRICS (self));

  add_to (self->counters, series_key (name, label, value), 1);
}

void
tally_metrics_add (TallyMetrics *self,
                   const char   *name,
                   const char   *label,
                   const char   *value,
                   guint64       amount)
{
  g_return_if_fail (TALLY_IS_METRICS (self));

  add_to (self->counters, series_key (name, label, value), amount);
}

void
tally_metrics_declare (TallyMetrics       *self,
                       const char         *name,
                       const char         *label,
                       const char * const *values)
{
  g_return_if_fail (TALLY_IS_METRICS (self));

  if (label == NULL)
    {
      add_to (self->counters, series_key (name, NULL, NULL), 0);
      return;
    }
  for (guint i = 0; values[i] != NULL; i++)
    add_to (self->counters, series_key (name, label, values[i]), 0);
}

void
tally_metrics_set_gauge (TallyMetrics *self,
                         const char   *name,
                         const char   *label,
                         const char   *value,
                         gint64        amount)
{
  gint64 *stored;
  char *key;

  g_return_if_fail (TALLY_IS_METRICS (self));

  key = series_key (name, label, value);
  stored = g_hash_table_lookup (self->gauges, key);
  if (stored == NULL)
    {
      stored = g_new0 (gint64, 1);
      g_hash_table_insert (self->gauges, key, stored);
    }
  else
    g_free (key);
  *stored = amount;
}

static void
render_counters (GString    *out,
                 const char *name,
                 const char *help,
                 GHashTable *table)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) g_strcmp0);

  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  for (GList *l = keys; l != NULL; l = l->next)
    g_string_append_printf (out, "%s{%s} %" G_GUINT64_FORMAT "\n", name, (char *) l->data,
                            *(guint64 *) g_hash_table_lookup (table, l->data));
}

/* One histogram series; @labels may be empty. */
static void
render_histogram (GString       *out,
                  const char    *name,
                  const char    *labels,
                  const Latency *latency)
{
  const char *comma = labels[0] != '\0' ? "," : "";
  char bound[G_ASCII_DTOSTR_BUF_SIZE], sum[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < N_LATENCY_BUCKETS; i++)
    g_string_append_printf (out, "%s_bucket{%s%sle=\"%s\"} %" G_GUINT64_FORMAT "\n", name,
                            labels, comma,
                            g_ascii_dtostr (bound, sizeof bound, latency_bounds[i]),
                            latency->buckets[i]);
  g_string_append_printf (out, "%s_bucket{%s%sle=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name,
                          labels, comma, latency->count);
  g_string_append_printf (out, "%s_sum%s%s%s %s\n%s_count%s%s%s %" G_GUINT64_FORMAT "\n",
                          name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
                          g_ascii_dtostr (sum, sizeof sum, latency->sum),
                          name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
                          latency->count);
}

static void
render_latency (GString    *out,
                GHashTable *table)
{
  const char *name = "tally_http_request_duration_seconds";
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) g_strcmp0);

  g_string_append_printf (out, "# HELP %s Time to answer a request.\n# TYPE %s histogram\n",
                          name, name);
  for (GList *l = keys; l != NULL; l = l->next)
    render_histogram (out, name, l->data, g_hash_table_lookup (table, l->data));
}

static void
render_commit_latency (TallyMetrics *self,
                       GString      *out)
{
  const char *name = "tally_ledger_commit_duration_seconds";

  g_string_append_printf (out, "# HELP %s Time a group commit took, from BEGIN to a durable "
                          "COMMIT.\n# TYPE %s histogram\n", name, name);
  render_histogram (out, name, "", &self->commit);
}

static void
render_batches (TallyMetrics *self,
                GString      *out)
{
  const char *name = "tally_ledger_commit_batch_size";

  g_string_append_printf (out, "# HELP %s Writes committed together in one transaction.\n"
                          "# TYPE %s histogram\n", name, name);
  for (guint i = 0; i < N_BATCH_BUCKETS; i++)
    g_string_append_printf (out, "%s_bucket{le=\"%u\"} %" G_GUINT64_FORMAT "\n", name,
                            batch_bounds[i], self->batch_buckets[i]);
  g_string_append_printf (out, "%s_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n"
                          "%s_sum %" G_GUINT64_FORMAT "\n%s_count %" G_GUINT64_FORMAT "\n",
                          name, self->batch_count, name, self->batch_sum, name, self->batch_count);
}

/* Extra counters and gauges are stored with their full name{labels}:
 * group by name. */
static void
render_named (GString    *out,
              const char *type,
              GHashTable *table,
              gboolean    is_signed)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) g_strcmp0);
  g_autofree char *current = NULL;

  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *name = g_strndup (key, strcspn (key, "{"));

      if (g_strcmp0 (name, current) != 0)
        {
          g_string_append_printf (out, "# TYPE %s %s\n", name, type);
          g_free (current);
          current = g_steal_pointer (&name);
        }
      if (is_signed)
        g_string_append_printf (out, "%s %" G_GINT64_FORMAT "\n", key,
                                *(gint64 *) g_hash_table_lookup (table, key));
      else
        g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", key,
                                *(guint64 *) g_hash_table_lookup (table, key));
    }
}

char *
tally_metrics_render (TallyMetrics *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (TALLY_IS_METRICS (self), NULL);

  render_counters (out, "tally_http_requests_total", "Requests answered, by route and status.",
                   self->requests);
  render_latency (out, self->latency);
  render_counters (out, "tally_runs_total", "Tool runs ended, by tool and outcome.", self->runs);
  render_counters (out, "tally_credits_consumed_total", "Credits charged for runs, by tool.",
                   self->consumed);
  render_batches (self, out);
  render_commit_latency (self, out);
  render_named (out, "counter", self->counters, FALSE);
  render_named (out, "gauge", self->gauges, TRUE);

  return g_string_free (out, FALSE);
}
