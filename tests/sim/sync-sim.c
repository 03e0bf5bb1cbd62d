/* sync-sim.c: a deterministic simulation of offline sync
 *
 * N devices of one user, each with the state the app's cache keeps on
 * disk (outbox, cursor, mirrored transfers, lease) and what it keeps only
 * in memory (the request in flight), against the server's own sync rules
 * (tally-sync-apply.c, with the real decoder and answer of POST /v1/sync)
 * on a real SQLite ledger, over a network that drops, duplicates, delays
 * and reorders requests and answers. Devices' clocks are skewed, devices
 * go offline, spend from their lease, sync, time out, retry and are
 * killed. Every bit of chance comes from one GRand seeded with --seed, so
 * `sync-sim --seed S --steps N` replays a run exactly. See docs/sync.md.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <tally.h>
#include <tally-ledger-sqlite.h>

#include "tally-api-sync.h"
#include "tally-cache.h"
#include "tally-store.h"
#include "tally-writer.h"

#define SIM_TOOL_ID "sim-tool"
#define SIM_LEASE_AMOUNT 200
#define SIM_LEASE_TIMEOUT 300
/* A device's clock is off by up to this much, either way. */
#define SIM_MAX_SKEW_USEC (90 * G_USEC_PER_SEC)
/* A request unanswered for this long is given up (the HTTP timeout). */
#define SIM_TIMEOUT_USEC (60 * G_USEC_PER_SEC)
#define SIM_MAX_OPS 1000

/* Bugs the simulation can inject, to show that its invariants catch them. */
typedef enum
{
  BUG_NONE,
  /* The device gives an op a new id each time it retries, i.e. skips the
   * idempotency the server's ids give. */
  BUG_FRESH_IDS,
  /* The outbox lives in memory only: a kill loses it. */
  BUG_VOLATILE_OUTBOX,
} SimBug;

typedef struct
{
  char            id[37];
  /* Index of the run in Sim.runs: what the op is, whatever its id. */
  guint           run;
  gint64          units;
  TallyRunOutcome outcome;
  gint64          cost;
  gint64          created_at;
} SimOp;

/* What the server did with a run, as its answers told. */
typedef struct
{
  gint64 cost;
  guint  applied;
  gint64 charged;
  guint  device;
  /* The lease it was spent from, as the device knew it. */
  char   lease_id[37];
} SimRun;

typedef struct
{
  char        name[16];
  gint64      skew;
  gboolean    link_up;
  /* Durable: what the app's cache has on disk. */
  GArray     *outbox;
  gint64      cursor;
  gint64      balance;
  char        lease_id[37];
  gint64      lease_remaining;
  gint64      lease_expires_at;
  guint       created;
  guint       acked;
  /* With --real-cache: the app's own cache (tally-cache*.c), fed the same
   * ops and answers, which must keep what the model keeps. */
  TallyCache *cache;
  /* In memory only: the request in flight and when it is given up. */
  guint       inflight;
  gint64      inflight_since;
  gboolean    more;
} SimDevice;

typedef struct
{
  gboolean    answer;
  guint       device;
  guint       request;
  JsonObject *body;
} SimMessage;

typedef struct
{
  GRand            *rand;
  SimBug            bug;
  gboolean          real_cache;
  gint64            now;
  guint             n_devices;
  SimDevice        *devices;
  GPtrArray        *network;
  guint             next_request;
  GArray           *runs;
  /* Op id → run index, for every id ever sent. */
  GHashTable       *op_runs;
  /* Op id → how often the server applied it. */
  GHashTable       *applied;

  char             *dir;
  TallyConfig      *config;
  TallyLedger      *ledger;
  TallyStore       *store;
  TallyWriter      *writer;
  TallyAudit       *audit;
  TallyToolRegistry *registry;
  TallyTool        *tool;
  TallySyncContext  ctx;
  TallyUser         user;

  /* Figures for the report. */
  guint64           n_syncs, n_ops_sent, n_applied, n_duplicates, n_rejected, n_drops,
                    n_dups, n_kills, n_timeouts, n_failed, n_grants, n_runs, n_refused,
                    n_settles, n_checks, n_stale, n_lost_answers, n_online, n_online_refused,
                    n_released;
  /* Rejections: over a lease that was gone when the op arrived, and any
   * other (which fails the run). */
  guint64           n_over_expired, n_other_rejections;
  char             *failure;
} Sim;

static void
fail (Sim        *sim,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (Sim        *sim,
      const char *format,
      ...)
{
  va_list args;

  if (sim->failure != NULL)
    return;

  va_start (args, format);
  sim->failure = g_strdup_vprintf (format, args);
  va_end (args);
}

static gboolean
chance (Sim    *sim,
        double  p)
{
  return g_rand_double (sim->rand) < p;
}

static void
random_uuid (Sim  *sim,
             char  out[37])
{
  guint8 bytes[16];

  for (guint i = 0; i < 16; i++)
    bytes[i] = (guint8) g_rand_int_range (sim->rand, 0, 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  tally_uuid_from_bytes (bytes, out);
}

static gint64
sim_clock (gpointer data)
{
  return ((Sim *) data)->now;
}

/* --- the server --- */

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
grant (Sim     *sim,
       gint64   amount,
       GError **error)
{
  TallyTransfer transfer;
  TallyTransferResult result;
  char id[37];

  random_uuid (sim, id);
  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       sim->user.account_id, amount, TALLY_TRANSFER_KIND_GRANT);
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

static gboolean
open_server (Sim     *sim,
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
  sim->writer = tally_writer_new (sim->ledger);
  sim->audit = tally_audit_new (sim->store, sim->writer);
  sim->ctx = (TallySyncContext) { sim->store, sim->ledger, sim->audit, sim->registry,
                                  sim->config };

  if (!tally_ledger_begin (sim->ledger, error))
    return FALSE;
  if (!tally_store_create_user (sim->store, "sim@example.com", "Sim", "", TALLY_ROLE_MEMBER,
                                &sim->user, error) ||
      !grant (sim, 1000, error))
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
commit_sync (Sim          *sim,
             TallySyncJob *job,
             GError      **error)
{
  SimWrite write = { sim, job, TALLY_SYNC_DONE, NULL };

  tally_writer_submit (sim->writer, sync_write, sync_written, &write, NULL);
  tally_writer_flush (sim->writer);
  if (write.error != NULL)
    {
      g_propagate_error (error, write.error);
      return FALSE;
    }
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
  fail (sim, "op %s was rejected (%s) though its lease was live", op->id, result->reason);
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
        fail (sim, "a run was applied %u times (op %s): charged %" G_GINT64_FORMAT
              " for a run that cost %" G_GINT64_FORMAT, run->applied, op->id, run->charged,
              run->cost);
      if (result->charged > run->cost)
        fail (sim, "op %s charged %" G_GINT64_FORMAT ", more than its cost", op->id,
              result->charged);
      if (result->charged > 0 &&
          (!tally_ledger_lookup_transfer (sim->ledger, op->id, &transfer, NULL) ||
           transfer.amount != result->charged))
        fail (sim, "op %s was charged %" G_GINT64_FORMAT " without its transfer", op->id,
              result->charged);
    }
}

/* POST /v1/sync without HTTP: the same decoder, rules and answer. NULL
 * stands for a 400 or a 500: the device keeps its outbox. */
static JsonObject *
serve (Sim        *sim,
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
      fail (sim, "the server refused a device's sync: %s", problem.message);
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
    fail (sim, "no answer: %s", error->message);
  tally_sync_job_clear (&job);
  return answer;
}

/* --- the network --- */

static void
sim_message_free (gpointer data)
{
  SimMessage *message = data;

  g_clear_pointer (&message->body, json_object_unref);
  g_free (message);
}

/* Lost, sent twice, or queued; which is delivered when is drawn later.
 * FALSE when lost. */
static gboolean
send_message (Sim        *sim,
              gboolean    answer,
              guint       device,
              guint       request,
              JsonObject *body)
{
  guint copies = 1;

  if (!sim->devices[device].link_up || chance (sim, 0.1))
    {
      sim->n_drops++;
      return FALSE;
    }
  if (chance (sim, 0.05))
    {
      sim->n_dups++;
      copies = 2;
    }

  for (guint i = 0; i < copies; i++)
    {
      SimMessage *message = g_new0 (SimMessage, 1);

      message->answer = answer;
      message->device = device;
      message->request = request;
      message->body = json_object_ref (body);
      g_ptr_array_add (sim->network, message);
    }
  return TRUE;
}

/* --- a device --- */

static gint64
device_now (Sim       *sim,
            SimDevice *device)
{
  return sim->now + device->skew;
}

static gint64
outbox_spent (SimDevice *device)
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
  return MAX (0, device->lease_remaining - outbox_spent (device));
}

static gint64
price (Sim    *sim,
       gint64  units)
{
  gint64 cost = 0;

  tally_price_rule_cost (tally_tool_get_price_rule (sim->tool), units, &cost, NULL);
  return cost;
}

static JsonObject *
op_json (const SimOp *op)
{
  JsonObject *object = json_object_new ();
  g_autofree char *created_at = tally_time_to_iso8601 (op->created_at);
  const char *outcomes[] = { "succeeded", "failed", "cancelled" };

  json_object_set_string_member (object, "id", op->id);
  json_object_set_string_member (object, "type", "run");
  json_object_set_string_member (object, "tool", SIM_TOOL_ID);
  json_object_set_int_member (object, "units", op->units);
  json_object_set_string_member (object, "outcome", outcomes[op->outcome]);
  json_object_set_int_member (object, "cost", op->cost);
  json_object_set_string_member (object, "created_at", created_at);
  return object;
}

/* --- the app's own cache, beside the model --- */

static void
open_cache (Sim   *sim,
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
    fail (sim, "the cache of %s could not open: %s", device->name, error->message);
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
    fail (sim, "the cache of %s refused an op: %s", device->name, error->message);
}

static void
cache_apply (Sim        *sim,
             SimDevice  *device,
             JsonObject *answer)
{
  g_autoptr(GError) error = NULL;

  if (device->cache != NULL && !tally_cache_apply_sync_answer (device->cache, answer, &error))
    fail (sim, "the cache of %s refused an answer: %s", device->name, error->message);
}

/* The model is what the app's cache does: same outbox, cursor, lease and
 * balance. */
static void
check_cache (Sim       *sim,
             SimDevice *device)
{
  TallyCacheLease lease;
  TallyAccount account;

  if (device->cache == NULL)
    return;

  tally_cache_get_lease (device->cache, &lease);
  if (tally_cache_outbox_count (device->cache) != device->outbox->len ||
      tally_cache_outbox_spent (device->cache) != outbox_spent (device))
    fail (sim, "%s's cache has %u ops costing %" G_GINT64_FORMAT ", the model %u costing %"
          G_GINT64_FORMAT, device->name, tally_cache_outbox_count (device->cache),
          tally_cache_outbox_spent (device->cache), device->outbox->len, outbox_spent (device));
  if (tally_cache_get_cursor (device->cache) != device->cursor)
    fail (sim, "%s's cache is at cursor %" G_GINT64_FORMAT ", the model at %" G_GINT64_FORMAT,
          device->name, tally_cache_get_cursor (device->cache), device->cursor);
  if (!g_str_equal (lease.id, device->lease_id) || lease.remaining != device->lease_remaining ||
      lease.expires_at != device->lease_expires_at)
    fail (sim, "%s's cache has another lease than the model", device->name);
  if (tally_cache_lookup_account (device->cache, sim->user.account_id, &account) &&
      tally_account_balance (&account) != device->balance)
    fail (sim, "%s's cache has a balance of %" G_GINT64_FORMAT ", the model %" G_GINT64_FORMAT,
          device->name, tally_account_balance (&account), device->balance);
}

/* As the tool page does offline: only if the most the run may cost fits
 * in the allowance; the op is in the outbox before the run is done. */
static void
device_run (Sim   *sim,
            guint  index)
{
  SimDevice *device = &sim->devices[index];
  gint64 max_units = g_rand_int_range (sim->rand, 1, 60);
  double outcome = g_rand_double (sim->rand);
  SimRun run = { 0, 0, 0, index, { 0 } };
  SimOp op = { { 0 }, sim->runs->len, 0, TALLY_RUN_OUTCOME_SUCCEEDED, 0,
               device_now (sim, device) };

  if (price (sim, max_units) > allowance (sim, device))
    {
      sim->n_refused++;
      return;
    }

  random_uuid (sim, op.id);
  op.units = g_rand_int_range (sim->rand, 0, (gint32) max_units + 1);
  if (outcome > 0.9)
    op.outcome = TALLY_RUN_OUTCOME_CANCELLED;
  else if (outcome > 0.8)
    op.outcome = TALLY_RUN_OUTCOME_FAILED;
  op.cost = op.outcome == TALLY_RUN_OUTCOME_SUCCEEDED ? price (sim, op.units) : 0;

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

      random_uuid (sim, op->id);
      g_hash_table_insert (sim->op_runs, g_strdup (op->id), GUINT_TO_POINTER (op->run));
    }
}

/* start_round() of src/app/tally-sync.c: {device, cursor, ops}. */
static JsonObject *
device_request (Sim   *sim,
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
  json_object_set_int_member (body, "cursor", device->cursor);
  json_object_set_array_member (body, "ops", ops);
  device->inflight = ++sim->next_request;
  device->inflight_since = sim->now;
  device->more = FALSE;
  return body;
}

static void
device_sync (Sim   *sim,
             guint  index)
{
  g_autoptr(JsonObject) body = device_request (sim, index);

  send_message (sim, FALSE, index, sim->devices[index].inflight, body);
}

/* POST /v1/runs with `device`, reduced to what it does to the ledger and
 * the lease (tally-api-runs.c): the run's cost taken at once; when it
 * does not fit, the device's lease is given back and it is tried again,
 * and the answer's `"lease": null` makes the device forget its lease.
 * The app sends `device` only with an empty outbox. Not over the lossy
 * network: that is another endpoint's story. */
static gboolean
take_online (Sim       *sim,
             SimDevice *device,
             gint64     amount,
             gboolean  *released,
             GError   **error)
{
  TallyTransferResult result;
  TallyTransfer transfer;
  char id[37];

  random_uuid (sim, id);
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

  if (result == TALLY_TRANSFER_OK)
    sim->n_online++;
  else
    sim->n_online_refused++;
  return TRUE;
}

static void
device_online_run (Sim   *sim,
                   guint  index)
{
  SimDevice *device = &sim->devices[index];
  gint64 amount = price (sim, g_rand_int_range (sim->rand, 1, 60));
  g_autoptr(GError) error = NULL;
  gboolean released;

  if (!device->link_up || device->outbox->len > 0)
    return;

  if (!tally_ledger_begin (sim->ledger, &error) ||
      !take_online (sim, device, amount, &released, &error) ||
      !tally_ledger_commit (sim->ledger, &error))
    {
      if (tally_ledger_in_transaction (sim->ledger))
        tally_ledger_rollback (sim->ledger);
      fail (sim, "an online run failed: %s", error->message);
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
static void
device_kill (Sim   *sim,
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
      open_cache (sim, index);
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
        fail (sim, "op %s acknowledged as applied but applied %u times", id,
              GPOINTER_TO_UINT (g_hash_table_lookup (sim->applied, id)));
      if (!g_str_equal (first, "applied") && g_hash_table_contains (sim->applied, id))
        fail (sim, "op %s acknowledged as %s but applied", id, first);
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
    fail (sim, "transfer %" G_GINT64_FORMAT " came again, at cursor %" G_GINT64_FORMAT, seq,
          device->cursor);
  device->cursor = seq;

  /* Holds are not balance; posting one is not seen in the sync flow. */
  if (json_object_get_boolean_member (flags, "pending") ||
      json_object_get_boolean_member (flags, "void_pending"))
    return;
  if (json_object_get_boolean_member (flags, "post_pending"))
    fail (sim, "a post of a pending transfer: the simulation does not mirror it");

  if (g_str_equal (credit, sim->user.account_id))
    device->balance += amount;
  if (g_str_equal (debit, sim->user.account_id))
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
static void
device_answer (Sim        *sim,
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

/* --- steps --- */

static void
deliver (Sim   *sim,
         guint  i)
{
  SimMessage *message = g_ptr_array_steal_index (sim->network, i);
  SimDevice *device = &sim->devices[message->device];

  if (!message->answer)
    {
      g_autoptr(JsonObject) answer = serve (sim, message->body);

      /* The key case: the server committed, and its answer is lost. */
      if (answer != NULL && !send_message (sim, TRUE, message->device, message->request, answer))
        sim->n_lost_answers++;
    }
  /* Only the request the device still waits for is answered: an answer
   * to one it gave up on has no connection to arrive on. */
  else if (device->inflight == message->request)
    device_answer (sim, message->device, message->body);
  else
    sim->n_stale++;

  sim_message_free (message);
}

static void
device_step (Sim   *sim,
             guint  index)
{
  SimDevice *device = &sim->devices[index];
  guint action = g_rand_int_range (sim->rand, 0, 100);

  if (device->inflight != 0 && sim->now - device->inflight_since > SIM_TIMEOUT_USEC)
    {
      /* round_failed(): given up, tried again later. */
      sim->n_timeouts++;
      device->inflight = 0;
    }

  /* Runs, syncs (a kept `more` asks for another at once), kills, the link
   * going down or up, and runs online. */
  if (action < 40)
    device_run (sim, index);
  else if (action < 75 || device->more)
    {
      if (device->inflight == 0)
        device_sync (sim, index);
    }
  else if (action < 77)
    device_kill (sim, index);
  else if (action < 82)
    device->link_up = !device->link_up;
  else if (action < 87)
    device_online_run (sim, index);
}

static gboolean
server_grant (Sim *sim)
{
  g_autoptr(GError) error = NULL;

  sim->n_grants++;
  if (!tally_ledger_begin (sim->ledger, &error) ||
      !grant (sim, g_rand_int_range (sim->rand, 20, 200), &error) ||
      !tally_ledger_commit (sim->ledger, &error))
    {
      if (tally_ledger_in_transaction (sim->ledger))
        tally_ledger_rollback (sim->ledger);
      fail (sim, "a grant failed: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
step (Sim *sim)
{
  guint what = g_rand_int_range (sim->rand, 0, 100);

  sim->now += g_rand_int_range (sim->rand, 0, 3000) * (gint64) 1000;
  if (what < 45)
    {
      if (sim->network->len > 0)
        deliver (sim, g_rand_int_range (sim->rand, 0, (gint32) sim->network->len));
    }
  else if (what < 46)
    server_grant (sim);
  else
    device_step (sim, g_rand_int_range (sim->rand, 0, (gint32) sim->n_devices));
}

/* --- invariants --- */

static void
check_account (Sim *sim)
{
  TallyAccount account;

  if (!tally_ledger_lookup_account (sim->ledger, sim->user.account_id, &account, NULL))
    {
      fail (sim, "the user's account is gone");
      return;
    }
  if (tally_account_balance (&account) < 0 || tally_account_available (&account) < 0)
    fail (sim, "the account is below zero: balance %" G_GINT64_FORMAT ", available %"
          G_GINT64_FORMAT, tally_account_balance (&account), tally_account_available (&account));
}

/* No op lost, across kills too: what a device made and was not told
 * about is in its outbox. */
static void
check_outboxes (Sim *sim)
{
  for (guint i = 0; i < sim->n_devices; i++)
    {
      SimDevice *device = &sim->devices[i];

      if (device->created - device->acked != device->outbox->len)
        fail (sim, "%s made %u ops, %u acknowledged, but %u are in its outbox", device->name,
              device->created, device->acked, device->outbox->len);
      check_cache (sim, device);
    }
}

static void
check_ledger (Sim *sim)
{
  g_autoptr(GError) error = NULL;

  sim->n_checks++;
  if (!tally_ledger_check (sim->ledger, &error))
    fail (sim, "tally_ledger_check: %s", error->message);
}

/* --- settling: the network heals and every device syncs to the end --- */

static void
sync_to_the_end (Sim   *sim,
                 guint  index)
{
  SimDevice *device = &sim->devices[index];

  device->link_up = TRUE;
  for (guint round = 0; round < 100 && sim->failure == NULL; round++)
    {
      g_autoptr(JsonObject) body = device_request (sim, index);
      g_autoptr(JsonObject) answer = serve (sim, body);

      if (answer != NULL)
        device_answer (sim, index, answer);
      if (answer != NULL && device->outbox->len == 0 && !device->more)
        return;
    }
  fail (sim, "%s could not sync to the end", device->name);
}

static void
check_converged (Sim   *sim,
                 guint  index)
{
  SimDevice *device = &sim->devices[index];
  const char *account_ids[] = { sim->user.account_id, NULL };
  g_autoptr(GArray) later = NULL;
  TallyAccount account;
  TallyDevice row;

  later = tally_ledger_transfers_after (sim->ledger, account_ids, device->cursor, 1, NULL);
  tally_ledger_lookup_account (sim->ledger, sim->user.account_id, &account, NULL);
  if (later == NULL || later->len > 0)
    fail (sim, "%s's cursor %" G_GINT64_FORMAT " is behind the server", device->name,
          device->cursor);
  if (device->balance != tally_account_balance (&account))
    fail (sim, "%s sees a balance of %" G_GINT64_FORMAT ", the server %" G_GINT64_FORMAT,
          device->name, device->balance, tally_account_balance (&account));
  if (!tally_store_find_device (sim->store, sim->user.id, device->name, &row, NULL))
    return;
  if (row.lease_expires_at > sim->now &&
      (!g_str_equal (row.lease_id, device->lease_id) ||
       row.lease_amount - row.lease_spent != device->lease_remaining))
    fail (sim, "%s's lease is not the server's", device->name);
}

static void
settle (Sim *sim)
{
  sim->n_settles++;
  /* What is still on the wire arrives, in a random order. */
  while (sim->network->len > 0 && sim->failure == NULL)
    deliver (sim, g_rand_int_range (sim->rand, 0, (gint32) sim->network->len));

  for (guint i = 0; i < sim->n_devices && sim->failure == NULL; i++)
    sync_to_the_end (sim, i);
  /* A second pass: each device sees what the others' syncs changed. */
  for (guint i = 0; i < sim->n_devices && sim->failure == NULL; i++)
    {
      sync_to_the_end (sim, i);
      check_converged (sim, i);
    }
  check_outboxes (sim);
  check_ledger (sim);
}

/* --- the run --- */

static void
init_devices (Sim   *sim,
              guint  n_devices)
{
  sim->n_devices = n_devices;
  sim->devices = g_new0 (SimDevice, n_devices);
  for (guint i = 0; i < n_devices; i++)
    {
      SimDevice *device = &sim->devices[i];

      g_snprintf (device->name, sizeof device->name, "device-%u", i);
      device->skew = g_rand_int_range (sim->rand, -SIM_MAX_SKEW_USEC / 1000,
                                       SIM_MAX_SKEW_USEC / 1000 + 1) * (gint64) 1000;
      device->link_up = TRUE;
      device->outbox = g_array_new (FALSE, FALSE, sizeof (SimOp));
    }
}

/* The ledger, the caches and their journals: files only. */
static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path);
}

static void
sim_free (Sim *sim)
{
  for (guint i = 0; i < sim->n_devices; i++)
    {
      g_array_unref (sim->devices[i].outbox);
      g_clear_object (&sim->devices[i].cache);
    }
  g_free (sim->devices);
  g_ptr_array_unref (sim->network);
  g_array_unref (sim->runs);
  g_hash_table_unref (sim->op_runs);
  g_hash_table_unref (sim->applied);
  g_clear_object (&sim->audit);
  g_clear_object (&sim->writer);
  g_clear_object (&sim->store);
  g_clear_object (&sim->tool);
  g_clear_object (&sim->registry);
  g_clear_pointer (&sim->config, tally_config_free);
  g_clear_object (&sim->ledger);
  if (sim->dir != NULL)
    remove_dir (sim->dir);
  g_free (sim->dir);
  g_free (sim->failure);
  g_rand_free (sim->rand);
}

static void
report (Sim    *sim,
        guint64 seed,
        guint64 steps,
        double  seconds)
{
  g_print ("seed %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " steps in %.2f s (%.0f steps/s)\n",
           seed, steps, seconds, steps / MAX (seconds, 1e-9));
  g_print ("  syncs %" G_GUINT64_FORMAT ", failed %" G_GUINT64_FORMAT ", runs %" G_GUINT64_FORMAT
           " (refused %" G_GUINT64_FORMAT "), ops sent %" G_GUINT64_FORMAT ": applied %"
           G_GUINT64_FORMAT ", duplicate %" G_GUINT64_FORMAT ", rejected %" G_GUINT64_FORMAT
           " (%" G_GUINT64_FORMAT " after their lease expired, %" G_GUINT64_FORMAT " other)\n",
           sim->n_syncs, sim->n_failed, sim->n_runs, sim->n_refused, sim->n_ops_sent,
           sim->n_applied, sim->n_duplicates, sim->n_rejected, sim->n_over_expired,
           sim->n_other_rejections);
  g_print ("  messages dropped %" G_GUINT64_FORMAT " (answers after a commit %" G_GUINT64_FORMAT
           "), duplicated %" G_GUINT64_FORMAT ", stale answers %"
           G_GUINT64_FORMAT ", timeouts %" G_GUINT64_FORMAT ", kills %" G_GUINT64_FORMAT
           ", grants %" G_GUINT64_FORMAT ", settles %" G_GUINT64_FORMAT ", ledger checks %"
           G_GUINT64_FORMAT "\n", sim->n_drops, sim->n_lost_answers, sim->n_dups, sim->n_stale,
           sim->n_timeouts, sim->n_kills, sim->n_grants, sim->n_settles, sim->n_checks);
  g_print ("  balance at the end %" G_GINT64_FORMAT "\n", sim->devices[0].balance);
  g_print ("  online runs %" G_GUINT64_FORMAT " (refused %" G_GUINT64_FORMAT
           ", leases given back for them %" G_GUINT64_FORMAT ")\n", sim->n_online,
           sim->n_online_refused, sim->n_released);
}

/* What a run is asked to do, from the command line. */
typedef struct
{
  gint64    seed;
  gint64    steps;
  int       devices;
  int       seeds;
  gint64    check_every;
  gint64    settle_every;
  char     *bug_name;
  SimBug    bug;
  gboolean  real_cache;
  /* Succeed only if every seed fails, with this in its message. */
  char     *expect_failure;
} SimOptions;

static void
print_failure (Sim              *sim,
               const SimOptions *options,
               guint64           seed,
               guint64           steps)
{
  g_print ("FAILED at step %" G_GUINT64_FORMAT ": %s\n", steps, sim->failure);
  g_print ("  replay: sync-sim --seed %" G_GUINT64_FORMAT " --steps %" G_GUINT64_FORMAT
           " --devices %d --settle-every %" G_GINT64_FORMAT "%s%s%s\n", seed, steps,
           options->devices, options->settle_every, options->bug_name ? " --bug " : "",
           options->bug_name ? options->bug_name : "",
           options->real_cache ? " --real-cache" : "");
}

static gboolean
sim_start (Sim              *sim,
           const SimOptions *options,
           guint64           seed)
{
  g_autoptr(GError) error = NULL;

  /* GRand takes 32-bit seeds: both halves, so every seed is its own. */
  sim->rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) seed,
                                                              (guint32) (seed >> 32) }, 2);
  sim->bug = options->bug;
  sim->real_cache = options->real_cache;
  sim->now = G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC;
  sim->network = g_ptr_array_new_with_free_func (sim_message_free);
  sim->runs = g_array_new (FALSE, FALSE, sizeof (SimRun));
  sim->op_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sim->applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  init_devices (sim, (guint) options->devices);

  if (!open_server (sim, &error))
    {
      g_printerr ("seed %" G_GUINT64_FORMAT ": the server could not start: %s\n", seed,
                  error->message);
      return FALSE;
    }
  for (guint i = 0; i < sim->n_devices; i++)
    open_cache (sim, i);
  return TRUE;
}

/* One seed: the failure's message, or NULL when every invariant held. */
static char *
run_sim (const SimOptions *options,
         guint64           seed)
{
  Sim sim = { 0 };
  g_autoptr(GTimer) timer = g_timer_new ();
  guint64 steps = (guint64) options->steps;
  guint64 done = 0;
  char *failure;

  if (!sim_start (&sim, options, seed))
    {
      sim_free (&sim);
      return g_strdup ("the server could not start");
    }

  for (done = 1; done <= steps && sim.failure == NULL; done++)
    {
      step (&sim);
      check_account (&sim);
      check_outboxes (&sim);
      if (done % (guint64) options->check_every == 0)
        check_ledger (&sim);
      if (done % (guint64) options->settle_every == 0 || done == steps)
        settle (&sim);
    }

  report (&sim, seed, done - 1, g_timer_elapsed (timer, NULL));
  if (sim.failure != NULL)
    print_failure (&sim, options, seed, done - 1);
  failure = g_steal_pointer (&sim.failure);
  sim_free (&sim);
  return failure;
}

static gboolean
parse_bug (const char *name,
           SimBug     *bug)
{
  if (name == NULL)
    *bug = BUG_NONE;
  else if (g_str_equal (name, "fresh-ids"))
    *bug = BUG_FRESH_IDS;
  else if (g_str_equal (name, "volatile-outbox"))
    *bug = BUG_VOLATILE_OUTBOX;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_options (int         *argc,
               char      ***argv,
               SimOptions  *options)
{
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &options->seed,
      "The first seed (default: from the time)", "S" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &options->seeds, "How many seeds, from the first on",
      "K" },
    { "steps", 0, 0, G_OPTION_ARG_INT64, &options->steps, "Steps per seed", "N" },
    { "devices", 0, 0, G_OPTION_ARG_INT, &options->devices, "Devices of the user", "D" },
    { "check-every", 0, 0, G_OPTION_ARG_INT64, &options->check_every,
      "Steps between two tally_ledger_check() of the whole ledger", "C" },
    { "settle-every", 0, 0, G_OPTION_ARG_INT64, &options->settle_every,
      "Steps between two settlings (network healed, every device synced, convergence checked)",
      "T" },
    { "bug", 0, 0, G_OPTION_ARG_STRING, &options->bug_name,
      "Inject a bug: fresh-ids or volatile-outbox", "BUG" },
    { "real-cache", 0, 0, G_OPTION_ARG_NONE, &options->real_cache,
      "Check the device model against the app's own cache, fed the same ops and answers", NULL },
    { "expect-failure", 0, 0, G_OPTION_ARG_STRING, &options->expect_failure,
      "Succeed only if every seed breaks an invariant whose message has TEXT", "TEXT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— simulate offline sync");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  if (!parse_bug (options->bug_name, &options->bug) || options->steps < 1 ||
      options->devices < 1 || options->seeds < 1 || options->check_every < 1 ||
      options->settle_every < 1 || (options->real_cache && options->bug != BUG_NONE))
    {
      g_printerr ("Bad arguments: see --help\n");
      return FALSE;
    }
  if (options->seed < 0)
    options->seed = g_get_real_time () % 1000000;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  SimOptions options = { -1, 10000, 4, 1, 100, 2000, NULL, BUG_NONE, FALSE, NULL };
  guint failed = 0, expected = 0;

  if (!parse_options (&argc, &argv, &options))
    return 2;

  for (int i = 0; i < options.seeds; i++)
    {
      g_autofree char *failure = run_sim (&options, (guint64) options.seed + (guint64) i);

      if (failure != NULL)
        failed++;
      if (failure != NULL && options.expect_failure != NULL &&
          strstr (failure, options.expect_failure) != NULL)
        expected++;
    }

  g_free (options.bug_name);
  if (options.expect_failure != NULL)
    {
      g_free (options.expect_failure);
      return expected == (guint) options.seeds ? 0 : 1;
    }
  return failed == 0 ? 0 : 1;
}
