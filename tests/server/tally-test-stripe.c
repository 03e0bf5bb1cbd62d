/* tally-test-stripe.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-test-stripe.h"

TestFakeStripe *
test_fake_stripe_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  TestFakeStripe *fake = g_new0 (TestFakeStripe, 1);
  guint64 port;

  fake->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                    g_getenv ("FAKE_STRIPE_BINARY"),
                                    "--secret-key=" TEST_STRIPE_SECRET_KEY,
                                    "--webhook-secret=" TEST_STRIPE_WEBHOOK_SECRET, NULL);
  g_assert_no_error (error);

  /* The fake's first line is the port it listens on. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fake->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_ascii_string_to_unsigned (line, 10, 1, 65535, &port, NULL));

  fake->api = g_new0 (TestServer, 1);
  fake->api->port = port;
  fake->api->base_url = g_strdup_printf ("http://127.0.0.1:%u", fake->api->port);
  fake->api->session = test_session_new ();
  return fake;
}

void
test_fake_stripe_free (TestFakeStripe *fake)
{
  if (fake == NULL)
    return;

  g_subprocess_force_exit (fake->process);
  g_subprocess_wait (fake->process, NULL, NULL);
  g_clear_object (&fake->process);
  g_object_unref (fake->api->session);
  g_free (fake->api->base_url);
  g_free (fake->api);
  g_free (fake);
}

void
test_stripe_control (TestServer *fake,
                     const char *path,
                     const char *body)
{
  g_autoptr(TestResponse) response = test_request (fake, "POST", path, NULL, body);

  g_assert_cmpuint (response->status, ==, 200);
}

gint64
test_stripe_stat (TestServer *fake,
                  const char *name)
{
  g_autoptr(TestResponse) stats = test_request (fake, "GET", "/_test/stats", NULL, NULL);

  return test_response_int (stats, name);
}

TestServer *
test_stripe_server_start (TestServer         *fake,
                          const char * const *extra_args)
{
  g_autofree char *api_base = g_strdup_printf ("--stripe-api-base=%s", fake->base_url);
  const char *stripe_args[] = {
    "--payments-provider=stripe", api_base,
    "--stripe-secret-key=" TEST_STRIPE_SECRET_KEY,
    "--stripe-webhook-secret=" TEST_STRIPE_WEBHOOK_SECRET,
    "--stripe-success-url=http://127.0.0.1/paid", "--stripe-cancel-url=http://127.0.0.1/no",
  };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (stripe_args); i++)
    g_ptr_array_add (args, (gpointer) stripe_args[i]);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra_args[i]);
  g_ptr_array_add (args, NULL);

  return test_server_start ((const char * const *) args->pdata);
}

void
test_stripe_send_webhooks_to (TestServer *fake,
                              TestServer *server)
{
  g_autofree char *config = g_strdup_printf ("{\"webhook_url\": \"%s/v1/webhooks/stripe\"}",
                                             server->base_url);

  test_stripe_control (fake, "/_test/config", config);
}

char *
test_stripe_deliver (TestServer *fake,
                     const char *event)
{
  g_autoptr(TestResponse) delivered = test_request (fake, "POST", "/_test/deliver", NULL, event);
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpuint (delivered->status, ==, 200);
  g_test_message ("webhook → %" G_GINT64_FORMAT " %s", test_response_int (delivered, "status"),
                  test_response_string (delivered, "body"));
  g_assert_cmpint (test_response_int (delivered, "status"), ==, 200);
  answer = json_from_string (test_response_string (delivered, "body"), NULL);
  return g_strdup (json_object_get_string_member (json_node_get_object (answer), "outcome"));
}
