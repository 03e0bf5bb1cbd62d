/* tally-session.h: the signed-in user's state, which every page binds to
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tally-alert.h"
#include "tally-alert-settings.h"
#include "tally-auto-recharge.h"
#include "tally-cache.h"
#include "tally-client.h"
#include "tally-invoice-details.h"
#include "tally-pack.h"
#include "tally-run-refusal.h"
#include "tally-payment-item.h"
#include "tally-spend-limits.h"
#include "tally-sync.h"
#include "tally-tool-registry.h"
#include "tally-webhook.h"

G_BEGIN_DECLS

typedef enum
{
  /* Looking for a token in the keyring. */
  TALLY_SESSION_STATE_STARTING,
  TALLY_SESSION_STATE_SIGNED_OUT,
  TALLY_SESSION_STATE_SIGNED_IN,
} TallySessionState;

#define TALLY_TYPE_SESSION_STATE (tally_session_state_get_type ())
GType tally_session_state_get_type (void) G_GNUC_CONST;

#define TALLY_TYPE_SESSION (tally_session_get_type ())

/* One per window: owns the client, the local cache and its sync, and
 * holds what the server and the cache say about the user, as properties
 * (with notify) and list models. Pages read and bind to it; commands go
 * through it to the client or the cache. Properties:
 *
 * - state (TallySessionState), user-id, user-name, email, role, account-id
 * - balance, available, held: the account as the server last said
 * - offline-spent: spent by offline runs the server has not answered yet
 * - offline-reserve: what the device's lease sets aside of held
 * - loading: the first /v1/me of a sign-in has not answered yet
 * - limits (TallySpendLimits), tools (TallyToolRegistry, replaced as a
 *   whole when the catalogue changes), packs and payments (GListModels of
 *   TallyPack and TallyPaymentItem, newest payment first), packs-error
 * - cache, sync, ledger: the cache's ledger once the account is known
 * - alerts (GListModel of TallyAlert, newest first, from the cache, so
 *   offline too), alert-settings (TallyAlertSettings as the server last
 *   said; NULL before it answered)
 *
 * Signals: ::notice (text, desktop) for the window to show as a toast,
 * and as a desktop notification too when @desktop and the window is in
 * the background; ::payment (TallyPaymentItem) for every payment event;
 * ::ledger-changed after the cache changed and the figures follow it;
 * ::alert (TallyAlert) for each alert that arrives live, once;
 * ::pool-balance (account id, balance, available) when the server pushes
 * the balance of a team's pool the user spends from. */
G_DECLARE_FINAL_TYPE (TallySession, tally_session, TALLY, SESSION, GObject)

/* Looks for the token of @client's server in the keyring at once. */
TallySession      *tally_session_new                (TallyClient          *client,
                                                     GSettings            *settings);
TallyClient       *tally_session_get_client         (TallySession         *self);
/* The server the client talks to, signed in or not. */
const char        *tally_session_get_server_url     (TallySession         *self);
GSettings         *tally_session_get_settings       (TallySession         *self);
TallySessionState  tally_session_get_state          (TallySession         *self);
/* NULL before the cache opened (after /v1/me, or from the last session
 * when the server cannot be reached) and after signing out. */
TallyCache        *tally_session_get_cache          (TallySession         *self);
TallySync         *tally_session_get_sync           (TallySession         *self);
TallyLedger       *tally_session_get_ledger         (TallySession         *self);
const char        *tally_session_get_account_id     (TallySession         *self);
const char        *tally_session_get_user_name      (TallySession         *self);
const char        *tally_session_get_email          (TallySession         *self);
const char        *tally_session_get_role           (TallySession         *self);
gint64             tally_session_get_balance        (TallySession         *self);
gint64             tally_session_get_available      (TallySession         *self);
gint64             tally_session_get_held           (TallySession         *self);
gint64             tally_session_get_offline_spent  (TallySession         *self);
gint64             tally_session_get_offline_reserve (TallySession        *self);
const TallySpendLimits *tally_session_get_limits    (TallySession         *self);
/* The soonest of the account's credits that expire: when (NULL: none),
 * and how many; "notify::expiring-at" says when either changes. */
GDateTime         *tally_session_get_expiring       (TallySession         *self,
                                                     gint64               *credits);
TallyToolRegistry *tally_session_get_tools          (TallySession         *self);
/* The tool's name in the catalogue, or NULL. */
const char        *tally_session_get_tool_name      (TallySession         *self,
                                                     const char           *tool_id);
GListModel        *tally_session_get_packs          (TallySession         *self);
TallyPack         *tally_session_find_pack          (TallySession         *self,
                                                     const char           *pack_id);
/* Why the packs cannot be shown, in words; NULL when they can. */
const char        *tally_session_get_packs_error    (TallySession         *self);
GListModel        *tally_session_get_payments       (TallySession         *self);
GListModel        *tally_session_get_alerts         (TallySession         *self);
const TallyAlertSettings *tally_session_get_alert_settings (TallySession  *self);
TallyPaymentItem  *tally_session_find_payment       (TallySession         *self,
                                                     const char           *payment_id);
/* The user's latest settled costs of @tool_id from the cache, for a
 * typical estimate of their own; NULL without a cache. */
GArray            *tally_session_get_recent_costs   (TallySession         *self,
                                                     const char           *tool_id);

/* Signs in on @server_url (registering first when @name is not NULL,
 * with @referral_code unless it is NULL), keeps the token in the keyring
 * and loads everything. */
void               tally_session_sign_in_async      (TallySession         *self,
                                                     const char           *server_url,
                                                     const char           *email,
                                                     const char           *password,
                                                     const char           *name,
                                                     const char           *referral_code,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean           tally_session_sign_in_finish     (TallySession         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Forgets the token here and in the keyring, revokes it on the server. */
void               tally_session_sign_out           (TallySession         *self);
/* Reads everything from the server again and syncs. */
void               tally_session_refresh            (TallySession         *self);
void               tally_session_reload_payments    (TallySession         *self);
/* Reads /v1/me again: the figures, the caps and the user. */
void               tally_session_reload_account     (TallySession         *self);

/* POST /v1/checkout for @pack_id, a gift to @gift_email unless it is
 * NULL: the page to pay on, and the checkout's id that payment events
 * carry as their ref. */
void               tally_session_start_checkout_async  (TallySession       *self,
                                                        const char         *pack_id,
                                                        const char         *gift_email,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           tally_session_start_checkout_finish (TallySession       *self,
                                                        GAsyncResult       *result,
                                                        char              **url,
                                                        char              **checkout_id,
                                                        GError            **error);
/* Saves the PDF receipt of @payment_id to @destination. */
void               tally_session_save_receipt_async    (TallySession       *self,
                                                        const char         *payment_id,
                                                        GFile              *destination,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           tally_session_save_receipt_finish   (TallySession       *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* GET /v1/me/export: everything the server keeps about the user, as one
 * JSON file at @destination. */
void               tally_session_export_data_async     (TallySession       *self,
                                                        GFile              *destination,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           tally_session_export_data_finish    (TallySession       *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);
/* DELETE /v1/me with @password: erases the account on the server, then
 * signs out here and deletes the account's offline cache. */
void               tally_session_delete_account_async  (TallySession       *self,
                                                        const char         *password,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           tally_session_delete_account_finish (TallySession       *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* tally-session-runs.c: a run's calls */

/* POST /v1/runs: holds the most a run of @tool on @inputs may cost. FALSE
 * with @error when nothing is held; *@refusal then says why when the
 * server refused (NULL when it could not be asked). */
void               tally_session_authorize_run_async   (TallySession       *self,
                                                        const char         *run_id,
                                                        TallyTool          *tool,
                                                        JsonObject         *inputs,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
/* The same, paid from @account_id (a team's pool; NULL: the user's own).
 * Finished with tally_session_authorize_run_finish(). */
void               tally_session_authorize_run_on_async (TallySession      *self,
                                                        const char         *run_id,
                                                        TallyTool          *tool,
                                                        JsonObject         *inputs,
                                                        const char         *account_id,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           tally_session_authorize_run_finish  (TallySession       *self,
                                                        GAsyncResult       *result,
                                                        TallyRunRefusal   **refusal,
                                                        GError            **error);
/* POST /v1/runs/{id}/complete with what the run measured (@units < 0:
 * nothing): how it ended, what it cost and what of the hold came back. */
void               tally_session_complete_run_async    (TallySession       *self,
                                                        const char         *run_id,
                                                        const char         *outcome,
                                                        gint64              units,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
gboolean           tally_session_complete_run_finish   (TallySession       *self,
                                                        GAsyncResult       *result,
                                                        char              **status,
                                                        gint64             *charged,
                                                        gint64             *released,
                                                        GError            **error);

/* tally-session-billing.c: what the user sets about paying. Each _finish()
 * hands back the reply typed, or NULL with @error in words. */

/* PUT /v1/me/limits: the user's own caps, 0 for none of their own; the
 * caps as they now stand. The account is read again, so every page shows
 * them. */
void               tally_session_save_limits_async  (TallySession         *self,
                                                     gint64                per_run,
                                                     gint64                daily,
                                                     gint64                monthly,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
TallySpendLimits  *tally_session_save_limits_finish (TallySession         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* GET, PUT /v1/me/invoice-details: what receipts print about the buyer;
 * saving answers what the server kept. */
void               tally_session_load_invoice_details_async (TallySession              *self,
                                                             GCancellable              *cancellable,
                                                             GAsyncReadyCallback        callback,
                                                             gpointer                   user_data);
TallyInvoiceDetails *tally_session_load_invoice_details_finish (TallySession            *self,
                                                                GAsyncResult            *result,
                                                                GError                 **error);
void               tally_session_save_invoice_details_async (TallySession              *self,
                                                             const TallyInvoiceDetails *details,
                                                             GCancellable              *cancellable,
                                                             GAsyncReadyCallback        callback,
                                                             gpointer                   user_data);
TallyInvoiceDetails *tally_session_save_invoice_details_finish (TallySession            *self,
                                                                GAsyncResult            *result,
                                                                GError                 **error);
/* GET, PUT /v1/me/auto-recharge; saving sends only what the user sets
 * and answers the whole, with the server's state. */
void               tally_session_load_auto_recharge_async  (TallySession             *self,
                                                            GCancellable             *cancellable,
                                                            GAsyncReadyCallback       callback,
                                                            gpointer                  user_data);
TallyAutoRecharge *tally_session_load_auto_recharge_finish (TallySession             *self,
                                                            GAsyncResult             *result,
                                                            GError                  **error);
void               tally_session_save_auto_recharge_async  (TallySession             *self,
                                                            const TallyAutoRecharge  *recharge,
                                                            GCancellable             *cancellable,
                                                            GAsyncReadyCallback       callback,
                                                            gpointer                  user_data);
TallyAutoRecharge *tally_session_save_auto_recharge_finish (TallySession             *self,
                                                            GAsyncResult             *result,
                                                            GError                  **error);
/* POST /v1/billing/portal: the address of the page where the user
 * manages their payment methods, for the browser. */
void               tally_session_open_billing_portal_async  (TallySession         *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
char              *tally_session_open_billing_portal_finish (TallySession         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

/* tally-session-alerts.c: alerts and webhooks. Each _finish() hands back
 * the reply typed, or NULL with @error in words. */

/* GET, PUT /v1/me/alerts; saving sends the whole settings and answers
 * what the server kept, which alert-settings then holds. */
void               tally_session_load_alert_settings_async  (TallySession            *self,
                                                             GCancellable            *cancellable,
                                                             GAsyncReadyCallback      callback,
                                                             gpointer                 user_data);
TallyAlertSettings *tally_session_load_alert_settings_finish (TallySession           *self,
                                                              GAsyncResult           *result,
                                                              GError                **error);
void               tally_session_save_alert_settings_async  (TallySession             *self,
                                                             const TallyAlertSettings *settings,
                                                             GCancellable             *cancellable,
                                                             GAsyncReadyCallback       callback,
                                                             gpointer                  user_data);
TallyAlertSettings *tally_session_save_alert_settings_finish (TallySession           *self,
                                                              GAsyncResult           *result,
                                                              GError                **error);
/* GET /v1/me/webhooks: a GPtrArray of TallyWebhook. */
void               tally_session_list_webhooks_async  (TallySession         *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
GPtrArray         *tally_session_list_webhooks_finish (TallySession         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
/* POST /v1/me/webhooks: the new webhook, with its secret. */
void               tally_session_add_webhook_async    (TallySession         *self,
                                                       const char           *url,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
TallyWebhook      *tally_session_add_webhook_finish   (TallySession         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
/* DELETE /v1/me/webhooks/{id}. */
void               tally_session_remove_webhook_async  (TallySession        *self,
                                                        const char          *webhook_id,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean           tally_session_remove_webhook_finish (TallySession        *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
/* GET /v1/me/webhooks/{id}/deliveries: the latest page, a GPtrArray of
 * TallyWebhookDelivery. */
void               tally_session_list_deliveries_async  (TallySession        *self,
                                                         const char          *webhook_id,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GPtrArray         *tally_session_list_deliveries_finish (TallySession        *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
G_END_DECLS
