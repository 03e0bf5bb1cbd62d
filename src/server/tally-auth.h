/* tally-auth.h: passwords and tokens
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TALLY_PASSWORD_MIN_CHARS 12
#define TALLY_PASSWORD_MAX_CHARS 1024
/* 32 random bytes, URL-safe base64 without padding. */
#define TALLY_TOKEN_CHARS 43

gboolean tally_auth_init          (GError     **error);
/* argon2id, 2 passes over 19 MiB: slow on purpose, so call it from a
 * worker thread. */
char    *tally_password_hash      (const char  *password,
                                   GError     **error);
gboolean tally_password_verify    (const char  *hash,
                                   const char  *password);
/* Verifies against a fixed hash: an unknown email costs the same time as
 * a wrong password, so timing does not tell whether an account exists. */
void     tally_password_burn_time (const char  *password);
char    *tally_token_new          (void);
void     tally_token_hash         (const char  *token,
                                   guint8       hash[32]);

G_END_DECLS
