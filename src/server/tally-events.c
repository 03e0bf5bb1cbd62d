/* tally-events.c: the WebSocket hub behind GET /v1/events
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-events.h"
#include "tally-json-decode.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-store-runs.h"
#include "tally-store-teams.h"

/* Transfers read per query after a commit; a big commit takes several. */
#define PAGE_SIZE 1000
/* Pings keep idle connections through proxies and find dead peers. */
#define KEEPALIVE_SECONDS 30
/* How often each connection's session is checked again, so an expired
 * session stops receiving. A sign-out in this server closes its sockets
 * at once (tally_events_end_sessions()). */
#define REAUTH_SECONDS 60
/* How often the database is asked whether another process wrote to it
 * (`tally-server user disable`, another server on the same PostgreSQL
 * database): if so, every session is checked and its transfers pushed. */
#define DATA_VERSION_SECONDS 1
/* Enough for every device of a user; more is someone leaking sockets. */
#define MAX_CONNECTIONS_PER_ACCOUNT 16
/* Clients have nothing to say; a ping or a close fits in this. */
#define MAX_INCOMING_BYTES 1024

#define HANDSHAKE_USER_KEY  "tally-events-user"
#define HANDSHAKE_TOKEN_KEY "tally-events-token"

typedef struct
{
  /* Not a reference: the hub owns its clients. */
  TallyEvents             *events;
  SoupWebsocketConnection *connection;
  char                     account_id[TALLY_UUID_LEN];
  /* The bearer token of the handshake, to check the session again. */
  char                    *token;
  gulong                   closed_id;
} Client;

struct _TallyEvents
{
  GObject           parent_instance;

  /* Not a reference: the server owns the hub. */
  TallyServer      *server;
  SoupServer       *soup;
  TallyWriter      *writer;
  TallyRulesStore  *store;
  gulong            committed_id;
  guint             reauth_source;
  guint             data_version_source;
  gint64            data_version;
  /* Stops the store telling of other servers' commits. */
  GCancellable     *watching;
  /* The extensions libsoup offers, to check a handshake as it will. */
  GPtrArray        *extensions;

  /* The last seq whose changes were pushed. */
  gint64            last_seq;
  /* Account id -> GPtrArray of Client. */
  GHashTable       *clients;
  guint             n_clients;
};

G_DEFINE_FINAL_TYPE (TallyEvents, tally_events, G_TYPE_OBJECT)

static void
client_free (Client *client)
{
  g_clear_signal_handler (&client->closed_id, client->connection);
  if (soup_websocket_connection_get_state (client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (client->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                     "The server is stopping");
  g_clear_object (&client->connection);
  g_free (client->token);
  g_free (client);
}

static void
tally_events_dispose (GObject *object)
{
  TallyEvents *self = (TallyEvents *) object;

  g_clear_handle_id (&self->reauth_source, g_source_remove);
  g_clear_handle_id (&self->data_version_source, g_source_remove);
  if (self->watching != NULL)
    g_cancellable_cancel (self->watching);
  g_clear_object (&self->watching);
  if (self->writer != NULL)
    g_clear_signal_handler (&self->committed_id, self->writer);
  if (self->soup != NULL)
    soup_server_remove_handler (self->soup, TALLY_EVENTS_PATH);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  self->n_clients = 0;
  g_clear_pointer (&self->extensions, g_ptr_array_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->writer);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tally_events_parent_class)->dispose (object);
}

static void
tally_events_class_init (TallyEventsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_events_dispose;
}

static void
tally_events_init (TallyEvents *self)
{
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->extensions = g_ptr_array_new_with_free_func (g_type_class_unref);
  g_ptr_array_add (self->extensions, g_type_class_ref (SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE));
}

/* --- pushing --- */

static void
send_json (TallyEvents *self,
           const char  *account_id,
           JsonObject  *message)
{
  GPtrArray *clients = g_hash_table_lookup (self->clients, account_id);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (clients == NULL)
    return;

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, message);
  text = tally_json_to_string (node);

  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = g_ptr_array_index (clients, i);

      if (soup_websocket_connection_get_state (client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text (client->connection, text);
    }
}

/* The balance message of @account_id, or NULL (logged). */
static JsonObject *
balance_message (TallyEvents *self,
                 const char  *account_id,
                 gint64       seq)
{
  JsonObject *message;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  TallyAccount account;

  if (!tally_rules_store_lookup_account (self->store, account_id, &account, &error))
    {
      tally_log_warning ("events_failed", error->message);
      return NULL;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "id", account.id);
  json_object_set_int_member (object, "balance", tally_account_balance (&account));
  json_object_set_int_member (object, "available", tally_account_available (&account));
  json_object_set_int_member (object, "held", tally_account_held (&account));

  message = json_object_new ();
  json_object_set_string_member (message, "type", "balance");
  json_object_set_object_member (message, "account", object);
  json_object_set_int_member (message, "seq", seq);
  return message;
}

static void
push_balance (TallyEvents *self,
              const char  *account_id,
              gint64       seq)
{
  g_autoptr(JsonObject) message = balance_message (self, account_id, seq);

  if (message != NULL)
    send_json (self, account_id, message);
}

/* A team's pool is pushed to its members who listen: who they are is read
 * at each push, so a member who left hears nothing more of it. */
static void
push_pool_balance (TallyEvents *self,
                   const char  *account_id,
                   gint64       seq)
{
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;

  members = tally_rules_store_list_pool_member_accounts (self->store, account_id, &error);
  if (members == NULL)
    {
      tally_log_warning ("events_failed", error->message);
      return;
    }

  for (guint i = 0; i < members->len; i++)
    {
      const char *member = g_ptr_array_index (members, i);

      if (!g_hash_table_contains (self->clients, member))
        continue;
      if (message == NULL && (message = balance_message (self, account_id, seq)) == NULL)
        return;
      send_json (self, member, message);
    }
}

/* The status a run's row gives it, in @status; FALSE when @id is no run.
 * A run still "authorized" there was settled by the ledger itself: its
 * hold timed out. */
static gboolean
find_run_status (TallyEvents          *self,
                 const char           *id,
                 const TallyTransfer  *settlement,
                 char                 *status,
                 gsize                 size)
{
  gboolean found;

  if (!tally_rules_store_read_run_status (self->store, id, status, size, &found, NULL) || !found)
    return FALSE;

  if (g_str_equal (status, "authorized"))
    g_strlcpy (status, (settlement->flags & TALLY_TRANSFER_FLAG_POST_PENDING) ?
               "succeeded" : "expired", size);
  return TRUE;
}

/* @settlement posts or voids a pending consumption transfer; when that
 * one is a run's hold, the run has ended. */
static void
push_run_end (TallyEvents         *self,
              const TallyTransfer *settlement)
{
  g_autoptr(JsonObject) message = NULL;
  JsonObject *object;
  TallyTransfer hold;
  char status[32];
  gint64 charged;

  if (!find_run_status (self, settlement->pending_id, settlement, status, sizeof status) ||
      !tally_rules_store_lookup_transfer (self->store, settlement->pending_id, &hold, NULL))
    return;

  charged = (settlement->flags & TALLY_TRANSFER_FLAG_POST_PENDING) ? settlement->amount : 0;
  object = json_object_new ();
  json_object_set_string_member (object, "id", settlement->pending_id);
  json_object_set_string_member (object, "status", status);
  json_object_set_int_member (object, "charged", charged);
  json_object_set_int_member (object, "released", hold.amount - charged);

  message = json_object_new ();
  json_object_set_string_member (message, "type", "run");
  json_object_set_object_member (message, "run", object);
  json_object_set_int_member (message, "seq", settlement->seq);
  send_json (self, settlement->debit_account_id, message);
}

/* A purchase credited, or credits a refund or dispute took back: the app
 * says so as the payment lands. ref is the Checkout Session, or the
 * refunded or disputed charge. */
static void
push_payment (TallyEvents         *self,
              const TallyTransfer *transfer)
{
  g_autoptr(JsonObject) message = json_object_new ();
  JsonObject *object = json_object_new ();
  gboolean purchase = transfer->kind == TALLY_TRANSFER_KIND_PURCHASE;
  const char *account_id = purchase ? transfer->credit_account_id : transfer->debit_account_id;

  json_object_set_string_member (object, "status", purchase ? "paid"
                                 : g_str_has_suffix (transfer->description, "disputed")
                                 ? "disputed" : "refunded");
  json_object_set_int_member (object, "credits", purchase ? transfer->amount : -transfer->amount);
  json_object_set_string_member (object, "ref", transfer->ref);
  json_object_set_string_member (message, "type", "payment");
  json_object_set_object_member (message, "payment", object);
  json_object_set_int_member (message, "seq", transfer->seq);
  send_json (self, account_id, message);
}

static gboolean
is_payment (const TallyTransfer *transfer)
{
  return (transfer->kind == TALLY_TRANSFER_KIND_PURCHASE &&
          g_str_equal (transfer->debit_account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS))) ||
         (transfer->kind == TALLY_TRANSFER_KIND_ADJUSTMENT &&
          g_str_equal (transfer->credit_account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS)) &&
          g_str_has_prefix (transfer->description, "Payment "));
}

static gboolean
is_settlement_of_consumption (const TallyTransfer *transfer)
{
  return transfer->kind == TALLY_TRANSFER_KIND_CONSUMPTION &&
         (transfer->flags & (TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING));
}

static gboolean
is_system_account (const char *account_id)
{
  for (guint i = 0; i < TALLY_N_SYSTEM_ACCOUNTS; i++)
    {
      if (g_str_equal (account_id, tally_system_account_id (i)))
        return TRUE;
    }
  return FALSE;
}

/* Remembers the latest seq that changed an account someone listens to
 * in @touched, and of any other user or team account in @others. */
static void
note_account (TallyEvents *self,
              GHashTable  *touched,
              GHashTable  *others,
              const char  *account_id,
              gint64       seq)
{
  gint64 *latest;

  if (!g_hash_table_contains (self->clients, account_id))
    {
      if (is_system_account (account_id))
        return;
      touched = others;
    }

  latest = g_hash_table_lookup (touched, account_id);
  if (latest == NULL)
    {
      latest = g_new (gint64, 1);
      g_hash_table_insert (touched, g_strdup (account_id), latest);
    }
  *latest = seq;
}

/* Reads one page of what was committed since the last push, up to
 * @durable_seq: later transfers may not be durable yet. FALSE when there
 * is no more (or the read failed, which was logged). */
static gboolean
read_page (TallyEvents *self,
           gint64       durable_seq,
           GHashTable  *touched,
           GHashTable  *others)
{
  g_autoptr(GArray) transfers = NULL;
  g_autoptr(GError) error = NULL;

  transfers = tally_rules_store_transfers_since (self->store, self->last_seq, PAGE_SIZE, &error);
  if (transfers == NULL)
    {
      tally_log_warning ("events_failed", error->message);
      return FALSE;
    }

  for (guint i = 0; i < transfers->len; i++)
    {
      const TallyTransfer *transfer = &g_array_index (transfers, TallyTransfer, i);

      if (transfer->seq > durable_seq)
        return FALSE;
      note_account (self, touched, others, transfer->debit_account_id, transfer->seq);
      note_account (self, touched, others, transfer->credit_account_id, transfer->seq);
      if (is_settlement_of_consumption (transfer) &&
          g_hash_table_contains (self->clients, transfer->debit_account_id))
        push_run_end (self, transfer);
      if (is_payment (transfer))
        push_payment (self, transfer);
      self->last_seq = transfer->seq;
    }

  return transfers->len == PAGE_SIZE;
}

static void
push_changes (TallyEvents *self,
              gint64       durable_seq)
{
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) others = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer account_id, seq;

  while (read_page (self, durable_seq, touched, others))
    ;

  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &account_id, &seq))
    push_balance (self, account_id, *(gint64 *) seq);

  g_hash_table_iter_init (&iter, others);
  while (g_hash_table_iter_next (&iter, &account_id, &seq))
    push_pool_balance (self, account_id, *(gint64 *) seq);
}

static void
on_committed (TallyWriter *writer,
              guint        n_items,
              gboolean     ok,
              TallyEvents *self)
{
  if (!ok)
    return;

  /* Nobody listens: nothing to read, only to skip. */
  if (self->n_clients == 0)
    {
      self->last_seq = tally_writer_get_committed_seq (writer);
      return;
    }

  push_changes (self, tally_writer_get_committed_seq (writer));
}

/* --- connections --- */

static void
remove_client (TallyEvents *self,
               Client      *client)
{
  GPtrArray *clients = g_hash_table_lookup (self->clients, client->account_id);

  if (clients == NULL)
    return;

  /* The key is freed with the array, and the client with its entry. */
  if (clients->len == 1 && g_ptr_array_index (clients, 0) == client)
    g_hash_table_remove (self->clients, client->account_id);
  else
    g_ptr_array_remove_fast (clients, client);
  self->n_clients--;
}

static void
on_closed (SoupWebsocketConnection *connection,
           Client                  *client)
{
  remove_client (client->events, client);
}

static guint
count_connections (TallyEvents *self,
                   const char  *account_id)
{
  GPtrArray *clients = g_hash_table_lookup (self->clients, account_id);

  return clients ? clients->len : 0;
}

static void
add_client (TallyEvents             *self,
            SoupWebsocketConnection *connection,
            const TallyUser         *user,
            const char              *token)
{
  Client *client = g_new0 (Client, 1);
  GPtrArray *clients = g_hash_table_lookup (self->clients, user->account_id);

  client->events = self;
  client->connection = g_object_ref (connection);
  client->token = g_strdup (token);
  g_strlcpy (client->account_id, user->account_id, sizeof client->account_id);
  client->closed_id = g_signal_connect (connection, "closed", G_CALLBACK (on_closed), client);

  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_SECONDS);
  soup_websocket_connection_set_max_incoming_payload_size (connection, MAX_INCOMING_BYTES);

  if (clients == NULL)
    {
      clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
      g_hash_table_insert (self->clients, g_strdup (user->account_id), clients);
    }
  g_ptr_array_add (clients, client);
  self->n_clients++;

  /* What is pushed from now on starts after what exists now. */
  if (self->n_clients == 1)
    self->last_seq = tally_rules_store_get_last_seq (self->store);
}

static void
handle_websocket (SoupServer              *soup,
                  SoupServerMessage       *msg,
                  const char              *path,
                  SoupWebsocketConnection *connection,
                  gpointer                 user_data)
{
  TallyEvents *self = user_data;
  const TallyUser *user = g_object_get_data (G_OBJECT (msg), HANDSHAKE_USER_KEY);
  const char *token = g_object_get_data (G_OBJECT (msg), HANDSHAKE_TOKEN_KEY);

  /* Only a handshake that handle_handshake() let through gets here. */
  if (user == NULL || token == NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, NULL);
      return;
    }

  add_client (self, connection, user, token);
}

/* Adds the connections of @clients whose session has ended since the
 * handshake to @ended. */
static void
find_ended (TallyEvents *self,
            GPtrArray   *clients,
            GPtrArray   *ended)
{
  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = g_ptr_array_index (clients, i);
      TallyUser user;

      /* Closed already, it waits for the peer's answer: libsoup refuses
       * a second close. */
      if (soup_websocket_connection_get_state (client->connection) != SOUP_WEBSOCKET_STATE_OPEN)
        continue;
      if (!tally_server_authenticate (self->server, client->token, &user) ||
          !g_str_equal (user.account_id, client->account_id))
        g_ptr_array_add (ended, g_object_ref (client->connection));
    }
}

/* Closes the connections, of @account_id's user or of everyone (NULL),
 * whose session has ended: signed out, expired, or the user disabled. */
static void
close_ended (TallyEvents *self,
             const char  *account_id)
{
  g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func (g_object_unref);

  if (account_id != NULL)
    {
      GPtrArray *clients = g_hash_table_lookup (self->clients, account_id);

      if (clients != NULL)
        find_ended (self, clients, ended);
    }
  else
    {
      GHashTableIter iter;
      gpointer clients;

      g_hash_table_iter_init (&iter, self->clients);
      while (g_hash_table_iter_next (&iter, NULL, &clients))
        find_ended (self, clients, ended);
    }

  /* A session the database could not look up has not ended: it is
   * checked again once the database is back. */
  if (ended->len > 0 && tally_server_store_is_unavailable (self->server))
    return;

  /* Closing may report "closed" at once, which edits the table. */
  for (guint i = 0; i < ended->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (ended, i),
                                     SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                     "The session has ended");
}

static gboolean
reauthenticate (gpointer data)
{
  close_ended (data, NULL);
  return G_SOURCE_CONTINUE;
}

/* The store's data version changes when another process commits (on
 * SQLite, its data_version); the server's own commits leave it alone. */
static gint64
read_data_version (TallyEvents *self)
{
  gint64 version;

  if (!tally_rules_store_read_data_version (self->store, &version, NULL))
    return -1;
  return version;
}

/* Another process committed: sessions it ended close, and the transfers
 * it made are pushed. */
static void
look_again (TallyEvents *self,
            gint64       version)
{
  self->data_version = version;
  close_ended (self, NULL);
  /* Seqs commit in order on both stores, so nothing below the last one
   * can still appear. */
  if (self->n_clients > 0)
    push_changes (self, tally_writer_get_durable_seq (self->writer));
}

static gboolean
watch_data_version (gpointer data)
{
  TallyEvents *self = data;
  gint64 version;

  if (self->n_clients == 0)
    return G_SOURCE_CONTINUE;

  version = read_data_version (self);
  /* An outage is no sign of a commit, nor a reason to close sessions. */
  if (version != -1 && version != self->data_version)
    look_again (self, version);
  return G_SOURCE_CONTINUE;
}

/* Told by the store (PostgreSQL's NOTIFY) at once; the poll above stays,
 * for what a notice missed. */
static void
on_commit_elsewhere (gpointer data)
{
  TallyEvents *self = data;
  gint64 version;

  if (self->n_clients == 0)
    return;
  version = read_data_version (self);
  if (version != -1)
    look_again (self, version);
}

/* --- the handshake --- */

void
tally_events_handle_plain_request (TallyRequest *request)
{
  SoupServerMessage *msg = tally_request_get_message (request);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Upgrade",
                                "websocket");
  tally_request_respond_error (request, 426, "upgrade_required",
                               "%s is a WebSocket: ask for an upgrade to websocket",
                               TALLY_EVENTS_PATH);
}

static gboolean
asks_for_upgrade (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  return soup_message_headers_header_equals (headers, "Upgrade", "websocket") &&
         soup_message_headers_header_contains (headers, "Connection", "upgrade");
}

/* FALSE when the handshake was refused, and answered. */
static gboolean
accept_handshake (TallyEvents  *self,
                  TallyRequest *request,
                  TallyUser    *user)
{
  SoupServerMessage *msg = tally_request_get_message (request);
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (tally_request_get_path (request), TALLY_EVENTS_PATH))
    {
      tally_request_respond_error (request, 404, "not_found", "There is nothing at %s",
                                   tally_request_get_path (request));
      return FALSE;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      tally_request_respond_error (request, 405, "method_not_allowed", "%s is not allowed here",
                                   tally_request_get_method (request));
      return FALSE;
    }
  if (!tally_server_authenticate (self->server, tally_request_get_token (request), user))
    {
      tally_request_respond_error (request, 401, "unauthorized",
                                   "Sign in first: this needs a valid bearer token");
      return FALSE;
    }
  tally_request_set_user (request, user);

  if (!asks_for_upgrade (msg))
    {
      tally_events_handle_plain_request (request);
      return FALSE;
    }
  /* libsoup would refuse it in HTML; the API answers in JSON. */
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, self->extensions, &error))
    {
      tally_request_respond_error (request, 400, "invalid_handshake",
                                   "The WebSocket handshake is not valid: %s", error->message);
      return FALSE;
    }
  if (count_connections (self, user->account_id) >= MAX_CONNECTIONS_PER_ACCOUNT)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", G_STRINGIFY (KEEPALIVE_SECONDS));
      tally_request_respond_error (request, 429, "rate_limited",
                                   "Too many connections to %s for this account",
                                   TALLY_EVENTS_PATH);
      return FALSE;
    }

  return TRUE;
}

static void
observe (TallyEvents  *self,
         TallyRequest *request,
         guint         status)
{
  const TallyUser *user = tally_request_get_user (request);
  gint64 duration = g_get_monotonic_time () - tally_request_get_started (request);

  tally_metrics_observe_request (tally_server_get_metrics (self->server),
                                 tally_request_get_method (request), TALLY_EVENTS_PATH, status,
                                 duration);
  tally_log_request (tally_request_get_id (request), tally_request_get_method (request),
                     TALLY_EVENTS_PATH, status, duration, user ? user->id : NULL);
}

/* Runs before libsoup's own handshake: a status set here (401, ...) stops
 * the upgrade, so no WebSocket is ever opened without a valid token. */
static void
handle_handshake (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  TallyEvents *self = user_data;
  g_autoptr(TallyRequest) request = tally_request_new (self->server, msg, query);
  TallyUser user;

  if (!accept_handshake (self, request, &user))
    {
      /* A client waiting for the socket to open or close sees the refusal
       * at once, instead of a connection kept alive. */
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                    "close");
      observe (self, request, tally_request_get_status (request));
      return;
    }

  g_object_set_data_full (G_OBJECT (msg), HANDSHAKE_USER_KEY, g_memdup2 (&user, sizeof user),
                          g_free);
  g_object_set_data_full (G_OBJECT (msg), HANDSHAKE_TOKEN_KEY,
                          g_strdup (tally_request_get_token (request)), g_free);
  observe (self, request, SOUP_STATUS_SWITCHING_PROTOCOLS);
}

TallyEvents *
tally_events_attach (TallyServer *server)
{
  TallyEvents *self;

  g_return_val_if_fail (TALLY_IS_SERVER (server), NULL);
  g_return_val_if_fail (tally_server_get_soup_server (server) != NULL, NULL);

  self = g_object_new (TALLY_TYPE_EVENTS, NULL);
  self->server = server;
  self->soup = g_object_ref (tally_server_get_soup_server (server));
  self->writer = g_object_ref (tally_server_get_writer (server));
  self->store = g_object_ref (tally_server_get_rules_store (server));
  self->last_seq = tally_rules_store_get_last_seq (self->store);

  self->committed_id = g_signal_connect (self->writer, "committed", G_CALLBACK (on_committed),
                                         self);
  soup_server_add_handler (self->soup, TALLY_EVENTS_PATH, handle_handshake, self, NULL);
  soup_server_add_websocket_handler (self->soup, TALLY_EVENTS_PATH, NULL, NULL, handle_websocket,
                                     self, NULL);
  self->reauth_source = g_timeout_add_seconds (REAUTH_SECONDS, reauthenticate, self);
  self->data_version = read_data_version (self);
  self->data_version_source = g_timeout_add_seconds (DATA_VERSION_SECONDS, watch_data_version,
                                                     self);
  self->watching = g_cancellable_new ();
  tally_api_store_watch_commits (tally_server_get_store (server), on_commit_elsewhere, self,
                                 self->watching);

  /* The hub lives as long as the server; it holds what it uses itself, so
   * the order in which the server lets go of them does not matter. */
  g_object_set_data_full (G_OBJECT (server), "tally-events", self, g_object_unref);
  return self;
}

void
tally_events_push_payment_failed (TallyServer *server,
                                  const char  *account_id,
                                  const char  *session_id)
{
  TallyEvents *self = g_object_get_data (G_OBJECT (server), "tally-events");
  g_autoptr(JsonObject) message = json_object_new ();
  JsonObject *object = json_object_new ();

  g_return_if_fail (TALLY_IS_EVENTS (self));

  json_object_set_string_member (object, "status", "failed");
  json_object_set_int_member (object, "credits", 0);
  json_object_set_string_member (object, "ref", session_id);
  json_object_set_string_member (message, "type", "payment");
  json_object_set_object_member (message, "payment", object);
  send_json (self, account_id, message);
}

void
tally_events_push_gift_sent (TallyServer     *server,
                             const char      *account_id,
                             const char      *session_id,
                             const TallyGift *gift)
{
  g_autoptr(JsonObject) message = json_object_new ();
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "status", "gift_sent");
  json_object_set_int_member (object, "credits", gift->credits);
  json_object_set_string_member (object, "ref", session_id);
  json_object_set_string_member (object, "gift_email", gift->email);
  json_object_set_string_member (message, "type", "payment");
  json_object_set_object_member (message, "payment", object);
  tally_events_push (server, account_id, message);
}

void
tally_events_push_gift_waiting (TallyServer *server,
                                const char  *account_id)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "gift_waiting");
  tally_events_push (server, account_id, message);
}

void
tally_events_push (TallyServer *server,
                   const char  *account_id,
                   JsonObject  *message)
{
  TallyEvents *self = g_object_get_data (G_OBJECT (server), "tally-events");

  /* A server without a listener (commands, tests of the core) has none. */
  if (self == NULL)
    return;

  send_json (self, account_id, message);
}

void
tally_events_end_sessions (TallyServer *server,
                           const char  *account_id)
{
  TallyEvents *self = g_object_get_data (G_OBJECT (server), "tally-events");

  g_return_if_fail (TALLY_IS_EVENTS (self));
  g_return_if_fail (account_id != NULL);

  close_ended (self, account_id);
}
