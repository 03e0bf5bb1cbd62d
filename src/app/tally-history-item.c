/* tally-history-item.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-history-item.h"

struct _TallyHistoryItem
{
  GObject            parent_instance;

  TallyStatementItem item;
};

G_DEFINE_FINAL_TYPE (TallyHistoryItem, tally_history_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_STATUS,
  PROP_AMOUNT,
  PROP_HELD,
  PROP_TOOL_ID,
  PROP_DESCRIPTION,
  PROP_CREATED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tally_history_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TallyHistoryItem *self = TALLY_HISTORY_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->item.id);
      break;
    case PROP_KIND:
      g_value_set_uint (value, self->item.kind);
      break;
    case PROP_STATUS:
      g_value_set_uint (value, self->item.status);
      break;
    case PROP_AMOUNT:
      g_value_set_int64 (value, self->item.amount);
      break;
    case PROP_HELD:
      g_value_set_int64 (value, self->item.held);
      break;
    case PROP_TOOL_ID:
      g_value_set_string (value, self->item.tool_id);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->item.description);
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->item.created_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_history_item_class_init (TallyHistoryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = tally_history_item_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_KIND] = g_param_spec_uint ("kind", NULL, NULL,
                                             0, TALLY_N_TRANSFER_KINDS - 1, 0, flags);
  properties[PROP_STATUS] = g_param_spec_uint ("status", NULL, NULL,
                                               0, TALLY_ITEM_STATUS_VOIDED, 0, flags);
  properties[PROP_AMOUNT] = g_param_spec_int64 ("amount", NULL, NULL,
                                                G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_HELD] = g_param_spec_int64 ("held", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_TOOL_ID] = g_param_spec_string ("tool-id", NULL, NULL, NULL, flags);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  properties[PROP_CREATED_AT] = g_param_spec_int64 ("created-at", NULL, NULL,
                                                    0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_history_item_init (TallyHistoryItem *self)
{
}

TallyHistoryItem *
tally_history_item_new (const TallyStatementItem *item)
{
  TallyHistoryItem *self;

  g_return_val_if_fail (item != NULL, NULL);

  self = g_object_new (TALLY_TYPE_HISTORY_ITEM, NULL);
  self->item = *item;
  return self;
}

TallyTransferKind
tally_history_item_get_kind (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.kind;
}

TallyItemStatus
tally_history_item_get_status (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.status;
}

gint64
tally_history_item_get_amount (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.amount;
}

gint64
tally_history_item_get_held (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.held;
}

gint64
tally_history_item_get_units (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.units;
}

const char *
tally_history_item_get_tool_id (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), NULL);
  return self->item.tool_id;
}

const char *
tally_history_item_get_description (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), NULL);
  return self->item.description;
}

gint64
tally_history_item_get_created_at (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.created_at;
}

gint64
tally_history_item_get_seq (TallyHistoryItem *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_ITEM (self), 0);
  return self->item.seq;
}
