/* test-systemd-unit.c: data/tally-server.service is valid and hardened
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

/* The unit as installed (ExecStart in the prefix) and a copy whose ExecStart
 * is the built binary: systemd-analyze verify wants the binary to exist. */
static const char *
unit_path (const char *variable)
{
  const char *path = g_getenv (variable);

  g_assert_nonnull (path);
  return path;
}

/* "Key=value" lines of every section, in order; repeated keys stay
 * repeated, as systemd reads them (GKeyFile would keep only the last). */
static GPtrArray *
read_directives (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *directives = g_ptr_array_new_with_free_func (g_free);

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (line[0] == '#' || line[0] == ';' || line[0] == '[' || strchr (line, '=') == NULL)
        continue;
      g_ptr_array_add (directives, g_strdup (line));
    }

  return directives;
}

static gboolean
has_directive (GPtrArray  *directives,
               const char *directive)
{
  for (guint i = 0; i < directives->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (directives, i), directive))
        return TRUE;
    }

  return FALSE;
}

static void
test_hardening (void)
{
  /* What a service holding money and passwords must not go without. */
  static const char * const required[] = {
    "DynamicUser=yes",
    "StateDirectory=tally-server",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "NoNewPrivileges=yes",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter=@system-service",
    "SystemCallArchitectures=native",
    "MemoryDenyWriteExecute=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "RestrictNamespaces=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "CapabilityBoundingSet=",
    "Restart=on-failure",
  };
  g_autoptr(GPtrArray) directives = read_directives (unit_path ("TALLY_INSTALL_UNIT"));

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (!has_directive (directives, required[i]))
        g_error ("data/tally-server.service.in lacks “%s”", required[i]);
    }
}

static void
test_exec_start (void)
{
  g_autoptr(GPtrArray) directives = read_directives (unit_path ("TALLY_INSTALL_UNIT"));
  g_autofree char *expected = g_strdup_printf ("ExecStart=%s/tally-server --data-dir=%%S/tally-server",
                                               g_getenv ("TALLY_BINDIR"));

  g_assert_nonnull (g_getenv ("TALLY_BINDIR"));
  g_assert_true (g_path_is_absolute (g_getenv ("TALLY_BINDIR")));
  if (!has_directive (directives, expected))
    g_error ("The installed unit should have “%s”", expected);
  g_assert_true (has_directive (directives, "Type=exec") ||
                 has_directive (directives, "Type=simple"));
}

static char *
find_systemd_analyze (void)
{
  char *program = g_find_program_in_path ("systemd-analyze");

  if (program == NULL)
    g_test_skip ("systemd-analyze is not installed (Debian package systemd)");
  return program;
}

/* Runs systemd-analyze; its exit status, with what it said. */
static int
run_analyze (const char * const  *argv,
             char               **out,
             char               **err)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
test_verify (void)
{
  g_autofree char *program = find_systemd_analyze ();
  g_autofree char *out = NULL, *err = NULL;
  int status;

  if (program == NULL)
    return;

  {
    const char *argv[] = { program, "verify", "--man=no", unit_path ("TALLY_TEST_UNIT"), NULL };

    status = run_analyze (argv, &out, &err);
  }
  g_test_message ("systemd-analyze verify: %s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  /* verify exits 0 on an unknown key or a bad value, only warning about
   * it, and names the unit's file in the warning. */
  g_assert_null (strstr (err, "tally-server"));
}

static void
test_exposure (void)
{
  g_autofree char *program = find_systemd_analyze ();
  g_autofree char *out = NULL, *err = NULL;
  int status;

  if (program == NULL)
    return;

  {
    /* Exposure at most 2.0 of 10 ("OK"); the threshold is in tenths. */
    const char *argv[] = { program, "security", "--offline=true", "--threshold=20", "--no-pager",
                           unit_path ("TALLY_TEST_UNIT"), NULL };

    status = run_analyze (argv, &out, &err);
  }
  if (strstr (err, "offline") != NULL || strstr (err, "threshold") != NULL)
    {
      /* systemd before 252 cannot assess a unit file that is not loaded. */
      g_test_skip ("systemd-analyze security has no --offline or --threshold here");
      return;
    }
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/systemd-unit/hardening", test_hardening);
  g_test_add_func ("/systemd-unit/exec-start", test_exec_start);
  g_test_add_func ("/systemd-unit/verify", test_verify);
  g_test_add_func ("/systemd-unit/exposure", test_exposure);

  return g_test_run ();
}
