/* tally-window.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"
#include "tally-history-page.h"
#include "tally-overview-page.h"
#include "tally-purchase-page.h"
#include "tally-secret.h"
#include "tally-sign-in-page.h"
#include "tally-tools-page.h"
#include "tally-window.h"

struct _TallyWindow
{
  AdwApplicationWindow  parent_instance;

  GtkStack             *main_stack;
  TallySignInPage      *sign_in_page;
  TallyBalanceWidget   *balance_widget;
  AdwToastOverlay      *toast_overlay;
  TallyOverviewPage    *overview_page;
  TallyToolsPage       *tools_page;
  TallyHistoryPage     *history_page;
  TallyPurchasePage    *purchase_page;
  AdwViewStack         *view_stack;

  TallyClient          *client;
  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *user_name;
};

G_DEFINE_FINAL_TYPE (TallyWindow, tally_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (TallyWindow *self,
       const char  *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void show_sign_in (TallyWindow *self);

/* What every reply handler does with a failure. */
static void
handle_failure (TallyWindow  *self,
                const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNAUTHORIZED))
    {
      show_sign_in (self);
      toast (self, _("Your session has ended; please sign in again"));
      return;
    }

  toast (self, error->message);
}

/* The reply of a call, or NULL once its failure has been dealt with. */
static JsonObject *
finish_call (TallyWindow  *self,
             GObject      *source,
             GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  JsonObject *reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL, &error);

  if (reply == NULL)
    handle_failure (self, error);

  return reply;
}

static void
show_account (TallyWindow *self,
              JsonObject  *account)
{
  gint64 balance = json_object_get_int_member_with_default (account, "balance", 0);
  gint64 available = json_object_get_int_member_with_default (account, "available", 0);
  gint64 held = json_object_get_int_member_with_default (account, "held", 0);

  tally_balance_widget_set_figures (self->balance_widget, balance, available, held);
  tally_overview_page_set_account (self->overview_page, self->user_name, balance, available, held);
  tally_purchase_page_set_balance (self->purchase_page, balance);
}

static void
me_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TallyWindow *self = user_data;
  g_autoptr(JsonObject) reply = finish_call (self, source, result);
  JsonArray *accounts;

  if (reply == NULL)
    return;

  g_free (self->user_name);
  self->user_name = g_strdup (json_object_get_string_member_with_default (
                                json_object_get_object_member (reply, "user"), "name", ""));
  accounts = json_object_get_array_member (reply, "accounts");
  if (accounts != NULL && json_array_get_length (accounts) > 0)
    show_account (self, json_array_get_object_element (accounts, 0));
}

static void
tools_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TallyWindow *self = user_data;
  g_autoptr(JsonObject) reply = finish_call (self, source, result);

  if (reply == NULL)
    return;

  tally_tools_page_set_tools (self->tools_page, json_object_get_array_member (reply, "tools"));
}

static void
history_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TallyWindow *self = user_data;
  g_autoptr(JsonObject) reply = finish_call (self, source, result);

  if (reply == NULL)
    return;

  tally_history_page_set_items (self->history_page, json_object_get_array_member (reply, "items"));
}

static void
load_history (TallyWindow *self)
{
  tally_client_call_async (self->client, "GET", "/v1/transactions?limit=100", NULL,
                           self->cancellable, history_loaded, self);
}

static void
load_everything (TallyWindow *self)
{
  tally_balance_widget_set_loading (self->balance_widget, TRUE);
  tally_client_call_async (self->client, "GET", "/v1/me", NULL, self->cancellable, me_loaded,
                           self);
  tally_client_call_async (self->client, "GET", "/v1/tools", NULL, self->cancellable,
                           tools_loaded, self);
  load_history (self);
  tally_purchase_page_load_packs (self->purchase_page);
}

/* The server pushes a balance after every commit that changes it. */
static void
on_event (TallyClient *client,
          JsonObject  *message,
          TallyWindow *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");

  if (g_str_equal (type, "balance") && json_object_has_member (message, "account"))
    {
      show_account (self, json_object_get_object_member (message, "account"));
      load_history (self);
    }
  else if (g_str_equal (type, "payment"))
    tally_purchase_page_handle_event (self->purchase_page, message);
}

/* Whatever changed before the stream was (re)connected was not pushed:
 * read it once now. */
static void
on_events_connected (TallyClient *client,
                     GParamSpec  *pspec,
                     TallyWindow *self)
{
  gboolean connected;

  g_object_get (client, "events-connected", &connected, NULL);
  if (!connected)
    return;

  tally_client_call_async (self->client, "GET", "/v1/me", NULL, self->cancellable, me_loaded,
                           self);
  load_history (self);
}

static void
show_app (TallyWindow *self)
{
  gtk_stack_set_visible_child_name (self->main_stack, "app");
  load_everything (self);
  tally_client_connect_events (self->client);
}

static void
show_sign_in (TallyWindow *self)
{
  tally_client_disconnect_events (self->client);
  tally_client_set_token (self->client, NULL);
  tally_sign_in_page_reset (self->sign_in_page);
  tally_tools_page_reset (self->tools_page);
  tally_purchase_page_reset (self->purchase_page);
  gtk_stack_set_visible_child_name (self->main_stack, "sign-in");
}

static void
token_stored (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_secret_store_finish (result, &error))
    toast (self, _("Signed in, but the keyring is unavailable: you will sign in again next time"));
}

static void
on_signed_in (TallySignInPage *page,
              const char      *token,
              TallyWindow     *self)
{
  const char *server_url = tally_client_get_server_url (self->client);

  g_settings_set_string (self->settings, "server-url", server_url);
  tally_client_set_token (self->client, token);
  tally_secret_store_async (server_url, token, NULL, token_stored, g_object_ref (self));
  show_app (self);
}

static void
token_found (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TallyWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = tally_secret_lookup_finish (result, &error);

  if (token == NULL)
    {
      show_sign_in (self);
      return;
    }

  tally_client_set_token (self->client, token);
  show_app (self);
}

static void
token_cleared (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyWindow) self = user_data;

  tally_secret_clear_finish (result, NULL);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TallyWindow *self = TALLY_WINDOW (widget);

  /* Revoking on the server is a courtesy; forgetting here is what counts. */
  tally_client_call_async (self->client, "POST", "/v1/auth/logout", NULL, NULL, NULL, NULL);
  tally_secret_clear_async (tally_client_get_server_url (self->client), NULL, token_cleared,
                            g_object_ref (self));
  show_sign_in (self);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TallyWindow *self = TALLY_WINDOW (widget);

  if (tally_client_get_token (self->client) != NULL)
    load_everything (self);
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

static void
tally_window_dispose (GObject *object)
{
  TallyWindow *self = (TallyWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->user_name, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_WINDOW);

  G_OBJECT_CLASS (tally_window_parent_class)->dispose (object);
}

static void
tally_window_class_init (TallyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_window_dispose;

  g_type_ensure (TALLY_TYPE_SIGN_IN_PAGE);
  g_type_ensure (TALLY_TYPE_BALANCE_WIDGET);
  g_type_ensure (TALLY_TYPE_OVERVIEW_PAGE);
  g_type_ensure (TALLY_TYPE_TOOLS_PAGE);
  g_type_ensure (TALLY_TYPE_HISTORY_PAGE);
  g_type_ensure (TALLY_TYPE_PURCHASE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, balance_widget);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, overview_page);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, tools_page);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, history_page);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, purchase_page);
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, view_stack);

  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.buy-credits", NULL, buy_credits_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh",
                                       NULL);
}

static void
tally_window_init (TallyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

TallyWindow *
tally_window_new (AdwApplication *application,
                  TallyClient    *client,
                  GSettings      *settings)
{
  TallyWindow *self = g_object_new (TALLY_TYPE_WINDOW, "application", application, NULL);

  self->client = g_object_ref (client);
  self->settings = g_object_ref (settings);
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  tally_sign_in_page_set_client (self->sign_in_page, client);
  tally_tools_page_set_client (self->tools_page, client, settings);
  tally_purchase_page_set_client (self->purchase_page, client, settings);
  g_signal_connect (self->sign_in_page, "signed-in", G_CALLBACK (on_signed_in), self);
  g_signal_connect (client, "event", G_CALLBACK (on_event), self);
  g_signal_connect (client, "notify::events-connected", G_CALLBACK (on_events_connected), self);

  tally_secret_lookup_async (tally_client_get_server_url (client), self->cancellable, token_found,
                             g_object_ref (self));
  return self;
}
