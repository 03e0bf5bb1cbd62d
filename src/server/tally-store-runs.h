/* tally-store-runs.h: runs and spend policies, in the server's tables
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

/* A run as the API names it: authorized until it is completed (or its hold
 * times out); refused when the authorization was answered 402 or 403. */
typedef enum
{
  TALLY_RUN_STATUS_AUTHORIZED,
  TALLY_RUN_STATUS_SUCCEEDED,
  TALLY_RUN_STATUS_FAILED,
  TALLY_RUN_STATUS_CANCELLED,
  TALLY_RUN_STATUS_EXPIRED,
  TALLY_RUN_STATUS_REFUSED,
} TallyRunStatus;

/* Hex SHA-256 of a request, plus the terminator. */
#define TALLY_DIGEST_LEN 65

typedef struct _TallyRun
{
  char            id[TALLY_UUID_LEN];
  char            user_id[TALLY_UUID_LEN];
  char            account_id[TALLY_UUID_LEN];
  char            tool_id[TALLY_TOOL_ID_MAX];
  char            request_digest[TALLY_DIGEST_LEN];
  TallyRunStatus  status;
  gint64          held;
  gint64          charged;
  /* -1 until it is completed. */
  gint64          units;
  /* The price as authorized: a later price change never re-prices the
   * run. typical_units is not kept (it is set to min_units). */
  TallyPriceRule  rule;
  /* The first answer to POST /v1/runs, sent again to every retry. */
  guint           authorize_status;
  char           *authorize_body;
  /* The answer to the completion, once there is one. */
  char            complete_digest[TALLY_DIGEST_LEN];
  guint           complete_status;
  char           *complete_body;
  gint64          created_at;
  gint64          completed_at;
  /* When the hold times out, microseconds UTC; 0 for a refused run. */
  gint64          hold_expires_at;
} TallyRun;

const char *tally_run_status_to_string   (TallyRunStatus  status);
gboolean    tally_run_status_from_string (const char     *str,
                                          TallyRunStatus *status);
void        tally_run_clear              (TallyRun       *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyRun, tally_run_clear)

/* TALLY_STORE_ERROR_NOT_FOUND when there is no such run. */
gboolean tally_store_find_run     (TallyStore        *self,
                                   const char        *id,
                                   TallyRun          *run,
                                   GError           **error);
/* @inputs: the canonical JSON of the inputs, kept for the record. */
gboolean tally_store_insert_run   (TallyStore        *self,
                                   const TallyRun    *run,
                                   const char        *inputs,
                                   GError           **error);
/* Saves status, charged, units and the completion's digest and answer. */
gboolean tally_store_complete_run (TallyStore        *self,
                                   const TallyRun    *run,
                                   GError           **error);

/* An account's caps; an account without a row has none. @timezone is the
 * owner's zone, for the windows. */
gboolean tally_store_load_policy  (TallyStore        *self,
                                   const char        *account_id,
                                   const char        *timezone,
                                   TallyPolicy       *policy,
                                   GError           **error);
gboolean tally_store_save_policy  (TallyStore        *self,
                                   const char        *account_id,
                                   const TallyPolicy *policy,
                                   GError           **error);

/* What an account spent on runs in the day and the month that contain
 * @now, in the policy's time zone: posted charges plus pending holds. */
typedef struct _TallySpend
{
  gint64 daily_spent;
  gint64 daily_resets_at;
  gint64 monthly_spent;
  gint64 monthly_resets_at;
} TallySpend;

gboolean tally_store_policy_spend (TallyStore        *self,
                                   const char        *account_id,
                                   const TallyPolicy *policy,
                                   gint64             now,
                                   TallySpend        *spend,
                                   GError           **error);
gboolean tally_store_policy_spend_for_caps (TallyStore        *self,
                                            const char        *account_id,
                                            const TallyPolicy *policy,
                                            gint64             now,
                                            TallySpend        *spend,
                                            GError           **error);

/* Runs still authorized whose hold of more than 0 times out after
 * @after and at or before @until: a GArray of TallyRun with only id,
 * user_id, tool_id and held read. */
GArray  *tally_store_list_expiring_runs (TallyStore        *self,
                                         gint64             after,
                                         gint64             until,
                                         GError           **error);
/* The status column of run @id as it is written, in @status; *@found is
 * FALSE when there is no such run. */
gboolean tally_store_read_run_status    (TallyStore        *self,
                                         const char        *id,
                                         char              *status,
                                         gsize              size,
                                         gboolean          *found,
                                         GError           **error);

G_END_DECLS
