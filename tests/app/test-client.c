/* test-client.c: which server addresses the app talks to
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No window and no server: passwords and tokens never go over plain http
 * to another computer, unless the user allowed it for that host.
 */

#include "config.h"

#include "tally-client.h"

static void
assert_accepted (TallyClient *client,
                 const char  *url)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_client_set_server_url (client, url, &error));
  g_assert_no_error (error);
}

static void
assert_insecure (TallyClient *client,
                 const char  *url)
{
  g_autofree char *before = g_strdup (tally_client_get_server_url (client));
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_client_set_server_url (client, url, &error));
  g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INSECURE_ADDRESS);
  g_assert_nonnull (strstr (error->message, "https://"));
  /* The address in use stays. */
  g_assert_cmpstr (tally_client_get_server_url (client), ==, before);
}

/* http to this computer; https anywhere. */
static void
test_loopback_and_https (void)
{
  g_autoptr(TallyClient) client = tally_client_new ("http://127.0.0.1:8470");

  assert_accepted (client, "http://localhost:8470");
  assert_accepted (client, "http://127.3.2.1:8470/");
  assert_accepted (client, "http://[::1]:8470");
  assert_accepted (client, "https://tally.example.com");
  assert_accepted (client, "HTTPS://tally.example.com");
  assert_accepted (client, "https://192.0.2.7:8470");
}

/* Plain http to anywhere else is refused, with words to show. */
static void
test_http_elsewhere_refused (void)
{
  g_autoptr(TallyClient) client = tally_client_new ("http://127.0.0.1:8470");

  assert_insecure (client, "http://tally.example.com");
  assert_insecure (client, "http://192.0.2.7:8470");
  assert_insecure (client, "http://10.0.0.1:8470");
  assert_insecure (client, "http://[2001:db8::1]:8470");
  /* Names that only look local. */
  assert_insecure (client, "http://localhost.example.com");
  assert_insecure (client, "http://127.0.0.1.example.com");
  g_assert_cmpstr (tally_client_get_server_url (client), ==, "http://127.0.0.1:8470");
}

/* The allow-insecure-servers setting allows exactly the hosts it names. */
static void
test_allowed_hosts (void)
{
  g_autoptr(TallyClient) client = tally_client_new ("http://127.0.0.1:8470");
  const char *hosts[] = { "tally.lan", "192.0.2.7", NULL };

  tally_client_set_insecure_hosts (client, hosts);
  assert_accepted (client, "http://tally.lan:8470");
  assert_accepted (client, "http://TALLY.lan:8470");
  assert_accepted (client, "http://192.0.2.7:8470");
  assert_insecure (client, "http://other.lan:8470");

  tally_client_set_insecure_hosts (client, NULL);
  assert_insecure (client, "http://tally.lan:8470");
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          error);

  g_assert_null (reply);
  g_assert_nonnull (*error);
}

/* An address kept in the settings from before is not used over http
 * either: the call fails before anything is sent. */
static void
test_kept_address_not_called (void)
{
  g_autoptr(TallyClient) client = tally_client_new ("http://tally.example.com");
  g_autoptr(GError) error = NULL;

  tally_client_set_token (client, "secret-token");
  tally_client_call_async (client, "GET", "/v1/me", NULL, NULL, call_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INSECURE_ADDRESS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/loopback-and-https", test_loopback_and_https);
  g_test_add_func ("/client/http-elsewhere-refused", test_http_elsewhere_refused);
  g_test_add_func ("/client/allowed-hosts", test_allowed_hosts);
  g_test_add_func ("/client/kept-address-not-called", test_kept_address_not_called);
  return g_test_run ();
}
