/* tally-ledger-sqlite.h: the ledger file, for components that share it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "tally-ledger.h"

G_BEGIN_DECLS

sqlite3  *tally_ledger_get_sqlite        (TallyLedger        *self);

/* Brings @component's own tables in the ledger file up to date: migration
 * N takes it from version N to N + 1, recorded per component in the file.
 * A file whose @component is newer than @n_migrations is refused and left
 * unchanged. */
gboolean  tally_ledger_migrate_component (TallyLedger        *self,
                                          const char         *component,
                                          const char * const *migrations,
                                          guint               n_migrations,
                                          GError            **error);

G_END_DECLS
