/* tally-balance-widget.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TALLY_TYPE_BALANCE_WIDGET (tally_balance_widget_get_type ())

/* The balance in the header bar; its popover explains what is held. */
G_DECLARE_FINAL_TYPE (TallyBalanceWidget, tally_balance_widget, TALLY, BALANCE_WIDGET, GtkWidget)

void     tally_balance_widget_set_figures (TallyBalanceWidget *self,
                                           gint64              balance,
                                           gint64              available,
                                           gint64              held);
/* While loading, a placeholder stands where the figures will be. */
/* Spent by runs made offline that the server has not answered yet: shown
 * in the popover, and taken off the balance and off what the offline
 * lease holds. */
void     tally_balance_widget_set_offline_spent (TallyBalanceWidget *self,
                                                 gint64              spent);
gint64   tally_balance_widget_get_offline_spent (TallyBalanceWidget *self);
void     tally_balance_widget_set_loading (TallyBalanceWidget *self,
                                           gboolean            loading);
gint64   tally_balance_widget_get_balance (TallyBalanceWidget *self);
char    *tally_format_credits             (gint64              credits);

G_END_DECLS
