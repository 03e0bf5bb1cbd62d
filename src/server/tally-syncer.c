/* tally-syncer.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally-log.h"
#include "tally-syncer.h"

typedef struct
{
  gpointer item;
  gboolean dirty;
  /* Monotonic times, for the debug timings of the hand-offs. */
  gint64   pushed_at;
  gint64   sync_started_at;
  gint64   synced_at;
} Entry;

struct _TallySyncer
{
  GMutex            lock;
  GCond             cond;
  /* Pushed, not yet synced; being synced; ready to pop. All in order. */
  GQueue            pending;
  gboolean          syncing;
  GQueue            ready;
  gboolean          stopping;
  GThread          *thread;
  GMainContext     *context;
  GSource          *ready_source;
  TallySyncerReady  ready_func;
  gpointer          ready_data;

  /* Only the thread touches these. */
  char             *wal_path;
  int               fd;
  /* Tests: how long to wait before each fdatasync. */
  guint             delay_ms;
};

static void
close_wal (TallySyncer *self)
{
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

/* The WAL's fd, reopened when the file was replaced since. FALSE when
 * there is no WAL: its frames were checkpointed into the (synced) main
 * file and it was removed. */
static gboolean
open_wal (TallySyncer *self)
{
  struct stat path_st, fd_st;

  if (stat (self->wal_path, &path_st) != 0)
    {
      if (errno == ENOENT)
        {
          close_wal (self);
          return FALSE;
        }
      g_error ("Cannot look at the ledger's WAL %s: %s", self->wal_path, g_strerror (errno));
    }

  if (self->fd >= 0 && fstat (self->fd, &fd_st) == 0 &&
      fd_st.st_ino == path_st.st_ino && fd_st.st_dev == path_st.st_dev)
    return TRUE;

  close_wal (self);
  self->fd = open (self->wal_path, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0 && errno != ENOENT)
    g_error ("Cannot open the ledger's WAL %s: %s", self->wal_path, g_strerror (errno));
  return self->fd >= 0;
}

/* Never retried: after a failed fdatasync the kernel may have dropped
 * the dirty pages and a second call would report success for data that
 * never reached the disk. Restarting recovers from what is on disk. */
static void
sync_wal (TallySyncer *self)
{
  gint64 started = g_get_monotonic_time ();

  if (self->delay_ms > 0)
    g_usleep (self->delay_ms * G_TIME_SPAN_MILLISECOND);
  if (!open_wal (self))
    return;

  if (fdatasync (self->fd) != 0)
    {
      g_autofree char *message = g_strdup_printf ("fdatasync of %s failed (%s): exiting so that "
                                                  "a restart recovers from the disk",
                                                  self->wal_path, g_strerror (errno));

      tally_log_warning ("wal_sync_failed", message);
      abort ();
    }
  g_debug ("fdatasync of the WAL: %" G_GINT64_FORMAT " µs",
           g_get_monotonic_time () - started);
}

static gboolean
ready_cb (gpointer data)
{
  TallySyncer *self = data;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->ready_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  self->ready_func (self->ready_data);
  return G_SOURCE_REMOVE;
}

/* Called with the lock held. */
static void
schedule_ready (TallySyncer *self)
{
  if (self->ready_source != NULL)
    return;

  self->ready_source = g_idle_source_new ();
  g_source_set_priority (self->ready_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->ready_source, ready_cb, self, NULL);
  g_source_set_static_name (self->ready_source, "[tally] durable writes");
  g_source_attach (self->ready_source, self->context);
}

static gboolean
any_dirty (GQueue *batch)
{
  for (GList *l = batch->head; l != NULL; l = l->next)
    if (((Entry *) l->data)->dirty)
      return TRUE;

  return FALSE;
}

/* One fdatasync for everything pushed while the last one ran. */
static gpointer
run (gpointer data)
{
  TallySyncer *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      GQueue batch;
      gint64 now;

      while (self->pending.length == 0 && !self->stopping)
        g_cond_wait (&self->cond, &self->lock);
      if (self->pending.length == 0)
        break;

      batch = self->pending;
      g_queue_init (&self->pending);
      self->syncing = TRUE;
      g_mutex_unlock (&self->lock);

      now = g_get_monotonic_time ();
      for (GList *l = batch.head; l != NULL; l = l->next)
        ((Entry *) l->data)->sync_started_at = now;
      if (any_dirty (&batch))
        sync_wal (self);
      now = g_get_monotonic_time ();
      for (GList *l = batch.head; l != NULL; l = l->next)
        ((Entry *) l->data)->synced_at = now;

      g_mutex_lock (&self->lock);
      while (batch.length > 0)
        g_queue_push_tail (&self->ready, g_queue_pop_head (&batch));
      self->syncing = FALSE;
      schedule_ready (self);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);

  return NULL;
}

TallySyncer *
tally_syncer_new (const char       *wal_path,
                  TallySyncerReady  ready,
                  gpointer          data)
{
  TallySyncer *self = g_new0 (TallySyncer, 1);
  const char *delay = g_getenv ("TALLY_TEST_SYNC_DELAY_MS");

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->pending);
  g_queue_init (&self->ready);
  self->context = g_main_context_ref_thread_default ();
  self->ready_func = ready;
  self->ready_data = data;
  self->wal_path = g_strdup (wal_path);
  self->fd = -1;
  self->delay_ms = delay != NULL ? (guint) g_ascii_strtoull (delay, NULL, 10) : 0;
  self->thread = g_thread_new ("tally-syncer", run, self);

  return self;
}

/* Everything pushed must have been popped. */
void
tally_syncer_free (TallySyncer *self)
{
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);

  g_warn_if_fail (self->ready.length == 0);
  g_queue_clear_full (&self->ready, g_free);
  if (self->ready_source != NULL)
    {
      g_source_destroy (self->ready_source);
      g_source_unref (self->ready_source);
    }
  close_wal (self);
  g_main_context_unref (self->context);
  g_free (self->wal_path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

void
tally_syncer_push (TallySyncer *self,
                   gpointer     item,
                   gboolean     dirty)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->item = item;
  entry->dirty = dirty;
  entry->pushed_at = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->pending, entry);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
tally_syncer_pop (TallySyncer *self,
                  gpointer    *item,
                  gint64      *synced_at)
{
  Entry *entry;

  g_mutex_lock (&self->lock);
  entry = g_queue_pop_head (&self->ready);
  g_mutex_unlock (&self->lock);

  if (entry == NULL)
    return FALSE;

  /* Both hand-offs of a group: from the commit to its fdatasync (a wait
   * behind the sync under way included), and from the end of that
   * fdatasync to its answers on the main context. */
  g_debug ("syncer hand-offs: %" G_GINT64_FORMAT " µs to the sync, %" G_GINT64_FORMAT
           " µs back", entry->sync_started_at - entry->pushed_at,
           g_get_monotonic_time () - entry->synced_at);
  *item = entry->item;
  *synced_at = entry->synced_at;
  g_free (entry);
  return TRUE;
}

void
tally_syncer_wait (TallySyncer *self)
{
  g_mutex_lock (&self->lock);
  while (self->pending.length > 0 || self->syncing)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}
