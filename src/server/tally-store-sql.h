/* tally-store-sql.h: SQL text both stores run as it is
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* The columns tally_store_read_user() and the PostgreSQL store read, from
 * column 0. */
#define TALLY_STORE_USER_COLUMNS \
  "id, email, name, role, disabled, account_id, timezone, created_at "

/* An account's spend policy, set whole (an admin's or a user's PUT of
 * limits). SQLite numbers $1 to $7 in the order they first appear, as
 * PostgreSQL does. */
#define TALLY_STORE_SAVE_POLICY \
  "INSERT INTO policies (account_id, ceiling_per_run, ceiling_daily, ceiling_monthly, " \
  "user_per_run, user_daily, user_monthly) VALUES ($1, $2, $3, $4, $5, $6, $7) " \
  "ON CONFLICT (account_id) DO UPDATE SET ceiling_per_run = excluded.ceiling_per_run, " \
  "ceiling_daily = excluded.ceiling_daily, ceiling_monthly = excluded.ceiling_monthly, " \
  "user_per_run = excluded.user_per_run, user_daily = excluded.user_daily, " \
  "user_monthly = excluded.user_monthly"
