/* tally-session.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the server says arrives here, as replies and as events, and is
 * decoded once into properties and list models; the cache stands in while
 * the server cannot be reached.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally-alert-history.h"
#include "tally-credit-notices.h"
#include "tally-secret.h"
#include "tally-session-gifts.h"
#include "tally-session-private.h"
#include "tally-sync-op.h"

struct _TallySession
{
  GObject             parent_instance;

  TallyClient        *client;
  GSettings          *settings;
  /* Cancelled on sign-out: nothing of the last user's replies lands. */
  GCancellable       *cancellable;
  TallySessionState   state;

  /* The signed-in user's local copy, and what keeps it in step. */
  TallyCache         *cache;
  TallySync          *sync;
  TallyCreditNotices *credit_notices;
  TallyAlertHistory  *alert_history;
  gboolean            has_ledger;

  char               *user_id;
  char               *user_name;
  char               *email;
  char               *role;
  char               *account_id;
  gint64              balance;
  gint64              available;
  gint64              held;
  gint64              offline_spent;
  gint64              offline_reserve;
  /* The soonest lot of credits that expire (GET /v1/me's "expiring"). */
  gint64              expiring_credits;
  GDateTime          *expiring_at;
  gboolean            loading;
  TallySpendLimits   *limits;

  TallyToolRegistry  *tools;
  gboolean            tools_shown;
  /* /v1/tools, kept until the cache opens to store it. */
  JsonObject         *tools_reply;
  GListStore         *packs;
  char               *packs_error;
  GListStore         *payments;
  GListStore         *alerts;
  TallyAlertSettings *alert_settings;
};

G_DEFINE_FINAL_TYPE (TallySession, tally_session, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (TallySessionState, tally_session_state,
                    G_DEFINE_ENUM_VALUE (TALLY_SESSION_STATE_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (TALLY_SESSION_STATE_SIGNED_OUT, "signed-out"),
                    G_DEFINE_ENUM_VALUE (TALLY_SESSION_STATE_SIGNED_IN, "signed-in"))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_SETTINGS,
  PROP_STATE,
  PROP_CACHE,
  PROP_SYNC,
  PROP_LEDGER,
  PROP_ACCOUNT_ID,
  PROP_USER_NAME,
  PROP_EMAIL,
  PROP_ROLE,
  PROP_BALANCE,
  PROP_AVAILABLE,
  PROP_HELD,
  PROP_OFFLINE_SPENT,
  PROP_OFFLINE_RESERVE,
  PROP_LOADING,
  PROP_LIMITS,
  PROP_TOOLS,
  PROP_PACKS,
  PROP_PACKS_ERROR,
  PROP_PAYMENTS,
  PROP_ALERTS,
  PROP_ALERT_SETTINGS,
  PROP_EXPIRING_AT,
  N_PROPS
};

enum {
  NOTICE,
  PAYMENT,
  LEDGER_CHANGED,
  ALERT,
  POOL_BALANCE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
notice (TallySession *self,
        const char   *text,
        gboolean      desktop)
{
  g_signal_emit (self, signals[NOTICE], 0, text, desktop);
}

/* TRUE when @value differs from what @field held. */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
set_string (TallySession  *self,
            char         **field,
            const char    *value,
            guint          prop)
{
  if (replace_string (field, value))
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_figure (TallySession *self,
            gint64       *field,
            gint64        value,
            guint         prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_loading (TallySession *self,
             gboolean      loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_state (TallySession      *self,
           TallySessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void sign_out_here (TallySession *self);

/* What every reply handler does with a failure. */
static void
handle_failure (TallySession *self,
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
      sign_out_here (self);
      notice (self, _("Your session has ended; please sign in again"), FALSE);
      return;
    }

  notice (self, error->message, FALSE);
}

/* --- the account's figures --- */

static void
show_figures (TallySession *self,
              gint64        balance,
              gint64        available,
              gint64        held)
{
  TallyCacheLease lease = { { 0 } };

  g_object_freeze_notify (G_OBJECT (self));
  if (self->cache != NULL)
    tally_cache_get_lease (self->cache, &lease);
  set_figure (self, &self->offline_reserve,
              lease.id[0] != '\0' ? CLAMP (lease.remaining, 0, held) : 0,
              PROP_OFFLINE_RESERVE);
  set_figure (self, &self->balance, balance, PROP_BALANCE);
  set_figure (self, &self->available, available, PROP_AVAILABLE);
  set_figure (self, &self->held, held, PROP_HELD);
  set_loading (self, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
show_account (TallySession *self,
              JsonObject   *account)
{
  show_figures (self,
                json_object_get_int_member_with_default (account, "balance", 0),
                json_object_get_int_member_with_default (account, "available", 0),
                json_object_get_int_member_with_default (account, "held", 0));
}

/* The cache's account is as of the last sync, and the outbox says what
 * was spent offline since. */
static void
show_cached_account (TallySession *self)
{
  TallyAccount account;

  if (self->account_id != NULL &&
      tally_cache_lookup_account (self->cache, self->account_id, &account))
    show_figures (self, tally_account_balance (&account), tally_account_available (&account),
                  tally_account_held (&account));
  set_figure (self, &self->offline_spent, tally_cache_outbox_spent (self->cache),
              PROP_OFFLINE_SPENT);
}

/* --- what the cache says --- */

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

static void on_cache_changed (TallyCache   *cache,
                              TallySession *self);

static void
tell_rejected_op (TallySession *self,
                  JsonObject   *item)
{
  JsonObject *op = json_object_get_object_member (item, "op");
  TallySyncOp decoded;
  TallySyncOpFault fault;
  const char *tool_id = "?";
  const char *tool_name;
  g_autofree char *text = NULL;

  /* An op that no longer reads (an older app wrote it) is named "?". */
  if (op != NULL && tally_sync_op_from_json (op, &decoded, &fault))
    tool_id = decoded.tool;
  tool_name = tally_session_get_tool_name (self, tool_id);
  text = g_strdup_printf (_("An offline run of %s was not accepted, so nothing was charged: "
                            "%s."),
                          tool_name != NULL ? tool_name : tool_id,
                          rejection_text (json_object_get_string_member_with_default (
                                            item, "reason", "")));
  notice (self, text, FALSE);
}

/* The runs queued on the pool of a team the user is no longer in (the
 * app refused them: the server no longer syncs the pool). */
typedef struct
{
  char  *account_id;
  /* As recorded with the runs; NULL when none was (queued by an older
   * app). */
  char  *team_name;
  guint  count;
} LostPool;

static void
lost_pool_free (gpointer data)
{
  LostPool *pool = data;

  g_free (pool->account_id);
  g_free (pool->team_name);
  g_free (pool);
}

static void
count_lost_run (GPtrArray  *pools,
                JsonObject *item)
{
  const char *account_id = json_object_get_string_member_with_default (item, "account_id", "");
  const char *team_name = json_object_get_string_member_with_default (item, "team_name", NULL);
  LostPool *pool = NULL;

  for (guint i = 0; i < pools->len && pool == NULL; i++)
    {
      if (g_str_equal (((LostPool *) g_ptr_array_index (pools, i))->account_id, account_id))
        pool = g_ptr_array_index (pools, i);
    }
  if (pool == NULL)
    {
      pool = g_new0 (LostPool, 1);
      pool->account_id = g_strdup (account_id);
      g_ptr_array_add (pools, pool);
    }
  if (pool->team_name == NULL)
    pool->team_name = g_strdup (team_name);
  pool->count++;
}

static char *
lost_pool_text (const LostPool *pool)
{
  if (pool->team_name != NULL)
    /* Translators: "You are no longer a member of “Design”; 3 runs queued
     * on its pool were not charged." The runs were made offline. */
    return g_strdup_printf (ngettext ("You are no longer a member of “%s”; %u run queued on "
                                      "its pool was not charged.",
                                      "You are no longer a member of “%s”; %u runs queued on "
                                      "its pool were not charged.", pool->count),
                            pool->team_name, pool->count);
  return g_strdup_printf (ngettext ("You are no longer a member of the team whose pool was to pay "
                                    "for %u offline run; it was not charged.",
                                    "You are no longer a member of the team whose pool was to pay "
                                    "for %u offline runs; they were not charged.", pool->count),
                          pool->count);
}

/* Runs the server refused cost nothing: say so once, then forget them.
 * Those refused because the user left a team are told once per team. */
static void
tell_rejected_ops (TallySession *self)
{
  g_autoptr(JsonArray) rejected = tally_cache_list_rejected (self->cache);
  g_autoptr(GPtrArray) lost_pools = g_ptr_array_new_with_free_func (lost_pool_free);

  /* Dismissing emits ::changed, which would come back here. */
  g_signal_handlers_block_by_func (self->cache, on_cache_changed, self);
  for (guint i = 0; i < json_array_get_length (rejected); i++)
    {
      JsonObject *item = json_array_get_object_element (rejected, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (item, "reason", ""),
                     "not_member") == 0)
        count_lost_run (lost_pools, item);
      else
        tell_rejected_op (self, item);
      tally_cache_dismiss_rejected (self->cache,
                                    json_object_get_string_member_with_default (item, "id", ""),
                                    NULL);
    }
  for (guint i = 0; i < lost_pools->len; i++)
    {
      g_autofree char *text = lost_pool_text (g_ptr_array_index (lost_pools, i));

      notice (self, text, FALSE);
    }
  g_signal_handlers_unblock_by_func (self->cache, on_cache_changed, self);
}

static void
on_cache_changed (TallyCache   *cache,
                  TallySession *self)
{
  show_cached_account (self);
  tell_rejected_ops (self);
  g_signal_emit (self, signals[LEDGER_CHANGED], 0);
}

static void
on_credit_notice (TallyCreditNotices *notices,
                  const char         *text,
                  TallySession       *self)
{
  notice (self, text, TRUE);
}

void
tally_session_notice (TallySession *self,
                      const char   *text)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  notice (self, text, TRUE);
}

/* The ledger is there for pages to read once the cache is open and the
 * account known; once per cache, so that a list keeps its place. */
static void
update_ledger (TallySession *self)
{
  if (self->cache == NULL || self->account_id == NULL || self->has_ledger)
    return;

  self->has_ledger = TRUE;
  self->credit_notices = tally_credit_notices_new (self->cache, self->account_id);
  g_signal_connect (self->credit_notices, "notice", G_CALLBACK (on_credit_notice), self);
  g_signal_connect_swapped (self->credit_notices, "gift", G_CALLBACK (tally_session_tell_gift),
                            self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEDGER]);
}

static void
store_document (TallySession *self,
                const char   *name,
                JsonObject   *reply)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), reply);
  g_autoptr(GError) error = NULL;

  if (!tally_cache_set_document (self->cache, name, node, &error))
    g_warning ("The cache did not take %s: %s", name, error->message);
}

/* Opens @user_id's cache and starts keeping it in step; FALSE (with a
 * warning) when it cannot be opened: the app then works online only. */
static gboolean
open_cache (TallySession *self,
            const char   *user_id)
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
  if (self->tools_reply != NULL)
    store_document (self, "tools", self->tools_reply);
  g_clear_pointer (&self->tools_reply, json_object_unref);
  self->alert_history = tally_alert_history_new (self->client, self->cache, self->alerts);
  /* Before the first sync, which may refuse them. */
  tally_session_name_queued_pool_ops (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
  tally_sync_now (self->sync);
  tally_alert_history_fetch (self->alert_history);
  return TRUE;
}

static void
close_cache (TallySession *self)
{
  gboolean had_ledger = self->has_ledger;
  gboolean had_cache = self->cache != NULL;

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->credit_notices);
  g_clear_object (&self->alert_history);
  g_list_store_remove_all (self->alerts);
  self->has_ledger = FALSE;
  g_clear_object (&self->sync);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->tools_reply, json_object_unref);
  self->tools_shown = FALSE;
  if (had_ledger)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEDGER]);
  if (had_cache)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
    }
}

/* --- /v1/me --- */

static void
set_expiring (TallySession *self,
              gint64        credits,
              GDateTime    *at)
{
  if (credits == self->expiring_credits &&
      (at == self->expiring_at ||
       (at != NULL && self->expiring_at != NULL && g_date_time_equal (at, self->expiring_at))))
    return;

  self->expiring_credits = credits;
  g_clear_pointer (&self->expiring_at, g_date_time_unref);
  self->expiring_at = at != NULL ? g_date_time_ref (at) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRING_AT]);
}

/* The first lot of "expiring" (soonest first) still to come with credits
 * left; none when the member is missing or malformed. */
static void
show_expiring (TallySession *self,
               JsonObject   *account)
{
  JsonNode *node = account != NULL ? json_object_get_member (account, "expiring") : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  JsonArray *lots;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      set_expiring (self, 0, NULL);
      return;
    }

  lots = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (lots); i++)
    {
      JsonNode *lot = json_array_get_element (lots, i);
      JsonNode *amount, *at;
      g_autoptr(GDateTime) time = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (lot))
        continue;
      amount = json_object_get_member (json_node_get_object (lot), "amount");
      at = json_object_get_member (json_node_get_object (lot), "expires_at");
      if (amount == NULL || !JSON_NODE_HOLDS_VALUE (amount) ||
          json_node_get_value_type (amount) != G_TYPE_INT64 || json_node_get_int (amount) <= 0 ||
          at == NULL || !JSON_NODE_HOLDS_VALUE (at) ||
          json_node_get_value_type (at) != G_TYPE_STRING)
        continue;
      time = g_date_time_new_from_iso8601 (json_node_get_string (at), NULL);
      if (time != NULL && g_date_time_compare (time, now) > 0)
        {
          set_expiring (self, json_node_get_int (amount), time);
          return;
        }
    }
  set_expiring (self, 0, NULL);
}

/* The sync leases each pool the user may spend from: GET /v1/me lists
 * them after the user's own account, with kind "team". */
static void
follow_pools (TallySession *self,
              JsonArray    *accounts)
{
  g_autoptr(GStrvBuilder) pools = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;

  if (self->sync == NULL || accounts == NULL)
    return;

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonNode *node = json_array_get_element (accounts, i);
      JsonObject *account = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *id = account != NULL
                       ? json_object_get_string_member_with_default (account, "id", NULL) : NULL;

      if (id != NULL && g_strcmp0 (json_object_get_string_member_with_default (account, "kind",
                                                                               ""), "team") == 0)
        g_strv_builder_add (pools, id);
    }
  ids = g_strv_builder_end (pools);
  tally_sync_set_pools (self->sync, (const char * const *) ids);
}

static void
show_me (TallySession *self,
         JsonObject   *me)
{
  JsonArray *accounts = json_object_get_array_member (me, "accounts");
  JsonObject *user = json_object_get_object_member (me, "user");
  JsonObject *account = NULL;

  if (accounts != NULL && json_array_get_length (accounts) > 0)
    account = json_array_get_object_element (accounts, 0);

  g_object_freeze_notify (G_OBJECT (self));
  if (user != NULL)
    {
      replace_string (&self->user_id, json_object_get_string_member_with_default (user, "id", NULL));
      set_string (self, &self->user_name,
                  json_object_get_string_member_with_default (user, "name", ""), PROP_USER_NAME);
      set_string (self, &self->email,
                  json_object_get_string_member_with_default (user, "email", ""), PROP_EMAIL);
      set_string (self, &self->role,
                  json_object_get_string_member_with_default (user, "role", "member"), PROP_ROLE);
    }
  set_string (self, &self->account_id,
              account != NULL ? json_object_get_string_member_with_default (account, "id", NULL)
                              : NULL,
              PROP_ACCOUNT_ID);
  if (json_object_has_member (me, "limits"))
    {
      tally_spend_limits_free (self->limits);
      self->limits = tally_spend_limits_new_from_json (json_object_get_object_member (me,
                                                                                      "limits"));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMITS]);
    }
  if (account != NULL)
    show_account (self, account);
  show_expiring (self, account);
  follow_pools (self, accounts);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
remember_me (TallySession *self,
             JsonObject   *me)
{
  if (self->cache == NULL &&
      (self->user_id == NULL || !open_cache (self, self->user_id)))
    return;

  store_document (self, "me", me);
  follow_pools (self, json_object_get_array_member (me, "accounts"));
  update_ledger (self);
}

/* --- /v1/tools --- */

static void
show_tools (TallySession *self,
            JsonObject   *reply)
{
  JsonArray *tools = json_object_get_array_member (reply, "tools");
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();

  for (guint i = 0; tools != NULL && i < json_array_get_length (tools); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyTool) tool = tally_tool_new_from_json (json_array_get_element (tools, i),
                                                             &error);

      if (tool == NULL || !tally_tool_registry_add (registry, tool, &error))
        g_warning ("A tool from the server cannot be read: %s", error->message);
    }

  g_set_object (&self->tools, registry);
  self->tools_shown = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOOLS]);
}

static gboolean
show_cached_tools (TallySession *self)
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
open_cached_session (TallySession *self)
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
  update_ledger (self);
  return TRUE;
}

/* The reply to one of the first loads, or NULL when there is none: while
 * the server is unreachable @show_cached stands in if the cache can, and
 * any other failure is handled as every reply handler does. */
static JsonObject *
finish_load (TallySession  *self,
             GObject       *source,
             GAsyncResult  *result,
             gboolean     (*show_cached) (TallySession *self))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);

  if (reply == NULL &&
      !(g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE) &&
        show_cached (self)))
    handle_failure (self, error);
  return g_steal_pointer (&reply);
}

static void
me_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TallySession) self = user_data;
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
  g_autoptr(TallySession) self = user_data;
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
load_me (TallySession *self)
{
  tally_client_call_async (self->client, "GET", "/v1/me", NULL, self->cancellable, me_loaded,
                           g_object_ref (self));
}

void
tally_session_reload_account (TallySession *self)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  if (self->state == TALLY_SESSION_STATE_SIGNED_IN)
    load_me (self);
}

/* --- packs and payments --- */

static void
set_packs_error (TallySession *self,
                 const char   *message)
{
  set_string (self, &self->packs_error, message, PROP_PACKS_ERROR);
}

/* Replaces @store's items with the objects @decode makes of @items; an
 * item it cannot read is left out with a warning. */
static void
fill_store (GListStore  *store,
            JsonArray   *items,
            gpointer   (*decode) (JsonObject *, GError **))
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      g_autoptr(GError) error = NULL;
      gpointer object = JSON_NODE_HOLDS_OBJECT (node) ? decode (json_node_get_object (node),
                                                                &error) : NULL;

      if (object != NULL)
        g_ptr_array_add (objects, object);
      else
        g_warning ("%s", error != NULL ? error->message : "An item of a list is not an object");
    }

  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), objects->pdata,
                       objects->len);
}

static void
packs_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallySession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  JsonArray *packs = reply != NULL ? json_object_get_array_member (reply, "packs") : NULL;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (packs == NULL)
    {
      message = g_strdup_printf (_("The credit packs cannot be shown: %s"),
                                 error ? error->message : _("the server sent none"));
      set_packs_error (self, message);
      return;
    }

  set_packs_error (self, NULL);
  fill_store (self->packs, packs, (gpointer) tally_pack_new_from_json);
}

static void
payments_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallySession) self = user_data;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL, NULL);
  JsonArray *items = reply != NULL ? json_object_get_array_member (reply, "items") : NULL;

  /* Offline, the list keeps what it had; the packs say why. */
  if (items != NULL)
    fill_store (self->payments, items, (gpointer) tally_payment_item_new_from_json);
}

void
tally_session_reload_payments (TallySession *self)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_client_call_async (self->client, "GET", "/v1/payments", NULL, self->cancellable,
                           payments_loaded, g_object_ref (self));
}

/* Only the window reads them, to know where alerts go; a server that
 * cannot say leaves every channel of the app on. */
static void
alert_settings_loaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyAlertSettings) settings = NULL;

  settings = tally_session_load_alert_settings_finish (TALLY_SESSION (source), result, &error);
  if (settings == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("The alert settings cannot be read: %s", error->message);
}

void
tally_session_set_alert_settings (TallySession             *self,
                                  const TallyAlertSettings *settings)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  g_clear_pointer (&self->alert_settings, tally_alert_settings_free);
  self->alert_settings = settings != NULL ? tally_alert_settings_copy (settings) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALERT_SETTINGS]);
}

static void
load_everything (TallySession *self)
{
  set_loading (self, TRUE);
  load_me (self);
  tally_client_call_async (self->client, "GET", "/v1/tools", NULL, self->cancellable,
                           tools_loaded, g_object_ref (self));
  tally_client_call_async (self->client, "GET", "/v1/packs", NULL, self->cancellable,
                           packs_loaded, g_object_ref (self));
  tally_session_reload_payments (self);
  tally_session_load_alert_settings_async (self, self->cancellable, alert_settings_loaded,
                                           NULL);
}

/* --- events --- */

static void
handle_payment_event (TallySession *self,
                      JsonObject   *message)
{
  JsonObject *object = json_object_get_object_member (message, "payment");
  g_autoptr(TallyPaymentItem) payment = NULL;
  g_autoptr(GError) error = NULL;

  if (object == NULL || (payment = tally_payment_item_new_from_json (object, &error)) == NULL)
    {
      g_warning ("A payment event cannot be read: %s",
                 error != NULL ? error->message : "no payment");
      return;
    }

  /* Whoever paid (this app, another one, auto-recharge), the list of
   * payments and receipts changed. */
  tally_session_reload_payments (self);
  g_signal_emit (self, signals[PAYMENT], 0, payment);
}

/* An alert comes once live and again in the next page of /v1/alerts:
 * the cache tells them apart, and only a new one is news. Without a cache
 * (it could not be opened) every live one is. */
static void
handle_alert_event (TallySession *self,
                    JsonObject   *message)
{
  JsonNode *node = json_object_get_member (message, "alert");
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                     : NULL;
  g_autoptr(TallyAlert) alert = NULL;
  g_autoptr(GError) error = NULL;

  if (object == NULL || (alert = tally_alert_new_from_json (object, &error)) == NULL)
    {
      g_warning ("An alert event cannot be read: %s",
                 error != NULL ? error->message : "no alert");
      return;
    }

  if (self->alert_history != NULL && !tally_alert_history_add (self->alert_history, object,
                                                                alert))
    return;
  if (self->alert_history == NULL)
    g_list_store_insert (self->alerts, 0, alert);
  g_signal_emit (self, signals[ALERT], 0, alert);
}

/* The server pushes a balance after every commit that changes it. */
/* Credits added may carry an expiry, and spending burns the lot that
 * expires soonest first: either way GET /v1/me says what expires now. */
static void
show_balance_event (TallySession *self,
                    JsonObject   *account)
{
  gint64 before = self->balance;

  show_account (self, account);
  if (self->balance > before || self->expiring_at != NULL)
    load_me (self);
}

/* The stream sends the balance of every account the user spends from:
 * their own, and their teams' pools. */
static void
handle_balance_event (TallySession *self,
                      JsonObject   *account)
{
  const char *id = json_object_get_string_member_with_default (account, "id", NULL);

  if (id == NULL || self->account_id == NULL || g_strcmp0 (id, self->account_id) == 0)
    {
      show_balance_event (self, account);
      return;
    }

  g_signal_emit (self, signals[POOL_BALANCE], 0, id,
                 json_object_get_int_member_with_default (account, "balance", 0),
                 json_object_get_int_member_with_default (account, "available", 0));
}

static void
on_event (TallyClient  *client,
          JsonObject   *message,
          TallySession *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");

  if (self->state != TALLY_SESSION_STATE_SIGNED_IN)
    return;

  if (g_str_equal (type, "balance") && json_object_has_member (message, "account"))
    handle_balance_event (self, json_object_get_object_member (message, "account"));
  else if (g_str_equal (type, "payment"))
    handle_payment_event (self, message);
  else if (g_str_equal (type, "alert"))
    handle_alert_event (self, message);
  /* A run that ended changed what was spent against the caps. */
  else if (g_str_equal (type, "run"))
    load_me (self);
}

/* Whatever changed before the stream was (re)connected was not pushed:
 * read it once now. */
static void
on_events_connected (TallyClient  *client,
                     GParamSpec   *pspec,
                     TallySession *self)
{
  gboolean connected;

  g_object_get (client, "events-connected", &connected, NULL);
  if (!connected || self->state != TALLY_SESSION_STATE_SIGNED_IN)
    return;
  load_me (self);
  if (self->alert_history != NULL)
    tally_alert_history_fetch (self->alert_history);
}

/* --- signing in and out --- */

static void
start (TallySession *self)
{
  set_state (self, TALLY_SESSION_STATE_SIGNED_IN);
  load_everything (self);
  tally_client_connect_events (self->client);
}

static void
forget_user (TallySession *self)
{
  g_object_freeze_notify (G_OBJECT (self));
  g_clear_pointer (&self->user_id, g_free);
  set_string (self, &self->user_name, NULL, PROP_USER_NAME);
  set_string (self, &self->email, NULL, PROP_EMAIL);
  set_string (self, &self->role, NULL, PROP_ROLE);
  set_string (self, &self->account_id, NULL, PROP_ACCOUNT_ID);
  set_figure (self, &self->balance, 0, PROP_BALANCE);
  set_figure (self, &self->available, 0, PROP_AVAILABLE);
  set_figure (self, &self->held, 0, PROP_HELD);
  set_figure (self, &self->offline_spent, 0, PROP_OFFLINE_SPENT);
  set_figure (self, &self->offline_reserve, 0, PROP_OFFLINE_RESERVE);
  g_clear_pointer (&self->limits, tally_spend_limits_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMITS]);
  set_expiring (self, 0, NULL);
  g_clear_object (&self->tools);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOOLS]);
  g_list_store_remove_all (self->packs);
  g_list_store_remove_all (self->payments);
  tally_session_set_alert_settings (self, NULL);
  set_packs_error (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Signed out here: the server is not told (it may be what said so). */
static void
sign_out_here (TallySession *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tally_client_disconnect_events (self->client);
  tally_client_set_token (self->client, NULL);
  close_cache (self);
  forget_user (self);
  set_state (self, TALLY_SESSION_STATE_SIGNED_OUT);
}

static void
token_found (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TallySession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = tally_secret_lookup_finish (result, &error);

  if (self->state != TALLY_SESSION_STATE_STARTING)
    return;

  if (token == NULL)
    {
      set_state (self, TALLY_SESSION_STATE_SIGNED_OUT);
      return;
    }

  tally_client_set_token (self->client, token);
  start (self);
}

static void
token_stored (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallySession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_secret_store_finish (result, &error))
    notice (self, _("Signed in, but the keyring is unavailable: you will sign in again next time"),
            FALSE);
}

typedef struct
{
  char *email;
  char *password;
  char *name;
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_free (sign_in->email);
  if (sign_in->password != NULL)
    memset (sign_in->password, 0, strlen (sign_in->password));
  g_free (sign_in->password);
  g_free (sign_in->name);
  g_free (sign_in);
}

static JsonObject *
credentials (SignIn *sign_in)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "email", sign_in->email);
  json_object_set_string_member (body, "password", sign_in->password);
  return body;
}

static void
logged_in (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TallySession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  const char *server_url = tally_client_get_server_url (self->client);
  const char *token;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  token = json_object_get_string_member_with_default (reply, "token", "");
  g_settings_set_string (self->settings, "server-url", server_url);
  tally_client_set_token (self->client, token);
  tally_secret_store_async (server_url, token, NULL, token_stored, g_object_ref (self));
  start (self);
  g_task_return_boolean (task, TRUE);
}

static void
log_in (GTask *task)
{
  TallySession *self = g_task_get_source_object (task);
  SignIn *sign_in = g_task_get_task_data (task);
  g_autoptr(JsonObject) body = credentials (sign_in);

  json_object_set_string_member (body, "device", g_get_host_name ());
  tally_client_call_async (self->client, "POST", "/v1/auth/login", body,
                           g_task_get_cancellable (task), logged_in, task);
}

static void
registered (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The account exists: sign in with the same credentials. */
  log_in (g_steal_pointer (&task));
}

/* Read at each sign-in, so a host allowed in the settings since works. */
static void
allow_insecure_hosts (TallySession *self)
{
  g_auto(GStrv) hosts = g_settings_get_strv (self->settings, "allow-insecure-servers");

  tally_client_set_insecure_hosts (self->client, (const char * const *) hosts);
}

void
tally_session_sign_in_async (TallySession        *self,
                             const char          *server_url,
                             const char          *email,
                             const char          *password,
                             const char          *name,
                             const char          *referral_code,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SignIn *sign_in;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (server_url != NULL && email != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_sign_in_async);
  allow_insecure_hosts (self);
  if (!tally_client_set_server_url (self->client, server_url, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  sign_in = g_new0 (SignIn, 1);
  sign_in->email = g_strdup (email);
  sign_in->password = g_strdup (password);
  sign_in->name = g_strdup (name);
  g_task_set_task_data (task, sign_in, (GDestroyNotify) sign_in_free);

  if (name == NULL)
    {
      log_in (g_steal_pointer (&task));
      return;
    }

  {
    g_autoptr(JsonObject) body = credentials (sign_in);

    json_object_set_string_member (body, "name", name);
    if (referral_code != NULL)
      json_object_set_string_member (body, "referral_code", referral_code);
    tally_client_call_async (self->client, "POST", "/v1/auth/register", body, cancellable,
                             registered, g_steal_pointer (&task));
  }
}

gboolean
tally_session_sign_in_finish (TallySession  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
token_cleared (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  tally_secret_clear_finish (result, NULL);
}

void
tally_session_sign_out (TallySession *self)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  /* Revoking on the server is a courtesy; forgetting here is what counts. */
  if (tally_client_get_token (self->client) != NULL)
    tally_client_call_async (self->client, "POST", "/v1/auth/logout", NULL, NULL, NULL, NULL);
  tally_secret_clear_async (tally_client_get_server_url (self->client), NULL, token_cleared,
                            NULL);
  sign_out_here (self);
}

void
tally_session_refresh (TallySession *self)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  if (tally_client_get_token (self->client) != NULL)
    load_everything (self);
  if (self->sync != NULL)
    tally_sync_now (self->sync);
  if (self->alert_history != NULL)
    tally_alert_history_fetch (self->alert_history);
}

/* --- checkout and receipts --- */

static void
checkout_started (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  const char *url = reply ? json_object_get_string_member_with_default (reply, "url", NULL) : NULL;
  const char *id = reply ? json_object_get_string_member_with_default (reply, "session_id", NULL)
                         : NULL;

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (url == NULL || id == NULL)
    g_task_return_new_error (task, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                             _("the server sent no checkout page"));
  else
    g_task_return_pointer (task, g_strjoinv ("\n", (char *[]) { (char *) url, (char *) id, NULL }),
                           g_free);
}

void
tally_session_start_checkout_async (TallySession        *self,
                                    const char          *pack_id,
                                    const char          *gift_email,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (pack_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_start_checkout_async);
  json_object_set_string_member (body, "pack", pack_id);
  if (gift_email != NULL)
    json_object_set_string_member (body, "gift_email", gift_email);
  tally_client_call_async (self->client, "POST", "/v1/checkout", body, cancellable,
                           checkout_started, task);
}

gboolean
tally_session_start_checkout_finish (TallySession  *self,
                                     GAsyncResult  *result,
                                     char         **url,
                                     char         **checkout_id,
                                     GError       **error)
{
  g_autofree char *joined = NULL;
  char *newline;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  joined = g_task_propagate_pointer (G_TASK (result), error);
  if (joined == NULL)
    return FALSE;

  /* A URL has no newline; the reply's two strings were joined by one. */
  newline = strchr (joined, '\n');
  *newline = '\0';
  *url = g_strdup (joined);
  *checkout_id = g_strdup (newline + 1);
  return TRUE;
}

/* A file fetched from the server (a receipt, the data export) is written
 * where the task's data says. */
static void
receipt_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
receipt_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = tally_client_fetch_finish (TALLY_CLIENT (source), result, &error);
  GFile *destination = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (pdf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_file_replace_contents_bytes_async (destination, pdf, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                                       receipt_written, g_steal_pointer (&task));
}

void
tally_session_save_receipt_async (TallySession        *self,
                                  const char          *payment_id,
                                  GFile               *destination,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (payment_id != NULL);
  g_return_if_fail (G_IS_FILE (destination));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_save_receipt_async);
  g_task_set_task_data (task, g_object_ref (destination), g_object_unref);
  escaped = g_uri_escape_string (payment_id, NULL, FALSE);
  path = g_strdup_printf ("/v1/payments/%s/receipt", escaped);
  tally_client_fetch_async (self->client, path, cancellable, receipt_fetched, task);
}

gboolean
tally_session_save_receipt_finish (TallySession  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- the user's data: export and erasure --- */

void
tally_session_export_data_async (TallySession        *self,
                                 GFile               *destination,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (destination));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_export_data_async);
  g_task_set_task_data (task, g_object_ref (destination), g_object_unref);
  /* Written as the server sent it: the document is the user's, not ours
   * to reshape. */
  tally_client_fetch_async (self->client, "/v1/me/export", cancellable, receipt_fetched, task);
}

gboolean
tally_session_export_data_finish (TallySession  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The offline cache of an account that no longer exists holds its
 * history: it goes too. */
static void
remove_cache_files (const char *path)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; path != NULL && i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

/* Answered once the keyring forgot the token too, so a caller that looks
 * finds nothing. */
static void
deleted_token_cleared (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_secret_clear_finish (result, &error))
    g_warning ("The keyring kept the session of a deleted account: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
account_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TallySession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  g_autofree char *cache_path = NULL;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Every session of the account ended on the server: forget this one. */
  cache_path = tally_cache_build_path (tally_client_get_server_url (self->client),
                                       self->user_id);
  sign_out_here (self);
  remove_cache_files (cache_path);
  g_settings_reset (self->settings, "last-user-id");
  tally_secret_clear_async (tally_client_get_server_url (self->client), NULL,
                            deleted_token_cleared, g_steal_pointer (&task));
}

void
tally_session_delete_account_async (TallySession        *self,
                                    const char          *password,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_delete_account_async);
  json_object_set_string_member (body, "password", password);
  tally_client_call_async (self->client, "DELETE", "/v1/me", body, cancellable, account_deleted,
                           task);
}

gboolean
tally_session_delete_account_finish (TallySession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- GObject --- */

static void
tally_session_constructed (GObject *object)
{
  TallySession *self = TALLY_SESSION (object);

  G_OBJECT_CLASS (tally_session_parent_class)->constructed (object);

  g_return_if_fail (TALLY_IS_CLIENT (self->client));
  g_return_if_fail (G_IS_SETTINGS (self->settings));

  g_signal_connect (self->client, "event", G_CALLBACK (on_event), self);
  g_signal_connect (self->client, "notify::events-connected", G_CALLBACK (on_events_connected),
                    self);
  tally_secret_lookup_async (tally_client_get_server_url (self->client), self->cancellable,
                             token_found, g_object_ref (self));
}

static void
tally_session_dispose (GObject *object)
{
  TallySession *self = TALLY_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      tally_client_disconnect_events (self->client);
    }
  close_cache (self);
  g_clear_object (&self->tools);

  G_OBJECT_CLASS (tally_session_parent_class)->dispose (object);
}

static void
tally_session_finalize (GObject *object)
{
  TallySession *self = TALLY_SESSION (object);

  /* Kept until here: a reply may still come back after dispose. */
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->user_id);
  g_free (self->user_name);
  g_free (self->email);
  g_free (self->role);
  g_free (self->account_id);
  g_free (self->packs_error);
  g_clear_pointer (&self->limits, tally_spend_limits_free);
  g_clear_object (&self->packs);
  g_clear_object (&self->payments);
  g_clear_object (&self->alerts);
  g_clear_pointer (&self->alert_settings, tally_alert_settings_free);
  g_clear_pointer (&self->expiring_at, g_date_time_unref);

  G_OBJECT_CLASS (tally_session_parent_class)->finalize (object);
}

static void
tally_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TallySession *self = TALLY_SESSION (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    case PROP_LEDGER:
      g_value_set_object (value, tally_session_get_ledger (self));
      break;
    case PROP_ACCOUNT_ID:
      g_value_set_string (value, self->account_id);
      break;
    case PROP_USER_NAME:
      g_value_set_string (value, self->user_name);
      break;
    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;
    case PROP_ROLE:
      g_value_set_string (value, self->role);
      break;
    case PROP_BALANCE:
      g_value_set_int64 (value, self->balance);
      break;
    case PROP_AVAILABLE:
      g_value_set_int64 (value, self->available);
      break;
    case PROP_HELD:
      g_value_set_int64 (value, self->held);
      break;
    case PROP_OFFLINE_SPENT:
      g_value_set_int64 (value, self->offline_spent);
      break;
    case PROP_OFFLINE_RESERVE:
      g_value_set_int64 (value, self->offline_reserve);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_LIMITS:
      g_value_set_boxed (value, self->limits);
      break;
    case PROP_EXPIRING_AT:
      g_value_set_boxed (value, self->expiring_at);
      break;
    case PROP_TOOLS:
      g_value_set_object (value, self->tools);
      break;
    case PROP_PACKS:
      g_value_set_object (value, self->packs);
      break;
    case PROP_PACKS_ERROR:
      g_value_set_string (value, self->packs_error);
      break;
    case PROP_PAYMENTS:
      g_value_set_object (value, self->payments);
      break;
    case PROP_ALERTS:
      g_value_set_object (value, self->alerts);
      break;
    case PROP_ALERT_SETTINGS:
      g_value_set_boxed (value, self->alert_settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_session_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TallySession *self = TALLY_SESSION (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
figure_property (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
object_property (const char *name,
                 GType       type)
{
  return g_param_spec_object (name, NULL, NULL, type,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
tally_session_class_init (TallySessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tally_session_constructed;
  object_class->dispose = tally_session_dispose;
  object_class->finalize = tally_session_finalize;
  object_class->get_property = tally_session_get_property;
  object_class->set_property = tally_session_set_property;

  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, TALLY_TYPE_CLIENT,
                                                 G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                 G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] = g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                                                   G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                   G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, TALLY_TYPE_SESSION_STATE,
                                              TALLY_SESSION_STATE_STARTING,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                              G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE] = object_property ("cache", TALLY_TYPE_CACHE);
  properties[PROP_SYNC] = object_property ("sync", TALLY_TYPE_SYNC);
  properties[PROP_LEDGER] = object_property ("ledger", TALLY_TYPE_LEDGER);
  properties[PROP_ACCOUNT_ID] = string_property ("account-id");
  properties[PROP_USER_NAME] = string_property ("user-name");
  properties[PROP_EMAIL] = string_property ("email");
  properties[PROP_ROLE] = string_property ("role");
  properties[PROP_BALANCE] = figure_property ("balance");
  properties[PROP_AVAILABLE] = figure_property ("available");
  properties[PROP_HELD] = figure_property ("held");
  properties[PROP_OFFLINE_SPENT] = figure_property ("offline-spent");
  properties[PROP_OFFLINE_RESERVE] = figure_property ("offline-reserve");
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);
  properties[PROP_LIMITS] = g_param_spec_boxed ("limits", NULL, NULL, TALLY_TYPE_SPEND_LIMITS,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  properties[PROP_TOOLS] = object_property ("tools", TALLY_TYPE_TOOL_REGISTRY);
  properties[PROP_PACKS] = object_property ("packs", G_TYPE_LIST_MODEL);
  properties[PROP_PACKS_ERROR] = string_property ("packs-error");
  properties[PROP_PAYMENTS] = object_property ("payments", G_TYPE_LIST_MODEL);
  properties[PROP_ALERTS] = object_property ("alerts", G_TYPE_LIST_MODEL);
  properties[PROP_ALERT_SETTINGS] = g_param_spec_boxed ("alert-settings", NULL, NULL,
                                                        TALLY_TYPE_ALERT_SETTINGS,
                                                        G_PARAM_READABLE |
                                                        G_PARAM_EXPLICIT_NOTIFY |
                                                        G_PARAM_STATIC_STRINGS);
  /* When the soonest credits expire (NULL: none do); notified when their
   * amount changes too. */
  properties[PROP_EXPIRING_AT] = g_param_spec_boxed ("expiring-at", NULL, NULL,
                                                     G_TYPE_DATE_TIME,
                                                     G_PARAM_READABLE |
                                                     G_PARAM_EXPLICIT_NOTIFY |
                                                     G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                  G_TYPE_BOOLEAN);
  signals[PAYMENT] = g_signal_new ("payment", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, TALLY_TYPE_PAYMENT_ITEM);
  signals[LEDGER_CHANGED] = g_signal_new ("ledger-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
  signals[ALERT] = g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, TALLY_TYPE_ALERT);
  signals[POOL_BALANCE] = g_signal_new ("pool-balance", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                        G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64);
}

static void
tally_session_init (TallySession *self)
{
  self->cancellable = g_cancellable_new ();
  self->packs = g_list_store_new (TALLY_TYPE_PACK);
  self->payments = g_list_store_new (TALLY_TYPE_PAYMENT_ITEM);
  self->alerts = g_list_store_new (TALLY_TYPE_ALERT);
}

TallySession *
tally_session_new (TallyClient *client,
                   GSettings   *settings)
{
  g_return_val_if_fail (TALLY_IS_CLIENT (client), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (TALLY_TYPE_SESSION, "client", client, "settings", settings, NULL);
}

TallyClient *
tally_session_get_client (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->client;
}

const char *
tally_session_get_server_url (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return tally_client_get_server_url (self->client);
}

GSettings *
tally_session_get_settings (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->settings;
}

TallySessionState
tally_session_get_state (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), TALLY_SESSION_STATE_STARTING);

  return self->state;
}

TallyCache *
tally_session_get_cache (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->cache;
}

TallySync *
tally_session_get_sync (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->sync;
}

TallyLedger *
tally_session_get_ledger (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->has_ledger ? tally_cache_get_ledger (self->cache) : NULL;
}

const char *
tally_session_get_account_id (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->account_id;
}

const char *
tally_session_get_user_name (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->user_name;
}

const char *
tally_session_get_email (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->email;
}

const char *
tally_session_get_role (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->role;
}

gint64
tally_session_get_balance (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), 0);

  return self->balance;
}

gint64
tally_session_get_available (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), 0);

  return self->available;
}

gint64
tally_session_get_held (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), 0);

  return self->held;
}

gint64
tally_session_get_offline_spent (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), 0);

  return self->offline_spent;
}

gint64
tally_session_get_offline_reserve (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), 0);

  return self->offline_reserve;
}

/**
 * tally_session_get_expiring:
 * @self: a #TallySession
 * @credits: (out) (optional): how many credits expire then
 *
 * Returns: (nullable) (transfer none): when the soonest of the account's
 * credits that expire do, or NULL when none will.
 */
GDateTime *
tally_session_get_expiring (TallySession *self,
                            gint64       *credits)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  if (credits != NULL)
    *credits = self->expiring_credits;
  return self->expiring_at;
}

const TallySpendLimits *
tally_session_get_limits (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->limits;
}

TallyToolRegistry *
tally_session_get_tools (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->tools;
}

const char *
tally_session_get_tool_name (TallySession *self,
                             const char   *tool_id)
{
  TallyTool *tool;

  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  if (self->tools == NULL || tool_id == NULL ||
      (tool = tally_tool_registry_lookup (self->tools, tool_id)) == NULL)
    return NULL;
  return tally_tool_get_name (tool);
}

GListModel *
tally_session_get_packs (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->packs);
}

TallyPack *
tally_session_find_pack (TallySession *self,
                         const char   *pack_id)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->packs)); i++)
    {
      g_autoptr(TallyPack) pack = g_list_model_get_item (G_LIST_MODEL (self->packs), i);

      if (g_strcmp0 (tally_pack_get_id (pack), pack_id) == 0)
        return pack;
    }

  return NULL;
}

const char *
tally_session_get_packs_error (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->packs_error;
}

GListModel *
tally_session_get_payments (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->payments);
}

GListModel *
tally_session_get_alerts (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->alerts);
}

const TallyAlertSettings *
tally_session_get_alert_settings (TallySession *self)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  return self->alert_settings;
}

TallyPaymentItem *
tally_session_find_payment (TallySession *self,
                            const char   *payment_id)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->payments)); i++)
    {
      g_autoptr(TallyPaymentItem) payment = g_list_model_get_item (G_LIST_MODEL (self->payments),
                                                                   i);

      if (g_strcmp0 (tally_payment_item_get_id (payment), payment_id) == 0)
        return payment;
    }

  return NULL;
}

GArray *
tally_session_get_recent_costs (TallySession *self,
                                const char   *tool_id)
{
  g_return_val_if_fail (TALLY_IS_SESSION (self), NULL);

  if (self->cache == NULL || self->account_id == NULL)
    return NULL;

  return tally_ledger_recent_run_costs (tally_cache_get_ledger (self->cache), self->account_id,
                                        tool_id, TALLY_ESTIMATE_PAST_RUNS, NULL);
}
