/* tally-error-log.c: error answers grouped by route and code
 *
 * Kept in memory only: a group is a handful of integers, the log the
 * server already writes has every request for as long as the operator
 * keeps it, and a write per error answer would let a flood of bad
 * requests load the writer. A restart starts the groups afresh.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-error-log.h"

struct _TallyErrorLog
{
  GObject     parent_instance;

  guint       capacity;
  guint64     evicted;
  gint64      started;
  /* "METHOD ROUTE STATUS CODE" -> TallyErrorGroup *. */
  GHashTable *groups;
};

G_DEFINE_FINAL_TYPE (TallyErrorLog, tally_error_log, G_TYPE_OBJECT)

static void
group_free (gpointer data)
{
  TallyErrorGroup *group = data;

  g_free (group->route);
  g_free (group);
}

static void
tally_error_log_finalize (GObject *object)
{
  TallyErrorLog *self = TALLY_ERROR_LOG (object);

  g_clear_pointer (&self->groups, g_hash_table_unref);

  G_OBJECT_CLASS (tally_error_log_parent_class)->finalize (object);
}

static void
tally_error_log_class_init (TallyErrorLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_error_log_finalize;
}

static void
tally_error_log_init (TallyErrorLog *self)
{
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, group_free);
  self->started = g_get_real_time ();
}

TallyErrorLog *
tally_error_log_new (guint capacity)
{
  TallyErrorLog *self = g_object_new (TALLY_TYPE_ERROR_LOG, NULL);

  self->capacity = MAX (capacity, 1);
  return self;
}

/* Makes room for one more group: the least recently seen goes. A scan,
 * but only when the log is full, and it holds a few hundred groups. */
static void
evict_oldest (TallyErrorLog *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gpointer oldest_key = NULL;
  gint64 oldest = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const TallyErrorGroup *group = value;

      if (group->last_seen < oldest)
        {
          oldest = group->last_seen;
          oldest_key = key;
        }
    }

  if (oldest_key != NULL)
    {
      g_hash_table_remove (self->groups, oldest_key);
      self->evicted++;
    }
}

static TallyErrorGroup *
new_group (const char *method,
           const char *route,
           guint       status,
           const char *code,
           gint64      now)
{
  TallyErrorGroup *group = g_new0 (TallyErrorGroup, 1);

  g_strlcpy (group->method, method, sizeof group->method);
  group->route = g_strdup (route);
  group->status = status;
  g_strlcpy (group->code, code, sizeof group->code);
  group->first_seen = now;
  return group;
}

void
tally_error_log_record (TallyErrorLog *self,
                        const char    *method,
                        const char    *route,
                        guint          status,
                        const char    *code,
                        const char    *request_id,
                        gint64         now)
{
  g_autofree char *key = NULL;
  TallyErrorGroup *group;

  g_return_if_fail (TALLY_IS_ERROR_LOG (self));

  if (code == NULL || code[0] == '\0')
    code = "unknown";
  key = g_strdup_printf ("%s %s %u %s", method, route, status, code);
  group = g_hash_table_lookup (self->groups, key);
  if (group == NULL)
    {
      if (g_hash_table_size (self->groups) >= self->capacity)
        evict_oldest (self);
      group = new_group (method, route, status, code, now);
      g_hash_table_insert (self->groups, g_steal_pointer (&key), group);
    }

  group->count++;
  group->last_seen = now;
  g_strlcpy (group->sample_request_id, request_id, sizeof group->sample_request_id);
}

static int
compare_recent_first (gconstpointer a,
                      gconstpointer b)
{
  const TallyErrorGroup *x = a, *y = b;

  if (x->last_seen != y->last_seen)
    return x->last_seen > y->last_seen ? -1 : 1;
  return x->count > y->count ? -1 : x->count < y->count;
}

static void
group_clear (gpointer data)
{
  g_free (((TallyErrorGroup *) data)->route);
}

GArray *
tally_error_log_list (TallyErrorLog *self)
{
  GArray *list = g_array_sized_new (FALSE, TRUE, sizeof (TallyErrorGroup),
                                    g_hash_table_size (self->groups));
  GHashTableIter iter;
  gpointer value;

  g_array_set_clear_func (list, group_clear);
  g_hash_table_iter_init (&iter, self->groups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TallyErrorGroup copy = *(const TallyErrorGroup *) value;

      copy.route = g_strdup (copy.route);
      g_array_append_val (list, copy);
    }
  g_array_sort (list, compare_recent_first);
  return list;
}

guint
tally_error_log_capacity (TallyErrorLog *self)
{
  return self->capacity;
}

guint64
tally_error_log_evicted (TallyErrorLog *self)
{
  return self->evicted;
}

gint64
tally_error_log_started (TallyErrorLog *self)
{
  return self->started;
}
