/* tally-webhooks.c: outgoing webhooks: URL checks, signing, and the
 * delivery worker that empties the outbox
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "tally-api-json.h"
#include "tally-auth.h"
#include "tally-json-decode.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-webhooks.h"

/* Deliveries sent at once, and looked up per poll. */
#define MAX_IN_FLIGHT   16
#define POLL_SECONDS    1
#define TIMEOUT_SECONDS 15
/* The longest pause between two attempts, in seconds. */
#define MAX_PAUSE       3600

struct _TallyWebhooks
{
  GObject       parent_instance;

  TallyServer  *server;
  SoupSession  *session;
  /* Each delivery being sent or recorded, by its seq. */
  GHashTable   *in_flight;
  gboolean      stopping;
  guint         poll_source;
  guint         kick_source;
};

G_DEFINE_FINAL_TYPE (TallyWebhooks, tally_webhooks, G_TYPE_OBJECT)

G_DEFINE_QUARK (tally-webhooks-error-quark, tally_webhooks_error)

/* --- addresses and URLs --- */

static gboolean
ipv4_is_public (const guint8 *b)
{
  /* 0/8 "this network", 100.64/10 shared (carrier NAT), 240/4 reserved
   * and broadcast: none reaches a receiver on the internet. */
  return b[0] != 0 && !(b[0] == 100 && (b[1] & 0xc0) == 64) && b[0] < 240;
}

gboolean
tally_webhook_address_is_allowed (GInetAddress *address,
                                  gboolean      allow_private)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (allow_private)
    return TRUE;
  if (g_inet_address_get_is_loopback (address) || g_inet_address_get_is_link_local (address) ||
      g_inet_address_get_is_site_local (address) || g_inet_address_get_is_any (address) ||
      g_inet_address_get_is_multicast (address))
    return FALSE;

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return ipv4_is_public (bytes);

  /* fc00::/7, unique local: IPv6's private range. */
  if ((bytes[0] & 0xfe) == 0xfc)
    return FALSE;
  /* ::ffff:a.b.c.d reaches the IPv4 address: judge that one. */
  if (memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    {
      g_autoptr(GInetAddress) v4 = g_inet_address_new_from_bytes (bytes + 12,
                                                                  G_SOCKET_FAMILY_IPV4);

      return tally_webhook_address_is_allowed (v4, FALSE);
    }

  return TRUE;
}

static void
refuse_url (GTask      *task,
            const char *message)
{
  g_task_return_new_error (task, TALLY_WEBHOOKS_ERROR, TALLY_WEBHOOKS_ERROR_URL, "%s", message);
}

static gboolean
all_allowed (GList *addresses)
{
  if (addresses == NULL)
    return FALSE;

  for (GList *l = addresses; l != NULL; l = l->next)
    if (!tally_webhook_address_is_allowed (l->data, FALSE))
      return FALSE;

  return TRUE;
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autolist(GInetAddress) addresses = NULL;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, NULL);
  if (addresses == NULL)
    refuse_url (task, "The url’s host name cannot be resolved");
  else if (!all_allowed (addresses))
    refuse_url (task, "The url is on a loopback, link-local or private address");
  else
    g_task_return_boolean (task, TRUE);
}

/* The scheme and the parts; NULL with the reason in @why. */
static GUri *
parse_url (const char  *url,
           const char **why)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  *why = "The url must be an http or https URL";
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return NULL;

  *why = "The url may not hold a user name or password";
  if (g_uri_get_userinfo (uri) != NULL)
    return NULL;

  return g_steal_pointer (&uri);
}

void
tally_webhooks_check_url_async (TallyWebhooks       *self,
                                const char          *url,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  TallyConfig *config = tally_server_get_config (self->server);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) literal = NULL;
  const char *why;
  const char *host;

  uri = parse_url (url, &why);
  if (uri == NULL)
    {
      refuse_url (task, why);
      return;
    }
  if (config->webhooks_allow_private)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  host = g_uri_get_host (uri);
  literal = g_inet_address_new_from_string (host);
  if (literal != NULL && !tally_webhook_address_is_allowed (literal, FALSE))
    refuse_url (task, "The url is on a loopback, link-local or private address");
  else if (literal != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_resolver_lookup_by_name_async (g_resolver_get_default (), host, NULL, on_resolved,
                                     g_steal_pointer (&task));
}

gboolean
tally_webhooks_check_url_finish (TallyWebhooks  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- creating and deleting --- */

/* The ledger's clock, which the tests may shift. */
static gint64
store_now (TallyWebhooks *self)
{
  return tally_rules_store_now (tally_server_get_rules_store (self->server));
}

gboolean
tally_webhooks_create (TallyWebhooks    *self,
                       const TallyUser  *user,
                       TallyWebhook     *webhook,
                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_WEBHOOKS (self), FALSE);

  webhook->created_at = store_now (self);
  return tally_api_store_insert_webhook (tally_server_get_store (self->server), webhook, error) &&
         tally_audit_record (tally_server_get_audit (self->server), user, "webhook.created",
                             webhook->id, "ok", tally_audit_details ("s", "url", webhook->url),
                             error);
}

gboolean
tally_webhooks_delete (TallyWebhooks    *self,
                       const TallyUser  *user,
                       const char       *id,
                       gboolean         *found,
                       GError          **error)
{
  g_return_val_if_fail (TALLY_IS_WEBHOOKS (self), FALSE);

  if (!tally_api_store_delete_webhook (tally_server_get_store (self->server), user->id, id, found,
                                       error))
    return FALSE;

  return !*found || tally_audit_record (tally_server_get_audit (self->server), user,
                                        "webhook.deleted", id, "ok", NULL, error);
}

/* --- signing --- */

char *
tally_webhook_secret_new (void)
{
  g_autofree char *token = tally_token_new ();

  return g_strconcat ("whsec_", token, NULL);
}

char *
tally_webhook_signature (const char *secret,
                         gint64      unix_time,
                         const char *body)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  g_autofree char *stamp = g_strdup_printf ("%" G_GINT64_FORMAT, unix_time);

  g_hmac_update (hmac, (const guchar *) stamp, -1);
  g_hmac_update (hmac, (const guchar *) ".", 1);
  g_hmac_update (hmac, (const guchar *) body, -1);
  return g_strdup_printf ("t=%s,v1=%s", stamp, g_hmac_get_string (hmac));
}

/* --- the outbox --- */

gboolean
tally_webhooks_enqueue (TallyWebhooks  *self,
                        const char     *user_id,
                        const char     *event_id,
                        const char     *type,
                        gint64          created_at,
                        JsonObject     *data,
                        GError        **error)
{
  g_autoptr(JsonObject) event = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *body = NULL;

  g_return_val_if_fail (TALLY_IS_WEBHOOKS (self), FALSE);

  json_object_set_string_member (event, "id", event_id);
  json_object_set_string_member (event, "type", type);
  tally_api_set_time (event, "created_at", created_at);
  tally_api_set_object (event, "data", json_object_ref (data));
  json_node_set_object (node, event);
  body = tally_json_to_string (node);

  return tally_api_store_enqueue_deliveries (tally_server_get_store (self->server), user_id,
                                             event_id, type, body, store_now (self), error);
}

/* --- delivering --- */

typedef struct
{
  TallyWebhooks       *self;
  TallyDelivery        delivery;
  GCancellable        *cancellable;
  /* What the attempt came to, recorded by the writer. */
  TallyDeliveryStatus  status;
  guint                response_status;
  gint64               attempted_at;
  gint64               next_attempt_at;
  gboolean             refused_address;
} Attempt;

static void
attempt_free (gpointer data)
{
  Attempt *attempt = data;

  g_hash_table_remove (attempt->self->in_flight, &attempt->delivery.seq);
  tally_delivery_clear (&attempt->delivery);
  g_clear_object (&attempt->cancellable);
  g_object_unref (attempt->self);
  g_free (attempt);
}

/* base × 2^(n - 1), at most MAX_PAUSE, and "equal jitter": half of it
 * fixed, half random, so that many receivers back at once are not all
 * called again in the same second. In microseconds. */
static gint64
pause_after (TallyWebhooks *self,
             gint64         attempts)
{
  gint64 base = tally_server_get_config (self->server)->webhooks_retry_base;
  gint64 pause = base;

  for (gint64 i = 1; i < attempts && pause < MAX_PAUSE; i++)
    pause *= 2;
  pause = MIN (pause, MAX_PAUSE) * G_USEC_PER_SEC;

  return pause / 2 + g_random_int_range (0, (gint32) MIN (pause / 2, G_MAXINT32 - 1) + 1);
}

static gboolean
record_write (gpointer   data,
              GError   **error)
{
  Attempt *attempt = data;

  return tally_api_store_record_attempt (tally_server_get_store (attempt->self->server),
                                         attempt->delivery.seq, attempt->status,
                                         attempt->response_status, attempt->attempted_at,
                                         attempt->next_attempt_at, error);
}

static void
record_done (gpointer      data,
             const GError *error)
{
  Attempt *attempt = data;
  static const char * const outcomes[] = { "retry", "delivered", "failed" };

  if (error != NULL)
    {
      tally_log_warning ("webhook_record_failed", error->message);
      return;
    }

  tally_metrics_count (tally_server_get_metrics (attempt->self->server),
                       "tally_webhook_deliveries_total", "outcome", outcomes[attempt->status]);
}

static void
finish_attempt (Attempt *attempt,
                guint    status)
{
  TallyWebhooks *self = attempt->self;
  gint64 now = store_now (self);
  gint64 retry_for = tally_server_get_config (self->server)->webhooks_retry_for;

  attempt->response_status = status;
  attempt->attempted_at = now;
  attempt->next_attempt_at = now;
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    attempt->status = TALLY_DELIVERY_DELIVERED;
  else if (now - attempt->delivery.created_at >= retry_for * G_USEC_PER_SEC)
    attempt->status = TALLY_DELIVERY_FAILED;
  else
    {
      attempt->status = TALLY_DELIVERY_PENDING;
      attempt->next_attempt_at = now + pause_after (self, attempt->delivery.attempts + 1);
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    tally_log_event ("webhook_attempt_failed", "event", attempt->delivery.event_id,
                     "webhook", attempt->delivery.webhook_id,
                     "reason", attempt->refused_address ? "address not allowed"
                                                        : status > 0 ? "status" : "no answer",
                     NULL);

  tally_writer_submit (tally_server_get_writer (self->server), record_write, record_done,
                       attempt, attempt_free);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Attempt *attempt = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  /* Stopping: the delivery stays due, for the next start. */
  if (attempt->self->stopping)
    {
      attempt_free (attempt);
      return;
    }

  finish_attempt (attempt, answer != NULL && msg != NULL ? soup_message_get_status (msg) : 0);
}

/* Checked again where the connection really goes: a name that resolved
 * to a public address when the webhook was made may not any more. */
static void
on_network_event (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  Attempt            *attempt)
{
  g_autoptr(GSocketAddress) remote = NULL;

  if (event != G_SOCKET_CLIENT_CONNECTED || !G_IS_SOCKET_CONNECTION (connection))
    return;

  remote = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (connection), NULL);
  if (G_IS_INET_SOCKET_ADDRESS (remote) &&
      !tally_webhook_address_is_allowed (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)), FALSE))
    {
      attempt->refused_address = TRUE;
      g_cancellable_cancel (attempt->cancellable);
    }
}

static void
send_delivery (TallyWebhooks       *self,
               const TallyDelivery *delivery)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", delivery->url);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *signature = NULL;
  Attempt *attempt = g_new0 (Attempt, 1);

  attempt->self = g_object_ref (self);
  attempt->delivery = *delivery;
  attempt->delivery.type = g_strdup (delivery->type);
  attempt->delivery.body = g_strdup (delivery->body);
  attempt->delivery.url = g_strdup (delivery->url);
  attempt->delivery.secret = g_strdup (delivery->secret);
  attempt->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->in_flight, &attempt->delivery.seq, attempt);

  if (msg == NULL)
    {
      finish_attempt (attempt, 0);
      return;
    }

  signature = tally_webhook_signature (delivery->secret, store_now (self) / G_USEC_PER_SEC,
                                       delivery->body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Tally-Signature",
                                signature);
  body = g_bytes_new (delivery->body, strlen (delivery->body));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  if (!tally_server_get_config (self->server)->webhooks_allow_private)
    g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), attempt);

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, attempt->cancellable,
                                    on_sent, attempt);
}

static void
poll_due (TallyWebhooks *self)
{
  g_autoptr(GArray) due = NULL;
  g_autoptr(GError) error = NULL;
  guint room = MAX_IN_FLIGHT - MIN (MAX_IN_FLIGHT, g_hash_table_size (self->in_flight));

  if (room == 0)
    return;

  due = tally_api_store_due_deliveries (tally_server_get_store (self->server), store_now (self),
                                        MAX_IN_FLIGHT * 2, &error);
  if (due == NULL)
    {
      tally_log_warning ("webhook_poll_failed", error->message);
      return;
    }

  for (guint i = 0; i < due->len && room > 0; i++)
    {
      const TallyDelivery *delivery = &g_array_index (due, TallyDelivery, i);

      if (g_hash_table_contains (self->in_flight, &delivery->seq))
        continue;
      send_delivery (self, delivery);
      room--;
    }
}

static gboolean
poll_cb (gpointer data)
{
  poll_due (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
kick_cb (gpointer data)
{
  TallyWebhooks *self = data;

  self->kick_source = 0;
  poll_due (self);
  return G_SOURCE_REMOVE;
}

void
tally_webhooks_kick (TallyWebhooks *self)
{
  g_return_if_fail (TALLY_IS_WEBHOOKS (self));

  if (self->kick_source == 0)
    self->kick_source = g_idle_add (kick_cb, self);
}

static void
tally_webhooks_dispose (GObject *object)
{
  TallyWebhooks *self = (TallyWebhooks *) object;

  GHashTableIter iter;
  gpointer attempt;

  /* What is being sent stays due in the outbox, for the next start. */
  self->stopping = TRUE;
  g_hash_table_iter_init (&iter, self->in_flight);
  while (g_hash_table_iter_next (&iter, NULL, &attempt))
    g_cancellable_cancel (((Attempt *) attempt)->cancellable);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->kick_source, g_source_remove);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tally_webhooks_parent_class)->dispose (object);
}

static void
tally_webhooks_finalize (GObject *object)
{
  TallyWebhooks *self = (TallyWebhooks *) object;

  g_hash_table_unref (self->in_flight);

  G_OBJECT_CLASS (tally_webhooks_parent_class)->finalize (object);
}

static void
tally_webhooks_class_init (TallyWebhooksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_webhooks_dispose;
  object_class->finalize = tally_webhooks_finalize;
}

static void
tally_webhooks_init (TallyWebhooks *self)
{
  self->in_flight = g_hash_table_new (g_int64_hash, g_int64_equal);
}

TallyWebhooks *
tally_webhooks_new (TallyServer *server)
{
  TallyWebhooks *self = g_object_new (TALLY_TYPE_WEBHOOKS, NULL);

  self->server = server;
  /* No proxy from the environment: the address checked is the one
   * connected to. */
  self->session = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                                 "user-agent", "tally-server/" PACKAGE_VERSION,
                                                 "proxy-resolver", NULL, NULL);
  self->poll_source = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
  return self;
}
