/* tally-gifts.h: credit packs bought for someone else's address
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"
#include "tally-store-gifts.h"
#include "tally-store-payments.h"

G_BEGIN_DECLS

/* Inside the writer, with the checkout's payment: the gift of its credits
 * to @email, open until the payment settles. */
gboolean tally_gifts_record   (TallyServer         *server,
                               const TallyPayment  *payment,
                               const char          *email,
                               GError             **error);
/* Inside the writer: the payment of @gift settled, so its credits now
 * wait for the address; nobody's balance changes. *@changed is FALSE when
 * it had settled already (a repeated webhook). */
gboolean tally_gifts_settle   (TallyServer         *server,
                               TallyGift           *gift,
                               gboolean            *changed,
                               GError             **error);
/* Inside the writer: a refund or dispute of a gift nobody claimed yet
 * cancels it (its credits never reach anyone). *@changed is FALSE when
 * it was not waiting. */
gboolean tally_gifts_cancel   (TallyServer         *server,
                               TallyGift           *gift,
                               gboolean            *changed,
                               GError             **error);
/* Inside the writer, at sign-up or sign-in: every gift waiting for
 * @user's address becomes one purchase transfer from the payments
 * account to @user's own, whose id derives from the gift's payment, so
 * however many sign-ins race, each gift is received once. *@claimed
 * receives the credits claimed now (0: none). */
gboolean tally_gifts_claim    (TallyServer         *server,
                               const TallyUser     *user,
                               gint64              *claimed,
                               GError             **error);
/* The transfer a claimed gift became. */
void     tally_gift_claim_id  (const char          *payment_id,
                               char                 id[TALLY_UUID_LEN]);

G_END_DECLS
