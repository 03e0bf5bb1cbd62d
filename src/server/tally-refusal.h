/* tally-refusal.h: answering a request from its headers and hanging up
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "tally-problem.h"

G_BEGIN_DECLS

/* Takes @msg's connection from libsoup before it reads the body, writes
 * @problem as the answer with "Connection: close" and @request_id, then
 * closes. Call it from a "got-headers" handler (an early handler): libsoup
 * would otherwise read the whole body, however large, before answering. */
void tally_refuse_before_body (SoupServerMessage  *msg,
                               const TallyProblem *problem,
                               const char         *request_id);

G_END_DECLS
