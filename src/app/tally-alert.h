/* tally-alert.h: one alert of GET /v1/alerts or the event stream, typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  /* A share of a cap was spent. */
  TALLY_ALERT_KIND_SPEND,
  /* The available balance fell to the threshold. */
  TALLY_ALERT_KIND_LOW_BALANCE,
} TallyAlertKind;

#define TALLY_TYPE_ALERT (tally_alert_get_type ())

G_DECLARE_FINAL_TYPE (TallyAlert, tally_alert, TALLY, ALERT, GObject)

/* NULL with @error when @object is not an alert of the API: no id, an
 * unknown kind, no creation time, or figures that are not integers. */
TallyAlert     *tally_alert_new_from_json   (JsonObject  *object,
                                             GError     **error);
const char     *tally_alert_get_id          (TallyAlert  *self);
TallyAlertKind  tally_alert_get_kind        (TallyAlert  *self);
/* "day", "month" or "run" for a spend alert; NULL for low balance. */
const char     *tally_alert_get_window      (TallyAlert  *self);
/* A percent of the cap for a spend alert, credits for low balance. */
gint64          tally_alert_get_threshold   (TallyAlert  *self);
/* What was spent in the window (the available balance for low balance)
 * and the cap (the threshold). */
gint64          tally_alert_get_amount      (TallyAlert  *self);
gint64          tally_alert_get_limit       (TallyAlert  *self);
/* In local time. */
GDateTime      *tally_alert_get_created     (TallyAlert  *self);
/* Microseconds since the epoch, for ordering and the cache. */
gint64          tally_alert_get_created_us  (TallyAlert  *self);
/* The server's own sentence; may be empty. */
const char     *tally_alert_get_message     (TallyAlert  *self);
/* What happened, in the app's language: "You have spent 80% of your
 * daily cap: 400 of 500 credits." */
char           *tally_alert_describe        (TallyAlert  *self);
/* The same in short, for a toast or a notification's heading: "80% of
 * your daily cap spent". */
char           *tally_alert_describe_short  (TallyAlert  *self);

G_END_DECLS
