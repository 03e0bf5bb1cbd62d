/* tally-alert-history.h: the user's alerts, kept in the cache and shown
 * from it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-alert.h"
#include "tally-cache.h"
#include "tally-client.h"

G_BEGIN_DECLS

/* The most alerts the list holds; older ones stay in the cache. */
#define TALLY_ALERT_HISTORY_SHOWN 500

#define TALLY_TYPE_ALERT_HISTORY (tally_alert_history_get_type ())

G_DECLARE_FINAL_TYPE (TallyAlertHistory, tally_alert_history, TALLY, ALERT_HISTORY, GObject)

/* Fills @store (of TallyAlert, newest first) from @cache at once, and
 * keeps it so as alerts come: pages of GET /v1/alerts and live ones. */
TallyAlertHistory *tally_alert_history_new    (TallyClient       *client,
                                               TallyCache        *cache,
                                               GListStore        *store);
/* Reads GET /v1/alerts, newest first, until a page reaches the alerts
 * the cache has; once more after a read under way. */
void               tally_alert_history_fetch  (TallyAlertHistory *self);
/* Keeps @alert (decoded from @object) and shows it first; FALSE when it
 * was known already. */
gboolean           tally_alert_history_add    (TallyAlertHistory *self,
                                               JsonObject        *object,
                                               TallyAlert        *alert);

G_END_DECLS
