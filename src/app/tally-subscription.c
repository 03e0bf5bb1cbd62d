/* tally-subscription.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-subscription.h"

G_DEFINE_BOXED_TYPE (TallySubscription, tally_subscription, tally_subscription_copy,
                     tally_subscription_free)

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

TallySubscription *
tally_subscription_new_from_reply (JsonObject  *reply,
                                   GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "subscription");
  g_autoptr(TallySubscription) self = NULL;
  JsonObject *object;
  const char *period_end;
  JsonNode *cancel;

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      string_member (json_node_get_object (node), "plan") == NULL ||
      string_member (json_node_get_object (node), "status") == NULL)
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent a subscription without a plan or a status"));
      return NULL;
    }

  object = json_node_get_object (node);
  self = g_new0 (TallySubscription, 1);
  self->id = g_strdup (string_member (object, "id"));
  self->plan = g_strdup (string_member (object, "plan"));
  self->status = g_strdup (string_member (object, "status"));
  period_end = string_member (object, "current_period_end");
  if (period_end != NULL)
    self->period_end = g_date_time_new_from_iso8601 (period_end, NULL);
  cancel = json_object_get_member (object, "cancel_at_period_end");
  self->cancel_at_period_end = cancel != NULL && JSON_NODE_HOLDS_VALUE (cancel) &&
                               json_node_get_value_type (cancel) == G_TYPE_BOOLEAN &&
                               json_node_get_boolean (cancel);
  return g_steal_pointer (&self);
}

TallySubscription *
tally_subscription_copy (const TallySubscription *self)
{
  TallySubscription *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TallySubscription, 1);
  copy->id = g_strdup (self->id);
  copy->plan = g_strdup (self->plan);
  copy->status = g_strdup (self->status);
  copy->period_end = self->period_end ? g_date_time_ref (self->period_end) : NULL;
  copy->cancel_at_period_end = self->cancel_at_period_end;
  return copy;
}

void
tally_subscription_free (TallySubscription *self)
{
  if (self == NULL)
    return;

  g_free (self->id);
  g_free (self->plan);
  g_free (self->status);
  g_clear_pointer (&self->period_end, g_date_time_unref);
  g_free (self);
}
