/* tally-pager.h: a keyset-paged list of the API, read a page at a time
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tally-session.h"

G_BEGIN_DECLS

/* Hands over the items of one page, oldest page first. */
typedef void (*TallyPagerFunc) (JsonArray *items,
                                gpointer   user_data);

#define TALLY_TYPE_PAGER (tally_pager_get_type ())

/* Reads an admin list of the API ({items, next_cursor}) a page at a
 * time, each page asking for what follows the last one (the server's
 * opaque next_cursor). A reload or clear bumps a generation, so a page
 * that answers for an older query is dropped. Properties: loading, error
 * (the last page's failure in words, or NULL), complete (the last page
 * came). */
G_DECLARE_FINAL_TYPE (TallyPager, tally_pager, TALLY, PAGER, GObject)

/* @take gets each page's items with @user_data, which must outlive the
 * pager's pages: clear the pager before it goes. */
TallyPager *tally_pager_new          (TallySession      *session,
                                      TallyPagerFunc     take,
                                      gpointer           user_data);
/* Forgets the cursor and any page under way, and reads the first page
 * of @path (with its query, without a cursor). */
void        tally_pager_reload       (TallyPager        *self,
                                      const char        *path);
/* Forgets the cursor and any page under way, reading none. */
void        tally_pager_clear        (TallyPager        *self);
/* Reads the next page unless one is being read or none is left. */
void        tally_pager_load_more    (TallyPager        *self);
/* Reads the next page whenever @scrolled reaches its bottom. */
void        tally_pager_follow       (TallyPager        *self,
                                      GtkScrolledWindow *scrolled);
gboolean    tally_pager_get_loading  (TallyPager        *self);
gboolean    tally_pager_get_complete (TallyPager        *self);
const char *tally_pager_get_error    (TallyPager        *self);
/* The number of pages read since the last reload. */
guint       tally_pager_get_n_pages  (TallyPager        *self);

G_END_DECLS
