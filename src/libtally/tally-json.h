/* tally-json.h: JSON helpers the server and the app share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A deep copy of @node with every object's members in byte order of
 * their names; arrays keep their order. */
JsonNode *tally_json_canonical_copy (JsonNode    *node);

/* The canonical text of @node: members sorted as above, no whitespace.
 * The same document in any member order gives the same text, so it can
 * be hashed or compared. */
char     *tally_json_canonical      (JsonNode    *node);

/* Parses an ISO 8601 time with its zone into microseconds since the
 * epoch; a time without a zone is ambiguous and refused. */
gboolean  tally_json_parse_time     (const char  *text,
                                     gint64      *microseconds);

/* The member's node when it holds a value of @type, else NULL: json-glib
 * itself would read true as 1 and "1" as 0. */
JsonNode *tally_json_member_value   (JsonObject  *object,
                                     const char  *name,
                                     GType        type);
/* Strict readers of one member of @object. Each returns FALSE and sets
 * @fault to @name (a static string of the caller) when the member is
 * missing or not what it must be, leaving @fault alone otherwise. */
gboolean  tally_json_read_int       (JsonObject  *object,
                                     const char  *name,
                                     gint64       min,
                                     gint64      *out,
                                     const char **fault);
/* A string that fits @size bytes with its terminator; null (or absence)
 * reads as "" when @nullable. */
gboolean  tally_json_read_text      (JsonObject  *object,
                                     const char  *name,
                                     gboolean     nullable,
                                     char        *out,
                                     gsize        size,
                                     const char **fault);
/* A UUID of TALLY_UUID_LEN bytes with its terminator. */
gboolean  tally_json_read_uuid      (JsonObject  *object,
                                     const char  *name,
                                     gboolean     nullable,
                                     char        *out,
                                     const char **fault);
gboolean  tally_json_read_time      (JsonObject  *object,
                                     const char  *name,
                                     gint64      *out,
                                     const char **fault);

/* Lenient readers, for replies whose optional members have defaults. */
/* The string member, or NULL when absent or of another type. */
const char *tally_json_peek_string     (JsonObject  *object,
                                       const char  *name);
/* A count or cap: 0 when absent, null or negative. */
gint64      tally_json_peek_figure     (JsonObject  *object,
                                       const char  *name);
/* An RFC 3339 member in local time; NULL when absent or unreadable. */
GDateTime  *tally_json_peek_local_time (JsonObject  *object,
                                       const char  *name);

G_END_DECLS
