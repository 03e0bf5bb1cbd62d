/* tally-cache-outbox.c: what the app did offline, until the server has
 * answered for it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-cache-private.h"
#include "tally-export.h"

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

static JsonObject *
object_from_string (const char *text)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = json_from_string (text, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_warning ("An op of the local cache is not a JSON object: %s",
                 error ? error->message : "another kind of value");
      return NULL;
    }

  return json_object_ref (json_node_get_object (node));
}

/* An op as the writer thread stores it. */
typedef struct
{
  char   *id;
  char   *text;
  gint64  cost;
  /* Who pays: '' the user's own account, or a team's pool, and that
   * team's name ('' when not known). */
  char   *account_id;
  char   *team_name;
} OutboxRow;

static void
outbox_row_free (gpointer data)
{
  OutboxRow *row = data;

  g_free (row->id);
  g_free (row->text);
  g_free (row->account_id);
  g_free (row->team_name);
  g_free (row);
}

/* Checked and written out on the calling thread: the JSON stays there. */
static OutboxRow *
outbox_row_new (JsonObject  *op,
                const char  *account_id,
                const char  *team_name,
                GError     **error)
{
  TallySyncOp decoded;
  OutboxRow *row;

  if (!tally_cache_decode_op (op, &decoded, error))
    return NULL;

  row = g_new0 (OutboxRow, 1);
  /* Read in lower case, as the server's results name ops. */
  row->id = g_strdup (decoded.id);
  row->text = object_to_string (op);
  row->cost = decoded.cost;
  row->account_id = account_id != NULL ? g_ascii_strdown (account_id, -1) : g_strdup ("");
  row->team_name = g_strdup (account_id != NULL && team_name != NULL ? team_name : "");
  return row;
}

/* On the writer thread, with synchronous=FULL. */
static gboolean
write_outbox_row (TallyCacheConn  *conn,
                  gpointer         data,
                  gboolean        *changed,
                  GError         **error)
{
  OutboxRow *row = data;
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_OUTBOX_ADD);

  sqlite3_bind_text (stmt, 1, row->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, row->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, row->cost);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  sqlite3_bind_text (stmt, 5, row->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, row->team_name, -1, SQLITE_STATIC);

  if (!tally_cache_conn_step_done (conn, stmt, error))
    return FALSE;

  *changed = sqlite3_changes (tally_ledger_get_sqlite (conn->ledger)) > 0;
  return TRUE;
}

/**
 * tally_cache_outbox_add:
 * @self: a #TallyCache
 * @op: a SyncOp of the API
 * @error: return location for a #GError
 *
 * Adds @op after every op already waiting. The write is committed with
 * synchronous=FULL before this returns, so a crash or a kill the next
 * moment loses nothing. Waits for the writer thread; the app uses
 * tally_cache_outbox_add_async().
 *
 * Returns: %TRUE when the op is in the outbox, or was already
 */
gboolean
tally_cache_outbox_add (TallyCache  *self,
                        JsonObject  *op,
                        GError     **error)
{
  OutboxRow *row;

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (op != NULL, FALSE);

  row = outbox_row_new (op, NULL, NULL, error);
  if (row == NULL)
    return FALSE;

  return tally_cache_write (self, write_outbox_row, row, outbox_row_free, error);
}

/**
 * tally_cache_outbox_add_async:
 * @self: a #TallyCache
 * @op: a SyncOp of the API
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the op is committed (synchronous=FULL), or not
 * @user_data: passed to @callback
 *
 * As tally_cache_outbox_add(), on the writer thread: a user is told the
 * run is recorded from @callback, when a kill would no longer lose it.
 */
void
tally_cache_outbox_add_async (TallyCache          *self,
                              JsonObject          *op,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  tally_cache_outbox_add_on_async (self, op, NULL, NULL, cancellable, callback, user_data);
}

/**
 * tally_cache_outbox_add_on_async:
 * @self: a #TallyCache
 * @op: a SyncOp of the API
 * @account_id: (nullable): the team's pool that pays, or %NULL for the
 *   user's own account
 * @team_name: (nullable): the name of @account_id's team, as the user
 *   chose its pool; kept with the op, so that a refusal names the team
 *   once the user is no longer in it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the op is committed, or not
 * @user_data: passed to @callback
 *
 * As tally_cache_outbox_add_async(), for an op synced with @account_id's
 * lease. Finished with tally_cache_outbox_add_finish().
 */
void
tally_cache_outbox_add_on_async (TallyCache          *self,
                                 JsonObject          *op,
                                 const char          *account_id,
                                 const char          *team_name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  OutboxRow *row;

  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (op != NULL);

  row = outbox_row_new (op, account_id, team_name, &error);
  if (row == NULL)
    {
      tally_cache_write_failed (self, g_steal_pointer (&error), tally_cache_outbox_add_async,
                                cancellable, callback, user_data);
      return;
    }

  tally_cache_write_async (self, write_outbox_row, row, outbox_row_free,
                           tally_cache_outbox_add_async, cancellable, callback, user_data);
}

gboolean
tally_cache_outbox_add_finish (TallyCache    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return tally_cache_write_finish (self, result, tally_cache_outbox_add_async, error);
}

/**
 * tally_cache_outbox_peek:
 * @self: a #TallyCache
 * @limit: the most to return
 *
 * Returns: (transfer full): the oldest ops, oldest first
 */
JsonArray *
tally_cache_outbox_peek (TallyCache *self,
                         guint       limit)
{
  return tally_cache_outbox_peek_for (self, NULL, limit);
}

/**
 * tally_cache_outbox_peek_for:
 * @self: a #TallyCache
 * @account_id: (nullable): a team's pool, or %NULL for the user's own
 *   account
 * @limit: the most to return
 *
 * Returns: (transfer full): the oldest ops paid from @account_id, oldest
 *   first
 */
JsonArray *
tally_cache_outbox_peek_for (TallyCache *self,
                             const char *account_id,
                             guint       limit)
{
  JsonArray *ops = json_array_new ();
  g_autofree char *account = account_id != NULL ? g_ascii_strdown (account_id, -1) : NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_CACHE (self), ops);

  stmt = tally_cache_conn_stmt (tally_cache_reader (self), CACHE_STMT_OUTBOX_PEEK);
  sqlite3_bind_text (stmt, 1, account != NULL ? account : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, limit);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *op = object_from_string ((const char *) sqlite3_column_text (stmt, 0));

      if (op != NULL)
        json_array_add_object_element (ops, op);
    }
  sqlite3_reset (stmt);

  return ops;
}

static void
outbox_totals (TallyCache *self,
               const char *account_id,
               gint64     *count,
               gint64     *spent)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (tally_cache_reader (self),
                                              CACHE_STMT_OUTBOX_TOTALS);
  g_autofree char *account = account_id != NULL ? g_ascii_strdown (account_id, -1) : NULL;

  sqlite3_bind_text (stmt, 1, account != NULL ? account : "", -1, SQLITE_TRANSIENT);
  *count = *spent = 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *count = sqlite3_column_int64 (stmt, 0);
      *spent = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
}

guint
tally_cache_outbox_count (TallyCache *self)
{
  sqlite3_stmt *stmt;
  gint64 count = 0;

  g_return_val_if_fail (TALLY_IS_CACHE (self), 0);

  stmt = tally_cache_conn_stmt (tally_cache_reader (self), CACHE_STMT_OUTBOX_COUNT_ALL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return (guint) MIN (count, G_MAXUINT);
}

guint
tally_cache_outbox_count_for (TallyCache *self,
                              const char *account_id)
{
  gint64 count, spent;

  g_return_val_if_fail (TALLY_IS_CACHE (self), 0);

  outbox_totals (self, account_id, &count, &spent);
  return (guint) MIN (count, G_MAXUINT);
}

gint64
tally_cache_outbox_spent (TallyCache *self)
{
  return tally_cache_outbox_spent_for (self, NULL);
}

gint64
tally_cache_outbox_spent_for (TallyCache *self,
                              const char *account_id)
{
  gint64 count, spent;

  g_return_val_if_fail (TALLY_IS_CACHE (self), 0);

  outbox_totals (self, account_id, &count, &spent);
  return spent;
}

gboolean
tally_cache_outbox_settle (TallyCacheConn            *conn,
                           const TallyCacheOpResult  *result,
                           GError                   **error)
{
  g_autofree char *id = g_ascii_strdown (result->id, -1);
  sqlite3_stmt *stmt;

  if (result->rejected)
    {
      stmt = tally_cache_conn_stmt (conn, CACHE_STMT_OUTBOX_REJECT);
      sqlite3_bind_text (stmt, 1, result->reason, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
      sqlite3_bind_text (stmt, 3, id, -1, SQLITE_TRANSIENT);
      if (!tally_cache_conn_step_done (conn, stmt, error))
        return FALSE;
    }

  stmt = tally_cache_conn_stmt (conn, CACHE_STMT_OUTBOX_REMOVE);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  return tally_cache_conn_step_done (conn, stmt, error);
}

/* '' in the file: the user's own account, or a name not known. */
static void
set_unless_empty (JsonObject *object,
                  const char *name,
                  const char *value)
{
  if (value != NULL && value[0] != '\0')
    json_object_set_string_member (object, name, value);
}

static JsonObject *
rejected_row (sqlite3_stmt *stmt)
{
  JsonObject *object = json_object_new ();
  JsonObject *op = object_from_string ((const char *) sqlite3_column_text (stmt, 1));
  g_autofree char *rejected_at = tally_time_to_iso8601 (sqlite3_column_int64 (stmt, 3));

  json_object_set_string_member (object, "id", (const char *) sqlite3_column_text (stmt, 0));
  if (op != NULL)
    json_object_set_object_member (object, "op", op);
  else
    json_object_set_null_member (object, "op");
  json_object_set_string_member (object, "reason", (const char *) sqlite3_column_text (stmt, 2));
  json_object_set_string_member (object, "rejected_at", rejected_at);
  set_unless_empty (object, "account_id", (const char *) sqlite3_column_text (stmt, 4));
  set_unless_empty (object, "team_name", (const char *) sqlite3_column_text (stmt, 5));
  return object;
}

/**
 * tally_cache_list_rejected:
 * @self: a #TallyCache
 *
 * Returns: (transfer full): the rejected ops, newest first
 */
JsonArray *
tally_cache_list_rejected (TallyCache *self)
{
  JsonArray *rejected = json_array_new ();
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_CACHE (self), rejected);

  stmt = tally_cache_conn_stmt (tally_cache_reader (self), CACHE_STMT_REJECTED_LIST);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    json_array_add_object_element (rejected, rejected_row (stmt));
  sqlite3_reset (stmt);

  return rejected;
}

static gboolean
write_dismissal (TallyCacheConn  *conn,
                 gpointer         data,
                 gboolean        *changed,
                 GError         **error)
{
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_REJECTED_DISMISS);

  sqlite3_bind_text (stmt, 1, data, -1, SQLITE_STATIC);
  if (!tally_cache_conn_step_done (conn, stmt, error))
    return FALSE;

  *changed = sqlite3_changes (tally_ledger_get_sqlite (conn->ledger)) > 0;
  return TRUE;
}

/* Waits for the writer thread: rare, and the caller lists the rejected
 * ops again on the ::changed it emits. */
gboolean
tally_cache_dismiss_rejected (TallyCache  *self,
                              const char  *op_id,
                              GError     **error)
{
  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (op_id != NULL, FALSE);

  return tally_cache_write (self, write_dismissal, g_ascii_strdown (op_id, -1), g_free, error);
}

/* The run as an op of the API, written by libtally's one writer; NULL
 * with @fault naming the member that does not fit it. */
static JsonObject *
run_op_json (const char  *run_id,
             const char  *tool_id,
             const char  *outcome,
             gint64       units,
             gint64       cost,
             const char **fault)
{
  TallySyncOp op = { .units = MAX (units, 0), .cost = cost, .created_at = g_get_real_time () };

  if (g_strlcpy (op.id, run_id, sizeof op.id) >= sizeof op.id)
    *fault = "id";
  else if (g_strlcpy (op.tool, tool_id, sizeof op.tool) >= sizeof op.tool)
    *fault = "tool";
  else if (!tally_run_outcome_from_string (outcome, &op.outcome))
    *fault = "outcome";
  else
    return tally_sync_op_to_json (&op);

  return NULL;
}

void
tally_cache_outbox_add_run_async (TallyCache          *self,
                                  const char          *account_id,
                                  const char          *team_name,
                                  const char          *run_id,
                                  const char          *tool_id,
                                  const char          *outcome,
                                  gint64               units,
                                  gint64               cost,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(JsonObject) op = NULL;
  const char *fault = NULL;

  g_return_if_fail (TALLY_IS_CACHE (self));
  g_return_if_fail (run_id != NULL && tool_id != NULL);

  op = run_op_json (run_id, tool_id, outcome, units, cost, &fault);
  if (op == NULL)
    {
      tally_cache_write_failed (self, tally_cache_invalid_op_error (fault),
                                tally_cache_outbox_add_async, cancellable, callback, user_data);
      return;
    }

  tally_cache_outbox_add_on_async (self, op, account_id, team_name, cancellable, callback,
                                   user_data);
}
