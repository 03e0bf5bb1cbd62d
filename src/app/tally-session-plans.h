/* tally-session-plans.h: plans, the user's subscription, promo codes
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-plan.h"
#include "tally-session.h"
#include "tally-subscription.h"

G_BEGIN_DECLS

/* GET /v1/plans: a GListModel of TallyPlan. */
void               tally_session_load_plans_async          (TallySession         *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
GListModel        *tally_session_load_plans_finish         (TallySession         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* POST /v1/subscriptions {plan}: the checkout page to open. */
void               tally_session_subscribe_async           (TallySession         *self,
                                                            const char           *plan_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
char              *tally_session_subscribe_finish          (TallySession         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* GET, DELETE (cancel at the period's end) and PUT {plan} (change plan)
 * /v1/me/subscription. Each _finish() sets @subscription to the
 * subscription as the server now has it, or NULL when there is none. */
void               tally_session_load_subscription_async   (TallySession         *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean           tally_session_load_subscription_finish  (TallySession         *self,
                                                            GAsyncResult         *result,
                                                            TallySubscription   **subscription,
                                                            GError              **error);
void               tally_session_cancel_subscription_async (TallySession         *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean           tally_session_cancel_subscription_finish (TallySession        *self,
                                                             GAsyncResult        *result,
                                                             TallySubscription  **subscription,
                                                             GError             **error);
void               tally_session_change_plan_async         (TallySession         *self,
                                                            const char           *plan_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean           tally_session_change_plan_finish        (TallySession         *self,
                                                            GAsyncResult         *result,
                                                            TallySubscription   **subscription,
                                                            GError              **error);

/* POST /v1/promo-codes/redeem {code}: the credits granted. The server's
 * refusals (no such code, redeemed before, expired) come as its own
 * message. */
void               tally_session_redeem_code_async         (TallySession         *self,
                                                            const char           *code,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gint64             tally_session_redeem_code_finish        (TallySession         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

G_END_DECLS
