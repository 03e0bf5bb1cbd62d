/* tally-api-sync.c: POST /v1/sync, offline operations and leases
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-events.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-store-sync.h"
#include "tally-teams.h"

/* At most this many transfers per answer; `more` says there are others. */
#define SYNC_MAX_TRANSFERS 1000

/* A lease this close to its timeout is treated as gone: voiding it could
 * race the ledger's own clock, which would fail the whole sync. */
#define LEASE_MARGIN_USEC G_USEC_PER_SEC

#define REASON_CONFLICT      "idempotency_conflict"
#define REASON_EXCEEDS_LEASE "exceeds_lease"
#define REASON_UNKNOWN_TOOL  "unknown_tool"
#define REASON_INVALID_UNITS "invalid_units"

/* --- decoding --- */

void
tally_sync_request_clear (TallySyncRequest *request)
{
  g_clear_pointer (&request->ops, g_free);
  request->n_ops = 0;
}

/* "units" of the fourth operation is "ops[3].units". */
static void
locate_in_ops (TallyProblem *problem,
               guint         index)
{
  char *field;

  if (problem->field != NULL)
    field = g_strdup_printf ("ops[%u].%s", index, problem->field);
  else
    field = g_strdup_printf ("ops[%u]", index);

  g_free (problem->field);
  problem->field = field;
}

/* An offline run ends as an online one does. */
static gboolean
decode_outcome (JsonObject      *object,
                TallyRunOutcome *out,
                TallyProblem    *problem)
{
  const char *name = NULL;

  if (!tally_json_get_string (object, "outcome", TALLY_FIELD_REQUIRED, 16, &name, problem))
    return FALSE;

  for (TallyRunOutcome outcome = TALLY_RUN_OUTCOME_SUCCEEDED;
       outcome <= TALLY_RUN_OUTCOME_CANCELLED; outcome++)
    {
      if (g_str_equal (name, tally_run_outcome_to_string (outcome)))
        {
          *out = outcome;
          return TRUE;
        }
    }

  tally_problem_invalid (problem, "outcome", "“outcome” must be succeeded, failed or cancelled");
  return FALSE;
}

static gboolean
decode_time (JsonObject   *object,
             const char   *name,
             gint64       *out,
             TallyProblem *problem)
{
  g_autoptr(GDateTime) time = NULL;
  const char *text = NULL;

  if (!tally_json_get_string (object, name, TALLY_FIELD_OPTIONAL, 64, &text, problem))
    return FALSE;
  if (text == NULL)
    return TRUE;

  /* No default zone: a time without one is ambiguous, so refused. */
  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    {
      tally_problem_invalid (problem, name, "“%s” must be an ISO 8601 time with a zone", name);
      return FALSE;
    }

  *out = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

static gboolean
decode_op (JsonNode     *node,
           TallySyncOp  *op,
           TallyProblem *problem)
{
  JsonObject *object;
  const char *type = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tally_problem_invalid (problem, NULL, "Each operation must be an object");
      return FALSE;
    }

  object = json_node_get_object (node);
  if (!tally_json_get_uuid (object, "id", TALLY_FIELD_REQUIRED, op->id, problem) ||
      !tally_json_get_string (object, "type", TALLY_FIELD_REQUIRED, 16, &type, problem))
    return FALSE;

  if (!g_str_equal (type, "run"))
    {
      tally_problem_invalid (problem, "type", "“type” must be run");
      return FALSE;
    }

  if (!tally_json_get_string (object, "tool", TALLY_FIELD_REQUIRED, TALLY_TOOL_ID_MAX - 1,
                              &op->tool, problem) ||
      !tally_json_get_int (object, "units", TALLY_FIELD_REQUIRED, 0, G_MAXINT64, &op->units,
                           problem) ||
      !decode_outcome (object, &op->outcome, problem) ||
      !tally_json_get_int (object, "cost", TALLY_FIELD_REQUIRED, 0, G_MAXINT64, &op->cost,
                           problem) ||
      !decode_time (object, "created_at", &op->created_at, problem))
    return FALSE;

  if (op->tool[0] == '\0')
    {
      tally_problem_invalid (problem, "tool", "“tool” must not be empty");
      return FALSE;
    }

  return TRUE;
}

static gboolean
decode_ops (JsonArray        *ops,
            TallySyncRequest *out,
            TallyProblem     *problem)
{
  guint n_ops = json_array_get_length (ops);

  if (n_ops > TALLY_SYNC_MAX_OPS)
    {
      tally_problem_invalid (problem, "ops", "At most %d operations may be sent at once",
                             TALLY_SYNC_MAX_OPS);
      return FALSE;
    }

  out->ops = g_new0 (TallySyncOp, n_ops);
  out->n_ops = n_ops;
  for (guint i = 0; i < n_ops; i++)
    {
      if (!decode_op (json_array_get_element (ops, i), &out->ops[i], problem))
        {
          locate_in_ops (problem, i);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
tally_api_decode_sync (JsonObject       *body,
                       TallySyncRequest *out,
                       TallyProblem     *problem)
{
  JsonArray *ops = NULL;

  memset (out, 0, sizeof *out);

  if (!tally_json_get_string (body, "device", TALLY_FIELD_REQUIRED, TALLY_DEVICE_MAX_CHARS,
                              &out->device, problem) ||
      !tally_json_get_int (body, "cursor", TALLY_FIELD_REQUIRED, 0, G_MAXINT64, &out->cursor,
                           problem) ||
      !tally_json_get_array (body, "ops", TALLY_FIELD_REQUIRED, &ops, problem) ||
      !tally_json_get_uuid (body, "account_id", TALLY_FIELD_OPTIONAL, out->account_id, problem))
    return FALSE;

  if (out->device[0] == '\0')
    {
      tally_problem_invalid (problem, "device", "“device” must not be empty");
      return FALSE;
    }

  if (!decode_ops (ops, out, problem))
    {
      tally_sync_request_clear (out);
      return FALSE;
    }

  return TRUE;
}

/* --- one sync --- */

typedef enum
{
  OP_APPLIED,
  OP_DUPLICATE,
  OP_REJECTED,
} OpStatus;

static const char * const op_status_names[] = {
  [OP_APPLIED] = "applied",
  [OP_DUPLICATE] = "duplicate",
  [OP_REJECTED] = "rejected",
};

typedef struct
{
  OpStatus status;
  /* A duplicate answers what the first one was given. */
  OpStatus first_status;
  char     reason[32];
  gint64   charged;
} OpResult;

/* What a sync carries from the handler through the group commit to its
 * answer. */
typedef struct
{
  TallyRequest     *request;
  /* The decoded request's strings point into it. */
  JsonObject       *body;
  TallySyncRequest  decoded;
  TallyUser         user;
  OpResult         *results;
  /* The device's row as it is after this sync. */
  TallyDevice       device;
  /* The account the lease and the ops are on: the user's own, or a team's
   * pool, whose leases are kept under a device key of their own. */
  char              account_id[TALLY_UUID_LEN];
  gboolean          pool;
  char             *device_key;
  /* The member left the team while the sync waited: 404. */
  gboolean          gone;
  /* How much more the member's caps on the pool let them hold, counted
   * before the ops (G_MAXINT64 on their own account). */
  gint64            cap_room;
} SyncJob;

static void
sync_job_free (gpointer data)
{
  SyncJob *job = data;

  tally_sync_request_clear (&job->decoded);
  g_free (job->device_key);
  g_clear_pointer (&job->body, json_object_unref);
  g_free (job->results);
  tally_request_unref (job->request);
  g_free (job);
}

static TallyServer *
job_server (SyncJob *job)
{
  return tally_request_get_server (job->request);
}

static TallyLedger *
job_ledger (SyncJob *job)
{
  return tally_server_get_ledger (job_server (job));
}

static TallyStore *
job_store (SyncJob *job)
{
  return tally_server_get_store (job_server (job));
}

/* The device's lease as the ledger has it now. */
typedef struct
{
  /* The pending transfer can still be voided. */
  gboolean live;
  /* What it holds: the most this sync's operations may charge. */
  gint64   remaining;
  /* The user's available credits beside it. */
  gint64   available;
} LeaseView;

/* What the lease still holds: 0 once it was posted, voided or expired. */
static gboolean
lease_remaining (SyncJob     *job,
                 const char  *lease_id,
                 gint64      *remaining,
                 GError     **error)
{
  TallyLedger *ledger = job_ledger (job);
  TallyPendingState state;
  TallyTransfer lease;

  if (!tally_ledger_lookup_pending_state (ledger, lease_id, &state, error) ||
      !tally_ledger_lookup_transfer (ledger, lease_id, &lease, error))
    return FALSE;

  *remaining = state == TALLY_PENDING_STATE_PENDING ? lease.amount : 0;
  return TRUE;
}

static gboolean
read_lease (SyncJob    *job,
            gint64      now,
            LeaseView  *view,
            GError    **error)
{
  TallyAccount account;

  memset (view, 0, sizeof *view);

  if (job->device.lease_id[0] != '\0' && job->device.lease_expires_at > now + LEASE_MARGIN_USEC)
    {
      if (!lease_remaining (job, job->device.lease_id, &view->remaining, error))
        return FALSE;
      view->live = view->remaining > 0;
    }

  if (!tally_ledger_lookup_account (job_ledger (job), job->account_id, &account, error))
    return FALSE;

  view->available = tally_account_available (&account);
  return TRUE;
}

/* Renewed only when less than half is left (and there is more to take)
 * or less than a quarter of its time: a sync that finds the lease healthy
 * writes nothing. */
static gboolean
renewal_due (const TallyConfig *config,
             const TallyDevice *device,
             gboolean           live,
             gint64             remaining,
             gint64             available,
             gint64             now)
{
  gint64 quarter = config->lease_timeout * G_USEC_PER_SEC / 4;

  if (config->lease_amount <= 0)
    return FALSE;
  if (!live)
    return available > 0;
  if (device->lease_expires_at - now < quarter)
    return TRUE;

  return remaining * 2 < config->lease_amount && available > 0;
}

/* --- applying operations, inside the group commit --- */

static void
op_digest (const char        *user_id,
           const TallySyncOp *op,
           char               digest[TALLY_SYNC_DIGEST_LEN])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *text = NULL;

  /* The user is part of the content: another user's operation with the
   * same id is a conflict, never a duplicate that would show its result. */
  text = g_strdup_printf ("v1|%s|run|%s|%" G_GINT64_FORMAT "|%s|%" G_GINT64_FORMAT "|%"
                          G_GINT64_FORMAT, user_id, op->tool, op->units,
                          tally_run_outcome_to_string (op->outcome), op->cost, op->created_at);
  g_checksum_update (checksum, (const guchar *) text, -1);
  g_strlcpy (digest, g_checksum_get_string (checksum), TALLY_SYNC_DIGEST_LEN);
}

static char *
result_to_json (const OpResult *result)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "status", op_status_names[result->status]);
  if (result->reason[0] != '\0')
    json_object_set_string_member (object, "reason", result->reason);
  json_object_set_int_member (object, "charged", result->charged);
  json_node_set_object (node, object);
  return tally_json_to_string (node);
}

static gboolean
result_from_json (const char  *text,
                  OpResult    *result,
                  GError     **error)
{
  g_autoptr(JsonNode) node = json_from_string (text, error);
  JsonObject *object;
  const char *status;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                     "A recorded sync result is not an object");
      return FALSE;
    }

  object = json_node_get_object (node);
  status = json_object_get_string_member_with_default (object, "status", "");
  result->status = OP_DUPLICATE;
  result->first_status = g_str_equal (status, "applied") ? OP_APPLIED : OP_REJECTED;
  g_strlcpy (result->reason, json_object_get_string_member_with_default (object, "reason", ""),
             sizeof result->reason);
  result->charged = json_object_get_int_member_with_default (object, "charged", 0);
  return TRUE;
}

static void
reject (OpResult   *result,
        const char *reason)
{
  result->status = OP_REJECTED;
  g_strlcpy (result->reason, reason, sizeof result->reason);
  result->charged = 0;
}

/* Looks the id up among the operations and the transfers already known:
 * TRUE with @result filled when it is not new. */
static gboolean
op_is_known (SyncJob            *job,
             const TallySyncOp  *op,
             const char         *digest,
             gboolean           *known,
             OpResult           *result,
             GError            **error)
{
  g_auto(TallySyncOpRecord) record = { { 0 }, { 0 }, NULL };
  g_autoptr(GError) local_error = NULL;
  TallyTransfer transfer;

  *known = TRUE;
  if (tally_store_find_sync_op (job_store (job), op->id, &record, &local_error))
    {
      if (g_str_equal (record.user_id, job->user.id) && g_str_equal (record.digest, digest))
        return result_from_json (record.result, result, error);

      reject (result, REASON_CONFLICT);
      return TRUE;
    }
  if (!g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_error (&local_error);

  /* The consumption transfer takes the operation's id: an id some other
   * transfer has already is a conflict too. */
  if (tally_ledger_lookup_transfer (job_ledger (job), op->id, &transfer, &local_error))
    {
      reject (result, REASON_CONFLICT);
      return TRUE;
    }
  if (!g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *known = FALSE;
  return TRUE;
}

static void
add_consumption (SyncJob           *job,
                 const TallySyncOp *op,
                 TallyTool         *tool,
                 gint64             charge,
                 GArray            *consumptions)
{
  g_autofree char *description = g_strdup_printf ("Offline run of %s", tally_tool_get_name (tool));
  TallyTransfer transfer;

  tally_transfer_init (&transfer, op->id, job->account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), charge,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.units = op->units;
  tally_transfer_set_tool_id (&transfer, op->tool);
  tally_transfer_set_ref (&transfer, op->id);
  tally_transfer_set_description (&transfer, description);
  g_array_append_val (consumptions, transfer);
}

/* A succeeded run costs what the tool's price says for its units, never
 * more than the device charged, and only out of what the lease has left. */
static void
charge_op (SyncJob           *job,
           const TallySyncOp *op,
           TallyTool         *tool,
           gint64            *lease_left,
           GArray            *consumptions,
           OpResult          *result)
{
  gint64 price, charge;

  if (!tally_price_rule_cost (tally_tool_get_price_rule (tool), op->units, &price, NULL))
    {
      reject (result, REASON_INVALID_UNITS);
      return;
    }

  charge = MIN (price, op->cost);
  if (charge > *lease_left)
    {
      reject (result, REASON_EXCEEDS_LEASE);
      return;
    }

  result->status = OP_APPLIED;
  result->charged = charge;
  *lease_left -= charge;
  if (charge > 0)
    add_consumption (job, op, tool, charge, consumptions);
}

static gboolean
apply_op (SyncJob            *job,
          const TallySyncOp  *op,
          gint64             *lease_left,
          GArray             *consumptions,
          OpResult           *result,
          GError            **error)
{
  TallyToolRegistry *registry = tally_server_get_registry (job_server (job));
  char digest[TALLY_SYNC_DIGEST_LEN];
  g_autofree char *recorded = NULL;
  TallyTool *tool;
  gboolean known;

  op_digest (job->user.id, op, digest);
  if (!op_is_known (job, op, digest, &known, result, error))
    return FALSE;
  if (known)
    return TRUE;

  /* Only tools of the catalogue: the tool also names a metric. A run that
   * failed or was cancelled costs nothing. */
  tool = tally_tool_registry_lookup (registry, op->tool);
  if (tool == NULL)
    reject (result, REASON_UNKNOWN_TOOL);
  else if (op->outcome == TALLY_RUN_OUTCOME_SUCCEEDED)
    charge_op (job, op, tool, lease_left, consumptions, result);
  else
    result->status = OP_APPLIED;

  /* Offline spending from a pool counts towards the member's caps. */
  if (job->pool && result->status == OP_APPLIED && result->charged > 0 &&
      !tally_store_add_pool_spend (job_store (job), op->id, job->account_id, job->user.id,
                                   result->charged, tally_ledger_now (job_ledger (job)), error))
    return FALSE;

  /* Rejections are recorded too, so a retry answers the same. */
  recorded = result_to_json (result);
  return tally_store_add_sync_op (job_store (job), op->id, job->user.id,
                                  job->decoded.device, digest, recorded, error);
}

static gboolean
open_device (SyncJob  *job,
             GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *account_id = NULL;
  TallyAccount account;

  if (tally_store_find_device (job_store (job), job->user.id, job->device_key, &job->device,
                               &local_error))
    return TRUE;
  if (!g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* A device's first sync: its own account to hold the lease. */
  account_id = g_uuid_string_random ();
  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_LEASE, TALLY_ACCOUNT_FLAG_NONE,
                      "Offline lease", "UTC");
  if (!tally_ledger_create_account (job_ledger (job), &account, error))
    return FALSE;

  memset (&job->device, 0, sizeof job->device);
  g_strlcpy (job->device.lease_account_id, account_id, sizeof job->device.lease_account_id);
  job->device.created_at = g_get_real_time ();
  return tally_store_save_device (job_store (job), job->user.id, job->device_key, &job->device,
                                  error);
}

/* A hold past its timeout is released before anything is computed, so
 * the credits it held count as available again. */
static gboolean
sweep_dead_lease (SyncJob  *job,
                  gint64    now,
                  GError  **error)
{
  guint n_expired = 0;

  if (job->device.lease_id[0] == '\0' || job->device.lease_expires_at > now)
    return TRUE;

  return tally_ledger_expire_pending (job_ledger (job), now, &n_expired, error);
}

static void
add_void (const TallyDevice *device,
          GArray            *chain)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, "", "", 0, TALLY_TRANSFER_KIND_LEASE);
  tally_transfer_set_pending_id (&transfer, device->lease_id);
  tally_transfer_set_description (&transfer, "Lease settled");
  transfer.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
  g_array_append_val (chain, transfer);
}

static void
add_lease (SyncJob *job,
           gint64   amount,
           guint32  timeout,
           GArray  *chain)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, job->account_id, job->device.lease_account_id, amount,
                       TALLY_TRANSFER_KIND_LEASE);
  tally_transfer_set_ref (&transfer, job->device.lease_account_id);
  tally_transfer_set_description (&transfer, "Offline lease");
  transfer.flags = TALLY_TRANSFER_FLAG_PENDING;
  transfer.timeout = timeout;
  g_array_append_val (chain, transfer);
}

/* One linked chain, all or nothing: the void releases the lease, the
 * consumptions spend what it released, and the new lease holds the rest.
 * The operations can never overdraw, and no other device can have spent
 * those credits: they were held for this one. */
static gboolean
create_chain (SyncJob  *job,
              GArray   *chain,
              GError  **error)
{
  g_autofree TallyTransferResult *results = NULL;

  if (chain->len == 0)
    return TRUE;

  for (guint i = 0; i + 1 < chain->len; i++)
    g_array_index (chain, TallyTransfer, i).flags |= TALLY_TRANSFER_FLAG_LINKED;

  results = g_new0 (TallyTransferResult, chain->len);
  if (!tally_ledger_create_transfers (job_ledger (job), (TallyTransfer *) chain->data, chain->len,
                                      results, error))
    return FALSE;

  for (guint i = 0; i < chain->len; i++)
    {
      if (results[i] != TALLY_TRANSFER_OK)
        {
          g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                       "The lease of a device could not be settled: transfer %u of %u: %s", i + 1,
                       chain->len, tally_transfer_result_to_string (results[i]));
          return FALSE;
        }
    }

  return TRUE;
}

static void
forget_lease (TallyDevice *device)
{
  device->lease_id[0] = '\0';
  device->lease_amount = 0;
  device->lease_spent = 0;
  device->lease_expires_at = 0;
}

/* @lease is the pending transfer that now holds what the device may
 * spend: lease_amount less it is what was spent since the last renewal. */
static void
hold_lease (TallyDevice         *device,
            const TallyTransfer *lease)
{
  g_strlcpy (device->lease_id, lease->id, sizeof device->lease_id);
  device->lease_expires_at = lease->created_at + (gint64) lease->timeout * G_USEC_PER_SEC;
  device->lease_spent = device->lease_amount - lease->amount;
}

static gboolean
settle_lease (SyncJob          *job,
              const LeaseView  *view,
              gint64            left,
              GArray           *consumptions,
              gint64            now,
              GError          **error)
{
  const TallyConfig *config = tally_server_get_config (job_server (job));
  g_autoptr(GArray) chain = g_array_new (FALSE, FALSE, sizeof (TallyTransfer));
  gboolean charged = consumptions->len > 0;
  gboolean renew = renewal_due (config, &job->device, view->live, left, view->available, now);
  gint64 amount = renew ? MIN (config->lease_amount, view->available + left) : left;
  guint32 timeout;

  /* On a pool, a lease never holds more than the member's caps leave: the
   * room was counted with this lease in it, before the ops spent from it. */
  if (renew && job->cap_room != G_MAXINT64)
    amount = MIN (amount, job->cap_room + left);

  if (!renew && !charged)
    {
      if (!view->live)
        forget_lease (&job->device);
      return TRUE;
    }

  /* Not renewed: the same lease, less what was spent, until the same time. */
  timeout = renew ? (guint32) config->lease_timeout
                  : (guint32) ((job->device.lease_expires_at - now) / G_USEC_PER_SEC);

  if (view->live)
    add_void (&job->device, chain);
  g_array_append_vals (chain, consumptions->data, consumptions->len);
  if (amount > 0)
    add_lease (job, amount, timeout, chain);

  if (!create_chain (job, chain, error))
    return FALSE;

  if (amount == 0)
    {
      forget_lease (&job->device);
      return TRUE;
    }

  if (renew)
    job->device.lease_amount = amount;
  hold_lease (&job->device, &g_array_index (chain, TallyTransfer, chain->len - 1));
  return TRUE;
}

static gboolean
device_equal (const TallyDevice *a,
              const TallyDevice *b)
{
  return g_str_equal (a->lease_account_id, b->lease_account_id) &&
         g_str_equal (a->lease_id, b->lease_id) &&
         a->lease_amount == b->lease_amount &&
         a->lease_spent == b->lease_spent &&
         a->lease_expires_at == b->lease_expires_at &&
         a->created_at == b->created_at;
}

/* A sync on a pool: the user must still be in its team (checked again
 * here, in the write), and their caps bound the lease. */
static gboolean
check_pool (SyncJob  *job,
            gint64    now,
            GError  **error)
{
  TallyTeamsContext ctx = { job_store (job), tally_server_get_audit (job_server (job)),
                            &job->user };
  g_autoptr(GError) local_error = NULL;
  TallyTeamMember member;
  TallyTeam team;

  job->cap_room = G_MAXINT64;
  if (!job->pool)
    return TRUE;

  if (!tally_teams_may_use_pool (&ctx, job->account_id, &team, &member, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      job->gone = TRUE;
      return TRUE;
    }

  return tally_teams_lease_room (&ctx, &member, job->account_id, now, &job->cap_room, error);
}

static gboolean
sync_write (gpointer   data,
            GError   **error)
{
  SyncJob *job = data;
  g_autoptr(GArray) consumptions = g_array_new (FALSE, FALSE, sizeof (TallyTransfer));
  gint64 now = tally_ledger_now (job_ledger (job));
  TallyDevice before;
  LeaseView view;
  gint64 left;

  if (!check_pool (job, now, error))
    return FALSE;
  if (job->gone)
    return TRUE;
  if (!open_device (job, error))
    return FALSE;
  before = job->device;

  if (!sweep_dead_lease (job, now, error) || !read_lease (job, now, &view, error))
    return FALSE;

  left = view.remaining;
  for (guint i = 0; i < job->decoded.n_ops; i++)
    {
      if (!apply_op (job, &job->decoded.ops[i], &left, consumptions, &job->results[i], error))
        return FALSE;
    }

  if (!settle_lease (job, &view, left, consumptions, now, error))
    return FALSE;
  if (job->decoded.n_ops > 0 &&
      !tally_audit_record (tally_server_get_audit (job_server (job)), &job->user, "sync.applied",
                           job->decoded.device, "ok",
                           tally_audit_details ("ii", "ops", (gint64) job->decoded.n_ops,
                                                "charged", (gint64) consumptions->len),
                           error))
    return FALSE;

  if (device_equal (&before, &job->device))
    return TRUE;
  return tally_store_save_device (job_store (job), job->user.id, job->device_key, &job->device,
                                  error);
}

/* --- the answer --- */

static JsonObject *
transfer_json (const TallyTransfer *transfer)
{
  JsonObject *object = json_object_new ();
  JsonObject *flags = json_object_new ();
  g_autofree char *created_at = tally_time_to_iso8601 (transfer->created_at);

  json_object_set_string_member (object, "id", transfer->id);
  json_object_set_int_member (object, "seq", transfer->seq);
  json_object_set_string_member (object, "kind", tally_transfer_kind_to_string (transfer->kind));
  json_object_set_string_member (object, "debit_account_id", transfer->debit_account_id);
  json_object_set_string_member (object, "credit_account_id", transfer->credit_account_id);
  json_object_set_int_member (object, "amount", transfer->amount);
  if (transfer->pending_id[0] != '\0')
    json_object_set_string_member (object, "pending_id", transfer->pending_id);
  else
    json_object_set_null_member (object, "pending_id");

  json_object_set_boolean_member (flags, "pending",
                                  (transfer->flags & TALLY_TRANSFER_FLAG_PENDING) != 0);
  json_object_set_boolean_member (flags, "post_pending",
                                  (transfer->flags & TALLY_TRANSFER_FLAG_POST_PENDING) != 0);
  json_object_set_boolean_member (flags, "void_pending",
                                  (transfer->flags & TALLY_TRANSFER_FLAG_VOID_PENDING) != 0);
  tally_api_set_object (object, "flags", flags);

  if (transfer->tool_id[0] != '\0')
    json_object_set_string_member (object, "tool", transfer->tool_id);
  else
    json_object_set_null_member (object, "tool");
  json_object_set_int_member (object, "units", transfer->units);
  json_object_set_string_member (object, "ref", transfer->ref);
  json_object_set_string_member (object, "description", transfer->description);
  json_object_set_string_member (object, "created_at", created_at);
  return object;
}

static JsonNode *
lease_json (const TallyDevice *device,
            gint64             now)
{
  JsonObject *object;
  JsonNode *node;
  g_autofree char *expires_at = NULL;

  if (device->lease_id[0] == '\0' || device->lease_expires_at <= now)
    return json_node_new (JSON_NODE_NULL);

  expires_at = tally_time_to_iso8601 (device->lease_expires_at);
  object = json_object_new ();
  json_object_set_string_member (object, "id", device->lease_id);
  json_object_set_int_member (object, "amount", device->lease_amount);
  json_object_set_int_member (object, "remaining", device->lease_amount - device->lease_spent);
  json_object_set_string_member (object, "expires_at", expires_at);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

static JsonArray *
results_json (SyncJob *job)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; job->results != NULL && i < job->decoded.n_ops; i++)
    {
      const OpResult *result = &job->results[i];
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", job->decoded.ops[i].id);
      json_object_set_string_member (object, "status", op_status_names[result->status]);
      if (result->status == OP_DUPLICATE)
        json_object_set_string_member (object, "first_status",
                                       op_status_names[result->first_status]);
      if (result->reason[0] != '\0')
        json_object_set_string_member (object, "reason", result->reason);
      json_object_set_int_member (object, "charged", result->charged);
      json_array_add_object_element (array, object);
    }

  return array;
}

/* Every transfer after the device's cursor that touches the user's
 * accounts, one page of them. */
static gboolean
add_transfers (SyncJob     *job,
               JsonObject  *body,
               GError     **error)
{
  const char *account_ids[] = { job->account_id, NULL };
  g_autoptr(GArray) transfers = NULL;
  JsonArray *array = json_array_new ();
  gint64 cursor = job->decoded.cursor;
  gboolean more;

  transfers = tally_ledger_transfers_after (job_ledger (job), account_ids, cursor,
                                            SYNC_MAX_TRANSFERS + 1, error);
  if (transfers == NULL)
    {
      json_array_unref (array);
      return FALSE;
    }

  more = transfers->len > SYNC_MAX_TRANSFERS;
  if (more)
    g_array_set_size (transfers, SYNC_MAX_TRANSFERS);

  for (guint i = 0; i < transfers->len; i++)
    {
      const TallyTransfer *transfer = &g_array_index (transfers, TallyTransfer, i);

      json_array_add_object_element (array, transfer_json (transfer));
      cursor = transfer->seq;
    }

  json_object_set_array_member (body, "transfers", array);
  json_object_set_int_member (body, "cursor", cursor);
  json_object_set_boolean_member (body, "more", more);
  return TRUE;
}

static JsonObject *
sync_answer (SyncJob  *job,
             GError  **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *accounts;
  TallyAccount account;

  if (!tally_ledger_lookup_account (job_ledger (job), job->account_id, &account, error) ||
      !add_transfers (job, body, error))
    return NULL;

  json_object_set_array_member (body, "results", results_json (job));
  accounts = json_array_new ();
  json_array_add_object_element (accounts, tally_api_account_json (&account));
  json_object_set_array_member (body, "accounts", accounts);
  json_object_set_member (body, "lease", lease_json (&job->device,
                                                     tally_ledger_now (job_ledger (job))));
  json_object_set_string_member (body, "tools_version",
                                 tally_tool_registry_get_version (
                                   tally_server_get_registry (job_server (job))));
  return g_steal_pointer (&body);
}

static void
respond_answer (SyncJob *job)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = sync_answer (job, &error);
  if (body == NULL)
    {
      tally_log_warning ("sync_failed", error->message);
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not read the ledger; try again");
      return;
    }

  tally_request_respond_object (job->request, 200, body);
}

static void
count_runs (SyncJob *job)
{
  TallyMetrics *metrics = tally_server_get_metrics (job_server (job));

  for (guint i = 0; i < job->decoded.n_ops; i++)
    {
      const TallySyncOp *op = &job->decoded.ops[i];

      if (job->results[i].status == OP_APPLIED)
        tally_metrics_observe_run (metrics, op->tool, tally_run_outcome_to_string (op->outcome),
                                   job->results[i].charged);
    }
}

static void
sync_done (gpointer      data,
           const GError *error)
{
  SyncJob *job = data;

  if (error != NULL)
    {
      tally_log_warning ("sync_failed", error->message);
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not save this sync; try again");
      return;
    }

  if (job->gone)
    {
      tally_request_respond_error (job->request, 404, "not_found", "There is no such account");
      return;
    }

  count_runs (job);
  respond_answer (job);
}

/* A sync without operations whose lease is healthy changes nothing: it is
 * answered from a read, without a turn of the writer. */
static gboolean
needs_write (SyncJob  *job,
             gboolean *needed,
             GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 now = tally_ledger_now (job_ledger (job));
  LeaseView view;

  *needed = TRUE;
  if (job->decoded.n_ops > 0)
    return TRUE;

  if (!tally_store_find_device (job_store (job), job->user.id, job->device_key, &job->device,
                                &local_error))
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!read_lease (job, now, &view, error))
    return FALSE;

  *needed = renewal_due (tally_server_get_config (job_server (job)), &job->device, view.live,
                         view.remaining, view.available, now);
  return TRUE;
}

static SyncJob *
sync_job_new (TallyRequest     *request,
              JsonObject       *body,
              TallySyncRequest *decoded)
{
  SyncJob *job = g_new0 (SyncJob, 1);

  job->request = tally_request_ref (request);
  job->body = json_object_ref (body);
  job->decoded = *decoded;
  memset (decoded, 0, sizeof *decoded);
  job->user = *tally_request_get_user (request);
  job->results = g_new0 (OpResult, job->decoded.n_ops);
  job->pool = job->decoded.account_id[0] != '\0' &&
              !g_str_equal (job->decoded.account_id, job->user.account_id);
  g_strlcpy (job->account_id, job->pool ? job->decoded.account_id : job->user.account_id,
             sizeof job->account_id);
  job->device_key = job->pool ? tally_pool_device_key (job->account_id, job->decoded.device)
                              : g_strdup (job->decoded.device);
  job->cap_room = G_MAXINT64;
  return job;
}

/* Only a pool of one of the user's teams; any other account is missing. */
static gboolean
may_sync_pool (TallyRequest *request,
               const char   *account_id)
{
  TallyServer *server = tally_request_get_server (request);
  TallyTeamsContext ctx = { tally_server_get_store (server), tally_server_get_audit (server),
                            tally_request_get_user (request) };
  TallyTeamMember member;
  TallyTeam team;

  return tally_teams_may_use_pool (&ctx, account_id, &team, &member, NULL);
}

static void
handle_sync (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  g_auto(TallySyncRequest) decoded = { NULL, 0, NULL, 0 };
  TallyServer *server = tally_request_get_server (request);
  g_autoptr(GError) error = NULL;
  gboolean needed;
  SyncJob *job;

  if (body == NULL || !tally_api_decode_sync (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  /* A cursor past every transfer was never given out. */
  if (decoded.cursor > tally_ledger_get_last_seq (tally_server_get_ledger (server)))
    {
      tally_problem_invalid (&problem, "cursor", "“cursor” is past the last transfer");
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = sync_job_new (request, body, &decoded);
  if (job->pool && !may_sync_pool (request, job->account_id))
    {
      tally_request_respond_error (request, 404, "not_found", "There is no such account");
      sync_job_free (job);
      return;
    }
  if (!needs_write (job, &needed, &error))
    {
      tally_log_warning ("sync_failed", error->message);
      tally_request_respond_error (request, 500, "internal_error",
                                   "The server could not read the ledger; try again");
      sync_job_free (job);
      return;
    }

  if (!needed)
    {
      respond_answer (job);
      sync_job_free (job);
      return;
    }

  tally_writer_submit (tally_server_get_writer (server), sync_write, sync_done, job,
                       sync_job_free);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/sync", handle_sync, TALLY_ROUTE_AUTH },
  /* The WebSocket is served by TallyEvents, to which the SoupServer gives
   * this path before the router sees it; the route is listed here so that
   * --list-routes and the OpenAPI check know it. */
  { "GET", "/v1/events", tally_events_handle_plain_request, TALLY_ROUTE_AUTH },
};

void
tally_api_sync_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
