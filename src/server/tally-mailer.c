/* tally-mailer.c: plain-text emails over SMTP, sent off the request path
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Messages are composed on the main thread, where a header that could
 * carry a CR or LF is refused, and handed to a one-thread pool that talks
 * SMTP with libcurl. A failed attempt is retried after a pause that
 * doubles each time, a bounded number of times; stopping the server cuts
 * the pauses short and gives each queued message one last attempt.
 */

#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "tally-log.h"
#include "tally-mailer.h"

/* Attempts per message, and the pause before the first retry. */
#define MAX_ATTEMPTS          4
#define FIRST_BACKOFF_SECONDS 5
/* Per attempt: reaching the server, and the whole conversation. */
#define CONNECT_TIMEOUT       10L
#define TRANSFER_TIMEOUT      60L
/* Quoted-printable lines stay within RFC 2045's 76 characters. */
#define QP_LINE_MAX           75
/* Bytes of text per RFC 2047 encoded word: 52 of base64, 64 in all, so
 * that "Subject: " and a word stay within 76 characters. */
#define WORD_BYTES_MAX        39
/* Longer header text is encoded (and so folded), whatever it holds. */
#define PLAIN_HEADER_MAX      64

struct _TallyMailer
{
  GObject       parent_instance;

  char         *url;
  char         *from;
  char         *username;
  char         *password;
  gboolean      starttls;
  TallyMetrics *metrics;
  GMainContext *context;
  GThreadPool  *pool;

  GMutex        lock;
  GCond         stop_cond;
  gboolean      stopping;
};

G_DEFINE_FINAL_TYPE (TallyMailer, tally_mailer, G_TYPE_OBJECT)

G_DEFINE_QUARK (tally-mailer-error-quark, tally_mailer_error)

typedef struct
{
  char *to;
  char *message_id;
  char *message;
} MailJob;

static void
mail_job_free (MailJob *job)
{
  g_free (job->to);
  g_free (job->message_id);
  g_free (job->message);
  g_free (job);
}

/* --- composing --- */

static gboolean
is_safe_header_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return FALSE;
    }

  return g_utf8_validate (text, -1, NULL);
}

gboolean
tally_mail_address_is_valid (const char *address)
{
  const char *at;

  if (address == NULL || address[0] == '\0' || strlen (address) > 254)
    return FALSE;

  for (const char *p = address; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c >= 0x7f || strchr ("<>()[],;:\"\\", c) != NULL)
        return FALSE;
    }

  at = strchr (address, '@');
  return at != NULL && at != address && at[1] != '\0' && strchr (at + 1, '@') == NULL;
}

/* Short printable ASCII goes in a header as it is; anything else is
 * encoded, which also folds a long text into short lines. */
static gboolean
is_plain_ascii (const char *text)
{
  if (strlen (text) > PLAIN_HEADER_MAX)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      return FALSE;

  return strstr (text, "=?") == NULL;
}

/* RFC 2047 "B" encoded words, split between characters and folded. */
static void
append_encoded_words (GString    *out,
                      const char *text)
{
  const char *start = text;

  while (*start != '\0')
    {
      const char *end = start;
      g_autofree char *base64 = NULL;

      while (*end != '\0' && g_utf8_next_char (end) - start <= WORD_BYTES_MAX)
        end = g_utf8_next_char (end);
      if (start != text)
        g_string_append (out, "\r\n ");
      base64 = g_base64_encode ((const guchar *) start, end - start);
      g_string_append_printf (out, "=?UTF-8?B?%s?=", base64);
      start = end;
    }
}

static void
append_header_text (GString    *out,
                    const char *text)
{
  if (is_plain_ascii (text))
    g_string_append (out, text);
  else
    append_encoded_words (out, text);
}

/* "Name" <address>, the name quoted or encoded; the address alone
 * without a name. */
static void
append_mailbox (GString    *out,
                const char *name,
                const char *address)
{
  if (name != NULL && name[0] != '\0')
    {
      if (is_plain_ascii (name))
        {
          g_string_append_c (out, '"');
          for (const char *p = name; *p != '\0'; p++)
            {
              if (*p == '"' || *p == '\\')
                g_string_append_c (out, '\\');
              g_string_append_c (out, *p);
            }
          g_string_append_c (out, '"');
        }
      else
        {
          append_encoded_words (out, name);
          /* The address on a line of its own, so no line grows too long. */
          g_string_append (out, "\r\n");
        }
      g_string_append_c (out, ' ');
    }

  g_string_append_printf (out, "<%s>", address);
}

/* RFC 5322's date, in English whatever the locale. */
static char *
format_date (GDateTime *date)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                         "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autofree char *clock = g_date_time_format (date, "%H:%M:%S %z");

  return g_strdup_printf ("%s, %02d %s %d %s", days[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1], g_date_time_get_year (date),
                          clock);
}

static void
append_qp_line (GString    *out,
                const char *line,
                gsize       length)
{
  guint column = 0;

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) line[i];
      gboolean last = i + 1 == length;
      gboolean literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && column == 0)) ||
                         ((c == ' ' || c == '\t') && !last);
      guint width = literal ? 1 : 3;

      if (column + width > QP_LINE_MAX)
        {
          g_string_append (out, "=\r\n");
          column = 0;
          literal = literal && c != '.';
          width = literal ? 1 : 3;
        }
      if (literal)
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "=%02X", c);
      column += width;
    }

  g_string_append (out, "\r\n");
}

/* Quoted-printable, so that no line is too long and no byte is bare
 * 8-bit, whatever the text; its line ends become CRLF. */
static void
append_quoted_printable (GString    *out,
                         const char *body)
{
  const char *line = body;

  while (*line != '\0')
    {
      const char *end = strchr (line, '\n');
      gsize length = end != NULL ? (gsize) (end - line) : strlen (line);

      append_qp_line (out, line, length > 0 && line[length - 1] == '\r' ? length - 1 : length);
      line += length + (end != NULL ? 1 : 0);
    }
}

static gboolean
unsafe (GError     **error,
        const char  *what)
{
  g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_UNSAFE_HEADER,
               "The email's %s cannot go in a header", what);
  return FALSE;
}

static gboolean
check_headers (const char  *from,
               const char  *to_address,
               const char  *to_name,
               const char  *subject,
               const char  *message_id,
               GError     **error)
{
  if (!tally_mail_address_is_valid (from))
    return unsafe (error, "sender");
  if (!tally_mail_address_is_valid (to_address))
    return unsafe (error, "recipient");
  if (to_name != NULL && !is_safe_header_text (to_name))
    return unsafe (error, "recipient's name");
  if (!is_safe_header_text (subject))
    return unsafe (error, "subject");
  if (!tally_mail_address_is_valid (message_id))
    return unsafe (error, "Message-ID");
  return TRUE;
}

static void
append_part (GString    *out,
             const char *boundary,
             const char *type,
             const char *text)
{
  g_string_append_printf (out, "--%s\r\n"
                          "Content-Type: %s; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: quoted-printable\r\n"
                          "\r\n", boundary, type);
  append_quoted_printable (out, text);
}

/* Plain text alone, or text and HTML as multipart/alternative. */
static void
append_body (GString        *out,
             const TallyMail *mail,
             const char     *message_id)
{
  g_autofree char *boundary = NULL;

  if (mail->html == NULL)
    {
      g_string_append (out, "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\n"
                            "\r\n");
      append_quoted_printable (out, mail->text);
      return;
    }

  /* The Message-ID is random: no text can hold the boundary by chance. */
  boundary = g_strdup_printf ("=_tally_%.*s", (int) strcspn (message_id, "@"), message_id);
  g_string_append_printf (out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
                          "\r\n", boundary);
  append_part (out, boundary, "text/plain", mail->text);
  append_part (out, boundary, "text/html", mail->html);
  g_string_append_printf (out, "--%s--\r\n", boundary);
}

static gboolean
check_mail (const TallyMail  *mail,
            GError          **error)
{
  if (!g_utf8_validate (mail->text, -1, NULL) ||
      (mail->html != NULL && !g_utf8_validate (mail->html, -1, NULL)))
    {
      g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_UNSAFE_HEADER,
                   "The email's text is not UTF-8");
      return FALSE;
    }
  /* A URL in angle brackets: printable ASCII without them or spaces. */
  for (const char *p = mail->unsubscribe_url; p != NULL && *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f || *p == '<' || *p == '>')
      return unsafe (error, "unsubscribe link");

  return TRUE;
}

char *
tally_mail_format_full (const char       *from,
                        const char       *to_address,
                        const char       *to_name,
                        const TallyMail  *mail,
                        GDateTime        *date,
                        const char       *message_id,
                        GError          **error)
{
  g_autoptr(GString) out = NULL;
  g_autofree char *date_text = NULL;

  g_return_val_if_fail (mail->subject != NULL && mail->text != NULL && date != NULL, NULL);

  if (!check_headers (from, to_address, to_name, mail->subject, message_id, error) ||
      !check_mail (mail, error))
    return NULL;

  out = g_string_new (NULL);
  date_text = format_date (date);
  g_string_append_printf (out, "Date: %s\r\n", date_text);
  g_string_append (out, "From: ");
  append_mailbox (out, "Tally", from);
  g_string_append (out, "\r\nTo: ");
  append_mailbox (out, to_name, to_address);
  g_string_append (out, "\r\nSubject: ");
  append_header_text (out, mail->subject);
  g_string_append_printf (out, "\r\nMessage-ID: <%s>\r\n", message_id);
  /* RFC 8058: mail clients offer a one-click unsubscribe (a POST). */
  if (mail->unsubscribe_url != NULL)
    g_string_append_printf (out, "List-Unsubscribe: <%s>\r\n"
                            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                            mail->unsubscribe_url);
  g_string_append (out, "MIME-Version: 1.0\r\n");
  append_body (out, mail, message_id);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
tally_mail_format (const char  *from,
                   const char  *to_address,
                   const char  *to_name,
                   const char  *subject,
                   const char  *body,
                   GDateTime   *date,
                   const char  *message_id,
                   GError     **error)
{
  TallyMail mail = { subject, body, NULL, NULL };

  g_return_val_if_fail (subject != NULL && body != NULL && date != NULL, NULL);

  return tally_mail_format_full (from, to_address, to_name, &mail, date, message_id, error);
}

/* --- sending, on the worker thread --- */

typedef struct
{
  const char *data;
  gsize       length;
  gsize       offset;
} Upload;

static size_t
read_upload (char   *buffer,
             size_t  size,
             size_t  n_items,
             void   *user_data)
{
  Upload *upload = user_data;
  gsize room = size * n_items;
  gsize chunk = MIN (room, upload->length - upload->offset);

  memcpy (buffer, upload->data + upload->offset, chunk);
  upload->offset += chunk;
  return chunk;
}

/* One SMTP conversation; the error names curl's reason, never the URL
 * (which may hold credentials) nor the password. */
static gboolean
send_once (TallyMailer  *self,
           MailJob      *job,
           GError      **error)
{
  g_autofree char *mail_from = g_strdup_printf ("<%s>", self->from);
  g_autofree char *rcpt = g_strdup_printf ("<%s>", job->to);
  char reason[CURL_ERROR_SIZE] = "";
  struct curl_slist *recipients = curl_slist_append (NULL, rcpt);
  Upload upload = { job->message, strlen (job->message), 0 };
  CURL *curl = curl_easy_init ();
  CURLcode code;

  if (curl == NULL || recipients == NULL)
    {
      curl_slist_free_all (recipients);
      g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_CONFIG, "libcurl failed to start");
      return FALSE;
    }

  curl_easy_setopt (curl, CURLOPT_URL, self->url);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, reason);
  if (self->starttls)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  if (self->username != NULL && self->username[0] != '\0')
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, self->username);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, self->password != NULL ? self->password : "");
    }

  code = curl_easy_perform (curl);
  curl_slist_free_all (recipients);
  curl_easy_cleanup (curl);
  if (code == CURLE_OK)
    return TRUE;

  g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_CONFIG, "%s",
               reason[0] != '\0' ? reason : curl_easy_strerror (code));
  return FALSE;
}

/* Sleeps @seconds unless the mailer stops meanwhile: FALSE then. */
static gboolean
pause_before_retry (TallyMailer *self,
                    guint        seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  gboolean stopping;

  g_mutex_lock (&self->lock);
  while (!self->stopping && g_cond_wait_until (&self->stop_cond, &self->lock, end))
    ;
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  return !stopping;
}

typedef struct
{
  TallyMetrics *metrics;
  const char   *outcome;
} Outcome;

static gboolean
count_outcome (gpointer data)
{
  Outcome *outcome = data;

  tally_metrics_count (outcome->metrics, "tally_emails_total", "outcome", outcome->outcome);
  return G_SOURCE_REMOVE;
}

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_object_unref (outcome->metrics);
  g_free (outcome);
}

/* Metrics belong to the main thread. */
static void
report (TallyMailer *self,
        const char  *outcome_name)
{
  Outcome *outcome = g_new0 (Outcome, 1);

  outcome->metrics = g_object_ref (self->metrics);
  outcome->outcome = outcome_name;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, count_outcome, outcome,
                              outcome_free);
}

static void
deliver (gpointer data,
         gpointer user_data)
{
  MailJob *job = data;
  TallyMailer *self = user_data;
  guint backoff = FIRST_BACKOFF_SECONDS;

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *attempts = NULL;

      if (send_once (self, job, &error))
        {
          tally_log_event ("email_sent", "message_id", job->message_id, NULL);
          report (self, "sent");
          break;
        }

      attempts = g_strdup_printf ("%u", attempt);
      tally_log_event ("email_attempt_failed", "message_id", job->message_id,
                       "attempt", attempts, "reason", error->message, NULL);
      if (attempt >= MAX_ATTEMPTS || !pause_before_retry (self, backoff))
        {
          tally_log_warning ("email_failed", error->message);
          report (self, "failed");
          break;
        }
      backoff *= 2;
    }

  mail_job_free (job);
}

/* --- the object --- */

static void
tally_mailer_dispose (GObject *object)
{
  TallyMailer *self = (TallyMailer *) object;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->stop_cond);
  g_mutex_unlock (&self->lock);
  /* What is queued still gets its attempt; no retries now. */
  if (self->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
  g_clear_object (&self->metrics);

  G_OBJECT_CLASS (tally_mailer_parent_class)->dispose (object);
}

static void
tally_mailer_finalize (GObject *object)
{
  TallyMailer *self = (TallyMailer *) object;

  g_free (self->url);
  g_free (self->from);
  g_free (self->username);
  /* The password leaves no copy behind in freed memory. */
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->stop_cond);

  G_OBJECT_CLASS (tally_mailer_parent_class)->finalize (object);
}

static void
tally_mailer_class_init (TallyMailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_mailer_dispose;
  object_class->finalize = tally_mailer_finalize;
}

static void
tally_mailer_init (TallyMailer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->stop_cond);
}

static gboolean
check_config (const TallyConfig  *config,
              GError            **error)
{
  g_autoptr(GUri) uri = g_uri_parse (config->smtp_url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (g_strcmp0 (scheme, "smtp") != 0 && g_strcmp0 (scheme, "smtps") != 0)
    {
      g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_CONFIG,
                   "[smtp] url must be smtp://HOST:PORT or smtps://HOST:PORT");
      return FALSE;
    }
  if (!tally_mail_address_is_valid (config->smtp_from))
    {
      g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_CONFIG,
                   "[smtp] from must be the sender's address (--smtp-from) when url is set");
      return FALSE;
    }

  return TRUE;
}

TallyMailer *
tally_mailer_new (const TallyConfig  *config,
                  TallyMetrics       *metrics,
                  GError            **error)
{
  static gsize curl_ready = 0;
  g_autoptr(TallyMailer) self = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (TALLY_IS_METRICS (metrics), NULL);

  self = g_object_new (TALLY_TYPE_MAILER, NULL);
  self->metrics = g_object_ref (metrics);
  if (config->smtp_url == NULL || config->smtp_url[0] == '\0')
    return g_steal_pointer (&self);
  if (!check_config (config, error))
    return NULL;

  /* curl_global_init is not thread-safe: once, before any thread. */
  if (g_once_init_enter (&curl_ready))
    g_once_init_leave (&curl_ready, curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : 2);

  self->url = g_strdup (config->smtp_url);
  self->from = g_strdup (config->smtp_from);
  self->username = g_strdup (config->smtp_username);
  self->password = g_strdup (config->smtp_password);
  self->starttls = config->smtp_starttls;
  self->context = g_main_context_ref_thread_default ();
  self->pool = g_thread_pool_new (deliver, self, 1, FALSE, error);
  if (self->pool == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
tally_mailer_is_enabled (TallyMailer *self)
{
  g_return_val_if_fail (TALLY_IS_MAILER (self), FALSE);

  return self->pool != NULL;
}

gboolean
tally_mailer_send_full (TallyMailer      *self,
                        const char       *to_address,
                        const char       *to_name,
                        const TallyMail  *mail,
                        GError          **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *uuid = g_uuid_string_random ();
  const char *domain;
  MailJob *job;

  g_return_val_if_fail (TALLY_IS_MAILER (self), FALSE);

  if (self->pool == NULL)
    {
      g_set_error (error, TALLY_MAILER_ERROR, TALLY_MAILER_ERROR_CONFIG, "Email is off");
      return FALSE;
    }

  domain = strchr (self->from, '@') + 1;
  job = g_new0 (MailJob, 1);
  job->to = g_strdup (to_address);
  job->message_id = g_strdup_printf ("%s@%s", uuid, domain);
  job->message = tally_mail_format_full (self->from, to_address, to_name, mail, now,
                                         job->message_id, error);
  if (job->message == NULL)
    {
      mail_job_free (job);
      return FALSE;
    }

  tally_log_event ("email_queued", "message_id", job->message_id, NULL);
  return g_thread_pool_push (self->pool, job, error);
}

gboolean
tally_mailer_send (TallyMailer  *self,
                   const char   *to_address,
                   const char   *to_name,
                   const char   *subject,
                   const char   *body,
                   GError      **error)
{
  TallyMail mail = { subject, body, NULL, NULL };

  return tally_mailer_send_full (self, to_address, to_name, &mail, error);
}
