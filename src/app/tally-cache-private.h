/* tally-cache-private.h: what the cache's own files share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "tally-cache.h"

G_BEGIN_DECLS

/* What a sync answer says about one op of the outbox. */
typedef struct
{
  char     id[TALLY_UUID_LEN];
  /* Rejected now, or a duplicate of an op that was rejected. */
  gboolean rejected;
  char     reason[64];
} TallyCacheOpResult;

/* A sync answer decoded whole before anything of it is applied. */
typedef struct
{
  GArray          *accounts;
  GArray          *transfers;
  GArray          *results;
  gint64           cursor;
  /* id empty: the device holds no lease. */
  TallyCacheLease  lease;
} TallyCacheAnswer;

/* The statements the cache prepares once, on open. */
typedef enum
{
  CACHE_STMT_DOCUMENT_PUT,
  CACHE_STMT_DOCUMENT_GET,
  CACHE_STMT_STATE_INIT,
  CACHE_STMT_STATE_GET,
  CACHE_STMT_STATE_PUT,
  CACHE_STMT_OUTBOX_ADD,
  CACHE_STMT_OUTBOX_PEEK,
  CACHE_STMT_OUTBOX_TOTALS,
  CACHE_STMT_OUTBOX_REJECT,
  CACHE_STMT_OUTBOX_REMOVE,
  CACHE_STMT_REJECTED_LIST,
  CACHE_STMT_REJECTED_DISMISS,
  CACHE_STMT_ALERT_ADD,
  CACHE_STMT_ALERT_LIST,
  N_CACHE_STMTS
} TallyCacheStmt;

/* tally-cache.c */
/* Reset and unbound, ready to bind. */
sqlite3_stmt *tally_cache_stmt         (TallyCache          *self,
                                        TallyCacheStmt       which);
/* Steps @stmt to its end and resets it; FALSE with a storage error. */
gboolean      tally_cache_step_done    (TallyCache          *self,
                                        sqlite3_stmt        *stmt,
                                        GError             **error);
gboolean      tally_cache_storage_error (TallyCache         *self,
                                        GError             **error);
void          tally_cache_emit_changed (TallyCache          *self);

/* tally-cache-outbox.c */
/* Takes the op @result answers out of the outbox, keeping it among the
 * rejected ones when it was. Inside the caller's transaction. */
gboolean      tally_cache_outbox_settle (TallyCache               *self,
                                        const TallyCacheOpResult  *result,
                                        GError                   **error);

/* tally-cache-decode.c */
gboolean tally_cache_decode_answer (JsonObject        *object,
                                    TallyCacheAnswer  *answer,
                                    GError           **error);
void     tally_cache_answer_clear  (TallyCacheAnswer  *answer);
/* Microseconds since the epoch of an ISO 8601 time with a zone. */
gboolean tally_cache_decode_time   (const char        *text,
                                    gint64            *microseconds);
/* Checks @op is a SyncOp the server will take (docs/openapi.json). */
gboolean tally_cache_validate_op   (JsonObject        *op,
                                    GError           **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallyCacheAnswer, tally_cache_answer_clear)

G_END_DECLS
