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

/* The columns of a run, from column 0: tally-store-runs.c's read_run()
 * and the PostgreSQL store's read them alike. */
#define TALLY_STORE_RUN_COLUMNS \
  "id, user_id, account_id, tool_id, request_digest, status, held, charged, units, " \
  "price_base, price_rate, price_per, price_minimum, price_min_units, price_max_units, " \
  "authorize_status, authorize_body, complete_digest, complete_status, complete_body, " \
  "created_at, completed_at, hold_expires_at "

/* An account's caps in a policies row. */
#define TALLY_STORE_POLICY_COLUMNS \
  "ceiling_per_run, ceiling_daily, ceiling_monthly, user_per_run, user_daily, user_monthly "

/* A devices row past its key. */
#define TALLY_STORE_DEVICE_COLUMNS \
  "lease_account_id, lease_id, lease_amount, lease_spent, lease_expires_at, created_at "

/* A team as one member sees it: teams t joined with team_members m. */
#define TALLY_STORE_TEAM_COLUMNS "t.id, t.name, t.account_id, m.role "
#define TALLY_STORE_TEAM_FROM "FROM teams t JOIN team_members m ON m.team_id = t.id "

/* A member: team_members m joined with users u. */
#define TALLY_STORE_MEMBER_COLUMNS \
  "u.id, u.email, u.name, u.account_id, m.role, m.daily_cap, m.monthly_cap, m.joined_at "
#define TALLY_STORE_MEMBER_FROM "FROM team_members m JOIN users u ON u.id = m.user_id "

/* An invitation, an accepted_at of NULL read as 0. */
#define TALLY_STORE_INVITATION_COLUMNS \
  "id, team_id, email, role, created_at, expires_at, coalesce (accepted_at, 0) "

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

/* The columns read_payment() in tally-store-payments.c and the PostgreSQL
 * store read, from column 0. The last is whether the payment bought a
 * gift: 0/1 in SQLite, "t"/"f" in PostgreSQL. */
#define TALLY_STORE_PAYMENT_COLUMNS \
  "id, user_id, account_id, pack_id, credits, amount, currency, " \
  "provider, session_id, status, reversed, short_by, created_at, " \
  "paid_at, payment_ref, " \
  "EXISTS (SELECT 1 FROM gifts WHERE gifts.payment_id = payments.id) "

/* The columns of auto_recharge that both stores read into a
 * TallyRechargeSettings, from column 0. */
#define TALLY_STORE_RECHARGE_SETTINGS_COLUMNS \
  "account_id, user_id, enabled, threshold, pack_id, monthly_cap, " \
  "failures, paused, in_flight "

/* The columns both stores read into a TallySubscription, from column 0;
 * also the order insert_subscription binds them in. */
#define TALLY_STORE_SUBSCRIPTION_COLUMNS \
  "id, user_id, account_id, plan_id, provider, session_id, " \
  "provider_id, status, current_period_end, " \
  "cancel_at_period_end, created_at, credits_per_period "

/* The columns of an audit record, in the order tally-store-audit.c and the
 * PostgreSQL store read and insert them. */
#define TALLY_STORE_AUDIT_COLUMNS \
  "seq, id, time, actor, actor_email, action, target, outcome, details, prev_hash, hash, " \
  "format, field_keys, field_digests "

/* The audit chain's two ends, and the records still of format 1. */
#define TALLY_STORE_AUDIT_HEAD "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
#define TALLY_STORE_AUDIT_ANCHOR "SELECT seq, hash FROM audit_anchor WHERE id = 1"
#define TALLY_STORE_AUDIT_COUNT_LEGACY "SELECT count(*) FROM audit WHERE format < 2"
