/* tally-problem.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-languages.h"
#include "tally-problem.h"

static void
problem_start (TallyProblem *problem,
               guint         status,
               const char   *code,
               const char   *field)
{
  problem->status = status;
  problem->code = code;
  problem->field = g_strdup (field);
  problem->messages = g_new0 (char *, tally_languages_count () + 1);
}

/* A parser's message may quote the bad input: it must not break the JSON
 * it is sent in. */
static void
problem_take_message (TallyProblem *problem,
                      guint         language,
                      char         *message)
{
  problem->messages[language] = g_utf8_make_valid (message, -1);
  g_free (message);
}

static void
problem_finish (TallyProblem *problem)
{
  problem->message = g_strdup (problem->messages[TALLY_LANGUAGE_SOURCE]);
}

void
tally_problem_setv (TallyProblem *problem,
                    guint         status,
                    const char   *code,
                    const char   *field,
                    const char   *format,
                    va_list       args)
{
  /* The first problem found is the one reported. */
  if (tally_problem_is_set (problem))
    return;

  problem_start (problem, status, code, field);
  for (guint i = 0; i < tally_languages_count (); i++)
    {
      va_list copy;

      va_copy (copy, args);
      problem_take_message (problem, i, tally_languages_vprintf (i, format, copy));
      va_end (copy);
    }
  problem_finish (problem);
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
  tally_problem_setv (problem, status, code, field, format, args);
  va_end (args);
}

void
tally_problem_set_plural (TallyProblem *problem,
                          guint         status,
                          const char   *code,
                          const char   *field,
                          gulong        n,
                          const char   *singular,
                          const char   *plural,
                          ...)
{
  if (tally_problem_is_set (problem))
    return;

  problem_start (problem, status, code, field);
  for (guint i = 0; i < tally_languages_count (); i++)
    {
      va_list args;

      va_start (args, plural);
      problem_take_message (problem, i, tally_languages_vnprintf (i, singular, plural, n, args));
      va_end (args);
    }
  problem_finish (problem);
}

void
tally_problem_invalid (TallyProblem *problem,
                       const char   *field,
                       const char   *format,
                       ...)
{
  va_list args;

  va_start (args, format);
  tally_problem_setv (problem, 400, "invalid_field", field, format, args);
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
  g_clear_pointer (&problem->messages, g_strfreev);
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
  return tally_problem_to_json_in (problem, TALLY_LANGUAGE_SOURCE);
}

static const char *
problem_message_in (const TallyProblem *problem,
                    guint               language)
{
  if (problem->messages != NULL && problem->messages[language] != NULL)
    return problem->messages[language];

  return problem->message != NULL ? problem->message : "";
}

JsonNode *
tally_problem_to_json_in (const TallyProblem *problem,
                          guint               language)
{
  g_autoptr(JsonObject) error = json_object_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (error, "code", problem->code);
  json_object_set_string_member (error, "message", problem_message_in (problem, language));
  if (problem->field != NULL)
    json_object_set_string_member (error, "field", problem->field);
  if (problem->extra != NULL)
    json_object_foreach_member (problem->extra, copy_member, error);

  json_object_set_object_member (root, "error", g_steal_pointer (&error));
  json_node_take_object (node, g_steal_pointer (&root));
  return node;
}
