/* tally-store.h: the server's own tables, in the ledger file
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <tally.h>

G_BEGIN_DECLS

#define TALLY_STORE_ERROR (tally_store_error_quark ())

typedef enum
{
  TALLY_STORE_ERROR_FAILED,
  TALLY_STORE_ERROR_NOT_FOUND,
  TALLY_STORE_ERROR_EMAIL_TAKEN,
} TallyStoreError;

typedef enum
{
  TALLY_ROLE_MEMBER,
  TALLY_ROLE_TEAM_OWNER,
  TALLY_ROLE_ADMIN,
} TallyRole;

#define TALLY_EMAIL_MAX 254

typedef struct _TallyUser
{
  char      id[TALLY_UUID_LEN];
  char      email[TALLY_EMAIL_MAX + 1];
  char      name[TALLY_NAME_MAX];
  TallyRole role;
  gboolean  disabled;
  char      account_id[TALLY_UUID_LEN];
  char      timezone[TALLY_TIMEZONE_MAX];
  gint64    created_at;
} TallyUser;

#define TALLY_TYPE_STORE (tally_store_get_type ())

/* Users, sessions, runs, devices and policies. Every statement runs on the
 * ledger's own connection, so what a request writes here commits together
 * with its transfers. */
G_DECLARE_FINAL_TYPE (TallyStore, tally_store, TALLY, STORE, GObject)

GQuark       tally_store_error_quark        (void);
const char  *tally_role_to_string           (TallyRole     role);
gboolean     tally_role_from_string         (const char   *str,
                                             TallyRole    *role);

TallyStore  *tally_store_new                (TallyLedger  *ledger,
                                             GError      **error);
/* Reads only, on a read-only @ledger of a worker thread's own. */
TallyStore  *tally_store_new_reader         (TallyLedger  *ledger);
TallyLedger *tally_store_get_ledger         (TallyStore   *self);

/* One short transaction of a sweep: deletes a batch through @store and
 * sets *@more when some are left for the next. */
typedef gboolean (*TallySweepFunc) (TallyStore  *store,
                                    gpointer     data,
                                    gboolean    *more,
                                    GError     **error);
/* Runs @func again and again, each time in a transaction of its own, on
 * a worker thread with its own connection to the ledger file: a sweep of
 * many old rows never holds the main loop, and the writer's commits go
 * between its batches. Stops early with G_IO_ERROR_CANCELLED. The worker
 * thread uses @data until the sweep ends. */
void         tally_store_sweep_async        (TallyStore          *self,
                                             TallySweepFunc       func,
                                             gpointer             data,
                                             GDestroyNotify       destroy,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean     tally_store_sweep_finish       (TallyStore          *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* SQLite's data_version: it changes when another connection, such as
 * another process, commits to the file, and not on this one's commits. */
gboolean     tally_store_read_data_version  (TallyStore   *self,
                                             gint64       *version,
                                             GError      **error);

/* Users. Creating one also creates its ledger account; call it inside a
 * transaction. */
gboolean     tally_store_create_user        (TallyStore   *self,
                                             const char   *email,
                                             const char   *name,
                                             const char   *password_hash,
                                             TallyRole     role,
                                             TallyUser    *user,
                                             GError      **error);
gboolean     tally_store_find_user_by_email (TallyStore   *self,
                                             const char   *email,
                                             TallyUser    *user,
                                             char        **password_hash,
                                             GError      **error);
gboolean     tally_store_find_user_by_id    (TallyStore   *self,
                                             const char   *id,
                                             TallyUser    *user,
                                             GError      **error);
gboolean     tally_store_find_user_by_account (TallyStore *self,
                                             const char   *account_id,
                                             TallyUser    *user,
                                             GError      **error);
GArray      *tally_store_list_users         (TallyStore   *self,
                                             GError      **error);
gboolean     tally_store_set_role           (TallyStore   *self,
                                             const char   *email,
                                             TallyRole     role,
                                             GError      **error);
gboolean     tally_store_set_disabled       (TallyStore   *self,
                                             const char   *email,
                                             gboolean      disabled,
                                             GError      **error);

/* Sessions: only the SHA-256 of a token is ever stored. */
gboolean     tally_store_create_session     (TallyStore   *self,
                                             const guint8  token_hash[32],
                                             const char   *user_id,
                                             const char   *device,
                                             gint64        expires_at,
                                             GError      **error);
gboolean     tally_store_find_session       (TallyStore   *self,
                                             const guint8  token_hash[32],
                                             gint64        now,
                                             TallyUser    *user,
                                             GError      **error);
gboolean     tally_store_revoke_session     (TallyStore   *self,
                                             const guint8  token_hash[32],
                                             gint64        now,
                                             GError      **error);

G_END_DECLS
