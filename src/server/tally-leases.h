/* tally-leases.h: giving an offline lease's hold back, on any store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-rules-store.h"

G_BEGIN_DECLS

/* Ends the pending transfer @lease_id if it still holds credits: a lease
 * past its timeout is expired rather than voided (the ledger refuses the
 * void), as a sync does between two of the server's sweeps; its credits
 * are back either way. *@released: whether it was still pending. Each
 * store's release_lease calls it in the caller's transaction. */
gboolean tally_leases_release_hold (TallyRulesStore  *store,
                                    const char       *lease_id,
                                    gboolean         *released,
                                    GError          **error);

G_END_DECLS
