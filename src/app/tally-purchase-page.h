/* tally-purchase-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "tally-page.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PURCHASE_PAGE (tally_purchase_page_get_type ())

/* Buy Credits: the packs on sale, checkout in the browser, and the wait
 * until the payment lands. */
G_DECLARE_FINAL_TYPE (TallyPurchasePage, tally_purchase_page, TALLY, PURCHASE_PAGE, TallyPage)

/* Opens @uri (the checkout page) for the user; @parent may be NULL. */
typedef void (*TallyUriOpener) (GtkWindow  *parent,
                                const char *uri,
                                gpointer    user_data);

TallyPurchasePage *tally_purchase_page_new (TallySession      *session);
/* Signed out: forget the wait. */
void  tally_purchase_page_reset          (TallyPurchasePage *self);
gboolean tally_purchase_page_get_pending (TallyPurchasePage *self);
/* Saves the PDF receipt of @payment_id to @destination, as Download
 * Receipt does once a file is chosen. */
void  tally_purchase_page_download_receipt (TallyPurchasePage *self,
                                            const char        *payment_id,
                                            GFile             *destination);
/* For tests: replaces the browser with @opener (NULL: the browser again). */
void  tally_purchase_page_set_uri_opener (TallyPurchasePage *self,
                                          TallyUriOpener     opener,
                                          gpointer           user_data);

G_END_DECLS
