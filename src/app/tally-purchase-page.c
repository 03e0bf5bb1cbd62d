/* tally-purchase-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tally-format.h"
#include "tally-gifts-box.h"
#include "tally-plans-box.h"
#include "tally-purchase-page.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

/* How many packs bought before are offered as one-click top-ups. */
#define MAX_RECENT_PACKS 3
/* Payments listed with their receipts, newest first. */
#define MAX_RECEIPTS 20

struct _TallyPurchasePage
{
  TallyPage          parent_instance;

  GtkStack       *stack;
  GtkLabel       *balance_label;
  GtkLabel       *error_label;
  GtkLabel       *recent_heading;
  GtkListBox     *recent_list;
  GtkListBox     *packs_list;
  GtkLabel       *receipts_heading;
  GtkListBox     *receipts_list;
  AdwStatusPage  *pending_status;
  GtkBox         *content_box;
  GtkWidget      *packs_caption;
  TallyPlansBox  *plans_box;
  TallyGiftsBox  *gifts_box;

  TallySession   *session;
  GSettings      *settings;
  GCancellable   *cancellable;

  TallyUriOpener  opener;
  gpointer        opener_data;

  /* The checkout being started or waited for. */
  gboolean        starting;
  char           *pending_pack_id;
  char           *pending_session_id;
  char           *pending_url;
  /* The address the pack waited for is a gift to, or NULL. */
  char           *pending_gift_email;
  gint64          pending_credits;
  gint64          balance_before;
};

G_DEFINE_FINAL_TYPE (TallyPurchasePage, tally_purchase_page, TALLY_TYPE_PAGE)

static void
show_error (TallyPurchasePage *self,
            const char        *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
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
  g_clear_pointer (&self->pending_gift_email, g_free);
  self->pending_credits = 0;
  gtk_stack_set_visible_child_name (self->stack, "packs");
  update_actions (self);
}

/* The one-click button of a row: "Buy", or "Top Up" for a pack bought
 * before; its accessible name says which pack and what it costs. */
static GtkWidget *
buy_button (TallyPack *pack,
            gboolean   recent)
{
  const char *name = tally_pack_get_name (pack);
  g_autofree char *price = tally_pack_format_price (pack);
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
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", tally_pack_get_id (pack));
  if (recent)
    gtk_widget_add_css_class (button, "suggested-action");
  return button;
}

static GtkWidget *
pack_row (TallyPack *pack,
          gboolean   recent)
{
  gint64 credits = tally_pack_get_credits (pack);
  g_autofree char *credits_text = tally_format_credits (credits);
  g_autofree char *price = tally_pack_format_price (pack);
  g_autofree char *per_credit = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *price_label = gtk_label_new (price);

  per_credit = tally_format_price_per_credit (tally_pack_get_amount (pack),
                                              tally_pack_get_currency (pack), credits);
  /* Translators: "500 credits · €0.0100 per credit" */
  subtitle = g_strdup_printf (_("%s · %s per credit"), credits_text, per_credit);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), tally_pack_get_name (pack));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (price_label, "numeric");
  gtk_widget_add_css_class (price_label, "heading");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), price_label);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), buy_button (pack, recent));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

/* The packs of paid payments, newest first, then those this app
 * remembers buying (a payment list not loaded yet, or offline); each
 * once. */
static GStrv
recent_pack_ids (TallyPurchasePage *self)
{
  g_auto(GStrv) remembered = g_settings_get_strv (self->settings, "recent-packs");
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  GListModel *payments = tally_session_get_payments (self->session);

  for (guint i = 0; i < g_list_model_get_n_items (payments); i++)
    {
      g_autoptr(TallyPaymentItem) payment = g_list_model_get_item (payments, i);
      const char *pack = tally_payment_item_get_pack_id (payment);

      /* A pack given away was not topped up with. */
      if (pack[0] != '\0' && g_str_equal (tally_payment_item_get_status (payment), "paid") &&
          !tally_payment_item_is_gift (payment) &&
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

  tally_list_box_remove_all (self->recent_list);
  for (guint i = 0; recent[i] != NULL && shown < MAX_RECENT_PACKS; i++)
    {
      TallyPack *pack = tally_session_find_pack (self->session, recent[i]);

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
  GListModel *packs = tally_session_get_packs (self->session);

  tally_list_box_remove_all (self->packs_list);
  for (guint i = 0; i < g_list_model_get_n_items (packs); i++)
    {
      g_autoptr(TallyPack) pack = g_list_model_get_item (packs, i);

      gtk_list_box_append (self->packs_list, pack_row (pack, FALSE));
    }

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
  tally_toast_show (GTK_WIDGET (self), message);
  /* Its receipt can be downloaded now. */
  tally_session_reload_payments (self->session);
}

/* A gift's credits wait for its address: the buyer's balance stays. */
static void
gift_landed (TallyPurchasePage *self,
             gint64             credits)
{
  g_autofree char *credits_text = tally_format_credits (credits);
  g_autofree char *message = NULL;

  /* Translators: "Gift paid: 500 credits wait for ana@example.com" */
  message = g_strdup_printf (_("Gift paid: %s wait for %s"), credits_text,
                             self->pending_gift_email != NULL ? self->pending_gift_email : "");
  clear_pending (self);
  tally_gifts_box_gift_sent (self->gifts_box);
  tally_toast_show (GTK_WIDGET (self), message);
  tally_session_reload_payments (self->session);
}

static void
payment_failed (TallyPurchasePage *self)
{
  clear_pending (self);
  show_error (self, _("The payment did not go through, so nothing was charged and no credits "
                      "were added. You can try again, with another card if need be."));
}

/* --- receipts --- */

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

static GtkWidget *
receipt_button (TallyPaymentItem *payment,
                const char       *title)
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
                                    tally_payment_item_get_id (payment));
  return button;
}

static GtkWidget *
receipt_row (TallyPurchasePage *self,
             TallyPaymentItem  *payment)
{
  const char *pack_id = tally_payment_item_get_pack_id (payment);
  TallyPack *pack = tally_session_find_pack (self->session, pack_id);
  g_autofree char *price = tally_format_price (tally_payment_item_get_amount (payment),
                                               tally_payment_item_get_currency (payment));
  g_autofree char *date = g_date_time_format (tally_payment_item_get_time (payment), "%x");
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();

  /* Translators: a payment: "Starter · €5.00" */
  title = g_strdup_printf (_("%s · %s"), pack != NULL ? tally_pack_get_name (pack) : pack_id,
                           price);
  if (tally_payment_item_is_gift (payment))
    /* Translators: "26/11/2026 · Paid · Gift" */
    subtitle = g_strdup_printf (_("%s · %s · Gift"), date,
                                status_in_words (tally_payment_item_get_status (payment)));
  else
    /* Translators: "26/11/2026 · Paid" */
    subtitle = g_strdup_printf (_("%s · %s"), date,
                                status_in_words (tally_payment_item_get_status (payment)));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (tally_payment_item_has_receipt (payment))
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), receipt_button (payment, title));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static void
show_receipts (TallyPurchasePage *self)
{
  GListModel *payments = tally_session_get_payments (self->session);
  guint shown = 0;

  tally_list_box_remove_all (self->receipts_list);
  for (guint i = 0; i < g_list_model_get_n_items (payments) && shown < MAX_RECEIPTS; i++)
    {
      g_autoptr(TallyPaymentItem) payment = g_list_model_get_item (payments, i);

      /* A checkout started and never finished is no payment to list. */
      if (g_str_equal (tally_payment_item_get_status (payment), "open"))
        continue;
      gtk_list_box_append (self->receipts_list, receipt_row (self, payment));
      shown++;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->receipts_heading), shown > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->receipts_list), shown > 0);
}

static void
payments_changed (TallyPurchasePage *self)
{
  show_receipts (self);
  show_recent (self);
}

static void
receipt_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (tally_session_save_receipt_finish (TALLY_SESSION (source), result, &error))
    {
      tally_toast_show (GTK_WIDGET (self), _("Receipt saved"));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  message = g_strdup_printf (_("The receipt was not saved: %s"), error->message);
  show_error (self, message);
}

/**
 * tally_purchase_page_download_receipt:
 * @self: a #TallyPurchasePage
 * @payment_id: a payment of the session's
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
  g_return_if_fail (TALLY_IS_PURCHASE_PAGE (self));
  g_return_if_fail (payment_id != NULL);
  g_return_if_fail (G_IS_FILE (destination));

  show_error (self, NULL);
  tally_session_save_receipt_async (self->session, payment_id, destination, self->cancellable,
                                    receipt_saved, g_object_ref (self));
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
  TallyPaymentItem *payment = tally_session_find_payment (self->session, payment_id);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *date = NULL;
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (payment == NULL)
    return;

  date = g_date_time_format (tally_payment_item_get_time (payment), "%Y-%m-%d");
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

/* The status page reads its description as markup; pack names and errors
 * are plain text. */
static void
show_pending_description (TallyPurchasePage *self,
                          const char        *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_status_page_set_description (self->pending_status, escaped);
}

static void
browser_launched (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) || self->pending_url == NULL)
    return;

  /* Translators: the second %s is the checkout page's address */
  message = g_strdup_printf (_("The browser cannot be opened (%s). Open %s yourself to pay."),
                             error->message, self->pending_url);
  show_pending_description (self, message);
}

static void
open_checkout (TallyPurchasePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->opener != NULL)
    {
      self->opener (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->pending_url,
                    self->opener_data);
      return;
    }

  /* Through the OpenURI portal in a sandbox, with the window as parent. */
  g_return_if_fail (GTK_IS_WINDOW (root));
  gtk_show_uri_full (GTK_WINDOW (root), self->pending_url, GDK_CURRENT_TIME, NULL,
                     browser_launched, g_object_ref (self));
}

static void
show_pending (TallyPurchasePage *self,
              TallyPack         *pack)
{
  g_autofree char *credits = tally_format_credits (tally_pack_get_credits (pack));
  g_autofree char *price = tally_pack_format_price (pack);
  g_autofree char *description = NULL;

  if (self->pending_gift_email != NULL)
    /* Translators: "Finish it in your browser: Starter, 500 credits for €5.00, a gift to
     * ana@example.com." */
    description = g_strdup_printf (_("Finish it in your browser: %s, %s for %s, a gift to %s."),
                                   tally_pack_get_name (pack), credits, price,
                                   self->pending_gift_email);
  else
    /* Translators: "Finish it in your browser: Starter, 500 credits for €5.00." */
    description = g_strdup_printf (_("Finish it in your browser: %s, %s for %s."),
                                   tally_pack_get_name (pack), credits, price);
  show_pending_description (self, description);
  gtk_stack_set_visible_child_name (self->stack, "pending");
}

static void
checkout_started (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TallyPurchasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *pack_id = g_steal_pointer (&self->pending_pack_id);
  g_autofree char *url = NULL;
  g_autofree char *checkout_id = NULL;
  g_autofree char *message = NULL;
  g_autofree char *gift_email = g_steal_pointer (&self->pending_gift_email);
  TallyPack *pack = tally_session_find_pack (self->session, pack_id);
  gboolean started = tally_session_start_checkout_finish (TALLY_SESSION (source), result, &url,
                                                          &checkout_id, &error);

  self->starting = FALSE;
  update_actions (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (!started || pack == NULL)
    {
      message = g_strdup_printf (_("The checkout cannot be started: %s"),
                                 error ? error->message : _("the pack is no longer on sale"));
      show_error (self, message);
      return;
    }

  self->pending_pack_id = g_steal_pointer (&pack_id);
  self->pending_gift_email = g_steal_pointer (&gift_email);
  self->pending_session_id = g_steal_pointer (&checkout_id);
  self->pending_url = g_steal_pointer (&url);
  /* A gift's credits never reach this balance: only its event ends the
   * wait. */
  self->pending_credits = self->pending_gift_email == NULL ? tally_pack_get_credits (pack) : 0;
  self->balance_before = tally_session_get_balance (self->session);
  update_actions (self);
  show_pending (self, pack);
  open_checkout (self);
}

static void
start_checkout (TallyPurchasePage *self,
                const char        *pack_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gift_email = tally_gifts_box_get_gift_email (self->gifts_box, &error);

  if (error != NULL)
    {
      show_error (self, error->message);
      return;
    }

  show_error (self, NULL);
  self->starting = TRUE;
  g_free (self->pending_pack_id);
  self->pending_pack_id = g_strdup (pack_id);
  g_free (self->pending_gift_email);
  self->pending_gift_email = g_steal_pointer (&gift_email);
  update_actions (self);
  tally_session_start_checkout_async (self->session, pack_id, self->pending_gift_email,
                                      self->cancellable, checkout_started, g_object_ref (self));
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
                  TallyPack         *pack)
{
  g_autofree char *price = tally_pack_format_price (pack);
  g_autofree char *credits = tally_format_credits (tally_pack_get_credits (pack));
  g_autofree char *heading = g_strdup_printf (_("Buy “%s”?"), tally_pack_get_name (pack));
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
  g_object_set_data_full (G_OBJECT (dialog), "pack-id", g_strdup (tally_pack_get_id (pack)),
                          g_free);
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
  TallyPack *pack = tally_session_find_pack (self->session, pack_id);

  if (pack == NULL || self->starting || self->pending_session_id != NULL)
    return;

  if (tally_pack_get_amount (pack) > g_settings_get_int64 (self->settings,
                                                           "confirm-purchase-above"))
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

/* The balance rose by the pack's credits: the wait is over, even when
 * the payment event was missed. */
static void
balance_changed (TallyPurchasePage *self)
{
  gint64 balance = tally_session_get_balance (self->session);
  g_autofree char *credits = tally_format_credits (balance);
  g_autofree char *text = NULL;

  /* Translators: "Your balance: 500 credits" */
  text = g_strdup_printf (_("Your balance: %s"), credits);
  gtk_label_set_text (self->balance_label, text);

  if (self->pending_session_id != NULL && self->pending_credits > 0 &&
      balance >= self->balance_before + self->pending_credits)
    payment_landed (self, self->pending_credits);
}

static void
packs_error_changed (TallyPurchasePage *self)
{
  show_error (self, tally_session_get_packs_error (self->session));
}

/* Only the checkout waited for ends the wait: "paid" with a toast,
 * "failed" with the failure in words. */
static void
payment_event (TallyPurchasePage *self,
               TallyPaymentItem  *payment)
{
  const char *status = tally_payment_item_get_status (payment);

  /* Not the checkout waited for: an automatic top-up, or another app's. */
  if (self->pending_session_id == NULL)
    {
      if (g_str_equal (status, "failed"))
        tally_toast_show (GTK_WIDGET (self),
                          _("A payment failed: nothing was charged and no credits were added"));
      return;
    }

  if (g_strcmp0 (tally_payment_item_get_ref (payment), self->pending_session_id) != 0)
    return;

  if (g_str_equal (status, "gift_sent"))
    gift_landed (self, tally_payment_item_get_credits (payment));
  else if (g_str_equal (status, "paid"))
    payment_landed (self, tally_payment_item_get_credits (payment) > 0
                            ? tally_payment_item_get_credits (payment)
                            : self->pending_credits);
  else if (g_str_equal (status, "failed"))
    payment_failed (self);
}

static void
tally_purchase_page_constructed (GObject *object)
{
  TallyPurchasePage *self = TALLY_PURCHASE_PAGE (object);

  G_OBJECT_CLASS (tally_purchase_page_parent_class)->constructed (object);

  /* The base class holds the reference. */
  self->session = tally_page_get_session (TALLY_PAGE (self));

  self->settings = g_object_ref (tally_session_get_settings (self->session));
  g_signal_connect_object (self->session, "notify::balance", G_CALLBACK (balance_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::packs-error",
                           G_CALLBACK (packs_error_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "payment", G_CALLBACK (payment_event), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tally_session_get_packs (self->session), "items-changed",
                           G_CALLBACK (show_packs), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tally_session_get_payments (self->session), "items-changed",
                           G_CALLBACK (payments_changed), self, G_CONNECT_SWAPPED);
  balance_changed (self);
  show_packs (self);

  /* The gift switch and the referral link, then plans and promo codes,
   * after the packs. */
  self->gifts_box = tally_gifts_box_new (self->session);
  gtk_box_insert_child_after (self->content_box, GTK_WIDGET (self->gifts_box), self->packs_caption);
  self->plans_box = tally_plans_box_new (self->session);
  gtk_box_insert_child_after (self->content_box, GTK_WIDGET (self->plans_box),
                              GTK_WIDGET (self->gifts_box));
}

static void
tally_purchase_page_dispose (GObject *object)
{
  TallyPurchasePage *self = (TallyPurchasePage *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending_pack_id, g_free);
  g_clear_pointer (&self->pending_session_id, g_free);
  g_clear_pointer (&self->pending_url, g_free);
  g_clear_pointer (&self->pending_gift_email, g_free);

  G_OBJECT_CLASS (tally_purchase_page_parent_class)->dispose (object);
}

static void
tally_purchase_page_class_init (TallyPurchasePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_purchase_page_constructed;
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
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, content_box);
  gtk_widget_class_bind_template_child (widget_class, TallyPurchasePage, packs_caption);

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
  update_actions (self);
}

TallyPurchasePage *
tally_purchase_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_PURCHASE_PAGE, "session", session, NULL);
}

/* Signed out: forget the wait. */
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
  tally_plans_box_reset (self->plans_box);
  tally_gifts_box_reset (self->gifts_box);
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
  tally_plans_box_set_uri_opener (self->plans_box, opener, user_data);
}
