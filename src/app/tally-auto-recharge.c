/* tally-auto-recharge.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-auto-recharge.h"

G_DEFINE_BOXED_TYPE (TallyAutoRecharge, tally_auto_recharge, tally_auto_recharge_copy,
                     tally_auto_recharge_free)

TallyAutoRecharge *
tally_auto_recharge_new (gboolean    enabled,
                         gint64      threshold,
                         const char *pack_id,
                         gint64      monthly_cap)
{
  TallyAutoRecharge *self = g_new0 (TallyAutoRecharge, 1);

  self->enabled = enabled;
  self->threshold = threshold;
  self->pack_id = g_strdup (pack_id);
  self->monthly_cap = monthly_cap;
  return self;
}

/* The member's value when it is one of @type, else NULL. json-glib would
 * convert (true reads as 1, 1.5 as 1, 1 as true): a reply of the wrong
 * shape must not turn into settings the user never made. */
static JsonNode *
read_value (JsonObject *object,
            const char *member,
            GType       type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;

  return node;
}

static gboolean
read_boolean (JsonObject *object,
              const char *member)
{
  JsonNode *node = read_value (object, member, G_TYPE_BOOLEAN);

  return node != NULL && json_node_get_boolean (node);
}

/* None of the figures can be below 0; the window would show nonsense
 * ("paused after -1 failed charges"). */
static gint64
read_figure (JsonObject *object,
             const char *member)
{
  JsonNode *node = read_value (object, member, G_TYPE_INT64);

  return node != NULL ? MAX (0, json_node_get_int (node)) : 0;
}

TallyAutoRecharge *
tally_auto_recharge_new_from_json (JsonObject *object)
{
  JsonNode *pack = read_value (object, "pack", G_TYPE_STRING);
  TallyAutoRecharge *self;

  self = tally_auto_recharge_new (read_boolean (object, "enabled"),
                                  read_figure (object, "threshold"),
                                  pack != NULL ? json_node_get_string (pack) : NULL,
                                  read_figure (object, "monthly_cap"));
  self->paused = read_boolean (object, "paused");
  self->in_flight = read_boolean (object, "in_flight");
  self->failures = read_figure (object, "failures");
  return self;
}

JsonObject *
tally_auto_recharge_to_json (const TallyAutoRecharge *self)
{
  JsonObject *object;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_boolean_member (object, "enabled", self->enabled);
  json_object_set_int_member (object, "threshold", self->threshold);
  if (self->pack_id != NULL)
    json_object_set_string_member (object, "pack", self->pack_id);
  else
    json_object_set_null_member (object, "pack");
  json_object_set_int_member (object, "monthly_cap", self->monthly_cap);
  return object;
}

TallyAutoRecharge *
tally_auto_recharge_copy (const TallyAutoRecharge *self)
{
  TallyAutoRecharge *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->pack_id = g_strdup (self->pack_id);
  return copy;
}

void
tally_auto_recharge_free (TallyAutoRecharge *self)
{
  if (self == NULL)
    return;

  g_free (self->pack_id);
  g_free (self);
}
