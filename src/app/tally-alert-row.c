/* tally-alert-row.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-alert-row.h"

GtkWidget *
tally_alert_row_new (TallyAlert *alert)
{
  g_autofree char *text = NULL;
  g_autofree char *when = NULL;
  GtkWidget *row;
  GtkWidget *icon;

  g_return_val_if_fail (TALLY_IS_ALERT (alert), NULL);

  text = tally_alert_describe (alert);
  when = g_date_time_format (tally_alert_get_created (alert), "%x %X");
  row = adw_action_row_new ();
  /* The words are the app's, the figures the server's: plain text. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), when);
  /* Whole sentences wrap rather than end in "…" on a narrow window. */
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);

  icon = gtk_image_new_from_icon_name (tally_alert_get_kind (alert) == TALLY_ALERT_KIND_LOW_BALANCE
                                       ? "tally-wallet-symbolic" : "dialog-warning-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tally_alert_get_kind (alert) == TALLY_ALERT_KIND_LOW_BALANCE
                                  ? _("Low balance") : _("Spending"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  return row;
}
