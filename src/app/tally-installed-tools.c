/* tally-installed-tools.c: the tools installed with the app
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server's catalogue says which tools are offered and what they cost;
 * it never says what runs on the user's computer. A server (or whoever
 * stands in its place) could otherwise name any program, "/bin/sh -c …"
 * included. So how a tool runs comes only from the registry installed
 * with the app.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-installed-tools.h"

static const char *
installed_dir (void)
{
  const char *dir = g_getenv ("TALLY_TOOLS_DIR");

  if (dir != NULL && *dir != '\0')
    return dir;
  /* Run from a build tree, the registry is the source tree's. */
  if (g_file_test (TALLY_DATADIR "/tools", G_FILE_TEST_IS_DIR))
    return TALLY_DATADIR "/tools";
  return TALLY_SOURCE_DATADIR "/tools";
}

static gpointer
load_installed (gpointer data)
{
  TallyToolRegistry *registry = tally_tool_registry_new ();
  g_autoptr(GPtrArray) file_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;

  /* With no readable registry, no tool runs: the safe side. */
  if (!tally_tool_registry_load_directory (registry, installed_dir (), file_errors, &error))
    g_warning ("The installed tools cannot be read: %s", error->message);
  for (guint i = 0; i < file_errors->len; i++)
    g_warning ("An installed tool is left out: %s",
               ((GError *) g_ptr_array_index (file_errors, i))->message);
  return registry;
}

TallyToolRegistry *
tally_installed_tools_get (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, load_installed, NULL);
}

/* Built-in against command is a different tool, whatever its id: running
 * one in place of the other would not do what the page describes. */
static gboolean
same_kind (TallyTool *offered,
           TallyTool *installed)
{
  const char *offered_builtin = tally_tool_get_builtin (offered);
  const char *installed_builtin = tally_tool_get_builtin (installed);

  if (offered_builtin != NULL || installed_builtin != NULL)
    return g_strcmp0 (offered_builtin, installed_builtin) == 0;
  /* Both commands: the installed argv is the one that runs. */
  return tally_tool_get_command (installed) != NULL;
}

TallyTool *
tally_installed_tools_match (TallyTool  *offered,
                             char      **reason)
{
  TallyTool *installed;

  g_return_val_if_fail (TALLY_IS_TOOL (offered), NULL);

  installed = tally_tool_registry_lookup (tally_installed_tools_get (),
                                          tally_tool_get_id (offered));
  if (installed == NULL)
    {
      if (reason != NULL)
        *reason = g_strdup (_("Unavailable: this tool is not installed with the app"));
      return NULL;
    }
  if (!same_kind (offered, installed))
    {
      if (reason != NULL)
        *reason = g_strdup (_("Unavailable: the server describes this tool differently from "
                              "the one installed with the app"));
      return NULL;
    }
  return installed;
}
