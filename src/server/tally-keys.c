/* tally-keys.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-auth.h"
#include "tally-keys.h"

/* A bucket's level counts in token-microseconds over a minute, so that
 * refilling at rate_limit tokens a minute is an integer addition:
 * one token is a minute of microseconds, and each microsecond adds
 * rate_limit of them. */
#define TOKEN_UNITS (60 * G_USEC_PER_SEC)

typedef struct
{
  gint64 level;
  gint64 filled_at;
  gint64 touched_at;
} Bucket;

struct _TallyKeys
{
  GObject     parent_instance;

  /* key id -> Bucket */
  GHashTable *buckets;
  /* With several servers, the buckets' levels live in the store's rows
   * "api-key:ID" (only when a key was last used is kept here). */
  TallyApiStore *store;
};

G_DEFINE_FINAL_TYPE (TallyKeys, tally_keys, G_TYPE_OBJECT)

static void
tally_keys_finalize (GObject *object)
{
  TallyKeys *self = (TallyKeys *) object;

  g_clear_pointer (&self->buckets, g_hash_table_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tally_keys_parent_class)->finalize (object);
}

static void
tally_keys_class_init (TallyKeysClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_keys_finalize;
}

static void
tally_keys_init (TallyKeys *self)
{
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

TallyKeys *
tally_keys_new (void)
{
  return g_object_new (TALLY_TYPE_KEYS, NULL);
}

gboolean
tally_api_key_looks_like (const char *token)
{
  return token != NULL && g_str_has_prefix (token, TALLY_API_KEY_MARK) &&
         strlen (token) == strlen (TALLY_API_KEY_MARK) + TALLY_TOKEN_CHARS;
}

gboolean
tally_api_key_permits (const TallyApiKey *key,
                       TallyKeyUse        use)
{
  switch (use)
    {
    case TALLY_KEY_USE_READ:
      return TRUE;
    case TALLY_KEY_USE_RUN:
      return key->can_run;
    case TALLY_KEY_USE_OTHER:
    default:
      return FALSE;
    }
}

gboolean
tally_keys_create (TallyApiStore             *store,
                   const char                *user_id,
                   const TallyApiKeyRequest  *request,
                   TallyApiKey               *key,
                   char                     **secret,
                   GError                   **error)
{
  g_autofree char *random = tally_token_new ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *text = g_strconcat (TALLY_API_KEY_MARK, random, NULL);
  guint8 hash[32];

  memset (key, 0, sizeof *key);
  g_strlcpy (key->id, id, sizeof key->id);
  g_strlcpy (key->user_id, user_id, sizeof key->user_id);
  g_strlcpy (key->name, request->name, sizeof key->name);
  g_strlcpy (key->prefix, text, sizeof key->prefix);
  key->can_run = request->can_run;
  key->rate_limit = request->rate_limit;
  key->created_at = g_get_real_time ();

  tally_token_hash (text, hash);
  if (!tally_api_store_insert_api_key (store, key, hash, error))
    return FALSE;

  *secret = g_steal_pointer (&text);
  return TRUE;
}

static Bucket *
lookup_bucket (TallyKeys         *self,
               const TallyApiKey *key,
               gint64             now)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, key->id);

  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->level = key->rate_limit * TOKEN_UNITS;
      bucket->filled_at = now;
      g_hash_table_insert (self->buckets, g_strdup (key->id), bucket);
    }
  return bucket;
}

void
tally_keys_share (TallyKeys     *self,
                  TallyApiStore *store)
{
  g_return_if_fail (TALLY_IS_KEYS (self));
  g_return_if_fail (TALLY_IS_API_STORE (store));

  g_set_object (&self->store, store);
}

static gboolean
take_from (Bucket            *bucket,
           const TallyApiKey *key,
           gint64             now,
           gint64            *retry_after)
{
  gint64 capacity = key->rate_limit * TOKEN_UNITS;
  /* Beyond a minute the bucket is full anyway; the cap keeps the product
   * far from overflowing. */
  gint64 elapsed = CLAMP (now - bucket->filled_at, 0, TOKEN_UNITS);

  bucket->level = MIN (capacity, bucket->level + elapsed * key->rate_limit);
  bucket->filled_at = MAX (now, bucket->filled_at);

  if (bucket->level >= TOKEN_UNITS)
    {
      bucket->level -= TOKEN_UNITS;
      return TRUE;
    }

  {
    gint64 wait_us = (TOKEN_UNITS - bucket->level + key->rate_limit - 1) / key->rate_limit;

    *retry_after = MAX (1, (wait_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  }
  return FALSE;
}

typedef struct
{
  const TallyApiKey *key;
  gint64             now;
  gint64            *retry_after;
  gboolean           taken;
} Take;

/* A bucket as "LEVEL FILLED_AT"; a full one (or none) is no row, as a
 * key unused for a minute has a full bucket anyway. */
static char *
take_shared (const char *state,
             gpointer    data,
             gint64     *expires_at)
{
  Take *take = data;
  g_auto(GStrv) words = state != NULL ? g_strsplit (state, " ", 2) : NULL;
  Bucket bucket = { take->key->rate_limit * TOKEN_UNITS, take->now, 0 };

  if (words != NULL && g_strv_length (words) == 2)
    {
      bucket.level = g_ascii_strtoll (words[0], NULL, 10);
      bucket.filled_at = g_ascii_strtoll (words[1], NULL, 10);
    }
  take->taken = take_from (&bucket, take->key, take->now, take->retry_after);
  if (bucket.level >= take->key->rate_limit * TOKEN_UNITS)
    return NULL;
  *expires_at = take->now + TOKEN_UNITS;
  return g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, bucket.level,
                          bucket.filled_at);
}

gboolean
tally_keys_take (TallyKeys         *self,
                 const TallyApiKey *key,
                 gint64             now,
                 gint64            *retry_after)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *row = NULL;
  Take take = { key, now, retry_after, FALSE };

  if (self->store != NULL)
    {
      row = g_strconcat ("api-key:", key->id, NULL);
      if (tally_api_store_update_shared_state (self->store, row, take_shared, &take, &error))
        return take.taken;
      if (error == NULL)
        g_clear_object (&self->store);
      else
        g_debug ("API key rate limits kept in memory: %s", error->message);
    }
  return take_from (lookup_bucket (self, key, now), key, now, retry_after);
}

gboolean
tally_keys_should_touch (TallyKeys         *self,
                         const TallyApiKey *key,
                         gint64             now)
{
  Bucket *bucket = lookup_bucket (self, key, now);

  if (bucket->touched_at != 0 && now - bucket->touched_at < TALLY_API_KEY_TOUCH_INTERVAL)
    return FALSE;
  if (bucket->touched_at == 0 && key->last_used_at != 0 &&
      now - key->last_used_at < TALLY_API_KEY_TOUCH_INTERVAL)
    {
      /* Written by this server before a restart, or another one. */
      bucket->touched_at = key->last_used_at;
      return FALSE;
    }

  bucket->touched_at = now;
  return TRUE;
}

void
tally_keys_forget (TallyKeys  *self,
                   const char *key_id)
{
  g_hash_table_remove (self->buckets, key_id);
}
