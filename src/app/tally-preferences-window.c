/* tally-preferences-window.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Confirmation sizes live in GSettings and apply as they change; what
 * the server keeps (caps, invoice details, automatic top-up) is read when
 * the window opens and saved with each group's button, the server's
 * refusal shown in words under the page.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-alerts-preferences.h"
#include "tally-api-keys-preferences.h"
#include "tally-currency.h"
#include "tally-format.h"
#include "tally-pack.h"
#include "tally-preferences-window.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

struct _TallyPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GtkSpinButton        *confirm_run_spin;
  GtkSpinButton        *confirm_purchase_spin;
  AdwActionRow         *per_run_row;
  AdwActionRow         *daily_row;
  AdwActionRow         *monthly_row;
  GtkSpinButton        *per_run_spin;
  GtkSpinButton        *daily_spin;
  GtkSpinButton        *monthly_spin;
  GtkLabel             *limits_error;
  AdwEntryRow          *company_row;
  AdwEntryRow          *vat_row;
  GtkTextView          *address_view;
  GtkSwitch            *recharge_switch;
  GtkSpinButton        *threshold_spin;
  AdwComboRow          *pack_row;
  GtkSpinButton        *recharge_cap_spin;
  AdwActionRow         *recharge_status_row;
  GtkLabel             *invoice_error;
  GtkLabel             *recharge_error;
  GtkLabel             *portal_error;
  AdwActionRow         *server_row;
  AdwActionRow         *user_row;
  GtkLabel             *data_error;
  TallyAlertsPreferences *alerts_page;
  TallyApiKeysPreferences *api_keys_page;

  TallySession         *session;
  /* The session's, for short. */
  GSettings            *settings;
  GCancellable         *cancellable;
  /* The ids of the pack row's items, in the same order. */
  GPtrArray            *pack_ids;
  /* "Last failure: …", from the payments; NULL when none failed. */
  char                 *last_failure;
  /* As the server last said; its pack is selected once packs are known. */
  TallyAutoRecharge    *recharge;
  /* Shown now: a newer one replaces it at once. */
  AdwToast             *toast;

  TallyUriOpener        opener;
  gpointer              opener_data;
};

G_DEFINE_FINAL_TYPE (TallyPreferencesWindow, tally_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

/* --- confirmations, in GSettings --- */

static gboolean
credits_to_spin (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  g_value_set_double (value, (double) g_variant_get_int64 (variant));
  return TRUE;
}

static GVariant *
spin_to_credits (const GValue       *value,
                 const GVariantType *expected_type,
                 gpointer            user_data)
{
  return g_variant_new_int64 ((gint64) g_value_get_double (value));
}

/* The setting is in minor units of the packs' currency (cents, or fils
 * for KWD); the spin button in whole ones. */
static gint64
purchase_minor_per_unit (TallyPreferencesWindow *self)
{
  GListModel *packs = tally_session_get_packs (self->session);
  g_autoptr(TallyPack) pack = g_list_model_get_n_items (packs) > 0
                              ? g_list_model_get_item (packs, 0) : NULL;
  guint decimals = pack != NULL ? tally_currency_decimals (tally_pack_get_currency (pack)) : 2;
  gint64 scale = 1;

  while (decimals-- > 0)
    scale *= 10;
  return scale;
}

static gboolean
minor_to_spin (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  gint64 scale = purchase_minor_per_unit (user_data);

  g_value_set_double (value, (double) (g_variant_get_int64 (variant) / scale));
  return TRUE;
}

static GVariant *
spin_to_minor (const GValue       *value,
               const GVariantType *expected_type,
               gpointer            user_data)
{
  return g_variant_new_int64 ((gint64) g_value_get_double (value) *
                              purchase_minor_per_unit (user_data));
}

static void
bind_purchase_threshold (TallyPreferencesWindow *self)
{
  g_settings_unbind (self->confirm_purchase_spin, "value");
  g_settings_bind_with_mapping (self->settings, "confirm-purchase-above",
                                self->confirm_purchase_spin, "value", G_SETTINGS_BIND_DEFAULT,
                                minor_to_spin, spin_to_minor, self, NULL);
}

/* The packs' currency decides what a whole unit is: read again once they
 * are known. */
static void
packs_changed_cb (GListModel             *packs,
                  guint                   position,
                  guint                   removed,
                  guint                   added,
                  TallyPreferencesWindow *self)
{
  bind_purchase_threshold (self);
}

static void
bind_settings (TallyPreferencesWindow *self)
{
  g_settings_bind_with_mapping (self->settings, "confirm-above", self->confirm_run_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, credits_to_spin, spin_to_credits, NULL,
                                NULL);
  bind_purchase_threshold (self);
  g_signal_connect_object (tally_session_get_packs (self->session), "items-changed",
                           G_CALLBACK (packs_changed_cb), self, 0);
}

/* --- spend controls --- */

static void
show_limit (AdwActionRow          *row,
            GtkSpinButton         *spin,
            const TallySpendLimit *limit)
{
  g_autofree char *credits = tally_format_credits (limit->ceiling);
  g_autofree char *subtitle = NULL;

  /* Translators: the cap an administrator set: "Ceiling: 1000 credits" */
  subtitle = limit->has_ceiling && limit->ceiling > 0 ? g_strdup_printf (_("Ceiling: %s"), credits)
                                                      : g_strdup (_("No ceiling"));
  adw_action_row_set_subtitle (row, subtitle);
  gtk_spin_button_set_value (spin, limit->has_user ? (double) limit->user : 0.0);
}

static void
show_limits (TallyPreferencesWindow *self,
             const TallySpendLimits *limits)
{
  if (limits == NULL)
    return;

  show_limit (self->per_run_row, self->per_run_spin, &limits->per_run);
  show_limit (self->daily_row, self->daily_spin, &limits->daily);
  show_limit (self->monthly_row, self->monthly_spin, &limits->monthly);
}

static void
show_session_limits (TallyPreferencesWindow *self)
{
  show_limits (self, tally_session_get_limits (self->session));
}

static void
show_user (TallyPreferencesWindow *self)
{
  const char *name = tally_session_get_user_name (self->session);
  const char *email = tally_session_get_email (self->session);
  g_autofree char *who = NULL;

  if (email == NULL)
    return;
  /* Translators: "Gale <gale@example.com>" */
  who = name != NULL && name[0] != '\0' ? g_strdup_printf (_("%s <%s>"), name, email)
                                        : g_strdup (email);
  adw_action_row_set_subtitle (self->user_row, who);
}

static void
limits_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallySpendLimits) limits = tally_session_save_limits_finish (TALLY_SESSION (source),
                                                                         result, &error);

  if (limits == NULL)
    {
      tally_message_label_set_failure (self->limits_error, _("Your caps were not saved"), error);
      return;
    }

  tally_message_label_set (self->limits_error, NULL);
  /* The other pages follow as the session reads the account again. */
  show_limits (self, limits);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Caps saved"));
}

static void
save_limits_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyPreferencesWindow *self = TALLY_PREFERENCES_WINDOW (widget);

  /* 0, the spin buttons' least, is "no cap of my own". */
  tally_session_save_limits_async (self->session, tally_spin_button_get_int64 (self->per_run_spin),
                                   tally_spin_button_get_int64 (self->daily_spin),
                                   tally_spin_button_get_int64 (self->monthly_spin),
                                   self->cancellable, limits_saved, g_object_ref (self));
}

/* --- invoice details --- */

static void
show_invoice (TallyPreferencesWindow    *self,
              const TallyInvoiceDetails *details)
{
  gtk_editable_set_text (GTK_EDITABLE (self->company_row), details->company);
  gtk_editable_set_text (GTK_EDITABLE (self->vat_row), details->vat_id);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->address_view), details->address, -1);
}

static void
invoice_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyInvoiceDetails) details = NULL;

  details = tally_session_load_invoice_details_finish (TALLY_SESSION (source), result, &error);
  if (details != NULL)
    show_invoice (self, details);
  else
    tally_message_label_set_failure (self->invoice_error,
                                     _("Your invoice details cannot be shown"), error);
}

static void
invoice_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyInvoiceDetails) details = NULL;

  details = tally_session_save_invoice_details_finish (TALLY_SESSION (source), result, &error);
  if (details == NULL)
    {
      tally_message_label_set_failure (self->invoice_error,
                                       _("Your invoice details were not saved"), error);
      return;
    }

  tally_message_label_set (self->invoice_error, NULL);
  show_invoice (self, details);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Invoice details saved"));
}

static char *
address_text (TallyPreferencesWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->address_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static void
save_invoice_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TallyPreferencesWindow *self = TALLY_PREFERENCES_WINDOW (widget);
  g_autofree char *address = address_text (self);
  g_autoptr(TallyInvoiceDetails) details = NULL;

  details = tally_invoice_details_new (gtk_editable_get_text (GTK_EDITABLE (self->company_row)),
                                       address,
                                       gtk_editable_get_text (GTK_EDITABLE (self->vat_row)));
  tally_session_save_invoice_details_async (self->session, details, self->cancellable,
                                            invoice_saved, g_object_ref (self));
}

/* --- automatic top-up --- */

static void
select_recharge_pack (TallyPreferencesWindow *self)
{
  const char *pack_id = self->recharge != NULL ? self->recharge->pack_id : NULL;

  for (guint i = 0; pack_id != NULL && i < self->pack_ids->len; i++)
    if (g_str_equal (g_ptr_array_index (self->pack_ids, i), pack_id))
      adw_combo_row_set_selected (self->pack_row, i);
}

static char *
recharge_state (const TallyAutoRecharge *recharge)
{
  gint64 failures = recharge->failures;

  if (recharge->paused)
    return g_strdup_printf (ngettext ("Paused after %d failed charge in a row; save to turn it "
                                      "on again",
                                      "Paused after %d failed charges in a row; save to turn it "
                                      "on again", (gulong) failures), (int) failures);
  if (recharge->in_flight)
    return g_strdup (_("A top-up is being charged now"));
  if (!recharge->enabled)
    return g_strdup (_("Off"));
  if (failures > 0)
    return g_strdup_printf (ngettext ("On; the last charge failed",
                                      "On; the last %d charges failed", (gulong) failures),
                            (int) failures);
  return g_strdup (_("On"));
}

static void
show_recharge_status (TallyPreferencesWindow *self)
{
  g_autofree char *state = NULL;
  g_autofree char *status = NULL;

  if (self->recharge == NULL)
    return;

  state = recharge_state (self->recharge);
  /* Translators: "Off · Last failure: 26/11/2026" */
  status = self->last_failure != NULL ? g_strdup_printf (_("%s · %s"), state, self->last_failure)
                                      : g_strdup (state);
  adw_action_row_set_subtitle (self->recharge_status_row, status);
}

/* Takes @recharge. */
static void
show_recharge (TallyPreferencesWindow *self,
               TallyAutoRecharge      *recharge)
{
  g_clear_pointer (&self->recharge, tally_auto_recharge_free);
  self->recharge = recharge;
  gtk_switch_set_active (self->recharge_switch, recharge->enabled);
  gtk_spin_button_set_value (self->threshold_spin, (double) recharge->threshold);
  /* Never set is 0, which the server would refuse on saving. */
  gtk_spin_button_set_value (self->recharge_cap_spin, (double) MAX (1, recharge->monthly_cap));
  select_recharge_pack (self);
  show_recharge_status (self);
}

static void
recharge_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  TallyAutoRecharge *recharge = NULL;

  recharge = tally_session_load_auto_recharge_finish (TALLY_SESSION (source), result, &error);
  if (recharge != NULL)
    show_recharge (self, recharge);
  else
    tally_message_label_set_failure (self->recharge_error, _("Automatic top-up cannot be shown"),
                                     error);
}

static void
recharge_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  TallyAutoRecharge *recharge = NULL;

  recharge = tally_session_save_auto_recharge_finish (TALLY_SESSION (source), result, &error);
  if (recharge == NULL)
    {
      tally_message_label_set_failure (self->recharge_error, _("Automatic top-up was not saved"),
                                       error);
      return;
    }

  tally_message_label_set (self->recharge_error, NULL);
  show_recharge (self, recharge);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Automatic top-up saved"));
}

static void
save_recharge_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TallyPreferencesWindow *self = TALLY_PREFERENCES_WINDOW (widget);
  guint selected = adw_combo_row_get_selected (self->pack_row);
  g_autoptr(TallyAutoRecharge) recharge = NULL;

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->pack_ids->len)
    {
      tally_message_label_set (self->recharge_error,
                               _("Automatic top-up was not saved: choose the pack to buy first"));
      return;
    }

  recharge = tally_auto_recharge_new (gtk_switch_get_active (self->recharge_switch),
                                      tally_spin_button_get_int64 (self->threshold_spin),
                                      g_ptr_array_index (self->pack_ids, selected),
                                      tally_spin_button_get_int64 (self->recharge_cap_spin));
  tally_session_save_auto_recharge_async (self->session, recharge, self->cancellable,
                                          recharge_saved, g_object_ref (self));
}

static void
show_packs (TallyPreferencesWindow *self)
{
  GListModel *packs = tally_session_get_packs (self->session);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->pack_ids, 0);
  for (guint i = 0; i < g_list_model_get_n_items (packs); i++)
    {
      g_autoptr(TallyPack) pack = g_list_model_get_item (packs, i);
      g_autofree char *credits = tally_format_credits (tally_pack_get_credits (pack));
      g_autofree char *price = tally_pack_format_price (pack);
      g_autofree char *name = NULL;

      /* Translators: "Starter, 500 credits for €5.00" */
      name = g_strdup_printf (_("%s, %s for %s"), tally_pack_get_name (pack), credits, price);
      gtk_string_list_append (names, name);
      g_ptr_array_add (self->pack_ids, g_strdup (tally_pack_get_id (pack)));
    }

  adw_combo_row_set_model (self->pack_row, G_LIST_MODEL (names));
  select_recharge_pack (self);
}

/* The newest failed payment, as "Last failure: <date>". */
static void
show_last_failure (TallyPreferencesWindow *self)
{
  GListModel *payments = tally_session_get_payments (self->session);

  g_clear_pointer (&self->last_failure, g_free);
  for (guint i = 0; i < g_list_model_get_n_items (payments); i++)
    {
      g_autoptr(TallyPaymentItem) payment = g_list_model_get_item (payments, i);
      g_autofree char *date = NULL;

      if (!g_str_equal (tally_payment_item_get_status (payment), "failed"))
        continue;
      date = g_date_time_format (tally_payment_item_get_created (payment), "%x %X");
      /* Translators: "Last failure: 26/11/2026 10:20:15" */
      self->last_failure = g_strdup_printf (_("Last failure: %s"), date);
      break;
    }

  show_recharge_status (self);
}

/* --- payment methods --- */

static void
portal_shown (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (gtk_show_uri_full_finish (GTK_WINDOW (self), result, &error))
    return;

  message = g_strdup_printf (_("The browser cannot be opened: %s"), error->message);
  tally_message_label_set (self->portal_error, message);
}

static void
portal_opened (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = tally_session_open_billing_portal_finish (TALLY_SESSION (source), result,
                                                                   &error);

  if (url == NULL)
    {
      tally_message_label_set_failure (self->portal_error,
                                       _("Your payment methods cannot be managed now"), error);
      return;
    }

  tally_message_label_set (self->portal_error, NULL);
  if (self->opener != NULL)
    self->opener (GTK_WINDOW (self), url, self->opener_data);
  else
    gtk_show_uri_full (GTK_WINDOW (self), url, GDK_CURRENT_TIME, self->cancellable,
                       portal_shown, g_object_ref (self));
}

static void
manage_payment_methods_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  TallyPreferencesWindow *self = TALLY_PREFERENCES_WINDOW (widget);

  tally_session_open_billing_portal_async (self->session, self->cancellable, portal_opened,
                                           g_object_ref (self));
}

/* --- account --- */

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.sign-out", NULL);
  gtk_window_close (GTK_WINDOW (widget));
}

/* --- your data: export and erasure --- */

static void
data_exported (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_session_export_data_finish (TALLY_SESSION (source), result, &error))
    {
      tally_message_label_set_failure (self->data_error, _("Your data was not exported"), error);
      return;
    }

  tally_message_label_set (self->data_error, NULL);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Your data was saved"));
}

/**
 * tally_preferences_window_export_data:
 * @self: a #TallyPreferencesWindow
 * @destination: where the JSON file goes
 *
 * What Export My Data does once the file is chosen; tests call it
 * without the file chooser. A toast says when the file is written.
 */
void
tally_preferences_window_export_data (TallyPreferencesWindow *self,
                                      GFile                  *destination)
{
  g_return_if_fail (TALLY_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (G_IS_FILE (destination));

  tally_message_label_set (self->data_error, NULL);
  tally_session_export_data_async (self->session, destination, self->cancellable, data_exported,
                                   g_object_ref (self));
}

static void
export_chosen (GtkNativeDialog        *chooser,
               int                     response,
               TallyPreferencesWindow *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    tally_preferences_window_export_data (self, file);

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
export_data_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyPreferencesWindow *self = TALLY_PREFERENCES_WINDOW (widget);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *name = g_strdup_printf ("tally-data-%s.json", date);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export My Data"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
account_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_session_delete_account_finish (TALLY_SESSION (source), result, &error))
    {
      tally_message_label_set_failure (self->data_error, _("Your account was not deleted"), error);
      return;
    }

  /* Signed out: the window behind shows the sign-in page. */
  gtk_window_close (GTK_WINDOW (self));
}

static void
delete_response (AdwMessageDialog       *dialog,
                 const char             *response,
                 TallyPreferencesWindow *self)
{
  GtkEditable *password = g_object_get_data (G_OBJECT (dialog), "password");

  if (!g_str_equal (response, "delete"))
    return;

  tally_message_label_set (self->data_error, NULL);
  tally_session_delete_account_async (self->session, gtk_editable_get_text (password),
                                      self->cancellable, account_deleted, g_object_ref (self));
}

/* Nothing to send until a password is typed. */
static void
password_changed (GtkEditable      *password,
                  AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "delete",
                                           gtk_editable_get_text (password)[0] != '\0');
}

static void
delete_account_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TallyPreferencesWindow *self = TALLY_PREFERENCES_WINDOW (widget);
  GtkWidget *password = adw_password_entry_row_new ();
  GtkWidget *list = GTK_WIDGET (tally_boxed_list_new (NULL));
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Delete Your Account?"), NULL));
  adw_message_dialog_set_body (dialog,
                               _("Your email address, name, password, invoice details and "
                                 "settings are erased from the server, and you are signed out "
                                 "on every computer. Credits left on the account are lost and "
                                 "are not refunded. Your transactions stay in the books under "
                                 "an anonymous number, as bookkeeping requires, but nothing "
                                 "links them to you any more. This cannot be undone.\n\n"
                                 "Type your password to confirm."));
  /* As on the sign-in page: a row in a boxed list. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (password), _("Password"));
  gtk_list_box_append (GTK_LIST_BOX (list), password);
  adw_message_dialog_set_extra_child (dialog, list);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "delete", _("_Delete Account"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, "delete", FALSE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "password", password);
  g_signal_connect_object (password, "changed", G_CALLBACK (password_changed), dialog, 0);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (password);
}

/* --- the object --- */

static void
load (TallyPreferencesWindow *self)
{
  tally_session_load_invoice_details_async (self->session, self->cancellable, invoice_loaded,
                                            g_object_ref (self));
  tally_session_load_auto_recharge_async (self->session, self->cancellable, recharge_loaded,
                                          g_object_ref (self));

  /* Caps, the account, packs and payments are the session's: shown now
   * and again as fresher answers arrive. */
  g_signal_connect_object (self->session, "notify::limits", G_CALLBACK (show_session_limits),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::email", G_CALLBACK (show_user), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::user-name", G_CALLBACK (show_user), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tally_session_get_packs (self->session), "items-changed",
                           G_CALLBACK (show_packs), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tally_session_get_payments (self->session), "items-changed",
                           G_CALLBACK (show_last_failure), self, G_CONNECT_SWAPPED);
  show_session_limits (self);
  show_user (self);
  show_packs (self);
  show_last_failure (self);
  tally_session_reload_account (self->session);
  tally_session_reload_payments (self->session);
}

static void
tally_preferences_window_dispose (GObject *object)
{
  TallyPreferencesWindow *self = (TallyPreferencesWindow *) object;

  /* Its mapping reads the session's packs: not after they are gone. */
  if (self->confirm_purchase_spin != NULL)
    g_settings_unbind (self->confirm_purchase_spin, "value");
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pack_ids, g_ptr_array_unref);
  g_clear_pointer (&self->last_failure, g_free);
  g_clear_pointer (&self->recharge, tally_auto_recharge_free);
  g_clear_object (&self->toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (tally_preferences_window_parent_class)->dispose (object);
}

static void
tally_preferences_window_class_init (TallyPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_preferences_window_dispose;

  g_type_ensure (TALLY_TYPE_ALERTS_PREFERENCES);
  g_type_ensure (TALLY_TYPE_API_KEYS_PREFERENCES);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/"
                                               "tally-preferences-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TallyPreferencesWindow, name)
  BIND (confirm_run_spin);
  BIND (confirm_purchase_spin);
  BIND (per_run_row);
  BIND (daily_row);
  BIND (monthly_row);
  BIND (per_run_spin);
  BIND (daily_spin);
  BIND (monthly_spin);
  BIND (limits_error);
  BIND (company_row);
  BIND (vat_row);
  BIND (address_view);
  BIND (recharge_switch);
  BIND (threshold_spin);
  BIND (pack_row);
  BIND (recharge_cap_spin);
  BIND (recharge_status_row);
  BIND (invoice_error);
  BIND (recharge_error);
  BIND (portal_error);
  BIND (server_row);
  BIND (user_row);
  BIND (data_error);
  BIND (alerts_page);
  BIND (api_keys_page);
#undef BIND

  gtk_widget_class_install_action (widget_class, "prefs.save-limits", NULL, save_limits_action);
  gtk_widget_class_install_action (widget_class, "prefs.save-invoice", NULL,
                                   save_invoice_action);
  gtk_widget_class_install_action (widget_class, "prefs.save-recharge", NULL,
                                   save_recharge_action);
  gtk_widget_class_install_action (widget_class, "prefs.manage-payment-methods", NULL,
                                   manage_payment_methods_action);
  gtk_widget_class_install_action (widget_class, "prefs.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "prefs.export-data", NULL, export_data_action);
  gtk_widget_class_install_action (widget_class, "prefs.delete-account", NULL,
                                   delete_account_action);
}

static void
tally_preferences_window_init (TallyPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->pack_ids = g_ptr_array_new_with_free_func (g_free);
}

TallyPreferencesWindow *
tally_preferences_window_new (GtkWindow    *parent,
                              TallySession *session)
{
  TallyPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  self = g_object_new (TALLY_TYPE_PREFERENCES_WINDOW, "transient-for", parent,
                       "modal", parent != NULL, NULL);
  self->session = g_object_ref (session);
  self->settings = g_object_ref (tally_session_get_settings (session));
  adw_action_row_set_subtitle (self->server_row, tally_session_get_server_url (session));
  bind_settings (self);
  load (self);
  tally_alerts_preferences_set_session (self->alerts_page, session);
  tally_api_keys_preferences_set_session (self->api_keys_page, session);
  return self;
}

void
tally_preferences_window_set_uri_opener (TallyPreferencesWindow *self,
                                         TallyUriOpener          opener,
                                         gpointer                user_data)
{
  g_return_if_fail (TALLY_IS_PREFERENCES_WINDOW (self));

  self->opener = opener;
  self->opener_data = user_data;
}
