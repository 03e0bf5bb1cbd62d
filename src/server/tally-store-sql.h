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
