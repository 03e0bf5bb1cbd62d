/* test-tools.c: the tool registry and cost estimates
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

static TestResponse *
estimate (const char *token,
          const char *tool,
          const char *inputs)
{
  g_autofree char *body = g_strdup_printf ("{\"tool\": \"%s\", \"inputs\": %s}", tool, inputs);

  return test_request (server, "POST", "/v1/estimate", token, body);
}

static void
assert_estimate (TestResponse *response,
                 gint64        min,
                 gint64        typical,
                 gint64        max,
                 const char   *unit,
                 gint64        units)
{
  g_test_message ("%u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpint (test_response_int (response, "min"), ==, min);
  g_assert_cmpint (test_response_int (response, "typical"), ==, typical);
  g_assert_cmpint (test_response_int (response, "max"), ==, max);
  g_assert_cmpstr (test_response_string (response, "unit"), ==, unit);
  g_assert_cmpint (test_response_int (response, "units"), ==, units);
}

static void
assert_tool_shape (JsonObject *tool)
{
  static const char * const strings[] = { "id", "name", "category", "description", "unit" };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_assert_true (json_object_has_member (tool, strings[i]));
      g_assert_nonnull (json_object_get_string_member (tool, strings[i]));
    }
  g_assert_nonnull (json_object_get_object_member (tool, "pricing"));
  g_assert_nonnull (json_object_get_array_member (tool, "inputs"));
}

static void
test_list_public (void)
{
  g_autofree char *token = test_user_new (server, "lister@example.com", NULL);
  g_autoptr(TestResponse) anonymous = test_request (server, "GET", "/v1/tools", NULL, NULL);
  g_autoptr(TestResponse) signed_in = test_request (server, "GET", "/v1/tools", token, NULL);
  JsonArray *tools;
  gboolean seen = FALSE;

  g_assert_cmpuint (anonymous->status, ==, 200);
  g_assert_nonnull (test_response_string (anonymous, "version"));
  tools = json_node_get_array (test_response_member (anonymous, "tools"));
  g_assert_cmpuint (json_array_get_length (tools), >=, 24);

  for (guint i = 0; i < json_array_get_length (tools); i++)
    {
      JsonObject *tool = json_array_get_object_element (tools, i);

      assert_tool_shape (tool);
      seen |= g_str_equal (json_object_get_string_member (tool, "id"), "image-convert");
    }
  g_assert_true (seen);

  g_assert_cmpuint (signed_in->status, ==, 200);
  g_assert_cmpstr (signed_in->body, ==, anonymous->body);
}

/* An app that has this version of the catalogue is told so in 304. */
static void
test_list_not_modified (void)
{
  g_autoptr(TestResponse) list = test_request (server, "GET", "/v1/tools", NULL, NULL);
  g_autofree char *url = g_strconcat (server->base_url, "/v1/tools", NULL);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", test_response_string (list, "version"));
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "If-None-Match", etag);
  body = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 304);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"),
                   ==, etag);
}

static void
test_estimates (void)
{
  g_autofree char *token = test_user_new (server, "estimator@example.com", NULL);
  g_autoptr(TestResponse) image = NULL, words = NULL, qr = NULL, speech = NULL, audio = NULL;

  /* 1 + ceil (40 / 4); the smallest run, 1 megapixel, costs 2. */
  image = estimate (token, "image-convert", "{\"images\": 40}");
  assert_estimate (image, 2, 11, 11, "megapixels", 40);

  /* Words are counted here: three of them, at 1 per 2,000, plus 1. */
  words = estimate (token, "markdown-to-html", "{\"text\": \"one two  three\"}");
  assert_estimate (words, 2, 2, 2, "words", 3);

  /* Priced per run: one unit whatever the text. */
  qr = estimate (token, "qr-code", "{\"text\": \"https://example.com\", \"size\": 256}");
  assert_estimate (qr, 1, 1, 1, "codes", 1);

  /* Characters: 11 of them cost 1 + 2, over the minimum of 2. */
  speech = estimate (token, "text-to-speech", "{\"text\": \"hello world\"}");
  assert_estimate (speech, 3, 3, 3, "characters", 11);

  /* Ten minutes of audio: 1 + ceil (600 / 60). */
  audio = estimate (token, "audio-convert", "{\"file\": 600, \"format\": \"ogg\"}");
  assert_estimate (audio, 2, 11, 11, "seconds", 600);
}

static void
run_once (const char *token,
          gint64      authorized,
          gint64      used)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-convert\", "
                                           "\"inputs\": {\"images\": %" G_GINT64_FORMAT "}}",
                                           id, authorized);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autofree char *done = g_strdup_printf ("{\"units\": %" G_GINT64_FORMAT ", "
                                           "\"outcome\": \"succeeded\"}", used);
  g_autoptr(TestResponse) run = test_request (server, "POST", "/v1/runs", token, body);
  g_autoptr(TestResponse) completed = test_request (server, "POST", path, token, done);

  g_assert_cmpuint (run->status, ==, 201);
  g_assert_cmpuint (completed->status, ==, 200);
}

/* With enough runs of their own, a user's typical is their median. */
static void
test_typical_from_history (void)
{
  char account[37];
  g_autofree char *token = test_user_new (server, "regular@example.com", account);
  g_autoptr(TestResponse) before = NULL, after = NULL, other = NULL;
  g_autofree char *other_token = test_user_new (server, "newcomer@example.com", NULL);

  test_grant (server, admin, account, 500);
  before = estimate (token, "image-convert", "{\"images\": 40}");
  assert_estimate (before, 2, 11, 11, "megapixels", 40);

  /* Charged 2, 3, 4, 5 and 6: the median is 4. */
  for (gint64 used = 4; used <= 20; used += 4)
    run_once (token, 40, used);

  after = estimate (token, "image-convert", "{\"images\": 40}");
  assert_estimate (after, 2, 4, 11, "megapixels", 40);

  /* Somebody else's history is not theirs. */
  other = estimate (other_token, "image-convert", "{\"images\": 40}");
  assert_estimate (other, 2, 11, 11, "megapixels", 40);
}

static void
test_estimate_errors (void)
{
  g_autofree char *token = test_user_new (server, "wrong@example.com", NULL);
  static const struct
  {
    const char *body;
    const char *code;
    const char *field;
  } cases[] = {
    { "{\"tool\": \"no-such-tool\", \"inputs\": {}}", "invalid_field", "tool" },
    { "{\"tool\": \"image-convert\"}", "invalid_field", "inputs" },
    { "{\"inputs\": {}}", "invalid_field", "tool" },
    { "{\"tool\": \"image-convert\", \"inputs\": \"40\"}", "invalid_field", "inputs" },
    { "{\"tool\": \"image-convert\", \"inputs\": {\"images\": \"photo.png\"}}", "invalid_field",
      "inputs.images" },
    { "{\"tool\": \"image-convert\", \"inputs\": {\"images\": 1001}}", "invalid_field",
      "inputs.images" },
    { "{\"tool\": \"image-convert\", \"inputs\": {\"images\": -3}}", "invalid_field",
      "inputs.images" },
    { "{\"tool\": \"image-convert\", \"inputs\": {\"images\": 4, \"format\": \"gif\"}}",
      "invalid_field", "inputs.format" },
    { "{\"tool\": \"qr-code\", \"inputs\": {\"text\": \"\"}}", "invalid_field", "inputs.text" },
    { "{\"tool\": \"qr-code\", \"inputs\": {\"text\": \"x\", \"size\": 5}}", "invalid_field",
      "inputs.size" },
    { "not json", "invalid_json", NULL },
  };
  g_autoptr(TestResponse) anonymous = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) response = test_request (server, "POST", "/v1/estimate", token,
                                                       cases[i].body);

      test_assert_error (response, 400, cases[i].code, cases[i].field);
    }

  anonymous = estimate (NULL, "image-convert", "{\"images\": 4}");
  test_assert_error (anonymous, 401, "unauthorized", NULL);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tools/list-public", test_list_public);
  g_test_add_func ("/tools/list-not-modified", test_list_not_modified);
  g_test_add_func ("/tools/estimates", test_estimates);
  g_test_add_func ("/tools/typical-from-history", test_typical_from_history);
  g_test_add_func ("/tools/estimate-errors", test_estimate_errors);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "admin@example.com");
  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  return status;
}
