/* tally-grants.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-grants.h"

/* The reason is the transfer's description, which holds 255 bytes: a long
 * reason in a wide script is cut at a character boundary. */
void
tally_grant_init (TallyGrant              *grant,
                  const TallyGrantRequest *request)
{
  g_autofree char *id = NULL;
  const char *end;

  memset (grant, 0, sizeof *grant);
  grant->reason = g_strdup (request->reason);
  end = grant->reason;
  while (*end != '\0' && g_utf8_next_char (end) - grant->reason < TALLY_DESCRIPTION_MAX)
    end = g_utf8_next_char (end);
  grant->reason[end - grant->reason] = '\0';
  grant->expires_at = request->expires_at;

  if (request->id[0] == '\0')
    id = g_uuid_string_random ();

  tally_transfer_init (&grant->transfer, id != NULL ? id : request->id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       request->account_id, request->amount, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&grant->transfer, grant->reason);
}

void
tally_grant_clear (TallyGrant *grant)
{
  g_clear_pointer (&grant->reason, g_free);
}

/* Grants go to people and teams, never to a system or lease account. */
static gboolean
find_grantee (TallyRulesStore  *store,
              const char       *account_id,
              gboolean         *found,
              GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyAccount account;

  *found = tally_rules_store_lookup_account (store, account_id, &account, &local_error);
  if (!*found && !g_error_matches (local_error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *found = *found && (account.kind == TALLY_ACCOUNT_KIND_USER ||
                      account.kind == TALLY_ACCOUNT_KIND_TEAM);
  return TRUE;
}

/* Credits that expire are a lot of the ledger, made with the transfer;
 * a grant sent again must say the same of its expiry. */
static gboolean
grant_expiry (TallyRulesStore      *store,
              const TallyGrant     *grant,
              TallyTransferResult   result,
              TallyGrantOutcome    *outcome,
              GError              **error)
{
  gint64 stored;

  if (result == TALLY_TRANSFER_OK)
    return grant->expires_at == 0 ||
           tally_rules_store_set_expiry (store, grant->transfer.id, grant->expires_at, error);

  if (!tally_rules_store_lookup_expiry (store, grant->transfer.id, &stored, error))
    return FALSE;
  if (stored != grant->expires_at)
    *outcome = TALLY_GRANT_IDEMPOTENCY_CONFLICT;
  return TRUE;
}

static gboolean
audit_grant (TallyAudit        *audit,
             const TallyUser   *actor,
             const TallyGrant  *grant,
             GError           **error)
{
  return tally_audit_record (audit, actor, "admin.grant", grant->transfer.credit_account_id, "ok",
                             tally_audit_details ("sisi", "transfer_id", grant->transfer.id,
                                                  "amount", grant->transfer.amount,
                                                  "reason", grant->reason,
                                                  "expires_at", grant->expires_at),
                             error);
}

gboolean
tally_grants_apply (TallyRulesStore *store, TallyAudit *audit, const TallyUser *actor,
                    TallyGrant *grant, TallyGrantOutcome *outcome, GError **error)
{
  TallyTransferResult result;
  gboolean found;

  *outcome = TALLY_GRANT_NO_ACCOUNT;
  if (!find_grantee (store, grant->transfer.credit_account_id, &found, error))
    return FALSE;
  if (!found)
    return TRUE;

  if (!tally_rules_store_create_transfers (store, &grant->transfer, 1, &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_OK)
    {
      *outcome = TALLY_GRANT_GRANTED;
      return grant_expiry (store, grant, result, outcome, error) &&
             audit_grant (audit, actor, grant, error);
    }
  if (result == TALLY_TRANSFER_EXISTS)
    {
      /* The same id with the same grant is answered as the first time. */
      *outcome = TALLY_GRANT_ALREADY_GRANTED;
      return grant_expiry (store, grant, result, outcome, error);
    }
  if (result == TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS)
    {
      *outcome = TALLY_GRANT_IDEMPOTENCY_CONFLICT;
      return TRUE;
    }

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The grant was refused: %s", tally_transfer_result_to_string (result));
  return FALSE;
}
