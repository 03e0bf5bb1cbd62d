/* tally-pg.h: one connection to PostgreSQL, the base of its store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

#define TALLY_PG_ERROR (tally_pg_error_quark ())

/* Chosen by the statement's SQLSTATE, so callers branch on what to do,
 * not on PostgreSQL's codes. */
typedef enum
{
  /* Anything else: a bug in the SQL, a full disk, ... */
  TALLY_PG_ERROR_FAILED,
  /* 40001 serialization_failure, 40P01 deadlock_detected: the
   * transaction was rolled back; the caller reruns all of it. */
  TALLY_PG_ERROR_RETRY,
  /* No connection, a lost one, class 08, 57P01-57P03 (shutting down,
   * starting up), 53300 (too many connections): answer 503. */
  TALLY_PG_ERROR_UNAVAILABLE,
  /* Class 23: a unique key, a foreign key or a CHECK refused the row. */
  TALLY_PG_ERROR_CONSTRAINT,
  /* The database's tables are newer than this Tally. */
  TALLY_PG_ERROR_SCHEMA_TOO_NEW,
  /* The database's tables are older than this Tally: run tally-server migrate. */
  TALLY_PG_ERROR_SCHEMA_TOO_OLD,
} TallyPgError;

#define TALLY_TYPE_PG (tally_pg_get_type ())

/* Owns one PGconn: use it from one thread at a time. */
G_DECLARE_FINAL_TYPE (TallyPg, tally_pg, TALLY, PG, GObject)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

GQuark    tally_pg_error_quark        (void);
gboolean  tally_pg_error_is_retry     (const GError        *error);

/* @url: a postgresql:// URL or a key=value conninfo string. No error
 * message shows its password. */
TallyPg  *tally_pg_connect            (const char          *url,
                                       GError             **error);

/* One statement, with @n_params text parameters ($1, $2, ...; a NULL
 * value is SQL NULL): the result (free it with PQclear, or
 * g_autoptr(PGresult)), or NULL and @error. Outside a transaction, a
 * connection lost earlier is reset first, once. */
PGresult *tally_pg_exec               (TallyPg             *self,
                                       const char          *sql,
                                       int                  n_params,
                                       const char * const  *values,
                                       GError             **error);
/* The same, for a statement whose rows nobody reads. */
gboolean  tally_pg_exec_command       (TallyPg             *self,
                                       const char          *sql,
                                       int                  n_params,
                                       const char * const  *values,
                                       GError             **error);

/* READ COMMITTED, PostgreSQL's default. */
gboolean  tally_pg_begin              (TallyPg             *self,
                                       GError             **error);
gboolean  tally_pg_begin_serializable (TallyPg             *self,
                                       GError             **error);
/* A commit that fails UNAVAILABLE may have happened or not. */
gboolean  tally_pg_commit             (TallyPg             *self,
                                       GError             **error);
/* On a lost connection the transaction is gone already: TRUE. */
gboolean  tally_pg_rollback           (TallyPg             *self,
                                       GError             **error);
gboolean  tally_pg_in_transaction     (TallyPg             *self);

gint64    tally_pg_get_int64          (const PGresult      *res,
                                       int                  row,
                                       int                  col);
gboolean  tally_pg_is_null            (const PGresult      *res,
                                       int                  row,
                                       int                  col);

/* Brings @component's tables from their version to @n_migrations in one
 * transaction (migration N takes them from N to N + 1), under an
 * advisory lock, so servers starting together migrate once. Refuses a
 * database newer than @n_migrations, changing nothing. */
gboolean  tally_pg_migrate_component  (TallyPg             *pg,
                                       const char          *component,
                                       const char * const  *migrations,
                                       guint                n_migrations,
                                       GError             **error);
/* Notifications (LISTEN/NOTIFY), for a connection that only listens. */
gboolean  tally_pg_listen             (TallyPg             *self,
                                       const char          *channel,
                                       GError             **error);
/* The connection's socket, to watch for notifications arriving. */
int       tally_pg_get_socket         (TallyPg             *self);
/* The server process of this connection, as notifications name theirs. */
int       tally_pg_get_backend_pid    (TallyPg             *self);
/* Reads what arrived on the socket and counts the notifications sent by
 * other server processes than @ignore_pid (0 ignores none). FALSE when
 * the connection is lost. */
gboolean  tally_pg_take_notifications (TallyPg             *self,
                                       int                  ignore_pid,
                                       guint               *n_notifications,
                                       GError             **error);

/* Succeeds when @component's tables are at version @n_migrations, as a
 * server checks at start; otherwise says which way they differ. */
gboolean  tally_pg_check_component    (TallyPg             *pg,
                                       const char          *component,
                                       guint                n_migrations,
                                       GError             **error);
/* @component's version in the database, 0 when it has none. */
gboolean  tally_pg_component_version  (TallyPg             *pg,
                                       const char          *component,
                                       int                 *version,
                                       GError             **error);

/* The text parameters of one statement: numbers and byte strings are
 * printed into the struct itself, so nothing is allocated. A text value
 * must outlive the statement; NULL is SQL NULL. */
typedef struct
{
  char        printed[16][72];
  const char *values[16];
  int         n;
} TallyPgParams;

void      tally_pg_params_add_int64   (TallyPgParams       *params,
                                       gint64               value);
void      tally_pg_params_add_text    (TallyPgParams       *params,
                                       const char          *text);
/* As bytea's hex input; at most 32 bytes. */
void      tally_pg_params_add_bytes   (TallyPgParams       *params,
                                       const guint8        *bytes,
                                       gsize                size);
/* tally_pg_exec() and tally_pg_exec_command() with @params (or none). */
PGresult *tally_pg_run                (TallyPg             *self,
                                       const char          *sql,
                                       const TallyPgParams *params,
                                       GError             **error);
gboolean  tally_pg_run_command        (TallyPg             *self,
                                       const char          *sql,
                                       const TallyPgParams *params,
                                       GError             **error);
/* Runs a statement that changes at most one row (an UPDATE or DELETE of
 * one row, an INSERT ... ON CONFLICT DO NOTHING): *@changed says whether
 * it did. A second server doing the same waits for the first's row lock
 * and then changes nothing. */
gboolean  tally_pg_run_change         (TallyPg             *self,
                                       const char          *sql,
                                       const TallyPgParams *params,
                                       gboolean            *changed,
                                       GError             **error);
/* A NULL or over-long value reads as "". */
void      tally_pg_copy_text          (const PGresult      *res,
                                       int                  row,
                                       int                  col,
                                       char                *dest,
                                       gsize                size);
/* A bytea column of exactly @size bytes; FALSE otherwise. */
gboolean  tally_pg_get_bytes          (const PGresult      *res,
                                       int                  row,
                                       int                  col,
                                       guint8              *bytes,
                                       gsize                size);

G_END_DECLS
