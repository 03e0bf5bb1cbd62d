/* tally-window.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"
#include "tally-credit-notices.h"
#include "tally-cache.h"
#include "tally-history-page.h"
#include "tally-offline-banner.h"
#include "tally-overview-page.h"
#include "tally-preferences-window.h"
#include "tally-purchase-page.h"
#include "tally-secret.h"
#include "tally-sign-in-page.h"
#include "tally-sync.h"
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
  TallyOfflineBanner   *offline_banner;

  TallyClient          *client;
  GSettings            *settings;
  GCancellable         *cancellable;

  /* The signed-in user's local copy, and what keeps it in step. */
  TallyCache           *cache;
  TallySync            *sync;
  TallyCreditNotices   *credit_notices;
  char                 *account_id;
  /* /v1/tools, kept until the cache opens to store it. */
  JsonObject           *tools_reply;
  gboolean              tools_shown;
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

  /* The offline banner says so, and the cache stands in. */
  if (self->sync != NULL &&
      g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE))
    return;

  if (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNAUTHORIZED))
    {
      show_sign_in (self);
      toast (self, _("Your session has ended; please sign in again"));
      return;
    }

  toast (self, error->message);
}

static void
show_figures (TallyWindow *self,
              gint64       balance,
              gint64       available,
              gint64       held)
{
  TallyCacheLease lease = { { 0 } };

  tally_balance_widget_set_figures (self->balance_widget, balance, available, held);
  if (self->cache != NULL)
    tally_cache_get_lease (self->cache, &lease);
  tally_overview_page_set_account (self->overview_page, balance, available, held,
                                   lease.id[0] != '\0' ? lease.remaining : 0);
  tally_purchase_page_set_balance (self->purchase_page, balance);
}

static void
show_account (TallyWindow *self,
              JsonObject  *account)
{
  show_figures (self,
                json_object_get_int_member_with_default (account, "balance", 0),
                json_object_get_int_member_with_default (account, "available", 0),
                json_object_get_int_member_with_default (account, "held", 0));
}

/* The cache's account is as of the last sync, and the outbox says what
 * was spent offline since. */
static void
show_cached_account (TallyWindow *self)
{
  TallyAccount account;

  if (self->account_id != NULL &&
      tally_cache_lookup_account (self->cache, self->account_id, &account))
    show_figures (self, tally_account_balance (&account), tally_account_available (&account),
                  tally_account_held (&account));
  tally_balance_widget_set_offline_spent (self->balance_widget,
                                          tally_cache_outbox_spent (self->cache));
}

/* Why the server refused an offline run (a reason of the sync API). */
static const char *
rejection_text (const char *reason)
{
  if (g_strcmp0 (reason, "exceeds_lease") == 0)
    return _("it cost more than the offline allowance had left");
  if (g_strcmp0 (reason, "unknown_tool") == 0)
    return _("the tool is no longer in the catalogue");
  if (g_strcmp0 (reason, "invalid_units") == 0)
    return _("what it measured does not fit the tool’s price");
  return _("the server refused it");
}

static void
on_cache_changed (TallyCache  *cache,
                  TallyWindow *self);

/* Runs the server refused cost nothing: say so once, then forget them. */
static void
tell_rejected_ops (TallyWindow *self)
{
  g_autoptr(JsonArray) rejected = tally_cache_list_rejected (self->cache);

  /* Dismissing emits ::changed, which would come back here. */
  g_signal_handlers_block_by_func (self->cache, on_cache_changed, self);
  for (guint i = 0; i < json_array_get_length (rejected); i++)
    {
      JsonObject *item = json_array_get_object_element (rejected, i);
      JsonObject *op = json_object_get_object_member (item, "op");
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("An offline run of %s was not accepted, so nothing was charged: "
                                "%s."),
                              op != NULL ? json_object_get_string_member_with_default (op, "tool",
                                                                                       "?")
                                         : "?",
                              rejection_text (json_object_get_string_member_with_default (
                                                item, "reason", "")));
      toast (self, text);
      tally_cache_dismiss_rejected (self->cache,
                                    json_object_get_string_member_with_default (item, "id", ""),
                                    NULL);
    }
  g_signal_handlers_unblock_by_func (self->cache, on_cache_changed, self);
}

static void
on_cache_changed (TallyCache  *cache,
                  TallyWindow *self)
{
  show_cached_account (self);
  tell_rejected_ops (self);
  tally_history_page_reload (self->history_page);
  tally_overview_page_reload (self->overview_page);
}

/* A toast, and a desktop notification when the user is looking elsewhere. */
static void
on_credit_notice (TallyCreditNotices *notices,
                  const char         *text,
                  TallyWindow        *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  toast (self, text);
  if (application != NULL && !gtk_window_is_active (GTK_WINDOW (self)))
    {
      g_autoptr(GNotification) notification = g_notification_new (_("Credits"));

      g_notification_set_body (notification, text);
      g_application_send_notification (G_APPLICATION (application), "credits", notification);
    }
}

/* The History page reads the cache's ledger, online or not; credits that
 * arrive by themselves are told about from it too. */
static void
show_history (TallyWindow *self)
{
  /* Once per cache: setting a source again would read the first page
   * again and lose the place in the list; the cache's ::changed reloads. */
  if (self->cache == NULL || self->account_id == NULL || self->credit_notices != NULL)
    return;

  tally_history_page_set_source (self->history_page, tally_cache_get_ledger (self->cache),
                                 self->account_id);
  tally_overview_page_set_source (self->overview_page, tally_cache_get_ledger (self->cache),
                                  self->account_id);
  self->credit_notices = tally_credit_notices_new (self->cache, self->account_id);
  g_signal_connect (self->credit_notices, "notice", G_CALLBACK (on_credit_notice), self);
}

static void
close_cache (TallyWindow *self)
{
  tally_offline_banner_set_sync (self->offline_banner, NULL);
  tally_history_page_set_source (self->history_page, NULL, NULL);
  tally_overview_page_set_source (self->overview_page, NULL, NULL);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->credit_notices);
  g_clear_object (&self->sync);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->account_id, g_free);
  g_clear_pointer (&self->tools_reply, json_object_unref);
  self->tools_shown = FALSE;
  tally_balance_widget_set_offline_spent (self->balance_widget, 0);
}

static void
store_document (TallyWindow *self,
                const char  *name,
                JsonObject  *reply)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), reply);
  g_autoptr(GError) error = NULL;

  if (!tally_cache_set_document (self->cache, name, node, &error))
    g_warning ("The cache did not take %s: %s", name, error->message);
}

/* Opens @user_id's cache and starts keeping it in step; FALSE (with a
 * warning) when it cannot be opened: the app then works online only. */
static gboolean
open_cache (TallyWindow *self,
            const char  *user_id)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  path = tally_cache_build_path (tally_client_get_server_url (self->client), user_id);
  if (path == NULL)
    return FALSE;

  self->cache = tally_cache_open (path, &error);
  if (self->cache == NULL)
    {
      g_warning ("No offline cache at %s: %s", path, error->message);
      return FALSE;
    }

  g_settings_set_string (self->settings, "last-user-id", user_id);
  g_signal_connect (self->cache, "changed", G_CALLBACK (on_cache_changed), self);
  self->sync = tally_sync_new (self->client, self->cache);
  tally_offline_banner_set_sync (self->offline_banner, self->sync);
  if (self->tools_reply != NULL)
    store_document (self, "tools", self->tools_reply);
  g_clear_pointer (&self->tools_reply, json_object_unref);
  tally_sync_now (self->sync);
  return TRUE;
}

static void
show_me (TallyWindow *self,
         JsonObject  *me)
{
  JsonArray *accounts = json_object_get_array_member (me, "accounts");
  JsonObject *account = NULL;

  if (accounts != NULL && json_array_get_length (accounts) > 0)
    account = json_array_get_object_element (accounts, 0);

  g_free (self->account_id);
  self->account_id = account != NULL ? g_strdup (json_object_get_string_member_with_default (
                                                   account, "id", "")) : NULL;
  if (json_object_has_member (me, "limits"))
    tally_overview_page_set_limits (self->overview_page,
                                    json_object_get_object_member (me, "limits"));
  if (account != NULL)
    show_account (self, account);
}

static void
remember_me (TallyWindow *self,
             JsonObject  *me)
{
  const char *user_id = json_object_get_string_member_with_default (
    json_object_get_object_member (me, "user"), "id", "");

  if (self->cache == NULL && (user_id[0] == '\0' || !open_cache (self, user_id)))
    return;

  store_document (self, "me", me);
  show_history (self);
}

/* The catalogue: the Tools page lists it, History names tools by it. */
static void
show_tools (TallyWindow *self,
            JsonObject  *reply)
{
  JsonArray *tools = json_object_get_array_member (reply, "tools");

  tally_tools_page_set_tools (self->tools_page, tools);
  if (tools != NULL)
    {
      tally_history_page_set_tools (self->history_page, tools);
      tally_overview_page_set_tools (self->overview_page, tools);
    }
  self->tools_shown = TRUE;
}

static gboolean
show_cached_tools (TallyWindow *self)
{
  g_autoptr(JsonNode) tools = NULL;

  if (self->tools_shown)
    return TRUE;
  if (self->cache == NULL || (tools = tally_cache_get_document (self->cache, "tools")) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (tools))
    return FALSE;

  show_tools (self, json_node_get_object (tools));
  return TRUE;
}

/* The server cannot be reached at start: the app opens on what the last
 * user's cache holds rather than on an error. */
static gboolean
open_cached_session (TallyWindow *self)
{
  g_autofree char *user_id = g_settings_get_string (self->settings, "last-user-id");
  g_autoptr(JsonNode) me = NULL;

  if (self->cache == NULL && (user_id[0] == '\0' || !open_cache (self, user_id)))
    return FALSE;

  me = tally_cache_get_document (self->cache, "me");
  if (me == NULL || !JSON_NODE_HOLDS_OBJECT (me))
    return FALSE;

  show_me (self, json_node_get_object (me));
  show_cached_tools (self);
  show_cached_account (self);
  show_history (self);
  return TRUE;
}

static gboolean
is_unreachable (const GError *error)
{
  return g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE);
}

/* The reply to one of the first loads, or NULL when there is none: while
 * the server is unreachable @show_cached stands in if the cache can, and
 * any other failure is handled as every reply handler does. */
static JsonObject *
finish_load (TallyWindow   *self,
             GObject       *source,
             GAsyncResult  *result,
             gboolean     (*show_cached) (TallyWindow *self))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);

  if (reply == NULL && !(is_unreachable (error) && show_cached (self)))
    handle_failure (self, error);
  return g_steal_pointer (&reply);
}

static void
me_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TallyWindow *self = user_data;
  g_autoptr(JsonObject) reply = finish_load (self, source, result, open_cached_session);

  if (reply == NULL)
    return;

  show_me (self, reply);
  remember_me (self, reply);
}

static void
tools_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TallyWindow *self = user_data;
  g_autoptr(JsonObject) reply = finish_load (self, source, result, show_cached_tools);

  if (reply == NULL)
    return;

  show_tools (self, reply);
  if (self->cache != NULL)
    store_document (self, "tools", reply);
  else
    {
      g_clear_pointer (&self->tools_reply, json_object_unref);
      self->tools_reply = json_object_ref (reply);
    }
}

static void
load_me (TallyWindow *self)
{
  tally_client_call_async (self->client, "GET", "/v1/me", NULL, self->cancellable, me_loaded,
                           self);
}

static void
load_everything (TallyWindow *self)
{
  tally_balance_widget_set_loading (self->balance_widget, TRUE);
  load_me (self);
  tally_client_call_async (self->client, "GET", "/v1/tools", NULL, self->cancellable,
                           tools_loaded, self);
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
    show_account (self, json_object_get_object_member (message, "account"));
  else if (g_str_equal (type, "payment"))
    tally_purchase_page_handle_event (self->purchase_page, message);
  /* A run that ended changed what was spent against the caps. */
  else if (g_str_equal (type, "run"))
    load_me (self);
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
  if (connected)
    load_me (self);
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
  close_cache (self);
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
  if (self->sync != NULL)
    tally_sync_now (self->sync);
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
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyWindow *self = TALLY_WINDOW (widget);

  /* Caps, billing and the account are the server's: signed in only. */
  if (tally_client_get_token (self->client) == NULL)
    return;

  gtk_window_present (GTK_WINDOW (tally_preferences_window_new (GTK_WINDOW (self), self->client,
                                                                self->settings)));
}

static void
tally_window_dispose (GObject *object)
{
  TallyWindow *self = (TallyWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->offline_banner != NULL)
    close_cache (self);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
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
  g_type_ensure (TALLY_TYPE_OFFLINE_BANNER);

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
  gtk_widget_class_bind_template_child (widget_class, TallyWindow, offline_banner);

  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.buy-credits", NULL, buy_credits_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
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

/* The signed-in user's cache; NULL before /v1/me answered (or the cache
 * opened from the last session) and after signing out. */
TallyCache *
tally_window_get_cache (TallyWindow *self)
{
  g_return_val_if_fail (TALLY_IS_WINDOW (self), NULL);

  return self->cache;
}

TallySync *
tally_window_get_sync (TallyWindow *self)
{
  g_return_val_if_fail (TALLY_IS_WINDOW (self), NULL);

  return self->sync;
}

const char *
tally_window_get_account_id (TallyWindow *self)
{
  g_return_val_if_fail (TALLY_IS_WINDOW (self), NULL);

  return self->account_id;
}
