/* tally-store-alerts.h: alert settings, fired alerts and held alert emails
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

#define TALLY_ALERT_THRESHOLDS_MAX 10
/* "HH:MM" and its terminator. */
#define TALLY_ALERT_TIME_LEN 6

typedef struct
{
  guint    n_thresholds;
  gint64   thresholds[TALLY_ALERT_THRESHOLDS_MAX];
  /* Credits; -1 when there is no low-balance alert. */
  gint64   low_balance;
  /* Whether the low-balance alert may fire: cleared when it fires, set
   * again once the available balance is above the threshold. */
  gboolean low_balance_armed;
  gboolean app;
  gboolean desktop;
  gboolean email;
  gboolean webhook;
  /* Both empty when there are no quiet hours. */
  char     quiet_start[TALLY_ALERT_TIME_LEN];
  char     quiet_end[TALLY_ALERT_TIME_LEN];
} TallyAlertSettings;

void     tally_alert_settings_init_defaults (TallyAlertSettings       *settings);
/* "50,80,100": the thresholds as both stores keep them, and back. */
char    *tally_alert_thresholds_to_text     (const TallyAlertSettings *settings);
void     tally_alert_thresholds_from_text   (const char               *text,
                                             TallyAlertSettings       *settings);
/* The user's settings, or the defaults when they never saved any. */
gboolean tally_store_load_alert_settings    (TallyStore               *self,
                                             const char               *user_id,
                                             TallyAlertSettings       *settings,
                                             GError                  **error);
gboolean tally_store_save_alert_settings    (TallyStore               *self,
                                             const char               *user_id,
                                             const TallyAlertSettings *settings,
                                             gint64                    now,
                                             GError                  **error);

typedef enum
{
  TALLY_ALERT_SPEND,
  TALLY_ALERT_LOW_BALANCE,
} TallyAlertKind;

typedef enum
{
  TALLY_ALERT_WINDOW_NONE,
  TALLY_ALERT_WINDOW_DAY,
  TALLY_ALERT_WINDOW_MONTH,
  TALLY_ALERT_WINDOW_RUN,
} TallyAlertWindow;

#define TALLY_ALERT_KEY_MAX 64

typedef struct
{
  gint64           seq;
  char             id[TALLY_UUID_LEN];
  char             user_id[TALLY_UUID_LEN];
  char             account_id[TALLY_UUID_LEN];
  TallyAlertKind   kind;
  TallyAlertWindow window;
  /* Which window: its start, or the run's id; the alert's own id for a
   * low-balance alert. */
  char             window_key[TALLY_ALERT_KEY_MAX];
  gint64           threshold;
  gint64           amount;
  gint64           limit;
  char            *message;
  gint64           created_at;
} TallyAlert;

const char *tally_alert_kind_to_string   (TallyAlertKind    kind);
/* NULL for TALLY_ALERT_WINDOW_NONE. */
const char *tally_alert_window_to_string (TallyAlertWindow  window);
/* Anything else reads as TALLY_ALERT_LOW_BALANCE, and as
 * TALLY_ALERT_WINDOW_NONE. */
TallyAlertKind   tally_alert_kind_from_string   (const char *text);
TallyAlertWindow tally_alert_window_from_string (const char *text);
void        tally_alert_clear            (TallyAlert       *alert);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyAlert, tally_alert_clear)

/* *@inserted is FALSE when this account, kind, window and threshold had
 * fired already: the alert is not stored again. */
gboolean tally_store_insert_alert (TallyStore       *self,
                                   const TallyAlert *alert,
                                   gboolean         *inserted,
                                   GError          **error);
/* A user's alerts, newest first, created in [@since, @until) (0: open),
 * with seq below @before_seq (0: from the newest); *@next_before_seq is 0
 * on the last page. An array of TallyAlert, cleared with it. */
GArray  *tally_store_list_alerts  (TallyStore       *self,
                                   const char       *user_id,
                                   gint64            since,
                                   gint64            until,
                                   gint64            before_seq,
                                   guint             limit,
                                   gint64           *next_before_seq,
                                   GError          **error);
gboolean tally_store_find_alert   (TallyStore       *self,
                                   const char       *id,
                                   TallyAlert       *alert,
                                   GError          **error);
/* *@changed is FALSE when the flag was @armed already (or the user has
 * no settings). */
gboolean tally_store_set_low_balance_armed (TallyStore *self,
                                            const char *user_id,
                                            gboolean    armed,
                                            gboolean   *changed,
                                            GError    **error);

/* Alert emails waiting for the end of quiet hours. */
gboolean   tally_store_hold_alert_email    (TallyStore  *self,
                                            const char  *alert_id,
                                            const char  *user_id,
                                            gint64       send_after,
                                            GError     **error);
/* The ids of the held alert emails due at @now, oldest first. */
GPtrArray *tally_store_due_alert_emails    (TallyStore  *self,
                                            gint64       now,
                                            GError     **error);
/* *@released is FALSE when @alert_id was not held. */
gboolean   tally_store_release_alert_email (TallyStore  *self,
                                            const char  *alert_id,
                                            gboolean    *released,
                                            GError     **error);
/* The earliest send_after of the held emails; FALSE when there is none. */
gboolean   tally_store_next_alert_email    (TallyStore  *self,
                                            gint64      *at,
                                            GError     **error);

G_END_DECLS
