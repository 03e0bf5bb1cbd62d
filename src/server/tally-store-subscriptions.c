/* tally-store-subscriptions.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-private.h"
#include "tally-store-subscriptions.h"
#include "tally-store-sql.h"

static const char * const status_names[] = {
  [TALLY_SUBSCRIPTION_INCOMPLETE] = "incomplete",
  [TALLY_SUBSCRIPTION_ACTIVE] = "active",
  [TALLY_SUBSCRIPTION_PAST_DUE] = "past_due",
  [TALLY_SUBSCRIPTION_CANCELED] = "canceled",
};

const char *
tally_subscription_status_to_string (TallySubscriptionStatus status)
{
  g_return_val_if_fail (status < G_N_ELEMENTS (status_names), "incomplete");

  return status_names[status];
}

static TallySubscriptionStatus
status_from_string (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_strcmp0 (text, status_names[i]) == 0)
        return i;
    }

  return TALLY_SUBSCRIPTION_INCOMPLETE;
}

static void
read_subscription (sqlite3_stmt      *stmt,
                   TallySubscription *subscription)
{
  memset (subscription, 0, sizeof *subscription);
  tally_store_copy_text (stmt, 0, subscription->id, sizeof subscription->id);
  tally_store_copy_text (stmt, 1, subscription->user_id, sizeof subscription->user_id);
  tally_store_copy_text (stmt, 2, subscription->account_id, sizeof subscription->account_id);
  tally_store_copy_text (stmt, 3, subscription->plan_id, sizeof subscription->plan_id);
  tally_store_copy_text (stmt, 4, subscription->provider, sizeof subscription->provider);
  tally_store_copy_text (stmt, 5, subscription->session_id, sizeof subscription->session_id);
  tally_store_copy_text (stmt, 6, subscription->provider_id, sizeof subscription->provider_id);
  subscription->status = status_from_string ((const char *) sqlite3_column_text (stmt, 7));
  subscription->current_period_end = sqlite3_column_int64 (stmt, 8);
  subscription->cancel_at_period_end = sqlite3_column_int (stmt, 9) != 0;
  subscription->created_at = sqlite3_column_int64 (stmt, 10);
  subscription->credits_per_period = sqlite3_column_int64 (stmt, 11);
}

/* Binds "" as NULL, so the UNIQUE columns take any number of unset ones. */
static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           column,
                   const char   *text)
{
  if (text[0] != '\0')
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, column);
}

gboolean
tally_store_insert_subscription (TallyStore               *self,
                                 const TallySubscription  *subscription,
                                 GError                  **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO subscriptions ("
                                            TALLY_STORE_SUBSCRIPTION_COLUMNS
                                            ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                            "?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, subscription->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, subscription->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, subscription->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, subscription->plan_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, subscription->provider, -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 6, subscription->session_id);
  bind_text_or_null (stmt, 7, subscription->provider_id);
  sqlite3_bind_text (stmt, 8, tally_subscription_status_to_string (subscription->status), -1,
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 9, subscription->current_period_end);
  sqlite3_bind_int (stmt, 10, subscription->cancel_at_period_end);
  sqlite3_bind_int64 (stmt, 11, subscription->created_at);
  sqlite3_bind_int64 (stmt, 12, subscription->credits_per_period);
  sqlite3_bind_int64 (stmt, 13, g_get_real_time ());
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_set_subscription_session (TallyStore  *self,
                                      const char  *id,
                                      const char  *session_id,
                                      GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_SET_SUBSCRIPTION_SESSION, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, session_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

/* Runs @sql, one text parameter bound, for at most one subscription. */
static gboolean
find_one (TallyStore         *self,
          const char         *sql,
          const char         *value,
          TallySubscription  *subscription,
          GError            **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, sql, error);
  int rc;

  memset (subscription, 0, sizeof *subscription);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_subscription (stmt, subscription);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);
  return rc == SQLITE_ROW;
}

gboolean
tally_store_find_subscription (TallyStore         *self,
                               const char         *id,
                               TallySubscription  *subscription,
                               GError            **error)
{
  return find_one (self, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE id = ?", id, subscription, error);
}

gboolean
tally_store_find_subscription_by_session (TallyStore         *self,
                                          const char         *session_id,
                                          TallySubscription  *subscription,
                                          GError            **error)
{
  return find_one (self, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE session_id = ?", session_id, subscription, error);
}

gboolean
tally_store_find_subscription_by_provider_id (TallyStore         *self,
                                              const char         *provider_id,
                                              TallySubscription  *subscription,
                                              GError            **error)
{
  return find_one (self, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE provider_id = ?", provider_id, subscription, error);
}

gboolean
tally_store_find_live_subscription (TallyStore         *self,
                                    const char         *user_id,
                                    TallySubscription  *subscription,
                                    GError            **error)
{
  return find_one (self, "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions "
                   "WHERE user_id = ? AND status IN ('active', 'past_due') "
                   "ORDER BY created_at DESC LIMIT 1", user_id, subscription, error);
}

gboolean
tally_store_update_subscription (TallyStore               *self,
                                 const TallySubscription  *subscription,
                                 GError                  **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE subscriptions SET provider_id = ?, "
                                            "status = ?, current_period_end = ?, "
                                            "cancel_at_period_end = ?, updated_at = ? "
                                            "WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;

  bind_text_or_null (stmt, 1, subscription->provider_id);
  sqlite3_bind_text (stmt, 2, tally_subscription_status_to_string (subscription->status), -1,
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, subscription->current_period_end);
  sqlite3_bind_int (stmt, 4, subscription->cancel_at_period_end);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  sqlite3_bind_text (stmt, 6, subscription->id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_change_subscription_plan (TallyStore               *self,
                                      const TallySubscription  *subscription,
                                      GError                  **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "UPDATE subscriptions SET plan_id = ?, "
                                            "credits_per_period = ?, updated_at = ? "
                                            "WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, subscription->plan_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, subscription->credits_per_period);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  sqlite3_bind_text (stmt, 4, subscription->id, -1, SQLITE_STATIC);
  return tally_store_step_done (self, stmt, error);
}

gboolean
tally_store_find_invoice_refund (TallyStore  *self,
                                 const char  *invoice_id,
                                 gint64      *reversed,
                                 gint64      *short_by,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, "SELECT reversed, short_by "
                                            "FROM invoice_refunds WHERE invoice_id = ?", error);
  int rc;

  *reversed = *short_by = 0;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, invoice_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *reversed = sqlite3_column_int64 (stmt, 0);
      *short_by = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);

  return rc == SQLITE_ROW || rc == SQLITE_DONE || tally_store_sqlite_failed (self, error);
}

gboolean
tally_store_save_invoice_refund (TallyStore  *self,
                                 const char  *invoice_id,
                                 const char  *account_id,
                                 gint64       reversed,
                                 gint64       short_by,
                                 GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "INSERT INTO invoice_refunds (invoice_id, "
                                            "account_id, reversed, short_by, updated_at) "
                                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (invoice_id) "
                                            "DO UPDATE SET reversed = excluded.reversed, "
                                            "short_by = excluded.short_by, "
                                            "updated_at = excluded.updated_at", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, invoice_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, reversed);
  sqlite3_bind_int64 (stmt, 4, short_by);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  return tally_store_step_done (self, stmt, error);
}

GArray *
tally_store_list_due_demo_subscriptions (TallyStore  *self,
                                         gint64       now,
                                         guint        limit,
                                         GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_DUE_DEMO_SUBSCRIPTIONS, error);
  g_autoptr(GArray) list = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit);
  list = g_array_new (FALSE, TRUE, sizeof (TallySubscription));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallySubscription subscription;

      read_subscription (stmt, &subscription);
      g_array_append_val (list, subscription);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}
