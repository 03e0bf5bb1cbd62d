/* tally-window.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window builds the pages on its session and routes between them;
 * what they show comes from the session.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-admin-page.h"
#include "tally-alerts-window.h"
#include "tally-balance-widget.h"
#include "tally-history-page.h"
#include "tally-offline-banner.h"
#include "tally-overview-page.h"
#include "tally-preferences-window.h"
#include "tally-purchase-page.h"
#include "tally-sign-in-page.h"
#include "tally-toast.h"
#include "tally-tools-page.h"
#include "tally-usage-page.h"
#include "tally-team-page.h"
#include "tally-window.h"

struct _TallyWindow
{
  AdwApplicationWindow  parent_instance;

  GtkStack             *main_stack;
  AdwBin               *sign_in_slot;
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *view_stack;
  AdwBin               *overview_slot;
  AdwBin               *tools_slot;
  AdwBin               *history_slot;
  AdwBin               *usage_slot;
  AdwBin               *team_slot;
  AdwBin               *purchase_slot;

  TallySession         *session;
  TallySignInPage      *sign_in_page;
  TallyToolsPage       *tools_page;
  TallyPurchasePage    *purchase_page;
  /* The last alert's toast: a newer alert replaces it rather than
   * waiting behind it. */
  AdwToast             *alert_toast;
};

G_DEFINE_FINAL_TYPE (TallyWindow, tally_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A toast, and a desktop notification when the user is looking elsewhere
 * and the news came by itself (credits granted or refunded). Toasts are
 * plain text: what they say may come from the server or a user. */
static void
on_notice (TallySession *session,
           const char   *text,
           gboolean      desktop,
           TallyWindow  *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, tally_toast_new_plain (text));
  if (desktop && application != NULL && !gtk_window_is_active (GTK_WINDOW (self)))
    {
      g_autoptr(GNotification) notification = g_notification_new (_("Credits"));

      g_notification_set_body (notification, text);
      g_application_send_notification (G_APPLICATION (application), "credits", notification);
    }
}

/* An alert arriving live: a toast when the user wants alerts in the app,
 * and a desktop notification when they want them on the desktop and are
 * looking elsewhere. Before the server said which, both are on. */
static void
on_alert (TallySession *session,
          TallyAlert   *alert,
          TallyWindow  *self)
{
  const TallyAlertSettings *settings = tally_session_get_alert_settings (session);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *text = tally_alert_describe (alert);
  g_autofree char *title = tally_alert_describe_short (alert);

  /* Short, so that it fits a narrow window; the whole sentence is one
   * click away, in the alerts window. */
  if (settings == NULL || settings->app)
    {
      if (self->alert_toast != NULL)
        adw_toast_dismiss (self->alert_toast);
      g_clear_object (&self->alert_toast);
      self->alert_toast = tally_toast_new_plain (title);
      adw_toast_set_button_label (self->alert_toast, _("_Show"));
      adw_toast_set_action_name (self->alert_toast, "win.show-alerts");
      adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->alert_toast));
    }
  if ((settings == NULL || settings->desktop) && application != NULL &&
      !gtk_window_is_active (GTK_WINDOW (self)))
    {
      g_autoptr(GNotification) notification = g_notification_new (title);

      g_notification_set_body (notification, text);
      g_application_send_notification (G_APPLICATION (application), "alert", notification);
    }
}

static void
on_state_changed (TallySession *session,
                  GParamSpec   *pspec,
                  TallyWindow  *self)
{
  switch (tally_session_get_state (session))
    {
    case TALLY_SESSION_STATE_STARTING:
    default:
      gtk_stack_set_visible_child_name (self->main_stack, "loading");
      break;
    case TALLY_SESSION_STATE_SIGNED_OUT:
      tally_sign_in_page_reset (self->sign_in_page);
      tally_tools_page_reset (self->tools_page);
      tally_purchase_page_reset (self->purchase_page);
      gtk_stack_set_visible_child_name (self->main_stack, "sign-in");
      break;
    case TALLY_SESSION_STATE_SIGNED_IN:
      gtk_stack_set_visible_child_name (self->main_stack, "app");
      break;
    }
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  tally_session_sign_out (TALLY_WINDOW (widget)->session);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  tally_session_refresh (TALLY_WINDOW (widget)->session);
}

static void
buy_credits_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyWindow *self = TALLY_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, "purchase");
  gtk_widget_grab_focus (GTK_WIDGET (self->purchase_page));
}

/* The Overview's links to the other pages. */
static void
show_view_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TallyWindow *self = TALLY_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

/* Preferences, on @page (NULL: the first). */
static void
show_preferences (TallyWindow *self,
                  const char  *page)
{
  TallyPreferencesWindow *prefs;

  /* Caps, billing and the account are the server's: signed in only. */
  if (tally_session_get_state (self->session) != TALLY_SESSION_STATE_SIGNED_IN)
    return;

  prefs = tally_preferences_window_new (GTK_WINDOW (self), self->session);
  if (page != NULL)
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), page);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  show_preferences (TALLY_WINDOW (widget), NULL);
}

/* The alerts window's Alert Settings. */
static void
alert_settings_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  show_preferences (TALLY_WINDOW (widget), "alerts");
}

/* The Overview's "All Alerts": the history, from the cache. */
static void
show_alerts_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyWindow *self = TALLY_WINDOW (widget);

  if (tally_session_get_state (self->session) != TALLY_SESSION_STATE_SIGNED_IN)
    return;

  gtk_window_present (GTK_WINDOW (tally_alerts_window_new (GTK_WINDOW (self), self->session)));
}

static void
build_pages (TallyWindow *self)
{
  self->sign_in_page = tally_sign_in_page_new (self->session);
  adw_bin_set_child (self->sign_in_slot, GTK_WIDGET (self->sign_in_page));
  adw_bin_set_child (self->overview_slot, GTK_WIDGET (tally_overview_page_new (self->session)));
  self->tools_page = tally_tools_page_new (self->session);
  adw_bin_set_child (self->tools_slot, GTK_WIDGET (self->tools_page));
  adw_bin_set_child (self->history_slot, GTK_WIDGET (tally_history_page_new (self->session)));
  adw_bin_set_child (self->usage_slot, GTK_WIDGET (tally_usage_page_new (self->session)));
  adw_bin_set_child (self->team_slot, GTK_WIDGET (tally_team_page_new (self->session)));
  self->purchase_page = tally_purchase_page_new (self->session);
  adw_bin_set_child (self->purchase_slot, GTK_WIDGET (self->purchase_page));
  tally_admin_page_add_to_stack (self->view_stack, self->session);
}

static void
tally_window_constructed (GObject *object)
{
  TallyWindow *self = TALLY_WINDOW (object);
  GSettings *settings = tally_session_get_settings (self->session);

  G_OBJECT_CLASS (tally_window_parent_class)->constructed (object);

  build_pages (self);
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->session, "notice", G_CALLBACK (on_notice), self, 0);
  g_signal_connect_object (self->session, "alert", G_CALLBACK (on_alert), self, 0);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (on_state_changed), self,
                           0);
  on_state_changed (self->session, NULL, self);
}

static void
tally_window_dispose (GObject *object)
{
  TallyWindow *self = (TallyWindow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_WINDOW);
  g_clear_object (&self->alert_toast);
  if (self->session != NULL)
    g_object_run_dispose (G_OBJECT (self->session));
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tally_window_parent_class)->dispose (object);
}

static void
tally_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TallyWindow *self = TALLY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TallyWindow *self = TALLY_WINDOW (object);

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
tally_window_class_init (TallyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_window_constructed;
  object_class->dispose = tally_window_dispose;
  object_class->get_property = tally_window_get_property;
  object_class->set_property = tally_window_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, TALLY_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TALLY_TYPE_SESSION);
  g_type_ensure (TALLY_TYPE_BALANCE_WIDGET);
  g_type_ensure (TALLY_TYPE_OFFLINE_BANNER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, sign_in_slot);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, overview_slot);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, tools_slot);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, history_slot);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, usage_slot);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, team_slot);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, purchase_slot);

  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.buy-credits", NULL, buy_credits_action);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.show-alerts", NULL, show_alerts_action);
  gtk_widget_class_install_action (widget_class, "win.alert-settings", NULL,
                                   alert_settings_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh",
                                       NULL);
}

static void
tally_window_init (TallyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TallyWindow *
tally_window_new (AdwApplication *application,
                  TallyClient    *client,
                  GSettings      *settings)
{
  g_autoptr(TallySession) session = tally_session_new (client, settings);

  return g_object_new (TALLY_TYPE_WINDOW, "application", application, "session", session, NULL);
}

TallySession *
tally_window_get_session (TallyWindow *self)
{
  g_return_val_if_fail (TALLY_IS_WINDOW (self), NULL);

  return self->session;
}
