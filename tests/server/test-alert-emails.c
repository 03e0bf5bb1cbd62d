/* test-alert-emails.c: alert emails against the suite's real SMTP sink:
 * text and HTML, the unsubscribe link, quiet hours, a bad address
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

#define SENDER "tally@example.com"
/* image-resize with 10 images holds 6: with a daily cap of 20 two runs
 * cross 50 %, a third 80 %. */
#define DAILY_CAP "{\"daily\": 20}"

static TestServer *server;
static char *admin;
static TestMailSink *sink;

/* Soft line breaks joined, =XX decoded: the message as a reader sees it. */
static char *
decode_quoted_printable (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
        p += 2;
      else if (p[0] == '=' && p[1] == '\n')
        p += 1;
      else if (p[0] == '=' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16 +
                                          g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* The decoded text of every message the sink holds for @address. */
static GPtrArray *
mails_for (const char *address)
{
  g_autoptr(GPtrArray) texts = test_mail_sink_texts (sink);
  g_autofree char *rcpt = g_strdup_printf ("X-RcptTo: %s", address);
  GPtrArray *mails = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < texts->len; i++)
    if (strstr (g_ptr_array_index (texts, i), rcpt) != NULL)
      g_ptr_array_add (mails, decode_quoted_printable (g_ptr_array_index (texts, i)));

  return mails;
}

static GPtrArray *
wait_for_mails (const char *address,
                guint       count)
{
  for (guint i = 0; i < 400; i++)
    {
      g_autoptr(GPtrArray) mails = mails_for (address);

      if (mails->len >= count)
        return g_steal_pointer (&mails);
      g_usleep (50 * 1000);
    }

  g_error ("fewer than %u emails reached %s", count, address);
}

/* None more than @count for a while: what should not come does not. */
static void
assert_mail_count_stays (const char *address,
                         guint       count)
{
  g_autoptr(GPtrArray) mails = NULL;

  g_usleep (1500 * 1000);
  mails = mails_for (address);
  g_assert_cmpuint (mails->len, ==, count);
}

/* --- users --- */

static char *
spender_new (const char *email)
{
  return test_capped_user_new (server, admin, email, 1000, DAILY_CAP);
}

/* The path and query of the unsubscribe link in @mail's text. */
static char *
unsubscribe_path (const char *mail)
{
  g_autofree char *prefix = g_strdup_printf ("%s/v1/alerts/unsubscribe?token=", server->base_url);
  const char *at = strstr (mail, prefix);
  const char *token;

  g_assert_nonnull (at);
  token = at + strlen (prefix);
  return g_strdup_printf ("/v1/alerts/unsubscribe?token=%.*s", (int) strcspn (token, "\r\n\"<>"),
                          token);
}

static void
test_alert_email_and_unsubscribe (void)
{
  g_autofree char *token = spender_new ("mail-reader@example.com");
  g_autofree char *other = spender_new ("mail-other@example.com");
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(TestResponse) page = NULL;
  g_autoptr(TestResponse) off = NULL;
  g_autoptr(TestResponse) settings = NULL;
  g_autoptr(TestResponse) bad = NULL;
  g_autofree char *path = NULL;
  g_autofree char *forged = NULL;
  const char *mail;

  test_runs_start (server, token, 2);
  mails = wait_for_mails ("mail-reader@example.com", 1);
  mail = g_ptr_array_index (mails, 0);
  g_assert_nonnull (strstr (mail, "Subject: Tally: a spending cap is near"));
  g_assert_nonnull (strstr (mail, "Content-Type: multipart/alternative"));
  g_assert_nonnull (strstr (mail, "Content-Type: text/plain; charset=utf-8"));
  g_assert_nonnull (strstr (mail, "Content-Type: text/html; charset=utf-8"));
  g_assert_nonnull (strstr (mail, "50% of your daily cap is used: 12 of 20 credits today"));
  g_assert_nonnull (strstr (mail, "List-Unsubscribe: <"));
  g_assert_nonnull (strstr (mail, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
  g_assert_nonnull (strstr (mail, "<a href=\""));

  /* The link works without signing in: a page, then the POST. */
  path = unsubscribe_path (mail);
  page = test_request (server, "GET", path, NULL, NULL);
  /* Said in full: one fresh-machine run got a 400 here that no other run
   * showed. */
  if (page->status != 200)
    g_test_message ("GET %s → %u %s\nin the mail:\n%s", path, page->status, page->body, mail);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_nonnull (strstr (page->body, "<form method=\"post\""));
  settings = test_request (server, "GET", "/v1/me/alerts", token, NULL);
  g_assert_true (json_node_get_boolean (test_response_member (settings, "channels.email")));

  /* A token altered, or made for another user, opens nothing. */
  forged = g_strdup (path);
  forged[strlen (forged) - 1] = forged[strlen (forged) - 1] == '0' ? '1' : '0';
  bad = test_request (server, "POST", forged, NULL, NULL);
  test_assert_error (bad, 400, "invalid_field", "token");
  g_clear_pointer (&bad, test_response_free);
  bad = test_request (server, "POST", "/v1/alerts/unsubscribe", NULL, NULL);
  test_assert_error (bad, 400, "invalid_field", "token");

  off = test_request (server, "POST", path, NULL, NULL);
  g_assert_cmpuint (off->status, ==, 200);
  g_clear_pointer (&settings, test_response_free);
  settings = test_request (server, "GET", "/v1/me/alerts", token, NULL);
  g_assert_false (json_node_get_boolean (test_response_member (settings, "channels.email")));
  g_assert_true (json_node_get_boolean (test_response_member (settings, "channels.app")));

  /* The next alert is stored but not emailed; the other user still gets
   * theirs. */
  test_runs_start (server, token, 1);
  test_runs_start (server, other, 2);
  g_ptr_array_unref (wait_for_mails ("mail-other@example.com", 1));
  assert_mail_count_stays ("mail-reader@example.com", 1);
}

static void
test_alert_email_quiet_hours (void)
{
  g_autofree char *token = spender_new ("night-owl@example.com");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) start = g_date_time_add_hours (now, -1);
  g_autoptr(GDateTime) end = g_date_time_add_hours (now, 1);
  g_autofree char *body = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(GPtrArray) mails = NULL;

  /* Quiet from an hour ago to an hour from now, in the user's zone (UTC). */
  body = g_strdup_printf ("{\"quiet_hours\": {\"start\": \"%02d:%02d\", \"end\": \"%02d:%02d\"}}",
                          g_date_time_get_hour (start), g_date_time_get_minute (start),
                          g_date_time_get_hour (end), g_date_time_get_minute (end));
  r = test_request (server, "PUT", "/v1/me/alerts", token, body);
  g_assert_cmpuint (r->status, ==, 200);

  test_runs_start (server, token, 2);
  assert_mail_count_stays ("night-owl@example.com", 0);

  /* Two hours later the quiet hours are over: the email held through the
   * restart goes out. */
  g_setenv ("TALLY_SERVER_CLOCK_OFFSET", "7200", TRUE);
  test_server_restart (server);
  g_unsetenv ("TALLY_SERVER_CLOCK_OFFSET");
  mails = wait_for_mails ("night-owl@example.com", 1);
  g_assert_cmpuint (mails->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (mails, 0), "50% of your daily cap"));

  test_server_restart (server);
}

/* An address the mailer cannot write to (registration takes it) is
 * skipped; the emails after it go out. */
static void
test_alert_email_bad_address (void)
{
  g_autofree char *bad = spender_new ("bad(address)@example.com");
  g_autofree char *good = spender_new ("after-bad@example.com");
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(TestResponse) alerts = NULL;

  test_runs_start (server, bad, 2);
  test_runs_start (server, good, 2);
  mails = wait_for_mails ("after-bad@example.com", 1);
  g_assert_cmpuint (mails->len, ==, 1);
  assert_mail_count_stays ("bad(address)@example.com", 0);

  /* Its alert is stored all the same. */
  alerts = test_request (server, "GET", "/v1/alerts", bad, NULL);
  g_assert_cmpint (test_response_int (alerts, "items.0.threshold"), ==, 50);
}

static void
test_alert_email_concurrent_runs_once (void)
{
  g_autofree char *token = test_capped_user_new (server, admin, "many-runs@example.com", 2000,
                                                 "{\"daily\": 350}");
  g_autoptr(GPtrArray) mails = NULL;
  guint fifty = 0, eighty = 0;

  /* 50 runs of 6 credits from 10 clients at once: 300 of a daily cap of
   * 350, past 50 and 80 %. */
  test_runs_at_once (server, token, 10, 5);
  g_ptr_array_unref (wait_for_mails ("many-runs@example.com", 2));
  assert_mail_count_stays ("many-runs@example.com", 2);

  mails = mails_for ("many-runs@example.com");
  for (guint i = 0; i < mails->len; i++)
    {
      const char *mail = g_ptr_array_index (mails, i);

      fifty += strstr (mail, "50% of your daily cap is used") != NULL;
      eighty += strstr (mail, "80% of your daily cap is used") != NULL;
    }
  g_assert_cmpuint (fifty, ==, 1);
  g_assert_cmpuint (eighty, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *smtp = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  sink = test_mail_sink_start ();
  smtp = g_strdup_printf ("--smtp-url=smtp://127.0.0.1:%u", sink->port);
  {
    const char *args[] = { smtp, "--smtp-from=" SENDER, "--alerts-link-secret=test-secret",
                           NULL };

    server = test_server_start_quiet (args);
  }
  admin = test_admin_new (server, "mail-admin@example.com");

  g_test_add_func ("/alert-emails/unsubscribe", test_alert_email_and_unsubscribe);
  g_test_add_func ("/alert-emails/concurrent-runs-once", test_alert_email_concurrent_runs_once);
  g_test_add_func ("/alert-emails/quiet-hours", test_alert_email_quiet_hours);
  g_test_add_func ("/alert-emails/bad-address", test_alert_email_bad_address);

  status = g_test_run ();
  g_free (admin);
  test_server_free (server);
  test_mail_sink_free (sink);
  return status;
}
