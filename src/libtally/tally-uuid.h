/* tally-uuid.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Validation is g_uuid_string_is_valid(); these convert between the text
 * form used by the API and the 16 bytes stored in the ledger file. */
gboolean tally_uuid_to_bytes   (const char   *uuid,
                                guint8        bytes[16]);
void     tally_uuid_from_bytes (const guint8  bytes[16],
                                char          uuid[37]);
void     tally_uuid_derive     (const char   *namespace_name,
                                const char   *name,
                                char          uuid[37]);

G_END_DECLS
