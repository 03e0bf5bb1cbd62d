/* tally-gifts-box.h: Buy Credits' gift switch and referral link
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_GIFTS_BOX (tally_gifts_box_get_type ())

G_DECLARE_FINAL_TYPE (TallyGiftsBox, tally_gifts_box, TALLY, GIFTS_BOX, GtkBox)

TallyGiftsBox *tally_gifts_box_new            (TallySession   *session);
/* Reads the referral link and what it earned again. */
void           tally_gifts_box_reload         (TallyGiftsBox  *self);
void           tally_gifts_box_reset          (TallyGiftsBox  *self);
/* The address a pack bought now is a gift to: NULL when "Buy as a Gift"
 * is off; NULL with @error (in words) when it is on without an address. */
char          *tally_gifts_box_get_gift_email (TallyGiftsBox  *self,
                                               GError        **error);
/* The gift was paid: the switch goes off and the address is cleared. */
void           tally_gifts_box_gift_sent      (TallyGiftsBox  *self);
/* The link as shown, or NULL before it is loaded. */
const char    *tally_gifts_box_get_link       (TallyGiftsBox  *self);

G_END_DECLS
