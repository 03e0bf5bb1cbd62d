/* tally-api-query.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api-query.h"

#define CURSOR_BYTES 12
#define CURSOR_CHARS 16

#define PAGE_DEFAULT 50
#define PAGE_MAX     500

static void
checksum_cursor (const guint8  seq[8],
                 const char   *scope,
                 guint8        check[4])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) "tally-cursor-v1", -1);
  g_checksum_update (checksum, seq, 8);
  g_checksum_update (checksum, (const guchar *) scope, -1);
  g_checksum_get_digest (checksum, digest, &length);
  memcpy (check, digest, 4);
}

char *
tally_api_cursor_encode (gint64      seq,
                         const char *scope)
{
  guint8 raw[CURSOR_BYTES];
  guint64 value = GUINT64_TO_BE ((guint64) seq);
  char *text;

  memcpy (raw, &value, 8);
  checksum_cursor (raw, scope, raw + 8);
  text = g_base64_encode (raw, sizeof raw);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

/* Strictly: exactly the characters a cursor can have, and a checksum that
 * matches. */
gboolean
tally_api_cursor_decode (const char *text,
                         const char *scope,
                         gint64     *seq)
{
  g_autofree char *standard = NULL;
  g_autofree guint8 *raw = NULL;
  guint8 check[4];
  guint64 value;
  gsize length;

  if (strlen (text) != CURSOR_CHARS)
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    {
      if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
        return FALSE;
    }

  standard = g_strdup (text);
  g_strdelimit (standard, "-", '+');
  g_strdelimit (standard, "_", '/');
  raw = g_base64_decode (standard, &length);
  if (length != CURSOR_BYTES)
    return FALSE;

  checksum_cursor (raw, scope, check);
  memcpy (&value, raw, 8);
  value = GUINT64_FROM_BE (value);
  if (memcmp (check, raw + 8, 4) != 0 || value == 0 || value > G_MAXINT64)
    return FALSE;

  *seq = (gint64) value;
  return TRUE;
}

gboolean
tally_api_parse_time (const char *text,
                      gint64     *microseconds)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *full = NULL;

  if (strlen (text) == 10)
    full = g_strconcat (text, "T00:00:00", NULL);

  time = g_date_time_new_from_iso8601 (full != NULL ? full : text, utc);
  if (time == NULL)
    return FALSE;

  *microseconds = g_date_time_to_unix (time) * G_USEC_PER_SEC +
                  g_date_time_get_microsecond (time);
  if (*microseconds <= 0)
    *microseconds = 1;
  return TRUE;
}

const char *
tally_api_query_value (TallyRequest *request,
                       const char   *name)
{
  const char *value = tally_request_get_query (request, name);

  return value != NULL && value[0] != '\0' ? value : NULL;
}

static gboolean
parse_bound (TallyRequest *request,
             const char   *name,
             gint64       *microseconds,
             TallyProblem *problem)
{
  const char *text = tally_api_query_value (request, name);

  if (text == NULL || tally_api_parse_time (text, microseconds))
    return TRUE;

  tally_problem_invalid (problem, name, "“%s” must be an ISO 8601 date and time", name);
  return FALSE;
}

gboolean
tally_api_parse_time_range (TallyRequest *request,
                            gint64       *since,
                            gint64       *until,
                            TallyProblem *problem)
{
  return parse_bound (request, "since", since, problem) &&
         parse_bound (request, "until", until, problem);
}

gboolean
tally_api_parse_page (TallyRequest *request,
                      const char   *scope,
                      guint        *limit,
                      gint64       *before_seq,
                      TallyProblem *problem)
{
  const char *limit_text = tally_api_query_value (request, "limit");
  const char *cursor = tally_api_query_value (request, "cursor");
  gint64 value = PAGE_DEFAULT;

  if (limit_text != NULL &&
      (!g_ascii_string_to_signed (limit_text, 10, G_MININT64, G_MAXINT64, &value, NULL) ||
       value < 1))
    {
      tally_problem_invalid (problem, "limit", "“limit” must be a whole number from 1");
      return FALSE;
    }
  *limit = (guint) MIN (value, PAGE_MAX);

  if (cursor != NULL && !tally_api_cursor_decode (cursor, scope, before_seq))
    {
      tally_problem_invalid (problem, "cursor", "This cursor was not given by this server");
      return FALSE;
    }

  return TRUE;
}
