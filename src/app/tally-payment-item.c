/* tally-payment-item.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-payment-item.h"

struct _TallyPaymentItem
{
  GObject    parent_instance;

  char      *id;
  char      *pack_id;
  char      *status;
  gint64     credits;
  gint64     amount;
  char      *currency;
  char      *ref;
  gboolean   gift;
  GDateTime *created;
  GDateTime *paid;
};

G_DEFINE_FINAL_TYPE (TallyPaymentItem, tally_payment_item, G_TYPE_OBJECT)

static void
tally_payment_item_finalize (GObject *object)
{
  TallyPaymentItem *self = TALLY_PAYMENT_ITEM (object);

  g_free (self->id);
  g_free (self->pack_id);
  g_free (self->status);
  g_free (self->currency);
  g_free (self->ref);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->paid, g_date_time_unref);

  G_OBJECT_CLASS (tally_payment_item_parent_class)->finalize (object);
}

static void
tally_payment_item_class_init (TallyPaymentItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_payment_item_finalize;
}

static void
tally_payment_item_init (TallyPaymentItem *self)
{
}

/* An ISO 8601 member in local time; NULL when absent or unreadable. */
static GDateTime *
read_local_time (JsonObject *object,
                 const char *member)
{
  const char *text = json_object_get_string_member_with_default (object, member, NULL);
  g_autoptr(GDateTime) utc = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

TallyPaymentItem *
tally_payment_item_new_from_json (JsonObject  *object,
                                  GError     **error)
{
  g_autoptr(TallyPaymentItem) self = g_object_new (TALLY_TYPE_PAYMENT_ITEM, NULL);
  const char *id;
  const char *status;

  g_return_val_if_fail (object != NULL, NULL);

  id = json_object_get_string_member_with_default (object, "id", NULL);
  status = json_object_get_string_member_with_default (object, "status", NULL);
  if (status == NULL)
    {
      g_set_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                   _("The server sent a payment without a status"));
      return NULL;
    }

  /* Events name the checkout (ref), not the payment. */
  self->id = g_strdup (id != NULL ? id : "");
  self->status = g_strdup (status);
  self->pack_id = g_strdup (json_object_get_string_member_with_default (object, "pack", ""));
  self->credits = json_object_get_int_member_with_default (object, "credits", 0);
  self->amount = json_object_get_int_member_with_default (object, "amount", 0);
  self->currency = g_strdup (json_object_get_string_member_with_default (object, "currency",
                                                                         "eur"));
  self->ref = g_strdup (json_object_get_string_member_with_default (object, "ref", NULL));
  self->gift = json_object_get_boolean_member_with_default (object, "gift", FALSE);
  self->created = read_local_time (object, "created_at");
  self->paid = read_local_time (object, "paid_at");
  if (self->created == NULL)
    self->created = g_date_time_new_now_local ();
  return g_steal_pointer (&self);
}

const char *
tally_payment_item_get_id (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->id;
}

const char *
tally_payment_item_get_pack_id (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->pack_id;
}

const char *
tally_payment_item_get_status (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->status;
}

gint64
tally_payment_item_get_credits (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), 0);

  return self->credits;
}

gint64
tally_payment_item_get_amount (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), 0);

  return self->amount;
}

const char *
tally_payment_item_get_currency (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->currency;
}

const char *
tally_payment_item_get_ref (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->ref;
}

GDateTime *
tally_payment_item_get_created (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->created;
}

GDateTime *
tally_payment_item_get_time (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), NULL);

  return self->paid != NULL ? self->paid : self->created;
}

gboolean
tally_payment_item_has_receipt (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), FALSE);

  return g_str_equal (self->status, "paid") || g_str_equal (self->status, "refunded") ||
         g_str_equal (self->status, "disputed");
}

gboolean
tally_payment_item_is_gift (TallyPaymentItem *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENT_ITEM (self), FALSE);

  return self->gift;
}
