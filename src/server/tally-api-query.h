/* tally-api-query.h: what list endpoints share in their query strings
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-problem.h"
#include "tally-request.h"

G_BEGIN_DECLS

/* A keyset cursor: the seq to continue before, with a short checksum over
 * the seq and @scope (e.g. the account it pages), as 16 URL-safe
 * characters. Not a signature: it only makes an edited or borrowed cursor
 * a clear error instead of some other page. */
char     *tally_api_cursor_encode (gint64       seq,
                                   const char  *scope);
gboolean  tally_api_cursor_decode (const char  *text,
                                   const char  *scope,
                                   gint64      *seq);

/* ISO 8601 with a time ("2026-03-01T12:00:00+01:00"; UTC without an
 * offset) or a plain date, read as its midnight UTC. A time at or before
 * 1970 is still a bound: it reads as 1 µs, since 0 means "none". */
gboolean  tally_api_parse_time    (const char  *text,
                                   gint64      *microseconds);

/* A query parameter; an empty one counts as absent ("?type=&tool="
 * filters nothing). */
const char *tally_api_query_value      (TallyRequest *request,
                                        const char   *name);
/* ?since= and ?until= into microseconds (0 where absent); FALSE with an
 * invalid_field problem naming the bad one. */
gboolean    tally_api_parse_time_range (TallyRequest *request,
                                        gint64       *since,
                                        gint64       *until,
                                        TallyProblem *problem);

/* ?limit= (default 50, above 500 read as 500) and ?cursor= (one this
 * server gave for @scope); FALSE with an invalid_field problem. */
gboolean    tally_api_parse_page       (TallyRequest *request,
                                        const char   *scope,
                                        guint        *limit,
                                        gint64       *before_seq,
                                        TallyProblem *problem);

G_END_DECLS
