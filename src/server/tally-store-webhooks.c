/* tally-store-webhooks.c: outgoing webhooks and their outbox of deliveries
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-store-private.h"
#include "tally-store-sql.h"
#include "tally-store-webhooks.h"

static const char * const statuses[] = {
  [TALLY_DELIVERY_PENDING] = "pending",
  [TALLY_DELIVERY_DELIVERED] = "delivered",
  [TALLY_DELIVERY_FAILED] = "failed",
};

const char *
tally_delivery_status_to_string (TallyDeliveryStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (statuses), NULL);

  return statuses[status];
}

static TallyDeliveryStatus
status_from_string (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_strcmp0 (text, statuses[i]) == 0)
      return (TallyDeliveryStatus) i;

  return TALLY_DELIVERY_FAILED;
}

void
tally_webhook_clear (TallyWebhook *webhook)
{
  g_clear_pointer (&webhook->url, g_free);
  g_clear_pointer (&webhook->secret, g_free);
}

void
tally_delivery_clear (TallyDelivery *delivery)
{
  g_clear_pointer (&delivery->type, g_free);
  g_clear_pointer (&delivery->body, g_free);
  g_clear_pointer (&delivery->url, g_free);
  g_clear_pointer (&delivery->secret, g_free);
}

/* --- webhooks --- */

gboolean
tally_store_insert_webhook (TallyStore          *self,
                            const TallyWebhook  *webhook,
                            GError             **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_INSERT_WEBHOOK, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, webhook->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, webhook->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, webhook->url, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, webhook->secret, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, webhook->created_at);
  return tally_store_step_done (self, stmt, error);
}

static void
read_webhook (sqlite3_stmt *stmt,
              TallyWebhook *webhook)
{
  memset (webhook, 0, sizeof *webhook);
  tally_store_copy_text (stmt, 0, webhook->id, sizeof webhook->id);
  tally_store_copy_text (stmt, 1, webhook->user_id, sizeof webhook->user_id);
  webhook->url = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  webhook->secret = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  webhook->created_at = sqlite3_column_int64 (stmt, 4);
}

gboolean
tally_store_find_webhook (TallyStore    *self,
                          const char    *user_id,
                          const char    *id,
                          TallyWebhook  *webhook,
                          GError       **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_FIND_WEBHOOK, error);
  int rc;

  memset (webhook, 0, sizeof *webhook);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_webhook (stmt, webhook);
  sqlite3_reset (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return tally_store_sqlite_failed (self, error);

  g_set_error_literal (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND, "No such webhook");
  return FALSE;
}

GArray *
tally_store_list_webhooks (TallyStore  *self,
                           const char  *user_id,
                           GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LIST_WEBHOOKS, error);
  g_autoptr(GArray) webhooks = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  webhooks = g_array_new (FALSE, TRUE, sizeof (TallyWebhook));
  g_array_set_clear_func (webhooks, (GDestroyNotify) tally_webhook_clear);
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyWebhook webhook;

      read_webhook (stmt, &webhook);
      g_array_append_val (webhooks, webhook);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&webhooks);
}

gboolean
tally_store_delete_webhook (TallyStore  *self,
                            const char  *user_id,
                            const char  *id,
                            gboolean    *found,
                            GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self,
                                            "DELETE FROM outgoing_webhooks "
                                            "WHERE id = ? AND user_id = ?", error);
  sqlite3 *db = tally_ledger_get_sqlite (tally_store_get_ledger (self));

  *found = FALSE;
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  if (!tally_store_step_done (self, stmt, error))
    return FALSE;
  *found = sqlite3_changes (db) == 1;
  if (!*found)
    return TRUE;

  stmt = tally_store_prepare (self, "DELETE FROM webhook_deliveries WHERE webhook_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  return tally_store_step_done (self, stmt, error);
}

/* --- deliveries --- */

gboolean
tally_store_enqueue_deliveries (TallyStore  *self,
                                const char  *user_id,
                                const char  *event_id,
                                const char  *type,
                                const char  *body,
                                gint64       now,
                                GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_ENQUEUE_DELIVERIES, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, event_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, body, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_text (stmt, 5, user_id, -1, SQLITE_TRANSIENT);
  return tally_store_step_done (self, stmt, error);
}

static void
read_delivery (sqlite3_stmt  *stmt,
               TallyDelivery *delivery)
{
  memset (delivery, 0, sizeof *delivery);
  delivery->seq = sqlite3_column_int64 (stmt, 0);
  tally_store_copy_text (stmt, 1, delivery->webhook_id, sizeof delivery->webhook_id);
  tally_store_copy_text (stmt, 2, delivery->event_id, sizeof delivery->event_id);
  delivery->type = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  delivery->body = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  delivery->status = status_from_string ((const char *) sqlite3_column_text (stmt, 5));
  delivery->attempts = sqlite3_column_int64 (stmt, 6);
  delivery->created_at = sqlite3_column_int64 (stmt, 7);
  delivery->next_attempt_at = sqlite3_column_int64 (stmt, 8);
  delivery->last_attempt_at = sqlite3_column_int64 (stmt, 9);
  delivery->response_status = (guint) sqlite3_column_int (stmt, 10);
}

static GArray *
collect_deliveries (TallyStore    *self,
                    sqlite3_stmt  *stmt,
                    gboolean       with_target,
                    GError       **error)
{
  g_autoptr(GArray) deliveries = g_array_new (FALSE, TRUE, sizeof (TallyDelivery));
  int rc;

  g_array_set_clear_func (deliveries, (GDestroyNotify) tally_delivery_clear);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TallyDelivery delivery;

      read_delivery (stmt, &delivery);
      if (with_target)
        {
          delivery.url = g_strdup ((const char *) sqlite3_column_text (stmt, 11));
          delivery.secret = g_strdup ((const char *) sqlite3_column_text (stmt, 12));
        }
      g_array_append_val (deliveries, delivery);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      tally_store_sqlite_failed (self, error);
      return NULL;
    }
  return g_steal_pointer (&deliveries);
}

GArray *
tally_store_due_deliveries (TallyStore  *self,
                            gint64       now,
                            guint        limit,
                            GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_DUE_DELIVERIES, error);

  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit);
  return collect_deliveries (self, stmt, TRUE, error);
}

gboolean
tally_store_record_attempt (TallyStore           *self,
                            gint64                seq,
                            TallyDeliveryStatus   status,
                            guint                 response_status,
                            gint64                attempted_at,
                            gint64                next_attempt_at,
                            GError              **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_RECORD_ATTEMPT, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, tally_delivery_status_to_string (status), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, attempted_at);
  if (response_status > 0)
    sqlite3_bind_int (stmt, 3, (int) response_status);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_int64 (stmt, 4, next_attempt_at);
  sqlite3_bind_int64 (stmt, 5, seq);
  return tally_store_step_done (self, stmt, error);
}

GArray *
tally_store_list_deliveries (TallyStore  *self,
                             const char  *webhook_id,
                             gint64       before_seq,
                             guint        limit,
                             gint64      *next_before_seq,
                             GError     **error)
{
  sqlite3_stmt *stmt = tally_store_prepare (self, TALLY_STORE_LIST_DELIVERIES, error);
  GArray *deliveries;

  *next_before_seq = 0;
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, webhook_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, before_seq);
  sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
  deliveries = collect_deliveries (self, stmt, FALSE, error);
  if (deliveries != NULL && deliveries->len > limit)
    {
      g_array_set_size (deliveries, limit);
      *next_before_seq = g_array_index (deliveries, TallyDelivery, limit - 1).seq;
    }
  return deliveries;
}
