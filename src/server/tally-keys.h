/* tally-keys.h: API keys — making them, what each may do, and how fast
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-api-decoders.h"
#include "tally-api-store.h"

G_BEGIN_DECLS

/* Keys look like "tly_" + 43 URL-safe base64 characters (32 random bytes),
 * so a secret scanner or a person can tell one from a session token. */
#define TALLY_API_KEY_MARK "tly_"
#define TALLY_API_KEY_RATE_DEFAULT 60
#define TALLY_API_KEY_RATE_MAX 10000
/* last_used_at is written at most this often per key. */
#define TALLY_API_KEY_TOUCH_INTERVAL (60 * G_USEC_PER_SEC)

/* What a request would do with a key. */
typedef enum
{
  /* GET, and POST /v1/estimate: reads only. */
  TALLY_KEY_USE_READ,
  /* POST /v1/runs and its completion. */
  TALLY_KEY_USE_RUN,
  /* Anything else (settings, keys, teams, sign-out): never with a key. */
  TALLY_KEY_USE_OTHER,
} TallyKeyUse;

#define TALLY_TYPE_KEYS (tally_keys_get_type ())

/* The per-key token buckets and last-use times, in memory. */
G_DECLARE_FINAL_TYPE (TallyKeys, tally_keys, TALLY, KEYS, GObject)

TallyKeys *tally_keys_new         (void);

gboolean   tally_api_key_looks_like (const char               *token);
gboolean   tally_api_key_permits    (const TallyApiKey        *key,
                                     TallyKeyUse               use);

/* Makes a key for @user_id and stores its hash: call it inside a write.
 * @secret receives the key, to be shown once. */
gboolean   tally_keys_create      (TallyApiStore             *store,
                                   const char                *user_id,
                                   const TallyApiKeyRequest  *request,
                                   TallyApiKey               *key,
                                   char                     **secret,
                                   GError                   **error);

/* Takes one token from @key's bucket (rate_limit a minute, bursts up to
 * rate_limit). FALSE when it is empty, with *@retry_after the whole
 * seconds until the next token. */
gboolean   tally_keys_take        (TallyKeys                *self,
                                   const TallyApiKey        *key,
                                   gint64                    now,
                                   gint64                   *retry_after);
/* TRUE when last_used_at should be written now: at most once a
 * TALLY_API_KEY_TOUCH_INTERVAL per key, so a busy key costs no write per
 * request. */
gboolean   tally_keys_should_touch (TallyKeys               *self,
                                    const TallyApiKey       *key,
                                    gint64                   now);
/* A revoked key's bucket is not needed any more. */
/* Keeps the rate limits' buckets in @store when several servers share
 * it, so a key's requests count once whichever server they reach. */
void       tally_keys_share       (TallyKeys                *self,
                                   TallyApiStore            *store);
void       tally_keys_forget      (TallyKeys                *self,
                                   const char               *key_id);

G_END_DECLS
