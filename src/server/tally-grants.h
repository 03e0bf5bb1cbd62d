/* tally-grants.h: the rules of an admin's grant of credits — who may
 * receive one, idempotency by id, the expiry made with the transfer, the
 * audit record. No HTTP here: tally-api-admin.c decodes the request, calls
 * tally_grants_apply() from a writer func and maps the named outcome to
 * its answer.
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

/* What a grant came to. Only GRANTED changes anything. */
typedef enum
{
  /* The transfer is posted (with its expiry) and audited. */
  TALLY_GRANT_GRANTED,
  /* The same id with the same grant came before: nothing more happens,
   * and it is answered as the first time. */
  TALLY_GRANT_ALREADY_GRANTED,
  /* No such account, or one that is not a person's or a team's. */
  TALLY_GRANT_NO_ACCOUNT,
  /* The id was used before for another transfer, or another expiry. */
  TALLY_GRANT_IDEMPOTENCY_CONFLICT,
} TallyGrantOutcome;

/* A grant ready to post, made from the decoded request. */
typedef struct
{
  TallyTransfer  transfer;
  /* Microseconds since the epoch; 0: never. */
  gint64         expires_at;
  /* As the transfer's description holds it: cut at a character boundary. */
  char          *reason;
} TallyGrant;

/* The transfer's id is the request's, or a fresh one (no idempotency). */
void     tally_grant_init   (TallyGrant               *grant,
                             const TallyGrantRequest  *request);
void     tally_grant_clear  (TallyGrant               *grant);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyGrant, tally_grant_clear)

/* Inside a writer func: the transfer, its expiry and the audit record by
 * @actor commit together. FALSE with @error only when the ledger or the
 * store failed, or the ledger refused the transfer for another reason.
 * The transfer gets the ledger's seq and created_at. */
gboolean tally_grants_apply (TallyRulesStore          *store,
                             TallyAudit               *audit,
                             const TallyUser          *actor,
                             TallyGrant               *grant,
                             TallyGrantOutcome        *outcome,
                             GError                  **error);

G_END_DECLS
