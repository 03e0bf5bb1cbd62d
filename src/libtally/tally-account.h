/* tally-account.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-types.h"

G_BEGIN_DECLS

/* An account of the ledger. The four balance columns are kept by the ledger;
 * callers only ever read them. Plain data, so a lookup needs no allocation. */
typedef struct _TallyAccount
{
  char              id[TALLY_UUID_LEN];
  TallyAccountKind  kind;
  TallyAccountFlags flags;
  char              name[TALLY_NAME_MAX];
  /* IANA zone the account's spend windows follow, e.g. "Europe/Paris". */
  char              timezone[TALLY_TIMEZONE_MAX];
  gint64            debits_pending;
  gint64            debits_posted;
  gint64            credits_pending;
  gint64            credits_posted;
  /* Microseconds since the Unix epoch, UTC. */
  gint64            created_at;
} TallyAccount;

void   tally_account_init      (TallyAccount       *account,
                                const char         *id,
                                TallyAccountKind    kind,
                                TallyAccountFlags   flags,
                                const char         *name,
                                const char         *zone_name);
gint64 tally_account_balance   (const TallyAccount *account);
gint64 tally_account_available (const TallyAccount *account);
gint64 tally_account_held      (const TallyAccount *account);

G_END_DECLS
