/* test-syncer.c: the WAL syncer on a file of its own: order, readiness
 * on the main context, and a WAL replaced or removed under it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "tally-syncer.h"

typedef struct
{
  TallySyncer *syncer;
  GPtrArray   *popped;
  guint        n_ready;
} Fixture;

static void
on_ready (gpointer data)
{
  Fixture *fixture = data;
  gpointer item;
  gint64 synced_at;

  fixture->n_ready++;
  while (tally_syncer_pop (fixture->syncer, &item, &synced_at))
    {
      g_assert_cmpint (synced_at, <=, g_get_monotonic_time ());
      g_ptr_array_add (fixture->popped, item);
    }
}

/* How many of this process's fds are open on @path, and how many on a
 * removed file of that name. */
static void
count_fds (const char *path,
           guint      *live,
           guint      *removed)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autofree char *deleted = g_strconcat (path, " (deleted)", NULL);
  const char *name;

  *live = *removed = 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (g_strcmp0 (target, path) == 0)
        (*live)++;
      else if (g_strcmp0 (target, deleted) == 0)
        (*removed)++;
    }
}

static void
write_file (const char *path)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "frames", -1, &error);
  g_assert_no_error (error);
}

/* Waits for the syncer, then for its ready callback on this context. */
static void
settle (Fixture *fixture)
{
  guint before = fixture->n_ready;

  tally_syncer_wait (fixture->syncer);
  while (fixture->n_ready == before)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_order_and_reopen (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-syncer-XXXXXX", NULL);
  g_autofree char *wal = g_build_filename (dir, "tally.db-wal", NULL);
  Fixture fixture = { NULL, g_ptr_array_new (), 0 };
  guint live, removed;

  write_file (wal);
  fixture.syncer = tally_syncer_new (wal, on_ready, &fixture);

  /* Clean items (failed groups) keep their place between dirty ones. */
  tally_syncer_push (fixture.syncer, GUINT_TO_POINTER (1), TRUE);
  tally_syncer_push (fixture.syncer, GUINT_TO_POINTER (2), FALSE);
  tally_syncer_push (fixture.syncer, GUINT_TO_POINTER (3), TRUE);
  settle (&fixture);
  while (fixture.popped->len < 3)
    settle (&fixture);
  g_assert_cmpuint (fixture.popped->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (fixture.popped, i)), ==, i + 1);
  count_fds (wal, &live, &removed);
  g_assert_cmpuint (live, ==, 1);

  /* A new WAL file (another inode): synced, the old fd let go. */
  g_assert_cmpint (g_unlink (wal), ==, 0);
  write_file (wal);
  tally_syncer_push (fixture.syncer, GUINT_TO_POINTER (4), TRUE);
  settle (&fixture);
  count_fds (wal, &live, &removed);
  g_assert_cmpuint (live, ==, 1);
  g_assert_cmpuint (removed, ==, 0);

  /* No WAL at all: its frames went to the main file, nothing to sync. */
  g_assert_cmpint (g_unlink (wal), ==, 0);
  tally_syncer_push (fixture.syncer, GUINT_TO_POINTER (5), TRUE);
  settle (&fixture);
  g_assert_cmpuint (fixture.popped->len, ==, 5);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (fixture.popped, 4)), ==, 5);
  count_fds (wal, &live, &removed);
  g_assert_cmpuint (live + removed, ==, 0);

  tally_syncer_free (fixture.syncer);
  count_fds (wal, &live, &removed);
  g_assert_cmpuint (live + removed, ==, 0);
  g_ptr_array_unref (fixture.popped);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/syncer/order-and-reopen", test_order_and_reopen);

  return g_test_run ();
}
