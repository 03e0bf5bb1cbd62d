/* tally-sync.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "tally-sync.h"

/* What one POST /v1/sync may carry (the API's maxItems). */
#define SYNC_MAX_OPS 1000

/* Retries while offline wait 1 s, then twice as long each time, up to a
 * minute; each wait is shortened by up to half at random, so that many
 * devices coming back at once do not all ask at the same moment. */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_LAST_MS  60000

struct _TallySync
{
  GObject          parent_instance;

  TallyClient     *client;
  TallyCache      *cache;
  GNetworkMonitor *monitor;
  /* Cancelled on dispose: callbacks then leave self alone. */
  GCancellable    *cancellable;

  gboolean         online;
  gboolean         syncing;
  /* Asked for while a round was running: one more round after it. */
  gboolean         again;
  /* Outbox size and cursor when the round in progress was sent. */
  guint            outbox_sent;
  gint64           cursor_sent;
  /* The answer being applied said the server has more. */
  gboolean         more;
  guint            backoff_ms;
  guint            retry_source;

  /* The pools the session says the user may spend from. */
  GStrv            pools;
  /* The pools of the round in progress, and the one being synced. */
  GStrv            pool_round;
  guint            pool_index;
};

G_DEFINE_FINAL_TYPE (TallySync, tally_sync, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ONLINE,
  PROP_SYNCING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_round (TallySync *self);
static void start_pools (TallySync *self);

static void
set_syncing (TallySync *self,
             gboolean   syncing)
{
  if (self->syncing == syncing)
    return;

  self->syncing = syncing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCING]);
}

static void
set_online (TallySync *self,
            gboolean   online)
{
  if (online)
    {
      self->backoff_ms = BACKOFF_FIRST_MS;
      g_clear_handle_id (&self->retry_source, g_source_remove);
    }

  if (self->online == online)
    return;

  self->online = online;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

static gboolean
retry_cb (gpointer data)
{
  TallySync *self = data;

  self->retry_source = 0;
  tally_sync_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (TallySync *self)
{
  guint delay;

  if (self->retry_source != 0)
    return;

  delay = self->backoff_ms / 2 + (guint) g_random_int_range (0, (gint32) self->backoff_ms / 2 + 1);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_LAST_MS);
  self->retry_source = g_timeout_add (delay, retry_cb, self);
}

static void
go_offline (TallySync *self)
{
  set_online (self, FALSE);
  schedule_retry (self);
}

/* One round: send the outbox, apply the answer, go again while there is more */

static gboolean
round_needs_another (TallySync *self)
{
  guint left = tally_cache_outbox_count_for (self->cache, NULL);

  /* A shrinking outbox that is not empty yet held more than one request
   * could carry; an outbox that did not shrink would only be sent again. */
  return self->more || self->again || (left > 0 && left < self->outbox_sent);
}

static void
round_failed (TallySync    *self,
              const GError *error)
{
  set_syncing (self, FALSE);

  /* The window asks the user to sign in again. */
  if (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNAUTHORIZED))
    {
      self->again = FALSE;
      return;
    }

  if (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE))
    {
      go_offline (self);
      return;
    }

  /* The server answered but refused, or the answer did not fit the cache:
   * keep the outbox and try again later rather than lose anything. */
  g_message ("Sync failed, to be tried again: %s", error->message);
  schedule_retry (self);
}

/* The server's ledger ends before the cursor it was sent: it was restored
 * from a backup, or is another server at the same address. What the cache
 * mirrored may be gone from it, so the mirror starts over from cursor 0;
 * the outbox stays, and the server applies or rejects its ops by id. */
static gboolean
cursor_is_past_server (TallySync    *self,
                       GAsyncResult *result)
{
  JsonObject *problem = tally_client_call_get_problem (self->client, result);

  return problem != NULL && self->cursor_sent > 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (problem, "code", NULL),
                    "invalid_field") == 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (problem, "field", NULL),
                    "cursor") == 0;
}

static void
mirror_reset (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TallySync *self;

  /* Cancelled: the sync is gone, and with it user_data. */
  if (!tally_cache_reset_mirror_finish (TALLY_CACHE (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  if (error != NULL)
    {
      round_failed (self, error);
      return;
    }

  set_online (self, TRUE);
  start_round (self);
}

static void
restart_from_scratch (TallySync *self)
{
  g_message ("The server has nothing past cursor %" G_GINT64_FORMAT
             ": the local history is fetched again", self->cursor_sent);
  tally_cache_reset_mirror_async (self->cache, self->cancellable, mirror_reset, self);
}

/* The answer is in the cache (the writer thread wrote it): go again while
 * there is more. */
static void
answer_applied (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TallySync *self;

  if (!tally_cache_apply_sync_answer_finish (TALLY_CACHE (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  if (error != NULL)
    {
      round_failed (self, error);
      return;
    }

  set_online (self, TRUE);
  if (round_needs_another (self))
    {
      start_round (self);
      return;
    }

  start_pools (self);
}

static void
round_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                           &error);
  TallySync *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  if (answer == NULL && cursor_is_past_server (self, result))
    {
      restart_from_scratch (self);
      return;
    }
  if (answer == NULL)
    {
      round_failed (self, error);
      return;
    }

  /* Written off the UI thread; the round goes on in answer_applied(). */
  self->more = json_object_get_boolean_member_with_default (answer, "more", FALSE);
  tally_cache_apply_sync_answer_async (self->cache, answer, self->cancellable, answer_applied,
                                       self);
}

static void
start_round (TallySync *self)
{
  g_autoptr(JsonObject) body = json_object_new ();

  self->again = FALSE;
  self->outbox_sent = tally_cache_outbox_count_for (self->cache, NULL);
  self->cursor_sent = tally_cache_get_cursor (self->cache);
  json_object_set_string_member (body, "device", tally_cache_get_device_id (self->cache));
  json_object_set_int_member (body, "cursor", self->cursor_sent);
  json_object_set_array_member (body, "ops", tally_cache_outbox_peek (self->cache, SYNC_MAX_OPS));
  set_syncing (self, TRUE);

  tally_client_call_async (self->client, "POST", "/v1/sync", body, self->cancellable,
                           round_done, self);
}

/* Then each pool: its own lease and the ops paid from it */

static const char *
current_pool (TallySync *self)
{
  return self->pool_round[self->pool_index];
}

static void sync_pool (TallySync *self);

static void
next_pool (TallySync *self)
{
  self->pool_index++;
  sync_pool (self);
}

static void
pool_written (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TallySync *self;
  guint left;

  if (!tally_cache_write_pool_finish (TALLY_CACHE (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  if (error != NULL)
    {
      g_message ("Sync with the pool %s failed, to be tried again: %s", current_pool (self),
                 error->message);
      next_pool (self);
      return;
    }

  /* The server has more, or the pool's outbox shrank but is not empty:
   * as round_needs_another() for the user's own account. */
  left = tally_cache_outbox_count_for (self->cache, current_pool (self));
  if (self->more || (left > 0 && left < self->outbox_sent))
    {
      sync_pool (self);
      return;
    }
  next_pool (self);
}

static void
pool_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autoptr(JsonObject) answer = tally_client_call_finish (TALLY_CLIENT (source), result, &code,
                                                           &error);
  TallySync *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  if (answer != NULL)
    {
      self->more = json_object_get_boolean_member_with_default (answer, "more", FALSE);
      tally_cache_apply_pool_answer_async (self->cache, current_pool (self), answer,
                                           self->cancellable, pool_written, self);
      return;
    }
  /* No longer a member: the pool's offline runs will never be charged. */
  if (g_strcmp0 (code, "not_found") == 0)
    {
      self->more = FALSE;
      tally_cache_refuse_pool_async (self->cache, current_pool (self), "not_member",
                                     self->cancellable, pool_written, self);
      return;
    }
  if (g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE) ||
      g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNAUTHORIZED))
    {
      round_failed (self, error);
      return;
    }
  g_message ("Sync with the pool %s failed, to be tried again: %s", current_pool (self),
             error->message);
  next_pool (self);
}

static void
sync_pool (TallySync *self)
{
  g_autoptr(JsonObject) body = NULL;
  TallyCacheLease lease;
  gint64 cursor;

  if (self->pool_round[self->pool_index] == NULL)
    {
      g_clear_pointer (&self->pool_round, g_strfreev);
      if (self->again)
        start_round (self);
      else
        set_syncing (self, FALSE);
      return;
    }

  body = json_object_new ();
  tally_cache_get_pool_lease (self->cache, current_pool (self), &lease, &cursor);
  self->outbox_sent = tally_cache_outbox_count_for (self->cache, current_pool (self));
  json_object_set_string_member (body, "device", tally_cache_get_device_id (self->cache));
  json_object_set_string_member (body, "account_id", current_pool (self));
  /* The pool's transfers are not mirrored: none older than the user's
   * own are asked for. */
  json_object_set_int_member (body, "cursor", MAX (cursor, tally_cache_get_cursor (self->cache)));
  json_object_set_array_member (body, "ops",
                                tally_cache_outbox_peek_for (self->cache, current_pool (self),
                                                             SYNC_MAX_OPS));
  tally_client_call_async (self->client, "POST", "/v1/sync", body, self->cancellable, pool_done,
                           self);
}

static void
add_pool (GPtrArray  *pools,
          const char *id)
{
  for (guint i = 0; i < pools->len; i++)
    {
      if (g_ascii_strcasecmp (g_ptr_array_index (pools, i), id) == 0)
        return;
    }
  g_ptr_array_add (pools, g_ascii_strdown (id, -1));
}

/* The session's pools, and every other the cache still holds something
 * of: a pool the user has left still has its ops answered (refused). */
static GStrv
pools_to_sync (TallySync *self)
{
  g_auto(GStrv) cached = tally_cache_list_pools (self->cache);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; self->pools != NULL && self->pools[i] != NULL; i++)
    add_pool (all, self->pools[i]);
  for (guint i = 0; cached[i] != NULL; i++)
    add_pool (all, cached[i]);
  g_ptr_array_add (all, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&all), FALSE);
}

static void
start_pools (TallySync *self)
{
  g_strfreev (self->pool_round);
  self->pool_round = pools_to_sync (self);
  self->pool_index = 0;
  self->again = FALSE;
  sync_pool (self);
}

/* What says the server may have changed, or may be back */

static void
on_unreachable (TallyClient *client,
                TallySync   *self)
{
  go_offline (self);
}

static void
on_events_connected (TallyClient *client,
                     GParamSpec  *pspec,
                     TallySync   *self)
{
  gboolean connected;

  g_object_get (client, "events-connected", &connected, NULL);
  /* Connected: the server is there. Closed: find out at once whether it
   * is gone, rather than when the user next runs something. */
  if (connected)
    set_online (self, TRUE);
  tally_sync_now (self);
}

/* How far the device synced the account a balance event is about: a
 * pool has its own cursor once synced. */
static gint64
event_cursor (TallySync  *self,
              JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "account");
  JsonObject *account = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                        ? json_node_get_object (node) : NULL;
  const char *id = account != NULL ? json_object_get_string_member_with_default (account, "id",
                                                                                 NULL) : NULL;
  TallyCacheLease lease;
  gint64 cursor;

  if (id != NULL && tally_cache_get_pool_lease (self->cache, id, &lease, &cursor))
    return MAX (cursor, tally_cache_get_cursor (self->cache));
  return tally_cache_get_cursor (self->cache);
}

static void
on_event (TallyClient *client,
          JsonObject  *message,
          TallySync   *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");
  gint64 seq = json_object_get_int_member_with_default (message, "seq", 0);

  /* A gift waiting for the user arrives with the next sync. */
  if ((g_str_equal (type, "balance") && seq > event_cursor (self, message)) ||
      g_str_equal (type, "gift_waiting"))
    tally_sync_now (self);
}

static void
reach_checked (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (g_network_monitor_can_reach_finish (G_NETWORK_MONITOR (source), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  go_offline (user_data);
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    TallySync       *self)
{
  g_autoptr(GSocketConnectable) server = NULL;

  if (available)
    {
      if (!self->online)
        tally_sync_now (self);
      return;
    }

  /* No default route: a server on this machine or this network may still
   * answer, so ask the monitor about the server itself. */
  server = g_network_address_parse_uri (tally_client_get_server_url (self->client), 80, NULL);
  if (server == NULL)
    return;

  g_network_monitor_can_reach_async (monitor, server, self->cancellable, reach_checked, self);
}

/* The object */

static void
tally_sync_dispose (GObject *object)
{
  TallySync *self = (TallySync *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->client);
  g_clear_object (&self->cache);
  g_clear_object (&self->monitor);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pools, g_strfreev);
  g_clear_pointer (&self->pool_round, g_strfreev);

  G_OBJECT_CLASS (tally_sync_parent_class)->dispose (object);
}

static void
tally_sync_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TallySync *self = TALLY_SYNC (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;
    case PROP_SYNCING:
      g_value_set_boolean (value, self->syncing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_sync_class_init (TallySyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_sync_dispose;
  object_class->get_property = tally_sync_get_property;

  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNCING] =
    g_param_spec_boolean ("syncing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_sync_init (TallySync *self)
{
  self->online = TRUE;
  self->backoff_ms = BACKOFF_FIRST_MS;
  self->cancellable = g_cancellable_new ();
}

TallySync *
tally_sync_new (TallyClient *client,
                TallyCache  *cache)
{
  TallySync *self;

  g_return_val_if_fail (TALLY_IS_CLIENT (client), NULL);
  g_return_val_if_fail (TALLY_IS_CACHE (cache), NULL);

  self = g_object_new (TALLY_TYPE_SYNC, NULL);
  self->client = g_object_ref (client);
  self->cache = g_object_ref (cache);
  self->monitor = g_object_ref (g_network_monitor_get_default ());

  g_signal_connect (client, "unreachable", G_CALLBACK (on_unreachable), self);
  g_signal_connect (client, "notify::events-connected", G_CALLBACK (on_events_connected), self);
  g_signal_connect (client, "event", G_CALLBACK (on_event), self);
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  return self;
}

TallyCache *
tally_sync_get_cache (TallySync *self)
{
  g_return_val_if_fail (TALLY_IS_SYNC (self), NULL);

  return self->cache;
}

void
tally_sync_now (TallySync *self)
{
  g_return_if_fail (TALLY_IS_SYNC (self));

  if (self->syncing)
    {
      self->again = TRUE;
      return;
    }

  g_clear_handle_id (&self->retry_source, g_source_remove);
  start_round (self);
}

gboolean
tally_sync_get_online (TallySync *self)
{
  g_return_val_if_fail (TALLY_IS_SYNC (self), FALSE);

  return self->online;
}

gboolean
tally_sync_get_syncing (TallySync *self)
{
  g_return_val_if_fail (TALLY_IS_SYNC (self), FALSE);

  return self->syncing;
}

gint64
tally_sync_get_allowance (TallySync *self)
{
  TallyCacheLease lease;

  g_return_val_if_fail (TALLY_IS_SYNC (self), 0);

  tally_cache_get_lease (self->cache, &lease);
  if (lease.id[0] == '\0' || lease.expires_at <= g_get_real_time ())
    return 0;

  return MAX (0, lease.remaining - tally_cache_outbox_spent (self->cache));
}

gint64
tally_sync_get_lease_expiry (TallySync *self)
{
  TallyCacheLease lease;

  g_return_val_if_fail (TALLY_IS_SYNC (self), 0);

  tally_cache_get_lease (self->cache, &lease);
  return lease.id[0] != '\0' ? lease.expires_at : 0;
}

void
tally_sync_set_pools (TallySync          *self,
                      const char * const *account_ids)
{
  gboolean changed = FALSE;

  g_return_if_fail (TALLY_IS_SYNC (self));

  for (guint i = 0; account_ids != NULL && account_ids[i] != NULL; i++)
    {
      if (self->pools == NULL || !g_strv_contains ((const char * const *) self->pools,
                                                   account_ids[i]))
        changed = TRUE;
    }

  g_strfreev (self->pools);
  self->pools = g_strdupv ((char **) account_ids);
  /* A new pool: its lease is taken at once. */
  if (changed)
    tally_sync_now (self);
}

gint64
tally_sync_get_pool_allowance (TallySync  *self,
                               const char *account_id)
{
  TallyCacheLease lease;

  g_return_val_if_fail (TALLY_IS_SYNC (self), 0);
  g_return_val_if_fail (account_id != NULL, 0);

  if (!tally_cache_get_pool_lease (self->cache, account_id, &lease, NULL) ||
      lease.id[0] == '\0' || lease.expires_at <= g_get_real_time ())
    return 0;

  return MAX (0, lease.remaining - tally_cache_outbox_spent_for (self->cache, account_id));
}

gint64
tally_sync_get_pool_lease_expiry (TallySync  *self,
                                  const char *account_id)
{
  TallyCacheLease lease;

  g_return_val_if_fail (TALLY_IS_SYNC (self), 0);
  g_return_val_if_fail (account_id != NULL, 0);

  if (!tally_cache_get_pool_lease (self->cache, account_id, &lease, NULL))
    return 0;
  return lease.id[0] != '\0' ? lease.expires_at : 0;
}
