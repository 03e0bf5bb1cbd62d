/* tally-writer.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-log.h"
#include "tally-syncer.h"
#include "tally-writer.h"

typedef struct
{
  TallyWriteFunc  func;
  TallyWriteDone  done;
  gpointer        data;
  GDestroyNotify  destroy;
  GError         *error;
} WriteItem;

/* One transaction's writes, from its COMMIT until they are answered. */
typedef struct
{
  GQueue   items;
  gboolean ok;
  gint64   started;
  gint64   last_seq;
} Group;

struct _TallyWriter
{
  GObject            parent_instance;

  TallyRulesStore   *store;
  GQueue             queue;
  guint              flush_source;
  TallyStorageState  storage;
  /* PreCommit hooks, run after the writes and before COMMIT. */
  GArray            *precommits;
  /* Microseconds from BEGIN to the end of the last group's COMMIT. */
  gint64             last_duration;
  gint64             committed_seq;
  /* Makes commits durable off the main thread; NULL when the store's
   * commits are durable by themselves, or when it was opened with
   * synchronous=NORMAL on purpose (no durability asked). */
  TallySyncer       *syncer;
  /* Groups committed and handed to the syncer, not yet announced. */
  guint              n_syncing;
  gboolean           in_group;
};

typedef struct
{
  TallyWriteFunc func;
  gpointer       data;
} PreCommit;

G_DEFINE_FINAL_TYPE (TallyWriter, tally_writer, G_TYPE_OBJECT)

enum {
  COMMITTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
write_item_free (WriteItem *item)
{
  if (item->destroy != NULL)
    item->destroy (item->data);
  g_clear_error (&item->error);
  g_free (item);
}

/* Answers a group's writes, once it is durable (or failed). */
static void
announce (TallyWriter *self,
          Group       *group,
          gint64       durable_at)
{
  self->last_duration = durable_at - group->started;
  self->committed_seq = group->last_seq;
  g_signal_emit (self, signals[COMMITTED], 0, group->items.length, group->ok);

  for (GList *l = group->items.head; l != NULL; l = l->next)
    {
      WriteItem *item = l->data;

      if (item->done != NULL)
        item->done (item->data, item->error);
    }
  g_queue_clear_full (&group->items, (GDestroyNotify) write_item_free);
  g_free (group);
}

/* In commit order; a bare sync (a NULL group) has nobody to answer. */
static void
announce_durable (gpointer data)
{
  TallyWriter *self = data;
  gpointer group;
  gint64 synced_at;

  while (tally_syncer_pop (self->syncer, &group, &synced_at))
    if (group != NULL)
      {
        self->n_syncing--;
        announce (self, group, synced_at);
      }
}

/* Runs after every commit on the store's connection. A commit outside
 * the group commit (a store call answered at once) is synced before it
 * returns, so it stays as durable as with synchronous=FULL. */
static void
on_commit (gpointer data)
{
  TallyWriter *self = data;

  if (!self->in_group)
    {
      tally_syncer_push (self->syncer, NULL, TRUE);
      tally_syncer_wait (self->syncer);
    }
}

/* With synchronous=FULL every COMMIT would wait for the WAL's fsync on
 * the main thread. NORMAL only appends the frames; the syncer then makes
 * them durable with one fdatasync for all the groups committed since its
 * last one, and only then are their writes answered. */
static void
start_syncer (TallyWriter *self)
{
  const char *path = tally_rules_store_defer_sync (self->store, on_commit, self);

  if (path != NULL)
    self->syncer = tally_syncer_new (path, announce_durable, self);
}

static void
stop_syncer (TallyWriter *self)
{
  tally_rules_store_end_deferred_sync (self->store);
  g_clear_pointer (&self->syncer, tally_syncer_free);
}

static void
tally_writer_dispose (GObject *object)
{
  TallyWriter *self = (TallyWriter *) object;

  tally_writer_flush (self);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->syncer != NULL)
    stop_syncer (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->precommits, g_array_unref);

  G_OBJECT_CLASS (tally_writer_parent_class)->dispose (object);
}

static void
tally_writer_class_init (TallyWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_writer_dispose;

  /**
   * TallyWriter::committed:
   * @n_items: how many writes the transaction held
   * @ok: whether it committed
   *
   * After each group commit, once it is durable (or failed), before its
   * writes are answered; in commit order. A failed group is announced
   * before the next group forms.
   */
  signals[COMMITTED] = g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT,
                                     G_TYPE_BOOLEAN);
}

static void
tally_writer_init (TallyWriter *self)
{
  g_queue_init (&self->queue);
  self->precommits = g_array_new (FALSE, FALSE, sizeof (PreCommit));
}

TallyWriter *
tally_writer_new (TallyRulesStore *store)
{
  TallyWriter *self = g_object_new (TALLY_TYPE_WRITER, NULL);

  self->store = g_object_ref (store);
  start_syncer (self);
  return self;
}

static TallyStorageState
storage_state_of_code (TallyLedgerError code)
{
  if (code == TALLY_LEDGER_ERROR_DISK_FULL)
    return TALLY_STORAGE_FULL;
  if (code == TALLY_LEDGER_ERROR_UNWRITABLE)
    return TALLY_STORAGE_FAILING;

  return TALLY_STORAGE_OK;
}

/* Whether the storage's last failure was the disk's: full, read-only or
 * not writable at all. Read before anything else runs on the connection. */
static TallyStorageState
storage_state_of_last_error (TallyWriter *self)
{
  return storage_state_of_code (tally_rules_store_get_last_failure (self->store));
}

/* The same from a failed begin or commit, which has rolled back since. */
static TallyStorageState
storage_state_of_error (const GError *error)
{
  if (error == NULL || error->domain != TALLY_LEDGER_ERROR)
    return TALLY_STORAGE_OK;

  return storage_state_of_code (error->code);
}

/* One write in its own savepoint, so its failure undoes only itself.
 * Returns what the failure, if any, says of the disk. */
static TallyStorageState
run_item (TallyWriter *self,
          WriteItem   *item)
{
  TallyStorageState storage;

  if (!tally_rules_store_begin_write (self->store, &item->error))
    return storage_state_of_last_error (self);

  if (item->func (item->data, &item->error) &&
      tally_rules_store_end_write (self->store, &item->error))
    return TALLY_STORAGE_OK;

  storage = storage_state_of_last_error (self);
  tally_rules_store_undo_write (self->store);
  return storage;
}

static void
set_storage_state (TallyWriter       *self,
                   TallyStorageState  storage)
{
  if (storage == self->storage)
    return;

  self->storage = storage;
  if (storage == TALLY_STORAGE_FULL)
    tally_log_warning ("storage_full", "The disk is full: writes are refused until there is room");
  else if (storage == TALLY_STORAGE_FAILING)
    tally_log_warning ("storage_failing", "The ledger cannot be written: writes are refused");
  else
    tally_log_event ("storage_ok", NULL);
}

TallyStorageState
tally_writer_get_storage_state (TallyWriter *self)
{
  g_return_val_if_fail (TALLY_IS_WRITER (self), TALLY_STORAGE_OK);

  return self->storage;
}

/* What the hooks write commits with the writes, or nothing does. */
static gboolean
run_precommits (TallyWriter  *self,
                GError      **error)
{
  for (guint i = 0; self->precommits != NULL && i < self->precommits->len; i++)
    {
      PreCommit *hook = &g_array_index (self->precommits, PreCommit, i);

      if (!hook->func (hook->data, error))
        {
          tally_rules_store_rollback (self->store);
          return FALSE;
        }
    }

  return TRUE;
}

static void
fail_all (GQueue       *items,
          const GError *error)
{
  for (GList *l = items->head; l != NULL; l = l->next)
    {
      WriteItem *item = l->data;

      if (item->error == NULL)
        item->error = g_error_copy (error);
    }
}

/* Runs the queued writes and commits them, without waiting for the
 * disk. */
static Group *
commit_group (TallyWriter *self)
{
  g_autoptr(GError) error = NULL;
  Group *group = g_new0 (Group, 1);
  TallyStorageState storage = TALLY_STORAGE_OK;
  gint64 written;

  /* What arrives while these are answered waits for the next commit. */
  group->items = self->queue;
  g_queue_init (&self->queue);

  group->started = g_get_monotonic_time ();
  self->in_group = TRUE;
  group->ok = tally_rules_store_begin (self->store, &error);
  for (GList *l = group->items.head; group->ok && l != NULL; l = l->next)
    {
      /* Not inside MAX (), which would run it twice. */
      TallyStorageState item_storage = run_item (self, l->data);

      storage = MAX (storage, item_storage);
    }
  if (group->ok)
    group->ok = run_precommits (self, &error);
  written = g_get_monotonic_time ();
  if (group->ok)
    group->ok = tally_rules_store_commit (self->store, &error);
  self->in_group = FALSE;
  if (!group->ok)
    {
      TallyStorageState commit_storage = storage_state_of_error (error);

      storage = MAX (storage, commit_storage);
      fail_all (&group->items, error);
    }
  set_storage_state (self, storage);
  group->last_seq = tally_rules_store_get_last_seq (self->store);
  g_debug ("group of %u writes: %" G_GINT64_FORMAT " µs writing, %" G_GINT64_FORMAT
           " µs committing", group->items.length, written - group->started,
           g_get_monotonic_time () - written);

  return group;
}

/* Answers everything committed so far once it is durable. */
static void
drain (TallyWriter *self)
{
  if (self->syncer == NULL)
    return;

  tally_syncer_wait (self->syncer);
  announce_durable (self);
}

/* Hands the group to the syncer and goes on to form the next one. A
 * failed group is answered before the next one forms, so listeners learn
 * of it before anything is built on what it undid. */
static void
commit_queued (TallyWriter *self)
{
  Group *group;

  if (self->queue.length == 0)
    return;

  group = commit_group (self);
  if (self->syncer == NULL)
    {
      announce (self, group, g_get_monotonic_time ());
      return;
    }

  self->n_syncing++;
  tally_syncer_push (self->syncer, group, group->ok);
  if (!group->ok)
    drain (self);
}

/* Synchronous: returns once what was queued, and every group still
 * waiting for the disk, is durable and answered. */
void
tally_writer_flush (TallyWriter *self)
{
  g_return_if_fail (TALLY_IS_WRITER (self));

  g_clear_handle_id (&self->flush_source, g_source_remove);
  commit_queued (self);
  drain (self);
}

static gboolean
flush_cb (gpointer data)
{
  TallyWriter *self = data;

  self->flush_source = 0;
  commit_queued (self);
  return G_SOURCE_REMOVE;
}

void
tally_writer_submit (TallyWriter    *self,
                     TallyWriteFunc  func,
                     TallyWriteDone  done,
                     gpointer        data,
                     GDestroyNotify  destroy)
{
  WriteItem *item;

  g_return_if_fail (TALLY_IS_WRITER (self));
  g_return_if_fail (func != NULL);

  item = g_new0 (WriteItem, 1);
  item->func = func;
  item->done = done;
  item->data = data;
  item->destroy = destroy;
  g_queue_push_tail (&self->queue, item);

  /* Idle priority: every request already readable is parsed and queued
   * first, so they share the commit. */
  if (self->flush_source == 0)
    self->flush_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, flush_cb, self, NULL);
}

/**
 * tally_writer_add_precommit:
 * @func: runs inside each group's transaction, after its writes, before
 *   the commit; FALSE (with an error) rolls the whole group back
 *
 * For rules that must be decided in the same transaction as the writes
 * they judge, e.g. the alerts of a balance change.
 */
void
tally_writer_add_precommit (TallyWriter    *self,
                            TallyWriteFunc  func,
                            gpointer        data)
{
  PreCommit hook = { func, data };

  g_return_if_fail (TALLY_IS_WRITER (self));

  g_array_append_val (self->precommits, hook);
}

void
tally_writer_remove_precommit (TallyWriter    *self,
                               TallyWriteFunc  func,
                               gpointer        data)
{
  g_return_if_fail (TALLY_IS_WRITER (self));

  for (guint i = 0; self->precommits != NULL && i < self->precommits->len; i++)
    {
      PreCommit *hook = &g_array_index (self->precommits, PreCommit, i);

      if (hook->func == func && hook->data == data)
        {
          g_array_remove_index (self->precommits, i);
          return;
        }
    }
}

guint
tally_writer_get_queued (TallyWriter *self)
{
  g_return_val_if_fail (TALLY_IS_WRITER (self), 0);

  return self->queue.length;
}

gint64
tally_writer_get_last_duration (TallyWriter *self)
{
  g_return_val_if_fail (TALLY_IS_WRITER (self), 0);

  return self->last_duration;
}

gint64
tally_writer_get_committed_seq (TallyWriter *self)
{
  g_return_val_if_fail (TALLY_IS_WRITER (self), 0);

  return self->committed_seq;
}

/* With no group of ours waiting for the disk, everything committed is
 * durable: ours was synced, another process's (a second server, a
 * command) by its own commit. */
gint64
tally_writer_get_durable_seq (TallyWriter *self)
{
  g_return_val_if_fail (TALLY_IS_WRITER (self), 0);

  if (self->n_syncing > 0 || self->in_group)
    return self->committed_seq;
  return tally_rules_store_get_last_seq (self->store);
}
