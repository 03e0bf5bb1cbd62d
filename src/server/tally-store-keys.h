/* tally-store-keys.h: API keys, stored as the SHA-256 of the key
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-store.h"

G_BEGIN_DECLS

#define TALLY_API_KEY_NAME_MAX 100
/* The first characters of a key, kept in clear so its owner can tell
 * their keys apart. */
#define TALLY_API_KEY_PREFIX_CHARS 8

typedef struct
{
  char     id[TALLY_UUID_LEN];
  char     user_id[TALLY_UUID_LEN];
  char     name[TALLY_API_KEY_NAME_MAX * 4 + 1];
  char     prefix[TALLY_API_KEY_PREFIX_CHARS + 1];
  /* Every key may read; this one may also run tools. */
  gboolean can_run;
  /* Requests a minute. */
  gint64   rate_limit;
  gint64   created_at;
  /* 0 when never used. */
  gint64   last_used_at;
  /* 0 while the key works. */
  gint64   revoked_at;
} TallyApiKey;

gboolean tally_store_insert_api_key  (TallyStore         *self,
                                      const TallyApiKey  *key,
                                      const guint8        key_hash[32],
                                      GError            **error);
/* The user's keys that are not revoked, newest first: a GArray of
 * TallyApiKey. */
GArray  *tally_store_list_api_keys   (TallyStore         *self,
                                      const char         *user_id,
                                      GError            **error);
/* All the user's keys, revoked ones too, newest first: for their export. */
GArray  *tally_store_list_all_api_keys (TallyStore       *self,
                                        const char       *user_id,
                                        GError          **error);
/* Not found when @user_id has no such key, or it was revoked already. */
gboolean tally_store_revoke_api_key  (TallyStore         *self,
                                      const char         *user_id,
                                      const char         *id,
                                      gint64              now,
                                      GError            **error);
/* The live key with this hash and its user, who must not be disabled;
 * not found otherwise. */
gboolean tally_store_find_api_key    (TallyStore         *self,
                                      const guint8        key_hash[32],
                                      TallyApiKey        *key,
                                      TallyUser          *user,
                                      GError            **error);
gboolean tally_store_touch_api_key   (TallyStore         *self,
                                      const char         *id,
                                      gint64              when,
                                      GError            **error);
/* Notes that run @run_id was authorized with key @key_id. */
gboolean tally_store_record_run_key  (TallyStore         *self,
                                      const char         *run_id,
                                      const char         *key_id,
                                      GError            **error);

typedef struct
{
  char   key_id[TALLY_UUID_LEN];
  char   name[TALLY_API_KEY_NAME_MAX * 4 + 1];
  char   prefix[TALLY_API_KEY_PREFIX_CHARS + 1];
  gint64 spent;
  gint64 runs;
} TallyKeyUsage;

/* Posted consumption of @account_id's runs made with a key, completed in
 * [@since, @until), by key, most spent first: a GArray of TallyKeyUsage.
 * Revoked keys are listed too: what they spent stays spent. */
GArray  *tally_store_usage_by_key    (TallyStore         *self,
                                      const char         *account_id,
                                      gint64              since,
                                      gint64              until,
                                      GError            **error);

G_END_DECLS
