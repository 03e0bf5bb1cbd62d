/* tally-recharge.h: auto-recharge, charging a saved card when the balance
 * falls below what the user set
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"

G_BEGIN_DECLS

#define TALLY_TYPE_RECHARGE (tally_recharge_get_type ())

G_DECLARE_FINAL_TYPE (TallyRecharge, tally_recharge, TALLY, RECHARGE, GObject)

/* Watches @server's group commits; @server owns the result and outlives
 * it. */
TallyRecharge *tally_recharge_new (TallyServer *server);

G_END_DECLS
