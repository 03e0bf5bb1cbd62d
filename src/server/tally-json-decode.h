/* tally-json-decode.h: strict decoding of request bodies
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-problem.h"

G_BEGIN_DECLS

/* Deeper JSON than this is refused before parsing: json-glib recurses. */
#define TALLY_JSON_MAX_DEPTH 32

typedef enum
{
  TALLY_FIELD_OPTIONAL = 0,
  TALLY_FIELD_REQUIRED = 1,
} TallyFieldPresence;

/* Parses @data as a JSON object; invalid_json otherwise. */
JsonObject *tally_json_parse_object (const char          *data,
                                     gsize                length,
                                     TallyProblem        *problem);

/* Each returns FALSE and fills @problem (invalid_field, naming @name) when
 * the member is of the wrong type or out of range, or missing and
 * required. A missing optional member leaves *out as it was. */
gboolean    tally_json_get_string   (JsonObject          *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     gsize                max_chars,
                                     const char         **out,
                                     TallyProblem        *problem);
gboolean    tally_json_get_int      (JsonObject          *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     gint64               min,
                                     gint64               max,
                                     gint64              *out,
                                     TallyProblem        *problem);
gboolean    tally_json_get_uuid     (JsonObject          *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     char                 out[37],
                                     TallyProblem        *problem);
/* An RFC 3339 time with its offset ("2027-01-31T23:59:59Z"), after @after
 * (microseconds); null counts as absent. *@out in microseconds. */
gboolean    tally_json_get_time_after (JsonObject        *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     gint64               after,
                                     gint64              *out,
                                     TallyProblem        *problem);
gboolean    tally_json_get_boolean  (JsonObject          *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     gboolean            *out,
                                     TallyProblem        *problem);
gboolean    tally_json_get_object   (JsonObject          *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     JsonObject         **out,
                                     TallyProblem        *problem);
gboolean    tally_json_get_array    (JsonObject          *object,
                                     const char          *name,
                                     TallyFieldPresence   presence,
                                     JsonArray          **out,
                                     TallyProblem        *problem);

char       *tally_json_to_string    (JsonNode            *node);

G_END_DECLS
