/* tally-cache-writer.c: the one thread that writes the cache
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sync answer of 1,000 transfers takes tens of milliseconds to mirror
 * and an fsync to commit: on the UI thread that is a dropped frame or
 * worse for every answer. So every write of the cache runs here, on a
 * connection of the writer's own, while the UI thread keeps reading
 * through the cache's connection (the file is in WAL mode: a reader sees
 * the last commit, never half a transaction, and never waits for the
 * writer).
 *
 * Why a GThread of the cache's own fed by a GAsyncQueue: it runs the
 * writes one at a time in the order they were asked for (SQLite allows a
 * connection on one thread at a time), and closing it is one more item in
 * the queue, after every write already asked for, so nothing asked for is
 * lost when the cache goes away. g_task_run_in_thread() would use GLib's
 * shared pool, where two writes may run at once and in any order; and a
 * GThreadPool, even of one exclusive thread, hands its work to idle
 * threads that GLib keeps across pools, which a fork()ed child (the
 * outbox's kill test) believes it has and does not. The asynchronous calls are still GTasks,
 * so callers get the usual callback on their main context and
 * cancellation; the task is returned from the main context, never from the
 * writer thread, so every reference a write holds (the task, the cache,
 * the caller's object) is dropped on the thread that took it.
 */

#include "config.h"

#include "tally-cache-private.h"

struct _TallyCacheWriter
{
  GThread        *thread;
  /* WriteJobs, then the writer itself to say there are no more. */
  GAsyncQueue    *queue;
  /* Used by the writer thread only, after open. */
  TallyCacheConn  conn;
  /* Numbers the writes in the order they were queued; the state of a
   * later write is never replaced by an earlier one's. */
  guint64         last_generation;
  /* A waiting caller's write is done. */
  GMutex          lock;
  GCond           done_cond;
};

typedef enum
{
  /* Nothing waits: the writer frees the job. */
  JOB_LATER,
  /* A caller blocks on done_cond until done. */
  JOB_WAIT,
  /* A GTask is returned on its main context. */
  JOB_TASK,
} JobKind;

typedef struct
{
  JobKind              kind;
  /* A reference for JOB_TASK and JOB_WAIT; JOB_LATER jobs rely on the
   * cache's finalize waiting for them. */
  TallyCache          *cache;
  TallyCacheWriteFunc  func;
  gpointer             data;
  GDestroyNotify       free;
  GCancellable        *cancellable;
  GTask               *task;
  guint64              generation;

  /* Filled by the writer thread. */
  gboolean             done;
  gboolean             changed;
  gboolean             has_state;
  TallyCacheState      state;
  GError              *error;
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  if (job->free != NULL)
    job->free (job->data);
  g_clear_object (&job->cancellable);
  g_clear_object (&job->task);
  if (job->kind != JOB_LATER)
    g_clear_object (&job->cache);
  g_clear_error (&job->error);
  g_free (job);
}

/* On the thread that asked: what the write committed becomes what the
 * cache shows, and the views are told. */
static void
write_job_complete (WriteJob *job)
{
  if (job->has_state)
    tally_cache_take_state (job->cache, job->generation, &job->state);
  if (job->changed)
    tally_cache_emit_changed (job->cache);
}

static gboolean
task_job_returned (gpointer data)
{
  WriteJob *job = data;

  write_job_complete (job);
  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else
    g_task_return_boolean (job->task, TRUE);
  write_job_free (job);
  return G_SOURCE_REMOVE;
}

/* Always through an idle source: g_main_context_invoke() would run
 * task_job_returned() right here, on the writer thread, whenever the main
 * thread happens not to be iterating the default context. */
static void
return_on_context (WriteJob *job)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, task_job_returned, job, NULL);
  g_source_set_static_name (source, "[tally] cache write done");
  g_source_attach (source, g_task_get_context (job->task));
  g_source_unref (source);
}

static void
write_job_run (WriteJob *job,
               TallyCacheConn *conn)
{
  if (g_cancellable_set_error_if_cancelled (job->cancellable, &job->error))
    return;
  if (!job->func (conn, job->data, &job->changed, &job->error))
    {
      job->changed = FALSE;
      return;
    }
  if (job->kind != JOB_LATER)
    job->has_state = tally_cache_conn_load_state (conn, &job->state, NULL);
}

/* After the hand-over below, the job is not touched here again. */
static void
write_job_hand_over (TallyCacheWriter *writer,
                     WriteJob         *job)
{
  switch (job->kind)
    {
    case JOB_LATER:
      if (job->error != NULL)
        g_warning ("The local cache was not written: %s", job->error->message);
      write_job_free (job);
      break;
    case JOB_WAIT:
      g_mutex_lock (&writer->lock);
      job->done = TRUE;
      g_cond_broadcast (&writer->done_cond);
      g_mutex_unlock (&writer->lock);
      break;
    case JOB_TASK:
      return_on_context (job);
      break;
    default:
      g_assert_not_reached ();
    }
}

static gpointer
writer_thread (gpointer data)
{
  TallyCacheWriter *writer = data;
  gpointer item;

  while ((item = g_async_queue_pop (writer->queue)) != writer)
    {
      write_job_run (item, &writer->conn);
      write_job_hand_over (writer, item);
    }

  return NULL;
}

TallyCacheWriter *
tally_cache_writer_new (const char  *path,
                        GError     **error)
{
  TallyCacheWriter *writer = g_new0 (TallyCacheWriter, 1);

  g_mutex_init (&writer->lock);
  g_cond_init (&writer->done_cond);
  writer->conn.ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_MIRROR, error);
  if (writer->conn.ledger == NULL || !tally_cache_conn_prepare (&writer->conn, error))
    {
      tally_cache_writer_free (writer);
      return NULL;
    }

  writer->queue = g_async_queue_new ();
  writer->thread = g_thread_try_new ("tally-cache", writer_thread, writer, error);
  if (writer->thread == NULL)
    {
      tally_cache_writer_free (writer);
      return NULL;
    }

  return writer;
}

void
tally_cache_writer_free (TallyCacheWriter *writer)
{
  /* Every queued write is made first: a document or an op asked for just
   * before the window closed still reaches the file. */
  if (writer->thread != NULL)
    {
      g_async_queue_push (writer->queue, writer);
      g_thread_join (writer->thread);
    }
  g_clear_pointer (&writer->queue, g_async_queue_unref);
  tally_cache_conn_close (&writer->conn);
  g_mutex_clear (&writer->lock);
  g_cond_clear (&writer->done_cond);
  g_free (writer);
}

static WriteJob *
write_job_new (TallyCache          *self,
               JobKind              kind,
               TallyCacheWriteFunc  func,
               gpointer             data,
               GDestroyNotify       free)
{
  TallyCacheWriter *writer = tally_cache_get_writer (self);
  WriteJob *job = g_new0 (WriteJob, 1);

  job->kind = kind;
  job->cache = kind == JOB_LATER ? self : g_object_ref (self);
  job->func = func;
  job->data = data;
  job->free = free;
  job->generation = ++writer->last_generation;
  return job;
}

static void
push (TallyCache *self,
      WriteJob   *job)
{
  g_async_queue_push (tally_cache_get_writer (self)->queue, job);
}

gboolean
tally_cache_write (TallyCache           *self,
                   TallyCacheWriteFunc   func,
                   gpointer              data,
                   GDestroyNotify        free,
                   GError              **error)
{
  TallyCacheWriter *writer = tally_cache_get_writer (self);
  WriteJob *job = write_job_new (self, JOB_WAIT, func, data, free);
  gboolean ok;

  push (self, job);
  g_mutex_lock (&writer->lock);
  while (!job->done)
    g_cond_wait (&writer->done_cond, &writer->lock);
  g_mutex_unlock (&writer->lock);

  write_job_complete (job);
  ok = job->error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&job->error));
  write_job_free (job);
  return ok;
}

guint64
tally_cache_write_async (TallyCache           *self,
                         TallyCacheWriteFunc   func,
                         gpointer              data,
                         GDestroyNotify        free,
                         gpointer              source_tag,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  WriteJob *job = write_job_new (self, JOB_TASK, func, data, free);
  guint64 generation = job->generation;

  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  if (cancellable != NULL)
    job->cancellable = g_object_ref (cancellable);
  push (self, job);
  return generation;
}

void
tally_cache_write_failed (TallyCache          *self,
                          GError              *error,
                          gpointer             source_tag,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_return_error (task, error);
}

gboolean
tally_cache_write_finish (TallyCache    *self,
                          GAsyncResult  *result,
                          gpointer       source_tag,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tally_cache_write_later (TallyCache           *self,
                         TallyCacheWriteFunc   func,
                         gpointer              data,
                         GDestroyNotify        free)
{
  push (self, write_job_new (self, JOB_LATER, func, data, free));
}
