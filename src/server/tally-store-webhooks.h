/* tally-store-webhooks.h: outgoing webhooks and their outbox of deliveries
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

typedef struct
{
  char    id[TALLY_UUID_LEN];
  char    user_id[TALLY_UUID_LEN];
  char   *url;
  char   *secret;
  gint64  created_at;
} TallyWebhook;

void tally_webhook_clear (TallyWebhook *webhook);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyWebhook, tally_webhook_clear)

gboolean tally_store_insert_webhook (TallyStore         *self,
                                     const TallyWebhook *webhook,
                                     GError            **error);
/* TALLY_STORE_ERROR_NOT_FOUND unless @user_id has webhook @id. */
gboolean tally_store_find_webhook   (TallyStore         *self,
                                     const char         *user_id,
                                     const char         *id,
                                     TallyWebhook       *webhook,
                                     GError            **error);
/* A user's webhooks, oldest first: an array of TallyWebhook. */
GArray  *tally_store_list_webhooks  (TallyStore         *self,
                                     const char         *user_id,
                                     GError            **error);
/* The webhook and its deliveries; *@found FALSE when @user_id has none
 * of that id. */
gboolean tally_store_delete_webhook (TallyStore         *self,
                                     const char         *user_id,
                                     const char         *id,
                                     gboolean           *found,
                                     GError            **error);

typedef enum
{
  TALLY_DELIVERY_PENDING,
  TALLY_DELIVERY_DELIVERED,
  TALLY_DELIVERY_FAILED,
} TallyDeliveryStatus;

typedef struct
{
  gint64              seq;
  char                webhook_id[TALLY_UUID_LEN];
  char                event_id[TALLY_UUID_LEN];
  char               *type;
  /* The exact bytes every attempt sends. */
  char               *body;
  TallyDeliveryStatus status;
  gint64              attempts;
  gint64              created_at;
  gint64              next_attempt_at;
  /* 0 before the first attempt. */
  gint64              last_attempt_at;
  /* 0 when no HTTP answer came (refused, timed out). */
  guint               response_status;
  /* Filled by tally_store_due_deliveries (): where and how to send. */
  char               *url;
  char               *secret;
} TallyDelivery;

const char *tally_delivery_status_to_string (TallyDeliveryStatus status);
void        tally_delivery_clear            (TallyDelivery      *delivery);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyDelivery, tally_delivery_clear)

/* One delivery of the event to each of the user's webhooks. */
gboolean tally_store_enqueue_deliveries (TallyStore  *self,
                                         const char  *user_id,
                                         const char  *event_id,
                                         const char  *type,
                                         const char  *body,
                                         gint64       now,
                                         GError     **error);
/* Pending deliveries due at @now, the oldest first, at most @limit, with
 * their webhook's url and secret. */
GArray  *tally_store_due_deliveries     (TallyStore  *self,
                                         gint64       now,
                                         guint        limit,
                                         GError     **error);
/* After an attempt: @status, one more attempt, and when the next is due. */
gboolean tally_store_record_attempt     (TallyStore          *self,
                                         gint64               seq,
                                         TallyDeliveryStatus  status,
                                         guint                response_status,
                                         gint64               attempted_at,
                                         gint64               next_attempt_at,
                                         GError             **error);
/* A webhook's deliveries, newest first, paged as tally_store_list_alerts(). */
GArray  *tally_store_list_deliveries    (TallyStore  *self,
                                         const char  *webhook_id,
                                         gint64       before_seq,
                                         guint        limit,
                                         gint64      *next_before_seq,
                                         GError     **error);

G_END_DECLS
