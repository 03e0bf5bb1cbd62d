/* tally-api-sync.h: the answer of POST /v1/sync, which the sync
 * simulation (tests/sim) reads as the app would
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-sync-apply.h"

G_BEGIN_DECLS

/* The 200 answer of @job once applied (or found to need no write):
 * {results, cursor, more, transfers, accounts, lease, tools_version}. */
JsonObject *tally_api_sync_answer (const TallySyncContext  *ctx,
                                   const TallySyncJob      *job,
                                   GError                 **error);

G_END_DECLS
