/* tally-spend-limits.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-spend-limits.h"

G_DEFINE_BOXED_TYPE (TallySpendLimits, tally_spend_limits, tally_spend_limits_copy,
                     tally_spend_limits_free)

/* An integer member, or FALSE when it is absent, null or not a number. */
static gboolean
read_figure (JsonObject *object,
             const char *member,
             gint64     *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *out = json_node_get_int (node);
  return TRUE;
}

static void
read_limit (JsonObject      *limits,
            const char      *name,
            TallySpendLimit *out)
{
  JsonNode *node = limits != NULL ? json_object_get_member (limits, name) : NULL;
  JsonObject *limit = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                    : NULL;

  out->has_cap = read_figure (limit, "cap", &out->cap);
  out->has_ceiling = read_figure (limit, "ceiling", &out->ceiling);
  out->has_user = read_figure (limit, "user", &out->user);
  read_figure (limit, "spent", &out->spent);
}

TallySpendLimits *
tally_spend_limits_new_from_json (JsonObject *limits)
{
  TallySpendLimits *self = g_new0 (TallySpendLimits, 1);

  read_limit (limits, "per_run", &self->per_run);
  read_limit (limits, "daily", &self->daily);
  read_limit (limits, "monthly", &self->monthly);
  return self;
}

TallySpendLimits *
tally_spend_limits_copy (const TallySpendLimits *self)
{
  return g_memdup2 (self, sizeof *self);
}

void
tally_spend_limits_free (TallySpendLimits *self)
{
  g_free (self);
}
