/* tally-pg-store-admin.c: what admins and users set, on PostgreSQL
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-store-private.h"
#include "tally-store-sql.h"

/* As tally_store_save_policy(): the account's policy, set whole. */
gboolean
tally_pg_store_save_policy (TallyPgStore       *self,
                            const char         *account_id,
                            const TallyPolicy  *policy,
                            GError            **error)
{
  TallyPgParams params = { 0 };

  g_return_val_if_fail (TALLY_IS_PG_STORE (self), FALSE);

  tally_pg_params_add_text (&params, account_id);
  tally_pg_params_add_int64 (&params, policy->ceiling.per_run);
  tally_pg_params_add_int64 (&params, policy->ceiling.daily);
  tally_pg_params_add_int64 (&params, policy->ceiling.monthly);
  tally_pg_params_add_int64 (&params, policy->user.per_run);
  tally_pg_params_add_int64 (&params, policy->user.daily);
  tally_pg_params_add_int64 (&params, policy->user.monthly);
  return tally_pg_run_command (tally_pg_store_get_pg (self), TALLY_STORE_SAVE_POLICY, &params,
                               error);
}
