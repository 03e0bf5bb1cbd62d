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

/* A gift with its sender's name (or address; "" once erased), as both
 * stores read it from column 0; the WHERE clause follows. */
#define TALLY_STORE_GIFT_COLUMNS \
  "g.payment_id, g.sender_user_id, g.email, g.credits, g.status, " \
  "g.recipient_account_id, g.transfer_id, g.created_at, " \
  "COALESCE (g.claimed_at, 0), " \
  "CASE WHEN u.erased_at IS NULL " \
  "THEN COALESCE (NULLIF (u.name, ''), u.email, '') ELSE '' END "
#define TALLY_STORE_GIFTS_SELECT \
  "SELECT " TALLY_STORE_GIFT_COLUMNS "FROM gifts g " \
  "LEFT JOIN users u ON u.id = g.sender_user_id WHERE "

#define TALLY_STORE_REFERRAL_COLUMNS \
  "referred_user_id, referrer_user_id, signup_address, status, bonus, created_at "

/* A promo code; 0 for the optional times. */
#define TALLY_STORE_PROMO_COLUMNS \
  "id, code, credits, max_redemptions, redemptions, " \
  "COALESCE(expires_at, 0), COALESCE(credits_expire_after_days, 0), " \
  "created_by, created_at "
