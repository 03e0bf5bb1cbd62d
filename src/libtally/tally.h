/* tally.h: the whole of libtally
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-types.h"
#include "tally-currency.h"
#include "tally-uuid.h"
#include "tally-account.h"
#include "tally-transfer.h"
#include "tally-transfer-json.h"
#include "tally-sync-op.h"
#include "tally-json.h"
#include "tally-statement.h"
#include "tally-ledger.h"
#include "tally-export.h"
#include "tally-pricing.h"
#include "tally-tool.h"
#include "tally-tool-registry.h"
#include "tally-policy.h"
#include "tally-usage.h"
