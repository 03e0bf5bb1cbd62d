/* tally-gzip-decompress.c: gzip files unpacked through GZlibDecompressor
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"

/* A protection against decompression bombs (a few kilobytes that unpack
 * to gigabytes of zeros and fill the disk): a file may unpack to at most
 * 100 times its size, or 16 MiB for small files. gzip cannot do much
 * better than 1:1000 on the most repetitive data, and real text or
 * data rarely reaches 1:20, so no real file comes near the bound. */
#define BOMB_RATIO 100
#define BOMB_FLOOR (16 * 1024 * 1024)

static const guint8 gzip_magic[] = { 0x1f, 0x8b };

typedef struct
{
  const TallyBuiltinRun *run;
  GOutputStream         *output;
  guint64                read;
  guint64                total;
} Unpacker;

/* One file being unpacked. */
typedef struct
{
  char              *name;
  GInputStream      *stream;
  GZlibDecompressor *decompressor;
  /* Read but not yet taken by the decompressor. */
  GByteArray        *pending;
  gboolean           end_of_file;
  /* Between gzip members, where a new header must start. */
  gboolean           between_members;
  guint              members;
  guint64            written;
  guint64            limit;
} GzipInput;

static void
gzip_input_clear (GzipInput *gz)
{
  g_clear_pointer (&gz->name, g_free);
  g_clear_object (&gz->stream);
  g_clear_object (&gz->decompressor);
  g_clear_pointer (&gz->pending, g_byte_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GzipInput, gzip_input_clear)

static gboolean
not_gzip (GzipInput  *gz,
          GError    **error)
{
  g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
               _("“%s” is not a gzip file"), gz->name);
  return FALSE;
}

static gboolean
read_more (Unpacker   *unpacker,
           GzipInput  *gz,
           GError    **error)
{
  guint8 buffer[TALLY_BUILTIN_CHUNK];
  gssize n = g_input_stream_read (gz->stream, buffer, sizeof buffer,
                                  unpacker->run->cancellable, error);

  if (n < 0)
    return FALSE;

  gz->end_of_file = n == 0;
  g_byte_array_append (gz->pending, buffer, (guint) n);
  unpacker->read += (guint64) n;
  tally_builtin_report (unpacker->run, unpacker->read, unpacker->total);
  return TRUE;
}

static gboolean
all_zero (const GByteArray *bytes)
{
  for (guint i = 0; i < bytes->len; i++)
    {
      if (bytes->data[i] != 0)
        return FALSE;
    }

  return TRUE;
}

typedef enum
{
  START_FOUND,
  START_NEEDS_MORE,
  START_INVALID,
} MemberStart;

/* Where a gzip member must start: the gzip magic number, or after the
 * last member the zeros some tools pad files with. */
static MemberStart
check_member_start (GzipInput  *gz,
                    GError    **error)
{
  if (gz->members > 0 && all_zero (gz->pending))
    {
      g_byte_array_set_size (gz->pending, 0);
      return START_NEEDS_MORE;
    }

  if (gz->pending->len < sizeof gzip_magic && !gz->end_of_file)
    return START_NEEDS_MORE;

  if (gz->pending->len < sizeof gzip_magic ||
      memcmp (gz->pending->data, gzip_magic, sizeof gzip_magic) != 0)
    {
      if (gz->members == 0)
        not_gzip (gz, error);
      else
        g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                     _("“%s” has data after its end that is not gzip"), gz->name);
      return START_INVALID;
    }

  gz->between_members = FALSE;
  return START_FOUND;
}

static gboolean
write_out (Unpacker     *unpacker,
           GzipInput    *gz,
           const guint8 *data,
           gsize         length,
           GError      **error)
{
  gz->written += length;
  if (gz->written > gz->limit)
    {
      g_autofree char *limit = g_format_size (gz->limit);

      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” unpacks to more than %s: Tally stops there, as a file that grows "
                     "this much is most likely a decompression bomb"),
                   gz->name, limit);
      return FALSE;
    }

  return g_output_stream_write_all (unpacker->output, data, length, NULL,
                                    unpacker->run->cancellable, error);
}

/* Feeds what is pending to the decompressor and writes what comes out;
 * @need_more when it can go no further without more input. */
static gboolean
convert_pending (Unpacker   *unpacker,
                 GzipInput  *gz,
                 gboolean   *need_more,
                 GError    **error)
{
  guint8 buffer[TALLY_BUILTIN_CHUNK];
  g_autoptr(GError) convert_error = NULL;
  GConverterResult result;
  gsize bytes_read = 0;
  gsize bytes_written = 0;

  *need_more = FALSE;
  result = g_converter_convert (G_CONVERTER (gz->decompressor), gz->pending->data,
                                gz->pending->len, buffer, sizeof buffer,
                                G_CONVERTER_NO_FLAGS, &bytes_read, &bytes_written,
                                &convert_error);
  if (result == G_CONVERTER_ERROR)
    {
      if (!g_error_matches (convert_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        {
          g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                       _("“%s” is damaged: its compressed data is not valid"), gz->name);
          return FALSE;
        }
      *need_more = TRUE;
      return TRUE;
    }

  g_byte_array_remove_range (gz->pending, 0, (guint) bytes_read);
  if (!write_out (unpacker, gz, buffer, bytes_written, error))
    return FALSE;

  if (result == G_CONVERTER_FINISHED)
    {
      /* gzip allows several members one after another: "cat a.gz b.gz". */
      gz->members++;
      gz->between_members = TRUE;
      g_converter_reset (G_CONVERTER (gz->decompressor));
    }

  *need_more = bytes_read == 0 && bytes_written == 0;
  return TRUE;
}

static gboolean
unpack_members (Unpacker   *unpacker,
                GzipInput  *gz,
                GError    **error)
{
  gboolean need_more = TRUE;

  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (unpacker->run->cancellable, error))
        return FALSE;
      if ((need_more || gz->pending->len == 0) && !gz->end_of_file &&
          !read_more (unpacker, gz, error))
        return FALSE;
      /* Inside a member the decompressor may still hold output. */
      if (gz->pending->len == 0 && gz->end_of_file && gz->between_members)
        break;

      if (gz->between_members)
        {
          MemberStart start = check_member_start (gz, error);

          if (start == START_INVALID)
            return FALSE;
          need_more = start == START_NEEDS_MORE;
          if (need_more)
            continue;
        }

      if (!convert_pending (unpacker, gz, &need_more, error))
        return FALSE;
      if (need_more && gz->end_of_file)
        break;
    }

  if (gz->members == 0 && gz->between_members)
    return not_gzip (gz, error);
  if (!gz->between_members)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_INPUT,
                   _("“%s” is cut short: the end of its data is missing"), gz->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
unpack_file (Unpacker    *unpacker,
             const char  *path,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;
  g_auto(GzipInput) gz = { 0 };

  gz.name = g_path_get_basename (path);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            unpacker->run->cancellable, error);
  if (info == NULL)
    return FALSE;

  gz.stream = G_INPUT_STREAM (g_file_read (file, unpacker->run->cancellable, error));
  if (gz.stream == NULL)
    return FALSE;

  gz.decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  gz.pending = g_byte_array_new ();
  gz.between_members = TRUE;
  gz.limit = MAX ((guint64) BOMB_FLOOR, (guint64) g_file_info_get_size (info) * BOMB_RATIO);
  return unpack_members (unpacker, &gz, error);
}

/* Unpacks @path into @output and closes it. */
static gboolean
unpack_to_stream (Unpacker       *unpacker,
                  const char     *path,
                  GOutputStream  *output,
                  GError        **error)
{
  unpacker->output = output;
  if (!unpack_file (unpacker, path, error))
    {
      g_output_stream_close (output, NULL, NULL);
      return FALSE;
    }

  return g_output_stream_close (output, unpacker->run->cancellable, error);
}

static gboolean
unpack_to_output (Unpacker    *unpacker,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (unpacker->run->output_path);
  g_autoptr(GFileOutputStream) output = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                        unpacker->run->cancellable, error);

  return output != NULL && unpack_to_stream (unpacker, path, G_OUTPUT_STREAM (output), error);
}

/* Unpacked into a temporary file, mapped in memory rather than read into
 * it, however large; the file is gone once mapped. */
static GBytes *
unpack_to_mapped_file (Unpacker    *unpacker,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GFileIOStream) stream = NULL;
  g_autoptr(GFile) file = g_file_new_tmp ("tally-gzip-XXXXXX", &stream, error);
  g_autofree char *temporary_path = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  gboolean unpacked;

  if (file == NULL)
    return NULL;

  temporary_path = g_file_get_path (file);
  unpacked = unpack_to_stream (unpacker, path,
                               g_io_stream_get_output_stream (G_IO_STREAM (stream)), error);
  if (unpacked)
    mapped = g_mapped_file_new (temporary_path, FALSE, error);
  g_file_delete (file, NULL, NULL);

  return mapped != NULL ? g_mapped_file_get_bytes (mapped) : NULL;
}

/* The name a file had before it was packed: "notes.txt.gz" gives
 * "notes.txt", "site.tgz" "site.tar". */
static char *
unpacked_name (const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  gsize length = strlen (name);

  if (length > 3 && g_ascii_strcasecmp (name + length - 3, ".gz") == 0)
    return g_strndup (name, length - 3);
  if (length > 4 && g_ascii_strcasecmp (name + length - 4, ".tgz") == 0)
    return g_strdup_printf ("%.*s.tar", (int) (length - 4), name);

  return g_steal_pointer (&name);
}

static gboolean
unpack_to_tar (Unpacker   *unpacker,
               GPtrArray  *paths,
               GError    **error)
{
  g_autoptr(TallyBuiltinTar) tar = tally_builtin_tar_new (unpacker->run, error);

  if (tar == NULL)
    return FALSE;

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GBytes) contents = unpack_to_mapped_file (unpacker, path, error);
      g_autofree char *name = unpacked_name (path);

      if (contents == NULL || !tally_builtin_tar_add (tar, name, contents, error))
        return FALSE;
    }

  return tally_builtin_tar_finish (tar, error);
}

/* One file unpacks to the file it was; several to a tar of them, each
 * under its name without ".gz". */
char *
tally_builtin_gzip_decompress_suffix (JsonObject *values)
{
  JsonNode *files = json_object_get_member (values, "files");

  if (files != NULL && JSON_NODE_HOLDS_ARRAY (files) &&
      json_array_get_length (json_node_get_array (files)) > 1)
    return g_strdup (".tar");

  return NULL;
}

gboolean
tally_builtin_gzip_decompress (const TallyBuiltinRun  *run,
                               gint64                 *units,
                               GError                **error)
{
  g_autoptr(GPtrArray) paths = tally_builtin_get_files (run, "files", error);
  Unpacker unpacker = { run, NULL, 0, 0 };

  if (paths == NULL || !tally_builtin_total_size (paths, run->cancellable, &unpacker.total, error))
    return FALSE;

  if (paths->len == 1 ? !unpack_to_output (&unpacker, g_ptr_array_index (paths, 0), error)
                      : !unpack_to_tar (&unpacker, paths, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_builtin_megabytes (unpacker.total);
  return TRUE;
}
