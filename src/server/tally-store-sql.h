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

/* Gifts, referrals and promo codes: tally-store-gifts.c and
 * tally-store-promos.c on SQLite, tally-pg-store-gifts.c and
 * tally-pg-store-promos.c on PostgreSQL. SQLite numbers $1, $2, ... in
 * the order they first appear, as PostgreSQL does; CAST, not ::, is what
 * both read. */

/* A gift with its sender's name (or address; "" once erased), from
 * column 0; the WHERE clause follows. */
#define TALLY_STORE_GIFT_COLUMNS \
  "g.payment_id, g.sender_user_id, g.email, g.credits, g.status, " \
  "g.recipient_account_id, g.transfer_id, g.created_at, " \
  "COALESCE (g.claimed_at, 0), " \
  "CASE WHEN u.erased_at IS NULL " \
  "THEN COALESCE (NULLIF (u.name, ''), u.email, '') ELSE '' END "
#define TALLY_STORE_GIFTS_SELECT \
  "SELECT " TALLY_STORE_GIFT_COLUMNS "FROM gifts g " \
  "LEFT JOIN users u ON u.id = g.sender_user_id WHERE "
#define TALLY_STORE_FIND_GIFT TALLY_STORE_GIFTS_SELECT "g.payment_id = $1"
/* The address in any case, oldest first. */
#define TALLY_STORE_WAITING_GIFTS \
  TALLY_STORE_GIFTS_SELECT "g.email = lower ($1) AND g.status = 'waiting' " \
  "ORDER BY g.created_at, g.payment_id"
#define TALLY_STORE_INSERT_GIFT \
  "INSERT INTO gifts (payment_id, sender_user_id, email, credits, status, created_at) " \
  "VALUES ($1, $2, lower ($3), $4, $5, $6)"
/* To $1 from $6; a recipient $2 (with transfer $3) is recorded as
 * claiming it at $4. The status in the WHERE makes of two racing moves
 * one. */
#define TALLY_STORE_MOVE_GIFT \
  "UPDATE gifts SET status = $1, " \
  "recipient_account_id = COALESCE (CAST ($2 AS TEXT), recipient_account_id), " \
  "transfer_id = COALESCE (CAST ($3 AS TEXT), transfer_id), " \
  "claimed_at = CASE WHEN CAST ($2 AS TEXT) IS NULL THEN claimed_at ELSE $4 END " \
  "WHERE payment_id = $5 AND status = $6"

#define TALLY_STORE_FIND_REFERRAL_CODE "SELECT code FROM referral_codes WHERE user_id = $1"
#define TALLY_STORE_FIND_CODE_OWNER "SELECT user_id FROM referral_codes WHERE code = $1"
/* Nothing when the user has a code or the code a user already. */
#define TALLY_STORE_INSERT_REFERRAL_CODE \
  "INSERT INTO referral_codes (user_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING"
/* Nothing when the user has a referrer already. */
#define TALLY_STORE_INSERT_REFERRAL \
  "INSERT INTO referrals (referred_user_id, referrer_user_id, signup_address, status, " \
  "created_at) VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT DO NOTHING"
#define TALLY_STORE_FIND_REFERRAL \
  "SELECT referred_user_id, referrer_user_id, signup_address, status, bonus, created_at " \
  "FROM referrals WHERE referred_user_id = $1"
/* Only a pending referral is settled. */
#define TALLY_STORE_SETTLE_REFERRAL \
  "UPDATE referrals SET status = $1, bonus = $2, settled_at = $3 " \
  "WHERE referred_user_id = $4 AND status = 'pending'"
#define TALLY_STORE_COUNT_REWARDED_FROM \
  "SELECT count(*) FROM referrals WHERE signup_address = $1 AND status = 'rewarded'"

/* A promo code, from column 0; 0 for the optional times. */
#define TALLY_STORE_PROMO_COLUMNS \
  "id, code, credits, max_redemptions, redemptions, " \
  "COALESCE(expires_at, 0), COALESCE(credits_expire_after_days, 0), " \
  "created_by, created_at "
/* Nothing when the code is taken. */
#define TALLY_STORE_INSERT_PROMO_CODE \
  "INSERT INTO promo_codes (id, code, credits, max_redemptions, expires_at, " \
  "credits_expire_after_days, created_by, created_at) " \
  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING"
#define TALLY_STORE_FIND_PROMO_CODE \
  "SELECT " TALLY_STORE_PROMO_COLUMNS "FROM promo_codes WHERE code = $1"
#define TALLY_STORE_FIND_REDEMPTION \
  "SELECT 1 FROM promo_redemptions WHERE promo_id = $1 AND user_id = $2"
/* One more redemption of code $1, while one is left. */
#define TALLY_STORE_COUNT_REDEMPTION \
  "UPDATE promo_codes SET redemptions = redemptions + 1 " \
  "WHERE id = $1 AND redemptions < max_redemptions"

/* Alerts: tally-store-alerts.c and tally-pg-store-alerts.c. Settings
 * from column 0; booleans are 0 or 1 on both. */
#define TALLY_STORE_ALERT_SETTINGS_COLUMNS \
  "thresholds, low_balance, low_balance_armed, channel_app, channel_desktop, " \
  "channel_email, channel_webhook, quiet_start, quiet_end "
#define TALLY_STORE_LOAD_ALERT_SETTINGS \
  "SELECT " TALLY_STORE_ALERT_SETTINGS_COLUMNS "FROM alert_settings WHERE user_id = $1"
/* Saved whole; of two servers saving at once the later wins. */
#define TALLY_STORE_SAVE_ALERT_SETTINGS \
  "INSERT INTO alert_settings (user_id, thresholds, low_balance, low_balance_armed, " \
  "channel_app, channel_desktop, channel_email, channel_webhook, quiet_start, quiet_end, " \
  "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) " \
  "ON CONFLICT (user_id) DO UPDATE SET thresholds = excluded.thresholds, " \
  "low_balance = excluded.low_balance, low_balance_armed = excluded.low_balance_armed, " \
  "channel_app = excluded.channel_app, channel_desktop = excluded.channel_desktop, " \
  "channel_email = excluded.channel_email, channel_webhook = excluded.channel_webhook, " \
  "quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, " \
  "updated_at = excluded.updated_at"
/* Changes the row only when the flag is otherwise: of two servers
 * disarming it, the second waits for the first and changes nothing. */
#define TALLY_STORE_SET_LOW_BALANCE_ARMED \
  "UPDATE alert_settings SET low_balance_armed = $1 " \
  "WHERE user_id = $2 AND low_balance_armed != $1"
/* An alert from column 0. */
#define TALLY_STORE_ALERT_COLUMNS \
  "seq, id, user_id, account_id, kind, span, span_key, threshold, amount, cap, message, " \
  "created_at "
/* Nothing when the account's alert for this window and threshold fired
 * already: the unique key decides between two servers. */
#define TALLY_STORE_INSERT_ALERT \
  "INSERT INTO alerts (id, user_id, account_id, kind, span, span_key, threshold, amount, " \
  "cap, message, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) " \
  "ON CONFLICT (account_id, kind, span, span_key, threshold) DO NOTHING"
#define TALLY_STORE_FIND_ALERT \
  "SELECT " TALLY_STORE_ALERT_COLUMNS "FROM alerts WHERE id = $1"
#define TALLY_STORE_HOLD_ALERT_EMAIL \
  "INSERT INTO alert_emails (alert_id, user_id, send_after) VALUES ($1, $2, $3) " \
  "ON CONFLICT (alert_id) DO NOTHING"
#define TALLY_STORE_DUE_ALERT_EMAILS \
  "SELECT alert_id FROM alert_emails WHERE send_after <= $1 ORDER BY send_after"
/* Of two servers releasing one email, only one deletes its row. */
#define TALLY_STORE_RELEASE_ALERT_EMAIL "DELETE FROM alert_emails WHERE alert_id = $1"

/* API keys: tally-store-keys.c and tally-pg-store-keys.c. A key from
 * column 0, api_keys k; a NULL time reads as 0 on both. */
#define TALLY_STORE_KEY_COLUMNS \
  "k.id, k.user_id, k.name, k.prefix, k.scopes, k.rate_limit, " \
  "k.created_at, k.last_used_at, k.revoked_at "
#define TALLY_STORE_INSERT_API_KEY \
  "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, rate_limit, " \
  "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
/* The user's live keys, or all of them, newest first. */
#define TALLY_STORE_LIST_API_KEYS \
  "SELECT " TALLY_STORE_KEY_COLUMNS "FROM api_keys k " \
  "WHERE k.user_id = $1 AND k.revoked_at IS NULL ORDER BY k.created_at DESC, k.id"
#define TALLY_STORE_LIST_ALL_API_KEYS \
  "SELECT " TALLY_STORE_KEY_COLUMNS "FROM api_keys k WHERE k.user_id = $1 " \
  "ORDER BY k.created_at DESC, k.id"
/* Only a live key of the user's: of two servers revoking it, one does. */
#define TALLY_STORE_REVOKE_API_KEY \
  "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL"
#define TALLY_STORE_FIND_API_KEY \
  "SELECT " TALLY_STORE_KEY_COLUMNS "FROM api_keys k JOIN users u ON u.id = k.user_id " \
  "WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND u.disabled = 0"
/* Never moves last_used_at back, whichever server's touch lands last. */
#define TALLY_STORE_TOUCH_API_KEY \
  "UPDATE api_keys SET last_used_at = $1 " \
  "WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)"
/* GROUP BY the key's primary key, so PostgreSQL takes its name and prefix. */
#define TALLY_STORE_USAGE_BY_KEY \
  "SELECT k.id, k.name, k.prefix, sum (r.charged), count (*) FROM run_keys rk " \
  "JOIN runs r ON r.id = rk.run_id JOIN api_keys k ON k.id = rk.key_id " \
  "WHERE r.account_id = $1 AND r.status = 'succeeded' AND r.charged > 0 " \
  "AND r.completed_at >= $2 AND r.completed_at < $3 GROUP BY k.id " \
  "ORDER BY sum (r.charged) DESC, k.id"

/* Users and sessions: tally-store.c and tally-store-users.c on SQLite,
 * tally-pg-store-accounts.c on PostgreSQL. TALLY_STORE_USER_COLUMNS of
 * users u. */
#define TALLY_STORE_USER_COLUMNS_OF_U \
  "u.id, u.email, u.name, u.role, u.disabled, u.account_id, u.timezone, u.created_at "
/* By the address, given lower-case: NOCASE on both matches it anyway. */
#define TALLY_STORE_SET_ROLE "UPDATE users SET role = $1 WHERE email = $2"
#define TALLY_STORE_SET_DISABLED "UPDATE users SET disabled = $1 WHERE email = $2"
#define TALLY_STORE_UPDATE_USER \
  "UPDATE users SET role = $1, disabled = $2 WHERE id = $3 AND erased_at IS NULL"
#define TALLY_STORE_COUNT_ACTIVE_ADMINS \
  "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND erased_at IS NULL"
#define TALLY_STORE_LOAD_CONSENT \
  "SELECT marketing_opt_in, marketing_changed_at, marketing_text_version FROM users " \
  "WHERE id = $1"
#define TALLY_STORE_SAVE_CONSENT \
  "UPDATE users SET marketing_opt_in = $1, marketing_changed_at = $2, " \
  "marketing_text_version = $3 WHERE id = $4"
#define TALLY_STORE_CREATE_SESSION \
  "INSERT INTO sessions (token_hash, user_id, device, created_at, expires_at) " \
  "VALUES ($1, $2, $3, $4, $5)"
/* The live session's user, who must not be disabled. */
#define TALLY_STORE_FIND_SESSION \
  "SELECT " TALLY_STORE_USER_COLUMNS_OF_U "FROM sessions s JOIN users u ON u.id = s.user_id " \
  "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.disabled = 0"
#define TALLY_STORE_REVOKE_SESSION \
  "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL"

/* Erasure (docs/privacy.md): every statement takes the user's id as $1,
 * the last also the time as $2 (it names $2 first: SQLite binds them by
 * name), run in this order in one transaction. The list is one on both
 * stores so they erase the same; only how each renames the user's
 * devices differs (@RENAME_DEVICES: SQLite has rowid, PostgreSQL none),
 * as the (user_id, device) key wants distinct names. */
#define TALLY_STORE_ERASE_USER(RENAME_DEVICES) \
  "DELETE FROM sessions WHERE user_id = $1", \
  "DELETE FROM invoice_details WHERE user_id = $1", \
  /* Alerts are about the user's spending, not the books; a webhook's \
   * address and its deliveries' bodies may say who they are. */ \
  "DELETE FROM alert_settings WHERE user_id = $1", \
  "DELETE FROM alerts WHERE user_id = $1", \
  "DELETE FROM alert_emails WHERE user_id = $1", \
  "DELETE FROM webhook_deliveries WHERE webhook_id IN " \
  "  (SELECT id FROM outgoing_webhooks WHERE user_id = $1)", \
  "DELETE FROM outgoing_webhooks WHERE user_id = $1", \
  /* Keys stop working at once; the runs made with them keep their figures. */ \
  "DELETE FROM api_keys WHERE user_id = $1", \
  /* Invitations name the address they were sent to. Memberships stay (a \
   * pool's history refers to them) under the pseudonymous user row. */ \
  "DELETE FROM team_invitations WHERE email = (SELECT email FROM users WHERE id = $1)", \
  /* The settings go; a charge in flight keeps its row until it settles. */ \
  "UPDATE auto_recharge SET enabled = 0 WHERE user_id = $1", \
  /* What the user typed into a tool is theirs; the run's figures stay. */ \
  "UPDATE runs SET inputs = '{}' WHERE user_id = $1", \
  /* Device names may be a person's ("Ann's laptop"). */ \
  "UPDATE sync_ops SET device = 'erased' WHERE user_id = $1", \
  RENAME_DEVICES, \
  /* Gifts to the user's address (received, or still waiting: those can \
   * no longer arrive) lose it; the address a referral signed up from and \
   * the user's own code go. */ \
  "UPDATE gifts SET email = 'erased-' || payment_id " \
  "  WHERE email = (SELECT email FROM users WHERE id = $1) " \
  "  OR recipient_account_id = (SELECT account_id FROM users WHERE id = $1)", \
  "UPDATE referrals SET signup_address = 'erased' WHERE referred_user_id = $1", \
  "DELETE FROM referral_codes WHERE user_id = $1", \
  "UPDATE users SET email = 'erased-' || id, name = '', password_hash = '', role = 'member', " \
  "  disabled = 1, timezone = 'UTC', erased_at = coalesce (erased_at, $2), " \
  "  marketing_opt_in = 0, marketing_changed_at = NULL, marketing_text_version = NULL " \
  "  WHERE id = $1"
