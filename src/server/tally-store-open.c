/* tally-store-open.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "tally-log.h"
#include "tally-pg-store.h"
#include "tally-store-open.h"
#include "tally-store.h"

/* How many (account, window) spend sums the SQLite ledger keeps. */
#define KEPT_WINDOWS 65536

static gint64
shifted_clock (gpointer data)
{
  return g_get_real_time () + GPOINTER_TO_SIZE (data) * G_USEC_PER_SEC;
}

/* TALLY_SERVER_CLOCK_OFFSET (seconds ahead) lets the tests reach the next
 * day's or month's windows; never set in production. */
static void
shift_clock (TallyApiStore *store)
{
  const char *offset = g_getenv ("TALLY_SERVER_CLOCK_OFFSET");
  guint64 seconds;

  if (offset == NULL || !g_ascii_string_to_unsigned (offset, 10, 1, 400 * 86400, &seconds, NULL))
    return;

  tally_log_warning ("clock_shifted", offset);
  tally_api_store_set_clock (store, shifted_clock, GSIZE_TO_POINTER ((gsize) seconds));
}

static const char *
errno_words (int saved_errno)
{
  return saved_errno == EROFS ? "read-only file system" : g_strerror (saved_errno);
}

/* The ledger, its journal and its lock all live in the data folder: say
 * so plainly rather than let SQLite say it "cannot open" a file that is
 * there. */
static gboolean
prepare_data_dir (const char  *data_dir,
                  GError     **error)
{
  int saved_errno;

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the data folder “%s”: %s", data_dir, errno_words (saved_errno));
      return FALSE;
    }
  if (g_access (data_dir, W_OK) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "The data folder “%s” cannot be written (%s): the server needs to write "
                   "its ledger there", data_dir, errno_words (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static TallyApiStore *
open_sqlite (TallyConfig         *config,
             TallyStoreOpenMode   mode,
             GError             **error)
{
  g_autofree char *path = tally_config_ledger_path (config);
  g_autoptr(TallyLedger) ledger = NULL;

  if (mode == TALLY_STORE_OPEN_EXISTING && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "There is no ledger at “%s”", path);
      return NULL;
    }
  if (mode != TALLY_STORE_OPEN_EXISTING && !prepare_data_dir (config->data_dir, error))
    return NULL;

  ledger = tally_ledger_open (path, config->sync_normal ? TALLY_LEDGER_OPEN_SYNC_NORMAL
                                                        : TALLY_LEDGER_OPEN_DEFAULT, error);
  if (ledger == NULL)
    return NULL;
  /* Spend caps are checked on every authorization: keep their windows'
   * sums (two a capped account; about 10 MiB when full). */
  tally_ledger_keep_window_sums (ledger, KEPT_WINDOWS);
  return (TallyApiStore *) tally_store_new (ledger, error);
}

static TallyApiStore *
open_postgres (TallyConfig         *config,
               TallyStoreOpenMode   mode,
               GError             **error)
{
  TallyPgStore *store;

  if (mode == TALLY_STORE_OPEN_MIGRATE)
    store = tally_pg_store_new (config->store_url, error);
  else
    store = tally_pg_store_connect (config->store_url, error);
  return (TallyApiStore *) store;
}

TallyApiStore *
tally_store_open (TallyConfig         *config,
                  TallyStoreOpenMode   mode,
                  GError             **error)
{
  TallyApiStore *store;

  g_return_val_if_fail (config != NULL, NULL);

  if (config->store_url != NULL)
    store = open_postgres (config, mode, error);
  else
    store = open_sqlite (config, mode, error);

  if (store != NULL)
    shift_clock (store);
  return store;
}
