/* tally-store-users.h: users as admins manage them, and erasure's rows
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

/* A page of users: those whose email or name holds @search (literal text,
 * NULL for all), in the order they signed up, after the row @after (0 for
 * the first page). *@next_after is 0 on the last page. Erased users are
 * never listed. */
GArray   *tally_store_search_users       (TallyStore   *self,
                                          const char   *search,
                                          gint64        after,
                                          guint         limit,
                                          gint64       *next_after,
                                          GError      **error);
/* Admins who may still sign in: neither disabled nor erased. */
gboolean  tally_store_count_active_admins (TallyStore  *self,
                                          gint64       *count,
                                          GError      **error);
gboolean  tally_store_user_is_erased     (TallyStore   *self,
                                          const char   *user_id,
                                          gboolean     *erased,
                                          GError      **error);
gboolean  tally_store_update_user        (TallyStore   *self,
                                          const char   *user_id,
                                          TallyRole     role,
                                          gboolean      disabled,
                                          GError      **error);
/* Deletes or pseudonymises every row of the server's tables that holds
 * the user's personal data (not the audit log's, see TallyAudit), and
 * leaves a row without any, so ids kept by the ledger still resolve and a
 * second erasure is told apart from an unknown user. Sessions are
 * deleted: every token of the user answers 401 from this commit on. */
gboolean  tally_store_erase_user         (TallyStore   *self,
                                          const TallyUser *user,
                                          GError      **error);
/* Marketing email consent, with when it was given or withdrawn and the
 * version of the text the user saw. */
typedef struct _TallyConsent
{
  gboolean opt_in;
  gint64   changed_at;
  char     text_version[33];
} TallyConsent;

gboolean  tally_store_load_consent       (TallyStore   *self,
                                          const char   *user_id,
                                          TallyConsent *consent,
                                          GError      **error);
gboolean  tally_store_save_consent       (TallyStore   *self,
                                          const char   *user_id,
                                          const TallyConsent *consent,
                                          GError      **error);
/* Moves the whole WAL into the file and empties it, so what erasure
 * overwrote is gone from every file (secure_delete zeroed it in the
 * file). On a worker thread with a connection of its own that waits at
 * most a moment: a reader holding an old snapshot (a long export) makes
 * it fail with SQLITE_BUSY rather than stall the server's writes; the
 * next one finishes the work. */
void      tally_store_checkpoint_async   (TallyStore          *self,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean  tally_store_checkpoint_finish  (TallyStore          *self,
                                          GAsyncResult        *result,
                                          GError             **error);
/* Up to @limit sessions that expired or were revoked before @before:
 * retention, a batch at a time. */
gboolean  tally_store_delete_old_sessions (TallyStore  *self,
                                          gint64        before,
                                          gint64        limit,
                                          gint64       *n_deleted,
                                          GError      **error);

G_END_DECLS
