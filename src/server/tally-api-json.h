/* tally-api-json.h: how the API writes the objects it shares
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <tally.h>

#include "tally-api-store.h"
#include "tally-store-recharge.h"
#include "tally-store-alerts.h"
#include "tally-store-keys.h"
#include "tally-store-webhooks.h"

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
/* A cap in credits, or null for 0 (no cap). */
void        tally_api_set_cap       (JsonObject         *object,
                                     const char         *name,
                                     gint64              cap);
/* A nested object member, taking @value. */
void        tally_api_set_object    (JsonObject         *object,
                                     const char         *name,
                                     JsonObject         *value);

/* The members each area answers with, shared with GET /v1/me/export. */
JsonObject *tally_api_statement_item_json    (const TallyStatementItem *item);
JsonObject *tally_api_payment_json           (const TallyPayment *payment);
JsonObject *tally_api_invoice_details_json   (const TallyInvoiceDetails *details);
JsonObject *tally_api_recharge_settings_json (const TallyRechargeSettings *settings);
JsonObject *tally_api_alert_settings_json    (const TallyAlertSettings *settings);
/* The secret only in the answer to its creation. */
JsonObject *tally_api_webhook_json           (const TallyWebhook *webhook,
                                              gboolean            with_secret);
/* ["read"] or ["read", "run"] */
JsonArray  *tally_api_key_scopes_json        (const TallyApiKey *key);
/* {id, name, prefix, scopes, created_at, last_used_at, rate_limit}: never
 * the key itself, only its first characters. */
JsonObject *tally_api_key_json               (const TallyApiKey *key);
JsonObject *tally_api_current_limits         (TallyApiStore      *store,
                                              const char         *account_id,
                                              const char         *timezone,
                                              GError            **error);

G_END_DECLS
