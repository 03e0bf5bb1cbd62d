/* tally-purchase-page.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "tally-client.h"

G_BEGIN_DECLS

#define TALLY_TYPE_PURCHASE_PAGE (tally_purchase_page_get_type ())

/* Buy Credits: the packs on sale, checkout in the browser, and the wait
 * until the payment lands. */
G_DECLARE_FINAL_TYPE (TallyPurchasePage, tally_purchase_page, TALLY, PURCHASE_PAGE, AdwBin)

/* Opens @uri (the checkout page) for the user; @parent may be NULL. */
typedef void (*TallyUriOpener) (GtkWindow  *parent,
                                const char *uri,
                                gpointer    user_data);

void  tally_purchase_page_set_client     (TallyPurchasePage *self,
                                          TallyClient       *client,
                                          GSettings         *settings);
/* Reads GET /v1/packs again. */
void  tally_purchase_page_load_packs     (TallyPurchasePage *self);
/* The account's balance, as the window last heard it: a rise by the pack's
 * credits also ends the wait. */
void  tally_purchase_page_set_balance    (TallyPurchasePage *self,
                                          gint64             balance);
/* A message of the event stream; only "payment" ones for the checkout
 * waited for matter here: "paid" ends the wait with a toast, "failed"
 * with the failure in words. */
void  tally_purchase_page_handle_event   (TallyPurchasePage *self,
                                          JsonObject        *message);
/* Signed out: forget the wait and the packs. */
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

/* "€10.00", or "10.00 CHF" for currencies without a symbol here: @amount
 * in minor units, @currency an ISO 4217 code in either case. */
char *tally_format_price                 (gint64             amount,
                                          const char        *currency);
/* The price of one credit, with two more decimals: "€0.0091". */
char *tally_format_price_per_credit      (gint64             amount,
                                          const char        *currency,
                                          gint64             credits);

G_END_DECLS
