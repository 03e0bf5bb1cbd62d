/* tally-api.h: each API area registers its routes
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-router.h"

G_BEGIN_DECLS

void tally_api_auth_register   (TallyRouter *router);
void tally_api_health_register (TallyRouter *router);

G_END_DECLS
