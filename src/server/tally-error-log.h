/* tally-error-log.h: the error answers the server gave, grouped by route
 * and code, in memory and bounded (GET /v1/admin/errors)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Groups kept at most: routes × the codes each can answer is well under
 * this, so only a flood of odd paths ("unmatched" is one group per code)
 * or a new failure mode makes the least recently seen ones go. */
#define TALLY_ERROR_LOG_CAPACITY 256
#define TALLY_ERROR_CODE_MAX 48

typedef struct
{
  char   method[16];
  /* The route's template, or "unmatched". */
  char  *route;
  guint  status;
  char   code[TALLY_ERROR_CODE_MAX];
  gint64 count;
  /* Microseconds UTC. */
  gint64 first_seen;
  gint64 last_seen;
  char   sample_request_id[37];
} TallyErrorGroup;

#define TALLY_TYPE_ERROR_LOG (tally_error_log_get_type ())

G_DECLARE_FINAL_TYPE (TallyErrorLog, tally_error_log, TALLY, ERROR_LOG, GObject)

TallyErrorLog *tally_error_log_new       (guint          capacity);
/* Counts one error answer; @code may be NULL (an answer without a JSON
 * error body), kept as "unknown". */
void           tally_error_log_record    (TallyErrorLog *self,
                                          const char    *method,
                                          const char    *route,
                                          guint          status,
                                          const char    *code,
                                          const char    *request_id,
                                          gint64         now);
/* The groups, most recently seen first; the array owns copies. */
GArray        *tally_error_log_list      (TallyErrorLog *self);
guint          tally_error_log_capacity  (TallyErrorLog *self);
guint64        tally_error_log_evicted   (TallyErrorLog *self);
/* When the log started (the server's start), microseconds UTC. */
gint64         tally_error_log_started   (TallyErrorLog *self);

G_END_DECLS
