/* tally-session-plans.c: plans, the user's subscription, promo codes
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One request each, decoded once into typed results (tally-plan.c,
 * tally-subscription.c) through the session's call helper.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-session-plans.h"
#include "tally-session-private.h"

/* --- plans --- */

static gpointer
decode_plans (JsonObject  *reply,
              GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "plans");
  g_autoptr(GListStore) plans = g_list_store_new (TALLY_TYPE_PLAN);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent no list of plans"));
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(TallyPlan) plan = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      /* A plan the app cannot read is left out, not the whole list. */
      plan = tally_plan_new_from_json (json_node_get_object (element), NULL);
      if (plan != NULL)
        g_list_store_append (plans, plan);
    }
  return g_steal_pointer (&plans);
}

static const TallySessionDecoder plans_decoder = { decode_plans, g_object_unref, NULL };

void
tally_session_load_plans_async (TallySession        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/plans", NULL, &plans_decoder,
                      tally_session_load_plans_async, cancellable, callback, user_data);
}

GListModel *
tally_session_load_plans_finish (TallySession  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_plans_async, error);
}

/* --- subscribing --- */

static gpointer
decode_checkout_url (JsonObject  *reply,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "url");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING || json_node_get_string (node)[0] == '\0')
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent no checkout page"));
      return NULL;
    }
  return g_strdup (json_node_get_string (node));
}

static const TallySessionDecoder subscribe_decoder = { decode_checkout_url, g_free, NULL };

void
tally_session_subscribe_async (TallySession        *self,
                               const char          *plan_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (plan_id != NULL);

  json_object_set_string_member (body, "plan", plan_id);
  tally_session_call (self, "POST", "/v1/subscriptions", body, &subscribe_decoder,
                      tally_session_subscribe_async, cancellable, callback, user_data);
}

char *
tally_session_subscribe_finish (TallySession  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_subscribe_async, error);
}

/* --- the subscription --- */

/* The call helper takes NULL for a failure, so "no subscription" travels
 * as an empty array. */
static gpointer
decode_subscription (JsonObject  *reply,
                     GError     **error)
{
  g_autoptr(GPtrArray) holder = g_ptr_array_new_with_free_func (
    (GDestroyNotify) tally_subscription_free);
  g_autoptr(GError) local_error = NULL;
  TallySubscription *subscription = tally_subscription_new_from_reply (reply, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (subscription != NULL)
    g_ptr_array_add (holder, subscription);
  return g_steal_pointer (&holder);
}

static const TallySessionDecoder subscription_decoder = {
  decode_subscription, (GDestroyNotify) g_ptr_array_unref, NULL,
};

static gboolean
subscription_finish (TallySession       *self,
                     GAsyncResult       *result,
                     gpointer            source_tag,
                     TallySubscription **subscription,
                     GError            **error)
{
  g_autoptr(GPtrArray) holder = tally_session_call_finish (self, result, source_tag, error);

  if (subscription != NULL)
    *subscription = holder != NULL && holder->len > 0
                    ? tally_subscription_copy (g_ptr_array_index (holder, 0)) : NULL;
  return holder != NULL;
}

void
tally_session_load_subscription_async (TallySession        *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/subscription", NULL, &subscription_decoder,
                      tally_session_load_subscription_async, cancellable, callback, user_data);
}

gboolean
tally_session_load_subscription_finish (TallySession       *self,
                                        GAsyncResult       *result,
                                        TallySubscription **subscription,
                                        GError            **error)
{
  return subscription_finish (self, result, tally_session_load_subscription_async, subscription,
                              error);
}

void
tally_session_cancel_subscription_async (TallySession        *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "DELETE", "/v1/me/subscription", NULL, &subscription_decoder,
                      tally_session_cancel_subscription_async, cancellable, callback, user_data);
}

gboolean
tally_session_cancel_subscription_finish (TallySession       *self,
                                          GAsyncResult       *result,
                                          TallySubscription **subscription,
                                          GError            **error)
{
  return subscription_finish (self, result, tally_session_cancel_subscription_async,
                              subscription, error);
}

void
tally_session_change_plan_async (TallySession        *self,
                                 const char          *plan_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (plan_id != NULL);

  json_object_set_string_member (body, "plan", plan_id);
  tally_session_call (self, "PUT", "/v1/me/subscription", body, &subscription_decoder,
                      tally_session_change_plan_async, cancellable, callback, user_data);
}

gboolean
tally_session_change_plan_finish (TallySession       *self,
                                  GAsyncResult       *result,
                                  TallySubscription **subscription,
                                  GError            **error)
{
  return subscription_finish (self, result, tally_session_change_plan_async, subscription,
                              error);
}

/* --- promo codes --- */

static gpointer
decode_redeemed (JsonObject  *reply,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "transfer");
  JsonNode *amount = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                     ? json_object_get_member (json_node_get_object (node), "amount") : NULL;

  if (amount == NULL || !JSON_NODE_HOLDS_VALUE (amount) ||
      json_node_get_value_type (amount) != G_TYPE_INT64 || json_node_get_int (amount) < 0)
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent no credits for the code"));
      return NULL;
    }
  return g_memdup2 (&(gint64) { json_node_get_int (amount) }, sizeof (gint64));
}

/* The figures follow at once; the sync brings the transfer itself. */
static void
redeemed (TallySession  *self,
          gconstpointer  credits)
{
  tally_session_reload_account (self);
}

static const TallySessionDecoder redeem_decoder = { decode_redeemed, g_free, redeemed };

void
tally_session_redeem_code_async (TallySession        *self,
                                 const char          *code,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (code != NULL);

  json_object_set_string_member (body, "code", code);
  tally_session_call (self, "POST", "/v1/promo-codes/redeem", body, &redeem_decoder,
                      tally_session_redeem_code_async, cancellable, callback, user_data);
}

gint64
tally_session_redeem_code_finish (TallySession  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_autofree gint64 *credits = tally_session_call_finish (self, result,
                                                          tally_session_redeem_code_async, error);

  return credits != NULL ? *credits : -1;
}
