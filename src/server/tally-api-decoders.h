/* tally-api-decoders.h: every request body, decoded strictly into a struct
 * before anything is touched. The fuzz targets call these directly.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

#include "tally-json-decode.h"
#include "tally-store-teams.h"

G_BEGIN_DECLS

/* Strings point into the JsonObject they were decoded from. */
typedef struct
{
  const char *email;
  const char *password;
  const char *name;
  /* NULL, or who brought the new user (tally-api-gifts.c). */
  const char *referral_code;
} TallyRegisterRequest;

typedef struct
{
  const char *email;
  const char *password;
  const char *device;
} TallyLoginRequest;

gboolean tally_api_decode_register (JsonObject           *body,
                                    TallyRegisterRequest *out,
                                    TallyProblem         *problem);
gboolean tally_api_decode_login    (JsonObject           *body,
                                    TallyLoginRequest    *out,
                                    TallyProblem         *problem);
gboolean tally_api_email_is_valid  (const char           *email);

/* Runs, estimates, limits and grants (tally-api-runs.c, tally-api-tools.c,
 * tally-api-me.c, tally-api-admin.c). Objects point into the body too. */
typedef struct
{
  const char *tool;
  JsonObject *inputs;
} TallyEstimateRequest;

typedef struct
{
  char        id[37];
  const char *tool;
  JsonObject *inputs;
  /* Empty when not given: the user's own account. */
  char        account_id[37];
  /* The device the app syncs as, or NULL: its offline lease may be given
   * back to pay for the run. */
  const char *device;
} TallyAuthorizeRequest;

typedef struct
{
  /* 0 when not given, which only a failed or cancelled run may do. */
  gint64          units;
  TallyRunOutcome outcome;
} TallyCompleteRequest;

/* The largest cap or grant: a trillion credits. */
#define TALLY_API_AMOUNT_MAX G_GINT64_CONSTANT (1000000000000)

typedef struct
{
  /* Indexed by TallyLimit (TALLY_LIMIT_NONE is never given). A cap of 0,
   * or null in the body, removes it. */
  gboolean given[4];
  gint64   cap[4];
} TallyLimitsRequest;

typedef struct
{
  char        account_id[37];
  gint64      amount;
  const char *reason;
  /* Empty when not given: a fresh id, so no idempotency. */
  char        id[37];
  /* When the credits expire, microseconds since the epoch; 0: never. */
  gint64      expires_at;
} TallyGrantRequest;

gboolean tally_api_decode_estimate  (JsonObject            *body,
                                     TallyEstimateRequest  *out,
                                     TallyProblem          *problem);
gboolean tally_api_decode_authorize (JsonObject            *body,
                                     TallyAuthorizeRequest *out,
                                     TallyProblem          *problem);
gboolean tally_api_decode_complete  (JsonObject            *body,
                                     TallyCompleteRequest  *out,
                                     TallyProblem          *problem);
gboolean tally_api_decode_limits    (JsonObject            *body,
                                     TallyLimitsRequest    *out,
                                     TallyProblem          *problem);
gboolean tally_api_decode_grant     (JsonObject            *body,
                                     TallyGrantRequest     *out,
                                     TallyProblem          *problem);

/* POST /v1/sync (tally-api-sync.c) */
#define TALLY_SYNC_MAX_OPS 1000

typedef struct
{
  const char  *device;
  gint64       cursor;
  /* Owned: tally_sync_request_clear() frees it. */
  TallySyncOp *ops;
  guint        n_ops;
  /* The pool of one of the user's teams the device syncs with (its lease
   * and ops are on it); empty for the user's own account. */
  char         account_id[37];
} TallySyncRequest;

gboolean tally_api_decode_sync     (JsonObject           *body,
                                    TallySyncRequest     *out,
                                    TallyProblem         *problem);
void     tally_sync_request_clear  (TallySyncRequest     *request);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallySyncRequest, tally_sync_request_clear)

/* POST /v1/checkout (tally-api-payments.c) */
typedef struct
{
  const char *pack;
  /* NULL, or the address the pack is a gift to. */
  const char *gift_email;
} TallyCheckoutRequest;

gboolean tally_api_decode_checkout (JsonObject           *body,
                                    TallyCheckoutRequest *out,
                                    TallyProblem         *problem);

/* POST /v1/me/referrer (tally-api-gifts.c) */
typedef struct
{
  const char *code;
} TallyReferrerRequest;

gboolean tally_api_decode_referrer (JsonObject           *body,
                                    TallyReferrerRequest *out,
                                    TallyProblem         *problem);

/* POST /v1/subscriptions (tally-api-subscriptions.c) */
typedef struct
{
  const char *plan;
} TallySubscribeRequest;

gboolean tally_api_decode_subscribe (JsonObject            *body,
                                     TallySubscribeRequest *out,
                                     TallyProblem          *problem);

/* PUT /v1/me/invoice-details (tally-api-billing.c): each "" when not
 * given, which clears it. */
typedef struct
{
  const char *company;
  const char *address;
  const char *vat_id;
} TallyInvoiceDetailsRequest;

gboolean tally_api_decode_invoice_details (JsonObject                 *body,
                                           TallyInvoiceDetailsRequest *out,
                                           TallyProblem               *problem);

/* PUT /v1/me/auto-recharge (tally-api-recharge.c): every field required. */
#define TALLY_RECHARGE_MONTHLY_CAP_MAX 100

typedef struct
{
  gboolean    enabled;
  gint64      threshold;
  const char *pack;
  /* Recharges a calendar month may start, 1 to TALLY_RECHARGE_MONTHLY_CAP_MAX. */
  gint64      monthly_cap;
} TallyAutoRechargeRequest;

gboolean tally_api_decode_auto_recharge (JsonObject               *body,
                                         TallyAutoRechargeRequest *out,
                                         TallyProblem             *problem);

/* POST /v1/admin/promo-codes and /v1/promo-codes/redeem
 * (tally-api-promos.c) */
typedef struct
{
  const char *code;
  gint64      credits;
  gint64      max_redemptions;
  /* Microseconds since the epoch; 0: never. */
  gint64      expires_at;
  /* 0: the credits never expire. */
  gint64      credits_expire_after_days;
} TallyPromoCodeRequest;

typedef struct
{
  const char *code;
} TallyRedeemRequest;

gboolean tally_api_decode_promo_code (JsonObject            *body,
                                      TallyPromoCodeRequest *out,
                                      TallyProblem          *problem);
gboolean tally_api_decode_redeem     (JsonObject            *body,
                                      TallyRedeemRequest    *out,
                                      TallyProblem          *problem);
/* PUT /v1/admin/users/{id}; DELETE /v1/me. */
typedef struct
{
  gboolean    has_role;
  const char *role;
  gboolean    has_disabled;
  gboolean    disabled;
} TallyUserUpdateRequest;

gboolean tally_api_decode_user_update (JsonObject             *body,
                                       TallyUserUpdateRequest *out,
                                       TallyProblem           *problem);

typedef struct
{
  const char *password;
} TallyEraseRequest;

gboolean tally_api_decode_erase       (JsonObject             *body,
                                       TallyEraseRequest      *out,
                                       TallyProblem           *problem);

/* PUT /v1/me/consent. */
typedef struct
{
  gboolean    marketing_opt_in;
  const char *text_version;
} TallyConsentRequest;

gboolean tally_api_decode_consent     (JsonObject             *body,
                                       TallyConsentRequest    *out,
                                       TallyProblem           *problem);

/* PUT /v1/me/alerts (tally-api-alerts.c): any subset, merged into the
 * saved settings by tally-alerts.c. */
typedef struct _TallyAlertSettingsRequest TallyAlertSettingsRequest;

gboolean tally_api_decode_alert_settings (JsonObject                *body,
                                          TallyAlertSettingsRequest *out,
                                          TallyProblem              *problem);

/* POST /v1/me/webhooks (tally-api-alerts.c). */
#define TALLY_WEBHOOK_URL_MAX 2048

gboolean tally_api_decode_webhook (JsonObject   *body,
                                   const char  **url,
                                   TallyProblem *problem);

/* POST /v1/me/api-keys (tally-api-keys.c): scopes ["read"] or
 * ["read", "run"]; rate_limit 1 to TALLY_API_KEY_RATE_MAX requests a
 * minute, TALLY_API_KEY_RATE_DEFAULT when not given. */
typedef struct
{
  const char *name;
  gboolean    can_run;
  gint64      rate_limit;
} TallyApiKeyRequest;

gboolean tally_api_decode_api_key (JsonObject         *body,
                                   TallyApiKeyRequest *out,
                                   TallyProblem       *problem);

/* Teams (tally-api-teams.c); TALLY_TEAM_NAME_MAX is in tally-store-teams.h. */
typedef struct
{
  const char *name;
} TallyTeamRequest;

typedef struct
{
  const char    *email;
  /* admin or member: an owner is made by an owner, afterwards. */
  TallyTeamRole  role;
} TallyInvitationRequest;

/* PUT /v1/teams/{id}/members/{user_id}: what is given. A cap of null or 0
 * removes it. */
typedef struct
{
  gboolean      has_role;
  TallyTeamRole role;
  gboolean      has_daily_cap;
  gint64        daily_cap;
  gboolean      has_monthly_cap;
  gint64        monthly_cap;
} TallyMemberChange;

typedef struct
{
  /* Empty when not given: a fresh one. */
  char        id[37];
  char        user_id[37];
  gint64      amount;
} TallyAllocationRequest;

gboolean tally_api_decode_team          (JsonObject             *body,
                                         TallyTeamRequest       *out,
                                         TallyProblem           *problem);
gboolean tally_api_decode_invitation    (JsonObject             *body,
                                         TallyInvitationRequest *out,
                                         TallyProblem           *problem);
gboolean tally_api_decode_member_change (JsonObject             *body,
                                         TallyMemberChange      *out,
                                         TallyProblem           *problem);
gboolean tally_api_decode_allocation    (JsonObject             *body,
                                         TallyAllocationRequest *out,
                                         TallyProblem           *problem);

G_END_DECLS
