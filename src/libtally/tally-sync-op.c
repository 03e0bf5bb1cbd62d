/* tally-sync-op.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-export.h"
#include "tally-json.h"
#include "tally-sync-op.h"

/* The years 1 to 9999 in UTC, the times an ISO 8601 text can hold: a
 * zone may move a time the device wrote outside them. */
#define CREATED_AT_MIN G_GINT64_CONSTANT (-62135596800000000)
#define CREATED_AT_MAX G_GINT64_CONSTANT (253402300799999999)

static const char * const outcomes[] = {
  [TALLY_RUN_OUTCOME_SUCCEEDED] = "succeeded",
  [TALLY_RUN_OUTCOME_FAILED] = "failed",
  [TALLY_RUN_OUTCOME_CANCELLED] = "cancelled",
};

const char *
tally_run_outcome_to_string (TallyRunOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcomes), NULL);

  return outcomes[outcome];
}

gboolean
tally_run_outcome_from_string (const char      *text,
                               TallyRunOutcome *outcome)
{
  g_return_val_if_fail (outcome != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (outcomes); i++)
    {
      if (g_str_equal (text, outcomes[i]))
        {
          *outcome = (TallyRunOutcome) i;
          return TRUE;
        }
    }

  return FALSE;
}

JsonObject *
tally_sync_op_to_json (const TallySyncOp *op)
{
  JsonObject *object;

  g_return_val_if_fail (op != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", op->id);
  json_object_set_string_member (object, "type", "run");
  json_object_set_string_member (object, "tool", op->tool);
  json_object_set_int_member (object, "units", op->units);
  json_object_set_string_member (object, "outcome", tally_run_outcome_to_string (op->outcome));
  json_object_set_int_member (object, "cost", op->cost);
  if (op->created_at != 0)
    {
      g_autofree char *created_at = tally_time_to_iso8601 (op->created_at);

      json_object_set_string_member (object, "created_at", created_at);
    }
  return object;
}

static gboolean
fail (TallySyncOpFault     *fault,
      const char           *member,
      TallySyncOpFaultKind  kind)
{
  fault->member = member;
  fault->kind = kind;
  return FALSE;
}

/* A string member, or NULL with @fault set. */
static const char *
read_string (JsonObject       *object,
             const char       *name,
             TallySyncOpFault *fault)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    fail (fault, name, TALLY_SYNC_OP_FAULT_MISSING);
  else if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    fail (fault, name, TALLY_SYNC_OP_FAULT_NOT_STRING);
  else
    return json_node_get_string (node);

  return NULL;
}

/* Integers beyond gint64 reach json-glib as doubles: not integers. */
static gboolean
read_count (JsonObject       *object,
            const char       *name,
            gint64           *out,
            TallySyncOpFault *fault)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fail (fault, name, TALLY_SYNC_OP_FAULT_MISSING);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (fault, name, TALLY_SYNC_OP_FAULT_NOT_INTEGER);
  if (json_node_get_int (node) < 0)
    return fail (fault, name, TALLY_SYNC_OP_FAULT_NEGATIVE);

  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_id (JsonObject       *object,
         TallySyncOp      *op,
         TallySyncOpFault *fault)
{
  const char *id = read_string (object, "id", fault);

  if (id == NULL)
    return FALSE;
  if (!g_uuid_string_is_valid (id))
    return fail (fault, "id", TALLY_SYNC_OP_FAULT_NOT_UUID);

  /* Results name ops in lower case, whatever case the device wrote. */
  for (guint i = 0; i < TALLY_UUID_LEN; i++)
    op->id[i] = g_ascii_tolower (id[i]);
  return TRUE;
}

static gboolean
read_type (JsonObject       *object,
           TallySyncOpFault *fault)
{
  const char *type = read_string (object, "type", fault);

  if (type == NULL)
    return FALSE;
  if (!g_str_equal (type, "run"))
    return fail (fault, "type", TALLY_SYNC_OP_FAULT_UNKNOWN_TYPE);
  return TRUE;
}

static gboolean
read_tool (JsonObject       *object,
           TallySyncOp      *op,
           TallySyncOpFault *fault)
{
  const char *tool = read_string (object, "tool", fault);

  if (tool == NULL)
    return FALSE;
  if (tool[0] == '\0')
    return fail (fault, "tool", TALLY_SYNC_OP_FAULT_EMPTY);
  if (g_strlcpy (op->tool, tool, sizeof op->tool) >= sizeof op->tool)
    return fail (fault, "tool", TALLY_SYNC_OP_FAULT_TOO_LONG);
  return TRUE;
}

static gboolean
read_outcome (JsonObject       *object,
              TallySyncOp      *op,
              TallySyncOpFault *fault)
{
  const char *outcome = read_string (object, "outcome", fault);

  if (outcome == NULL)
    return FALSE;
  if (!tally_run_outcome_from_string (outcome, &op->outcome))
    return fail (fault, "outcome", TALLY_SYNC_OP_FAULT_UNKNOWN_OUTCOME);
  return TRUE;
}

/* Optional: absent or null leaves 0. */
static gboolean
read_created_at (JsonObject       *object,
                 TallySyncOp      *op,
                 TallySyncOpFault *fault)
{
  JsonNode *node = json_object_get_member (object, "created_at");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (fault, "created_at", TALLY_SYNC_OP_FAULT_NOT_STRING);
  if (!tally_json_parse_time (json_node_get_string (node), &op->created_at) ||
      op->created_at < CREATED_AT_MIN || op->created_at > CREATED_AT_MAX)
    return fail (fault, "created_at", TALLY_SYNC_OP_FAULT_NOT_TIME);
  return TRUE;
}

gboolean
tally_sync_op_from_json (JsonObject       *object,
                         TallySyncOp      *op,
                         TallySyncOpFault *fault)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (op != NULL, FALSE);
  g_return_val_if_fail (fault != NULL, FALSE);

  memset (op, 0, sizeof *op);
  *fault = (TallySyncOpFault) { NULL, TALLY_SYNC_OP_FAULT_NONE };

  return read_id (object, op, fault) &&
         read_type (object, fault) &&
         read_tool (object, op, fault) &&
         read_count (object, "units", &op->units, fault) &&
         read_outcome (object, op, fault) &&
         read_count (object, "cost", &op->cost, fault) &&
         read_created_at (object, op, fault);
}
