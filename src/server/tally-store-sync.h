/* tally-store-sync.h: devices, their offline leases, and the offline
 * operations already applied
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

/* A device's id is chosen by the app: at most this many characters. */
#define TALLY_DEVICE_MAX_CHARS 128
/* Hex SHA-256 of an operation's content, plus the terminator. */
#define TALLY_SYNC_DIGEST_LEN 65

/* One row of `devices`: a user's device and the lease it holds, a pending
 * transfer from the user's account to the device's own lease account. */
typedef struct _TallyDevice
{
  char   lease_account_id[TALLY_UUID_LEN];
  /* The pending transfer that holds the lease; empty when there is none. */
  char   lease_id[TALLY_UUID_LEN];
  /* The lease as it was last taken or renewed, and what the device's
   * operations have charged against it since: the pending transfer holds
   * the difference. */
  gint64 lease_amount;
  gint64 lease_spent;
  /* Microseconds since the epoch, UTC; 0 without a lease. */
  gint64 lease_expires_at;
  gint64 created_at;
} TallyDevice;

/* An offline operation as first applied: its content's digest and the
 * result it was given, as JSON text. */
typedef struct _TallySyncOpRecord
{
  char  user_id[TALLY_UUID_LEN];
  char  digest[TALLY_SYNC_DIGEST_LEN];
  char *result;
} TallySyncOpRecord;

void     tally_sync_op_record_clear (TallySyncOpRecord  *record);

/* TALLY_STORE_ERROR_NOT_FOUND when the user has never synced @device. */
gboolean tally_store_find_device    (TallyStore         *self,
                                     const char         *user_id,
                                     const char         *device,
                                     TallyDevice        *out,
                                     GError            **error);
/* Inserts or replaces the row of (@user_id, @device). */
gboolean tally_store_save_device    (TallyStore         *self,
                                     const char         *user_id,
                                     const char         *device,
                                     const TallyDevice  *row,
                                     GError            **error);

/* Voids the lease @device holds, if any, and forgets it: used when an
 * online run needs the credits. *@released says whether there was one.
 * The device's later offline operations have no lease to draw on, so the
 * app sends @device only with an empty outbox. */
gboolean tally_store_release_lease  (TallyStore         *self,
                                     const char         *user_id,
                                     const char         *device,
                                     gboolean           *released,
                                     GError            **error);

/* TALLY_STORE_ERROR_NOT_FOUND when no operation has @id. */
gboolean tally_store_find_sync_op   (TallyStore         *self,
                                     const char         *id,
                                     TallySyncOpRecord  *record,
                                     GError            **error);
gboolean tally_store_add_sync_op    (TallyStore         *self,
                                     const char         *id,
                                     const char         *user_id,
                                     const char         *device,
                                     const char         *digest,
                                     const char         *result,
                                     GError            **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TallySyncOpRecord, tally_sync_op_record_clear)

G_END_DECLS
