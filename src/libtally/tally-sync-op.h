/* tally-sync-op.h: an offline operation as POST /v1/sync carries it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-types.h"

G_BEGIN_DECLS

/* How a run ended, online (POST /v1/runs/{id}/complete) or offline. */
typedef enum
{
  TALLY_RUN_OUTCOME_SUCCEEDED,
  TALLY_RUN_OUTCOME_FAILED,
  TALLY_RUN_OUTCOME_CANCELLED,
} TallyRunOutcome;

const char *tally_run_outcome_to_string   (TallyRunOutcome  outcome);
gboolean    tally_run_outcome_from_string (const char      *text,
                                           TallyRunOutcome *outcome);

/* The SyncOp of docs/openapi.json: a run made offline, paid from the
 * device's lease. Only runs so far, so there is no type member here: the
 * wire's "type" is always "run". */
typedef struct
{
  /* Lower case once decoded. */
  char            id[TALLY_UUID_LEN];
  char            tool[TALLY_TOOL_ID_MAX];
  gint64          units;
  TallyRunOutcome outcome;
  /* What the device charged locally. */
  gint64          cost;
  /* Microseconds since the epoch, UTC; 0 when the device did not say. */
  gint64          created_at;
} TallySyncOp;

/* What is wrong with a member, so that each reader can say it its own
 * way: the server in an API error, the app in a dialog. */
typedef enum
{
  TALLY_SYNC_OP_FAULT_NONE,
  /* Absent or null. */
  TALLY_SYNC_OP_FAULT_MISSING,
  TALLY_SYNC_OP_FAULT_NOT_STRING,
  TALLY_SYNC_OP_FAULT_NOT_INTEGER,
  TALLY_SYNC_OP_FAULT_NEGATIVE,
  /* Longer than TALLY_SYNC_OP_TOOL_MAX_BYTES. */
  TALLY_SYNC_OP_FAULT_TOO_LONG,
  TALLY_SYNC_OP_FAULT_EMPTY,
  TALLY_SYNC_OP_FAULT_NOT_UUID,
  /* A type other than "run". */
  TALLY_SYNC_OP_FAULT_UNKNOWN_TYPE,
  TALLY_SYNC_OP_FAULT_UNKNOWN_OUTCOME,
  /* Not an ISO 8601 time with its zone. */
  TALLY_SYNC_OP_FAULT_NOT_TIME,
} TallySyncOpFaultKind;

#define TALLY_SYNC_OP_TOOL_MAX_BYTES (TALLY_TOOL_ID_MAX - 1)

typedef struct
{
  /* The member at fault, a static string; NULL when there is none. */
  const char           *member;
  TallySyncOpFaultKind  kind;
} TallySyncOpFault;

/* Every member of @op; created_at only when it is not 0. The app writes
 * its outbox with it and the server reads it back with
 * tally_sync_op_from_json(), so the two cannot drift. */
JsonObject *tally_sync_op_to_json   (const TallySyncOp  *op);

/* Fills @op from @object, checking each member in the order of the API:
 * id, type, tool, units, outcome, cost, created_at (which may be absent
 * or null). On failure returns FALSE with @fault naming the member and
 * what is wrong with it; @op is then partly filled. Unknown members are
 * ignored, as a newer app may send some. */
gboolean    tally_sync_op_from_json (JsonObject         *object,
                                     TallySyncOp        *op,
                                     TallySyncOpFault   *fault);

G_END_DECLS
