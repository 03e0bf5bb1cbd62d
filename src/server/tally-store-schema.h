/* tally-store-schema.h: the server's tables, for both stores
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The server's migrations in SQLite's SQL: migration N takes the tables
 * from version N to N + 1. */
const char * const *tally_store_schema_migrations      (guint      *n_migrations);
/* One migration in PostgreSQL's SQL; NULL with an error if it uses what
 * the rendering does not know. */
char               *tally_store_schema_render_postgres (const char *sql,
                                                        GError    **error);

G_END_DECLS
