/* tally-cache-private.h: what the cache's own files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "tally-cache.h"
#include "tally-ledger-sqlite.h"
#include "tally-sync-op.h"

G_BEGIN_DECLS

/* What a sync answer says about one op of the outbox. */
typedef struct
{
  char     id[TALLY_UUID_LEN];
  /* Rejected now, or a duplicate of an op that was rejected. */
  gboolean rejected;
  char     reason[64];
} TallyCacheOpResult;

/* A sync answer decoded whole before anything of it is applied. */
typedef struct
{
  GArray          *accounts;
  GArray          *transfers;
  GArray          *results;
  gint64           cursor;
  /* id empty: the device holds no lease. */
  TallyCacheLease  lease;
} TallyCacheAnswer;

/* The statements the cache prepares once, on open. */
typedef enum
{
  CACHE_STMT_DOCUMENT_PUT,
  CACHE_STMT_DOCUMENT_GET,
  CACHE_STMT_STATE_INIT,
  CACHE_STMT_STATE_GET,
  CACHE_STMT_STATE_PUT,
  CACHE_STMT_OUTBOX_ADD,
  CACHE_STMT_OUTBOX_PEEK,
  CACHE_STMT_OUTBOX_TOTALS,
  CACHE_STMT_OUTBOX_REJECT,
  CACHE_STMT_OUTBOX_REMOVE,
  CACHE_STMT_REJECTED_LIST,
  CACHE_STMT_REJECTED_DISMISS,
  CACHE_STMT_ALERT_ADD,
  CACHE_STMT_ALERT_LIST,
  CACHE_STMT_OUTBOX_COUNT_ALL,
  CACHE_STMT_POOL_GET,
  CACHE_STMT_POOL_PUT,
  CACHE_STMT_POOL_DROP,
  CACHE_STMT_POOL_LIST,
  CACHE_STMT_POOL_RESET_CURSORS,
  CACHE_STMT_OUTBOX_REJECT_ACCOUNT,
  CACHE_STMT_OUTBOX_REMOVE_ACCOUNT,
  CACHE_STMT_OUTBOX_NAME_TEAM,
  N_CACHE_STMTS
} TallyCacheStmt;

/* One connection to the cache file and the statements prepared on it.
 * The cache has two: the UI thread reads through one, the writer thread
 * writes through the other (see tally-cache-writer.c). */
typedef struct
{
  TallyLedger  *ledger;
  sqlite3_stmt *stmts[N_CACHE_STMTS];
} TallyCacheConn;

/* The sync state as a write committed it. */
typedef struct
{
  gint64          cursor;
  TallyCacheLease lease;
} TallyCacheState;

/* One write, run on the writer thread with its connection: FALSE with
 * @error when nothing of it was kept; *@changed says whether the views
 * should read again (::changed). */
typedef gboolean (*TallyCacheWriteFunc) (TallyCacheConn  *conn,
                                         gpointer         data,
                                         gboolean        *changed,
                                         GError         **error);

/* tally-cache.c */
/* The app's migrations of the cache file (component "app"), oldest
 * first: for tests that build a cache as an older release left it. */
const char * const *tally_cache_list_migrations (guint              *n_migrations);
/* Reset and unbound, ready to bind. */
sqlite3_stmt *tally_cache_conn_stmt    (TallyCacheConn      *conn,
                                        TallyCacheStmt       which);
/* Steps @stmt to its end and resets it; FALSE with a storage error. */
gboolean      tally_cache_conn_step_done (TallyCacheConn    *conn,
                                        sqlite3_stmt        *stmt,
                                        GError             **error);
gboolean      tally_cache_conn_error   (TallyCacheConn      *conn,
                                        GError             **error);
/* Prepares the cache's statements on @conn->ledger. */
gboolean      tally_cache_conn_prepare (TallyCacheConn      *conn,
                                        GError             **error);
/* Finalizes the statements and closes the connection. */
void          tally_cache_conn_close   (TallyCacheConn      *conn);
gboolean      tally_cache_conn_load_state (TallyCacheConn   *conn,
                                        TallyCacheState     *state,
                                        GError             **error);
/* The UI thread's connection, for reads. */
TallyCacheConn *tally_cache_reader     (TallyCache          *self);
/* Takes @state unless a later write's state was taken already. */
void          tally_cache_take_state   (TallyCache          *self,
                                        guint64              generation,
                                        const TallyCacheState *state);
void          tally_cache_emit_changed (TallyCache          *self);

/* tally-cache-writer.c: the writer thread */
typedef struct _TallyCacheWriter TallyCacheWriter;

/* Opens the writer's own connection to @path. */
TallyCacheWriter *tally_cache_writer_new  (const char        *path,
                                           GError           **error);
/* Waits for every write queued, then ends the thread and closes the
 * connection. */
void          tally_cache_writer_free  (TallyCacheWriter    *writer);
/* Runs @func on the writer thread and waits for it: for tests, tools and
 * rare small writes. Takes the state it committed and emits ::changed
 * when @func says so, on the calling thread. @free frees @data. */
gboolean      tally_cache_write        (TallyCache          *self,
                                        TallyCacheWriteFunc  func,
                                        gpointer             data,
                                        GDestroyNotify       free,
                                        GError             **error);
/* The same without waiting: @callback runs on the calling thread's main
 * context once the write committed (or failed), after the state was taken
 * and ::changed emitted there. A write not started when @cancellable is
 * cancelled is not made. Returns the write's number (see
 * tally_cache_take_state()). */
guint64       tally_cache_write_async  (TallyCache          *self,
                                        TallyCacheWriteFunc  func,
                                        gpointer             data,
                                        GDestroyNotify       free,
                                        gpointer             source_tag,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Ends a write that could not be asked for (its input was refused) as
 * tally_cache_write_async() would end it: @callback on the main context,
 * or cancelled. Takes @error. */
void          tally_cache_write_failed (TallyCache          *self,
                                        GError              *error,
                                        gpointer             source_tag,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean      tally_cache_write_finish (TallyCache          *self,
                                        GAsyncResult        *result,
                                        gpointer             source_tag,
                                        GError             **error);
/* Queues @func with nothing waiting for it and no state to take: its
 * errors are logged. Still made before the cache is finalized. */
void          tally_cache_write_later  (TallyCache          *self,
                                        TallyCacheWriteFunc  func,
                                        gpointer             data,
                                        GDestroyNotify       free);
/* The writer the cache made on open. */
TallyCacheWriter *tally_cache_get_writer (TallyCache        *self);

/* tally-cache-outbox.c */
/* Takes the op @result answers out of the outbox, keeping it among the
 * rejected ones when it was. Inside the caller's transaction, on the
 * writer's connection. */
gboolean      tally_cache_outbox_settle (TallyCacheConn           *conn,
                                        const TallyCacheOpResult  *result,
                                        GError                   **error);

/* Decodes @object as a sync answer, for the writer thread; NULL with
 * @error when it does not follow the API. */
TallyCacheAnswer *tally_cache_answer_new  (JsonObject      *object,
                                           GError         **error);
void          tally_cache_answer_free  (gpointer             answer);
/* Takes every op @results answers out of the outbox. */
gboolean      tally_cache_settle_results (TallyCacheConn    *conn,
                                        GArray              *results,
                                        GError             **error);
/* Ends the transaction a change began: commits it when @written, rolls
 * it back otherwise (@error is then set). */
gboolean      tally_cache_finish_change (TallyCacheConn     *conn,
                                        gboolean             written,
                                        gboolean            *changed,
                                        GError             **error);

/* tally-cache-decode.c */
gboolean tally_cache_decode_answer (JsonObject        *object,
                                    TallyCacheAnswer  *answer,
                                    GError           **error);
void     tally_cache_answer_clear  (TallyCacheAnswer  *answer);
/* Reads @op, a SyncOp the server will take (docs/openapi.json), into
 * @out with libtally's reader (tally-sync-op.h). */
gboolean tally_cache_decode_op     (JsonObject        *op,
                                    TallySyncOp       *out,
                                    GError           **error);
/* TALLY_CACHE_ERROR_INVALID_OP naming @member, the op's member at fault. */
GError  *tally_cache_invalid_op_error (const char     *member);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyCacheAnswer, tally_cache_answer_clear)

G_END_DECLS
