/* tally-alert-settings.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-alert-settings.h"

G_DEFINE_BOXED_TYPE (TallyAlertSettings, tally_alert_settings, tally_alert_settings_copy,
                     tally_alert_settings_free)

TallyAlertSettings *
tally_alert_settings_new (void)
{
  TallyAlertSettings *self = g_new0 (TallyAlertSettings, 1);

  tally_alert_settings_add_threshold (self, 50);
  tally_alert_settings_add_threshold (self, 80);
  tally_alert_settings_add_threshold (self, 100);
  self->app = TRUE;
  self->desktop = TRUE;
  self->email = TRUE;
  return self;
}

/* The member's node when it holds a value of @type: json-glib would read
 * true as 1 and 1.5 as 1. */
static JsonNode *
read_value (JsonObject *object,
            const char *member,
            GType       type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static void
read_boolean (JsonObject *object,
              const char *member,
              gboolean   *out)
{
  JsonNode *node = read_value (object, member, G_TYPE_BOOLEAN);

  if (node != NULL)
    *out = json_node_get_boolean (node);
}

static void
read_thresholds (TallyAlertSettings *self,
                 JsonObject         *object)
{
  JsonNode *node = json_object_get_member (object, "thresholds");
  JsonArray *array = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                  : NULL;

  if (array == NULL)
    return;

  self->n_thresholds = 0;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_INT64 &&
          json_node_get_int (element) <= TALLY_ALERT_MAX_PERCENT)
        tally_alert_settings_add_threshold (self, (int) MAX (0, json_node_get_int (element)));
    }
}

/* "HH:MM", or FALSE. */
static gboolean
read_clock (JsonObject *object,
            const char *member,
            char        out[6])
{
  JsonNode *node = read_value (object, member, G_TYPE_STRING);

  if (node == NULL || strlen (json_node_get_string (node)) != 5)
    return FALSE;
  g_strlcpy (out, json_node_get_string (node), 6);
  return TRUE;
}

static void
read_quiet_hours (TallyAlertSettings *self,
                  JsonObject         *object)
{
  JsonNode *node = json_object_get_member (object, "quiet_hours");
  JsonObject *hours = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                    : NULL;

  self->has_quiet_hours = hours != NULL && read_clock (hours, "start", self->quiet_start) &&
                          read_clock (hours, "end", self->quiet_end);
}

TallyAlertSettings *
tally_alert_settings_new_from_json (JsonObject *object)
{
  TallyAlertSettings *self = tally_alert_settings_new ();
  JsonNode *channels_node = object != NULL ? json_object_get_member (object, "channels") : NULL;
  JsonObject *channels = channels_node != NULL && JSON_NODE_HOLDS_OBJECT (channels_node)
                         ? json_node_get_object (channels_node) : NULL;
  JsonNode *low = read_value (object, "low_balance", G_TYPE_INT64);

  if (object == NULL)
    return self;

  read_thresholds (self, object);
  self->has_low_balance = low != NULL;
  self->low_balance = low != NULL ? MAX (0, json_node_get_int (low)) : 0;
  read_boolean (channels, "app", &self->app);
  read_boolean (channels, "desktop", &self->desktop);
  read_boolean (channels, "email", &self->email);
  read_boolean (channels, "webhook", &self->webhook);
  read_quiet_hours (self, object);
  return self;
}

JsonObject *
tally_alert_settings_to_json (const TallyAlertSettings *self)
{
  JsonObject *object;
  JsonArray *thresholds;
  JsonObject *channels;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  thresholds = json_array_new ();
  for (guint i = 0; i < self->n_thresholds; i++)
    json_array_add_int_element (thresholds, self->thresholds[i]);
  json_object_set_array_member (object, "thresholds", thresholds);

  if (self->has_low_balance)
    json_object_set_int_member (object, "low_balance", self->low_balance);
  else
    json_object_set_null_member (object, "low_balance");

  channels = json_object_new ();
  json_object_set_boolean_member (channels, "app", self->app);
  json_object_set_boolean_member (channels, "desktop", self->desktop);
  json_object_set_boolean_member (channels, "email", self->email);
  json_object_set_boolean_member (channels, "webhook", self->webhook);
  json_object_set_object_member (object, "channels", channels);

  if (self->has_quiet_hours)
    {
      JsonObject *hours = json_object_new ();

      json_object_set_string_member (hours, "start", self->quiet_start);
      json_object_set_string_member (hours, "end", self->quiet_end);
      json_object_set_object_member (object, "quiet_hours", hours);
    }
  else
    json_object_set_null_member (object, "quiet_hours");
  return object;
}

static gboolean
has_threshold (const TallyAlertSettings *self,
               int                       percent)
{
  for (guint i = 0; i < self->n_thresholds; i++)
    if (self->thresholds[i] == percent)
      return TRUE;
  return FALSE;
}

gboolean
tally_alert_settings_add_threshold (TallyAlertSettings *self,
                                    int                 percent)
{
  guint at;

  g_return_val_if_fail (self != NULL, FALSE);

  if (percent < TALLY_ALERT_MIN_PERCENT || percent > TALLY_ALERT_MAX_PERCENT ||
      self->n_thresholds >= TALLY_ALERT_MAX_THRESHOLDS || has_threshold (self, percent))
    return FALSE;

  for (at = 0; at < self->n_thresholds && self->thresholds[at] < percent; at++)
    ;
  memmove (&self->thresholds[at + 1], &self->thresholds[at],
           (self->n_thresholds - at) * sizeof self->thresholds[0]);
  self->thresholds[at] = percent;
  self->n_thresholds++;
  return TRUE;
}

gboolean
tally_alert_settings_remove_threshold (TallyAlertSettings *self,
                                       int                 percent)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->n_thresholds; i++)
    {
      if (self->thresholds[i] != percent)
        continue;
      memmove (&self->thresholds[i], &self->thresholds[i + 1],
               (self->n_thresholds - i - 1) * sizeof self->thresholds[0]);
      self->n_thresholds--;
      return TRUE;
    }
  return FALSE;
}

TallyAlertSettings *
tally_alert_settings_copy (const TallyAlertSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_memdup2 (self, sizeof *self);
}

void
tally_alert_settings_free (TallyAlertSettings *self)
{
  g_free (self);
}
