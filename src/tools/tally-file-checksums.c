/* tally-file-checksums.c: a checksum of each file, as sha256sum writes it
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-builtin-private.h"

static gboolean
checksum_type (const char     *name,
               GChecksumType  *type,
               GError        **error)
{
  static const struct { const char *name; GChecksumType type; } types[] = {
    { "sha256", G_CHECKSUM_SHA256 },
    { "sha512", G_CHECKSUM_SHA512 },
    { "sha1", G_CHECKSUM_SHA1 },
    { "md5", G_CHECKSUM_MD5 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      if (g_str_equal (types[i].name, name))
        {
          *type = types[i].type;
          return TRUE;
        }
    }

  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
               _("“%s” is not a checksum Tally knows"), name);
  return FALSE;
}

/* Adds one file to @checksum; @done counts the bytes of all files. */
static gboolean
checksum_file (const TallyBuiltinRun  *run,
               const char             *path,
               GChecksum              *checksum,
               guint64                *done,
               guint64                 total,
               GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) input = g_file_read (file, run->cancellable, error);
  g_autofree guint8 *buffer = g_malloc (TALLY_BUILTIN_CHUNK);
  gssize n;

  if (input == NULL)
    return FALSE;

  while ((n = g_input_stream_read (G_INPUT_STREAM (input), buffer, TALLY_BUILTIN_CHUNK,
                                   run->cancellable, error)) > 0)
    {
      g_checksum_update (checksum, buffer, n);
      *done += (guint64) n;
      tally_builtin_report (run, *done, total);
    }

  return n == 0;
}

gboolean
tally_builtin_file_checksums (const TallyBuiltinRun  *run,
                              gint64                 *units,
                              GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "files", error);
  g_autoptr(GString) listing = g_string_new (NULL);
  GChecksumType type;
  guint64 total;
  guint64 done = 0;

  if (paths == NULL ||
      !checksum_type (tally_builtin_get_string (run, "algorithm", "sha256"), &type, error) ||
      !tally_builtin_total_size (paths, run->cancellable, &total, error))
    return FALSE;

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GChecksum) checksum = g_checksum_new (type);
      g_autofree char *name = g_path_get_basename (path);

      if (!checksum_file (run, path, checksum, &done, total, error))
        return FALSE;
      /* The format of sha256sum and friends, so that `sha256sum -c` reads it. */
      g_string_append_printf (listing, "%s  %s\n", g_checksum_get_string (checksum), name);
    }

  if (!tally_builtin_save (run, listing->str, listing->len, error))
    return FALSE;

  *units = tally_builtin_megabytes (done);
  return TRUE;
}
