/* sim-server.c: the server of the sync simulation: the real sync rules,
 * decoder and answer on a real ledger, and checks of what they answer
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>
#include <tally-ledger-sqlite.h>

#include "sim.h"
#include "tally-teams.h"

static const char tool_json[] =
  "{\"id\": \"" SIM_TOOL_ID "\", \"name\": \"Simulated tool\", \"category\": \"files\","
  " \"description\": \"A tool of the sync simulation.\", \"unit\": \"MB\","
  " \"unit_singular\": \"MB\","
  " \"inputs\": [{\"id\": \"files\", \"label\": \"Files\", \"type\": \"file\","
  "   \"required\": true}],"
  " \"meter\": {\"measure\": \"value\", \"input\": \"files\"},"
  " \"pricing\": {\"base\": 0, \"rate\": 1, \"per\": 1, \"minimum\": 0, \"min_units\": 0,"
  "   \"max_units\": 1000, \"typical_units\": 10},"
  " \"run\": {\"builtin\": \"file-checksums\"}}";

static gboolean
load_tool (Sim     *sim,
           GError **error)
{
  g_autoptr(JsonNode) node = json_from_string (tool_json, error);

  if (node == NULL)
    return FALSE;
  sim->tool = tally_tool_new_from_json (node, error);
  sim->registry = tally_tool_registry_new ();
  return sim->tool != NULL && tally_tool_registry_add (sim->registry, sim->tool, error);
}

static gboolean
grant (Sim         *sim,
       const char  *account_id,
       gint64       amount,
       GError     **error)
{
  TallyTransfer transfer;
  TallyTransferResult result;
  char id[37];

  sim_random_uuid (sim, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       account_id, amount, TALLY_TRANSFER_KIND_GRANT);
  if (!tally_ledger_create_transfers (sim->ledger, &transfer, 1, &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID, "A grant failed: %s",
                   tally_transfer_result_to_string (result));
      return FALSE;
    }
  return TRUE;
}

/* A team of the user's, whose pool half the devices sync on, with a
 * daily cap on what the user may spend from it. */
static gboolean
open_pool (Sim     *sim,
           GError **error)
{
  TallyTeamsContext ctx = { TALLY_RULES_STORE (sim->store), sim->audit, &sim->user };
  TallyMemberChange change = { FALSE, TALLY_TEAM_ROLE_OWNER, TRUE, SIM_POOL_DAILY_CAP, FALSE, 0 };
  TallyTeamsResult result;
  TallyTeamMember member;
  TallyTeam team;

  if (!tally_teams_create (&ctx, "Sim team", &team, error) ||
      !tally_teams_change_member (&ctx, team.id, sim->user.id, &change, &member, &result, error))
    return FALSE;
  if (result != TALLY_TEAMS_OK)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The cap on the pool could not be set (%d)", result);
      return FALSE;
    }

  g_strlcpy (sim->pool_id, team.account_id, sizeof sim->pool_id);
  return grant (sim, sim->pool_id, 1000, error);
}

gboolean
sim_server_open (Sim     *sim,
                 GError **error)
{
  g_autofree char *path = NULL;

  sim->dir = g_dir_make_tmp ("sync-sim-XXXXXX", error);
  if (sim->dir == NULL)
    return FALSE;

  path = g_build_filename (sim->dir, "ledger.db", NULL);
  sim->ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, error);
  if (sim->ledger == NULL)
    return FALSE;
  /* Speed over durability: the server process never dies here, so
   * nothing depends on what reached the disk. */
  sqlite3_exec (tally_ledger_get_sqlite (sim->ledger), "PRAGMA synchronous = OFF", NULL, NULL,
                NULL);
  tally_ledger_set_clock (sim->ledger, sim_clock, sim);

  sim->store = tally_store_new (sim->ledger, error);
  if (sim->store == NULL || !load_tool (sim, error))
    return FALSE;

  sim->config = tally_config_new ();
  sim->config->lease_amount = SIM_LEASE_AMOUNT;
  sim->config->lease_timeout = SIM_LEASE_TIMEOUT;
  sim->writer = tally_writer_new (TALLY_RULES_STORE (sim->store));
  sim->audit = tally_audit_new (TALLY_RULES_STORE (sim->store), sim->writer);
  sim->ctx = (TallySyncContext) { TALLY_RULES_STORE (sim->store), sim->audit, sim->registry,
                                  sim->config };

  if (!tally_ledger_begin (sim->ledger, error))
    return FALSE;
  if (!tally_store_create_user (sim->store, "sim@example.com", "Sim", "", TALLY_ROLE_MEMBER,
                                &sim->user, error) ||
      !grant (sim, sim->user.account_id, 1000, error) ||
      !open_pool (sim, error))
    {
      tally_ledger_rollback (sim->ledger);
      return FALSE;
    }
  return tally_ledger_commit (sim->ledger, error);
}

typedef struct
{
  Sim              *sim;
  TallySyncJob     *job;
  TallySyncOutcome  outcome;
  GError           *error;
} SimWrite;

static gboolean
sync_write (gpointer   data,
            GError   **error)
{
  SimWrite *write = data;

  return tally_sync_apply (&write->sim->ctx, write->job, &write->outcome, error);
}

static void
sync_written (gpointer      data,
              const GError *error)
{
  SimWrite *write = data;

  if (error != NULL)
    write->error = g_error_copy (error);
}

/* The group commit, as the server runs it: a savepoint in a transaction. */
static gboolean
commit_sync (Sim           *sim,
             TallySyncJob  *job,
             GError       **error)
{
  SimWrite write = { sim, job, TALLY_SYNC_DONE, NULL };

  tally_writer_submit (sim->writer, sync_write, sync_written, &write, NULL);
  tally_writer_flush (sim->writer);
  if (write.error != NULL)
    {
      g_propagate_error (error, write.error);
      return FALSE;
    }
  sim->n_writes++;
  return TRUE;
}

/* An op over its lease is refused only when that lease is gone: it
 * expired (or is within the server's margin of it), or was replaced by
 * a new one after it expired. Otherwise the device overspent. */
static void
observe_rejection (Sim                     *sim,
                   const SimRun            *run,
                   const TallyDevice       *before,
                   const TallySyncOp       *op,
                   const TallySyncOpResult *result)
{
  gboolean gone = !g_str_equal (before->lease_id, run->lease_id) ||
                  before->lease_expires_at <= sim->now + G_USEC_PER_SEC;

  sim->n_rejected++;
  if (g_str_equal (result->reason, TALLY_SYNC_REASON_EXCEEDS_LEASE) && gone)
    {
      sim->n_over_expired++;
      return;
    }

  sim->n_other_rejections++;
  sim_fail (sim, "op %s was rejected (%s) though its lease was live", op->id, result->reason);
}

/* What the server's answers say it did: no run applied twice, and each
 * applied charge is the consumption transfer the ledger has. @before is
 * the device's row before the sync. */
static void
observe_results (Sim                *sim,
                 const TallySyncJob *job,
                 const TallyDevice  *before)
{
  for (guint i = 0; i < job->request.n_ops; i++)
    {
      const TallySyncOp *op = &job->request.ops[i];
      const TallySyncOpResult *result = &job->results[i];
      SimRun *run = &g_array_index (sim->runs, SimRun,
                                    GPOINTER_TO_UINT (g_hash_table_lookup (sim->op_runs, op->id)));
      TallyTransfer transfer;

      if (result->status == TALLY_SYNC_OP_DUPLICATE)
        sim->n_duplicates++;
      if (result->status == TALLY_SYNC_OP_REJECTED)
        observe_rejection (sim, run, before, op, result);
      if (result->status != TALLY_SYNC_OP_APPLIED)
        continue;

      sim->n_applied++;
      run->applied++;
      run->charged += result->charged;
      g_hash_table_insert (sim->applied, g_strdup (op->id),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (
                             g_hash_table_lookup (sim->applied, op->id)) + 1));
      if (run->applied > 1)
        sim_fail (sim, "a run was applied %u times (op %s): charged %" G_GINT64_FORMAT
              " for a run that cost %" G_GINT64_FORMAT, run->applied, op->id, run->charged,
              run->cost);
      if (result->charged > run->cost)
        sim_fail (sim, "op %s charged %" G_GINT64_FORMAT ", more than its cost", op->id,
              result->charged);
      if (result->charged > 0 &&
          (!tally_ledger_lookup_transfer (sim->ledger, op->id, &transfer, NULL) ||
           transfer.amount != result->charged))
        sim_fail (sim, "op %s was charged %" G_GINT64_FORMAT " without its transfer", op->id,
              result->charged);
    }
}

/* POST /v1/sync without HTTP: the same decoder, rules and answer. NULL
 * stands for a 400 or a 500: the device keeps its outbox. */
JsonObject *
sim_server_sync (Sim        *sim,
                 JsonObject *body)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_auto(TallySyncRequest) decoded = { NULL, 0, NULL, 0 };
  g_autoptr(GError) error = NULL;
  TallySyncJob job;
  TallyDevice before;
  JsonObject *answer = NULL;
  gboolean needed;

  sim->n_syncs++;
  if (!tally_api_decode_sync (body, &decoded, &problem))
    {
      sim_fail (sim, "the server refused a device's sync: %s", problem.message);
      return NULL;
    }

  tally_sync_job_init (&job, &sim->user, &decoded);
  if (!tally_store_find_device (sim->store, sim->user.id, job.device_key, &before, NULL))
    memset (&before, 0, sizeof before);
  if (!tally_sync_needs_write (&sim->ctx, &job, &needed, &error) ||
      (needed && !commit_sync (sim, &job, &error)))
    {
      /* A 500: counted, and the device tries again. */
      sim->n_failed++;
      g_debug ("sync failed: %s", error->message);
      tally_sync_job_clear (&job);
      return NULL;
    }

  observe_results (sim, &job, &before);
  answer = tally_api_sync_answer (&sim->ctx, &job, &error);
  if (answer == NULL)
    sim_fail (sim, "no answer: %s", error->message);
  tally_sync_job_clear (&job);
  return answer;
}

/* A payment, as a low balance brings one: only to an account with less
 * than SIM_GRANT_BELOW, so that accounts stay near empty and devices
 * contend for their credits however long the run. */
gboolean
sim_server_grant (Sim *sim)
{
  const char *account_id = sim_chance (sim, 0.5) ? sim->user.account_id : sim->pool_id;
  gint64 amount = g_rand_int_range (sim->rand, 20, 200);
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  if (!tally_ledger_lookup_account (sim->ledger, account_id, &account, &error))
    {
      sim_fail (sim, "no account to grant to: %s", error->message);
      return FALSE;
    }
  if (tally_account_balance (&account) >= SIM_GRANT_BELOW)
    return TRUE;

  sim->n_grants++;
  sim->n_writes++;
  if (!tally_ledger_begin (sim->ledger, &error) || !grant (sim, account_id, amount, &error) ||
      !tally_ledger_commit (sim->ledger, &error))
    {
      if (tally_ledger_in_transaction (sim->ledger))
        tally_ledger_rollback (sim->ledger);
      sim_fail (sim, "a grant failed: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* expire_holds() of tally-server.c, every 5 s of the server's clock:
 * holds past their timeout are released. */
gboolean
sim_server_sweep (Sim *sim)
{
  g_autoptr(GError) error = NULL;
  guint n_expired = 0;

  if (sim->now < sim->next_sweep)
    return TRUE;

  sim->next_sweep = sim->now + SIM_SWEEP_USEC;
  if (!tally_ledger_begin (sim->ledger, &error) ||
      !tally_ledger_expire_pending (sim->ledger, sim->now, &n_expired, &error) ||
      !tally_ledger_commit (sim->ledger, &error))
    {
      if (tally_ledger_in_transaction (sim->ledger))
        tally_ledger_rollback (sim->ledger);
      sim_fail (sim, "the sweep failed: %s", error->message);
      return FALSE;
    }
  sim->n_swept += n_expired;
  sim->n_writes += n_expired > 0;
  return TRUE;
}

/* POST /v1/runs with `device`, reduced to what it does to the ledger and
 * the lease (tally-api-runs.c): the run's cost taken at once; when it
 * does not fit, the device's lease is given back and it is tried again,
 * and the answer's `"lease": null` makes the device forget its lease.
 * The app sends `device` only with an empty outbox. Not over the lossy
 * network: that is another endpoint's story. */
gboolean
sim_server_take_online (Sim        *sim,
                        SimDevice  *device,
                        gint64      amount,
                        gboolean   *released,
                        GError    **error)
{
  TallyTransferResult result;
  TallyTransfer transfer;
  char id[37];

  sim_random_uuid (sim, id);
  tally_transfer_init (&transfer, id, sim->user.account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), amount,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  *released = FALSE;
  if (!tally_ledger_create_transfers (sim->ledger, &transfer, 1, &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_EXCEEDS_CREDITS &&
      (!tally_store_release_lease (sim->store, sim->user.id, device->name, released, error) ||
       (*released && !tally_ledger_create_transfers (sim->ledger, &transfer, 1, &result, error))))
    return FALSE;

  sim->n_writes++;
  if (result == TALLY_TRANSFER_OK)
    sim->n_online++;
  else
    sim->n_online_refused++;
  return TRUE;
}
