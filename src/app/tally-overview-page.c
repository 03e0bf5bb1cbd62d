/* tally-overview-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"
#include "tally-overview-page.h"

struct _TallyOverviewPage
{
  AdwBin         parent_instance;

  AdwStatusPage *status;
};

G_DEFINE_FINAL_TYPE (TallyOverviewPage, tally_overview_page, ADW_TYPE_BIN)

static void
tally_overview_page_class_init (TallyOverviewPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyOverviewPage, status);
}

static void
tally_overview_page_init (TallyOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
tally_overview_page_set_account (TallyOverviewPage *self,
                                 const char        *user_name,
                                 gint64             balance,
                                 gint64             available,
                                 gint64             held)
{
  g_autofree char *title = tally_format_credits (balance);
  g_autofree char *available_text = tally_format_credits (available);
  g_autofree char *held_text = tally_format_credits (held);
  g_autofree char *description = NULL;

  g_return_if_fail (TALLY_IS_OVERVIEW_PAGE (self));

  if (held > 0)
    /* Translators: "You can spend 90 credits; 10 credits are held by runs in progress" */
    description = g_strdup_printf (_("You can spend %s; %s are held by runs in progress."),
                                   available_text, held_text);
  else
    description = g_strdup_printf (_("You can spend all of it."));

  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
}
