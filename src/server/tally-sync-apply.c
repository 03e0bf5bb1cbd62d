/* tally-sync-apply.c: the rules of a sync, without HTTP
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-json-decode.h"
#include "tally-sync-apply.h"
#include "tally-pool-spend.h"

/* A lease this close to its timeout is treated as gone: voiding it could
 * race the ledger's own clock, which would fail the whole sync. */
#define LEASE_MARGIN_USEC G_USEC_PER_SEC

static const char * const op_status_names[] = {
  [TALLY_SYNC_OP_APPLIED] = "applied",
  [TALLY_SYNC_OP_DUPLICATE] = "duplicate",
  [TALLY_SYNC_OP_REJECTED] = "rejected",
};

const char *
tally_sync_op_status_to_string (TallySyncOpStatus status)
{
  return op_status_names[status];
}

void
tally_sync_job_init (TallySyncJob     *job,
                     const TallyUser  *user,
                     TallySyncRequest *request)
{
  memset (job, 0, sizeof *job);
  job->request = *request;
  memset (request, 0, sizeof *request);
  job->user = *user;
  job->results = g_new0 (TallySyncOpResult, job->request.n_ops);
  job->pool = job->request.account_id[0] != '\0' &&
              !g_str_equal (job->request.account_id, job->user.account_id);
  g_strlcpy (job->account_id, job->pool ? job->request.account_id : job->user.account_id,
             sizeof job->account_id);
  job->device_key = job->pool ? tally_pool_device_key (job->account_id, job->request.device)
                              : g_strdup (job->request.device);
  job->cap_room = G_MAXINT64;
}

void
tally_sync_job_clear (TallySyncJob *job)
{
  tally_sync_request_clear (&job->request);
  g_clear_pointer (&job->device_key, g_free);
  g_clear_pointer (&job->results, g_free);
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
lease_remaining (const TallySyncContext  *ctx,
                 TallySyncJob            *job,
                 const char              *lease_id,
                 gint64                  *remaining,
                 GError                 **error)
{
  TallyPendingState state;
  TallyTransfer lease;

  if (!tally_rules_store_lookup_pending_state (ctx->store, lease_id, &state, error) ||
      !tally_rules_store_lookup_transfer (ctx->store, lease_id, &lease, error))
    return FALSE;

  *remaining = state == TALLY_PENDING_STATE_PENDING ? lease.amount : 0;
  return TRUE;
}

static gboolean
read_lease (const TallySyncContext  *ctx,
            TallySyncJob            *job,
            gint64                   now,
            LeaseView               *view,
            GError                 **error)
{
  TallyAccount account;

  memset (view, 0, sizeof *view);

  if (job->device.lease_id[0] != '\0' && job->device.lease_expires_at > now + LEASE_MARGIN_USEC)
    {
      if (!lease_remaining (ctx, job, job->device.lease_id, &view->remaining, error))
        return FALSE;
      view->live = view->remaining > 0;
    }

  if (!tally_rules_store_lookup_account (ctx->store, job->account_id, &account, error))
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
result_to_json (const TallySyncOpResult *result)
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
result_from_json (const char         *text,
                  TallySyncOpResult  *result,
                  GError            **error)
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
  result->status = TALLY_SYNC_OP_DUPLICATE;
  result->first_status = g_str_equal (status, "applied") ? TALLY_SYNC_OP_APPLIED : TALLY_SYNC_OP_REJECTED;
  g_strlcpy (result->reason, json_object_get_string_member_with_default (object, "reason", ""),
             sizeof result->reason);
  result->charged = json_object_get_int_member_with_default (object, "charged", 0);
  return TRUE;
}

static void
reject (TallySyncOpResult *result,
        const char        *reason)
{
  result->status = TALLY_SYNC_OP_REJECTED;
  g_strlcpy (result->reason, reason, sizeof result->reason);
  result->charged = 0;
}

/* Looks the id up among the operations and the transfers already known:
 * TRUE with @result filled when it is not new. */
static gboolean
op_is_known (const TallySyncContext  *ctx,
             TallySyncJob            *job,
             const TallySyncOp       *op,
             const char              *digest,
             gboolean                *known,
             TallySyncOpResult       *result,
             GError                 **error)
{
  g_auto(TallySyncOpRecord) record = { { 0 }, { 0 }, NULL };
  g_autoptr(GError) local_error = NULL;
  TallyTransfer transfer;

  *known = TRUE;
  if (tally_rules_store_find_sync_op (ctx->store, op->id, &record, &local_error))
    {
      if (g_str_equal (record.user_id, job->user.id) && g_str_equal (record.digest, digest))
        return result_from_json (record.result, result, error);

      reject (result, TALLY_SYNC_REASON_CONFLICT);
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
  if (tally_rules_store_lookup_transfer (ctx->store, op->id, &transfer, &local_error))
    {
      reject (result, TALLY_SYNC_REASON_CONFLICT);
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
add_consumption (TallySyncJob      *job,
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
charge_op (TallySyncJob      *job,
           const TallySyncOp *op,
           TallyTool         *tool,
           gint64            *lease_left,
           GArray            *consumptions,
           TallySyncOpResult *result)
{
  gint64 price, charge;

  if (!tally_price_rule_cost (tally_tool_get_price_rule (tool), op->units, &price, NULL))
    {
      reject (result, TALLY_SYNC_REASON_INVALID_UNITS);
      return;
    }

  charge = MIN (price, op->cost);
  if (charge > *lease_left)
    {
      reject (result, TALLY_SYNC_REASON_EXCEEDS_LEASE);
      return;
    }

  result->status = TALLY_SYNC_OP_APPLIED;
  result->charged = charge;
  *lease_left -= charge;
  if (charge > 0)
    add_consumption (job, op, tool, charge, consumptions);
}

static gboolean
apply_op (const TallySyncContext  *ctx,
          TallySyncJob            *job,
          const TallySyncOp       *op,
          gint64                  *lease_left,
          GArray                  *consumptions,
          TallySyncOpResult       *result,
          GError                 **error)
{
  TallyToolRegistry *registry = ctx->registry;
  char digest[TALLY_SYNC_DIGEST_LEN];
  g_autofree char *recorded = NULL;
  TallyTool *tool;
  gboolean known;

  op_digest (job->user.id, op, digest);
  if (!op_is_known (ctx, job, op, digest, &known, result, error))
    return FALSE;
  if (known)
    return TRUE;

  /* Only tools of the catalogue: the tool also names a metric. A run that
   * failed or was cancelled costs nothing. */
  tool = tally_tool_registry_lookup (registry, op->tool);
  if (tool == NULL)
    reject (result, TALLY_SYNC_REASON_UNKNOWN_TOOL);
  else if (op->outcome == TALLY_RUN_OUTCOME_SUCCEEDED)
    charge_op (job, op, tool, lease_left, consumptions, result);
  else
    result->status = TALLY_SYNC_OP_APPLIED;

  /* Offline spending from a pool counts towards the member's caps. */
  if (job->pool && result->status == TALLY_SYNC_OP_APPLIED && result->charged > 0 &&
      !tally_rules_store_add_pool_spend (ctx->store, op->id, job->account_id, job->user.id,
                                         result->charged, tally_rules_store_now (ctx->store),
                                         error))
    return FALSE;

  /* Rejections are recorded too, so a retry answers the same. */
  recorded = result_to_json (result);
  return tally_rules_store_add_sync_op (ctx->store, op->id, job->user.id, job->request.device,
                                        digest, recorded, error);
}

static gboolean
open_device (const TallySyncContext  *ctx,
             TallySyncJob            *job,
             GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *account_id = NULL;
  TallyAccount account;

  if (tally_rules_store_find_device (ctx->store, job->user.id, job->device_key, &job->device,
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
  if (!tally_rules_store_create_account (ctx->store, &account, error))
    return FALSE;

  memset (&job->device, 0, sizeof job->device);
  g_strlcpy (job->device.lease_account_id, account_id, sizeof job->device.lease_account_id);
  job->device.created_at = g_get_real_time ();
  return tally_rules_store_save_device (ctx->store, job->user.id, job->device_key, &job->device,
                                        error);
}

/* A hold past its timeout is released before anything is computed, so
 * the credits it held count as available again. */
static gboolean
sweep_dead_lease (const TallySyncContext  *ctx,
                  TallySyncJob            *job,
                  gint64                   now,
                  GError                 **error)
{
  guint n_expired = 0;

  if (job->device.lease_id[0] == '\0' || job->device.lease_expires_at > now)
    return TRUE;

  return tally_rules_store_expire_pending (ctx->store, now, &n_expired, error);
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
add_lease (TallySyncJob *job,
           gint64        amount,
           guint32       timeout,
           GArray       *chain)
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
create_chain (const TallySyncContext  *ctx,
              TallySyncJob            *job,
              GArray                  *chain,
              GError                 **error)
{
  g_autofree TallyTransferResult *results = NULL;

  if (chain->len == 0)
    return TRUE;

  for (guint i = 0; i + 1 < chain->len; i++)
    g_array_index (chain, TallyTransfer, i).flags |= TALLY_TRANSFER_FLAG_LINKED;

  results = g_new0 (TallyTransferResult, chain->len);
  if (!tally_rules_store_create_transfers (ctx->store, (TallyTransfer *) chain->data, chain->len,
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
settle_lease (const TallySyncContext  *ctx,
              TallySyncJob            *job,
              const LeaseView         *view,
              gint64                   left,
              GArray                  *consumptions,
              gint64                   now,
              GError                 **error)
{
  const TallyConfig *config = ctx->config;
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

  if (!create_chain (ctx, job, chain, error))
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
check_pool (const TallySyncContext  *ctx,
            TallySyncJob            *job,
            gint64                   now,
            gboolean                *gone,
            GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyTeamMember member;
  TallyTeam team;

  *gone = FALSE;
  job->cap_room = G_MAXINT64;
  if (!job->pool)
    return TRUE;

  if (!tally_pool_may_use (ctx->store, &job->user, job->account_id, &team, &member, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      *gone = TRUE;
      return TRUE;
    }

  return tally_pool_lease_room (ctx->store, &job->user, &member, job->account_id, now,
                                &job->cap_room, error);
}

static gboolean
apply_ops (const TallySyncContext  *ctx,
           TallySyncJob            *job,
           gint64                   now,
           GError                 **error)
{
  g_autoptr(GArray) consumptions = g_array_new (FALSE, FALSE, sizeof (TallyTransfer));
  LeaseView view;
  gint64 left;

  if (!sweep_dead_lease (ctx, job, now, error) || !read_lease (ctx, job, now, &view, error))
    return FALSE;

  left = view.remaining;
  for (guint i = 0; i < job->request.n_ops; i++)
    {
      if (!apply_op (ctx, job, &job->request.ops[i], &left, consumptions, &job->results[i],
                     error))
        return FALSE;
    }

  if (!settle_lease (ctx, job, &view, left, consumptions, now, error))
    return FALSE;

  return job->request.n_ops == 0 ||
         tally_audit_record (ctx->audit, &job->user, "sync.applied", job->request.device, "ok",
                             tally_audit_details ("ii", "ops", (gint64) job->request.n_ops,
                                                  "charged", (gint64) consumptions->len),
                             error);
}

gboolean
tally_sync_apply (const TallySyncContext  *ctx,
                  TallySyncJob            *job,
                  TallySyncOutcome        *outcome,
                  GError                 **error)
{
  gint64 now = tally_rules_store_now (ctx->store);
  TallyDevice before;
  gboolean gone;

  *outcome = TALLY_SYNC_DONE;
  if (!check_pool (ctx, job, now, &gone, error))
    return FALSE;
  if (gone)
    {
      *outcome = TALLY_SYNC_NOT_FOUND;
      return TRUE;
    }
  if (!open_device (ctx, job, error))
    return FALSE;
  before = job->device;

  if (!apply_ops (ctx, job, now, error))
    return FALSE;

  if (device_equal (&before, &job->device))
    return TRUE;
  return tally_rules_store_save_device (ctx->store, job->user.id, job->device_key, &job->device,
                                        error);
}

/* Only a pool of one of the user's teams; any other account is missing. */
gboolean
tally_sync_may_use_account (const TallySyncContext *ctx,
                            const TallySyncJob     *job)
{
  TallyTeamMember member;
  TallyTeam team;

  return !job->pool ||
         tally_pool_may_use (ctx->store, &job->user, job->account_id, &team, &member, NULL);
}

gboolean
tally_sync_needs_write (const TallySyncContext  *ctx,
                        TallySyncJob            *job,
                        gboolean                *needed,
                        GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 now = tally_rules_store_now (ctx->store);
  LeaseView view;

  *needed = TRUE;
  if (job->request.n_ops > 0)
    return TRUE;

  if (!tally_rules_store_find_device (ctx->store, job->user.id, job->device_key, &job->device,
                                      &local_error))
    {
      if (g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!read_lease (ctx, job, now, &view, error))
    return FALSE;

  *needed = renewal_due (ctx->config, &job->device, view.live, view.remaining, view.available,
                         now);
  return TRUE;
}
