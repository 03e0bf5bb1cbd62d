/* tally-problem.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-problem.h"

static void
problem_setv (TallyProblem *problem,
              guint         status,
              const char   *code,
              const char   *field,
              const char   *format,
              va_list       args)
{
  g_autofree char *message = NULL;

  /* The first problem found is the one reported. */
  if (tally_problem_is_set (problem))
    return;

  message = g_strdup_vprintf (format, args);
  problem->status = status;
  problem->code = code;
  problem->field = g_strdup (field);
  /* A parser's message may quote the bad input: it must not break the
   * JSON it is sent in. */
  problem->message = g_utf8_make_valid (message, -1);
}

void
tally_problem_set (TallyProblem *problem,
                   guint         status,
                   const char   *code,
                   const char   *field,
                   const char   *format,
                   ...)
{
  va_list args;

  va_start (args, format);
  problem_setv (problem, status, code, field, format, args);
  va_end (args);
}

void
tally_problem_invalid (TallyProblem *problem,
                       const char   *field,
                       const char   *format,
                       ...)
{
  va_list args;

  va_start (args, format);
  problem_setv (problem, 400, "invalid_field", field, format, args);
  va_end (args);
}

gboolean
tally_problem_is_set (const TallyProblem *problem)
{
  return problem->code != NULL;
}

void
tally_problem_clear (TallyProblem *problem)
{
  g_clear_pointer (&problem->message, g_free);
  g_clear_pointer (&problem->field, g_free);
  g_clear_pointer (&problem->extra, json_object_unref);
  problem->code = NULL;
  problem->status = 0;
}

static void
copy_member (JsonObject  *from,
             const char  *name,
             JsonNode    *value,
             gpointer     to)
{
  json_object_set_member (to, name, json_node_copy (value));
}

JsonNode *
tally_problem_to_json (const TallyProblem *problem)
{
  g_autoptr(JsonObject) error = json_object_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (error, "code", problem->code);
  json_object_set_string_member (error, "message", problem->message ? problem->message : "");
  if (problem->field != NULL)
    json_object_set_string_member (error, "field", problem->field);
  if (problem->extra != NULL)
    json_object_foreach_member (problem->extra, copy_member, error);

  json_object_set_object_member (root, "error", g_steal_pointer (&error));
  json_node_take_object (node, g_steal_pointer (&root));
  return node;
}
