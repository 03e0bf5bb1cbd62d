/* tally-throttle.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-throttle.h"

struct _TallyThrottle
{
  GObject     parent_instance;

  guint       max_failures;
  /* Microseconds. */
  gint64      window;
  /* key -> GArray of failure times, oldest first. */
  GHashTable *failures;

  /* With backoff: max_failures are free, window is the longest delay. */
  gboolean    backoff;
  /* key -> Backoff */
  GHashTable *delays;

  /* With several servers: each key's state lives in the store's row
   * "NAME:KEY" and is in memory only while an operation runs. */
  TallyApiStore *store;
  char          *name;
};

typedef struct
{
  guint  count;
  /* The latest failure, and until when the key waits (microseconds). */
  gint64 last;
  gint64 until;
} Backoff;

G_DEFINE_FINAL_TYPE (TallyThrottle, tally_throttle, G_TYPE_OBJECT)

static void
tally_throttle_finalize (GObject *object)
{
  TallyThrottle *self = (TallyThrottle *) object;

  g_clear_pointer (&self->failures, g_hash_table_unref);
  g_clear_pointer (&self->delays, g_hash_table_unref);
  g_clear_object (&self->store);
  g_free (self->name);

  G_OBJECT_CLASS (tally_throttle_parent_class)->finalize (object);
}

static void
tally_throttle_class_init (TallyThrottleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_throttle_finalize;
}

static void
tally_throttle_init (TallyThrottle *self)
{
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  self->delays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * tally_throttle_new:
 * @max_failures: failures allowed within @window
 * @window: the window, in seconds
 *
 * Returns: (transfer full): a new #TallyThrottle
 */
TallyThrottle *
tally_throttle_new (guint  max_failures,
                    gint64 window)
{
  TallyThrottle *self = g_object_new (TALLY_TYPE_THROTTLE, NULL);

  self->max_failures = MAX (max_failures, 1);
  self->window = window * G_USEC_PER_SEC;
  return self;
}

TallyThrottle *
tally_throttle_new_backoff (guint  free_failures,
                            gint64 max_delay)
{
  TallyThrottle *self = tally_throttle_new (free_failures, max_delay);

  self->backoff = TRUE;
  return self;
}

/* The key's delays, or NULL once it has been quiet long enough to be
 * forgotten (which also keeps the table small). */
static Backoff *
backoff_state (TallyThrottle *self,
               const char    *key,
               gint64         now)
{
  Backoff *state = g_hash_table_lookup (self->delays, key);

  if (state != NULL && now >= MAX (state->until, state->last) + self->window)
    {
      g_hash_table_remove (self->delays, key);
      return NULL;
    }
  return state;
}

/* 1 s at the first failure past the free ones, doubling, capped. */
static gint64
backoff_delay (TallyThrottle *self,
               guint          count)
{
  guint doublings = count - self->max_failures;

  /* 2^30 s is far beyond any window. */
  if (doublings >= 30)
    return self->window;
  return MIN ((gint64) G_USEC_PER_SEC << doublings, self->window);
}

static gboolean
backoff_blocked (TallyThrottle *self,
                 const char    *key,
                 gint64         now,
                 gint64        *retry_after)
{
  Backoff *state = backoff_state (self, key, now);

  if (state == NULL || now >= state->until)
    return FALSE;
  if (retry_after != NULL)
    *retry_after = MAX (1, (state->until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return TRUE;
}

static void
backoff_record (TallyThrottle *self,
                const char    *key,
                gint64         now)
{
  Backoff *state = backoff_state (self, key, now);

  if (state == NULL)
    {
      state = g_new0 (Backoff, 1);
      g_hash_table_insert (self->delays, g_strdup (key), state);
    }
  state->count = MIN (state->count + 1, G_MAXUINT - 1);
  state->last = now;
  if (state->count >= self->max_failures)
    state->until = now + backoff_delay (self, state->count);
}

/* The attempt at @when succeeded: it neither counts nor makes others wait. */
static void
backoff_forgive (TallyThrottle *self,
                 const char    *key,
                 gint64         when)
{
  Backoff *state = g_hash_table_lookup (self->delays, key);

  if (state == NULL || state->count == 0)
    return;
  state->count--;
  if (state->last == when)
    state->until = 0;
}

/* Drops the failures that left the window; the key when none is left. */
static GArray *
prune (TallyThrottle *self,
       const char    *key,
       gint64         now)
{
  GArray *times = g_hash_table_lookup (self->failures, key);
  guint old = 0;

  if (times == NULL)
    return NULL;

  while (old < times->len && g_array_index (times, gint64, old) <= now - self->window)
    old++;
  g_array_remove_range (times, 0, old);

  if (times->len == 0)
    {
      g_hash_table_remove (self->failures, key);
      return NULL;
    }

  return times;
}

static gboolean
local_is_blocked (TallyThrottle *self,
                  const char    *key,
                  gint64         now,
                  gint64        *retry_after)
{
  GArray *times;
  gint64 oldest;

  if (self->backoff)
    return backoff_blocked (self, key, now, retry_after);
  times = prune (self, key, now);
  if (times == NULL || times->len < self->max_failures)
    return FALSE;

  oldest = g_array_index (times, gint64, times->len - self->max_failures);
  if (retry_after != NULL)
    *retry_after = MAX (1, (oldest + self->window - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return TRUE;
}

static void
local_record_failure (TallyThrottle *self,
                      const char    *key,
                      gint64         now)
{
  GArray *times;

  if (self->backoff)
    {
      backoff_record (self, key, now);
      return;
    }
  times = prune (self, key, now);
  if (times == NULL)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->failures, g_strdup (key), times);
    }

  g_array_append_val (times, now);
  /* A key under attack keeps only what the decision needs. */
  if (times->len > self->max_failures)
    g_array_remove_range (times, 0, times->len - self->max_failures);
}

static void
local_forgive (TallyThrottle *self,
               const char    *key,
               gint64         when)
{
  GArray *times;

  if (self->backoff)
    {
      backoff_forgive (self, key, when);
      return;
    }
  times = g_hash_table_lookup (self->failures, key);
  if (times == NULL)
    return;

  for (guint i = 0; i < times->len; i++)
    {
      if (g_array_index (times, gint64, i) == when)
        {
          g_array_remove_index (times, i);
          break;
        }
    }
  if (times->len == 0)
    g_hash_table_remove (self->failures, key);
}

static void
local_reset (TallyThrottle *self,
             const char    *key)
{
  g_hash_table_remove (self->failures, key);
  g_hash_table_remove (self->delays, key);
}

/* --- shared by the servers of one store --- */

void
tally_throttle_share (TallyThrottle *self,
                      TallyApiStore *store,
                      const char    *name)
{
  g_return_if_fail (TALLY_IS_THROTTLE (self));
  g_return_if_fail (TALLY_IS_API_STORE (store));

  g_set_object (&self->store, store);
  g_free (self->name);
  self->name = g_strdup (name);
}

/* A key's state as text: "b COUNT LAST UNTIL" with backoff, else "w" and
 * the failure times. */
static char *
take_state (TallyThrottle *self,
            const char    *key,
            gint64        *expires_at)
{
  GArray *times;
  GString *text;

  if (self->backoff)
    {
      Backoff *state = g_hash_table_lookup (self->delays, key);
      char *saved;

      if (state == NULL)
        return NULL;
      *expires_at = MAX (state->until, state->last) + self->window;
      saved = g_strdup_printf ("b %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, state->count,
                               state->last, state->until);
      g_hash_table_remove (self->delays, key);
      return saved;
    }

  times = g_hash_table_lookup (self->failures, key);
  if (times == NULL)
    return NULL;
  text = g_string_new ("w");
  for (guint i = 0; i < times->len; i++)
    g_string_append_printf (text, " %" G_GINT64_FORMAT, g_array_index (times, gint64, i));
  *expires_at = g_array_index (times, gint64, times->len - 1) + self->window;
  g_hash_table_remove (self->failures, key);
  return g_string_free (text, FALSE);
}

/* What take_state() wrote, back in memory; text it did not write is no
 * state. */
static void
put_state (TallyThrottle *self,
           const char    *key,
           const char    *state)
{
  g_auto(GStrv) words = state != NULL ? g_strsplit (state, " ", -1) : NULL;
  guint n = words != NULL ? g_strv_length (words) : 0;

  local_reset (self, key);
  if (self->backoff && n == 4 && g_str_equal (words[0], "b"))
    {
      Backoff *restored = g_new0 (Backoff, 1);

      restored->count = (guint) g_ascii_strtoull (words[1], NULL, 10);
      restored->last = g_ascii_strtoll (words[2], NULL, 10);
      restored->until = g_ascii_strtoll (words[3], NULL, 10);
      g_hash_table_insert (self->delays, g_strdup (key), restored);
    }
  else if (!self->backoff && n > 1 && g_str_equal (words[0], "w"))
    {
      GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (guint i = 1; i < n; i++)
        {
          gint64 when = g_ascii_strtoll (words[i], NULL, 10);

          g_array_append_val (times, when);
        }
      g_hash_table_insert (self->failures, g_strdup (key), times);
    }
}

typedef enum
{
  OP_IS_BLOCKED,
  OP_RECORD_FAILURE,
  OP_FORGIVE,
  OP_RESET,
} OpKind;

typedef struct
{
  TallyThrottle *self;
  const char    *key;
  OpKind         kind;
  gint64         time;
  gint64        *retry_after;
  gboolean       blocked;
} Op;

static void
apply_local (Op *op)
{
  switch (op->kind)
    {
    case OP_IS_BLOCKED:
      op->blocked = local_is_blocked (op->self, op->key, op->time, op->retry_after);
      break;
    case OP_RECORD_FAILURE:
      local_record_failure (op->self, op->key, op->time);
      break;
    case OP_FORGIVE:
      local_forgive (op->self, op->key, op->time);
      break;
    case OP_RESET:
    default:
      local_reset (op->self, op->key);
      break;
    }
}

static char *
apply_to_shared (const char *state,
                 gpointer    data,
                 gint64     *expires_at)
{
  Op *op = data;

  put_state (op->self, op->key, state);
  apply_local (op);
  return take_state (op->self, op->key, expires_at);
}

/* On the store's row of the key when the store is shared, so every
 * server counts the same failures; in memory otherwise, or while the
 * store cannot be reached (the request then fails on its own). */
static void
apply (Op *op)
{
  TallyThrottle *self = op->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  if (self->store != NULL)
    {
      key = g_strconcat (self->name, ":", op->key, NULL);
      if (tally_api_store_update_shared_state (self->store, key, apply_to_shared, op, &error))
        return;
      if (error == NULL)
        g_clear_object (&self->store);
      else
        g_debug ("Throttle %s kept in memory: %s", self->name, error->message);
    }
  apply_local (op);
}

gboolean
tally_throttle_is_blocked (TallyThrottle *self,
                           const char    *key,
                           gint64         now,
                           gint64        *retry_after)
{
  Op op = { self, key, OP_IS_BLOCKED, now, retry_after, FALSE };

  g_return_val_if_fail (TALLY_IS_THROTTLE (self), FALSE);

  apply (&op);
  return op.blocked;
}

void
tally_throttle_record_failure (TallyThrottle *self,
                               const char    *key,
                               gint64         now)
{
  Op op = { self, key, OP_RECORD_FAILURE, now, NULL, FALSE };

  g_return_if_fail (TALLY_IS_THROTTLE (self));

  apply (&op);
}

void
tally_throttle_forgive (TallyThrottle *self,
                        const char    *key,
                        gint64         when)
{
  Op op = { self, key, OP_FORGIVE, when, NULL, FALSE };

  g_return_if_fail (TALLY_IS_THROTTLE (self));

  apply (&op);
}

void
tally_throttle_reset (TallyThrottle *self,
                      const char    *key)
{
  Op op = { self, key, OP_RESET, 0, NULL, FALSE };

  g_return_if_fail (TALLY_IS_THROTTLE (self));

  apply (&op);
}
