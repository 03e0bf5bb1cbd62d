/* test-team-types.c: API keys and teams typed from replies of every
 * shape, and back to request bodies
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No window and no server: the replies are written here, wrong on
 * purpose.
 */

#include "config.h"

#include <locale.h>

#include "tally-api-key.h"
#include "tally-client.h"
#include "tally-team.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

#define KEY "{\"id\": \"k1\", \"name\": \"ci\", \"prefix\": \"tly_ab12\", " \
            "\"scopes\": [\"read\", \"run\"], \"rate_limit\": 120, " \
            "\"created_at\": \"2026-12-06T10:00:00Z\", \"last_used_at\": null}"

static void
test_api_key (void)
{
  g_autoptr(JsonObject) object = parse_object (KEY);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyApiKey) key = tally_api_key_new_from_json (object, &error);
  g_autoptr(TallyApiKey) copy = NULL;
  g_autofree char *described = NULL;
  g_autofree char *use = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (key->prefix, ==, "tly_ab12");
  g_assert_null (key->key);
  g_assert_true (key->can_run);
  g_assert_cmpint (key->rate_limit, ==, 120);
  g_assert_nonnull (key->created);
  g_assert_null (key->last_used);
  described = tally_api_key_describe (key);
  g_assert_cmpstr (described, ==, "tly_ab12… · Read and run · 120 requests a minute");
  use = tally_api_key_describe_use (key);
  g_assert_true (g_str_has_suffix (use, " · Never used"));
  copy = tally_api_key_copy (key);
  g_assert_cmpstr (copy->name, ==, "ci");
}

static void
test_api_key_malformed (void)
{
  static const char * const replies[] = {
    "{}",
    "{\"id\": \"k1\", \"name\": \"ci\"}",
    "{\"id\": 5, \"name\": \"ci\", \"prefix\": \"tly_ab12\"}",
    "{\"id\": \"k1\", \"name\": null, \"prefix\": \"tly_ab12\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonObject) object = parse_object (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyApiKey) key = tally_api_key_new_from_json (object, &error);

      g_assert_null (key);
      g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
    }
}

/* Scopes that are not a list of strings read as read-only; a missing
 * rate as 0. */
static void
test_api_key_odd_fields (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"id\": \"k1\", \"name\": \"ci\", "
                                               "\"prefix\": \"tly_ab12\", \"scopes\": \"run\", "
                                               "\"rate_limit\": \"60\"}");
  g_autoptr(TallyApiKey) key = tally_api_key_new_from_json (object, NULL);

  g_assert_nonnull (key);
  g_assert_false (key->can_run);
  g_assert_cmpint (key->rate_limit, ==, 0);
}

static void
test_api_key_request (void)
{
  g_autoptr(JsonObject) read_only = tally_api_key_request ("dashboard", FALSE, 60);
  g_autoptr(JsonObject) runs = tally_api_key_request ("ci", TRUE, 1);
  g_autofree char *first = to_string (read_only);
  g_autofree char *second = to_string (runs);

  g_assert_cmpstr (first, ==, "{\"name\":\"dashboard\",\"scopes\":[\"read\"],\"rate_limit\":60}");
  g_assert_cmpstr (second, ==, "{\"name\":\"ci\",\"scopes\":[\"read\",\"run\"],\"rate_limit\":1}");
}

static void
test_team (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"id\": \"t1\", \"name\": \"Design\", "
                                               "\"account_id\": \"p1\", \"role\": \"admin\"}");
  g_autoptr(TallyTeam) team = tally_team_new_from_json (object, NULL);
  g_autoptr(JsonObject) bad = parse_object ("{\"id\": \"t1\", \"name\": \"Design\", "
                                            "\"role\": \"admin\"}");
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (team->account_id, ==, "p1");
  g_assert_cmpint (team->available, ==, -1);
  g_assert_true (tally_team_role_manages (team->role));
  g_assert_false (tally_team_role_manages ("member"));
  g_assert_cmpstr (tally_team_role_label ("owner"), ==, "Owner");
  g_assert_null (tally_team_new_from_json (bad, &error));
  g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
}

/* Null caps read as none; negative figures as 0. */
static void
test_team_member (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"user_id\": \"u1\", \"email\": \"a@b.c\", "
                                               "\"name\": \"\", \"role\": \"member\", "
                                               "\"daily_cap\": null, \"monthly_cap\": 500, "
                                               "\"spent_this_month\": -3}");
  g_autoptr(TallyTeamMember) member = tally_team_member_new_from_json (object, NULL);
  g_autoptr(TallyTeamMember) copy = tally_team_member_copy (member);
  g_autoptr(JsonObject) bad = parse_object ("{\"email\": \"a@b.c\", \"role\": \"member\"}");

  g_assert_cmpint (member->daily_cap, ==, 0);
  g_assert_cmpint (member->monthly_cap, ==, 500);
  g_assert_cmpint (member->spent_this_month, ==, 0);
  g_assert_cmpstr (copy->email, ==, "a@b.c");
  g_assert_null (tally_team_member_new_from_json (bad, NULL));
}

/* No cap is null in the body; the role only when given. */
static void
test_member_change (void)
{
  g_autoptr(JsonObject) caps = tally_team_member_change (NULL, 0, 500);
  g_autoptr(JsonObject) role = tally_team_member_change ("owner", 10, 0);
  g_autofree char *first = to_string (caps);
  g_autofree char *second = to_string (role);

  g_assert_cmpstr (first, ==, "{\"daily_cap\":null,\"monthly_cap\":500}");
  g_assert_cmpstr (second, ==, "{\"role\":\"owner\",\"daily_cap\":10,\"monthly_cap\":null}");
}

static void
test_invitation_and_usage (void)
{
  g_autoptr(JsonObject) object = parse_object ("{\"id\": \"i1\", \"token\": \"abc\", "
                                               "\"email\": \"a@b.c\", \"email_sent\": true, "
                                               "\"expires_at\": \"2026-12-13T10:00:00Z\"}");
  g_autoptr(TallyInvitation) invitation = tally_invitation_new_from_json (object, NULL);
  g_autoptr(JsonObject) empty = parse_object ("{\"id\": \"i1\", \"token\": \"\"}");
  g_autoptr(JsonObject) usage = parse_object ("{\"user_id\": \"u1\", \"spent\": 12, "
                                              "\"runs\": 3}");
  g_autoptr(TallyMemberUsage) item = tally_member_usage_new_from_json (usage, NULL);
  g_autoptr(JsonObject) no_user = parse_object ("{\"spent\": 12}");
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (invitation->token, ==, "abc");
  g_assert_true (invitation->email_sent);
  g_assert_nonnull (invitation->expires);
  g_assert_null (tally_invitation_new_from_json (empty, &error));
  g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY);
  g_assert_cmpint (item->spent, ==, 12);
  g_assert_cmpint (item->runs, ==, 3);
  g_assert_null (tally_member_usage_new_from_json (no_user, NULL));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/team-types/api-key", test_api_key);
  g_test_add_func ("/team-types/api-key/malformed", test_api_key_malformed);
  g_test_add_func ("/team-types/api-key/odd-fields", test_api_key_odd_fields);
  g_test_add_func ("/team-types/api-key/request", test_api_key_request);
  g_test_add_func ("/team-types/team", test_team);
  g_test_add_func ("/team-types/member", test_team_member);
  g_test_add_func ("/team-types/member-change", test_member_change);
  g_test_add_func ("/team-types/invitation-and-usage", test_invitation_and_usage);

  return g_test_run ();
}
