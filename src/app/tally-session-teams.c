/* tally-session-teams.c: teams, their members, invitations, allocations
 * and usage
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like tally-session-alerts.c: one request per call, its reply decoded
 * once. The teams' pools' balances come from GET /v1/me, whose accounts
 * list every pool the user is in (kind "team").
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-session-private.h"
#include "tally-session-teams.h"

/* Every call but the list shares one tag: they share one _finish(). */
#define TEAM_CALL tally_session_team_call_finish

static char *
team_path (const char *team_id,
           const char *tail,
           const char *user_id)
{
  g_autofree char *team = g_uri_escape_string (team_id, NULL, FALSE);
  g_autofree char *user = user_id != NULL ? g_uri_escape_string (user_id, NULL, FALSE) : NULL;

  return g_strconcat ("/v1/teams/", team, tail, user, NULL);
}

/* --- decoders --- */

static gpointer
decode_nothing (JsonObject  *reply,
                GError     **error)
{
  return GINT_TO_POINTER (TRUE);
}

static gpointer
decode_team_member (JsonObject  *reply,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "team");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("the server sent no team"));
      return NULL;
    }
  return tally_team_new_from_json (json_node_get_object (node), error);
}

static gpointer
decode_teams (JsonObject  *reply,
              GError     **error)
{
  return tally_session_decode_items (reply, (gpointer) tally_team_new_from_json,
                                     (GDestroyNotify) tally_team_free, error);
}

static gpointer
decode_members (JsonObject  *reply,
                GError     **error)
{
  return tally_session_decode_items (reply, (gpointer) tally_team_member_new_from_json,
                                     (GDestroyNotify) tally_team_member_free, error);
}

static gpointer
decode_usage (JsonObject  *reply,
              GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "by_member");
  g_autoptr(JsonObject) items = json_object_new ();

  /* by_member has the shape of a list's items. */
  if (node != NULL)
    json_object_set_member (items, "items", json_node_copy (node));
  return tally_session_decode_items (items, (gpointer) tally_member_usage_new_from_json,
                                     (GDestroyNotify) tally_member_usage_free, error);
}

static gpointer
decode_invitation (JsonObject  *reply,
                   GError     **error)
{
  return tally_invitation_new_from_json (reply, error);
}

/* The available credits of each account in GET /v1/me, by id. */
static gpointer
decode_balances (JsonObject  *reply,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (reply, "accounts");
  JsonArray *accounts = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                     : NULL;
  GHashTable *balances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; accounts != NULL && i < json_array_get_length (accounts); i++)
    {
      JsonNode *item = json_array_get_element (accounts, i);
      JsonObject *account = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *id = account != NULL ? json_object_get_string_member_with_default (account, "id",
                                                                                     NULL)
                                       : NULL;
      gint64 available = account != NULL
                         ? json_object_get_int_member_with_default (account, "available", 0) : 0;

      if (id != NULL)
        g_hash_table_insert (balances, g_strdup (id), g_memdup2 (&available, sizeof available));
    }
  return balances;
}

static const TallySessionDecoder nothing_decoder = { decode_nothing, NULL, NULL };
static const TallySessionDecoder team_decoder = {
  decode_team_member, (GDestroyNotify) tally_team_free, NULL,
};
static const TallySessionDecoder teams_decoder = {
  decode_teams, (GDestroyNotify) g_ptr_array_unref, NULL,
};
static const TallySessionDecoder members_decoder = {
  decode_members, (GDestroyNotify) g_ptr_array_unref, NULL,
};
static const TallySessionDecoder usage_decoder = {
  decode_usage, (GDestroyNotify) g_ptr_array_unref, NULL,
};
static const TallySessionDecoder invitation_decoder = {
  decode_invitation, (GDestroyNotify) tally_invitation_free, NULL,
};
static const TallySessionDecoder balances_decoder = {
  decode_balances, (GDestroyNotify) g_hash_table_unref, NULL,
};

/* --- the list, with the pools' balances --- */

/* The list is kept in the cache as {items: [team...]}, so that offline
 * the user may still choose a pool to pay from. */
static JsonObject *
teams_document (GPtrArray *teams)
{
  JsonObject *document = json_object_new ();
  JsonArray *items = json_array_new ();

  for (guint i = 0; i < teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (teams, i);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "id", team->id);
      json_object_set_string_member (item, "name", team->name);
      json_object_set_string_member (item, "account_id", team->account_id);
      json_object_set_string_member (item, "role", team->role);
      json_array_add_object_element (items, item);
    }
  json_object_set_array_member (document, "items", items);
  return document;
}

/* An op on a pool records its team's name when queued (so that a
 * refusal once the user has left names it); ops an older app queued get
 * it from the teams listed while the user was still in them. */
static void
name_pool_ops (TallyCache *cache,
               GPtrArray  *teams)
{
  for (guint i = 0; i < teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (teams, i);

      tally_cache_name_pool_ops (cache, team->account_id, team->name);
    }
}

static void
remember_teams (TallySession *self,
                GPtrArray    *teams)
{
  TallyCache *cache = tally_session_get_cache (self);
  g_autoptr(JsonObject) document = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  if (cache == NULL)
    return;
  name_pool_ops (cache, teams);
  document = teams_document (teams);
  node = json_node_init_object (json_node_alloc (), document);
  if (!tally_cache_set_document (cache, "teams", node, &error))
    g_warning ("The cache did not take the teams: %s", error->message);
}

/* A cached document as an object, or NULL. */
static JsonObject *
cached_object (TallySession *self,
               const char   *name)
{
  TallyCache *cache = tally_session_get_cache (self);
  g_autoptr(JsonNode) node = cache != NULL ? tally_cache_get_document (cache, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* Offline: the teams last listed, with the pools' balances as the last
 * GET /v1/me said. NULL when none were listed yet. */
static GPtrArray *
cached_teams (TallySession *self)
{
  g_autoptr(JsonObject) document = cached_object (self, "teams");
  g_autoptr(JsonObject) me = cached_object (self, "me");
  g_autoptr(GHashTable) balances = NULL;
  GPtrArray *teams;

  if (document == NULL || (teams = decode_teams (document, NULL)) == NULL)
    return NULL;
  balances = me != NULL ? decode_balances (me, NULL) : NULL;
  for (guint i = 0; balances != NULL && i < teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (teams, i);
      gint64 *available = g_hash_table_lookup (balances, team->account_id);

      team->available = available != NULL ? *available : -1;
    }
  return teams;
}

void
tally_session_name_queued_pool_ops (TallySession *self)
{
  g_autoptr(GPtrArray) teams = cached_teams (self);

  if (teams != NULL)
    name_pool_ops (tally_session_get_cache (self), teams);
}

/* The server cannot be reached: the cached list stands in. */
static gboolean
return_cached_teams (GTask        *task,
                     const GError *error)
{
  GPtrArray *teams;

  if (!g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE) ||
      (teams = cached_teams (g_task_get_source_object (task))) == NULL)
    return FALSE;
  g_task_return_pointer (task, teams, (GDestroyNotify) g_ptr_array_unref);
  return TRUE;
}

static void
balances_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GPtrArray *teams = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) balances = tally_session_call_finish (TALLY_SESSION (source), result,
                                                              balances_read, &error);

  if (balances == NULL)
    {
      if (!return_cached_teams (task, error))
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (teams, i);
      gint64 *available = g_hash_table_lookup (balances, team->account_id);

      team->available = available != NULL ? *available : -1;
    }
  remember_teams (TALLY_SESSION (source), teams);
  g_task_return_pointer (task, g_ptr_array_ref (teams), (GDestroyNotify) g_ptr_array_unref);
}

static void
teams_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *teams = tally_session_call_finish (TALLY_SESSION (source), result, teams_read,
                                                &error);

  if (teams == NULL)
    {
      if (!return_cached_teams (task, error))
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, teams, (GDestroyNotify) g_ptr_array_unref);
  tally_session_call (TALLY_SESSION (source), "GET", "/v1/me", NULL, &balances_decoder,
                      balances_read, g_task_get_cancellable (task), balances_read,
                      g_object_ref (task));
}

void
tally_session_list_teams_async (TallySession        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TALLY_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_session_list_teams_async);
  tally_session_call (self, "GET", "/v1/teams", NULL, &teams_decoder, teams_read, cancellable,
                      teams_read, task);
}

GPtrArray *
tally_session_list_teams_finish (TallySession  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the rest --- */

gpointer
tally_session_team_call_finish (TallySession  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return tally_session_call_finish (self, result, TEAM_CALL, error);
}

void
tally_session_create_team_async (TallySession        *self,
                                 const char          *name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (TALLY_IS_SESSION (self) && name != NULL);

  json_object_set_string_member (body, "name", name);
  tally_session_call (self, "POST", "/v1/teams", body, &team_decoder, TEAM_CALL, cancellable,
                      callback, user_data);
}

void
tally_session_accept_invitation_async (TallySession        *self,
                                       const char          *token,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self) && token != NULL);

  escaped = g_uri_escape_string (token, NULL, FALSE);
  path = g_strconcat ("/v1/invitations/", escaped, "/accept", NULL);
  tally_session_call (self, "POST", path, NULL, &team_decoder, TEAM_CALL, cancellable, callback,
                      user_data);
}

void
tally_session_list_team_members_async (TallySession        *self,
                                       const char          *team_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self) && team_id != NULL);

  path = team_path (team_id, "/members", NULL);
  tally_session_call (self, "GET", path, NULL, &members_decoder, TEAM_CALL, cancellable,
                      callback, user_data);
}

void
tally_session_team_usage_async (TallySession        *self,
                                const char          *team_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self) && team_id != NULL);

  path = team_path (team_id, "/usage", NULL);
  tally_session_call (self, "GET", path, NULL, &usage_decoder, TEAM_CALL, cancellable, callback,
                      user_data);
}

void
tally_session_invite_async (TallySession        *self,
                            const char          *team_id,
                            const char          *email,
                            const char          *role,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self) && team_id != NULL && email != NULL && role != NULL);

  json_object_set_string_member (body, "email", email);
  json_object_set_string_member (body, "role", role);
  path = team_path (team_id, "/invitations", NULL);
  tally_session_call (self, "POST", path, body, &invitation_decoder, TEAM_CALL, cancellable,
                      callback, user_data);
}

void
tally_session_change_member_async (TallySession        *self,
                                   const char          *team_id,
                                   const char          *user_id,
                                   const char          *role,
                                   gint64               daily_cap,
                                   gint64               monthly_cap,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self) && team_id != NULL && user_id != NULL);

  body = tally_team_member_change (role, daily_cap, monthly_cap);
  path = team_path (team_id, "/members/", user_id);
  tally_session_call (self, "PUT", path, body, &nothing_decoder, TEAM_CALL, cancellable,
                      callback, user_data);
}

void
tally_session_remove_member_async (TallySession        *self,
                                   const char          *team_id,
                                   const char          *user_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_SESSION (self) && team_id != NULL && user_id != NULL);

  path = team_path (team_id, "/members/", user_id);
  tally_session_call (self, "DELETE", path, NULL, &nothing_decoder, TEAM_CALL, cancellable,
                      callback, user_data);
}

void
tally_session_allocate_async (TallySession        *self,
                              const char          *team_id,
                              const char          *user_id,
                              gint64               amount,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = NULL;
  g_autofree char *id = g_uuid_string_random ();

  g_return_if_fail (TALLY_IS_SESSION (self) && team_id != NULL && user_id != NULL);

  json_object_set_string_member (body, "id", id);
  json_object_set_string_member (body, "user_id", user_id);
  json_object_set_int_member (body, "amount", amount);
  path = team_path (team_id, "/allocations", NULL);
  tally_session_call (self, "POST", path, body, &nothing_decoder, TEAM_CALL, cancellable,
                      callback, user_data);
}
