/* tally-plans-box.h: Buy Credits → Plans, and Redeem a Code
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-purchase-page.h"
#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PLANS_BOX (tally_plans_box_get_type ())

G_DECLARE_FINAL_TYPE (TallyPlansBox, tally_plans_box, TALLY, PLANS_BOX, GtkBox)

TallyPlansBox *tally_plans_box_new            (TallySession   *session);
/* Reads the plans and the subscription again (the page is shown). */
void           tally_plans_box_reload         (TallyPlansBox  *self);
/* Signed out: forgets the plans, the subscription and any wait. */
void           tally_plans_box_reset          (TallyPlansBox  *self);
/* What opens a checkout page instead of the browser (tests). */
void           tally_plans_box_set_uri_opener (TallyPlansBox  *self,
                                               TallyUriOpener  opener,
                                               gpointer        user_data);

G_END_DECLS
