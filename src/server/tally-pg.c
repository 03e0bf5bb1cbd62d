/* tally-pg.c: one connection to PostgreSQL, the base of its store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-pg.h"

/* The advisory lock every migration takes: "TALY", as the ledger file's
 * application_id. */
#define TALLY_PG_MIGRATION_LOCK "1413565529"

struct _TallyPg
{
  GObject    parent_instance;

  PGconn    *conn;
  /* The URL's password, as written and decoded: no message shows them. */
  GPtrArray *secrets;
  /* As of the last statement PostgreSQL answered. Kept when the
   * connection is lost, so the next statement knows its transaction is
   * gone instead of running outside it on a new connection. */
  gboolean   in_transaction;
};

G_DEFINE_FINAL_TYPE (TallyPg, tally_pg, G_TYPE_OBJECT)

G_DEFINE_QUARK (tally-pg-error-quark, tally_pg_error)

static void
tally_pg_finalize (GObject *object)
{
  TallyPg *self = TALLY_PG (object);

  g_clear_pointer (&self->conn, PQfinish);
  g_ptr_array_unref (self->secrets);

  G_OBJECT_CLASS (tally_pg_parent_class)->finalize (object);
}

static void
tally_pg_class_init (TallyPgClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_pg_finalize;
}

static void
tally_pg_init (TallyPg *self)
{
  self->secrets = g_ptr_array_new_with_free_func (g_free);
}

gboolean
tally_pg_error_is_retry (const GError *error)
{
  return g_error_matches (error, TALLY_PG_ERROR, TALLY_PG_ERROR_RETRY);
}

static void
add_secret (TallyPg    *self,
            const char *start,
            gsize       length)
{
  g_autofree char *written = g_strndup (start, length);
  char *decoded;

  if (*written == '\0')
    return;

  decoded = g_uri_unescape_string (written, NULL);
  if (decoded != NULL)
    g_ptr_array_add (self->secrets, decoded);
  g_ptr_array_add (self->secrets, g_steal_pointer (&written));
}

/* The password as libpq reads it: quoted, escaped or decoded. */
static void
collect_parsed_secret (TallyPg    *self,
                       const char *url)
{
  PQconninfoOption *options = PQconninfoParse (url, NULL);

  for (PQconninfoOption *option = options; option && option->keyword; option++)
    {
      if (g_str_equal (option->keyword, "password") && option->val != NULL)
        add_secret (self, option->val, strlen (option->val));
    }
  PQconninfoFree (options);
}

static int
longest_first (gconstpointer a,
               gconstpointer b)
{
  gsize length_a = strlen (*(const char * const *) a);
  gsize length_b = strlen (*(const char * const *) b);

  return (length_a < length_b) - (length_a > length_b);
}

/* Also found in the text: a URL libpq cannot parse has no password to
 * ask it for, yet its message may quote the URL. Both '@' count, as an
 * unencoded one in a password confuses the parse. */
static void
collect_url_secrets (TallyPg    *self,
                     const char *url)
{
  const char *scheme_end = strstr (url, "://");
  const char *keyword;

  collect_parsed_secret (self, url);

  if (scheme_end != NULL)
    {
      const char *authority = scheme_end + 3;
      gsize length = strcspn (authority, "/?");
      const char *first_at = memchr (authority, '@', length);
      const char *last_at = g_strrstr_len (authority, length, "@");
      const char *colon = first_at ? memchr (authority, ':', first_at - authority) : NULL;

      if (colon != NULL)
        {
          add_secret (self, colon + 1, first_at - colon - 1);
          add_secret (self, colon + 1, last_at - colon - 1);
        }
    }

  /* A URL's ?password= or a conninfo string's password=. */
  for (keyword = strstr (url, "password="); keyword != NULL;
       keyword = strstr (keyword + 1, "password="))
    {
      const char *value = keyword + strlen ("password=");

      add_secret (self, value, strcspn (value, "& \t'"));
    }

  /* Where one secret holds another, the whole goes first. */
  g_ptr_array_sort (self->secrets, longest_first);
}

/* @text with every secret as "****". */
static char *
scrub (TallyPg    *self,
       const char *text)
{
  GString *scrubbed = g_string_new (text);

  for (guint i = 0; i < self->secrets->len; i++)
    g_string_replace (scrubbed, g_ptr_array_index (self->secrets, i), "****", 0);

  return g_string_free (scrubbed, FALSE);
}

/* libpq's own message, first line only: the rest is advice ("This
 * probably means the server terminated abnormally"). */
static char *
connection_message (TallyPg *self)
{
  const char *message = self->conn ? PQerrorMessage (self->conn) : "out of memory";
  g_autofree char *line = g_strndup (message, strcspn (message, "\n"));

  return scrub (self, *line != '\0' ? line : "no reason given");
}

static gboolean
set_unavailable (TallyPg     *self,
                 const char  *what,
                 GError     **error)
{
  g_autofree char *message = connection_message (self);

  g_set_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE, "%s: %s", what, message);
  return FALSE;
}

static gboolean
connection_ok (TallyPg *self)
{
  return PQstatus (self->conn) == CONNECTION_OK;
}

/* NOTICEs ("relation already exists, skipping") go to the debug log,
 * not to stderr as libpq's default does. */
static void
log_notice (void       *data,
            const char *message)
{
  g_debug ("PostgreSQL: %.*s", (int) strcspn (message, "\n"), message);
}

TallyPg *
tally_pg_connect (const char  *url,
                  GError     **error)
{
  /* The URL's own connect_timeout or application_name win: later
   * parameters override earlier ones. */
  const char * const keywords[] = { "connect_timeout", "application_name", "dbname", NULL };
  const char * const values[] = { "10", "tally-server", url, NULL };
  g_autoptr(TallyPg) self = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (TALLY_TYPE_PG, NULL);
  collect_url_secrets (self, url);
  self->conn = PQconnectdbParams (keywords, values, TRUE);

  if (self->conn == NULL || !connection_ok (self))
    {
      g_autofree char *where = scrub (self, url);
      g_autofree char *what = g_strdup_printf ("Could not connect to PostgreSQL at %s", where);

      set_unavailable (self, what, error);
      return NULL;
    }

  PQsetNoticeProcessor (self->conn, log_notice, NULL);
  return g_steal_pointer (&self);
}

static void
note_transaction (TallyPg *self)
{
  PGTransactionStatusType status = PQtransactionStatus (self->conn);

  if (status != PQTRANS_UNKNOWN)
    self->in_transaction = status != PQTRANS_IDLE;
}

/* A lost connection comes back by itself, outside a transaction: after
 * PostgreSQL restarts, the next statement runs. Inside one it must not,
 * as the statements before it were rolled back with the connection. */
static gboolean
ensure_connection (TallyPg  *self,
                   GError  **error)
{
  if (connection_ok (self))
    return TRUE;

  if (self->in_transaction)
    {
      g_set_error_literal (error, TALLY_PG_ERROR, TALLY_PG_ERROR_UNAVAILABLE,
                           "The connection to PostgreSQL was lost during the transaction, "
                           "which PostgreSQL rolled back");
      return FALSE;
    }

  PQreset (self->conn);
  if (!connection_ok (self))
    return set_unavailable (self, "Could not reconnect to PostgreSQL", error);

  g_debug ("Reconnected to PostgreSQL");
  return TRUE;
}

static TallyPgError
error_code (TallyPg    *self,
            const char *sqlstate)
{
  if (!connection_ok (self))
    return TALLY_PG_ERROR_UNAVAILABLE;
  if (sqlstate == NULL)
    return TALLY_PG_ERROR_FAILED;
  if (g_str_equal (sqlstate, "40001") || g_str_equal (sqlstate, "40P01"))
    return TALLY_PG_ERROR_RETRY;
  if (g_str_has_prefix (sqlstate, "08") || g_str_equal (sqlstate, "57P01") ||
      g_str_equal (sqlstate, "57P02") || g_str_equal (sqlstate, "57P03") ||
      g_str_equal (sqlstate, "53300"))
    return TALLY_PG_ERROR_UNAVAILABLE;
  if (g_str_has_prefix (sqlstate, "23"))
    return TALLY_PG_ERROR_CONSTRAINT;
  return TALLY_PG_ERROR_FAILED;
}

static const char *
error_words (TallyPgError code)
{
  switch (code)
    {
    case TALLY_PG_ERROR_RETRY:
      return "PostgreSQL rolled the transaction back for it to run again";
    case TALLY_PG_ERROR_UNAVAILABLE:
      return "PostgreSQL is unavailable";
    case TALLY_PG_ERROR_CONSTRAINT:
      return "PostgreSQL refused the change";
    case TALLY_PG_ERROR_FAILED:
    case TALLY_PG_ERROR_SCHEMA_TOO_NEW:
    case TALLY_PG_ERROR_SCHEMA_TOO_OLD:
    default:
      return "PostgreSQL could not run the statement";
    }
}

static gboolean
set_statement_error (TallyPg         *self,
                     const PGresult  *res,
                     GError         **error)
{
  const char *sqlstate = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  TallyPgError code = error_code (self, sqlstate);
  const char *words = connection_ok (self) ? error_words (code)
                                           : "Lost the connection to PostgreSQL";
  g_autofree char *message = primary ? scrub (self, primary) : connection_message (self);

  if (sqlstate != NULL)
    g_set_error (error, TALLY_PG_ERROR, code, "%s: %s (SQLSTATE %s)", words, message, sqlstate);
  else
    g_set_error (error, TALLY_PG_ERROR, code, "%s: %s", words, message);
  return FALSE;
}

static gboolean
result_ok (const PGresult *res)
{
  ExecStatusType status = res ? PQresultStatus (res) : PGRES_FATAL_ERROR;

  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* With @script, @sql may hold several statements and no parameters (the
 * simple query protocol); otherwise one, with parameters. */
static PGresult *
run (TallyPg            *self,
     const char         *sql,
     int                 n_params,
     const char * const *values,
     gboolean            script,
     GError            **error)
{
  PGresult *res;

  if (!ensure_connection (self, error))
    return NULL;

  if (script)
    res = PQexec (self->conn, sql);
  else
    res = PQexecParams (self->conn, sql, n_params, NULL, values, NULL, NULL, 0);
  note_transaction (self);

  if (!result_ok (res))
    {
      set_statement_error (self, res, error);
      g_clear_pointer (&res, PQclear);
    }
  return res;
}

PGresult *
tally_pg_exec (TallyPg            *self,
               const char         *sql,
               int                 n_params,
               const char * const *values,
               GError            **error)
{
  g_return_val_if_fail (TALLY_IS_PG (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (n_params == 0 || values != NULL, NULL);

  return run (self, sql, n_params, values, FALSE, error);
}

gboolean
tally_pg_exec_command (TallyPg            *self,
                       const char         *sql,
                       int                 n_params,
                       const char * const *values,
                       GError            **error)
{
  g_autoptr(PGresult) res = tally_pg_exec (self, sql, n_params, values, error);

  return res != NULL;
}

static gboolean
begin (TallyPg     *self,
       const char  *sql,
       GError     **error)
{
  g_return_val_if_fail (TALLY_IS_PG (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  return tally_pg_exec_command (self, sql, 0, NULL, error);
}

gboolean
tally_pg_begin (TallyPg  *self,
                GError  **error)
{
  return begin (self, "BEGIN", error);
}

gboolean
tally_pg_begin_serializable (TallyPg  *self,
                             GError  **error)
{
  return begin (self, "BEGIN ISOLATION LEVEL SERIALIZABLE", error);
}

gboolean
tally_pg_commit (TallyPg  *self,
                 GError  **error)
{
  g_autoptr(PGresult) res = NULL;
  gboolean sent;

  g_return_val_if_fail (TALLY_IS_PG (self), FALSE);

  /* A connection known to be lost never sends the COMMIT. */
  sent = connection_ok (self);
  res = tally_pg_exec (self, "COMMIT", 0, NULL, error);
  /* Over either way: committed, rolled back, or gone with the connection. */
  self->in_transaction = FALSE;
  if (res == NULL)
    {
      if (sent && !connection_ok (self))
        g_prefix_error (error, "The commit may or may not have happened: ");
      return FALSE;
    }

  /* COMMIT of a transaction a statement failed in answers ROLLBACK, and
   * no error. */
  if (g_str_equal (PQcmdStatus (res), "ROLLBACK"))
    {
      g_set_error_literal (error, TALLY_PG_ERROR, TALLY_PG_ERROR_FAILED,
                           "PostgreSQL rolled back the transaction instead of committing it, "
                           "as a statement in it had failed");
      return FALSE;
    }
  return TRUE;
}

gboolean
tally_pg_rollback (TallyPg  *self,
                   GError  **error)
{
  g_autoptr(PGresult) res = NULL;

  g_return_val_if_fail (TALLY_IS_PG (self), FALSE);

  if (connection_ok (self))
    res = PQexec (self->conn, "ROLLBACK");
  note_transaction (self);

  /* PostgreSQL rolls back the transaction of a connection it lost. */
  if (!connection_ok (self))
    {
      self->in_transaction = FALSE;
      return TRUE;
    }

  if (!result_ok (res))
    return set_statement_error (self, res, error);
  return TRUE;
}

gboolean
tally_pg_in_transaction (TallyPg *self)
{
  g_return_val_if_fail (TALLY_IS_PG (self), FALSE);

  return self->in_transaction;
}

gint64
tally_pg_get_int64 (const PGresult *res,
                    int             row,
                    int             col)
{
  return g_ascii_strtoll (PQgetvalue (res, row, col), NULL, 10);
}

gboolean
tally_pg_is_null (const PGresult *res,
                  int             row,
                  int             col)
{
  return PQgetisnull (res, row, col);
}

/* Migrations */

static gboolean
read_version (TallyPg     *pg,
              const char  *component,
              int         *version,
              GError     **error)
{
  const char * const values[] = { component };
  g_autoptr(PGresult) res = tally_pg_exec (pg, "SELECT version FROM components WHERE name = $1",
                                           1, values, error);

  if (res == NULL)
    return FALSE;

  *version = PQntuples (res) > 0 ? (int) tally_pg_get_int64 (res, 0, 0) : 0;
  return TRUE;
}

static gboolean
write_version (TallyPg     *pg,
               const char  *component,
               guint        version,
               GError     **error)
{
  g_autofree char *text = g_strdup_printf ("%u", version);
  const char * const values[] = { component, text };

  return tally_pg_exec_command (pg,
                                "INSERT INTO components (name, version) VALUES ($1, $2) "
                                "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                                2, values, error);
}

static gboolean
apply_migrations (TallyPg            *pg,
                  const char         *component,
                  const char * const *migrations,
                  guint               n_migrations,
                  GError            **error)
{
  int version;

  /* First the lock: until it is held, even the components table may be
   * half created by another server. READ COMMITTED: each statement after
   * it sees what the server that held it committed. */
  if (!tally_pg_exec_command (pg, "SELECT pg_advisory_xact_lock (" TALLY_PG_MIGRATION_LOCK ")",
                              0, NULL, error) ||
      !tally_pg_exec_command (pg, "CREATE TABLE IF NOT EXISTS components ("
                                  "  name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                              0, NULL, error) ||
      !read_version (pg, component, &version, error))
    return FALSE;

  if (version < 0 || (guint) version > n_migrations)
    {
      g_set_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_SCHEMA_TOO_NEW,
                   "The database's %s tables have schema version %d; this Tally knows up to "
                   "%u. Upgrade Tally to use it; the database was left unchanged",
                   component, version, n_migrations);
      return FALSE;
    }

  if ((guint) version == n_migrations)
    return TRUE;

  for (guint v = version; v < n_migrations; v++)
    {
      g_autoptr(PGresult) res = run (pg, migrations[v], 0, NULL, TRUE, error);

      if (res == NULL)
        {
          g_prefix_error (error, "Migration %u of the %s tables failed: ", v + 1, component);
          return FALSE;
        }
    }

  g_debug ("Migrated the %s tables from version %d to %u", component, version, n_migrations);
  return write_version (pg, component, n_migrations, error);
}

gboolean
tally_pg_migrate_component (TallyPg            *pg,
                            const char         *component,
                            const char * const *migrations,
                            guint               n_migrations,
                            GError            **error)
{
  g_return_val_if_fail (TALLY_IS_PG (pg), FALSE);
  g_return_val_if_fail (component != NULL, FALSE);
  g_return_val_if_fail (n_migrations == 0 || migrations != NULL, FALSE);

  if (!tally_pg_begin (pg, error))
    return FALSE;

  if (!apply_migrations (pg, component, migrations, n_migrations, error))
    {
      tally_pg_rollback (pg, NULL);
      return FALSE;
    }

  return tally_pg_commit (pg, error);
}

gboolean
tally_pg_component_version (TallyPg     *pg,
                            const char  *component,
                            int         *version,
                            GError     **error)
{
  g_autoptr(PGresult) res = NULL;

  g_return_val_if_fail (TALLY_IS_PG (pg), FALSE);
  g_return_val_if_fail (component != NULL, FALSE);
  g_return_val_if_fail (version != NULL, FALSE);

  res = tally_pg_exec (pg, "SELECT to_regclass ('components') IS NOT NULL", 0, NULL, error);
  if (res == NULL)
    return FALSE;

  if (!g_str_equal (PQgetvalue (res, 0, 0), "t"))
    {
      *version = 0;
      return TRUE;
    }

  return read_version (pg, component, version, error);
}

gboolean
tally_pg_listen (TallyPg     *self,
                 const char  *channel,
                 GError     **error)
{
  g_autofree char *listen = NULL;
  char *quoted;

  g_return_val_if_fail (TALLY_IS_PG (self), FALSE);
  g_return_val_if_fail (channel != NULL, FALSE);

  quoted = PQescapeIdentifier (self->conn, channel, strlen (channel));
  if (quoted == NULL)
    return set_unavailable (self, "Could not quote a channel's name", error);
  listen = g_strconcat ("LISTEN ", quoted, NULL);
  PQfreemem (quoted);
  return tally_pg_exec_command (self, listen, 0, NULL, error);
}

int
tally_pg_get_socket (TallyPg *self)
{
  g_return_val_if_fail (TALLY_IS_PG (self), -1);

  return PQsocket (self->conn);
}

int
tally_pg_get_backend_pid (TallyPg *self)
{
  g_return_val_if_fail (TALLY_IS_PG (self), 0);

  return PQbackendPID (self->conn);
}

gboolean
tally_pg_take_notifications (TallyPg  *self,
                             int       ignore_pid,
                             guint    *n_notifications,
                             GError  **error)
{
  PGnotify *notify;

  g_return_val_if_fail (TALLY_IS_PG (self), FALSE);

  *n_notifications = 0;
  if (!PQconsumeInput (self->conn) || !connection_ok (self))
    return set_unavailable (self, "The connection that listens to PostgreSQL was lost", error);

  while ((notify = PQnotifies (self->conn)) != NULL)
    {
      if (notify->be_pid != ignore_pid)
        (*n_notifications)++;
      PQfreemem (notify);
    }
  return TRUE;
}

gboolean
tally_pg_check_component (TallyPg     *pg,
                          const char  *component,
                          guint        n_migrations,
                          GError     **error)
{
  int version;

  if (!tally_pg_component_version (pg, component, &version, error))
    return FALSE;

  if (version >= 0 && (guint) version > n_migrations)
    {
      g_set_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_SCHEMA_TOO_NEW,
                   "The database's %s tables have schema version %d; this Tally knows up to "
                   "%u. Upgrade Tally to use it", component, version, n_migrations);
      return FALSE;
    }
  if (version < 0 || (guint) version < n_migrations)
    {
      g_set_error (error, TALLY_PG_ERROR, TALLY_PG_ERROR_SCHEMA_TOO_OLD,
                   "The database's %s tables have schema version %d; this Tally needs %u. "
                   "Run \"tally-server migrate\" first", component, version, n_migrations);
      return FALSE;
    }
  return TRUE;
}

void
tally_pg_params_add_int64 (TallyPgParams *params,
                           gint64         value)
{
  g_return_if_fail (params->n < (int) G_N_ELEMENTS (params->values));

  g_snprintf (params->printed[params->n], sizeof params->printed[0], "%" G_GINT64_FORMAT, value);
  params->values[params->n] = params->printed[params->n];
  params->n++;
}

void
tally_pg_params_add_text (TallyPgParams *params,
                          const char    *text)
{
  g_return_if_fail (params->n < (int) G_N_ELEMENTS (params->values));

  params->values[params->n++] = text;
}

void
tally_pg_params_add_bytes (TallyPgParams *params,
                           const guint8  *bytes,
                           gsize          size)
{
  char *out;

  g_return_if_fail (params->n < (int) G_N_ELEMENTS (params->values));
  g_return_if_fail (2 + 2 * size < sizeof params->printed[0]);

  out = params->printed[params->n];
  out[0] = '\\';
  out[1] = 'x';
  for (gsize i = 0; i < size; i++)
    g_snprintf (out + 2 + 2 * i, 3, "%02x", bytes[i]);
  out[2 + 2 * size] = '\0';
  params->values[params->n] = out;
  params->n++;
}

PGresult *
tally_pg_run (TallyPg             *self,
              const char          *sql,
              const TallyPgParams *params,
              GError             **error)
{
  return tally_pg_exec (self, sql, params != NULL ? params->n : 0,
                        params != NULL ? params->values : NULL, error);
}

gboolean
tally_pg_run_command (TallyPg             *self,
                      const char          *sql,
                      const TallyPgParams *params,
                      GError             **error)
{
  return tally_pg_exec_command (self, sql, params != NULL ? params->n : 0,
                                params != NULL ? params->values : NULL, error);
}

gboolean
tally_pg_run_change (TallyPg             *self,
                     const char          *sql,
                     const TallyPgParams *params,
                     gboolean            *changed,
                     GError             **error)
{
  g_autoptr(PGresult) res = tally_pg_run (self, sql, params, error);

  *changed = FALSE;
  if (res == NULL)
    return FALSE;

  *changed = g_str_equal (PQcmdTuples (res), "1");
  return TRUE;
}

void
tally_pg_copy_text (const PGresult *res,
                    int             row,
                    int             col,
                    char           *dest,
                    gsize           size)
{
  const char *value = PQgetvalue (res, row, col);

  if (PQgetisnull (res, row, col) || strlen (value) >= size)
    value = "";
  g_strlcpy (dest, value, size);
}

gboolean
tally_pg_get_bytes (const PGresult *res,
                    int             row,
                    int             col,
                    guint8         *bytes,
                    gsize           size)
{
  const char *hex = PQgetvalue (res, row, col);

  if (PQgetisnull (res, row, col) || strlen (hex) != 2 + 2 * size ||
      hex[0] != '\\' || hex[1] != 'x')
    return FALSE;

  for (gsize i = 0; i < size; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 + 2 * i]);
      int low = g_ascii_xdigit_value (hex[3 + 2 * i]);

      if (high < 0 || low < 0)
        return FALSE;
      bytes[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}
