/* tally-tool-registry.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tally-tool.h"

G_BEGIN_DECLS

#define TALLY_TYPE_TOOL_REGISTRY (tally_tool_registry_get_type ())

/* The catalogue of tools, a GListModel of TallyTool sorted by category and
 * name. */
G_DECLARE_FINAL_TYPE (TallyToolRegistry, tally_tool_registry, TALLY, TOOL_REGISTRY, GObject)

TallyToolRegistry *tally_tool_registry_new            (void);
/* Loads every *.json file of @directory. A bad file does not stop the
 * others: its error (naming the file and the field) is added to
 * @file_errors when given. FALSE only when the directory cannot be read. */
gboolean           tally_tool_registry_load_directory (TallyToolRegistry  *self,
                                                       const char         *directory,
                                                       GPtrArray          *file_errors,
                                                       GError            **error);
gboolean           tally_tool_registry_add            (TallyToolRegistry  *self,
                                                       TallyTool          *tool,
                                                       GError            **error);
TallyTool         *tally_tool_registry_lookup         (TallyToolRegistry  *self,
                                                       const char         *tool_id);
/* Changes whenever any tool or price does: a hex SHA-256 of the catalogue. */
const char        *tally_tool_registry_get_version    (TallyToolRegistry  *self);
JsonNode          *tally_tool_registry_to_json        (TallyToolRegistry  *self);

G_END_DECLS
