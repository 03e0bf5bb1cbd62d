/* tally-api-key.h: the user's API keys (/v1/me/api-keys), typed
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char      *id;
  char      *name;
  /* "tly_" and 4 more characters: which key it is, never the key. */
  char      *prefix;
  /* Only in the answer of creating one: it is never shown again. */
  char      *key;
  /* Every key reads; this one may run tools too. */
  gboolean   can_run;
  /* Requests a minute. */
  gint64     rate_limit;
  /* Local time; last_used NULL when never used. */
  GDateTime *created;
  GDateTime *last_used;
} TallyApiKey;

#define TALLY_TYPE_API_KEY (tally_api_key_get_type ())

GType        tally_api_key_get_type      (void) G_GNUC_CONST;
/* NULL with @error without an id, a name or a prefix. */
TallyApiKey *tally_api_key_new_from_json (JsonObject         *object,
                                          GError            **error);
/* The request body of POST /v1/me/api-keys. */
JsonObject  *tally_api_key_request       (const char         *name,
                                          gboolean            can_run,
                                          gint64              rate_limit);
/* "tly_ab12… · Read and run · 60 requests a minute", in words. */
char        *tally_api_key_describe      (const TallyApiKey  *self);
/* "Created 06/12/2026 · Last used 06/12/2026 21:02" or "… · Never used". */
char        *tally_api_key_describe_use  (const TallyApiKey  *self);
TallyApiKey *tally_api_key_copy          (const TallyApiKey  *self);
void         tally_api_key_free          (TallyApiKey        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyApiKey, tally_api_key_free)

G_END_DECLS
