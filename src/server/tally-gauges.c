/* tally-gauges.c: the gauges /metrics reads at each scrape
 * (docs/operations.md, "Metrics")
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "tally-gauges.h"
#include "tally-log.h"
#include "tally-store-analytics.h"

void
tally_gauges_declare_counters (TallyMetrics *metrics)
{
  static const char * const emails[] = { "sent", "failed", NULL };
  static const char * const deliveries[] = { "retry", "delivered", "failed", NULL };
  static const char * const alerts[] = { "spend", "low_balance", NULL };
  static const char * const payments[] = {
    "checkout_created", "checkout_failed", "credited", "failed", "error", "invalid_signature",
    "recharge_succeeded", "recharge_failed", "recharge_abandoned", NULL,
  };

  tally_metrics_declare (metrics, "tally_emails_total", "outcome", emails);
  tally_metrics_declare (metrics, "tally_webhook_deliveries_total", "outcome", deliveries);
  tally_metrics_declare (metrics, "tally_alerts_total", "kind", alerts);
  tally_metrics_declare (metrics, "tally_payments_total", "outcome", payments);
  tally_metrics_declare (metrics, "tally_signups_total", NULL, NULL);
  tally_metrics_declare (metrics, "tally_credits_purchased_total", NULL, NULL);
}

static void
refresh_outstanding (TallyServer  *server,
                     TallyMetrics *metrics)
{
  g_autoptr(GError) error = NULL;
  TallyOutstanding outstanding = { 0 };

  if (!tally_api_store_outstanding (tally_server_get_store (server), &outstanding, &error))
    {
      tally_log_warning ("metrics_outstanding_failed", error->message);
      return;
    }

  tally_metrics_set_gauge (metrics, "tally_outstanding_credits", "kind", "user",
                           outstanding.user_balance);
  tally_metrics_set_gauge (metrics, "tally_outstanding_credits", "kind", "team",
                           outstanding.team_balance);
  tally_metrics_set_gauge (metrics, "tally_holds_outstanding_credits", NULL, NULL,
                           outstanding.held);
  tally_metrics_set_gauge (metrics, "tally_holds_outstanding", NULL, NULL, outstanding.holds);
}

static void
refresh_checkouts (TallyServer  *server,
                   TallyMetrics *metrics)
{
  g_autoptr(GError) error = NULL;
  TallyCheckoutStages stages = { 0 };

  if (!tally_api_store_checkout_stages (tally_server_get_store (server), g_get_real_time (),
                                        TALLY_CHECKOUT_TIMEOUT, &stages, &error))
    {
      tally_log_warning ("metrics_checkouts_failed", error->message);
      return;
    }

  tally_metrics_set_gauge (metrics, "tally_checkouts", "stage", "started", stages.started);
  tally_metrics_set_gauge (metrics, "tally_checkouts", "stage", "completed", stages.completed);
  tally_metrics_set_gauge (metrics, "tally_checkouts", "stage", "declined", stages.declined);
  tally_metrics_set_gauge (metrics, "tally_checkouts", "stage", "open", stages.open);
  tally_metrics_set_gauge (metrics, "tally_checkouts", "stage", "abandoned", stages.abandoned);
}

static gint64
file_size (const char *path)
{
  GStatBuf buf;

  return g_stat (path, &buf) == 0 ? (gint64) buf.st_size : 0;
}

/* The ledger file and its write-ahead log, and the room on their disk.
 * On PostgreSQL the data folder holds nothing (the server never makes
 * it): its database's disk is PostgreSQL's to watch, so none of these is
 * served rather than a warning at each scrape. */
static void
refresh_storage (TallyServer  *server,
                 TallyMetrics *metrics)
{
  TallyConfig *config = tally_server_get_config (server);
  g_autofree char *path = NULL;
  g_autofree char *wal = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (config->store_url != NULL)
    return;

  path = tally_config_ledger_path (config);
  wal = g_strconcat (path, "-wal", NULL);
  dir = g_file_new_for_path (config->data_dir);
  tally_metrics_set_gauge (metrics, "tally_database_size_bytes", NULL, NULL,
                           file_size (path) + file_size (wal));

  info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE ","
                                       G_FILE_ATTRIBUTE_FILESYSTEM_SIZE, NULL, &error);
  if (info == NULL)
    {
      tally_log_warning ("metrics_disk_failed", error->message);
      return;
    }
  tally_metrics_set_gauge (metrics, "tally_disk_free_bytes", NULL, NULL,
                           (gint64) g_file_info_get_attribute_uint64 (
                             info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
  tally_metrics_set_gauge (metrics, "tally_disk_size_bytes", NULL, NULL,
                           (gint64) g_file_info_get_attribute_uint64 (
                             info, G_FILE_ATTRIBUTE_FILESYSTEM_SIZE));
}

void
tally_gauges_refresh (TallyServer *server)
{
  TallyMetrics *metrics = tally_server_get_metrics (server);

  refresh_outstanding (server, metrics);
  refresh_checkouts (server, metrics);
  refresh_storage (server, metrics);
}
