/* tally-json.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-json.h"
#include "tally-types.h"

static JsonNode *
canonical_object (JsonObject *object)
{
  g_autoptr(JsonObject) sorted = json_object_new ();
  GList *names = g_list_sort (json_object_get_members (object), (GCompareFunc) g_strcmp0);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (sorted, l->data,
                            tally_json_canonical_copy (json_object_get_member (object, l->data)));
  g_list_free (names);

  json_node_set_object (node, sorted);
  return node;
}

static JsonNode *
canonical_array (JsonArray *array)
{
  g_autoptr(JsonArray) copy = json_array_sized_new (json_array_get_length (array));
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < json_array_get_length (array); i++)
    json_array_add_element (copy, tally_json_canonical_copy (json_array_get_element (array, i)));

  json_node_set_array (node, copy);
  return node;
}

/* Recursive: callers bound the depth of what they parsed. */
JsonNode *
tally_json_canonical_copy (JsonNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return canonical_object (json_node_get_object (node));
    case JSON_NODE_ARRAY:
      return canonical_array (json_node_get_array (node));
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

char *
tally_json_canonical (JsonNode *node)
{
  g_autoptr(JsonNode) canonical = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  g_return_val_if_fail (node != NULL, NULL);

  canonical = tally_json_canonical_copy (node);
  json_generator_set_root (generator, canonical);
  return json_generator_to_data (generator, NULL);
}

gboolean
tally_json_parse_time (const char *text,
                       gint64     *microseconds)
{
  g_autoptr(GDateTime) time = NULL;

  /* No default zone: a time without one is ambiguous. */
  time = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
  if (time == NULL)
    return FALSE;

  *microseconds = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

JsonNode *
tally_json_member_value (JsonObject *object,
                         const char *name,
                         GType       type)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static gboolean
member_is_null (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static gboolean
fail (const char  *name,
      const char **fault)
{
  *fault = name;
  return FALSE;
}

gboolean
tally_json_read_int (JsonObject  *object,
                     const char  *name,
                     gint64       min,
                     gint64      *out,
                     const char **fault)
{
  JsonNode *node = tally_json_member_value (object, name, G_TYPE_INT64);

  if (node == NULL || json_node_get_int (node) < min)
    return fail (name, fault);

  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
tally_json_read_text (JsonObject  *object,
                      const char  *name,
                      gboolean     nullable,
                      char        *out,
                      gsize        size,
                      const char **fault)
{
  JsonNode *node = tally_json_member_value (object, name, G_TYPE_STRING);

  if (node == NULL && nullable && member_is_null (object, name))
    {
      out[0] = '\0';
      return TRUE;
    }
  if (node == NULL || g_strlcpy (out, json_node_get_string (node), size) >= size)
    return fail (name, fault);

  return TRUE;
}

gboolean
tally_json_read_uuid (JsonObject  *object,
                      const char  *name,
                      gboolean     nullable,
                      char        *out,
                      const char **fault)
{
  if (!tally_json_read_text (object, name, nullable, out, TALLY_UUID_LEN, fault))
    return FALSE;
  if (out[0] == '\0' ? nullable : g_uuid_string_is_valid (out))
    return TRUE;

  return fail (name, fault);
}

gboolean
tally_json_read_time (JsonObject  *object,
                      const char  *name,
                      gint64      *out,
                      const char **fault)
{
  JsonNode *node = tally_json_member_value (object, name, G_TYPE_STRING);

  if (node == NULL || !tally_json_parse_time (json_node_get_string (node), out))
    return fail (name, fault);

  return TRUE;
}

const char *
tally_json_peek_string (JsonObject *object,
                        const char *name)
{
  JsonNode *node = tally_json_member_value (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gint64
tally_json_peek_figure (JsonObject *object,
                        const char *name)
{
  JsonNode *node = tally_json_member_value (object, name, G_TYPE_INT64);

  return node != NULL ? MAX (0, json_node_get_int (node)) : 0;
}

GDateTime *
tally_json_peek_local_time (JsonObject *object,
                            const char *name)
{
  const char *text = tally_json_peek_string (object, name);
  g_autoptr(GDateTime) utc = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}
