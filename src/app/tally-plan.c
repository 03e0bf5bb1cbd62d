/* tally-plan.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-format.h"
#include "tally-plan.h"

struct _TallyPlan
{
  GObject  parent_instance;

  char    *id;
  char    *name;
  gint64   credits;
  gint64   amount;
  char    *currency;
};

G_DEFINE_FINAL_TYPE (TallyPlan, tally_plan, G_TYPE_OBJECT)

static void
tally_plan_finalize (GObject *object)
{
  TallyPlan *self = TALLY_PLAN (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->currency);

  G_OBJECT_CLASS (tally_plan_parent_class)->finalize (object);
}

static void
tally_plan_class_init (TallyPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_plan_finalize;
}

static void
tally_plan_init (TallyPlan *self)
{
}

/* The member as a string, or NULL when it is missing or of another type:
 * json-glib's getters would warn. */
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

static gint64
int_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

TallyPlan *
tally_plan_new_from_json (JsonObject  *object,
                          GError     **error)
{
  g_autoptr(TallyPlan) self = g_object_new (TALLY_TYPE_PLAN, NULL);
  JsonNode *price_node;
  JsonObject *price = NULL;
  const char *id;

  g_return_val_if_fail (object != NULL, NULL);

  id = string_member (object, "id");
  price_node = json_object_get_member (object, "price");
  if (price_node != NULL && JSON_NODE_HOLDS_OBJECT (price_node))
    price = json_node_get_object (price_node);
  self->credits = int_member (object, "credits_per_period");
  if (id == NULL || price == NULL || self->credits <= 0 || int_member (price, "amount") < 0)
    {
      g_set_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                   _("The server sent a plan without an id, credits or a price"));
      return NULL;
    }

  self->id = g_strdup (id);
  self->name = g_strdup (string_member (object, "name") ? string_member (object, "name") : id);
  self->amount = int_member (price, "amount");
  self->currency = g_strdup (string_member (price, "currency") ? string_member (price, "currency")
                                                               : "eur");
  return g_steal_pointer (&self);
}

const char *
tally_plan_get_id (TallyPlan *self)
{
  g_return_val_if_fail (TALLY_IS_PLAN (self), NULL);

  return self->id;
}

const char *
tally_plan_get_name (TallyPlan *self)
{
  g_return_val_if_fail (TALLY_IS_PLAN (self), NULL);

  return self->name;
}

gint64
tally_plan_get_credits (TallyPlan *self)
{
  g_return_val_if_fail (TALLY_IS_PLAN (self), 0);

  return self->credits;
}

gint64
tally_plan_get_amount (TallyPlan *self)
{
  g_return_val_if_fail (TALLY_IS_PLAN (self), 0);

  return self->amount;
}

const char *
tally_plan_get_currency (TallyPlan *self)
{
  g_return_val_if_fail (TALLY_IS_PLAN (self), NULL);

  return self->currency;
}

char *
tally_plan_format_price (TallyPlan *self)
{
  g_return_val_if_fail (TALLY_IS_PLAN (self), NULL);

  return tally_format_price (self->amount, self->currency);
}
