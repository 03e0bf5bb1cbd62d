/* json-bench.c: what the server's strict JSON decoding costs
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; never fails on a time. tally_json_parse_object() reads
 * every body twice: a strict RFC 8259 pass of its own (depth, whole
 * numbers beyond 64 bits with the member's path), then json-glib's
 * parser. This times it against json-glib's parser alone, the baseline,
 * in the same process on the same bytes:
 *
 * - a run's body, the most common request (about 100 bytes);
 * - a sync body of 2,000 offline operations, each with inputs (about
 *   900 KB, under the default 1 MiB body limit): the largest body a
 *   client sends, and the one with the most members, so the most
 *   path-building.
 *
 * Each figure is the best and the median of many rounds.
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "tally-json-decode.h"

#define N_OPS 2000

typedef gboolean (*ParseFunc) (const char *data,
                               gsize       length);

static gboolean
parse_strict (const char *data,
              gsize       length)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) object = tally_json_parse_object (data, length, &problem);

  return object != NULL;
}

static gboolean
parse_baseline (const char *data,
                gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  return json_parser_load_from_data (parser, data, (gssize) length, NULL);
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Best and median, in µs per parse, of @rounds rounds of @per_round. */
static void
time_parse (ParseFunc   parse,
            const char *data,
            gsize       length,
            guint       rounds,
            guint       per_round,
            double     *best,
            double     *median)
{
  g_autoptr(GArray) times = g_array_sized_new (FALSE, FALSE, sizeof (gint64), rounds);

  for (guint r = 0; r < rounds; r++)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      for (guint i = 0; i < per_round; i++)
        if (!parse (data, length))
          g_error ("the bench's own body did not parse");
      elapsed = g_get_monotonic_time () - start;
      g_array_append_val (times, elapsed);
    }
  g_array_sort (times, compare_times);
  *best = (double) g_array_index (times, gint64, 0) / per_round;
  *median = (double) g_array_index (times, gint64, rounds / 2) / per_round;
}

static char *
sync_body (void)
{
  GString *body = g_string_new ("{\"device_id\": \"6f1c1f0e-6a43-4c1e-9b7e-2f1f3c6f2a10\", "
                                "\"cursor\": 123456, \"ops\": [");

  for (guint i = 0; i < N_OPS; i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      g_string_append_printf (body,
                              "%s{\"id\": \"%s\", \"kind\": \"run\", \"tool_id\": \"text-statistics\", "
                              "\"units\": %u, \"amount\": %u, \"lease_id\": "
                              "\"0b9e5a4e-64f5-4f0e-a0a5-3d2a8c1c7e55\", \"created_at\": "
                              "\"2026-12-07T02:%02u:%02u.123456Z\", \"inputs\": {\"text\": "
                              "\"The quick brown fox jumps over the lazy dog, op %u.\", "
                              "\"language\": \"en\", \"options\": {\"count\": [\"words\", "
                              "\"lines\", \"characters\"], \"strict\": true}}, \"note\": null}",
                              i == 0 ? "" : ", ", id, 9 + i % 50, 1 + i % 7, i / 60 % 60, i % 60, i);
    }
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

static void
measure (const char *name,
         const char *data,
         guint       rounds,
         guint       per_round)
{
  gsize length = strlen (data);
  double strict_best, strict_median, base_best, base_median;

  time_parse (parse_baseline, data, length, rounds, per_round, &base_best, &base_median);
  time_parse (parse_strict, data, length, rounds, per_round, &strict_best, &strict_median);

  g_print ("%-22s %9zu B   json-glib alone %10.1f us (median %10.1f)   "
           "tally_json_parse_object %10.1f us (median %10.1f)   x%.2f, %.0f MB/s\n",
           name, length, base_best, base_median, strict_best, strict_median,
           strict_best / base_best, (double) length / strict_best);
}

int
main (void)
{
  g_autofree char *sync = sync_body ();
  const char *run = "{\"id\": \"0b9e5a4e-64f5-4f0e-a0a5-3d2a8c1c7e55\", \"tool_id\": "
                    "\"text-statistics\", \"inputs\": {\"text\": \"The quick brown fox.\"}}";

  g_print ("json-bench: the strict decoding against json-glib's parser alone, best of "
           "many rounds\n");
  measure ("a run", run, 31, 2000);
  measure ("a sync of 2,000 ops", sync, 15, 3);
  return 0;
}
