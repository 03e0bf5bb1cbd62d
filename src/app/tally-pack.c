/* tally-pack.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-format.h"
#include "tally-pack.h"

struct _TallyPack
{
  GObject  parent_instance;

  char    *id;
  char    *name;
  gint64   credits;
  gint64   amount;
  char    *currency;
};

G_DEFINE_FINAL_TYPE (TallyPack, tally_pack, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_CREDITS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tally_pack_finalize (GObject *object)
{
  TallyPack *self = TALLY_PACK (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->currency);

  G_OBJECT_CLASS (tally_pack_parent_class)->finalize (object);
}

static void
tally_pack_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TallyPack *self = TALLY_PACK (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_CREDITS:
      g_value_set_int64 (value, self->credits);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_pack_class_init (TallyPackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tally_pack_finalize;
  object_class->get_property = tally_pack_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CREDITS] = g_param_spec_int64 ("credits", NULL, NULL, 0, G_MAXINT64, 0,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_pack_init (TallyPack *self)
{
}

TallyPack *
tally_pack_new_from_json (JsonObject  *object,
                          GError     **error)
{
  g_autoptr(TallyPack) self = g_object_new (TALLY_TYPE_PACK, NULL);
  JsonObject *price;
  const char *id;

  g_return_val_if_fail (object != NULL, NULL);

  id = json_object_get_string_member_with_default (object, "id", NULL);
  price = json_object_get_object_member (object, "price");
  self->credits = json_object_get_int_member_with_default (object, "credits", 0);
  if (id == NULL || price == NULL || self->credits <= 0)
    {
      g_set_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                   _("The server sent a credit pack without an id, credits or a price"));
      return NULL;
    }

  self->id = g_strdup (id);
  self->name = g_strdup (json_object_get_string_member_with_default (object, "name", id));
  self->amount = json_object_get_int_member_with_default (price, "amount", 0);
  self->currency = g_strdup (json_object_get_string_member_with_default (price, "currency",
                                                                         "eur"));
  return g_steal_pointer (&self);
}

const char *
tally_pack_get_id (TallyPack *self)
{
  g_return_val_if_fail (TALLY_IS_PACK (self), NULL);

  return self->id;
}

const char *
tally_pack_get_name (TallyPack *self)
{
  g_return_val_if_fail (TALLY_IS_PACK (self), NULL);

  return self->name;
}

gint64
tally_pack_get_credits (TallyPack *self)
{
  g_return_val_if_fail (TALLY_IS_PACK (self), 0);

  return self->credits;
}

gint64
tally_pack_get_amount (TallyPack *self)
{
  g_return_val_if_fail (TALLY_IS_PACK (self), 0);

  return self->amount;
}

const char *
tally_pack_get_currency (TallyPack *self)
{
  g_return_val_if_fail (TALLY_IS_PACK (self), NULL);

  return self->currency;
}

char *
tally_pack_format_price (TallyPack *self)
{
  g_return_val_if_fail (TALLY_IS_PACK (self), NULL);

  return tally_format_price (self->amount, self->currency);
}
