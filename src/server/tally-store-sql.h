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

/* The columns of an audit record, in the order tally-store-audit.c and the
 * PostgreSQL store read and insert them. */
#define TALLY_STORE_AUDIT_COLUMNS \
  "seq, id, time, actor, actor_email, action, target, outcome, details, prev_hash, hash, " \
  "format, field_keys, field_digests "

/* The audit chain's two ends, and the records still of format 1. */
#define TALLY_STORE_AUDIT_HEAD "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
#define TALLY_STORE_AUDIT_ANCHOR "SELECT seq, hash FROM audit_anchor WHERE id = 1"
#define TALLY_STORE_AUDIT_COUNT_LEGACY "SELECT count(*) FROM audit WHERE format < 2"
