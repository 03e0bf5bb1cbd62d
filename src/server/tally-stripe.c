/* tally-stripe.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tally-currency.h"
#include "tally-json-decode.h"
#include "tally-log.h"
#include "tally-stripe.h"

/* Attempts per call, and the first backoff; each retry doubles it, plus
 * up to as much again of jitter so that many servers do not retry in
 * step. */
#define MAX_ATTEMPTS     4
#define BACKOFF_MS       100
#define TIMEOUT_SECONDS  20

G_DEFINE_QUARK (tally-stripe-error-quark, tally_stripe_error)

#define SHA256_HEX_LEN 64

static char *
signature_hex (const char *secret,
               const char *timestamp,
               const char *payload,
               gsize       length)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret,
                                      strlen (secret));

  g_hmac_update (hmac, (const guchar *) timestamp, strlen (timestamp));
  g_hmac_update (hmac, (const guchar *) ".", 1);
  g_hmac_update (hmac, (const guchar *) payload, length);
  return g_strdup (g_hmac_get_string (hmac));
}

char *
tally_stripe_sign (const char *secret,
                   gint64      timestamp,
                   const char *payload,
                   gsize       length)
{
  g_autofree char *t = g_strdup_printf ("%" G_GINT64_FORMAT, timestamp);
  g_autofree char *v1 = signature_hex (secret, t, payload, length);

  return g_strdup_printf ("t=%s,v1=%s", t, v1);
}

static gboolean
parse_timestamp (const char *text,
                 gint64     *timestamp)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;

  *timestamp = (gint64) value;
  return TRUE;
}

/* Every v1 is compared, so a secret being rolled (Stripe then signs with
 * both) still verifies; the other schemes are ignored, as Stripe says. */
gboolean
tally_stripe_verify_signature (const char *header,
                               const char *secret,
                               const char *payload,
                               gsize       length,
                               gint64      now)
{
  g_auto(GStrv) items = NULL;
  g_autofree char *expected = NULL;
  const char *t = NULL;
  gint64 timestamp;
  gboolean valid = FALSE;

  if (header == NULL || secret == NULL || secret[0] == '\0' || strlen (header) > 4096)
    return FALSE;

  items = g_strsplit (header, ",", 64);
  for (guint i = 0; items[i] != NULL; i++)
    {
      if (g_str_has_prefix (items[i], "t="))
        t = items[i] + 2;
    }
  if (t == NULL || !parse_timestamp (t, &timestamp))
    return FALSE;
  if (timestamp < now - TALLY_STRIPE_TOLERANCE || timestamp > now + TALLY_STRIPE_TOLERANCE)
    return FALSE;

  expected = signature_hex (secret, t, payload, length);
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *v1;

      if (!g_str_has_prefix (items[i], "v1="))
        continue;

      v1 = items[i] + 3;
      if (strlen (v1) == SHA256_HEX_LEN && sodium_memcmp (v1, expected, SHA256_HEX_LEN) == 0)
        valid = TRUE;
    }

  return valid;
}

struct _TallyStripeClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *api_base;
  char        *secret_key;
};

G_DEFINE_FINAL_TYPE (TallyStripeClient, tally_stripe_client, G_TYPE_OBJECT)

static void
tally_stripe_client_finalize (GObject *object)
{
  TallyStripeClient *self = (TallyStripeClient *) object;

  g_clear_object (&self->session);
  g_free (self->api_base);
  if (self->secret_key != NULL)
    sodium_memzero (self->secret_key, strlen (self->secret_key));
  g_free (self->secret_key);

  G_OBJECT_CLASS (tally_stripe_client_parent_class)->finalize (object);
}

static void
tally_stripe_client_class_init (TallyStripeClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_stripe_client_finalize;
}

static void
tally_stripe_client_init (TallyStripeClient *self)
{
}

TallyStripeClient *
tally_stripe_client_new (const char *api_base,
                         const char *secret_key)
{
  TallyStripeClient *self = g_object_new (TALLY_TYPE_STRIPE_CLIENT, NULL);
  gsize length = strlen (api_base);

  /* "https://api.stripe.com/" and "https://api.stripe.com" alike. */
  while (length > 0 && api_base[length - 1] == '/')
    length--;
  self->api_base = g_strndup (api_base, length);
  self->secret_key = g_strdup (secret_key);
  self->session = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                                 "user-agent", "tally-server/" PACKAGE_VERSION,
                                                 NULL);
  return self;
}

typedef struct
{
  char   *url;
  GBytes *form;
  char   *idempotency_key;
  guint   attempt;
  guint   timeout_source;
} PostCall;

static void
post_call_free (gpointer data)
{
  PostCall *call = data;

  g_clear_handle_id (&call->timeout_source, g_source_remove);
  g_free (call->url);
  g_clear_pointer (&call->form, g_bytes_unref);
  g_free (call->idempotency_key);
  g_free (call);
}

static void send_attempt (GTask *task);

static gboolean
retry_now (gpointer data)
{
  GTask *task = data;
  PostCall *call = g_task_get_task_data (task);

  call->timeout_source = 0;
  send_attempt (task);
  return G_SOURCE_REMOVE;
}

/* Retries later, or fails the call when the attempts are spent. The task
 * keeps its own reference while it waits. */
static void
retry_or_fail (GTask      *task,
               const char *why)
{
  PostCall *call = g_task_get_task_data (task);
  guint delay;

  if (call->attempt >= MAX_ATTEMPTS)
    {
      g_task_return_new_error (task, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_UNAVAILABLE,
                               "Stripe is unavailable (%s); try again later", why);
      g_object_unref (task);
      return;
    }

  delay = (BACKOFF_MS << (call->attempt - 1));
  delay += g_random_int_range (0, (gint32) delay + 1);
  tally_log_event ("stripe_retry", "reason", why, NULL);
  call->timeout_source = g_timeout_add (delay, retry_now, task);
}

/* Stripe's {"error": {"type", "message", ...}}, as a GError. */
static void
return_stripe_error (GTask      *task,
                     guint       status,
                     JsonObject *answer)
{
  JsonObject *error = NULL;
  const char *message = NULL, *type = NULL;

  if (answer != NULL && json_object_has_member (answer, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "error")))
    error = json_object_get_object_member (answer, "error");
  if (error != NULL)
    {
      message = json_object_get_string_member_with_default (error, "message", NULL);
      type = json_object_get_string_member_with_default (error, "type", NULL);
    }

  g_task_return_new_error (task, TALLY_STRIPE_ERROR,
                           status == 402 && g_strcmp0 (type, "card_error") == 0
                           ? TALLY_STRIPE_ERROR_DECLINED : TALLY_STRIPE_ERROR_FAILED,
                           "Stripe refused the request (HTTP %u): %s", status,
                           message != NULL ? message : "no message");
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(GTask) task = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               &error);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *why = NULL;
  const char *body;
  gsize length;
  guint status;

  if (bytes == NULL)
    {
      retry_or_fail (g_steal_pointer (&task), error->message);
      return;
    }

  status = soup_message_get_status (msg);
  if (status == 429 || status >= 500)
    {
      why = g_strdup_printf ("HTTP %u", status);
      retry_or_fail (g_steal_pointer (&task), why);
      return;
    }

  body = g_bytes_get_data (bytes, &length);
  answer = tally_json_parse_object (body != NULL ? body : "", length, &problem);
  if (status < 200 || status >= 300 || answer == NULL)
    {
      return_stripe_error (task, status, answer);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&answer), (GDestroyNotify) json_object_unref);
}

/* @task: (transfer full) */
static void
send_attempt (GTask *task)
{
  TallyStripeClient *self = g_task_get_source_object (task);
  PostCall *call = g_task_get_task_data (task);
  /* Without a form, a GET: it changes nothing, so it needs no key. */
  g_autoptr(SoupMessage) msg = soup_message_new (call->form != NULL ? "POST" : "GET",
                                                 call->url);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", self->secret_key);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  call->attempt++;
  soup_message_headers_replace (headers, "Authorization", bearer);
  if (call->form != NULL)
    {
      soup_message_headers_replace (headers, "Idempotency-Key", call->idempotency_key);
      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded",
                                                call->form);
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent,
                                    task);
}

void
tally_stripe_client_post (TallyStripeClient   *self,
                          const char          *path,
                          GHashTable          *form,
                          const char          *idempotency_key,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  PostCall *call;
  char *encoded;

  g_return_if_fail (TALLY_IS_STRIPE_CLIENT (self));

  task = g_task_new (self, NULL, callback, user_data);
  call = g_new0 (PostCall, 1);
  call->url = g_strconcat (self->api_base, path, NULL);
  encoded = soup_form_encode_hash (form);
  call->form = g_bytes_new_take (encoded, strlen (encoded));
  call->idempotency_key = g_strdup (idempotency_key);
  g_task_set_task_data (task, call, post_call_free);

  if (g_uri_is_valid (call->url, G_URI_FLAGS_NONE, NULL))
    {
      send_attempt (task);
      return;
    }

  g_task_return_new_error (task, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                           "The Stripe API address is not a URL");
  g_object_unref (task);
}

void
tally_stripe_client_get (TallyStripeClient   *self,
                         const char          *path,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  PostCall *call;

  g_return_if_fail (TALLY_IS_STRIPE_CLIENT (self));

  task = g_task_new (self, NULL, callback, user_data);
  call = g_new0 (PostCall, 1);
  call->url = g_strconcat (self->api_base, path, NULL);
  g_task_set_task_data (task, call, post_call_free);

  if (g_uri_is_valid (call->url, G_URI_FLAGS_NONE, NULL))
    {
      send_attempt (task);
      return;
    }

  g_task_return_new_error (task, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                           "The Stripe API address is not a URL");
  g_object_unref (task);
}

JsonObject *
tally_stripe_client_post_finish (TallyStripeClient  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
tally_stripe_client_checkout_finish (TallyStripeClient  *self,
                                     GAsyncResult       *result,
                                     char               *id,
                                     gsize               id_size,
                                     GError            **error)
{
  g_autoptr(JsonObject) session = tally_stripe_client_post_finish (self, result, error);
  const char *session_id, *url;

  if (session == NULL)
    return NULL;

  session_id = json_object_get_string_member_with_default (session, "id", NULL);
  url = json_object_get_string_member_with_default (session, "url", NULL);
  if (session_id == NULL || url == NULL || strlen (session_id) >= id_size)
    {
      g_set_error (error, TALLY_STRIPE_ERROR, TALLY_STRIPE_ERROR_FAILED,
                   "Stripe's checkout session has no id or url");
      return NULL;
    }

  g_strlcpy (id, session_id, id_size);
  return g_strdup (url);
}

void
tally_stripe_form_set (GHashTable *form,
                       const char *name,
                       char       *value)
{
  g_hash_table_insert (form, (gpointer) name, value);
}

char *
tally_stripe_amount (gint64      amount,
                     const char *currency)
{
  gint64 stripe_amount = amount;

  if (!tally_currency_to_stripe (amount, currency, &stripe_amount))
    g_critical ("%" G_GINT64_FORMAT " %s cannot be charged at Stripe exactly", amount, currency);
  return g_strdup_printf ("%" G_GINT64_FORMAT, stripe_amount);
}
