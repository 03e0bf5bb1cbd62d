/* tally-ops-report.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read strictly: a member missing or of another type fails the whole
 * reply, so that a pane never shows a zero the server did not send.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-client.h"
#include "tally-export.h"
#include "tally-json.h"
#include "tally-ops-report.h"

#define HOURS    24
#define WEEKDAYS 7
#define STEPS    4

static gboolean
not_understood (GError **error)
{
  g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                       _("The server sent figures Tally does not understand"));
  return FALSE;
}

static gboolean
read_int (JsonObject  *object,
          const char  *name,
          gint64      *out,
          GError     **error)
{
  const char *fault = NULL;

  return tally_json_read_int (object, name, 0, out, &fault) || not_understood (error);
}

static gboolean
read_string (JsonObject  *object,
             const char  *name,
             char       **out,
             GError     **error)
{
  JsonNode *node = tally_json_member_value (object, name, G_TYPE_STRING);

  if (node == NULL)
    return not_understood (error);
  g_free (*out);
  *out = json_node_dup_string (node);
  return TRUE;
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static GPtrArray *
no_items (GError **error)
{
  not_understood (error);
  return NULL;
}

/* Each element of the array @name as an object to @read into a new item;
 * exactly @n_expected of them unless it is 0. */
static GPtrArray *
read_items (JsonObject      *object,
            const char      *name,
            guint            n_expected,
            gboolean       (*read) (JsonObject *, gpointer, GError **),
            gsize            item_size,
            GDestroyNotify   free_item,
            GError         **error)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (free_item);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return no_items (error);
  array = json_node_get_array (node);
  if (n_expected != 0 && json_array_get_length (array) != n_expected)
    return no_items (error);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gpointer item = g_malloc0 (item_size);

      g_ptr_array_add (items, item);
      if (!JSON_NODE_HOLDS_OBJECT (element))
        return no_items (error);
      if (!read (json_node_get_object (element), item, error))
        return NULL;
    }
  return g_steal_pointer (&items);
}

/* ---- error groups -------------------------------------------------------- */

static void
error_group_free (gpointer data)
{
  TallyErrorGroup *self = data;

  g_free (self->method);
  g_free (self->route);
  g_free (self->code);
  g_free (self->first_seen);
  g_free (self->last_seen);
  g_free (self->request_id);
  g_free (self);
}

static gboolean
read_error_group (JsonObject  *object,
                  gpointer     data,
                  GError     **error)
{
  TallyErrorGroup *self = data;

  return read_string (object, "method", &self->method, error) &&
         read_string (object, "route", &self->route, error) &&
         read_int (object, "status", &self->status, error) &&
         read_string (object, "code", &self->code, error) &&
         read_int (object, "count", &self->count, error) &&
         read_string (object, "first_seen", &self->first_seen, error) &&
         read_string (object, "last_seen", &self->last_seen, error) &&
         read_string (object, "sample_request_id", &self->request_id, error);
}

TallyErrorGroups *
tally_error_groups_new_from_json (JsonObject  *object,
                                  GError     **error)
{
  g_autoptr(TallyErrorGroups) self = g_new0 (TallyErrorGroups, 1);

  g_return_val_if_fail (object != NULL, NULL);

  if (!read_string (object, "since", &self->since, error) ||
      !read_int (object, "evicted", &self->evicted, error))
    return NULL;
  self->items = read_items (object, "items", 0, read_error_group, sizeof (TallyErrorGroup),
                            error_group_free, error);
  return self->items != NULL ? g_steal_pointer (&self) : NULL;
}

void
tally_error_groups_free (TallyErrorGroups *self)
{
  if (self == NULL)
    return;
  g_free (self->since);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_free (self);
}

/* ---- analytics ----------------------------------------------------------- */

static void
item_free (gpointer data)
{
  TallyAnalyticsItem *self = data;

  g_free (self->name);
  g_free (self);
}

static gboolean
read_tool (JsonObject  *object,
           gpointer     data,
           GError     **error)
{
  TallyAnalyticsItem *self = data;
  JsonNode *tool = json_object_get_member (object, "tool");

  /* null: consumption of no tool. */
  if (tool == NULL)
    return not_understood (error);
  if (!JSON_NODE_HOLDS_NULL (tool) && !read_string (object, "tool", &self->name, error))
    return FALSE;
  return read_int (object, "runs", &self->count, error) &&
         read_int (object, "credits", &self->credits, error) &&
         read_int (object, "users", &self->users, error);
}

static gboolean
read_slot (JsonObject  *object,
           gpointer     data,
           GError     **error)
{
  TallyAnalyticsItem *self = data;

  return read_int (object, "runs", &self->count, error) &&
         read_int (object, "credits", &self->credits, error);
}

static gboolean
read_pack (JsonObject  *object,
           gpointer     data,
           GError     **error)
{
  TallyAnalyticsItem *self = data;

  return read_string (object, "pack", &self->name, error) &&
         read_int (object, "purchases", &self->count, error) &&
         read_int (object, "buyers", &self->users, error) &&
         read_int (object, "credits", &self->credits, error);
}

static gboolean
read_step (JsonObject  *object,
           gpointer     data,
           GError     **error)
{
  TallyAnalyticsItem *self = data;

  return read_string (object, "step", &self->name, error) &&
         read_int (object, "users", &self->count, error) &&
         read_int (object, "per_mille_of_registered", &self->per_mille, error);
}

static gboolean
read_purchases (TallyAnalytics  *self,
                JsonObject      *purchases,
                GError         **error)
{
  JsonNode *median;

  if (purchases == NULL)
    return not_understood (error);
  self->packs = read_items (purchases, "by_pack", 0, read_pack, sizeof (TallyAnalyticsItem),
                            item_free, error);
  if (self->packs == NULL ||
      !read_int (purchases, "purchases", &self->purchases, error) ||
      !read_int (purchases, "buyers", &self->buyers, error) ||
      !read_int (purchases, "repeat_buyers", &self->repeat_buyers, error) ||
      !read_int (purchases, "repeat_rate_per_mille", &self->repeat_per_mille, error))
    return FALSE;

  median = json_object_get_member (purchases, "median_seconds_between");
  if (median != NULL && JSON_NODE_HOLDS_NULL (median))
    self->median_seconds_between = -1;
  else if (!read_int (purchases, "median_seconds_between", &self->median_seconds_between, error))
    return FALSE;
  return TRUE;
}

TallyAnalytics *
tally_analytics_new_from_json (JsonObject  *object,
                               GError     **error)
{
  g_autoptr(TallyAnalytics) self = g_new0 (TallyAnalytics, 1);
  JsonObject *consumption;

  g_return_val_if_fail (object != NULL, NULL);

  if (!read_string (object, "since", &self->since, error) ||
      !read_string (object, "until", &self->until, error))
    return NULL;
  consumption = object_member (object, "consumption");
  if ((self->tools = read_items (object, "tools", 0, read_tool, sizeof (TallyAnalyticsItem),
                                 item_free, error)) == NULL ||
      (self->hours = read_items (consumption, "by_hour", HOURS, read_slot,
                                 sizeof (TallyAnalyticsItem), item_free, error)) == NULL ||
      (self->days = read_items (consumption, "by_weekday", WEEKDAYS, read_slot,
                                sizeof (TallyAnalyticsItem), item_free, error)) == NULL ||
      !read_purchases (self, object_member (object, "purchases"), error) ||
      (self->funnel = read_items (object, "funnel", STEPS, read_step,
                                  sizeof (TallyAnalyticsItem), item_free, error)) == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
tally_analytics_free (TallyAnalytics *self)
{
  if (self == NULL)
    return;
  g_free (self->since);
  g_free (self->until);
  g_clear_pointer (&self->tools, g_ptr_array_unref);
  g_clear_pointer (&self->hours, g_ptr_array_unref);
  g_clear_pointer (&self->days, g_ptr_array_unref);
  g_clear_pointer (&self->packs, g_ptr_array_unref);
  g_clear_pointer (&self->funnel, g_ptr_array_unref);
  g_free (self);
}

static void
append_row (GString    *csv,
            const char *section,
            const char *item,
            const char *measure,
            gint64      value)
{
  g_string_append_printf (csv, "%s,", section);
  /* Tool and pack ids come from the server's catalogue: text all the same. */
  tally_csv_append_text_cell (csv, item);
  g_string_append_printf (csv, ",%s,%" G_GINT64_FORMAT "\r\n", measure, value);
}

static void
append_slots (GString    *csv,
              const char *section,
              GPtrArray  *slots,
              guint       first)
{
  for (guint i = 0; i < slots->len; i++)
    {
      TallyAnalyticsItem *slot = slots->pdata[i];
      char item[8];

      g_snprintf (item, sizeof item, "%u", first + i);
      append_row (csv, section, item, "runs", slot->count);
      append_row (csv, section, item, "credits", slot->credits);
    }
}

char *
tally_analytics_to_csv (TallyAnalytics *self)
{
  GString *csv = g_string_new ("section,item,measure,value\r\n");

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->tools->len; i++)
    {
      TallyAnalyticsItem *tool = self->tools->pdata[i];
      const char *name = tool->name != NULL ? tool->name : "";

      append_row (csv, "tool", name, "runs", tool->count);
      append_row (csv, "tool", name, "credits", tool->credits);
      append_row (csv, "tool", name, "users", tool->users);
    }
  append_slots (csv, "hour_utc", self->hours, 0);
  append_slots (csv, "weekday", self->days, 1);
  for (guint i = 0; i < self->packs->len; i++)
    {
      TallyAnalyticsItem *pack = self->packs->pdata[i];

      append_row (csv, "pack", pack->name, "purchases", pack->count);
      append_row (csv, "pack", pack->name, "buyers", pack->users);
      append_row (csv, "pack", pack->name, "credits", pack->credits);
    }
  append_row (csv, "purchases", "", "purchases", self->purchases);
  append_row (csv, "purchases", "", "buyers", self->buyers);
  append_row (csv, "purchases", "", "repeat_buyers", self->repeat_buyers);
  append_row (csv, "purchases", "", "repeat_rate_per_mille", self->repeat_per_mille);
  if (self->median_seconds_between >= 0)
    append_row (csv, "purchases", "", "median_seconds_between", self->median_seconds_between);
  for (guint i = 0; i < self->funnel->len; i++)
    {
      TallyAnalyticsItem *step = self->funnel->pdata[i];

      append_row (csv, "funnel", step->name, "users", step->count);
      append_row (csv, "funnel", step->name, "per_mille_of_registered", step->per_mille);
    }
  return g_string_free (csv, FALSE);
}
