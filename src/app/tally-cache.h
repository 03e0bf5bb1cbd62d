/* tally-cache.h: the app's local copy of what the server knows, and the
 * outbox of what the app did offline
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-ledger.h"

G_BEGIN_DECLS

/* One cache per (server, user): a libtally ledger file that mirrors every
 * transfer touching the user's accounts, with the server's own ids, seq and
 * times (so history pages and exports are libtally's statement queries),
 * plus the app's own tables: documents (the last /v1/me, /v1/tools...),
 * the sync state (device id, cursor, lease) and the outbox.
 *
 * Reads are made at once on the calling (UI) thread; every write is made
 * by the cache's one writer thread, through a connection of its own (see
 * tally-cache-writer.c). The _async calls return at once and call back
 * on the caller's main context; the others wait for the writer, for
 * tests and tools. ::changed is always emitted on the thread that asked
 * for the write, after the getters below show what it committed. */

#define TALLY_CACHE_ERROR (tally_cache_error_quark ())

/* Storage failures come as TALLY_LEDGER_ERROR_STORAGE. */
typedef enum
{
  /* A sync answer that does not follow the API: nothing of it applied. */
  TALLY_CACHE_ERROR_INVALID_ANSWER,
  /* An outbox op that is not a SyncOp: it would make every sync fail. */
  TALLY_CACHE_ERROR_INVALID_OP,
} TallyCacheError;

#define TALLY_TYPE_CACHE (tally_cache_get_type ())

G_DECLARE_FINAL_TYPE (TallyCache, tally_cache, TALLY, CACHE, GObject)

/* The device's lease as the server last answered it; id is empty when the
 * device has none. Times in microseconds since the epoch, UTC. */
typedef struct _TallyCacheLease
{
  char   id[TALLY_UUID_LEN];
  gint64 amount;
  gint64 remaining;
  gint64 expires_at;
} TallyCacheLease;

GQuark            tally_cache_error_quark         (void);

/* Where the cache of @user_id on the server at @server_url lives:
 * $XDG_DATA_HOME/tally/cache/<hash of the URL>/<user_id>.db; NULL when
 * @user_id is not a UUID. */
char             *tally_cache_build_path          (const char       *server_url,
                                                   const char       *user_id);
/* Opens the file at @path, creating it and its folders. */
TallyCache       *tally_cache_open                (const char       *path,
                                                   GError          **error);
TallyLedger      *tally_cache_get_ledger          (TallyCache       *self);
/* A random id made on first open, sent as `device` in every sync. */
const char       *tally_cache_get_device_id       (TallyCache       *self);

/* Documents: the last answer of an endpoint, kept for offline starts.
 * Setting one returns at once; the writer stores it soon after, without
 * waiting for the disk, and not at all when unchanged. */
gboolean          tally_cache_set_document        (TallyCache       *self,
                                                   const char       *name,
                                                   JsonNode         *document,
                                                   GError          **error);
/* NULL when none was stored. */
JsonNode         *tally_cache_get_document        (TallyCache       *self,
                                                   const char       *name);

/* The seq of the last transfer mirrored; 0 at first. */
gint64            tally_cache_get_cursor          (TallyCache       *self);
void              tally_cache_get_lease           (TallyCache       *self,
                                                   TallyCacheLease  *out);
/* Applies an answer of POST /v1/sync in one transaction: mirrors its
 * transfers, records the cursor and the lease, and removes from the outbox
 * every op it has a result for. Emits ::changed. */
gboolean          tally_cache_apply_sync_answer   (TallyCache       *self,
                                                   JsonObject       *answer,
                                                   GError          **error);
/* The same on the writer thread: @answer is checked and decoded before
 * this returns (and not used after). */
void              tally_cache_apply_sync_answer_async (TallyCache   *self,
                                                   JsonObject       *answer,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
gboolean          tally_cache_apply_sync_answer_finish (TallyCache  *self,
                                                   GAsyncResult     *result,
                                                   GError          **error);

/* Outbox: operations made offline, each a SyncOp object of the API
 * ({id, type, tool, units, outcome, cost, created_at}). Adding is durable
 * before it returns (the app may be killed the next moment); adding an id
 * twice is a no-op. Emits ::changed. */
gboolean          tally_cache_outbox_add          (TallyCache       *self,
                                                   JsonObject       *op,
                                                   GError          **error);
/* The same on the writer thread: @op is checked before this returns, and
 * @callback runs once the op is committed. */
void              tally_cache_outbox_add_async    (TallyCache       *self,
                                                   JsonObject       *op,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
gboolean          tally_cache_outbox_add_finish   (TallyCache       *self,
                                                   GAsyncResult     *result,
                                                   GError          **error);
/* The same for an op paid from @account_id (a team's pool; NULL: the
 * user's own account): it is synced with that pool's lease. @team_name
 * (nullable) is the team's name as the user chose its pool, kept with
 * the op so that a refusal can name the team once the user has left it. */
void              tally_cache_outbox_add_on_async (TallyCache       *self,
                                                   JsonObject       *op,
                                                   const char       *account_id,
                                                   const char       *team_name,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
/* A run made offline, as its SyncOp (finished with
 * tally_cache_outbox_add_finish()), paid from @account_id (NULL: the
 * user's own account) of the team @team_name: what it measured (@units <
 * 0: nothing), how it ended and what it cost. */
void              tally_cache_outbox_add_run_async (TallyCache      *self,
                                                   const char       *account_id,
                                                   const char       *team_name,
                                                   const char       *run_id,
                                                   const char       *tool_id,
                                                   const char       *outcome,
                                                   gint64            units,
                                                   gint64            cost,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
/* The oldest @limit ops paid from the user's own account, oldest first,
 * as a new array of objects. */
JsonArray        *tally_cache_outbox_peek         (TallyCache       *self,
                                                   guint             limit);
/* The same for @account_id (NULL: the user's own account). */
JsonArray        *tally_cache_outbox_peek_for     (TallyCache       *self,
                                                   const char       *account_id,
                                                   guint             limit);
/* Every op waiting, whoever pays. */
guint             tally_cache_outbox_count        (TallyCache       *self);
/* The ops paid from @account_id (NULL: the user's own account). */
guint             tally_cache_outbox_count_for    (TallyCache       *self,
                                                   const char       *account_id);
/* The server no longer has what was mirrored (restored from a backup, or
 * another server at the same address): drops the mirrored accounts and
 * transfers, the cursor and the lease in one transaction, keeping the
 * device id, the documents, the outbox and the rejected ops; the next sync
 * starts from cursor 0. Emits ::changed. */
gboolean          tally_cache_reset_mirror        (TallyCache       *self,
                                                   GError          **error);
void              tally_cache_reset_mirror_async  (TallyCache       *self,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
gboolean          tally_cache_reset_mirror_finish (TallyCache       *self,
                                                   GAsyncResult     *result,
                                                   GError          **error);
/* The server gave the device's lease back for an online run: the lease
 * is gone at once, and from the file after the writer's write. */
void              tally_cache_forget_lease        (TallyCache       *self);
/* What the outbox's ops on the user's own account have cost: spent from
 * the lease, not yet synced. */
gint64            tally_cache_outbox_spent        (TallyCache       *self);
/* The same for @account_id (NULL: the user's own account). */
gint64            tally_cache_outbox_spent_for    (TallyCache       *self,
                                                   const char       *account_id);

/* Teams' pools (tally-cache-pools.c). The device syncs with each pool
 * it may spend from on its own (POST /v1/sync with the pool's
 * account_id): each has its cursor and its lease, kept apart from the
 * user's own. The pool's transfers are not mirrored: its ops' results
 * and its lease are what offline runs need. */

/* The device's lease on @account_id as last answered, and the cursor to
 * send; FALSE (and a zeroed @out, cursor 0) when it never synced it. */
gboolean          tally_cache_get_pool_lease      (TallyCache       *self,
                                                   const char       *account_id,
                                                   TallyCacheLease  *out,
                                                   gint64           *cursor);
/* Every pool the cache knows of: synced before, or with ops waiting. */
GStrv             tally_cache_list_pools          (TallyCache       *self);
/* Records @team_name with the ops waiting on @account_id that have no
 * team's name (queued by an app before cache migration 4, or without
 * one), on the writer thread after the writes asked for before. */
void              tally_cache_name_pool_ops       (TallyCache       *self,
                                                   const char       *account_id,
                                                   const char       *team_name);
/* Applies an answer of POST /v1/sync on @account_id in one transaction:
 * settles its ops' results, records the pool's cursor and lease. Emits
 * ::changed. Finished with tally_cache_write_pool_finish(). */
void              tally_cache_apply_pool_answer_async (TallyCache   *self,
                                                   const char       *account_id,
                                                   JsonObject       *answer,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
/* The server will no longer sync with @account_id (the user left the
 * team, or was removed): every op waiting on it is rejected with
 * @reason, in one transaction with forgetting the pool's lease. Emits
 * ::changed. Finished with tally_cache_write_pool_finish(). */
void              tally_cache_refuse_pool_async   (TallyCache       *self,
                                                   const char       *account_id,
                                                   const char       *reason,
                                                   GCancellable     *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer          user_data);
gboolean          tally_cache_write_pool_finish   (TallyCache       *self,
                                                   GAsyncResult     *result,
                                                   GError          **error);

/* Ops the server rejected, newest first: objects {id, op, reason,
 * rejected_at}, op being the SyncOp as it was sent, and for an op on a
 * team's pool its account_id and, when known, team_name. Kept until
 * dismissed, so the user can be told. */
JsonArray        *tally_cache_list_rejected       (TallyCache       *self);
/* Forgets a rejected op once the user has seen it. Emits ::changed. */
gboolean          tally_cache_dismiss_rejected    (TallyCache       *self,
                                                   const char       *op_id,
                                                   GError          **error);

/* Alerts (tally-cache-alerts.c): each kept as the API's object under its
 * id, for the history offline. Adding one that is there is a no-op;
 * *@added says whether it was new. Emits nothing: the session's list of
 * alerts follows what it adds. */
gboolean          tally_cache_add_alert           (TallyCache       *self,
                                                   const char       *id,
                                                   gint64            created_at,
                                                   JsonObject       *alert,
                                                   gboolean         *added,
                                                   GError          **error);
/* The newest @limit alerts, newest first, as a new array of objects. */
JsonArray        *tally_cache_list_alerts         (TallyCache       *self,
                                                   guint             limit);

/* The user's account as mirrored: its balance includes only what the
 * server has answered. FALSE when it is not in the cache yet. */
gboolean          tally_cache_lookup_account      (TallyCache       *self,
                                                   const char       *account_id,
                                                   TallyAccount     *out);

G_END_DECLS
