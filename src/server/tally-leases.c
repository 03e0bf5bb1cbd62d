/* tally-leases.c: giving an offline lease's hold back, on any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-leases.h"

static gboolean
void_lease (TallyRulesStore  *store,
            const char       *lease_id,
            GError          **error)
{
  g_autofree char *id = g_uuid_string_random ();
  TallyTransferResult result;
  TallyTransfer release;

  tally_transfer_init (&release, id, "", "", 0, TALLY_TRANSFER_KIND_LEASE);
  tally_transfer_set_pending_id (&release, lease_id);
  tally_transfer_set_description (&release, "Lease given back for an online run");
  release.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;

  if (!tally_rules_store_create_transfers (store, &release, 1, &result, error))
    return FALSE;
  if (result != TALLY_TRANSFER_OK)
    {
      g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                   "The lease %s could not be given back: %s", lease_id,
                   tally_transfer_result_to_string (result));
      return FALSE;
    }
  return TRUE;
}

gboolean
tally_leases_release_hold (TallyRulesStore  *store,
                           const char       *lease_id,
                           gboolean         *released,
                           GError          **error)
{
  TallyPendingState state;
  guint n_expired = 0;

  *released = FALSE;
  if (!tally_rules_store_lookup_pending_state (store, lease_id, &state, error))
    return FALSE;
  if (state != TALLY_PENDING_STATE_PENDING)
    return TRUE;
  *released = TRUE;

  if (!tally_rules_store_expire_pending (store, tally_rules_store_now (store), &n_expired, error) ||
      !tally_rules_store_lookup_pending_state (store, lease_id, &state, error))
    return FALSE;
  return state != TALLY_PENDING_STATE_PENDING || void_lease (store, lease_id, error);
}
