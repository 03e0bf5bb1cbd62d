/* tally-page.h: what every page of the window is built on
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-session.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PAGE (tally_page_get_type ())

/* A page shows its session: it takes it as a construct-only "session"
 * property and binds to it. */
G_DECLARE_DERIVABLE_TYPE (TallyPage, tally_page, TALLY, PAGE, AdwBin)

struct _TallyPageClass
{
  AdwBinClass parent_class;

  gpointer    padding[4];
};

/* NULL only for a page whose data a test sets by hand. */
TallySession *tally_page_get_session (TallyPage *self);

G_END_DECLS
