/* tally-cache-alerts.c: the alerts the server sent, kept for offline
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-cache-private.h"

typedef struct
{
  const char *id;
  gint64      created_at;
  char       *body;
  gboolean    added;
} AlertRow;

static gboolean
write_alert (TallyCacheConn  *conn,
             gpointer         data,
             gboolean        *changed,
             GError         **error)
{
  AlertRow *row = data;
  sqlite3_stmt *stmt = tally_cache_conn_stmt (conn, CACHE_STMT_ALERT_ADD);

  sqlite3_bind_text (stmt, 1, row->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row->created_at);
  sqlite3_bind_text (stmt, 3, row->body, -1, SQLITE_STATIC);
  if (!tally_cache_conn_step_done (conn, stmt, error))
    return FALSE;

  row->added = sqlite3_changes (tally_ledger_get_sqlite (conn->ledger)) > 0;
  return TRUE;
}

/**
 * tally_cache_add_alert:
 * @self: a #TallyCache
 * @id: the alert's id
 * @created_at: when it was made, microseconds since the epoch (UTC)
 * @alert: the alert's API object, stored as it is
 * @added: (out) (optional): whether it was not there yet
 * @error: return location for a #GError
 *
 * An alert comes both live and in the next page of GET /v1/alerts: the
 * id keeps it once. Waits for the writer thread: alerts are few, and
 * whether one is new decides whether the user is told.
 *
 * Returns: %TRUE when stored or there already
 */
gboolean
tally_cache_add_alert (TallyCache  *self,
                       const char  *id,
                       gint64       created_at,
                       JsonObject  *alert,
                       gboolean    *added,
                       GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;
  AlertRow row = { id, created_at, NULL, FALSE };

  g_return_val_if_fail (TALLY_IS_CACHE (self), FALSE);
  g_return_val_if_fail (id != NULL && alert != NULL, FALSE);

  node = json_node_init_object (json_node_alloc (), alert);
  body = json_to_string (node, FALSE);
  row.body = body;
  if (!tally_cache_write (self, write_alert, &row, NULL, error))
    return FALSE;

  if (added != NULL)
    *added = row.added;
  return TRUE;
}

/**
 * tally_cache_list_alerts:
 * @self: a #TallyCache
 * @limit: the most to return
 *
 * A stored body that is no longer JSON is left out with a warning.
 *
 * Returns: (transfer full): the newest alerts' objects, newest first
 */
JsonArray *
tally_cache_list_alerts (TallyCache *self,
                         guint       limit)
{
  JsonArray *alerts;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TALLY_IS_CACHE (self), NULL);

  alerts = json_array_new ();
  stmt = tally_cache_conn_stmt (tally_cache_reader (self), CACHE_STMT_ALERT_LIST);
  sqlite3_bind_int64 (stmt, 1, limit);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 0),
                                                   &error);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        json_array_add_element (alerts, g_steal_pointer (&node));
      else
        g_warning ("A cached alert is not a JSON object: %s",
                   error != NULL ? error->message : "not an object");
    }
  sqlite3_reset (stmt);
  return alerts;
}
