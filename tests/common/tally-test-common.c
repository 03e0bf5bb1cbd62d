/* tally-test-common.c: what every test program shares
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "tally-test-common.h"

/* @type is @file's own type, not its target's: a link to a folder is
 * deleted as a file, so nothing outside the tree goes. */
static gboolean
delete_tree (GFile     *file,
             GFileType  type)
{
  g_autoptr(GError) error = NULL;
  gboolean deleted = TRUE;

  if (type == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr(GFileEnumerator) children =
        g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
      GFileInfo *info;
      GFile *child;

      while (children != NULL &&
             g_file_enumerator_iterate (children, &info, &child, NULL, &error) &&
             info != NULL)
        deleted &= delete_tree (child, g_file_info_get_file_type (info));
      if (error != NULL)
        {
          g_autofree char *path = g_file_get_path (file);

          g_test_message ("Cannot list %s: %s", path, error->message);
          g_clear_error (&error);
          deleted = FALSE;
        }
    }

  if (!g_file_delete (file, NULL, &error))
    {
      g_autofree char *path = g_file_get_path (file);

      g_test_message ("Cannot remove %s: %s", path, error->message);
      deleted = FALSE;
    }
  return deleted;
}

gboolean
test_remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return delete_tree (file, g_file_query_file_type (file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                     NULL));
}
