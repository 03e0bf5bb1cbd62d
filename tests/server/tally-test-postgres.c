/* tally-test-postgres.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <pwd.h>
#include <unistd.h>
#include <sys/types.h>

#include "tally-test-postgres.h"
#include "tally-test-server.h"

/* Debian's PostgreSQL 15 (package postgresql): not on PATH. */
#define PG_BIN "/usr/lib/postgresql/15/bin"

struct _TallyTestPostgres
{
  char    *dir;
  char    *data;
  char    *log;
  guint16  port;
  char    *url;
  gboolean running;
  /* Stops the cluster and removes the folder if the test dies first. */
  GSubprocess *guard;
};

static char *
read_log (TallyTestPostgres *self)
{
  char *text = NULL;

  if (!g_file_get_contents (self->log, &text, NULL, NULL))
    return g_strdup ("(no server log)");
  return text;
}

/* Runs PG_BIN/@program with @args (NULL-terminated), as the postgres user
 * when root: initdb refuses root, and the cluster's files must be the
 * server's. Aborts with the program's output and the log on failure. */
static void
run_program (TallyTestPostgres  *self,
             const char         *program,
             const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  if (geteuid () == 0)
    {
      g_ptr_array_add (argv, g_strdup ("runuser"));
      g_ptr_array_add (argv, g_strdup ("-u"));
      g_ptr_array_add (argv, g_strdup ("postgres"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  g_ptr_array_add (argv, g_build_filename (PG_BIN, program, NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (process == NULL)
    g_error ("%s: %s (install the postgresql package)", program, error->message);

  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error))
    g_error ("%s: %s", program, error->message);

  if (!g_subprocess_get_successful (process))
    {
      g_autofree char *log = read_log (self);

      g_error ("%s failed:\n%s\nPostgreSQL's log:\n%s", program, output, log);
    }
}

/* The run-as prefix of a command line, empty when not root. */
static const char *
run_as (void)
{
  return geteuid () == 0 ? "runuser -u postgres -- " : "";
}

static void
leave_process_group (gpointer data)
{
  setsid ();
}

/* pg_ctl's server outlives a test that aborts on a failed assertion, or
 * that meson kills with its process group on a timeout. The guard is a
 * shell of its own session that waits for the end of its stdin, which
 * closes when the test's process ends however it ends, then stops the
 * cluster and removes the folder. */
static void
start_guard (TallyTestPostgres *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_shell_quote (self->data);
  g_autofree char *dir = g_shell_quote (self->dir);
  g_autofree char *script = g_strdup_printf ("exec >/dev/null 2>&1; cat; "
                                             "%s" PG_BIN "/pg_ctl -D %s -m immediate -w stop; "
                                             "rm -rf %s", run_as (), data, dir);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, leave_process_group, NULL, NULL);
  self->guard = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", "-c", script, NULL);
  g_assert_no_error (error);
}

static void
give_to_postgres (const char *dir)
{
  struct passwd *postgres;

  if (geteuid () != 0)
    return;

  postgres = getpwnam ("postgres");
  if (postgres == NULL)
    g_error ("no postgres user to run PostgreSQL as (install the postgresql package)");
  if (chown (dir, postgres->pw_uid, postgres->pw_gid) != 0)
    g_error ("chown %s: %s", dir, g_strerror (errno));
}

static void
start_server (TallyTestPostgres *self)
{
  g_autofree char *options = g_strdup_printf ("-p %u -k '%s' -c listen_addresses=''",
                                              self->port, self->dir);
  const char * const args[] = { "-D", self->data, "-l", self->log, "-w", "-t", "120",
                                "-o", options, "start", NULL };

  run_program (self, "pg_ctl", args);
  self->running = TRUE;
}

TallyTestPostgres *
tally_test_postgres_start (void)
{
  TallyTestPostgres *self = g_new0 (TallyTestPostgres, 1);
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  self->dir = g_dir_make_tmp ("tally-pg-XXXXXX", &error);
  g_assert_no_error (error);
  give_to_postgres (self->dir);
  self->data = g_build_filename (self->dir, "data", NULL);
  self->log = g_build_filename (self->dir, "server.log", NULL);
  /* Only names the socket (.s.PGSQL.PORT): there is no TCP listener. */
  self->port = test_free_port ();
  self->url = tally_test_postgres_get_database_url (self, "postgres");

  /* --no-sync: a cluster thrown away after the test need not be on disk
   * before it starts; the server itself keeps fsync on. */
  {
    const char * const args[] = { "-D", self->data, "-U", "postgres", "--auth=trust",
                                  "-E", "UTF8", "--no-locale", "--no-sync", NULL };

    run_program (self, "initdb", args);
  }
  start_guard (self);
  start_server (self);

  g_test_message ("PostgreSQL 15 started in %s in %.1f s", self->dir,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  return self;
}

const char *
tally_test_postgres_get_url (TallyTestPostgres *self)
{
  return self->url;
}

char *
tally_test_postgres_get_database_url (TallyTestPostgres *self,
                                      const char        *name)
{
  g_autofree char *escaped = g_uri_escape_string (self->dir, "/", FALSE);

  return g_strdup_printf ("postgresql:///%s?host=%s&port=%u&user=postgres", name, escaped,
                          self->port);
}

static void
stop_server (TallyTestPostgres *self,
             const char        *mode)
{
  const char * const args[] = { "-D", self->data, "-m", mode, "-w", "-t", "120", "stop", NULL };

  run_program (self, "pg_ctl", args);
  self->running = FALSE;
}

void
tally_test_postgres_stop (TallyTestPostgres *self)
{
  g_assert_true (self->running);
  stop_server (self, "fast");
}

void
tally_test_postgres_restart (TallyTestPostgres *self)
{
  if (self->running)
    stop_server (self, "fast");
  start_server (self);
}

void
tally_test_postgres_free (TallyTestPostgres *self)
{
  g_subprocess_force_exit (self->guard);
  g_subprocess_wait (self->guard, NULL, NULL);
  g_clear_object (&self->guard);
  /* Nothing in it is kept: no checkpoint needed. */
  if (self->running)
    stop_server (self, "immediate");
  g_assert_true (test_remove_tree (self->dir));
  g_free (self->dir);
  g_free (self->data);
  g_free (self->log);
  g_free (self->url);
  g_free (self);
}
