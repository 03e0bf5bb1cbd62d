/* test-disk-full.c: a full disk and a read-only one, under a running server
 *
 * The test runs in a mount namespace of its own (it re-executes itself
 * under unshare(1); as a user who is not root, with a user namespace too)
 * and mounts a small tmpfs on a folder of /dev/shm that it makes its
 * temporary folder, where the server's data folder is made. It fills the disk
 * until writes fail: the server answers 503 with a reason and Retry-After
 * instead of crashing or answering 500, reads still work, /healthz says
 * what is wrong, and it recovers by itself when there is room again. A
 * read-only data folder stops the server at start with a clear message.
 * Each time, nothing it acknowledged is lost (`tally-server check`, and
 * every 201 run is in the history).
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "tally-test-server.h"

#define IN_NAMESPACE "TALLY_TEST_IN_MOUNT_NAMESPACE"
#define DISK_SIZE    "size=8m"
/* What is left when the filler is written: a few group commits' worth. */
#define LEFT_FREE    (1024 * 1024)

static char *disk;

/* --- the namespace and the small disk --- */

/* The small disk's mount point: under /dev/shm, a mount point (a tmpfs) on
 * every Linux system and also inside a chroot, whose own "/" usually is
 * not one. The harness makes the server's data folder under $TMPDIR. */
static void
reexec_in_mount_namespace (int    argc,
                           char **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *mount_point = g_strdup ("/dev/shm/tally-small-disk-XXXXXX");

  if (g_mkdtemp (mount_point) == NULL)
    g_error ("cannot make a folder in /dev/shm: %s", g_strerror (errno));

  /* unshare cannot make "/" private in a chroot (EINVAL): leave the
   * propagation alone and make /dev/shm private once inside. */
  g_ptr_array_add (args, (char *) "unshare");
  g_ptr_array_add (args, (char *) "--mount");
  g_ptr_array_add (args, (char *) "--propagation=unchanged");
  if (getuid () != 0)
    g_ptr_array_add (args, (char *) "--map-root-user");
  for (int i = 0; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);

  g_setenv (IN_NAMESPACE, mount_point, TRUE);
  g_setenv ("TMPDIR", mount_point, TRUE);
  execvp ("unshare", (char **) args->pdata);
  g_error ("cannot run unshare: %s", g_strerror (errno));
}

/* Nothing mounted here may reach the namespace the test was started in. */
static void
keep_mounts_private (void)
{
  if (mount (NULL, "/dev/shm", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ||
      mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
    return;

  g_error ("cannot make /dev/shm or / private in the test's mount namespace: %s",
           g_strerror (errno));
}

static void
mount_small_disk (void)
{
  disk = g_strdup (g_getenv (IN_NAMESPACE));
  keep_mounts_private ();
  if (mount ("tmpfs", disk, "tmpfs", 0, DISK_SIZE) != 0)
    g_error ("cannot mount a tmpfs on %s: %s", disk, g_strerror (errno));
  /* A bind mount of it on top, whose read-only flag can change on its own. */
  if (mount (disk, disk, NULL, MS_BIND, NULL) != 0)
    g_error ("cannot bind-mount %s: %s", disk, g_strerror (errno));
  g_assert_cmpstr (g_get_tmp_dir (), ==, disk);
}

static void
remount (gboolean read_only)
{
  unsigned long flags = MS_REMOUNT | MS_BIND | (read_only ? MS_RDONLY : 0);

  if (mount (NULL, disk, NULL, flags, NULL) != 0)
    g_error ("cannot remount %s: %s", disk, g_strerror (errno));
}

static char *
filler_path (void)
{
  return g_build_filename (disk, "filler", NULL);
}

static void
fill_disk (void)
{
  g_autofree char *path = filler_path ();
  g_autofree char *zeros = NULL;
  struct statvfs fs;
  gsize size;

  g_assert_cmpint (statvfs (disk, &fs), ==, 0);
  size = (gsize) fs.f_bavail * fs.f_frsize - LEFT_FREE;
  zeros = g_malloc0 (size);
  g_assert_true (g_file_set_contents (path, zeros, (gssize) size, NULL));
}

static void
free_disk (void)
{
  g_autofree char *path = filler_path ();

  g_assert_cmpint (g_unlink (path), ==, 0);
}

/* --- the server --- */

typedef struct
{
  TestServer *server;
  char       *token;
  char        account[37];
  /* Ids of the runs the server acknowledged (201). */
  GPtrArray  *acknowledged;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *admin = NULL;

  fixture->server = test_server_start (NULL);
  g_assert_true (g_str_has_prefix (fixture->server->data_dir, disk));
  admin = test_admin_new (fixture->server, "admin@example.com");
  fixture->token = test_user_new (fixture->server, "disk@example.com", fixture->account);
  test_grant (fixture->server, admin, fixture->account, 10000000);
  fixture->acknowledged = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  test_server_stop (fixture->server, FALSE);
  test_server_free (fixture->server);
  g_free (fixture->token);
  g_ptr_array_unref (fixture->acknowledged);
}

/* One run (authorize and complete); its status, and the answer when it was
 * refused. */
static TestResponse *
one_run (Fixture *fixture)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                                           "\"inputs\": {\"images\": 1}}", id);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  TestResponse *authorized = test_request (fixture->server, "POST", "/v1/runs",
                                           fixture->token, body);
  g_autoptr(TestResponse) completed = NULL;

  if (authorized->status != 201)
    return authorized;

  g_ptr_array_add (fixture->acknowledged, g_strdup (id));
  completed = test_request (fixture->server, "POST", path, fixture->token,
                            "{\"units\": 1, \"outcome\": \"succeeded\"}");
  /* The hold is acknowledged; a refused completion leaves it pending. */
  g_assert_true (completed->status == 200 || completed->status == 503);
  return authorized;
}

/* Runs until the server refuses one; that answer. */
static TestResponse *
run_until_refused (Fixture *fixture)
{
  for (guint i = 0; i < 20000; i++)
    {
      TestResponse *response = one_run (fixture);

      if (response->status != 201)
        return response;
      test_response_free (response);
    }

  g_assert_not_reached ();
}

static void
assert_refused_for_storage (TestResponse *response,
                            const char   *code)
{
  test_assert_error (response, 503, code, NULL);
  g_assert_cmpstr (response->retry_after, ==, "30");
}

static void
assert_health (Fixture *fixture,
               guint    status)
{
  g_autoptr(TestResponse) health = test_request (fixture->server, "GET", "/healthz", NULL, NULL);

  g_assert_cmpuint (health->status, ==, status);
}

/* Every acknowledged run is in the history, and the books hold. */
static void
assert_nothing_lost (Fixture *fixture)
{
  g_autoptr(JsonArray) items = test_list_transactions (fixture->server, fixture->token);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *dir = g_strdup_printf ("--data-dir=%s", fixture->server->data_dir);
  const char *args[] = { "check", dir, NULL };

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (json_object_has_member (item, "run_id") && !json_object_get_null_member (item, "run_id"))
        g_hash_table_add (seen, (gpointer) json_object_get_string_member (item, "run_id"));
    }
  for (guint i = 0; i < fixture->acknowledged->len; i++)
    g_assert_true (g_hash_table_contains (seen, g_ptr_array_index (fixture->acknowledged, i)));

  g_assert_cmpint (test_server_command (args, NULL, NULL, NULL), ==, 0);
}

static void
test_full (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TestResponse) refused = NULL, me = NULL, after = NULL;

  fill_disk ();
  refused = run_until_refused (fixture);
  g_test_message ("%u runs acknowledged before the disk was full", fixture->acknowledged->len);
  assert_refused_for_storage (refused, "storage_full");
  assert_health (fixture, 503);

  /* Reads need no room. */
  me = test_request (fixture->server, "GET", "/v1/me", fixture->token, NULL);
  g_assert_cmpuint (me->status, ==, 200);

  free_disk ();
  after = one_run (fixture);
  g_assert_cmpuint (after->status, ==, 201);
  assert_health (fixture, 200);
  assert_nothing_lost (fixture);
}

/* A data folder that cannot be written: the server says so and stops,
 * rather than crash later or answer as if it could keep anything. */
static void
test_read_only (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TestResponse) before = one_run (fixture);
  g_autoptr(TestResponse) after = NULL;
  g_autofree char *dir = g_strdup_printf ("--data-dir=%s", fixture->server->data_dir);
  g_autofree char *listen = g_strdup_printf ("--listen=127.0.0.1:%u", test_free_port ());
  const char *args[] = { dir, listen, NULL };
  g_autofree char *err = NULL;

  g_assert_cmpuint (before->status, ==, 201);
  test_server_stop (fixture->server, FALSE);

  remount (TRUE);
  g_assert_cmpint (test_server_command (args, NULL, NULL, &err), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "read-only file system"));

  remount (FALSE);
  test_server_restart (fixture->server);
  after = one_run (fixture);
  g_assert_cmpuint (after->status, ==, 201);
  assert_health (fixture, 200);
  assert_nothing_lost (fixture);
}

static void
skip_on_postgres (void)
{
  g_assert_true (test_skip_unless_sqlite ());
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* The small disk holds SQLite's data folder; PostgreSQL's cluster is
   * elsewhere, so there is nothing to fill: skip before any mount. */
  if (test_store_is_postgres ())
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/disk/full", skip_on_postgres);
      g_test_add_func ("/disk/read-only", skip_on_postgres);
      return g_test_run ();
    }

  if (g_getenv (IN_NAMESPACE) == NULL)
    reexec_in_mount_namespace (argc, argv);

  g_test_init (&argc, &argv, NULL);
  mount_small_disk ();

  g_test_add ("/disk/full", Fixture, NULL, fixture_set_up, test_full, fixture_tear_down);
  g_test_add ("/disk/read-only", Fixture, NULL, fixture_set_up, test_read_only,
              fixture_tear_down);

  status = g_test_run ();
  umount (disk);
  umount (disk);
  g_rmdir (disk);
  return status;
}
