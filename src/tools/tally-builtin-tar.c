/* tally-builtin-tar.c: a small POSIX ustar writer
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tools that make several files (pages of a split PDF, rendered pages,
 * converted images) write them as one ustar archive, which every system
 * opens. An archive is a 512-byte header per file, the file's bytes padded
 * to 512, and two zero blocks at the end. Only regular files are written,
 * with names of at most 100 bytes, so the "prefix" field is never needed. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"

#define BLOCK_SIZE 512
#define NAME_MAX_BYTES 100
/* The size field holds 11 octal digits. */
#define MAX_FILE_SIZE G_GUINT64_CONSTANT (077777777777)

struct _TallyBuiltinTar
{
  GOutputStream *stream;
  GCancellable  *cancellable;
  GHashTable    *names;
  gint64         mtime;
  gboolean       finished;
};

/* The header's layout, as POSIX gives it. */
typedef struct
{
  char name[100];
  char mode[8];
  char uid[8];
  char gid[8];
  char size[12];
  char mtime[12];
  char checksum[8];
  char typeflag;
  char linkname[100];
  char magic[6];
  char version[2];
  char uname[32];
  char gname[32];
  char devmajor[8];
  char devminor[8];
  char prefix[155];
  char padding[12];
} TarHeader;

G_STATIC_ASSERT (sizeof (TarHeader) == BLOCK_SIZE);

TallyBuiltinTar *
tally_builtin_tar_new (const TallyBuiltinRun  *run,
                       GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (run->output_path);
  g_autoptr(GFileOutputStream) stream = NULL;
  TallyBuiltinTar *tar;

  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, run->cancellable, error);
  if (stream == NULL)
    return NULL;

  tar = g_new0 (TallyBuiltinTar, 1);
  tar->stream = G_OUTPUT_STREAM (g_steal_pointer (&stream));
  tar->cancellable = run->cancellable != NULL ? g_object_ref (run->cancellable) : NULL;
  tar->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tar->mtime = g_get_real_time () / G_USEC_PER_SEC;
  return tar;
}

void
tally_builtin_tar_free (TallyBuiltinTar *tar)
{
  if (tar == NULL)
    return;

  if (!tar->finished)
    g_output_stream_close (tar->stream, NULL, NULL);
  g_object_unref (tar->stream);
  g_clear_object (&tar->cancellable);
  g_hash_table_unref (tar->names);
  g_free (tar);
}

/* Cuts @name to at most @max_bytes without splitting a character. */
static char *
truncate_utf8 (const char *name,
               gsize       max_bytes)
{
  const char *end = name;

  while (*end != '\0')
    {
      const char *next = g_utf8_next_char (end);

      if ((gsize) (next - name) > max_bytes)
        break;
      end = next;
    }

  return g_strndup (name, end - name);
}

/* @name with " (n)" before its extension when n > 1, within the limit. */
static char *
numbered_name (const char *name,
               guint       n)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *extension = g_strdup (dot != NULL && dot != name ? dot : "");
  g_autofree char *stem = g_strndup (name, strlen (name) - strlen (extension));
  g_autofree char *number = n > 1 ? g_strdup_printf (" (%u)", n) : g_strdup ("");
  gsize room = NAME_MAX_BYTES - MIN (NAME_MAX_BYTES / 2, strlen (extension)) - strlen (number);
  g_autofree char *short_stem = truncate_utf8 (stem, room);
  g_autofree char *short_extension = truncate_utf8 (extension, NAME_MAX_BYTES / 2);

  return g_strconcat (short_stem, number, short_extension, NULL);
}

static char *
unique_name (TallyBuiltinTar *tar,
             const char      *name)
{
  /* A path separator would make a directory the archive does not hold. */
  g_autofree char *flat = g_strdelimit (g_strdup (name), "/\\", '_');

  for (guint n = 1;; n++)
    {
      char *candidate = numbered_name (flat, n);

      if (!g_hash_table_contains (tar->names, candidate))
        {
          g_hash_table_add (tar->names, g_strdup (candidate));
          return candidate;
        }
      g_free (candidate);
    }
}

/* Octal, zero-padded, NUL-terminated, filling the field. */
static void
set_octal (char    *field,
           gsize    width,
           guint64  value)
{
  g_autofree char *text = g_strdup_printf ("%0*" G_GINT64_MODIFIER "o", (int) width - 1, value);

  memcpy (field, text, width - 1);
  field[width - 1] = '\0';
}

static void
fill_header (TarHeader  *header,
             const char *name,
             guint64     size,
             gint64      mtime)
{
  const guint8 *bytes = (const guint8 *) header;
  guint checksum = 0;

  memset (header, 0, sizeof *header);
  memcpy (header->name, name, strlen (name));
  set_octal (header->mode, sizeof header->mode, 0644);
  set_octal (header->uid, sizeof header->uid, 0);
  set_octal (header->gid, sizeof header->gid, 0);
  set_octal (header->size, sizeof header->size, size);
  set_octal (header->mtime, sizeof header->mtime, (guint64) MAX (mtime, 0));
  header->typeflag = '0';
  memcpy (header->magic, "ustar", 6);
  memcpy (header->version, "00", 2);

  /* The checksum is taken with its own field as eight spaces. */
  memset (header->checksum, ' ', sizeof header->checksum);
  for (gsize i = 0; i < sizeof *header; i++)
    checksum += bytes[i];
  g_snprintf (header->checksum, sizeof header->checksum, "%06o", checksum);
  header->checksum[7] = ' ';
}

gboolean
tally_builtin_tar_add (TallyBuiltinTar  *tar,
                       const char       *name,
                       GBytes           *contents,
                       GError          **error)
{
  static const guint8 zeros[BLOCK_SIZE] = { 0 };
  g_autofree char *stored_name = NULL;
  gsize size = g_bytes_get_size (contents);
  gsize padding = (BLOCK_SIZE - size % BLOCK_SIZE) % BLOCK_SIZE;
  TarHeader header;

  g_return_val_if_fail (!tar->finished, FALSE);

  if ((guint64) size > MAX_FILE_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("“%s” is too large to be put in an archive"), name);
      return FALSE;
    }

  stored_name = unique_name (tar, name);
  fill_header (&header, stored_name, size, tar->mtime);

  return g_output_stream_write_all (tar->stream, &header, sizeof header, NULL, tar->cancellable,
                                    error) &&
         g_output_stream_write_all (tar->stream, g_bytes_get_data (contents, NULL), size, NULL,
                                    tar->cancellable, error) &&
         g_output_stream_write_all (tar->stream, zeros, padding, NULL, tar->cancellable, error);
}

gboolean
tally_builtin_tar_finish (TallyBuiltinTar  *tar,
                          GError          **error)
{
  static const guint8 end[2 * BLOCK_SIZE] = { 0 };

  g_return_val_if_fail (!tar->finished, FALSE);

  if (!g_output_stream_write_all (tar->stream, end, sizeof end, NULL, tar->cancellable, error))
    return FALSE;

  tar->finished = TRUE;
  return g_output_stream_close (tar->stream, tar->cancellable, error);
}
