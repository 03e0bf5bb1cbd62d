/* tally-mail-notices.h: what the server tells a user by email
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"
#include "tally-store-alerts.h"
#include "tally-store-gifts.h"
#include "tally-store-payments.h"
#include "tally-store-teams.h"

G_BEGIN_DECLS

/* Call these once the event is durable (from a writer's done func); each
 * reads the user's address and queues the email, and does nothing when
 * email is off. */

/* @payment was credited: a confirmation with the pack, the credits and
 * the amount; the PDF receipt stays in the app. */
void tally_notice_purchase_credited (TallyServer        *server,
                                     const TallyPayment *payment);
/* An automatic top-up failed for @reason: says whether auto-recharge is
 * now paused and what to do. */
/* Tells the gift's address that its credits wait for it, and who sent
 * them. */
void tally_notice_gift_waiting      (TallyServer        *server,
                                     const TallyGift    *gift);
void tally_notice_recharge_failed   (TallyServer        *server,
                                     const TallyPayment *payment,
                                     const char         *reason);
/* @inviter invited @invitation's email to @team_name: the code to accept
 * with, and until when. TRUE when the email was queued. */
gboolean tally_notice_team_invitation (TallyServer               *server,
                                       const TallyUser           *inviter,
                                       const char                *team_name,
                                       const TallyTeamInvitation *invitation,
                                       const char                *token);

/* An alert, in text and HTML, with its unsubscribe link. FALSE when the
 * mailer refused it (e.g. an address it cannot send to). */
gboolean tally_notice_alert         (TallyServer        *server,
                                     const TallyUser    *user,
                                     const TallyAlert   *alert,
                                     const char         *unsubscribe_url,
                                     GError            **error);

G_END_DECLS
