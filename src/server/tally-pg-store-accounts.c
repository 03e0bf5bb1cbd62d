/* tally-pg-store-accounts.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-pg-store-private.h"

void
tally_pg_store_accounts_api_init (TallyApiStoreInterface *iface)
{
}
