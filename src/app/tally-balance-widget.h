/* tally-balance-widget.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_BALANCE_WIDGET (tally_balance_widget_get_type ())

/* The balance in the header bar; its popover explains what is held. */
G_DECLARE_FINAL_TYPE (TallyBalanceWidget, tally_balance_widget, TALLY, BALANCE_WIDGET, GtkWidget)

/* Follows the "session" property's figures. Spent by runs made offline
 * that the server has not answered yet: shown in the popover, and taken
 * off the balance and off what the offline lease holds. */
gint64   tally_balance_widget_get_offline_spent (TallyBalanceWidget *self);
/* The balance shown: the session's, less what was spent offline. */
gint64   tally_balance_widget_get_balance (TallyBalanceWidget *self);

G_END_DECLS
