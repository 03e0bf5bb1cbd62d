/* tally-test-server.h: a real tally-server on a loopback port, for tests
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tally-test-common.h"

G_BEGIN_DECLS

typedef struct
{
  char        *dir;
  char        *data_dir;
  guint16      port;
  char        *base_url;
  GPid         pid;
  SoupSession *session;
  /* Options given at start, used again by a restart. */
  GStrv        extra_args;
  /* The server's log lines go to /dev/null, not the test's output. */
  gboolean     quiet;
  /* With TALLY_TEST_STORE=postgresql: the server's own database on the
   * test binary's PostgreSQL cluster, else NULL (SQLite in data_dir). */
  char        *store_url;
} TestServer;

typedef struct
{
  guint     status;
  char     *body;
  JsonNode *json;
  char     *retry_after;
} TestResponse;

/* Starts the server (tally-server from TALLY_SERVER_BINARY) on a free port
 * with a fresh data folder and waits until /healthz answers. */
TestServer   *test_server_start     (const char * const *extra_args);
/* The same, without the server's log: for tests that send thousands of
 * requests. */
TestServer   *test_server_start_quiet (const char * const *extra_args);
/* SIGTERM and wait for exit 0, or SIGKILL when @crash. */
void          test_server_stop      (TestServer         *server,
                                     gboolean            crash);
/* Same port and data. */
void          test_server_restart   (TestServer         *server);
void          test_server_free      (TestServer         *server);

/* A request over real HTTP. @body may be NULL; @token adds a bearer. */
TestResponse *test_request          (TestServer         *server,
                                     const char         *method,
                                     const char         *path,
                                     const char         *token,
                                     const char         *body);
/* A session like the server's own, for a client thread: libsoup wants
 * each thread to send on a session of its own. */
SoupSession  *test_session_new      (void);
/* test_request() on @session. A connection that fails gives status 0. */
TestResponse *test_request_on       (TestServer         *server,
                                     SoupSession        *session,
                                     const char         *method,
                                     const char         *path,
                                     const char         *token,
                                     const char         *body);
void          test_response_free    (TestResponse       *response);
/* Members of the response's JSON object: "a.b.c"; a number indexes an
 * array, "accounts.0.balance". */
const char   *test_response_string  (TestResponse       *response,
                                     const char         *path);
gint64        test_response_int     (TestResponse       *response,
                                     const char         *path);
/* "error.code" of an error answer. */
const char   *test_response_error   (TestResponse       *response);
/* The member at @path, or NULL. */
JsonNode     *test_response_member  (TestResponse       *response,
                                     const char         *path);
/* An error answer: @status, "error.code" @code and, unless @field is
 * NULL, "error.field" @field. Logs the answer first, for failures. */
void          test_assert_error     (TestResponse       *response,
                                     guint               status,
                                     const char         *code,
                                     const char         *field);

/* The first of @items (audit records, newest first as the admin API lists
 * them) whose "action" is @action, or NULL. */
JsonObject   *test_audit_find       (JsonArray          *items,
                                     const char         *action);

/* Every item of GET /v1/transactions as @token, all pages, newest first. */
JsonArray    *test_list_transactions (TestServer        *server,
                                     const char         *token);

/* A loopback port nothing listens on, for now. */
guint16       test_free_port        (void);

/* The tally-server binary under test. */
const char   *test_server_binary    (void);
/* <data_dir>/tally.db */
char         *test_server_ledger_path (TestServer       *server);
/* Opens the server's ledger file read-only beside it (WAL lets a reader
 * in while it runs) and asserts every invariant of the ledger holds. */
void          test_server_check_ledger (TestServer      *server);
/* The one integer @sql (a SELECT of one row) reads from the server's
 * ledger file, opened read-only beside it. */
gint64        test_server_count     (TestServer         *server,
                                     const char         *sql);
/* Runs @sql on the server's ledger file, which must work: for tests that
 * age or tamper with rows behind the server's back. */
void          test_server_exec      (TestServer         *server,
                                     const char         *sql);
/* FALSE when the router has no @method @path yet (404 "There is nothing
 * at …" or 405): for tests of endpoints still being written. */
gboolean      test_server_has_route (TestServer         *server,
                                     const char         *method,
                                     const char         *path);
/* Runs tally-server with @args (NULL-terminated, without the program),
 * with @input on stdin (NULL: /dev/null); returns its exit status, or -1
 * when a signal ended it. @out and @err may be NULL. */
int           test_server_command   (const char * const *args,
                                     const char         *input,
                                     char              **out,
                                     char              **err);

/* Registers a member and signs in; returns the token. @account_id, if
 * given, receives the user's account id (37 bytes). */
char         *test_user_new         (TestServer         *server,
                                     const char         *email,
                                     char               *account_id);
/* Creates an admin with `tally-server user add` and signs in. */
char         *test_admin_new        (TestServer         *server,
                                     const char         *email);
/* Registers a member granted @credits by @admin_token, whose spend limits
 * are then @limits (a PUT /v1/me/limits body); returns the token. */
char         *test_capped_user_new  (TestServer         *server,
                                     const char         *admin_token,
                                     const char         *email,
                                     gint64              credits,
                                     const char         *limits);
/* Starts @n_runs runs of image-resize on 10 images (6 credits held
 * each) as @token, one after the other; every one must be answered 201. */
void          test_runs_start       (TestServer         *server,
                                     const char         *token,
                                     guint               n_runs);
/* The same from @n_clients clients at once, each on a session of its
 * own; the default main context turns meanwhile. */
void          test_runs_at_once     (TestServer         *server,
                                     const char         *token,
                                     guint               n_clients,
                                     guint               n_runs);
/* The balance of @token's own account (GET /v1/me, which must answer
 * 200). */
gint64        test_balance          (TestServer         *server,
                                     const char         *token);
/* Grants @amount credits to @account_id as @admin_token. */
void          test_grant            (TestServer         *server,
                                     const char         *admin_token,
                                     const char         *account_id,
                                     gint64              amount);

/* Runs the default main context until @done (@data) or @seconds have
 * passed; TRUE if done. */
gboolean      test_iterate_until    (gboolean         (*done) (gpointer),
                                     gpointer            data,
                                     gdouble             seconds);
/* A WebSocket on /v1/events as @token, which must connect within 5 s. */
SoupWebsocketConnection *test_events_open (TestServer  *server,
                                           SoupSession *session,
                                           const char  *token);
/* For test_iterate_until(): the SoupWebsocketConnection @data is
 * closed. */
gboolean      test_socket_closed    (gpointer            data);

/* The suite's SMTP sink: aiosmtpd (python3-aiosmtpd) on a loopback port,
 * filing every message it receives into @dir/maildir. */
typedef struct
{
  char        *dir;
  guint16      port;
  GSubprocess *process;
} TestMailSink;

/* Starts the sink, which dies with the test, and waits until it listens. */
TestMailSink *test_mail_sink_start (void);
/* Stops the sink and removes its folder. */
void          test_mail_sink_free  (TestMailSink       *sink);
/* The text of every message the sink has filed, as it is on disk. */
GPtrArray    *test_mail_sink_texts (TestMailSink       *sink);

#define TEST_PASSWORD "correct horse battery staple"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestResponse, test_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestMailSink, test_mail_sink_free)

/* TRUE when the servers of this test binary keep their data in
 * PostgreSQL (TALLY_TEST_STORE=postgresql), as the suite's second run. */
gboolean      test_store_is_postgres (void);
/* Skips the rest of a test that reads or breaks SQLite's file on
 * purpose, when servers run on PostgreSQL: returns TRUE to return. */
gboolean      test_skip_unless_sqlite (void);
/* A new database on the test binary's PostgreSQL cluster (started by the
 * first call), its tables made by tally-server migrate: its URL. */
char         *test_postgres_database_new (void);
/* That cluster, to stop and restart it; NULL before the first database. */
struct _TallyTestPostgres *test_postgres_cluster (void);
/* A server on @store_url, which several servers may share. */
TestServer   *test_server_start_on (const char         *store_url,
                                    const char * const *extra_args);
/* --data-dir or --store-url, whichever names @server's store, for a
 * command run on it. */
char         *test_server_store_option (TestServer       *server);

G_END_DECLS
