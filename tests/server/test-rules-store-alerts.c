/* test-rules-store-alerts.c: alert settings, fired alerts and held alert
 * emails, as every TallyRulesStore keeps them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What tally-alerts.c relies on through the interface: the defaults for a
 * user who saved none, settings read back as saved, an alert fired once
 * per account, window and threshold, NOT_FOUND for an unknown alert, and
 * held emails due oldest first until released, on SQLite and on
 * PostgreSQL (issue 19). On PostgreSQL, two stores on one database also
 * race the disarming of the low-balance alert and the release of an
 * email, as two servers would.
 */

#include "config.h"

#include <string.h>

#include "tally-test-stores.h"

#define HOSTILE_ID "' OR ''='"

static void
load_settings (StoreFixture       *fixture,
               const char         *user_id,
               TallyAlertSettings *settings)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_load_alert_settings (fixture->store, user_id, settings,
                                                        &error));
  g_assert_no_error (error);
}

static void
save_settings (StoreFixture             *fixture,
               const TallyAlertSettings *settings)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_save_alert_settings (fixture->store, fixture->user.id,
                                                        settings, 5000, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* Whether it changed the flag. */
static gboolean
set_armed (StoreFixture *fixture,
           const char   *user_id,
           gboolean      armed)
{
  g_autoptr(GError) error = NULL;
  gboolean changed = !armed;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_set_low_balance_armed (fixture->store, user_id, armed,
                                                          &changed, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return changed;
}

static void
assert_settings (const TallyAlertSettings *found,
                 const TallyAlertSettings *expected)
{
  g_assert_cmpmem (found->thresholds, found->n_thresholds * sizeof (gint64),
                   expected->thresholds, expected->n_thresholds * sizeof (gint64));
  g_assert_cmpint (found->low_balance, ==, expected->low_balance);
  g_assert_cmpint (found->low_balance_armed, ==, expected->low_balance_armed);
  g_assert_cmpint (found->app, ==, expected->app);
  g_assert_cmpint (found->desktop, ==, expected->desktop);
  g_assert_cmpint (found->email, ==, expected->email);
  g_assert_cmpint (found->webhook, ==, expected->webhook);
  g_assert_cmpstr (found->quiet_start, ==, expected->quiet_start);
  g_assert_cmpstr (found->quiet_end, ==, expected->quiet_end);
}

static void
assert_defaults (const TallyAlertSettings *settings)
{
  TallyAlertSettings defaults;

  tally_alert_settings_init_defaults (&defaults);
  g_assert_cmpuint (defaults.n_thresholds, ==, 3);
  assert_settings (settings, &defaults);
}

/* None saved: the defaults; saved: read back whole, the optional parts
 * too; arming touches the armed flag alone, says whether it changed it
 * (so one of two servers disarming it fires), and a user with no
 * settings keeps the defaults. */
static void
test_alert_settings (StoreFixture  *fixture,
                     gconstpointer  data)
{
  g_autofree char *stranger = g_uuid_string_random ();
  TallyAlertSettings settings, found;

  load_settings (fixture, fixture->user.id, &found);
  assert_defaults (&found);
  load_settings (fixture, HOSTILE_ID, &found);
  assert_defaults (&found);

  memset (&settings, 0, sizeof settings);
  settings.n_thresholds = 2;
  settings.thresholds[0] = 25;
  settings.thresholds[1] = 90;
  settings.low_balance = 100;
  settings.low_balance_armed = FALSE;
  settings.desktop = TRUE;
  settings.webhook = TRUE;
  g_strlcpy (settings.quiet_start, "22:00", sizeof settings.quiet_start);
  g_strlcpy (settings.quiet_end, "07:30", sizeof settings.quiet_end);
  save_settings (fixture, &settings);
  load_settings (fixture, fixture->user.id, &found);
  assert_settings (&found, &settings);

  g_assert_true (set_armed (fixture, fixture->user.id, TRUE));
  g_assert_false (set_armed (fixture, fixture->user.id, TRUE));
  load_settings (fixture, fixture->user.id, &found);
  g_assert_true (found.low_balance_armed);
  found.low_balance_armed = FALSE;
  assert_settings (&found, &settings);

  /* Saved again: no thresholds, no low-balance alert, no quiet hours. */
  memset (&settings, 0, sizeof settings);
  settings.low_balance = -1;
  settings.low_balance_armed = TRUE;
  settings.app = TRUE;
  settings.email = TRUE;
  save_settings (fixture, &settings);
  load_settings (fixture, fixture->user.id, &found);
  assert_settings (&found, &settings);
  g_assert_true (set_armed (fixture, fixture->user.id, FALSE));
  g_assert_false (set_armed (fixture, fixture->user.id, FALSE));
  load_settings (fixture, fixture->user.id, &found);
  g_assert_false (found.low_balance_armed);
  g_assert_cmpint (found.low_balance, ==, -1);

  g_assert_false (set_armed (fixture, stranger, FALSE));
  load_settings (fixture, stranger, &found);
  assert_defaults (&found);
}

static char message[] = "You have used 80% of your daily limit";

static void
alert_init (TallyAlert       *alert,
            const char       *account_id,
            const char       *user_id,
            TallyAlertKind    kind,
            TallyAlertWindow  window,
            const char       *window_key,
            gint64            threshold)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (alert, 0, sizeof *alert);
  g_strlcpy (alert->id, id, sizeof alert->id);
  g_strlcpy (alert->user_id, user_id, sizeof alert->user_id);
  g_strlcpy (alert->account_id, account_id, sizeof alert->account_id);
  alert->kind = kind;
  alert->window = window;
  g_strlcpy (alert->window_key, window_key != NULL ? window_key : id, sizeof alert->window_key);
  alert->threshold = threshold;
  alert->amount = 800;
  alert->limit = 1000;
  alert->message = message;
  alert->created_at = 7000;
}

static gboolean
insert_alert (StoreFixture     *fixture,
              const TallyAlert *alert)
{
  g_autoptr(GError) error = NULL;
  gboolean inserted = FALSE;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_alert (fixture->store, alert, &inserted, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return inserted;
}

static void
assert_no_alert (StoreFixture *fixture,
                 const char   *id)
{
  g_auto(TallyAlert) found = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_rules_store_find_alert (fixture->store, id, &found, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
}

/* An alert found as fired; a spend alert once per account, window and
 * threshold; low-balance alerts, with no window, each time. */
static void
test_alerts (StoreFixture  *fixture,
             gconstpointer  data)
{
  g_autofree char *unknown = g_uuid_string_random ();
  const char *account = fixture->user.account_id;
  const char *user = fixture->user.id;
  g_auto(TallyAlert) found = { 0 };
  g_autoptr(GError) error = NULL;
  TallyAlert spend, again, higher, other_day, low, low_again;

  alert_init (&spend, account, user, TALLY_ALERT_SPEND, TALLY_ALERT_WINDOW_DAY, "2026-12-07",
              80);
  g_assert_true (insert_alert (fixture, &spend));
  g_assert_true (tally_rules_store_find_alert (fixture->store, spend.id, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpint (found.seq, >, 0);
  g_assert_cmpstr (found.id, ==, spend.id);
  g_assert_cmpstr (found.user_id, ==, user);
  g_assert_cmpstr (found.account_id, ==, account);
  g_assert_cmpint (found.kind, ==, TALLY_ALERT_SPEND);
  g_assert_cmpint (found.window, ==, TALLY_ALERT_WINDOW_DAY);
  g_assert_cmpstr (found.window_key, ==, "2026-12-07");
  g_assert_cmpint (found.threshold, ==, 80);
  g_assert_cmpint (found.amount, ==, 800);
  g_assert_cmpint (found.limit, ==, 1000);
  g_assert_cmpstr (found.message, ==, message);
  g_assert_cmpint (found.created_at, ==, 7000);
  spend.seq = found.seq;
  tally_alert_clear (&found);

  alert_init (&again, account, user, TALLY_ALERT_SPEND, TALLY_ALERT_WINDOW_DAY, "2026-12-07", 80);
  g_assert_false (insert_alert (fixture, &again));
  assert_no_alert (fixture, again.id);

  alert_init (&higher, account, user, TALLY_ALERT_SPEND, TALLY_ALERT_WINDOW_DAY, "2026-12-07",
              100);
  g_assert_true (insert_alert (fixture, &higher));
  alert_init (&other_day, account, user, TALLY_ALERT_SPEND, TALLY_ALERT_WINDOW_DAY, "2026-12-08",
              80);
  g_assert_true (insert_alert (fixture, &other_day));
  g_assert_true (tally_rules_store_find_alert (fixture->store, other_day.id, &found, &error));
  g_assert_cmpint (found.seq, >, spend.seq);
  tally_alert_clear (&found);

  alert_init (&low, account, user, TALLY_ALERT_LOW_BALANCE, TALLY_ALERT_WINDOW_NONE, NULL, 100);
  g_assert_true (insert_alert (fixture, &low));
  alert_init (&low_again, account, user, TALLY_ALERT_LOW_BALANCE, TALLY_ALERT_WINDOW_NONE, NULL,
              100);
  g_assert_true (insert_alert (fixture, &low_again));
  g_assert_true (tally_rules_store_find_alert (fixture->store, low.id, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpint (found.kind, ==, TALLY_ALERT_LOW_BALANCE);
  g_assert_cmpint (found.window, ==, TALLY_ALERT_WINDOW_NONE);
  g_assert_cmpstr (found.window_key, ==, low.id);

  assert_no_alert (fixture, unknown);
  assert_no_alert (fixture, HOSTILE_ID);
}

static void
hold (StoreFixture *fixture,
      const char   *alert_id,
      gint64        send_after)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_hold_alert_email (fixture->store, alert_id, fixture->user.id,
                                                     send_after, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* Whether it took the email out of the outbox. */
static gboolean
release (StoreFixture *fixture,
         const char   *alert_id)
{
  g_autoptr(GError) error = NULL;
  gboolean released = FALSE;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_release_alert_email (fixture->store, alert_id, &released,
                                                        &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return released;
}

/* The due ids joined by spaces. */
static char *
due (StoreFixture *fixture,
     gint64        now)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;

  ids = tally_rules_store_due_alert_emails (fixture->store, now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ids);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (" ", (char **) ids->pdata);
}

/* Held emails come due oldest first and stay until released, once;
 * holding one again keeps the first time. */
static void
test_alert_emails (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *some = NULL;
  g_autofree char *all = NULL;
  g_autofree char *after_release = NULL;
  g_autofree char *none = NULL;

  hold (fixture, "alert-a", 300);
  hold (fixture, "alert-b", 100);
  hold (fixture, "alert-c", 200);
  hold (fixture, "alert-a", 50);

  before = due (fixture, 99);
  g_assert_cmpstr (before, ==, "");
  some = due (fixture, 250);
  g_assert_cmpstr (some, ==, "alert-b alert-c");
  all = due (fixture, 300);
  g_assert_cmpstr (all, ==, "alert-b alert-c alert-a");

  g_assert_true (release (fixture, "alert-c"));
  g_assert_false (release (fixture, "alert-c"));
  g_assert_false (release (fixture, "alert-unknown"));
  g_assert_false (release (fixture, HOSTILE_ID));
  after_release = due (fixture, 1000);
  g_assert_cmpstr (after_release, ==, "alert-b alert-a");

  g_assert_true (release (fixture, "alert-a"));
  g_assert_true (release (fixture, "alert-b"));
  none = due (fixture, G_MAXINT64);
  g_assert_cmpstr (none, ==, "");
}

typedef struct
{
  const char *id;
  gboolean    changed;
} Change;

static gboolean
disarm_elsewhere (TallyRulesStore  *store,
                  gpointer          data,
                  GError          **error)
{
  Change *change = data;

  return tally_rules_store_set_low_balance_armed (store, change->id, FALSE, &change->changed,
                                                  error);
}

static gboolean
release_elsewhere (TallyRulesStore  *store,
                   gpointer          data,
                   GError          **error)
{
  Change *change = data;

  return tally_rules_store_release_alert_email (store, change->id, &change->changed, error);
}

/* Two servers that both read the low-balance alert armed both disarm
 * it, and two that both found an email due both release it: the second
 * waits for the first, then changes nothing, so one fires and one sends. */
static void
test_alert_races (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyAlertSettings settings;
  Change disarm = { fixture->user.id, TRUE };
  Change release_email = { "alert-a", TRUE };
  gboolean changed = FALSE;
  g_autofree char *left = NULL;

  if (stores_skip_on_sqlite (fixture))
    return;

  tally_alert_settings_init_defaults (&settings);
  settings.low_balance = 100;
  save_settings (fixture, &settings);
  stores_begin (fixture);
  g_assert_true (tally_rules_store_set_low_balance_armed (fixture->store, fixture->user.id, FALSE,
                                                          &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  stores_race (fixture, disarm_elsewhere, &disarm);
  g_assert_false (disarm.changed);

  hold (fixture, "alert-a", 100);
  stores_begin (fixture);
  changed = FALSE;
  g_assert_true (tally_rules_store_release_alert_email (fixture->store, "alert-a", &changed,
                                                        &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  stores_race (fixture, release_elsewhere, &release_email);
  g_assert_false (release_email.changed);
  left = due (fixture, 1000);
  g_assert_cmpstr (left, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("alert-settings", test_alert_settings);
  stores_add ("alerts", test_alerts);
  stores_add ("alert-emails", test_alert_emails);
  stores_add ("alert-races", test_alert_races);

  return stores_run ();
}
