/* tally-statement.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-statement.h"

const char *
tally_item_status_to_string (TallyItemStatus status)
{
  switch (status)
    {
    case TALLY_ITEM_STATUS_POSTED:
      return "posted";
    case TALLY_ITEM_STATUS_PENDING:
      return "pending";
    case TALLY_ITEM_STATUS_VOIDED:
      return "voided";
    default:
      g_return_val_if_reached (NULL);
    }
}
