/* tally-problem.h: what went wrong with a request, as the API answers it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* {"error": {"code", "message", "field"?, ...}} with an HTTP status. The
 * request decoders fill one instead of touching anything, so a bad request
 * changes nothing. */
typedef struct _TallyProblem
{
  guint       status;
  const char *code;
  char       *message;
  char       *field;
  /* More members of the error object, e.g. the limit that was hit. */
  JsonObject *extra;
  /* The message in each of the server's languages (tally-languages.h),
   * English first: the answer is in the request's. */
  GStrv       messages;
} TallyProblem;

#define TALLY_PROBLEM_INIT { 0, NULL, NULL, NULL, NULL, NULL }

/* xgettext finds the messages of these functions (po/meson.build). */

void      tally_problem_set         (TallyProblem *problem,
                                     guint         status,
                                     const char   *code,
                                     const char   *field,
                                     const char   *format,
                                     ...) G_GNUC_PRINTF (5, 6);
void      tally_problem_setv        (TallyProblem *problem,
                                     guint         status,
                                     const char   *code,
                                     const char   *field,
                                     const char   *format,
                                     va_list       args) G_GNUC_PRINTF (5, 0);
void      tally_problem_set_plural  (TallyProblem *problem,
                                     guint         status,
                                     const char   *code,
                                     const char   *field,
                                     gulong        n,
                                     const char   *singular,
                                     const char   *plural,
                                     ...) G_GNUC_PRINTF (6, 8) G_GNUC_PRINTF (7, 8);
void      tally_problem_invalid     (TallyProblem *problem,
                                     const char   *field,
                                     const char   *format,
                                     ...) G_GNUC_PRINTF (3, 4);
gboolean  tally_problem_is_set      (const TallyProblem *problem);
void      tally_problem_clear       (TallyProblem *problem);
JsonNode *tally_problem_to_json     (const TallyProblem *problem);
JsonNode *tally_problem_to_json_in  (const TallyProblem *problem,
                                     guint               language);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyProblem, tally_problem_clear)

G_END_DECLS
