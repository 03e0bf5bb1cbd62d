/* fuzz-sync.c: the body of POST /v1/sync and its offline operations
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

static void
check_op (const TallySyncOp *op)
{
  fuzz_check_uuid (op->id, FALSE);
  fuzz_require (op->tool[0] != '\0' && strlen (op->tool) < sizeof op->tool);
  fuzz_touch_string (op->tool);
  fuzz_require (op->units >= 0 && op->cost >= 0);
  fuzz_require (tally_run_outcome_to_string (op->outcome) != NULL);
}

/* Whatever was read is written by libtally's one writer and read back as
 * it was: the app's outbox and the server agree on every op. */
static void
check_round_trip (const TallySyncOp *op)
{
  g_autoptr(JsonObject) again = tally_sync_op_to_json (op);
  TallySyncOpFault fault;
  TallySyncOp back;

  fuzz_require (tally_sync_op_from_json (again, &back, &fault));
  fuzz_require (g_str_equal (back.id, op->id) && g_str_equal (back.tool, op->tool));
  fuzz_require (back.units == op->units && back.outcome == op->outcome);
  fuzz_require (back.cost == op->cost && back.created_at == op->created_at);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  g_auto(TallySyncRequest) request = { 0 };

  if (body == NULL)
    return 0;

  if (!fuzz_check_outcome (tally_api_decode_sync (body, &request, &problem), &problem))
    {
      /* A refused body leaves nothing behind to free. */
      fuzz_require (request.ops == NULL && request.n_ops == 0);
      return 0;
    }

  fuzz_require (request.device != NULL && request.device[0] != '\0');
  fuzz_touch_string (request.device);
  fuzz_require (request.cursor >= 0);
  fuzz_require (request.n_ops <= TALLY_SYNC_MAX_OPS);
  for (guint i = 0; i < request.n_ops; i++)
    {
      check_op (&request.ops[i]);
      check_round_trip (&request.ops[i]);
    }
  return 0;
}
