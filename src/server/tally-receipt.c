/* tally-receipt.c: a purchase's receipt drawn with cairo and pango
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "tally-currency.h"
#include "tally-receipt.h"

/* A4 in points, with 2 cm margins. */
#define PAGE_WIDTH  595.0
#define PAGE_HEIGHT 842.0
#define MARGIN      57.0

char *
tally_format_amount (gint64      amount,
                     const char *currency)
{
  g_autofree char *code = g_ascii_strup (currency, -1);
  g_autofree char *number = tally_currency_format_number (amount,
                                                          tally_currency_decimals (currency),
                                                          ".", FALSE);

  return g_strdup_printf ("%s %s", number, code);
}

static char *
format_date (gint64      microseconds,
             const char *format)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (microseconds / G_USEC_PER_SEC);

  return time != NULL ? g_date_time_format (time, format) : g_strdup ("");
}

char *
tally_receipt_number (const TallyPayment *payment)
{
  g_autofree char *date = format_date (payment->paid_at, "%Y%m%d");
  g_autofree char *short_id = g_ascii_strup (payment->id, 8);

  return g_strdup_printf ("R-%s-%s", date, short_id);
}

/* --- drawing --- */

typedef struct
{
  cairo_t     *cr;
  PangoLayout *layout;
  double       y;
} Page;

/* Draws @text (plain text, never markup: the buyer typed some of it) in
 * @font at @x, @width wide, and returns its height. */
static double
draw_text_at (Page       *page,
              const char *font,
              const char *text,
              double      x,
              double      width)
{
  g_autoptr(PangoFontDescription) description = pango_font_description_from_string (font);
  int height;

  pango_layout_set_font_description (page->layout, description);
  pango_layout_set_width (page->layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (page->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (page->layout, text, -1);
  cairo_move_to (page->cr, x, page->y);
  pango_cairo_show_layout (page->cr, page->layout);
  pango_layout_get_pixel_size (page->layout, NULL, &height);

  return height;
}

static void
draw_line (Page       *page,
           const char *font,
           const char *text)
{
  if (text == NULL || text[0] == '\0')
    return;

  page->y += draw_text_at (page, font, text, MARGIN, PAGE_WIDTH - 2 * MARGIN);
}

/* A label on the left, its value beside it. */
static void
draw_row (Page       *page,
          const char *label,
          const char *value)
{
  double label_height = draw_text_at (page, "Sans Bold 10", label, MARGIN, 150);
  double value_height = draw_text_at (page, "Sans 10", value, MARGIN + 160,
                                      PAGE_WIDTH - 2 * MARGIN - 160);

  page->y += MAX (label_height, value_height) + 4;
}

static void
draw_rule (Page *page)
{
  page->y += 8;
  cairo_set_line_width (page->cr, 0.5);
  cairo_move_to (page->cr, MARGIN, page->y);
  cairo_line_to (page->cr, PAGE_WIDTH - MARGIN, page->y);
  cairo_stroke (page->cr);
  page->y += 12;
}

static void
draw_parties (Page               *page,
              const TallyReceipt *receipt)
{
  const TallyInvoiceDetails *details = receipt->details;
  g_autofree char *vat = details->vat_id[0] != '\0'
                         ? g_strconcat ("VAT ID: ", details->vat_id, NULL) : NULL;

  draw_line (page, "Sans Bold 11", "Seller");
  draw_line (page, "Sans 10", receipt->seller_name);
  draw_line (page, "Sans 10", receipt->seller_address);
  page->y += 14;

  draw_line (page, "Sans Bold 11", "Buyer");
  draw_line (page, "Sans 10", details->company);
  draw_line (page, "Sans 10", receipt->buyer->name);
  draw_line (page, "Sans 10", receipt->buyer->email);
  draw_line (page, "Sans 10", details->address);
  draw_line (page, "Sans 10", vat);
}

static void
draw_purchase (Page               *page,
               const TallyReceipt *receipt)
{
  const TallyPayment *payment = receipt->payment;
  g_autofree char *credits = g_strdup_printf ("%" G_GINT64_FORMAT, payment->credits);
  g_autofree char *amount = tally_format_amount (payment->amount, payment->currency);
  g_autofree char *date = format_date (payment->paid_at, "%Y-%m-%d %H:%M UTC");
  const char *reference = payment->payment_ref[0] != '\0' ? payment->payment_ref
                                                          : payment->session_id;

  draw_row (page, "Pack", receipt->pack_name);
  draw_row (page, "Credits", credits);
  draw_row (page, "Amount paid", amount);
  draw_row (page, "Date", date);
  draw_row (page, "Payment reference", reference);
  draw_row (page, "Payment provider", payment->provider);
  /* Printed again after a refund or a dispute, it says so. */
  if (payment->status != TALLY_PAYMENT_PAID)
    draw_row (page, "Status", tally_payment_status_to_string (payment->status));
}

static void
draw_receipt (cairo_t            *cr,
              const TallyReceipt *receipt)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autofree char *number = tally_receipt_number (receipt->payment);
  g_autofree char *numbered = g_strconcat ("Receipt number: ", number, NULL);
  Page page = { cr, layout, MARGIN };

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  draw_line (&page, "Sans Bold 20", "Receipt");
  page.y += 4;
  draw_line (&page, "Sans 10", numbered);
  draw_rule (&page);
  draw_parties (&page, receipt);
  draw_rule (&page);
  draw_purchase (&page, receipt);
  draw_rule (&page);
  draw_line (&page, "Sans 9",
             "Paid in full. The credits were added to the buyer's Tally account.");
}

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
tally_receipt_render (const TallyReceipt  *receipt,
                      GError             **error)
{
  g_autoptr(GByteArray) pdf = g_byte_array_new ();
  g_autofree char *number = tally_receipt_number (receipt->payment);
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  surface = cairo_pdf_surface_create_for_stream (append_bytes, pdf, PAGE_WIDTH, PAGE_HEIGHT);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, number);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Tally");
  cr = cairo_create (surface);
  draw_receipt (cr, receipt);
  cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not draw the receipt: %s",
                   cairo_status_to_string (status));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&pdf));
}
