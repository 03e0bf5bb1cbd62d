/* tally-transfer-json.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-export.h"
#include "tally-json.h"
#include "tally-transfer-json.h"

/* The flags a mirror needs; the others (linked, balancing) only matter
 * while the server commits. */
static const struct
{
  const char         *name;
  TallyTransferFlags  flag;
} wire_flags[] = {
  { "pending", TALLY_TRANSFER_FLAG_PENDING },
  { "post_pending", TALLY_TRANSFER_FLAG_POST_PENDING },
  { "void_pending", TALLY_TRANSFER_FLAG_VOID_PENDING },
};

static void
set_text_or_null (JsonObject *object,
                  const char *name,
                  const char *text)
{
  if (text[0] != '\0')
    json_object_set_string_member (object, name, text);
  else
    json_object_set_null_member (object, name);
}

static JsonObject *
flags_to_json (TallyTransferFlags flags)
{
  JsonObject *object = json_object_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (wire_flags); i++)
    json_object_set_boolean_member (object, wire_flags[i].name,
                                    (flags & wire_flags[i].flag) != 0);
  return object;
}

JsonObject *
tally_transfer_to_json (const TallyTransfer *transfer)
{
  JsonObject *object = json_object_new ();
  g_autofree char *created_at = NULL;

  g_return_val_if_fail (transfer != NULL, NULL);

  created_at = tally_time_to_iso8601 (transfer->created_at);
  json_object_set_string_member (object, "id", transfer->id);
  json_object_set_int_member (object, "seq", transfer->seq);
  json_object_set_string_member (object, "kind", tally_transfer_kind_to_string (transfer->kind));
  json_object_set_string_member (object, "debit_account_id", transfer->debit_account_id);
  json_object_set_string_member (object, "credit_account_id", transfer->credit_account_id);
  json_object_set_int_member (object, "amount", transfer->amount);
  set_text_or_null (object, "pending_id", transfer->pending_id);
  json_object_set_object_member (object, "flags", flags_to_json (transfer->flags));
  set_text_or_null (object, "tool", transfer->tool_id);
  json_object_set_int_member (object, "units", transfer->units);
  json_object_set_string_member (object, "ref", transfer->ref);
  json_object_set_string_member (object, "description", transfer->description);
  json_object_set_string_member (object, "created_at", created_at);
  return object;
}

/* An absent flag is false; one of another type is a fault. */
static gboolean
read_flags (JsonObject          *object,
            TallyTransferFlags  *out,
            const char         **fault)
{
  JsonNode *node = json_object_get_member (object, "flags");
  JsonObject *flags;

  *out = TALLY_TRANSFER_FLAG_NONE;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      *fault = "flags";
      return FALSE;
    }

  flags = json_node_get_object (node);
  for (gsize i = 0; i < G_N_ELEMENTS (wire_flags); i++)
    {
      JsonNode *value = json_object_get_member (flags, wire_flags[i].name);

      if (value == NULL)
        continue;
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_BOOLEAN)
        {
          *fault = "flags";
          return FALSE;
        }
      if (json_node_get_boolean (value))
        *out |= wire_flags[i].flag;
    }

  return TRUE;
}

static gboolean
read_kind (JsonObject         *object,
           TallyTransferKind  *kind,
           const char        **fault)
{
  JsonNode *node = json_object_get_member (object, "kind");

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING &&
      tally_transfer_kind_from_string (json_node_get_string (node), kind))
    return TRUE;

  *fault = "kind";
  return FALSE;
}

gboolean
tally_transfer_from_json (JsonObject     *object,
                          TallyTransfer  *t,
                          const char    **fault)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (t != NULL, FALSE);
  g_return_val_if_fail (fault != NULL, FALSE);

  memset (t, 0, sizeof *t);

  return tally_json_read_uuid (object, "id", FALSE, t->id, fault) &&
         tally_json_read_int (object, "seq", 1, &t->seq, fault) &&
         read_kind (object, &t->kind, fault) &&
         tally_json_read_uuid (object, "debit_account_id", FALSE, t->debit_account_id, fault) &&
         tally_json_read_uuid (object, "credit_account_id", FALSE, t->credit_account_id, fault) &&
         tally_json_read_int (object, "amount", 0, &t->amount, fault) &&
         tally_json_read_uuid (object, "pending_id", TRUE, t->pending_id, fault) &&
         read_flags (object, &t->flags, fault) &&
         tally_json_read_text (object, "tool", TRUE, t->tool_id, sizeof t->tool_id, fault) &&
         tally_json_read_int (object, "units", 0, &t->units, fault) &&
         tally_json_read_text (object, "ref", FALSE, t->ref, sizeof t->ref, fault) &&
         tally_json_read_text (object, "description", FALSE, t->description,
                               sizeof t->description, fault) &&
         tally_json_read_time (object, "created_at", &t->created_at, fault);
}
