/* tally-team.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-json.h"
#include "tally-team.h"

G_DEFINE_BOXED_TYPE (TallyTeam, tally_team, tally_team_copy, tally_team_free)
G_DEFINE_BOXED_TYPE (TallyTeamMember, tally_team_member, tally_team_member_copy,
                     tally_team_member_free)

/* --- teams --- */

TallyTeam *
tally_team_new_from_json (JsonObject  *object,
                          GError     **error)
{
  TallyTeam *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (tally_json_peek_string (object, "id") == NULL ||
      tally_json_peek_string (object, "name") == NULL ||
      tally_json_peek_string (object, "account_id") == NULL ||
      tally_json_peek_string (object, "role") == NULL)
    return tally_client_invalid_reply (error, _("A team from the server cannot be read"));

  self = g_new0 (TallyTeam, 1);
  self->id = g_strdup (tally_json_peek_string (object, "id"));
  self->name = g_strdup (tally_json_peek_string (object, "name"));
  self->account_id = g_strdup (tally_json_peek_string (object, "account_id"));
  self->role = g_strdup (tally_json_peek_string (object, "role"));
  self->available = -1;
  return self;
}

TallyTeam *
tally_team_copy (const TallyTeam *self)
{
  TallyTeam *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TallyTeam, 1);
  copy->id = g_strdup (self->id);
  copy->name = g_strdup (self->name);
  copy->account_id = g_strdup (self->account_id);
  copy->role = g_strdup (self->role);
  copy->available = self->available;
  return copy;
}

void
tally_team_free (TallyTeam *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->account_id);
  g_free (self->role);
  g_free (self);
}

const char *
tally_team_role_label (const char *role)
{
  if (g_strcmp0 (role, "owner") == 0)
    return _("Owner");
  if (g_strcmp0 (role, "admin") == 0)
    return _("Admin");
  return _("Member");
}

gboolean
tally_team_role_manages (const char *role)
{
  return g_strcmp0 (role, "owner") == 0 || g_strcmp0 (role, "admin") == 0;
}

/* --- members --- */

TallyTeamMember *
tally_team_member_new_from_json (JsonObject  *object,
                                 GError     **error)
{
  TallyTeamMember *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (tally_json_peek_string (object, "user_id") == NULL ||
      tally_json_peek_string (object, "role") == NULL)
    return tally_client_invalid_reply (error, _("A team member from the server cannot be read"));

  self = g_new0 (TallyTeamMember, 1);
  self->user_id = g_strdup (tally_json_peek_string (object, "user_id"));
  self->email = g_strdup (tally_json_peek_string (object, "email"));
  self->name = g_strdup (tally_json_peek_string (object, "name"));
  self->role = g_strdup (tally_json_peek_string (object, "role"));
  self->daily_cap = tally_json_peek_figure (object, "daily_cap");
  self->monthly_cap = tally_json_peek_figure (object, "monthly_cap");
  self->spent_this_month = tally_json_peek_figure (object, "spent_this_month");
  return self;
}

TallyTeamMember *
tally_team_member_copy (const TallyTeamMember *self)
{
  TallyTeamMember *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->user_id = g_strdup (self->user_id);
  copy->email = g_strdup (self->email);
  copy->name = g_strdup (self->name);
  copy->role = g_strdup (self->role);
  return copy;
}

void
tally_team_member_free (TallyTeamMember *self)
{
  if (self == NULL)
    return;
  g_free (self->user_id);
  g_free (self->email);
  g_free (self->name);
  g_free (self->role);
  g_free (self);
}

static void
set_cap (JsonObject *body,
         const char *member,
         gint64      cap)
{
  if (cap > 0)
    json_object_set_int_member (body, member, cap);
  else
    json_object_set_null_member (body, member);
}

JsonObject *
tally_team_member_change (const char *role,
                          gint64      daily_cap,
                          gint64      monthly_cap)
{
  JsonObject *body = json_object_new ();

  if (role != NULL)
    json_object_set_string_member (body, "role", role);
  set_cap (body, "daily_cap", daily_cap);
  set_cap (body, "monthly_cap", monthly_cap);
  return body;
}

/* --- invitations and usage --- */

TallyInvitation *
tally_invitation_new_from_json (JsonObject  *object,
                                GError     **error)
{
  TallyInvitation *self;
  const char *token;
  JsonNode *sent;

  g_return_val_if_fail (object != NULL, NULL);

  token = tally_json_peek_string (object, "token");
  if (token == NULL || token[0] == '\0')
    return tally_client_invalid_reply (error, _("the server sent no invitation code"));

  self = g_new0 (TallyInvitation, 1);
  self->token = g_strdup (token);
  self->email = g_strdup (tally_json_peek_string (object, "email"));
  self->expires = tally_json_peek_local_time (object, "expires_at");
  sent = json_object_get_member (object, "email_sent");
  self->email_sent = sent != NULL && JSON_NODE_HOLDS_VALUE (sent) &&
                     json_node_get_value_type (sent) == G_TYPE_BOOLEAN &&
                     json_node_get_boolean (sent);
  return self;
}

void
tally_invitation_free (TallyInvitation *self)
{
  if (self == NULL)
    return;
  g_free (self->token);
  g_free (self->email);
  g_clear_pointer (&self->expires, g_date_time_unref);
  g_free (self);
}

TallyMemberUsage *
tally_member_usage_new_from_json (JsonObject  *object,
                                  GError     **error)
{
  TallyMemberUsage *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (tally_json_peek_string (object, "user_id") == NULL)
    return tally_client_invalid_reply (error, _("A team’s usage from the server cannot be read"));

  self = g_new0 (TallyMemberUsage, 1);
  self->user_id = g_strdup (tally_json_peek_string (object, "user_id"));
  self->spent = tally_json_peek_figure (object, "spent");
  self->runs = tally_json_peek_figure (object, "runs");
  return self;
}

void
tally_member_usage_free (TallyMemberUsage *self)
{
  if (self == NULL)
    return;
  g_free (self->user_id);
  g_free (self);
}
