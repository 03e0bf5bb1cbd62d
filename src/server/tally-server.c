/* tally-server.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tally-api.h"
#include "tally-auth.h"
#include "tally-demo-renewals.h"
#include "tally-events.h"
#include "tally-gauges.h"
#include "tally-keys.h"
#include "tally-log.h"
#include "tally-alerts.h"
#include "tally-webhooks.h"
#include "tally-mailer.h"
#include "tally-recharge.h"
#include "tally-refusal.h"
#include "tally-server.h"

#include "tally-store-open.h"

/* Connections the kernel queues before the main loop accepts them. */
#define LISTEN_BACKLOG 1024

/* How often holds that nobody completed are looked for. */
#define EXPIRY_INTERVAL_SECONDS 5
#define SESSION_RETENTION_INTERVAL_SECONDS 3600

/* The longest wait failed sign-ins from one address impose on it. */
#define ADDRESS_MAX_DELAY 60

/* Descriptors kept for the ledger, exports, mail and webhooks: clients may
 * hold all the others. */
#define RESERVED_DESCRIPTORS 64
/* The open-files limit is raised towards its hard limit, up to this. */
#define WANTED_DESCRIPTORS 65536

struct _TallyServer
{
  GObject            parent_instance;

  TallyConfig       *config;
  TallyApiStore     *store;
  TallyToolRegistry *registry;
  TallyWriter       *writer;
  TallyAudit        *audit;
  TallyRouter       *router;
  TallyMetrics      *metrics;
  TallyErrorLog     *error_log;
  TallyPayments     *payments;
  TallyRecharge     *recharge;
  TallyAlerts       *alerts;
  TallyWebhooks     *webhooks;
  TallyMailer       *mailer;
  TallyThrottle     *login_by_email;
  TallyThrottle     *login_by_address;
  TallyThrottle     *signup_by_address;
  TallyKeys         *keys;
  SoupServer        *soup;
  guint              expiry_source;
  guint              demo_renewals_source;
  guint              session_retention_source;
  /* Cancels the retention sweeps when the server stops. */
  GCancellable      *sweeps;
  gboolean           sweeping_sessions;

  /* The client connections' sockets, each weakly referenced, to their
   * Connection state; at most max_connections of them (see
   * on_request_started). */
  GHashTable        *connections;
  guint              max_connections;

  /* Requests received and not yet answered. */
  guint              in_flight;
  gboolean           shutting_down;
  GCallback          shutdown_done;
  gpointer           shutdown_data;
};

G_DEFINE_FINAL_TYPE (TallyServer, tally_server, G_TYPE_OBJECT)

static void forget_connections (TallyServer *self);

static void
tally_server_dispose (GObject *object)
{
  TallyServer *self = (TallyServer *) object;

  g_clear_handle_id (&self->expiry_source, g_source_remove);
  g_clear_handle_id (&self->demo_renewals_source, g_source_remove);
  g_clear_handle_id (&self->session_retention_source, g_source_remove);
  g_cancellable_cancel (self->sweeps);
  g_clear_object (&self->sweeps);
  forget_connections (self);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->audit);
  /* Before the writer, whose commits it watches. */
  g_clear_object (&self->recharge);
  g_clear_object (&self->alerts);
  /* Attempts in flight hold it: stop them now; they stay due. */
  if (self->webhooks != NULL)
    g_object_run_dispose (G_OBJECT (self->webhooks));
  g_clear_object (&self->webhooks);
  g_clear_object (&self->writer);
  g_clear_object (&self->router);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_object (&self->metrics);
  g_clear_object (&self->error_log);
  g_clear_object (&self->payments);
  /* Waits for the message being sent; what is queued gets one attempt. */
  g_clear_object (&self->mailer);
  g_clear_object (&self->login_by_email);
  g_clear_object (&self->login_by_address);
  g_clear_object (&self->signup_by_address);
  g_clear_object (&self->keys);

  G_OBJECT_CLASS (tally_server_parent_class)->dispose (object);
}

static void
tally_server_class_init (TallyServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_server_dispose;
}

static void
tally_server_init (TallyServer *self)
{
  self->sweeps = g_cancellable_new ();
}

static gboolean
open_store (TallyServer  *self,
            GError      **error)
{
  self->store = tally_store_open (self->config, TALLY_STORE_OPEN_SERVE, error);
  return self->store != NULL;
}

/* A bad tool file is reported and skipped; the others are served. */
static gboolean
load_registry (TallyServer  *self,
               GError      **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);

  self->registry = tally_tool_registry_new ();
  if (!tally_tool_registry_load_directory (self->registry, self->config->tools_dir, problems,
                                           error))
    return FALSE;

  for (guint i = 0; i < problems->len; i++)
    tally_log_warning ("tool_file_invalid", ((GError *) g_ptr_array_index (problems, i))->message);

  return TRUE;
}

static void
on_committed (TallyWriter *writer,
              guint        n_items,
              gboolean     ok,
              TallyServer *self)
{
  tally_metrics_observe_commit (self->metrics, n_items,
                                tally_writer_get_last_duration (writer));
  if (!ok)
    tally_log_warning ("commit_failed", "A group commit failed; its requests were refused");
}

static void
register_routes (TallyServer *self)
{
  self->router = tally_router_new ();
  tally_api_register_all (self->router);
}

TallyServer *
tally_server_new (TallyConfig  *config,
                  GError      **error)
{
  g_autoptr(TallyServer) self = g_object_new (TALLY_TYPE_SERVER, NULL);

  self->config = config;
  self->metrics = tally_metrics_new ();
  tally_gauges_declare_counters (self->metrics);
  self->error_log = tally_error_log_new (TALLY_ERROR_LOG_CAPACITY);
  /* Growing delays, not a lock: an attacker cannot keep the owner (or
   * everyone behind a shared address) out for longer than the delay. The
   * address waits at most a minute, so people behind it are barely held
   * up, while each guess from it still costs the attacker time. */
  self->login_by_email = tally_throttle_new_backoff (config->login_attempts,
                                                     config->login_window);
  self->login_by_address = tally_throttle_new_backoff (config->login_attempts * 5,
                                                       MIN (config->login_window,
                                                            ADDRESS_MAX_DELAY));
  self->signup_by_address = tally_throttle_new (config->signups_per_hour, 3600);
  self->keys = tally_keys_new ();

  if (!tally_auth_init (error) || !open_store (self, error) || !load_registry (self, error))
    return NULL;
  /* Counted in the store when several servers share it. */
  tally_throttle_share (self->login_by_email, self->store, TALLY_SHARED_KEY_LOGIN_EMAIL);
  tally_throttle_share (self->login_by_address, self->store, "login-address");
  tally_throttle_share (self->signup_by_address, self->store, "signup-address");
  tally_keys_share (self->keys, self->store);
  self->payments = tally_payments_new (config, error);
  if (self->payments == NULL)
    return NULL;
  self->mailer = tally_mailer_new (config, self->metrics, error);
  if (self->mailer == NULL)
    return NULL;

  self->writer = tally_writer_new (tally_server_get_rules_store (self));
  g_signal_connect (self->writer, "committed", G_CALLBACK (on_committed), self);
  self->audit = tally_audit_new (tally_server_get_rules_store (self), self->writer);
  self->recharge = tally_recharge_new (self);
  self->webhooks = tally_webhooks_new (self);
  self->alerts = tally_alerts_new (self);
  register_routes (self);
  return g_steal_pointer (&self);
}

gboolean
tally_server_authenticate_key (TallyServer *self,
                               const char  *token,
                               TallyUser   *user,
                               TallyApiKey *key,
                               gboolean    *is_key)
{
  TallyApiKey found;
  guint8 hash[32];

  *is_key = FALSE;
  if (token == NULL || token[0] == '\0' || strlen (token) > 256)
    return FALSE;

  tally_token_hash (token, hash);
  /* A session token may start like a key by chance: it is looked up as a
   * session when no key has its hash. */
  if (tally_api_key_looks_like (token) &&
      tally_api_store_find_api_key (self->store, hash, &found, user, NULL))
    {
      *is_key = TRUE;
      if (key != NULL)
        *key = found;
      return TRUE;
    }

  return tally_api_store_find_session (self->store, hash, g_get_real_time (), user, NULL);
}

gboolean
tally_server_authenticate (TallyServer *self,
                           const char  *token,
                           TallyUser   *user)
{
  gboolean is_key;

  return tally_server_authenticate_key (self, token, user, NULL, &is_key);
}

typedef struct
{
  TallyApiStore *store;
  char           id[TALLY_UUID_LEN];
  gint64         when;
} TouchJob;

static gboolean
touch_key_write (gpointer   data,
                 GError   **error)
{
  TouchJob *job = data;

  return tally_api_store_touch_api_key (job->store, job->id, job->when, error);
}

static void
touch_key (TallyServer       *self,
           const TallyApiKey *key,
           gint64             now)
{
  TouchJob *job = g_new0 (TouchJob, 1);

  job->store = self->store;
  g_strlcpy (job->id, key->id, sizeof job->id);
  job->when = now;
  tally_writer_submit (self->writer, touch_key_write, NULL, job, g_free);
}

static TallyKeyUse
key_use (TallyRequest *request)
{
  const TallyRoute *route = tally_request_get_route (request);
  const char *method = tally_request_get_method (request);

  if (g_str_equal (method, "GET") || g_str_equal (method, "HEAD") ||
      (route->flags & TALLY_ROUTE_KEY_READ))
    return TALLY_KEY_USE_READ;
  if (route->flags & TALLY_ROUTE_KEY_RUN)
    return TALLY_KEY_USE_RUN;
  return TALLY_KEY_USE_OTHER;
}

/* A request made with an API key: within the key's rate, within its
 * scopes. last_used_at is written at most once a minute. */
static gboolean
check_key (TallyServer       *self,
           TallyRequest      *request,
           const TallyApiKey *key)
{
  gint64 now = g_get_real_time ();
  gint64 retry_after = 0;

  if (!tally_keys_take (self->keys, key, now, &retry_after))
    {
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
      g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;

      soup_message_headers_replace (soup_server_message_get_response_headers (
                                      tally_request_get_message (request)),
                                    "Retry-After", seconds);
      tally_problem_set_plural (&problem, 429, "rate_limited", NULL, (gulong) retry_after,
                                "This API key is over its rate limit; try again in %" PRId64
                                " second",
                                "This API key is over its rate limit; try again in %" PRId64
                                " seconds", retry_after);
      tally_request_respond_problem (request, &problem);
      return FALSE;
    }

  if (tally_keys_should_touch (self->keys, key, now))
    touch_key (self, key, now);

  if (tally_api_key_permits (key, key_use (request)))
    return TRUE;

  if (key_use (request) == TALLY_KEY_USE_RUN)
    tally_request_respond_error (request, 403, "forbidden",
                                 "This API key may only read: it has no “run” scope");
  else
    tally_request_respond_error (request, 403, "forbidden",
                                 "An API key may not do this: sign in instead");
  return FALSE;
}

gboolean
tally_server_store_is_unavailable (TallyServer *self)
{
  g_return_val_if_fail (TALLY_IS_SERVER (self), FALSE);

  return tally_api_store_is_unavailable (self->store);
}

static gboolean
check_access (TallyServer  *self,
              TallyRequest *request)
{
  const TallyRoute *route = tally_request_get_route (request);
  TallyApiKey key;
  TallyUser user;
  gboolean is_key;

  if (tally_server_authenticate_key (self, tally_request_get_token (request), &user, &key,
                                     &is_key))
    {
      tally_request_set_user (request, &user);
      if (is_key)
        tally_request_set_api_key (request, &key);
    }

  /* A public route answers anyone: a key sent along changes nothing. */
  if (!(route->flags & (TALLY_ROUTE_AUTH | TALLY_ROUTE_ADMIN)))
    return TRUE;

  if (tally_request_get_api_key (request) != NULL && !check_key (self, request, &key))
    return FALSE;

  if (tally_request_get_user (request) == NULL)
    {
      /* The token could not be looked up: no answer about it yet. */
      if (tally_request_get_token (request) != NULL && tally_server_store_is_unavailable (self))
        {
          tally_request_respond_store_unavailable (request);
          return FALSE;
        }
      tally_request_respond_error (request, 401, "unauthorized",
                                   "Sign in first: this needs a valid bearer token");
      return FALSE;
    }

  if ((route->flags & TALLY_ROUTE_ADMIN) && user.role != TALLY_ROLE_ADMIN)
    {
      tally_request_respond_error (request, 403, "forbidden", "Only an admin may do this");
      return FALSE;
    }

  return TRUE;
}

static void maybe_finish_shutdown (TallyServer *self);

static void
on_request_finished (SoupServerMessage *msg,
                     TallyRequest      *request)
{
  TallyServer *self = tally_request_get_server (request);
  const TallyRoute *route = tally_request_get_route (request);
  gint64 duration = g_get_monotonic_time () - tally_request_get_started (request);
  guint status = soup_server_message_get_status (msg);
  const TallyUser *user = tally_request_get_user (request);

  tally_metrics_observe_request (self->metrics, tally_request_get_method (request),
                                 route ? route->pattern : "unmatched", status, duration);
  if (status >= 400)
    tally_error_log_record (self->error_log,
                            tally_metrics_method_label (tally_request_get_method (request)),
                            route ? route->pattern : "unmatched", status,
                            tally_request_get_error_code (request), tally_request_get_id (request),
                            g_get_real_time ());
  tally_log_request (tally_request_get_id (request), tally_request_get_method (request),
                     route ? route->pattern : tally_request_get_path (request), status, duration,
                     user ? user->id : NULL);

  g_signal_handlers_disconnect_by_data (msg, request);
  tally_request_detach (request);
  tally_request_unref (request);

  self->in_flight--;
  maybe_finish_shutdown (self);
}

static gboolean
reject_body (TallyServer   *self,
             TallyRequest  *request)
{
  SoupServerMessage *msg = tally_request_get_message (request);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body->length > self->config->body_limit)
    {
      tally_request_respond_error (request, 413, "body_too_large",
                                   "The request body is larger than %" PRId64 " bytes",
                                   self->config->body_limit);
      return TRUE;
    }

  return FALSE;
}

static void
dispatch (TallyServer  *self,
          TallyRequest *request)
{
  g_autoptr(GHashTable) params = NULL;
  const TallyRoute *route;
  gboolean path_matched;

  if (reject_body (self, request))
    return;

  route = tally_router_match (self->router, tally_request_get_method (request),
                              tally_request_get_path (request), &params, &path_matched);
  if (route == NULL)
    {
      if (path_matched)
        tally_request_respond_error (request, 405, "method_not_allowed",
                                     "%s is not allowed here", tally_request_get_method (request));
      else
        tally_request_respond_error (request, 404, "not_found", "There is nothing at %s",
                                     tally_request_get_path (request));
      return;
    }

  tally_request_set_route (request, route, params);
  if (!check_access (self, request))
    return;

  route->handler (request);

  if (!tally_request_has_responded (request))
    tally_request_pause (request);
}

static void
handle_message (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  TallyServer *self = user_data;
  TallyRequest *request = tally_request_new (self, msg, query);

  self->in_flight++;
  g_signal_connect (msg, "finished", G_CALLBACK (on_request_finished), request);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Request-Id",
                                tally_request_get_id (request));

  if (self->shutting_down)
    {
      tally_request_respond_error (request, 503, "shutting_down", "The server is stopping");
      return;
    }

  dispatch (self, request);
}

/* Counts and logs a request refused from its headers, as on_request_finished
 * does for the others. */
static void
observe_refusal (TallyServer        *self,
                 TallyRequest       *request,
                 const TallyProblem *problem)
{
  guint status = problem->status;
  g_autoptr(GHashTable) params = NULL;
  const TallyRoute *route;
  gint64 duration = g_get_monotonic_time () - tally_request_get_started (request);
  gboolean path_matched;

  route = tally_router_match (self->router, tally_request_get_method (request),
                              tally_request_get_path (request), &params, &path_matched);
  tally_metrics_observe_request (self->metrics, tally_request_get_method (request),
                                 route ? route->pattern : "unmatched", status, duration);
  tally_error_log_record (self->error_log,
                          tally_metrics_method_label (tally_request_get_method (request)),
                          route ? route->pattern : "unmatched", status, problem->code,
                          tally_request_get_id (request), g_get_real_time ());
  tally_log_request (tally_request_get_id (request), tally_request_get_method (request),
                     route ? route->pattern : tally_request_get_path (request), status, duration,
                     NULL);
}

/* Refuses an oversized or unsized body before any of it is read: the
 * answer goes out at once and the connection closes, so a client that
 * announces two gigabytes never gets to send them. */
static void
handle_headers (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  TallyServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  goffset length = soup_message_headers_get_content_length (headers);
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(TallyRequest) request = NULL;

  if (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF)
    tally_problem_set (&problem, 411, "length_required", NULL,
                       "Send the request body with a Content-Length");
  else if (encoding == SOUP_ENCODING_CONTENT_LENGTH && length > self->config->body_limit)
    tally_problem_set (&problem, 413, "body_too_large",
                       NULL, "The request body is larger than %" PRId64 " bytes",
                       self->config->body_limit);
  else
    return;

  request = tally_request_new (self, msg, query);
  observe_refusal (self, request, &problem);
  tally_refuse_before_body (msg, &problem, tally_request_get_id (request));
  tally_request_detach (request);
}

/* Holds whose time ran out are released, and credits whose time came
 * expire (docs/ledger.md): each once, whatever restarts happen between. */
static gboolean
expire_holds (gpointer data,
              GError **error)
{
  TallyServer *self = data;
  gint64 now = g_get_real_time ();
  guint n = 0, n_lots = 0;

  return tally_audit_record_expiring (self->audit, now, error) &&
         tally_rules_store_expire_pending (TALLY_RULES_STORE (self->store), now, &n, error) &&
         tally_api_store_expire_lots (self->store, now, &n_lots, error);
}

static void close_gone_connections (TallyServer *self);

static gboolean
expiry_tick (gpointer data)
{
  TallyServer *self = data;

  tally_writer_submit (self->writer, expire_holds, NULL, self, NULL);
  close_gone_connections (self);
  return G_SOURCE_CONTINUE;
}

/* Sessions deleted per transaction of the retention sweep. */
#define SESSION_SWEEP_BATCH 1000

typedef struct
{
  TallyServer *server;
  gint64       before;
  gint64       n_deleted;
} SessionSweep;

static gboolean
sweep_sessions (TallyRulesStore  *store,
                gpointer          data,
                gboolean         *more,
                GError          **error)
{
  SessionSweep *sweep = data;
  gint64 n = 0;
  gint64 n_state = 0;

  /* The throttles' shared counts that ran out go with them. */
  if (!tally_api_store_delete_expired_state (TALLY_API_STORE (store), g_get_real_time (),
                                             SESSION_SWEEP_BATCH, &n_state, error))
    return FALSE;
  if (!tally_api_store_delete_old_sessions (TALLY_API_STORE (store), sweep->before,
                                            SESSION_SWEEP_BATCH, &n, error))
    return FALSE;
  sweep->n_deleted += n;
  *more = n == SESSION_SWEEP_BATCH || n_state == SESSION_SWEEP_BATCH;
  return TRUE;
}

/* The count is on record, never who. */
static void
sessions_swept (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  SessionSweep *sweep = data;
  TallyServer *self = sweep->server;
  g_autoptr(GError) error = NULL;

  if (!tally_rules_store_sweep_finish (TALLY_RULES_STORE (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    tally_log_warning ("session_retention_failed", error->message);
  if (sweep->n_deleted > 0 && !self->shutting_down)
    tally_audit_submit (self->audit, NULL, "sessions.pruned", NULL, "ok",
                        tally_audit_details ("ii", "sessions", sweep->n_deleted,
                                             "retention_days",
                                             self->config->session_retention_days));
  self->sweeping_sessions = FALSE;
  g_object_unref (self);
  g_free (sweep);
}

/* Sessions that ended longer ago than the retention go, with their device
 * names, on a worker thread (see tally_rules_store_sweep_async()). */
static gboolean
session_retention_tick (gpointer data)
{
  TallyServer *self = data;
  SessionSweep *sweep;

  if (self->sweeping_sessions)
    return G_SOURCE_CONTINUE;

  sweep = g_new0 (SessionSweep, 1);
  sweep->server = g_object_ref (self);
  sweep->before = g_get_real_time () -
                  self->config->session_retention_days * 86400 * G_USEC_PER_SEC;
  self->sweeping_sessions = TRUE;
  tally_rules_store_sweep_async (TALLY_RULES_STORE (self->store), sweep_sessions, sweep, NULL,
                                 self->sweeps, sessions_swept, sweep);
  return G_SOURCE_CONTINUE;
}

/* libsoup listens with a backlog of 10: a burst of clients connecting at
 * once would be reset. The socket is made here with a deep one. */
static GSocket *
listening_socket (TallyConfig  *config,
                  GError      **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;

  address = g_inet_socket_address_new_from_string (config->listen_host, config->listen_port);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Cannot listen on %s:%u",
                   config->listen_host, config->listen_port);
      return NULL;
    }

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    {
      g_prefix_error (error, "Cannot listen on %s:%u: ", config->listen_host, config->listen_port);
      return NULL;
    }

  return g_steal_pointer (&socket);
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* The demo provider credits whoever presses Pay, with no money: fine for a
 * first run on this computer, not for a server others can reach unless
 * its operator chose it on purpose. */
static gboolean
check_demo_payments (TallyServer  *self,
                     GError      **error)
{
  if (!tally_payments_is_demo (self->payments))
    return TRUE;
  if (!is_loopback_host (self->config->listen_host) && !self->config->payments_provider_given)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The demo payment provider gives credits without payment to anyone who can "
                   "reach the server; to use it on %s, choose it explicitly with "
                   "--payments-provider=demo (or [payments] provider=demo), or configure "
                   "Stripe", self->config->listen_host);
      return FALSE;
    }
  tally_log_warning ("demo_payments",
                     "Demo payment provider: credits are given without payment; "
                     "use Stripe for real money");
  return TRUE;
}

/* What the server knows of a client connection between its requests. */
typedef struct
{
  /* Requests read and not yet answered. */
  guint    busy;
  /* A WebSocket now: it waits for events, never idle. */
  gboolean upgraded;
  /* When it last began a request or finished answering one. */
  gint64   since;
} Connection;

static void
connection_gone (gpointer  data,
                 GObject  *where_the_object_was)
{
  TallyServer *self = data;

  g_hash_table_remove (self->connections, where_the_object_was);
}

static void
forget_connections (TallyServer *self)
{
  GHashTableIter iter;
  gpointer socket;

  if (self->connections == NULL)
    return;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &socket, NULL))
    g_object_weak_unref (socket, connection_gone, self);
  g_clear_pointer (&self->connections, g_hash_table_unref);
}

/* Whether the client has gone: libsoup (3.2) does not watch a kept-alive
 * connection between requests, so one the client closed keeps its
 * descriptor until the process runs out of them. */
static gboolean
client_gone (GSocket *socket)
{
  GIOCondition condition;
  char byte;
  gssize n;

  if (g_socket_is_closed (socket))
    return TRUE;
  condition = g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR);
  if (condition & (G_IO_HUP | G_IO_ERR))
    return TRUE;
  if (!(condition & G_IO_IN))
    return FALSE;
  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* A connection with no request being answered whose client sent no whole
 * request for idle-timeout seconds: headers dribbled a byte at a time, or
 * a kept-alive connection left open. */
static gboolean
connection_idle (TallyServer      *self,
                 const Connection *connection)
{
  return !connection->upgraded &&
         g_get_monotonic_time () - connection->since > self->config->idle_timeout * G_USEC_PER_SEC;
}

/* Closes the connections that wait for no answer (a request in flight
 * keeps its connection even if the client only half-closed it) and whose
 * client has gone or has been idle too long, and forgets them. */
static void
close_gone_connections (TallyServer *self)
{
  GHashTableIter iter;
  gpointer socket, value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &socket, &value))
    {
      Connection *connection = value;

      if (connection->busy > 0 || (!client_gone (socket) && !connection_idle (self, connection)))
        continue;
      g_socket_close (socket, NULL);
      g_object_weak_unref (socket, connection_gone, self);
      g_hash_table_iter_remove (&iter);
    }
}

/* Over the cap, a client gets a plain 503 and the door: the answer fits in
 * an empty socket buffer, so it is written without waiting, and libsoup,
 * reading the end of the connection, lets it go. */
static void
refuse_connection (GSocket *socket)
{
  static const char body[] =
    "{\"error\":{\"code\":\"too_many_connections\","
    "\"message\":\"The server has too many connections; try again in a moment\"}}";
  g_autofree char *answer = g_strdup_printf ("HTTP/1.1 503 Service Unavailable\r\n"
                                             "Content-Type: application/json\r\n"
                                             "Retry-After: 1\r\n"
                                             "Connection: close\r\n"
                                             "Content-Length: %zu\r\n"
                                             "\r\n"
                                             "%s", sizeof body - 1, body);

  g_socket_send (socket, answer, strlen (answer), NULL, NULL);
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

/* libsoup starts a request as soon as it accepts a connection, so every
 * connection, even one that never sends a byte, is seen here first. Each
 * is counted until its socket goes (weakly referenced); past the cap, new
 * ones are refused, so accepting never runs out of descriptors: libsoup's
 * listener stops for good at the first accept that fails. */
static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    TallyServer       *self)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *connection;

  if (socket == NULL)
    return;
  /* The next request on a kept-alive connection: its wait starts now. */
  if ((connection = g_hash_table_lookup (self->connections, socket)) != NULL)
    {
      connection->since = g_get_monotonic_time ();
      return;
    }

  if (g_hash_table_size (self->connections) >= self->max_connections)
    close_gone_connections (self);
  if (g_hash_table_size (self->connections) >= self->max_connections)
    {
      refuse_connection (socket);
      return;
    }

  connection = g_new0 (Connection, 1);
  connection->since = g_get_monotonic_time ();
  g_hash_table_insert (self->connections, socket, connection);
  g_object_weak_ref (G_OBJECT (socket), connection_gone, self);
}

/* A connection with a request being answered is busy until the answer
 * has gone: close_gone_connections() leaves it alone. */
static Connection *
connection_of (TallyServer       *self,
               SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  return socket != NULL ? g_hash_table_lookup (self->connections, socket) : NULL;
}

static void
on_request_read (SoupServer        *soup,
                 SoupServerMessage *msg,
                 TallyServer       *self)
{
  Connection *connection = connection_of (self, msg);

  if (connection != NULL)
    connection->busy++;
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 TallyServer       *self)
{
  Connection *connection = connection_of (self, msg);

  if (connection == NULL)
    return;
  if (connection->busy > 0)
    connection->busy--;
  connection->since = g_get_monotonic_time ();
  if (soup_server_message_get_status (msg) == SOUP_STATUS_SWITCHING_PROTOCOLS)
    connection->upgraded = TRUE;
}

/* As many client connections as the open-files limit leaves once the
 * server's own descriptors are set aside; the soft limit is raised first,
 * as far as the hard one allows. */
static guint
connection_cap (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024 - RESERVED_DESCRIPTORS;
  if (limit.rlim_cur < WANTED_DESCRIPTORS && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = MIN (limit.rlim_max, (rlim_t) WANTED_DESCRIPTORS);
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        getrlimit (RLIMIT_NOFILE, &limit);
    }

  limit.rlim_cur = MIN (limit.rlim_cur, (rlim_t) WANTED_DESCRIPTORS);
  if (limit.rlim_cur <= 2 * RESERVED_DESCRIPTORS)
    return limit.rlim_cur / 2;
  return limit.rlim_cur - RESERVED_DESCRIPTORS;
}

gboolean
tally_server_start (TallyServer  *self,
                    GError      **error)
{
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (TALLY_IS_SERVER (self), FALSE);

  if (!check_demo_payments (self, error))
    return FALSE;

  self->soup = soup_server_new ("server-header", "tally-server/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->soup, NULL, handle_headers, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_message, self, NULL);
  tally_events_attach (self);

  self->connections = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->max_connections = connection_cap ();
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (on_request_read), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_done), self);
  socket = listening_socket (self->config, error);
  if (socket == NULL || !soup_server_listen_socket (self->soup, socket, 0, error))
    return FALSE;

  self->expiry_source = g_timeout_add_seconds (EXPIRY_INTERVAL_SECONDS, expiry_tick, self);
  self->demo_renewals_source = tally_demo_renewals_start (self);
  tally_audit_start_upgrade (self->audit);
  tally_audit_start_retention (self->audit, self->config->audit_retention_days,
                               self->config->audit_prune_batch);
  /* Once at start too, as the audit's retention does. */
  session_retention_tick (self);
  self->session_retention_source = g_timeout_add_seconds (SESSION_RETENTION_INTERVAL_SECONDS,
                                                          session_retention_tick, self);
  {
    g_autofree char *where = g_strdup_printf ("%s:%u", self->config->listen_host,
                                              self->config->listen_port);
    g_autofree char *cap = g_strdup_printf ("%u", self->max_connections);

    tally_log_event ("listening", "address", where, "max_connections", cap, NULL);
  }
  return TRUE;
}

static void
maybe_finish_shutdown (TallyServer *self)
{
  GCallback done = self->shutdown_done;

  if (!self->shutting_down || self->in_flight > 0 || done == NULL)
    return;

  tally_writer_flush (self->writer);
  self->shutdown_done = NULL;
  ((void (*) (gpointer)) done) (self->shutdown_data);
}

void
tally_server_shutdown (TallyServer *self,
                       GCallback    done,
                       gpointer     user_data)
{
  g_return_if_fail (TALLY_IS_SERVER (self));

  if (self->shutting_down)
    return;

  self->shutting_down = TRUE;
  self->shutdown_done = done;
  self->shutdown_data = user_data;

  /* Stop accepting; requests already in flight run to their answer. */
  {
    g_autoptr(GSList) listeners = soup_server_get_listeners (self->soup);

    for (GSList *l = listeners; l != NULL; l = l->next)
      g_socket_close (l->data, NULL);
  }
  g_clear_handle_id (&self->expiry_source, g_source_remove);
  g_clear_handle_id (&self->demo_renewals_source, g_source_remove);
  g_clear_handle_id (&self->session_retention_source, g_source_remove);
  g_cancellable_cancel (self->sweeps);
  tally_audit_stop_retention (self->audit);

  tally_writer_flush (self->writer);
  maybe_finish_shutdown (self);
}

TallyConfig *
tally_server_get_config (TallyServer *self)
{
  return self->config;
}

/* SQLite's or PostgreSQL's: the rest of the server uses it through the
 * interface alone. */
TallyApiStore *
tally_server_get_store (TallyServer *self)
{
  return self->store;
}

/* The same store, as the business rules see it. */
TallyRulesStore *
tally_server_get_rules_store (TallyServer *self)
{
  return TALLY_RULES_STORE (self->store);
}

TallyToolRegistry *
tally_server_get_registry (TallyServer *self)
{
  return self->registry;
}

TallyWriter *
tally_server_get_writer (TallyServer *self)
{
  return self->writer;
}

TallyMetrics *
tally_server_get_metrics (TallyServer *self)
{
  return self->metrics;
}

TallyErrorLog *
tally_server_get_error_log (TallyServer *self)
{
  return self->error_log;
}

TallyRecharge *
tally_server_get_recharge (TallyServer *self)
{
  return self->recharge;
}

TallyMailer *
tally_server_get_mailer (TallyServer *self)
{
  return self->mailer;
}

TallyPayments *
tally_server_get_payments (TallyServer *self)
{
  return self->payments;
}

TallyRouter *
tally_server_get_router (TallyServer *self)
{
  return self->router;
}

TallyAlerts *
tally_server_get_alerts (TallyServer *self)
{
  return self->alerts;
}

TallyWebhooks *
tally_server_get_webhooks (TallyServer *self)
{
  return self->webhooks;
}

TallyAudit *
tally_server_get_audit (TallyServer *self)
{
  return self->audit;
}

SoupServer *
tally_server_get_soup_server (TallyServer *self)
{
  return self->soup;
}

TallyKeys *
tally_server_get_keys (TallyServer *self)
{
  return self->keys;
}

TallyThrottle *
tally_server_get_signup_throttle (TallyServer *self)
{
  return self->signup_by_address;
}

TallyThrottle *
tally_server_get_login_throttle (TallyServer *self,
                                 gboolean     by_address)
{
  return by_address ? self->login_by_address : self->login_by_email;
}
