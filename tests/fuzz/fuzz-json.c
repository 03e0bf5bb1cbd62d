/* fuzz-json.c: tally_json_parse_object and the typed member getters
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

/* Every getter on one member, each with a problem of its own: a problem
 * keeps its first description, so sharing one would hide later ones. */
static void
get_member_every_way (JsonObject *body,
                      const char *name)
{
  const TallyFieldPresence presences[] = { TALLY_FIELD_OPTIONAL, TALLY_FIELD_REQUIRED };

  for (guint i = 0; i < G_N_ELEMENTS (presences); i++)
    {
      g_auto(TallyProblem) string_problem = TALLY_PROBLEM_INIT;
      g_auto(TallyProblem) int_problem = TALLY_PROBLEM_INIT;
      g_auto(TallyProblem) uuid_problem = TALLY_PROBLEM_INIT;
      g_auto(TallyProblem) object_problem = TALLY_PROBLEM_INIT;
      g_auto(TallyProblem) array_problem = TALLY_PROBLEM_INIT;
      const char *string = NULL;
      gint64 number = 0;
      char uuid[37] = "";
      JsonObject *object = NULL;
      JsonArray *array = NULL;

      if (fuzz_check_outcome (tally_json_get_string (body, name, presences[i], 16, &string,
                                                     &string_problem), &string_problem) &&
          string != NULL)
        fuzz_require (g_utf8_strlen (string, -1) <= 16);

      if (fuzz_check_outcome (tally_json_get_int (body, name, presences[i], -1000, 1000, &number,
                                                  &int_problem), &int_problem))
        fuzz_require (number >= -1000 && number <= 1000);

      if (fuzz_check_outcome (tally_json_get_uuid (body, name, presences[i], uuid, &uuid_problem),
                              &uuid_problem) && uuid[0] != '\0')
        fuzz_require (g_uuid_string_is_valid (uuid));

      fuzz_check_outcome (tally_json_get_object (body, name, presences[i], &object,
                                                 &object_problem), &object_problem);
      fuzz_check_outcome (tally_json_get_array (body, name, presences[i], &array,
                                                &array_problem), &array_problem);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  g_autoptr(GList) names = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  if (body == NULL)
    return 0;

  names = json_object_get_members (body);
  for (GList *l = names; l != NULL; l = l->next)
    get_member_every_way (body, l->data);
  get_member_every_way (body, "absent member");

  root = json_node_init_object (json_node_alloc (), body);
  text = tally_json_to_string (root);
  fuzz_require (text != NULL);
  return 0;
}
