/* sim-device.c: a device of the sync simulation, modelled on the app
 * (tally-sync.c, the tool page's offline runs, the cache), and the app's
 * own cache beside it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sim.h"

static gint64
device_now (Sim       *sim,
            SimDevice *device)
{
  return sim->now + device->skew;
}

gint64
sim_outbox_spent (SimDevice *device)
{
  gint64 spent = 0;

  for (guint i = 0; i < device->outbox->len; i++)
    spent += g_array_index (device->outbox, SimOp, i).cost;
  return spent;
}

/* tally_sync_get_allowance() of src/app/tally-sync.c, on the device's own
 * (skewed) clock. */
static gint64
allowance (Sim       *sim,
           SimDevice *device)
{
  if (device->lease_id[0] == '\0' || device->lease_expires_at <= device_now (sim, device))
    return 0;
  return MAX (0, device->lease_remaining - sim_outbox_spent (device));
}

gint64
sim_price (Sim    *sim,
           gint64  units)
{
  gint64 cost = 0;

  tally_price_rule_cost (tally_tool_get_price_rule (sim->tool), units, &cost, NULL);
  return cost;
}

/* As the app writes its outbox: through libtally's one writer. */
static JsonObject *
op_json (const SimOp *op)
{
  TallySyncOp wire = {
    .units = op->units,
    .outcome = op->outcome,
    .cost = op->cost,
    .created_at = op->created_at,
  };

  g_strlcpy (wire.id, op->id, sizeof wire.id);
  g_strlcpy (wire.tool, SIM_TOOL_ID, sizeof wire.tool);
  return tally_sync_op_to_json (&wire);
}

/* --- the app's own cache, beside the model --- */

void
sim_device_open_cache (Sim   *sim,
                       guint  index)
{
  SimDevice *device = &sim->devices[index];
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (!sim->real_cache)
    return;

  path = g_strdup_printf ("%s/%s.db", sim->dir, device->name);
  device->cache = tally_cache_open (path, &error);
  if (device->cache == NULL)
    sim_fail (sim, "the cache of %s could not open: %s", device->name, error->message);
}

static void
cache_add (Sim         *sim,
           SimDevice   *device,
           const SimOp *op)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  if (device->cache == NULL)
    return;

  object = op_json (op);
  if (!tally_cache_outbox_add (device->cache, object, &error))
    sim_fail (sim, "the cache of %s refused an op: %s", device->name, error->message);
}

static void
cache_apply (Sim        *sim,
             SimDevice  *device,
             JsonObject *answer)
{
  g_autoptr(GError) error = NULL;

  if (device->cache != NULL && !tally_cache_apply_sync_answer (device->cache, answer, &error))
    sim_fail (sim, "the cache of %s refused an answer: %s", device->name, error->message);
}

/* The model is what the app's cache does: same outbox, cursor, lease and
 * balance. */
void
sim_device_check_cache (Sim       *sim,
                        SimDevice *device)
{
  TallyCacheLease lease;
  TallyAccount account;

  if (device->cache == NULL)
    return;

  tally_cache_get_lease (device->cache, &lease);
  if (tally_cache_outbox_count (device->cache) != device->outbox->len ||
      tally_cache_outbox_spent (device->cache) != sim_outbox_spent (device))
    sim_fail (sim, "%s's cache has %u ops costing %" G_GINT64_FORMAT ", the model %u costing %"
          G_GINT64_FORMAT, device->name, tally_cache_outbox_count (device->cache),
          tally_cache_outbox_spent (device->cache), device->outbox->len, sim_outbox_spent (device));
  if (tally_cache_get_cursor (device->cache) != device->cursor)
    sim_fail (sim, "%s's cache is at cursor %" G_GINT64_FORMAT ", the model at %" G_GINT64_FORMAT,
          device->name, tally_cache_get_cursor (device->cache), device->cursor);
  if (!g_str_equal (lease.id, device->lease_id) || lease.remaining != device->lease_remaining ||
      lease.expires_at != device->lease_expires_at)
    sim_fail (sim, "%s's cache has another lease than the model", device->name);
  if (tally_cache_lookup_account (device->cache, device->account_id, &account) &&
      tally_account_balance (&account) != device->balance)
    sim_fail (sim, "%s's cache has a balance of %" G_GINT64_FORMAT ", the model %" G_GINT64_FORMAT,
          device->name, tally_account_balance (&account), device->balance);
}

/* As the tool page does offline: only if the most the run may cost fits
 * in the allowance; the op is in the outbox before the run is done. */
void
sim_device_run (Sim   *sim,
                guint  index)
{
  SimDevice *device = &sim->devices[index];
  gint64 max_units = g_rand_int_range (sim->rand, 1, 60);
  double outcome = g_rand_double (sim->rand);
  SimRun run = { 0, 0, 0, index, { 0 } };
  SimOp op = { { 0 }, sim->runs->len, 0, TALLY_RUN_OUTCOME_SUCCEEDED, 0,
               device_now (sim, device) };

  if (sim_price (sim, max_units) > allowance (sim, device))
    {
      sim->n_refused++;
      return;
    }

  sim_random_uuid (sim, op.id);
  op.units = g_rand_int_range (sim->rand, 0, (gint32) max_units + 1);
  if (outcome > 0.9)
    op.outcome = TALLY_RUN_OUTCOME_CANCELLED;
  else if (outcome > 0.8)
    op.outcome = TALLY_RUN_OUTCOME_FAILED;
  op.cost = op.outcome == TALLY_RUN_OUTCOME_SUCCEEDED ? sim_price (sim, op.units) : 0;

  run.cost = op.cost;
  g_strlcpy (run.lease_id, device->lease_id, sizeof run.lease_id);
  g_array_append_val (sim->runs, run);
  g_hash_table_insert (sim->op_runs, g_strdup (op.id), GUINT_TO_POINTER (op.run));
  g_array_append_val (device->outbox, op);
  cache_add (sim, device, &op);
  device->created++;
  sim->n_runs++;
}

/* The injected bug: ids given when sent, so a retry is a new op. */
static void
renew_ids (Sim       *sim,
           SimDevice *device)
{
  for (guint i = 0; i < device->outbox->len; i++)
    {
      SimOp *op = &g_array_index (device->outbox, SimOp, i);

      sim_random_uuid (sim, op->id);
      g_hash_table_insert (sim->op_runs, g_strdup (op->id), GUINT_TO_POINTER (op->run));
    }
}

/* start_round() of src/app/tally-sync.c: {device, cursor, ops}. */
JsonObject *
sim_device_request (Sim   *sim,
                    guint  index)
{
  SimDevice *device = &sim->devices[index];
  JsonObject *body = json_object_new ();
  JsonArray *ops = json_array_new ();

  if (sim->bug == BUG_FRESH_IDS)
    renew_ids (sim, device);

  for (guint i = 0; i < MIN (device->outbox->len, SIM_MAX_OPS); i++)
    json_array_add_object_element (ops, op_json (&g_array_index (device->outbox, SimOp, i)));
  sim->n_ops_sent += json_array_get_length (ops);

  json_object_set_string_member (body, "device", device->name);
  if (g_str_equal (device->account_id, sim->pool_id))
    json_object_set_string_member (body, "account_id", device->account_id);
  json_object_set_int_member (body, "cursor", device->cursor);
  json_object_set_array_member (body, "ops", ops);
  device->inflight = ++sim->next_request;
  device->inflight_since = sim->now;
  device->more = FALSE;
  return body;
}

void
sim_device_sync (Sim   *sim,
                 guint  index)
{
  g_autoptr(JsonObject) body = sim_device_request (sim, index);

  sim_send (sim, FALSE, index, sim->devices[index].inflight, body);
}

/* An online run (see sim_server_take_online()). */
void
sim_device_online_run (Sim   *sim,
                       guint  index)
{
  SimDevice *device = &sim->devices[index];
  gint64 amount = sim_price (sim, g_rand_int_range (sim->rand, 1, 60));
  g_autoptr(GError) error = NULL;
  gboolean released;

  /* Online runs on the pool are not simulated. */
  if (!device->link_up || device->outbox->len > 0 ||
      g_str_equal (device->account_id, sim->pool_id))
    return;

  if (!tally_ledger_begin (sim->ledger, &error) ||
      !sim_server_take_online (sim, device, amount, &released, &error) ||
      !tally_ledger_commit (sim->ledger, &error))
    {
      if (tally_ledger_in_transaction (sim->ledger))
        tally_ledger_rollback (sim->ledger);
      sim_fail (sim, "an online run failed: %s", error->message);
      return;
    }

  if (!released)
    return;
  sim->n_released++;
  memset (device->lease_id, 0, sizeof device->lease_id);
  device->lease_remaining = device->lease_expires_at = 0;
  if (device->cache != NULL)
    tally_cache_forget_lease (device->cache);
}

/* The app is killed and started again: what was in memory is gone. */
void
sim_device_kill (Sim   *sim,
                 guint  index)
{
  SimDevice *device = &sim->devices[index];

  sim->n_kills++;
  device->inflight = 0;
  device->more = FALSE;
  if (sim->bug == BUG_VOLATILE_OUTBOX)
    g_array_set_size (device->outbox, 0);
  /* The cache's file is what the next start finds. */
  if (device->cache != NULL)
    {
      g_clear_object (&device->cache);
      sim_device_open_cache (sim, index);
    }
}

static void
settle_op (Sim        *sim,
           SimDevice  *device,
           JsonObject *result)
{
  const char *id = json_object_get_string_member (result, "id");
  const char *status = json_object_get_string_member (result, "status");
  const char *first = json_object_get_string_member_with_default (result, "first_status", status);

  for (guint i = 0; i < device->outbox->len; i++)
    {
      if (!g_str_equal (g_array_index (device->outbox, SimOp, i).id, id))
        continue;

      g_array_remove_index (device->outbox, i);
      device->acked++;
      /* Acknowledged as applied: the server has it exactly once. */
      if (g_str_equal (first, "applied") &&
          GPOINTER_TO_UINT (g_hash_table_lookup (sim->applied, id)) != 1)
        sim_fail (sim, "op %s acknowledged as applied but applied %u times", id,
              GPOINTER_TO_UINT (g_hash_table_lookup (sim->applied, id)));
      if (!g_str_equal (first, "applied") && g_hash_table_contains (sim->applied, id))
        sim_fail (sim, "op %s acknowledged as %s but applied", id, first);
      return;
    }
}

static void
mirror_transfer (Sim        *sim,
                 SimDevice  *device,
                 JsonObject *transfer)
{
  JsonObject *flags = json_object_get_object_member (transfer, "flags");
  const char *debit = json_object_get_string_member (transfer, "debit_account_id");
  const char *credit = json_object_get_string_member (transfer, "credit_account_id");
  gint64 amount = json_object_get_int_member (transfer, "amount");
  gint64 seq = json_object_get_int_member (transfer, "seq");

  if (seq <= device->cursor)
    sim_fail (sim, "transfer %" G_GINT64_FORMAT " came again, at cursor %" G_GINT64_FORMAT, seq,
          device->cursor);
  device->cursor = seq;

  /* Holds are not balance; posting one is not seen in the sync flow. */
  if (json_object_get_boolean_member (flags, "pending") ||
      json_object_get_boolean_member (flags, "void_pending"))
    return;
  if (json_object_get_boolean_member (flags, "post_pending"))
    sim_fail (sim, "a post of a pending transfer: the simulation does not mirror it");

  if (g_str_equal (credit, device->account_id))
    device->balance += amount;
  if (g_str_equal (debit, device->account_id))
    device->balance -= amount;
}

static void
store_lease (SimDevice  *device,
             JsonObject *answer)
{
  JsonNode *node = json_object_get_member (answer, "lease");
  JsonObject *lease;
  g_autoptr(GDateTime) expires_at = NULL;

  memset (device->lease_id, 0, sizeof device->lease_id);
  device->lease_remaining = device->lease_expires_at = 0;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  lease = json_node_get_object (node);
  expires_at = g_date_time_new_from_iso8601 (json_object_get_string_member (lease, "expires_at"),
                                             NULL);
  g_strlcpy (device->lease_id, json_object_get_string_member (lease, "id"),
             sizeof device->lease_id);
  device->lease_remaining = json_object_get_int_member (lease, "remaining");
  device->lease_expires_at = g_date_time_to_unix (expires_at) * G_USEC_PER_SEC +
                             g_date_time_get_microsecond (expires_at);
}

/* tally_cache_apply_sync_answer(), in one go: results settle the outbox,
 * transfers are mirrored up to the cursor, the lease is the answer's. */
void
sim_device_answer (Sim        *sim,
                   guint       index,
                   JsonObject *answer)
{
  SimDevice *device = &sim->devices[index];
  JsonArray *results = json_object_get_array_member (answer, "results");
  JsonArray *transfers = json_object_get_array_member (answer, "transfers");

  for (guint i = 0; i < json_array_get_length (results); i++)
    settle_op (sim, device, json_array_get_object_element (results, i));
  for (guint i = 0; i < json_array_get_length (transfers); i++)
    mirror_transfer (sim, device, json_array_get_object_element (transfers, i));

  device->cursor = json_object_get_int_member (answer, "cursor");
  store_lease (device, answer);
  device->more = json_object_get_boolean_member (answer, "more");
  device->inflight = 0;
  cache_apply (sim, device, answer);
}
