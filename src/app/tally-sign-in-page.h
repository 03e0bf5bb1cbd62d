/* tally-sign-in-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_SIGN_IN_PAGE (tally_sign_in_page_get_type ())

/* The welcome page: the server's address, then sign in or register; the
 * session takes it from there. */
G_DECLARE_FINAL_TYPE (TallySignInPage, tally_sign_in_page, TALLY, SIGN_IN_PAGE, TallyPage)

TallySignInPage *tally_sign_in_page_new   (TallySession    *session);
void             tally_sign_in_page_reset (TallySignInPage *self);

G_END_DECLS
