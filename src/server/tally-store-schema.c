/* tally-store-schema.c: the server's tables, for both stores
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "tally-store-schema.h"

/* The server's tables; migration N takes them from version N to N + 1.
 * Never edit one that has shipped: add the next. This is the one
 * description of them: SQLite runs it as written, PostgreSQL as
 * tally_store_schema_render_postgres() renders it, so keep to what that
 * renders (see its comment). */
static const char * const server_migrations[] = {
  "CREATE TABLE users ("
  "  id TEXT PRIMARY KEY,"
  "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
  "  name TEXT NOT NULL,"
  "  password_hash TEXT NOT NULL,"
  "  role TEXT NOT NULL CHECK (role IN ('member', 'team_owner', 'admin')),"
  "  disabled INTEGER NOT NULL DEFAULT 0,"
  "  account_id TEXT NOT NULL UNIQUE,"
  "  timezone TEXT NOT NULL DEFAULT 'UTC',"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE sessions ("
  "  token_hash BLOB PRIMARY KEY,"
  "  user_id TEXT NOT NULL REFERENCES users (id),"
  "  device TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  revoked_at INTEGER"
  ");"
  "CREATE INDEX sessions_by_user ON sessions (user_id);"
  "CREATE TABLE runs ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  account_id TEXT NOT NULL,"
  "  tool_id TEXT NOT NULL,"
  "  request_digest TEXT NOT NULL,"
  "  inputs TEXT NOT NULL,"
  "  status TEXT NOT NULL,"
  "  held INTEGER NOT NULL DEFAULT 0,"
  "  charged INTEGER NOT NULL DEFAULT 0,"
  "  units INTEGER,"
  "  authorize_status INTEGER NOT NULL,"
  "  authorize_body TEXT NOT NULL,"
  "  complete_digest TEXT,"
  "  complete_status INTEGER,"
  "  complete_body TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  completed_at INTEGER"
  ");"
  "CREATE INDEX runs_by_user ON runs (user_id, created_at);"
  "CREATE TABLE policies ("
  "  account_id TEXT PRIMARY KEY,"
  "  ceiling_per_run INTEGER NOT NULL DEFAULT 0,"
  "  ceiling_daily INTEGER NOT NULL DEFAULT 0,"
  "  ceiling_monthly INTEGER NOT NULL DEFAULT 0,"
  "  user_per_run INTEGER NOT NULL DEFAULT 0,"
  "  user_daily INTEGER NOT NULL DEFAULT 0,"
  "  user_monthly INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE devices ("
  "  user_id TEXT NOT NULL,"
  "  device TEXT NOT NULL,"
  "  lease_account_id TEXT NOT NULL,"
  "  lease_id TEXT,"
  "  lease_amount INTEGER NOT NULL DEFAULT 0,"
  "  lease_spent INTEGER NOT NULL DEFAULT 0,"
  "  lease_expires_at INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, device)"
  ");"
  "CREATE TABLE sync_ops ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  device TEXT NOT NULL,"
  "  digest TEXT NOT NULL,"
  "  result TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");",
  /* A run keeps the price it was authorized at, and when its hold ends. */
  "ALTER TABLE runs ADD COLUMN price_base INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN price_rate INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN price_per INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE runs ADD COLUMN price_minimum INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN price_min_units INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN price_max_units INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN hold_expires_at INTEGER NOT NULL DEFAULT 0;",
  /* Purchases of credit packs, and the Stripe customer of each account.
   * reversed is the share of the credits that refunds and disputes took
   * back; short_by what the balance lacked to take it all. */
  "CREATE TABLE payments ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  account_id TEXT NOT NULL,"
  "  pack_id TEXT NOT NULL,"
  "  credits INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL,"
  "  currency TEXT NOT NULL,"
  "  provider TEXT NOT NULL,"
  "  session_id TEXT UNIQUE,"
  "  status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'failed', 'refunded', 'disputed')),"
  "  reversed INTEGER NOT NULL DEFAULT 0,"
  "  short_by INTEGER NOT NULL DEFAULT 0,"
  "  short INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  paid_at INTEGER,"
  "  payment_ref TEXT"
  ");"
  "CREATE INDEX payments_by_account ON payments (account_id, created_at);"
  "CREATE INDEX payments_by_ref ON payments (payment_ref);"
  "CREATE TABLE stripe_customers ("
  "  account_id TEXT PRIMARY KEY,"
  "  customer_id TEXT NOT NULL"
  ");",
  /* The audit log (tally-audit.c): a hash chain, and where it starts once
   * retention has deleted its oldest records. */
  "CREATE TABLE audit ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  time INTEGER NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  actor_email TEXT,"
  "  action TEXT NOT NULL,"
  "  target TEXT,"
  "  outcome TEXT NOT NULL,"
  "  details TEXT NOT NULL,"
  "  prev_hash BLOB NOT NULL,"
  "  hash BLOB NOT NULL"
  ");"
  "CREATE INDEX audit_by_time ON audit (time);"
  "CREATE INDEX audit_by_actor ON audit (actor, seq);"
  "CREATE INDEX audit_by_action ON audit (action, seq);"
  /* The expiry sweep looks for holds about to end, every few seconds. */
  "CREATE INDEX runs_by_hold_expiry ON runs (hold_expires_at) WHERE status = 'authorized';"
  "CREATE TABLE audit_anchor ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  seq INTEGER NOT NULL,"
  "  hash BLOB NOT NULL"
  ");",
  /* Receipts (tally-api-billing.c): what a business buyer wants printed
   * on them, and a user's payments listed newest first. */
  "CREATE TABLE invoice_details ("
  "  user_id TEXT PRIMARY KEY,"
  "  company TEXT NOT NULL DEFAULT '',"
  "  address TEXT NOT NULL DEFAULT '',"
  "  vat_id TEXT NOT NULL DEFAULT '',"
  "  updated_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX payments_by_user ON payments (user_id, created_at);",
  /* Auto-recharge (tally-recharge.c): the settings of an account, the
   * payment being charged (at most one), and each recharge started, for
   * the monthly cap. */
  "CREATE TABLE auto_recharge ("
  "  account_id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  enabled INTEGER NOT NULL,"
  "  threshold INTEGER NOT NULL,"
  "  pack_id TEXT NOT NULL,"
  "  monthly_cap INTEGER NOT NULL,"
  "  failures INTEGER NOT NULL DEFAULT 0,"
  "  paused INTEGER NOT NULL DEFAULT 0,"
  "  in_flight TEXT,"
  "  updated_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE recharges ("
  "  payment_id TEXT PRIMARY KEY,"
  "  account_id TEXT NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX recharges_by_account ON recharges (account_id, created_at);",
  /* Alerts (tally-alerts.c): each user's settings (none: the defaults)
   * with the low-balance alert's armed state, every alert fired (a spend
   * alert once per account, window and threshold), the user's outgoing
   * webhooks and their outbox of deliveries, and alert emails held for
   * quiet hours. */
  "CREATE TABLE alert_settings ("
  "  user_id TEXT PRIMARY KEY,"
  "  thresholds TEXT NOT NULL,"
  "  low_balance INTEGER,"
  "  low_balance_armed INTEGER NOT NULL DEFAULT 1,"
  "  channel_app INTEGER NOT NULL,"
  "  channel_desktop INTEGER NOT NULL,"
  "  channel_email INTEGER NOT NULL,"
  "  channel_webhook INTEGER NOT NULL,"
  "  quiet_start TEXT,"
  "  quiet_end TEXT,"
  "  updated_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE alerts ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  user_id TEXT NOT NULL,"
  "  account_id TEXT NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('spend', 'low_balance')),"
  "  span TEXT CHECK (span IN ('day', 'month', 'run')),"
  "  span_key TEXT NOT NULL,"
  "  threshold INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL,"
  "  cap INTEGER NOT NULL,"
  "  message TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  UNIQUE (account_id, kind, span, span_key, threshold)"
  ");"
  "CREATE INDEX alerts_by_user ON alerts (user_id, seq);"
  "CREATE TABLE outgoing_webhooks ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  url TEXT NOT NULL,"
  "  secret TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX outgoing_webhooks_by_user ON outgoing_webhooks (user_id, created_at);"
  "CREATE TABLE webhook_deliveries ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  webhook_id TEXT NOT NULL,"
  "  event_id TEXT NOT NULL,"
  "  type TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  next_attempt_at INTEGER NOT NULL,"
  "  last_attempt_at INTEGER,"
  "  response_status INTEGER,"
  "  UNIQUE (webhook_id, event_id)"
  ");"
  "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) "
  "  WHERE status = 'pending';"
  "CREATE TABLE alert_emails ("
  "  alert_id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  send_after INTEGER NOT NULL"
  ");",
  /* API keys (tally-keys.c): only the SHA-256 of a key is stored, with
   * its first characters to tell it apart. scopes is "read" or
   * "read run". */
  "CREATE TABLE api_keys ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL REFERENCES users (id),"
  "  name TEXT NOT NULL,"
  "  prefix TEXT NOT NULL,"
  "  key_hash BLOB NOT NULL UNIQUE,"
  "  scopes TEXT NOT NULL CHECK (scopes IN ('read', 'read run')),"
  "  rate_limit INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  last_used_at INTEGER,"
  "  revoked_at INTEGER"
  ");"
  "CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);"
  /* The key each run authorized with a key was made with, for by_key. */
  "CREATE TABLE run_keys ("
  "  run_id TEXT PRIMARY KEY,"
  "  key_id TEXT NOT NULL"
  ");"
  /* Teams (tally-teams.c): each has a pool, a ledger account of kind team;
   * members have a role and caps on what they spend from the pool (0: no
   * cap); invitations keep only the SHA-256 of their token. */
  "CREATE TABLE teams ("
  "  id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL,"
  "  account_id TEXT NOT NULL UNIQUE,"
  "  created_by TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE team_members ("
  "  team_id TEXT NOT NULL REFERENCES teams (id),"
  "  user_id TEXT NOT NULL REFERENCES users (id),"
  "  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),"
  "  daily_cap INTEGER NOT NULL DEFAULT 0,"
  "  monthly_cap INTEGER NOT NULL DEFAULT 0,"
  "  joined_at INTEGER NOT NULL,"
  "  PRIMARY KEY (team_id, user_id)"
  ");"
  "CREATE INDEX team_members_by_user ON team_members (user_id);"
  "CREATE TABLE team_invitations ("
  "  id TEXT PRIMARY KEY,"
  "  team_id TEXT NOT NULL REFERENCES teams (id),"
  "  email TEXT NOT NULL COLLATE NOCASE,"
  "  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),"
  "  token_hash BLOB NOT NULL UNIQUE,"
  "  invited_by TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  accepted_by TEXT,"
  "  accepted_at INTEGER"
  ");"
  /* A member's spend from a pool, for their caps and the team's usage;
   * what their offline runs charged to it comes through sync. */
  "CREATE INDEX runs_by_account_user ON runs (account_id, user_id, created_at);"
  "CREATE TABLE pool_spend ("
  "  op_id TEXT PRIMARY KEY,"
  "  account_id TEXT NOT NULL,"
  "  user_id TEXT NOT NULL,"
  "  charged INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX pool_spend_by_member ON pool_spend (account_id, user_id, created_at);",
  /* Promo codes (tally-promos.c): a redemption is one row per user and
   * code, so the primary key keeps it to one. */
  "CREATE TABLE promo_codes ("
  "  id TEXT PRIMARY KEY,"
  "  code TEXT NOT NULL UNIQUE,"
  "  credits INTEGER NOT NULL CHECK (credits > 0),"
  "  max_redemptions INTEGER NOT NULL CHECK (max_redemptions > 0),"
  "  redemptions INTEGER NOT NULL DEFAULT 0"
  "    CHECK (redemptions BETWEEN 0 AND max_redemptions),"
  "  expires_at INTEGER,"
  "  credits_expire_after_days INTEGER,"
  "  created_by TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE promo_redemptions ("
  "  promo_id TEXT NOT NULL REFERENCES promo_codes (id),"
  "  user_id TEXT NOT NULL,"
  "  transfer_id TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (promo_id, user_id)"
  ");",
  /* Subscriptions to plans (tally-subscriptions.c). Their credits are
   * purchase transfers whose ids derive from the invoices, so they need
   * no table of their own. */
  "CREATE TABLE subscriptions ("
  "  id TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  account_id TEXT NOT NULL,"
  "  plan_id TEXT NOT NULL,"
  "  credits_per_period INTEGER NOT NULL CHECK (credits_per_period > 0),"
  "  provider TEXT NOT NULL,"
  "  session_id TEXT UNIQUE,"
  "  provider_id TEXT UNIQUE,"
  "  status TEXT NOT NULL"
  "    CHECK (status IN ('incomplete', 'active', 'past_due', 'canceled')),"
  "  current_period_end INTEGER NOT NULL DEFAULT 0,"
  "  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX subscriptions_by_user ON subscriptions (user_id, created_at);",
  /* Privacy (docs/privacy.md): an erased user keeps a row without personal
   * data; marketing consent with its time and text version; audit records
   * of format 2 commit to their personal fields through keyed digests
   * (tally-audit.c), so erasure can pseudonymise them and keep the chain. */
  "ALTER TABLE users ADD COLUMN erased_at INTEGER;"
  "ALTER TABLE users ADD COLUMN marketing_opt_in INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE users ADD COLUMN marketing_changed_at INTEGER;"
  "ALTER TABLE users ADD COLUMN marketing_text_version TEXT;"
  "ALTER TABLE audit ADD COLUMN format INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE audit ADD COLUMN field_keys BLOB;"
  "ALTER TABLE audit ADD COLUMN field_digests BLOB;"
  "CREATE INDEX audit_by_target ON audit (target);"
  "CREATE INDEX sessions_by_expiry ON sessions (expires_at);",
  /* Admin analytics (tally-analytics.c) read runs, paid purchases and
   * sign-ups by time. */
  "CREATE INDEX runs_by_time ON runs (created_at);"
  "CREATE INDEX payments_by_paid_at ON payments (paid_at);"
  "CREATE INDEX users_by_created_at ON users (created_at);",
  /* Gifts, referrals and refunds of subscription invoices
   * (docs/payments.md): a gift is a paid pack whose credits wait for an
   * address; a referral records who brought whom and from which address
   * the new account signed up. */
  "CREATE TABLE gifts ("
  "  payment_id TEXT PRIMARY KEY,"
  "  sender_user_id TEXT NOT NULL,"
  "  email TEXT NOT NULL COLLATE NOCASE,"
  "  credits INTEGER NOT NULL CHECK (credits > 0),"
  "  status TEXT NOT NULL"
  "    CHECK (status IN ('open', 'waiting', 'claimed', 'cancelled')),"
  "  recipient_account_id TEXT,"
  "  transfer_id TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  claimed_at INTEGER"
  ");"
  "CREATE INDEX gifts_by_email ON gifts (email, status);"
  "CREATE INDEX gifts_by_sender ON gifts (sender_user_id, created_at);"
  "CREATE TABLE referral_codes ("
  "  user_id TEXT PRIMARY KEY,"
  "  code TEXT NOT NULL UNIQUE"
  ");"
  "CREATE TABLE referrals ("
  "  referred_user_id TEXT PRIMARY KEY,"
  "  referrer_user_id TEXT NOT NULL,"
  "  signup_address TEXT NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('pending', 'rewarded', 'refused')),"
  "  bonus INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  settled_at INTEGER"
  ");"
  "CREATE INDEX referrals_by_referrer ON referrals (referrer_user_id);"
  "CREATE INDEX referrals_by_address ON referrals (signup_address, status);"
  /* What refunds of a subscription invoice took back of its grant. */
  "CREATE TABLE invoice_refunds ("
  "  invoice_id TEXT PRIMARY KEY,"
  "  account_id TEXT NOT NULL,"
  "  reversed INTEGER NOT NULL DEFAULT 0,"
  "  short_by INTEGER NOT NULL DEFAULT 0,"
  "  updated_at INTEGER NOT NULL"
  ");",
  /* 14: the sign-in throttles' counts, when several servers share the
   * store (tally-throttle.c); a row goes once it expires. */
  "CREATE TABLE shared_state ("
  "  key TEXT PRIMARY KEY,"
  "  state TEXT NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX shared_state_by_expiry ON shared_state (expires_at);",
};

const char * const *
tally_store_schema_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (server_migrations);
  return server_migrations;
}

/* SQLite's words that PostgreSQL spells otherwise, as whole words: an
 * INTEGER column holds 64 bits in SQLite, a BIGINT in PostgreSQL; a key
 * SQLite numbers itself becomes an identity column, which still takes
 * values given explicitly; NOCASE becomes the case-insensitive ICU
 * collation the PostgreSQL store creates (tally-pg-store.c). */
static const struct
{
  const char *pattern;
  const char *replacement;
} renderings[] = {
  { "\\bINTEGER PRIMARY KEY( AUTOINCREMENT)?\\b",
    "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
  { "\\bINTEGER\\b", "BIGINT" },
  { "\\bBLOB\\b", "BYTEA" },
  { "\\bCOLLATE NOCASE\\b", "COLLATE tally_nocase" },
  { "\\s*\\bWITHOUT ROWID\\b", "" },
};

/* What has no rendering: SQLite's own statements and functions. */
static const char *unrenderable = "\\b(PRAGMA|TRIGGER|INSERT OR|REPLACE INTO|rowid|strftime|"
                                  "randomblob|ifnull|json_[a-z_]+)\\b";

char *
tally_store_schema_render_postgres (const char  *sql,
                                    GError     **error)
{
  g_autoptr(GRegex) refused = g_regex_new (unrenderable, G_REGEX_CASELESS, 0, NULL);
  g_autofree char *rendered = g_strdup (sql);
  g_autoptr(GMatchInfo) match = NULL;

  if (g_regex_match (refused, sql, 0, &match))
    {
      g_autofree char *word = g_match_info_fetch (match, 0);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "A migration uses “%s”, which has no PostgreSQL rendering", word);
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (renderings); i++)
    {
      g_autoptr(GRegex) regex = g_regex_new (renderings[i].pattern, 0, 0, NULL);
      char *next = g_regex_replace (regex, rendered, -1, 0, renderings[i].replacement, 0, NULL);

      g_free (rendered);
      rendered = next;
    }
  return g_steal_pointer (&rendered);
}
