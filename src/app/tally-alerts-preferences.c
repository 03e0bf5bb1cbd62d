/* tally-alerts-preferences.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thresholds, low balance, channels and quiet hours are one PUT of
 * /v1/me/alerts, sent with Save Alerts; a webhook is added or removed at
 * once. What the server refuses is said in words under its group.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tally-alerts-preferences.h"
#include "tally-secret-dialog.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

/* The latest deliveries shown under a webhook. */
#define N_DELIVERIES 10

struct _TallyAlertsPreferences
{
  AdwPreferencesPage  parent_instance;

  AdwPreferencesGroup *thresholds_group;
  AdwActionRow        *new_threshold_row;
  GtkSpinButton       *new_threshold_spin;
  GtkLabel            *settings_error;
  AdwPreferencesGroup *low_balance_group;
  AdwPreferencesGroup *channels_group;
  AdwPreferencesGroup *quiet_group;
  GtkSwitch           *low_balance_switch;
  GtkSpinButton       *low_balance_spin;
  GtkSwitch           *app_switch;
  GtkSwitch           *desktop_switch;
  AdwActionRow        *email_row;
  GtkSwitch           *email_switch;
  GtkSwitch           *webhook_switch;
  GtkSwitch           *quiet_switch;
  AdwEntryRow         *quiet_start_row;
  AdwEntryRow         *quiet_end_row;
  AdwPreferencesGroup *webhooks_group;
  AdwEntryRow         *new_webhook_row;
  GtkLabel            *webhooks_error;

  TallySession        *session;
  GCancellable        *cancellable;
  /* The thresholds as edited, and their rows. */
  TallyAlertSettings  *settings;
  GPtrArray           *threshold_rows;
  GPtrArray           *webhook_rows;
  AdwToast            *toast;
};

G_DEFINE_FINAL_TYPE (TallyAlertsPreferences, tally_alerts_preferences,
                     ADW_TYPE_PREFERENCES_PAGE)

/* Rows added in code go before @last, which is taken out and put back
 * after them. */
static void
replace_rows (AdwPreferencesGroup *group,
              GPtrArray           *rows,
              GPtrArray           *new_rows,
              GtkWidget           *last)
{
  g_object_ref (last);
  adw_preferences_group_remove (group, last);
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
  for (guint i = 0; i < new_rows->len; i++)
    {
      adw_preferences_group_add (group, g_ptr_array_index (new_rows, i));
      g_ptr_array_add (rows, g_ptr_array_index (new_rows, i));
    }
  adw_preferences_group_add (group, last);
  g_object_unref (last);
}

/* Until the server said what they are, the settings cannot be changed:
 * its answer would undo the changes, and saving would send defaults. */
static void
set_settings_editable (TallyAlertsPreferences *self,
                       gboolean                editable)
{
  GtkWidget *parts[] = {
    GTK_WIDGET (self->new_threshold_row), GTK_WIDGET (self->low_balance_group),
    GTK_WIDGET (self->channels_group), GTK_WIDGET (self->quiet_group),
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    gtk_widget_set_sensitive (parts[i], editable);
  for (guint i = 0; i < self->threshold_rows->len; i++)
    gtk_widget_set_sensitive (g_ptr_array_index (self->threshold_rows, i), editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "alerts.save", editable);
}

/* --- thresholds --- */

static GtkWidget *
threshold_row_new (int percent)
{
  g_autofree char *title = g_strdup_printf (_("%d%% of a cap"), percent);
  g_autofree char *remove = g_strdup_printf (_("Remove the alert at %d%%"), percent);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, remove);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, remove,
                                  -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "alerts.remove-threshold");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "i", percent);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static void
show_thresholds (TallyAlertsPreferences *self)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  gboolean full = self->settings->n_thresholds >= TALLY_ALERT_MAX_THRESHOLDS;
  g_autofree char *subtitle = NULL;

  for (guint i = 0; i < self->settings->n_thresholds; i++)
    g_ptr_array_add (rows, threshold_row_new (self->settings->thresholds[i]));
  replace_rows (self->thresholds_group, self->threshold_rows, rows,
                GTK_WIDGET (self->new_threshold_row));

  subtitle = full ? g_strdup_printf (ngettext ("At most %d threshold: remove one first",
                                               "At most %d thresholds: remove one first",
                                               TALLY_ALERT_MAX_THRESHOLDS),
                                     TALLY_ALERT_MAX_THRESHOLDS)
                  : g_strdup (_("Percent of a cap, 1 to 100"));
  adw_action_row_set_subtitle (self->new_threshold_row, subtitle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "alerts.add-threshold", !full);
}

static void
add_threshold_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TallyAlertsPreferences *self = TALLY_ALERTS_PREFERENCES (widget);
  int percent = (int) tally_spin_button_get_int64 (self->new_threshold_spin);
  g_autofree char *message = NULL;

  if (!tally_alert_settings_add_threshold (self->settings, percent))
    {
      message = g_strdup_printf (_("There is an alert at %d%% already"), percent);
      tally_message_label_set (self->settings_error, message);
      return;
    }

  tally_message_label_set (self->settings_error, NULL);
  show_thresholds (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->new_threshold_spin));
}

static void
remove_threshold_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TallyAlertsPreferences *self = TALLY_ALERTS_PREFERENCES (widget);

  tally_alert_settings_remove_threshold (self->settings, g_variant_get_int32 (parameter));
  show_thresholds (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->new_threshold_spin));
}

/* --- the rest of the settings --- */

static void
show_settings (TallyAlertsPreferences   *self,
               const TallyAlertSettings *settings)
{
  tally_alert_settings_free (self->settings);
  self->settings = tally_alert_settings_copy (settings);
  show_thresholds (self);
  gtk_switch_set_active (self->low_balance_switch, settings->has_low_balance);
  if (settings->has_low_balance)
    gtk_spin_button_set_value (self->low_balance_spin, (double) settings->low_balance);
  gtk_switch_set_active (self->app_switch, settings->app);
  gtk_switch_set_active (self->desktop_switch, settings->desktop);
  gtk_switch_set_active (self->email_switch, settings->email);
  gtk_switch_set_active (self->webhook_switch, settings->webhook);
  gtk_switch_set_active (self->quiet_switch, settings->has_quiet_hours);
  if (settings->has_quiet_hours)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->quiet_start_row), settings->quiet_start);
      gtk_editable_set_text (GTK_EDITABLE (self->quiet_end_row), settings->quiet_end);
    }
}

/* "HH:MM" on a 24-hour clock, as the API writes times of day. */
static gboolean
is_clock_time (const char *text)
{
  return strlen (text) == 5 && g_ascii_isdigit (text[0]) && g_ascii_isdigit (text[1]) &&
         text[2] == ':' && g_ascii_isdigit (text[3]) && g_ascii_isdigit (text[4]) &&
         (text[0] - '0') * 10 + (text[1] - '0') < 24 && text[3] - '0' < 6;
}

/* What the page shows, as settings; NULL with the reason shown when a
 * time is not one. */
static TallyAlertSettings *
read_page (TallyAlertsPreferences *self)
{
  g_autoptr(TallyAlertSettings) settings = tally_alert_settings_copy (self->settings);
  AdwEntryRow *times[] = { self->quiet_start_row, self->quiet_end_row };
  char *fields[] = { settings->quiet_start, settings->quiet_end };

  settings->has_low_balance = gtk_switch_get_active (self->low_balance_switch);
  settings->low_balance = settings->has_low_balance
                            ? tally_spin_button_get_int64 (self->low_balance_spin)
                            : 0;
  settings->app = gtk_switch_get_active (self->app_switch);
  settings->desktop = gtk_switch_get_active (self->desktop_switch);
  settings->email = gtk_switch_get_active (self->email_switch);
  settings->webhook = gtk_switch_get_active (self->webhook_switch);
  settings->has_quiet_hours = gtk_switch_get_active (self->quiet_switch);

  for (guint i = 0; settings->has_quiet_hours && i < G_N_ELEMENTS (times); i++)
    {
      const char *typed = gtk_editable_get_text (GTK_EDITABLE (times[i]));
      g_autofree char *text = g_strstrip (g_strdup (typed));
      g_autofree char *message = NULL;

      if (!is_clock_time (text))
        {
          /* Translators: "“7pm” is not a time of day like 22:00" */
          message = g_strdup_printf (_("Your alerts were not saved: “%s” is not a time of day "
                                       "like 22:00"), text);
          tally_message_label_set (self->settings_error, message);
          gtk_widget_grab_focus (GTK_WIDGET (times[i]));
          return NULL;
        }
      g_strlcpy (fields[i], text, sizeof settings->quiet_start);
    }

  return g_steal_pointer (&settings);
}

static void
settings_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyAlertsPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAlertSettings) settings = NULL;

  settings = tally_session_load_alert_settings_finish (TALLY_SESSION (source), result, &error);
  if (settings == NULL)
    {
      tally_message_label_set_failure (self->settings_error, _("Your alerts cannot be shown"),
                                       error);
      return;
    }

  show_settings (self, settings);
  set_settings_editable (self, TRUE);
}

static void
settings_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TallyAlertsPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAlertSettings) settings = NULL;

  settings = tally_session_save_alert_settings_finish (TALLY_SESSION (source), result, &error);
  if (settings == NULL)
    {
      tally_message_label_set_failure (self->settings_error, _("Your alerts were not saved"),
                                       error);
      return;
    }

  tally_message_label_set (self->settings_error, NULL);
  show_settings (self, settings);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Alerts saved"));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TallyAlertsPreferences *self = TALLY_ALERTS_PREFERENCES (widget);
  g_autoptr(TallyAlertSettings) settings = read_page (self);

  if (settings == NULL)
    return;

  tally_session_save_alert_settings_async (self->session, settings, self->cancellable,
                                           settings_saved, g_object_ref (self));
}

/* --- a webhook's deliveries --- */

static void
clear_deliveries (AdwExpanderRow *row)
{
  GPtrArray *shown = g_object_get_data (G_OBJECT (row), "deliveries");

  for (guint i = 0; i < shown->len; i++)
    adw_expander_row_remove (row, g_ptr_array_index (shown, i));
  g_ptr_array_set_size (shown, 0);
}

static void
add_delivery_row (AdwExpanderRow *row,
                  const char     *title,
                  const char     *subtitle)
{
  GPtrArray *shown = g_object_get_data (G_OBJECT (row), "deliveries");
  GtkWidget *child = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (child), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (child), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (child), subtitle);
  adw_expander_row_add_row (row, child);
  g_ptr_array_add (shown, child);
}

static void
deliveries_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AdwExpanderRow) row = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) deliveries = NULL;

  deliveries = tally_session_list_deliveries_finish (TALLY_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  clear_deliveries (row);
  if (deliveries == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The deliveries cannot be shown: %s"),
                                                  error->message);

      add_delivery_row (row, message, NULL);
      return;
    }
  if (deliveries->len == 0)
    add_delivery_row (row, _("Nothing sent yet"), NULL);

  for (guint i = 0; i < MIN (deliveries->len, N_DELIVERIES); i++)
    {
      TallyWebhookDelivery *delivery = g_ptr_array_index (deliveries, i);
      g_autofree char *title = tally_webhook_delivery_describe (delivery);
      /* Translators: a delivery's event: "alert 0f6c…" */
      g_autofree char *event = g_strdup_printf (_("%s %s"),
                                                delivery->type != NULL ? delivery->type : "",
                                                delivery->event_id);

      add_delivery_row (row, title, event);
    }
}

/* Read each time the row opens: deliveries change by the minute. */
static void
on_webhook_expanded (AdwExpanderRow         *row,
                     GParamSpec             *pspec,
                     TallyAlertsPreferences *self)
{
  if (!adw_expander_row_get_expanded (row))
    return;

  clear_deliveries (row);
  add_delivery_row (row, _("Loading the last deliveries…"), NULL);
  tally_session_list_deliveries_async (self->session, g_object_get_data (G_OBJECT (row), "id"),
                                       self->cancellable, deliveries_loaded,
                                       g_object_ref (row));
}

/* --- webhooks --- */

static GtkWidget *
webhook_row_new (TallyAlertsPreferences *self,
                 const TallyWebhook     *webhook)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *remove = g_strdup_printf (_("Remove the webhook %s"), webhook->url);
  g_autofree char *date = webhook->created != NULL ? g_date_time_format (webhook->created, "%x")
                                                   : NULL;
  g_autofree char *added = date != NULL ? g_strdup_printf (_("Added on %s"), date) : NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), webhook->url);
  if (added != NULL)
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), added);
  g_object_set_data_full (G_OBJECT (row), "id", g_strdup (webhook->id), g_free);
  g_object_set_data_full (G_OBJECT (row), "url", g_strdup (webhook->url), g_free);
  g_object_set_data_full (G_OBJECT (row), "deliveries", g_ptr_array_new (),
                          (GDestroyNotify) g_ptr_array_unref);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, remove);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, remove,
                                  -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "alerts.remove-webhook");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", webhook->id);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), button);
  g_signal_connect_object (row, "notify::expanded", G_CALLBACK (on_webhook_expanded), self, 0);
  return row;
}

static void
webhooks_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyAlertsPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) webhooks = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  webhooks = tally_session_list_webhooks_finish (TALLY_SESSION (source), result, &error);
  if (webhooks == NULL)
    {
      tally_message_label_set_failure (self->webhooks_error, _("Your webhooks cannot be shown"),
                                       error);
      return;
    }

  for (guint i = 0; i < webhooks->len; i++)
    g_ptr_array_add (rows, webhook_row_new (self, g_ptr_array_index (webhooks, i)));
  replace_rows (self->webhooks_group, self->webhook_rows, rows,
                GTK_WIDGET (self->new_webhook_row));
}

static void
list_webhooks (TallyAlertsPreferences *self)
{
  tally_session_list_webhooks_async (self->session, self->cancellable, webhooks_listed,
                                     g_object_ref (self));
}

/* The secret, once: the server never shows it again. */
static void
show_secret (TallyAlertsPreferences *self,
             const TallyWebhook     *webhook)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  g_autofree char *body = g_strdup_printf (_("Requests to %s are signed with this secret. "
                                             "Copy it now: Tally cannot show it again."),
                                           webhook->url);

  tally_secret_dialog_present (parent, _("Webhook Added"), body, webhook->secret,
                               _("_Copy Secret"), _("The webhook’s secret"));
}

static void
webhook_added (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyAlertsPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyWebhook) webhook = NULL;

  webhook = tally_session_add_webhook_finish (TALLY_SESSION (source), result, &error);
  if (webhook == NULL)
    {
      tally_message_label_set_failure (self->webhooks_error, _("The webhook was not added"), error);
      return;
    }

  tally_message_label_set (self->webhooks_error, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->new_webhook_row), "");
  list_webhooks (self);
  show_secret (self, webhook);
}

static void
add_webhook_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyAlertsPreferences *self = TALLY_ALERTS_PREFERENCES (widget);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                                 self->new_webhook_row))));

  if (url[0] == '\0')
    {
      tally_message_label_set (self->webhooks_error,
                               _("The webhook was not added: type its address first"));
      gtk_widget_grab_focus (GTK_WIDGET (self->new_webhook_row));
      return;
    }

  tally_session_add_webhook_async (self->session, url, self->cancellable, webhook_added,
                                   g_object_ref (self));
}

static void
webhook_removed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyAlertsPreferences) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_session_remove_webhook_finish (TALLY_SESSION (source), result, &error))
    {
      tally_message_label_set_failure (self->webhooks_error, _("The webhook was not removed"),
                                       error);
      return;
    }

  tally_message_label_set (self->webhooks_error, NULL);
  list_webhooks (self);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Webhook removed"));
}

static void
remove_confirmed (AdwMessageDialog       *dialog,
                  const char             *response,
                  TallyAlertsPreferences *self)
{
  if (!g_str_equal (response, "remove"))
    return;

  tally_session_remove_webhook_async (self->session,
                                      g_object_get_data (G_OBJECT (dialog), "id"),
                                      self->cancellable, webhook_removed, g_object_ref (self));
}

static const char *
webhook_url (TallyAlertsPreferences *self,
             const char             *id)
{
  for (guint i = 0; i < self->webhook_rows->len; i++)
    {
      GObject *row = g_ptr_array_index (self->webhook_rows, i);

      if (g_str_equal (g_object_get_data (row, "id"), id))
        return g_object_get_data (row, "url");
    }
  return id;
}

static void
remove_webhook_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TallyAlertsPreferences *self = TALLY_ALERTS_PREFERENCES (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (widget));
  GtkWidget *dialog = adw_message_dialog_new (parent, _("Remove Webhook?"), NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s will receive no more alerts, and its deliveries are "
                                    "forgotten."), webhook_url (self, id));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- the object --- */

static void
show_email (TallyAlertsPreferences *self)
{
  const char *email = tally_session_get_email (self->session);
  g_autofree char *subtitle = email != NULL ? g_strdup_printf (_("To %s"), email) : NULL;

  adw_action_row_set_subtitle (self->email_row, subtitle != NULL ? subtitle : "");
}

void
tally_alerts_preferences_set_session (TallyAlertsPreferences *self,
                                      TallySession           *session)
{
  const TallyAlertSettings *known;

  g_return_if_fail (TALLY_IS_ALERTS_PREFERENCES (self));
  g_return_if_fail (TALLY_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  /* What the session knows shows at once; the server's answer follows,
   * and only then can they be changed. */
  known = tally_session_get_alert_settings (session);
  if (known != NULL)
    show_settings (self, known);
  set_settings_editable (self, FALSE);
  g_signal_connect_object (session, "notify::email", G_CALLBACK (show_email), self,
                           G_CONNECT_SWAPPED);
  show_email (self);
  tally_session_load_alert_settings_async (session, self->cancellable, settings_loaded,
                                           g_object_ref (self));
  list_webhooks (self);
}

static void
tally_alerts_preferences_dispose (GObject *object)
{
  TallyAlertsPreferences *self = TALLY_ALERTS_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->settings, tally_alert_settings_free);
  g_clear_pointer (&self->threshold_rows, g_ptr_array_unref);
  g_clear_pointer (&self->webhook_rows, g_ptr_array_unref);
  g_clear_object (&self->toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_ALERTS_PREFERENCES);

  G_OBJECT_CLASS (tally_alerts_preferences_parent_class)->dispose (object);
}

static void
tally_alerts_preferences_class_init (TallyAlertsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_alerts_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/"
                                               "tally-alerts-preferences.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TallyAlertsPreferences, \
                                                         name)
  BIND (thresholds_group);
  BIND (new_threshold_row);
  BIND (new_threshold_spin);
  BIND (settings_error);
  BIND (low_balance_group);
  BIND (channels_group);
  BIND (quiet_group);
  BIND (low_balance_switch);
  BIND (low_balance_spin);
  BIND (app_switch);
  BIND (desktop_switch);
  BIND (email_row);
  BIND (email_switch);
  BIND (webhook_switch);
  BIND (quiet_switch);
  BIND (quiet_start_row);
  BIND (quiet_end_row);
  BIND (webhooks_group);
  BIND (new_webhook_row);
  BIND (webhooks_error);
#undef BIND

  gtk_widget_class_install_action (widget_class, "alerts.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "alerts.add-threshold", NULL,
                                   add_threshold_action);
  gtk_widget_class_install_action (widget_class, "alerts.remove-threshold", "i",
                                   remove_threshold_action);
  gtk_widget_class_install_action (widget_class, "alerts.add-webhook", NULL, add_webhook_action);
  gtk_widget_class_install_action (widget_class, "alerts.remove-webhook", "s",
                                   remove_webhook_action);
}

static void
tally_alerts_preferences_init (TallyAlertsPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->threshold_rows = g_ptr_array_new ();
  self->webhook_rows = g_ptr_array_new ();
  self->settings = tally_alert_settings_new ();
  show_thresholds (self);
}
