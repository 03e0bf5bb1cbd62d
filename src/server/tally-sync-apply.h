/* tally-sync-apply.h: the rules of a sync — offline operations applied
 * once by id, and the device's lease settled and renewed. No HTTP here:
 * tally-api-sync.c decodes POST /v1/sync, calls these (the write from a
 * writer func) and maps the results; the sync simulation (tests/sim)
 * calls them directly.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-api-decoders.h"
#include "tally-audit.h"
#include "tally-config.h"
#include "tally-rules-store.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_SYNC_OP_APPLIED,
  TALLY_SYNC_OP_DUPLICATE,
  TALLY_SYNC_OP_REJECTED,
} TallySyncOpStatus;

/* Why an operation was rejected: the API's `reason`. */
#define TALLY_SYNC_REASON_CONFLICT      "idempotency_conflict"
#define TALLY_SYNC_REASON_EXCEEDS_LEASE "exceeds_lease"
#define TALLY_SYNC_REASON_UNKNOWN_TOOL  "unknown_tool"
#define TALLY_SYNC_REASON_INVALID_UNITS "invalid_units"

/* What one operation was given. */
typedef struct
{
  TallySyncOpStatus status;
  /* A duplicate answers what the first one was given. */
  TallySyncOpStatus first_status;
  /* Empty unless rejected. */
  char              reason[32];
  gint64            charged;
} TallySyncOpResult;

/* What a sync may have come to, as a whole. */
typedef enum
{
  TALLY_SYNC_DONE,
  /* The pool is not (or no longer) one of the user's teams': missing. */
  TALLY_SYNC_NOT_FOUND,
} TallySyncOutcome;

typedef struct
{
  TallyRulesStore   *store;
  TallyAudit        *audit;
  TallyToolRegistry *registry;
  const TallyConfig *config;
} TallySyncContext;

/* One sync, from its decoded request to the results of its operations
 * and the device's row as it is after it. */
typedef struct
{
  TallySyncRequest   request;
  TallyUser          user;
  /* One per operation of the request. */
  TallySyncOpResult *results;
  /* The device's row as it is after this sync. */
  TallyDevice        device;
  /* The account the lease and the ops are on: the user's own, or a team's
   * pool, whose leases are kept under a device key of their own. */
  char               account_id[TALLY_UUID_LEN];
  gboolean           pool;
  char              *device_key;
  /* How much more the member's caps on the pool let them hold, counted
   * before the ops (G_MAXINT64 on their own account). */
  gint64             cap_room;
} TallySyncJob;

const char *tally_sync_op_status_to_string (TallySyncOpStatus       status);

/* Takes @request's contents (leaving it empty); its strings must outlive
 * the job. */
void        tally_sync_job_init            (TallySyncJob           *job,
                                            const TallyUser        *user,
                                            TallySyncRequest       *request);
void        tally_sync_job_clear           (TallySyncJob           *job);

/* Before the write: FALSE when the job is on a pool that is not one of
 * the user's teams'. */
gboolean    tally_sync_may_use_account     (const TallySyncContext *ctx,
                                            const TallySyncJob     *job);
/* A sync without operations whose lease is healthy changes nothing:
 * *@needed FALSE, and the job's device row is read for the answer. */
gboolean    tally_sync_needs_write         (const TallySyncContext *ctx,
                                            TallySyncJob           *job,
                                            gboolean               *needed,
                                            GError                **error);
/* Applies the operations and settles the lease, inside a transaction (a
 * writer func): FALSE with @error undoes it all. */
gboolean    tally_sync_apply               (const TallySyncContext *ctx,
                                            TallySyncJob           *job,
                                            TallySyncOutcome       *outcome,
                                            GError                **error);

G_END_DECLS
