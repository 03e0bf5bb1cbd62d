/* tally-alerts.c: spend and low-balance alerts, decided in the commit that
 * changes the balance
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <sodium.h>

#include "tally-alerts.h"
#include "tally-api-json.h"
#include "tally-auth.h"
#include "tally-events.h"
#include "tally-log.h"
#include "tally-mail-notices.h"
#include "tally-mailer.h"
#include "tally-server.h"
#include "tally-store-runs.h"
#include "tally-webhooks.h"

/* Transfers read at a time from the commit being judged. */
#define PAGE_SIZE 500
/* How often emails held for quiet hours are looked at. */
#define EMAIL_POLL_SECONDS 30

struct _TallyAlerts
{
  GObject      parent_instance;

  TallyServer *server;
  /* The last transfer judged by a commit that is durable, and by one
   * that committed (maybe not durable yet): where the next judging starts. */
  gint64       last_seq;
  gint64       judged_seq;
  /* What the commit under way judged and fired: kept once it commits,
   * dropped if it fails. */
  gint64       pending_seq;
  GArray      *fired;
  /* Judged groups, oldest first, waiting to be durable: JudgedGroup. */
  GQueue       judged;
  gulong       committed_id;
  /* Keys the unsubscribe links' HMAC. */
  char        *link_secret;
  guint        email_source;
  /* A release of held emails is being committed; another was asked for
   * meanwhile. */
  gboolean     releasing;
  gboolean     release_again;
};

G_DEFINE_FINAL_TYPE (TallyAlerts, tally_alerts, G_TYPE_OBJECT)

static TallyRulesStore *
store_of (TallyAlerts *self)
{
  return tally_server_get_rules_store (self->server);
}

/* What one group commit judged: announced once it is durable. */
typedef struct
{
  gint64  seq;
  GArray *fired;
} JudgedGroup;

static void
judged_group_free (JudgedGroup *group)
{
  g_array_unref (group->fired);
  g_free (group);
}

static GArray *
fired_array_new (void)
{
  GArray *fired = g_array_new (FALSE, TRUE, sizeof (TallyAlert));

  g_array_set_clear_func (fired, (GDestroyNotify) tally_alert_clear);
  return fired;
}

/* One account the commit touched, with what it needs judging. */
typedef struct
{
  TallyUser    user;
  TallyPolicy  policy;
  TallyCaps    caps;
  TallyAlertSettings settings;
} Subject;

/* --- settings --- */

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Sorted, each once: the order they fire in, whatever order was typed. */
static void
set_thresholds (TallyAlertSettings *settings,
                const gint64       *thresholds,
                guint               n)
{
  gint64 sorted[TALLY_ALERT_THRESHOLDS_MAX];

  memcpy (sorted, thresholds, n * sizeof *thresholds);
  qsort (sorted, n, sizeof *sorted, compare_int64);
  settings->n_thresholds = 0;
  for (guint i = 0; i < n; i++)
    if (i == 0 || sorted[i] != sorted[i - 1])
      settings->thresholds[settings->n_thresholds++] = sorted[i];
}

void
tally_alerts_merge_settings (TallyAlertSettings              *settings,
                             const TallyAlertSettingsRequest *request)
{
  if (request->has_thresholds)
    set_thresholds (settings, request->thresholds, request->n_thresholds);
  if (request->has_low_balance && request->low_balance != settings->low_balance)
    {
      settings->low_balance = request->low_balance;
      settings->low_balance_armed = TRUE;
    }
  if (request->has_app)
    settings->app = request->app;
  if (request->has_desktop)
    settings->desktop = request->desktop;
  if (request->has_email)
    settings->email = request->email;
  if (request->has_webhook)
    settings->webhook = request->webhook;
  if (request->has_quiet_hours)
    {
      g_strlcpy (settings->quiet_start, request->quiet_start, sizeof settings->quiet_start);
      g_strlcpy (settings->quiet_end, request->quiet_end, sizeof settings->quiet_end);
    }
}

gboolean
tally_alerts_save_settings (TallyAlerts                      *self,
                            const char                       *user_id,
                            const TallyAlertSettingsRequest  *request,
                            TallyAlertSettings               *settings,
                            GError                          **error)
{
  TallyRulesStore *store;

  g_return_val_if_fail (TALLY_IS_ALERTS (self), FALSE);

  store = store_of (self);
  if (!tally_rules_store_load_alert_settings (store, user_id, settings, error))
    return FALSE;

  tally_alerts_merge_settings (settings, request);
  return tally_rules_store_save_alert_settings (store, user_id, settings,
                                                tally_rules_store_now (store), error);
}

gboolean
tally_alerts_unsubscribe_email (TallyAlerts         *self,
                                const char          *user_id,
                                TallyAlertSettings  *settings,
                                GError             **error)
{
  TallyAlertSettingsRequest off = { 0 };
  TallyUser user;

  g_return_val_if_fail (TALLY_IS_ALERTS (self), FALSE);

  off.has_email = TRUE;
  off.email = FALSE;
  return tally_rules_store_find_user_by_id (store_of (self), user_id, &user, error) &&
         tally_alerts_save_settings (self, user_id, &off, settings, error) &&
         tally_audit_record (tally_server_get_audit (self->server), &user, "alerts.unsubscribed",
                             user_id, "ok", tally_audit_details ("s", "channel", "email"), error);
}

/* --- alerts as JSON --- */

JsonObject *
tally_alert_to_json (const TallyAlert *alert)
{
  JsonObject *object = json_object_new ();
  const char *window = tally_alert_window_to_string (alert->window);

  json_object_set_string_member (object, "id", alert->id);
  json_object_set_string_member (object, "kind", tally_alert_kind_to_string (alert->kind));
  if (window != NULL)
    json_object_set_string_member (object, "window", window);
  else
    json_object_set_null_member (object, "window");
  json_object_set_int_member (object, "threshold", alert->threshold);
  json_object_set_int_member (object, "amount", alert->amount);
  json_object_set_int_member (object, "limit", alert->limit);
  tally_api_set_time (object, "created_at", alert->created_at);
  json_object_set_string_member (object, "message", alert->message);
  return object;
}

/* --- messages --- */

static char *
spend_message (TallyAlertWindow window,
               gint64           threshold,
               gint64           amount,
               gint64           limit)
{
  int plural = limit == 1 ? 1 : 2;

  switch (window)
    {
    case TALLY_ALERT_WINDOW_DAY:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%" PRId64 "%% of your daily cap is used: %" PRId64
                                           " of %" PRId64 " credit today",
                                           "%" PRId64 "%% of your daily cap is used: %" PRId64
                                           " of %" PRId64 " credits today", plural),
                              threshold, amount, limit);
    case TALLY_ALERT_WINDOW_MONTH:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%" PRId64 "%% of your monthly cap is used: %" PRId64
                                           " of %" PRId64 " credit this month",
                                           "%" PRId64 "%% of your monthly cap is used: %" PRId64
                                           " of %" PRId64 " credits this month", plural),
                              threshold, amount, limit);
    case TALLY_ALERT_WINDOW_RUN:
    case TALLY_ALERT_WINDOW_NONE:
    default:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "A run may cost %" PRId64 ": %" PRId64 "%% or more of "
                                           "your per-run cap of %" PRId64 " credit",
                                           "A run may cost %" PRId64 ": %" PRId64 "%% or more of "
                                           "your per-run cap of %" PRId64 " credits", plural),
                              amount, threshold, limit);
    }
}

static char *
low_balance_message (gint64 available)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Your balance is low: %" PRId64 " credit available",
                                       "Your balance is low: %" PRId64 " credits available",
                                       available == 1 ? 1 : 2),
                          available);
}

/* --- firing --- */

/* data.alert, the same bytes on every attempt. */
static gboolean
queue_webhooks (TallyAlerts       *self,
                const TallyAlert  *alert,
                GError           **error)
{
  g_autoptr(JsonObject) data = json_object_new ();

  tally_api_set_object (data, "alert", tally_alert_to_json (alert));
  return tally_webhooks_enqueue (tally_server_get_webhooks (self->server), alert->user_id,
                                 alert->id, "alert", alert->created_at, data, error);
}

static gboolean
mail_is_on (TallyAlerts *self)
{
  TallyMailer *mailer = tally_server_get_mailer (self->server);

  return mailer != NULL && tally_mailer_is_enabled (mailer);
}

/* Held in the outbox until now, or the end of the quiet hours. */
static gboolean
queue_email (TallyAlerts       *self,
             const Subject     *subject,
             const TallyAlert  *alert,
             GError           **error)
{
  gint64 until = tally_alert_quiet_until (&subject->settings, subject->user.timezone,
                                          alert->created_at);

  return tally_rules_store_hold_alert_email (store_of (self), alert->id, alert->user_id,
                                             MAX (until, alert->created_at), error);
}

static gboolean
record_fired (TallyAlerts    *self,
              const Subject  *subject,
              TallyAlert     *alert,
              GError        **error)
{
  TallyAudit *audit = tally_server_get_audit (self->server);
  const char *window = tally_alert_window_to_string (alert->window);

  if (subject->settings.webhook && !queue_webhooks (self, alert, error))
    return FALSE;
  if (subject->settings.email && mail_is_on (self) && !queue_email (self, subject, alert, error))
    return FALSE;

  if (!tally_audit_record (audit, NULL, "alert.fired", alert->id, "ok",
                           tally_audit_details ("sssiii", "user", alert->user_id,
                                                "kind", tally_alert_kind_to_string (alert->kind),
                                                "window", window,
                                                "threshold", alert->threshold,
                                                "amount", alert->amount,
                                                "limit", alert->limit),
                           error))
    return FALSE;

  g_array_append_val (self->fired, *alert);
  alert->message = NULL;
  return TRUE;
}

static void
new_id (char id[TALLY_UUID_LEN])
{
  g_autofree char *uuid = g_uuid_string_random ();

  g_strlcpy (id, uuid, TALLY_UUID_LEN);
}

/* Stores @alert unless its window had it already; takes its message. */
static gboolean
fire (TallyAlerts    *self,
      const Subject  *subject,
      TallyAlert     *alert,
      GError        **error)
{
  TallyRulesStore *store = store_of (self);
  gboolean inserted;

  if (alert->id[0] == '\0')
    new_id (alert->id);
  alert->created_at = tally_rules_store_now (store);
  if (!tally_rules_store_insert_alert (store, alert, &inserted, error))
    return FALSE;

  return !inserted || record_fired (self, subject, alert, error);
}

static void
init_alert (TallyAlert       *alert,
            const Subject    *subject,
            TallyAlertKind    kind,
            TallyAlertWindow  window)
{
  memset (alert, 0, sizeof *alert);
  g_strlcpy (alert->user_id, subject->user.id, sizeof alert->user_id);
  g_strlcpy (alert->account_id, subject->user.account_id, sizeof alert->account_id);
  alert->kind = kind;
  alert->window = window;
}

/* Every threshold @spent has reached of @cap, once per @window_key. */
static gboolean
judge_spend (TallyAlerts       *self,
             const Subject     *subject,
             TallyAlertWindow   window,
             const char        *window_key,
             gint64             spent,
             gint64             cap,
             GError           **error)
{
  if (cap <= 0)
    return TRUE;

  for (guint i = 0; i < subject->settings.n_thresholds; i++)
    {
      gint64 threshold = subject->settings.thresholds[i];
      g_auto(TallyAlert) alert = { 0 };

      /* spent / cap >= threshold / 100, in integers. */
      if (spent * 100 < threshold * cap)
        continue;

      init_alert (&alert, subject, TALLY_ALERT_SPEND, window);
      g_strlcpy (alert.window_key, window_key, sizeof alert.window_key);
      alert.threshold = threshold;
      alert.amount = spent;
      alert.limit = cap;
      alert.message = spend_message (window, threshold, spent, cap);
      if (!fire (self, subject, &alert, error))
        return FALSE;
    }

  return TRUE;
}

/* The day's and the month's windows, each keyed by its start. */
static gboolean
judge_windows (TallyAlerts    *self,
               const Subject  *subject,
               GError        **error)
{
  TallyRulesStore *store = store_of (self);
  gint64 now = tally_rules_store_now (store);
  gint64 day_start, month_start, end;
  char day_key[32], month_key[32];
  TallySpend spend;

  if (subject->settings.n_thresholds == 0 || (subject->caps.daily <= 0 &&
                                              subject->caps.monthly <= 0))
    return TRUE;

  if (!tally_rules_store_policy_spend_for_caps (store, subject->user.account_id, &subject->policy,
                                                now, &spend, error))
    return FALSE;

  tally_policy_window (&subject->policy, TALLY_LIMIT_DAILY, now, &day_start, &end);
  tally_policy_window (&subject->policy, TALLY_LIMIT_MONTHLY, now, &month_start, &end);
  g_snprintf (day_key, sizeof day_key, "%" G_GINT64_FORMAT, day_start);
  g_snprintf (month_key, sizeof month_key, "%" G_GINT64_FORMAT, month_start);

  return judge_spend (self, subject, TALLY_ALERT_WINDOW_DAY, day_key, spend.daily_spent,
                      subject->caps.daily, error) &&
         judge_spend (self, subject, TALLY_ALERT_WINDOW_MONTH, month_key, spend.monthly_spent,
                      subject->caps.monthly, error);
}

/* Once on the way down; armed again only once the balance was above. */
static gboolean
judge_low_balance (TallyAlerts    *self,
                   const Subject  *subject,
                   GError        **error)
{
  TallyRulesStore *store = store_of (self);
  gint64 threshold = subject->settings.low_balance;
  g_auto(TallyAlert) alert = { 0 };
  gboolean changed;
  TallyAccount account;
  gint64 available;

  if (threshold < 0)
    return TRUE;
  if (!tally_rules_store_lookup_account (store_of (self), subject->user.account_id, &account,
                                         error))
    return FALSE;

  available = tally_account_available (&account);
  if (available > threshold)
    return subject->settings.low_balance_armed ||
           tally_rules_store_set_low_balance_armed (store, subject->user.id, TRUE, &changed,
                                                    error);
  if (!subject->settings.low_balance_armed)
    return TRUE;

  /* Disarmed before it fires: of two servers that both read it armed,
   * only the one whose update disarmed it fires it. */
  if (!tally_rules_store_set_low_balance_armed (store, subject->user.id, FALSE, &changed, error))
    return FALSE;
  if (!changed)
    return TRUE;

  init_alert (&alert, subject, TALLY_ALERT_LOW_BALANCE, TALLY_ALERT_WINDOW_NONE);
  alert.threshold = threshold;
  alert.amount = available;
  alert.limit = threshold;
  alert.message = low_balance_message (available);
  /* Its own id keys it: the armed flag, not the table, makes it once. */
  new_id (alert.id);
  g_strlcpy (alert.window_key, alert.id, sizeof alert.window_key);
  return fire (self, subject, &alert, error);
}

/* FALSE in *@found for an account no user owns (system, lease). */
static gboolean
load_subject (TallyAlerts  *self,
              const char   *account_id,
              Subject      *subject,
              gboolean     *found,
              GError      **error)
{
  TallyRulesStore *store = store_of (self);
  g_autoptr(GError) local_error = NULL;

  *found = FALSE;
  if (!tally_rules_store_find_user_by_account (store, account_id, &subject->user, &local_error))
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!tally_rules_store_load_policy (store, account_id, subject->user.timezone, &subject->policy,
                                      error) ||
      !tally_rules_store_load_alert_settings (store, subject->user.id, &subject->settings, error))
    return FALSE;

  tally_policy_effective_caps (&subject->policy, &subject->caps);
  *found = TRUE;
  return TRUE;
}

/* A run's hold against the per-run cap: once per run. */
static gboolean
judge_hold (TallyAlerts          *self,
            const TallyTransfer  *transfer,
            GHashTable           *subjects,
            GError              **error)
{
  Subject *subject;

  if (transfer->kind != TALLY_TRANSFER_KIND_CONSUMPTION ||
      !(transfer->flags & TALLY_TRANSFER_FLAG_PENDING))
    return TRUE;

  subject = g_hash_table_lookup (subjects, transfer->debit_account_id);
  if (subject == NULL)
    return TRUE;

  return judge_spend (self, subject, TALLY_ALERT_WINDOW_RUN, transfer->id, transfer->amount,
                      subject->caps.per_run, error);
}

static gboolean
note_account (TallyAlerts  *self,
              GHashTable   *subjects,
              GHashTable   *strangers,
              const char   *account_id,
              GError      **error)
{
  g_autofree Subject *subject = NULL;
  gboolean found;

  if (g_hash_table_contains (subjects, account_id) || g_hash_table_contains (strangers, account_id))
    return TRUE;

  subject = g_new0 (Subject, 1);
  if (!load_subject (self, account_id, subject, &found, error))
    return FALSE;

  if (found)
    g_hash_table_insert (subjects, g_strdup (account_id), g_steal_pointer (&subject));
  else
    g_hash_table_add (strangers, g_strdup (account_id));
  return TRUE;
}

/* One page of the commit's transfers: their accounts, and their holds
 * judged against the per-run cap. */
static gboolean
judge_page (TallyAlerts  *self,
            GHashTable   *subjects,
            GHashTable   *strangers,
            gboolean     *more,
            GError      **error)
{
  g_autoptr(GArray) transfers = NULL;

  transfers = tally_rules_store_transfers_since (store_of (self), self->pending_seq, PAGE_SIZE,
                                                 error);
  if (transfers == NULL)
    return FALSE;

  for (guint i = 0; i < transfers->len; i++)
    {
      const TallyTransfer *transfer = &g_array_index (transfers, TallyTransfer, i);

      if (!note_account (self, subjects, strangers, transfer->debit_account_id, error) ||
          !note_account (self, subjects, strangers, transfer->credit_account_id, error) ||
          !judge_hold (self, transfer, subjects, error))
        return FALSE;
      self->pending_seq = transfer->seq;
    }

  *more = transfers->len == PAGE_SIZE;
  return TRUE;
}

/* The next group forms before this one is durable: it judges from here.
 * Should the commit fail, on_committed() hears of it before the next
 * group forms and goes back to last_seq. */
static void
push_judged (TallyAlerts *self)
{
  JudgedGroup *group = g_new0 (JudgedGroup, 1);

  group->seq = self->pending_seq;
  group->fired = g_steal_pointer (&self->fired);
  self->fired = fired_array_new ();
  g_queue_push_tail (&self->judged, group);
  self->judged_seq = self->pending_seq;
}

static gboolean
precommit (gpointer   data,
           GError   **error)
{
  TallyAlerts *self = data;
  g_autoptr(GHashTable) subjects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) strangers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer subject;
  gboolean more = TRUE;

  g_array_set_size (self->fired, 0);
  self->pending_seq = self->judged_seq;
  while (more)
    if (!judge_page (self, subjects, strangers, &more, error))
      return FALSE;

  g_hash_table_iter_init (&iter, subjects);
  while (g_hash_table_iter_next (&iter, NULL, &subject))
    if (!judge_windows (self, subject, error) || !judge_low_balance (self, subject, error))
      return FALSE;

  push_judged (self);
  return TRUE;
}

/* --- quiet hours --- */

static int
minutes_of (const char *hhmm)
{
  return ((hhmm[0] - '0') * 10 + (hhmm[1] - '0')) * 60 + (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
}

gint64
tally_alert_quiet_until (const TallyAlertSettings *settings,
                         const char               *timezone,
                         gint64                    now)
{
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) end = NULL;
  int start_m, end_m, m;

  if (settings->quiet_start[0] == '\0')
    return 0;

  start_m = minutes_of (settings->quiet_start);
  end_m = minutes_of (settings->quiet_end);
  zone = timezone != NULL && timezone[0] != '\0' ? g_time_zone_new_identifier (timezone) : NULL;
  if (zone == NULL)
    zone = g_time_zone_new_utc ();
  utc = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (utc, zone);
  m = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);

  /* 22:00 to 07:00 wraps around midnight; equal times are no quiet hours. */
  if (start_m == end_m || (start_m < end_m ? m < start_m || m >= end_m
                                           : m < start_m && m >= end_m))
    return 0;

  end = g_date_time_new (zone, g_date_time_get_year (local), g_date_time_get_month (local),
                         g_date_time_get_day_of_month (local), end_m / 60, end_m % 60, 0);
  if (g_date_time_compare (end, local) <= 0)
    {
      GDateTime *next = g_date_time_add_days (end, 1);

      g_date_time_unref (end);
      end = next;
    }
  return g_date_time_to_unix (end) * G_USEC_PER_SEC;
}

/* --- unsubscribe links --- */

static char *
link_mac (TallyAlerts *self,
          const char  *user_id)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) self->link_secret,
                                      strlen (self->link_secret));

  g_hmac_update (hmac, (const guchar *) "alerts-unsubscribe:", -1);
  g_hmac_update (hmac, (const guchar *) user_id, -1);
  return g_strdup (g_hmac_get_string (hmac));
}

char *
tally_alerts_unsubscribe_token (TallyAlerts *self,
                                const char  *user_id)
{
  g_autofree char *mac = NULL;

  g_return_val_if_fail (TALLY_IS_ALERTS (self), NULL);

  mac = link_mac (self, user_id);
  return g_strconcat (user_id, ".", mac, NULL);
}

gboolean
tally_alerts_check_unsubscribe_token (TallyAlerts *self,
                                      const char  *token,
                                      char         user_id[TALLY_UUID_LEN])
{
  g_autofree char *id = NULL;
  g_autofree char *mac = NULL;
  const char *dot;

  g_return_val_if_fail (TALLY_IS_ALERTS (self), FALSE);

  dot = token != NULL ? strchr (token, '.') : NULL;
  if (dot == NULL)
    return FALSE;

  id = g_strndup (token, (gsize) (dot - token));
  if (!g_uuid_string_is_valid (id))
    return FALSE;

  mac = link_mac (self, id);
  if (strlen (dot + 1) != strlen (mac) || sodium_memcmp (dot + 1, mac, strlen (mac)) != 0)
    return FALSE;

  g_strlcpy (user_id, id, TALLY_UUID_LEN);
  return TRUE;
}

static char *
unsubscribe_url (TallyAlerts *self,
                 const char  *user_id)
{
  TallyConfig *config = tally_server_get_config (self->server);
  g_autofree char *token = tally_alerts_unsubscribe_token (self, user_id);
  g_autofree char *base = NULL;

  if (config->public_url[0] != '\0')
    base = g_strdup (config->public_url);
  else if (strchr (config->listen_host, ':') != NULL)
    base = g_strdup_printf ("http://[%s]:%u", config->listen_host, config->listen_port);
  else
    base = g_strdup_printf ("http://%s:%u", config->listen_host, config->listen_port);

  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  return g_strconcat (base, TALLY_ALERTS_UNSUBSCRIBE_PATH "?token=", token, NULL);
}

/* --- emails, once held ones are due --- */

typedef struct
{
  TallyAlerts *self;
  GPtrArray   *ids;
} ReleaseJob;

static void send_due_emails (TallyAlerts *self);

static void
release_job_free (gpointer data)
{
  ReleaseJob *job = data;
  TallyAlerts *self = job->self;

  self->releasing = FALSE;
  g_ptr_array_unref (job->ids);
  g_free (job);

  if (self->release_again && self->server != NULL)
    {
      self->release_again = FALSE;
      send_due_emails (self);
    }
  g_object_unref (self);
}

static gboolean
release_write (gpointer   data,
               GError   **error)
{
  ReleaseJob *job = data;
  TallyRulesStore *store = store_of (job->self);

  /* Only what this release took out of the outbox is sent from here:
   * another server polling the same database may have taken some. */
  for (guint i = job->ids->len; i > 0; i--)
    {
      gboolean released;

      if (!tally_rules_store_release_alert_email (store, g_ptr_array_index (job->ids, i - 1),
                                                  &released, error))
        return FALSE;
      if (!released)
        g_ptr_array_remove_index (job->ids, i - 1);
    }

  return TRUE;
}

/* One email; a failure is logged and never holds up the next. */
static void
send_alert_email (TallyAlerts *self,
                  const char  *alert_id)
{
  TallyRulesStore *store = store_of (self);
  g_auto(TallyAlert) alert = { 0 };
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  TallyAlertSettings settings;
  TallyUser user;

  if (!tally_rules_store_find_alert (store, alert_id, &alert, &error) ||
      !tally_rules_store_find_user_by_id (store, alert.user_id, &user, &error) ||
      !tally_rules_store_load_alert_settings (store, user.id, &settings, &error))
    {
      tally_log_warning ("alert_email_not_sent", error->message);
      return;
    }

  /* Switched off while it was held. */
  if (!settings.email || user.disabled)
    return;

  url = unsubscribe_url (self, user.id);
  if (!tally_notice_alert (self->server, &user, &alert, url, &error))
    tally_log_event ("alert_email_not_sent", "alert", alert.id, "reason", error->message, NULL);
}

static void
release_done (gpointer      data,
              const GError *error)
{
  ReleaseJob *job = data;

  if (error != NULL)
    {
      tally_log_warning ("alert_email_release_failed", error->message);
      return;
    }

  for (guint i = 0; i < job->ids->len; i++)
    send_alert_email (job->self, g_ptr_array_index (job->ids, i));
}

static void
send_due_emails (TallyAlerts *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  ReleaseJob *job;

  if (self->releasing)
    {
      self->release_again = TRUE;
      return;
    }
  if (!mail_is_on (self))
    return;

  ids = tally_rules_store_due_alert_emails (store_of (self),
                                            tally_rules_store_now (store_of (self)), &error);
  if (ids == NULL)
    {
      tally_log_warning ("alert_email_poll_failed", error->message);
      return;
    }
  if (ids->len == 0)
    return;

  /* Out of the outbox first, then sent: an email is never sent twice. */
  job = g_new0 (ReleaseJob, 1);
  job->self = g_object_ref (self);
  job->ids = g_steal_pointer (&ids);
  self->releasing = TRUE;
  tally_writer_submit (tally_server_get_writer (self->server), release_write, release_done, job,
                       release_job_free);
}

static gboolean
send_due_emails_once (gpointer data)
{
  send_due_emails (data);
  return G_SOURCE_REMOVE;
}

static gboolean
email_poll_cb (gpointer data)
{
  send_due_emails (data);
  return G_SOURCE_CONTINUE;
}

/* --- after the commit --- */

static void
announce (TallyAlerts      *self,
          const TallyAlert *alert)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "alert");
  tally_api_set_object (message, "alert", tally_alert_to_json (alert));
  tally_events_push (self->server, alert->account_id, message);
  tally_metrics_count (tally_server_get_metrics (self->server), "tally_alerts_total", "kind",
                       tally_alert_kind_to_string (alert->kind));
  tally_log_event ("alert_fired", "alert", alert->id, "kind",
                   tally_alert_kind_to_string (alert->kind), NULL);
}

static void
on_committed (TallyWriter *writer,
              guint        n_items,
              gboolean     ok,
              TallyAlerts *self)
{
  g_autoptr(GArray) fired = NULL;
  JudgedGroup *group;

  /* Groups are announced in commit order, and a failed one before the
   * next forms: what is still queued belongs to the failed group. */
  if (!ok)
    {
      g_queue_clear_full (&self->judged, (GDestroyNotify) judged_group_free);
      self->judged_seq = self->last_seq;
      return;
    }

  group = g_queue_pop_head (&self->judged);
  if (group == NULL)
    return;

  self->last_seq = group->seq;
  fired = g_array_ref (group->fired);
  judged_group_free (group);
  for (guint i = 0; i < fired->len; i++)
    announce (self, &g_array_index (fired, TallyAlert, i));
  if (fired->len > 0)
    {
      tally_webhooks_kick (tally_server_get_webhooks (self->server));
      send_due_emails (self);
    }
}

static void
tally_alerts_dispose (GObject *object)
{
  TallyAlerts *self = (TallyAlerts *) object;

  if (self->server != NULL)
    {
      TallyWriter *writer = tally_server_get_writer (self->server);

      g_clear_signal_handler (&self->committed_id, writer);
      tally_writer_remove_precommit (writer, precommit, self);
      self->server = NULL;
    }
  g_clear_handle_id (&self->email_source, g_source_remove);
  g_clear_pointer (&self->fired, g_array_unref);
  g_queue_clear_full (&self->judged, (GDestroyNotify) judged_group_free);
  g_clear_pointer (&self->link_secret, g_free);

  G_OBJECT_CLASS (tally_alerts_parent_class)->dispose (object);
}

static void
tally_alerts_class_init (TallyAlertsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_alerts_dispose;
}

static void
tally_alerts_init (TallyAlerts *self)
{
  self->fired = fired_array_new ();
  g_queue_init (&self->judged);
}

TallyAlerts *
tally_alerts_new (TallyServer *server)
{
  TallyAlerts *self = g_object_new (TALLY_TYPE_ALERTS, NULL);
  TallyWriter *writer = tally_server_get_writer (server);

  self->server = server;
  self->last_seq = tally_rules_store_get_last_seq (store_of (self));
  self->judged_seq = self->last_seq;
  tally_writer_add_precommit (writer, precommit, self);
  self->committed_id = g_signal_connect (writer, "committed", G_CALLBACK (on_committed), self);
  self->link_secret = tally_server_get_config (server)->alerts_link_secret[0] != '\0'
                        ? g_strdup (tally_server_get_config (server)->alerts_link_secret)
                        : tally_token_new ();
  /* Emails held through a restart, or whose quiet hours ended. */
  self->email_source = g_timeout_add_seconds (EMAIL_POLL_SECONDS, email_poll_cb, self);
  g_idle_add_full (G_PRIORITY_DEFAULT, (GSourceFunc) send_due_emails_once,
                   g_object_ref (self), g_object_unref);
  return self;
}
