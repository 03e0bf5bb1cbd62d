/* tally-store-open.h: the store a configuration names
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-api-store.h"
#include "tally-config.h"

G_BEGIN_DECLS

typedef enum
{
  /* What a server does at start: SQLite's file is created or brought up
   * to date, as one process owns it; PostgreSQL's tables must already be
   * at this Tally's version (tally-server migrate), as several servers
   * may share them and an upgrade is the operator's step. */
  TALLY_STORE_OPEN_SERVE,
  /* The store must exist already (tally-server check). */
  TALLY_STORE_OPEN_EXISTING,
  /* Creates the tables or brings them up to date (tally-server migrate). */
  TALLY_STORE_OPEN_MIGRATE,
} TallyStoreOpenMode;

/* SQLite in @config's data folder, or PostgreSQL at its [store] url. */
TallyApiStore *tally_store_open (TallyConfig         *config,
                                 TallyStoreOpenMode   mode,
                                 GError             **error);

G_END_DECLS
