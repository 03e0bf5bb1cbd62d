/* test-sync-op.c: an offline operation as the app writes it to its
 * outbox and the server reads it, through libtally's one module
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally.h"

#define OP_ID "1b4e28ba-2fa1-41d2-883f-0016d3cca427"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static char *
to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return tally_json_canonical (node);
}

static void
assert_same_op (const TallySyncOp *a,
                const TallySyncOp *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->tool, ==, b->tool);
  g_assert_cmpint (a->units, ==, b->units);
  g_assert_cmpint (a->outcome, ==, b->outcome);
  g_assert_cmpint (a->cost, ==, b->cost);
  g_assert_cmpint (a->created_at, ==, b->created_at);
}

/* Every outcome, the extremes of each number, a time to the microsecond
 * and none: each read back as it was, and written again to the same text. */
static void
test_sync_op_round_trip (void)
{
  const TallySyncOp ops[] = {
    { OP_ID, "text-statistics", 12, TALLY_RUN_OUTCOME_SUCCEEDED, 3,
      G_GINT64_CONSTANT (1796515200123456) },
    { OP_ID, "a", 0, TALLY_RUN_OUTCOME_FAILED, 0, 0 },
    { OP_ID, "image-resize", G_MAXINT64, TALLY_RUN_OUTCOME_CANCELLED, G_MAXINT64,
      G_GINT64_CONSTANT (1000000) },
    /* The first and the last second ISO 8601 has a year for, and before
     * the epoch. */
    { OP_ID, "t", 1, TALLY_RUN_OUTCOME_SUCCEEDED, 1, G_GINT64_CONSTANT (-62135596800000000) },
    { OP_ID, "t", 1, TALLY_RUN_OUTCOME_SUCCEEDED, 1, G_GINT64_CONSTANT (253402300799999999) },
    { OP_ID, "t", 1, TALLY_RUN_OUTCOME_SUCCEEDED, 1, G_GINT64_CONSTANT (-1500000) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr(JsonObject) object = tally_sync_op_to_json (&ops[i]);
      g_autoptr(JsonObject) again = NULL;
      g_autofree char *text = to_text (object);
      g_autofree char *text_again = NULL;
      TallySyncOpFault fault;
      TallySyncOp back;

      g_test_message ("op: %s", text);
      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "run");
      g_assert_cmpint (json_object_has_member (object, "created_at"), ==, ops[i].created_at != 0);
      g_assert_true (tally_sync_op_from_json (object, &back, &fault));
      g_assert_null (fault.member);
      assert_same_op (&ops[i], &back);

      again = tally_sync_op_to_json (&back);
      text_again = to_text (again);
      g_assert_cmpstr (text, ==, text_again);
    }
}

/* The longest tool that fits is read whole. */
static void
test_sync_op_longest_tool (void)
{
  TallySyncOp op = { OP_ID, "", 1, TALLY_RUN_OUTCOME_SUCCEEDED, 1, 0 };
  g_autoptr(JsonObject) object = NULL;
  TallySyncOpFault fault;
  TallySyncOp back;

  memset (op.tool, 't', TALLY_SYNC_OP_TOOL_MAX_BYTES);
  object = tally_sync_op_to_json (&op);
  g_assert_true (tally_sync_op_from_json (object, &back, &fault));
  assert_same_op (&op, &back);
}

/* What other writers may send and must still be read: an id in upper
 * case (read in lower case, as results name it), a null or absent time,
 * members the server does not know yet. */
static void
test_sync_op_lenient (void)
{
  const char *texts[] = {
    "{\"id\": \"1B4E28BA-2FA1-41D2-883F-0016D3CCA427\", \"type\": \"run\", \"tool\": \"t\", "
    "\"units\": 1, \"outcome\": \"succeeded\", \"cost\": 2}",
    "{\"id\": \"" OP_ID "\", \"type\": \"run\", \"tool\": \"t\", \"units\": 1, "
    "\"outcome\": \"succeeded\", \"cost\": 2, \"created_at\": null}",
    "{\"id\": \"" OP_ID "\", \"type\": \"run\", \"tool\": \"t\", \"units\": 1, "
    "\"outcome\": \"succeeded\", \"cost\": 2, \"note\": [1, {}]}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(JsonObject) object = parse_object (texts[i]);
      TallySyncOpFault fault;
      TallySyncOp op;

      g_test_message ("op: %s", texts[i]);
      g_assert_true (tally_sync_op_from_json (object, &op, &fault));
      g_assert_cmpstr (op.id, ==, OP_ID);
      g_assert_cmpstr (op.tool, ==, "t");
      g_assert_cmpint (op.units, ==, 1);
      g_assert_cmpint (op.cost, ==, 2);
      g_assert_cmpint (op.created_at, ==, 0);
    }
}

/* A good op with one member replaced (or, with a NULL value, removed). */
static JsonObject *
op_with (const char *member,
         const char *value)
{
  g_autoptr(JsonObject) object = parse_object ("{\"id\": \"" OP_ID "\", \"type\": \"run\", "
                                               "\"tool\": \"text-statistics\", \"units\": 4, "
                                               "\"outcome\": \"failed\", \"cost\": 1, "
                                               "\"created_at\": \"2026-12-06T23:00:00Z\"}");

  if (value == NULL)
    {
      json_object_remove_member (object, member);
    }
  else
    {
      g_autofree char *text = g_strdup_printf ("{\"v\": %s}", value);
      g_autoptr(JsonObject) holder = parse_object (text);

      json_object_set_member (object, member, json_object_dup_member (holder, "v"));
    }

  return g_steal_pointer (&object);
}

static void
test_sync_op_faults (void)
{
  g_autofree char *long_tool = g_strdup_printf ("\"%0*d\"", TALLY_SYNC_OP_TOOL_MAX_BYTES + 1, 0);
  const struct
  {
    const char           *member;
    const char           *value;
    TallySyncOpFaultKind  kind;
  } cases[] = {
    { "id", NULL, TALLY_SYNC_OP_FAULT_MISSING },
    { "id", "null", TALLY_SYNC_OP_FAULT_MISSING },
    { "id", "42", TALLY_SYNC_OP_FAULT_NOT_STRING },
    { "id", "\"not-a-uuid\"", TALLY_SYNC_OP_FAULT_NOT_UUID },
    { "id", "\"" OP_ID "0\"", TALLY_SYNC_OP_FAULT_NOT_UUID },
    { "id", "\"\"", TALLY_SYNC_OP_FAULT_NOT_UUID },
    { "type", NULL, TALLY_SYNC_OP_FAULT_MISSING },
    { "type", "\"refund\"", TALLY_SYNC_OP_FAULT_UNKNOWN_TYPE },
    { "type", "\"Run\"", TALLY_SYNC_OP_FAULT_UNKNOWN_TYPE },
    { "type", "[\"run\"]", TALLY_SYNC_OP_FAULT_NOT_STRING },
    { "tool", NULL, TALLY_SYNC_OP_FAULT_MISSING },
    { "tool", "\"\"", TALLY_SYNC_OP_FAULT_EMPTY },
    { "tool", long_tool, TALLY_SYNC_OP_FAULT_TOO_LONG },
    { "tool", "{}", TALLY_SYNC_OP_FAULT_NOT_STRING },
    { "units", NULL, TALLY_SYNC_OP_FAULT_MISSING },
    { "units", "-1", TALLY_SYNC_OP_FAULT_NEGATIVE },
    { "units", "1.5", TALLY_SYNC_OP_FAULT_NOT_INTEGER },
    { "units", "\"4\"", TALLY_SYNC_OP_FAULT_NOT_INTEGER },
    { "units", "true", TALLY_SYNC_OP_FAULT_NOT_INTEGER },
    { "units", "1e30", TALLY_SYNC_OP_FAULT_NOT_INTEGER },
    { "outcome", NULL, TALLY_SYNC_OP_FAULT_MISSING },
    { "outcome", "\"maybe\"", TALLY_SYNC_OP_FAULT_UNKNOWN_OUTCOME },
    { "outcome", "0", TALLY_SYNC_OP_FAULT_NOT_STRING },
    { "cost", NULL, TALLY_SYNC_OP_FAULT_MISSING },
    { "cost", "-5", TALLY_SYNC_OP_FAULT_NEGATIVE },
    { "cost", "-9223372036854775807", TALLY_SYNC_OP_FAULT_NEGATIVE },
    /* json-glib reads integer literals beyond gint64 as out-of-range
     * values: whatever it makes of them, they are refused. */
    { "cost", "99999999999999999999999", TALLY_SYNC_OP_FAULT_NONE },
    { "units", "9223372036854775808", TALLY_SYNC_OP_FAULT_NONE },
    { "cost", "null", TALLY_SYNC_OP_FAULT_MISSING },
    { "created_at", "\"2026-12-06T23:00:00\"", TALLY_SYNC_OP_FAULT_NOT_TIME },
    { "created_at", "\"yesterday\"", TALLY_SYNC_OP_FAULT_NOT_TIME },
    { "created_at", "1796515200", TALLY_SYNC_OP_FAULT_NOT_STRING },
    /* In UTC, the year 0 and the year 10000: no ISO 8601 text writes them. */
    { "created_at", "\"0001-01-01T00:00:00+01:00\"", TALLY_SYNC_OP_FAULT_NOT_TIME },
    { "created_at", "\"9999-12-31T23:59:59-01:00\"", TALLY_SYNC_OP_FAULT_NOT_TIME },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = op_with (cases[i].member, cases[i].value);
      TallySyncOpFault fault;
      TallySyncOp op;

      g_test_message ("%s: %s", cases[i].member, cases[i].value ? cases[i].value : "(absent)");
      g_assert_false (tally_sync_op_from_json (object, &op, &fault));
      g_assert_cmpstr (fault.member, ==, cases[i].member);
      if (cases[i].kind != TALLY_SYNC_OP_FAULT_NONE)
        g_assert_cmpint (fault.kind, ==, cases[i].kind);
    }
}

/* The members are checked in the API's order: the first one at fault is
 * the one named. */
static void
test_sync_op_first_fault (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"id\": \"" OP_ID "\", \"type\": \"run\", "
                                               "\"tool\": \"\", \"units\": -1, "
                                               "\"outcome\": \"x\", \"cost\": -1}");
  TallySyncOpFault fault;
  TallySyncOp op;

  g_assert_false (tally_sync_op_from_json (object, &op, &fault));
  g_assert_cmpstr (fault.member, ==, "tool");
}

static void
test_sync_op_outcomes (void)
{
  const char *names[] = { "succeeded", "failed", "cancelled" };
  TallyRunOutcome outcome;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (tally_run_outcome_from_string (names[i], &outcome));
      g_assert_cmpint (outcome, ==, i);
      g_assert_cmpstr (tally_run_outcome_to_string (outcome), ==, names[i]);
    }

  g_assert_false (tally_run_outcome_from_string ("SUCCEEDED", &outcome));
  g_assert_false (tally_run_outcome_from_string ("", &outcome));
  g_assert_false (tally_run_outcome_from_string (NULL, &outcome));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-op/round-trip", test_sync_op_round_trip);
  g_test_add_func ("/sync-op/longest-tool", test_sync_op_longest_tool);
  g_test_add_func ("/sync-op/lenient", test_sync_op_lenient);
  g_test_add_func ("/sync-op/faults", test_sync_op_faults);
  g_test_add_func ("/sync-op/first-fault", test_sync_op_first_fault);
  g_test_add_func ("/sync-op/outcomes", test_sync_op_outcomes);

  return g_test_run ();
}
