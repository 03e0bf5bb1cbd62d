/* tally-client.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tally-client.h"

/* Between two attempts to reach the event stream again. */
#define RECONNECT_SECONDS 5

struct _TallyClient
{
  GObject                  parent_instance;

  SoupSession             *session;
  char                    *server_url;
  /* Hosts the user allowed plain http for. */
  GStrv                    insecure_hosts;
  char                    *token;
  SoupWebsocketConnection *events;
  GCancellable            *events_cancellable;
  guint                    reconnect_source;
  gboolean                 want_events;
};

G_DEFINE_FINAL_TYPE (TallyClient, tally_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (tally-client-error-quark, tally_client_error)

gpointer
tally_client_invalid_reply (GError     **error,
                            const char  *message)
{
  g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY, message);
  return NULL;
}

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_TOKEN,
  PROP_EVENTS_CONNECTED,
  N_PROPS
};

enum {
  EVENT,
  UNREACHABLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
tally_client_dispose (GObject *object)
{
  TallyClient *self = (TallyClient *) object;

  tally_client_disconnect_events (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tally_client_parent_class)->dispose (object);
}

static void
tally_client_finalize (GObject *object)
{
  TallyClient *self = (TallyClient *) object;

  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->insecure_hosts, g_strfreev);
  g_clear_pointer (&self->token, g_free);

  G_OBJECT_CLASS (tally_client_parent_class)->finalize (object);
}

static void
tally_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TallyClient *self = TALLY_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_EVENTS_CONNECTED:
      g_value_set_boolean (value, self->events != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_client_class_init (TallyClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_client_dispose;
  object_class->finalize = tally_client_finalize;
  object_class->get_property = tally_client_get_property;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EVENTS_CONNECTED] =
    g_param_spec_boolean ("events-connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TallyClient::event:
   * @message: the event's JSON object; "type" says which
   */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  /**
   * TallyClient::unreachable:
   *
   * A call failed because the server could not be reached: the app may
   * be offline.
   */
  signals[UNREACHABLE] = g_signal_new ("unreachable", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tally_client_init (TallyClient *self)
{
  /* Accept-Language from the user's languages: the server words its
   * errors, which the app shows, in the first one it has. */
  self->session = soup_session_new_with_options ("timeout", 30,
                                                 "user-agent", "tally/" PACKAGE_VERSION,
                                                 "accept-language-auto", TRUE,
                                                 NULL);
}

const char *
tally_client_get_server_url (TallyClient *self)
{
  g_return_val_if_fail (TALLY_IS_CLIENT (self), NULL);

  return self->server_url;
}

/* Loopback traffic never leaves the computer, so plain http there cannot
 * be read or changed on the way. */
static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  /* GUri gives an IPv6 literal without its brackets. */
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
insecure_allowed (TallyClient *self,
                  const char  *host)
{
  for (guint i = 0; self->insecure_hosts != NULL && self->insecure_hosts[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->insecure_hosts[i], host) == 0)
      return TRUE;
  return FALSE;
}

/* Passwords, tokens and payments go over this connection: anywhere but
 * this computer it is https, unless the user allowed http for the host. */
static gboolean
check_transport (TallyClient  *self,
                 const char   *server_url,
                 GError      **error)
{
  g_autoptr(GUri) uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || host == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ||
      is_loopback_host (host) || insecure_allowed (self, host))
    return TRUE;

  g_set_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INSECURE_ADDRESS,
               _("%s would be reached without encryption: use its https:// address, or "
                 "allow http for this server in the “allow-insecure-servers” setting"), host);
  return FALSE;
}

void
tally_client_set_insecure_hosts (TallyClient        *self,
                                 const char * const *hosts)
{
  g_return_if_fail (TALLY_IS_CLIENT (self));

  g_strfreev (self->insecure_hosts);
  self->insecure_hosts = g_strdupv ((GStrv) hosts);
}

/* Only http and https URLs with a host. */
static gboolean
check_address (const char  *server_url,
               GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = server_url ? g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL) : NULL;
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    {
      g_set_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a server address; it looks like http://127.0.0.1:8470"),
                   server_url ? server_url : "");
      return FALSE;
    }
  return TRUE;
}

/* Without a trailing slash. */
static void
store_server_url (TallyClient *self,
                  const char  *server_url)
{
  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  while (g_str_has_suffix (self->server_url, "/"))
    self->server_url[strlen (self->server_url) - 1] = '\0';
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
}

/* http only to this computer or a host the user allowed. */
gboolean
tally_client_set_server_url (TallyClient  *self,
                             const char   *server_url,
                             GError      **error)
{
  g_return_val_if_fail (TALLY_IS_CLIENT (self), FALSE);

  if (!check_address (server_url, error) || !check_transport (self, server_url, error))
    return FALSE;
  store_server_url (self, server_url);
  return TRUE;
}

TallyClient *
tally_client_new (const char *server_url)
{
  TallyClient *self = g_object_new (TALLY_TYPE_CLIENT, NULL);

  /* An address kept in the settings is kept even over plain http: every
   * call checks the transport (see send_request()), and fails with words
   * the sign-in page shows. */
  if (check_address (server_url, NULL))
    store_server_url (self, server_url);
  return self;
}

const char *
tally_client_get_token (TallyClient *self)
{
  g_return_val_if_fail (TALLY_IS_CLIENT (self), NULL);

  return self->token;
}

void
tally_client_set_token (TallyClient *self,
                        const char  *token)
{
  g_return_if_fail (TALLY_IS_CLIENT (self));

  if (g_strcmp0 (self->token, token) == 0)
    return;

  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

static char *
request_url (TallyClient *self,
             const char  *path)
{
  return g_strconcat (self->server_url, path, NULL);
}

static SoupMessage *
build_message (TallyClient *self,
               const char  *method,
               const char  *path,
               JsonObject  *body)
{
  g_autofree char *url = request_url (self, path);
  SoupMessage *msg = soup_message_new (method, url);

  if (msg == NULL)
    return NULL;

  if (self->token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", self->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }

  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(GBytes) bytes = NULL;
      gsize length;
      char *text;

      json_node_set_object (node, body);
      json_generator_set_root (generator, node);
      text = json_generator_to_data (generator, &length);
      bytes = g_bytes_new_take (text, length);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

typedef struct
{
  SoupMessage *msg;
  char        *error_code;
  JsonObject  *problem;
} CallData;

static void
call_data_free (CallData *data)
{
  g_clear_object (&data->msg);
  g_free (data->error_code);
  g_clear_pointer (&data->problem, json_object_unref);
  g_free (data);
}

static JsonObject *
parse_object (GBytes  *bytes,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);
  JsonNode *root;

  if (length == 0)
    return json_object_new ();

  if (!json_parser_load_from_data (parser, text, (gssize) length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent an answer Tally does not understand"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* Turns {"error": {"code", "message"}} into a GError with the server's
 * words, keeping the code for callers that act on it. */
static void
set_server_error (CallData   *data,
                  guint       status,
                  JsonObject *reply,
                  GError    **error)
{
  JsonObject *problem = reply && json_object_has_member (reply, "error")
                        ? json_object_get_object_member (reply, "error") : NULL;
  const char *message = problem ? json_object_get_string_member_with_default (problem, "message",
                                                                              NULL) : NULL;

  data->error_code = g_strdup (problem ? json_object_get_string_member_with_default (problem,
                                                                                     "code", NULL)
                                       : NULL);
  data->problem = problem ? json_object_ref (problem) : NULL;
  if (message == NULL)
    message = soup_status_get_phrase (status);

  g_set_error_literal (error, TALLY_CLIENT_ERROR,
                       status == SOUP_STATUS_UNAUTHORIZED ? TALLY_CLIENT_ERROR_UNAUTHORIZED
                                                          : TALLY_CLIENT_ERROR_SERVER,
                       message ? message : _("The server refused the request"));
}

/* Sends @method @path for @task (whose CallData it sets), handing the
 * task to @sent with the answer; takes @task over. */
static void
send_request (TallyClient         *self,
              GTask               *task,
              const char          *method,
              const char          *path,
              JsonObject          *body,
              GAsyncReadyCallback  sent)
{
  CallData *data = g_new0 (CallData, 1);
  g_autoptr(GError) error = NULL;

  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);
  /* Also for an address kept from before (the app's settings), or when
   * the allowance was taken back since. */
  if (self->server_url != NULL && !check_transport (self, self->server_url, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  data->msg = build_message (self, method, path, body);

  if (data->msg == NULL)
    {
      g_task_return_new_error (task, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_ADDRESS,
                               _("“%s” is not a server address"), self->server_url);
      g_object_unref (task);
      return;
    }

  soup_session_send_and_read_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), sent, task);
}

static void
call_sent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) reply = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (g_task_get_source_object (task), signals[UNREACHABLE], 0);
      g_task_return_new_error (task, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE,
                               _("The server cannot be reached: %s"), error->message);
      return;
    }

  status = soup_message_get_status (data->msg);
  /* No Content: the call succeeded and has nothing to say. */
  if (status == SOUP_STATUS_NO_CONTENT)
    {
      g_task_return_pointer (task, json_object_new (), (GDestroyNotify) json_object_unref);
      return;
    }
  reply = parse_object (bytes, &error);
  if (status >= 200 && status < 300 && reply != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) json_object_unref);
      return;
    }

  if (status >= 200 && status < 300)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_clear_error (&error);
  set_server_error (data, status, reply, &error);
  g_task_return_error (task, g_steal_pointer (&error));
}

void
tally_client_call_async (TallyClient         *self,
                         const char          *method,
                         const char          *path,
                         JsonObject          *body,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TALLY_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_client_call_async);
  send_request (self, task, method, path, body, call_sent);
}

/**
 * tally_client_call_finish:
 * @self: a #TallyClient
 * @result: the result
 * @error_code: (out) (optional): the API's error code, when the server
 *   refused the request
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the reply's JSON object
 */
JsonObject *
tally_client_call_finish (TallyClient   *self,
                          GAsyncResult  *result,
                          char         **error_code,
                          GError       **error)
{
  CallData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (error_code != NULL)
    *error_code = g_strdup (data->error_code);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
fetch_sent (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) reply = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      g_task_return_new_error (task, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE,
                               _("The server cannot be reached: %s"), error->message);
      return;
    }

  status = soup_message_get_status (data->msg);
  if (status >= 200 && status < 300)
    {
      g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
      return;
    }

  /* Refusals are JSON errors like any other call's. */
  reply = parse_object (bytes, NULL);
  set_server_error (data, status, reply, &error);
  g_task_return_error (task, g_steal_pointer (&error));
}

void
tally_client_fetch_async (TallyClient         *self,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TALLY_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_client_fetch_async);
  send_request (self, task, "GET", path, NULL, fetch_sent);
}

/**
 * tally_client_fetch_finish:
 * @self: a #TallyClient
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the answer's body
 */
GBytes *
tally_client_fetch_finish (TallyClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tally_client_fetch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void schedule_reconnect (TallyClient *self);

static void
on_event_message (SoupWebsocketConnection *connection,
                  gint                     type,
                  GBytes                  *message,
                  TallyClient             *self)
{
  g_autoptr(JsonObject) object = NULL;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;

  object = parse_object (message, NULL);
  if (object != NULL && json_object_has_member (object, "type"))
    g_signal_emit (self, signals[EVENT], 0, object);
}

static void
on_events_closed (SoupWebsocketConnection *connection,
                  TallyClient             *self)
{
  g_signal_handlers_disconnect_by_data (connection, self);
  g_clear_object (&self->events);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVENTS_CONNECTED]);
  schedule_reconnect (self);
}

static void
events_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TallyClient *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        schedule_reconnect (self);
      return;
    }

  self->events = connection;
  soup_websocket_connection_set_keepalive_interval (connection, 30);
  g_signal_connect (connection, "message", G_CALLBACK (on_event_message), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_events_closed), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVENTS_CONNECTED]);
}

static void
open_events (TallyClient *self)
{
  g_autoptr(SoupMessage) msg = NULL;

  if (self->events != NULL || self->server_url == NULL ||
      !check_transport (self, self->server_url, NULL))
    return;
  msg = build_message (self, "GET", "/v1/events", NULL);
  if (msg == NULL)
    return;

  g_clear_object (&self->events_cancellable);
  self->events_cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->events_cancellable, events_connected, self);
}

static gboolean
reconnect_cb (gpointer data)
{
  TallyClient *self = data;

  self->reconnect_source = 0;
  if (self->want_events)
    open_events (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (TallyClient *self)
{
  if (self->want_events && self->reconnect_source == 0)
    self->reconnect_source = g_timeout_add_seconds (RECONNECT_SECONDS, reconnect_cb, self);
}

void
tally_client_connect_events (TallyClient *self)
{
  g_return_if_fail (TALLY_IS_CLIENT (self));

  self->want_events = TRUE;
  open_events (self);
}

void
tally_client_disconnect_events (TallyClient *self)
{
  g_return_if_fail (TALLY_IS_CLIENT (self));

  self->want_events = FALSE;
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  g_cancellable_cancel (self->events_cancellable);
  g_clear_object (&self->events_cancellable);
  if (self->events != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->events, self);
      if (soup_websocket_connection_get_state (self->events) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->events, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->events);
    }
}

/**
 * tally_client_call_get_problem:
 * @self: a #TallyClient
 * @result: the result of tally_client_call_async()
 *
 * Returns: (transfer none) (nullable): the "error" object of a refused
 *   call, with the members that say why ("limit", "available"...)
 */
JsonObject *
tally_client_call_get_problem (TallyClient  *self,
                               GAsyncResult *result)
{
  CallData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  return data->problem;
}
