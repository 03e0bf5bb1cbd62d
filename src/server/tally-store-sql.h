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
/* Shared state (tally-throttle.c). The row is made first, so that two
 * servers updating a new key lock the same row. */
#define TALLY_STORE_ENSURE_SHARED_STATE \
  "INSERT INTO shared_state (key, state, expires_at) VALUES ($1, '', 0) " \
  "ON CONFLICT (key) DO NOTHING"
#define TALLY_STORE_LOCK_SHARED_STATE \
  "SELECT state FROM shared_state WHERE key = $1 FOR UPDATE"
#define TALLY_STORE_SAVE_SHARED_STATE \
  "UPDATE shared_state SET state = $2, expires_at = $3 WHERE key = $1"
#define TALLY_STORE_DROP_SHARED_STATE "DELETE FROM shared_state WHERE key = $1"
#define TALLY_STORE_DELETE_EXPIRED_STATE \
  "DELETE FROM shared_state WHERE key IN (SELECT key FROM shared_state " \
  "WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)"

/* Of two servers releasing one email, only one deletes its row. */
#define TALLY_STORE_RELEASE_ALERT_EMAIL "DELETE FROM alert_emails WHERE alert_id = $1"

/* Outgoing webhooks: tally-store-webhooks.c and tally-pg-store-webhooks.c.
 * A webhook from column 0. */
#define TALLY_STORE_WEBHOOK_COLUMNS "id, user_id, url, secret, created_at "
#define TALLY_STORE_INSERT_WEBHOOK \
  "INSERT INTO outgoing_webhooks (id, user_id, url, secret, created_at) " \
  "VALUES ($1, $2, $3, $4, $5)"
#define TALLY_STORE_FIND_WEBHOOK \
  "SELECT " TALLY_STORE_WEBHOOK_COLUMNS "FROM outgoing_webhooks WHERE id = $1 AND user_id = $2"
#define TALLY_STORE_LIST_WEBHOOKS \
  "SELECT " TALLY_STORE_WEBHOOK_COLUMNS "FROM outgoing_webhooks WHERE user_id = $1 " \
  "ORDER BY created_at, id"
/* One delivery per webhook of user $5; the unique key makes a second
 * enqueue of the event, on this server or another, add nothing. The
 * ORDER BY tells SQLite's parser the ON CONFLICT is the INSERT's. */
#define TALLY_STORE_ENQUEUE_DELIVERIES \
  "INSERT INTO webhook_deliveries (webhook_id, event_id, type, body, status, created_at, " \
  "next_attempt_at) SELECT id, $1, $2, $3, 'pending', $4, $4 FROM outgoing_webhooks " \
  "WHERE user_id = $5 ORDER BY created_at ON CONFLICT (webhook_id, event_id) DO NOTHING"
/* A delivery, webhook_deliveries d, from column 0. */
#define TALLY_STORE_DELIVERY_COLUMNS \
  "d.seq, d.webhook_id, d.event_id, d.type, d.body, d.status, d.attempts, d.created_at, " \
  "d.next_attempt_at, d.last_attempt_at, d.response_status "
/* The delivery's columns, then its webhook's url and secret. */
#define TALLY_STORE_DUE_DELIVERIES \
  "SELECT " TALLY_STORE_DELIVERY_COLUMNS ", w.url, w.secret FROM webhook_deliveries d " \
  "JOIN outgoing_webhooks w ON w.id = d.webhook_id " \
  "WHERE d.status = 'pending' AND d.next_attempt_at <= $1 " \
  "ORDER BY d.next_attempt_at, d.seq LIMIT $2"
#define TALLY_STORE_RECORD_ATTEMPT \
  "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, " \
  "last_attempt_at = $2, response_status = $3, next_attempt_at = $4 WHERE seq = $5"
/* Newest first, before seq $2 unless it is 0; $3 is one more than the
 * page, to tell whether another follows. $2 first meets d.seq, so that
 * PostgreSQL reads it as a BIGINT. */
#define TALLY_STORE_LIST_DELIVERIES \
  "SELECT " TALLY_STORE_DELIVERY_COLUMNS "FROM webhook_deliveries d " \
  "WHERE d.webhook_id = $1 AND (d.seq < $2 OR $2 = 0) ORDER BY d.seq DESC LIMIT $3"
/* What the API's pages list, and the billing rows they set:
 * tally-store-payments.c, -subscriptions.c, -recharge.c, -teams.c,
 * -gifts.c, -alerts.c on SQLite; tally-pg-store-billing.c and
 * tally-pg-store-pages.c on PostgreSQL. A $n compared with 0 is CAST, so
 * PostgreSQL reads it as a BIGINT (a time in microseconds), not an
 * INTEGER. */
#define TALLY_STORE_LIST_PAYMENTS \
  "SELECT " TALLY_STORE_PAYMENT_COLUMNS "FROM payments WHERE user_id = $1 " \
  "ORDER BY created_at DESC, id DESC"
#define TALLY_STORE_LOAD_INVOICE_DETAILS \
  "SELECT company, address, vat_id FROM invoice_details WHERE user_id = $1"
/* Saved whole; of two servers saving at once the later wins. */
#define TALLY_STORE_SAVE_INVOICE_DETAILS \
  "INSERT INTO invoice_details (user_id, company, address, vat_id, updated_at) " \
  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET " \
  "company = excluded.company, address = excluded.address, vat_id = excluded.vat_id, " \
  "updated_at = excluded.updated_at"
/* The first customer stays: the key decides between two servers. */
#define TALLY_STORE_SET_STRIPE_CUSTOMER \
  "INSERT INTO stripe_customers (account_id, customer_id) VALUES ($1, $2) " \
  "ON CONFLICT (account_id) DO NOTHING"
#define TALLY_STORE_SET_SUBSCRIPTION_SESSION \
  "UPDATE subscriptions SET session_id = $1 WHERE id = $2"
#define TALLY_STORE_DUE_DEMO_SUBSCRIPTIONS \
  "SELECT " TALLY_STORE_SUBSCRIPTION_COLUMNS "FROM subscriptions " \
  "WHERE provider = 'demo' AND status = 'active' AND current_period_end > 0 " \
  "AND current_period_end <= $1 ORDER BY current_period_end LIMIT $2"
/* Saving settings clears the failures and the pause; of two servers
 * saving at once the later wins. */
#define TALLY_STORE_SAVE_RECHARGE_SETTINGS \
  "INSERT INTO auto_recharge (account_id, user_id, enabled, threshold, pack_id, " \
  "monthly_cap, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) " \
  "ON CONFLICT (account_id) DO UPDATE SET user_id = excluded.user_id, " \
  "enabled = excluded.enabled, threshold = excluded.threshold, " \
  "pack_id = excluded.pack_id, monthly_cap = excluded.monthly_cap, " \
  "failures = 0, paused = 0, updated_at = excluded.updated_at"
/* The owners first, then by address. */
#define TALLY_STORE_LIST_TEAM_MEMBERS \
  "SELECT " TALLY_STORE_MEMBER_COLUMNS TALLY_STORE_MEMBER_FROM "WHERE m.team_id = $1 " \
  "ORDER BY m.role = 'owner' DESC, u.email"
/* Online runs by when they were settled, offline ones by when their sync
 * charged them: each when its consumption was posted. */
#define TALLY_STORE_POOL_USAGE_BY_MEMBER \
  "SELECT user_id, sum (charged), count (*) FROM (" \
  "SELECT user_id, charged FROM runs WHERE account_id = $1 AND status = 'succeeded' " \
  "AND charged > 0 AND completed_at >= $2 AND completed_at < $3 " \
  "UNION ALL SELECT user_id, charged FROM pool_spend WHERE account_id = $1 " \
  "AND created_at >= $2 AND created_at < $3) AS spend GROUP BY user_id " \
  "ORDER BY sum (charged) DESC, user_id"
#define TALLY_STORE_RECEIVED_GIFTS \
  TALLY_STORE_GIFTS_SELECT "g.recipient_account_id = $1 " \
  "ORDER BY g.claimed_at DESC, g.payment_id"
#define TALLY_STORE_SENT_GIFTS \
  TALLY_STORE_GIFTS_SELECT "g.sender_user_id = $1 AND g.status != 'open' " \
  "ORDER BY g.created_at DESC, g.payment_id"
#define TALLY_STORE_REFERRAL_TOTALS \
  "SELECT count (*), COALESCE (sum (CASE WHEN status = 'rewarded' THEN 1 ELSE 0 END), 0), " \
  "COALESCE (sum (bonus), 0) FROM referrals WHERE referrer_user_id = $1"
/* Newest first, before seq $2 (0: from the newest), created in [$3, $4)
 * (0: no bound); $5 rows. */
#define TALLY_STORE_LIST_ALERTS \
  "SELECT " TALLY_STORE_ALERT_COLUMNS "FROM alerts WHERE user_id = $1 " \
  "AND (CAST ($2 AS BIGINT) = 0 OR seq < $2) " \
  "AND (CAST ($3 AS BIGINT) = 0 OR created_at >= $3) " \
  "AND (CAST ($4 AS BIGINT) = 0 OR created_at < $4) " \
  "ORDER BY seq DESC LIMIT $5"
/* Analytics and gauges: tally-store-analytics.c and
 * tally-pg-store-analytics.c. Booleans are summed through CASE, since
 * PostgreSQL sums no booleans; a derived table is named, as PostgreSQL
 * wants. No row order is promised unless an ORDER BY says so. */

/* Posted consumption of account $1 (the consumption account), kind $2,
 * in the hours [$3, $4) of the ledger's hourly sums: by tool, by hour of
 * the day, by ISO weekday less one (day 0 of the epoch was a Thursday,
 * weekday 4). */
#define TALLY_STORE_ANALYTICS_CONSUMPTION_WHERE \
  "FROM posted_hours WHERE account = (SELECT num FROM accounts WHERE id = $1) " \
  "AND kind = $2 AND hour >= $3 AND hour < $4 "
#define TALLY_STORE_ANALYTICS_BY_TOOL \
  "SELECT tool_id, 0, SUM (amount), SUM (items) " \
  TALLY_STORE_ANALYTICS_CONSUMPTION_WHERE "GROUP BY tool_id"
#define TALLY_STORE_ANALYTICS_BY_HOUR \
  "SELECT '', hour % 24, SUM (amount), SUM (items) " \
  TALLY_STORE_ANALYTICS_CONSUMPTION_WHERE "GROUP BY hour % 24"
#define TALLY_STORE_ANALYTICS_BY_WEEKDAY \
  "SELECT '', (hour / 24 + 3) % 7, SUM (amount), SUM (items) " \
  TALLY_STORE_ANALYTICS_CONSUMPTION_WHERE "GROUP BY (hour / 24 + 3) % 7"

/* Distinct users of each tool's runs that succeeded in [$1, $2). */
#define TALLY_STORE_ANALYTICS_TOOL_USERS \
  "SELECT tool_id, COUNT (DISTINCT user_id) FROM runs " \
  "WHERE created_at >= $1 AND created_at < $2 AND status = 'succeeded' GROUP BY tool_id"

/* Paid purchases of [$1, $2) by pack and currency, most purchases first;
 * each store orders equal counts by the ids' bytes (PostgreSQL with
 * COLLATE "C", which SQLite does not know). */
#define TALLY_STORE_ANALYTICS_PACKS \
  "SELECT pack_id, currency, COUNT (*), COUNT (DISTINCT user_id), SUM (credits), " \
  "SUM (amount) FROM payments WHERE paid_at >= $1 AND paid_at < $2 " \
  "GROUP BY pack_id, currency ORDER BY COUNT (*) DESC, "

/* Purchases, buyers and buyers of two or more, paid in [$1, $2). */
#define TALLY_STORE_ANALYTICS_BUYERS \
  "SELECT COALESCE (SUM (n), 0), COUNT (*), " \
  "COALESCE (SUM (CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) FROM (" \
  "  SELECT COUNT (*) AS n FROM payments" \
  "  WHERE paid_at >= $1 AND paid_at < $2 GROUP BY user_id) AS per_user"

/* Each buyer's gaps between consecutive purchases paid in [$1, $2),
 * ascending. */
#define TALLY_STORE_ANALYTICS_GAPS \
  "SELECT gap FROM (" \
  "  SELECT paid_at - LAG (paid_at) OVER (PARTITION BY user_id ORDER BY paid_at) AS gap" \
  "  FROM payments WHERE paid_at >= $1 AND paid_at < $2) AS gaps " \
  "WHERE gap IS NOT NULL ORDER BY gap"

/* Users registered in [$1, $2), not erased, and how many of them before
 * $2 had a run that succeeded, and one and two paid purchases: at most
 * two payments a user are read, by the payments_by_user index. The
 * registered users come first so that $1 does (SQLite numbers $n in the
 * order they first appear). */
#define TALLY_STORE_ANALYTICS_FUNNEL \
  "WITH registered AS (SELECT id FROM users WHERE created_at >= $1 " \
  "  AND created_at < $2 AND erased_at IS NULL) " \
  "SELECT COUNT (*), COALESCE (SUM (ran), 0), " \
  "COALESCE (SUM (CASE WHEN paid >= 1 THEN 1 ELSE 0 END), 0), " \
  "COALESCE (SUM (CASE WHEN paid >= 2 THEN 1 ELSE 0 END), 0) FROM (" \
  "  SELECT CASE WHEN EXISTS (SELECT 1 FROM runs r" \
  "    WHERE r.user_id = u.id AND r.created_at < $2" \
  "    AND r.status = 'succeeded') THEN 1 ELSE 0 END AS ran," \
  "  (SELECT COUNT (*) FROM (SELECT 1 FROM payments p" \
  "    WHERE p.user_id = u.id AND p.paid_at < $2" \
  "    LIMIT 2) AS two) AS paid" \
  "  FROM registered u) AS steps"

/* What accounts of kinds $1 (users) and $2 (teams) hold and have held,
 * and the pending transfers with a timeout not yet settled, through the
 * index of due pending transfers. */
#define TALLY_STORE_OUTSTANDING \
  "SELECT" \
  "  COALESCE (SUM (CASE WHEN kind = $1 THEN credits_posted - debits_posted END), 0)," \
  "  COALESCE (SUM (CASE WHEN kind = $2 THEN credits_posted - debits_posted END), 0)," \
  "  COALESCE (SUM (debits_pending), 0)," \
  "  (SELECT COUNT (*) FROM pending WHERE state = 0 AND expires_at > 0)" \
  " FROM accounts WHERE kind IN ($1, $2)"

/* Pack checkouts (a top-up has a recharges row) by where they got to;
 * one still open counts as abandoned once it started before $1, which
 * $2 repeats. */
#define TALLY_STORE_CHECKOUT_STAGES \
  "SELECT COUNT (*)," \
  "  COALESCE (SUM (CASE WHEN status IN ('paid', 'refunded', 'disputed')" \
  "    THEN 1 ELSE 0 END), 0)," \
  "  COALESCE (SUM (CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)," \
  "  COALESCE (SUM (CASE WHEN status = 'open' AND created_at >= $1 THEN 1 ELSE 0 END), 0)," \
  "  COALESCE (SUM (CASE WHEN status = 'open' AND created_at < $2 THEN 1 ELSE 0 END), 0)" \
  " FROM payments p WHERE NOT EXISTS (" \
  "  SELECT 1 FROM recharges r WHERE r.payment_id = p.id)"
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
