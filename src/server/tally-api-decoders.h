/* tally-api-decoders.h: every request body, decoded strictly into a struct
 * before anything is touched. The fuzz targets call these directly.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-json-decode.h"

G_BEGIN_DECLS

/* Strings point into the JsonObject they were decoded from. */
typedef struct
{
  const char *email;
  const char *password;
  const char *name;
} TallyRegisterRequest;

typedef struct
{
  const char *email;
  const char *password;
  const char *device;
} TallyLoginRequest;

gboolean tally_api_decode_register (JsonObject           *body,
                                    TallyRegisterRequest *out,
                                    TallyProblem         *problem);
gboolean tally_api_decode_login    (JsonObject           *body,
                                    TallyLoginRequest    *out,
                                    TallyProblem         *problem);
gboolean tally_api_email_is_valid  (const char           *email);

G_END_DECLS
