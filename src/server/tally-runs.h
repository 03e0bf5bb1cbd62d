/* tally-runs.h: the rules of tool runs — idempotency, the caps, the hold
 * and the settlement. No HTTP here: tally-api-runs.c decodes requests,
 * calls these from writer funcs and maps each named result to its answer.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-api-decoders.h"
#include "tally-audit.h"
#include "tally-rules-store.h"

G_BEGIN_DECLS

/* What POST /v1/runs came to. Only AUTHORIZED, INSUFFICIENT_CREDITS and
 * OVER_LIMIT record a run (with its answer, for retries); the others
 * change nothing. */
typedef enum
{
  /* The hold is placed. */
  TALLY_AUTHORIZE_AUTHORIZED,
  /* The same request came before: its recorded answer, again. */
  TALLY_AUTHORIZE_ANSWERED_BEFORE,
  /* This run id was used before for another request. */
  TALLY_AUTHORIZE_IDEMPOTENCY_CONFLICT,
  /* A transfer that is not a run (e.g. a grant) has this id. */
  TALLY_AUTHORIZE_ID_TAKEN,
  /* There is no tool with that id. */
  TALLY_AUTHORIZE_UNKNOWN_TOOL,
  /* The tool cannot price these inputs: message says why. */
  TALLY_AUTHORIZE_INVALID_INPUTS,
  /* The account has less available than the hold. */
  TALLY_AUTHORIZE_INSUFFICIENT_CREDITS,
  /* A cap, of the account or of the member on a pool: verdict says which. */
  TALLY_AUTHORIZE_OVER_LIMIT,
  /* The run id is another user's: answered as missing. */
  TALLY_AUTHORIZE_NOT_FOUND,
  /* The account is a pool the user may no longer spend from. */
  TALLY_AUTHORIZE_NO_ACCOUNT,
} TallyAuthorizeOutcome;

typedef struct
{
  TallyAuthorizeOutcome outcome;
  /* AUTHORIZED and the refusals: the run as recorded (status, held,
   * hold_expires_at...); its bodies are left empty. */
  TallyRun              run;
  /* Once the tool priced the inputs: the hold asked for, its max. */
  gint64                held;
  /* AUTHORIZED: the device's offline lease was given back to pay. */
  gboolean              lease_released;
  /* INSUFFICIENT_CREDITS */
  gint64                available;
  /* OVER_LIMIT; member_cap when it is the member's own cap on a pool. */
  TallyPolicyVerdict    verdict;
  gboolean              member_cap;
  /* INVALID_INPUTS: the tool's error, "inputs.pages: must be ..." */
  char                 *message;
  /* ANSWERED_BEFORE, and what was recorded for a run decided now. */
  guint                 status;
  char                 *body;
} TallyAuthorizeResult;

void tally_authorize_result_clear (TallyAuthorizeResult *result);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyAuthorizeResult, tally_authorize_result_clear)

/* What POST /v1/runs/{id}/complete came to. */
typedef enum
{
  /* Settled now: the hold posted (in part) or voided, or found expired. */
  TALLY_COMPLETE_COMPLETED,
  /* Completed before with the same outcome and units: that answer. */
  TALLY_COMPLETE_ANSWERED_BEFORE,
  /* Completed before with another outcome or units. */
  TALLY_COMPLETE_IDEMPOTENCY_CONFLICT,
  /* The run was refused: there is no hold to settle. */
  TALLY_COMPLETE_NOT_AUTHORIZED,
  /* No such run, or another user's. */
  TALLY_COMPLETE_NOT_FOUND,
} TallyCompleteOutcome;

typedef struct
{
  TallyCompleteOutcome outcome;
  /* COMPLETED: the run as it ended (status, charged, units). */
  TallyRun             run;
  /* COMPLETED and ANSWERED_BEFORE: the recorded answer. */
  guint                status;
  char                *body;
} TallyCompleteResult;

void tally_complete_result_clear (TallyCompleteResult *result);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyCompleteResult, tally_complete_result_clear)

/* The answer a decided run gets, with its status: recorded with the run so
 * that every retry gets the same bytes, and in its audit record. The API
 * makes them (tally-api-runs.c); the rules only keep them. */
typedef struct
{
  char *(*authorize) (const TallyAuthorizeResult *result,
                      guint                      *status);
  char *(*complete)  (const TallyCompleteResult  *result,
                      guint                      *status);
} TallyRunsAnswers;

typedef struct
{
  TallyRulesStore         *store;
  TallyAudit              *audit;
  TallyToolRegistry       *registry;
  /* How long a hold lasts, in seconds. */
  gint64                   hold_timeout;
  const TallyRunsAnswers  *answers;
} TallyRuns;

/* Every function that writes is called inside a writer func: the hold,
 * the run and its audit record commit together. @actor is the signed-in
 * user; @key_id the API key the request came with, or NULL. */
gboolean       tally_runs_authorize      (const TallyRuns             *self,
                                          const TallyUser             *actor,
                                          const char                  *key_id,
                                          const TallyAuthorizeRequest *request,
                                          TallyAuthorizeResult        *result,
                                          GError                     **error);
gboolean       tally_runs_complete       (const TallyRuns             *self,
                                          const TallyUser             *actor,
                                          const char                  *run_id,
                                          const TallyCompleteRequest  *request,
                                          TallyCompleteResult         *result,
                                          GError                     **error);

/* Whether @actor may pay from @account_id: their own account, or the pool
 * of one of their teams. Checked again inside tally_runs_authorize(). */
gboolean       tally_runs_may_pay        (const TallyRuns             *self,
                                          const TallyUser             *actor,
                                          const char                  *account_id);
/* The actor's run @id (any case): *@found FALSE for a bad id, a missing
 * run and another user's alike. FALSE with @error when the store failed. */
gboolean       tally_runs_find_own       (const TallyRuns             *self,
                                          const TallyUser             *actor,
                                          const char                  *id,
                                          TallyRun                    *run,
                                          gboolean                    *found,
                                          GError                     **error);
/* A hold nobody completed reads as expired once its time is up, swept
 * yet or not. */
TallyRunStatus tally_runs_current_status (const TallyRuns             *self,
                                          const TallyRun              *run);

G_END_DECLS
