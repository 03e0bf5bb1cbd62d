/* tally-api-json.h: how the API writes the objects it shares
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <tally.h>

#include "tally-store.h"

G_BEGIN_DECLS

JsonObject *tally_api_user_json     (const TallyUser    *user);
/* {id, kind, name, balance, available, held} */
JsonObject *tally_api_account_json  (const TallyAccount *account);
/* {transfer} of a grant: {id, kind, amount, account_id, created_at,
 * description, seq, expires_at}; @expires_at is when its credits expire,
 * 0 (null) for never. */
JsonObject *tally_api_transfer_json (const TallyTransfer *transfer,
                                     gint64               expires_at);
/* An ISO 8601 time member, or null when @microseconds is not set (0). */
void        tally_api_set_time      (JsonObject         *object,
                                     const char         *name,
                                     gint64              microseconds);
/* A nested object member, taking @value. */
void        tally_api_set_object    (JsonObject         *object,
                                     const char         *name,
                                     JsonObject         *value);

G_END_DECLS
