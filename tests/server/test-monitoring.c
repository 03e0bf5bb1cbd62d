/* test-monitoring.c: data/monitoring holds alerting rules promtool accepts
 * and whose unit tests pass, a Grafana dashboard, and no metric name in
 * either that /metrics does not serve
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static const char * const monitoring_files[] = {
  "tally.rules.yml",
  "tally.rules.test.yml",
  "tally-dashboard.json",
};

static char *
monitoring_path (const char *name)
{
  const char *dir = g_getenv ("TALLY_MONITORING_DIR");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

/* promtool @args, run in the monitoring folder; its output is logged. */
static void
run_promtool (const char * const *args)
{
  g_autofree char *promtool = g_find_program_in_path ("promtool");
  g_autofree char *dir = monitoring_path (".");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  if (promtool == NULL)
    g_error ("promtool is missing: build-aux/install-deps installs it (Debian's prometheus)");

  g_ptr_array_add (argv, promtool);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s\n%s", out, err);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

static void
test_rules_check (void)
{
  const char *args[] = { "check", "rules", "tally.rules.yml", NULL };

  run_promtool (args);
}

static void
test_rules_unit_tests (void)
{
  const char *args[] = { "test", "rules", "tally.rules.test.yml", NULL };

  run_promtool (args);
}

/* Every rule of the rules file has a runbook and unit tests. */
static void
test_rules_documented (void)
{
  g_autofree char *path = monitoring_path ("tally.rules.yml");
  g_autofree char *tests_path = monitoring_path ("tally.rules.test.yml");
  g_autofree char *text = NULL, *tests = NULL;
  g_autoptr(GRegex) alert = g_regex_new ("^\\s*- alert: (\\w+)$", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint n_rules = 0, n_runbooks = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_file_get_contents (tests_path, &tests, NULL, NULL));
  for (g_regex_match (alert, text, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *name = g_match_info_fetch (match, 1);
      g_autofree char *tested = g_strdup_printf ("alertname: %s\n", name);

      g_test_message ("%s", name);
      g_assert_nonnull (strstr (tests, tested));
      n_rules++;
    }
  for (const char *at = text; (at = strstr (at, "runbook: ")) != NULL; at++)
    n_runbooks++;

  g_assert_cmpuint (n_rules, >=, 7);
  g_assert_cmpuint (n_runbooks, ==, n_rules);
}

/* The names /metrics serves: each "# TYPE" line's, a histogram's with its
 * _bucket, _sum and _count. */
static GHashTable *
served_names (TestServer *server)
{
  g_autoptr(TestResponse) metrics = test_request (server, "GET", "/metrics", NULL, NULL);
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpuint (metrics->status, ==, 200);
  lines = g_strsplit (metrics->body, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;

      if (!g_str_has_prefix (lines[i], "# TYPE "))
        continue;
      words = g_strsplit (lines[i] + strlen ("# TYPE "), " ", 2);
      g_assert_nonnull (words[1]);
      g_hash_table_add (names, g_strdup (words[0]));
      if (g_str_equal (words[1], "histogram"))
        {
          g_hash_table_add (names, g_strconcat (words[0], "_bucket", NULL));
          g_hash_table_add (names, g_strconcat (words[0], "_sum", NULL));
          g_hash_table_add (names, g_strconcat (words[0], "_count", NULL));
        }
    }
  return names;
}

/* The storage gauges of SQLite's file and data folder: on PostgreSQL the
 * data folder holds nothing and the server serves none of them
 * (docs/operations.md), so the disk rules are SQLite's only. */
static const char * const sqlite_only_names[] = {
  "tally_database_size_bytes",
  "tally_disk_free_bytes",
  "tally_disk_size_bytes",
  NULL
};

static gboolean
excused (const char *name)
{
  return test_store_is_postgres () && g_strv_contains (sqlite_only_names, name);
}

static void
test_metric_names_served (void)
{
  g_autoptr(TestServer) server = test_server_start_quiet (NULL);
  g_autoptr(GHashTable) served = served_names (server);
  g_autoptr(GRegex) name = g_regex_new ("\\btally_[a-z0-9_]+", 0, 0, NULL);
  guint n_used = 0;

  for (guint i = 0; i < G_N_ELEMENTS (monitoring_files); i++)
    {
      g_autofree char *path = monitoring_path (monitoring_files[i]);
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) match = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      for (g_regex_match (name, text, 0, &match); g_match_info_matches (match);
           g_match_info_next (match, NULL))
        {
          g_autofree char *used = g_match_info_fetch (match, 0);

          if (!g_hash_table_contains (served, used) && !excused (used))
            g_error ("%s uses %s, which /metrics does not serve", monitoring_files[i], used);
          n_used++;
        }
    }
  g_assert_cmpuint (n_used, >, 20);
}

/* A Grafana dashboard: unique panel ids, each graph with queries, and a
 * Prometheus data source chosen by a variable. */
static void
test_dashboard (void)
{
  g_autofree char *path = monitoring_path ("tally-dashboard.json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_direct_hash, g_direct_equal);
  JsonObject *dashboard;
  JsonArray *panels;
  guint n_graphs = 0;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  dashboard = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (dashboard, "uid"), ==, "tally-server");
  panels = json_object_get_array_member (dashboard, "panels");
  for (guint i = 0; i < json_array_get_length (panels); i++)
    {
      JsonObject *panel = json_array_get_object_element (panels, i);
      gint64 id = json_object_get_int_member (panel, "id");

      g_assert_false (g_hash_table_contains (ids, GINT_TO_POINTER (id)));
      g_hash_table_add (ids, GINT_TO_POINTER (id));
      if (g_str_equal (json_object_get_string_member (panel, "type"), "row"))
        continue;
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (panel, "targets")),
                        >, 0);
      n_graphs++;
    }
  g_assert_cmpuint (n_graphs, >=, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitoring/rules-check", test_rules_check);
  g_test_add_func ("/monitoring/rules-unit-tests", test_rules_unit_tests);
  g_test_add_func ("/monitoring/rules-documented", test_rules_documented);
  g_test_add_func ("/monitoring/metric-names-served", test_metric_names_served);
  g_test_add_func ("/monitoring/dashboard", test_dashboard);

  return g_test_run ();
}
