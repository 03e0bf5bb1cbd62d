/* tally-server.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>
#include <tally.h>

#include "tally-audit.h"
#include "tally-config.h"
#include "tally-error-log.h"
#include "tally-metrics.h"
#include "tally-payments.h"
#include "tally-request.h"
#include "tally-api-store.h"
#include "tally-throttle.h"
#include "tally-writer.h"

G_BEGIN_DECLS

#define TALLY_TYPE_SERVER (tally_server_get_type ())

G_DECLARE_FINAL_TYPE (TallyServer, tally_server, TALLY, SERVER, GObject)

TallyServer       *tally_server_new               (TallyConfig   *config,
                                                   GError       **error);
gboolean           tally_server_start             (TallyServer   *self,
                                                   GError       **error);
/* Stops listening, finishes the requests in flight, commits, then calls
 * @done. */
void               tally_server_shutdown          (TallyServer   *self,
                                                   GCallback      done,
                                                   gpointer       user_data);

TallyConfig       *tally_server_get_config        (TallyServer   *self);
TallyApiStore     *tally_server_get_store         (TallyServer   *self);
TallyRulesStore   *tally_server_get_rules_store   (TallyServer   *self);
TallyToolRegistry *tally_server_get_registry      (TallyServer   *self);
TallyWriter       *tally_server_get_writer        (TallyServer   *self);
TallyMetrics      *tally_server_get_metrics       (TallyServer   *self);
TallyErrorLog     *tally_server_get_error_log     (TallyServer   *self);
TallyRouter       *tally_server_get_router        (TallyServer   *self);
TallyPayments     *tally_server_get_payments      (TallyServer   *self);
/* Auto-recharge (tally-recharge.c); NULL once the server is disposed. */
struct _TallyRecharge *tally_server_get_recharge (TallyServer   *self);
struct _TallyAlerts *tally_server_get_alerts    (TallyServer   *self);
struct _TallyWebhooks *tally_server_get_webhooks (TallyServer  *self);
TallyAudit        *tally_server_get_audit         (TallyServer   *self);
/* Emails (tally-mailer.c); never NULL, sends nothing when [smtp] is off. */
struct _TallyMailer *tally_server_get_mailer    (TallyServer   *self);
SoupServer        *tally_server_get_soup_server   (TallyServer   *self);
/* Failed sign-ins per email and per address. */
/* Sign-ups per client address over the last hour. */
TallyThrottle     *tally_server_get_signup_throttle (TallyServer  *self);
TallyThrottle     *tally_server_get_login_throttle (TallyServer  *self,
                                                   gboolean       by_address);
/* The user a bearer token (session or API key) belongs to. */
gboolean           tally_server_authenticate      (TallyServer   *self,
                                                   const char    *token,
                                                   TallyUser     *user);
/* The same, telling whether @token was an API key, and which (@key may be
 * NULL). */
gboolean           tally_server_authenticate_key  (TallyServer   *self,
                                                   const char    *token,
                                                   TallyUser     *user,
                                                   TallyApiKey   *key,
                                                   gboolean      *is_key);
/* TRUE when the store cannot be reached now (a PostgreSQL outage). */
gboolean           tally_server_store_is_unavailable (TallyServer *self);
/* The API keys' rate buckets (tally-keys.c). */
struct _TallyKeys *tally_server_get_keys          (TallyServer   *self);

G_END_DECLS
