/* tally-alert-settings.h: what the user asks to be told about and how
 * (GET, PUT /v1/me/alerts), typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The API's limits on thresholds. */
#define TALLY_ALERT_MAX_THRESHOLDS 10
#define TALLY_ALERT_MIN_PERCENT    1
#define TALLY_ALERT_MAX_PERCENT    100

typedef struct
{
  /* Percents of each cap, ascending, without repeats. */
  guint    n_thresholds;
  int      thresholds[TALLY_ALERT_MAX_THRESHOLDS];
  /* Tell when the available balance falls to this many credits. */
  gboolean has_low_balance;
  gint64   low_balance;
  /* The channels. */
  gboolean app;
  gboolean desktop;
  gboolean email;
  gboolean webhook;
  /* No email between start and end ("HH:MM", the server's words). */
  gboolean has_quiet_hours;
  char     quiet_start[6];
  char     quiet_end[6];
} TallyAlertSettings;

#define TALLY_TYPE_ALERT_SETTINGS (tally_alert_settings_get_type ())

GType               tally_alert_settings_get_type      (void) G_GNUC_CONST;
/* The API's defaults: 50, 80 and 100 %, no low balance, every channel but
 * webhooks, no quiet hours. */
TallyAlertSettings *tally_alert_settings_new           (void);
/* From the API's object. A member that is missing or of the wrong type
 * keeps its default; thresholds out of range or beyond ten are left out. */
TallyAlertSettings *tally_alert_settings_new_from_json (JsonObject               *object);
/* The whole body of PUT /v1/me/alerts. */
JsonObject         *tally_alert_settings_to_json       (const TallyAlertSettings *self);
/* Adds @percent in order; FALSE when it is out of range, there already or
 * there are ten. */
gboolean            tally_alert_settings_add_threshold (TallyAlertSettings       *self,
                                                        int                       percent);
gboolean            tally_alert_settings_remove_threshold (TallyAlertSettings    *self,
                                                           int                    percent);
TallyAlertSettings *tally_alert_settings_copy          (const TallyAlertSettings *self);
void                tally_alert_settings_free          (TallyAlertSettings       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyAlertSettings, tally_alert_settings_free)

G_END_DECLS
