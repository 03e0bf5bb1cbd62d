/* test-teams.c: teams — the pool, invitations, roles, caps, allocations,
 * usage by member, and two members draining one pool at once
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static TestServer *server;
static char *admin;

/* image-resize of 4 images holds and costs 3 credits. */
#define RUN_COST 3
#define RUN_INPUTS "{\"images\": 4}"

typedef struct
{
  char *token;
  char  email[64];
  char  user_id[37];
  char  account_id[37];
} Person;

typedef struct
{
  char id[37];
  char account_id[37];
} Team;

static void
person_new (Person     *person,
            const char *email)
{
  g_autoptr(TestResponse) me = NULL;

  g_strlcpy (person->email, email, sizeof person->email);
  person->token = test_user_new (server, email, person->account_id);
  me = test_request (server, "GET", "/v1/me", person->token, NULL);
  g_strlcpy (person->user_id, test_response_string (me, "user.id"), sizeof person->user_id);
}

static void
person_clear (Person *person)
{
  g_clear_pointer (&person->token, g_free);
}

static void
team_new (const Person *owner,
          const char   *name,
          Team         *team)
{
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\"}", name);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/teams", owner->token,
                                                   body);

  g_assert_cmpuint (response->status, ==, 201);
  g_assert_cmpstr (test_response_string (response, "team.role"), ==, "owner");
  g_assert_cmpstr (test_response_string (response, "team.name"), ==, name);
  g_strlcpy (team->id, test_response_string (response, "team.id"), sizeof team->id);
  g_strlcpy (team->account_id, test_response_string (response, "team.account_id"),
             sizeof team->account_id);
}

static TestResponse *
invite (const Team   *team,
        const Person *by,
        const char   *email,
        const char   *role)
{
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/invitations", team->id);
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"role\": \"%s\"}", email, role);

  return test_request (server, "POST", path, by->token, body);
}

static TestResponse *
accept (const Person *person,
        const char   *token)
{
  g_autofree char *path = g_strdup_printf ("/v1/invitations/%s/accept", token);

  return test_request (server, "POST", path, person->token, NULL);
}

/* Invites @person and has them accept. */
static void
join (const Team   *team,
      const Person *owner,
      const Person *person,
      const char   *role)
{
  g_autoptr(TestResponse) invited = invite (team, owner, person->email, role);
  g_autoptr(TestResponse) accepted = NULL;

  g_assert_cmpuint (invited->status, ==, 201);
  accepted = accept (person, test_response_string (invited, "token"));
  g_assert_cmpuint (accepted->status, ==, 200);
  g_assert_cmpstr (test_response_string (accepted, "team.id"), ==, team->id);
  g_assert_cmpstr (test_response_string (accepted, "team.role"), ==, role);
}

static TestResponse *
change_member (const Team   *team,
               const Person *by,
               const char   *user_id,
               const char   *body)
{
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/members/%s", team->id, user_id);

  return test_request (server, "PUT", path, by->token, body);
}

static TestResponse *
remove_member (const Team   *team,
               const Person *by,
               const char   *user_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/members/%s", team->id, user_id);

  return test_request (server, "DELETE", path, by->token, NULL);
}

static TestResponse *
run_on (const char *token,
        const char *account_id,
        const char *id)
{
  g_autofree char *fresh = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                           "\"inputs\": " RUN_INPUTS ", \"account_id\": \"%s\"}",
                                           id != NULL ? id : fresh, account_id);

  return test_request (server, "POST", "/v1/runs", token, body);
}

static void
complete_run (const char *token,
              const char *run_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", run_id);
  g_autoptr(TestResponse) response = test_request (server, "POST", path, token,
                                                   "{\"outcome\": \"succeeded\", \"units\": 4}");

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpint (test_response_int (response, "run.charged"), ==, RUN_COST);
}

/* The available balance of account @account_id as @token sees it in
 * GET /v1/me; -1 when it is not listed. */
static gint64
available (const char *token,
           const char *account_id,
           const char *kind)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  JsonArray *accounts = json_object_get_array_member (json_node_get_object (me->json),
                                                      "accounts");

  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *account = json_array_get_object_element (accounts, i);

      if (g_str_equal (json_object_get_string_member (account, "id"), account_id))
        {
          g_assert_cmpstr (json_object_get_string_member (account, "kind"), ==, kind);
          return json_object_get_int_member (account, "available");
        }
    }
  return -1;
}

/* GET /v1/teams/{id}/WHAT as @token. */
static TestResponse *
get_team (const Team *team,
          const char *what,
          const char *token)
{
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/%s", team->id, what);

  return test_request (server, "GET", path, token, NULL);
}

static JsonObject *
find_member (TestResponse *members,
             const char   *user_id)
{
  JsonArray *items = json_object_get_array_member (json_node_get_object (members->json), "items");

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (item, "user_id"), user_id))
        return item;
    }
  return NULL;
}

/* --- tests --- */

static void
test_create (void)
{
  Person owner = { 0 }, outsider = { 0 };
  g_autoptr(TestResponse) list = NULL;
  g_autoptr(TestResponse) other_list = NULL;
  Team team;

  person_new (&owner, "create-owner@example.com");
  person_new (&outsider, "create-outsider@example.com");
  team_new (&owner, "Design", &team);

  list = test_request (server, "GET", "/v1/teams", owner.token, NULL);
  g_assert_cmpstr (test_response_string (list, "items.0.id"), ==, team.id);
  g_assert_cmpstr (test_response_string (list, "items.0.role"), ==, "owner");
  g_assert_cmpstr (test_response_string (list, "items.0.account_id"), ==, team.account_id);
  other_list = test_request (server, "GET", "/v1/teams", outsider.token, NULL);
  g_assert_null (test_response_member (other_list, "items.0"));

  /* The pool is in GET /v1/me, of kind team, empty; nobody else sees it. */
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 0);
  g_assert_cmpint (available (outsider.token, team.account_id, "team"), ==, -1);

  /* A long name in a wide script is kept whole; the pool's account name
   * is cut on a character boundary. */
  {
    g_autoptr(GString) name = g_string_new (NULL);
    g_autofree char *body = NULL;
    g_autoptr(TestResponse) wide = NULL;
    g_autoptr(TestResponse) me = NULL;
    JsonArray *accounts;

    for (guint i = 0; i < 100; i++)
      g_string_append (name, "\xf0\x9f\x8c\xb1");
    body = g_strdup_printf ("{\"name\": \"%s\"}", name->str);
    wide = test_request (server, "POST", "/v1/teams", outsider.token, body);
    g_assert_cmpuint (wide->status, ==, 201);
    g_assert_cmpstr (test_response_string (wide, "team.name"), ==, name->str);
    me = test_request (server, "GET", "/v1/me", outsider.token, NULL);
    accounts = json_object_get_array_member (json_node_get_object (me->json), "accounts");
    g_assert_cmpuint (json_array_get_length (accounts), ==, 2);
    g_assert_true (g_str_has_prefix (name->str,
                                     json_object_get_string_member (
                                       json_array_get_object_element (accounts, 1), "name")));
    g_assert_true (g_utf8_validate (me->body, -1, NULL));
  }

  /* Anyone may put credits into it: here an admin grant. */
  test_grant (server, admin, team.account_id, 50);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 50);

  person_clear (&owner);
  person_clear (&outsider);
}

static void
assert_refused (const char *token,
                const char *method,
                const char *path,
                const char *body,
                guint       status,
                const char *code,
                const char *field)
{
  g_autoptr(TestResponse) response = test_request (server, method, path, token, body);

  test_assert_error (response, status, code, field);
}

static void
test_bad_input (void)
{
  Person owner = { 0 }, member = { 0 };
  g_autofree char *long_name = g_strnfill (101, 'n');
  g_autofree char *too_long = g_strdup_printf ("{\"name\": \"%s\"}", long_name);
  g_autofree char *invitations = NULL;
  g_autofree char *allocations = NULL;
  g_autofree char *member_path = NULL;
  g_autoptr(TestResponse) list = NULL;
  Team team;

  person_new (&owner, "bad-owner@example.com");
  person_new (&member, "bad-member@example.com");
  assert_refused (owner.token, "POST", "/v1/teams", "{}", 400, "invalid_field", "name");
  assert_refused (owner.token, "POST", "/v1/teams", "{\"name\": \" \"}", 400, "invalid_field",
                  "name");
  assert_refused (owner.token, "POST", "/v1/teams", "{\"name\": 3}", 400, "invalid_field",
                  "name");
  assert_refused (owner.token, "POST", "/v1/teams", too_long, 400, "invalid_field", "name");
  assert_refused (owner.token, "POST", "/v1/teams", "{\"name\": ", 400, "invalid_json", NULL);
  list = test_request (server, "GET", "/v1/teams", owner.token, NULL);
  g_assert_null (test_response_member (list, "items.0"));

  team_new (&owner, "Bad input", &team);
  join (&team, &owner, &member, "member");
  invitations = g_strdup_printf ("/v1/teams/%s/invitations", team.id);
  assert_refused (owner.token, "POST", invitations, "{\"role\": \"member\"}", 400,
                  "invalid_field", "email");
  assert_refused (owner.token, "POST", invitations,
                  "{\"email\": \"not an address\", \"role\": \"member\"}", 400, "invalid_field",
                  "email");
  assert_refused (owner.token, "POST", invitations, "{\"email\": \"x@example.com\"}", 400,
                  "invalid_field", "role");
  assert_refused (owner.token, "POST", invitations,
                  "{\"email\": \"x@example.com\", \"role\": \"owner\"}", 400, "invalid_field",
                  "role");
  /* Someone in the team already. */
  assert_refused (owner.token, "POST", invitations,
                  "{\"email\": \"BAD-member@example.com\", \"role\": \"admin\"}", 409,
                  "already_member", NULL);

  member_path = g_strdup_printf ("/v1/teams/%s/members/%s", team.id, member.user_id);
  assert_refused (owner.token, "PUT", member_path, "{\"daily_cap\": -1}", 400, "invalid_field",
                  "daily_cap");
  assert_refused (owner.token, "PUT", member_path, "{\"monthly_cap\": \"5\"}", 400,
                  "invalid_field", "monthly_cap");
  assert_refused (owner.token, "PUT", member_path, "{\"role\": \"boss\"}", 400, "invalid_field",
                  "role");
  assert_refused (owner.token, "PUT", member_path, "{\"daily_cap\": 99999999999999999999}", 400,
                  "invalid_field", "daily_cap");

  allocations = g_strdup_printf ("/v1/teams/%s/allocations", team.id);
  assert_refused (owner.token, "POST", allocations, "{\"amount\": 5}", 400, "invalid_field",
                  "user_id");
  assert_refused (owner.token, "POST", allocations, "{\"user_id\": \"x\", \"amount\": 5}", 400,
                  "invalid_field", "user_id");
  {
    g_autofree char *zero = g_strdup_printf ("{\"user_id\": \"%s\", \"amount\": 0}",
                                             member.user_id);
    g_autofree char *huge = g_strdup_printf ("{\"user_id\": \"%s\", \"amount\": 1e30}",
                                             member.user_id);
    g_autofree char *bad_id = g_strdup_printf ("{\"user_id\": \"%s\", \"amount\": 1, "
                                               "\"id\": \"nope\"}", member.user_id);

    assert_refused (owner.token, "POST", allocations, zero, 400, "invalid_field", "amount");
    assert_refused (owner.token, "POST", allocations, huge, 400, "invalid_field", "amount");
    assert_refused (owner.token, "POST", allocations, bad_id, 400, "invalid_field", "id");
  }

  /* Ids that are not UUIDs name nothing. */
  assert_refused (owner.token, "GET", "/v1/teams/nope/members", NULL, 404, "not_found", NULL);
  assert_refused (owner.token, "POST", "/v1/invitations/nope/accept", NULL, 404, "not_found",
                  NULL);

  person_clear (&owner);
  person_clear (&member);
}

static void
test_invitations (void)
{
  Person owner = { 0 }, invitee = { 0 }, stranger = { 0 }, member = { 0 };
  g_autoptr(TestResponse) invited = NULL;
  g_autoptr(TestResponse) by_stranger = NULL;
  g_autoptr(TestResponse) accepted = NULL;
  g_autoptr(TestResponse) again = NULL;
  g_autoptr(TestResponse) by_member = NULL;
  g_autoptr(TestResponse) by_outsider = NULL;
  g_autoptr(TestResponse) members = NULL;
  const char *token;
  Team team;

  person_new (&owner, "inv-owner@example.com");
  person_new (&invitee, "inv-invitee@example.com");
  person_new (&stranger, "inv-stranger@example.com");
  person_new (&member, "inv-member@example.com");
  team_new (&owner, "Invitations", &team);
  join (&team, &owner, &member, "member");

  invited = invite (&team, &owner, "INV-Invitee@example.com", "admin");
  g_assert_cmpuint (invited->status, ==, 201);
  token = test_response_string (invited, "token");
  g_assert_nonnull (test_response_string (invited, "id"));
  g_assert_nonnull (test_response_string (invited, "expires_at"));
  /* Email is off on this server: the inviter passes the token on. */
  g_assert_false (json_node_get_boolean (test_response_member (invited, "email_sent")));

  /* An invitation for another email is not there for whoever holds it. */
  by_stranger = accept (&stranger, token);
  test_assert_error (by_stranger, 404, "not_found", NULL);

  accepted = accept (&invitee, token);
  g_assert_cmpuint (accepted->status, ==, 200);
  g_assert_cmpstr (test_response_string (accepted, "team.role"), ==, "admin");
  g_assert_cmpstr (test_response_string (accepted, "team.account_id"), ==, team.account_id);
  /* Used once. */
  again = accept (&invitee, token);
  test_assert_error (again, 410, "expired", NULL);

  members = get_team (&team, "members", owner.token);
  g_assert_nonnull (find_member (members, invitee.user_id));
  g_assert_null (find_member (members, stranger.user_id));

  /* Only owners and admins invite; outsiders do not see the team. */
  by_member = invite (&team, &member, "someone@example.com", "member");
  test_assert_error (by_member, 403, "forbidden", NULL);
  by_outsider = invite (&team, &stranger, "someone@example.com", "member");
  test_assert_error (by_outsider, 404, "not_found", NULL);

  person_clear (&owner);
  person_clear (&invitee);
  person_clear (&stranger);
  person_clear (&member);
}

/* A server whose invitations last a second. */
static void
test_invitation_expired (void)
{
  const char *args[] = { "--invitation-ttl=1", NULL };
  g_autoptr(TestServer) quick = test_server_start (args);
  g_autofree char *owner = test_user_new (quick, "exp-owner@example.com", NULL);
  g_autofree char *invitee = test_user_new (quick, "exp-invitee@example.com", NULL);
  g_autoptr(TestResponse) team = test_request (quick, "POST", "/v1/teams", owner,
                                               "{\"name\": \"Quick\"}");
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/invitations",
                                           test_response_string (team, "team.id"));
  g_autoptr(TestResponse) invited = test_request (quick, "POST", path, owner,
                                                  "{\"email\": \"exp-invitee@example.com\", "
                                                  "\"role\": \"member\"}");
  g_autofree char *accept_path = g_strdup_printf ("/v1/invitations/%s/accept",
                                                  test_response_string (invited, "token"));
  g_autoptr(TestResponse) late = NULL;
  g_autoptr(TestResponse) teams = NULL;

  g_assert_cmpuint (invited->status, ==, 201);
  g_usleep (1200 * 1000);
  late = test_request (quick, "POST", accept_path, invitee, NULL);
  test_assert_error (late, 410, "expired", NULL);
  teams = test_request (quick, "GET", "/v1/teams", invitee, NULL);
  g_assert_null (test_response_member (teams, "items.0"));
}

static void
test_roles_and_leaving (void)
{
  Person owner = { 0 }, admin_person = { 0 }, member = { 0 }, other = { 0 };
  g_autoptr(TestResponse) caps = NULL;
  g_autoptr(TestResponse) by_member = NULL;
  g_autoptr(TestResponse) admin_on_owner = NULL;
  g_autoptr(TestResponse) admin_makes_owner = NULL;
  g_autoptr(TestResponse) last_demoted = NULL;
  g_autoptr(TestResponse) last_leaves = NULL;
  g_autoptr(TestResponse) admin_removes_admin = NULL;
  g_autoptr(TestResponse) promoted = NULL;
  g_autoptr(TestResponse) owner_leaves = NULL;
  g_autoptr(TestResponse) member_leaves = NULL;
  g_autoptr(TestResponse) after = NULL;
  g_autoptr(TestResponse) run_after = NULL;
  g_autoptr(TestResponse) removed = NULL;
  Team team;

  person_new (&owner, "roles-owner@example.com");
  person_new (&admin_person, "roles-admin@example.com");
  person_new (&member, "roles-member@example.com");
  person_new (&other, "roles-other@example.com");
  team_new (&owner, "Roles", &team);
  test_grant (server, admin, team.account_id, 100);
  join (&team, &owner, &admin_person, "admin");
  join (&team, &owner, &member, "member");
  join (&team, &owner, &other, "member");

  caps = change_member (&team, &admin_person, member.user_id,
                        "{\"daily_cap\": 10, \"monthly_cap\": 40}");
  g_assert_cmpuint (caps->status, ==, 200);
  g_assert_cmpint (test_response_int (caps, "daily_cap"), ==, 10);
  g_assert_cmpint (test_response_int (caps, "monthly_cap"), ==, 40);
  g_assert_cmpint (test_response_int (caps, "spent_this_month"), ==, 0);

  by_member = change_member (&team, &member, member.user_id, "{\"daily_cap\": null}");
  test_assert_error (by_member, 403, "forbidden", NULL);
  admin_on_owner = change_member (&team, &admin_person, owner.user_id, "{\"daily_cap\": 1}");
  test_assert_error (admin_on_owner, 403, "forbidden", NULL);
  admin_makes_owner = change_member (&team, &admin_person, member.user_id,
                                     "{\"role\": \"owner\"}");
  test_assert_error (admin_makes_owner, 403, "forbidden", NULL);
  last_demoted = change_member (&team, &owner, owner.user_id, "{\"role\": \"admin\"}");
  test_assert_error (last_demoted, 409, "last_owner", NULL);
  last_leaves = remove_member (&team, &owner, owner.user_id);
  test_assert_error (last_leaves, 409, "last_owner", NULL);
  admin_removes_admin = remove_member (&team, &admin_person, admin_person.user_id);
  g_assert_cmpuint (admin_removes_admin->status, ==, 204);

  /* With a second owner, the first may leave. */
  promoted = change_member (&team, &owner, other.user_id, "{\"role\": \"owner\"}");
  g_assert_cmpuint (promoted->status, ==, 200);
  g_assert_cmpstr (test_response_string (promoted, "role"), ==, "owner");
  owner_leaves = remove_member (&team, &owner, owner.user_id);
  g_assert_cmpuint (owner_leaves->status, ==, 204);

  /* A member who leaves loses the pool at once, and gets nothing back. */
  g_assert_cmpint (available (member.token, team.account_id, "team"), ==, 100);
  member_leaves = remove_member (&team, &member, member.user_id);
  g_assert_cmpuint (member_leaves->status, ==, 204);
  after = get_team (&team, "members", member.token);
  test_assert_error (after, 404, "not_found", NULL);
  run_after = run_on (member.token, team.account_id, NULL);
  test_assert_error (run_after, 404, "not_found", NULL);
  g_assert_cmpint (available (member.token, team.account_id, "team"), ==, -1);
  g_assert_cmpint (available (member.token, member.account_id, "user"), ==, 0);

  /* Removing someone already gone. */
  removed = remove_member (&team, &other, member.user_id);
  test_assert_error (removed, 404, "not_found", NULL);

  person_clear (&owner);
  person_clear (&admin_person);
  person_clear (&member);
  person_clear (&other);
}

static void
test_runs_and_caps (void)
{
  Person owner = { 0 }, member = { 0 }, outsider = { 0 };
  g_autoptr(TestResponse) outside = NULL;
  g_autoptr(TestResponse) first = NULL;
  g_autoptr(TestResponse) capped = NULL;
  g_autoptr(TestResponse) members = NULL;
  g_autoptr(TestResponse) uncapped = NULL;
  g_autoptr(TestResponse) later = NULL;
  JsonObject *row;
  Team team;

  person_new (&owner, "runs-owner@example.com");
  person_new (&member, "runs-member@example.com");
  person_new (&outsider, "runs-outsider@example.com");
  team_new (&owner, "Runs", &team);
  test_grant (server, admin, team.account_id, 30);
  join (&team, &owner, &member, "member");

  outside = run_on (outsider.token, team.account_id, NULL);
  test_assert_error (outside, 404, "not_found", NULL);

  uncapped = change_member (&team, &owner, member.user_id, "{\"daily_cap\": 5}");
  g_assert_cmpuint (uncapped->status, ==, 200);

  /* The hold comes from the pool, not the member's own (empty) account. */
  first = run_on (member.token, team.account_id, NULL);
  g_assert_cmpuint (first->status, ==, 201);
  g_assert_cmpint (available (member.token, team.account_id, "team"), ==, 30 - RUN_COST);
  complete_run (member.token, test_response_string (first, "run.id"));

  /* 3 spent, 3 more would pass the daily cap of 5. */
  capped = run_on (member.token, team.account_id, NULL);
  test_assert_error (capped, 403, "limit_exceeded", NULL);
  g_assert_cmpstr (test_response_string (capped, "error.limit"), ==, "daily");
  g_assert_cmpint (test_response_int (capped, "error.cap"), ==, 5);
  g_assert_cmpint (test_response_int (capped, "error.spent"), ==, RUN_COST);

  members = get_team (&team, "members", owner.token);
  row = find_member (members, member.user_id);
  g_assert_nonnull (row);
  g_assert_cmpint (json_object_get_int_member (row, "spent_this_month"), ==, RUN_COST);
  g_assert_cmpint (json_object_get_int_member (row, "daily_cap"), ==, 5);
  g_assert_true (json_object_get_null_member (row, "monthly_cap"));

  /* The owner, without a cap, spends on. */
  later = run_on (owner.token, team.account_id, NULL);
  g_assert_cmpuint (later->status, ==, 201);

  person_clear (&owner);
  person_clear (&member);
  person_clear (&outsider);
}

static void
test_allocations (void)
{
  Person owner = { 0 }, member = { 0 }, outsider = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_autofree char *other_amount = NULL;
  g_autofree char *too_much = NULL;
  g_autofree char *to_outsider = NULL;
  g_autoptr(TestResponse) allocated = NULL;
  g_autoptr(TestResponse) repeated = NULL;
  g_autoptr(TestResponse) conflict = NULL;
  g_autoptr(TestResponse) short_pool = NULL;
  g_autoptr(TestResponse) not_member = NULL;
  g_autoptr(TestResponse) by_member = NULL;
  g_autoptr(TestResponse) history = NULL;
  Team team;

  person_new (&owner, "alloc-owner@example.com");
  person_new (&member, "alloc-member@example.com");
  person_new (&outsider, "alloc-outsider@example.com");
  team_new (&owner, "Allocations", &team);
  test_grant (server, admin, team.account_id, 100);
  join (&team, &owner, &member, "member");

  path = g_strdup_printf ("/v1/teams/%s/allocations", team.id);
  body = g_strdup_printf ("{\"id\": \"%s\", \"user_id\": \"%s\", \"amount\": 40}", id,
                          member.user_id);
  allocated = test_request (server, "POST", path, owner.token, body);
  g_assert_cmpuint (allocated->status, ==, 201);
  g_assert_cmpstr (test_response_string (allocated, "transfer.id"), ==, id);
  g_assert_cmpstr (test_response_string (allocated, "transfer.kind"), ==, "allocation");
  g_assert_cmpint (test_response_int (allocated, "transfer.amount"), ==, 40);
  g_assert_cmpstr (test_response_string (allocated, "transfer.account_id"), ==,
                   member.account_id);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 60);
  g_assert_cmpint (available (member.token, member.account_id, "user"), ==, 40);

  /* The same id again: the same transfer, once. */
  repeated = test_request (server, "POST", path, owner.token, body);
  g_assert_cmpuint (repeated->status, ==, 201);
  g_assert_cmpint (test_response_int (repeated, "transfer.seq"), ==,
                   test_response_int (allocated, "transfer.seq"));
  g_assert_cmpint (available (member.token, member.account_id, "user"), ==, 40);
  other_amount = g_strdup_printf ("{\"id\": \"%s\", \"user_id\": \"%s\", \"amount\": 41}", id,
                                  member.user_id);
  conflict = test_request (server, "POST", path, owner.token, other_amount);
  test_assert_error (conflict, 409, "idempotency_conflict", "id");

  too_much = g_strdup_printf ("{\"user_id\": \"%s\", \"amount\": 61}", member.user_id);
  short_pool = test_request (server, "POST", path, owner.token, too_much);
  test_assert_error (short_pool, 402, "insufficient_credits", NULL);
  to_outsider = g_strdup_printf ("{\"user_id\": \"%s\", \"amount\": 1}", outsider.user_id);
  not_member = test_request (server, "POST", path, owner.token, to_outsider);
  test_assert_error (not_member, 404, "not_found", NULL);
  by_member = test_request (server, "POST", path, member.token, to_outsider);
  test_assert_error (by_member, 403, "forbidden", NULL);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 60);

  /* Owners and admins read the pool's history and usage as their own;
   * a plain member reads the team's usage only. */
  {
    g_autofree char *pool_history = g_strdup_printf ("/v1/transactions?account_id=%s",
                                                     team.account_id);
    g_autofree char *pool_usage = g_strdup_printf ("/v1/usage?account_id=%s", team.account_id);
    g_autoptr(TestResponse) owner_history = test_request (server, "GET", pool_history,
                                                          owner.token, NULL);
    g_autoptr(TestResponse) member_history = test_request (server, "GET", pool_history,
                                                           member.token, NULL);
    g_autoptr(TestResponse) owner_usage = test_request (server, "GET", pool_usage, owner.token,
                                                        NULL);
    g_autoptr(TestResponse) member_usage = test_request (server, "GET", pool_usage,
                                                         member.token, NULL);

    g_assert_cmpuint (owner_history->status, ==, 200);
    g_assert_cmpstr (test_response_string (owner_history, "items.0.kind"), ==, "allocation");
    g_assert_cmpint (test_response_int (owner_history, "items.0.amount"), ==, -40);
    g_assert_cmpint (test_response_int (owner_history, "items.1.amount"), ==, 100);
    test_assert_error (member_history, 404, "not_found", "account_id");
    g_assert_cmpuint (owner_usage->status, ==, 200);
    test_assert_error (member_usage, 404, "not_found", "account_id");
  }

  /* The member's history shows it as an allocation. */
  history = test_request (server, "GET", "/v1/transactions?type=allocation", member.token, NULL);
  g_assert_cmpuint (history->status, ==, 200);
  g_assert_cmpint (test_response_int (history, "items.0.amount"), ==, 40);

  person_clear (&owner);
  person_clear (&member);
  person_clear (&outsider);
}

static void
test_usage_and_audit (void)
{
  Person owner = { 0 }, member = { 0 }, outsider = { 0 };
  g_autoptr(TestResponse) usage = NULL;
  g_autoptr(TestResponse) hidden = NULL;
  g_autoptr(TestResponse) bad = NULL;
  g_autoptr(TestResponse) audit = NULL;
  g_autofree char *usage_path = NULL;
  g_autofree char *audit_path = NULL;
  JsonArray *by_member;
  gint64 spent = 0;
  Team team;

  person_new (&owner, "usage-owner@example.com");
  person_new (&member, "usage-member@example.com");
  person_new (&outsider, "usage-outsider@example.com");
  team_new (&owner, "Usage", &team);
  test_grant (server, admin, team.account_id, 100);
  join (&team, &owner, &member, "member");

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TestResponse) run = run_on (i == 0 ? owner.token : member.token,
                                            team.account_id, NULL);

      g_assert_cmpuint (run->status, ==, 201);
      complete_run (i == 0 ? owner.token : member.token, test_response_string (run, "run.id"));
    }

  usage_path = g_strdup_printf ("/v1/teams/%s/usage?granularity=month", team.id);
  usage = test_request (server, "GET", usage_path, member.token, NULL);
  g_assert_cmpuint (usage->status, ==, 200);
  g_assert_cmpstr (test_response_string (usage, "granularity"), ==, "month");
  g_assert_cmpstr (test_response_string (usage, "by_member.0.user_id"), ==, member.user_id);
  g_assert_cmpint (test_response_int (usage, "by_member.0.spent"), ==, 2 * RUN_COST);
  g_assert_cmpint (test_response_int (usage, "by_member.0.runs"), ==, 2);
  g_assert_cmpstr (test_response_string (usage, "by_member.1.user_id"), ==, owner.user_id);
  g_assert_cmpint (test_response_int (usage, "by_member.1.spent"), ==, RUN_COST);
  g_assert_cmpstr (test_response_string (usage, "by_tool.0.tool"), ==, "image-resize");
  by_member = json_object_get_array_member (json_node_get_object (usage->json), "buckets");
  for (guint i = 0; i < json_array_get_length (by_member); i++)
    spent += json_object_get_int_member (json_array_get_object_element (by_member, i), "spent");
  g_assert_cmpint (spent, ==, 3 * RUN_COST);

  hidden = test_request (server, "GET", usage_path, outsider.token, NULL);
  test_assert_error (hidden, 404, "not_found", NULL);
  bad = get_team (&team, "usage?granularity=year", owner.token);
  test_assert_error (bad, 400, "invalid_field", "granularity");

  /* Every team action is in the audit log. */
  audit_path = g_strdup_printf ("/v1/admin/audit?action=team.&q=%s", team.id);
  audit = test_request (server, "GET", audit_path, admin, NULL);
  g_assert_cmpuint (audit->status, ==, 200);
  g_assert_nonnull (strstr (audit->body, "\"team.create\""));
  g_assert_nonnull (strstr (audit->body, "\"team.invite\""));
  g_assert_nonnull (strstr (audit->body, "\"team.join\""));

  person_clear (&owner);
  person_clear (&member);
  person_clear (&outsider);
}

/* --- offline on a pool --- */

static TestResponse *
sync_pool (const Person *person,
           const Team   *team,
           const char   *ops)
{
  g_autofree char *body = g_strdup_printf ("{\"device\": \"laptop\", \"cursor\": 0, "
                                           "\"ops\": %s, \"account_id\": \"%s\"}", ops,
                                           team->account_id);

  return test_request (server, "POST", "/v1/sync", person->token, body);
}

/* A device takes a lease on the pool, as much as the member's caps leave;
 * the lease counts as spent for them; offline runs spend from it; leaving
 * voids it at once. */
static void
test_offline_lease_on_pool (void)
{
  Person owner = { 0 }, member = { 0 }, outsider = { 0 };
  g_autofree char *op_id = g_uuid_string_random ();
  g_autofree char *ops = g_strdup_printf ("[{\"id\": \"%s\", \"type\": \"run\", "
                                          "\"tool\": \"image-resize\", \"units\": 4, "
                                          "\"outcome\": \"succeeded\", \"cost\": %d}]", op_id,
                                          RUN_COST);
  g_autoptr(TestResponse) leased = NULL;
  g_autoptr(TestResponse) members = NULL;
  g_autoptr(TestResponse) online = NULL;
  g_autoptr(TestResponse) offline = NULL;
  g_autoptr(TestResponse) removed = NULL;
  g_autoptr(TestResponse) after = NULL;
  g_autoptr(TestResponse) stranger = NULL;
  g_autoptr(TestResponse) own = NULL;
  JsonObject *row;
  Team team;

  person_new (&owner, "lease-owner@example.com");
  person_new (&member, "lease-member@example.com");
  person_new (&outsider, "lease-outsider@example.com");
  team_new (&owner, "Offline", &team);
  test_grant (server, admin, team.account_id, 100);
  join (&team, &owner, &member, "member");
  test_response_free (change_member (&team, &owner, member.user_id, "{\"monthly_cap\": 50}"));

  stranger = sync_pool (&outsider, &team, "[]");
  test_assert_error (stranger, 404, "not_found", NULL);

  /* 200 credits by default, but the cap leaves 50. */
  leased = sync_pool (&member, &team, "[]");
  g_assert_cmpuint (leased->status, ==, 200);
  g_assert_cmpint (test_response_int (leased, "lease.amount"), ==, 50);
  g_assert_cmpstr (test_response_string (leased, "accounts.0.id"), ==, team.account_id);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 50);
  members = get_team (&team, "members", owner.token);
  row = find_member (members, member.user_id);
  g_assert_cmpint (json_object_get_int_member (row, "spent_this_month"), ==, 50);

  /* The lease took the member's whole cap: nothing more online. */
  online = run_on (member.token, team.account_id, NULL);
  test_assert_error (online, 403, "limit_exceeded", NULL);

  /* An offline run is charged to the pool, out of the lease. */
  offline = sync_pool (&member, &team, ops);
  g_assert_cmpuint (offline->status, ==, 200);
  g_assert_cmpstr (test_response_string (offline, "results.0.status"), ==, "applied");
  g_assert_cmpint (test_response_int (offline, "results.0.charged"), ==, RUN_COST);
  g_assert_cmpint (test_response_int (offline, "lease.remaining"), ==, 50 - RUN_COST);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 50);

  /* The team's usage counts the offline run as the member's. */
  {
    g_autoptr(TestResponse) usage = get_team (&team, "usage", owner.token);

    g_assert_cmpstr (test_response_string (usage, "by_member.0.user_id"), ==, member.user_id);
    g_assert_cmpint (test_response_int (usage, "by_member.0.spent"), ==, RUN_COST);
    g_assert_cmpint (test_response_int (usage, "by_member.0.runs"), ==, 1);
  }

  /* The device's lease on the member's own account is another one. */
  own = test_request (server, "POST", "/v1/sync", member.token,
                      "{\"device\": \"laptop\", \"cursor\": 0, \"ops\": []}");
  g_assert_cmpuint (own->status, ==, 200);
  g_assert_cmpstr (test_response_string (own, "accounts.0.id"), ==, member.account_id);

  /* Removed: the lease goes back to the pool at once, less what it paid. */
  removed = remove_member (&team, &owner, member.user_id);
  g_assert_cmpuint (removed->status, ==, 204);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==, 100 - RUN_COST);
  after = sync_pool (&member, &team, "[]");
  test_assert_error (after, 404, "not_found", NULL);

  person_clear (&owner);
  person_clear (&member);
  person_clear (&outsider);
}

/* --- two members draining one pool --- */

#define POOL 200
#define RUNS_PER_MEMBER 60
#define MEMBER_CAP 150

typedef struct
{
  const char *token;
  const char *account_id;
  guint       authorized;
  gint64      charged;
  guint       refused;
} Drainer;

static gpointer
drain (gpointer data)
{
  Drainer *drainer = data;
  g_autoptr(SoupSession) session = test_session_new ();

  for (guint i = 0; i < RUNS_PER_MEMBER; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                               "\"inputs\": " RUN_INPUTS ", "
                                               "\"account_id\": \"%s\"}", id,
                                               drainer->account_id);
      g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
      g_autoptr(TestResponse) run = test_request_on (server, session, "POST", "/v1/runs",
                                                     drainer->token, body);
      g_autoptr(TestResponse) done = NULL;

      if (run->status != 201)
        {
          g_assert_true (run->status == 402 || run->status == 403);
          drainer->refused++;
          continue;
        }

      drainer->authorized++;
      done = test_request_on (server, session, "POST", path, drainer->token,
                              "{\"outcome\": \"succeeded\", \"units\": 4}");
      g_assert_cmpuint (done->status, ==, 200);
      drainer->charged += test_response_int (done, "run.charged");
    }
  return NULL;
}

static void
test_two_members_drain_one_pool (void)
{
  Person owner = { 0 }, first = { 0 }, second = { 0 };
  g_autofree char *cap = g_strdup_printf ("{\"monthly_cap\": %d}", MEMBER_CAP);
  g_autoptr(TestResponse) usage = NULL;
  Drainer drainers[2] = { { 0 } };
  GThread *threads[2];
  Team team;

  person_new (&owner, "drain-owner@example.com");
  person_new (&first, "drain-first@example.com");
  person_new (&second, "drain-second@example.com");
  team_new (&owner, "Drain", &team);
  test_grant (server, admin, team.account_id, POOL);
  join (&team, &owner, &first, "member");
  join (&team, &owner, &second, "member");
  test_response_free (change_member (&team, &owner, first.user_id, cap));
  test_response_free (change_member (&team, &owner, second.user_id, cap));

  drainers[0] = (Drainer) { first.token, team.account_id };
  drainers[1] = (Drainer) { second.token, team.account_id };
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("drainer", drain, &drainers[i]);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  /* Every acknowledged run was charged once, from the pool, never below
   * zero; neither member passed their cap. */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (drainers[i].charged, ==, (gint64) drainers[i].authorized * RUN_COST);
      g_assert_cmpint (drainers[i].charged, <=, MEMBER_CAP);
      g_assert_cmpuint (drainers[i].refused, >, 0);
    }
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==,
                   POOL - drainers[0].charged - drainers[1].charged);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), >=, 0);
  /* 200 credits hold 66 runs of 3: the pool ran dry before the caps. */
  g_assert_cmpint (drainers[0].authorized + drainers[1].authorized, ==, POOL / RUN_COST);

  /* The ledger's own invariants hold: debits equal credits, every account
   * its transfers, no flagged account below zero. */
  {
    g_autofree char *store = test_server_store_option (server);
    const char *args[] = { "check", store, NULL };
    g_autofree char *out = NULL;

    g_assert_cmpint (test_server_command (args, NULL, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "ledger: every invariant holds"));
  }

  usage = get_team (&team, "usage", owner.token);
  g_assert_cmpint (test_response_int (usage, "by_member.0.spent") +
                   test_response_int (usage, "by_member.1.spent"), ==,
                   drainers[0].charged + drainers[1].charged);

  person_clear (&owner);
  person_clear (&first);
  person_clear (&second);
}

/* The caps alone hold too: a big pool, small caps, both at once. */
static void
test_caps_hold_under_concurrency (void)
{
  Person owner = { 0 }, first = { 0 }, second = { 0 };
  Drainer drainers[2] = { { 0 } };
  GThread *threads[2];
  Team team;

  person_new (&owner, "capsrace-owner@example.com");
  person_new (&first, "capsrace-first@example.com");
  person_new (&second, "capsrace-second@example.com");
  team_new (&owner, "Caps race", &team);
  test_grant (server, admin, team.account_id, 10000);
  join (&team, &owner, &first, "member");
  join (&team, &owner, &second, "member");
  test_response_free (change_member (&team, &owner, first.user_id, "{\"daily_cap\": 20}"));
  test_response_free (change_member (&team, &owner, second.user_id, "{\"monthly_cap\": 31}"));

  drainers[0] = (Drainer) { first.token, team.account_id };
  drainers[1] = (Drainer) { second.token, team.account_id };
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("capped", drain, &drainers[i]);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  /* 20 / 3 and 31 / 3 runs: every further one refused. */
  g_assert_cmpuint (drainers[0].authorized, ==, 6);
  g_assert_cmpuint (drainers[1].authorized, ==, 10);
  g_assert_cmpint (available (owner.token, team.account_id, "team"), ==,
                   10000 - 16 * RUN_COST);

  person_clear (&owner);
  person_clear (&first);
  person_clear (&second);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/teams/create", test_create);
  g_test_add_func ("/teams/bad-input", test_bad_input);
  g_test_add_func ("/teams/invitations", test_invitations);
  g_test_add_func ("/teams/invitation-expired", test_invitation_expired);
  g_test_add_func ("/teams/roles-and-leaving", test_roles_and_leaving);
  g_test_add_func ("/teams/runs-and-caps", test_runs_and_caps);
  g_test_add_func ("/teams/allocations", test_allocations);
  g_test_add_func ("/teams/usage-and-audit", test_usage_and_audit);
  g_test_add_func ("/teams/offline-lease-on-pool", test_offline_lease_on_pool);
  g_test_add_func ("/teams/two-members-drain-one-pool", test_two_members_drain_one_pool);
  g_test_add_func ("/teams/caps-hold-under-concurrency", test_caps_hold_under_concurrency);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "teams-admin@example.com");
  status = g_test_run ();

  g_free (admin);
  test_server_free (server);
  return status;
}
