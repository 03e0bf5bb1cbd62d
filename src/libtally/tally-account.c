/* tally-account.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-account.h"

void
tally_account_init (TallyAccount      *account,
                    const char        *id,
                    TallyAccountKind   kind,
                    TallyAccountFlags  flags,
                    const char        *name,
                    const char        *zone_name)
{
  g_return_if_fail (account != NULL);

  memset (account, 0, sizeof *account);
  g_strlcpy (account->id, id ? id : "", sizeof account->id);
  account->kind = kind;
  account->flags = flags;
  g_strlcpy (account->name, name ? name : "", sizeof account->name);
  g_strlcpy (account->timezone, zone_name ? zone_name : "UTC", sizeof account->timezone);
}

gint64
tally_account_balance (const TallyAccount *account)
{
  return account->credits_posted - account->debits_posted;
}

gint64
tally_account_available (const TallyAccount *account)
{
  return tally_account_balance (account) - account->debits_pending;
}

gint64
tally_account_held (const TallyAccount *account)
{
  return account->debits_pending;
}
