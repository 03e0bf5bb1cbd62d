/* tally-api-teams.c: /v1/teams..., /v1/invitations/{token}/accept — decode,
 * call tally-teams.c in a write, answer
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-auth.h"
#include "tally-mail-notices.h"
#include "tally-pool-spend.h"
#include "tally-server.h"
#include "tally-teams.h"

/* --- decoding --- */

static gboolean
decode_name (JsonObject   *body,
             const char  **name,
             TallyProblem *problem)
{
  g_autofree char *stripped = NULL;

  if (!tally_json_get_string (body, "name", TALLY_FIELD_REQUIRED, TALLY_TEAM_NAME_MAX, name,
                              problem))
    return FALSE;

  stripped = g_strstrip (g_strdup (*name));
  if (stripped[0] == '\0')
    {
      tally_problem_invalid (problem, "name", "“name” must not be empty");
      return FALSE;
    }
  for (const char *p = *name; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p == 0x7f)
        {
          tally_problem_invalid (problem, "name", "“name” must not hold control characters");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tally_api_decode_team (JsonObject       *body,
                       TallyTeamRequest *out,
                       TallyProblem     *problem)
{
  memset (out, 0, sizeof *out);
  return decode_name (body, &out->name, problem);
}

static gboolean
decode_role (JsonObject         *body,
             gboolean            allow_owner,
             TallyFieldPresence  presence,
             gboolean           *given,
             TallyTeamRole      *role,
             TallyProblem       *problem)
{
  const char *text = NULL;

  if (!tally_json_get_string (body, "role", presence, 16, &text, problem))
    return FALSE;
  *given = text != NULL;
  if (text == NULL)
    return TRUE;

  if (!tally_team_role_from_string (text, role) ||
      (!allow_owner && *role == TALLY_TEAM_ROLE_OWNER))
    {
      tally_problem_invalid (problem, "role", allow_owner
                             ? "“role” must be owner, admin or member"
                             : "“role” must be admin or member");
      return FALSE;
    }
  return TRUE;
}

gboolean
tally_api_decode_invitation (JsonObject             *body,
                             TallyInvitationRequest *out,
                             TallyProblem           *problem)
{
  gboolean given;

  memset (out, 0, sizeof *out);
  if (!tally_json_get_string (body, "email", TALLY_FIELD_REQUIRED, TALLY_EMAIL_MAX, &out->email,
                              problem) ||
      !decode_role (body, FALSE, TALLY_FIELD_REQUIRED, &given, &out->role, problem))
    return FALSE;

  if (!tally_api_email_is_valid (out->email))
    {
      tally_problem_invalid (problem, "email", "“email” is not an email address");
      return FALSE;
    }
  return TRUE;
}

/* null or 0 removes a cap. */
static gboolean
decode_cap (JsonObject   *body,
            const char   *name,
            gboolean     *given,
            gint64       *cap,
            TallyProblem *problem)
{
  JsonNode *node = json_object_get_member (body, name);

  *given = node != NULL;
  *cap = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  return tally_json_get_int (body, name, TALLY_FIELD_REQUIRED, 0, TALLY_API_AMOUNT_MAX, cap,
                             problem);
}

gboolean
tally_api_decode_member_change (JsonObject        *body,
                                TallyMemberChange *out,
                                TallyProblem      *problem)
{
  memset (out, 0, sizeof *out);
  return decode_role (body, TRUE, TALLY_FIELD_OPTIONAL, &out->has_role, &out->role, problem) &&
         decode_cap (body, "daily_cap", &out->has_daily_cap, &out->daily_cap, problem) &&
         decode_cap (body, "monthly_cap", &out->has_monthly_cap, &out->monthly_cap, problem);
}

gboolean
tally_api_decode_allocation (JsonObject             *body,
                             TallyAllocationRequest *out,
                             TallyProblem           *problem)
{
  memset (out, 0, sizeof *out);
  return tally_json_get_uuid (body, "user_id", TALLY_FIELD_REQUIRED, out->user_id, problem) &&
         tally_json_get_int (body, "amount", TALLY_FIELD_REQUIRED, 1, TALLY_API_AMOUNT_MAX,
                             &out->amount, problem) &&
         tally_json_get_uuid (body, "id", TALLY_FIELD_OPTIONAL, out->id, problem);
}

/* --- answers --- */

static JsonObject *
team_json (const TallyTeam *team)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", team->id);
  json_object_set_string_member (object, "name", team->name);
  json_object_set_string_member (object, "account_id", team->account_id);
  json_object_set_string_member (object, "role", tally_team_role_to_string (team->role));
  return object;
}

static JsonObject *
member_json (const TallyTeamMember *member,
             gint64                 spent_this_month)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "user_id", member->user_id);
  json_object_set_string_member (object, "email", member->email);
  json_object_set_string_member (object, "name", member->name);
  json_object_set_string_member (object, "role", tally_team_role_to_string (member->role));
  tally_api_set_cap (object, "daily_cap", member->daily_cap);
  tally_api_set_cap (object, "monthly_cap", member->monthly_cap);
  json_object_set_int_member (object, "spent_this_month", spent_this_month);
  return object;
}

static JsonObject *
allocation_json (const TallyTransfer *transfer)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", transfer->id);
  json_object_set_string_member (object, "kind", tally_transfer_kind_to_string (transfer->kind));
  json_object_set_int_member (object, "amount", transfer->amount);
  json_object_set_string_member (object, "from_account_id", transfer->debit_account_id);
  json_object_set_string_member (object, "account_id", transfer->credit_account_id);
  tally_api_set_time (object, "created_at", transfer->created_at);
  json_object_set_string_member (object, "description", transfer->description);
  json_object_set_int_member (object, "seq", transfer->seq);
  return object;
}

/* What a 404 says is missing. */
typedef enum
{
  MISSING_TEAM,
  MISSING_MEMBER,
  MISSING_INVITATION,
} Missing;

static void
respond_missing (TallyRequest *request,
                 Missing       missing)
{
  switch (missing)
    {
    case MISSING_MEMBER:
      tally_request_respond_error (request, 404, "not_found", "There is no such team or member");
      break;
    case MISSING_INVITATION:
      tally_request_respond_error (request, 404, "not_found", "There is no such invitation");
      break;
    case MISSING_TEAM:
    default:
      tally_request_respond_error (request, 404, "not_found", "There is no such team");
      break;
    }
}

static void
respond_result (TallyRequest     *request,
                TallyTeamsResult  result,
                Missing           missing)
{
  switch (result)
    {
    case TALLY_TEAMS_NOT_FOUND:
      respond_missing (request, missing);
      break;
    case TALLY_TEAMS_FORBIDDEN:
      tally_request_respond_error (request, 403, "forbidden",
                                   "Your role in this team may not do this");
      break;
    case TALLY_TEAMS_LAST_OWNER:
      tally_request_respond_error (request, 409, "last_owner",
                                   "The team's last owner cannot leave or stop being an owner: "
                                   "make another member an owner first");
      break;
    case TALLY_TEAMS_EXPIRED:
      tally_request_respond_error (request, 410, "expired",
                                   "This invitation has expired or was used already");
      break;
    case TALLY_TEAMS_ALREADY_MEMBER:
      tally_request_respond_error (request, 409, "already_member",
                                   "This person is a member of the team already");
      break;
    case TALLY_TEAMS_INSUFFICIENT:
      tally_request_respond_error (request, 402, "insufficient_credits",
                                   "The team's account has not that many credits available");
      break;
    case TALLY_TEAMS_CONFLICT:
      {
        g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

        tally_problem_set (&problem, 409, "idempotency_conflict", "id",
                           "This id was already used for another transfer");
        tally_request_respond_problem (request, &problem);
      }
      break;
    case TALLY_TEAMS_OK:
    default:
      g_assert_not_reached ();
    }
}

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this now; try again");
}

/* An id from the path; anything but a UUID names nothing. */
static gboolean
path_uuid (TallyRequest *request,
           const char   *name,
           char          out[TALLY_UUID_LEN])
{
  const char *value = tally_request_get_param (request, name);

  if (value == NULL || !g_uuid_string_is_valid (value))
    return FALSE;
  for (guint i = 0; i < 36; i++)
    out[i] = g_ascii_tolower (value[i]);
  out[36] = '\0';
  return TRUE;
}

/* For the reads that answer here, outside the rules. */
static TallyApiStore *
store_of (TallyRequest *request)
{
  return tally_server_get_store (tally_request_get_server (request));
}

static TallyTeamsContext
context_of (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);

  return (TallyTeamsContext) {
    .store = tally_server_get_rules_store (server),
    .audit = tally_server_get_audit (server),
    .actor = tally_request_get_user (request),
  };
}

/* --- one write --- */

typedef struct _TeamJob TeamJob;

struct _TeamJob
{
  TallyRequest           *request;
  char                    team_id[TALLY_UUID_LEN];
  char                    user_id[TALLY_UUID_LEN];
  char                   *text;
  TallyInvitationRequest  invitation_request;
  TallyMemberChange       change;
  TallyAllocationRequest  allocation;
  /* Said by a 404. */
  Missing                 missing;

  gboolean (*write)   (TeamJob *job, const TallyTeamsContext *ctx, GError **error);
  void     (*respond) (TeamJob *job);

  TallyTeamsResult        result;
  TallyTeam               team;
  TallyTeamMember         member;
  TallyTeamInvitation     invitation;
  TallyTransfer           transfer;
  char                   *token;
};

static void
team_job_free (gpointer data)
{
  TeamJob *job = data;

  g_free (job->text);
  g_free (job->token);
  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
team_job_write (gpointer   data,
                GError   **error)
{
  TeamJob *job = data;
  TallyTeamsContext ctx = context_of (job->request);

  return job->write (job, &ctx, error);
}

static void
team_job_done (gpointer      data,
               const GError *error)
{
  TeamJob *job = data;

  if (error != NULL)
    respond_storage_error (job->request);
  else if (job->result != TALLY_TEAMS_OK)
    respond_result (job->request, job->result, job->missing);
  else
    job->respond (job);
}

static TeamJob *
team_job_new (TallyRequest *request,
              Missing       missing)
{
  TeamJob *job = g_new0 (TeamJob, 1);

  job->request = tally_request_ref (request);
  job->missing = missing;
  return job;
}

static void
submit (TeamJob *job)
{
  tally_request_pause (job->request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (job->request)),
                       team_job_write, team_job_done, job, team_job_free);
}

/* --- POST /v1/teams --- */

static gboolean
create_write (TeamJob                  *job,
              const TallyTeamsContext  *ctx,
              GError                  **error)
{
  return tally_teams_create (ctx, job->text, &job->team, error);
}

static void
create_respond (TeamJob *job)
{
  g_autoptr(JsonObject) body = json_object_new ();

  tally_api_set_object (body, "team", team_json (&job->team));
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_create (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = NULL;
  TallyTeamRequest decoded;
  TeamJob *job;

  body = tally_request_parse_body (request, &problem);
  if (body == NULL || !tally_api_decode_team (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = team_job_new (request, MISSING_TEAM);
  job->text = g_strdup (decoded.name);
  job->write = create_write;
  job->respond = create_respond;
  submit (job);
}

/* --- GET /v1/teams --- */

static void
handle_list (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(GArray) teams = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *items;

  teams = tally_api_store_list_teams (store, tally_request_get_user (request)->id, NULL);
  if (teams == NULL)
    {
      respond_storage_error (request);
      return;
    }

  items = json_array_new ();
  for (guint i = 0; i < teams->len; i++)
    json_array_add_object_element (items, team_json (&g_array_index (teams, TallyTeam, i)));
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

/* --- POST /v1/teams/{id}/invitations --- */

static gboolean
invite_write (TeamJob                  *job,
              const TallyTeamsContext  *ctx,
              GError                  **error)
{
  TallyConfig *config = tally_server_get_config (tally_request_get_server (job->request));

  return tally_teams_invite (ctx, job->team_id, job->text, job->invitation_request.role,
                             config->invitation_ttl, &job->invitation, &job->token,
                             &job->result, error) &&
         (job->result != TALLY_TEAMS_OK ||
          tally_teams_find (ctx, job->team_id, &job->team, &job->result, error));
}

static void
invite_respond (TeamJob *job)
{
  TallyServer *server = tally_request_get_server (job->request);
  g_autoptr(JsonObject) body = json_object_new ();
  gboolean sent;

  /* Only now that it is durable; the inviter is shown the token too, to
   * pass on when no email goes out. */
  sent = tally_notice_team_invitation (server, tally_request_get_user (job->request),
                                       job->team.name, &job->invitation, job->token);
  json_object_set_string_member (body, "id", job->invitation.id);
  json_object_set_string_member (body, "token", job->token);
  tally_api_set_time (body, "expires_at", job->invitation.expires_at);
  json_object_set_string_member (body, "email", job->invitation.email);
  json_object_set_string_member (body, "role", tally_team_role_to_string (job->invitation.role));
  json_object_set_boolean_member (body, "email_sent", sent);
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_invite (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = NULL;
  TeamJob *job = team_job_new (request, MISSING_TEAM);

  if (!path_uuid (request, "id", job->team_id))
    {
      respond_result (request, TALLY_TEAMS_NOT_FOUND, job->missing);
      team_job_free (job);
      return;
    }
  body = tally_request_parse_body (request, &problem);
  if (body == NULL ||
      !tally_api_decode_invitation (body, &job->invitation_request, &problem))
    {
      tally_request_respond_problem (request, &problem);
      team_job_free (job);
      return;
    }

  job->text = g_strdup (job->invitation_request.email);
  job->write = invite_write;
  job->respond = invite_respond;
  submit (job);
}

/* --- POST /v1/invitations/{token}/accept --- */

static gboolean
accept_write (TeamJob                  *job,
              const TallyTeamsContext  *ctx,
              GError                  **error)
{
  return tally_teams_accept (ctx, job->text, &job->team, &job->result, error);
}

static void
accept_respond (TeamJob *job)
{
  g_autoptr(JsonObject) body = json_object_new ();

  tally_api_set_object (body, "team", team_json (&job->team));
  tally_request_respond_object (job->request, 200, body);
}

static void
handle_accept (TallyRequest *request)
{
  const char *token = tally_request_get_param (request, "token");
  TeamJob *job;

  if (token == NULL || strlen (token) != TALLY_TOKEN_CHARS)
    {
      respond_result (request, TALLY_TEAMS_NOT_FOUND, MISSING_INVITATION);
      return;
    }

  job = team_job_new (request, MISSING_INVITATION);
  job->text = g_strdup (token);
  job->write = accept_write;
  job->respond = accept_respond;
  submit (job);
}

/* --- GET /v1/teams/{id}/members --- */

static JsonArray *
members_json (const TallyTeamsContext  *ctx,
              const TallyTeam          *team,
              GArray                   *members,
              GError                  **error)
{
  g_autoptr(JsonArray) items = json_array_new ();
  gint64 now = tally_rules_store_now (ctx->store);

  for (guint i = 0; i < members->len; i++)
    {
      const TallyTeamMember *member = &g_array_index (members, TallyTeamMember, i);
      gint64 spent = 0;

      if (!tally_pool_spent_this_month (ctx->store, ctx->actor, team, member->user_id, now, &spent,
                                        error))
        return NULL;
      json_array_add_object_element (items, member_json (member, spent));
    }
  return g_steal_pointer (&items);
}

static void
handle_members (TallyRequest *request)
{
  TallyTeamsContext ctx = context_of (request);
  g_autoptr(GArray) members = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  TallyTeamsResult result = TALLY_TEAMS_NOT_FOUND;
  char team_id[TALLY_UUID_LEN];
  JsonArray *items = NULL;
  TallyTeam team;

  if (path_uuid (request, "id", team_id) &&
      !tally_teams_find (&ctx, team_id, &team, &result, &error))
    {
      respond_storage_error (request);
      return;
    }
  if (result != TALLY_TEAMS_OK)
    {
      respond_result (request, result, MISSING_TEAM);
      return;
    }

  members = tally_api_store_list_team_members (store_of (request), team_id, &error);
  if (members == NULL || (items = members_json (&ctx, &team, members, &error)) == NULL)
    {
      respond_storage_error (request);
      return;
    }

  body = json_object_new ();
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

/* --- PUT and DELETE /v1/teams/{id}/members/{user_id} --- */

static gboolean
change_write (TeamJob                  *job,
              const TallyTeamsContext  *ctx,
              GError                  **error)
{
  return tally_teams_change_member (ctx, job->team_id, job->user_id, &job->change, &job->member,
                                    &job->result, error) &&
         (job->result != TALLY_TEAMS_OK ||
          tally_teams_find (ctx, job->team_id, &job->team, &job->result, error));
}

static void
change_respond (TeamJob *job)
{
  TallyTeamsContext ctx = context_of (job->request);
  gint64 now = tally_rules_store_now (ctx.store);
  g_autoptr(JsonObject) body = NULL;
  gint64 spent = 0;

  if (!tally_pool_spent_this_month (ctx.store, ctx.actor, &job->team, job->user_id, now, &spent,
                                    NULL))
    {
      respond_storage_error (job->request);
      return;
    }
  body = member_json (&job->member, spent);
  tally_request_respond_object (job->request, 200, body);
}

static void
remove_respond (TeamJob *job)
{
  tally_request_respond (job->request, 204, NULL);
}

static gboolean
remove_write (TeamJob                  *job,
              const TallyTeamsContext  *ctx,
              GError                  **error)
{
  return tally_teams_remove_member (ctx, job->team_id, job->user_id, &job->result, error);
}

/* The job for a member route, or NULL once answered: 404 for an id that
 * is not one. */
static TeamJob *
member_job_new (TallyRequest *request)
{
  TeamJob *job = team_job_new (request, MISSING_MEMBER);

  if (path_uuid (request, "id", job->team_id) && path_uuid (request, "user_id", job->user_id))
    return job;

  respond_result (request, TALLY_TEAMS_NOT_FOUND, job->missing);
  team_job_free (job);
  return NULL;
}

static void
handle_change_member (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = NULL;
  TeamJob *job = member_job_new (request);

  if (job == NULL)
    return;
  body = tally_request_parse_body (request, &problem);
  if (body == NULL ||
      !tally_api_decode_member_change (body, &job->change, &problem))
    {
      tally_request_respond_problem (request, &problem);
      team_job_free (job);
      return;
    }

  job->write = change_write;
  job->respond = change_respond;
  submit (job);
}

static void
handle_remove_member (TallyRequest *request)
{
  TeamJob *job = member_job_new (request);

  if (job == NULL)
    return;

  job->write = remove_write;
  job->respond = remove_respond;
  submit (job);
}

/* --- POST /v1/teams/{id}/allocations --- */

static gboolean
allocate_write (TeamJob                  *job,
                const TallyTeamsContext  *ctx,
                GError                  **error)
{
  return tally_teams_allocate (ctx, job->team_id, job->allocation.id, job->allocation.user_id,
                               job->allocation.amount, &job->transfer, &job->result, error);
}

static void
allocate_respond (TeamJob *job)
{
  g_autoptr(JsonObject) body = json_object_new ();

  tally_api_set_object (body, "transfer", allocation_json (&job->transfer));
  tally_request_respond_object (job->request, 201, body);
}

static void
handle_allocate (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = NULL;
  TeamJob *job = team_job_new (request, MISSING_MEMBER);

  if (!path_uuid (request, "id", job->team_id))
    {
      respond_result (request, TALLY_TEAMS_NOT_FOUND, job->missing);
      team_job_free (job);
      return;
    }
  body = tally_request_parse_body (request, &problem);
  if (body == NULL ||
      !tally_api_decode_allocation (body, &job->allocation, &problem))
    {
      tally_request_respond_problem (request, &problem);
      team_job_free (job);
      return;
    }

  if (job->allocation.id[0] == '\0')
    {
      g_autofree char *id = g_uuid_string_random ();

      g_strlcpy (job->allocation.id, id, sizeof job->allocation.id);
    }
  job->write = allocate_write;
  job->respond = allocate_respond;
  submit (job);
}

/* --- GET /v1/teams/{id}/usage --- */

static JsonArray *
by_member_json (GArray *usage)
{
  JsonArray *array = json_array_sized_new (usage->len);

  for (guint i = 0; i < usage->len; i++)
    {
      const TallyMemberUsage *row = &g_array_index (usage, TallyMemberUsage, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "user_id", row->user_id);
      json_object_set_int_member (object, "spent", row->spent);
      json_object_set_int_member (object, "runs", row->runs);
      json_array_add_object_element (array, object);
    }
  return array;
}

static void
handle_usage (TallyRequest *request)
{
  TallyTeamsContext ctx = context_of (request);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  TallyTeamsResult result = TALLY_TEAMS_NOT_FOUND;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GArray) by_member = NULL;
  char team_id[TALLY_UUID_LEN];
  gint64 since, until;
  TallyTeam team;

  if (path_uuid (request, "id", team_id) &&
      !tally_teams_find (&ctx, team_id, &team, &result, NULL))
    {
      respond_storage_error (request);
      return;
    }
  if (result != TALLY_TEAMS_OK)
    {
      respond_result (request, result, MISSING_TEAM);
      return;
    }

  body = tally_api_usage_of_account (request, team.account_id, ctx.actor->timezone, &since,
                                     &until, &problem);
  if (body == NULL)
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  by_member = tally_api_store_pool_usage_by_member (store_of (request), team.account_id, since,
                                                    until,
                                                    NULL);
  if (by_member == NULL)
    {
      respond_storage_error (request);
      return;
    }
  json_object_set_array_member (body, "by_member", by_member_json (by_member));
  tally_request_respond_object (request, 200, body);
}

gboolean
tally_api_manages_pool (TallyRequest *request,
                        const char   *account_id)
{
  TallyTeamsContext ctx = context_of (request);

  return tally_teams_manages_pool (&ctx, account_id);
}

static const TallyRoute routes[] = {
  { "POST", "/v1/teams", handle_create, TALLY_ROUTE_AUTH },
  { "GET", "/v1/teams", handle_list, TALLY_ROUTE_AUTH },
  { "POST", "/v1/teams/{id}/invitations", handle_invite, TALLY_ROUTE_AUTH },
  { "POST", "/v1/invitations/{token}/accept", handle_accept, TALLY_ROUTE_AUTH },
  { "GET", "/v1/teams/{id}/members", handle_members, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/teams/{id}/members/{user_id}", handle_change_member, TALLY_ROUTE_AUTH },
  { "DELETE", "/v1/teams/{id}/members/{user_id}", handle_remove_member, TALLY_ROUTE_AUTH },
  { "POST", "/v1/teams/{id}/allocations", handle_allocate, TALLY_ROUTE_AUTH },
  { "GET", "/v1/teams/{id}/usage", handle_usage, TALLY_ROUTE_AUTH },
};

void
tally_api_teams_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
