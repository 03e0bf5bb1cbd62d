/* tally-purchase-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tally-balance-widget.h"
#include "tally-purchase-page.h"

/* How many packs bought before are offered as one-click top-ups. */
#define MAX_RECENT_PACKS 3
/* Payments listed with their receipts, newest first. */
#define MAX_RECEIPTS 20

struct _TallyPurchasePage
{
  AdwBin          parent_instance;

  GtkStack       *stack;
  GtkLabel       *balance_label;
  GtkLabel       *error_label;
  GtkLabel       *recent_heading;
  GtkListBox     *recent_list;
  GtkListBox     *packs_list;
  GtkLabel       *receipts_heading;
  GtkListBox     *receipts_list;
  AdwStatusPage  *pending_status;

  TallyClient    *client;
  GSettings      *settings;
  GCancellable   *cancellable;
  JsonArray      *packs;
  /* GET /v1/payments' items, newest first. */
  JsonArray      *payments;
  gint64          balance;

  TallyUriOpener  opener;
  gpointer        opener_data;

  /* The checkout being started or waited for. */
  gboolean        starting;
  char           *pending_pack_id;
  char           *pending_session_id;
  char           *pending_url;
  gint64          pending_credits;
  gint64          balance_before;
};

G_DEFINE_FINAL_TYPE (TallyPurchasePage, tally_purchase_page, ADW_TYPE_BIN)

/* Currencies whose minor unit is the unit itself (ISO 4217 exponent 0). */
static const char * const zero_decimal_currencies[] = {
  "bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
  "vuv", "xaf", "xof", "xpf", NULL
};

static guint
currency_decimals (const char *currency)
{
  g_autofree char *lower = g_ascii_strdown (currency, -1);

  return g_strv_contains (zero_decimal_currencies, lower) ? 0 : 2;
}

static const char *
currency_symbol (const char *currency)
{
  if (g_ascii_strcasecmp (currency, "eur") == 0)
    return "€";
  if (g_ascii_strcasecmp (currency, "usd") == 0)
    return "$";
  if (g_ascii_strcasecmp (currency, "gbp") == 0)
    return "£";
  return NULL;
}

/* @value in units of 10^-@decimals, with the locale's grouping and
 * decimal point; integer arithmetic only. */
static char *
format_decimal (gint64 value,
                guint  decimals)
{
  const char *point = localeconv ()->decimal_point;
  guint64 magnitude = value < 0 ? (guint64) -(value + 1) + 1 : (guint64) value;
  guint64 divisor = 1;

  for (guint i = 0; i < decimals; i++)
    divisor *= 10;

  if (decimals == 0)
    return g_strdup_printf ("%s%'" G_GUINT64_FORMAT, value < 0 ? "-" : "", magnitude);

  return g_strdup_printf ("%s%'" G_GUINT64_FORMAT "%s%0*" G_GUINT64_FORMAT,
                          value < 0 ? "-" : "", magnitude / divisor,
                          point != NULL && point[0] != '\0' ? point : ".",
                          (int) decimals, magnitude % divisor);
}

static char *
format_money (gint64      value,
              guint       decimals,
              const char *currency)
{
  g_autofree char *number = format_decimal (value, decimals);
  const char *symbol = currency_symbol (currency);
  g_autofree char *code = NULL;

  if (symbol != NULL)
    /* Translators: a price: "€10.00" */
    return g_strdup_printf (C_("price", "%s%s"), symbol, number);

  code = g_ascii_strup (currency, -1);
  /* Translators: a price without a currency symbol: "10.00 CHF" */
  return g_strdup_printf (C_("price", "%s %s"), number, code);
}

char *
tally_format_price (gint64      amount,
                    const char *currency)
{
  g_return_val_if_fail (currency != NULL, NULL);

  return format_money (amount, currency_decimals (currency), currency);
}

char *
tally_format_price_per_credit (gint64      amount,
                               const char *currency,
                               gint64      credits)
{
  g_return_val_if_fail (currency != NULL, NULL);
  g_return_val_if_fail (credits > 0, NULL);

  /* In hundredths of the minor unit, rounded to the nearest. */
  return format_money ((amount * 100 + credits / 2) / credits, currency_decimals (currency) + 2,
                       currency);
}

static void
show_error (TallyPurchasePage *self,
            const char        *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
toast (TallyPurchasePage *self,
       const char        *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static JsonObject *
find_pack (TallyPurchasePage *self,
           const char        *pack_id)
{
  for (guint i = 0; self->packs != NULL && i < json_array_get_length (self->packs); i++)
    {
      JsonObject *pack = json_array_get_object_element (self->packs, i);

      if (pack != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (pack, "id", NULL), pack_id) == 0)
        return pack;
    }

  return NULL;
}

static gint64
pack_amount (JsonObject *pack)
{
  JsonObject *price = json_object_get_object_member (pack, "price");

  return price ? json_object_get_int_member_with_default (price, "amount", 0) : 0;
}

static const char *
pack_currency (JsonObject *pack)
{
  JsonObject *price = json_object_get_object_member (pack, "price");

  return price ? json_object_get_string_member_with_default (price, "currency", "") : "";
}

static char *
pack_price (JsonObject *pack)
{
  return tally_format_price (pack_amount (pack), pack_currency (pack));
}

static void
update_actions (TallyPurchasePage *self)
{
  gboolean pending = self->pending_session_id != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "purchase.buy",
                                 !self->starting && !pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "purchase.cancel-waiting", pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "purchase.reopen", pending);
}

static void
clear_pending (TallyPurchasePage *self)
{
  g_clear_pointer (&self->pending_pack_id, g_free);
  g_clear_pointer (&self->pending_session_id, g_free);
  g_clear_pointer (&self->pending_url, g_free);
  self->pending_credits = 0;
  gtk_stack_set_visible_child_name (self->stack, "packs");
  update_actions (self);
}

/* The one-click button of a row: "Buy", or "Top Up" for a pack bought
 * before; its accessible name says which pack and what it costs. */
static GtkWidget *
buy_button (JsonObject *pack,
            gboolean    recent)
{
  const char *id = json_object_get_string_member_with_default (pack, "id", "");
  const char *name = json_object_get_string_member_with_default (pack, "name", id);
  g_autofree char *price = pack_price (pack);
  g_autofree char *accessible = NULL;
  GtkWidget *button = gtk_button_new_with_label (recent ? _("Top Up") : _("Buy"));

  /* Translators: "Buy Starter for €5.00" / "Top up with Starter for €5.00" */
  accessible = g_strdup_printf (recent ? _("Top up with %s for %s") : _("Buy %s for %s"),
                                name, price);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_set_tooltip_text (button, accessible);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "purchase.buy");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", id);
  if (recent)
    gtk_widget_add_css_class (button, "suggested-action");
  return button;
}

static GtkWidget *
pack_row (JsonObject *pack,
          gboolean    recent)
{
  const char *id = json_object_get_string_member_with_default (pack, "id", "");
  gint64 credits = json_object_get_int_member_with_default (pack, "credits", 0);
  g_autofree char *credits_text = tally_format_credits (credits);
  g_autofree char *price = pack_price (pack);
  g_autofree char *per_credit = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *price_label = gtk_label_new (price);

  if (credits > 0)
    {
      per_credit = tally_format_price_per_credit (pack_amount (pack), pack_currency (pack),
                                                  credits);
      /* Translators: "500 credits · €0.0100 per credit" */
      subtitle = g_strdup_printf (_("%s · %s per credit"), credits_text, per_credit);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 json_object_get_string_member_with_default (pack, "name", id));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle ? subtitle : credits_text);
  gtk_widget_add_css_class (price_label, "numeric");
  gtk_widget_add_css_class (price_label, "heading");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), price_label);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), buy_button (pack, recent));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* The packs of paid payments, newest first, then those this app
 * remembers buying (a payment list not loaded yet, or offline); each
 * once. */
static GStrv
recent_pack_ids (TallyPurchasePage *self)
{
  g_auto(GStrv) remembered = g_settings_get_strv (self->settings, "recent-packs");
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments); i++)
    {
      JsonObject *payment = json_array_get_object_element (self->payments, i);
      const char *pack = json_object_get_string_member_with_default (payment, "pack", NULL);

      if (pack != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (payment, "status", ""),
                     "paid") == 0 &&
          !g_ptr_array_find_with_equal_func (ids, pack, g_str_equal, NULL))
        g_ptr_array_add (ids, (gpointer) pack);
    }
  for (guint i = 0; remembered[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (ids, remembered[i], g_str_equal, NULL))
      g_ptr_array_add (ids, remembered[i]);

  g_ptr_array_add (ids, NULL);
  return g_strdupv ((char **) ids->pdata);
}

static void
show_recent (TallyPurchasePage *self)
{
  g_auto(GStrv) recent = recent_pack_ids (self);
  guint shown = 0;

  clear_list (self->recent_list);
  for (guint i = 0; recent[i] != NULL && shown < MAX_RECENT_PACKS; i++)
    {
      JsonObject *pack = find_pack (self, recent[i]);

      if (pack == NULL)
        continue;
      gtk_list_box_append (self->recent_list, pack_row (pack, TRUE));
      shown++;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->recent_heading), shown > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), shown > 0);
}

static void show_receipts (TallyPurchasePage *self);

static void
show_packs (TallyPurchasePage *self)
{
  clear_list (self->packs_list);
  for (guint i = 0; self->packs != NULL && i < json_array_get_length (self->packs); i++)
    {
      JsonObject *pack = json_array_get_object_element (self->packs, i);

      if (pack != NULL)
        gtk_list_box_append (self->packs_list, pack_row (pack, FALSE));
    }

  if (self->settings != NULL)
    show_recent (self);
  /* The receipts name their packs now. */
  show_receipts (self);
}

/* Most recent first, each pack once. */
static void
remember_pack (TallyPurchasePage *self,
               const char        *pack_id)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-packs");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint kept = 1;

  g_strv_builder_add (builder, pack_id);
  for (guint i = 0; recent[i] != NULL && kept < MAX_RECENT_PACKS; i++)
    if (!g_str_equal (recent[i], pack_id))
      {
        g_strv_builder_add (builder, recent[i]);
        kept++;
      }

  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-packs", (const char * const *) updated);
}

static void load_payments (TallyPurchasePage *self);

static void
payment_landed (TallyPurchasePage *self,
                gint64             credits)
{
  g_autofree char *credits_text = tally_format_credits (credits);
  g_autofree char *message = NULL;

  remember_pack (self, self->pending_pack_id);
  clear_pending (self);
  show_recent (self);
  /* Translators: "500 credits added" */
  message = g_strdup_printf (_("%s added"), credits_text);
  toast (self, message);
  /* Its receipt can be downloaded now. */
  load_payments (self);
}

static void
payment_failed (TallyPurchasePage *self)
{
  clear_pending (self);
  show_error (self, _("The payment did not go through, so nothing was charged and no credits "
                      "were added. You can try again, with another card if need be."));
}

static void
packs_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  g_autofree char *message = NULL;
  JsonArray *packs;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  packs = reply ? json_object_get_array_member (reply, "packs") : NULL;
  if (packs == NULL)
    {
      message = g_strdup_printf (_("The credit packs cannot be shown: %s"),
                                 error ? error->message : _("the server sent none"));
      show_error (self, message);
      return;
    }

  show_error (self, NULL);
  g_clear_pointer (&self->packs, json_array_unref);
  self->packs = json_array_ref (packs);
  show_packs (self);
}

void
tally_purchase_page_load_packs (TallyPurchasePage *self)
{
  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));
  g_return_if_fail (self->client != NULL);

  tally_client_call_async (self->client, "GET", "/v1/packs", NULL, self->cancellable,
                           packs_loaded, g_object_ref (self));
  load_payments (self);
}

/* --- receipts --- */

static GDateTime *
payment_time (JsonObject *payment)
{
  const char *paid = json_object_get_string_member_with_default (payment, "paid_at", NULL);
  const char *created = json_object_get_string_member_with_default (payment, "created_at", "");
  g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601 (paid != NULL ? paid : created, NULL);

  return utc != NULL ? g_date_time_to_local (utc) : g_date_time_new_now_local ();
}

static const char *
status_in_words (const char *status)
{
  if (g_str_equal (status, "paid"))
    return _("Paid");
  if (g_str_equal (status, "failed"))
    return _("Failed, nothing charged");
  if (g_str_equal (status, "refunded"))
    return _("Refunded");
  if (g_str_equal (status, "disputed"))
    return _("Disputed");
  return _("Not finished");
}

/* Only a payment that was paid at some point has a receipt. */
static gboolean
has_receipt (const char *status)
{
  return g_str_equal (status, "paid") || g_str_equal (status, "refunded") ||
         g_str_equal (status, "disputed");
}

static GtkWidget *
receipt_button (JsonObject *payment,
                const char *title)
{
  GtkWidget *button = gtk_button_new_with_label (_("Download Receipt"));
  g_autofree char *accessible = NULL;

  /* Translators: "Download the receipt of Starter · €5.00" */
  accessible = g_strdup_printf (_("Download the receipt of %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "purchase.download-receipt");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s",
                                    json_object_get_string_member_with_default (payment, "id",
                                                                                ""));
  return button;
}

static GtkWidget *
receipt_row (TallyPurchasePage *self,
             JsonObject        *payment)
{
  const char *pack_id = json_object_get_string_member_with_default (payment, "pack", "");
  const char *status = json_object_get_string_member_with_default (payment, "status", "");
  JsonObject *pack = find_pack (self, pack_id);
  g_autofree char *price = tally_format_price (
    json_object_get_int_member_with_default (payment, "amount", 0),
    json_object_get_string_member_with_default (payment, "currency", "eur"));
  g_autoptr(GDateTime) when = payment_time (payment);
  g_autofree char *date = g_date_time_format (when, "%x");
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();

  /* Translators: a payment: "Starter · €5.00" */
  title = g_strdup_printf (_("%s · %s"),
                           pack ? json_object_get_string_member_with_default (pack, "name",
                                                                              pack_id)
                                : pack_id, price);
  /* Translators: "26/11/2026 · Paid" */
  subtitle = g_strdup_printf (_("%s · %s"), date, status_in_words (status));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (has_receipt (status))
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), receipt_button (payment, title));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static void
show_receipts (TallyPurchasePage *self)
{
  guint shown = 0;

  clear_list (self->receipts_list);
  for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments) &&
                    shown < MAX_RECEIPTS; i++)
    {
      JsonObject *payment = json_array_get_object_element (self->payments, i);

      /* A checkout started and never finished is no payment to list. */
      if (payment == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (payment, "status", ""),
                     "open") == 0)
        continue;
      gtk_list_box_append (self->receipts_list, receipt_row (self, payment));
      shown++;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->receipts_heading), shown > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->receipts_list), shown > 0);
}

static void
payments_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  JsonArray *items = reply != NULL ? json_object_get_array_member (reply, "items") : NULL;

  /* Offline, the page keeps what it showed; the packs say why. */
  if (items == NULL)
    return;

  g_clear_pointer (&self->payments, json_array_unref);
  self->payments = json_array_ref (items);
  show_receipts (self);
  if (self->settings != NULL)
    show_recent (self);
}

static void
load_payments (TallyPurchasePage *self)
{
  tally_client_call_async (self->client, "GET", "/v1/payments", NULL, self->cancellable,
                           payments_loaded, g_object_ref (self));
}

typedef struct
{
  TallyPurchasePage *self;
  GFile             *destination;
} ReceiptDownload;

static void
receipt_download_free (ReceiptDownload *download)
{
  g_object_unref (download->self);
  g_object_unref (download->destination);
  g_free (download);
}

static void
receipt_failed (TallyPurchasePage *self,
                const GError      *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  message = g_strdup_printf (_("The receipt was not saved: %s"), error->message);
  show_error (self, message);
}

static void
receipt_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ReceiptDownload *download = user_data;
  g_autoptr(GError) error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    toast (download->self, _("Receipt saved"));
  else
    receipt_failed (download->self, error);
  receipt_download_free (download);
}

static void
receipt_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ReceiptDownload *download = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = tally_client_fetch_finish (TALLY_CLIENT (source), result, &error);

  if (pdf == NULL)
    {
      receipt_failed (download->self, error);
      receipt_download_free (download);
      return;
    }

  g_file_replace_contents_bytes_async (download->destination, pdf, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       download->self->cancellable, receipt_written, download);
}

/**
 * tally_purchase_page_download_receipt:
 * @self: a #TallyPurchasePage
 * @payment_id: a payment of GET /v1/payments
 * @destination: where the PDF goes
 *
 * What Download Receipt does once the file is chosen; tests call it
 * without the file chooser. A toast says when the file is written.
 */
void
tally_purchase_page_download_receipt (TallyPurchasePage *self,
                                      const char        *payment_id,
                                      GFile             *destination)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  ReceiptDownload *download;

  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));
  g_return_if_fail (payment_id != NULL);
  g_return_if_fail (G_IS_FILE (destination));

  escaped = g_uri_escape_string (payment_id, NULL, FALSE);
  path = g_strdup_printf ("/v1/payments/%s/receipt", escaped);
  download = g_new0 (ReceiptDownload, 1);
  download->self = g_object_ref (self);
  download->destination = g_object_ref (destination);
  show_error (self, NULL);
  tally_client_fetch_async (self->client, path, self->cancellable, receipt_fetched, download);
}

static JsonObject *
find_payment (TallyPurchasePage *self,
              const char        *payment_id)
{
  for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments); i++)
    {
      JsonObject *payment = json_array_get_object_element (self->payments, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (payment, "id", NULL),
                     payment_id) == 0)
        return payment;
    }

  return NULL;
}

static void
receipt_chosen (GtkNativeDialog   *chooser,
                int                response,
                TallyPurchasePage *self)
{
  g_autoptr(GFile) file = NULL;
  const char *payment_id = g_object_get_data (G_OBJECT (chooser), "payment-id");

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    tally_purchase_page_download_receipt (self, payment_id, file);

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
download_receipt_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TallyPurchasePage *self = TALLY_PURCHASE_PAGE (widget);
  const char *payment_id = g_variant_get_string (parameter, NULL);
  JsonObject *payment = find_payment (self, payment_id);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *date = NULL;
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (payment == NULL)
    return;

  when = payment_time (payment);
  date = g_date_time_format (when, "%Y-%m-%d");
  name = g_strdup_printf ("tally-receipt-%s.pdf", date);
  chooser = gtk_file_chooser_native_new (_("Save Receipt"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data_full (G_OBJECT (chooser), "payment-id", g_strdup (payment_id), g_free);
  g_signal_connect_object (chooser, "response", G_CALLBACK (receipt_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
browser_launched (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (g_app_info_launch_default_for_uri_finish (result, &error) || self->pending_url == NULL)
    return;

  /* Translators: the second %s is the checkout page's address */
  message = g_strdup_printf (_("The browser cannot be opened (%s). Open %s yourself to pay."),
                             error->message, self->pending_url);
  adw_status_page_set_description (self->pending_status, message);
}

static void
open_checkout (TallyPurchasePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GdkAppLaunchContext) context = NULL;

  if (self->opener != NULL)
    {
      self->opener (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->pending_url,
                    self->opener_data);
      return;
    }

  context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));
  g_app_info_launch_default_for_uri_async (self->pending_url, G_APP_LAUNCH_CONTEXT (context),
                                           NULL, browser_launched, g_object_ref (self));
}

static void
show_pending (TallyPurchasePage *self,
              JsonObject        *pack)
{
  g_autofree char *credits = tally_format_credits (self->pending_credits);
  g_autofree char *price = pack_price (pack);
  g_autofree char *description = NULL;

  /* Translators: "Finish it in your browser: Starter, 500 credits for €5.00." */
  description = g_strdup_printf (_("Finish it in your browser: %s, %s for %s."),
                                 json_object_get_string_member_with_default (pack, "name", ""),
                                 credits, price);
  adw_status_page_set_description (self->pending_status, description);
  gtk_stack_set_visible_child_name (self->stack, "pending");
}

static void
checkout_started (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  g_autofree char *pack_id = g_steal_pointer (&self->pending_pack_id);
  g_autofree char *message = NULL;
  JsonObject *pack = find_pack (self, pack_id);
  const char *url = reply ? json_object_get_string_member_with_default (reply, "url", NULL) : NULL;
  const char *session_id = reply ? json_object_get_string_member_with_default (reply, "session_id",
                                                                               NULL) : NULL;

  self->starting = FALSE;
  update_actions (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (url == NULL || session_id == NULL || pack == NULL)
    {
      message = g_strdup_printf (_("The checkout cannot be started: %s"),
                                 error ? error->message : _("the server sent no checkout page"));
      show_error (self, message);
      return;
    }

  self->pending_pack_id = g_steal_pointer (&pack_id);
  self->pending_session_id = g_strdup (session_id);
  self->pending_url = g_strdup (url);
  self->pending_credits = json_object_get_int_member_with_default (pack, "credits", 0);
  self->balance_before = self->balance;
  update_actions (self);
  show_pending (self, pack);
  open_checkout (self);
}

static void
start_checkout (TallyPurchasePage *self,
                const char        *pack_id)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "pack", pack_id);
  show_error (self, NULL);
  self->starting = TRUE;
  g_free (self->pending_pack_id);
  self->pending_pack_id = g_strdup (pack_id);
  update_actions (self);
  tally_client_call_async (self->client, "POST", "/v1/checkout", body, self->cancellable,
                           checkout_started, g_object_ref (self));
}

static void
confirmation_response (AdwMessageDialog  *dialog,
                       const char        *response,
                       TallyPurchasePage *self)
{
  const char *pack_id = g_object_get_data (G_OBJECT (dialog), "pack-id");

  if (g_str_equal (response, "buy") && !self->starting && self->pending_session_id == NULL)
    start_checkout (self, pack_id);
}

static void
ask_confirmation (TallyPurchasePage *self,
                  JsonObject        *pack)
{
  const char *id = json_object_get_string_member_with_default (pack, "id", "");
  g_autofree char *price = pack_price (pack);
  g_autofree char *credits = tally_format_credits (json_object_get_int_member_with_default (pack,
                                                                                          "credits",
                                                                                          0));
  g_autofree char *heading = g_strdup_printf (_("Buy “%s”?"),
                                              json_object_get_string_member_with_default (pack,
                                                                                          "name",
                                                                                          id));
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                              heading, NULL);

  /* Translators: "You will pay €100.00 for 12,000 credits in your browser." */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("You will pay %s for %s in your browser."), price, credits);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "buy", _("_Buy"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "buy",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "buy");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pack-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirmation_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
buy_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  TallyPurchasePage *self = TALLY_PURCHASE_PAGE (widget);
  const char *pack_id = g_variant_get_string (parameter, NULL);
  JsonObject *pack = find_pack (self, pack_id);

  if (pack == NULL || self->client == NULL || self->starting || self->pending_session_id != NULL)
    return;

  if (pack_amount (pack) > g_settings_get_int64 (self->settings, "confirm-purchase-above"))
    ask_confirmation (self, pack);
  else
    start_checkout (self, pack_id);
}

static void
cancel_waiting_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  clear_pending (TALLY_PURCHASE_PAGE (widget));
}

static void
reopen_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyPurchasePage *self = TALLY_PURCHASE_PAGE (widget);

  if (self->pending_url != NULL)
    open_checkout (self);
}

static void
tally_purchase_page_dispose (GObject *object)
{
  TallyPurchasePage *self = (TallyPurchasePage *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->packs, json_array_unref);
  g_clear_pointer (&self->payments, json_array_unref);
  g_clear_pointer (&self->pending_pack_id, g_free);
  g_clear_pointer (&self->pending_session_id, g_free);
  g_clear_pointer (&self->pending_url, g_free);

  G_OBJECT_CLASS (tally_purchase_page_parent_class)->dispose (object);
}

static void
tally_purchase_page_class_init (TallyPurchasePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_purchase_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-purchase-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, balance_label);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, recent_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, recent_list);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, packs_list);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, receipts_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, receipts_list);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, pending_status);

  gtk_widget_class_install_action (widget_class, "purchase.buy", "s", buy_action);
  gtk_widget_class_install_action (widget_class, "purchase.cancel-waiting", NULL,
                                   cancel_waiting_action);
  gtk_widget_class_install_action (widget_class, "purchase.reopen", NULL, reopen_action);
  gtk_widget_class_install_action (widget_class, "purchase.download-receipt", "s",
                                   download_receipt_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "purchase.cancel-waiting",
                                       NULL);
}

static void
tally_purchase_page_init (TallyPurchasePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  tally_purchase_page_set_balance (self, 0);
  update_actions (self);
}

void
tally_purchase_page_set_client (TallyPurchasePage *self,
                                TallyClient       *client,
                                GSettings         *settings)
{
  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));
  g_return_if_fail (TALLY_IS_CLIENT (client));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->client, client);
  g_set_object (&self->settings, settings);
}

void
tally_purchase_page_set_balance (TallyPurchasePage *self,
                                 gint64             balance)
{
  g_autofree char *credits = tally_format_credits (balance);
  g_autofree char *text = NULL;

  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));

  self->balance = balance;
  /* Translators: "Your balance: 500 credits" */
  text = g_strdup_printf (_("Your balance: %s"), credits);
  gtk_label_set_text (self->balance_label, text);

  if (self->pending_session_id != NULL && self->pending_credits > 0 &&
      balance >= self->balance_before + self->pending_credits)
    payment_landed (self, self->pending_credits);
}

void
tally_purchase_page_handle_event (TallyPurchasePage *self,
                                  JsonObject        *message)
{
  JsonObject *payment;
  const char *status;

  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));

  if (g_strcmp0 (json_object_get_string_member_with_default (message, "type", NULL),
                 "payment") != 0 ||
      !json_object_has_member (message, "payment"))
    return;

  /* Whoever paid (this app, another one, auto-recharge), the list of
   * payments and receipts changed. */
  if (self->client != NULL)
    load_payments (self);
  payment = json_object_get_object_member (message, "payment");
  status = payment != NULL ? json_object_get_string_member_with_default (payment, "status", "")
                           : "";
  /* Not the checkout waited for: an automatic top-up, or another app's. */
  if (self->pending_session_id == NULL)
    {
      if (g_str_equal (status, "failed"))
        toast (self, _("A payment failed: nothing was charged and no credits were added"));
      return;
    }

  if (payment == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (payment, "ref", NULL),
                 self->pending_session_id) != 0)
    return;

  if (g_str_equal (status, "paid"))
    payment_landed (self, json_object_get_int_member_with_default (payment, "credits",
                                                                   self->pending_credits));
  else if (g_str_equal (status, "failed"))
    payment_failed (self);
}

void
tally_purchase_page_reset (TallyPurchasePage *self)
{
  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->starting = FALSE;
  clear_pending (self);
  show_error (self, NULL);
  g_clear_pointer (&self->packs, json_array_unref);
  g_clear_pointer (&self->payments, json_array_unref);
  clear_list (self->packs_list);
  clear_list (self->recent_list);
  show_receipts (self);
}

gboolean
tally_purchase_page_get_pending (TallyPurchasePage *self)
{
  g_return_val_if_fail (TALLY_IS_PURCHASE_PAGE (self), FALSE);

  return self->pending_session_id != NULL;
}

/**
 * tally_purchase_page_set_uri_opener:
 * @self: a #TallyPurchasePage
 * @opener: (nullable): what opens the checkout page instead of the browser
 * @user_data: passed to @opener
 *
 * Tests use this to see the checkout URL and pay it themselves, where a
 * real browser would be opened otherwise.
 */
void
tally_purchase_page_set_uri_opener (TallyPurchasePage *self,
                                    TallyUriOpener     opener,
                                    gpointer           user_data)
{
  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));

  self->opener = opener;
  self->opener_data = user_data;
}
