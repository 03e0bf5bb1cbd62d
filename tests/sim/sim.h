/* sim.h: what the parts of the sync simulation share (docs/sync.md)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-api-sync.h"
#include "tally-cache.h"
#include "tally-store.h"
#include "tally-writer.h"

G_BEGIN_DECLS

#define SIM_TOOL_ID "sim-tool"
#define SIM_LEASE_AMOUNT 200
#define SIM_LEASE_TIMEOUT 300
/* A device's clock is off by up to this much, either way. */
#define SIM_MAX_SKEW_USEC (90 * G_USEC_PER_SEC)
/* A request unanswered for this long is given up (the HTTP timeout). */
#define SIM_TIMEOUT_USEC (60 * G_USEC_PER_SEC)
#define SIM_MAX_OPS 1000
/* Grants go only to an account whose balance is below this. */
#define SIM_GRANT_BELOW 600
/* What the user may spend from the team's pool a day. */
#define SIM_POOL_DAILY_CAP 1500
/* The server's sweep of expired holds (EXPIRY_INTERVAL_SECONDS). */
#define SIM_SWEEP_USEC (5 * G_USEC_PER_SEC)

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
  /* The account it syncs on: the user's own, or the team's pool (odd
   * devices), whose leases are kept under a key of their own. */
  char        account_id[37];
  char       *key;
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
  char              pool_id[37];

  /* Figures for the report. */
  guint64           n_syncs, n_ops_sent, n_applied, n_duplicates, n_rejected, n_drops,
                    n_dups, n_kills, n_timeouts, n_failed, n_grants, n_runs, n_refused,
                    n_settles, n_checks, n_stale, n_lost_answers, n_online, n_online_refused,
                    n_released, n_swept;
  gint64            next_sweep;
  /* Transactions committed so far: the whole ledger is checked again
   * only once it changed. */
  guint64           n_writes, checked_writes;
  /* Rejections: over a lease that was gone when the op arrived, and any
   * other (which fails the run). */
  guint64           n_over_expired, n_other_rejections;
  char             *failure;
} Sim;

/* sync-sim.c: the world, its one PRNG, its clock and its network. */
void        sim_fail                (Sim        *sim,
                                     const char *format,
                                     ...) G_GNUC_PRINTF (2, 3);
gboolean    sim_chance              (Sim    *sim,
                                     double  p);
void        sim_random_uuid         (Sim  *sim,
                                     char  out[37]);
gint64      sim_clock               (gpointer data);
gboolean    sim_send                (Sim        *sim,
                                     gboolean    answer,
                                     guint       device,
                                     guint       request,
                                     JsonObject *body);

/* sim-server.c: the server's sync path without HTTP, and what the
 * server's answers are checked against. */
gboolean    sim_server_open         (Sim     *sim,
                                     GError **error);
JsonObject *sim_server_sync         (Sim        *sim,
                                     JsonObject *body);
gboolean    sim_server_grant        (Sim *sim);
gboolean    sim_server_sweep        (Sim *sim);
gboolean    sim_server_take_online  (Sim        *sim,
                                     SimDevice  *device,
                                     gint64      amount,
                                     gboolean   *released,
                                     GError    **error);

/* sim-device.c: a device as the app is, and the app's own cache beside
 * it with --real-cache. */
gint64      sim_outbox_spent        (SimDevice *device);
gint64      sim_price               (Sim    *sim,
                                     gint64  units);
void        sim_device_open_cache   (Sim   *sim,
                                     guint  index);
void        sim_device_check_cache  (Sim       *sim,
                                     SimDevice *device);
void        sim_device_run          (Sim   *sim,
                                     guint  index);
JsonObject *sim_device_request      (Sim   *sim,
                                     guint  index);
void        sim_device_sync         (Sim   *sim,
                                     guint  index);
void        sim_device_online_run   (Sim   *sim,
                                     guint  index);
void        sim_device_kill         (Sim   *sim,
                                     guint  index);
void        sim_device_answer       (Sim        *sim,
                                     guint       index,
                                     JsonObject *answer);

G_END_DECLS
