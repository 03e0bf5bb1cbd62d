/* tally-json-decode.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-json-decode.h"

/* Counts nesting outside strings, so "[[[[…" a megabyte deep never reaches
 * the recursive parser. */
static gboolean
depth_within (const char *data,
              gsize       length,
              guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }

  return TRUE;
}

/* json-glib turns a lone UTF-16 surrogate escape ("\udc00") into bytes
 * that are not UTF-8, in values and member names alike. Objects the
 * decoders pass on whole (a run's inputs) are stored and answered as they
 * came, so the whole body is checked once here. */
static gboolean
strings_valid (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          {
            if (!g_utf8_validate (name, -1, NULL) || !strings_valid (member))
              return FALSE;
          }
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (!strings_valid (json_array_get_element (array, i)))
              return FALSE;
          }
        return TRUE;
      }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING ||
             g_utf8_validate (json_node_get_string (node), -1, NULL);
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

JsonObject *
tally_json_parse_object (const char   *data,
                         gsize         length,
                         TallyProblem *problem)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      tally_problem_set (problem, 400, "invalid_json", NULL, "The request body is empty");
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL, "The request body is not UTF-8");
      return NULL;
    }
  if (!depth_within (data, length, TALLY_JSON_MAX_DEPTH))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL,
                         "The request body nests deeper than %d levels", TALLY_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) length, &error))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL, "The request body is not JSON: %s",
                         error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL,
                         "The request body must be a JSON object");
      return NULL;
    }
  if (!strings_valid (root))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL,
                         "The request body has text that is not valid Unicode");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* The member, or NULL when absent (or null and optional). */
static JsonNode *
get_member (JsonObject         *object,
            const char         *name,
            TallyFieldPresence  presence,
            TallyProblem       *problem)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node) && presence == TALLY_FIELD_OPTIONAL)
    return NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (presence == TALLY_FIELD_REQUIRED)
        tally_problem_invalid (problem, name, "“%s” is required", name);
      return NULL;
    }

  return node;
}

gboolean
tally_json_get_string (JsonObject          *object,
                       const char          *name,
                       TallyFieldPresence   presence,
                       gsize                max_chars,
                       const char         **out,
                       TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);
  const char *value;

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      tally_problem_invalid (problem, name, "“%s” must be a string", name);
      return FALSE;
    }

  value = json_node_get_string (node);
  if (g_utf8_strlen (value, -1) > (glong) max_chars)
    {
      tally_problem_invalid (problem, name, "“%s” must be at most %" G_GSIZE_FORMAT " characters",
                             name, max_chars);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
tally_json_get_int (JsonObject          *object,
                    const char          *name,
                    TallyFieldPresence   presence,
                    gint64               min,
                    gint64               max,
                    gint64              *out,
                    TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);
  gint64 value;

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      tally_problem_invalid (problem, name, "“%s” must be a whole number", name);
      return FALSE;
    }

  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      tally_problem_invalid (problem, name, "“%s” must be from %" G_GINT64_FORMAT " to %"
                             G_GINT64_FORMAT, name, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
tally_json_get_uuid (JsonObject          *object,
                     const char          *name,
                     TallyFieldPresence   presence,
                     char                 out[37],
                     TallyProblem        *problem)
{
  const char *value = NULL;

  if (!tally_json_get_string (object, name, presence, 36, &value, problem))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (!g_uuid_string_is_valid (value))
    {
      tally_problem_invalid (problem, name, "“%s” must be a UUID", name);
      return FALSE;
    }

  for (guint i = 0; i < 36; i++)
    out[i] = g_ascii_tolower (value[i]);
  out[36] = '\0';
  return TRUE;
}

gboolean
tally_json_get_object (JsonObject          *object,
                       const char          *name,
                       TallyFieldPresence   presence,
                       JsonObject         **out,
                       TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tally_problem_invalid (problem, name, "“%s” must be an object", name);
      return FALSE;
    }

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
tally_json_get_array (JsonObject          *object,
                      const char          *name,
                      TallyFieldPresence   presence,
                      JsonArray          **out,
                      TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      tally_problem_invalid (problem, name, "“%s” must be an array", name);
      return FALSE;
    }

  *out = json_node_get_array (node);
  return TRUE;
}

char *
tally_json_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}
