/* tally-auth.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "tally-auth.h"

#define PWHASH_OPSLIMIT 2
#define PWHASH_MEMLIMIT (19 * 1024 * 1024)

static char *dummy_hash;

gboolean
tally_auth_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium failed to start");
      return FALSE;
    }

  if (dummy_hash == NULL)
    dummy_hash = tally_password_hash ("not the password of anyone at all", error);

  return dummy_hash != NULL;
}

char *
tally_password_hash (const char  *password,
                     GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (password != NULL, NULL);

  if (crypto_pwhash_str_alg (hash, password, strlen (password), PWHASH_OPSLIMIT,
                             PWHASH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "Not enough memory to hash the password");
      return NULL;
    }

  return g_strdup (hash);
}

gboolean
tally_password_verify (const char *hash,
                       const char *password)
{
  g_return_val_if_fail (hash != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

void
tally_password_burn_time (const char *password)
{
  g_return_if_fail (dummy_hash != NULL);

  tally_password_verify (dummy_hash, password);
}

char *
tally_token_new (void)
{
  guint8 bytes[32];
  char token[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (token, sizeof token, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);

  return g_strdup (token);
}

void
tally_token_hash (const char *token,
                  guint8      hash[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (checksum, (const guchar *) token, strlen (token));
  g_checksum_get_digest (checksum, hash, &len);
}
