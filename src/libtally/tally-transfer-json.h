/* tally-transfer-json.h: a transfer as the sync API writes it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-transfer.h"

G_BEGIN_DECLS

/* The Transfer of docs/openapi.json (POST /v1/sync's answer): every field
 * of @transfer the ledger keeps and a mirror needs, with its seq and
 * creation time. The server writes it and the app reads it back with
 * tally_transfer_from_json(), so the two cannot drift. */
JsonObject *tally_transfer_to_json   (const TallyTransfer  *transfer);

/* Fills @transfer from @object, checking each member's type and size
 * (UUIDs valid, seq at least 1, amounts and units not negative). On
 * failure returns FALSE with @fault set to the name of the member at
 * fault; @transfer is then partly filled. Unknown members are ignored so
 * that the server can add some. */
gboolean    tally_transfer_from_json (JsonObject           *object,
                                      TallyTransfer        *transfer,
                                      const char          **fault);

G_END_DECLS
