/* tally-gauges.h: the gauges /metrics reads at each scrape
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-server.h"

G_BEGIN_DECLS

/* Stripe expires a Checkout Session after 24 hours: a checkout still open
 * then was abandoned. */
#define TALLY_CHECKOUT_TIMEOUT (G_GINT64_CONSTANT (24) * 3600 * G_USEC_PER_SEC)

/* The closed label sets of the server's counters, at 0 until counted. */
void tally_gauges_declare_counters (TallyMetrics *metrics);
/* Reads the liability, the holds, the checkout funnel, the database's
 * size and its disk's room into @server's metrics. A part that cannot be
 * read keeps its last value, and is logged. */
void tally_gauges_refresh          (TallyServer  *server);

G_END_DECLS
