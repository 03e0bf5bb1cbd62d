/* fuzz-tools.h: the tool registry, for targets that price what they decode
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "fuzz-common.h"
#include "tally-tool-registry.h"

/* The source tree's registry, loaded once: what the server prices with. */
static inline TallyToolRegistry *
fuzz_registry (void)
{
  static TallyToolRegistry *registry;

  if (registry == NULL)
    {
      g_autoptr(GError) error = NULL;

      registry = tally_tool_registry_new ();
      if (!tally_tool_registry_load_directory (registry, TALLY_SOURCE_DATADIR "/tools", NULL,
                                               &error))
        g_error ("fuzz: cannot load the tool registry: %s", error->message);
    }

  return registry;
}

/* Prices decoded inputs as POST /v1/estimate and POST /v1/runs do: a
 * refusal is described in text fit for an answer, and an estimate is
 * ordered min <= typical <= max. TRUE when the inputs were priced, which
 * is when the server goes on to authorize the run. */
static inline gboolean
fuzz_estimate (const char *tool_id,
               JsonObject *inputs)
{
  TallyTool *tool = tally_tool_registry_lookup (fuzz_registry (), tool_id);
  g_autoptr(GError) error = NULL;
  TallyEstimate estimate;

  if (tool == NULL)
    return FALSE;

  if (!tally_tool_estimate (tool, inputs, NULL, 0, &estimate, &error))
    {
      fuzz_require (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return FALSE;
    }

  fuzz_require (error == NULL);
  fuzz_require (0 <= estimate.min && estimate.min <= estimate.typical &&
                estimate.typical <= estimate.max);
  fuzz_require (estimate.units >= -1);
  return TRUE;
}
