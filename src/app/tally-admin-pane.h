/* tally-admin-pane.h: what every pane of the Admin view is built on
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_ADMIN_PANE (tally_admin_pane_get_type ())

/* A pane reads what it shows when it is first shown to an admin, and
 * forgets it when the session's user or role changes (reading again if
 * it is shown). Its calls take the pane's cancellable, which is
 * cancelled then and with the pane. */
G_DECLARE_DERIVABLE_TYPE (TallyAdminPane, tally_admin_pane, TALLY, ADMIN_PANE, TallyPage)

struct _TallyAdminPaneClass
{
  TallyPageClass parent_class;

  /* Reads what the pane shows; required. */
  void     (*reload) (TallyAdminPane *self);
  /* Forgets what it shows, the cancellable already renewed; optional. */
  void     (*clear)  (TallyAdminPane *self);

  gpointer padding[4];
};

/* Makes the pane a scrolling column, at most @maximum_width wide (0: the
 * clamp's default), padded; returns the column to fill. */
GtkBox       *tally_admin_pane_set_body          (TallyAdminPane *self,
                                                  int             maximum_width);
/* Reads again; the pane counts as loaded from then on. */
void          tally_admin_pane_reload            (TallyAdminPane *self);
/* Cancels every call under way and forgets what is shown. */
void          tally_admin_pane_clear             (TallyAdminPane *self);
/* Whether the pane read since it was made or last cleared. */
gboolean      tally_admin_pane_get_loaded        (TallyAdminPane *self);
GCancellable *tally_admin_pane_get_cancellable   (TallyAdminPane *self);
/* Cancels every call under way; returns the cancellable for new ones. */
GCancellable *tally_admin_pane_renew_cancellable (TallyAdminPane *self);

G_END_DECLS
