/* tally-secret.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "tally-secret.h"

static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    "io.github.tallycredits.Tally.Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

void
tally_secret_store_async (const char          *server_url,
                          const char          *token,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *label = g_strdup_printf (_("Tally session on %s"), server_url);

  secret_password_store (session_schema (), SECRET_COLLECTION_DEFAULT, label, token, cancellable,
                         callback, user_data, "server", server_url, NULL);
}

gboolean
tally_secret_store_finish (GAsyncResult  *result,
                           GError       **error)
{
  return secret_password_store_finish (result, error);
}

void
tally_secret_lookup_async (const char          *server_url,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  secret_password_lookup (session_schema (), cancellable, callback, user_data, "server",
                          server_url, NULL);
}

char *
tally_secret_lookup_finish (GAsyncResult  *result,
                            GError       **error)
{
  char *secret = secret_password_lookup_finish (result, error);
  char *token = g_strdup (secret);

  secret_password_free (secret);
  return token;
}

void
tally_secret_clear_async (const char          *server_url,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  secret_password_clear (session_schema (), cancellable, callback, user_data, "server",
                         server_url, NULL);
}

gboolean
tally_secret_clear_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  /* FALSE without an error means there was nothing to clear. */
  if (!secret_password_clear_finish (result, &local_error) && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}
