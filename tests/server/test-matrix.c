/* test-matrix.c: who may call what — every route × every kind of caller
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

/* The router's own 404, for a path it has no route for. */
#define NOTHING_AT "There is nothing at "

typedef enum
{
  ACCESS_PUBLIC,
  ACCESS_MEMBER,
  ACCESS_ADMIN,
} Access;

/* What a caller with the right gets. */
#define ANY_SUCCESS 0
/* Nothing to check: the route needs what a test cannot give (a Stripe
 * signature, a pack that exists...). Only who may call is checked. */
#define NOT_CHECKED 1

/* One route of the API. @path and @body may hold placeholders, filled for
 * each call: {uuid} a fresh UUID, {code} a fresh promo code, {account} the
 * owner's account, {run} a run the owner has just authorized, {key} an API
 * key the owner has just made, {team} the owner's team, {victim} a member
 * who has just joined it, {invitation} the token of an invitation to it for
 * someone else. The owner is the caller, except for the other-member
 * column, which sends the owner's ids with another member's token. */
typedef struct
{
  const char *method;
  /* As `tally-server --list-routes` prints it. */
  const char *pattern;
  Access      access;
  const char *path;
  const char *body;
  /* The path or body names the owner's run or account: another member
   * gets 404 not_found, as if it did not exist. */
  gboolean    owned;
  guint       success;
  /* The call ends the caller's session: it gets one of its own. */
  gboolean    own_session;
} MatrixRoute;

#define TEAM_INVITATION "{\"email\": \"invited-{uuid}@example.com\", \"role\": \"member\"}"
#define TEAM_ALLOCATION "{\"user_id\": \"{victim}\", \"amount\": 1}"
#define RUN_BODY "{\"id\": \"{uuid}\", \"tool\": \"qr-code\", \"inputs\": {\"text\": \"x\"}"
#define BIG_CAP "100000000"

/* Every route of the contract. A new route adds a row; routes still being
 * written are skipped until the server has them. */
static const MatrixRoute matrix[] = {
  { "POST", "/v1/auth/register", ACCESS_PUBLIC, "/v1/auth/register",
    "{\"email\": \"m-{uuid}@example.com\", \"password\": \"" TEST_PASSWORD "\"}", FALSE, 201 },
  { "POST", "/v1/auth/login", ACCESS_PUBLIC, "/v1/auth/login",
    "{\"email\": \"owner@example.com\", \"password\": \"" TEST_PASSWORD "\"}", FALSE, 200 },
  { "POST", "/v1/auth/logout", ACCESS_MEMBER, "/v1/auth/logout", NULL, FALSE, 204, TRUE },
  { "GET", "/healthz", ACCESS_PUBLIC, "/healthz", NULL, FALSE, 200 },
  { "GET", "/metrics", ACCESS_PUBLIC, "/metrics", NULL, FALSE, 200 },
  { "GET", "/v1/me", ACCESS_MEMBER, "/v1/me", NULL, FALSE, 200 },
  { "PUT", "/v1/me/limits", ACCESS_MEMBER, "/v1/me/limits", "{\"monthly\": " BIG_CAP "}", FALSE,
    200 },
  { "PUT", "/v1/admin/accounts/{id}/limits", ACCESS_ADMIN, "/v1/admin/accounts/{account}/limits",
    "{\"monthly\": " BIG_CAP "}", FALSE, 200 },
  { "GET", "/v1/tools", ACCESS_PUBLIC, "/v1/tools", NULL, FALSE, 200 },
  { "POST", "/v1/estimate", ACCESS_MEMBER, "/v1/estimate",
    "{\"tool\": \"qr-code\", \"inputs\": {\"text\": \"x\"}}", FALSE, 200 },
  { "POST", "/v1/runs", ACCESS_MEMBER, "/v1/runs", RUN_BODY ", \"account_id\": \"{account}\"}",
    TRUE, 201 },
  { "GET", "/v1/runs/{id}", ACCESS_MEMBER, "/v1/runs/{run}", NULL, TRUE, 200 },
  { "POST", "/v1/runs/{id}/complete", ACCESS_MEMBER, "/v1/runs/{run}/complete",
    "{\"outcome\": \"succeeded\", \"units\": 1}", TRUE, 200 },
  { "GET", "/v1/transactions", ACCESS_MEMBER, "/v1/transactions?account_id={account}", NULL, TRUE,
    200 },
  { "GET", "/v1/usage", ACCESS_MEMBER, "/v1/usage?account_id={account}", NULL, TRUE, 200 },
  { "GET", "/v1/transactions/export", ACCESS_MEMBER,
    "/v1/transactions/export?format=json&account_id={account}", NULL, TRUE, 200 },
  { "POST", "/v1/sync", ACCESS_MEMBER, "/v1/sync",
    "{\"device\": \"matrix-{uuid}\", \"cursor\": 0, \"ops\": []}", FALSE, 200 },
  { "POST", "/v1/admin/grants", ACCESS_ADMIN, "/v1/admin/grants",
    "{\"account_id\": \"{account}\", \"amount\": 1, \"reason\": \"matrix\"}", FALSE, 201 },
  /* Without an upgrade the WebSocket answers 426 to whoever may use it. */
  { "GET", "/v1/events", ACCESS_MEMBER, "/v1/events", NULL, FALSE, 426 },
  /* Payments and audit: not written yet. */
  { "GET", "/v1/packs", ACCESS_PUBLIC, "/v1/packs", NULL, FALSE, 200 },
  { "POST", "/v1/checkout", ACCESS_MEMBER, "/v1/checkout", "{\"pack\": \"{uuid}\"}", FALSE,
    NOT_CHECKED },
  { "POST", "/v1/webhooks/stripe", ACCESS_PUBLIC, "/v1/webhooks/stripe", "{}", FALSE,
    NOT_CHECKED },
  /* The demo provider keeps no payment methods: 404 for everyone. */
  { "POST", "/v1/billing/portal", ACCESS_MEMBER, "/v1/billing/portal", NULL, FALSE,
    NOT_CHECKED },
  { "GET", "/v1/payments", ACCESS_MEMBER, "/v1/payments", NULL, FALSE, 200 },
  /* No payment of that id was paid: 404 for everyone who may ask. */
  { "GET", "/v1/payments/{id}/receipt", ACCESS_MEMBER, "/v1/payments/{uuid}/receipt", NULL,
    FALSE, NOT_CHECKED },
  { "GET", "/v1/me/invoice-details", ACCESS_MEMBER, "/v1/me/invoice-details", NULL, FALSE, 200 },
  { "PUT", "/v1/me/invoice-details", ACCESS_MEMBER, "/v1/me/invoice-details",
    "{\"company\": \"Matrix Ltd\"}", FALSE, 200 },
  { "GET", "/v1/me/auto-recharge", ACCESS_MEMBER, "/v1/me/auto-recharge", NULL, FALSE, 200 },
  /* Off: the demo provider cannot turn it on. */
  { "PUT", "/v1/me/auto-recharge", ACCESS_MEMBER, "/v1/me/auto-recharge",
    "{\"enabled\": false, \"threshold\": 100, \"pack\": \"starter\", \"monthly_cap\": 2}",
    FALSE, 200 },
  { "GET", "/v1/me/alerts", ACCESS_MEMBER, "/v1/me/alerts", NULL, FALSE, 200 },
  { "PUT", "/v1/me/alerts", ACCESS_MEMBER, "/v1/me/alerts", "{\"thresholds\": [75]}", FALSE,
    200 },
  { "GET", "/v1/alerts", ACCESS_MEMBER, "/v1/alerts", NULL, FALSE, 200 },
  /* The email link: a token this server never signed is refused to all. */
  { "GET", "/v1/alerts/unsubscribe", ACCESS_PUBLIC, "/v1/alerts/unsubscribe?token=x", NULL,
    FALSE, NOT_CHECKED },
  { "POST", "/v1/alerts/unsubscribe", ACCESS_PUBLIC, "/v1/alerts/unsubscribe?token=x", NULL,
    FALSE, NOT_CHECKED },
  /* A public address, so any server's config takes it. */
  { "POST", "/v1/me/webhooks", ACCESS_MEMBER, "/v1/me/webhooks",
    "{\"url\": \"https://93.184.216.34/hook\"}", FALSE, 201 },
  { "GET", "/v1/me/webhooks", ACCESS_MEMBER, "/v1/me/webhooks", NULL, FALSE, 200 },
  /* No webhook of that id: 404 for everyone who may ask. */
  { "DELETE", "/v1/me/webhooks/{id}", ACCESS_MEMBER, "/v1/me/webhooks/{uuid}", NULL, FALSE,
    NOT_CHECKED },
  { "GET", "/v1/me/webhooks/{id}/deliveries", ACCESS_MEMBER, "/v1/me/webhooks/{uuid}/deliveries",
    NULL, FALSE, NOT_CHECKED },
  /* The demo provider's checkout page: the key in its URL, bound to the
   * checkout and its user, is the secret. */
#define DEMO_KEY "0000000000000000000000000000000000000000000000000000000000000000"
  { "GET", "/demo/checkout/{session_id}/{key}", ACCESS_PUBLIC,
    "/demo/checkout/cs_demo_{uuid}/" DEMO_KEY, NULL, FALSE, NOT_CHECKED },
  { "POST", "/demo/checkout/{session_id}/{key}/pay", ACCESS_PUBLIC,
    "/demo/checkout/cs_demo_{uuid}/" DEMO_KEY "/pay", NULL, FALSE, NOT_CHECKED },
  { "POST", "/demo/checkout/{session_id}/{key}/decline", ACCESS_PUBLIC,
    "/demo/checkout/cs_demo_{uuid}/" DEMO_KEY "/decline", NULL, FALSE, NOT_CHECKED },
  /* Promo codes: {code} is a fresh one; there is no such code to redeem. */
  { "POST", "/v1/admin/promo-codes", ACCESS_ADMIN, "/v1/admin/promo-codes",
    "{\"code\": \"{code}\", \"credits\": 5, \"max_redemptions\": 1}", FALSE, 201 },
  { "GET", "/v1/admin/promo-codes", ACCESS_ADMIN, "/v1/admin/promo-codes", NULL, FALSE, 200 },
  { "POST", "/v1/promo-codes/redeem", ACCESS_MEMBER, "/v1/promo-codes/redeem",
    "{\"code\": \"NO-SUCH-CODE\"}", FALSE, NOT_CHECKED },
  /* Gifts and referrals: there is no such code to name or to open. */
  { "GET", "/v1/me/gifts", ACCESS_MEMBER, "/v1/me/gifts", NULL, FALSE, 200 },
  { "GET", "/v1/me/referral", ACCESS_MEMBER, "/v1/me/referral", NULL, FALSE, 200 },
  { "POST", "/v1/me/referrer", ACCESS_MEMBER, "/v1/me/referrer", "{\"code\": \"NOSUCH99\"}",
    FALSE, NOT_CHECKED },
  { "GET", "/v1/referrals/{code}", ACCESS_PUBLIC, "/v1/referrals/NOSUCH99", NULL, FALSE,
    NOT_CHECKED },
  /* Subscriptions: a checkout in the demo provider; nobody has one to
   * cancel, so that is 404 for everyone who may ask. */
  { "GET", "/v1/plans", ACCESS_PUBLIC, "/v1/plans", NULL, FALSE, 200 },
  { "POST", "/v1/subscriptions", ACCESS_MEMBER, "/v1/subscriptions", "{\"plan\": \"basic\"}",
    FALSE, 200 },
  { "GET", "/v1/me/subscription", ACCESS_MEMBER, "/v1/me/subscription", NULL, FALSE, 200 },
  { "PUT", "/v1/me/subscription", ACCESS_MEMBER, "/v1/me/subscription",
    "{\"plan\": \"plus\"}", FALSE, NOT_CHECKED },
  { "DELETE", "/v1/me/subscription", ACCESS_MEMBER, "/v1/me/subscription", NULL, FALSE,
    NOT_CHECKED },
  { "GET", "/demo/subscribe/{session_id}/{key}", ACCESS_PUBLIC,
    "/demo/subscribe/cs_demo_{uuid}/" DEMO_KEY, NULL, FALSE, NOT_CHECKED },
  { "POST", "/demo/subscribe/{session_id}/{key}/pay", ACCESS_PUBLIC,
    "/demo/subscribe/cs_demo_{uuid}/" DEMO_KEY "/pay", NULL, FALSE, NOT_CHECKED },
  { "GET", "/v1/admin/audit", ACCESS_ADMIN, "/v1/admin/audit", NULL, FALSE, 200 },
  { "GET", "/v1/admin/audit/export", ACCESS_ADMIN, "/v1/admin/audit/export", NULL, FALSE, 200 },
  { "GET", "/v1/admin/audit/verify", ACCESS_ADMIN, "/v1/admin/audit/verify", NULL, FALSE, 200 },
  { "POST", "/v1/me/api-keys", ACCESS_MEMBER, "/v1/me/api-keys",
    "{\"name\": \"matrix\", \"scopes\": [\"read\"]}", FALSE, 201 },
  { "GET", "/v1/me/api-keys", ACCESS_MEMBER, "/v1/me/api-keys", NULL, FALSE, 200 },
  { "DELETE", "/v1/me/api-keys/{id}", ACCESS_MEMBER, "/v1/me/api-keys/{key}", NULL, TRUE, 204 },
  /* Teams: the owner's team; its roles are checked in team_matrix below. */
  { "POST", "/v1/teams", ACCESS_MEMBER, "/v1/teams", "{\"name\": \"Matrix\"}", FALSE, 201 },
  { "GET", "/v1/teams", ACCESS_MEMBER, "/v1/teams", NULL, FALSE, 200 },
  { "POST", "/v1/teams/{id}/invitations", ACCESS_MEMBER, "/v1/teams/{team}/invitations",
    TEAM_INVITATION, TRUE, 201 },
  /* An invitation for someone else: 404 for everyone but its invitee. */
  { "POST", "/v1/invitations/{token}/accept", ACCESS_MEMBER,
    "/v1/invitations/{invitation}/accept", NULL, TRUE, NOT_CHECKED },
  { "GET", "/v1/teams/{id}/members", ACCESS_MEMBER, "/v1/teams/{team}/members", NULL, TRUE,
    200 },
  { "PUT", "/v1/teams/{id}/members/{user_id}", ACCESS_MEMBER, "/v1/teams/{team}/members/{victim}",
    "{\"daily_cap\": 10}", TRUE, 200 },
  { "DELETE", "/v1/teams/{id}/members/{user_id}", ACCESS_MEMBER,
    "/v1/teams/{team}/members/{victim}", NULL, TRUE, 204 },
  { "POST", "/v1/teams/{id}/allocations", ACCESS_MEMBER, "/v1/teams/{team}/allocations",
    TEAM_ALLOCATION, TRUE, 201 },
  { "GET", "/v1/teams/{id}/usage", ACCESS_MEMBER, "/v1/teams/{team}/usage", NULL, TRUE, 200 },
  { "GET", "/v1/me/export", ACCESS_MEMBER, "/v1/me/export", NULL, FALSE, 200 },
  /* Without a password nothing is erased: 400 for whoever may ask. */
  { "DELETE", "/v1/me", ACCESS_MEMBER, "/v1/me", "{}", FALSE, 400 },
  { "GET", "/v1/me/consent", ACCESS_MEMBER, "/v1/me/consent", NULL, FALSE, 200 },
  { "PUT", "/v1/me/consent", ACCESS_MEMBER, "/v1/me/consent",
    "{\"marketing_opt_in\": false, \"text_version\": \"matrix\"}", FALSE, 200 },
  { "GET", "/v1/admin/users", ACCESS_ADMIN, "/v1/admin/users", NULL, FALSE, 200 },
  { "GET", "/v1/admin/analytics", ACCESS_ADMIN, "/v1/admin/analytics", NULL, FALSE, 200 },
  { "GET", "/v1/admin/errors", ACCESS_ADMIN, "/v1/admin/errors", NULL, FALSE, 200 },
  /* Nobody has a fresh UUID: 404 for an admin. */
  { "PUT", "/v1/admin/users/{id}", ACCESS_ADMIN, "/v1/admin/users/{uuid}", "{\"disabled\": false}",
    FALSE, 404 },
  { "DELETE", "/v1/admin/users/{id}", ACCESS_ADMIN, "/v1/admin/users/{uuid}", NULL, FALSE, 404 },
};

/* Every team route × the roles in the team. Anonymous callers always get
 * 401; an outsider 404, as if the team did not exist. */
typedef struct
{
  const char *method;
  const char *path;
  const char *body;
  guint       owner;
  guint       admin;
  guint       member;
  guint       outsider;
} TeamRoute;

static const TeamRoute team_matrix[] = {
  { "POST", "/v1/teams", "{\"name\": \"Matrix\"}", 201, 201, 201, 201 },
  { "GET", "/v1/teams", NULL, 200, 200, 200, 200 },
  { "POST", "/v1/teams/{team}/invitations", TEAM_INVITATION, 201, 201, 403, 404 },
  { "POST", "/v1/invitations/{invitation}/accept", NULL, 404, 404, 404, 404 },
  { "GET", "/v1/teams/{team}/members", NULL, 200, 200, 200, 404 },
  { "PUT", "/v1/teams/{team}/members/{victim}", "{\"daily_cap\": 10}", 200, 200, 403, 404 },
  { "DELETE", "/v1/teams/{team}/members/{victim}", NULL, 204, 204, 403, 404 },
  { "POST", "/v1/teams/{team}/allocations", TEAM_ALLOCATION, 201, 201, 403, 404 },
  { "GET", "/v1/teams/{team}/usage", NULL, 200, 200, 200, 404 },
};

typedef struct
{
  char *token;
  char  account_id[37];
} Caller;

static TestServer *server;
static Caller owner, other, admin;
/* The owner's team, and its admin and member. */
static char team_id[37];
static Caller team_admin, team_member;
/* API keys of the owner: read only, and read and run. */
static char *read_key, *run_key;

/* --- filling the placeholders --- */

/* A run the owner has just authorized. */
static char *
new_owner_run (void)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"qr-code\", "
                                           "\"inputs\": {\"text\": \"x\"}}", id);
  g_autoptr(TestResponse) response = NULL;

  response = test_request (server, "POST", "/v1/runs", owner.token, body);
  g_assert_cmpuint (response->status, ==, 201);
  return g_steal_pointer (&id);
}

/* The id of an API key the owner has just made. */
static char *
new_owner_key (void)
{
  g_autoptr(TestResponse) response = NULL;

  response = test_request (server, "POST", "/v1/me/api-keys", owner.token,
                           "{\"name\": \"matrix\", \"scopes\": [\"read\"]}");
  g_assert_cmpuint (response->status, ==, 201);
  return g_strdup (test_response_string (response, "id"));
}

static char *
user_id_of (const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  return g_strdup (test_response_string (me, "user.id"));
}

static char *
invite_to_team (const char *email,
                const char *role)
{
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/invitations", team_id);
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"role\": \"%s\"}", email,
                                           role);
  g_autoptr(TestResponse) response = test_request (server, "POST", path, owner.token, body);

  g_assert_cmpuint (response->status, ==, 201);
  return g_strdup (test_response_string (response, "token"));
}

/* Signs @email up and has them join the owner's team as @role. */
static char *
join_team (const char *email,
           const char *role)
{
  g_autofree char *invitation = invite_to_team (email, role);
  g_autofree char *path = g_strdup_printf ("/v1/invitations/%s/accept", invitation);
  char *token = test_user_new (server, email, NULL);
  g_autoptr(TestResponse) response = test_request (server, "POST", path, token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  return token;
}

/* The user id of a member who has just joined the owner's team. */
static char *
new_victim (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *email = g_strdup_printf ("victim-%s@example.com", uuid);
  g_autofree char *token = join_team (email, "member");

  return user_id_of (token);
}

static gboolean
fill_one (GString    *out,
          const char *placeholder)
{
  if (g_str_equal (placeholder, "uuid"))
    {
      g_autofree char *uuid = g_uuid_string_random ();

      g_string_append (out, uuid);
    }
  else if (g_str_equal (placeholder, "code"))
    g_string_append_printf (out, "M-%08X%08X", g_random_int (), g_random_int ());
  else if (g_str_equal (placeholder, "account"))
    g_string_append (out, owner.account_id);
  else if (g_str_equal (placeholder, "run"))
    {
      g_autofree char *run = new_owner_run ();

      g_string_append (out, run);
    }
  else if (g_str_equal (placeholder, "team"))
    g_string_append (out, team_id);
  else if (g_str_equal (placeholder, "victim"))
    {
      g_autofree char *victim = new_victim ();

      g_string_append (out, victim);
    }
  else if (g_str_equal (placeholder, "invitation"))
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *email = g_strdup_printf ("someone-%s@example.com", uuid);
      g_autofree char *invitation = invite_to_team (email, "member");

      g_string_append (out, invitation);
    }
  else if (g_str_equal (placeholder, "key"))
    {
      g_autofree char *key = new_owner_key ();

      g_string_append (out, key);
    }
  else
    g_error ("Unknown placeholder {%s} in the matrix", placeholder);

  return TRUE;
}

/* @text with every placeholder filled, or NULL when one cannot be. JSON
 * braces are left alone: only a word in braces is a placeholder. */
static char *
fill (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GRegex) placeholder = g_regex_new ("\\{([a-z]+)\\}", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  gint end = 0;

  if (text == NULL)
    return NULL;

  for (g_regex_match (placeholder, text, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *name = g_match_info_fetch (match, 1);
      gint start, stop;

      g_match_info_fetch_pos (match, 0, &start, &stop);
      g_string_append_len (out, text + end, start - end);
      if (!fill_one (out, name))
        return NULL;
      end = stop;
    }
  g_string_append (out, text + end);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- calling --- */

/* FALSE, with the test failed, when the server does not have a route the
 * matrix lists: a route that went missing must not pass as a skip. */
static gboolean
route_exists (const MatrixRoute *route)
{
  g_autoptr(GRegex) braces = g_regex_new ("\\{[a-z_]+\\}", 0, 0, NULL);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *concrete = g_regex_replace_literal (braces, route->pattern, -1, 0, uuid, 0,
                                                       NULL);

  if (test_server_has_route (server, route->method, concrete))
    return TRUE;

  g_test_fail_printf ("%s %s is in the matrix, but the server does not have it",
                      route->method, route->pattern);
  return FALSE;
}

/* Calls @route as @token; NULL (test skipped) when a placeholder cannot
 * be filled. */
static TestResponse *
call (const MatrixRoute *route,
      const char        *token)
{
  g_autofree char *path = fill (route->path);
  g_autofree char *body = NULL;
  TestResponse *response;

  if (path == NULL)
    return NULL;
  if (route->body != NULL && (body = fill (route->body)) == NULL)
    return NULL;

  response = test_request (server, route->method, path, token, body);
  g_test_message ("%s %s → %u %s", route->method, path, response->status,
                  response->body[0] == '{' ? response->body : "");
  return response;
}

static void
assert_refused (TestResponse *response,
                guint         status,
                const char   *code)
{
  const char *message = test_response_string (response, "error.message");

  test_assert_error (response, status, code, NULL);
  g_assert_nonnull (message);
  /* Not the router's 404: the route is there and said no itself. */
  g_assert_false (g_str_has_prefix (message, NOTHING_AT));
}

static void
assert_success (const MatrixRoute *route,
                TestResponse      *response)
{
  if (route->success == NOT_CHECKED)
    {
      g_assert_cmpuint (response->status, !=, 401);
      g_assert_cmpuint (response->status, !=, 403);
    }
  else if (route->success == ANY_SUCCESS)
    {
      g_assert_cmpuint (response->status, >=, 200);
      g_assert_cmpuint (response->status, <, 300);
    }
  else
    g_assert_cmpuint (response->status, ==, route->success);
}

/* --- the four columns --- */

static void
test_anonymous (gconstpointer data)
{
  const MatrixRoute *route = data;
  g_autoptr(TestResponse) response = NULL;
  g_autoptr(TestResponse) forged = NULL;

  if (!route_exists (route) || (response = call (route, NULL)) == NULL)
    return;

  if (route->access == ACCESS_PUBLIC)
    {
      g_assert_cmpuint (response->status, !=, 401);
      g_assert_cmpuint (response->status, !=, 403);
      return;
    }

  assert_refused (response, 401, "unauthorized");

  /* A token that looks right and is not is no better than none. */
  forged = call (route, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  if (forged != NULL)
    assert_refused (forged, 401, "unauthorized");
}

static char *
sign_in_again (const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email,
                                           TEST_PASSWORD);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/auth/login", NULL, body);

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (test_response_string (response, "token"));
}

static void
test_member (gconstpointer data)
{
  const MatrixRoute *route = data;
  g_autoptr(TestResponse) response = NULL;
  g_autofree char *session = NULL;

  if (!route_exists (route))
    return;

  session = route->own_session ? sign_in_again ("owner@example.com") : g_strdup (owner.token);
  if ((response = call (route, session)) == NULL)
    return;

  if (route->access == ACCESS_ADMIN)
    assert_refused (response, 403, "forbidden");
  else
    assert_success (route, response);
}

static void
test_other_member (gconstpointer data)
{
  const MatrixRoute *route = data;
  g_autoptr(TestResponse) response = NULL;

  if (!route->owned)
    {
      g_test_skip ("The route names nobody's run or account");
      return;
    }
  if (!route_exists (route) || (response = call (route, other.token)) == NULL)
    return;

  /* Ownership comes first: not 402 for an empty account, not 403. */
  assert_refused (response, 404, "not_found");
}

static void
test_admin (gconstpointer data)
{
  const MatrixRoute *route = data;
  g_autoptr(TestResponse) response = NULL;

  if (route->access != ACCESS_ADMIN)
    {
      g_test_skip ("Not an admin route");
      return;
    }
  if (!route_exists (route) || (response = call (route, admin.token)) == NULL)
    return;

  assert_success (route, response);
}

/* --- teams: every route × every role --- */

static void
test_team_roles (gconstpointer data)
{
  const TeamRoute *route = data;
  const struct
  {
    const char *token;
    guint       status;
  } callers[] = {
    { owner.token, route->owner },
    { team_admin.token, route->admin },
    { team_member.token, route->member },
    { other.token, route->outsider },
    { NULL, 401 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    {
      g_autofree char *path = fill (route->path);
      g_autofree char *body = fill (route->body);
      g_autoptr(TestResponse) response = test_request (server, route->method, path,
                                                       callers[i].token, body);

      g_test_message ("caller %u: %s %s → %u %s", i, route->method, path, response->status,
                      response->body);
      g_assert_cmpuint (response->status, ==, callers[i].status);
      if (callers[i].status >= 400)
        assert_refused (response, callers[i].status, test_response_error (response));
    }
}

/* --- the owner's API keys --- */

/* What a key may call: every GET, POST /v1/estimate, and with "run" the
 * runs; nothing else (docs/api-keys.md). */
static gboolean
key_may_call (const MatrixRoute *route,
              gboolean           can_run)
{
  if (g_str_equal (route->method, "GET") || g_str_equal (route->pattern, "/v1/estimate"))
    return TRUE;

  return can_run && (g_str_equal (route->pattern, "/v1/runs") ||
                     g_str_equal (route->pattern, "/v1/runs/{id}/complete"));
}

static void
check_key_column (const MatrixRoute *route,
                  const char        *key,
                  gboolean           can_run)
{
  g_autoptr(TestResponse) response = NULL;

  if (route->access == ACCESS_PUBLIC)
    {
      g_test_skip ("A public route");
      return;
    }
  if (!route_exists (route) || (response = call (route, key)) == NULL)
    return;

  /* A key is its user, an admin route is no more open to it. */
  if (route->access == ACCESS_ADMIN || !key_may_call (route, can_run))
    assert_refused (response, 403, "forbidden");
  else
    assert_success (route, response);
}

static void
test_read_key (gconstpointer data)
{
  check_key_column (data, read_key, FALSE);
}

static void
test_run_key (gconstpointer data)
{
  check_key_column (data, run_key, TRUE);
}

static char *
new_key (const char *scopes)
{
  g_autofree char *body = g_strdup_printf ("{\"name\": \"matrix\", \"scopes\": %s, "
                                           "\"rate_limit\": 10000}", scopes);
  g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/me/api-keys",
                                                   owner.token, body);

  g_assert_cmpuint (response->status, ==, 201);
  return g_strdup (test_response_string (response, "key"));
}

/* --- the table covers the router --- */

static gboolean
in_matrix (const char *route)
{
  for (guint i = 0; i < G_N_ELEMENTS (matrix); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s %s", matrix[i].method, matrix[i].pattern);

      if (g_str_equal (name, route))
        return TRUE;
    }

  return FALSE;
}

static void
test_covers_router (void)
{
  const char *args[] = { "--list-routes", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) routes = NULL;

  g_assert_cmpint (test_server_command (args, NULL, &out, NULL), ==, 0);
  routes = g_strsplit (out, "\n", -1);
  for (guint i = 0; routes[i] != NULL; i++)
    {
      if (routes[i][0] != '\0' && !in_matrix (routes[i]))
        g_error ("%s is not in the matrix of tests/server/test-matrix.c: add a row", routes[i]);
    }
}

/* --- set-up --- */

static void
set_up_team (void)
{
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", owner.token,
                                               "{\"name\": \"Matrix team\"}");

  g_assert_cmpuint (team->status, ==, 201);
  g_strlcpy (team_id, test_response_string (team, "team.id"), sizeof team_id);
  test_grant (server, admin.token, test_response_string (team, "team.account_id"), 100000);
  team_admin.token = join_team ("team-admin@example.com", "admin");
  team_member.token = join_team ("team-member@example.com", "member");
}

static void
set_up_callers (void)
{
  owner.token = test_user_new (server, "owner@example.com", owner.account_id);
  other.token = test_user_new (server, "other@example.com", other.account_id);
  admin.token = test_admin_new (server, "admin@example.com");

  test_grant (server, admin.token, owner.account_id, 100000);
  set_up_team ();
  read_key = new_key ("[\"read\"]");
  run_key = new_key ("[\"read\", \"run\"]");
}

static void
add_tests (void)
{
  static const struct
  {
    const char    *column;
    GTestDataFunc  func;
  } columns[] = {
    { "anonymous", test_anonymous },
    { "member", test_member },
    { "other-member", test_other_member },
    { "admin", test_admin },
    { "read-key", test_read_key },
    { "run-key", test_run_key },
  };

  for (guint i = 0; i < G_N_ELEMENTS (matrix); i++)
    {
      for (guint j = 0; j < G_N_ELEMENTS (columns); j++)
        {
          g_autofree char *name = g_strdup_printf ("/matrix/%s%s/%s", columns[j].column,
                                                   matrix[i].pattern, matrix[i].method);

          g_test_add_data_func (name, &matrix[i], columns[j].func);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (team_matrix); i++)
    {
      g_autofree char *name = g_strdup_printf ("/matrix/team-roles%s/%s", team_matrix[i].path,
                                               team_matrix[i].method);

      g_test_add_data_func (name, &team_matrix[i], test_team_roles);
    }

  g_test_add_func ("/matrix/covers-router", test_covers_router);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  add_tests ();

  server = test_server_start (NULL);
  set_up_callers ();
  status = g_test_run ();

  g_free (owner.token);
  g_free (other.token);
  g_free (admin.token);
  g_free (team_admin.token);
  g_free (team_member.token);
  g_free (read_key);
  g_free (run_key);
  test_server_free (server);
  return status;
}
