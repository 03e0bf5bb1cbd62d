/* tally-plans-box.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The part of Buy Credits that is not packs: the plans on sale, the
 * user's subscription (cancel, switch plan) and the promo code entry.
 * It reads plans and subscription each time it is shown; the credits a
 * subscription or a code grants come through the sync like any other.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-format.h"
#include "tally-plans-box.h"
#include "tally-session-plans.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

struct _TallyPlansBox
{
  GtkBox             parent_instance;

  TallySession      *session;
  GCancellable      *cancellable;
  GListModel        *plans;
  TallySubscription *subscription;

  GtkListBox        *plans_list;
  /* Subscribe, Switch and "Current plan" as wide as each other, so the
   * prices line up. */
  GtkSizeGroup      *suffixes;
  GtkLabel          *plans_error;
  GtkLabel          *plans_note;
  AdwEntryRow       *code_row;
  GtkLabel          *redeem_error;

  TallyUriOpener     opener;
  gpointer           opener_data;

  /* A subscribe, cancel or switch asked and not answered yet. */
  gboolean           busy;
  gboolean           redeeming;
  /* The checkout of this plan was opened; its subscription not seen yet. */
  char              *waiting_plan;
};

G_DEFINE_FINAL_TYPE (TallyPlansBox, tally_plans_box, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_actions (TallyPlansBox *self)
{
  /* A checkout opened and never paid does not stand in the way of
   * another. */
  gboolean idle = !self->busy;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.subscribe",
                                 idle && self->subscription == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.change",
                                 idle && self->subscription != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.cancel",
                                 idle && self->subscription != NULL &&
                                 !self->subscription->cancel_at_period_end);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.redeem", !self->redeeming);
}

static TallyPlan *
find_plan (TallyPlansBox *self,
           const char    *plan_id)
{
  guint n = self->plans != NULL ? g_list_model_get_n_items (self->plans) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyPlan) plan = g_list_model_get_item (self->plans, i);

      if (g_str_equal (tally_plan_get_id (plan), plan_id))
        return plan;
    }
  return NULL;
}

static const char *
plan_name (TallyPlansBox *self,
           const char    *plan_id)
{
  TallyPlan *plan = find_plan (self, plan_id);

  return plan != NULL ? tally_plan_get_name (plan) : plan_id;
}

/* "€9.00 a month" */
static char *
monthly_price (TallyPlan *plan)
{
  g_autofree char *price = tally_plan_format_price (plan);

  /* Translators: a plan's price: "€9.00 a month" */
  return g_strdup_printf (_("%s a month"), price);
}

/* --- rows --- */

static GtkWidget *
row_button (const char *label,
            const char *accessible,
            const char *action,
            const char *target)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_set_tooltip_text (button, accessible);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  if (target != NULL)
    gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", target);
  return button;
}

static GtkWidget *
new_row (const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

/* "Renews on 3 January", "Ends on 3 January", or the failed renewal. */
static char *
subscription_status (const TallySubscription *subscription)
{
  g_autofree char *day = subscription->period_end != NULL
                         ? tally_format_day (subscription->period_end) : NULL;

  if (g_str_equal (subscription->status, "past_due"))
    return g_strdup (_("The last payment failed; it will be tried again"));
  if (day == NULL)
    return g_strdup (_("Active"));
  if (subscription->cancel_at_period_end)
    /* Translators: "Cancelled · ends on 3 January" */
    return g_strdup_printf (_("Cancelled · ends on %s"), day);
  /* Translators: "Renews on 3 January" */
  return g_strdup_printf (_("Renews on %s"), day);
}

static GtkWidget *
current_row (TallyPlansBox *self)
{
  const char *name = plan_name (self, self->subscription->plan);
  g_autofree char *title = NULL;
  g_autofree char *status = subscription_status (self->subscription);
  g_autofree char *accessible = NULL;
  GtkWidget *row;

  /* Translators: "Your plan: Basic" */
  title = g_strdup_printf (_("Your plan: %s"), name);
  row = new_row (title, status);
  if (!self->subscription->cancel_at_period_end)
    {
      /* Translators: the Cancel Plan button's accessible name: "Cancel your plan Basic" */
      accessible = g_strdup_printf (_("Cancel your plan %s"), name);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button (_("_Cancel Plan…"), accessible, "plans.cancel", NULL));
    }
  return row;
}

static GtkWidget *
plan_suffix (TallyPlansBox *self,
             TallyPlan     *plan)
{
  const char *name = tally_plan_get_name (plan);
  g_autofree char *price = monthly_price (plan);
  g_autofree char *accessible = NULL;
  GtkWidget *label;

  if (self->subscription == NULL)
    {
      /* Translators: "Subscribe to Basic for €9.00 a month" */
      accessible = g_strdup_printf (_("Subscribe to %s for %s"), name, price);
      return row_button (_("Subscribe"), accessible, "plans.subscribe", tally_plan_get_id (plan));
    }
  if (g_str_equal (self->subscription->plan, tally_plan_get_id (plan)))
    {
      label = gtk_label_new (_("Current plan"));
      gtk_widget_add_css_class (label, "dim-label");
      return label;
    }
  if (self->subscription->cancel_at_period_end)
    return NULL;

  /* Translators: "Switch to Pro for €29.00 a month" */
  accessible = g_strdup_printf (_("Switch to %s for %s"), name, price);
  return row_button (_("Switch"), accessible, "plans.change", tally_plan_get_id (plan));
}

static GtkWidget *
plan_row (TallyPlansBox *self,
          TallyPlan     *plan)
{
  g_autofree char *credits = tally_format_credits (tally_plan_get_credits (plan));
  g_autofree char *price = monthly_price (plan);
  g_autofree char *subtitle = NULL;
  GtkWidget *price_label = gtk_label_new (price);
  GtkWidget *suffix = plan_suffix (self, plan);
  GtkWidget *row;

  /* Translators: "1000 credits every month" */
  subtitle = g_strdup_printf (_("%s every month"), credits);
  row = new_row (tally_plan_get_name (plan), subtitle);
  gtk_widget_add_css_class (price_label, "numeric");
  gtk_widget_add_css_class (price_label, "heading");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), price_label);
  if (suffix != NULL)
    {
      gtk_size_group_add_widget (self->suffixes, suffix);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);
    }
  return row;
}

static void
show_plans (TallyPlansBox *self)
{
  guint n = self->plans != NULL ? g_list_model_get_n_items (self->plans) : 0;

  tally_list_box_remove_all (self->plans_list);

  if (self->subscription != NULL)
    gtk_list_box_append (self->plans_list, current_row (self));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyPlan) plan = g_list_model_get_item (self->plans, i);

      gtk_list_box_append (self->plans_list, plan_row (self, plan));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->plans_list),
                          gtk_widget_get_first_child (GTK_WIDGET (self->plans_list)) != NULL);
  update_actions (self);
}

static void
set_subscription (TallyPlansBox     *self,
                  TallySubscription *subscription)
{
  g_clear_pointer (&self->subscription, tally_subscription_free);
  self->subscription = subscription;
  show_plans (self);
}

/* --- reading --- */

static void
plans_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyPlansBox) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) plans = tally_session_load_plans_finish (TALLY_SESSION (source), result,
                                                                &error);
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (plans == NULL)
    {
      message = g_strdup_printf (_("The plans cannot be shown: %s"), error->message);
      tally_message_label_set (self->plans_error, message);
      return;
    }
  g_set_object (&self->plans, plans);
  show_plans (self);
}

/* The checkout waited for is paid once the server shows its subscription. */
static void
check_waiting (TallyPlansBox *self)
{
  g_autofree char *message = NULL;

  if (self->waiting_plan == NULL || self->subscription == NULL)
    return;

  /* Translators: "You subscribed to Basic" */
  message = g_strdup_printf (_("You subscribed to %s"), plan_name (self, self->subscription->plan));
  g_clear_pointer (&self->waiting_plan, g_free);
  tally_message_label_set (self->plans_note, NULL);
  update_actions (self);
  tally_toast_show (GTK_WIDGET (self), message);
}

static void
subscription_loaded (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TallyPlansBox) self = user_data;
  g_autoptr(GError) error = NULL;
  TallySubscription *subscription = NULL;
  g_autofree char *message = NULL;

  if (!tally_session_load_subscription_finish (TALLY_SESSION (source), result, &subscription,
                                               &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Your plan cannot be shown: %s"), error->message);
      tally_message_label_set (self->plans_error, message);
      return;
    }
  set_subscription (self, subscription);
  check_waiting (self);
}

static void
load_subscription (TallyPlansBox *self)
{
  tally_session_load_subscription_async (self->session, self->cancellable, subscription_loaded,
                                         g_object_ref (self));
}

void
tally_plans_box_reload (TallyPlansBox *self)
{
  g_return_if_fail (TALLY_IS_PLANS_BOX (self));

  if (tally_session_get_state (self->session) != TALLY_SESSION_STATE_SIGNED_IN)
    return;
  tally_message_label_set (self->plans_error, NULL);
  tally_session_load_plans_async (self->session, self->cancellable, plans_loaded,
                                  g_object_ref (self));
  load_subscription (self);
}

/* A subscription's credits land as a purchase: the checkout waited for
 * may have been paid. */
static void
balance_changed (TallyPlansBox *self)
{
  if (self->waiting_plan != NULL)
    load_subscription (self);
}

/* --- subscribing --- */

static void
open_checkout (TallyPlansBox *self,
               const char    *url)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *window = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;

  if (self->opener != NULL)
    self->opener (window, url, self->opener_data);
  else
    /* Through the OpenURI portal in a sandbox, as for packs. */
    gtk_show_uri (window, url, GDK_CURRENT_TIME);
}

static void
subscribe_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TallyPlansBox) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = tally_session_subscribe_finish (TALLY_SESSION (source), result, &error);
  g_autofree char *message = NULL;

  self->busy = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (url == NULL)
    {
      g_clear_pointer (&self->waiting_plan, g_free);
      message = g_strdup_printf (_("The subscription cannot be started: %s"), error->message);
      tally_message_label_set (self->plans_error, message);
      update_actions (self);
      return;
    }

  /* Translators: "Finish subscribing to Basic in your browser; …" */
  message = g_strdup_printf (_("Finish subscribing to %s in your browser; the plan shows here "
                               "once it is paid."), plan_name (self, self->waiting_plan));
  tally_message_label_set (self->plans_note, message);
  update_actions (self);
  open_checkout (self, url);
}

static void
subscribe_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (widget);
  const char *plan_id = g_variant_get_string (parameter, NULL);

  if (self->busy || find_plan (self, plan_id) == NULL)
    return;

  tally_message_label_set (self->plans_error, NULL);
  self->busy = TRUE;
  g_free (self->waiting_plan);
  self->waiting_plan = g_strdup (plan_id);
  update_actions (self);
  tally_session_subscribe_async (self->session, plan_id, self->cancellable, subscribe_started,
                                 g_object_ref (self));
}

/* --- cancelling --- */

static void
cancelled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TallyPlansBox) self = user_data;
  g_autoptr(GError) error = NULL;
  TallySubscription *subscription = NULL;
  g_autofree char *message = NULL;
  g_autofree char *day = NULL;

  self->busy = FALSE;
  if (!tally_session_cancel_subscription_finish (TALLY_SESSION (source), result, &subscription,
                                                 &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Your plan was not cancelled: %s"), error->message);
      tally_message_label_set (self->plans_error, message);
      update_actions (self);
      return;
    }

  set_subscription (self, subscription);
  day = subscription != NULL && subscription->period_end != NULL
        ? tally_format_day (subscription->period_end) : NULL;
  if (day != NULL)
    /* Translators: "Your plan ends on 3 January" */
    message = g_strdup_printf (_("Your plan ends on %s"), day);
  tally_toast_show (GTK_WIDGET (self), message != NULL ? message : _("Your plan is cancelled"));
}

static void
cancel_response (AdwMessageDialog *dialog,
                 const char       *response,
                 TallyPlansBox    *self)
{
  if (!g_str_equal (response, "cancel-plan") || self->busy || self->subscription == NULL)
    return;

  tally_message_label_set (self->plans_error, NULL);
  self->busy = TRUE;
  update_actions (self);
  tally_session_cancel_subscription_async (self->session, self->cancellable, cancelled,
                                           g_object_ref (self));
}

static GtkWidget *
new_dialog (TallyPlansBox *self,
            const char    *heading,
            const char    *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (widget);
  g_autofree char *day = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->busy || self->subscription == NULL)
    return;

  day = self->subscription->period_end != NULL
        ? tally_format_day (self->subscription->period_end) : NULL;
  if (day != NULL)
    /* Translators: "Basic stays until 3 January and is not renewed. …" */
    body = g_strdup_printf (_("%s stays until %s and is not renewed. The credits you already "
                              "received stay yours."),
                            plan_name (self, self->subscription->plan), day);
  else
    body = g_strdup_printf (_("%s is not renewed. The credits you already received stay yours."),
                            plan_name (self, self->subscription->plan));
  dialog = new_dialog (self, _("Cancel Your Plan?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Plan"),
                                    "cancel-plan", _("_Cancel Plan"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel-plan",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (cancel_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- switching plans --- */

static void
plan_changed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyPlansBox) self = user_data;
  g_autoptr(GError) error = NULL;
  TallySubscription *subscription = NULL;
  g_autofree char *message = NULL;

  self->busy = FALSE;
  if (!tally_session_change_plan_finish (TALLY_SESSION (source), result, &subscription, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Your plan was not changed: %s"), error->message);
      tally_message_label_set (self->plans_error, message);
      update_actions (self);
      return;
    }

  set_subscription (self, subscription);
  if (subscription != NULL)
    {
      /* Translators: "Your plan is now Pro" */
      message = g_strdup_printf (_("Your plan is now %s"), plan_name (self, subscription->plan));
      tally_toast_show (GTK_WIDGET (self), message);
    }
}

static void
change_response (AdwMessageDialog *dialog,
                 const char       *response,
                 TallyPlansBox    *self)
{
  const char *plan_id = g_object_get_data (G_OBJECT (dialog), "plan-id");

  if (!g_str_equal (response, "switch") || self->busy || self->subscription == NULL)
    return;

  tally_message_label_set (self->plans_error, NULL);
  self->busy = TRUE;
  update_actions (self);
  tally_session_change_plan_async (self->session, plan_id, self->cancellable, plan_changed,
                                   g_object_ref (self));
}

/* docs/payments.md, "Changing plans": an upgrade is charged and credited
 * now, pro rata; a downgrade waits for the next renewal. */
static char *
change_body (TallyPlansBox *self,
             TallyPlan     *plan)
{
  TallyPlan *current = find_plan (self, self->subscription->plan);
  g_autofree char *price = monthly_price (plan);

  if (current == NULL || tally_plan_get_credits (plan) > tally_plan_get_credits (current))
    /* Translators: %s is "€29.00 a month" */
    return g_strdup_printf (_("You pay the difference for the rest of this month now and get "
                              "the extra credits for it at once; from your next renewal on, "
                              "%s."), price);
  /* Translators: %s is "€9.00 a month" */
  return g_strdup_printf (_("Nothing is charged now and this month's credits stay; from your "
                            "next renewal on, %s."), price);
}

static void
change_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (widget);
  TallyPlan *plan = find_plan (self, g_variant_get_string (parameter, NULL));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->busy || self->subscription == NULL || plan == NULL)
    return;

  heading = g_strdup_printf (_("Switch to “%s”?"), tally_plan_get_name (plan));
  body = change_body (self, plan);
  dialog = new_dialog (self, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "switch", _("_Switch"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "switch",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "switch");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "plan-id", g_strdup (tally_plan_get_id (plan)),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (change_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- promo codes --- */

static void
code_redeemed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyPlansBox) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 credits = tally_session_redeem_code_finish (TALLY_SESSION (source), result, &error);
  g_autofree char *credits_text = NULL;
  g_autofree char *message = NULL;

  self->redeeming = FALSE;
  update_actions (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (credits < 0)
    {
      /* The server's refusal is already in words: "This code has expired." */
      tally_message_label_set (self->redeem_error, error->message);
      return;
    }

  credits_text = tally_format_credits (credits);
  /* Translators: "Code redeemed: 500 credits added" */
  message = g_strdup_printf (_("Code redeemed: %s added"), credits_text);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  tally_toast_show (GTK_WIDGET (self), message);
}

/* The API's pattern for codes, checked before anything is sent. */
static gboolean
code_is_valid (const char *code)
{
  gsize length = strlen (code);

  if (length < 3 || length > 32)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (code[i]) && code[i] != '-' && code[i] != '_')
      return FALSE;
  return TRUE;
}

static void
redeem_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (widget);
  g_autofree char *code = g_strstrip (g_strdup (gtk_editable_get_text (
    GTK_EDITABLE (self->code_row))));

  if (self->redeeming)
    return;
  if (code[0] == '\0')
    {
      tally_message_label_set (self->redeem_error, _("Type the code you were given first."));
      return;
    }
  if (!code_is_valid (code))
    {
      tally_message_label_set (self->redeem_error, _("A code has 3 to 32 letters, digits, "
                                                     "hyphens or underscores."));
      return;
    }

  tally_message_label_set (self->redeem_error, NULL);
  self->redeeming = TRUE;
  update_actions (self);
  tally_session_redeem_code_async (self->session, code, self->cancellable, code_redeemed,
                                   g_object_ref (self));
}

static void
code_activated (TallyPlansBox *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "plans.redeem", NULL);
}

/* --- building --- */

static void
build_redeem (TallyPlansBox *self)
{
  GtkListBox *list = tally_boxed_list_new (_("Redeem a promo code"));
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Redeem"));

  self->code_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->code_row), _("Promo code"));
  g_signal_connect_object (self->code_row, "entry-activated", G_CALLBACK (code_activated), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "plans.redeem");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Redeem the promo code"), -1);
  adw_entry_row_add_suffix (self->code_row, button);
  gtk_list_box_append (list, GTK_WIDGET (self->code_row));

  self->redeem_error = tally_message_label_new ("error");
  gtk_box_append (GTK_BOX (self), tally_heading_new (_("Redeem a Code")));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (list));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->redeem_error));
}

static void
build (TallyPlansBox *self)
{
  self->plans_list = tally_boxed_list_new (_("Subscription plans"));
  gtk_widget_set_visible (GTK_WIDGET (self->plans_list), FALSE);
  self->plans_error = tally_message_label_new ("error");
  self->plans_note = tally_message_label_new ("dim-label");
  gtk_box_append (GTK_BOX (self), tally_heading_new (_("Plans")));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->plans_error));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->plans_list));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->plans_note));
  build_redeem (self);
}

static void
tally_plans_box_constructed (GObject *object)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (object);

  G_OBJECT_CLASS (tally_plans_box_parent_class)->constructed (object);

  g_signal_connect_object (self->session, "notify::balance", G_CALLBACK (balance_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (tally_plans_box_reload), NULL);
}

static void
tally_plans_box_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_plans_box_dispose (GObject *object)
{
  TallyPlansBox *self = TALLY_PLANS_BOX (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->plans);
  g_clear_object (&self->session);
  g_clear_object (&self->suffixes);
  g_clear_pointer (&self->subscription, tally_subscription_free);
  g_clear_pointer (&self->waiting_plan, g_free);

  G_OBJECT_CLASS (tally_plans_box_parent_class)->dispose (object);
}

static void
tally_plans_box_class_init (TallyPlansBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_plans_box_constructed;
  object_class->set_property = tally_plans_box_set_property;
  object_class->dispose = tally_plans_box_dispose;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, TALLY_TYPE_SESSION,
                                                  G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "plans.subscribe", "s", subscribe_action);
  gtk_widget_class_install_action (widget_class, "plans.change", "s", change_action);
  gtk_widget_class_install_action (widget_class, "plans.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "plans.redeem", NULL, redeem_action);
}

static void
tally_plans_box_init (TallyPlansBox *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  self->cancellable = g_cancellable_new ();
  self->suffixes = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  build (self);
  update_actions (self);
}

TallyPlansBox *
tally_plans_box_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_PLANS_BOX, "session", session, NULL);
}

void
tally_plans_box_reset (TallyPlansBox *self)
{
  g_return_if_fail (TALLY_IS_PLANS_BOX (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->busy = FALSE;
  self->redeeming = FALSE;
  g_clear_pointer (&self->waiting_plan, g_free);
  g_clear_object (&self->plans);
  tally_message_label_set (self->plans_error, NULL);
  tally_message_label_set (self->plans_note, NULL);
  tally_message_label_set (self->redeem_error, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  set_subscription (self, NULL);
}

void
tally_plans_box_set_uri_opener (TallyPlansBox  *self,
                                TallyUriOpener  opener,
                                gpointer        user_data)
{
  g_return_if_fail (TALLY_IS_PLANS_BOX (self));

  self->opener = opener;
  self->opener_data = user_data;
}
