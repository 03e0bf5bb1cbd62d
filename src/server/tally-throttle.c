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
};

G_DEFINE_FINAL_TYPE (TallyThrottle, tally_throttle, G_TYPE_OBJECT)

static void
tally_throttle_finalize (GObject *object)
{
  TallyThrottle *self = (TallyThrottle *) object;

  g_clear_pointer (&self->failures, g_hash_table_unref);

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

gboolean
tally_throttle_is_blocked (TallyThrottle *self,
                           const char    *key,
                           gint64         now,
                           gint64        *retry_after)
{
  GArray *times;
  gint64 oldest;

  g_return_val_if_fail (TALLY_IS_THROTTLE (self), FALSE);

  times = prune (self, key, now);
  if (times == NULL || times->len < self->max_failures)
    return FALSE;

  oldest = g_array_index (times, gint64, times->len - self->max_failures);
  if (retry_after != NULL)
    *retry_after = MAX (1, (oldest + self->window - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return TRUE;
}

void
tally_throttle_record_failure (TallyThrottle *self,
                               const char    *key,
                               gint64         now)
{
  GArray *times;

  g_return_if_fail (TALLY_IS_THROTTLE (self));

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

void
tally_throttle_forgive (TallyThrottle *self,
                        const char    *key,
                        gint64         when)
{
  GArray *times;

  g_return_if_fail (TALLY_IS_THROTTLE (self));

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

void
tally_throttle_reset (TallyThrottle *self,
                      const char    *key)
{
  g_return_if_fail (TALLY_IS_THROTTLE (self));

  g_hash_table_remove (self->failures, key);
}
