/* tally-command.h: tools that run as an external program
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tally-tool.h"

G_BEGIN_DECLS

#define TALLY_COMMAND_ERROR (tally_command_error_quark ())

typedef enum
{
  /* The argv template names something the values do not give. */
  TALLY_COMMAND_ERROR_TEMPLATE,
  /* The program failed; the message ends with the last of what it said. */
  TALLY_COMMAND_ERROR_FAILED,
} TallyCommandError;

GQuark    tally_command_error_quark      (void);

/* Where a run of @tool writes in @dir: named after @input_name (the first
 * input file's name, or NULL), with the tool's output suffix. */
char     *tally_command_make_output_path (TallyTool            *tool,
                                          const char           *dir,
                                          const char           *input_name);
/* @tool's argv template with every "{input-id}" element replaced by that
 * value (a file input by one element per path), absent values by their
 * default, and "{output}" by @output_path. Never a shell string. */
GStrv     tally_command_build_argv       (TallyTool            *tool,
                                          JsonObject           *values,
                                          const char           *output_path,
                                          GError              **error);
/* The units @values weigh, measured as the estimate measures them. */
gboolean  tally_command_measure          (TallyTool            *tool,
                                          JsonObject           *values,
                                          GCancellable         *cancellable,
                                          gint64               *units,
                                          GError              **error);

/* Runs @tool's command on @values (as tally_builtin_run takes them),
 * writing @output_path. Cancelling kills the program. On failure or
 * cancellation nothing is left at @output_path. */
void      tally_command_run_async        (TallyTool            *tool,
                                          JsonObject           *values,
                                          const char           *output_path,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean  tally_command_run_finish       (GAsyncResult         *result,
                                          gint64               *units,
                                          GError              **error);

G_END_DECLS
