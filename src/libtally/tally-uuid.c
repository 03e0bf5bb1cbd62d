/* tally-uuid.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-uuid.h"

/* Byte offsets of the dashes in 8-4-4-4-12. */
static gboolean
is_dash_position (guint i)
{
  return i == 8 || i == 13 || i == 18 || i == 23;
}

gboolean
tally_uuid_to_bytes (const char *uuid,
                     guint8      bytes[16])
{
  guint n = 0;

  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    return FALSE;

  for (guint i = 0; i < 36; i += 2)
    {
      if (is_dash_position (i))
        i++;
      bytes[n++] = (guint8) ((g_ascii_xdigit_value (uuid[i]) << 4) |
                             g_ascii_xdigit_value (uuid[i + 1]));
    }

  return TRUE;
}

void
tally_uuid_from_bytes (const guint8 bytes[16],
                       char         uuid[37])
{
  static const char hex[] = "0123456789abcdef";
  guint pos = 0;

  for (guint i = 0; i < 16; i++)
    {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23)
        uuid[pos++] = '-';
      uuid[pos++] = hex[bytes[i] >> 4];
      uuid[pos++] = hex[bytes[i] & 0xf];
    }
  uuid[36] = '\0';
}

/* A name-based UUID (RFC 9562 version 8, from SHA-256): the same namespace
 * and name always give the same id, which is how a Stripe session or an
 * expiry turns into exactly one transfer however often it is replayed. */
void
tally_uuid_derive (const char *namespace_name,
                   const char *name,
                   char        uuid[37])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_checksum_update (checksum, (const guchar *) namespace_name, strlen (namespace_name));
  g_checksum_update (checksum, (const guchar *) "", 1);
  g_checksum_update (checksum, (const guchar *) name, strlen (name));
  g_checksum_get_digest (checksum, digest, &digest_len);

  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  tally_uuid_from_bytes (digest, uuid);
}
