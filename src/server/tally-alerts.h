/* tally-alerts.h: spend and low-balance alerts, decided in the commit that
 * changes the balance
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-problem.h"
#include "tally-store-alerts.h"

G_BEGIN_DECLS

typedef struct _TallyServer TallyServer;

/* PUT /v1/me/alerts, decoded: what was given, to merge into the saved
 * settings. */
struct _TallyAlertSettingsRequest
{
  gboolean has_thresholds;
  guint    n_thresholds;
  gint64   thresholds[TALLY_ALERT_THRESHOLDS_MAX];
  gboolean has_low_balance;
  /* -1 for null: no low-balance alert. */
  gint64   low_balance;
  gboolean has_app, app;
  gboolean has_desktop, desktop;
  gboolean has_email, email;
  gboolean has_webhook, webhook;
  gboolean has_quiet_hours;
  /* Both empty for null. */
  char     quiet_start[TALLY_ALERT_TIME_LEN];
  char     quiet_end[TALLY_ALERT_TIME_LEN];
};

typedef struct _TallyAlertSettingsRequest TallyAlertSettingsRequest;

#define TALLY_TYPE_ALERTS (tally_alerts_get_type ())

/* Owned by the server. Before each group commit, looks at the accounts
 * the commit's transfers touched and stores the alerts they crossed, in
 * the same transaction; after it, pushes them and starts their
 * deliveries. */
G_DECLARE_FINAL_TYPE (TallyAlerts, tally_alerts, TALLY, ALERTS, GObject)

TallyAlerts *tally_alerts_new            (TallyServer                     *server);

/* Merges @request into @settings. A new low-balance threshold is armed. */
void         tally_alerts_merge_settings (TallyAlertSettings              *settings,
                                          const TallyAlertSettingsRequest *request);
/* Saves the merged settings of @user_id, inside a writer func, and leaves
 * the whole result in @settings. */
gboolean     tally_alerts_save_settings  (TallyAlerts                     *self,
                                          const char                      *user_id,
                                          const TallyAlertSettingsRequest *request,
                                          TallyAlertSettings              *settings,
                                          GError                         **error);
/* The email channel off, by the unsubscribe link: audited as the user's
 * own act. Inside a writer func. */
gboolean     tally_alerts_unsubscribe_email (TallyAlerts               *self,
                                             const char                *user_id,
                                             TallyAlertSettings        *settings,
                                             GError                   **error);
/* When the quiet hours that hold @now end, in microseconds UTC; 0 when
 * @now is not in them. */
gint64       tally_alert_quiet_until     (const TallyAlertSettings        *settings,
                                          const char                      *timezone,
                                          gint64                           now);

/* The public route an alert email's link opens: GET shows a button,
 * POST (also RFC 8058's one-click) switches the email channel off. */
#define TALLY_ALERTS_UNSUBSCRIBE_PATH "/v1/alerts/unsubscribe"

/* "USER_ID.HEX": HMAC-SHA256 of the user's id with the link secret. */
char        *tally_alerts_unsubscribe_token       (TallyAlerts  *self,
                                                   const char   *user_id);
gboolean     tally_alerts_check_unsubscribe_token (TallyAlerts  *self,
                                                   const char   *token,
                                                   char          user_id[TALLY_UUID_LEN]);

/* {id, kind, window, threshold, amount, limit, created_at, message} */
JsonObject  *tally_alert_to_json         (const TallyAlert                *alert);

G_END_DECLS
