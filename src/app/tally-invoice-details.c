/* tally-invoice-details.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-invoice-details.h"

G_DEFINE_BOXED_TYPE (TallyInvoiceDetails, tally_invoice_details, tally_invoice_details_copy,
                     tally_invoice_details_free)

TallyInvoiceDetails *
tally_invoice_details_new (const char *company,
                           const char *address,
                           const char *vat_id)
{
  TallyInvoiceDetails *self = g_new0 (TallyInvoiceDetails, 1);

  self->company = g_strdup (company != NULL ? company : "");
  self->address = g_strdup (address != NULL ? address : "");
  self->vat_id = g_strdup (vat_id != NULL ? vat_id : "");
  return self;
}

/* A string member, or NULL when it is absent, null or of another type:
 * json_object_get_string_member_with_default() would hand back NULL for
 * a number, and g_critical for an object. */
static const char *
read_string (JsonObject *object,
             const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

TallyInvoiceDetails *
tally_invoice_details_new_from_json (JsonObject *object)
{
  return tally_invoice_details_new (read_string (object, "company"),
                                    read_string (object, "address"),
                                    read_string (object, "vat_id"));
}

JsonObject *
tally_invoice_details_to_json (const TallyInvoiceDetails *self)
{
  JsonObject *object;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "company", self->company);
  json_object_set_string_member (object, "address", self->address);
  json_object_set_string_member (object, "vat_id", self->vat_id);
  return object;
}

TallyInvoiceDetails *
tally_invoice_details_copy (const TallyInvoiceDetails *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return tally_invoice_details_new (self->company, self->address, self->vat_id);
}

void
tally_invoice_details_free (TallyInvoiceDetails *self)
{
  if (self == NULL)
    return;

  g_free (self->company);
  g_free (self->address);
  g_free (self->vat_id);
  g_free (self);
}
