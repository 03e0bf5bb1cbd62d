/* test-email.c: the server's emails, received by a real SMTP sink
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * aiosmtpd (python3-aiosmtpd) listens on a loopback port and files every
 * message it receives into a Maildir; the tests read the files back and
 * parse them.
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "tally-mailer.h"
#include "tally-test-stripe.h"

#define SENDER         "tally@example.test"

static TestMailSink *sink;

/* --- reading what arrived --- */

typedef struct
{
  /* Unfolded header lines, "Name: value". */
  GPtrArray *headers;
  char      *body;
} Mail;

static void
mail_free (Mail *mail)
{
  g_ptr_array_unref (mail->headers);
  g_free (mail->body);
  g_free (mail);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Mail, mail_free)

static const char *
mail_header (Mail       *mail,
             const char *name)
{
  gsize length = strlen (name);

  for (guint i = 0; i < mail->headers->len; i++)
    {
      const char *line = g_ptr_array_index (mail->headers, i);

      if (g_ascii_strncasecmp (line, name, length) == 0 && line[length] == ':')
        return line + length + 1 + (line[length + 1] == ' ' ? 1 : 0);
    }

  return NULL;
}

static guint
count_headers (Mail       *mail,
               const char *name)
{
  gsize length = strlen (name);
  guint count = 0;

  for (guint i = 0; i < mail->headers->len; i++)
    {
      const char *line = g_ptr_array_index (mail->headers, i);

      if (g_ascii_strncasecmp (line, name, length) == 0 && line[length] == ':')
        count++;
    }

  return count;
}

static int
hex_value (char c)
{
  return g_ascii_xdigit_value (c);
}

/* Quoted-printable back to bytes: soft breaks joined, =XX decoded. */
static char *
decode_quoted_printable (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '=' && p[1] == '\n')
        p++;
      else if (*p == '=' && p[1] == '\r' && p[2] == '\n')
        p += 2;
      else if (*p == '=' && hex_value (p[1]) >= 0 && hex_value (p[2]) >= 0)
        {
          g_string_append_c (out, (char) (hex_value (p[1]) * 16 + hex_value (p[2])));
          p += 2;
        }
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* "=?UTF-8?B?...?=" words (folded ones joined) back to text. */
static char *
decode_words (const char *value)
{
  GString *out = g_string_new (NULL);
  const char *p = value;

  while (*p != '\0')
    {
      const char *start = strstr (p, "=?UTF-8?B?");
      const char *end = start != NULL ? strstr (start + 10, "?=") : NULL;
      g_autofree char *base64 = NULL;
      g_autofree guchar *bytes = NULL;
      gsize length;

      if (start == NULL || end == NULL)
        {
          g_string_append (out, p);
          break;
        }
      /* Whitespace between two encoded words is not part of the text. */
      if (start > p && strspn (p, " \t") != (gsize) (start - p))
        g_string_append_len (out, p, start - p);
      base64 = g_strndup (start + 10, end - start - 10);
      bytes = g_base64_decode (base64, &length);
      g_string_append_len (out, (const char *) bytes, length);
      p = end + 2;
    }

  return g_string_free (out, FALSE);
}

static Mail *
parse_mail (const char *text)
{
  g_autoptr(Mail) mail = g_new0 (Mail, 1);
  g_auto(GStrv) lines = NULL;
  const char *split = strstr (text, "\n\n");
  const char *crlf_split = strstr (text, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_autofree char *raw_body = NULL;

  if (crlf_split != NULL && (split == NULL || crlf_split < split))
    split = crlf_split;
  g_assert_nonnull (split);
  head = g_strndup (text, split - text);
  raw_body = g_strdup (split + (split == crlf_split ? 4 : 2));

  mail->headers = g_ptr_array_new_with_free_func (g_free);
  lines = g_strsplit (head, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if ((lines[i][0] == ' ' || lines[i][0] == '\t') && mail->headers->len > 0)
        {
          char **last = (char **) &g_ptr_array_index (mail->headers, mail->headers->len - 1);
          char *joined = g_strconcat (*last, lines[i], NULL);

          g_free (*last);
          *last = joined;
        }
      else if (lines[i][0] != '\0')
        g_ptr_array_add (mail->headers, g_strdup (lines[i]));
    }

  mail->body = decode_quoted_printable (raw_body);
  return g_steal_pointer (&mail);
}

/* Every message the sink holds for @address (its X-RcptTo). */
static GPtrArray *
mails_for (const char *address)
{
  g_autoptr(GPtrArray) texts = test_mail_sink_texts (sink);
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify) mail_free);

  for (guint i = 0; i < texts->len; i++)
    {
      Mail *mail = parse_mail (g_ptr_array_index (texts, i));

      if (g_strcmp0 (mail_header (mail, "X-RcptTo"), address) == 0)
        g_ptr_array_add (mails, mail);
      else
        mail_free (mail);
    }

  return mails;
}

/* Waits up to 20 s for @count messages to @address. */
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

/* --- users and purchases --- */

static char *
sign_up (TestServer *server,
         const char *email,
         const char *name)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autofree char *login = NULL;
  g_autoptr(TestResponse) registered = NULL;
  g_autoptr(TestResponse) signed_in = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, TEST_PASSWORD);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  registered = test_request (server, "POST", "/v1/auth/register", NULL, body);
  g_assert_cmpuint (registered->status, ==, 201);
  login = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email, TEST_PASSWORD);
  signed_in = test_request (server, "POST", "/v1/auth/login", NULL, login);
  g_assert_cmpuint (signed_in->status, ==, 200);
  return g_strdup (test_response_string (signed_in, "token"));
}

/* Buys the starter pack on a demo server and pays in its "browser". */
static void
demo_purchase (TestServer *server,
               const char *token)
{
  g_autoptr(TestResponse) checkout = test_request (server, "POST", "/v1/checkout", token,
                                                   "{\"pack\": \"starter\"}");
  g_autofree char *pay = NULL;
  g_autoptr(TestResponse) paid = NULL;

  g_assert_cmpuint (checkout->status, ==, 200);
  pay = g_strconcat (test_response_string (checkout, "url") + strlen (server->base_url), "/pay",
                     NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_nonnull (strstr (paid->body, "credited"));
}

static TestServer *
start_mailing_server (const char *smtp_url)
{
  g_autofree char *url = g_strdup_printf ("--smtp-url=%s", smtp_url);
  const char *args[] = { url, "--smtp-from=" SENDER, NULL };

  return test_server_start (args);
}

static char *
sink_url (void)
{
  return g_strdup_printf ("smtp://127.0.0.1:%u", sink->port);
}

static gint64
metric (TestServer *server,
        const char *line_start)
{
  g_autoptr(TestResponse) metrics = test_request (server, "GET", "/metrics", NULL, NULL);
  const char *found = strstr (metrics->body, line_start);

  return found != NULL ? g_ascii_strtoll (found + strlen (line_start), NULL, 10) : 0;
}

/* --- tests --- */

static void
test_format_refuses_injection (void)
{
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 11, 26, 9, 5, 7);
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = NULL;
  g_autofree char *bad_subject = NULL;
  g_autofree char *bad_name = NULL;
  g_autofree char *bad_to = NULL;

  ok = tally_mail_format (SENDER, "a@example.test", "Zoë \"Z\" Ö", "Grüße", "Hi\n.\nBye",
                          date, "1@example.test", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (ok, "Date: Thu, 26 Nov 2026 09:05:07 +0000\r\n"));
  g_assert_nonnull (strstr (ok, "\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"));
  g_assert_nonnull (strstr (ok, "\r\nMessage-ID: <1@example.test>\r\n"));
  /* A dot alone on a line is encoded, so SMTP never takes it for the end. */
  g_assert_nonnull (strstr (ok, "\r\n\r\nHi\r\n=2E\r\nBye\r\n"));

  bad_subject = tally_mail_format (SENDER, "a@example.test", NULL, "Hi\r\nBcc: x@example.test",
                                   "text", date, "2@example.test", &error);
  g_assert_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_UNSAFE_HEADER);
  g_assert_null (bad_subject);
  g_clear_error (&error);
  bad_name = tally_mail_format (SENDER, "a@example.test", "Eve\nBcc: x@example.test", "Hi",
                                "text", date, "3@example.test", &error);
  g_assert_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_UNSAFE_HEADER);
  g_assert_null (bad_name);
  g_clear_error (&error);
  bad_to = tally_mail_format (SENDER, "a@example.test>\r\nBcc: <x@example.test", NULL, "Hi",
                              "text", date, "4@example.test", &error);
  g_assert_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_UNSAFE_HEADER);
  g_assert_null (bad_to);

  g_assert_false (tally_mail_address_is_valid ("no-at-sign"));
  g_assert_false (tally_mail_address_is_valid ("two@@example.test"));
  g_assert_true (tally_mail_address_is_valid ("first.last+tag@example.test"));
}

/* Long lines are cut with soft breaks and come back whole. */
static void
test_format_long_lines (void)
{
  g_autoptr(GDateTime) date = g_date_time_new_now_utc ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *message = NULL;
  g_autoptr(Mail) mail = NULL;
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i < 60; i++)
    g_string_append (text, "€uro = ");
  message = tally_mail_format (SENDER, "a@example.test", NULL,
                               "A subject long enough to need more than one encoded word: ÄÖÜ "
                               "äöü ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü", text->str, date, "5@example.test",
                               NULL);
  lines = g_strsplit (message, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 76);

  /* The text comes back as it went, its last line ended. */
  mail = parse_mail (message);
  g_string_append_c (text, '\n');
  g_assert_cmpstr (mail->body, ==, text->str);
  {
    g_autofree char *subject = decode_words (mail_header (mail, "Subject"));

    g_assert_cmpstr (subject, ==, "A subject long enough to need more than one encoded word: "
                                  "ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü ÄÖÜ äöü");
  }
}

static void
test_purchase_email (void)
{
  g_autofree char *url = sink_url ();
  g_autoptr(TestServer) server = start_mailing_server (url);
  g_autofree char *token = sign_up (server, "zoe@example.test", "Zoë Example");
  g_autoptr(GPtrArray) mails = NULL;
  g_autofree char *to = NULL;
  g_autofree char *subject = NULL;
  Mail *mail;

  demo_purchase (server, token);
  mails = wait_for_mails ("zoe@example.test", 1);
  g_assert_cmpuint (mails->len, ==, 1);
  mail = g_ptr_array_index (mails, 0);
  g_test_message ("%s", mail->body);

  to = decode_words (mail_header (mail, "To"));
  g_assert_cmpstr (to, ==, "Zoë Example <zoe@example.test>");
  g_assert_cmpstr (mail_header (mail, "From"), ==, "\"Tally\" <" SENDER ">");
  subject = decode_words (mail_header (mail, "Subject"));
  g_assert_cmpstr (subject, ==, "Your Tally purchase: 500 credits");
  g_assert_cmpstr (mail_header (mail, "MIME-Version"), ==, "1.0");
  g_assert_cmpstr (mail_header (mail, "Content-Type"), ==, "text/plain; charset=utf-8");
  g_assert_true (g_str_has_suffix (mail_header (mail, "Message-ID"), "@example.test>"));
  g_assert_nonnull (mail_header (mail, "Date"));

  g_assert_nonnull (strstr (mail->body, "Hello Zoë Example,"));
  g_assert_nonnull (strstr (mail->body, "Pack:         Starter"));
  g_assert_nonnull (strstr (mail->body, "Credits:      500"));
  g_assert_nonnull (strstr (mail->body, "Amount paid:  5.00 EUR"));
  g_assert_nonnull (strstr (mail->body, "PDF receipt"));

  g_assert_cmpint (metric (server, "tally_emails_total{outcome=\"sent\"} "), ==, 1);
}

/* A pack bought as a gift: the address it waits for is told who sent it,
 * and the buyer gets no purchase email of credits they did not receive. */
static void
test_gift_email (void)
{
  g_autofree char *url = sink_url ();
  g_autoptr(TestServer) server = start_mailing_server (url);
  g_autofree char *token = sign_up (server, "giver@example.test", "Ana Giver");
  g_autoptr(TestResponse) checkout = NULL;
  g_autoptr(TestResponse) paid = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(GPtrArray) buyer_mails = NULL;
  g_autofree char *pay = NULL;
  g_autofree char *subject = NULL;
  Mail *mail;

  checkout = test_request (server, "POST", "/v1/checkout", token,
                           "{\"pack\": \"starter\", \"gift_email\": \"lucky@example.test\"}");
  g_assert_cmpuint (checkout->status, ==, 200);
  pay = g_strconcat (test_response_string (checkout, "url") + strlen (server->base_url), "/pay",
                     NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
  g_assert_nonnull (strstr (paid->body, "gift_waiting"));

  mails = wait_for_mails ("lucky@example.test", 1);
  g_assert_cmpuint (mails->len, ==, 1);
  mail = g_ptr_array_index (mails, 0);
  g_test_message ("%s", mail->body);
  g_assert_cmpstr (mail_header (mail, "To"), ==, "<lucky@example.test>");
  subject = decode_words (mail_header (mail, "Subject"));
  g_assert_cmpstr (subject, ==, "Ana Giver gave you 500 Tally credits");
  g_assert_nonnull (strstr (mail->body, "Ana Giver (giver@example.test) bought you 500 Tally "
                                        "credits."));
  g_assert_nonnull (strstr (mail->body, "sign up with it"));

  buyer_mails = mails_for ("giver@example.test");
  g_assert_cmpuint (buyer_mails->len, ==, 0);
}

/* A name made to add a header: the email goes to the address alone, with
 * no header but the server's own. */
static void
test_header_injection (void)
{
  g_autofree char *url = sink_url ();
  g_autoptr(TestServer) server = start_mailing_server (url);
  g_autofree char *token = sign_up (server, "eve@example.test",
                                    "Eve\r\nBcc: victim@example.test\r\nSubject: Free credits");
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(GPtrArray) stolen = NULL;
  Mail *mail;

  demo_purchase (server, token);
  mails = wait_for_mails ("eve@example.test", 1);
  mail = g_ptr_array_index (mails, 0);

  g_assert_cmpstr (mail_header (mail, "To"), ==, "<eve@example.test>");
  g_assert_null (mail_header (mail, "Bcc"));
  g_assert_cmpuint (count_headers (mail, "Subject"), ==, 1);
  g_assert_cmpuint (count_headers (mail, "To"), ==, 1);
  stolen = mails_for ("victim@example.test");
  g_assert_cmpuint (stolen->len, ==, 0);
  /* The greeting falls back on the address. */
  g_assert_nonnull (strstr (mail->body, "Hello eve@example.test,"));
}

/* Without [smtp] url, nothing is sent and everything works. */
static void
test_off_by_default (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autofree char *token = sign_up (server, "quiet@example.test", "Quiet");
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(GPtrArray) mails = NULL;

  demo_purchase (server, token);
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 500);
  g_usleep (300 * 1000);
  mails = mails_for ("quiet@example.test");
  g_assert_cmpuint (mails->len, ==, 0);
  g_assert_cmpint (metric (server, "tally_emails_total{outcome=\"sent\"} "), ==, 0);
}

/* Starts @args's server with its standard error in @log_path. */
static TestServer *
start_logging_to (const char         *log_path,
                  const char * const *args)
{
  int saved = dup (STDERR_FILENO);
  int log = open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  TestServer *server;

  g_assert_cmpint (saved, >=, 0);
  g_assert_cmpint (log, >=, 0);
  dup2 (log, STDERR_FILENO);
  close (log);
  server = test_server_start (args);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  return server;
}

static gboolean
log_has (const char *log_path,
         const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (log_path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

/* The SMTP server is down: the purchase goes through, the server keeps
 * answering, the failed attempt is logged (without the password), and
 * the server still stops cleanly, in the middle of its retry pause. */
static void
test_sink_down (void)
{
  g_autofree char *log_path = g_build_filename (sink->dir, "server.log", NULL);
  g_autofree char *url = g_strdup_printf ("--smtp-url=smtp://127.0.0.1:%u", test_free_port ());
  const char *args[] = { url, "--smtp-from=" SENDER, "--smtp-username=tally",
                         "--smtp-password=hunter2-secret", NULL };
  g_autoptr(TestServer) server = start_logging_to (log_path, args);
  g_autofree char *token = sign_up (server, "down@example.test", "Down");
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) health = NULL;

  demo_purchase (server, token);
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "accounts.0.balance"), ==, 500);

  for (guint i = 0; i < 400 && !log_has (log_path, "email_attempt_failed"); i++)
    g_usleep (50 * 1000);
  g_assert_true (log_has (log_path, "email_attempt_failed"));
  health = test_request (server, "GET", "/healthz", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);

  test_server_stop (server, FALSE);
  g_assert_false (log_has (log_path, "hunter2-secret"));
}

static void
test_bad_config (void)
{
  /* A folder of its own: never the user's data folder, whatever the
   * server reads before it finds the mistake. */
  g_autofree char *dir = g_dir_make_tmp ("tally-email-config-XXXXXX", NULL);
  g_autofree char *data_dir = g_strdup_printf ("--data-dir=%s", dir);
  const char *no_from[] = { "--smtp-url=smtp://127.0.0.1:25", "--listen=127.0.0.1:1", data_dir,
                            NULL };
  const char *bad_scheme[] = { "--smtp-url=http://127.0.0.1:25", "--smtp-from=" SENDER,
                               "--listen=127.0.0.1:1", data_dir, NULL };
  g_autofree char *err = NULL;
  g_autofree char *scheme_err = NULL;

  g_assert_cmpint (test_server_command (no_from, NULL, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "smtp-from"));
  g_assert_cmpint (test_server_command (bad_scheme, NULL, NULL, &scheme_err), !=, 0);
  g_assert_nonnull (strstr (scheme_err, "smtp://"));
  test_remove_tree (dir);
}

/* --- a failing automatic top-up, against the fake Stripe --- */

static void
test_recharge_failed_email (void)
{
  g_autoptr(TestFakeStripe) fake = test_fake_stripe_start ();
  g_autofree char *smtp = g_strdup_printf ("--smtp-url=smtp://127.0.0.1:%u", sink->port);
  const char *args[] = { smtp, "--smtp-from=" SENDER, "--recharge-retry-after=0", NULL };
  g_autoptr(TestServer) server = test_stripe_server_start (fake->api, args);
  g_autofree char *admin = NULL;
  g_autofree char *token = NULL;
  g_autoptr(TestResponse) checkout = NULL;
  g_autoptr(TestResponse) settings = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  gboolean paused_told = FALSE;
  char account_id[37];

  /* A Stripe customer (made by a first checkout) and 100 credits. */
  token = test_user_new (server, "card@example.test", account_id);
  checkout = test_request (server, "POST", "/v1/checkout", token, "{\"pack\": \"starter\"}");
  g_assert_cmpuint (checkout->status, ==, 200);
  admin = test_admin_new (server, "mail-admin@example.test");
  test_grant (server, admin, account_id, 100);

  test_stripe_control (fake->api, "/_test/decline", "{\"count\": 3}");
  settings = test_request (server, "PUT", "/v1/me/auto-recharge", token,
                           "{\"enabled\": true, \"threshold\": 500, \"pack\": \"starter\", "
                           "\"monthly_cap\": 10}");
  g_assert_cmpuint (settings->status, ==, 200);

  /* Each attempt after a decline waits for a commit on the account. */
  for (guint failures = 1; failures < 3; failures++)
    {
      g_autoptr(GPtrArray) so_far = wait_for_mails ("card@example.test", failures);

      test_grant (server, admin, account_id, 1);
    }
  mails = wait_for_mails ("card@example.test", 3);
  for (guint i = 0; i < mails->len; i++)
    {
      Mail *mail = g_ptr_array_index (mails, i);

      g_test_message ("%s", mail->body);
      g_assert_cmpstr (mail_header (mail, "Subject"), ==, "Your automatic top-up failed");
      g_assert_cmpstr (mail_header (mail, "To"), ==, "<card@example.test>");
      g_assert_nonnull (strstr (mail->body, "“Starter” (500 credits for 5.00 EUR)"));
      g_assert_nonnull (strstr (mail->body, "Nothing was charged"));
      g_assert_nonnull (strstr (mail->body, "Manage Payment Methods"));
      paused_told |= strstr (mail->body, "Automatic top-up is now paused, after 3 failed") != NULL;
    }
  g_assert_true (paused_told);

  test_server_stop (server, FALSE);
}

/* A team invitation goes to the invited address, with the code to accept
 * it; the code from the email works. */
static void
test_team_invitation_email (void)
{
  g_autofree char *url = sink_url ();
  g_autoptr(TestServer) server = start_mailing_server (url);
  g_autofree char *owner = sign_up (server, "team-owner@example.test", "Olga Owner");
  g_autofree char *invitee = sign_up (server, "team-invitee@example.test", "Ivan");
  g_autoptr(TestResponse) team = test_request (server, "POST", "/v1/teams", owner,
                                               "{\"name\": \"Café crew\"}");
  g_autofree char *path = g_strdup_printf ("/v1/teams/%s/invitations",
                                           test_response_string (team, "team.id"));
  g_autoptr(TestResponse) invited = test_request (server, "POST", path, owner,
                                                  "{\"email\": \"Team-Invitee@example.test\", "
                                                  "\"role\": \"member\"}");
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(TestResponse) accepted = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *accept_path = NULL;
  const char *token;
  Mail *mail;

  g_assert_cmpuint (invited->status, ==, 201);
  g_assert_true (json_node_get_boolean (test_response_member (invited, "email_sent")));
  token = test_response_string (invited, "token");

  mails = wait_for_mails ("team-invitee@example.test", 1);
  g_assert_cmpuint (mails->len, ==, 1);
  mail = g_ptr_array_index (mails, 0);
  subject = decode_words (mail_header (mail, "Subject"));
  g_assert_cmpstr (subject, ==, "Join the team “Café crew” on Tally");
  g_assert_nonnull (strstr (mail->body, "Olga Owner invited you"));
  g_assert_nonnull (strstr (mail->body, token));

  accept_path = g_strdup_printf ("/v1/invitations/%s/accept", token);
  accepted = test_request (server, "POST", accept_path, invitee, NULL);
  g_assert_cmpuint (accepted->status, ==, 200);
  g_assert_cmpstr (test_response_string (accepted, "team.name"), ==, "Café crew");
  test_server_stop (server, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/email/format/refuses-injection", test_format_refuses_injection);
  g_test_add_func ("/email/format/long-lines", test_format_long_lines);
  g_test_add_func ("/email/purchase", test_purchase_email);
  g_test_add_func ("/email/gift", test_gift_email);
  g_test_add_func ("/email/header-injection", test_header_injection);
  g_test_add_func ("/email/off-by-default", test_off_by_default);
  g_test_add_func ("/email/sink-down", test_sink_down);
  g_test_add_func ("/email/bad-config", test_bad_config);
  g_test_add_func ("/email/recharge-failed", test_recharge_failed_email);
  g_test_add_func ("/email/team-invitation", test_team_invitation_email);

  sink = test_mail_sink_start ();
  status = g_test_run ();
  test_mail_sink_free (sink);
  return status;
}
