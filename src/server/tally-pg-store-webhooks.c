/* tally-pg-store-webhooks.c: outgoing webhooks and their outbox of
 * deliveries, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

static TallyPg *
pg_of (TallyApiStore *api)
{
  return tally_pg_store_pg (TALLY_RULES_STORE (api));
}

/* --- webhooks --- */

static gboolean
pg_insert_webhook (TallyApiStore       *api,
                   const TallyWebhook  *webhook,
                   GError             **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, webhook->id);
  tally_pg_params_add_text (&params, webhook->user_id);
  tally_pg_params_add_text (&params, webhook->url);
  tally_pg_params_add_text (&params, webhook->secret);
  tally_pg_params_add_int64 (&params, webhook->created_at);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_INSERT_WEBHOOK, &params, error);
}

static void
read_webhook (const PGresult *res,
              int             row,
              TallyWebhook   *webhook)
{
  memset (webhook, 0, sizeof *webhook);
  tally_pg_copy_text (res, row, 0, webhook->id, sizeof webhook->id);
  tally_pg_copy_text (res, row, 1, webhook->user_id, sizeof webhook->user_id);
  webhook->url = g_strdup (PQgetvalue (res, row, 2));
  webhook->secret = g_strdup (PQgetvalue (res, row, 3));
  webhook->created_at = tally_pg_get_int64 (res, row, 4);
}

static gboolean
pg_find_webhook (TallyApiStore  *api,
                 const char     *user_id,
                 const char     *id,
                 TallyWebhook   *webhook,
                 GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  memset (webhook, 0, sizeof *webhook);
  tally_pg_params_add_text (&params, id);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api), TALLY_STORE_FIND_WEBHOOK, &params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return tally_pg_store_not_found (error, "No such webhook");

  read_webhook (res, 0, webhook);
  return TRUE;
}

static GArray *
pg_list_webhooks (TallyApiStore  *api,
                  const char     *user_id,
                  GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *webhooks;

  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api), TALLY_STORE_LIST_WEBHOOKS, &params, error);
  if (res == NULL)
    return NULL;

  webhooks = g_array_sized_new (FALSE, TRUE, sizeof (TallyWebhook), PQntuples (res));
  g_array_set_clear_func (webhooks, (GDestroyNotify) tally_webhook_clear);
  g_array_set_size (webhooks, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    read_webhook (res, row, &g_array_index (webhooks, TallyWebhook, row));
  return webhooks;
}

/* The webhook and its deliveries in one statement, so that outside a
 * transaction no failure between the two leaves its outbox behind. A
 * delivery another server enqueues meanwhile, from a snapshot that still
 * saw the webhook, is never sent: due deliveries join their webhook. Of
 * two servers deleting it, the second waits on the row's lock and then
 * finds nothing: *@found is TRUE for one. */
static gboolean
pg_delete_webhook (TallyApiStore  *api,
                   const char     *user_id,
                   const char     *id,
                   gboolean       *found,
                   GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  *found = FALSE;
  tally_pg_params_add_text (&params, id);
  tally_pg_params_add_text (&params, user_id);
  res = tally_pg_run (pg_of (api),
                      "WITH gone AS (DELETE FROM outgoing_webhooks "
                      "WHERE id = $1 AND user_id = $2 RETURNING id), "
                      "outbox AS (DELETE FROM webhook_deliveries "
                      "WHERE webhook_id IN (SELECT id FROM gone)) "
                      "SELECT count(*) FROM gone", &params, error);
  if (res == NULL)
    return FALSE;

  *found = tally_pg_get_int64 (res, 0, 0) == 1;
  return TRUE;
}

/* --- deliveries --- */

/* The unique key (webhook_id, event_id) decides between two servers
 * enqueueing the same event: the second adds nothing. */
static gboolean
pg_enqueue_deliveries (TallyApiStore  *api,
                       const char     *user_id,
                       const char     *event_id,
                       const char     *type,
                       const char     *body,
                       gint64          now,
                       GError        **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, event_id);
  tally_pg_params_add_text (&params, type);
  tally_pg_params_add_text (&params, body);
  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_text (&params, user_id);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_ENQUEUE_DELIVERIES, &params, error);
}

static TallyDeliveryStatus
status_from_string (const char *text)
{
  for (TallyDeliveryStatus status = TALLY_DELIVERY_PENDING; status < TALLY_DELIVERY_FAILED;
       status++)
    if (g_str_equal (text, tally_delivery_status_to_string (status)))
      return status;

  return TALLY_DELIVERY_FAILED;
}

/* NULL reads as 0, as on SQLite: no attempt yet, no HTTP answer. */
static void
read_delivery (const PGresult *res,
               int             row,
               TallyDelivery  *delivery)
{
  memset (delivery, 0, sizeof *delivery);
  delivery->seq = tally_pg_get_int64 (res, row, 0);
  tally_pg_copy_text (res, row, 1, delivery->webhook_id, sizeof delivery->webhook_id);
  tally_pg_copy_text (res, row, 2, delivery->event_id, sizeof delivery->event_id);
  delivery->type = g_strdup (PQgetvalue (res, row, 3));
  delivery->body = g_strdup (PQgetvalue (res, row, 4));
  delivery->status = status_from_string (PQgetvalue (res, row, 5));
  delivery->attempts = tally_pg_get_int64 (res, row, 6);
  delivery->created_at = tally_pg_get_int64 (res, row, 7);
  delivery->next_attempt_at = tally_pg_get_int64 (res, row, 8);
  delivery->last_attempt_at = tally_pg_get_int64 (res, row, 9);
  delivery->response_status = (guint) tally_pg_get_int64 (res, row, 10);
}

static GArray *
collect_deliveries (const PGresult *res,
                    gboolean        with_target)
{
  GArray *deliveries = g_array_sized_new (FALSE, TRUE, sizeof (TallyDelivery), PQntuples (res));

  g_array_set_clear_func (deliveries, (GDestroyNotify) tally_delivery_clear);
  g_array_set_size (deliveries, PQntuples (res));
  for (int row = 0; row < PQntuples (res); row++)
    {
      TallyDelivery *delivery = &g_array_index (deliveries, TallyDelivery, row);

      read_delivery (res, row, delivery);
      if (with_target)
        {
          delivery->url = g_strdup (PQgetvalue (res, row, 11));
          delivery->secret = g_strdup (PQgetvalue (res, row, 12));
        }
    }
  return deliveries;
}

/* A plain read, as on SQLite, which claims nothing either: the worker
 * (tally-webhooks.c) keeps the deliveries it is sending in its own
 * in-flight table, and records each attempt after it. A row lock
 * (FOR UPDATE SKIP LOCKED) would last only this statement in autocommit,
 * not the send, so it would keep no other server off. Two servers
 * polling one database may therefore both send a delivery due at once:
 * at-least-once, as receivers must take webhooks anyway (the event id
 * tells them a repeat), and each attempt counts in attempts. */
static GArray *
pg_due_deliveries (TallyApiStore  *api,
                   gint64          now,
                   guint           limit,
                   GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;

  tally_pg_params_add_int64 (&params, now);
  tally_pg_params_add_int64 (&params, limit);
  res = tally_pg_run (pg_of (api), TALLY_STORE_DUE_DELIVERIES, &params, error);
  if (res == NULL)
    return NULL;

  return collect_deliveries (res, TRUE);
}

static gboolean
pg_record_attempt (TallyApiStore        *api,
                   gint64                seq,
                   TallyDeliveryStatus   status,
                   guint                 response_status,
                   gint64                attempted_at,
                   gint64                next_attempt_at,
                   GError              **error)
{
  TallyPgParams params = { 0 };

  tally_pg_params_add_text (&params, tally_delivery_status_to_string (status));
  tally_pg_params_add_int64 (&params, attempted_at);
  if (response_status > 0)
    tally_pg_params_add_int64 (&params, response_status);
  else
    tally_pg_params_add_text (&params, NULL);
  tally_pg_params_add_int64 (&params, next_attempt_at);
  tally_pg_params_add_int64 (&params, seq);
  return tally_pg_run_command (pg_of (api), TALLY_STORE_RECORD_ATTEMPT, &params, error);
}

static GArray *
pg_list_deliveries (TallyApiStore  *api,
                    const char     *webhook_id,
                    gint64          before_seq,
                    guint           limit,
                    gint64         *next_before_seq,
                    GError        **error)
{
  TallyPgParams params = { 0 };
  g_autoptr(PGresult) res = NULL;
  GArray *deliveries;

  *next_before_seq = 0;
  tally_pg_params_add_text (&params, webhook_id);
  tally_pg_params_add_int64 (&params, before_seq);
  tally_pg_params_add_int64 (&params, (gint64) limit + 1);
  res = tally_pg_run (pg_of (api), TALLY_STORE_LIST_DELIVERIES, &params, error);
  if (res == NULL)
    return NULL;

  deliveries = collect_deliveries (res, FALSE);
  if (deliveries->len > limit)
    {
      g_array_set_size (deliveries, limit);
      *next_before_seq = g_array_index (deliveries, TallyDelivery, limit - 1).seq;
    }
  return deliveries;
}

void
tally_pg_store_webhooks_api_init (TallyApiStoreInterface *iface)
{
  iface->insert_webhook = pg_insert_webhook;
  iface->find_webhook = pg_find_webhook;
  iface->delete_webhook = pg_delete_webhook;
  iface->list_webhooks = pg_list_webhooks;
  iface->enqueue_deliveries = pg_enqueue_deliveries;
  iface->due_deliveries = pg_due_deliveries;
  iface->record_attempt = pg_record_attempt;
  iface->list_deliveries = pg_list_deliveries;
}
