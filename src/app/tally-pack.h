/* tally-pack.h: a credit pack on sale (GET /v1/packs)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_TYPE_PACK (tally_pack_get_type ())

G_DECLARE_FINAL_TYPE (TallyPack, tally_pack, TALLY, PACK, GObject)

/* NULL with @error when @object is not a pack of the API. */
TallyPack  *tally_pack_new_from_json (JsonObject  *object,
                                      GError     **error);
const char *tally_pack_get_id        (TallyPack   *self);
const char *tally_pack_get_name      (TallyPack   *self);
gint64      tally_pack_get_credits   (TallyPack   *self);
/* The price, in the currency's minor units. */
gint64      tally_pack_get_amount    (TallyPack   *self);
const char *tally_pack_get_currency  (TallyPack   *self);
/* "€5.00" */
char       *tally_pack_format_price  (TallyPack   *self);

G_END_DECLS
